//! Maintenance strategies and the AEM program (REFERENCE §2.2–2.4): propose a strategy for a
//! model or an asset, approve it (an electronic signature: the approver's `password`) or reject
//! it, the register of current strategies, an asset's strategy, a model's rule designations, the
//! AEM settings and the AEM monitoring report.
//!
//! A proposal the rules forbid is refused with 422 `aem_not_allowed` (or `strategy_not_allowed`
//! for run to failure / not in program on high-risk equipment); `message` lists every reason with
//! its clause and `fields` has one entry per reason (`field` = reason code).

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::repair_analytics::Period;
use htm_domain::strategy::{AemSettings, ModelAemFlags, StrategyProposal, StrategyRecord, StrategyTarget};
use htm_service::strategies::{AemGroup, AemReport, AssetStrategy, Eligibility, StrategyView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(propose_model_strategy))
        .routes(routes!(propose_asset_strategy, get_asset_strategy))
        .routes(routes!(approve_strategy))
        .routes(routes!(reject_strategy))
        .routes(routes!(list_strategies))
        .routes(routes!(get_strategy))
        .routes(routes!(strategy_eligibility))
        .routes(routes!(get_model_aem_flags, put_model_aem_flags))
        .routes(routes!(aem_report))
        .routes(routes!(get_aem_settings, put_aem_settings))
}

/// The register: the current strategy of every model and asset that has an approved one (the
/// rest follow the manufacturer's recommendations), the proposals awaiting a decision, and the
/// AEM groups with their member assets.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyRegister {
    pub current: Vec<StrategyView>,
    pub proposed: Vec<StrategyView>,
    pub aem_groups: Vec<AemGroup>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApproveIn {
    /// The approver's password: approving is an electronic signature (21 CFR Part 11).
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectIn {
    /// Why it is rejected (required).
    pub note: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AemReportQuery {
    /// First day, `YYYY-MM-DD` (UTC).
    pub from: String,
    /// Last day included, `YYYY-MM-DD`.
    pub to: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EligibilityQuery {
    /// `model` or `asset`.
    pub of: String,
    pub id: i64,
    /// `manufacturer`, `aem`, `run_to_failure` or `not_in_program`.
    pub strategy: String,
}

/// Propose a maintenance strategy for a device model (the default of its assets).
#[utoipa::path(post, path = "/models/{id}/strategy", tag = "strategies", params(("id" = i64, Path)),
    request_body = StrategyProposal,
    responses((status = 201, body = StrategyRecord), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, description = "validation_failed, or aem_not_allowed / strategy_not_allowed with every reason and its clause", body = ErrorEnvelope)))]
pub async fn propose_model_strategy(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<StrategyProposal>,
) -> ApiResult<(StatusCode, Out<StrategyRecord>)> {
    let r = state.services.propose_strategy(&p, StrategyTarget::Model(ModelId(id)), b).await?;
    Ok((StatusCode::CREATED, Out(r)))
}

/// Propose a maintenance strategy for one asset (overrides its model's).
#[utoipa::path(post, path = "/assets/{id}/strategy", tag = "strategies", params(("id" = i64, Path)),
    request_body = StrategyProposal,
    responses((status = 201, body = StrategyRecord), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, description = "validation_failed, or aem_not_allowed / strategy_not_allowed with every reason and its clause", body = ErrorEnvelope)))]
pub async fn propose_asset_strategy(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<StrategyProposal>,
) -> ApiResult<(StatusCode, Out<StrategyRecord>)> {
    let r = state.services.propose_strategy(&p, StrategyTarget::Asset(AssetId(id)), b).await?;
    Ok((StatusCode::CREATED, Out(r)))
}

/// The strategy that applies to an asset now: its own, else its model's, else the
/// manufacturer's recommendations (`source` = `asset`, `model`, `default`).
#[utoipa::path(get, path = "/assets/{id}/strategy", tag = "strategies", params(("id" = i64, Path)),
    responses((status = 200, body = AssetStrategy), (status = 404, body = ErrorEnvelope)))]
pub async fn get_asset_strategy(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<AssetStrategy>> {
    Ok(Out(state.services.asset_strategy(&p, AssetId(id)).await?))
}

/// Approve a proposed strategy: an electronic signature with the meaning *approval* (body
/// `{"password": …}`); the rules are checked again first.
#[utoipa::path(post, path = "/strategies/{id}/approve", tag = "strategies", params(("id" = i64, Path)),
    request_body = ApproveIn,
    responses((status = 200, body = StrategyView), (status = 403, description = "forbidden or signature_invalid", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
        (status = 422, description = "signature_required, or aem_not_allowed / strategy_not_allowed", body = ErrorEnvelope)))]
