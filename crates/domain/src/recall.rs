//! Recalls and hazard alerts, and matching them to the inventory (REFERENCE §6).
//!
//! **Records.** A recall is keyed by its FDA recall number (`Z-0359-2013`): the device recall
//! endpoint calls it `product_res_number`, the device enforcement endpoint `recall_number`; both
//! name the same recalled product, so records from the two endpoints are joined on it
//! ([`RecallRecord::overlay`]). The recall *class* (21 CFR 7.3(m), I/II/III) comes only from the
//! enforcement endpoint's `classification`; the recall endpoint's `openfda.device_class` is the
//! *device* class (1/2/3) and is kept separately. Hand-entered alerts (manufacturer letters,
//! safety notices) carry the same fields and their own number `ALERT-YYYY-NNNN`.
//!
//! **Parsing** ([`parse_openfda`]) takes the JSON exactly as openFDA publishes it (the top-level
//! `results` array, either endpoint's field names, unknown fields ignored) and reports every bad
//! record as `results[i].field: why`; one bad record rejects the whole file. An enforcement record
//! published without `recall_number` (FDA's documentation example) is keyed by [`event_key`].
//!
//! **Manufacturer names** ([`normalize_firm`]): case-folded, diacritics folded (ä → a),
//! punctuation and repeated spaces collapsed, trailing legal-form words dropped (Inc., Corp.,
//! LLC, Ltd., plc, GmbH, AG, B.V., N.V., …); then resolved through the shipped alias table
//! (`docs/reference/manufacturer_aliases.csv`) to the current owner.
//!
//! **Lot and serial lists in `code_info`** ([`parse_code_info`]), conservative: after a label
//! `Lot`, `Lots`, `Lot No.`, `Lot Number(s)`, `Lot #`, `Serial`, `Serial No.`, `Serial Number(s)`,
//! `SN`, `S/N` (optionally followed by `:`), a list of identifiers separated by `,`, `;` or `and`,
//! where an identifier holds at least one digit. A range is `A - B`, `A to B`, `A through B`,
//! `A thru B`, or one token `A-B` whose two halves have equal length and end in digits with A < B; both
//! ends must share the same non-numeric prefix (`SN1000 - SN1500`). The list ends at the first
//! word that is neither (e.g. `Ref`). Anything else stays text for a person to read.
//!
//! **Matching** ([`match_asset`]), per asset, points capped at 100:
//! * UDI device identifier of the asset listed in the description or code info: 60;
//! * manufacturer resolves to the same company as the recalling firm: 30;
//! * 510(k) number of the asset's model among the recall's `k_numbers`: 30;
//! * FDA product code equal: 30;
//! * model number found as a whole word (or word sequence) in the description or code info: 30;
//! * serial or lot within a parsed list or range: 20.
//!
//! A candidate needs identity evidence — the same manufacturer, the UDI-DI or the 510(k) — and
//! product evidence — the product code, the model number, the UDI-DI or the 510(k) — and at least
//! [`CANDIDATE_THRESHOLD`] points. So a near-miss with the same product code but another
//! manufacturer scores 30 and is not a candidate; nor is a model number alone (numbers collide
//! across manufacturers), nor the manufacturer with a serial in range but no product evidence
//! (serial numbers repeat across a maker's product lines). When the record lists serials (or
//! lots) and the asset's serial (lot) is known and outside every listed item, the asset is not a
//! candidate.

use crate::error::FieldError;
use crate::text_enum;
use crate::{DomainError, asset::AssetStatus};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Points a match needs to be a candidate.
pub const CANDIDATE_THRESHOLD: u8 = 50;

/// The longest free text kept in one field.
pub const MAX_TEXT: usize = 20_000;

/// A recall's (or alert's) id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct RecallId(pub i64);

/// A recall match's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct RecallMatchId(pub i64);

impl std::fmt::Display for RecallId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::fmt::Display for RecallMatchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

text_enum!(
    /// Where a recall record came from.
    RecallSource, "source" {
        Openfda => "openfda": "openFDA",
        Manual => "manual": "Entered by hand",
    }
);

text_enum!(
    /// FDA recall class, 21 CFR 7.3(m): I most serious.
    RecallClass, "recall_class" {
        I => "I": "Class I",
        II => "II": "Class II",
        III => "III": "Class III",
    }
);

text_enum!(
    /// An engineer's decision on a candidate match.
    MatchStatus, "status" {
        Candidate => "candidate": "Candidate",
        Confirmed => "confirmed": "Confirmed (affected)",
        Rejected => "rejected": "Rejected (not this device)",
        NotAffected => "not_affected": "Not affected (documented)",
    }
);

/// The fields of a recall or alert, as imported or entered (REFERENCE §6.2, §6.3).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecallRecord {
    /// FDA recall number (`product_res_number` / `recall_number`) or the alert's own number.
    pub number: String,
    /// Recall event (`res_event_number` / `event_id`): one event, many products.
    pub event_number: Option<String>,
    /// 21 CFR 7.3(m) class, from the enforcement record's `classification` (or entered).
    pub recall_class: Option<RecallClass>,
    /// Device class 1/2/3 from the recall record's `openfda.device_class` (not the recall class).
    pub device_class: Option<String>,
    /// The FDA's status text (`recall_status` / `status`): Open, Classified; On-Going; Completed; Terminated; …
    pub fda_status: Option<String>,
    pub recalling_firm: Option<String>,
    /// FDA product codes (three letters).
    pub product_codes: Vec<String>,
    /// 510(k) numbers.
    pub k_numbers: Vec<String>,
    pub device_name: Option<String>,
    pub product_description: Option<String>,
    /// Models, catalogue numbers, lot/serial ranges, UDI-DIs as free text.
    pub code_info: Option<String>,
    pub reason: Option<String>,
    pub root_cause: Option<String>,
    /// What the firm asks users to do.
    pub action: Option<String>,
    pub initiated_on: Option<Date>,
    /// Posted (recall endpoint) or report date (enforcement endpoint).
    pub posted_on: Option<Date>,
    pub terminated_on: Option<Date>,
}

