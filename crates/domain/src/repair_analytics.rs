//! Repair analytics: the arithmetic of the repair report (REFERENCE §3 "HTM benchmarking
//! metrics", §9.3 cause codes, §9.4 work-order fields). Pure: callers pass every value.
//!
//! Definitions (each is a function below, unit-tested with real numbers):
//! - **Period**: the UTC calendar dates `from..=to`, i.e. the instants `[from 00:00Z, to+1 00:00Z)`.
//! - **Repairs in the period**: repair work orders (not cancelled) *opened* in the period. Counts,
//!   costs, causes, rates and repeat flags are about these.
//! - **Downtime of a repair** (§3 "Uptime": "define downtime start (reported/'down' status) and end
//!   (returned to service)"): from the report (`downtime_start`, else `opened_at`) to the return to
//!   service (`downtime_end`, else `completed_at`; a repair still open is down up to the period
//!   end), clipped to the period. A repair opened before the period that is still down in it
//!   counts for the part inside the period. Overlapping repairs of one asset are merged, so an
//!   asset is never down twice at the same time.
//! - **Uptime %** = (available time − downtime) ÷ available time × 100, where the available time
//!   is the devices' exposure in the period (see below) in seconds.
//! - **Exposure (device-years)**: for each asset, the days of the period from its in-service date
//!   (else acquisition date, else the day it was recorded) to the period end — or, for a retired or
//!   disposed asset, to the day it was last changed (the store has no retirement date; the
//!   retirement is normally that last change) — summed and divided by 365.25.
//! - **True failure** (§3 "count only true failures (exclude NPF, use error, accessory, abuse)";
//!   §9.3 "Counts as device failure?"): a repair whose cause code has `counts_as_failure = TRUE`.
//!   `BATT` (`counts_as_failure` NULL, "configurable") counts only when the asset's site says so
//!   (`sites.battery_counts_as_failure`, default false). An uncoded repair is not a failure.
//! - **MTBF (years)** = device-years ÷ true failures; the failure rate is the inverse
//!   (REFERENCE: 2 failures in 9 device-years → 0.22 /yr, MTBF 4.5 yr). No failures → no MTBF.
//! - **NPF / CND rate** = repairs coded `NPF` (or `CND`) ÷ repairs × 100.
//! - **Use-error / abuse rate** = repairs coded `USE`, `ABU` (or `DMG`) ÷ repairs × 100 (§3 "CMs
//!   coded use error or damage ÷ all CMs"); a high rate per department is a training need.
//! - **Repeat repair** (§3 "CM on same asset within 30/90 days of a previous CM"; we use 30 days
//!   and the same cause): a repair opened at most 30 UTC calendar days after the previous repair
//!   of the same asset *with the same cause code* was completed (if that one is still open, after
//!   it was opened — a second call about a device already in repair is a repeat, 0 days apart).
//!   Completed 1 March, reopened 31 March = 30 days → repeat; 1 April = 31 days → not.
//! - **Labour cost** = minutes × the site's hourly rate ÷ 60, rounded half up to a minor unit, per
//!   work order. **Parts cost** = Σ quantity × unit cost (a part without a cost counts 0).

use crate::DomainError;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A repair opened at most this many calendar days after the previous one of the same asset
/// and cause was completed is a repeat repair.
pub const REPEAT_WINDOW_DAYS: i64 = 30;
/// Days in a device-year.
pub const DAYS_PER_YEAR: f64 = 365.25;
/// The longest period one report may cover (ten years), to keep a typo from scanning history.
pub const MAX_PERIOD_DAYS: i64 = 3660;
/// Cause codes that mean "no problem found / could not duplicate".
pub const NPF_CODES: &[&str] = &["NPF", "CND"];
/// Cause codes that mean "use error or damage" (REFERENCE §9.3 USE, ABU / DMG).
pub const USE_ERROR_CODES: &[&str] = &["USE", "ABU", "DMG"];

/// How the report groups repairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RepairGroupBy {
    #[default]
    Department,
    Model,
    Asset,
}

impl RepairGroupBy {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "department" => Ok(Self::Department),
            "model" => Ok(Self::Model),
            "asset" => Ok(Self::Asset),
            _ => Err(DomainError::field("group_by", "must be department, model or asset")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::Model => "model",
            Self::Asset => "asset",
        }
    }
}

