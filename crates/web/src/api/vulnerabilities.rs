//! Known vulnerabilities, SBOMs and per-asset findings (REFERENCE §7): import the CISA KEV
//! catalogue, enter CVEs, import a model's CycloneDX SBOM, run matching, list and act on findings
//! (open a software-update work order, record a decision), and the critical-findings report.

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use htm_domain::vulnerability::{
    Finding, FindingLevel, FindingStatus, ImportSummary, Sbom, Vulnerability, VulnerabilityRecord,
};
use htm_service::vulnerabilities::{CriticalAsset, MatchSummary, SbomImport};
use htm_store::FindingFilter;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_kev))
        .routes(routes!(list_vulnerabilities, add_vulnerability))
        .routes(routes!(list_sboms, import_sbom))
        .routes(routes!(match_vulnerabilities))
        .routes(routes!(list_findings))
        .routes(routes!(open_work_order))
        .routes(routes!(update_finding))
        .routes(routes!(critical_findings))
}

/// Import the CISA Known Exploited Vulnerabilities catalogue exactly as CISA publishes it
/// (`{"vulnerabilities": […]}`). Idempotent; a bad file is refused whole (422, `fields` name
/// `vulnerabilities[i].field`).
#[utoipa::path(post, path = "/vulnerabilities/kev", tag = "vulnerabilities",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, body = ImportSummary), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn import_kev(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    super::extract::RawBody(body): super::extract::RawBody,
) -> ApiResult<Out<ImportSummary>> {
    Ok(Out(state.services.import_kev(&p, &body).await?))
}

/// Enter a CVE by hand: vendor, product and an optional affected version range
/// (`>=1.0,<1.1.0`; none: every version).
#[utoipa::path(post, path = "/vulnerabilities", tag = "vulnerabilities", request_body = VulnerabilityRecord,
    responses((status = 201, body = Vulnerability), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn add_vulnerability(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(b): Json<VulnerabilityRecord>,
) -> ApiResult<(StatusCode, Out<Vulnerability>)> {
    Ok((StatusCode::CREATED, Out(state.services.add_vulnerability(&p, b).await?)))
}

/// Every known vulnerability, by CVE.
#[utoipa::path(get, path = "/vulnerabilities", tag = "vulnerabilities",
    responses((status = 200, body = Vec<Vulnerability>)))]
pub async fn list_vulnerabilities(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<Vec<Vulnerability>>> {
    Ok(Out(state.services.list_vulnerabilities(&p).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SbomQuery {
    /// The software version the SBOM describes.
    pub version: String,
}

/// Import the CycloneDX JSON SBOM of a model's software version. The same file again is
/// `unchanged`; a different file `replaced`.
#[utoipa::path(post, path = "/models/{id}/sboms", tag = "vulnerabilities", params(("id" = i64, Path), SbomQuery),
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, body = SbomImport), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn import_sbom(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<SbomQuery>,
    super::extract::RawBody(body): super::extract::RawBody,
) -> ApiResult<Out<SbomImport>> {
    Ok(Out(state.services.import_sbom(&p, id, &q.version, &body).await?))
}

/// A model's SBOMs, one per software version.
#[utoipa::path(get, path = "/models/{id}/sboms", tag = "vulnerabilities", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Sbom>)))]
pub async fn list_sboms(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Vec<Sbom>>> {
    Ok(Out(state.services.list_sboms(&p, id).await?))
}

/// Match every vulnerability to the inventory (SBOM components of each asset's model and
/// software version, and its operating system) into findings.
#[utoipa::path(post, path = "/vulnerabilities/match", tag = "vulnerabilities",
    responses((status = 200, body = MatchSummary), (status = 403, body = ErrorEnvelope)))]
pub async fn match_vulnerabilities(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<MatchSummary>> {
    Ok(Out(state.services.match_vulnerabilities(&p).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FindingQuery {
    /// `critical`, `high`, `medium` or `low`.
    pub level: Option<String>,
    /// `open`, `mitigated`, `accepted` or `false_positive`.
    pub status: Option<String>,
}

/// Findings, highest score first.
#[utoipa::path(get, path = "/findings", tag = "vulnerabilities", params(FindingQuery),
    responses((status = 200, body = Vec<Finding>), (status = 422, body = ErrorEnvelope)))]
pub async fn list_findings(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<FindingQuery>,
) -> ApiResult<Out<Vec<Finding>>> {
    let mut f = FindingFilter::default();
    if let Some(l) = q.level.as_deref().filter(|s| !s.is_empty()) {
        f.level = Some(FindingLevel::parse(l)?);
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        f.status = Some(FindingStatus::parse(s)?);
    }
    Ok(Out(state.services.list_findings(&p, &f).await?))
}

/// Open a software-update work order for the finding's asset (once).
#[utoipa::path(post, path = "/findings/{id}/work-order", tag = "vulnerabilities", params(("id" = i64, Path)),
    responses((status = 201, body = Finding), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn open_work_order(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Out<Finding>)> {
    Ok((StatusCode::CREATED, Out(state.services.open_finding_work_order(&p, id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FindingUpdate {
    pub status: FindingStatus,
    /// Why (required unless re-opening).
    pub note: Option<String>,
    /// The version read (optional; a stale one is refused).
    pub version: Option<i64>,
}

/// Record a decision on a finding.
#[utoipa::path(patch, path = "/findings/{id}", tag = "vulnerabilities", params(("id" = i64, Path)),
    request_body = FindingUpdate,
    responses((status = 200, body = Finding), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn update_finding(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<FindingUpdate>,
) -> ApiResult<Out<Finding>> {
    Ok(Out(state.services.update_finding_status(&p, id, b.version, b.status, b.note).await?))
}

/// Assets with open critical findings, worst first.
#[utoipa::path(get, path = "/reports/critical-findings", tag = "vulnerabilities",
    responses((status = 200, body = Vec<CriticalAsset>), (status = 403, body = ErrorEnvelope)))]
pub async fn critical_findings(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<Vec<CriticalAsset>>> {
    Ok(Out(state.services.critical_findings(&p).await?))
}