impl RecallRecord {
    /// This record with every field `newer` has overwritten by `newer` (the join of the two
    /// endpoints' records, and a re-import over a stored record). Absent fields keep their value.
    pub fn overlay(&self, newer: &RecallRecord) -> RecallRecord {
        fn pick<T: Clone>(old: &Option<T>, new: &Option<T>) -> Option<T> {
            new.clone().or_else(|| old.clone())
        }
        fn pick_list(old: &[String], new: &[String]) -> Vec<String> {
            if new.is_empty() { old.to_vec() } else { new.to_vec() }
        }
        RecallRecord {
            number: self.number.clone(),
            event_number: pick(&self.event_number, &newer.event_number),
            recall_class: pick(&self.recall_class, &newer.recall_class),
            device_class: pick(&self.device_class, &newer.device_class),
            fda_status: pick(&self.fda_status, &newer.fda_status),
            recalling_firm: pick(&self.recalling_firm, &newer.recalling_firm),
            product_codes: pick_list(&self.product_codes, &newer.product_codes),
            k_numbers: pick_list(&self.k_numbers, &newer.k_numbers),
            device_name: pick(&self.device_name, &newer.device_name),
            product_description: pick(&self.product_description, &newer.product_description),
            code_info: pick(&self.code_info, &newer.code_info),
            reason: pick(&self.reason, &newer.reason),
            root_cause: pick(&self.root_cause, &newer.root_cause),
            action: pick(&self.action, &newer.action),
            initiated_on: pick(&self.initiated_on, &newer.initiated_on),
            posted_on: pick(&self.posted_on, &newer.posted_on),
            terminated_on: pick(&self.terminated_on, &newer.terminated_on),
        }
    }
}

/// A stored recall or alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recall {
    pub id: RecallId,
    pub source: RecallSource,
    #[serde(flatten)]
    pub record: RecallRecord,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// A hand-entered alert (manufacturer letter, safety notice); numbered `ALERT-YYYY-NNNN`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAlert {
    pub recalling_firm: String,
    pub product_description: String,
    pub reason: String,
    #[serde(default)]
    pub recall_class: Option<RecallClass>,
    #[serde(default)]
    pub product_codes: Vec<String>,
    #[serde(default)]
    pub k_numbers: Vec<String>,
    #[serde(default)]
    pub code_info: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub initiated_on: Option<Date>,
}

impl NewAlert {
    /// Checks and trims; the record to store (its number is assigned by the store).
    pub fn into_record(self) -> Result<RecallRecord, DomainError> {
        let mut e = Vec::new();
        let req = |f: &str, v: &str, e: &mut Vec<FieldError>| {
            let t = v.trim();
            if t.is_empty() {
                e.push(FieldError::new(f, "is required"));
            } else if t.len() > MAX_TEXT {
                e.push(FieldError::new(f, format!("is longer than {MAX_TEXT} characters")));
            }
            t.to_string()
        };
        let firm = req("recalling_firm", &self.recalling_firm, &mut e);
        let desc = req("product_description", &self.product_description, &mut e);
        let reason = req("reason", &self.reason, &mut e);
        let mut codes = Vec::new();
        for c in &self.product_codes {
            match crate::catalog::parse_product_code(c) {
                Ok(c) => codes.push(c),
                Err(_) => {
                    e.push(FieldError::new("product_codes", format!("'{c}' is not a three-letter FDA product code")))
                }
            }
        }
        let ks = self.k_numbers.iter().map(|k| k.trim().to_uppercase()).filter(|k| !k.is_empty()).collect();
        let opt = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if !e.is_empty() {
            return Err(DomainError::Invalid(e));
        }
        Ok(RecallRecord {
            recall_class: self.recall_class,
            recalling_firm: Some(firm),
            product_codes: codes,
            k_numbers: ks,
            product_description: Some(desc),
            code_info: opt(self.code_info),
            reason: Some(reason),
            action: opt(self.action),
            initiated_on: self.initiated_on,
            ..RecallRecord::default()
        })
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSummary {
    pub inserted: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// The number of a hand-entered alert: `ALERT-2026-0001`.
pub fn format_alert_number(year: i16, seq: i64) -> String {
    format!("ALERT-{year}-{seq:04}")
}

// ---------------------------------------------------------------------------------------------
// openFDA JSON

fn bad(i: usize, field: &str, msg: impl Into<String>) -> FieldError {
    FieldError::new(format!("results[{i}].{field}"), msg)
}

/// The key of `field` in its object: `openfda.device_class` → `device_class` (errors name the path).
fn key(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

fn text(obj: &serde_json::Map<String, Value>, i: usize, field: &str, e: &mut Vec<FieldError>) -> Option<String> {
    match obj.get(key(field)) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.len() > MAX_TEXT {
                e.push(bad(i, field, format!("is longer than {MAX_TEXT} characters")));
                None
            } else {
                Some(t.to_string()).filter(|s| !s.is_empty())
            }
        }
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            e.push(bad(i, field, "must be a string"));
            None
        }
    }
}

fn list(obj: &serde_json::Map<String, Value>, i: usize, field: &str, e: &mut Vec<FieldError>) -> Vec<String> {
    match obj.get(key(field)) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.trim().to_string()].into_iter().filter(|s| !s.is_empty()).collect(),
        Some(Value::Array(a)) => {
            let mut out = Vec::new();
            for (j, v) in a.iter().enumerate() {
                match v {
                    Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                    Value::String(_) => {}
                    _ => e.push(bad(i, &format!("{field}[{j}]"), "must be a string")),
                }
            }
            out
        }
        Some(_) => {
            e.push(bad(i, field, "must be a list of strings"));
            Vec::new()
        }
    }
}

/// A date as either endpoint writes it: `YYYY-MM-DD` (recall) or `YYYYMMDD` (enforcement).
fn date(obj: &serde_json::Map<String, Value>, i: usize, field: &str, e: &mut Vec<FieldError>) -> Option<Date> {
    let s = text(obj, i, field, e)?;
    let iso = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &s[0..4], &s[4..6], &s[6..8])
    } else {
        s.clone()
    };
    match iso.parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            e.push(bad(i, field, format!("'{s}' is not a date (YYYY-MM-DD or YYYYMMDD)")));
            None
        }
    }
}

/// Whether `s` looks like an FDA device recall number: `Z-0359-2013`, `Z-0001-04`.
pub fn is_recall_number(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[0] == "Z"
        && (1..=5).contains(&parts[1].len())
        && (2..=4).contains(&parts[2].len())
        && parts[1].bytes().chain(parts[2].bytes()).all(|b| b.is_ascii_digit())
}

/// The key of an enforcement record without a recall number: `EV-<event_id>-<first 8 hex digits
/// of the SHA-256 of its product description>`.
pub fn event_key(event_id: &str, product_description: &str) -> String {
    use sha2::Digest;
    let h = hex::encode(sha2::Sha256::digest(product_description.as_bytes()));
    format!("EV-{}-{}", event_id.trim(), &h[..8])
}

