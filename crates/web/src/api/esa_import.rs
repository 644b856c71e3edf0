//! `POST /api/v1/work-orders/{id}/esa-import`: an analyzer's electrical safety export file
//! (CSV; columns in the README and `htm_service::esa_import`) stored as a draft of a PM's results.

use super::error::{ApiError, ApiResult, ErrorBody, ErrorEnvelope};
use super::extract::{Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use htm_domain::FieldError;
use htm_domain::esa::EsaStandard;
use htm_domain::ids::WorkOrderId;
use htm_service::csv_assets::{ImportError, RowError};
use htm_service::esa_import::EsaImport;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
pub struct EsaImportQuery {
    /// The limit set to judge against: `iec62353` (default) or `nfpa99`.
    pub standard: Option<String>,
    /// The file's name, recorded with its SHA-256 in the audit event.
    pub file_name: Option<String>,
}

/// The error a refused file gets: 422 `invalid_file`, one entry per problem with `field`
/// = `row N, column C` (the header is row 1). Nothing is stored.
pub fn rows_error(rows: &[RowError]) -> ApiError {
    ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        body: ErrorBody {
            code: "invalid_file".into(),
            message: format!("{} problem(s) in the file; nothing was imported", rows.len()),
            fields: Some(
                rows.iter()
                    .map(|r| FieldError::new(format!("row {}, column {}", r.row, r.column), &r.message))
                    .collect(),
            ),
        },
    }
}

/// Import an analyzer's electrical safety readings (CSV body) into a PM in progress.
///
/// Every reading is matched to one current limit row of the standard that applies to the
/// asset's protection class and applied part, converted to the limit's unit and judged. All or
/// nothing: a bad file gets 422 `invalid_file` listing every bad row. A good file is stored as a
/// draft (readings for the limits it covers replace earlier ones; nothing is signed off); the
/// analyzers it names join the PM's test equipment.
#[utoipa::path(post, path = "/work-orders/{id}/esa-import", tag = "electrical safety",
    params(("id" = i64, Path), EsaImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = EsaImport), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn import_esa(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<EsaImportQuery>,
    super::extract::RawBody(body): super::extract::RawBody,
) -> ApiResult<Out<EsaImport>> {
    let standard = match q.standard.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => EsaStandard::Iec62353,
        Some(s) => EsaStandard::parse(s).map_err(|_| ApiError::bad_request("standard must be iec62353 or nfpa99"))?,
    };
    match state.services.import_esa_csv(&p, WorkOrderId(id), standard, q.file_name.as_deref(), &body).await {
        Ok(out) => Ok(Out(out)),
        Err(ImportError::Rows(rows)) => Err(rows_error(&rows)),
        Err(ImportError::Service(e)) => Err(e.into()),
    }
}