pub async fn approve_strategy(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<ApproveIn>,
) -> ApiResult<Out<StrategyView>> {
    Ok(Out(state.services.approve_strategy(&p, id, b.password.as_deref()).await?))
}

/// Reject a proposed strategy, saying why.
#[utoipa::path(post, path = "/strategies/{id}/reject", tag = "strategies", params(("id" = i64, Path)),
    request_body = RejectIn,
    responses((status = 200, body = StrategyRecord), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn reject_strategy(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<RejectIn>,
) -> ApiResult<Out<StrategyRecord>> {
    Ok(Out(state.services.reject_strategy(&p, id, &b.note).await?))
}

/// The strategy register (TJC EC.02.04.01 EP 4–6).
#[utoipa::path(get, path = "/strategies", tag = "strategies",
    responses((status = 200, body = StrategyRegister), (status = 403, body = ErrorEnvelope)))]
pub async fn list_strategies(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<StrategyRegister>> {
    let s = &state.services;
    Ok(Out(StrategyRegister {
        current: s.list_strategies(&p).await?,
        proposed: s.proposed_strategies(&p).await?,
        aem_groups: s.aem_groups(&p).await?,
    }))
}

/// One strategy record with its signatures.
#[utoipa::path(get, path = "/strategies/{id}", tag = "strategies", params(("id" = i64, Path)),
    responses((status = 200, body = StrategyView), (status = 404, body = ErrorEnvelope)))]
pub async fn get_strategy(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<StrategyView>> {
    Ok(Out(state.services.get_strategy(&p, id).await?))
}

/// Whether a strategy would be allowed for a model or asset now, with the facts and every
/// refusal and its clause.
#[utoipa::path(get, path = "/strategy-eligibility", tag = "strategies", params(EligibilityQuery),
    responses((status = 200, body = Eligibility), (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn strategy_eligibility(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<EligibilityQuery>,
) -> ApiResult<Out<Eligibility>> {
    let target = match q.of.as_str() {
        "model" => StrategyTarget::Model(ModelId(q.id)),
        "asset" => StrategyTarget::Asset(AssetId(q.id)),
        _ => return Err(super::error::ApiError::bad_request("of is model or asset")),
    };
    let strategy = htm_domain::strategy::MaintenanceStrategy::parse(&q.strategy)?;
    Ok(Out(state.services.strategy_eligibility(&p, target, strategy).await?))
}

/// A model's rule designations (explicit; imaging and lasers are also inferred from the category
/// and FDA product code).
#[utoipa::path(get, path = "/models/{id}/aem-flags", tag = "strategies", params(("id" = i64, Path)),
    responses((status = 200, body = ModelAemFlags), (status = 404, body = ErrorEnvelope)))]
pub async fn get_model_aem_flags(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<ModelAemFlags>> {
    Ok(Out(state.services.model_aem_flags(&p, ModelId(id)).await?))
}

/// Set a model's rule designations: imaging/radiologic, medical laser, and whether another rule
/// (law, another CoP) requires the manufacturer's recommendations — with its citation.
#[utoipa::path(put, path = "/models/{id}/aem-flags", tag = "strategies", params(("id" = i64, Path)),
    request_body = ModelAemFlags,
    responses((status = 200, body = ModelAemFlags), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_model_aem_flags(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<ModelAemFlags>,
) -> ApiResult<Out<ModelAemFlags>> {
    Ok(Out(state.services.set_model_aem_flags(&p, ModelId(id), b).await?))
}

/// AEM program monitoring: per AEM group and quarter, PMs done, failures found at PM, failures
/// between PMs, incidents and the failure rate per device-year, with the baseline before the
/// group's approval and the return-to-manufacturer flag with its evidence.
#[utoipa::path(get, path = "/reports/aem", tag = "reports", params(AemReportQuery),
    responses((status = 200, body = AemReport), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn aem_report(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<AemReportQuery>,
) -> ApiResult<Out<AemReport>> {
    let period = Period::parse(&q.from, &q.to)?;
    Ok(Out(state.services.aem_monitoring(&p, period.from, period.to).await?))
}

/// The AEM settings: maintenance history required before AEM and the return-to-manufacturer
/// thresholds.
#[utoipa::path(get, path = "/aem-settings", tag = "strategies",
    responses((status = 200, body = AemSettings), (status = 403, body = ErrorEnvelope)))]
pub async fn get_aem_settings(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<AemSettings>> {
    Ok(Out(state.services.aem_settings(&p).await?))
}

/// Change the AEM settings (send the `version` read).
#[utoipa::path(put, path = "/aem-settings", tag = "strategies", request_body = AemSettings,
    responses((status = 200, body = AemSettings), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_aem_settings(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(b): Json<AemSettings>,
) -> ApiResult<Out<AemSettings>> {
    Ok(Out(state.services.set_aem_settings(&p, b).await?))
}
