//! The demo's test equipment (analyzers and simulators with calibration certificates) and three
//! years of recorded PM results: judged steps, electrical safety readings against the shipped
//! IEC 62353 limit rows, and the instruments used with their calibration due date on the day
//! (REFERENCE §1.3–1.5, §9.4).

use super::*;
use htm_domain::esa::{Comparator, EsaLimit, EsaStandard, EsaTest, parse_code_list};
use htm_domain::procedure::{EsaReadingInput, StepInput, judge};
use htm_domain::seed::{EsaLimitKey, SeedEsaReading, SeedPmResult, SeedStepResult};
use jiff::ToSpan;
use std::collections::HashMap;

/// The shipped limit table the demo's readings are judged against (the same file migration 0002
/// loads); the store resolves each row by its natural key and re-checks every pass/fail.
const LIMITS_CSV: &str = include_str!("../../../../docs/reference/esa_limits_v1.csv");

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Esa,
    Infusion,
    Defib,
    /// ProSim 8: ECG, NIBP, SpO2, …
    VitalSigns8,
    /// ProSim 4: ECG, NIBP, IBP (no SpO2).
    VitalSigns4,
    Nibp,
    GasFlow,
    Electrosurgical,
    Xray,
}

/// (manufacturer, model number, model name, category, kind, serial, calibration due in days from
/// today, list price in cents). Exactly one is overdue and one due within 30 days.
/// See [`INSTRUMENTS`].
type InstrumentSpec = (&'static str, &'static str, &'static str, &'static str, Kind, &'static str, i64, i64);

/// What a PM draft knew that its work order does not keep: the EST readings its narrative
/// quotes (PE mΩ, leakage µA) and, for a failed PM, the finding and when its repair opened.
pub(super) type PmFacts = (Option<(Option<f64>, f64)>, Option<(usize, i64)>);

const INSTRUMENTS: &[InstrumentSpec] = &[
    (
        "Fluke Biomedical",
        "ESA620",
        "ESA620 Electrical Safety Analyzer",
        "Electrical safety analyzer",
        Kind::Esa,
        "4417021",
        213,
        1_150_000,
    ),
    (
        "Fluke Biomedical",
        "ESA620",
        "ESA620 Electrical Safety Analyzer",
        "Electrical safety analyzer",
        Kind::Esa,
        "4417388",
        97,
        1_150_000,
    ),
    (
        "Fluke Biomedical",
        "ESA615",
        "ESA615 Electrical Safety Analyzer",
        "Electrical safety analyzer",
        Kind::Esa,
        "3390154",
        288,
        720_000,
    ),
    (
        "Rigel Medical",
        "288+",
        "Rigel 288+ Hand-held Electrical Safety Analyzer",
        "Electrical safety analyzer",
        Kind::Esa,
        "RG28810452",
        -9,
        690_000,
    ),
    (
        "Fluke Biomedical",
        "IDA-5",
        "IDA-5 Infusion Device Analyzer",
        "Infusion device analyzer",
        Kind::Infusion,
        "5120334",
        154,
        1_480_000,
    ),
    (
        "Fluke Biomedical",
        "IDA-5",
        "IDA-5 Infusion Device Analyzer",
        "Infusion device analyzer",
        Kind::Infusion,
        "5120871",
        61,
        1_480_000,
    ),
    (
        "Fluke Biomedical",
        "Impulse 7000DP",
        "Impulse 7000DP Defibrillator/Pacer Analyzer",
        "Defibrillator analyzer",
        Kind::Defib,
        "2981457",
        242,
        1_390_000,
    ),
    (
        "Fluke Biomedical",
        "ProSim 8",
        "ProSim 8 Vital Signs and ECG Simulator",
        "Patient simulator",
        Kind::VitalSigns8,
        "3861220",
        127,
        1_250_000,
    ),
    (
        "Fluke Biomedical",
        "ProSim 4",
        "ProSim 4 Vital Signs Simulator",
        "Patient simulator",
        Kind::VitalSigns4,
        "4102987",
        17,
        560_000,
    ),
    (
        "Fluke Biomedical",
        "BP Pump 2",
        "BP Pump 2 NIBP Simulator",
        "NIBP simulator",
        Kind::Nibp,
        "2204563",
        322,
        640_000,
    ),
    (
        "Fluke Biomedical",
        "VT900A",
        "VT900A Gas Flow Analyzer",
        "Gas flow analyzer",
        Kind::GasFlow,
        "4650118",
        185,
        1_690_000,
    ),
    (
        "Fluke Biomedical",
        "QA-ES III",
        "QA-ES III Electrosurgical Analyzer",
        "Electrosurgical analyzer",
        Kind::Electrosurgical,
        "3075542",
        269,
        1_320_000,
    ),
    ("RaySafe", "X2 R/F", "RaySafe X2 R/F X-ray Multimeter", "X-ray multimeter", Kind::Xray, "X2210478", 48, 1_850_000),
];

/// A demo instrument and its yearly calibration history.
pub(super) struct Instrument {
    asset: AssetId,
    kind: Kind,
    /// The current calibration due date; earlier cycles end on the same day of earlier years.
    due: Date,
}

impl Instrument {
    /// The calibration due date the instrument had on `day`, if it was in calibration then.
    fn due_on(&self, day: Date) -> Option<Date> {
        let mut due = self.due;
        // Calibrated a year before each due date: walk back to the cycle covering `day`.
        for _ in 0..12 {
            let calibrated = due.checked_sub(1.year()).ok()?;
            if calibrated <= day {
                return (due >= day).then_some(due);
            }
            due = calibrated;
        }
        None
    }
}

/// The shipped limit rows, with a local id (row number) for judging and their natural key.
fn limit_rows() -> Vec<(EsaLimit, EsaLimitKey)> {
    let mut out = Vec::new();
    let mut reader = csv::Reader::from_reader(LIMITS_CSV.as_bytes());
    for (i, rec) in reader.records().enumerate() {
        let Ok(r) = rec else { continue };
        let f = |k: usize| r.get(k).unwrap_or("").to_string();
        let (Ok(standard), Ok(test), Ok(comparator), Ok(classes), Ok(parts), Ok(limit)) = (
            EsaStandard::parse(&f(0)),
            EsaTest::parse(&f(2)),
            Comparator::parse(&f(10)),
            parse_code_list(&f(4), ProtectionClass::parse),
            parse_code_list(&f(5), AppliedPartType::parse),
            f(8).parse::<f64>(),
        ) else {
            continue;
        };
        let limit_row = EsaLimit {
            id: i as i64 + 1,
            standard,
            edition: f(1),
            version: 1,
            test,
            configuration: f(3),
            protection_classes: classes,
            applied_parts: parts,
            condition: f(6),
            method: f(7),
            limit,
            unit: f(9),
            comparator,
            source: f(11),
        };
        let key = EsaLimitKey {
            standard,
            set_version: 1,
            test,
            configuration: f(3),
            protection_classes: f(4),
            applied_parts: f(5),
            condition: f(6),
        };
        out.push((limit_row, key));
    }
    out
}

/// Which instruments a category's PM uses besides the electrical safety analyzer.
fn analyzer_kinds(category: &str) -> &'static [Kind] {
    let c = category.to_lowercase();
    if c.contains("infusion pump") {
        &[Kind::Infusion]
    } else if c.contains("defibrillator") || c.contains("aed") {
        &[Kind::Defib]
    } else if c.contains("oximeter") || c.contains("spo2") {
        &[Kind::VitalSigns8]
    } else if c.contains("monitor") {
        &[Kind::VitalSigns8, Kind::VitalSigns4]
    } else if c.contains("blood pressure") || c.contains("nibp") {
        &[Kind::Nibp, Kind::VitalSigns4]
    } else if c.contains("ventilator") || c.contains("anesthesia") {
        &[Kind::GasFlow]
    } else if c.contains("electrosurgical") {
        &[Kind::Electrosurgical]
    } else if c.contains("x-ray") || c.contains("radiograph") || c.contains("fluoro") || c.contains("mammo") {
        &[Kind::Xray]
    } else {
        &[]
    }
}

