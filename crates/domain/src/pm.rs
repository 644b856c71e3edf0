//! Planned maintenance scheduling and the PM completion convention (REFERENCE §2.5).
//!
//! - A schedule repeats every `interval_months`, either **fixed** (anchored to the plan: due on
//!   the anchor date and every interval after it) or **floating** (due one interval after the
//!   last completion; the anchor is the first due date).
//! - A PM work order is due on a date and counts as **on time** if completed within its
//!   compliance window: by default the scheduled calendar month, extended by the schedule's grace
//!   days ("done within the scheduled calendar month" convention).
//! - **PM completion rate** = scheduled PMs completed on time ÷ scheduled PMs due in the period
//!   × 100. Unable-to-locate and in-use outcomes are recorded separately and count as not done.

use crate::DomainError;
use crate::text_enum;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    /// What anchors a schedule's due dates.
    ScheduleBasis, "basis" {
        Fixed => "fixed": "Fixed (anchored to the plan)",
        Floating => "floating": "Floating (from the last completion)",
    }
);

text_enum!(
    /// How a PM work order ended.
    PmOutcome, "pm_outcome" {
        Done => "done": "Done",
        UnableToLocate => "unable_to_locate": "Unable to locate",
        InUse => "in_use": "In use, could not be done",
    }
);

