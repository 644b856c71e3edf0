//! A deterministic synthetic hospital of any size, for benchmarks (`htm gen`).
//!
//! **Invariant: pure and deterministic.** The same [`SyntheticSpec`] (assets, years, seed and
//! last month of history) always gives the same rows, byte for byte, whatever the chunk size:
//! every asset draws from its own random stream (`seed`, asset id), and ids and work-order
//! numbers are issued in asset order.
//!
//! What it contains:
//! * 3 sites, 8 buildings, 200 departments (cost centres `CC1000`…), 2 locations each;
//! * the shipped device catalogue (manufacturers and models with their high-risk /
//!   life-support flags, see [`crate::catalog`]);
//! * `assets` assets `SYN-0000001`…, ≈ 95 % in service (the rest out of service with the open
//!   repair that took them out, missing, on loan or retired), each with ONE PM schedule: every
//!   3 (10 %), 6 (30 %), 12 (50 %) or 24 (10 %) months, 75 % fixed and 25 % floating, 20 % with
//!   7 grace days (REFERENCE §2.5);
//! * `years` years of history ending with the last month of the spec: every scheduled PM as a
//!   work order (≈ 93 % of the done ones on time, 7 % late, ≈ 2 % unable to locate, 1.5 % in
//!   use; the most recent months still partly open) and repairs (≈ 0.45 per asset-year) with
//!   cause codes (REFERENCE §9.3).
//!
//! Volume: ≈ 2 work orders per asset-year, so `--assets 1000000 --years 5` gives ≈ 10 million
//! work orders. The generator streams: [`Generator::next_chunk`] yields a few thousand assets
//! with their schedules and work orders at a time and never holds the whole dataset.

use crate::catalog::catalog;
use crate::rng::Rng;
use crate::time::{DAY, HOUR, MINUTE, civil_from_days, day_of, month_first_day, month_index, month_last_day};
use htm_domain::catalog::{DeviceModel, FdaClass, Manufacturer, Vendor};
use htm_domain::ids::*;
use htm_domain::org::{Building, Department, Location, Site};
use htm_domain::pm::Month;
use htm_domain::seed::Dataset;
use std::collections::BTreeMap;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticSpec {
    pub assets: u64,
    pub years: u32,
    pub seed: u64,
    /// The last month of history (`htm gen` uses the month before the current one).
    pub end: Month,
}

/// An asset row. Dates are `YYYY-MM-DD`, instants RFC 3339 UTC (`…T…Z`).
#[derive(Debug, Clone, PartialEq)]
pub struct SynAsset {
    pub id: i64,
    pub asset_tag: String,
    pub serial_number: String,
    pub model_id: i64,
    pub department_id: i64,
    pub location_id: i64,
    pub status: &'static str,
    pub acquisition_date: String,
    pub acquisition_cost_minor: i64,
    pub in_service_date: String,
    pub warranty_end: String,
    pub created_at: String,
}

/// A PM schedule row (id = asset id).
#[derive(Debug, Clone, PartialEq)]
pub struct SynSchedule {
    pub id: i64,
    pub asset_id: i64,
    pub interval_months: i64,
    pub basis: &'static str,
    pub anchor_date: String,
    pub grace_days: i64,
    pub active: bool,
    pub created_at: String,
}

/// A work-order row.
#[derive(Debug, Clone, PartialEq)]
pub struct SynWorkOrder {
    pub id: i64,
    pub number: String,
    pub wo_type: &'static str,
    pub priority: &'static str,
    pub status: &'static str,
    pub hold_reason: Option<&'static str>,
    pub asset_id: i64,
    pub problem: String,
    pub cause_code: Option<&'static str>,
    pub work_performed: Option<&'static str>,
    pub result: Option<&'static str>,
    pub downtime_start: Option<String>,
    pub due_date: Option<String>,
    pub opened_at: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub closed_at: Option<String>,
    pub took_out_of_service: bool,
    pub updated_at: String,
    pub schedule_id: Option<i64>,
    pub pm_period: Option<String>,
    pub pm_outcome: Option<&'static str>,
    pub window_end: Option<String>,
}

