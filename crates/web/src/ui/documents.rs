//! The "Documents" section of the asset and work-order pages (`_documents.html`) and its forms:
//! upload (multipart: `csrf`, `file`, `kind`, `title`, and on the asset page `attach_to` =
//! `asset` | `model`), download, and remove with a reason. Uploads lift axum's default body
//! limit; the handler counts the file's bytes against the configured document limit.

use super::{Flash, Layout, csrf_refused, error_page, parse_id, redirect_with, service_error_page, view};
use crate::AppState;
use crate::api::documents::{UploadError, content_response, read_upload};
use crate::auth::WebUser;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use htm_domain::document::{Document, DocumentEntity, DocumentKind, MediaType, human_size};
use htm_domain::ids::{AssetId, ModelId, WorkOrderId};
use htm_service::ServiceError;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    let uploads = Router::new()
        .route("/assets/{id}/documents", post(upload_asset))
        .route("/work-orders/{id}/documents", post(upload_work_order))
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route("/documents/{id}/content", get(download))
        .route("/documents/{id}/remove", post(remove))
        .merge(uploads)
}

/// One document as listed.
pub struct DocRow {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub filename: String,
    pub type_label: String,
    pub size: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub uploaded_iso: String,
    pub sha256: String,
    /// "Removed by … on …: reason" for removed documents.
    pub removed: Option<String>,
}

/// What `_documents.html` shows.
pub struct DocumentsView {
    /// Where the upload form posts.
    pub action: String,
    /// The page to come back to.
    pub back: String,
    pub csrf: String,
    pub rows: Vec<DocRow>,
    pub removed_rows: Vec<DocRow>,
    /// On the asset page: the model's documents (service manuals apply to every unit).
    pub model_rows: Vec<DocRow>,
    pub can_attach: bool,
    /// On the asset page: the user may also attach to the model.
    pub can_attach_model: bool,
    pub kinds: Vec<view::Opt>,
    pub max_size: String,
}

fn row(d: &Document) -> DocRow {
    DocRow {
        id: d.id,
        title: d.title.clone(),
        kind: d.kind.label(),
        filename: d.filename.clone(),
        type_label: MediaType::parse(&d.media_type)
            .map(|m| m.label().to_string())
            .unwrap_or_else(|| d.media_type.clone()),
        size: human_size(d.size_bytes),
        uploaded_by: d.uploaded_by.clone(),
        uploaded_at: view::ts(d.uploaded_at),
        uploaded_iso: view::iso(d.uploaded_at),
        sha256: d.sha256.clone(),
        removed: d.removed_at.map(|at| {
            format!(
                "Removed by {} on {}: {}",
                d.removed_by.as_deref().unwrap_or("?"),
                view::ts(at),
                d.removed_reason.as_deref().unwrap_or("")
            )
        }),
    }
}

