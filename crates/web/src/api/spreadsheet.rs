//! `POST /api/v1/import/{kind}`: the spreadsheet import (issue 6 §4; README "Spreadsheet
//! migration") over HTTP — a CSV or XLSX body of one kind, all or nothing, `?dry_run=true` to
//! check only. Column mappings are a command-line feature (`htm import … --mapping`).

use super::error::{ApiError, ApiResult, ErrorEnvelope};
use super::esa_import::rows_error;
use super::extract::{Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use htm_domain::spreadsheet::SheetKind;
use htm_service::csv_assets::ImportError;
use htm_service::spreadsheet::{ImportOptions, ImportOutcome, SheetFormat, no_progress};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Check every row and store nothing.
    #[serde(default)]
    pub dry_run: Option<bool>,
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// The file's name, recorded in the audit events' reason.
    pub file_name: Option<String>,
}

/// Import a spreadsheet of one kind: `assets`, `models`, `locations`, `vendors`, `pm-schedules`
/// or `work-orders` (completed/closed history, audited as imported).
///
/// All or nothing: a bad file gets 422 `invalid_file` with one entry per problem (`field` =
/// `row N, column C`, the header is row 1) and nothing is stored; a good file is stored in one
/// transaction. With `dry_run=true` nothing is stored either way.
#[utoipa::path(post, path = "/import/{kind}", tag = "import",
    params(("kind" = String, Path, description = "assets, models, locations, vendors, pm-schedules or work-orders"), ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportOutcome), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn import_sheet(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    super::extract::RawBody(body): super::extract::RawBody,
) -> ApiResult<Out<ImportOutcome>> {
    let kind = SheetKind::parse(&kind).ok_or_else(|| {
        ApiError::bad_request("kind must be assets, models, locations, vendors, pm-schedules or work-orders")
    })?;
    let format = match q.format.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => SheetFormat::Csv,
        Some(f) => SheetFormat::parse(f).ok_or_else(|| ApiError::bad_request("format must be csv or xlsx"))?,
    };
    let opts = ImportOptions { mapping: None, dry_run: q.dry_run.unwrap_or(false), source: q.file_name.clone() };
    match state.services.import_sheet(&p, kind, format, &body, &opts, &no_progress).await {
        Ok(out) => Ok(Out(out)),
        Err(ImportError::Rows(rows)) => Err(rows_error(&rows)),
        Err(ImportError::Service(e)) => Err(e.into()),
    }
}