/// A slice of the dataset: assets `first_asset..=last_asset` with their schedules and work orders.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SynChunk {
    pub index: u64,
    pub first_asset: i64,
    pub last_asset: i64,
    pub assets: Vec<SynAsset>,
    pub schedules: Vec<SynSchedule>,
    pub work_orders: Vec<SynWorkOrder>,
}

const DEPARTMENTS: i64 = 200;
const UNIT_KINDS: &[&str] = &[
    "Emergency Department",
    "Medical ICU",
    "Surgical ICU",
    "Cardiac ICU",
    "Neonatal ICU",
    "Pediatric ICU",
    "Medical-Surgical",
    "Telemetry",
    "Oncology",
    "Labor & Delivery",
    "Mother-Baby",
    "Operating Rooms",
    "PACU",
    "Pre-Op",
    "Endoscopy",
    "Cath Lab",
    "Radiology",
    "Respiratory Therapy",
    "Dialysis",
    "Infusion Center",
    "Laboratory",
    "Pharmacy",
    "Sterile Processing",
    "Outpatient Clinic",
    "Rehabilitation",
];
/// Cause codes (REFERENCE §9.3) and how often each is found.
const CAUSES: &[&str] =
    &["EF", "HF", "PF", "PPF", "UPF", "SIF", "USE", "ABU", "ACC", "BATT", "NET", "SW", "ENV", "NPF", "WEAR"];
const CAUSE_WEIGHTS: &[f64] =
    &[0.22, 0.06, 0.04, 0.03, 0.08, 0.01, 0.12, 0.09, 0.12, 0.08, 0.03, 0.03, 0.01, 0.05, 0.03];
const PROBLEMS: &[&str] = &[
    "Device alarms and will not clear",
    "Screen blank on power-up",
    "Cracked housing after a fall",
    "Battery does not hold a charge",
    "Readings do not match the backup device",
    "Error code on self-test",
    "Accessory cable intermittent",
    "Will not connect to the network",
    "Noisy fan",
    "Button unresponsive",
];

