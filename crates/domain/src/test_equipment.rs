//! Test equipment (analyzers and simulators): assets with a calibration due date, the date of
//! their last calibration and a certificate (REFERENCE §1.5, §9.4). A test done with an
//! out-of-calibration analyzer is invalid, so a PM cannot be signed off with an instrument whose
//! calibration due date has passed; the record keeps each instrument's due date as it was on the
//! day of use.

use crate::ids::AssetId;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Days ahead within which an instrument's calibration counts as "due soon".
pub const DUE_SOON_DAYS: i64 = 30;

/// One test instrument as listed (`GET /api/v1/test-equipment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestEquipment {
    pub asset_id: AssetId,
    pub asset_tag: String,
    pub manufacturer: String,
    pub model_number: String,
    pub model_name: String,
    pub category: String,
    pub serial_number: Option<String>,
    pub status: crate::asset::AssetStatus,
    pub department: String,
    /// Date of the last calibration.
    pub calibrated_on: Option<Date>,
    /// When the calibration is next due: after this day the instrument may not be used.
    pub calibration_due: Date,
    /// The calibration certificate's number or reference.
    pub calibration_certificate: Option<String>,
    /// The due date has passed (`calibration_due < today`): a PM cannot be signed off with it.
    pub overdue: bool,
    /// Days from today to the due date (negative when overdue).
    pub days_left: i64,
    /// Not overdue, but due within [`DUE_SOON_DAYS`] days.
    pub due_soon: bool,
}

/// Whether an instrument due on `due` is usable on `day` (in calibration through its due date).
pub fn in_calibration(due: Date, day: Date) -> bool {
    due >= day
}

/// Days from `today` to `due` (negative when overdue).
pub fn days_left(due: Date, today: Date) -> i64 {
    (due.to_jiff_days() - today.to_jiff_days()) as i64
}

/// (overdue, days left, due soon) of an instrument due on `due`, seen on `today`.
pub fn standing(due: Date, today: Date) -> (bool, i64, bool) {
    let d = days_left(due, today);
    let overdue = !in_calibration(due, today);
    (overdue, d, !overdue && d <= DUE_SOON_DAYS)
}

trait JiffDays {
    fn to_jiff_days(self) -> i32;
}

impl JiffDays for Date {
    /// Days since 1970-01-01.
    fn to_jiff_days(self) -> i32 {
        self.since(jiff::civil::date(1970, 1, 1)).map(|s| s.get_days()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn an_instrument_is_usable_through_its_due_date() {
        let due = date(2026, 3, 31);
        assert!(in_calibration(due, date(2026, 3, 31)));
        assert!(!in_calibration(due, date(2026, 4, 1)));
        assert_eq!(standing(due, date(2026, 4, 2)), (true, -2, false));
        assert_eq!(standing(due, date(2026, 3, 1)), (false, 30, true));
        assert_eq!(standing(due, date(2026, 2, 28)), (false, 31, false));
    }
}