/// A calendar month, e.g. `2026-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i16,
    pub month: i8,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Month, DomainError> {
        let bad = || DomainError::field("month", format!("'{s}' is not a month (YYYY-MM)"));
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let (year, month): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(1..=12).contains(&month) || !(1900..=2999).contains(&year) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    pub fn of(d: Date) -> Month {
        Month { year: d.year(), month: d.month() }
    }

    pub fn first_day(self) -> Date {
        jiff::civil::date(self.year, self.month, 1)
    }

    pub fn last_day(self) -> Date {
        self.first_day().last_of_month()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A PM schedule: which asset, how often, anchored how, with how many grace days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PmSchedule {
    pub id: i64,
    pub asset_id: crate::ids::AssetId,
    pub interval_months: i32,
    pub basis: ScheduleBasis,
    /// Fixed: the plan's first due date. Floating: the first due date before any completion.
    pub anchor_date: Date,
    /// Days after the scheduled month that still count as on time.
    pub grace_days: i32,
    pub active: bool,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPmSchedule {
    pub asset_id: crate::ids::AssetId,
    pub interval_months: i32,
    #[serde(default = "default_basis")]
    pub basis: ScheduleBasis,
    pub anchor_date: Date,
    #[serde(default)]
    pub grace_days: i32,
}

fn default_basis() -> ScheduleBasis {
    ScheduleBasis::Fixed
}

impl NewPmSchedule {
    pub fn normalized(self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        if !(1..=120).contains(&self.interval_months) {
            e.push(crate::FieldError::new("interval_months", "must be between 1 and 120 months"));
        }
        if !(0..=90).contains(&self.grace_days) {
            e.push(crate::FieldError::new("grace_days", "must be between 0 and 90 days"));
        }
        crate::org::finish(e)?;
        Ok(self)
    }
}

/// A PM schedule's timing (what the due-date rules need).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleTiming {
    pub interval_months: i32,
    pub basis: ScheduleBasis,
    /// Fixed: the plan's first due date. Floating: the first due date before any completion.
    pub anchor: Date,
    /// Floating: the date of the last completed PM of this schedule.
    pub last_completed: Option<Date>,
}

fn add_months(d: Date, months: i64) -> Option<Date> {
    d.checked_add(months.months()).ok()
}

/// The due date this schedule has in `month`, if any.
///
/// Fixed: the anchor plus a whole number of intervals that falls in the month. Floating: one
/// interval after the last completion (or the anchor), if that falls in the month — or is
/// already past and overdue (a floating PM never skips: it is due until done).
pub fn due_in_month(s: &ScheduleTiming, month: Month) -> Option<Date> {
    if s.interval_months <= 0 {
        return None;
    }
    let (first, last) = (month.first_day(), month.last_day());
    match s.basis {
        ScheduleBasis::Fixed => {
            if s.anchor > last {
                return None;
            }
            let months_between = (i64::from(month.year) - i64::from(s.anchor.year())) * 12 + i64::from(month.month)
                - i64::from(s.anchor.month());
            let k = months_between.div_euclid(i64::from(s.interval_months));
            // The candidate occurrence whose month equals `month`, if the interval lands there.
            if months_between.rem_euclid(i64::from(s.interval_months)) != 0 {
                return None;
            }
            let due = add_months(s.anchor, k * i64::from(s.interval_months))?;
            (due >= first && due <= last).then_some(due)
        }
        ScheduleBasis::Floating => {
            let due = match s.last_completed {
                Some(done) => add_months(done, i64::from(s.interval_months))?,
                None => s.anchor,
            };
            (due <= last).then_some(due)
        }
    }
}

/// The compliance window of a PM due on `due`: its calendar month, extended by `grace_days`.
pub fn compliance_window(due: Date, grace_days: i32) -> (Date, Date) {
    let m = Month::of(due);
    let end = m.last_day().checked_add(i64::from(grace_days.max(0)).days()).unwrap_or(m.last_day());
    (m.first_day(), end)
}

/// How a scheduled PM counts in the completion report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PmStanding {
    CompletedOnTime,
    CompletedLate,
    UnableToLocate,
    InUse,
    Open,
}

/// Classifies one scheduled PM: a completed PM with outcome `done` is on time if completed on
/// or before the end of its window; unable-to-locate and in-use are their own standings; any
/// other (open, on hold) is open.
pub fn standing(completed_on: Option<Date>, outcome: Option<PmOutcome>, window_end: Date) -> PmStanding {
    match (completed_on, outcome) {
        (Some(_), Some(PmOutcome::UnableToLocate)) => PmStanding::UnableToLocate,
        (Some(_), Some(PmOutcome::InUse)) => PmStanding::InUse,
        (Some(d), _) if d <= window_end => PmStanding::CompletedOnTime,
        (Some(_), _) => PmStanding::CompletedLate,
        (None, _) => PmStanding::Open,
    }
}

/// Completion rate in percent with one decimal, or `None` when nothing was scheduled.
pub fn completion_rate(on_time: i64, scheduled: i64) -> Option<f64> {
    (scheduled > 0).then(|| (on_time as f64 * 1000.0 / scheduled as f64).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(m("2026-03"), Month { year: 2026, month: 3 });
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("2026-3").is_err());
        assert!(Month::parse("March").is_err());
        assert_eq!(m("2024-02").last_day(), date(2024, 2, 29));
    }

    #[test]
    fn a_fixed_schedule_is_due_every_interval_from_its_anchor() {
        let s = ScheduleTiming {
            interval_months: 6,
            basis: ScheduleBasis::Fixed,
            anchor: date(2025, 1, 15),
            last_completed: None,
        };
        assert_eq!(due_in_month(&s, m("2025-01")), Some(date(2025, 1, 15)));
        assert_eq!(due_in_month(&s, m("2025-07")), Some(date(2025, 7, 15)));
        assert_eq!(due_in_month(&s, m("2026-01")), Some(date(2026, 1, 15)));
        for none in ["2024-07", "2025-02", "2025-06", "2025-12"] {
            assert_eq!(due_in_month(&s, m(none)), None, "{none}");
        }
        // A completion does not move a fixed schedule.
        let done = ScheduleTiming { last_completed: Some(date(2025, 3, 2)), ..s };
        assert_eq!(due_in_month(&done, m("2025-07")), Some(date(2025, 7, 15)));
    }

    #[test]
    fn month_end_anchors_stay_in_their_month() {
        let s = ScheduleTiming {
            interval_months: 1,
            basis: ScheduleBasis::Fixed,
            anchor: date(2025, 1, 31),
            last_completed: None,
        };
        assert_eq!(due_in_month(&s, m("2025-02")), Some(date(2025, 2, 28)));
        assert_eq!(due_in_month(&s, m("2025-04")), Some(date(2025, 4, 30)));
    }

    #[test]
    fn a_floating_schedule_runs_from_the_last_completion_and_stays_due_until_done() {
        let s = ScheduleTiming {
            interval_months: 12,
            basis: ScheduleBasis::Floating,
            anchor: date(2024, 5, 10),
            last_completed: Some(date(2025, 4, 20)),
        };
        assert_eq!(due_in_month(&s, m("2026-03")), None);
        assert_eq!(due_in_month(&s, m("2026-04")), Some(date(2026, 4, 20)));
        assert_eq!(due_in_month(&s, m("2026-06")), Some(date(2026, 4, 20)), "overdue stays due");
        let never = ScheduleTiming { last_completed: None, ..s };
        assert_eq!(due_in_month(&never, m("2024-05")), Some(date(2024, 5, 10)));
        assert_eq!(due_in_month(&never, m("2024-04")), None);
    }

    #[test]
    fn the_window_is_the_scheduled_month_plus_grace_days() {
        assert_eq!(compliance_window(date(2026, 3, 9), 0), (date(2026, 3, 1), date(2026, 3, 31)));
        assert_eq!(compliance_window(date(2026, 3, 9), 10), (date(2026, 3, 1), date(2026, 4, 10)));
    }

    #[test]
    fn standings_follow_the_completion_convention() {
        let end = date(2026, 3, 31);
        assert_eq!(standing(Some(date(2026, 3, 31)), Some(PmOutcome::Done), end), PmStanding::CompletedOnTime);
        assert_eq!(standing(Some(date(2026, 2, 27)), None, end), PmStanding::CompletedOnTime, "early counts");
        assert_eq!(standing(Some(date(2026, 4, 1)), Some(PmOutcome::Done), end), PmStanding::CompletedLate);
        assert_eq!(standing(Some(date(2026, 3, 5)), Some(PmOutcome::UnableToLocate), end), PmStanding::UnableToLocate);
        assert_eq!(standing(Some(date(2026, 3, 5)), Some(PmOutcome::InUse), end), PmStanding::InUse);
        assert_eq!(standing(None, None, end), PmStanding::Open);
        assert_eq!(completion_rate(19, 20), Some(95.0));
        assert_eq!(completion_rate(2, 3), Some(66.7));
        assert_eq!(completion_rate(0, 0), None);
    }
}