/// The report period: the UTC calendar dates `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// Checks `from <= to` and the span (at most [`MAX_PERIOD_DAYS`]).
    pub fn new(from: Date, to: Date) -> Result<Self, DomainError> {
        if to < from {
            return Err(DomainError::field("to", "is before from"));
        }
        let p = Period { from, to };
        if p.days() > MAX_PERIOD_DAYS {
            return Err(DomainError::field("to", format!("the period may cover at most {MAX_PERIOD_DAYS} days")));
        }
        Ok(p)
    }

    /// Parses `YYYY-MM-DD` dates.
    pub fn parse(from: &str, to: &str) -> Result<Self, DomainError> {
        let f = parse_date("from", from)?;
        let t = parse_date("to", to)?;
        Self::new(f, t)
    }

    /// Calendar days covered (both ends included).
    pub fn days(&self) -> i64 {
        days_between(self.from, self.to) + 1
    }

    /// The first day after the period.
    pub fn end_date(&self) -> Date {
        self.to.tomorrow().unwrap_or(self.to)
    }

    /// The first instant of the period (UTC midnight).
    pub fn start(&self) -> Timestamp {
        midnight(self.from)
    }

    /// The first instant after the period.
    pub fn end(&self) -> Timestamp {
        midnight(self.end_date())
    }

    pub fn seconds(&self) -> i64 {
        self.days() * 86_400
    }
}

fn parse_date(field: &str, s: &str) -> Result<Date, DomainError> {
    let s = s.trim();
    if s.len() != 10 {
        return Err(DomainError::field(field, "must be a date YYYY-MM-DD"));
    }
    s.parse::<Date>().map_err(|_| DomainError::field(field, "must be a date YYYY-MM-DD"))
}

