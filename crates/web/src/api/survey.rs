//! The survey-readiness evidence pack: `GET /reports/survey-pack?site=ID&as_of=YYYY-MM-DD`.
//! JSON by default; `?format=pdf` or `Accept: application/pdf` answers with the PDF.

use super::error::{ApiError, ApiResult, ErrorEnvelope};
use super::extract::Query;
use crate::AppState;
use crate::auth::ApiUser;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use htm_domain::ids::SiteId;
use htm_service::survey::{SurveyOptions, SurveyPack};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams, Default)]
pub struct SurveyPackQuery {
    /// One site's pack; every site when absent.
    pub site: Option<i64>,
    /// The day the pack describes, `YYYY-MM-DD` (default: today, UTC). PM completion covers the
    /// 12 complete months before its month.
    pub as_of: Option<String>,
    /// `json` (default) or `pdf`.
    pub format: Option<String>,
}

/// Parses the pack's parameters; a bad date is a 400 `bad_request`.
pub fn options(site: Option<i64>, as_of: Option<&str>) -> Result<SurveyOptions, ApiError> {
    let as_of = match as_of.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<jiff::civil::Date>()
                .map_err(|_| ApiError::bad_request(format!("as_of '{s}' is not a date (YYYY-MM-DD)")))?,
        ),
        None => None,
    };
    Ok(SurveyOptions { site: site.map(SiteId), as_of })
}

/// The PDF as a download.
pub fn pdf_response(pack: &SurveyPack, bytes: Vec<u8>) -> Response {
    let name = format!("attachment; filename=\"survey-pack-{}.pdf\"", pack.as_of);
    let mut r = bytes.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&name) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Renders the PDF off the async threads.
pub async fn render_pdf(pack: SurveyPack) -> Result<(SurveyPack, Vec<u8>), htm_service::ServiceError> {
    tokio::task::spawn_blocking(move || {
        let bytes = crate::survey_pdf::render(&pack);
        (pack, bytes)
    })
    .await
    .map_err(|e| htm_service::ServiceError::Internal(e.to_string()))
}

/// The survey-readiness evidence pack (TJC EC.02.04.01/.03): inventory completeness, the
/// high-risk and life-support lists, strategies and the AEM list, PM completion for the last 12
/// months with every high-risk exception and its follow-up (figures identical to
/// `/reports/pm-compliance`), overdue PMs, unable-to-locate follow-up and incidents. JSON by
/// default; `format=pdf` or `Accept: application/pdf` returns the PDF.
#[utoipa::path(get, path = "/reports/survey-pack", tag = "reports", params(SurveyPackQuery),
    responses(
        (status = 200, description = "The pack as JSON, or as a PDF (`application/pdf`) when asked", content(
            (SurveyPack = "application/json"),
            (super::openapi_doc::Binary = "application/pdf")
        )),
        (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn survey_pack(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    headers: HeaderMap,
    Query(q): Query<SurveyPackQuery>,
) -> ApiResult<Response> {
    let o = options(q.site, q.as_of.as_deref())?;
    let wants_pdf = match q.format.as_deref().map(str::trim) {
        Some("pdf") => true,
        Some("json") => false,
        Some("") | None => {
            headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/pdf"))
        }
        Some(other) => return Err(ApiError::bad_request(format!("format '{other}' is not json or pdf"))),
    };
    let pack = state.services.survey_pack(&p, o).await?;
    if wants_pdf {
        let (pack, bytes) = render_pdf(pack).await?;
        return Ok(pdf_response(&pack, bytes));
    }
    Ok(axum::Json(pack).into_response())
}
