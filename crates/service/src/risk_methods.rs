//! The configurable weighted risk method (the hospital's own criteria, AAMI EQ56; see
//! `htm_domain::weighted_risk`), assessed per model with per-asset override, and the record of
//! every high-risk / life-support designation (who decided, when and why; TJC EC.02.04.01 EP 3).
//!
//! Designation rules (enforced here and again by the store, in the flag's transaction):
//! - changing a model's `high_risk` / `life_support` or an asset's `high_risk_override` /
//!   `life_support_override` needs a non-empty `reason` (422 naming the field otherwise);
//! - creating a model or asset with a flag set records an initial designation whose reason is
//!   the caller's `designation_reason`, else "initial inventory designation by <user>"; CSV
//!   imports use the import's reason, seeded datasets one system designation per flagged model
//!   and per asset override; the synthetic benchmark loader records none;
//! - life support implies high-risk (the model's `normalized`, the asset's effective flag).

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::asset::{Asset, AssetPatch, NewAsset};
use htm_domain::catalog::{DeviceModel, ModelPatch, NewDeviceModel};
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::weighted_risk::{self as rules, DEFAULT_METHOD_KEY, NewWeightedMethod, WeightedMethod, WeightedScore};
use htm_store::{RiskDesignation, RiskTarget, WeightedAssessment};
use serde::Serialize;
use std::collections::BTreeMap;

/// An asset's score under one weighted method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetWeightedRisk {
    /// The assessment that applies (the asset's own, else its model's).
    pub assessment: WeightedAssessment,
    /// `asset` or `model`.
    pub source: &'static str,
    /// The method version the assessment was scored with (historic scores reproduce).
    pub method: WeightedMethod,
    /// The newest version of the method: higher than `method.version` means re-assess.
    pub latest_version: i32,
    pub failures_last_18_months: u32,
    /// The Fennigkoh & Smith incident-history component (−2 … +2) a computed criterion maps.
    pub incident_history: i8,
    pub score: WeightedScore,
    pub inclusion_threshold: u8,
    pub in_program: bool,
    pub pm_interval_months: Option<u8>,
    /// Life support: high-risk whatever the score (TJC; every method).
    pub must_be_high_risk: bool,
}

fn has_text(r: Option<&str>) -> bool {
    r.is_some_and(|r| !r.trim().is_empty())
}

fn need_reason(field: &str) -> ServiceError {
    ServiceError::invalid(
        field,
        "say why (reason): every change of a high-risk or life-support designation records who decided, when and why",
    )
}

