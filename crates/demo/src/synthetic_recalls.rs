//! Deterministic synthetic recalls for the recall-matching benchmark (`htm gen-recalls`,
//! BENCHMARKS.md). Pure: the same count, seed and models give the same records.
//!
//! The records have the shape of openFDA device recall + enforcement records joined on the
//! recall number (REFERENCE §6.2, §6.3): `Z-8NNNN-YYYY` numbers (five digits starting with 8,
//! so they never collide with a real, four-digit recall number; up to 140,000 records), an event number shared by 1–4 products,
//! recall class (≈ 5 % I, 87 % II, 8 % III), FDA status, recalling firm, product code, 510(k)
//! numbers, device name, product description, `code_info` with models, catalogue numbers, lot or
//! serial lists and ranges, UDI-DIs, reason, root cause, action and dates. The texts are
//! synthetic; no record is a real recall.
//!
//! **Distribution** (per record, drawn independently from the seed), as in reality most recalls
//! name products and firms a given hospital does not own:
//! * 95.0 % *foreign*: a firm name that resolves to no company of the inventory (invented names
//!   built from syllables and a legal form). Of these, 30 % carry a product code that the
//!   inventory's models do use — near-misses (same product code, other firm) that must not
//!   become candidates — and 70 % one of other (implant, disposable) product codes;
//! * 2.5 % the firm (written as recall records write it: upper case, legal form added) and the
//!   product code of one inventory model, limited to a serial range (80 %) or a list of serials
//!   (20 %) in the synthetic serial format (two letters and eight digits): a few units each;
//! * 1.0 % the firm and the model number in the product description (no product code the model
//!   has), limited to a serial range;
//! * 0.5 % UDI-DIs listed in `code_info` (GS1 restricted-circulation GTIN-14s, prefix `02`),
//!   with the firm of an inventory model and its product code, limited to a serial range;
//! * 0.5 % the firm, the product code and a lot range (assets without a recorded lot stay
//!   candidates, assets with another lot do not), plus a serial range;
//! * 0.5 % the firm, the product code, the model number and no unit limit: every unit of
//!   the model is a candidate.

use crate::rng::Rng;
use htm_domain::recall::{ModelFacts, RecallClass, RecallRecord};
use jiff::civil::Date;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecallSpec {
    pub count: u32,
    pub seed: u64,
}

/// The kind of a synthetic record (see the module docs for the shares).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecallKind {
    Foreign,
    NearMiss,
    CodeAndFirmSerials,
    ModelNumberSerials,
    UdiDi,
    LotRange,
    WholeModel,
}

impl RecallKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecallKind::Foreign => "foreign",
            RecallKind::NearMiss => "near_miss",
            RecallKind::CodeAndFirmSerials => "code_and_firm_serials",
            RecallKind::ModelNumberSerials => "model_number_serials",
            RecallKind::UdiDi => "udi_di",
            RecallKind::LotRange => "lot_range",
            RecallKind::WholeModel => "whole_model",
        }
    }
}

const SYLLABLES: &[&str] = &[
    "Ar", "Bel", "Cor", "Dyn", "Ev", "Fal", "Gen", "Hel", "Is", "Jor", "Kel", "Lum", "Mer", "Nov", "Or", "Pax", "Qua",
    "Ros", "Sol", "Tal", "Ul", "Ven", "Wex", "Xan", "Yor", "Zen",
];
const SUFFIXES: &[&str] = &["medica", "tech", "ortho", "vasc", "spine", "surgical", "dent", "labs", "care", "bio"];
const LEGAL: &[&str] = &["Inc.", "Inc", "Corp.", "Corporation", "LLC", "Ltd.", "GmbH", "S.A.", "Co., Ltd.", "LP"];
/// Product codes of implants and disposables (the inventory holds none of them).
const OTHER_CODES: &[&str] = &[
    "NKB", "HRS", "HWC", "KWP", "JWH", "LPH", "MAX", "FMF", "FPA", "GEI", "DSQ", "NIQ", "DQY", "LWS", "KNW", "OVE",
    "MNI", "LZO", "GAG", "HTN", "FRO", "MQV", "NFT", "KGN", "GZB", "QFG", "OWD", "DRF", "KRD", "JJX",
];
const DEVICES: &[&str] = &[
    "Spinal fixation system",
    "Bone screw",
    "Knee prosthesis",
    "Hip stem",
    "Syringe",
    "IV administration set",
    "Surgical stapler",
    "Coronary stent",
    "Catheter introducer",
    "Wound dressing",
    "Glucose test strip",
    "Orthodontic bracket",
];
const REASONS: &[(&str, &str)] = &[
    ("Software anomaly may cause the device to stop delivering therapy without an alarm.", "Software design"),
    ("Labeling error: the package label states the wrong size.", "Labeling Change Control"),
    ("Component failure may lead to loss of power during use.", "Component change control"),
    ("Sterility of the product cannot be assured due to a packaging seal defect.", "Process control"),
    ("Display may freeze, delaying recognition of patient condition changes.", "Device Design"),
    ("Battery may not hold charge as specified.", "Vendor change control"),
];
const ACTIONS: &[&str] = &[
    "The firm sent an Urgent Medical Device Correction letter asking customers to install the software update.",
    "The firm sent an Urgent Medical Device Recall letter asking customers to quarantine and return affected units.",
    "Customers were asked to inspect affected units and contact field service for a replacement part.",
];

