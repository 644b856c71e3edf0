//! Repair analytics storage: one set-based read of the repairs of a period (REFERENCE §3, §9.3),
//! folded while it streams, plus exposure (device-days) aggregated in SQL.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::{AssetId, SiteId, WorkOrderId};
use htm_domain::repair_analytics::{Period, RepairGroupBy, RepairSummary, RepeatRepair};

/// Exposure of one group (department or model) in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupExposure {
    pub key: i64,
    pub label: String,
    /// Device-days in the period.
    pub days: i64,
}

/// One cause code of the reference list (REFERENCE §9.3).
#[derive(Debug, Clone, PartialEq)]
pub struct CauseCodeInfo {
    pub code: String,
    pub label: String,
    /// `None` = by local policy (BATT).
    pub counts_as_failure: Option<bool>,
}

/// What the store reads for the repair report.
#[derive(Debug, Clone, PartialEq)]
pub struct RepairAnalyticsData {
    /// Repairs folded by [`htm_domain::repair_analytics::RepairAggregator`] (groups keyed by the
    /// requested grouping; when grouping by asset each group carries the asset's exposure).
    pub summary: RepairSummary,
    /// Exposure per department or model (per department when grouping by asset).
    pub exposure: Vec<GroupExposure>,
    pub cause_codes: Vec<CauseCodeInfo>,
}

/// A site's repair-cost settings (REFERENCE §3 labour cost; §9.3 BATT "configurable").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepairSettings {
    /// Hourly labour rate in minor currency units (8500 = 85.00 per hour).
    pub labour_rate_minor: i64,
    /// Whether battery failures (BATT) count as device failures in MTBF.
    pub battery_counts_as_failure: bool,
}

#[async_trait]
pub trait RepairAnalyticsStore: Send + Sync {
    async fn get_repair_settings(&self, site: SiteId) -> StoreResult<RepairSettings>;
    /// Sets a site's repair-cost settings (audited).
    async fn set_repair_settings(
        &self,
        ctx: &ChangeContext,
        site: SiteId,
        settings: &RepairSettings,
    ) -> StoreResult<RepairSettings>;
    /// Reads the repairs of the period (and the ones before it still down in it or completed in
    /// the 30 days before it, for downtime and repeat detection) in one streamed query, ordered by
    /// asset, and aggregates exposure per group in SQL.
    async fn repair_analytics(&self, period: Period, group_by: RepairGroupBy) -> StoreResult<RepairAnalyticsData>;
    /// The same fold for one asset (its repairs only, through the asset index): its figures
    /// and exposure are `totals`.
    async fn asset_repair_summary(&self, period: Period, asset: AssetId) -> StoreResult<RepairSummary>;
    /// The repeat-repair finding of one repair work order, if it is a repeat (same asset, same
    /// cause, within 30 days of the previous one; see the domain module).
    async fn repeat_repair_of(&self, id: WorkOrderId) -> StoreResult<Option<RepeatRepair>>;
}
