//! Device-related incidents and investigations (TJC EC.02.04.01 EP 10, 21 CFR 803): report,
//! list, read, investigate (PATCH), link work orders, close.
//!
//! Free text that looks like a patient identifier is refused with 422 `phi_warning` and the
//! `findings` (field, kind, excerpt); the same request with `"acknowledge_phi_warning": true`
//! saves it and the audit event records that the warning was acknowledged.

use super::error::{ApiError, ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use htm_domain::ids::{AssetId, WorkOrderId};
use htm_domain::incident::{Incident, IncidentId, IncidentPatch, IncidentStatus, NewIncident};
use htm_domain::page::PageRequest;
use htm_domain::phi::PhiFinding;
use htm_service::ServiceError;
use htm_store::IncidentFilter;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_incidents, create_incident))
        .routes(routes!(get_incident, patch_incident))
        .routes(routes!(link_work_order))
        .routes(routes!(close_incident))
}

/// The body of a `phi_warning` error.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PhiWarningBody {
    /// `phi_warning`.
    pub code: String,
    pub message: String,
    /// Every passage that looks like patient information.
    pub findings: Vec<PhiFinding>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PhiWarningEnvelope {
    pub error: PhiWarningBody,
}

/// An incident endpoint's error: the usual envelope, or a `phi_warning` with its findings.
#[derive(Debug)]
pub enum IncidentError {
    Api(ApiError),
    Phi(String, Vec<PhiFinding>),
}

impl From<ServiceError> for IncidentError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::PhiWarning(f) => {
                let msg = ServiceError::PhiWarning(f.clone()).to_string();
                IncidentError::Phi(msg, f)
            }
            other => IncidentError::Api(other.into()),
        }
    }
}

impl From<ApiError> for IncidentError {
    fn from(e: ApiError) -> Self {
        IncidentError::Api(e)
    }
}

impl From<htm_domain::DomainError> for IncidentError {
    fn from(e: htm_domain::DomainError) -> Self {
        ServiceError::from(e).into()
    }
}

impl IntoResponse for IncidentError {
    fn into_response(self) -> Response {
        match self {
            IncidentError::Api(e) => e.into_response(),
            IncidentError::Phi(message, findings) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Out(PhiWarningEnvelope { error: PhiWarningBody { code: "phi_warning".into(), message, findings } }),
            )
                .into_response(),
        }
    }
}

type IncidentResult<T> = Result<T, IncidentError>;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewIncidentIn {
    #[serde(flatten)]
    pub incident: NewIncident,
    /// Save even though free text looks like patient information (the user checked it is not).
    #[serde(default)]
    pub acknowledge_phi_warning: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IncidentPatchIn {
    #[serde(flatten)]
    pub patch: IncidentPatch,
    #[serde(default)]
    pub acknowledge_phi_warning: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseIncidentIn {
    /// The version read.
    pub version: i64,
    /// Final findings, recorded before closing (optional when already recorded).
    #[serde(default)]
    pub findings: Option<String>,
    #[serde(default)]
    pub acknowledge_phi_warning: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkWorkOrderIn {
    pub work_order_id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IncidentQuery {
    /// Occurred on or after this day (UTC), `YYYY-MM-DD`.
    pub from: Option<Date>,
    /// Occurred on or before this day (UTC), `YYYY-MM-DD`.
    pub to: Option<Date>,
    /// `open`, `under_investigation` or `closed`.
    pub status: Option<String>,
    pub asset_id: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IncidentPage {
    pub items: Vec<Incident>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

fn day_start(d: Date, field: &str) -> ApiResult<jiff::Timestamp> {
    d.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|e| ServiceError::invalid(field, e.to_string()).into())
}

/// Report a device-related incident. Anyone who may report a problem may report one.
#[utoipa::path(post, path = "/incidents", tag = "incidents", request_body = NewIncidentIn,
    responses((status = 201, body = Incident), (status = 403, body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`, or `phi_warning` with `findings`", body = PhiWarningEnvelope)))]
pub async fn create_incident(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(b): Json<NewIncidentIn>,
) -> IncidentResult<(StatusCode, Out<Incident>)> {
    let i = state.services.create_incident(&p, b.incident, b.acknowledge_phi_warning).await?;
    Ok((StatusCode::CREATED, Out(i)))
}

/// Incidents, newest first; `from`/`to` bound when they occurred (reporters without read access
/// to all incidents see their own).
#[utoipa::path(get, path = "/incidents", tag = "incidents", params(IncidentQuery),
    responses((status = 200, body = IncidentPage), (status = 400, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_incidents(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<IncidentQuery>,
) -> ApiResult<Out<IncidentPage>> {
    let mut f = IncidentFilter { asset_id: q.asset_id.map(AssetId), ..Default::default() };
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        f.status = Some(IncidentStatus::parse(s)?);
    }
    if let Some(d) = q.from {
        f.from = Some(day_start(d, "from")?);
    }
    if let Some(d) = q.to {
        let next = d.tomorrow().map_err(|e| ApiError::from(ServiceError::invalid("to", e.to_string())))?;
        f.to = Some(day_start(next, "to")?);
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let r = state.services.list_incidents_page(&p, f, page).await?;
    Ok(Out(IncidentPage { items: r.items, next_cursor: r.next_cursor }))
}

/// One incident with its linked work orders.
#[utoipa::path(get, path = "/incidents/{id}", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = Incident), (status = 404, body = ErrorEnvelope)))]
pub async fn get_incident(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Incident>> {
    Ok(Out(state.services.get_incident(&p, IncidentId(id)).await?))
}

/// Change an incident: the report, sequestration, findings, the MDR decision and report.
/// `version` must be the version read (409 `stale_version` otherwise).
#[utoipa::path(patch, path = "/incidents/{id}", tag = "incidents", params(("id" = i64, Path)), request_body = IncidentPatchIn,
    responses((status = 200, body = Incident), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = PhiWarningEnvelope)))]
pub async fn patch_incident(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<IncidentPatchIn>,
) -> IncidentResult<Out<Incident>> {
    Ok(Out(state.services.update_incident(&p, IncidentId(id), b.patch, b.acknowledge_phi_warning).await?))
}

/// Link a work order to an incident (linking twice changes nothing).
#[utoipa::path(post, path = "/incidents/{id}/work-orders", tag = "incidents", params(("id" = i64, Path)), request_body = LinkWorkOrderIn,
    responses((status = 200, body = Incident), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn link_work_order(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<LinkWorkOrderIn>,
) -> ApiResult<Out<Incident>> {
    Ok(Out(state.services.link_incident_work_order(&p, IncidentId(id), WorkOrderId(b.work_order_id)).await?))
}

/// Close an incident. Needs findings and the MDR decision; a reportable incident also needs the
/// report sent to whom 21 CFR 803.30 requires (422 `validation_failed` lists what is missing).
#[utoipa::path(post, path = "/incidents/{id}/close", tag = "incidents", params(("id" = i64, Path)), request_body = CloseIncidentIn,
    responses((status = 200, body = Incident), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn close_incident(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<CloseIncidentIn>,
) -> IncidentResult<Out<Incident>> {
    let i = state.services.close_incident(&p, IncidentId(id), b.version, b.findings, b.acknowledge_phi_warning).await?;
    Ok(Out(i))
}
