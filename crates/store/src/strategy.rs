//! Maintenance strategies and the AEM program (see `htm_domain::strategy`, REFERENCE §2.2–2.4):
//! append-only strategy records per model, overridden per asset, each proposed and then approved
//! (signed) or rejected; the rule designations of a model; the AEM settings; and the reads of
//! the AEM monitoring report.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::{AssetId, ModelId, WorkOrderId};
use htm_domain::strategy::{
    AemSettings, MaintenanceHistory, ModelAemFlags, StrategyProposal, StrategyRecord, StrategyStatus, StrategyTarget,
};
use jiff::Timestamp;
use jiff::civil::Date;

/// What the eligibility rule needs to know about the equipment a strategy covers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StrategyFacts {
    pub model_id: ModelId,
    /// `Manufacturer ModelNumber` (and the asset tag for an asset).
    pub label: String,
    pub category: String,
    pub fda_product_code: Option<String>,
    pub flags: ModelAemFlags,
    /// Effective designations (an asset's override, else its model's; life-support ⇒ high-risk).
    pub high_risk: bool,
    pub life_support: bool,
}

/// A strategy record with the name of what it covers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LabelledStrategy {
    pub record: StrategyRecord,
    /// `Manufacturer ModelNumber` for a model, the asset tag for an asset.
    pub label: String,
    pub category: String,
}

/// An asset whose current strategy is AEM.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AemMember {
    pub asset_id: AssetId,
    pub asset_tag: String,
    pub model_id: ModelId,
    pub aem_group: String,
    /// The strategy record that puts it on AEM (its own or its model's).
    pub strategy_id: i64,
    pub approved_at: Timestamp,
    /// Service start and end (see `htm_domain::repair_analytics` exposure); `None` start: not in service.
    pub service_start: Option<Date>,
    pub service_end: Option<Date>,
}

/// A completed PM of an AEM member.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AemPmEvent {
    pub work_order_id: WorkOrderId,
    pub number: String,
    pub asset_id: AssetId,
    pub completed_at: Timestamp,
    /// Result *fail*, or it opened a repair.
    pub failed: bool,
    pub linked_work_order_id: Option<WorkOrderId>,
}

/// A repair of an AEM member whose cause counts as a device failure (REFERENCE §9.3).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AemRepairEvent {
    pub work_order_id: WorkOrderId,
    pub number: String,
    pub asset_id: AssetId,
    pub opened_at: Timestamp,
    pub cause_code: String,
}

/// A device incident involving an AEM member.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AemIncidentEvent {
    pub asset_id: AssetId,
    pub occurred_at: Timestamp,
}

/// The events of AEM members in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct AemEvents {
    pub pms: Vec<AemPmEvent>,
    pub failures: Vec<AemRepairEvent>,
    pub incidents: Vec<AemIncidentEvent>,
}

#[async_trait]
pub trait StrategyStore: Send + Sync {
    /// Records a proposed strategy (audited `create`).
    async fn insert_strategy(
        &self,
        ctx: &ChangeContext,
        target: StrategyTarget,
        proposal: &StrategyProposal,
    ) -> StoreResult<StrategyRecord>;
    async fn get_strategy(&self, id: i64) -> StoreResult<StrategyRecord>;
    /// Moves a proposed strategy to approved or rejected (audited `update`); an approval is signed
    /// by the context's user with the meaning *approval*, bound to the approved record's snapshot.
    /// Refused when the record is no longer proposed.
    async fn decide_strategy(
        &self,
        ctx: &ChangeContext,
        id: i64,
        to: StrategyStatus,
        note: Option<&str>,
    ) -> StoreResult<StrategyRecord>;
    /// Every record of a model or asset, newest first (at most 200).
    async fn strategy_history(&self, target: StrategyTarget) -> StoreResult<Vec<StrategyRecord>>;
    /// The proposals awaiting a decision, oldest first (at most `limit`).
    async fn proposed_strategies(&self, limit: i64) -> StoreResult<Vec<LabelledStrategy>>;
    /// The current strategy of every model and asset that has an approved one: its newest
    /// approval (by approval time, then id).
    async fn current_strategies(&self) -> StoreResult<Vec<LabelledStrategy>>;
    /// The approved strategy that applies to an asset: its own newest, else its model's newest
    /// (None: implicitly the manufacturer's recommendations).
    async fn asset_current_strategy(&self, asset: AssetId) -> StoreResult<Option<StrategyRecord>>;
    async fn strategy_facts(&self, target: StrategyTarget) -> StoreResult<StrategyFacts>;
    /// The maintenance history of the covered equipment as of `today` (see the domain module).
    async fn maintenance_history(&self, target: StrategyTarget, today: Date) -> StoreResult<MaintenanceHistory>;
    /// Sets a model's rule designations (audited).
    async fn set_model_aem_flags(
        &self,
        ctx: &ChangeContext,
        model: ModelId,
        flags: &ModelAemFlags,
    ) -> StoreResult<ModelAemFlags>;
    async fn get_aem_settings(&self) -> StoreResult<AemSettings>;
    /// Sets the AEM settings (audited; refused if `settings.version` is stale).
    async fn set_aem_settings(&self, ctx: &ChangeContext, settings: &AemSettings) -> StoreResult<AemSettings>;
    /// Every asset whose current strategy is AEM, by group and tag.
    async fn aem_members(&self) -> StoreResult<Vec<AemMember>>;
    /// Completed PMs, true-failure repairs (opened) and incidents (occurred) of AEM members in `[from, to)`.
    async fn aem_events(&self, from: Timestamp, to: Timestamp) -> StoreResult<AemEvents>;
}
