//! Risk scoring (Fennigkoh & Smith, REFERENCE §2.1): factors per model with per-asset override,
//! and an asset's equipment-management number with its incident history from its repairs.

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use htm_domain::ids::{AssetId, ModelId};
use htm_store::{RiskAssessment, RiskTarget};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RiskFactorsIn {
    /// 2 (patient-related and other) … 10 (life support).
    pub function: i8,
    /// 1 (no significant risk) … 5 (patient death).
    pub physical_risk: i8,
    /// 1 (minimal) … 5 (extensive).
    pub maintenance: i8,
    /// Why: every designation records it.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskAssessmentOut {
    pub id: i64,
    /// `model` or `asset`.
    pub of: &'static str,
    pub of_id: i64,
    pub function: i8,
    pub physical_risk: i8,
    pub maintenance: i8,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: jiff::Timestamp,
}

impl From<RiskAssessment> for RiskAssessmentOut {
    fn from(a: RiskAssessment) -> Self {
        let (of, of_id) = match a.target {
            RiskTarget::Model(m) => ("model", m.0),
            RiskTarget::Asset(x) => ("asset", x.0),
        };
        RiskAssessmentOut {
            id: a.id,
            of,
            of_id,
            function: a.factors.function,
            physical_risk: a.factors.physical_risk,
            maintenance: a.factors.maintenance,
            reason: a.reason,
            decided_by: a.decided_by,
            decided_at: a.decided_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetRiskOut {
    /// The assessment that applies (the asset's own, else its model's); null: not assessed.
    pub assessment: Option<RiskAssessmentOut>,
    pub failures_last_18_months: Option<u32>,
    pub months_observed: Option<f64>,
    /// −2 … +2, from the asset's true failures (REFERENCE §2.1, §9.3).
    pub incident_history: Option<i8>,
    pub em_number: Option<i8>,
    pub inclusion_threshold: i8,
    pub in_program: Option<bool>,
    pub pm_interval_months: Option<u8>,
    pub must_be_high_risk: Option<bool>,
    /// Every designation of the asset and its model, newest first.
    pub history: Vec<RiskAssessmentOut>,
    /// The asset's score under each configurable weighted method it or its model was assessed
    /// with (empty: none).
    pub weighted: Vec<super::risk_methods::WeightedRiskOut>,
}

/// Set a device model's Fennigkoh & Smith factors (the default of its assets).
#[utoipa::path(put, path = "/models/{id}/risk", tag = "risk", params(("id" = i64, Path)), request_body = RiskFactorsIn,
    responses((status = 200, body = RiskAssessmentOut), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_model_risk(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<RiskFactorsIn>,
) -> ApiResult<Out<RiskAssessmentOut>> {
    let a = state
        .services
        .assess_risk(&p, RiskTarget::Model(ModelId(id)), (b.function, b.physical_risk, b.maintenance), &b.reason)
        .await?;
    Ok(Out(a.into()))
}

/// Override an asset's Fennigkoh & Smith factors.
#[utoipa::path(put, path = "/assets/{id}/risk", tag = "risk", params(("id" = i64, Path)), request_body = RiskFactorsIn,
    responses((status = 200, body = RiskAssessmentOut), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_asset_risk(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<RiskFactorsIn>,
) -> ApiResult<Out<RiskAssessmentOut>> {
    let a = state
        .services
        .assess_risk(&p, RiskTarget::Asset(AssetId(id)), (b.function, b.physical_risk, b.maintenance), &b.reason)
        .await?;
    Ok(Out(a.into()))
}

/// An asset's equipment-management number now: EM = function + physical risk + maintenance +
/// incident history (recomputed from its repairs); EM ≥ 12 is in the program. `weighted` gives
/// the scores under the configurable weighted methods.
#[utoipa::path(get, path = "/assets/{id}/risk", tag = "risk", params(("id" = i64, Path)),
    responses((status = 200, body = AssetRiskOut), (status = 404, body = ErrorEnvelope)))]
pub async fn get_asset_risk(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<AssetRiskOut>> {
    let r = state.services.asset_risk(&p, AssetId(id)).await?;
    let history = state.services.risk_history(&p, AssetId(id)).await?.into_iter().map(Into::into).collect();
    let weighted = state.services.asset_weighted_risk(&p, AssetId(id)).await?.into_iter().map(Into::into).collect();
    Ok(Out(match r {
        Some(r) => AssetRiskOut {
            assessment: Some(r.assessment.into()),
            failures_last_18_months: Some(r.failures_last_18_months),
            months_observed: Some(r.months_observed),
            incident_history: Some(r.incident_history),
            em_number: Some(r.em_number),
            inclusion_threshold: r.inclusion_threshold,
            in_program: Some(r.in_program),
            pm_interval_months: r.pm_interval_months,
            must_be_high_risk: Some(r.must_be_high_risk),
            history,
            weighted,
        },
        None => AssetRiskOut {
            assessment: None,
            failures_last_18_months: None,
            months_observed: None,
            incident_history: None,
            em_number: None,
            inclusion_threshold: htm_domain::risk::INCLUSION_THRESHOLD,
            in_program: None,
            pm_interval_months: None,
            must_be_high_risk: None,
            history,
            weighted,
        },
    }))
}
