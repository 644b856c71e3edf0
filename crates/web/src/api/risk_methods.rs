//! The configurable weighted risk method (versioned; the hospital's own criteria) and its
//! assessments per model with per-asset override, and the record of high-risk / life-support
//! designations (who decided, when and why).

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use htm_domain::asset::NewAsset;
use htm_domain::catalog::NewDeviceModel;
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::weighted_risk::{CriterionScore, NewWeightedMethod, WeightedMethod};
use htm_service::risk_methods::AssetWeightedRisk;
use htm_store::{RiskDesignation, RiskTarget, WeightedAssessment};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A new asset, with the reason recorded for any designation it sets.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAssetIn {
    #[serde(flatten)]
    pub asset: NewAsset,
    /// Why the asset is (or is not) high-risk / life-support, when an override is set; default
    /// "initial inventory designation by <user>".
    #[serde(default)]
    pub designation_reason: Option<String>,
}

/// A new device model, with the reason recorded for any designation it sets.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDeviceModelIn {
    #[serde(flatten)]
    pub model: NewDeviceModel,
    /// Why the model is high-risk / life-support, when a flag is set; default
    /// "initial inventory designation by <user>".
    #[serde(default)]
    pub designation_reason: Option<String>,
    /// The model's FDA 510(k) number (`K` + 6 digits), used by recall matching.
    #[serde(default)]
    pub fda_510k: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WeightedRiskIn {
    /// The method's key (its newest version is used); default `default-weighted`.
    #[serde(default)]
    pub method: Option<String>,
    /// A score per criterion that is not computed, e.g. `{"clinical_function": 5}`.
    pub scores: BTreeMap<String, i8>,
    /// Why: every assessment records it.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WeightedAssessmentOut {
    pub id: i64,
    /// The method version it was scored with.
    pub method_id: i64,
    pub method: String,
    pub method_version: i32,
    /// `model` or `asset`.
    pub of: &'static str,
    pub of_id: i64,
    pub scores: BTreeMap<String, i8>,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: jiff::Timestamp,
}

fn of(t: RiskTarget) -> (&'static str, i64) {
    match t {
        RiskTarget::Model(m) => ("model", m.0),
        RiskTarget::Asset(a) => ("asset", a.0),
    }
}

impl From<WeightedAssessment> for WeightedAssessmentOut {
    fn from(a: WeightedAssessment) -> Self {
        let (of, of_id) = of(a.target);
        WeightedAssessmentOut {
            id: a.id,
            method_id: a.method_id,
            method: a.method_key,
            method_version: a.method_version,
            of,
            of_id,
            scores: a.scores,
            reason: a.reason,
            decided_by: a.decided_by,
            decided_at: a.decided_at,
        }
    }
}

/// An asset's score under one weighted method.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeightedRiskOut {
    pub method: String,
    pub method_name: String,
    /// The version the assessment was scored with.
    pub method_version: i32,
    /// The method's newest version (greater than `method_version`: re-assess).
    pub latest_version: i32,
    pub is_default_method: bool,
    /// `asset` or `model`.
    pub source: &'static str,
    pub assessment: WeightedAssessmentOut,
    /// 0–100: 100 × Σ w·(s − min) / Σ w·(max − min).
    pub score: f64,
    pub parts: Vec<CriterionScore>,
    pub failures_last_18_months: u32,
    pub incident_history: i8,
    pub inclusion_threshold: u8,
    pub in_program: bool,
    pub pm_interval_months: Option<u8>,
    pub must_be_high_risk: bool,
}

impl From<AssetWeightedRisk> for WeightedRiskOut {
    fn from(r: AssetWeightedRisk) -> Self {
        WeightedRiskOut {
            method: r.method.key,
            method_name: r.method.name,
            method_version: r.method.version,
            latest_version: r.latest_version,
            is_default_method: r.method.is_default,
            source: r.source,
            assessment: r.assessment.into(),
            score: r.score.score,
            parts: r.score.parts,
            failures_last_18_months: r.failures_last_18_months,
            incident_history: r.incident_history,
            inclusion_threshold: r.inclusion_threshold,
            in_program: r.in_program,
            pm_interval_months: r.pm_interval_months,
            must_be_high_risk: r.must_be_high_risk,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DesignationOut {
    pub id: i64,
    /// `model` or `asset`.
    pub of: &'static str,
    pub of_id: i64,
    /// `high_risk` or `life_support`.
    pub designation: String,
    /// The value set; null: an asset's override was cleared (it inherits its model's).
    pub value: Option<bool>,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: jiff::Timestamp,
    /// The Fennigkoh & Smith assessment in force when it was decided.
    pub risk_assessment_id: Option<i64>,
}

impl From<RiskDesignation> for DesignationOut {
    fn from(d: RiskDesignation) -> Self {
        let (of, of_id) = of(d.target);
        DesignationOut {
            id: d.id,
            of,
            of_id,
            designation: d.designation,
            value: d.designated,
            reason: d.reason,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
            risk_assessment_id: d.risk_assessment_id,
        }
    }
}

/// Every weighted risk method version, by key, newest version first. The shipped
/// `default-weighted` method is a default to be reviewed by the hospital.
#[utoipa::path(get, path = "/risk-methods", tag = "risk", responses((status = 200, body = Vec<WeightedMethod>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_risk_methods(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<Vec<WeightedMethod>>> {
    Ok(Out(state.services.list_risk_methods(&p).await?))
}

/// Publish a weighted risk method, or a new version of one (same key): methods are
/// append-only, and assessments keep the version they were scored with.
#[utoipa::path(post, path = "/risk-methods", tag = "risk", request_body = NewWeightedMethod,
    responses((status = 201, body = WeightedMethod), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_risk_method(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(b): Json<NewWeightedMethod>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.create_risk_method(&p, b).await?)))
}

/// Score a device model under a weighted method (the default of its assets).
#[utoipa::path(put, path = "/models/{id}/weighted-risk", tag = "risk", params(("id" = i64, Path)), request_body = WeightedRiskIn,
    responses((status = 200, body = WeightedAssessmentOut), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_model_weighted_risk(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<WeightedRiskIn>,
) -> ApiResult<Out<WeightedAssessmentOut>> {
    let a = state
        .services
        .assess_weighted_risk(&p, RiskTarget::Model(ModelId(id)), b.method.as_deref(), b.scores, &b.reason)
        .await?;
    Ok(Out(a.into()))
}

/// Override one asset's weighted-method scores.
#[utoipa::path(put, path = "/assets/{id}/weighted-risk", tag = "risk", params(("id" = i64, Path)), request_body = WeightedRiskIn,
    responses((status = 200, body = WeightedAssessmentOut), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_asset_weighted_risk(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<WeightedRiskIn>,
) -> ApiResult<Out<WeightedAssessmentOut>> {
    let a = state
        .services
        .assess_weighted_risk(&p, RiskTarget::Asset(AssetId(id)), b.method.as_deref(), b.scores, &b.reason)
        .await?;
    Ok(Out(a.into()))
}

/// The high-risk / life-support designation history of an asset and its model, newest first:
/// who decided, when and why.
#[utoipa::path(get, path = "/assets/{id}/designations", tag = "risk", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<DesignationOut>), (status = 404, body = ErrorEnvelope)))]
pub async fn get_asset_designations(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Vec<DesignationOut>>> {
    let list = state.services.asset_designations(&p, AssetId(id)).await?;
    Ok(Out(list.into_iter().map(Into::into).collect()))
}