/// UTC midnight at the start of a date.
pub fn midnight(d: Date) -> Timestamp {
    d.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Whole calendar days from `a` to `b` (negative when `b` is earlier).
pub fn days_between(a: Date, b: Date) -> i64 {
    (midnight(b).as_second() - midnight(a).as_second()).div_euclid(86_400)
}

/// The UTC calendar date of an instant.
pub fn utc_date(t: Timestamp) -> Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// The downtime interval of one repair, before clipping: from the report (`downtime_start`, else
/// `opened_at`) to the return to service (`downtime_end`, else `completed_at`); `None` end = still down.
pub fn repair_downtime(
    opened_at: Timestamp,
    downtime_start: Option<Timestamp>,
    downtime_end: Option<Timestamp>,
    completed_at: Option<Timestamp>,
) -> (Timestamp, Option<Timestamp>) {
    (downtime_start.unwrap_or(opened_at), downtime_end.or(completed_at))
}

/// An interval clipped to the period (an open end runs to the period end); `None` when nothing
/// of it lies inside.
pub fn clip(start: Timestamp, end: Option<Timestamp>, period: &Period) -> Option<(Timestamp, Timestamp)> {
    let s = start.max(period.start());
    let e = end.unwrap_or(period.end()).min(period.end());
    (e > s).then_some((s, e))
}

/// Seconds covered by the union of the intervals (overlaps counted once).
pub fn merged_seconds(intervals: &mut [(Timestamp, Timestamp)]) -> i64 {
    intervals.sort();
    let mut total = 0;
    let mut cur: Option<(Timestamp, Timestamp)> = None;
    for &(s, e) in intervals.iter() {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce.as_second() - cs.as_second();
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = cur {
        total += ce.as_second() - cs.as_second();
    }
    total
}

/// Uptime % = (available − down) ÷ available × 100, two decimals; `None` without available time.
pub fn uptime_pct(available_seconds: i64, down_seconds: i64) -> Option<f64> {
    (available_seconds > 0).then(|| {
        let up = (available_seconds - down_seconds.min(available_seconds)) as f64;
        round2(up / available_seconds as f64 * 100.0)
    })
}

/// Exposure days of one asset in the period: from `start` (in-service date) to `end` (exclusive;
/// `None` = still in inventory), clipped to the period; never negative.
pub fn exposure_days(start: Date, end: Option<Date>, period: &Period) -> i64 {
    let s = start.max(period.from);
    let e = end.unwrap_or(period.end_date()).min(period.end_date());
    days_between(s, e).max(0)
}

/// Device-years of an exposure in days.
pub fn device_years(days: i64) -> f64 {
    days as f64 / DAYS_PER_YEAR
}

/// MTBF in years = device-years ÷ true failures, two decimals; `None` without failures.
pub fn mtbf_years(device_years: f64, failures: i64) -> Option<f64> {
    (failures > 0).then(|| round2(device_years / failures as f64))
}

/// Failures per device-year, two decimals; `None` without exposure.
pub fn failure_rate(device_years: f64, failures: i64) -> Option<f64> {
    (device_years > 0.0).then(|| round2(failures as f64 / device_years))
}

/// Whether a repair with this cause counts as a true failure. `flag` is the cause code's
/// `counts_as_failure` (`None` = by local policy, i.e. BATT); `battery_counts` is that policy.
pub fn counts_as_failure(flag: Option<bool>, battery_counts: bool) -> bool {
    flag.unwrap_or(battery_counts)
}

pub fn is_npf(code: Option<&str>) -> bool {
    code.is_some_and(|c| NPF_CODES.contains(&c))
}

pub fn is_use_error(code: Option<&str>) -> bool {
    code.is_some_and(|c| USE_ERROR_CODES.contains(&c))
}

/// `n ÷ d × 100`, one decimal; `None` when `d` is 0.
pub fn rate_pct(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| (n as f64 / d as f64 * 1000.0).round() / 10.0)
}

/// Labour cost in minor units: minutes × hourly rate ÷ 60, rounded half up.
pub fn labour_cost_minor(minutes: i64, rate_per_hour_minor: i64) -> i64 {
    (minutes * rate_per_hour_minor + 30) / 60
}

/// Calendar days from the previous repair's anchor (its completion, else its opening) to a new
/// repair's opening, when that makes the new one a repeat (0..=30 days); `None` otherwise.
pub fn repeat_days(prev_opened: Timestamp, prev_completed: Option<Timestamp>, opened: Timestamp) -> Option<i64> {
    let anchor = prev_completed.unwrap_or(prev_opened);
    let days = days_between(utc_date(anchor), utc_date(opened));
    (opened >= prev_opened && (0..=REPEAT_WINDOW_DAYS).contains(&days)).then_some(days.max(0))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One repair as the report reads it (a compact row; the store streams these ordered by asset,
/// then opening time).
#[derive(Debug, Clone, PartialEq)]
pub struct RepairFact {
    pub work_order_id: i64,
    pub number: String,
    pub asset_id: i64,
    pub asset_tag: String,
    /// The group this asset belongs to (department, model or asset id) and its label.
    pub group_key: i64,
    pub group_label: String,
    pub cause_code: Option<String>,
    /// Already resolved with [`counts_as_failure`].
    pub is_failure: bool,
    pub opened_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub downtime_start: Option<Timestamp>,
    pub downtime_end: Option<Timestamp>,
    pub parts_cost_minor: i64,
    pub labour_minutes: i64,
    pub labour_cost_minor: i64,
    /// This asset's exposure in the period (used when grouping by asset).
    pub exposure_days: i64,
}

/// Sums for one group (or the whole report).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepairSums {
    pub label: String,
    pub repairs: i64,
    pub failures: i64,
    pub npf: i64,
    pub use_error: i64,
    pub repeats: i64,
    pub parts_cost_minor: i64,
    pub labour_minutes: i64,
    pub labour_cost_minor: i64,
    pub downtime_seconds: i64,
    /// Exposure days of the assets seen (only meaningful when grouping by asset).
    pub exposure_days: i64,
}

/// One repeat repair.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepeatRepair {
    pub work_order_id: i64,
    pub number: String,
    pub asset_id: i64,
    pub asset_tag: String,
    pub cause_code: String,
    pub previous_work_order_id: i64,
    pub previous_number: String,
    pub days_apart: i64,
}

/// What the aggregation produced: per-group sums, totals, counts per cause (None = not yet
/// coded) and the repeat repairs (in asset, then opening order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepairSummary {
    pub groups: BTreeMap<i64, RepairSums>,
    pub totals: RepairSums,
    pub causes: BTreeMap<Option<String>, i64>,
    pub repeats: Vec<RepeatRepair>,
}

struct Prev {
    id: i64,
    number: String,
    opened: Timestamp,
    completed: Option<Timestamp>,
}

