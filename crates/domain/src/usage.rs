//! Usage-based PM (REFERENCE §2.5 "interval … or usage"): a schedule may also fall due by use —
//! every N operating hours or N cycles (exposures, shocks, runs) — read from the device's meter.
//! The calendar interval stays as the backstop ("every 1,000 hours or 12 months, whichever comes
//! first"): monthly generation opens the calendar PM, a meter reading opens the usage PM.
//!
//! Rules:
//! - Meter readings are cumulative: a reading may not be lower than an earlier reading of the
//!   same meter, nor higher than a later one, nor dated in the future.
//! - Usage since the last PM = the latest reading − the baseline, where the baseline is the last
//!   reading taken on or before the day the schedule's last PM was done (outcome done), else the
//!   first reading ever of that meter (a meter's first reading starts the count).
//! - A usage PM is due when the usage since the last PM reaches the interval (at the interval is due).

use crate::DomainError;
use crate::ids::AssetId;
use crate::text_enum;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    /// What a usage meter counts.
    UsageUnit, "usage_unit" {
        Hours => "hours": "Operating hours",
        Cycles => "cycles": "Cycles",
    }
);

/// The usage trigger of a PM schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageTrigger {
    /// Due every this many units of use.
    pub usage_interval: i64,
    pub usage_unit: UsageUnit,
}

impl UsageTrigger {
    pub fn new(usage_interval: i64, usage_unit: UsageUnit) -> Result<Self, DomainError> {
        if !(1..=100_000_000).contains(&usage_interval) {
            return Err(DomainError::field("usage_interval", "the usage interval must be between 1 and 100,000,000"));
        }
        Ok(UsageTrigger { usage_interval, usage_unit })
    }
}

/// One reading of a device's usage meter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeterReading {
    pub id: i64,
    pub asset_id: AssetId,
    pub unit: UsageUnit,
    /// The meter's cumulative value.
    pub value: i64,
    /// The day the meter was read.
    pub read_on: Date,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

/// A reading to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMeterReading {
    pub unit: UsageUnit,
    pub value: i64,
    /// Default: today.
    #[serde(default)]
    pub read_on: Option<Date>,
}

/// Checks a new reading against the meter's neighbours: the latest reading on or before its
/// day (`before`) and the earliest after it (`after`), as (day, value).
pub fn check_reading(
    value: i64,
    read_on: Date,
    today: Date,
    before: Option<(Date, i64)>,
    after: Option<(Date, i64)>,
) -> Result<(), DomainError> {
    if value < 0 {
        return Err(DomainError::field("value", "a meter reading cannot be negative"));
    }
    if read_on > today {
        return Err(DomainError::field("read_on", format!("{read_on} is in the future")));
    }
    if let Some((d, v)) = before
        && value < v
    {
        return Err(DomainError::field(
            "value",
            format!("the meter read {v} on {d}; a cumulative meter cannot go back to {value}"),
        ));
    }
    if let Some((d, v)) = after
        && value > v
    {
        return Err(DomainError::field(
            "value",
            format!("the meter read {v} later, on {d}; {value} is more than that"),
        ));
    }
    Ok(())
}

/// Where a schedule stands by use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageStanding {
    pub schedule_id: i64,
    pub usage_interval: i64,
    pub usage_unit: UsageUnit,
    /// The meter value the count starts from (None: no reading yet).
    pub baseline: Option<i64>,
    /// The latest reading (None: no reading yet).
    pub current: Option<i64>,
    /// Used since the last PM.
    pub used: i64,
    /// Left before the PM is due (0 when due).
    pub remaining: i64,
    pub due: bool,
}

/// The standing of a trigger from its baseline and the latest reading.
pub fn standing(schedule_id: i64, trigger: UsageTrigger, baseline: Option<i64>, current: Option<i64>) -> UsageStanding {
    let used = match (baseline, current) {
        (Some(b), Some(c)) => (c - b).max(0),
        _ => 0,
    };
    let remaining = (trigger.usage_interval - used).max(0);
    UsageStanding {
        schedule_id,
        usage_interval: trigger.usage_interval,
        usage_unit: trigger.usage_unit,
        baseline,
        current,
        used,
        remaining,
        due: current.is_some() && used >= trigger.usage_interval,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_usage_pm_is_due_at_the_interval() {
        let every_500_h = UsageTrigger::new(500, UsageUnit::Hours).unwrap();
        let s = standing(1, every_500_h, Some(12_000), Some(12_499));
        assert_eq!((s.used, s.remaining, s.due), (499, 1, false));
        let s = standing(1, every_500_h, Some(12_000), Some(12_500));
        assert_eq!((s.used, s.remaining, s.due), (500, 0, true));
        let s = standing(1, every_500_h, Some(12_000), Some(13_100));
        assert_eq!((s.used, s.remaining, s.due), (1_100, 0, true));
        // No reading yet: nothing is due.
        let s = standing(1, every_500_h, None, None);
        assert_eq!((s.used, s.due), (0, false));
    }

    #[test]
    fn intervals_are_positive() {
        assert!(UsageTrigger::new(0, UsageUnit::Cycles).is_err());
        assert!(UsageTrigger::new(-5, UsageUnit::Hours).is_err());
        assert!(UsageTrigger::new(10_000, UsageUnit::Cycles).is_ok());
    }

    #[test]
    fn a_cumulative_meter_never_goes_back() {
        let today = date(2026, 11, 21);
        let before = Some((date(2026, 10, 1), 1_000));
        let after = Some((date(2026, 11, 1), 1_200));
        assert!(check_reading(1_100, date(2026, 10, 15), today, before, after).is_ok());
        assert!(check_reading(1_000, date(2026, 10, 15), today, before, after).is_ok(), "an unchanged meter is fine");
        let e = check_reading(999, date(2026, 10, 15), today, before, after).unwrap_err();
        assert!(e.to_string().contains("cannot go back"), "{e}");
        assert!(check_reading(1_201, date(2026, 10, 15), today, before, after).is_err());
        assert!(check_reading(1_300, date(2026, 11, 22), today, None, None).is_err(), "future");
        assert!(check_reading(-1, today, today, None, None).is_err());
    }
}