/// Parses one openFDA device recall or device enforcement response (`{"meta":…, "results":[…]}`)
/// into records, joining records with the same recall number. Every problem is reported as
/// `results[i].field: why`; any problem rejects the whole file.
pub fn parse_openfda(bytes: &[u8]) -> Result<Vec<RecallRecord>, Vec<FieldError>> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|err| vec![FieldError::new("file", format!("is not JSON: {err}"))])?;
    let Some(results) = doc.get("results").and_then(Value::as_array) else {
        return Err(vec![FieldError::new("results", "the file has no top-level \"results\" array (openFDA response)")]);
    };
    let mut e = Vec::new();
    let mut out: Vec<RecallRecord> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, v) in results.iter().enumerate() {
        let Some(obj) = v.as_object() else {
            e.push(FieldError::new(format!("results[{i}]"), "must be an object"));
            continue;
        };
        if let Some(r) = parse_one(obj, i, &mut e) {
            match index.get(&r.number) {
                Some(&k) => out[k] = out[k].overlay(&r),
                None => {
                    index.insert(r.number.clone(), out.len());
                    out.push(r);
                }
            }
        }
    }
    if e.is_empty() { Ok(out) } else { Err(e) }
}

fn parse_one(obj: &serde_json::Map<String, Value>, i: usize, e: &mut Vec<FieldError>) -> Option<RecallRecord> {
    let before = e.len();
    // Recall endpoint: product_res_number; enforcement endpoint: recall_number.
    let enforcement = !obj.contains_key("product_res_number")
        && ["recall_number", "event_id", "classification", "report_date", "product_type"]
            .iter()
            .any(|k| obj.contains_key(*k));
    let key = if enforcement { "recall_number" } else { "product_res_number" };
    let mut number = text(obj, i, key, e);
    match &number {
        // An enforcement record published without its recall number (FDA's own documentation
        // example): keyed by its event and a digest of its product description, so a re-import
        // finds it again.
        None if enforcement && obj.contains_key("event_id") => {
            let event = text(obj, i, "event_id", e).unwrap_or_default();
            let desc = text(obj, i, "product_description", e).unwrap_or_default();
            number = Some(event_key(&event, &desc));
        }
        None => e.push(bad(i, key, "is required (product_res_number or recall_number)")),
        Some(n) if !is_recall_number(n) => {
            e.push(bad(i, key, format!("'{n}' is not a recall number like Z-0359-2013")))
        }
        _ => {}
    }
    let empty = serde_json::Map::new();
    let openfda = match obj.get("openfda") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => {
            e.push(bad(i, "openfda", "must be an object"));
            &empty
        }
    };
    let recall_class = match text(obj, i, "classification", e) {
        None => None,
        Some(c) => match c.trim_start_matches("Class ").trim() {
            "I" | "1" => Some(RecallClass::I),
            "II" | "2" => Some(RecallClass::II),
            "III" | "3" => Some(RecallClass::III),
            // "Not Yet Classified" and the like: no class yet.
            _ if c.to_lowercase().contains("not") => None,
            _ => {
                e.push(bad(i, "classification", format!("'{c}' is not Class I, II or III")));
                None
            }
        },
    };
    let mut product_codes = list(obj, i, "product_code", e);
    for c in &mut product_codes {
        match crate::catalog::parse_product_code(c) {
            Ok(p) => *c = p,
            Err(_) => e.push(bad(i, "product_code", format!("'{c}' is not a three-letter FDA product code"))),
        }
    }
    let mut k_numbers = list(obj, i, "k_numbers", e);
    if k_numbers.is_empty() {
        k_numbers = list(openfda, i, "openfda.k_number", e);
    }
    for k in &mut k_numbers {
        *k = k.to_uppercase();
    }
    let event_number = if enforcement { text(obj, i, "event_id", e) } else { text(obj, i, "res_event_number", e) };
    let fda_status = if enforcement { text(obj, i, "status", e) } else { text(obj, i, "recall_status", e) };
    let mut code_info = text(obj, i, "code_info", e);
    if let Some(more) = text(obj, i, "more_code_info", e) {
        code_info = Some(match code_info {
            Some(c) => format!("{c}\n{more}"),
            None => more,
        });
    }
    let rec = RecallRecord {
        number: number.unwrap_or_default(),
        event_number,
        recall_class,
        device_class: text(openfda, i, "openfda.device_class", e),
        fda_status,
        recalling_firm: text(obj, i, "recalling_firm", e),
        product_codes,
        k_numbers,
        device_name: text(openfda, i, "openfda.device_name", e),
        product_description: text(obj, i, "product_description", e),
        code_info,
        reason: text(obj, i, "reason_for_recall", e),
        root_cause: text(obj, i, "root_cause_description", e),
        action: text(obj, i, "action", e),
        initiated_on: if enforcement {
            date(obj, i, "recall_initiation_date", e)
        } else {
            date(obj, i, "event_date_initiated", e)
        },
        posted_on: if enforcement { date(obj, i, "report_date", e) } else { date(obj, i, "event_date_posted", e) },
        terminated_on: if enforcement {
            date(obj, i, "termination_date", e)
        } else {
            date(obj, i, "event_date_terminated", e)
        },
    };
    (e.len() == before).then_some(rec)
}

// ---------------------------------------------------------------------------------------------
// Manufacturer names

const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "llc",
    "lp",
    "llp",
    "ltd",
    "limited",
    "plc",
    "ag",
    "gmbh",
    "kgaa",
    "bv",
    "nv",
    "sa",
    "ab",
    "srl",
    "spa",
    "and",
];

