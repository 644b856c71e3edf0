//! Weighted risk methods (versioned, append-only; see `htm_domain::weighted_risk`), their
//! assessments per model with per-asset override, and the record of every high-risk /
//! life-support designation (who decided, when and why; TJC EC.02.04.01 EP 3).
//!
//! Designations are written by the store itself, in the transaction that changes the flag
//! (`insert_model`, `update_model`, `insert_asset`, `update_asset`, `import_assets*`, `seed`):
//! a change of a flag without a reason is refused (`invalid` naming the field); a creation with a
//! flag set records an initial designation whose reason is the change's reason, else
//! "initial inventory designation by <user>". The synthetic `bulk_load` path (benchmark data)
//! records none.

use crate::{ChangeContext, RiskTarget, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::AssetId;
use htm_domain::weighted_risk::{NewWeightedMethod, WeightedMethod};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// One stored weighted assessment of a model or asset, under one method version.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WeightedAssessment {
    pub id: i64,
    /// The method version it was scored with.
    pub method_id: i64,
    pub method_key: String,
    pub method_version: i32,
    pub target: RiskTarget,
    /// The scores given (computed criteria are absent).
    pub scores: BTreeMap<String, i8>,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: Timestamp,
}

/// One recorded designation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RiskDesignation {
    pub id: i64,
    pub target: RiskTarget,
    /// `high_risk` or `life_support`.
    pub designation: String,
    /// The value set: a model's flag, or an asset's override (`None`: cleared, inherits the model's).
    pub designated: Option<bool>,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: Timestamp,
    /// The Fennigkoh & Smith assessment in force when it was decided.
    pub risk_assessment_id: Option<i64>,
}

#[async_trait]
pub trait RiskMethodStore: Send + Sync {
    /// Every method version, by key, newest version first.
    async fn list_risk_methods(&self) -> StoreResult<Vec<WeightedMethod>>;
    /// One method version by id.
    async fn get_risk_method(&self, id: i64) -> StoreResult<WeightedMethod>;
    /// The newest version of a method.
    async fn latest_risk_method(&self, key: &str) -> StoreResult<Option<WeightedMethod>>;
    /// Records a new method (version 1) or a new version of an existing key (audited).
    async fn insert_risk_method(&self, ctx: &ChangeContext, m: &NewWeightedMethod) -> StoreResult<WeightedMethod>;
    /// Records a weighted assessment of a model or asset under a method version (audited).
    async fn insert_weighted_assessment(
        &self,
        ctx: &ChangeContext,
        method_id: i64,
        target: RiskTarget,
        scores: &BTreeMap<String, i8>,
        reason: &str,
    ) -> StoreResult<WeightedAssessment>;
    /// The assessments that apply to an asset, one per method key: its own newest, else its
    /// model's newest.
    async fn current_weighted_assessments(&self, asset: AssetId) -> StoreResult<Vec<WeightedAssessment>>;
    /// Every weighted assessment of an asset and its model, newest first (at most 200).
    async fn weighted_risk_history(&self, asset: AssetId) -> StoreResult<Vec<WeightedAssessment>>;
    /// Every designation of an asset and of its model, newest first (at most 200).
    async fn designation_history(&self, asset: AssetId) -> StoreResult<Vec<RiskDesignation>>;
}