fn firm_name(r: &mut Rng) -> String {
    let a = r.pick(SYLLABLES).copied().unwrap_or("Ar");
    let b = r.pick(SUFFIXES).copied().unwrap_or("med");
    let c = r.pick(LEGAL).copied().unwrap_or("Inc.");
    // A made-up two-syllable stem, e.g. "Solortho Medical Inc." — resolves to no real company.
    let second = r.pick(SYLLABLES).copied().unwrap_or("Or").to_lowercase();
    format!("{a}{second}{b} Medical {c}")
}

/// The firm as a recall record writes a known manufacturer: upper case and a legal form.
fn recorded_firm(r: &mut Rng, manufacturer: &str) -> String {
    match r.below(3) {
        0 => format!("{}, Inc.", manufacturer.to_uppercase()),
        1 => format!("{} Corp", manufacturer),
        _ => format!("{} LLC", manufacturer.to_uppercase()),
    }
}

fn digits(r: &mut Rng, n: usize) -> String {
    (0..n).map(|_| r.digit()).collect()
}

/// A range of synthetic serials (two letters, eight digits) spanning ≈ 2–20 % of one prefix.
fn serial_range(r: &mut Rng) -> String {
    let p: String = [r.letter(), r.letter()].iter().collect();
    let start = r.below(80_000_000);
    let span = 2_000_000 + r.below(18_000_000);
    format!("Serial Numbers: {p}{start:08} - {p}{:08}", (start + span).min(99_999_999))
}

fn serial_list(r: &mut Rng) -> String {
    let n = 2 + r.below(6);
    let list: Vec<String> =
        (0..n).map(|_| format!("{}{}{:08}", r.letter(), r.letter(), r.below(100_000_000))).collect();
    format!("Serial Numbers: {}", list.join(", "))
}