/// A value near `nominal` inside (lo, hi): a triangular-ish scatter over ±60 % of the band.
fn near(rng: &mut Rng, lo: f64, hi: f64, nominal: f64) -> f64 {
    let u = (rng.f64() + rng.f64() + rng.f64()) / 3.0 - 0.5; // −0.5 … 0.5, peaked at 0
    let half = if u < 0.0 { nominal - lo } else { hi - nominal };
    let v = nominal + u * 1.2 * half;
    (v * 10.0).round() / 10.0
}

/// The measurement window of a step: (lowest passing, highest passing, nominal).
fn band(l: &MeasurementLimits) -> Option<(f64, f64, f64)> {
    let nominal = l.nominal?;
    let (mut lo, mut hi) = (l.lower_limit.unwrap_or(f64::MIN), l.upper_limit.unwrap_or(f64::MAX));
    if let Some(p) = l.tolerance_pct {
        lo = lo.max(nominal * (1.0 - p / 100.0));
        hi = hi.min(nominal * (1.0 + p / 100.0));
    }
    (lo.is_finite() && hi.is_finite() && lo < hi).then_some((lo, hi, nominal))
}

impl Gen {
    /// A PM finding that the asset's procedure can show: leakage and protective-earth failures
    /// need a Class I device with an electrical safety step, a performance failure needs a
    /// measurement step; otherwise the alarm-check failure stands in.
    pub(super) fn applicable_finding(&self, a: &AssetRt, finding: usize) -> usize {
        let class = self.model_esa.get(a.model).and_then(|e| e.0);
        let code = format!("PM-{:03}", a.row + 1);
        let kinds: Vec<StepKind> = self
            .ds
            .procedures
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.steps.iter().map(|s| s.kind).collect())
            .unwrap_or_default();
        let esa = kinds.contains(&StepKind::ElectricalSafety) && class == Some(ProtectionClass::I);
        let measurement = kinds.contains(&StepKind::Measurement);
        match finding {
            0 | 1 if !esa => 2,
            3 if !measurement => 2,
            f => f,
        }
    }

    /// Adds the Biomed shop's test instruments (with their models and manufacturers) as assets
    /// after the inventory; returns them for the PM results.
    pub(super) fn test_equipment(&mut self) -> Vec<Instrument> {
        let Some(dept) = self.depts.iter().find(|d| d.name.contains("Biomed")) else { return Vec::new() };
        let dept_id = dept.id;
        let shop = dept.locs.iter().find(|l| l.1 == "Biomed Shop").map(|l| l.0);
        let today = date_of(self.today);
        let mut out = Vec::new();
        for (k, (mfr, number, name, category, kind, serial, due_in, price)) in INSTRUMENTS.iter().enumerate() {
            let mi = match self.ds.manufacturers.iter().position(|m| m.name == *mfr) {
                Some(i) => i,
                None => {
                    self.ds.manufacturers.push(Manufacturer {
                        id: ManufacturerId(self.ds.manufacturers.len() as i64 + 1),
                        name: (*mfr).into(),
                        version: 1,
                    });
                    self.ds.manufacturers.len() - 1
                }
            };
            let model_id = match self
                .ds
                .models
                .iter()
                .find(|m| m.manufacturer_id == ManufacturerId(mi as i64 + 1) && m.model_number == *number)
            {
                Some(m) => m.id,
                None => {
                    let id = ModelId(self.ds.models.len() as i64 + 1);
                    self.ds.models.push(DeviceModel {
                        id,
                        manufacturer_id: ManufacturerId(mi as i64 + 1),
                        manufacturer: (*mfr).into(),
                        model_number: (*number).into(),
                        name: (*name).into(),
                        category: (*category).into(),
                        nomenclature_system: None,
                        nomenclature_code: None,
                        fda_product_code: None,
                        fda_class: None,
                        expected_life_years: Some(10),
                        high_risk: false,
                        life_support: false,
                        fda_510k: None,
                        version: 1,
                    });
                    id
                }
            };
            // Bought 4–7 years ago, before the three years of history.
            let acq_day = self.window_start - 400 - (k as i64 * 97) % 1100;
            let due = date_of(self.today + due_in);
            let calibrated_on = due.checked_sub(1.year()).unwrap_or(today);
            let lab = match *mfr {
                "Rigel Medical" => "RGL",
                "RaySafe" => "RS",
                _ => "FBC",
            };
            let certificate = format!("{lab}-{}-{:05}", calibrated_on.year(), (hash_str(serial) % 90_000) + 10_000);
            let index = self.ds.assets.len();
            let id = AssetId(index as i64 + 1);
            self.ds.assets.push(SeedAsset {
                id,
                fields: AssetFields {
                    asset_tag: asset_tag(index),
                    serial_number: Some((*serial).into()),
                    model_id,
                    department_id: dept_id,
                    location_id: shop,
                    status: AssetStatus::InService,
                    acquisition_date: Some(date_of(acq_day)),
                    acquisition_cost_minor: Some(*price),
                    currency: "USD".into(),
                    vendor_id: None,
                    purchase_order: Some(format!("PO-TE-{}", 4100 + k)),
                    in_service_date: Some(date_of(acq_day + 7)),
                    warranty_end: Some(date_of(acq_day + 7 + 365)),
                    udi: Udi::default(),
                    high_risk_override: None,
                    life_support_override: None,
                    notes: Some(
                        "Biomed test equipment. Calibrated yearly by the manufacturer's accredited (ISO/IEC 17025) service lab; certificate on file."
                            .into(),
                    ),
                },
                created_at: ts(acq_day * DAY + 10 * HOUR),
                pm: AssetPmFields {
                    pm_procedure_code: None,
                    protection_class: None,
                    applied_part: None,
                    calibration_due: Some(due),
                    calibrated_on: Some(calibrated_on),
                    calibration_certificate: Some(certificate),
                },
            });
            out.push(Instrument { asset: id, kind: *kind, due });
        }
        out
    }

    /// Recorded results for every completed PM (outcome done) whose asset has a procedure:
    /// checks, measurements near nominal, electrical safety readings judged against the shipped
    /// limit rows, the instruments used (in calibration on the day, with that due date), and for
    /// a failed PM the finding's failing step and the link to the repair it opened.
    pub(super) fn pm_results(&mut self, instruments: &[Instrument], facts: &[PmFacts]) {
        let limits = limit_rows();
        let by_local: HashMap<i64, &EsaLimitKey> = limits.iter().map(|(l, k)| (l.id, k)).collect();
        let procedures: HashMap<&str, &Procedure> = self.ds.procedures.iter().map(|p| (p.code.as_str(), p)).collect();
        let model_code: HashMap<ModelId, &str> =
            self.ds.model_procedures.iter().map(|(m, c)| (*m, c.as_str())).collect();
        let repairs: HashMap<(AssetId, jiff::Timestamp), WorkOrderId> = self
            .ds
            .work_orders
            .iter()
            .filter(|w| w.wo_type == WorkOrderType::Repair)
            .filter_map(|w| Some(((w.asset_id?, w.opened_at), w.id)))
            .collect();
        let mut results = Vec::new();
        for (w, (est, failure)) in self.ds.work_orders.iter().zip(facts) {
            if w.wo_type != WorkOrderType::Pm
                || w.pm_outcome != Some(PmOutcome::Done)
                || !matches!(w.status, WorkOrderStatus::Completed | WorkOrderStatus::Closed)
            {
                continue;
            }
            let (Some(asset_id), Some(completed)) = (w.asset_id, w.completed_at) else { continue };
            let Some(asset) = self.ds.assets.get(asset_id.0 as usize - 1) else { continue };
            let Some(procedure) = model_code.get(&asset.fields.model_id).and_then(|c| procedures.get(c)) else {
                continue;
            };
            let day = completed.to_zoned(jiff::tz::TimeZone::UTC).date();
            let mut rng = Rng::derive(SEED ^ 0x7E57_EC01, w.id.0 as u64);
            let finding = failure.map(|f| f.0);
            let note = finding.and_then(|f| texts::PM_FINDINGS.get(f)).map(|f| f.1.to_string());
            // Which check fails: the first (housing, fan) or the second (self test, alarms, battery).
            let failing_check = match finding {
                Some(5) => Some(1),
                Some(2 | 4 | 6) => Some(2),
                _ => None,
            };
            let mut inputs = Vec::new();
            for s in &procedure.steps {
                match s.kind {
                    StepKind::Check => {
                        let fails = failing_check == Some(s.position);
                        inputs.push(StepInput {
                            step_id: s.id,
                            passed: Some(!fails),
                            value: None,
                            note: if fails { note.clone() } else { None },
                        });
                    }
                    StepKind::Measurement => {
                        let Some((lo, hi, nominal)) = band(&s.limits) else { continue };
                        let value = if finding == Some(3) {
                            // Out of tolerance by 2–6 % of nominal, either side.
                            let off = nominal * (0.02 + rng.f64() * 0.04);
                            let v = if rng.chance(0.5) { lo - off } else { hi + off };
                            (v * 10.0).round() / 10.0
                        } else {
                            near(&mut rng, lo, hi, nominal)
                        };
                        inputs.push(StepInput {
                            step_id: s.id,
                            passed: None,
                            value: Some(value),
                            note: if finding == Some(3) { note.clone() } else { None },
                        });
                    }
                    StepKind::ElectricalSafety => {}
                }
            }
            let has_esa = procedure.steps.iter().any(|s| s.kind == StepKind::ElectricalSafety);
            let mut readings: Vec<(EsaReadingInput, EsaLimit)> = Vec::new();
            if has_esa && let Some(class) = asset.pm.protection_class {
                let ap = asset.pm.applied_part.unwrap_or(AppliedPartType::None);
                for (l, _) in &limits {
                    if l.standard != EsaStandard::Iec62353 || !l.applies_to(class, ap) {
                        continue;
                    }
                    let value = match l.test {
                        EsaTest::ProtectiveEarthResistance
                            if l.configuration.starts_with("detachable power cord and equipment") =>
                        {
                            if finding == Some(1) {
                                900.0
                            } else {
                                est.and_then(|e| e.0).unwrap_or_else(|| rng.range(40, 180) as f64)
                            }
                        }
                        EsaTest::EquipmentLeakage if l.method == "direct or differential" => {
                            if finding == Some(0) {
                                620.0
                            } else {
                                est.map(|e| e.1).unwrap_or_else(|| rng.range(5, 90) as f64)
                            }
                        }
                        EsaTest::AppliedPartLeakage if ap == AppliedPartType::Cf => rng.range(10, 200) as f64 / 10.0,
                        EsaTest::AppliedPartLeakage => rng.range(10, 420) as f64,
                        _ => continue,
                    };
                    readings.push((EsaReadingInput { limit_id: l.id, value }, l.clone()));
                }
            }
            let Ok(judged) = judge(procedure, &inputs, &readings) else { continue };
            let mut steps = Vec::with_capacity(judged.len());
            let mut esa_readings = Vec::new();
            for r in judged {
                for x in &r.readings {
                    if let Some(key) = by_local.get(&x.limit_id) {
                        esa_readings.push(SeedEsaReading {
                            step_id: r.step_id,
                            limit: (*key).clone(),
                            value: x.value,
                            passed: x.passed,
                        });
                    }
                }
                steps.push(SeedStepResult {
                    step_id: r.step_id,
                    kind: r.kind,
                    passed: r.passed,
                    value: r.value,
                    limit_text: r.limit_text,
                    note: r.note,
                });
            }
            // In-house work uses the shop's instruments; a vendor's engineer brings their own.
            let vendor_tech =
                w.assigned_to.and_then(|u| PEOPLE.get((u.0 - 2).max(0) as usize)).is_some_and(|p| p.vendor.is_some());
            let mut equipment = Vec::new();
            if !vendor_tech {
                let tech = w.assigned_to.map_or(0, |u| u.0 as usize);
                let mut kinds: Vec<&[Kind]> = Vec::new();
                if !esa_readings.is_empty() {
                    kinds.push(&[Kind::Esa]);
                }
                let category = &self.ds.models[asset.fields.model_id.0 as usize - 1].category;
                let extra = analyzer_kinds(category);
                if !extra.is_empty() {
                    kinds.push(extra);
                }
                for ks in kinds {
                    let pool: Vec<&Instrument> = instruments.iter().filter(|i| ks.contains(&i.kind)).collect();
                    // The technician's usual unit, else the next one in calibration that day.
                    let chosen = (0..pool.len())
                        .map(|k| pool[(tech + k) % pool.len()])
                        .find_map(|i| i.due_on(day).map(|due| (i.asset, due)));
                    if let Some(c) = chosen {
                        equipment.push(c);
                    }
                }
            }
            results.push(SeedPmResult {
                work_order_id: w.id,
                procedure_id: procedure.id,
                linked_work_order_id: failure.and_then(|(_, at)| repairs.get(&(asset_id, ts(at))).copied()),
                steps,
                esa_readings,
                test_equipment: equipment,
            });
        }
        self.ds.pm_results = results;
    }
}