/// A manufacturer or firm name reduced for comparison: lower case, ä → a (and other Latin
/// diacritics folded), punctuation → space, spaces collapsed, trailing legal-form words dropped.
/// `"DATEX--OHMEDA, INC."` and `"Datex-Ohmeda, Inc."` both become `"datex ohmeda"`.
pub fn normalize_firm(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    for ch in name.chars().flat_map(char::to_lowercase) {
        let c = match ch {
            'ä' | 'à' | 'á' | 'â' | 'ã' | 'å' => 'a',
            'ö' | 'ò' | 'ó' | 'ô' | 'õ' | 'ø' => 'o',
            'ü' | 'ù' | 'ú' | 'û' => 'u',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ç' => 'c',
            'ñ' => 'n',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        s.push(c);
    }
    let mut words: Vec<&str> = s.split_whitespace().collect();
    // "B.V." / "N.V." / "S.A." arrive as single letters.
    while words.len() > 1 {
        let n = words.len();
        let last = words[n - 1];
        if LEGAL_FORMS.contains(&last) {
            words.pop();
        } else if n > 2 && last.len() == 1 && words[n - 2].len() == 1 {
            let joined = format!("{}{}", words[n - 2], last);
            if LEGAL_FORMS.contains(&joined.as_str()) {
                words.truncate(n - 2);
            } else {
                break;
            }
        } else {
            break;
        }
    }
    words.join(" ")
}

/// Manufacturer aliases: normalised alias → the normalised names of the companies it belongs to.
#[derive(Debug, Clone, Default)]
pub struct AliasTable {
    map: HashMap<String, Vec<String>>,
    display: HashMap<String, String>,
}

/// The alias table shipped with the product (`docs/reference/manufacturer_aliases.csv`).
pub const SHIPPED_ALIASES_CSV: &str = include_str!("../../../docs/reference/manufacturer_aliases.csv");

/// Splits one CSV line (RFC 4180 quoting, no line breaks inside fields).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

impl AliasTable {
    /// Reads `canonical_name,alias,relationship,year,source_note` rows (header first).
    pub fn from_csv(text: &str) -> Result<AliasTable, DomainError> {
        let mut t = AliasTable::default();
        let mut e = Vec::new();
        for (n, line) in text.lines().enumerate().skip(1) {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let f = csv_fields(line);
            if f.len() < 2 || f[0].trim().is_empty() || f[1].trim().is_empty() {
                e.push(FieldError::new(format!("row {}", n + 1), "needs canonical_name and alias"));
                continue;
            }
            t.add(&f[0], &f[1]);
            t.add(&f[0], &f[0]);
        }
        if e.is_empty() { Ok(t) } else { Err(DomainError::Invalid(e)) }
    }

    /// The shipped table.
    pub fn shipped() -> AliasTable {
        AliasTable::from_csv(SHIPPED_ALIASES_CSV).unwrap_or_default()
    }

    fn add(&mut self, canonical: &str, alias: &str) {
        let c = normalize_firm(canonical);
        self.display.entry(c.clone()).or_insert_with(|| canonical.trim().to_string());
        let v = self.map.entry(normalize_firm(alias)).or_default();
        if !v.contains(&c) {
            v.push(c);
        }
    }

    /// The normalised companies a name resolves to (itself when the table does not know it).
    pub fn companies(&self, name: &str) -> Vec<String> {
        let n = normalize_firm(name);
        match self.map.get(&n) {
            Some(v) => v.clone(),
            None => vec![n],
        }
    }

    /// The display name of a normalised company.
    pub fn display(&self, company: &str) -> String {
        self.display.get(company).cloned().unwrap_or_else(|| company.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// Lot and serial lists

/// One listed lot or serial: a single identifier or a numeric range with a common prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CodeItem {
    Single { value: String },
    Range { prefix: String, start: u64, end: u64, width: usize, text: String },
}

impl CodeItem {
    /// Whether `value` is this item (case-insensitive; a range needs the prefix and a number
    /// within it, with the same digit count when the ends are zero-padded).
    pub fn contains(&self, value: &str) -> bool {
        let v = value.trim();
        match self {
            CodeItem::Single { value: s } => s.eq_ignore_ascii_case(v),
            CodeItem::Range { prefix, start, end, width, .. } => {
                if v.len() < prefix.len() || !v[..prefix.len()].eq_ignore_ascii_case(prefix) {
                    return false;
                }
                let digits = &v[prefix.len()..];
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 18 {
                    return false;
                }
                if digits.len() != *width && (digits.starts_with('0') || width_padded(*start, *width)) {
                    return false;
                }
                digits.parse::<u64>().is_ok_and(|n| *start <= n && n <= *end)
            }
        }
    }

    /// How a reason names the item: `12000–12999` or `007A1037`.
    pub fn describe(&self) -> String {
        match self {
            CodeItem::Single { value } => value.clone(),
            CodeItem::Range { text, .. } => text.clone(),
        }
    }
}

fn width_padded(start: u64, width: usize) -> bool {
    start.to_string().len() < width
}

/// Lots and serials listed in a record's `code_info` (see the module docs for the formats).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeLists {
    pub lots: Vec<CodeItem>,
    pub serials: Vec<CodeItem>,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Lot,
    Serial,
}

/// Splits `A1000` into (`A`, 1000, 4).
fn split_numeric(s: &str) -> Option<(String, u64, usize)> {
    let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (p, d) = s.split_at(s.len() - digits);
    Some((p.to_string(), d.parse().ok()?, digits))
}

fn make_range(a: &str, b: &str) -> Option<CodeItem> {
    let (pa, sa, wa) = split_numeric(a)?;
    let (pb, sb, _) = split_numeric(b)?;
    (pa.eq_ignore_ascii_case(&pb) && sa < sb).then(|| CodeItem::Range {
        prefix: pa,
        start: sa,
        end: sb,
        width: wa,
        text: format!("{a}–{b}"),
    })
}

fn is_identifier(w: &str) -> bool {
    !w.is_empty()
        && w.len() <= 40
        && w.bytes().any(|b| b.is_ascii_digit())
        && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/' || b == b'.')
}

/// One word of `code_info` with what followed it (a list separator or the end of a sentence).
fn words(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for raw in text.split_whitespace() {
        let mut w = raw.trim_start_matches(['(', '[', '"']);
        let mut sep = false;
        loop {
            let t = w.trim_end_matches([',', ';', ':', ')', ']', '"']);
            let t2 = t.strip_suffix('.').unwrap_or(t);
            if t2.len() == w.len() {
                break;
            }
            sep = true;
            w = t2;
        }
        let w = w.strip_suffix("(s)").unwrap_or(w);
        out.push((w.to_string(), sep));
    }
    out
}

fn label(words: &[(String, bool)], i: usize) -> Option<(Mode, usize)> {
    let w = words[i].0.to_lowercase();
    let next = words.get(i + 1).map(|(n, _)| n.to_lowercase());
    let follows = |n: &Option<String>| {
        matches!(n.as_deref(), Some("no" | "nos" | "number" | "numbers" | "#" | "num" | "code" | "codes"))
    };
    let mode = match w.as_str() {
        "lot" | "lots" | "lot#" | "lot/batch" | "batch" | "batches" => Mode::Lot,
        "serial" | "serials" | "sn" | "s/n" | "sn#" | "sns" | "serial#" => Mode::Serial,
        _ => return None,
    };
    Some((mode, if follows(&next) { i + 2 } else { i + 1 }))
}

/// Reads lot and serial lists and ranges from `code_info` (conservatively; see module docs).
pub fn parse_code_info(text: &str) -> CodeLists {
    let ws = words(text);
    let mut out = CodeLists::default();
    let mut i = 0;
    while i < ws.len() {
        let Some((mode, mut j)) = label(&ws, i) else {
            i += 1;
            continue;
        };
        let mut items: Vec<CodeItem> = Vec::new();
        while j < ws.len() {
            let (w, _) = &ws[j];
            let lw = w.to_lowercase();
            if lw == "and" || lw == "&" || w.is_empty() {
                j += 1;
                continue;
            }
            if matches!(lw.as_str(), "-" | "to" | "through" | "thru" | "–")
                && let Some(CodeItem::Single { value: a }) = items.last().cloned()
                && let Some((b, _)) = ws.get(j + 1)
                && is_identifier(b)
                && let Some(r) = make_range(&a, b)
            {
                items.pop();
                items.push(r);
                j += 2;
                continue;
            }
            if !is_identifier(w) {
                break;
            }
            // One token `1000-1500`: equal-length digit halves, ascending.
            let halves: Vec<&str> = w.split('-').collect();
            let item = if halves.len() == 2
                && halves[0].len() == halves[1].len()
                && halves.iter().all(|h| h.bytes().last().is_some_and(|b| b.is_ascii_digit()))
            {
                make_range(halves[0], halves[1]).unwrap_or(CodeItem::Single { value: w.clone() })
            } else {
                CodeItem::Single { value: w.clone() }
            };
            items.push(item);
            j += 1;
        }
        match mode {
            Mode::Lot => out.lots.extend(items),
            Mode::Serial => out.serials.extend(items),
        }
        i = j.max(i + 1);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Matching

/// What matching needs to know about one asset.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AssetFacts {
    pub asset_id: i64,
    pub asset_tag: String,
    pub model_id: i64,
    pub manufacturer: String,
    pub model_number: String,
    pub product_code: Option<String>,
    /// The model's 510(k) number, when known.
    pub k_number: Option<String>,
    pub udi_di: Option<String>,
    pub serial: Option<String>,
    pub lot: Option<String>,
    pub status: Option<AssetStatus>,
}

impl AssetFacts {
    /// The unit part of the facts (what differs between units of one model).
    pub fn unit(&self) -> AssetUnit {
        AssetUnit {
            asset_id: self.asset_id,
            asset_tag: self.asset_tag.clone(),
            model_id: self.model_id,
            udi_di: self.udi_di.clone(),
            serial: self.serial.clone(),
            lot: self.lot.clone(),
        }
    }
}

/// What matching needs to know about one unit once its model's part is known
/// ([`model_evidence`]): the identifiers that differ between units of one model. Matching a
/// large inventory reads only these per asset; the model's facts are read once per model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AssetUnit {
    pub asset_id: i64,
    pub asset_tag: String,
    pub model_id: i64,
    pub udi_di: Option<String>,
    /// The asset's serial number, or the UDI production identifier's serial when it has none.
    pub serial: Option<String>,
    pub lot: Option<String>,
}

/// What matching needs to know about one device model (to choose whose assets to look at).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ModelFacts {
    pub model_id: i64,
    pub manufacturer: String,
    pub model_number: String,
    pub product_code: Option<String>,
    /// The model's 510(k) number (`K` + 6 digits), when known.
    pub k_number: Option<String>,
    /// How many assets (of any status) are of this model: lets matching choose between reading
    /// the named models' assets through the model index and one pass over the whole inventory.
    pub assets: u64,
}

/// Whether a model's assets can be candidates (see [`match_asset`]): the same company and the
/// product code or the model number, or the model's 510(k) among the recall's `k_numbers` (the
/// 510(k) is identity and product evidence at once, REFERENCE §6.2 `k_numbers`; with the
/// product code, the model or the firm it reaches the threshold even when the firm's name is
/// not in the alias table). Assets found by UDI-DI are looked up separately. Cheap; used to
/// choose which assets to load.
pub fn model_may_match(r: &PreparedRecall, m: &ModelFacts, aliases: &AliasTable) -> bool {
    if m.k_number.as_deref().is_some_and(|k| r.k_numbers.iter().any(|x| x.eq_ignore_ascii_case(k))) {
        return true;
    }
    let same_company =
        !r.companies.is_empty() && aliases.companies(&m.manufacturer).iter().any(|c| r.companies.contains(c));
    same_company
        && (m.product_code.as_deref().is_some_and(|pc| r.product_codes.iter().any(|x| x.eq_ignore_ascii_case(pc)))
            || r.mentions_model(&m.model_number))
}

/// A recall prepared once for matching against many assets.
#[derive(Debug, Clone)]
pub struct PreparedRecall {
    pub number: String,
    /// Normalised companies the recalling firm resolves to.
    pub companies: Vec<String>,
    pub firm: Option<String>,
    pub product_codes: Vec<String>,
    pub k_numbers: Vec<String>,
    /// Upper-case words of the description and code info, space-separated and space-padded.
    haystack: String,
    tokens: HashSet<String>,
    pub codes: CodeLists,
}

fn tokenize(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-').to_uppercase())
        .filter(|w| !w.is_empty())
        .collect()
}

impl PreparedRecall {
    pub fn new(r: &RecallRecord, aliases: &AliasTable) -> PreparedRecall {
        let text = [r.product_description.as_deref(), r.code_info.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
        let toks = tokenize(&text);
        PreparedRecall {
            number: r.number.clone(),
            companies: r.recalling_firm.as_deref().map(|f| aliases.companies(f)).unwrap_or_default(),
            firm: r.recalling_firm.clone(),
            product_codes: r.product_codes.clone(),
            k_numbers: r.k_numbers.clone(),
            haystack: format!(" {} ", toks.join(" ")),
            tokens: toks.into_iter().collect(),
            codes: r.code_info.as_deref().map(parse_code_info).unwrap_or_default(),
        }
    }

    /// Upper-case words of the text that may be UDI device identifiers (8–14 digits, or
    /// alphanumeric HIBC-style with a digit): used to look assets up by DI.
    pub fn di_tokens(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .tokens
            .iter()
            .filter(|t| (t.len() == 14 || t.len() == 13 || t.len() == 12) && t.bytes().all(|b| b.is_ascii_digit()))
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// Whether a model number appears as a whole word (or word sequence).
    pub fn mentions_model(&self, model_number: &str) -> bool {
        let m = tokenize(model_number);
        let len: usize = m.iter().map(String::len).sum();
        // Too short to be evidence ("PC", "2").
        if m.is_empty() || len < 3 {
            return false;
        }
        self.haystack.contains(&format!(" {} ", m.join(" ")))
    }

    fn mentions_di(&self, di: &str) -> bool {
        let d: String = di.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_uppercase();
        if d.len() < 8 {
            return false;
        }
        self.tokens.contains(&d) || (d.len() == 14 && d.starts_with('0') && self.tokens.contains(&d[1..]))
    }
}

/// A proposed match of one recall to one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchProposal {
    pub asset_id: i64,
    pub asset_tag: String,
    /// 0–100.
    pub confidence: u8,
    pub reasons: Vec<String>,
}

/// The part of a match that depends only on the asset's model (manufacturer, 510(k), product
/// code, model number): the same for every unit of the model, so matching many assets computes
/// it once per recall and model ([`model_evidence`]) and then only the unit part per asset
/// ([`match_asset_given`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelEvidence {
    points: u32,
    identity: bool,
    product: bool,
    reasons: Vec<String>,
}

/// The model part of [`match_asset`] (manufacturer 30, 510(k) 30, product code 30, model number 30).
pub fn model_evidence(
    r: &PreparedRecall,
    manufacturer: &str,
    model_number: &str,
    product_code: Option<&str>,
    k_number: Option<&str>,
    aliases: &AliasTable,
) -> ModelEvidence {
    let mut e = ModelEvidence::default();
    if !r.companies.is_empty() && !manufacturer.trim().is_empty() {
        let mine = aliases.companies(manufacturer);
        if let Some(c) = mine.iter().find(|c| r.companies.contains(c)) {
            e.points += 30;
            e.identity = true;
            let firm = r.firm.clone().unwrap_or_default();
            if normalize_firm(&firm) == normalize_firm(manufacturer) {
                e.reasons.push(format!("manufacturer {manufacturer}"));
            } else {
                e.reasons.push(format!("manufacturer alias: {firm} → {manufacturer} ({})", aliases.display(c)));
            }
        }
    }
    if let Some(k) = k_number.filter(|k| r.k_numbers.iter().any(|x| x.eq_ignore_ascii_case(k))) {
        e.points += 30;
        e.identity = true;
        e.product = true;
        e.reasons.push(format!("510(k) {}", k.to_uppercase()));
    }
    if let Some(pc) = product_code.filter(|pc| r.product_codes.iter().any(|x| x.eq_ignore_ascii_case(pc))) {
        e.points += 30;
        e.product = true;
        e.reasons.push(format!("product code {pc}"));
    }
    if r.mentions_model(model_number) {
        e.points += 30;
        e.product = true;
        e.reasons.push(format!("model number {} in product description", model_number.trim()));
    }
    e
}

/// Matches one recall to one asset (see the module docs for the points and the rule).
pub fn match_asset(r: &PreparedRecall, a: &AssetFacts, aliases: &AliasTable) -> Option<MatchProposal> {
    let e =
        model_evidence(r, &a.manufacturer, &a.model_number, a.product_code.as_deref(), a.k_number.as_deref(), aliases);
    match_asset_given(r, &a.unit(), &e)
}

/// [`match_asset`] with the model part already computed for the asset's model.
pub fn match_asset_given(r: &PreparedRecall, a: &AssetUnit, model: &ModelEvidence) -> Option<MatchProposal> {
    let mut points = model.points;
    let mut identity = model.identity;
    let mut product = model.product;
    let mut unit_reasons = Vec::new();
    let mut di_reason = None;
    if let Some(di) = a.udi_di.as_deref().filter(|d| r.mentions_di(d)) {
        points += 60;
        identity = true;
        product = true;
        di_reason = Some(format!("UDI-DI {di} listed in the recall"));
    }
    for (listed, value, what) in
        [(&r.codes.serials, a.serial.as_deref(), "serial"), (&r.codes.lots, a.lot.as_deref(), "lot")]
    {
        let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else { continue };
        if listed.is_empty() {
            continue;
        }
        match listed.iter().find(|i| i.contains(v)) {
            Some(CodeItem::Single { value }) => {
                points += 20;
                unit_reasons.push(format!("{what} {value} listed"));
            }
            Some(range @ CodeItem::Range { .. }) => {
                points += 20;
                unit_reasons.push(format!("{what} {v} in range {}", range.describe()));
            }
            // The record lists this kind and the asset's is not among them: not affected.
            None => return None,
        }
    }
    let confidence = points.min(100) as u8;
    if !(identity && product && confidence >= CANDIDATE_THRESHOLD) {
        return None;
    }
    let reasons = di_reason.into_iter().chain(model.reasons.iter().cloned()).chain(unit_reasons).collect();
    Some(MatchProposal { asset_id: a.asset_id, asset_tag: a.asset_tag.clone(), confidence, reasons })
}

// ---------------------------------------------------------------------------------------------
// Matches and closing

/// A stored match of a recall to an asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecallMatch {
    pub id: RecallMatchId,
    pub recall_id: RecallId,
    pub recall_number: String,
    pub asset_id: i64,
    pub asset_tag: String,
    pub confidence: u8,
    pub reasons: Vec<String>,
    pub status: MatchStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub note: Option<String>,
    pub work_order_id: Option<i64>,
    pub work_order_number: Option<String>,
    /// The action work order's status code, when there is one.
    pub work_order_status: Option<String>,
    pub version: i64,
}

