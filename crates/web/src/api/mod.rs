//! The JSON API under `/api/v1`. Each handler is annotated for the OpenAPI document, which is
//! generated from these annotations and served at `/api/v1/openapi.json`.

pub mod contracts;
pub mod documents;
pub mod error;
pub mod esa_import;
pub mod extract;
pub mod incidents;
pub mod network;
pub mod notify;
pub mod openapi_doc;
pub mod qualifications;
pub mod recalls;
pub mod repair_analytics;
pub mod risk;
pub mod risk_methods;
pub mod spreadsheet;
pub mod strategies;
pub mod survey;
pub mod test_equipment;
pub mod tokens;
pub mod udi;
pub mod usage;
pub mod vulnerabilities;

use crate::AppState;
use crate::auth::ApiUser;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json as Out, Router};
use error::{ApiError, ApiResult, ErrorEnvelope};
use extract::{Json, Path, Query};
use htm_domain::asset::{Asset, AssetPatch, AssetStatus};
use htm_domain::audit::AuditEvent;
use htm_domain::catalog::{DeviceModel, Manufacturer, ModelPatch, NewManufacturer, NewVendor, Vendor};
use htm_domain::esa::{AppliedPartType, Comparator, EsaLimit, EsaStandard, EsaTest, ProtectionClass};
use htm_domain::ids::*;
use htm_domain::org::*;
use htm_domain::page::{Page, PageRequest};
use htm_domain::user::{NewUser, User, UserPatch};
use htm_domain::work_order::{
    NewWorkOrder, TransitionRequest, WorkOrder, WorkOrderPatch, WorkOrderStatus, WorkOrderType,
};
use htm_store::{AssetFilter, WorkOrderFilter};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "OpenHTM API", version = "1", description = "Healthcare Technology Management: equipment inventory, work orders and the audit record. Every call except login and /healthz takes `Authorization: Bearer <token>`. Every error is `{\"error\": {\"code\", \"message\"}}`."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(ErrorEnvelope))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

/// The API router and its OpenAPI document.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_assets, create_asset))
        .routes(routes!(get_asset, patch_asset))
        .routes(routes!(get_asset_by_tag))
        .routes(routes!(asset_history))
        .routes(routes!(list_work_orders, create_work_order))
        .routes(routes!(get_work_order, patch_work_order))
        .routes(routes!(transition_work_order))
        .routes(routes!(work_order_signatures))
        .routes(routes!(work_order_history))
        .routes(routes!(list_sites, create_site))
        .routes(routes!(get_site, patch_site))
        .routes(routes!(list_buildings, create_building))
        .routes(routes!(list_departments, create_department))
        .routes(routes!(get_department, patch_department))
        .routes(routes!(list_locations, create_location))
        .routes(routes!(get_location, patch_location))
        .routes(routes!(list_manufacturers, create_manufacturer))
        .routes(routes!(get_manufacturer, patch_manufacturer))
        .routes(routes!(list_vendors, create_vendor))
        .routes(routes!(list_models, create_model))
        .routes(routes!(get_model, patch_model))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, patch_user))
        .routes(routes!(unlock_user))
        .routes(routes!(cause_codes))
        .routes(routes!(dashboard))
        .routes(routes!(audit_verify))
        .routes(routes!(esa_limits))
        .routes(routes!(create_pm_schedule))
        .routes(routes!(list_asset_pm_schedules))
        .routes(routes!(generate_pm))
        .routes(routes!(pm_compliance))
        .routes(routes!(repair_analytics::repair_report))
        .routes(routes!(survey::survey_pack))
        .routes(routes!(repair_analytics::get_repair_settings, repair_analytics::put_repair_settings))
        .routes(routes!(list_procedures, create_procedure))
        .routes(routes!(get_procedure))
        .routes(routes!(set_model_procedure))
        .routes(routes!(record_pm))
        .routes(routes!(pm_results))
        .routes(routes!(esa_import::import_esa))
        .routes(routes!(spreadsheet::import_sheet))
        .routes(routes!(usage::set_schedule_usage))
        .routes(routes!(risk::put_model_risk))
        .routes(routes!(risk::put_asset_risk, risk::get_asset_risk))
        .routes(routes!(risk_methods::list_risk_methods, risk_methods::create_risk_method))
        .routes(routes!(risk_methods::put_model_weighted_risk))
        .routes(routes!(risk_methods::put_asset_weighted_risk))
        .routes(routes!(risk_methods::get_asset_designations))
        .routes(routes!(usage::record_meter_reading, usage::list_meter_readings))
        .routes(routes!(qualifications::list_qualifications, qualifications::add_qualification))
        .routes(routes!(qualifications::revoke_qualification))
        .routes(routes!(qualifications::get_policy, qualifications::set_policy))
        .routes(routes!(test_equipment::list_test_equipment))
        .merge(documents::routes())
        .merge(contracts::routes())
        .merge(incidents::routes())
        .merge(recalls::routes())
        .merge(vulnerabilities::routes())
        .merge(strategies::routes())
        .merge(network::routes())
        .merge(notify::routes())
        .merge(udi::routes())
        .merge(tokens::routes())
        .split_for_parts();
    let mut doc = doc;
    openapi_doc::complete(&mut doc);
    openapi_doc::annotate_access(&mut doc);
    // The server is mounted under /api/v1.
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    let router = router.fallback(|| async { ApiError::not_found("no such API endpoint") }).method_not_allowed_fallback(
        || async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "bad_request", "this endpoint does not accept that method")
        },
    );
    (router, doc)
}

