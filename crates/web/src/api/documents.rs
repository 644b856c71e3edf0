//! Documents attached to device models, assets and work orders (issue 4 §7).
//!
//! - `POST /{models|assets|work-orders}/{id}/documents` — multipart: `file`, `kind`, `title`
//!   (optional; defaults to the file name), `sha256` (optional; checked against the bytes received).
//! - `GET /{models|assets|work-orders}/{id}/documents[?include_removed=true]`
//! - `GET /documents/{id}`, `GET /documents/{id}/content`, `POST /documents/{id}/remove`
//!
//! The upload routes lift axum's default body limit and count the file's bytes themselves, so a
//! file up to the configured limit (default 25 MiB) is accepted and a bigger one gets a clean
//! 413 `too_large` as soon as it passes the limit. Content is served with the stored media type,
//! `X-Content-Type-Options: nosniff`, a sandboxing CSP, and `Content-Disposition: attachment`
//! for everything but images.

use super::error::{ApiError, ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use super::openapi_doc::Binary;
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use htm_domain::document::{Document, DocumentEntity};
use htm_domain::ids::{AssetId, ModelId, WorkOrderId};
use htm_service::documents::{Attached, DocumentBytes, Upload};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The most a text field of the upload form may hold.
const MAX_FIELD: usize = 16 * 1024;
/// The most parts an upload form may have.
const MAX_PARTS: usize = 16;

/// The document routes: the three upload/list pairs without axum's default body limit (the
/// handlers enforce the document limit), the rest with it.
pub fn routes() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(list_model_documents, attach_model_document))
        .routes(routes!(list_asset_documents, attach_asset_document))
        .routes(routes!(list_work_order_documents, attach_work_order_document))
        .layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .routes(routes!(get_document))
        .routes(routes!(document_content))
        .routes(routes!(remove_document))
        .merge(uploads)
}

/// Why reading a multipart upload stopped.
#[derive(Debug)]
pub enum UploadError {
    /// The file passed the limit (bytes).
    TooLarge(u64),
    /// The body is not a readable multipart form, or a text field is too long.
    Bad(String),
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::TooLarge(max) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the file is larger than {max} bytes ({} MiB), the largest accepted", max / (1024 * 1024)),
            ),
            UploadError::Bad(m) => ApiError::bad_request(m),
        }
    }
}

/// Reads a multipart upload: the `file` part (counted chunk by chunk against `max_file` bytes,
/// so an oversized upload stops as soon as it passes the limit) and the text parts, returned
/// by name (`kind`, `title`, `sha256`, `csrf`, …).
pub async fn read_upload(
    form: &mut Multipart,
    max_file: u64,
) -> Result<(Upload, std::collections::HashMap<String, String>), UploadError> {
    let mut up = Upload::default();
    let mut fields = std::collections::HashMap::new();
    let mut parts = 0;
    let bad = |e: axum::extract::multipart::MultipartError| {
        UploadError::Bad(format!("the upload could not be read: {}", e.body_text()))
    };
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(UploadError::Bad(format!("at most {MAX_PARTS} form parts")));
        }
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            up.filename = field.file_name().unwrap_or("").to_string();
            let mut buf = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if (buf.len() + chunk.len()) as u64 > max_file {
                    return Err(UploadError::TooLarge(max_file));
                }
                buf.extend_from_slice(&chunk);
            }
            up.content = buf;
        } else {
            let mut buf = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if buf.len() + chunk.len() > MAX_FIELD {
                    return Err(UploadError::Bad(format!("the form field '{name}' is longer than {MAX_FIELD} bytes")));
                }
                buf.extend_from_slice(&chunk);
            }
            let text = String::from_utf8(buf)
                .map_err(|_| UploadError::Bad(format!("the form field '{name}' is not UTF-8 text")))?;
            match name.as_str() {
                "kind" => up.kind = text.clone(),
                "title" => up.title = text.clone(),
                "sha256" => up.sha256 = Some(text.clone()),
                _ => {}
            }
            fields.insert(name, text);
        }
    }
    Ok((up, fields))
}

/// `Content-Disposition` for a stored file name: `inline` for images, else `attachment`, with an
/// ASCII fallback name and the UTF-8 name (RFC 6266 / RFC 8187).
pub fn content_disposition(filename: &str, inline: bool) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}", if inline { "inline" } else { "attachment" })
}

/// The HTTP response for verified document content.
pub fn content_response(d: DocumentBytes) -> Response {
    let inline = d.media_type.is_image();
    let mut r = d.content.into_response();
    let h = r.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set(h, header::CONTENT_TYPE, d.media_type.content_type());
    set(h, header::CONTENT_DISPOSITION, content_disposition(&d.document.filename, inline));
    set(h, header::ETAG, format!("\"{}\"", d.document.sha256));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    r
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Also list removed documents (default false).
    pub include_removed: Option<bool>,
}

/// The multipart form of an upload (for the OpenAPI document).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// The file: PDF, PNG, JPEG, WebP, plain text, CSV, DOCX or XLSX (decided from its bytes).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// `service_manual`, `service_report`, `photo`, `certificate` or `other`.
    pub kind: String,
    /// Defaults to the file name.
    pub title: Option<String>,
    /// The SHA-256 (hex) the client computed; the upload is refused if the bytes received differ.
    pub sha256: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct RemoveRequest {
    /// Why the document is removed (required; recorded in the audit trail).
    pub reason: String,
}