impl RecallMatch {
    /// Whether this affected unit's action is finished: its work order completed or closed.
    pub fn action_done(&self) -> bool {
        matches!(self.work_order_status.as_deref(), Some("completed" | "closed"))
    }
}

/// Whether a decision may be made on a match now.
pub fn check_decision(current: MatchStatus, to: MatchStatus, note: Option<&str>) -> Result<(), DomainError> {
    let ok = matches!(
        (current, to),
        (MatchStatus::Candidate, MatchStatus::Confirmed | MatchStatus::Rejected | MatchStatus::NotAffected)
            | (MatchStatus::Confirmed, MatchStatus::NotAffected)
    );
    if !ok {
        return Err(DomainError::field(
            "status",
            format!("a {} match cannot become {}", current.as_str(), to.as_str()),
        ));
    }
    if matches!(to, MatchStatus::Rejected | MatchStatus::NotAffected) && note.is_none_or(|n| n.trim().is_empty()) {
        return Err(DomainError::field("note", "say why (a documented reason is required)"));
    }
    Ok(())
}

/// How far a recall's work has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecallProgress {
    /// Undecided candidates.
    pub candidates: u32,
    /// Confirmed affected units.
    pub affected: u32,
    /// Confirmed units whose action work order is completed or closed.
    pub done: u32,
    pub not_affected: u32,
    pub rejected: u32,
}