fn page(limit: Option<i64>, cursor: Option<&str>) -> ApiResult<PageRequest> {
    Ok(PageRequest::parse(limit, cursor)?)
}

macro_rules! page_type {
    ($name:ident, $t:ty) => {
        #[derive(Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$t>,
            /// Pass as `cursor` to get the next page; null on the last page.
            pub next_cursor: Option<String>,
        }
        impl From<Page<$t>> for $name {
            fn from(p: Page<$t>) -> Self {
                $name { items: p.items, next_cursor: p.next_cursor }
            }
        }
    };
}

page_type!(AssetPage, Asset);
page_type!(WorkOrderPage, WorkOrder);
page_type!(LocationPage, Location);
page_type!(ManufacturerPage, Manufacturer);
page_type!(VendorPage, Vendor);
page_type!(ModelPage, DeviceModel);
page_type!(UserPage, User);

// --- auth ----------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: jiff::Timestamp,
    pub user: User,
}

/// Log in and get a bearer token. Failed logins are limited per client address and per account
/// (a locked account or a throttled address gets 429 `too_many_attempts`).
#[utoipa::path(post, path = "/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
        (status = 429, body = ErrorEnvelope, description = "too many failed logins: the account is locked or the address throttled"),
        (status = 403, body = ErrorEnvelope, description = "LDAP login: the directory account is in no group mapped to a role"),
        (status = 503, body = ErrorEnvelope, description = "LDAP login: `directory_unavailable`, the directory cannot be reached")))]
async fn login(
    state: axum::extract::State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Json(req): Json<LoginRequest>,
) -> Result<axum::response::Response, ApiError> {
    let ip = crate::throttle::client_ip(peer);
    if let Err(wait) = state.login_throttle.check(ip) {
        let mut r = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed logins from this address: try again in {wait} s"),
        )
        .into_response();
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(wait));
        return Ok(r);
    }
    match state.services.login(&req.username, &req.password, "api").await {
        Ok(g) => Ok(Out(LoginResponse { token: g.token, expires_at: g.expires_at, user: g.user }).into_response()),
        Err(e) => {
            if matches!(e, htm_service::ServiceError::Unauthenticated(_)) {
                state.login_throttle.failed(ip);
            }
            Err(e.into())
        }
    }
}

/// Lift a user's login lock (administrators).
#[utoipa::path(post, path = "/users/{id}/unlock", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = LoginLockOut), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
async fn unlock_user(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<LoginLockOut>> {
    let l = state.services.unlock_user(&p, UserId(id)).await?;
    Ok(Out(LoginLockOut { failed_logins: l.failed_logins, locked_until: l.locked_until }))
}

/// An account's login lock.
#[derive(Serialize, ToSchema)]
pub struct LoginLockOut {
    /// Consecutive failed logins since the last success or lock.
    pub failed_logins: u32,
    /// Until when every password is refused; null when not locked.
    pub locked_until: Option<jiff::Timestamp>,
}

/// End the session of the token sent.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorEnvelope)))]
async fn logout(
    state: axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
    _u: ApiUser,
) -> ApiResult<StatusCode> {
    let token =
        headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.get(7..)).unwrap_or("").trim();
    state.services.logout(token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The user the token belongs to.
#[utoipa::path(get, path = "/me", tag = "auth", responses((status = 200, body = User), (status = 401, body = ErrorEnvelope)))]
async fn me(ApiUser(p): ApiUser) -> Out<User> {
    Out(p.user)
}

// --- assets --------------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
pub struct AssetQuery {
    /// Matches asset tag, serial number, model number or name, manufacturer, location.
    pub q: Option<String>,
    /// An asset status code, e.g. `in_service`.
    pub status: Option<String>,
    /// Department id.
    pub department: Option<i64>,
    /// Device model id.
    pub model: Option<i64>,
    /// Location id.
    pub location: Option<i64>,
    /// 1–1000, default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Find assets (keyset-paginated by id).
#[utoipa::path(get, path = "/assets", tag = "assets", params(AssetQuery),
    responses((status = 200, body = AssetPage), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn list_assets(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<AssetQuery>,
) -> ApiResult<Out<AssetPage>> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(AssetStatus::parse(s)?),
        None => None,
    };
    let f = AssetFilter {
        q: q.q,
        status,
        department_id: q.department.map(DepartmentId),
        model_id: q.model.map(ModelId),
        location_id: q.location.map(LocationId),
    };
    Ok(Out(state.services.list_assets(&p, &f, page(q.limit, q.cursor.as_deref())?).await?.into()))
}

/// Register an asset.
/// `designation_reason` is recorded for any high-risk / life-support override set.
#[utoipa::path(post, path = "/assets", tag = "assets", request_body = risk_methods::NewAssetIn,
    responses((status = 201, body = Asset), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_asset(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<risk_methods::NewAssetIn>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_asset_designated(&p, n.asset, n.designation_reason).await?)))
}

