//! Test equipment (analyzers, simulators): the assets with a calibration due date
//! (REFERENCE §1.5, §9.4).

use crate::StoreResult;
use async_trait::async_trait;
use htm_domain::asset::AssetStatus;
use htm_domain::ids::AssetId;
use jiff::civil::Date;

/// One test instrument as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TestEquipmentRow {
    pub asset_id: AssetId,
    pub asset_tag: String,
    pub manufacturer: String,
    pub model_number: String,
    pub model_name: String,
    pub category: String,
    pub serial_number: Option<String>,
    pub status: AssetStatus,
    pub department: String,
    pub calibrated_on: Option<Date>,
    pub calibration_due: Date,
    pub calibration_certificate: Option<String>,
}

#[async_trait]
pub trait TestEquipmentStore: Send + Sync {
    /// Every asset with a calibration due date that is not disposed, soonest due first (then by
    /// tag). A shop has tens of instruments, so this is one list, capped at 1,000 rows.
    async fn list_test_equipment(&self) -> StoreResult<Vec<TestEquipmentRow>>;
}
