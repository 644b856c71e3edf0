//! Builds the demo dataset: organisation, companies, models, people, the equipment
//! inventory and three years of work-order history. Pure and deterministic: every random
//! choice comes from SplitMix64 streams seeded by constants (and the asset id), and the only
//! inputs are `today` and the password hash.

use crate::catalog::{CatalogEntry, catalog};
use crate::gs1;
use crate::people::{self, PEOPLE, VENDORS};
use crate::rng::{Rng, hash_str};
use crate::spec::{self, BUILDINGS, CATEGORIES, CatInfo, LocKind, SITES};
use crate::texts::{self, Case, Family, FamilyText, Part};
use crate::time::{
    DAY, HOUR, MINUTE, date_of, day_of, is_weekend, month_first_day, month_index, month_last_day, next_business_day,
    prev_business_day, ts, years_before,
};
use htm_domain::asset::{AssetFields, AssetPmFields, AssetStatus, Udi};
use htm_domain::catalog::{DeviceModel, FdaClass, Manufacturer, Vendor};
use htm_domain::esa::{AppliedPartType, ProtectionClass};
use htm_domain::ids::{
    AssetId, BuildingId, DepartmentId, LocationId, ManufacturerId, ModelId, SiteId, UserId, VendorId, WorkOrderId,
};
use htm_domain::org::{Building, Department, Location, Site};
use htm_domain::pm::{Month, PmOutcome, PmSchedule, ScheduleBasis, compliance_window};
use htm_domain::procedure::{MeasurementLimits, Procedure, ProcedureStep, StepKind};
use htm_domain::seed::{Dataset, SeedAsset, SeedUser};
use htm_domain::user::{Role, User};
use htm_domain::work_order::{
    HoldReason, LabourEntry, PartUsed, Priority, WorkOrder, WorkOrderStatus, WorkOrderType, WorkResult, format_number,
};
use jiff::civil::Date;
use std::collections::{BTreeMap, HashSet};

mod test_equipment;

const SEED: u64 = 0x0BE4_D3E0_2026_0001;
/// "Now" is 16:00 (UTC) on `today`: work later in the day has not happened yet.
const NOW_HOUR: i64 = 16;
/// Years of work-order history.
const HISTORY_YEARS: i32 = 3;

struct DeptRt {
    id: DepartmentId,
    cost_center: &'static str,
    name: &'static str,
    site: usize,
    locs: Vec<(LocationId, String, LocKind)>,
    techs: Vec<usize>,
    requesters: Vec<usize>,
}

#[derive(Clone)]
struct AssetRt {
    dept: usize,
    cat: usize,
    row: usize,
    model: usize,
    location: Option<usize>,
    acq_day: i64,
    in_service_day: Option<i64>,
    cost_cents: Option<i64>,
    po: Option<String>,
    vendor: Option<usize>,
    warranty_days: i64,
    status: AssetStatus,
    /// Retirement, loan or missing-since day.
    special_day: Option<i64>,
    notes: Option<String>,
    serial: String,
    udi: Udi,
}

/// A fleet purchase: acquisition day, purchase order, unit price in cents.
type Cohort = (i64, String, i64);

/// A work order before it is cut at "now" and numbered.
struct Draft {
    wo_type: WorkOrderType,
    priority: Priority,
    asset: usize,
    requester: Option<usize>,
    contact: Option<String>,
    problem: String,
    assignee: Option<usize>,
    vendor: Option<usize>,
    cause: Option<&'static str>,
    work: Option<String>,
    result: Option<WorkResult>,
    due: Option<i64>,
    opened: i64,
    assigned: Option<i64>,
    started: Option<i64>,
    completed: Option<i64>,
    closed: Option<i64>,
    hold: Option<(i64, i64, HoldReason)>,
    took_out: bool,
    cancelled: bool,
    /// For a PM: unable to locate / in use (None = done when completed).
    outcome: Option<PmOutcome>,
    /// (time, minutes, note, person).
    labour: Vec<(i64, i64, Option<String>, usize)>,
    parts: Vec<(Part, i32)>,
    /// For a PM: the electrical safety readings its narrative quotes (PE mΩ, leakage µA).
    est_values: Option<(Option<f64>, f64)>,
    /// For a failed PM: the finding (index in `texts::PM_FINDINGS`) and when its repair opened.
    failure: Option<(usize, i64)>,
}

impl Draft {
    fn new(wo_type: WorkOrderType, asset: usize, opened: i64, problem: String) -> Self {
        Draft {
            wo_type,
            priority: Priority::Normal,
            asset,
            requester: None,
            contact: None,
            problem,
            assignee: None,
            vendor: None,
            cause: None,
            work: None,
            result: None,
            due: None,
            opened,
            assigned: None,
            started: None,
            completed: None,
            closed: None,
            hold: None,
            took_out: false,
            outcome: None,
            cancelled: false,
            labour: Vec::new(),
            parts: Vec::new(),
            est_values: None,
            failure: None,
        }
    }
}

struct Gen {
    today: i64,
    now: i64,
    window_start: i64,
    catalog: Vec<CatalogEntry>,
    /// CATEGORIES index → catalog row.
    cat_row: Vec<Option<usize>>,
    ds: Dataset,
    depts: Vec<DeptRt>,
    models_by_row: Vec<Vec<usize>>,
    model_gtin: Vec<String>,
    model_mfr_name: Vec<String>,
    /// Model index → (protection class, applied part) from its catalogue row.
    model_esa: Vec<(Option<ProtectionClass>, Option<AppliedPartType>)>,
    assets: Vec<AssetRt>,
    drafts: Vec<Draft>,
    /// Person index → (active from day, active until day).
    active: Vec<(i64, i64)>,
    technicians: Vec<usize>,
    engineers: Vec<usize>,
    requesters: Vec<usize>,
    fleets: Vec<Vec<(&'static str, u32)>>,
}

pub fn generate(today: Date, password_hash: &str) -> Dataset {
    let today = day_of(today);
    let catalog = catalog().unwrap_or_default();
    let cat_row = CATEGORIES.iter().map(|c| catalog.iter().position(|e| e.category.starts_with(c.prefix))).collect();
    let mut g = Gen {
        today,
        now: today * DAY + NOW_HOUR * HOUR,
        window_start: years_before(today, HISTORY_YEARS),
        catalog,
        cat_row,
        ds: Dataset::default(),
        depts: Vec::new(),
        models_by_row: Vec::new(),
        model_gtin: Vec::new(),
        model_mfr_name: Vec::new(),
        model_esa: Vec::new(),
        assets: Vec::new(),
        drafts: Vec::new(),
        active: Vec::new(),
        technicians: Vec::new(),
        engineers: Vec::new(),
        requesters: Vec::new(),
        fleets: Vec::new(),
    };
    g.organisation();
    g.companies_and_models();
    g.people(password_hash);
    g.plan_assets();
    g.special_statuses();
    g.history();
    g.finish()
}

fn person_id(p: usize) -> UserId {
    UserId(p as i64 + 2)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn round5(m: i64) -> i64 {
    ((m + 2) / 5 * 5).max(5)
}

fn fill(template: &str, noun: &str, dept: &str, loc: &str) -> String {
    template.replace("{Dev}", &capitalise(noun)).replace("{dev}", noun).replace("{dept}", dept).replace("{loc}", loc)
}

fn month_name(m: i64) -> String {
    const N: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{} {}", N[m.rem_euclid(12) as usize], m.div_euclid(12))
}

/// A serial number in a manufacturer-like format: `#` digit, `@` letter, `YY` year.
fn serial_pattern(manufacturer: &str) -> &'static str {
    match manufacturer {
        "BD" | "ICU Medical" => "########",
        "Philips" => "US########",
        "GE HealthCare" => "S@@YY######@@",
        "Mindray" => "@@-#######",
        "Dräger" => "@@@@-####",
        "Medtronic" => "##@#######",
        "Stryker" => "YY#######",
        "ZOLL" => "@@YY@######",
        "Hamilton Medical" | "B. Braun" => "######",
        "Baxter" => "@###@@####",
        "Masimo" | "Olympus" => "#######",
        "Nihon Kohden" | "Getinge" | "Siemens Healthineers" | "Solventum" => "#####",
        "STERIS" => "####YY####",
        "Canon Medical" => "@@@YY#####",
        "Fresenius Medical Care" => "#@@@#####",
        "Cardinal Health" => "YY@######",
        m => match hash_str(m) % 4 {
            0 => "@@YY#####",
            1 => "YY########",
            2 => "@#######",
            _ => "####-####",
        },
    }
}

fn make_serial(pattern: &str, year: i32, rng: &mut Rng) -> String {
    let yy = format!("{:02}", year.rem_euclid(100));
    let mut y = yy.chars();
    pattern
        .chars()
        .map(|c| match c {
            '#' => rng.digit(),
            '@' => rng.letter(),
            'Y' => y.next().unwrap_or('0'),
            other => other,
        })
        .collect()
}

impl Gen {
    fn info(&self, a: &AssetRt) -> &'static CatInfo {
        &CATEGORIES[a.cat]
    }