/// Folds [`RepairFact`]s, pushed in (asset, opened_at) order, into a [`RepairSummary`] in memory
/// proportional to one asset's repairs.
pub struct RepairAggregator {
    period: Period,
    summary: RepairSummary,
    asset: Option<(i64, i64)>,
    intervals: Vec<(Timestamp, Timestamp)>,
    prev: HashMap<String, Prev>,
}

impl RepairAggregator {
    pub fn new(period: Period) -> Self {
        RepairAggregator {
            period,
            summary: RepairSummary::default(),
            asset: None,
            intervals: Vec::new(),
            prev: HashMap::new(),
        }
    }

    fn flush_asset(&mut self) {
        if let Some((_, group)) = self.asset.take() {
            let down = merged_seconds(&mut self.intervals);
            self.summary.totals.downtime_seconds += down;
            if let Some(g) = self.summary.groups.get_mut(&group) {
                g.downtime_seconds += down;
            }
        }
        self.intervals.clear();
        self.prev.clear();
    }

    pub fn push(&mut self, f: RepairFact) {
        if self.asset.map(|(a, _)| a) != Some(f.asset_id) {
            self.flush_asset();
            self.asset = Some((f.asset_id, f.group_key));
            let g = self.summary.groups.entry(f.group_key).or_default();
            g.label.clone_from(&f.group_label);
            g.exposure_days += f.exposure_days;
            self.summary.totals.exposure_days += f.exposure_days;
        }
        let (s, e) = repair_downtime(f.opened_at, f.downtime_start, f.downtime_end, f.completed_at);
        if let Some(iv) = clip(s, e, &self.period) {
            self.intervals.push(iv);
        }
        let in_period = f.opened_at >= self.period.start() && f.opened_at < self.period.end();
        let mut repeat = false;
        if let Some(code) = &f.cause_code {
            if let Some(p) = self.prev.get(code)
                && let Some(days) = repeat_days(p.opened, p.completed, f.opened_at)
                && in_period
            {
                repeat = true;
                self.summary.repeats.push(RepeatRepair {
                    work_order_id: f.work_order_id,
                    number: f.number.clone(),
                    asset_id: f.asset_id,
                    asset_tag: f.asset_tag.clone(),
                    cause_code: code.clone(),
                    previous_work_order_id: p.id,
                    previous_number: p.number.clone(),
                    days_apart: days,
                });
            }
            self.prev.insert(
                code.clone(),
                Prev { id: f.work_order_id, number: f.number.clone(), opened: f.opened_at, completed: f.completed_at },
            );
        }
        if !in_period {
            return;
        }
        *self.summary.causes.entry(f.cause_code.clone()).or_default() += 1;
        let code = f.cause_code.as_deref();
        for s in [&mut self.summary.totals, self.summary.groups.entry(f.group_key).or_default()] {
            s.repairs += 1;
            s.failures += i64::from(f.is_failure);
            s.npf += i64::from(is_npf(code));
            s.use_error += i64::from(is_use_error(code));
            s.repeats += i64::from(repeat);
            s.parts_cost_minor += f.parts_cost_minor;
            s.labour_minutes += f.labour_minutes;
            s.labour_cost_minor += f.labour_cost_minor;
        }
    }