/// The organisation and catalogue of the synthetic hospital (no users, assets or work orders),
/// to be inserted first with [`htm_domain::seed`]. Ids start at 1 in every table.
pub fn reference(spec: &SyntheticSpec) -> Result<Dataset, String> {
    let mut d = Dataset::default();
    for (i, (code, name)) in
        [("SYN-A", "Synthetic General Hospital"), ("SYN-B", "Synthetic North Campus"), ("SYN-C", "Synthetic Clinics")]
            .iter()
            .enumerate()
    {
        d.sites.push(Site {
            id: SiteId(i as i64 + 1),
            code: (*code).into(),
            name: (*name).into(),
            address: None,
            version: 1,
        });
    }
    for b in 1..=8_i64 {
        let site = if b <= 4 {
            1
        } else if b <= 6 {
            2
        } else {
            3
        };
        d.buildings.push(Building {
            id: BuildingId(b),
            site_id: SiteId(site),
            code: format!("B{b}"),
            name: format!("Building {b}"),
            version: 1,
        });
    }
    for i in 1..=DEPARTMENTS {
        let kind = UNIT_KINDS[((i - 1) as usize) % UNIT_KINDS.len()];
        let n = (i - 1) / UNIT_KINDS.len() as i64 + 1;
        d.departments.push(Department {
            id: DepartmentId(i),
            building_id: BuildingId((i - 1) % 8 + 1),
            cost_center: format!("CC{}", 1000 + i),
            name: format!("{kind} {n}"),
            version: 1,
        });
        for (j, room) in ["Unit", "Equipment storage"].iter().enumerate() {
            d.locations.push(Location {
                id: LocationId((i - 1) * 2 + j as i64 + 1),
                department_id: DepartmentId(i),
                name: (*room).to_string(),
                floor: Some(format!("{}", (i % 6) + 1)),
                version: 1,
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    for entry in catalog()? {
        for m in &entry.typical_manufacturers_models {
            let mi = match d.manufacturers.iter().position(|x| x.name == m.manufacturer) {
                Some(i) => i,
                None => {
                    d.manufacturers.push(Manufacturer {
                        id: ManufacturerId(d.manufacturers.len() as i64 + 1),
                        name: m.manufacturer.clone(),
                        version: 1,
                    });
                    d.manufacturers.len() - 1
                }
            };
            if !seen.insert((m.manufacturer.to_lowercase(), m.model_number.to_lowercase())) {
                continue;
            }
            d.models.push(DeviceModel {
                id: ModelId(d.models.len() as i64 + 1),
                manufacturer_id: ManufacturerId(mi as i64 + 1),
                manufacturer: m.manufacturer.clone(),
                model_number: m.model_number.clone(),
                name: m.name.clone(),
                category: entry.category.clone(),
                nomenclature_system: None,
                nomenclature_code: None,
                fda_product_code: entry.fda_product_code.clone(),
                fda_class: match entry.fda_class {
                    Some(1) => Some(FdaClass::I),
                    Some(2) => Some(FdaClass::II),
                    Some(3) => Some(FdaClass::III),
                    _ => None,
                },
                expected_life_years: Some(entry.expected_life_years as i32),
                high_risk: entry.default_high_risk(),
                life_support: entry.life_support,
                fda_510k: entry.k_number_for(&m.model_number),
                version: 1,
            });
        }
    }
    for (i, name) in ["Synthetic OEM Service", "Synthetic ISO"].iter().enumerate() {
        d.vendors.push(Vendor {
            id: VendorId(i as i64 + 1),
            name: (*name).to_string(),
            phone: None,
            email: None,
            version: 1,
        });
    }
    let _ = spec;
    Ok(d)
}

fn date_text(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn ts_text(sec: i64) -> String {
    let day = sec.div_euclid(DAY);
    let s = sec.rem_euclid(DAY);
    format!("{}T{:02}:{:02}:{:02}Z", date_text(day), s / HOUR, (s % HOUR) / MINUTE, s % MINUTE)
}

fn days_in_month(month: i64) -> i64 {
    month_last_day(month) - month_first_day(month) + 1
}

/// `day` plus `months` calendar months, clamped to the end of a shorter month (as jiff does).
fn add_months(day: i64, months: i64) -> i64 {
    let (_, _, d) = civil_from_days(day);
    let m = month_index(day) + months;
    month_first_day(m) + (i64::from(d) - 1).min(days_in_month(m) - 1)
}

/// Streams the dataset in chunks of assets.
#[derive(Debug, Clone)]
pub struct Generator {
    spec: SyntheticSpec,
    /// (id, interval weight index unused) of every model.
    models: i64,
    next_asset: i64,
    next_wo: i64,
    chunks: u64,
    counters: BTreeMap<i16, i64>,
    /// Month index of the first and last month of history, and "now" (first day of the month after).
    first_month: i64,
    last_month: i64,
    now_day: i64,
}

impl Generator {
    pub fn new(spec: SyntheticSpec, reference: &Dataset) -> Generator {
        let last_month = i64::from(spec.end.year) * 12 + i64::from(spec.end.month) - 1;
        let first_month = last_month - i64::from(spec.years.max(1)) * 12 + 1;
        Generator {
            spec,
            models: reference.models.len().max(1) as i64,
            next_asset: 1,
            next_wo: 1,
            chunks: 0,
            counters: BTreeMap::new(),
            first_month,
            last_month,
            now_day: month_first_day(last_month + 1),
        }
    }

    /// The highest work-order number issued per year so far.
    pub fn counters(&self) -> Vec<(i16, i64)> {
        self.counters.iter().map(|(y, n)| (*y, *n)).collect()
    }

    /// The next `max_assets` assets with their schedules and history; `None` when done.
    pub fn next_chunk(&mut self, max_assets: u64) -> Option<SynChunk> {
        let total = self.spec.assets as i64;
        if self.next_asset > total {
            return None;
        }
        let first = self.next_asset;
        let last = (first + max_assets.max(1) as i64 - 1).min(total);
        let mut c = SynChunk {
            index: self.chunks,
            first_asset: first,
            last_asset: last,
            assets: Vec::with_capacity((last - first + 1) as usize),
            schedules: Vec::with_capacity((last - first + 1) as usize),
            work_orders: Vec::with_capacity((last - first + 1) as usize * (2 * self.spec.years as usize + 1)),
        };
        for id in first..=last {
            self.asset(id, &mut c);
        }
        self.next_asset = last + 1;
        self.chunks += 1;
        Some(c)
    }

    fn number(&mut self, opened_sec: i64) -> String {
        let (y, _, _) = civil_from_days(opened_sec.div_euclid(DAY));
        let year = y as i16;
        let n = self.counters.entry(year).or_insert(0);
        *n += 1;
        htm_domain::work_order::format_number(year, *n)
    }

    fn asset(&mut self, id: i64, c: &mut SynChunk) {
        let mut r = Rng::derive(self.spec.seed, id as u64);
        let history_start = month_first_day(self.first_month);
        let now_day = self.now_day;
        let now = now_day * DAY + 6 * HOUR;
        let model_id = r.below(self.models as u64) as i64 + 1;
        let department_id = r.below(DEPARTMENTS as u64) as i64 + 1;
        let location_id = (department_id - 1) * 2 + r.below(2) as i64 + 1;
        let roll = r.f64();
        let status = match roll {
            x if x < 0.95 => "in_service",
            x if x < 0.97 => "out_of_service",
            x if x < 0.98 => "missing",
            x if x < 0.99 => "loaned",
            _ => "retired",
        };
        let acquired = history_start - r.range(30, 3650);
        let created_sec = acquired * DAY + 12 * HOUR;
        c.assets.push(SynAsset {
            id,
            asset_tag: format!("SYN-{id:07}"),
            serial_number: format!("{}{}{:08}", r.letter(), r.letter(), r.below(100_000_000)),
            model_id,
            department_id,
            location_id,
            status,
            acquisition_date: date_text(acquired),
            acquisition_cost_minor: r.range(20_000, 5_000_000),
            in_service_date: date_text(acquired + 14),
            warranty_end: date_text(acquired + 365 * r.range(1, 3)),
            created_at: ts_text(created_sec),
        });

        // The PM schedule and its history.
        let interval = [3_i64, 6, 12, 24][r.weighted(&[0.10, 0.30, 0.50, 0.10])];
        let fixed = r.chance(0.75);
        let grace = if r.chance(0.2) { 7 } else { 0 };
        let anchor_month = self.first_month + r.below(interval as u64) as i64;
        let anchor = month_first_day(anchor_month) + r.below(28) as i64;
        let in_service = status == "in_service";
        c.schedules.push(SynSchedule {
            id,
            asset_id: id,
            interval_months: interval,
            basis: if fixed { "fixed" } else { "floating" },
            anchor_date: date_text(anchor),
            grace_days: grace,
            active: status != "retired",
            created_at: ts_text(created_sec),
        });
        let problem_tail =
            format!("(every {interval} months, {})", if fixed { "fixed schedule" } else { "floating schedule" });
        let mut due = anchor;
        let mut k = 0_i64;
        while due < now_day {
            let m = month_index(due);
            let age = self.last_month - m;
            let window_end = month_last_day(m) + grace;
            let p_open = match age {
                0 => 0.30,
                1 => 0.06,
                2 => 0.02,
                _ if fixed => 0.004,
                _ => 0.0,
            };
            let opened = month_first_day(m) * DAY + 5 * HOUR + r.below(3600) as i64;
            let mut open = r.chance(p_open);
            let outcome_roll = r.f64();
            let outcome = if outcome_roll < 0.965 {
                "done"
            } else if outcome_roll < 0.985 {
                "unable_to_locate"
            } else {
                "in_use"
            };
            let late = outcome == "done" && r.chance(0.07);
            let done_day = if late {
                window_end + 1 + r.below(45) as i64
            } else {
                let lo = month_first_day(m).max(due - 10);
                let hi = window_end.min(now_day - 1);
                lo + r.below((hi - lo + 1).max(1) as u64) as i64
            };
            if done_day >= now_day {
                open = true;
            }
            if open && !in_service {
                break;
            }
            let done_sec = done_day * DAY + 8 * HOUR + r.below(9 * 3600) as i64;
            let (status, completed, closed) = if open {
                (if r.chance(0.5) { "open" } else { "in_progress" }, None, None)
            } else if done_day + 3 < now_day {
                ("closed", Some(done_sec), Some((done_sec + 2 * DAY).min(now - HOUR)))
            } else {
                ("completed", Some(done_sec), None)
            };
            let number = self.number(opened);
            c.work_orders.push(SynWorkOrder {
                id: self.next_wo,
                number,
                wo_type: "pm",
                priority: "normal",
                status,
                hold_reason: None,
                asset_id: id,
                problem: format!("Scheduled PM due {} {problem_tail}", date_text(due)),
                cause_code: None,
                work_performed: completed.map(|_| match outcome {
                    "done" => "PM performed per procedure; all checks passed.",
                    "unable_to_locate" => "Device could not be located on the unit.",
                    _ => "Device in use on a patient; PM could not be performed.",
                }),
                result: completed.map(|_| if outcome == "done" { "pass" } else { "na" }),
                downtime_start: None,
                due_date: Some(date_text(due)),
                opened_at: ts_text(opened),
                started_at: (status != "open").then(|| ts_text(completed.unwrap_or(opened + HOUR) - HOUR)),
                completed_at: completed.map(ts_text),
                closed_at: closed.map(ts_text),
                took_out_of_service: false,
                updated_at: ts_text(closed.or(completed).unwrap_or(opened)),
                schedule_id: Some(id),
                pm_period: Some(Month::of(crate::time::date_of(due)).to_string()),
                pm_outcome: completed.map(|_| outcome),
                window_end: Some(date_text(window_end)),
            });
            self.next_wo += 1;
            if open && !fixed {
                break;
            }
            k += 1;
            due = if fixed {
                add_months(anchor, k * interval)
            } else if outcome == "done" {
                add_months(done_day, interval)
            } else {
                add_months(due, interval)
            };
        }

        // Repairs: a Poisson process of ≈ 0.45 a year.
        let mut day = history_start as f64;
        loop {
            day += r.exp(365.0 / 0.45);
            let opened_day = day as i64;
            if opened_day >= now_day - 1 {
                break;
            }
            let opened = opened_day * DAY + 7 * HOUR + r.below(11 * 3600) as i64;
            let done_day = opened_day + r.below(15) as i64;
            let open = done_day >= now_day;
            if open && !in_service {
                continue;
            }
            self.repair(id, opened, done_day, open, false, &mut r, c);
        }
        if status == "out_of_service" {
            let opened_day = now_day - 1 - r.below(30) as i64;
            let opened = opened_day * DAY + 7 * HOUR + r.below(11 * 3600) as i64;
            self.repair(id, opened, now_day, true, true, &mut r, c);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repair(
        &mut self,
        id: i64,
        opened: i64,
        done_day: i64,
        open: bool,
        took_out: bool,
        r: &mut Rng,
        c: &mut SynChunk,
    ) {
        let now = self.now_day * DAY + 6 * HOUR;
        let cause = CAUSES[r.weighted(CAUSE_WEIGHTS)];
        let problem = PROBLEMS[r.below(PROBLEMS.len() as u64) as usize];
        let done_sec = (done_day * DAY + 9 * HOUR + r.below(8 * 3600) as i64).max(opened + HOUR);
        let (status, hold, completed, closed) = if open {
            match r.below(3) {
                0 => ("open", None, None, None),
                1 => ("in_progress", None, None, None),
                _ => ("on_hold", Some("parts"), None, None),
            }
        } else if done_sec + 3 * DAY < now {
            ("closed", None, Some(done_sec), Some(done_sec + 2 * DAY))
        } else {
            ("completed", None, Some(done_sec.min(now - HOUR)), None)
        };
        let number = self.number(opened);
        c.work_orders.push(SynWorkOrder {
            id: self.next_wo,
            number,
            wo_type: "repair",
            priority: if r.chance(0.15) { "high" } else { "normal" },
            status,
            hold_reason: hold,
            asset_id: id,
            problem: problem.to_string(),
            cause_code: completed.map(|_| cause),
            work_performed: completed.map(|_| "Diagnosed, repaired and verified per the service manual."),
            result: completed.map(|_| "pass"),
            downtime_start: took_out.then(|| ts_text(opened)),
            due_date: None,
            opened_at: ts_text(opened),
            started_at: (status != "open").then(|| ts_text(opened + HOUR)),
            completed_at: completed.map(ts_text),
            closed_at: closed.map(ts_text),
            took_out_of_service: took_out,
            updated_at: ts_text(closed.or(completed).unwrap_or(opened + HOUR)),
            schedule_id: None,
            pm_period: None,
            pm_outcome: None,
            window_end: None,
        });
        self.next_wo += 1;
    }
}

/// The last month of history for `htm gen` run on `today`: the month before.
pub fn default_end(today: jiff::civil::Date) -> Month {
    let m = month_index(day_of(today)) - 1;
    Month { year: m.div_euclid(12) as i16, month: (m.rem_euclid(12) + 1) as i8 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(seed: u64) -> SyntheticSpec {
        SyntheticSpec { assets: 500, years: 2, seed, end: Month { year: 2026, month: 2 } }
    }

    fn all(spec: SyntheticSpec, chunk: u64) -> (Vec<SynChunk>, Vec<(i16, i64)>) {
        let reference = reference(&spec).unwrap();
        let mut g = Generator::new(spec, &reference);
        let mut out = Vec::new();
        while let Some(c) = g.next_chunk(chunk) {
            out.push(c);
        }
        (out, g.counters())
    }

    #[test]
    fn the_same_seed_gives_the_same_rows_whatever_the_chunk_size() {
        let (a, ca) = all(spec(7), 500);
        let (b, cb) = all(spec(7), 37);
        let rows = |v: &[SynChunk]| {
            (
                v.iter().flat_map(|c| c.assets.clone()).collect::<Vec<_>>(),
                v.iter().flat_map(|c| c.work_orders.clone()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(rows(&a), rows(&b));
        assert_eq!(ca, cb);
        let (c, _) = all(spec(8), 500);
        assert_ne!(rows(&a).0, rows(&c).0);
    }

    #[test]
    fn volumes_and_standings_are_realistic() {
        let (chunks, counters) = all(spec(1), 100);
        let wos: Vec<&SynWorkOrder> = chunks.iter().flat_map(|c| c.work_orders.iter()).collect();
        let per_asset_year = wos.len() as f64 / 500.0 / 2.0;
        assert!((1.6..=2.5).contains(&per_asset_year), "{per_asset_year}");
        let in_service = chunks.iter().flat_map(|c| &c.assets).filter(|a| a.status == "in_service").count();
        assert!((440..=500).contains(&in_service), "{in_service}");
        // Ids are 1..n in order and numbers unique and consistent with the counters.
        for (i, w) in wos.iter().enumerate() {
            assert_eq!(w.id, i as i64 + 1);
        }
        let numbers: std::collections::HashSet<&str> = wos.iter().map(|w| w.number.as_str()).collect();
        assert_eq!(numbers.len(), wos.len());
        assert_eq!(counters.iter().map(|c| c.1).sum::<i64>(), wos.len() as i64);
        // Most PMs are done on time; some are open, a few unable to locate.
        let pms: Vec<&&SynWorkOrder> = wos.iter().filter(|w| w.wo_type == "pm").collect();
        let on_time = pms
            .iter()
            .filter(|w| {
                w.pm_outcome == Some("done") && w.completed_at.as_deref().map(|c| &c[..10]) <= w.window_end.as_deref()
            })
            .count();
        assert!(on_time as f64 / pms.len() as f64 > 0.8);
        assert!(pms.iter().any(|w| w.completed_at.is_none()));
        assert!(pms.iter().any(|w| w.pm_outcome == Some("unable_to_locate")));
        // Fixed due dates fall on the anchor's day every interval (never clamped: day ≤ 28).
        for s in chunks.iter().flat_map(|c| &c.schedules) {
            assert!(s.anchor_date[8..].parse::<u32>().unwrap() <= 28);
        }
        // Nothing completes after "now" (the first day of the month after the history).
        assert!(wos.iter().all(|w| w.completed_at.as_deref().is_none_or(|c| c < "2026-03-01")));
    }

    #[test]
    fn month_arithmetic_matches_the_calendar() {
        let d = day_of(jiff::civil::date(2025, 1, 31));
        assert_eq!(date_text(add_months(d, 1)), "2025-02-28");
        assert_eq!(date_text(add_months(d, 13)), "2026-02-28");
        assert_eq!(ts_text(d * DAY + 3723), "2025-01-31T01:02:03Z");
        assert_eq!(default_end(jiff::civil::date(2026, 1, 15)), Month { year: 2025, month: 12 });
    }
}