impl Services {
    /// Every weighted method version, by key, newest version first.
    pub async fn list_risk_methods(&self, p: &Principal) -> ServiceResult<Vec<WeightedMethod>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_risk_methods().await?)
    }

    /// Records a new weighted method, or a new version of an existing key.
    pub async fn create_risk_method(&self, p: &Principal, m: NewWeightedMethod) -> ServiceResult<WeightedMethod> {
        p.require(Action::ManageInventory)?;
        let m = m.normalized()?;
        Ok(self.store.insert_risk_method(&self.ctx(p, Some(m.reason.clone())), &m).await?)
    }

    /// Scores a model (or, with an asset target, overrides for one asset) under the newest
    /// version of a method (`None`: the default method); a reason is required.
    pub async fn assess_weighted_risk(
        &self,
        p: &Principal,
        target: RiskTarget,
        method_key: Option<&str>,
        scores: BTreeMap<String, i8>,
        reason: &str,
    ) -> ServiceResult<WeightedAssessment> {
        p.require(Action::ManageInventory)?;
        let key = method_key.map(str::trim).filter(|k| !k.is_empty()).unwrap_or(DEFAULT_METHOD_KEY);
        let Some(method) = self.store.latest_risk_method(key).await? else {
            return Err(ServiceError::invalid("method", format!("there is no risk method '{key}'")));
        };
        rules::check_scores(&method.criteria, &scores)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "say why: every risk assessment records its reason"));
        }
        match target {
            RiskTarget::Asset(a) => {
                self.get_asset(p, a).await?;
            }
            RiskTarget::Model(m) => {
                self.store.get_model(m).await?;
            }
        }
        let ctx = self.ctx(p, Some(reason.to_string()));
        Ok(self.store.insert_weighted_assessment(&ctx, method.id, target, &scores, reason).await?)
    }

    /// The asset's score under each weighted method it (or its model) was assessed with.
    pub async fn asset_weighted_risk(&self, p: &Principal, asset: AssetId) -> ServiceResult<Vec<AssetWeightedRisk>> {
        let a = self.get_asset(p, asset).await?;
        let current = self.store.current_weighted_assessments(asset).await?;
        if current.is_empty() {
            return Ok(Vec::new());
        }
        let (failures, _, incident_history) = self.incident_inputs(&a).await?;
        let mut out = Vec::with_capacity(current.len());
        for assessment in current {
            let method = self.store.get_risk_method(assessment.method_id).await?;
            let latest_version =
                self.store.latest_risk_method(&method.key).await?.map(|m| m.version).unwrap_or(method.version);
            let score = rules::score(&method.criteria, &assessment.scores, incident_history);
            out.push(AssetWeightedRisk {
                source: if matches!(assessment.target, RiskTarget::Asset(_)) { "asset" } else { "model" },
                in_program: score.score >= f64::from(method.inclusion_threshold),
                pm_interval_months: method.bands.interval_months(score.score),
                inclusion_threshold: method.inclusion_threshold,
                must_be_high_risk: method.life_support_forces_high_risk && a.life_support,
                latest_version,
                failures_last_18_months: failures,
                incident_history,
                score,
                method,
                assessment,
            });
        }
        Ok(out)
    }

    /// Every high-risk / life-support designation of the asset and its model, newest first.
    pub async fn asset_designations(&self, p: &Principal, asset: AssetId) -> ServiceResult<Vec<RiskDesignation>> {
        self.get_asset(p, asset).await?;
        Ok(self.store.designation_history(asset).await?)
    }

    /// Registers an asset, recording `designation_reason` for any flag it sets (default:
    /// "initial inventory designation by <user>").
    pub async fn create_asset_designated(
        &self,
        p: &Principal,
        new: NewAsset,
        designation_reason: Option<String>,
    ) -> ServiceResult<Asset> {
        p.require(Action::ManageInventory)?;
        let new = new.normalized()?;
        Ok(self.store.insert_asset(&self.ctx(p, designation_reason), &new).await?)
    }

    /// Adds a device model, recording `designation_reason` for any flag it sets (default:
    /// "initial inventory designation by <user>").
    pub async fn create_model_designated(
        &self,
        p: &Principal,
        n: NewDeviceModel,
        designation_reason: Option<String>,
    ) -> ServiceResult<DeviceModel> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_model(&self.ctx(p, designation_reason), &n.normalized()?).await?)
    }

    /// Refuses an asset patch that changes a designation override without a reason.
    pub(crate) async fn check_asset_designation_reason(&self, id: AssetId, patch: &AssetPatch) -> ServiceResult<()> {
        if has_text(patch.reason.as_deref()) {
            return Ok(());
        }
        let touches = patch.high_risk_override.is_some() || patch.life_support_override.is_some();
        if !touches {
            return Ok(());
        }
        let before = self.store.get_asset(id).await?;
        if patch.high_risk_override.is_some_and(|v| v != before.high_risk_override) {
            return Err(need_reason("high_risk_override"));
        }
        if patch.life_support_override.is_some_and(|v| v != before.life_support_override) {
            return Err(need_reason("life_support_override"));
        }
        Ok(())
    }

    /// Refuses a model patch that changes `high_risk` or `life_support` without a reason.
    pub(crate) async fn check_model_designation_reason(&self, id: ModelId, patch: &ModelPatch) -> ServiceResult<()> {
        if has_text(patch.reason.as_deref()) || (patch.high_risk.is_none() && patch.life_support.is_none()) {
            return Ok(());
        }
        let before = self.store.get_model(id).await?;
        if patch.life_support.is_some_and(|v| v != before.life_support) {
            return Err(need_reason("life_support"));
        }
        if patch.high_risk.is_some_and(|v| v != before.high_risk) {
            return Err(need_reason("high_risk"));
        }
        Ok(())
    }
}