/// The documents section for an entity (None when the user may not read its documents).
/// `model`: on an asset page, the asset's model, whose documents are listed too.
pub async fn section(
    state: &AppState,
    user: &WebUser,
    entity: DocumentEntity,
    model: Option<ModelId>,
    back: &str,
) -> Option<DocumentsView> {
    let p = &user.principal;
    let all = state.services.list_documents(p, entity, true).await.ok()?;
    let (removed, active): (Vec<_>, Vec<_>) = all.iter().partition(|d| d.is_removed());
    let model_rows = match model {
        Some(m) => state
            .services
            .list_documents(p, DocumentEntity::Model(m), false)
            .await
            .map(|l| l.iter().map(row).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let action = match entity {
        DocumentEntity::Asset(a) => format!("/assets/{a}/documents"),
        DocumentEntity::WorkOrder(w) => format!("/work-orders/{w}/documents"),
        DocumentEntity::Model(_) => String::new(),
    };
    let max = state.services.settings.max_document_bytes;
    Some(DocumentsView {
        can_attach: state.services.can_attach_documents(p, entity) && !action.is_empty(),
        can_attach_model: model.is_some_and(|m| state.services.can_attach_documents(p, DocumentEntity::Model(m))),
        action,
        back: back.to_string(),
        csrf: user.csrf.clone(),
        rows: active.into_iter().map(row).collect(),
        removed_rows: removed.into_iter().map(row).collect(),
        model_rows,
        kinds: DocumentKind::ALL.iter().map(|k| view::Opt::new(k.as_str(), k.label(), "other")).collect(),
        max_size: human_size(i64::try_from(max).unwrap_or(i64::MAX)),
    })
}

/// A same-site path to go back to (anything else: `fallback`).
fn safe_back(back: Option<&String>, fallback: &str) -> String {
    match back {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b.clone(),
        _ => fallback.to_string(),
    }
}

async fn upload(state: AppState, user: WebUser, entity: DocumentEntity, page: String, mut form: Multipart) -> Response {
    let layout = Layout::new(Some(&user), "", Flash(None));
    let read = read_upload(&mut form, state.services.settings.max_document_bytes).await;
    let (up, fields) = match read {
        Ok(v) => v,
        Err(UploadError::TooLarge(max)) => {
            let text = format!(
                "The file is larger than {}, the largest accepted; nothing was attached.",
                human_size(i64::try_from(max).unwrap_or(i64::MAX))
            );
            return redirect_with(&page, "error", &text);
        }
        Err(UploadError::Bad(m)) => return redirect_with(&page, "error", &super::capitalise(&m)),
    };
    if user.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or("")).is_err() {
        return csrf_refused(layout);
    }
    if up.content.is_empty() && up.filename.is_empty() {
        return redirect_with(&page, "error", "Choose a file to attach.");
    }
    let p = &user.principal;
    // On the asset page the file may go to the asset's model instead.
    let entity = match (entity, fields.get("attach_to").map(String::as_str)) {
        (DocumentEntity::Asset(a), Some("model")) => match state.services.get_asset(p, a).await {
            Ok(asset) => DocumentEntity::Model(asset.model.id),
            Err(e) => return service_error_page(layout, &e),
        },
        (e, _) => e,
    };
    match state.services.attach_document(p, entity, up).await {
        Ok(a) => {
            let d = &a.document;
            let mut text = format!(
                "Attached “{}” ({}, {}){}.",
                d.title,
                row(d).type_label,
                human_size(d.size_bytes),
                if a.deduplicated { "; the same file was already stored, so it is kept once" } else { "" }
            );
            if !a.warnings.is_empty() {
                let hints: Vec<String> = a.warnings.iter().map(|h| format!("{} (“{}”)", h.kind, h.excerpt)).collect();
                text.push_str(&format!(
                    " Warning: the title or file name looks like it holds patient information: {}. Remove this document and attach it again without it.",
                    hints.join(", ")
                ));
            }
            redirect_with(&page, if a.warnings.is_empty() { "ok" } else { "error" }, &text)
        }
        Err(ServiceError::Unauthenticated(_)) => Redirect::to("/login").into_response(),
        Err(e @ ServiceError::Internal(_)) => service_error_page(layout, &e),
        Err(e) => {
            let (_, _, message) = super::describe(&e);
            redirect_with(&page, "error", &format!("Not attached: {message}"))
        }
    }
}

pub async fn upload_asset(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    form: Multipart,
) -> Response {
    let Some(id) = parse_id(&id) else { return not_found(&user) };
    upload(state, user, DocumentEntity::Asset(AssetId(id)), format!("/assets/{id}#documents"), form).await
}

pub async fn upload_work_order(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    form: Multipart,
) -> Response {
    let Some(id) = parse_id(&id) else { return not_found(&user) };
    upload(state, user, DocumentEntity::WorkOrder(WorkOrderId(id)), format!("/work-orders/{id}#documents"), form).await
}

fn not_found(user: &WebUser) -> Response {
    error_page(Layout::new(Some(user), "", Flash(None)), StatusCode::NOT_FOUND, "Not found", "There is no such record.")
}

pub async fn download(State(state): State<AppState>, user: WebUser, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else { return not_found(&user) };
    match state.services.document_content(&user.principal, id).await {
        Ok(d) => content_response(d),
        Err(e) => service_error_page(Layout::new(Some(&user), "", Flash(None)), &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemoveForm {
    csrf: String,
    reason: String,
    back: String,
}

pub async fn remove(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<RemoveForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else { return not_found(&user) };
    let back = safe_back(Some(&f.back), "/");
    match state.services.remove_document(&user.principal, id, &f.reason).await {
        Ok(d) => redirect_with(&back, "ok", &format!("Removed “{}”. The record and the file are kept.", d.title)),
        Err(ServiceError::Unauthenticated(_)) => Redirect::to("/login").into_response(),
        Err(e @ ServiceError::Internal(_)) => service_error_page(layout, &e),
        Err(e) => {
            let (_, _, message) = super::describe(&e);
            redirect_with(&back, "error", &format!("Not removed: {message}"))
        }
    }
}
