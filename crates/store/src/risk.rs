//! Risk assessments (Fennigkoh & Smith, see `htm_domain::risk`): per model, overridden per asset;
//! append-only so every designation keeps who decided, when and why.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::risk::FennigkohSmith;
use jiff::Timestamp;

/// What an assessment is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum RiskTarget {
    Model(ModelId),
    Asset(AssetId),
}

/// One stored assessment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RiskAssessment {
    pub id: i64,
    pub target: RiskTarget,
    pub factors: FennigkohSmith,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: Timestamp,
}

#[async_trait]
pub trait RiskStore: Send + Sync {
    /// Records a new assessment of a model or an asset (audited).
    async fn insert_risk_assessment(
        &self,
        ctx: &ChangeContext,
        target: RiskTarget,
        factors: FennigkohSmith,
        reason: &str,
    ) -> StoreResult<RiskAssessment>;
    /// The assessment that applies to an asset: its own newest, else its model's newest.
    async fn current_risk_assessment(&self, asset: AssetId) -> StoreResult<Option<RiskAssessment>>;
    /// Every assessment of an asset and of its model, newest first (the record of designations).
    async fn risk_history(&self, asset: AssetId) -> StoreResult<Vec<RiskAssessment>>;
    /// Repairs of the asset opened at or after `since` whose cause counts as a device failure
    /// (REFERENCE §9.3), for the incident-history component.
    async fn true_failures_since(&self, asset: AssetId, since: Timestamp) -> StoreResult<u32>;
}
