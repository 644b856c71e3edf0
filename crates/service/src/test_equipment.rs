//! Test equipment (analyzers and simulators): the instruments with a calibration due date, their
//! last calibration and certificate, and whether they may be used today (REFERENCE §1.5, §9.4).
//! A PM cannot be signed off with an instrument past its due date (see `procedures`), and each
//! PM record keeps the due date the instrument had when it was used.

use crate::{Action, Principal, ServiceResult, Services};
use htm_domain::test_equipment::{TestEquipment, standing};
use jiff::civil::Date;

impl Services {
    /// Every instrument with a calibration due date (not disposed), soonest due first, judged on
    /// `today` (UTC): overdue, days left, due within 30 days. Anyone who may read the inventory.
    pub async fn list_test_equipment(&self, p: &Principal) -> ServiceResult<Vec<TestEquipment>> {
        let today = self.now().to_zoned(jiff::tz::TimeZone::UTC).date();
        self.list_test_equipment_on(p, today).await
    }

    /// [`Services::list_test_equipment`] as seen on `today`.
    pub async fn list_test_equipment_on(&self, p: &Principal, today: Date) -> ServiceResult<Vec<TestEquipment>> {
        p.require(Action::ReadInventory)?;
        let rows = self.store.list_test_equipment().await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let (overdue, days_left, due_soon) = standing(r.calibration_due, today);
                TestEquipment {
                    asset_id: r.asset_id,
                    asset_tag: r.asset_tag,
                    manufacturer: r.manufacturer,
                    model_number: r.model_number,
                    model_name: r.model_name,
                    category: r.category,
                    serial_number: r.serial_number,
                    status: r.status,
                    department: r.department,
                    calibrated_on: r.calibrated_on,
                    calibration_due: r.calibration_due,
                    calibration_certificate: r.calibration_certificate,
                    overdue,
                    days_left,
                    due_soon,
                }
            })
            .collect())
    }
}