    pub fn finish(mut self) -> RepairSummary {
        self.flush_asset();
        self.summary.totals.label = "All".into();
        self.summary
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }
    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }
    fn march() -> Period {
        Period::parse("2026-03-01", "2026-03-31").unwrap()
    }

    #[test]
    fn period_bounds_and_validation() {
        let p = march();
        assert_eq!(p.days(), 31);
        assert_eq!(p.seconds(), 31 * 86_400);
        assert_eq!(p.start(), ts("2026-03-01T00:00:00Z"));
        assert_eq!(p.end(), ts("2026-04-01T00:00:00Z"));
        assert!(Period::parse("2026-03-31", "2026-03-01").is_err());
        assert!(Period::parse("2026-3-1", "2026-03-31").is_err());
        assert!(Period::parse("2026-02-30", "2026-03-31").is_err());
        assert!(Period::parse("2000-01-01", "2026-03-31").is_err());
        assert_eq!(Period::parse("2026-03-05", "2026-03-05").unwrap().days(), 1);
    }

    #[test]
    fn group_by_parses() {
        assert_eq!(RepairGroupBy::parse("Model").unwrap(), RepairGroupBy::Model);
        assert_eq!(RepairGroupBy::parse("asset").unwrap().as_str(), "asset");
        assert!(RepairGroupBy::parse("site").is_err());
    }

    #[test]
    fn downtime_uses_report_and_return_to_service() {
        let opened = ts("2026-03-02T08:00:00Z");
        let done = ts("2026-03-03T08:00:00Z");
        // No downtime fields: opened → completed.
        assert_eq!(repair_downtime(opened, None, None, Some(done)), (opened, Some(done)));
        // Recorded downtime wins.
        let ds = ts("2026-03-02T06:00:00Z");
        let de = ts("2026-03-02T20:00:00Z");
        assert_eq!(repair_downtime(opened, Some(ds), Some(de), Some(done)), (ds, Some(de)));
        // Still open: runs to the period end, clipped.
        let (s, e) = repair_downtime(ts("2026-03-30T12:00:00Z"), None, None, None);
        let (cs, ce) = clip(s, e, &march()).unwrap();
        assert_eq!(ce.as_second() - cs.as_second(), 36 * 3600);
        // Started before the period: only the part inside counts.
        let (cs, ce) = clip(ts("2026-02-27T00:00:00Z"), Some(ts("2026-03-02T00:00:00Z")), &march()).unwrap();
        assert_eq!((cs, ce.as_second() - cs.as_second()), (ts("2026-03-01T00:00:00Z"), 86_400));
        // Wholly outside.
        assert_eq!(clip(ts("2026-02-01T00:00:00Z"), Some(ts("2026-02-02T00:00:00Z")), &march()), None);
    }

    #[test]
    fn overlapping_downtime_is_merged_and_uptime_follows() {
        let mut iv = vec![
            (ts("2026-03-10T00:00:00Z"), ts("2026-03-12T00:00:00Z")), // 48 h
            (ts("2026-03-11T00:00:00Z"), ts("2026-03-13T00:00:00Z")), // overlaps: +24 h
            (ts("2026-03-20T00:00:00Z"), ts("2026-03-20T12:00:00Z")), // 12 h
        ];
        assert_eq!(merged_seconds(&mut iv), 84 * 3600);
        // One device over March (744 h) down 84 h → 88.71 %.
        assert_eq!(uptime_pct(march().seconds(), 84 * 3600), Some(88.71));
        assert_eq!(uptime_pct(0, 0), None);
        assert_eq!(uptime_pct(100, 200), Some(0.0));
    }

    #[test]
    fn mtbf_matches_reference_example() {
        // REFERENCE §3: 2 failures in 9 device-years → 0.22 /yr, MTBF 4.5 yr.
        assert_eq!(mtbf_years(9.0, 2), Some(4.5));
        assert_eq!(failure_rate(9.0, 2), Some(0.22));
        assert_eq!(mtbf_years(9.0, 0), None);
        assert_eq!(failure_rate(0.0, 0), None);
        // 1,461 device-days = 4 device-years.
        assert!((device_years(1461) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn exposure_is_clipped_to_period_and_service_life() {
        let p = march();
        assert_eq!(exposure_days(d("2020-01-01"), None, &p), 31);
        assert_eq!(exposure_days(d("2026-03-22"), None, &p), 10);
        assert_eq!(exposure_days(d("2020-01-01"), Some(d("2026-03-11")), &p), 10);
        assert_eq!(exposure_days(d("2026-05-01"), None, &p), 0);
        assert_eq!(exposure_days(d("2020-01-01"), Some(d("2025-01-01")), &p), 0);
    }

    #[test]
    fn failure_and_rate_classification() {
        assert!(counts_as_failure(Some(true), false));
        assert!(!counts_as_failure(Some(false), true));
        assert!(!counts_as_failure(None, false), "BATT by default is not a failure");
        assert!(counts_as_failure(None, true), "unless the site says so");
        assert!(is_npf(Some("NPF")) && is_npf(Some("CND")) && !is_npf(Some("EF")) && !is_npf(None));
        assert!(is_use_error(Some("USE")) && is_use_error(Some("ABU")) && !is_use_error(Some("ACC")));
        assert_eq!(rate_pct(1, 3), Some(33.3));
        assert_eq!(rate_pct(2, 3), Some(66.7));
        assert_eq!(rate_pct(0, 0), None);
    }

    #[test]
    fn labour_cost_rounds_half_up() {
        assert_eq!(labour_cost_minor(90, 8500), 12_750); // 1.5 h × 85.00
        assert_eq!(labour_cost_minor(1, 8500), 142); // 141.67 → 142
        assert_eq!(labour_cost_minor(0, 8500), 0);
    }

    #[test]
    fn repeat_window_is_30_calendar_days() {
        let done = ts("2026-03-01T16:00:00Z");
        let opened = ts("2026-02-28T09:00:00Z");
        assert_eq!(repeat_days(opened, Some(done), ts("2026-03-31T08:00:00Z")), Some(30));
        assert_eq!(repeat_days(opened, Some(done), ts("2026-04-01T00:00:00Z")), None);
        assert_eq!(repeat_days(opened, Some(done), ts("2026-03-01T18:00:00Z")), Some(0));
        // Previous still open: anchored on its opening.
        assert_eq!(repeat_days(opened, None, ts("2026-03-05T00:00:00Z")), Some(5));
        // Opened while the previous was still being repaired (before its completion): 0 days.
        assert_eq!(repeat_days(opened, Some(done), ts("2026-03-01T10:00:00Z")), Some(0));
    }

    fn fact(id: i64, asset: i64, group: i64, cause: Option<&str>, opened: &str, completed: Option<&str>) -> RepairFact {
        RepairFact {
            work_order_id: id,
            number: format!("WO-{id}"),
            asset_id: asset,
            asset_tag: format!("A{asset}"),
            group_key: group,
            group_label: format!("G{group}"),
            cause_code: cause.map(String::from),
            is_failure: matches!(cause, Some("EF" | "UPF")),
            opened_at: ts(opened),
            completed_at: completed.map(ts),
            downtime_start: None,
            downtime_end: None,
            parts_cost_minor: 1000,
            labour_minutes: 60,
            labour_cost_minor: 8500,
            exposure_days: 31,
        }
    }

    #[test]
    fn aggregator_sums_merges_and_flags_repeats() {
        let mut agg = RepairAggregator::new(march());
        // Asset 1 (group 10): a February repair completed 25 Feb gives context only; the 20 Mar
        // EF repair is 23 days later → repeat; 10–12 Mar and 11–13 Mar overlap (72 h merged).
        agg.push(fact(1, 1, 10, Some("EF"), "2026-02-20T00:00:00Z", Some("2026-02-25T00:00:00Z")));
        agg.push(fact(2, 1, 10, Some("USE"), "2026-03-10T00:00:00Z", Some("2026-03-12T00:00:00Z")));
        agg.push(fact(3, 1, 10, Some("NPF"), "2026-03-11T00:00:00Z", Some("2026-03-13T00:00:00Z")));
        agg.push(fact(4, 1, 10, Some("EF"), "2026-03-20T00:00:00Z", Some("2026-03-20T12:00:00Z")));
        // Asset 2 (group 20): still open since 30 Mar 12:00 → 36 h; not coded yet.
        agg.push(fact(5, 2, 20, None, "2026-03-30T12:00:00Z", None));
        let s = agg.finish();
        assert_eq!(s.totals.repairs, 4);
        assert_eq!(s.totals.failures, 1);
        assert_eq!(s.totals.npf, 1);
        assert_eq!(s.totals.use_error, 1);
        assert_eq!(s.totals.repeats, 1);
        assert_eq!(s.totals.parts_cost_minor, 4000);
        assert_eq!(s.totals.labour_minutes, 240);
        assert_eq!(s.totals.downtime_seconds, (72 + 12 + 36) * 3600);
        assert_eq!(s.groups[&10].repairs, 3);
        assert_eq!(s.groups[&10].downtime_seconds, 84 * 3600);
        assert_eq!(s.groups[&20].downtime_seconds, 36 * 3600);
        assert_eq!(s.groups[&20].label, "G20");
        assert_eq!(s.causes[&None], 1);
        assert_eq!(s.causes[&Some("EF".to_string())], 1);
        assert_eq!(s.repeats.len(), 1);
        assert_eq!((s.repeats[0].number.as_str(), s.repeats[0].previous_number.as_str()), ("WO-4", "WO-1"));
        assert_eq!(s.repeats[0].days_apart, 23);
        assert_eq!(s.totals.exposure_days, 62);
    }
}