impl RecallProgress {
    pub fn of(matches: &[RecallMatch]) -> RecallProgress {
        let mut p = RecallProgress::default();
        for m in matches {
            match m.status {
                MatchStatus::Candidate => p.candidates += 1,
                MatchStatus::Confirmed => {
                    p.affected += 1;
                    if m.action_done() {
                        p.done += 1;
                    }
                }
                MatchStatus::NotAffected => p.not_affected += 1,
                MatchStatus::Rejected => p.rejected += 1,
            }
        }
        p
    }

    /// The closure rule: every candidate decided and every confirmed unit's action done (units
    /// documented "not affected" count as done). `Err` says what is still open.
    pub fn check_closable(&self) -> Result<(), DomainError> {
        let mut open = Vec::new();
        if self.candidates > 0 {
            open.push(format!("{} candidate match(es) not yet confirmed or rejected", self.candidates));
        }
        if self.done < self.affected {
            open.push(format!(
                "{} affected asset(s) without a completed action work order or a documented \"not affected\"",
                self.affected - self.done
            ));
        }
        if open.is_empty() {
            Ok(())
        } else {
            Err(DomainError::field("status", format!("the recall cannot be closed: {}", open.join("; "))))
        }
    }
}

text_enum!(
    /// A recall's status as the hospital sees it (computed).
    RecallState, "state" {
        Open => "open": "Open",
        ReadyToClose => "ready_to_close": "Ready to close",
        Closed => "closed": "Closed",
    }
);