fn gtin_restricted(r: &mut Rng) -> String {
    // GS1 restricted-circulation prefix 02 (never a real product's DI), with its check digit.
    let body = format!("02{}", digits(r, 11));
    let sum: u32 =
        body.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn date_of(r: &mut Rng) -> Option<Date> {
    let year = 2012 + r.below(14) as i16;
    Date::new(year, 1 + r.below(12) as i8, 1 + r.below(28) as i8).ok()
}

/// Generates `spec.count` records against these inventory models (see the module docs); each
/// record with its kind. Without models every record is foreign.
pub fn synthetic_recalls(spec: RecallSpec, models: &[ModelFacts]) -> Vec<(RecallKind, RecallRecord)> {
    let with_code: Vec<&ModelFacts> = models.iter().filter(|m| m.product_code.is_some()).collect();
    let mut inventory_codes: Vec<&str> = with_code.iter().filter_map(|m| m.product_code.as_deref()).collect();
    inventory_codes.sort_unstable();
    inventory_codes.dedup();
    let mut out = Vec::with_capacity(spec.count as usize);
    let mut event = 90_000_u64;
    for i in 0..u64::from(spec.count) {
        let mut r = Rng::derive(spec.seed, i);
        if i == 0 || r.below(3) == 0 {
            event += 1;
        }
        let roll = r.f64();
        let kind = if with_code.is_empty() || roll < 0.95 {
            if !inventory_codes.is_empty() && r.chance(0.30) { RecallKind::NearMiss } else { RecallKind::Foreign }
        } else if roll < 0.975 {
            RecallKind::CodeAndFirmSerials
        } else if roll < 0.985 {
            RecallKind::ModelNumberSerials
        } else if roll < 0.990 {
            RecallKind::UdiDi
        } else if roll < 0.995 {
            RecallKind::LotRange
        } else {
            RecallKind::WholeModel
        };
        let model = r.pick(&with_code).copied();
        // Five-digit sequence starting with 8 (real numbers have four): `Z-80123-2019`.
        let number = format!("Z-8{:04}-{}", (i / 14) % 10_000, 2012 + i % 14);
        let initiated = date_of(&mut r);
        let (reason, root) = r.pick(REASONS).copied().unwrap_or(REASONS[0]);
        let class = match r.weighted(&[0.05, 0.87, 0.08]) {
            0 => RecallClass::I,
            1 => RecallClass::II,
            _ => RecallClass::III,
        };
        let mut rec = RecallRecord {
            number,
            event_number: Some(event.to_string()),
            recall_class: Some(class),
            device_class: Some(["1", "2", "2", "3"][r.below(4) as usize].into()),
            fda_status: Some(["Open, Classified", "Completed", "Terminated"][r.below(3) as usize].into()),
            reason: Some(reason.into()),
            root_cause: Some(root.into()),
            action: r.pick(ACTIONS).map(|a| (*a).to_string()),
            initiated_on: initiated,
            posted_on: initiated,
            k_numbers: vec![format!("K{}", digits(&mut r, 6))],
            ..RecallRecord::default()
        };
        match (kind, model) {
            (RecallKind::Foreign | RecallKind::NearMiss, _) | (_, None) => {
                let code = if kind == RecallKind::NearMiss {
                    r.pick(&inventory_codes).copied().unwrap_or("FRN")
                } else {
                    r.pick(OTHER_CODES).copied().unwrap_or("NKB")
                };
                let device = r.pick(DEVICES).copied().unwrap_or("Device");
                let model_no = format!("{}{}-{}", r.letter(), r.letter(), digits(&mut r, 4));
                rec.recalling_firm = Some(firm_name(&mut r));
                rec.product_codes = vec![code.into()];
                rec.device_name = Some(device.into());
                rec.product_description = Some(format!("{device}, Model {model_no}, REF {}", digits(&mut r, 6)));
                rec.code_info = Some(if r.chance(0.5) {
                    format!(
                        "Lot Numbers: {}A{}, {}A{}",
                        digits(&mut r, 2),
                        digits(&mut r, 4),
                        digits(&mut r, 2),
                        digits(&mut r, 4)
                    )
                } else {
                    serial_range(&mut r)
                });
            }
            (_, Some(m)) => {
                let code = m.product_code.clone().unwrap_or_default();
                rec.recalling_firm = Some(recorded_firm(&mut r, &m.manufacturer));
                rec.device_name = Some(format!("Device, product code {code}"));
                let units = match kind {
                    RecallKind::CodeAndFirmSerials if r.chance(0.2) => serial_list(&mut r),
                    RecallKind::WholeModel => "All serial numbers.".into(),
                    RecallKind::LotRange => {
                        let l = digits(&mut r, 2);
                        format!("Lot Numbers: {l}A1000 - {l}A1999; {}", serial_range(&mut r))
                    }
                    RecallKind::UdiDi => format!("UDI-DI {}; {}", gtin_restricted(&mut r), serial_range(&mut r)),
                    _ => serial_range(&mut r),
                };
                match kind {
                    RecallKind::ModelNumberSerials => {
                        rec.product_codes = vec![r.pick(OTHER_CODES).copied().unwrap_or("NKB").into()];
                        rec.product_description = Some(format!("Model {} system, with accessories", m.model_number));
                    }
                    RecallKind::WholeModel => {
                        rec.product_codes = vec![code];
                        rec.product_description = Some(format!("Model {}", m.model_number));
                    }
                    _ => {
                        rec.product_codes = vec![code];
                        rec.product_description = Some(format!("Product family REF {}", digits(&mut r, 6)));
                    }
                }
                rec.code_info = Some(units);
            }
        }
        out.push((kind, rec));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn models() -> Vec<ModelFacts> {
        (1..=50)
            .map(|i| ModelFacts {
                model_id: i,
                manufacturer: ["Baxter", "Philips", "GE HealthCare", "Medtronic", "Stryker"][(i % 5) as usize].into(),
                model_number: format!("M{i}00"),
                product_code: Some(["FRN", "MHX", "CBK", "MKJ", "FNL"][(i % 5) as usize].into()),
                k_number: None,
                assets: 0,
            })
            .collect()
    }

    #[test]
    fn deterministic_unique_numbers_and_the_documented_shares() {
        let spec = RecallSpec { count: 20_000, seed: 7 };
        let a = synthetic_recalls(spec, &models());
        let b = synthetic_recalls(spec, &models());
        assert_eq!(a, b);
        let numbers: HashSet<&str> = a.iter().map(|(_, r)| r.number.as_str()).collect();
        assert_eq!(numbers.len(), 20_000);
        assert!(a.iter().all(|(_, r)| htm_domain::recall::is_recall_number(&r.number)), "{}", a[0].1.number);
        let mut by_kind: HashMap<RecallKind, usize> = HashMap::new();
        for (k, _) in &a {
            *by_kind.entry(*k).or_default() += 1;
        }
        let share = |k| by_kind.get(&k).copied().unwrap_or(0) as f64 / 20_000.0;
        assert!((share(RecallKind::Foreign) + share(RecallKind::NearMiss) - 0.95).abs() < 0.01);
        assert!((share(RecallKind::CodeAndFirmSerials) - 0.025).abs() < 0.005);
        assert!((share(RecallKind::WholeModel) - 0.005).abs() < 0.002);
    }
}

#[cfg(test)]
mod catalog_510k_tests {
    #[test]
    fn the_catalogue_gives_a_510k_only_where_its_notes_name_the_model() {
        let cat = crate::catalog().unwrap();
        let mut given = Vec::new();
        for e in &cat {
            for m in &e.typical_manufacturers_models {
                if let Some(k) = e.k_number_for(&m.model_number) {
                    given.push((m.model_number.clone(), k));
                }
            }
        }
        // Notes: "510(k) K091308 (Alaris PC unit 8000/8015)".
        assert!(given.iter().any(|(m, k)| m == "8015" && k == "K091308"), "{given:?}");
        assert!(given.len() < 30, "{given:?}");
    }
}