/// One asset.
#[utoipa::path(get, path = "/assets/{id}", tag = "assets", params(("id" = i64, Path)),
    responses((status = 200, body = Asset), (status = 404, body = ErrorEnvelope)))]
async fn get_asset(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Asset>> {
    Ok(Out(state.services.get_asset(&p, AssetId(id)).await?))
}

/// Change an asset. Send the `version` you read; a stale one gets 409 and changes nothing.
#[utoipa::path(patch, path = "/assets/{id}", tag = "assets", params(("id" = i64, Path)), request_body = AssetPatch,
    responses((status = 200, body = Asset), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn patch_asset(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(patch): Json<AssetPatch>,
) -> ApiResult<Out<Asset>> {
    Ok(Out(state.services.update_asset(&p, AssetId(id), patch).await?))
}

/// Find an asset by its asset tag (case-insensitive).
#[utoipa::path(get, path = "/assets/by-tag/{asset_tag}", tag = "assets", params(("asset_tag" = String, Path)),
    responses((status = 200, body = Asset), (status = 404, body = ErrorEnvelope)))]
async fn get_asset_by_tag(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(tag): Path<String>,
) -> ApiResult<Out<Asset>> {
    Ok(Out(state.services.get_asset_by_tag(&p, &tag).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// At most this many events (default 200, at most 1000).
    pub limit: Option<u32>,
}

/// The audit trail of an asset, newest first.
#[utoipa::path(get, path = "/assets/{id}/history", tag = "assets", params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = Vec<AuditEvent>), (status = 403, body = ErrorEnvelope)))]
async fn asset_history(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Out<Vec<AuditEvent>>> {
    state.services.get_asset(&p, AssetId(id)).await?;
    Ok(Out(state.services.history(&p, "asset", &id.to_string(), q.limit.unwrap_or(200).clamp(1, 1000)).await?))
}

// --- work orders ---------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
pub struct WorkOrderQuery {
    /// A status code, e.g. `in_progress`; or `open_all` for every open status.
    pub status: Option<String>,
    /// A work-order type code, e.g. `repair`.
    pub wo_type: Option<String>,
    pub asset: Option<i64>,
    pub assigned_to: Option<i64>,
    /// Matches the number or the reported problem.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Work orders, newest first (requesters see their own; vendors their company's).
#[utoipa::path(get, path = "/work-orders", tag = "work orders", params(WorkOrderQuery),
    responses((status = 200, body = WorkOrderPage), (status = 400, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn list_work_orders(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<WorkOrderQuery>,
) -> ApiResult<Out<WorkOrderPage>> {
    let mut f = WorkOrderFilter {
        q: q.q,
        asset_id: q.asset.map(AssetId),
        assigned_to: q.assigned_to.map(UserId),
        ..Default::default()
    };
    match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some("open_all") => f.open_only = true,
        Some(s) => f.status = Some(WorkOrderStatus::parse(s)?),
        None => {}
    }
    if let Some(t) = q.wo_type.as_deref().filter(|s| !s.is_empty()) {
        f.wo_type = Some(WorkOrderType::parse(t)?);
    }
    Ok(Out(state.services.list_work_orders(&p, f, page(q.limit, q.cursor.as_deref())?).await?.into()))
}

/// Open a work order. A repair on an in-service asset takes it out of service.
#[utoipa::path(post, path = "/work-orders", tag = "work orders", request_body = NewWorkOrder,
    responses((status = 201, body = WorkOrder), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_work_order(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<NewWorkOrder>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_work_order(&p, n).await?)))
}

/// One work order with its labour and parts.
#[utoipa::path(get, path = "/work-orders/{id}", tag = "work orders", params(("id" = i64, Path)),
    responses((status = 200, body = WorkOrder), (status = 404, body = ErrorEnvelope)))]
async fn get_work_order(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<WorkOrder>> {
    Ok(Out(state.services.get_work_order(&p, WorkOrderId(id)).await?))
}

/// Change a work order's content (findings, labour, parts). Send the `version` you read.
#[utoipa::path(patch, path = "/work-orders/{id}", tag = "work orders", params(("id" = i64, Path)), request_body = WorkOrderPatch,
    responses((status = 200, body = WorkOrder), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn patch_work_order(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(patch): Json<WorkOrderPatch>,
) -> ApiResult<Out<WorkOrder>> {
    Ok(Out(state.services.update_work_order(&p, WorkOrderId(id), patch).await?))
}

/// Move a work order through its workflow: `{"to": "<status>"}` plus what that status needs.
#[utoipa::path(post, path = "/work-orders/{id}/transitions", tag = "work orders", params(("id" = i64, Path)), request_body = TransitionRequest,
    responses((status = 200, body = WorkOrder), (status = 409, body = ErrorEnvelope, description = "the workflow does not allow this move, or a stale version"), (status = 422, body = ErrorEnvelope)))]
async fn transition_work_order(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(req): Json<TransitionRequest>,
) -> ApiResult<Out<WorkOrder>> {
    Ok(Out(state.services.transition_work_order(&p, WorkOrderId(id), req).await?))
}

/// The electronic signatures of a work order (21 CFR Part 11 §11.50: printed name, time,
/// meaning), oldest first, each with the SHA-256 of the content it signed.
#[utoipa::path(get, path = "/work-orders/{id}/signatures", tag = "work orders", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<htm_domain::signature::Signature>), (status = 404, body = ErrorEnvelope)))]
async fn work_order_signatures(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Vec<htm_domain::signature::Signature>>> {
    Ok(Out(state.services.work_order_signatures(&p, WorkOrderId(id)).await?))
}

/// The audit trail of a work order, newest first.
#[utoipa::path(get, path = "/work-orders/{id}/history", tag = "work orders", params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = Vec<AuditEvent>), (status = 404, body = ErrorEnvelope)))]
async fn work_order_history(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Out<Vec<AuditEvent>>> {
    state.services.get_work_order(&p, WorkOrderId(id)).await?;
    Ok(Out(state.services.history(&p, "work_order", &id.to_string(), q.limit.unwrap_or(200).clamp(1, 1000)).await?))
}

// --- organisation --------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ParentQuery {
    /// Only children of this parent.
    pub parent: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// All sites.
#[utoipa::path(get, path = "/sites", tag = "organisation", responses((status = 200, body = Vec<Site>)))]
async fn list_sites(state: axum::extract::State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Out<Vec<Site>>> {
    Ok(Out(state.services.list_sites(&p).await?))
}
/// Create a site.
#[utoipa::path(post, path = "/sites", tag = "organisation", request_body = NewSite, responses((status = 201, body = Site), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_site(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<NewSite>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_site(&p, n).await?)))
}
/// One site.
#[utoipa::path(get, path = "/sites/{id}", tag = "organisation", params(("id" = i64, Path)), responses((status = 200, body = Site), (status = 404, body = ErrorEnvelope)))]
async fn get_site(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Site>> {
    Ok(Out(state.services.get_site(&p, SiteId(id)).await?))
}
/// Change a site (`code`, `name`, `address`).
#[utoipa::path(patch, path = "/sites/{id}", tag = "organisation", params(("id" = i64, Path)), request_body = OrgPatch, responses((status = 200, body = Site), (status = 409, body = ErrorEnvelope)))]
async fn patch_site(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(patch): Json<OrgPatch>,
) -> ApiResult<Out<Site>> {
    Ok(Out(state.services.update_site(&p, SiteId(id), patch).await?))
}
/// Buildings (of one site with `parent`).
#[utoipa::path(get, path = "/buildings", tag = "organisation", params(ParentQuery), responses((status = 200, body = Vec<Building>)))]
async fn list_buildings(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<ParentQuery>,
) -> ApiResult<Out<Vec<Building>>> {
    Ok(Out(state.services.list_buildings(&p, q.parent.map(SiteId)).await?))
}
/// Create a building.
#[utoipa::path(post, path = "/buildings", tag = "organisation", request_body = NewBuilding, responses((status = 201, body = Building), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_building(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<NewBuilding>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_building(&p, n).await?)))
}
/// Departments (cost centres), of one building with `parent`.
#[utoipa::path(get, path = "/departments", tag = "organisation", params(ParentQuery), responses((status = 200, body = Vec<Department>)))]
async fn list_departments(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<ParentQuery>,
) -> ApiResult<Out<Vec<Department>>> {
    Ok(Out(state.services.list_departments(&p, q.parent.map(BuildingId)).await?))
}
/// Create a department.
#[utoipa::path(post, path = "/departments", tag = "organisation", request_body = NewDepartment, responses((status = 201, body = Department), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_department(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<NewDepartment>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_department(&p, n).await?)))
}
/// One department.
#[utoipa::path(get, path = "/departments/{id}", tag = "organisation", params(("id" = i64, Path)), responses((status = 200, body = Department), (status = 404, body = ErrorEnvelope)))]
async fn get_department(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Department>> {
    Ok(Out(state.services.get_department(&p, DepartmentId(id)).await?))
}
/// Change a department (`cost_center`, `name`).
#[utoipa::path(patch, path = "/departments/{id}", tag = "organisation", params(("id" = i64, Path)), request_body = OrgPatch, responses((status = 200, body = Department), (status = 409, body = ErrorEnvelope)))]
async fn patch_department(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(patch): Json<OrgPatch>,
) -> ApiResult<Out<Department>> {
    Ok(Out(state.services.update_department(&p, DepartmentId(id), patch).await?))
}
/// Locations (rooms, areas), of one department with `parent`.
#[utoipa::path(get, path = "/locations", tag = "organisation", params(ParentQuery), responses((status = 200, body = LocationPage)))]
async fn list_locations(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<ParentQuery>,
) -> ApiResult<Out<LocationPage>> {
    Ok(Out(state
        .services
        .list_locations(&p, q.parent.map(DepartmentId), page(q.limit, q.cursor.as_deref())?)
        .await?
        .into()))
}
/// Create a location.
#[utoipa::path(post, path = "/locations", tag = "organisation", request_body = NewLocation, responses((status = 201, body = Location), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_location(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<NewLocation>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_location(&p, n).await?)))
}
/// One location.
#[utoipa::path(get, path = "/locations/{id}", tag = "organisation", params(("id" = i64, Path)), responses((status = 200, body = Location), (status = 404, body = ErrorEnvelope)))]
async fn get_location(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Location>> {
    Ok(Out(state.services.get_location(&p, LocationId(id)).await?))
}
/// Change a location (`name`, `floor`).
#[utoipa::path(patch, path = "/locations/{id}", tag = "organisation", params(("id" = i64, Path)), request_body = OrgPatch, responses((status = 200, body = Location), (status = 409, body = ErrorEnvelope)))]
async fn patch_location(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(patch): Json<OrgPatch>,
) -> ApiResult<Out<Location>> {
    Ok(Out(state.services.update_location(&p, LocationId(id), patch).await?))
}

// --- catalogue -----------------------------------------------------------------------------

/// Manufacturers.
#[utoipa::path(get, path = "/manufacturers", tag = "catalogue", params(PageQuery), responses((status = 200, body = ManufacturerPage)))]
async fn list_manufacturers(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Out<ManufacturerPage>> {
    Ok(Out(state.services.list_manufacturers(&p, page(q.limit, q.cursor.as_deref())?).await?.into()))
}
/// Create a manufacturer.
#[utoipa::path(post, path = "/manufacturers", tag = "catalogue", request_body = NewManufacturer, responses((status = 201, body = Manufacturer), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_manufacturer(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<NewManufacturer>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_manufacturer(&p, n).await?)))
}
/// One manufacturer.
#[utoipa::path(get, path = "/manufacturers/{id}", tag = "catalogue", params(("id" = i64, Path)), responses((status = 200, body = Manufacturer), (status = 404, body = ErrorEnvelope)))]
async fn get_manufacturer(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Manufacturer>> {
    Ok(Out(state.services.get_manufacturer(&p, ManufacturerId(id)).await?))
}
/// Rename a manufacturer (`name`).
#[utoipa::path(patch, path = "/manufacturers/{id}", tag = "catalogue", params(("id" = i64, Path)), request_body = OrgPatch, responses((status = 200, body = Manufacturer), (status = 409, body = ErrorEnvelope)))]
async fn patch_manufacturer(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(patch): Json<OrgPatch>,
) -> ApiResult<Out<Manufacturer>> {
    Ok(Out(state.services.update_manufacturer(&p, ManufacturerId(id), patch).await?))
}
/// Vendors (service companies and suppliers).
#[utoipa::path(get, path = "/vendors", tag = "catalogue", params(PageQuery), responses((status = 200, body = VendorPage)))]
async fn list_vendors(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Out<VendorPage>> {
    Ok(Out(state.services.list_vendors(&p, page(q.limit, q.cursor.as_deref())?).await?.into()))
}
/// Create a vendor.
#[utoipa::path(post, path = "/vendors", tag = "catalogue", request_body = NewVendor, responses((status = 201, body = Vendor), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_vendor(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<NewVendor>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_vendor(&p, n).await?)))
}

#[derive(Deserialize, IntoParams)]
pub struct ModelQuery {
    /// Matches model number, name, category or manufacturer.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Device models.
#[utoipa::path(get, path = "/models", tag = "catalogue", params(ModelQuery), responses((status = 200, body = ModelPage)))]
async fn list_models(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<ModelQuery>,
) -> ApiResult<Out<ModelPage>> {
    Ok(Out(state.services.list_models(&p, q.q.as_deref(), page(q.limit, q.cursor.as_deref())?).await?.into()))
}
/// Create a device model. `designation_reason` is recorded for a high-risk / life-support flag set;
/// `fda_510k` (`K` + 6 digits) is checked before the model is created.
#[utoipa::path(post, path = "/models", tag = "catalogue", request_body = risk_methods::NewDeviceModelIn, responses((status = 201, body = DeviceModel), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_model(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<risk_methods::NewDeviceModelIn>,
) -> ApiResult<impl IntoResponse> {
    let k510 = n.fda_510k.filter(|k| !k.trim().is_empty());
    Ok((
        StatusCode::CREATED,
        Out(state.services.create_model_with_510k(&p, n.model, n.designation_reason, k510).await?),
    ))
}
/// One device model.
#[utoipa::path(get, path = "/models/{id}", tag = "catalogue", params(("id" = i64, Path)), responses((status = 200, body = DeviceModel), (status = 404, body = ErrorEnvelope)))]
async fn get_model(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<DeviceModel>> {
    Ok(Out(state.services.get_model(&p, ModelId(id)).await?))
}
/// Change a device model. Send the `version` you read.
#[utoipa::path(patch, path = "/models/{id}", tag = "catalogue", params(("id" = i64, Path)), request_body = ModelPatch, responses((status = 200, body = DeviceModel), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn patch_model(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(patch): Json<ModelPatch>,
) -> ApiResult<Out<DeviceModel>> {
    Ok(Out(state.services.update_model(&p, ModelId(id), patch).await?))
}

// --- users ---------------------------------------------------------------------------------

/// User accounts.
#[utoipa::path(get, path = "/users", tag = "users", params(PageQuery), responses((status = 200, body = UserPage), (status = 403, body = ErrorEnvelope)))]
async fn list_users(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Out<UserPage>> {
    Ok(Out(state.services.list_users(&p, page(q.limit, q.cursor.as_deref())?).await?.into()))
}
/// Create a user (administrators only).
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser, responses((status = 201, body = User), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_user(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<NewUser>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_user(&p, n).await?)))
}
/// One user.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = User), (status = 404, body = ErrorEnvelope)))]
async fn get_user(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<User>> {
    Ok(Out(state.services.get_user(&p, UserId(id)).await?))
}
/// Change a user; users may change their own password. Send the `version` you read.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserPatch, responses((status = 200, body = User), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn patch_user(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(patch): Json<UserPatch>,
) -> ApiResult<Out<User>> {
    Ok(Out(state.services.update_user(&p, UserId(id), patch).await?))
}

// --- reference, dashboard, record ---------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct CauseCode {
    pub code: String,
    pub label: String,
}

/// The cause (failure) codes a repair can be closed with (REFERENCE §9.3).
#[utoipa::path(get, path = "/cause-codes", tag = "reference", responses((status = 200, body = Vec<CauseCode>)))]
async fn cause_codes(state: axum::extract::State<AppState>, ApiUser(_p): ApiUser) -> ApiResult<Out<Vec<CauseCode>>> {
    Ok(Out(state.services.cause_codes().await?.into_iter().map(|(code, label)| CauseCode { code, label }).collect()))
}

/// Open work orders in one status. (Named apart from the survey pack's `StatusCount`, which has a label.)
#[derive(Serialize, ToSchema)]
#[schema(as = OpenWorkOrderCount)]
pub struct StatusCount {
    pub status: WorkOrderStatus,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DashboardStats {
    /// Open work orders per open status.
    pub open_by_status: Vec<StatusCount>,
    /// Open work orders opened ≤ 2 days ago, 3–7, 8–30 and > 30 days ago.
    pub open_by_age: [i64; 4],
    pub assets_out_of_service: i64,
}

/// Open work at a glance.
#[utoipa::path(get, path = "/dashboard", tag = "reference", responses((status = 200, body = DashboardStats)))]
async fn dashboard(state: axum::extract::State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Out<DashboardStats>> {
    let s = state.services.work_order_stats(&p).await?;
    Ok(Out(DashboardStats {
        open_by_status: s.by_status.into_iter().map(|(status, count)| StatusCount { status, count }).collect(),
        open_by_age: s.by_age,
        assets_out_of_service: s.assets_out_of_service,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AuditVerification {
    pub intact: bool,
    /// Events verified (when intact).
    pub events: Option<u64>,
    /// The first break (when not intact).
    pub problem: Option<String>,
}

/// Walk the audit hash chain and report whether it is intact.
#[utoipa::path(get, path = "/audit/verify", tag = "record", responses((status = 200, body = AuditVerification), (status = 403, body = ErrorEnvelope)))]
async fn audit_verify(state: axum::extract::State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Out<AuditVerification>> {
    p.require(htm_service::Action::ReadAudit)?;
    Ok(Out(match state.services.verify_audit().await? {
        Ok(n) => AuditVerification { intact: true, events: Some(n), problem: None },
        Err(b) => AuditVerification { intact: false, events: None, problem: Some(b.to_string()) },
    }))
}

// --- electrical safety ---------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
pub struct EsaQuery {
    /// `iec62353` or `nfpa99`.
    pub standard: String,
    /// Protection class: `I`, `II` or `internal`.
    pub class: String,
    /// `none` (default), `B`, `BF` or `CF`.
    #[serde(alias = "applied-part")]
    pub applied_part: Option<String>,
}

/// One applicable limit, as `htm esa limits` prints it.
#[derive(Serialize, ToSchema)]
pub struct EsaLimitOut {
    /// `protective_earth_resistance`, `equipment_leakage`, `applied_part_leakage`, `touch_current`,
    /// `patient_leakage` or `insulation_resistance`.
    pub test: EsaTest,
    pub method: String,
    /// `NC` (normal condition) or `SFC` (single-fault condition).
    pub condition: String,
    pub limit: f64,
    /// `mOhm`, `uA` or `MOhm`.
    pub unit: String,
    /// `<=` (at most), `<` (less than) or `>=` (at least).
    pub comparator: Comparator,
    /// The standard's clause and the REFERENCE section.
    pub source: String,
    /// What exactly is measured.
    pub configuration: String,
    pub standard: EsaStandard,
    pub edition: String,
    pub limit_set_version: i64,
    /// The limit row's id; results keep it.
    pub limit_id: i64,
}

impl From<EsaLimit> for EsaLimitOut {
    fn from(l: EsaLimit) -> Self {
        EsaLimitOut {
            test: l.test,
            method: l.method,
            condition: l.condition,
            limit: l.limit,
            unit: l.unit,
            comparator: l.comparator,
            source: l.source,
            configuration: l.configuration,
            standard: l.standard,
            edition: l.edition,
            limit_set_version: l.version,
            limit_id: l.id,
        }
    }
}

/// Parses the three choices that select electrical-safety limits.
pub fn esa_choice(
    standard: &str,
    class: &str,
    applied_part: &str,
) -> Result<(EsaStandard, ProtectionClass, AppliedPartType), htm_domain::DomainError> {
    Ok((EsaStandard::parse(standard)?, ProtectionClass::parse(class)?, AppliedPartType::parse(applied_part)?))
}

/// The electrical-safety limits that apply to a device under a standard (current limit-set version).
#[utoipa::path(get, path = "/esa/limits", tag = "electrical safety", params(EsaQuery),
    responses((status = 200, body = Vec<EsaLimitOut>), (status = 400, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn esa_limits(
    state: axum::extract::State<AppState>,
    ApiUser(_p): ApiUser,
    Query(q): Query<EsaQuery>,
) -> ApiResult<Out<Vec<EsaLimitOut>>> {
    let (standard, class, ap) = esa_choice(&q.standard, &q.class, q.applied_part.as_deref().unwrap_or("none"))?;
    Ok(Out(state.services.esa_limits(standard, class, ap).await?.into_iter().map(EsaLimitOut::from).collect()))
}

// --- planned maintenance -------------------------------------------------------------------

/// Create a PM schedule for an asset.
#[utoipa::path(post, path = "/pm-schedules", tag = "planned maintenance", request_body = htm_domain::pm::NewPmSchedule,
    responses((status = 201, body = htm_domain::pm::PmSchedule), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_pm_schedule(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<htm_domain::pm::NewPmSchedule>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_pm_schedule(&p, n).await?)))
}

/// The PM schedules of an asset.
#[utoipa::path(get, path = "/assets/{id}/pm-schedules", tag = "planned maintenance", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<htm_domain::pm::PmSchedule>), (status = 403, body = ErrorEnvelope)))]
async fn list_asset_pm_schedules(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Vec<htm_domain::pm::PmSchedule>>> {
    Ok(Out(state.services.list_pm_schedules(&p, AssetId(id)).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct MonthQuery {
    /// `YYYY-MM`.
    pub month: String,
}

#[derive(Serialize, ToSchema)]
pub struct PmGenerationOut {
    pub month: String,
    /// Active schedules of in-service assets looked at.
    pub schedules: u64,
    /// PM work orders opened by this run.
    pub created: u64,
    /// Schedules due this month that already had their work order.
    pub already_open: u64,
}

/// Open the PM work orders due in a month for every in-service asset (idempotent).
#[utoipa::path(post, path = "/pm/generate", tag = "planned maintenance", params(MonthQuery),
    responses((status = 200, body = PmGenerationOut), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn generate_pm(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<MonthQuery>,
) -> ApiResult<Out<PmGenerationOut>> {
    let month = htm_domain::pm::Month::parse(&q.month)?;
    let g = state.services.generate_pm(&p, month).await?;
    Ok(Out(PmGenerationOut {
        month: month.to_string(),
        schedules: g.schedules,
        created: g.created,
        already_open: g.already_open,
    }))
}

/// The PM completion report for a month: totals, high-risk, life-support, other and per department.
#[utoipa::path(get, path = "/reports/pm-compliance", tag = "reports", params(MonthQuery),
    responses((status = 200, body = htm_service::pm::PmComplianceReport), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn pm_compliance(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<MonthQuery>,
) -> ApiResult<Out<htm_service::pm::PmComplianceReport>> {
    let month = htm_domain::pm::Month::parse(&q.month)?;
    Ok(Out(state.services.pm_compliance(&p, month).await?))
}

// --- PM procedures and recording a PM --------------------------------------------------------

/// Create a PM procedure. Posting an existing code creates its next version (versions are immutable).
#[utoipa::path(post, path = "/procedures", tag = "planned maintenance", request_body = htm_domain::procedure::NewProcedure,
    responses((status = 201, body = htm_domain::procedure::Procedure), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn create_procedure(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(n): Json<htm_domain::procedure::NewProcedure>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_procedure(&p, n).await?)))
}

#[derive(Deserialize, IntoParams)]
pub struct ProcedureQuery {
    /// Every version of this code (newest first); without it, the latest version of every procedure.
    pub code: Option<String>,
}

/// PM procedures with their steps: the latest versions, or every version of one code.
#[utoipa::path(get, path = "/procedures", tag = "planned maintenance", params(ProcedureQuery),
    responses((status = 200, body = Vec<htm_domain::procedure::Procedure>), (status = 403, body = ErrorEnvelope)))]
async fn list_procedures(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<ProcedureQuery>,
) -> ApiResult<Out<Vec<htm_domain::procedure::Procedure>>> {
    Ok(Out(state.services.list_procedures(&p, q.code.as_deref()).await?))
}

/// One procedure version with its steps.
#[utoipa::path(get, path = "/procedures/{id}", tag = "planned maintenance", params(("id" = i64, Path)),
    responses((status = 200, body = htm_domain::procedure::Procedure), (status = 404, body = ErrorEnvelope)))]
async fn get_procedure(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<htm_domain::procedure::Procedure>> {
    Ok(Out(state.services.get_procedure(&p, id).await?))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ModelProcedure {
    /// The default PM procedure code for every asset of the model; null clears it.
    pub pm_procedure_code: Option<String>,
}

/// Set (or clear) a model's default PM procedure code. An asset's own `pm_procedure_code` overrides it.
#[utoipa::path(put, path = "/models/{id}/procedure", tag = "catalogue", params(("id" = i64, Path)), request_body = ModelProcedure,
    responses((status = 200, body = ModelProcedure), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn set_model_procedure(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<ModelProcedure>,
) -> ApiResult<Out<ModelProcedure>> {
    let code = state.services.set_model_procedure(&p, ModelId(id), b.pm_procedure_code.as_deref()).await?;
    Ok(Out(ModelProcedure { pm_procedure_code: code }))
}

/// Record a PM's results against its procedure; with `complete: true`, sign it off.
///
/// Only for PM work orders in progress. 422 when the asset has no procedure, a step is missing,
/// an ESA limit does not belong to the standard or apply to the asset's protection class and
/// applied part (or those are not set), or — at sign-off — test equipment is past its
/// calibration due date (field `test_equipment`, naming its asset tag and due date); nothing is
/// written then. A signed-off PM with a failed step completes with result `fail`, takes the asset
/// out of service and opens a linked high-priority repair.
#[utoipa::path(post, path = "/work-orders/{id}/pm-record", tag = "planned maintenance", params(("id" = i64, Path)),
    request_body = htm_domain::procedure::PmRecordRequest,
    responses((status = 200, body = htm_domain::procedure::PmRecord), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
async fn record_pm(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(req): Json<htm_domain::procedure::PmRecordRequest>,
) -> ApiResult<Out<htm_domain::procedure::PmRecord>> {
    Ok(Out(state.services.record_pm(&p, WorkOrderId(id), req).await?))
}

/// A PM's recorded results: procedure version, test equipment, judged steps and readings.
#[utoipa::path(get, path = "/work-orders/{id}/pm-results", tag = "planned maintenance", params(("id" = i64, Path)),
    responses((status = 200, body = htm_domain::procedure::PmRecord), (status = 404, body = ErrorEnvelope)))]
async fn pm_results(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<htm_domain::procedure::PmRecord>> {
    Ok(Out(state.services.pm_results(&p, WorkOrderId(id)).await?))
}