async fn attach(
    state: &AppState,
    p: &htm_service::Principal,
    entity: DocumentEntity,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Out<Attached>)> {
    let mut form = form
        .map_err(|r| ApiError::bad_request(format!("send the document as multipart/form-data: {}", r.body_text())))?;
    // Check the caller may attach here before reading a large body.
    if !state.services.can_attach_documents(p, entity) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "you may not attach documents here"));
    }
    let (up, _) = read_upload(&mut form, state.services.settings.max_document_bytes).await?;
    if up.content.is_empty() && up.filename.is_empty() {
        return Err(htm_service::ServiceError::invalid("file", "send the document in a form part named 'file'").into());
    }
    Ok((StatusCode::CREATED, Out(state.services.attach_document(p, entity, up).await?)))
}

async fn list(
    state: &AppState,
    p: &htm_service::Principal,
    entity: DocumentEntity,
    q: ListQuery,
) -> ApiResult<Out<Vec<Document>>> {
    Ok(Out(state.services.list_documents(p, entity, q.include_removed.unwrap_or(false)).await?))
}

/// Attach a document to a device model (engineers, managers, administrators).
///
/// The type is decided from the bytes, never the name: 422 `unsupported_type` names what was
/// detected; 413 `too_large` past the limit (default 25 MiB); 422 `validation_failed` for an
/// empty file, an unknown kind or a too-long title. `warnings` lists passages of the title or
/// file name that look like patient identifiers (saved anyway).
#[utoipa::path(post, path = "/models/{id}/documents", tag = "documents", params(("id" = i64, Path)),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Attached), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn attach_model_document(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Out<Attached>)> {
    attach(&state, &p, DocumentEntity::Model(ModelId(id)), form).await
}

/// Attach a document to an asset (technicians and above). Errors as for models.
#[utoipa::path(post, path = "/assets/{id}/documents", tag = "documents", params(("id" = i64, Path)),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Attached), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn attach_asset_document(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Out<Attached>)> {
    attach(&state, &p, DocumentEntity::Asset(AssetId(id)), form).await
}

/// Attach a document to a work order (technicians and above). Errors as for models.
#[utoipa::path(post, path = "/work-orders/{id}/documents", tag = "documents", params(("id" = i64, Path)),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Attached), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn attach_work_order_document(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Out<Attached>)> {
    attach(&state, &p, DocumentEntity::WorkOrder(WorkOrderId(id)), form).await
}

/// The documents of a device model, oldest first.
#[utoipa::path(get, path = "/models/{id}/documents", tag = "documents", params(("id" = i64, Path), ListQuery),
    responses((status = 200, body = Vec<Document>), (status = 404, body = ErrorEnvelope)))]
pub async fn list_model_documents(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Out<Vec<Document>>> {
    list(&state, &p, DocumentEntity::Model(ModelId(id)), q).await
}

/// The documents of an asset, oldest first.
#[utoipa::path(get, path = "/assets/{id}/documents", tag = "documents", params(("id" = i64, Path), ListQuery),
    responses((status = 200, body = Vec<Document>), (status = 404, body = ErrorEnvelope)))]
pub async fn list_asset_documents(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Out<Vec<Document>>> {
    list(&state, &p, DocumentEntity::Asset(AssetId(id)), q).await
}

/// The documents of a work order, oldest first.
#[utoipa::path(get, path = "/work-orders/{id}/documents", tag = "documents", params(("id" = i64, Path), ListQuery),
    responses((status = 200, body = Vec<Document>), (status = 404, body = ErrorEnvelope)))]
pub async fn list_work_order_documents(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Out<Vec<Document>>> {
    list(&state, &p, DocumentEntity::WorkOrder(WorkOrderId(id)), q).await
}

/// One document's metadata (including its SHA-256).
#[utoipa::path(get, path = "/documents/{id}", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = Document), (status = 404, body = ErrorEnvelope)))]
pub async fn get_document(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Document>> {
    Ok(Out(state.services.get_document(&p, id).await?))
}

/// A document's content, with its stored media type. The SHA-256 is checked on every read:
/// content that no longer matches gets 500 `integrity_error` and is not served.
#[utoipa::path(get, path = "/documents/{id}/content", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, description = "The bytes, with the document's stored media type", content(
            (Binary = "application/pdf"), (Binary = "image/png"), (Binary = "image/jpeg"), (Binary = "image/webp"),
            (Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Binary = "text/csv"), (Binary = "text/plain"))),
        (status = 404, body = ErrorEnvelope), (status = 500, body = ErrorEnvelope)))]
pub async fn document_content(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(content_response(state.services.document_content(&p, id).await?))
}

/// Mark a document removed, with a reason. Nothing is deleted: the record, its audit trail and
/// the content stay (`?include_removed=true` lists it).
#[utoipa::path(post, path = "/documents/{id}/remove", tag = "documents", params(("id" = i64, Path)), request_body = RemoveRequest,
    responses((status = 200, body = Document), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn remove_document(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<RemoveRequest>,
) -> ApiResult<Out<Document>> {
    Ok(Out(state.services.remove_document(&p, id, &b.reason).await?))
}
