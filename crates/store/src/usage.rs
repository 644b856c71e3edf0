//! Usage meters and usage-based PM (see `htm_domain::usage`).

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::AssetId;
use htm_domain::usage::{MeterReading, NewMeterReading, UsageStanding, UsageTrigger};
use htm_domain::work_order::WorkOrder;

/// What recording a meter reading did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MeterReadingOutcome {
    pub reading: MeterReading,
    /// The usage PMs the reading made due (opened in the same transaction).
    pub opened: Vec<WorkOrder>,
    /// Every usage-triggered schedule of the asset for this meter, after the reading.
    pub usage: Vec<UsageStanding>,
}

#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Sets (or with `None` clears) a schedule's usage trigger; returns it.
    async fn set_schedule_usage(
        &self,
        ctx: &ChangeContext,
        schedule_id: i64,
        trigger: Option<UsageTrigger>,
    ) -> StoreResult<Option<UsageTrigger>>;
    /// Records a reading (checked against the meter's other readings) and opens, in the same
    /// transaction, a PM for every active usage schedule of that meter that it makes due and that
    /// has no open PM. A usage PM is due today, has no `pm_period` (that is the calendar
    /// generator's idempotency key) and counts in the completion report by its due date.
    async fn record_meter_reading(
        &self,
        ctx: &ChangeContext,
        asset: AssetId,
        new: &NewMeterReading,
    ) -> StoreResult<MeterReadingOutcome>;
    /// The newest readings of an asset's meters, newest first.
    async fn list_meter_readings(&self, asset: AssetId, limit: u32) -> StoreResult<Vec<MeterReading>>;
    /// Where each usage-triggered schedule of the asset stands.
    async fn usage_standings(&self, asset: AssetId) -> StoreResult<Vec<UsageStanding>>;
}
