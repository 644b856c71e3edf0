//! The repair report: `GET /reports/repairs?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=department|model|asset`.
//! See `htm_service::repair_analytics` (and README "Repair analytics") for the arithmetic.

use super::error::{ApiError, ApiResult, ErrorEnvelope};
use super::extract::Query;
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use htm_domain::repair_analytics::{Period, RepairGroupBy};
use htm_service::repair_analytics::RepairReport;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct RepairReportQuery {
    /// First day of the period, `YYYY-MM-DD` (UTC).
    pub from: String,
    /// Last day of the period, `YYYY-MM-DD` (included).
    pub to: String,
    /// `department` (default), `model` or `asset`.
    pub group_by: Option<String>,
}

/// Parses the report's parameters; a bad date, an inverted or too long period, or an unknown
/// grouping is a 400 `bad_request`.
pub fn parse_params(from: &str, to: &str, group_by: Option<&str>) -> Result<(Period, RepairGroupBy), ApiError> {
    let bad = |e: htm_domain::DomainError| ApiError::bad_request(e.to_string());
    let period = Period::parse(from, to).map_err(bad)?;
    let g = group_by.filter(|g| !g.trim().is_empty()).map(RepairGroupBy::parse).transpose().map_err(bad)?;
    Ok((period, g.unwrap_or_default()))
}

/// Repair analytics for a period: totals and groups (repairs, failures, parts and labour cost,
/// downtime, uptime, MTBF, NPF and use-error rates), root causes and repeat repairs.
#[utoipa::path(get, path = "/reports/repairs", tag = "reports", params(RepairReportQuery),
    responses((status = 200, body = RepairReport), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn repair_report(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<RepairReportQuery>,
) -> ApiResult<Out<RepairReport>> {
    let (period, g) = parse_params(&q.from, &q.to, q.group_by.as_deref())?;
    Ok(Out(state.services.repair_report(&p, period, g).await?))
}

/// A site's repair-cost settings.
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema)]
pub struct RepairSettingsBody {
    /// Hourly labour rate in minor currency units (8500 = 85.00 per hour); labour cost =
    /// minutes ÷ 60 × this rate.
    pub labour_rate_minor: i64,
    /// Whether battery failures (cause BATT) count as device failures in MTBF (REFERENCE §9.3:
    /// configurable; default false).
    pub battery_counts_as_failure: bool,
}

/// A site's repair-cost settings.
#[utoipa::path(get, path = "/sites/{id}/repair-settings", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = RepairSettingsBody), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_repair_settings(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    super::extract::Path(id): super::extract::Path<i64>,
) -> ApiResult<Out<RepairSettingsBody>> {
    let s = state.services.repair_settings(&p, htm_domain::ids::SiteId(id)).await?;
    Ok(Out(RepairSettingsBody {
        labour_rate_minor: s.labour_rate_minor,
        battery_counts_as_failure: s.battery_counts_as_failure,
    }))
}

/// Set a site's repair-cost settings (inventory managers); audited.
#[utoipa::path(put, path = "/sites/{id}/repair-settings", tag = "reports", params(("id" = i64, Path)),
    request_body = RepairSettingsBody,
    responses((status = 200, body = RepairSettingsBody), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_repair_settings(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    super::extract::Path(id): super::extract::Path<i64>,
    super::extract::Json(b): super::extract::Json<RepairSettingsBody>,
) -> ApiResult<Out<RepairSettingsBody>> {
    let s = htm_store::RepairSettings {
        labour_rate_minor: b.labour_rate_minor,
        battery_counts_as_failure: b.battery_counts_as_failure,
    };
    let s = state.services.set_repair_settings(&p, htm_domain::ids::SiteId(id), s).await?;
    Ok(Out(RepairSettingsBody {
        labour_rate_minor: s.labour_rate_minor,
        battery_counts_as_failure: s.battery_counts_as_failure,
    }))
}