    fn fam(&self, a: &AssetRt) -> &'static FamilyText {
        texts::family_text(CATEGORIES[a.cat].family)
    }

    // ---------------------------------------------------------------- organisation

    fn organisation(&mut self) {
        for (i, (code, name, address)) in SITES.iter().enumerate() {
            self.ds.sites.push(Site {
                id: SiteId(i as i64 + 1),
                code: (*code).into(),
                name: (*name).into(),
                address: Some((*address).into()),
                version: 1,
            });
        }
        for (i, b) in BUILDINGS.iter().enumerate() {
            let site = SITES.iter().position(|s| s.0 == b.site).unwrap_or(0);
            self.ds.buildings.push(Building {
                id: BuildingId(i as i64 + 1),
                site_id: SiteId(site as i64 + 1),
                code: b.code.into(),
                name: b.name.into(),
                version: 1,
            });
        }
        let mut loc_id = 0;
        for (i, d) in spec::departments().into_iter().enumerate() {
            let b = BUILDINGS.iter().position(|b| b.code == d.building).unwrap_or(0);
            let id = DepartmentId(i as i64 + 1);
            self.ds.departments.push(Department {
                id,
                building_id: BuildingId(b as i64 + 1),
                cost_center: d.cost_center.into(),
                name: d.name.into(),
                version: 1,
            });
            let mut locs = Vec::new();
            for (name, kind) in &d.locations {
                loc_id += 1;
                self.ds.locations.push(Location {
                    id: LocationId(loc_id),
                    department_id: id,
                    name: name.clone(),
                    floor: Some(d.floor.into()),
                    version: 1,
                });
                locs.push((LocationId(loc_id), name.clone(), *kind));
            }
            let covers = |role: &str| -> Vec<usize> {
                PEOPLE
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.role == role && p.covers.contains(&d.cost_center))
                    .map(|(i, _)| i)
                    .collect()
            };
            self.depts.push(DeptRt {
                id,
                cost_center: d.cost_center,
                name: d.name,
                site: usize::from(BUILDINGS[b].site != "RGH"),
                locs,
                techs: covers("technician"),
                requesters: covers("requester"),
            });
            // Keep the fleet with the department for planning.
            self.fleets.push(d.fleet);
        }
    }

    // ---------------------------------------------------------------- companies and models

    fn companies_and_models(&mut self) {
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for (row, entry) in self.catalog.iter().enumerate() {
            let mut list = Vec::new();
            let class = ProtectionClass::parse(&entry.protection_class).ok();
            let ap = AppliedPartType::parse(&entry.applied_part_type).ok();
            let procedure = if entry.typical_pm_interval_months.unwrap_or(0) > 0 {
                let id = self.ds.procedures.len() as i64 + 1;
                let code = format!("PM-{:03}", row + 1);
                self.ds.procedures.push(demo_procedure(
                    id,
                    &code,
                    &entry.category,
                    class,
                    ap,
                    ts(self.window_start * DAY),
                ));
                Some(code)
            } else {
                None
            };
            for m in &entry.typical_manufacturers_models {
                let mi = match self.ds.manufacturers.iter().position(|x| x.name == m.manufacturer) {
                    Some(i) => i,
                    None => {
                        self.ds.manufacturers.push(Manufacturer {
                            id: ManufacturerId(self.ds.manufacturers.len() as i64 + 1),
                            name: m.manufacturer.clone(),
                            version: 1,
                        });
                        self.ds.manufacturers.len() - 1
                    }
                };
                // The same product listed under two categories (NxStage System One) is one model.
                if !seen.insert((m.manufacturer.to_lowercase(), m.model_number.to_lowercase())) {
                    continue;
                }
                let id = self.ds.models.len() as i64 + 1;
                let fda_class = match entry.fda_class {
                    Some(1) => Some(FdaClass::I),
                    Some(2) => Some(FdaClass::II),
                    Some(3) => Some(FdaClass::III),
                    _ => None,
                };
                self.ds.models.push(DeviceModel {
                    id: ModelId(id),
                    manufacturer_id: ManufacturerId(mi as i64 + 1),
                    manufacturer: m.manufacturer.clone(),
                    model_number: m.model_number.clone(),
                    name: m.name.clone(),
                    category: entry.category.clone(),
                    nomenclature_system: None,
                    nomenclature_code: None,
                    fda_product_code: entry.fda_product_code.clone(),
                    fda_class,
                    expected_life_years: Some(entry.expected_life_years as i32),
                    high_risk: entry.default_high_risk(),
                    life_support: entry.life_support,
                    fda_510k: entry.k_number_for(&m.model_number),
                    version: 1,
                });
                // A fictitious GS1 restricted-circulation GTIN (prefix 02), never a real product's.
                let data = format!("002{:05}{:05}", (mi as i64 + 1) * 131 % 100_000, id);
                self.model_gtin.push(gs1::gtin14(&data).unwrap_or_default());
                self.model_mfr_name.push(m.manufacturer.clone());
                self.model_esa.push((class, ap));
                if let Some(code) = &procedure {
                    self.ds.model_procedures.push((ModelId(id), code.clone()));
                }
                list.push(self.ds.models.len() - 1);
            }
            self.models_by_row.push(list);
        }
        for (i, (name, phone, email, _)) in VENDORS.iter().enumerate() {
            self.ds.vendors.push(Vendor {
                id: VendorId(i as i64 + 1),
                name: (*name).into(),
                phone: Some((*phone).into()),
                email: Some((*email).into()),
                version: 1,
            });
        }
    }

    // ---------------------------------------------------------------- people

    fn people(&mut self, password_hash: &str) {
        for (i, p) in PEOPLE.iter().enumerate() {
            let role = Role::parse(p.role).unwrap_or(Role::Requester);
            let (from, until) = match p.username {
                "pwhite" => (i64::MIN, self.today - 425),
                "bkim" => (self.today - 240, i64::MAX),
                _ => (i64::MIN, i64::MAX),
            };
            self.active.push((from, until));
            match role {
                Role::Technician => self.technicians.push(i),
                Role::Engineer => self.engineers.push(i),
                Role::Requester => self.requesters.push(i),
                _ => {}
            }
            let email = match p.vendor {
                Some(_) => format!("{}@vendors.example", p.username.replace('.', "-")),
                None => format!("{}@riversidehealth.example", p.username),
            };
            self.ds.users.push(SeedUser {
                user: User {
                    id: person_id(i),
                    username: p.username.into(),
                    display_name: p.display_name.into(),
                    role,
                    email: Some(email),
                    vendor_id: p.vendor.map(|v| VendorId(v as i64 + 1)),
                    active: until == i64::MAX,
                    version: 1,
                },
                password_hash: password_hash.into(),
            });
        }
    }

    fn is_active(&self, p: usize, day: i64) -> bool {
        self.active.get(p).is_some_and(|(f, u)| *f <= day && day <= *u)
    }

    fn pick_tech(&self, rng: &mut Rng, dept: usize, day: i64) -> usize {
        let zone: Vec<usize> = self.depts[dept].techs.iter().copied().filter(|t| self.is_active(*t, day)).collect();
        if !zone.is_empty() && rng.chance(0.75) {
            return zone[rng.below(zone.len() as u64) as usize];
        }
        let all: Vec<usize> = self.technicians.iter().copied().filter(|t| self.is_active(*t, day)).collect();
        all.get(rng.below(all.len() as u64) as usize).copied().unwrap_or(0)
    }

    fn pick_requester(&self, rng: &mut Rng, dept: usize) -> usize {
        let list = if self.depts[dept].requesters.is_empty() { &self.requesters } else { &self.depts[dept].requesters };
        list.get(rng.below(list.len() as u64) as usize).copied().unwrap_or(0)
    }

    /// The company that services this asset when in-house staff do not.
    fn service_vendor(&self, a: &AssetRt) -> usize {
        people::oem_service(&self.model_mfr_name[a.model]).unwrap_or(match self.info(a).family {
            Family::Imaging | Family::Lab | Family::Ultrasound => people::TRIMEDX,
            _ => people::AGILITI,
        })
    }

    /// Who does a job: (person, vendor company).
    fn assign(&self, rng: &mut Rng, a: &AssetRt, day: i64, vendor_job: bool) -> (usize, Option<usize>) {
        if vendor_job {
            let v = self.service_vendor(a);
            if let Some(u) = PEOPLE.iter().position(|p| p.vendor == Some(v))
                && rng.chance(0.85)
            {
                return (u, Some(v));
            }
            return (self.pick_tech(rng, a.dept, day), Some(v));
        }
        (self.pick_tech(rng, a.dept, day), None)
    }

    // ---------------------------------------------------------------- inventory

    fn pick_location(&self, rng: &mut Rng, dept: usize, info: &CatInfo, k: usize) -> Option<usize> {
        let locs = &self.depts[dept].locs;
        let hints = location_hints(info.key);
        let hinted: Vec<usize> = (0..locs.len()).filter(|i| hints.iter().any(|h| locs[*i].1.contains(h))).collect();
        if !hinted.is_empty() {
            return Some(hinted[k % hinted.len()]);
        }
        let of = |kind: LocKind| -> Vec<usize> { (0..locs.len()).filter(|i| locs[*i].2 == kind).collect() };
        // Equipment in use never "lives" in the quarantine cage or at receiving.
        let rooms = of(LocKind::Room);
        let support = of(LocKind::Support);
        if info.flags & spec::FIXED != 0 {
            let list = if rooms.is_empty() { &support } else { &rooms };
            return list.get(k % list.len().max(1)).copied();
        }
        if info.flags & spec::MOBILE != 0 && rng.chance(0.04) {
            return None;
        }
        let list = if (rng.chance(0.55) && !support.is_empty()) || rooms.is_empty() { &support } else { &rooms };
        list.get(rng.below(list.len() as u64) as usize).copied()
    }

    fn new_po(rng: &mut Rng) -> String {
        format!("45{:08}", rng.below(100_000_000))
    }

    fn plan_assets(&mut self) {
        let mut rng = Rng::derive(SEED, 1);
        let mut serials: HashSet<(usize, String)> = HashSet::new();
        // Units per (site, category), to decide on fleet purchases.
        let mut totals: BTreeMap<(usize, usize), u32> = BTreeMap::new();
        for (d, fleet) in self.fleets.iter().enumerate() {
            for (key, qty) in fleet {
                if let Some(ci) = CATEGORIES.iter().position(|c| c.key == *key) {
                    *totals.entry((self.depts[d].site, ci)).or_default() += qty;
                }
            }
        }
        // Fleet purchases: (acquisition day, PO, unit price in cents).
        let mut cohorts: BTreeMap<(usize, usize), Vec<Cohort>> = BTreeMap::new();
        let fleets = std::mem::take(&mut self.fleets);
        for (d, fleet) in fleets.iter().enumerate() {
            for (key, qty) in fleet {
                let Some(ci) = CATEGORIES.iter().position(|c| c.key == *key) else { continue };
                let Some(row) = self.cat_row[ci] else { continue };
                let models = self.models_by_row[row].clone();
                if models.is_empty() {
                    continue;
                }
                let info = &CATEGORIES[ci];
                let life = i64::from(self.catalog[row].expected_life_years.max(1) as u16);
                let max_age = (life + 2).min(14) * 365;
                let weights: Vec<f64> =
                    (0..models.len()).map(|i| if i == 0 { 0.6 } else { 0.4 / (models.len() - 1) as f64 }).collect();
                let platform = (info.flags & spec::PLATFORM != 0).then(|| {
                    let w: Vec<f64> =
                        (0..models.len()).map(|i| if i == 0 { 0.8 } else { 0.2 / (models.len() - 1) as f64 }).collect();
                    models[rng.weighted(&w)]
                });
                let site = self.depts[d].site;
                let fleet_buy = totals.get(&(site, ci)).copied().unwrap_or(0) >= 12;
                for k in 0..*qty as usize {
                    let model = platform.unwrap_or_else(|| models[rng.weighted(&weights)]);
                    let base_cents = info.cost_usd * 100;
                    let (acq, po, cost) = if fleet_buy && rng.chance(0.65) {
                        let list = cohorts.entry((site, ci)).or_insert_with(|| {
                            (0..2)
                                .map(|_| {
                                    let day = prev_business_day(self.today - age_days(&mut rng, 150, max_age));
                                    let price = base_cents * rng.range(82, 97) / 100 / 100 * 100;
                                    (day, Self::new_po(&mut rng), price)
                                })
                                .collect()
                        });
                        let c = &list[usize::from(!rng.chance(0.6))];
                        (c.0, Some(c.1.clone()), Some(c.2))
                    } else {
                        let day = prev_business_day(self.today - age_days(&mut rng, 40, max_age));
                        let price = base_cents * rng.range(88, 115) / 100 / 100 * 100;
                        (day, Some(Self::new_po(&mut rng)), Some(price))
                    };
                    let location = self.pick_location(&mut rng, d, info, k);
                    let mut a = self.new_asset(&mut rng, &mut serials, d, ci, row, model, location, acq, po, cost);
                    // Very old records came from the previous system without purchase data.
                    if self.today - acq > 10 * 365 && rng.chance(0.25) {
                        a.cost_cents = None;
                        a.po = None;
                    }
                    let replaced_day = a.in_service_day;
                    self.assets.push(a);
                    // The unit this one replaced, now retired or disposed of.
                    if let Some(rd) = replaced_day
                        && self.today - acq < 9 * 365
                        && rng.chance(0.05)
                    {
                        let old_model = if models.len() > 1 && rng.chance(0.6) {
                            models[1 + rng.below(models.len() as u64 - 1) as usize]
                        } else {
                            model
                        };
                        let old_acq =
                            prev_business_day((acq - life * 365 + rng.range(-200, 400)).max(self.today - 16 * 365));
                        if old_acq + 60 < rd {
                            let price = Some(base_cents * rng.range(70, 90) / 100 / 100 * 100);
                            let old_po = Some(Self::new_po(&mut rng));
                            let mut old = self.new_asset(
                                &mut rng,
                                &mut serials,
                                d,
                                ci,
                                row,
                                old_model,
                                None,
                                old_acq,
                                old_po,
                                price,
                            );
                            let recent = self.today - rd < 180;
                            old.status = if (recent && rng.chance(0.7)) || (!recent && rng.chance(0.15)) {
                                AssetStatus::Retired
                            } else {
                                AssetStatus::Disposed
                            };
                            old.special_day = Some(rd);
                            old.notes = Some(format!(
                                "Replaced by new {} on {}. {}",
                                self.ds.models[model].name,
                                date_of(rd),
                                if old.status == AssetStatus::Retired {
                                    "Held in Biomed quarantine pending disposal."
                                } else {
                                    "Disposed of through e-waste vendor; data wiped where applicable."
                                }
                            ));
                            self.assets.push(old);
                        }
                    }
                }
            }
        }
        // Recent receipts waiting for their incoming inspection.
        let mut n = 0;
        let mut guard = 0;
        while n < 14 && guard < 10_000 && !self.assets.is_empty() {
            guard += 1;
            let i = rng.below(self.assets.len() as u64) as usize;
            let a = &self.assets[i];
            if a.status != AssetStatus::InService || CATEGORIES[a.cat].cost_usd > 60_000 {
                continue;
            }
            let acq = prev_business_day(self.today - rng.range(1, 9));
            let po = Self::new_po(&mut rng);
            let a = &mut self.assets[i];
            a.acq_day = acq;
            a.in_service_day = None;
            a.status = AssetStatus::PendingInspection;
            a.location = None;
            a.notes = Some(format!(
                "Received {} on PO {po}; awaiting incoming inspection in Biomed receiving.",
                date_of(acq)
            ));
            a.po = Some(po);
            a.udi = Udi::default();
            n += 1;
        }
        // Asset tags are issued in order of receipt.
        self.assets.sort_by_key(|a| a.acq_day);
    }

    #[allow(clippy::too_many_arguments)]
    fn new_asset(
        &self,
        rng: &mut Rng,
        serials: &mut HashSet<(usize, String)>,
        dept: usize,
        ci: usize,
        row: usize,
        model: usize,
        location: Option<usize>,
        acq: i64,
        po: Option<String>,
        cost: Option<i64>,
    ) -> AssetRt {
        let info = &CATEGORIES[ci];
        let big = info.flags & (spec::VENDOR_PM | spec::VENDOR_REPAIR) != 0 || info.cost_usd > 50_000;
        let lead = if big { rng.range(14, 60) } else { rng.range(2, 21) };
        let isd = next_business_day(acq + lead).min(prev_business_day(self.today - 1));
        let warranty_days = if info.flags & spec::VENDOR_PM != 0 { 365 } else { 365 * rng.range(1, 3) };
        let mfr = &self.model_mfr_name[model];
        let oem = people::oem_service(mfr);
        let vendor = match oem {
            Some(v) if big || rng.chance(0.7) => Some(v),
            _ if info.cost_usd < 50_000 => Some(people::DISTRIBUTOR),
            _ => None,
        };
        let (year, _, _) = crate::time::civil_from_days(acq - rng.range(20, 200));
        let pattern = serial_pattern(mfr);
        let mut serial = make_serial(pattern, year, rng);
        let mut tries = 0;
        while !serials.insert((model, serial.clone())) {
            tries += 1;
            serial = if tries < 20 { make_serial(pattern, year, rng) } else { format!("{serial}-{tries}") };
        }
        let mut udi = Udi::default();
        if self.today - acq < 7 * 365 && rng.chance(0.6) && serial.len() <= 20 {
            let made = acq - rng.range(20, 240);
            let (y, m, d) = crate::time::civil_from_days(made);
            let di = self.model_gtin[model].clone();
            let lot = rng.chance(0.25).then(|| format!("{:02}{:02}{:03}", y % 100, m, rng.below(1000)));
            let mut raw = format!("(01){di}(11){:02}{m:02}{d:02}", y % 100);
            if let Some(l) = &lot {
                raw.push_str(&format!("(10){l}"));
            }
            raw.push_str(&format!("(21){serial}"));
            udi = Udi {
                di: Some(di),
                lot,
                serial: Some(serial.clone()),
                manufactured: Some(date_of(made)),
                expiry: None,
                raw: Some(raw),
            };
        }
        AssetRt {
            dept,
            cat: ci,
            row,
            model,
            location,
            acq_day: acq,
            in_service_day: Some(isd),
            cost_cents: cost,
            po,
            vendor,
            warranty_days,
            status: AssetStatus::InService,
            special_day: None,
            notes: None,
            serial,
            udi,
        }
    }

    fn special_statuses(&mut self) {
        let mut rng = Rng::derive(SEED, 2);
        let mobile: Vec<usize> = (0..self.assets.len())
            .filter(|i| {
                let a = &self.assets[*i];
                a.status == AssetStatus::InService
                    && CATEGORIES[a.cat].flags & spec::MOBILE != 0
                    && a.in_service_day.is_some_and(|d| d < self.today - 365)
            })
            .collect();
        let mut chosen: HashSet<usize> = HashSet::new();
        let places = [
            "Riverside Outpatient & Surgery Clinic",
            "Riverside Home Health",
            "St. Luke's Regional Medical Center (mutual aid)",
            "Riverside Hospice House",
        ];
        for (count, missing) in [(14, true), (18, false)] {
            let mut n = 0;
            let mut guard = 0;
            while n < count && guard < 10_000 && !mobile.is_empty() {
                guard += 1;
                let i = mobile[rng.below(mobile.len() as u64) as usize];
                if !chosen.insert(i) {
                    continue;
                }
                let dept = self.depts[self.assets[i].dept].name;
                let a = &mut self.assets[i];
                if missing {
                    let day = self.today - rng.range(21, 200);
                    a.status = AssetStatus::Missing;
                    a.special_day = Some(day);
                    a.location = None;
                    a.notes = Some(format!(
                        "Unable to locate since {}; last seen in {dept}. Reported to department manager; RTLS search ongoing.",
                        date_of(day)
                    ));
                } else {
                    let day = prev_business_day(self.today - rng.range(3, 75));
                    a.status = AssetStatus::Loaned;
                    a.special_day = Some(day);
                    a.notes = Some(format!(
                        "On loan to {} since {}.",
                        places[rng.below(places.len() as u64) as usize],
                        date_of(day)
                    ));
                }
                n += 1;
            }
        }
    }

    // ---------------------------------------------------------------- history

    fn history(&mut self) {
        let mut pending = 0;
        for i in 0..self.assets.len() {
            let mut rng = Rng::derive(SEED ^ 0x05EE_D0FA_55E7, i as u64 + 1);
            let mut drafts = Vec::new();
            let a = self.assets[i].clone();
            if a.status == AssetStatus::PendingInspection {
                drafts.push(self.incoming(&mut rng, i, &a, Some(pending)));
                pending += 1;
                self.drafts.append(&mut drafts);
                continue;
            }
            let Some(isd) = a.in_service_day else { continue };
            let mut end_day = a.special_day.unwrap_or(self.today);
            if end_day < self.window_start {
                continue;
            }
            if a.acq_day >= self.window_start {
                drafts.push(self.incoming(&mut rng, i, &a, None));
            }
            if let Some(ber_day) = self.repairs(&mut rng, i, &a, isd, end_day, &mut drafts) {
                end_day = ber_day;
                let recent = self.today - ber_day < 120;
                let retired = recent && rng.chance(0.6);
                let st = if retired { AssetStatus::Retired } else { AssetStatus::Disposed };
                let asset = &mut self.assets[i];
                asset.status = st;
                asset.special_day = Some(ber_day);
                asset.location = None;
                asset.notes = Some(format!(
                    "Retired {}: beyond economical repair at end of life. {}",
                    date_of(ber_day),
                    if retired {
                        "Awaiting disposal in Biomed quarantine."
                    } else {
                        "Disposed of through e-waste vendor."
                    }
                ));
            }
            // PMs already generated for later this month exist too (opened before "now").
            let pm_end = if self.assets[i].status == a.status { a.special_day.unwrap_or(i64::MAX) } else { end_day };
            self.pms(&mut rng, i, &a, isd, pm_end, &mut drafts);
            let st = self.assets[i].status;
            if matches!(st, AssetStatus::Retired | AssetStatus::Disposed)
                && let Some(day) = self.assets[i].special_day
                && day >= self.window_start
            {
                let reason = if self.assets[i].notes.as_deref().is_some_and(|n| n.contains("beyond economical")) {
                    "beyond economical repair (end of life)"
                } else {
                    "replaced by new equipment (fleet replacement)"
                };
                drafts.push(self.retirement(&mut rng, i, &a, day, reason, st));
            }
            // Which repairs took the asset out of service: those opened while it was in service.
            drafts.sort_by_key(|d| d.opened);
            let mut down_until: Option<i64> = None;
            for d in drafts.iter_mut().filter(|d| d.wo_type == WorkOrderType::Repair) {
                if down_until.is_none_or(|u| d.opened >= u) && !d.cancelled {
                    d.took_out = true;
                    down_until = Some(d.completed.filter(|c| *c <= self.now).unwrap_or(i64::MAX));
                } else {
                    d.took_out = false;
                }
            }
            if down_until == Some(i64::MAX) && self.assets[i].status == AssetStatus::InService {
                self.assets[i].status = AssetStatus::OutOfService;
            }
            self.drafts.append(&mut drafts);
        }
    }

    fn dept_name(&self, a: &AssetRt) -> &'static str {
        self.depts[a.dept].name
    }

    fn loc_name(&self, a: &AssetRt) -> String {
        match a.location {
            Some(l) => self.depts[a.dept].locs[l].1.clone(),
            None => self.dept_name(a).to_string(),
        }
    }

    fn closing(&self, rng: &mut Rng, a: &AssetRt) -> String {
        let c = rng.pick(texts::CLOSINGS).copied().unwrap_or("Returned to service.");
        fill(c, self.info(a).noun, self.dept_name(a), "")
    }

    /// When a job that was opened at `opened` gets assigned and started.
    fn response(&self, rng: &mut Rng, opened: i64, urgent: bool, vendor: bool) -> (i64, i64) {
        let day = opened.div_euclid(DAY);
        let tod = opened.rem_euclid(DAY);
        let business = !is_weekend(day) && (7 * HOUR..17 * HOUR).contains(&tod);
        let assigned = if urgent {
            opened + rng.range(5, 45) * MINUTE
        } else if business {
            opened + rng.range(10, 150) * MINUTE
        } else {
            let d = next_business_day(if tod >= 17 * HOUR { day + 1 } else { day });
            (d * DAY + 7 * HOUR + 30 * MINUTE + rng.range(0, 90) * MINUTE).max(opened + 5 * MINUTE)
        };
        let mut started = if vendor {
            assigned + rng.range(2, 30) * HOUR
        } else if urgent {
            assigned + rng.range(5, 30) * MINUTE
        } else {
            // The shop's backlog: most calls are worked the same day, some wait a day or few.
            match rng.below(20) {
                0..=10 => assigned + rng.range(5, 120) * MINUTE,
                11..=16 => next_business_day(assigned.div_euclid(DAY) + 1) * DAY + rng.range(8 * 60, 15 * 60) * MINUTE,
                _ => {
                    next_business_day(assigned.div_euclid(DAY) + rng.range(2, 4)) * DAY
                        + rng.range(8 * 60, 15 * 60) * MINUTE
                }
            }
        };
        let sd = started.div_euclid(DAY);
        let st = started.rem_euclid(DAY);
        if !urgent && (is_weekend(sd) || !(7 * HOUR..17 * HOUR).contains(&st)) {
            let d = next_business_day(if st >= 17 * HOUR { sd + 1 } else { sd });
            started = d * DAY + 7 * HOUR + 45 * MINUTE + rng.range(0, 120) * MINUTE;
        }
        (assigned, started.max(assigned))
    }

    /// When a completed job gets reviewed and closed.
    fn review(&self, rng: &mut Rng, completed: i64) -> i64 {
        let r = rng.f64();
        if r < 0.1 {
            completed + rng.range(10, 240) * MINUTE
        } else {
            let days = if r < 0.8 { rng.range(1, 5) } else { rng.range(6, 14) };
            let d = next_business_day(completed.div_euclid(DAY) + days);
            (d * DAY + rng.range(8 * 60, 16 * 60) * MINUTE).max(completed + MINUTE)
        }
    }

    fn incoming(&self, rng: &mut Rng, i: usize, a: &AssetRt, open: Option<usize>) -> Draft {
        let info = self.info(a);
        let model = &self.ds.models[a.model];
        let opened = a.acq_day * DAY + rng.range(9 * 60, 14 * 60) * MINUTE;
        let po = a.po.clone().unwrap_or_else(|| "no PO".into());
        let mut d = Draft::new(
            WorkOrderType::IncomingInspection,
            i,
            opened,
            format!(
                "Incoming inspection: new {} {} received on PO {po} for {}.",
                model.manufacturer,
                model.name,
                self.dept_name(a)
            ),
        );
        let installed = info.flags & spec::VENDOR_PM != 0;
        let (who, vendor) = self.assign(rng, a, a.acq_day, installed);
        d.assignee = Some(who);
        d.vendor = vendor;
        d.assigned = Some(opened + rng.range(5, 120) * MINUTE);
        if let Some(k) = open {
            // Still waiting, spread over the open statuses: being checked now, waiting for a
            // missing accessory or the vendor, not yet picked up, assigned.
            match k % 4 {
                0 | 1 => {
                    let s = d.assigned.unwrap_or(opened) + rng.range(30, 240) * MINUTE;
                    d.started = Some(s.min(self.now - 30 * MINUTE).max(opened));
                    if k % 4 == 1 {
                        let reason = if installed { HoldReason::Vendor } else { HoldReason::Parts };
                        let hs = (d.started.unwrap_or(opened) + 20 * MINUTE).min(self.now - MINUTE);
                        d.hold = Some((hs, self.now + rng.range(2, 8) * DAY, reason));
                        d.labour.push((
                            d.started.unwrap_or(opened),
                            20,
                            Some("Unpacked; accessory missing from shipment".into()),
                            who,
                        ));
                    }
                }
                2 => d.assigned = Some(self.now + DAY),
                _ => {}
            }
            d.completed = Some(self.now + 10 * DAY);
            return d;
        }
        let isd = a.in_service_day.unwrap_or(a.acq_day);
        let start = (isd * DAY + rng.range(8 * 60, 14 * 60) * MINUTE).max(d.assigned.unwrap_or(opened));
        let minutes = if installed { rng.range(240, 600) } else { round5(rng.range(20, 75)) };
        d.started = Some(start);
        d.completed = Some(start + minutes * MINUTE);
        d.closed = Some(self.review(rng, start + minutes * MINUTE));
        d.labour.push((start, minutes, Some("Incoming inspection".into()), who));
        d.result = Some(WorkResult::Pass);
        let (est, _) = self.est_text(rng, a);
        d.work = Some(if installed {
            join_sentences(&[
                "Installation and acceptance testing by OEM field engineer; physics/acceptance checks completed.",
                &est,
                &format!("Released to {} for clinical use.", self.dept_name(a)),
            ])
        } else {
            join_sentences(&[
                &format!(
                    "Incoming inspection: verified against PO {po} and packing list; accessories, manuals and labels present; asset tag applied; functional check per OEM procedure."
                ),
                &est,
                &format!("Released to {}.", self.dept_name(a)),
            ])
        });
        d
    }

    /// The EST sentence of a PM narrative and the readings it quotes (PE in mΩ, leakage in µA).
    fn est_text(&self, rng: &mut Rng, a: &AssetRt) -> (String, Option<(Option<f64>, f64)>) {
        match self.catalog[a.row].protection_class.as_str() {
            "I" => {
                let pe = rng.range(3, 19);
                let leak = rng.range(8, 190);
                (
                    format!("EST (IEC 62353): protective earth 0.{pe:02} Ω, equipment leakage {leak} µA — pass."),
                    Some((Some(pe as f64 * 10.0), leak as f64)),
                )
            }
            "II" => {
                let leak = rng.range(5, 90);
                (format!("EST (IEC 62353): equipment leakage {leak} µA, Class II — pass."), Some((None, leak as f64)))
            }
            "internal" => ("Internally powered: charger/adapter inspected, EST on adapter pass.".into(), None),
            _ => (String::new(), None),
        }
    }

    fn retirement(&self, rng: &mut Rng, i: usize, a: &AssetRt, day: i64, reason: &str, st: AssetStatus) -> Draft {
        let opened = day * DAY + rng.range(8 * 60, 13 * 60) * MINUTE;
        let mut d = Draft::new(WorkOrderType::Retirement, i, opened, format!("Retire from inventory: {reason}."));
        d.priority = Priority::Low;
        let who = self.pick_tech(rng, a.dept, day);
        d.assignee = Some(who);
        d.assigned = Some(opened);
        d.started = Some(opened + rng.range(10, 90) * MINUTE);
        let minutes = round5(rng.range(20, 60));
        let done = d.started.unwrap_or(opened) + minutes * MINUTE;
        d.completed = Some(done);
        d.closed = Some(self.review(rng, done));
        d.labour.push((d.started.unwrap_or(opened), minutes, Some("Decommission".into()), who));
        d.result = Some(WorkResult::NotApplicable);
        d.work = Some(if st == AssetStatus::Retired {
            "Removed from service; patient data cleared where stored; asset tag left on; moved to Biomed quarantine cage pending disposal approval.".into()
        } else {
            "Removed from service; patient data wiped (certificate on file); asset tag removed; released to e-waste vendor for recycling.".into()
        });
        d
    }

    /// Random repairs over the asset's life in the window. Returns the retirement day when a
    /// repair found the device beyond economical repair.
    fn repairs(
        &self,
        rng: &mut Rng,
        i: usize,
        a: &AssetRt,
        isd: i64,
        end_day: i64,
        out: &mut Vec<Draft>,
    ) -> Option<i64> {
        let info = self.info(a);
        let life = f64::from(self.catalog[a.row].expected_life_years.max(1));
        let start = isd.max(self.window_start);
        let limit = a.special_day.map(|d| d * DAY);
        let mut t = start as f64 + rng.exp(365.0 / info.repairs_per_year);
        loop {
            let mut day = t.floor() as i64;
            if day > end_day {
                return None;
            }
            // Weekend calls are fewer: many wait for Monday.
            if is_weekend(day) && rng.chance(0.65) {
                day = next_business_day(day);
            }
            let opened = day * DAY + sample_hour(rng) * HOUR + rng.range(0, 59) * MINUTE;
            if opened > self.now || limit.is_some_and(|l| opened >= l) {
                return None;
            }
            let age = (day - a.acq_day) as f64 / 365.0;
            let may_ber = a.special_day.is_none() && age >= life;
            let (d, ber) = self.repair(rng, i, a, opened, None, may_ber);
            let completed = d.completed;
            if limit.is_some_and(|l| completed.is_none_or(|c| c >= l)) {
                return None;
            }
            // A second call about the same problem, cancelled as a duplicate.
            if ber.is_none() && rng.chance(0.012) {
                let dup_open = opened + rng.range(10, 120) * MINUTE;
                if dup_open < self.now && completed.is_some_and(|c| dup_open < c) {
                    let req = self.pick_requester(rng, a.dept);
                    let mut dup = Draft::new(WorkOrderType::Repair, i, dup_open, format!("2nd call: {}", d.problem));
                    dup.requester = Some(req);
                    dup.contact = Some(self.contact(req, a));
                    dup.priority = d.priority;
                    dup.cancelled = true;
                    out.push(dup);
                }
            }
            out.push(d);
            if let Some(b) = ber {
                return Some(b);
            }
            let c = completed.filter(|c| *c <= self.now)?;
            let mut factor = (0.75 + 0.06 * age).min(1.6);
            if day - isd < 60 {
                factor *= 1.3;
            }
            t = (t + rng.exp(365.0 / (info.repairs_per_year * factor))).max((c.div_euclid(DAY) + 1) as f64);
        }
    }

    fn contact(&self, person: usize, a: &AssetRt) -> String {
        let name = PEOPLE.get(person).map_or("", |p| p.display_name);
        format!("{name}, x{} ({})", self.depts[a.dept].cost_center, self.dept_name(a))
    }

    /// One repair. `found` is a PM finding that triggered it. Returns the draft and, for a
    /// device found beyond economical repair, its retirement day.
    fn repair(
        &self,
        rng: &mut Rng,
        i: usize,
        a: &AssetRt,
        opened: i64,
        found: Option<(&'static str, &'static str, &'static str, Option<Part>, usize)>,
        may_ber: bool,
    ) -> (Draft, Option<i64>) {
        let info = self.info(a);
        let fam = self.fam(a);
        let catalog = &self.catalog[a.row];
        let noun = info.noun;
        let dept = self.dept_name(a);
        let loc = self.loc_name(a);
        let key = info.key;
        let electric = catalog.protection_class != "n/a";
        // The cause, then a matching case (problem and fix that go together).
        let mut cause: &'static str = match found {
            Some((c, ..)) => c,
            None => {
                let w: Vec<f64> = texts::CAUSE_WEIGHTS.iter().map(|(_, w)| *w).collect();
                let has = |list: &str| list.split_whitespace().any(|k| k == key);
                let allowed = |c: &str| match c {
                    "BATT" => !has(texts::NO_BATTERY),
                    "NET" => has(texts::NETWORKED),
                    _ => true,
                };
                let mut c = texts::CAUSE_WEIGHTS[rng.weighted(&w)].0;
                for _ in 0..3 {
                    if allowed(c) {
                        break;
                    }
                    c = texts::CAUSE_WEIGHTS[rng.weighted(&w)].0;
                }
                if allowed(c) { c } else { "EF" }
            }
        };
        let case: Option<&'static Case> = if found.is_some() {
            None
        } else {
            let fam_cases: Vec<&'static Case> =
                fam.cases.iter().filter(|k| k.cause == cause && k.applies_to(key)).collect();
            let gen_cases: Vec<&'static Case> = texts::GENERIC_CASES.iter().filter(|k| k.cause == cause).collect();
            let list = if !fam_cases.is_empty() && (gen_cases.is_empty() || !electric || rng.chance(0.75)) {
                fam_cases
            } else if electric {
                gen_cases
            } else {
                // A non-electrical device (vaporizer, pneumatic regulator…) fails in its own ways.
                fam.cases.iter().filter(|k| k.applies_to(key)).collect()
            };
            let picked = list.get(rng.below(list.len() as u64) as usize).copied();
            if let Some(k) = picked {
                cause = k.cause;
            }
            picked
        };
        // The problem, in the requester's words.
        let problem = match (found, case) {
            (Some((_, finding, ..)), _) => format!("Failed PM: {finding}. Tagged out of service by Biomed."),
            (None, case) => {
                let p = fill(case.map_or("{Dev} not working.", |k| k.problem), noun, dept, &loc);
                let p = match rng.below(10) {
                    0 | 1 => format!("{loc}: {p}"),
                    2 => format!("{p} ({loc})"),
                    _ => p,
                };
                let suffix = match rng.below(14) {
                    0 => " Pt in bed.".to_string(),
                    1 => " Pulled from use and tagged.".into(),
                    2 => " Left it in the clean utility with a note.".into(),
                    3 => " Please come ASAP.".into(),
                    4 => " Second time this week.".into(),
                    5 => " Using the spare for now.".into(),
                    6 => format!(" Call x{} when fixed.", self.depts[a.dept].cost_center),
                    7 => " No spare available!".into(),
                    _ => String::new(),
                };
                format!("{p}{suffix}")
            }
        };
        let mut d = Draft::new(WorkOrderType::Repair, i, opened, problem);
        let model = &self.ds.models[a.model];
        // The unit's requester is on every repair; one found on a PM says who found it.
        let requester = self.pick_requester(rng, a.dept);
        d.requester = Some(requester);
        d.contact = Some(match found {
            Some((.., tech)) => format!("Found on PM by {}", PEOPLE.get(tech).map_or("Biomed", |p| p.display_name)),
            None => self.contact(requester, a),
        });
        let down_critical = matches!(cause, "EF" | "UPF" | "HF");
        d.priority = if catalog.life_support {
            match rng.below(20) {
                0..=2 => Priority::Emergency,
                3..=15 => Priority::High,
                _ => Priority::Normal,
            }
        } else if (model.high_risk || info.family == Family::Imaging) && down_critical && rng.chance(0.5) {
            Priority::High
        } else {
            match rng.below(20) {
                0 => Priority::High,
                1 | 2 => Priority::Low,
                _ => Priority::Normal,
            }
        };
        let urgent = matches!(d.priority, Priority::Emergency | Priority::High) && rng.chance(0.7);
        let mut vendor_job = info.flags & spec::VENDOR_REPAIR != 0 && !matches!(cause, "USE" | "NPF" | "NET" | "ACC");
        let escalated = !vendor_job && matches!(cause, "EF" | "UPF" | "PPF") && rng.chance(0.05);
        vendor_job |= escalated;
        let day = opened.div_euclid(DAY);
        let (who, vendor) = match (found, vendor_job) {
            (Some((.., tech)), false) => (tech, PEOPLE[tech].vendor),
            (_, true) if escalated => (self.pick_tech(rng, a.dept, day), Some(self.service_vendor(a))),
            _ => {
                // Network and software problems often go to the clinical engineer for devices on the network.
                if matches!(cause, "NET" | "SW") && rng.chance(0.3) && !self.engineers.is_empty() {
                    (self.engineers[rng.below(self.engineers.len() as u64) as usize], None)
                } else {
                    self.assign(rng, a, day, vendor_job)
                }
            }
        };
        d.assignee = Some(who);
        d.vendor = vendor;
        let (assigned, started) = match found {
            Some(_) => (opened, opened + rng.range(5, 60) * MINUTE),
            None => self.response(rng, opened, urgent, vendor.is_some() && !escalated && PEOPLE[who].vendor.is_some()),
        };
        d.assigned = Some(assigned);
        d.started = Some(started);
        // How long the work takes.
        let (lo, hi) = match cause {
            "NPF" => (20, 60),
            "USE" => (15, 45),
            "ACC" | "ENV" => (20, 60),
            "BATT" => (20, 50),
            "NET" => (30, 90),
            "SW" => (30, 120),
            "ABU" => (45, 180),
            "EF" | "UPF" => (45, 240),
            "WEAR" | "SIF" => (30, 120),
            "PPF" => (60, 180),
            _ => (30, 120),
        };
        let heavy = matches!(
            info.family,
            Family::Imaging | Family::Sterilization | Family::Circulatory | Family::Dialysis | Family::Lab
        );
        let mut minutes = rng.range(lo, hi) * if heavy { 2 } else { 1 };
        if vendor.is_some() && PEOPLE[who].vendor.is_some() {
            minutes = minutes.max(rng.range(90, 360));
        }
        let minutes = round5(minutes.min(600));
        // What was done.
        let ber = may_ber && matches!(cause, "EF" | "UPF" | "WEAR") && found.is_none() && rng.chance(0.15);
        let mut parts: Vec<(Part, i32)> = Vec::new();
        let work = if ber {
            format!(
                "{} failure confirmed. OEM has ended service support for the {} {} and replacement parts are no longer available; repair cost exceeds value. Beyond economical repair — recommend retirement; approved by manager.",
                match cause {
                    "WEAR" => "Mechanical wear-out",
                    _ => "Main control board",
                },
                model.manufacturer,
                model.name
            )
        } else if let Some((_, _, fix, part, _)) = found {
            if let Some(p) = part {
                parts.push((p, 1));
            }
            format!("{fix} {}", self.closing(rng, a))
        } else {
            let f = fill(case.map_or("Repaired and tested.", |k| k.fix), noun, dept, &loc);
            if let Some(p) = case.and_then(|k| k.part).and_then(|pn| texts::find_part(fam, pn)) {
                let qty = if p.1.starts_with("Caster") || p.1.starts_with("Cart caster") {
                    rng.range(1, 4) as i32
                } else {
                    1
                };
                parts.push((p, qty));
            }
            let extra = if vendor.is_some() && PEOPLE[who].vendor.is_none() {
                let vname = VENDORS[vendor.unwrap_or(0)].0;
                format!(" Coordinated with {vname}; service report reviewed and filed.")
            } else {
                String::new()
            };
            format!("{f}{extra} {}", self.closing(rng, a))
        };
        // Waiting: for parts, the vendor, or the clinical area.
        let diag = round5(rng.range(15, 45)).min(minutes);
        let hold = if ber {
            None
        } else if vendor.is_some() && (info.family == Family::Endoscopy || escalated) {
            Some((HoldReason::Vendor, rng.range(5, 21)))
        } else if vendor.is_some() && rng.chance(0.35) {
            Some((HoldReason::Vendor, rng.range(1, 8)))
        } else if !parts.is_empty()
            && matches!(cause, "EF" | "UPF" | "PPF" | "ABU" | "WEAR" | "HF" | "PF")
            && rng.chance(0.35)
        {
            Some((HoldReason::Parts, rng.range(2, 12)))
        } else if rng.chance(0.03) {
            Some((HoldReason::ClinicalAccess, rng.range(1, 3)))
        } else {
            None
        };
        let completed = match hold {
            Some((reason, days)) => {
                let hs = started + diag * MINUTE;
                let resume_day = next_business_day(hs.div_euclid(DAY) + days);
                let resume = (resume_day * DAY + rng.range(8 * 60, 13 * 60) * MINUTE).max(hs + HOUR);
                d.hold = Some((hs, resume, reason));
                d.labour.push((started, diag, Some("Diagnosis".into()), who));
                let rest = round5(minutes - diag + 10);
                d.labour.push((resume, rest, Some("Repair and test".into()), who));
                resume + rest * MINUTE
            }
            None if (matches!(cause, "EF" | "UPF" | "ABU" | "PPF" | "WEAR" | "SW")
                && minutes >= 60
                && rng.chance(0.4))
                || (cause == "NPF" && rng.chance(0.35)) =>
            {
                // Bench repair over several days, or an intermittent fault soak-tested before
                // the device goes back: the work order stays in progress meanwhile.
                let finish_day = business_days_after(started.div_euclid(DAY), rng.range(1, 4));
                let finish =
                    (finish_day * DAY + rng.range(9 * 60, 15 * 60) * MINUTE).max(started + diag * MINUTE + HOUR);
                let rest = round5((minutes - diag).max(10));
                d.labour.push((
                    started,
                    diag,
                    Some(if cause == "NPF" { "Bench test, soak started" } else { "Diagnosis" }.into()),
                    who,
                ));
                d.labour.push((
                    finish,
                    rest,
                    Some(if cause == "NPF" { "Soak test review" } else { "Repair and test" }.into()),
                    who,
                ));
                finish + rest * MINUTE
            }
            None => {
                if minutes > 60 && rng.chance(0.3) {
                    d.labour.push((started, diag, Some("Diagnosis".into()), who));
                    d.labour.push((started + diag * MINUTE, minutes - diag, Some("Repair and test".into()), who));
                } else {
                    d.labour.push((started, minutes, None, who));
                }
                started + minutes * MINUTE
            }
        };
        d.completed = Some(completed);
        d.closed = Some(self.review(rng, completed));
        d.cause = Some(if ber && cause == "WEAR" { "WEAR" } else { cause });
        d.work = Some(work);
        d.result = Some(if ber { WorkResult::Fail } else { WorkResult::Pass });
        d.parts = parts;
        let ber_day = if ber {
            let day = next_business_day(completed.div_euclid(DAY) + rng.range(2, 20));
            (day * DAY + 13 * HOUR <= self.now && d.closed.is_some()).then_some(day)
        } else {
            None
        };
        if ber && ber_day.is_none() {
            // Too recent to have been retired yet: record it as an ordinary repair instead.
            d.result = Some(WorkResult::Pass);
            d.work = Some(format!("Replaced failed assembly with refurbished part from OEM. {}", self.closing(rng, a)));
        }
        (d, ber_day)
    }

    fn pms(&self, rng: &mut Rng, i: usize, a: &AssetRt, isd: i64, end_day: i64, out: &mut Vec<Draft>) {
        let catalog = &self.catalog[a.row];
        let Some(interval) = catalog.typical_pm_interval_months.map(i64::from) else { return };
        let info = self.info(a);
        let fam = self.fam(a);
        let model = &self.ds.models[a.model];
        let vendor_job = info.flags & spec::VENDOR_PM != 0;
        let electric = catalog.protection_class != "n/a";
        let label = match interval {
            1 => "Monthly PM".to_string(),
            3 => "Quarterly PM".into(),
            6 => "Semi-annual PM".into(),
            12 if electric => "Annual PM and electrical safety inspection".into(),
            12 => "Annual PM".into(),
            24 => "Biennial inspection".into(),
            n => format!("{n}-month PM"),
        };
        let pm_minutes = pm_minutes(info.key).unwrap_or(fam.pm_minutes);
        let procedure = format!("IPM-{}-{:02}", fam.code, a.row % 9 + 1);
        // Next month's first PMs may already have been released (opened ≤ now).
        let current = month_index(self.today) + 1;
        let mut m = month_index(isd) + interval;
        if month_first_day(m) < self.window_start {
            let behind = month_index(self.window_start) - m;
            m += (behind / interval + 1) * interval;
        }
        while m <= current {
            let first = month_first_day(m);
            let last = month_last_day(m);
            if first > end_day {
                break;
            }
            // A business day of the due month, uniformly (on or after the in-service date).
            let lo = first.max(isd + 1);
            let days: Vec<i64> = (lo..=last).filter(|d| !is_weekend(*d)).collect();
            let planned = days.get(rng.below(days.len() as u64) as usize).copied().unwrap_or(last.max(lo));
            if planned > end_day {
                break;
            }
            let missing = a.status == AssetStatus::Missing && a.special_day.is_some_and(|s| planned >= s);
            let r = rng.f64();
            let mobile = info.flags & spec::MOBILE != 0;
            let utl = missing || (mobile && r < 0.008);
            let fail = !utl && (0.008..0.025).contains(&r);
            let late = !utl && !fail && (0.025..0.06).contains(&r);
            // The PM generator releases work orders up to three business days ahead.
            let opened = business_days_before(planned, rng.range(0, 3)) * DAY + 5 * HOUR + rng.range(0, 30) * MINUTE;
            if opened > self.now {
                break;
            }
            let mut problem = format!("{label} due {}: {} ({}).", month_name(m), catalog.category, procedure);
            if vendor_job {
                problem.push_str(" OEM planned maintenance under service contract.");
            }
            if model.high_risk {
                problem.push_str(" High-risk device: complete by the due date.");
            }
            let mut d = Draft::new(WorkOrderType::Pm, i, opened, problem);
            d.due = Some(last);
            d.priority = if model.high_risk {
                Priority::Normal
            } else if rng.chance(0.3) {
                Priority::Low
            } else {
                Priority::Normal
            };
            let (who, vendor) = self.assign(rng, a, planned, vendor_job);
            d.assignee = Some(who);
            d.vendor = vendor;
            let start = planned * DAY + 7 * HOUR + 30 * MINUTE + rng.range(0, 450) * MINUTE;
            d.assigned = Some(if rng.chance(0.8) { opened } else { (planned * DAY + 7 * HOUR).max(opened) }.min(start));
            let minutes = if vendor.is_some() && PEOPLE[who].vendor.is_some() {
                round5(rng.range(240, 480))
            } else {
                round5(rng.range(pm_minutes.0, pm_minutes.1))
            };
            let (est, est_values) = self.est_text(rng, a);
            d.est_values = est_values;
            let mut checks: Vec<&str> = fam
                .pm_checks
                .iter()
                .filter(|(k, _)| k.is_empty() || k.split_whitespace().any(|x| x == info.key))
                .map(|(_, c)| *c)
                .collect();
            let n = (3 + rng.below(3) as usize).min(checks.len());
            let mut chosen = Vec::new();
            for _ in 0..n {
                let k = rng.below(checks.len() as u64) as usize;
                chosen.push(checks.remove(k));
            }
            let checks_text = capitalise(&chosen.join("; "));
            let next_due = month_name(m + interval);
            if utl {
                let minutes = round5(rng.range(15, 40));
                d.started = Some(start);
                d.completed = Some(start + minutes * MINUTE);
                d.labour.push((start, minutes, Some("Search for device".into()), who));
                let t = rng.pick(texts::UNABLE_TO_LOCATE).copied().unwrap_or("Unable to locate.");
                d.work = Some(fill(t, info.noun, self.dept_name(a), ""));
                d.result = Some(WorkResult::NotApplicable);
                d.outcome = Some(PmOutcome::UnableToLocate);
            } else if late {
                let attempt = start;
                let late_day = next_business_day(last + rng.range(3, 40));
                if a.special_day.is_some_and(|s| late_day >= s) {
                    m += interval;
                    continue;
                }
                let resume = late_day * DAY + 8 * HOUR + rng.range(0, 300) * MINUTE;
                let reason = if rng.chance(0.7) { HoldReason::ClinicalAccess } else { HoldReason::Parts };
                d.started = Some(attempt);
                d.hold = Some((attempt + 15 * MINUTE, resume, reason));
                d.labour.push((
                    attempt,
                    15,
                    Some(match reason {
                        HoldReason::ClinicalAccess => "Device in use on patient — rescheduled".into(),
                        _ => "Started PM; PM kit not in stock".into(),
                    }),
                    who,
                ));
                d.labour.push((resume, minutes, Some("PM".into()), who));
                d.completed = Some(resume + minutes * MINUTE);
                d.work = Some(join_sentences(&[
                    &format!(
                        "{procedure}. PM completed late: {}",
                        match reason {
                            HoldReason::ClinicalAccess => "device was in continuous use on a patient at the due date.",
                            _ => "waited for the PM kit on back-order.",
                        }
                    ),
                    &format!("{checks_text}."),
                    &est,
                    &format!("Next PM due {next_due}."),
                ]));
                d.result = Some(WorkResult::Pass);
            } else {
                d.started = Some(start);
                d.completed = Some(start + minutes * MINUTE);
                d.labour.push((
                    start,
                    minutes,
                    Some(if est.is_empty() { "PM".into() } else { "PM + EST".into() }),
                    who,
                ));
                // A failed PM opens its repair at sign-off; when that repair cannot be part of
                // the history (after "now", or past the asset's retirement) the PM passed.
                if fail {
                    let fi = self.applicable_finding(a, rng.below(texts::PM_FINDINGS.len() as u64) as usize);
                    let f = texts::PM_FINDINGS[fi];
                    let done = start + minutes * MINUTE;
                    let spawn_at = done + rng.range(5, 20) * MINUTE;
                    if spawn_at <= self.now {
                        let (rd, _) = self.repair(rng, i, a, spawn_at, Some((f.0, f.1, f.2, f.3, who)), false);
                        let ok = a.special_day.is_none_or(|s| rd.completed.is_some_and(|c| c < s * DAY));
                        if ok {
                            out.push(rd);
                            d.failure = Some((fi, spawn_at));
                            d.work = Some(format!(
                                "{procedure}: {checks_text}. PM FAILED: {}. Device tagged out of service; corrective work order opened.",
                                f.1
                            ));
                            d.result = Some(WorkResult::Fail);
                        }
                    }
                }
                if d.failure.is_none() {
                    let tail = match rng.below(4) {
                        0 => "No deficiencies found.".to_string(),
                        1 => format!("PM sticker applied; next due {next_due}."),
                        2 => "Returned to service.".into(),
                        _ => format!("Next PM due {next_due}."),
                    };
                    d.work = Some(join_sentences(&[&format!("{procedure}: {checks_text}."), &est, &tail]));
                    d.result = Some(WorkResult::Pass);
                }
            }
            // Some technicians enter results the next morning: in progress overnight.
            if !utl
                && d.failure.is_none()
                && let Some(c) = d.completed
                && rng.chance(0.12)
            {
                let next = next_business_day(c.div_euclid(DAY) + 1);
                d.completed = Some((next * DAY + rng.range(7 * 60 + 30, 10 * 60) * MINUTE).max(c));
            }
            if let Some(c) = d.completed {
                d.closed = Some(self.review(rng, c));
            }
            out.push(d);
            m += interval;
        }
    }

    // ---------------------------------------------------------------- output

    fn finish(mut self) -> Dataset {
        for (i, a) in self.assets.iter().enumerate() {
            let dept = &self.depts[a.dept];
            self.ds.assets.push(SeedAsset {
                id: AssetId(i as i64 + 1),
                fields: AssetFields {
                    asset_tag: asset_tag(i),
                    serial_number: Some(a.serial.clone()),
                    model_id: ModelId(a.model as i64 + 1),
                    department_id: dept.id,
                    location_id: a.location.map(|l| dept.locs[l].0),
                    status: a.status,
                    acquisition_date: Some(date_of(a.acq_day)),
                    acquisition_cost_minor: a.cost_cents,
                    currency: "USD".into(),
                    vendor_id: a.vendor.map(|v| VendorId(v as i64 + 1)),
                    purchase_order: a.po.clone(),
                    in_service_date: a.in_service_day.map(date_of),
                    warranty_end: a.in_service_day.map(|d| date_of(d + a.warranty_days)),
                    udi: a.udi.clone(),
                    high_risk_override: None,
                    life_support_override: None,
                    notes: a.notes.clone(),
                },
                created_at: ts(a.acq_day * DAY + 10 * HOUR),
                pm: AssetPmFields {
                    pm_procedure_code: None,
                    protection_class: self.model_esa.get(a.model).and_then(|e| e.0),
                    applied_part: self.model_esa.get(a.model).and_then(|e| e.1),
                    calibration_due: None,
                    calibrated_on: None,
                    calibration_certificate: None,
                },
            });
        }
        // Sort by opening time through an index: drafts are large to move around.
        let mut drafts: Vec<Option<Draft>> = std::mem::take(&mut self.drafts).into_iter().map(Some).collect();
        let mut order: Vec<(i64, usize, WorkOrderType, usize)> = drafts
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.as_ref().map(|d| (d.opened, d.asset, d.wo_type, i)))
            .collect();
        order.sort_unstable();
        let mut per_year: BTreeMap<i16, i64> = BTreeMap::new();
        let mut labour_id = 0;
        let mut part_id = 0;
        self.ds.work_orders.reserve(order.len());
        let mut pm_facts = Vec::with_capacity(order.len());
        for (n, d) in order.into_iter().filter_map(|(.., i)| drafts[i].take()).enumerate() {
            let year = date_of(d.opened.div_euclid(DAY)).year();
            let seq = per_year.entry(year).or_default();
            *seq += 1;
            pm_facts.push((d.est_values, d.failure));
            let wo = self.cut(d, WorkOrderId(n as i64 + 1), format_number(year, *seq), &mut labour_id, &mut part_id);
            self.ds.work_orders.push(wo);
        }
        self.attach_schedules();
        let instruments = self.test_equipment();
        self.pm_results(&instruments, &pm_facts);
        self.ds
    }

    /// The work order as it stands at "now".
    /// One fixed PM schedule per asset with PM history: every `interval` months from its first
    /// due date, the interval being the shortest gap between scheduled months. Each PM work
    /// order refers to it (one per schedule and month; a second PM in a month stays unscheduled).
    fn attach_schedules(&mut self) {
        let mut by_asset: std::collections::BTreeMap<i64, Vec<usize>> = std::collections::BTreeMap::new();
        for (i, w) in self.ds.work_orders.iter().enumerate() {
            if w.wo_type == WorkOrderType::Pm
                && w.due_date.is_some()
                && let Some(a) = w.asset_id
            {
                by_asset.entry(a.0).or_default().push(i);
            }
        }
        for (asset, mut idx) in by_asset {
            idx.sort_by_key(|i| self.ds.work_orders[*i].due_date);
            let months: Vec<i64> = idx
                .iter()
                .filter_map(|i| self.ds.work_orders[*i].due_date)
                .map(|d| i64::from(d.year()) * 12 + i64::from(d.month()))
                .collect();
            let interval = months.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0).min().unwrap_or(12);
            let Some(anchor) = idx.first().and_then(|i| self.ds.work_orders[*i].due_date) else { continue };
            let id = self.ds.pm_schedules.len() as i64 + 1;
            self.ds.pm_schedules.push(PmSchedule {
                id,
                asset_id: AssetId(asset),
                interval_months: i32::try_from(interval).unwrap_or(12),
                basis: ScheduleBasis::Fixed,
                anchor_date: anchor,
                grace_days: 0,
                active: true,
                version: 1,
            });
            let mut seen = std::collections::HashSet::new();
            for i in idx {
                let w = &mut self.ds.work_orders[i];
                if w.pm_period.as_ref().is_some_and(|p| seen.insert(p.clone())) {
                    w.schedule_id = Some(id);
                } else {
                    w.pm_period = None;
                }
            }
        }
    }

    fn cut(&self, d: Draft, id: WorkOrderId, number: String, labour_id: &mut i64, part_id: &mut i64) -> WorkOrder {
        use WorkOrderStatus as S;
        let now = self.now;
        let status = if d.cancelled {
            S::Cancelled
        } else if d.closed.is_some_and(|c| c <= now) {
            S::Closed
        } else if d.completed.is_some_and(|c| c <= now) {
            S::Completed
        } else if d.hold.is_some_and(|(s, e, _)| s <= now && now < e) {
            S::OnHold
        } else if d.started.is_some_and(|s| s <= now) {
            S::InProgress
        } else if d.assigned.is_some_and(|s| s <= now) {
            S::Assigned
        } else {
            S::Open
        };
        let done = matches!(status, S::Completed | S::Closed);
        let working = matches!(status, S::InProgress | S::OnHold) || done;
        let assigned = !matches!(status, S::Open | S::Cancelled);
        let opened = d.opened;
        let assigned_at = if assigned { d.assigned.map(|t| t.max(opened)) } else { None };
        let started_at = if working { d.started.map(|t| t.max(assigned_at.unwrap_or(opened))) } else { None };
        let completed_at = if done { d.completed.map(|t| t.max(started_at.unwrap_or(opened))) } else { None };
        let closed_at =
            if status == S::Closed { d.closed.map(|t| t.max(completed_at.unwrap_or(opened))) } else { None };
        let hold_reason = if status == S::OnHold { d.hold.map(|h| h.2) } else { None };
        let keep_cause = done || matches!(hold_reason, Some(HoldReason::Parts | HoldReason::Vendor));
        let assignee = if assigned { d.assignee } else { None };
        let labour = if working {
            d.labour
                .iter()
                .filter(|(t, m, _, _)| t + m * MINUTE <= now)
                .map(|(t, m, note, p)| {
                    *labour_id += 1;
                    LabourEntry {
                        id: *labour_id,
                        technician_id: person_id(*p),
                        technician: PEOPLE.get(*p).map_or("", |x| x.display_name).into(),
                        work_date: date_of(t.div_euclid(DAY)),
                        minutes: (*m).clamp(1, 1440) as i32,
                        note: note.clone(),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let parts = if done {
            d.parts
                .iter()
                .map(|((pn, desc, cost), qty)| {
                    *part_id += 1;
                    PartUsed {
                        id: *part_id,
                        part_number: (*pn).into(),
                        description: Some((*desc).into()),
                        quantity: *qty,
                        unit_cost_minor: Some(*cost),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let is_pm = d.wo_type == WorkOrderType::Pm;
        let pm_outcome = if is_pm && done { Some(d.outcome.unwrap_or(PmOutcome::Done)) } else { None };
        let pm_period = if is_pm { d.due.map(|x| Month::of(date_of(x)).to_string()) } else { None };
        let window_end = if is_pm { d.due.map(|x| compliance_window(date_of(x), 0).1) } else { None };
        WorkOrder {
            id,
            number,
            wo_type: d.wo_type,
            priority: d.priority,
            status,
            hold_reason,
            asset_id: Some(AssetId(d.asset as i64 + 1)),
            asset_tag: Some(asset_tag(d.asset)),
            requester_id: d.requester.map(person_id),
            requester_name: d.requester.and_then(|p| PEOPLE.get(p)).map(|p| p.display_name.to_string()),
            requester_contact: d.contact,
            problem: d.problem,
            assigned_to: assignee.map(person_id),
            assigned_to_name: assignee.and_then(|p| PEOPLE.get(p)).map(|p| p.display_name.to_string()),
            vendor_id: d.vendor.map(|v| VendorId(v as i64 + 1)),
            vendor_name: d.vendor.and_then(|v| VENDORS.get(v)).map(|v| v.0.to_string()),
            cause_code: if keep_cause { d.cause.map(str::to_string) } else { None },
            work_performed: if done { d.work } else { None },
            result: if done { d.result } else { None },
            downtime_start: d.took_out.then(|| ts(opened)),
            downtime_end: if d.took_out { completed_at.map(ts) } else { None },
            due_date: d.due.map(date_of),
            opened_at: ts(opened),
            assigned_at: assigned_at.map(ts),
            started_at: started_at.map(ts),
            completed_at: completed_at.map(ts),
            closed_at: closed_at.map(ts),
            took_out_of_service: d.took_out,
            schedule_id: None,
            pm_period,
            pm_outcome,
            window_end,
            qualification_flag: None,
            labour,
            parts,
            version: 1,
        }
    }
}

/// Sentences joined by single spaces, skipping empty ones.
fn join_sentences(parts: &[&str]) -> String {
    parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// PM labour for categories that differ from their family's typical (low, high) minutes.
fn pm_minutes(key: &str) -> Option<(i64, i64)> {
    Some(match key {
        "VAP" => (20, 40),
        "THERM" | "GLU" | "WALL" => (10, 20),
        "SPO2" | "TELE" | "NIBP" | "AED" | "HOLTER" => (15, 30),
        "PACE" | "HUM" | "CPAP" | "BIPAP" | "PHOTO" | "EXAMT" | "CENT" | "MEDR" => (20, 40),
        "CEN" => (30, 60),
        "TSTER" | "DXRAY" | "AER" => (45, 90),
        "POCUS" | "BLAD" => (30, 45),
        _ => return None,
    })
}

/// The business day `n` business days after `day`.
fn business_days_after(day: i64, n: i64) -> i64 {
    let mut d = day;
    for _ in 0..n {
        d = next_business_day(d + 1);
    }
    d
}

/// The business day `n` business days before `day`.
fn business_days_before(day: i64, n: i64) -> i64 {
    let mut d = day;
    for _ in 0..n {
        d = prev_business_day(d - 1);
    }
    d
}

/// An age in days between `lo` and `hi`: half uniform, half skewed towards older units
/// (hospitals keep equipment past its expected life).
fn age_days(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    let u = rng.f64();
    let u = if rng.chance(0.5) { u } else { u.sqrt() };
    lo + ((hi - lo) as f64 * u) as i64
}

fn asset_tag(i: usize) -> String {
    format!("BME-{:06}", i + 1)
}

/// An hour of the day for a call to Biomed (busiest mid-morning).
fn sample_hour(rng: &mut Rng) -> i64 {
    const W: [f64; 24] =
        [1., 1., 1., 1., 1., 2., 3., 6., 9., 10., 10., 9., 8., 9., 9., 8., 7., 6., 5., 4., 3., 3., 2., 1.];
    rng.weighted(&W) as i64
}

/// Rooms a category usually lives in, by part of the location's name.
fn location_hints(key: &str) -> &'static [&'static str] {
    match key {
        "CT" => &["CT 1", "CT 2", "CT 3", "CT Sim"],
        "MRI" => &["MRI 1", "MRI 2"],
        "LINAC" => &["Linac"],
        "MAMMO" => &["Mammo"],
        "DXA" => &["DXA"],
        "SPECT" => &["NM Camera"],
        "ANGIO" => &["Cath Lab", "EP Lab", "IR Suite"],
        "DR" => &["X-Ray Room", "ROC X-Ray", "UC X-Ray"],
        "RF" => &["R/F Room"],
        "MXR" => &["Portable X-Ray"],
        "US" => &["US Room"],
        "ECHO" => &["Echo Room", "Cath Lab"],
        "EEG" => &["EEG Room", "Epilepsy"],
        "OCT" | "FUNDUS" => &["Eye Imaging"],
        "YAG" | "PHOTOC" => &["Eye Laser"],
        "STER" | "H2O2" => &["Sterilizer Room", "ASC Sterile"],
        "WASH" => &["Decontamination", "ASC Sterile"],
        "AER" => &["Scope Reprocessing"],
        "RO" => &["Water Room"],
        "HEME" => &["Hematology"],
        "CHEM" => &["Chemistry"],
        "BBR" => &["Blood Bank"],
        "CENT" => &["Specimen", "Core Lab", "Hematology", "Chemistry", "Microbiology"],
        "FRZ" => &["Core Lab", "Microbiology", "Pharmacy Cold", "Chemistry"],
        "MEDR" => &["Clean Utility", "Pharmacy Cold", "Main Pharmacy", "IV Room", "Point-of-Care", "Nurse Station"],
        "AED" => &["AED Cabinet"],
        "HLM" | "HCU" | "ECMO" => &["Perfusion"],
        "TSTER" => &["Sterilization", "Procedure Room"],
        "DXRAY" => &["Operatory"],
        "VENT" | "TVENT" | "NVENT" | "HFOV" | "HVENT" | "BIPAP" | "CPAP" | "HFNC" => {
            &["RT Equipment", "Ventilator Staging", "RT Clean"]
        }
        "SPIRO" => &["PFT"],
        "ANES" | "LIGHT" | "ORT" => &["OR 0", "OR 1", "L&D OR", "ASC OR"],
        "CEN" => &["Nurse Station", "Clean Utility", "Control Room"],
        _ => &[],
    }
}

/// The demo's PM procedure for a catalogue category: inspection and function checks, a
/// performance measurement where the category has a well-known one (REFERENCE-style values: flow
/// ± 5 %, NIBP ± 3 mmHg, delivered energy ± 15 %, SpO2 ± 2 points, tidal volume ± 10 %, ESU
/// output ± 20 %), and an electrical safety test when the device has mains power or an F-type
/// applied part.
fn demo_procedure(
    id: i64,
    code: &str,
    category: &str,
    class: Option<ProtectionClass>,
    ap: Option<AppliedPartType>,
    created_at: jiff::Timestamp,
) -> Procedure {
    let c = category.to_lowercase();
    let mut steps: Vec<(StepKind, String, Option<&str>, MeasurementLimits)> = vec![
        (
            StepKind::Check,
            "Inspect housing, mounts, cords, connectors and labels; clean; check accessories".into(),
            None,
            MeasurementLimits::default(),
        ),
        (
            StepKind::Check,
            "Power-on self test, controls and alarms function as specified".into(),
            None,
            MeasurementLimits::default(),
        ),
    ];
    let pct = |nominal: f64, p: f64| MeasurementLimits {
        nominal: Some(nominal),
        tolerance_pct: Some(p),
        ..Default::default()
    };
    let abs = |lo: f64, hi: f64, nominal: f64| MeasurementLimits {
        nominal: Some(nominal),
        lower_limit: Some(lo),
        upper_limit: Some(hi),
        tolerance_pct: None,
    };
    let measurement = if c.contains("infusion pump") {
        Some(("Flow-rate accuracy at 100 mL/h (analyzer)", "mL/h", pct(100.0, 5.0)))
    } else if c.contains("defibrillator") || c.contains("aed") {
        Some(("Delivered energy into 50 ohm at the 200 J setting", "J", pct(200.0, 15.0)))
    } else if c.contains("oximeter") || c.contains("spo2") {
        Some(("SpO2 reading with the simulator set to 97 %", "%", abs(95.0, 99.0, 97.0)))
    } else if c.contains("monitor") || c.contains("blood pressure") {
        Some(("NIBP reading with the simulator set to 120 mmHg", "mmHg", abs(117.0, 123.0, 120.0)))
    } else if c.contains("ventilator") {
        Some(("Delivered tidal volume at a 500 mL setting", "mL", pct(500.0, 10.0)))
    } else if c.contains("electrosurgical") {
        Some(("Output power into 300 ohm at the 50 W setting", "W", pct(50.0, 20.0)))
    } else {
        None
    };
    if let Some((text, unit, limits)) = measurement {
        steps.push((StepKind::Measurement, text.into(), Some(unit), limits));
    }
    let mains = matches!(class, Some(ProtectionClass::I | ProtectionClass::II));
    let f_type = matches!(ap, Some(AppliedPartType::Bf | AppliedPartType::Cf));
    if mains || f_type {
        steps.push((
            StepKind::ElectricalSafety,
            "Electrical safety test (IEC 62353)".into(),
            None,
            MeasurementLimits::default(),
        ));
    }
    Procedure {
        id,
        code: code.into(),
        name: format!("PM — {category}"),
        version: 1,
        created_at,
        steps: steps
            .into_iter()
            .enumerate()
            .map(|(i, (kind, instruction, unit, limits))| ProcedureStep {
                id: id * 10 + i as i64,
                position: i as i32 + 1,
                kind,
                instruction,
                unit: unit.map(str::to_string),
                limits,
            })
            .collect(),
        requirement: Default::default(),
    }
}
