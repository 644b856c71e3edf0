//! Usage meters and usage-based PM (see `htm_domain::usage`): a schedule's usage trigger
//! ("every 500 hours", whichever comes first with its calendar interval), meter readings that
//! open the usage PM they make due, and where each trigger stands.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::AssetId;
use htm_domain::usage::{MeterReading, NewMeterReading, UsageStanding, UsageTrigger, UsageUnit};
use htm_store::MeterReadingOutcome;

impl Services {
    /// Sets (or with `None` clears) a PM schedule's usage trigger.
    pub async fn set_schedule_usage(
        &self,
        p: &Principal,
        schedule_id: i64,
        trigger: Option<(i64, UsageUnit)>,
    ) -> ServiceResult<Option<UsageTrigger>> {
        p.require(Action::ManageInventory)?;
        let trigger = match trigger {
            Some((n, unit)) => Some(UsageTrigger::new(n, unit)?),
            None => None,
        };
        Ok(self.store.set_schedule_usage(&self.ctx(p, None), schedule_id, trigger).await?)
    }

    /// Records a meter reading; opens the usage PMs it makes due.
    pub async fn record_meter_reading(
        &self,
        p: &Principal,
        asset: AssetId,
        new: NewMeterReading,
    ) -> ServiceResult<MeterReadingOutcome> {
        p.require(Action::EditWorkOrder)?;
        self.get_asset(p, asset).await?;
        if new.value > 10_000_000_000 {
            return Err(ServiceError::invalid("value", "a meter reading above 10,000,000,000 is not plausible"));
        }
        Ok(self.store.record_meter_reading(&self.ctx(p, None), asset, &new).await?)
    }

    pub async fn meter_readings(&self, p: &Principal, asset: AssetId, limit: u32) -> ServiceResult<Vec<MeterReading>> {
        self.get_asset(p, asset).await?;
        // At most 1000 a call (the API documents it; a larger `limit` is clamped, issue 7 §7).
        Ok(self.store.list_meter_readings(asset, limit.clamp(1, 1000)).await?)
    }

    pub async fn usage_standings(&self, p: &Principal, asset: AssetId) -> ServiceResult<Vec<UsageStanding>> {
        self.get_asset(p, asset).await?;
        Ok(self.store.usage_standings(asset).await?)
    }
}
