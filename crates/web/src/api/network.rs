//! Networked devices (REFERENCE §7): an asset's network profile, a model's MDS2 security profiles
//! per software version, and the cyber reports.

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::network::{ModelSecurityProfile, NetworkFields, NetworkProfile, SecurityFields};
use htm_service::network::{CertificatesReport, UnsupportedOsReport};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_asset_network, put_asset_network))
        .routes(routes!(list_security_profiles, put_security_profile))
        .routes(routes!(unsupported_os))
        .routes(routes!(certificates_expiring))
}

/// A network profile to save: its fields and, to update, the version read (omit to create).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NetworkProfileIn {
    #[serde(flatten)]
    pub fields: NetworkFields,
    pub version: Option<i64>,
}

/// A security profile to save (by software version): its answers and, to update, the version read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SecurityProfileIn {
    #[serde(flatten)]
    pub fields: SecurityFields,
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UnsupportedOsQuery {
    /// Keyset: rows after this asset id.
    pub after: Option<i64>,
    /// At most this many rows (default and maximum 500).
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CertificatesQuery {
    /// The window in days (default 60); certificates already expired are included.
    pub days: Option<u16>,
    /// Keyset: rows after this expiry date and asset id (give both).
    #[param(value_type = Option<String>, format = Date)]
    pub after_date: Option<Date>,
    pub after_id: Option<i64>,
    /// At most this many rows (default and maximum 500).
    pub limit: Option<u32>,
}

/// An asset's network profile (null: none recorded).
#[utoipa::path(get, path = "/assets/{id}/network", tag = "network", params(("id" = i64, Path)),
    responses((status = 200, body = Option<NetworkProfile>), (status = 404, body = ErrorEnvelope)))]
pub async fn get_asset_network(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Option<NetworkProfile>>> {
    Ok(Out(state.services.get_network_profile(&p, AssetId(id)).await?))
}

/// Create or update an asset's network profile (addresses validated and normalised).
#[utoipa::path(put, path = "/assets/{id}/network", tag = "network", params(("id" = i64, Path)), request_body = NetworkProfileIn,
    responses((status = 200, body = NetworkProfile), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_asset_network(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<NetworkProfileIn>,
) -> ApiResult<Out<NetworkProfile>> {
    Ok(Out(state.services.save_network_profile(&p, AssetId(id), b.fields, b.version).await?))
}

/// A model's MDS2 security profiles, one per software version.
#[utoipa::path(get, path = "/models/{id}/security-profiles", tag = "network", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ModelSecurityProfile>), (status = 404, body = ErrorEnvelope)))]
pub async fn list_security_profiles(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Vec<ModelSecurityProfile>>> {
    Ok(Out(state.services.list_model_security_profiles(&p, ModelId(id)).await?))
}

/// Create or update (by `software_version`) a model's security profile.
#[utoipa::path(put, path = "/models/{id}/security-profiles", tag = "network", params(("id" = i64, Path)), request_body = SecurityProfileIn,
    responses((status = 200, body = ModelSecurityProfile), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_security_profile(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<SecurityProfileIn>,
) -> ApiResult<Out<ModelSecurityProfile>> {
    Ok(Out(state.services.save_model_security_profile(&p, ModelId(id), b.fields, b.version).await?))
}

fn today() -> Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// Assets running an operating system past its end of support (per their model's security profile).
#[utoipa::path(get, path = "/reports/unsupported-os", tag = "network", params(UnsupportedOsQuery),
    responses((status = 200, body = UnsupportedOsReport)))]
pub async fn unsupported_os(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<UnsupportedOsQuery>,
) -> ApiResult<Out<UnsupportedOsReport>> {
    let r = state.services.unsupported_os_report(&p, today(), q.after.map(AssetId), q.limit.unwrap_or(500)).await?;
    Ok(Out(r))
}

/// Assets whose certificate expires within `days` (default 60) or has expired, soonest first.
#[utoipa::path(get, path = "/reports/certificates-expiring", tag = "network", params(CertificatesQuery),
    responses((status = 200, body = CertificatesReport)))]
pub async fn certificates_expiring(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<CertificatesQuery>,
) -> ApiResult<Out<CertificatesReport>> {
    let after = q.after_date.zip(q.after_id.map(AssetId));
    let r = state
        .services
        .certificates_expiring_report(&p, today(), q.days.unwrap_or(60), after, q.limit.unwrap_or(500))
        .await?;
    Ok(Out(r))
}
