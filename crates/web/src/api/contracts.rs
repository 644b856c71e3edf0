//! Service contracts (ROADMAP "Lifecycle and money"): list, create, read, edit, the covered
//! assets, and an asset's contracts. Reading needs `read_inventory`; writing `manage_inventory`.
//! The `status` (`upcoming`, `active`, `expiring`, `expired`) and `days_left` are derived from
//! the dates on the server's day; a contract is `expiring` from `ends_on − notice_days` on, when
//! the `contract.expiring` notification is sent.
//!
//! Notes that look like a patient identifier are refused with 422 `phi_warning` and the
//! `findings`; the same request with `"acknowledge_phi_warning": true` saves them.

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use super::incidents::{IncidentError, PhiWarningEnvelope};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use htm_domain::contract::{ContractId, ContractPatch, ContractStatus, NewServiceContract, ServiceContract};
use htm_domain::ids::{AssetId, VendorId};
use htm_domain::page::PageRequest;
use htm_service::contracts::{ContractDetail, CoveredAssetsRequest};
use htm_store::ContractFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contracts, create_contract))
        .routes(routes!(get_contract, patch_contract))
        .routes(routes!(put_contract_assets))
        .routes(routes!(asset_contracts))
}

type ContractResult<T> = Result<T, IncidentError>;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewContractIn {
    #[serde(flatten)]
    pub contract: NewServiceContract,
    /// Save even though notes look like patient information (the user checked they are not).
    #[serde(default)]
    pub acknowledge_phi_warning: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContractPatchIn {
    #[serde(flatten)]
    pub patch: ContractPatch,
    #[serde(default)]
    pub acknowledge_phi_warning: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ContractQuery {
    pub vendor_id: Option<i64>,
    /// `upcoming`, `active`, `expiring` or `expired` (on the server's day).
    pub status: Option<String>,
    /// Only contracts ending from today to today + this many days (0–3650).
    pub expiring_within_days: Option<i32>,
    /// Only contracts covering this asset.
    pub asset_id: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ContractPage {
    pub items: Vec<ServiceContract>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Service contracts, newest first, filtered by vendor, status, end date or covered asset.
#[utoipa::path(get, path = "/contracts", tag = "contracts", params(ContractQuery),
    responses((status = 200, body = ContractPage), (status = 400, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_contracts(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<ContractQuery>,
) -> ApiResult<Out<ContractPage>> {
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::system()).date();
    let mut f = ContractFilter::on(today);
    f.vendor_id = q.vendor_id.map(VendorId);
    f.asset_id = q.asset_id.map(AssetId);
    f.expiring_within_days = q.expiring_within_days;
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        f.status = Some(ContractStatus::parse(s)?);
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let r = state.services.list_contracts(&p, f, page).await?;
    Ok(Out(ContractPage { items: r.items, next_cursor: r.next_cursor }))
}

/// Record a service contract (`manage_inventory`). `notice_days` defaults to 90.
#[utoipa::path(post, path = "/contracts", tag = "contracts", request_body = NewContractIn,
    responses((status = 201, body = ServiceContract), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`, or `phi_warning` with `findings`", body = PhiWarningEnvelope)))]
pub async fn create_contract(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(b): Json<NewContractIn>,
) -> ContractResult<(StatusCode, Out<ServiceContract>)> {
    let c = state.services.create_contract(&p, b.contract, b.acknowledge_phi_warning).await?;
    Ok((StatusCode::CREATED, Out(c)))
}

/// One contract with the assets it covers.
#[utoipa::path(get, path = "/contracts/{id}", tag = "contracts", params(("id" = i64, Path)),
    responses((status = 200, body = ContractDetail), (status = 404, body = ErrorEnvelope)))]
pub async fn get_contract(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<ContractDetail>> {
    Ok(Out(state.services.contract_detail(&p, ContractId(id)).await?))
}

/// Change a contract (`manage_inventory`). Absent fields stay; `null` clears `notes`,
/// `response_time_hours` or `uptime_guarantee_pct`. `version` must be the version read
/// (409 `stale_version` otherwise). A new `ends_on` re-arms the expiry notification.
#[utoipa::path(patch, path = "/contracts/{id}", tag = "contracts", params(("id" = i64, Path)), request_body = ContractPatchIn,
    responses((status = 200, body = ServiceContract), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = PhiWarningEnvelope)))]
pub async fn patch_contract(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<ContractPatchIn>,
) -> ContractResult<Out<ServiceContract>> {
    Ok(Out(state.services.update_contract(&p, ContractId(id), b.patch, b.acknowledge_phi_warning).await?))
}

/// Replace the assets a contract covers, by asset ids and/or asset tags (`manage_inventory`).
#[utoipa::path(put, path = "/contracts/{id}/assets", tag = "contracts", params(("id" = i64, Path)), request_body = CoveredAssetsRequest,
    responses((status = 200, body = ContractDetail), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_contract_assets(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<CoveredAssetsRequest>,
) -> ApiResult<Out<ContractDetail>> {
    Ok(Out(state.services.set_contract_assets(&p, ContractId(id), b).await?))
}

/// The service contracts covering an asset, latest end first.
#[utoipa::path(get, path = "/assets/{id}/contracts", tag = "contracts", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ServiceContract>), (status = 404, body = ErrorEnvelope)))]
pub async fn asset_contracts(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Vec<ServiceContract>>> {
    Ok(Out(state.services.asset_contracts(&p, AssetId(id)).await?))
}