/// The computed state of a recall.
pub fn state_of(closed: bool, progress: &RecallProgress) -> RecallState {
    if closed {
        RecallState::Closed
    } else if progress.check_closable().is_ok() {
        RecallState::ReadyToClose
    } else {
        RecallState::Open
    }
}

/// The action work order's priority for a recall class: I high, II normal, III low.
pub fn action_priority(class: Option<RecallClass>) -> crate::work_order::Priority {
    use crate::work_order::Priority;
    match class {
        Some(RecallClass::I) => Priority::High,
        Some(RecallClass::III) => Priority::Low,
        _ => Priority::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECALL_JSON: &str = include_str!("../../../../shared/data/openfda/device_recall_example.json");
    const ENFORCEMENT_JSON: &str = include_str!("../../../../shared/data/openfda/device_enforcement_example.json");

    fn facts(mfr: &str, model: &str, code: Option<&str>) -> AssetFacts {
        AssetFacts {
            asset_id: 1,
            asset_tag: "A1".into(),
            manufacturer: mfr.into(),
            model_number: model.into(),
            product_code: code.map(Into::into),
            ..AssetFacts::default()
        }
    }

    #[test]
    fn parses_the_real_recall_record() {
        let v = parse_openfda(RECALL_JSON.as_bytes()).unwrap();
        assert_eq!(v.len(), 1);
        let r = &v[0];
        assert_eq!(r.number, "Z-0359-2013");
        assert_eq!(r.event_number.as_deref(), Some("52634"));
        assert_eq!(r.product_codes, vec!["NKB"]);
        assert_eq!(r.k_numbers, vec!["K082332"]);
        assert_eq!(r.device_class.as_deref(), Some("3"));
        assert_eq!(r.recall_class, None, "the recall endpoint carries no recall class");
        assert_eq!(r.root_cause.as_deref(), Some("Device Design"));
        assert_eq!(r.terminated_on, Some(jiff::civil::date(2012, 11, 19)));
    }

    #[test]
    fn parses_the_enforcement_record_and_its_dates() {
        // The published example has no recall_number: keyed by its event and description.
        let r = &parse_openfda(ENFORCEMENT_JSON.as_bytes()).unwrap()[0];
        assert!(r.number.starts_with("EV-62561-") && r.number.len() == 17, "{}", r.number);
        let fixed = ENFORCEMENT_JSON.replacen("\"status\"", "\"recall_number\": \"Z-2012-2012\", \"status\"", 1);
        assert_eq!(parse_openfda(fixed.as_bytes()).unwrap()[0].number, "Z-2012-2012");
        assert_eq!(r.recall_class, Some(RecallClass::II));
        assert_eq!(r.initiated_on, Some(jiff::civil::date(2012, 7, 16)));
        assert_eq!(r.posted_on, Some(jiff::civil::date(2012, 8, 15)));
        assert_eq!(r.fda_status.as_deref(), Some("Ongoing"));
        assert_eq!(r.event_number.as_deref(), Some("62561"));
        let codes = parse_code_info(r.code_info.as_deref().unwrap());
        assert_eq!(codes.lots, vec![CodeItem::Single { value: "007A1037".into() }]);
        assert!(codes.serials.is_empty());
    }

    #[test]
    fn joins_the_two_endpoints_on_the_recall_number() {
        let json = r#"{"results":[
            {"product_res_number":"Z-0359-2013","product_code":"NKB","event_date_posted":"2012-10-01"},
            {"recall_number":"Z-0359-2013","classification":"Class I","status":"Terminated","report_date":"20121010"}]}"#;
        let v = parse_openfda(json.as_bytes()).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].recall_class, Some(RecallClass::I));
        assert_eq!(v[0].product_codes, vec!["NKB"]);
        assert_eq!(v[0].posted_on, Some(jiff::civil::date(2012, 10, 10)));
    }

    #[test]
    fn reports_every_bad_record_by_index_and_field() {
        let json = r#"{"results":[
            {"product_res_number":"Z-0001-2020","event_date_initiated":"2020-13-01"},
            {"product_res_number":"12"},
            {"product_res_number":"Z-0003-2020","k_numbers":"K1","product_code":["FRN","1"]},
            7]}"#;
        let e = parse_openfda(json.as_bytes()).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "results[0].event_date_initiated",
                "results[1].product_res_number",
                "results[2].product_code",
                "results[3]"
            ]
        );
        assert!(parse_openfda(b"{\"meta\":{}}").is_err());
        let e = parse_openfda(br#"{"results":[{"product_res_number":"Z-0001-2020","openfda":{"device_class":[1]}}]}"#);
        assert_eq!(e.unwrap_err()[0].field, "results[0].openfda.device_class");
        let ok = parse_openfda(br#"{"results":[{"product_res_number":"Z-0001-2020","openfda":{"k_number":["k1"]}}]}"#);
        assert_eq!(ok.unwrap()[0].k_numbers, vec!["K1"]);
        assert!(parse_openfda(b"not json").is_err());
    }

    #[test]
    fn normalises_firm_names() {
        assert_eq!(normalize_firm("DATEX--OHMEDA, INC."), "datex ohmeda");
        assert_eq!(normalize_firm("Datex-Ohmeda, Inc."), "datex ohmeda");
        assert_eq!(normalize_firm("Becton, Dickinson and Company"), "becton dickinson");
        assert_eq!(normalize_firm("Becton Dickinson & Company"), "becton dickinson");
        assert_eq!(normalize_firm("Philips North  America, LLC"), "philips north america");
        assert_eq!(normalize_firm("Koninklijke Philips N.V."), "koninklijke philips");
        assert_eq!(normalize_firm("Drägerwerk AG & Co. KGaA"), "dragerwerk");
        assert_eq!(normalize_firm("Siemens Medical Solutions USA,  Inc"), "siemens medical solutions usa");
    }

    #[test]
    fn resolves_aliases_from_the_shipped_table() {
        let t = AliasTable::shipped();
        assert_eq!(t.companies("CareFusion 303, Inc."), t.companies("BD"));
        assert_eq!(t.companies("Covidien LP"), t.companies("Medtronic"));
        assert_eq!(t.companies("Smiths Medical ASD Inc."), t.companies("ICU Medical"));
        assert_ne!(t.companies("Covidien"), t.companies("BD"));
        // Unknown names resolve to themselves.
        assert_eq!(t.companies("Encore Medical, Lp"), vec!["encore medical".to_string()]);
    }

    #[test]
    fn parses_lists_and_ranges_conservatively() {
        let c = parse_code_info("Serial Numbers: 12000 through 12999, 13005 and SN14000-SN14010; Lot 4000123-4000200.");
        assert_eq!(c.serials.len(), 3);
        assert!(c.serials[0].contains("12345"));
        assert!(!c.serials[0].contains("13000"));
        assert!(c.serials[1].contains("13005"));
        assert!(c.serials[2].contains("sn14003"));
        assert!(c.lots[0].contains("4000150"));
        assert!(!c.lots[0].contains("4000201"));
        let c = parse_code_info("SN 1000-1500");
        assert!(c.serials[0].contains("1200"));
        // Hyphenated catalogue numbers are identifiers, not ranges.
        let c = parse_code_info("Lot 010-55-030, Ref 010-55-25");
        assert_eq!(c.lots, vec![CodeItem::Single { value: "010-55-030".into() }]);
        // Free text without a label yields nothing.
        assert_eq!(parse_code_info("All units manufactured in 2019"), CodeLists::default());
        // Zero-padded ranges need the same width.
        let c = parse_code_info("Lot 0100 - 0200");
        assert!(c.lots[0].contains("0150") && !c.lots[0].contains("150"));
    }

    #[test]
    fn matches_by_product_code_and_alias_but_not_a_near_miss() {
        let t = AliasTable::shipped();
        let rec = RecallRecord {
            number: "Z-9901-2026".into(),
            recalling_firm: Some("CareFusion 303, Inc.".into()),
            product_codes: vec!["FRN".into()],
            product_description: Some("Alaris Pump Module, Model 8100".into()),
            ..RecallRecord::default()
        };
        let p = PreparedRecall::new(&rec, &t);
        let m = match_asset(&p, &facts("BD", "8015", Some("FRN")), &t).unwrap();
        assert_eq!(m.confidence, 60);
        assert!(m.reasons.iter().any(|r| r.starts_with("manufacturer alias: CareFusion 303, Inc. → BD")), "{m:?}");
        let m = match_asset(&p, &facts("BD", "8100", Some("FRN")), &t).unwrap();
        assert_eq!(m.confidence, 90);
        // Same product code, another manufacturer: not a candidate.
        assert_eq!(match_asset(&p, &facts("Baxter", "Spectrum", Some("FRN")), &t), None);
        // Model number alone (another maker's 8100): not a candidate.
        assert_eq!(match_asset(&p, &facts("Mindray", "8100", Some("MHX")), &t), None);
    }

    #[test]
    fn real_record_matches_by_510k_and_product_code() {
        let t = AliasTable::shipped();
        let r = &parse_openfda(RECALL_JSON.as_bytes()).unwrap()[0];
        let p = PreparedRecall::new(r, &t);
        let mut a = facts("Some Maker", "X", Some("NKB"));
        assert_eq!(match_asset(&p, &a, &t), None, "product code alone is not enough");
        a.k_number = Some("k082332".into());
        let m = match_asset(&p, &a, &t).unwrap();
        assert_eq!(m.confidence, 60);
        assert_eq!(m.reasons, vec!["510(k) K082332", "product code NKB"]);
    }

    #[test]
    fn matches_by_udi_and_serial_ranges() {
        let t = AliasTable::shipped();
        let rec = RecallRecord {
            number: "Z-9902-2026".into(),
            recalling_firm: Some("Nobody Known".into()),
            code_info: Some("UDI-DI (01)00885403123456; Serial Numbers 12000 through 12999".into()),
            ..RecallRecord::default()
        };
        let p = PreparedRecall::new(&rec, &t);
        let mut a = facts("Other", "Q", None);
        a.udi_di = Some("00885403123456".into());
        a.serial = Some("12345".into());
        let m = match_asset(&p, &a, &t).unwrap();
        assert_eq!(m.confidence, 80);
        assert_eq!(m.reasons[1], "serial 12345 in range 12000–12999");
        a.serial = Some("13001".into());
        assert_eq!(match_asset(&p, &a, &t), None, "serial outside the listed range");
        // The same company and a serial in range, without product evidence: not a candidate.
        let mut b = facts("Nobody Known", "Q", None);
        b.serial = Some("12345".into());
        assert_eq!(match_asset(&p, &b, &t), None);
    }

    #[test]
    fn closure_rule() {
        let mut p = RecallProgress { affected: 2, done: 1, ..RecallProgress::default() };
        assert!(p.check_closable().is_err());
        p.done = 2;
        assert!(p.check_closable().is_ok());
        p.candidates = 1;
        assert!(p.check_closable().is_err());
        assert!(check_decision(MatchStatus::Candidate, MatchStatus::Rejected, None).is_err());
        assert!(check_decision(MatchStatus::Candidate, MatchStatus::Rejected, Some("other model")).is_ok());
        assert!(check_decision(MatchStatus::Rejected, MatchStatus::Confirmed, None).is_err());
        assert!(check_decision(MatchStatus::Confirmed, MatchStatus::NotAffected, Some("already updated")).is_ok());
    }
}
