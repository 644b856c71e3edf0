//! HL7 FHIR R4 views of the inventory (REFERENCE §8): an asset as a `Device`, a device model as a
//! `DeviceDefinition`, the searchset `Bundle`, the `OperationOutcome` errors are reported in and
//! the server's `CapabilityStatement`. Built as plain JSON (`serde_json`), no FHIR library.
//!
//! Identifier systems (REFERENCE §8.3: asset tags are hospital-scoped, so their `system` must be
//! a URI the hospital controls; serials are unique only per manufacturer, so their system is
//! scoped by manufacturer). With the base `B` ([`FhirSystems::base`]):
//!
//! | identifier | system | value |
//! |---|---|---|
//! | asset tag (`use` official, type text "Asset tag") | `B/asset-tag` | the tag as printed |
//! | serial number (type `v2-0203#SNO`) | `B/mfr-serial/{manufacturer id}` | the serial |
//! | device model (on `DeviceDefinition`) | `B/device-model` | the model id |
//! | owner (Organization, logical reference) | `B/cost-center` | the department's cost centre |
//! | location (Location, logical reference) | `B/location` | our location id |
//!
//! Status map ([`device_status`]; codes from REFERENCE §8.1, our statuses from §9.4):
//!
//! | our status | `status` | `statusReason` (device-status-reason) |
//! |---|---|---|
//! | ordered, pending_inspection | inactive | not-ready |
//! | in_service, loaned | active | online |
//! | out_of_service | inactive | offline |
//! | retired, disposed | inactive | off |
//! | missing | unknown | — (text only) |
//!
//! `statusReason.text` always carries our own status label, so nothing is lost. Free-text notes
//! are never exported: they may hold patient identifiers (see `phi.rs`).

use crate::asset::{Asset, AssetStatus, Udi};
use crate::catalog::{DeviceModel, FdaClass, NomenclatureSystem};
use serde_json::{Map, Value, json};

/// The FHIR version this server speaks (R4 technical correction 1).
pub const FHIR_VERSION: &str = "4.0.1";
/// The media type of every FHIR response.
pub const FHIR_JSON: &str = "application/fhir+json";
/// HL7 v2 table 0203 (identifier type); `SNO` = serial number (REFERENCE §8.3).
pub const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// Device status reasons (REFERENCE §8.1).
pub const STATUS_REASON_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/device-status-reason";
/// GMDN as registered in HL7 Terminology.
pub const GMDN_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/GMDN";
/// UDI issuers (REFERENCE §8.1, the R4 UDI mapping).
pub const ISSUER_GS1: &str = "http://hl7.org/fhir/NamingSystem/gs1-di";
pub const ISSUER_HIBCC: &str = "http://hl7.org/fhir/NamingSystem/hibcc-dI";
pub const ISSUER_ICCBBA: &str = "http://hl7.org/fhir/NamingSystem/iccbba-other-di";
/// The FDA UDI jurisdiction (REFERENCE §8.1).
pub const JURISDICTION_FDA: &str = "http://hl7.org/fhir/NamingSystem/fda-udi";
/// The default identifier base when the hospital has configured none. It is a URN under our
/// product's name, not a web address: a hospital should set its own (`HTM_FHIR_SYSTEM_BASE`).
pub const DEFAULT_SYSTEM_BASE: &str = "urn:openhtm:fhir:sid";

/// The hospital-controlled base of every local identifier and code system (REFERENCE §8.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirSystems {
    base: String,
}

impl Default for FhirSystems {
    fn default() -> Self {
        FhirSystems { base: DEFAULT_SYSTEM_BASE.to_string() }
    }
}

impl FhirSystems {
    /// A base such as `https://biomed.example-hospital.org/fhir/sid` (a trailing `/` is dropped).
    pub fn new(base: &str) -> Result<Self, crate::DomainError> {
        let b = base.trim().trim_end_matches('/');
        let ok = (b.starts_with("https://") || b.starts_with("http://") || b.starts_with("urn:"))
            && b.len() > 8
            && !b.contains(|c: char| c.is_whitespace() || c == '|');
        if !ok {
            return Err(crate::DomainError::field(
                "fhir_system_base",
                "must be an absolute http(s) URL or a URN without spaces or '|'",
            ));
        }
        Ok(FhirSystems { base: b.to_string() })
    }

    pub fn base(&self) -> &str {
        &self.base
    }
    pub fn asset_tag(&self) -> String {
        format!("{}/asset-tag", self.base)
    }
    /// Serial numbers are unique only per manufacturer (REFERENCE §8.3).
    pub fn serial(&self, manufacturer_id: i64) -> String {
        format!("{}/mfr-serial/{manufacturer_id}", self.base)
    }
    fn serial_prefix(&self) -> String {
        format!("{}/mfr-serial/", self.base)
    }
    pub fn device_model(&self) -> String {
        format!("{}/device-model", self.base)
    }
    pub fn cost_center(&self) -> String {
        format!("{}/cost-center", self.base)
    }
    pub fn location(&self) -> String {
        format!("{}/location", self.base)
    }
    /// UMDNS and FDA product codes have no HL7-registered system URI; they are published under
    /// the hospital's base as local code systems.
    pub fn umdns(&self) -> String {
        format!("{}/CodeSystem/umdns", self.base)
    }
    pub fn fda_product_code(&self) -> String {
        format!("{}/CodeSystem/fda-product-code", self.base)
    }
}

/// FHIR `Device.status` and the coded `statusReason` (if any) for our asset status. See the
/// module table; codes from REFERENCE §8.1, our statuses from REFERENCE §9.4.
pub fn device_status(s: AssetStatus) -> (&'static str, Option<&'static str>) {
    match s {
        AssetStatus::Ordered | AssetStatus::PendingInspection => ("inactive", Some("not-ready")),
        AssetStatus::InService | AssetStatus::Loaned => ("active", Some("online")),
        AssetStatus::OutOfService => ("inactive", Some("offline")),
        AssetStatus::Retired | AssetStatus::Disposed => ("inactive", Some("off")),
        AssetStatus::Missing => ("unknown", None),
    }
}

/// The issuing agency of a UDI, from the raw string if we have it, else the DI's shape
/// (REFERENCE §5.1 parsing strategy: `+` HIBCC, `=`/`&` ICCBBA, GS1 by AI `01` or a 14-digit GTIN).
pub fn udi_issuer(udi: &Udi) -> Option<&'static str> {
    let raw = udi.raw.as_deref().map(strip_symbology).unwrap_or("");
    if raw.starts_with('+') {
        return Some(ISSUER_HIBCC);
    }
    if raw.starts_with('=') || raw.starts_with('&') {
        return Some(ISSUER_ICCBBA);
    }
    if raw.starts_with("(01)") || raw.starts_with("01") {
        return Some(ISSUER_GS1);
    }
    let di = udi.di.as_deref().unwrap_or("");
    if di.len() == 14 && di.bytes().all(|b| b.is_ascii_digit()) {
        return Some(ISSUER_GS1);
    }
    None
}

/// Drops a scanner's AIM symbology identifier (`]d2`, `]C1`, …; REFERENCE §5.2).
fn strip_symbology(raw: &str) -> &str {
    let b = raw.as_bytes();
    if b.len() >= 3 && b[0] == b']' && raw.is_char_boundary(3) { &raw[3..] } else { raw }
}

/// `Device.udiCarrier` (REFERENCE §8.1, §8.3). The raw string goes to `carrierAIDC` (base64)
/// when it is machine data — it carries the AIM prefix, a GS separator, or is a GS1 element
/// string without parentheses — and to `carrierHRF` when it is the human-readable form
/// (GS1 with parenthesised AIs, HIBCC and ISBT 128 text).
pub fn udi_carrier(udi: &Udi) -> Option<Value> {
    if udi.di.is_none() && udi.raw.is_none() {
        return None;
    }
    let mut c = Map::new();
    if let Some(di) = &udi.di {
        c.insert("deviceIdentifier".into(), json!(di));
    }
    let issuer = udi_issuer(udi);
    if let Some(i) = issuer {
        c.insert("issuer".into(), json!(i));
        c.insert("jurisdiction".into(), json!(JURISDICTION_FDA));
    }
    let mut entry = "unknown";
    if let Some(raw) = udi.raw.as_deref().filter(|r| !r.is_empty()) {
        let scanned = raw.starts_with(']') || raw.contains('\u{1d}');
        let gs1_element_string = issuer == Some(ISSUER_GS1) && !strip_symbology(raw).starts_with('(');
        if scanned || gs1_element_string {
            c.insert("carrierAIDC".into(), json!(base64(raw.as_bytes())));
        } else {
            c.insert("carrierHRF".into(), json!(raw));
        }
        if scanned {
            entry = "barcode";
        }
    }
    c.insert("entryType".into(), json!(entry));
    Some(Value::Object(c))
}

/// `type`: the model's nomenclature code and FDA product code, with the category as text
/// (REFERENCE §8.1 `type`, §5.7).
fn device_type(m: &DeviceModel, sys: &FhirSystems) -> Value {
    let mut coding = Vec::new();
    if let (Some(ns), Some(code)) = (m.nomenclature_system, m.nomenclature_code.as_deref()) {
        let system = match ns {
            NomenclatureSystem::Gmdn => GMDN_SYSTEM.to_string(),
            NomenclatureSystem::Umdns => sys.umdns(),
        };
        coding.push(json!({"system": system, "code": code}));
    }
    if let Some(pc) = &m.fda_product_code {
        coding.push(json!({"system": sys.fda_product_code(), "code": pc}));
    }
    let mut t = Map::new();
    if !coding.is_empty() {
        t.insert("coding".into(), Value::Array(coding));
    }
    t.insert("text".into(), json!(m.category));
    Value::Object(t)
}

fn device_names(name: &str, model_number: &str) -> Value {
    json!([
        {"name": name, "type": "manufacturer-name"},
        {"name": model_number, "type": "model-name"},
    ])
}

/// An asset as a FHIR R4 `Device` (REFERENCE §8.1, §8.3). `model` is the asset's model (for
/// the type codes); `None` leaves `type` as the category text only.
pub fn device(a: &Asset, model: Option<&DeviceModel>, sys: &FhirSystems) -> Value {
    let mut d = Map::new();
    d.insert("resourceType".into(), json!("Device"));
    d.insert("id".into(), json!(a.id.0.to_string()));
    let mut ids = vec![json!({
        "use": "official",
        "type": {"text": "Asset tag"},
        "system": sys.asset_tag(),
        "value": a.asset_tag,
    })];
    let serial = a.serial_number.as_deref().or(a.udi.serial.as_deref()).filter(|s| !s.trim().is_empty());
    if let Some(s) = serial {
        ids.push(json!({
            "type": {"coding": [{"system": V2_0203, "code": "SNO", "display": "Serial Number"}]},
            "system": sys.serial(a.model.manufacturer_id.0),
            "value": s,
        }));
    }
    d.insert("identifier".into(), Value::Array(ids));
    d.insert(
        "definition".into(),
        json!({
            "reference": format!("DeviceDefinition/{}", a.model.id.0),
            "display": format!("{} {}", a.model.manufacturer, a.model.model_number),
        }),
    );
    if let Some(c) = udi_carrier(&a.udi) {
        d.insert("udiCarrier".into(), json!([c]));
    }
    let (status, reason) = device_status(a.status);
    d.insert("status".into(), json!(status));
    let mut sr = Map::new();
    if let Some(code) = reason {
        sr.insert("coding".into(), json!([{"system": STATUS_REASON_SYSTEM, "code": code}]));
    }
    sr.insert("text".into(), json!(a.status.label()));
    d.insert("statusReason".into(), json!([Value::Object(sr)]));
    d.insert("manufacturer".into(), json!(a.model.manufacturer));
    if let Some(m) = a.udi.manufactured {
        d.insert("manufactureDate".into(), json!(m.to_string()));
    }
    if let Some(e) = a.udi.expiry {
        d.insert("expirationDate".into(), json!(e.to_string()));
    }
    if let Some(l) = a.udi.lot.as_deref().filter(|l| !l.is_empty()) {
        d.insert("lotNumber".into(), json!(l));
    }
    if let Some(s) = serial {
        d.insert("serialNumber".into(), json!(s));
    }
    d.insert("deviceName".into(), device_names(&a.model.name, &a.model.model_number));
    d.insert("modelNumber".into(), json!(a.model.model_number));
    let ty = match model {
        Some(m) => device_type(m, sys),
        None => json!({"text": a.model.category}),
    };
    d.insert("type".into(), ty);
    d.insert(
        "owner".into(),
        json!({
            "type": "Organization",
            "identifier": {"system": sys.cost_center(), "value": a.department.cost_center},
            "display": a.department.name,
        }),
    );
    if let Some(l) = &a.location {
        d.insert(
            "location".into(),
            json!({
                "type": "Location",
                "identifier": {"system": sys.location(), "value": l.id.0.to_string()},
                "display": l.name,
            }),
        );
    }
    Value::Object(d)
}

/// A device model as a FHIR R4 `DeviceDefinition` (REFERENCE §8.2): the model master that
/// every `Device.definition` points at.
pub fn device_definition(m: &DeviceModel, sys: &FhirSystems) -> Value {
    let mut d = Map::new();
    d.insert("resourceType".into(), json!("DeviceDefinition"));
    d.insert("id".into(), json!(m.id.0.to_string()));
    d.insert("identifier".into(), json!([{"system": sys.device_model(), "value": m.id.0.to_string()}]));
    d.insert("manufacturerString".into(), json!(m.manufacturer));
    d.insert("deviceName".into(), device_names(&m.name, &m.model_number));
    d.insert("modelNumber".into(), json!(m.model_number));
    d.insert("type".into(), device_type(m, sys));
    let mut props = Vec::new();
    if let Some(c) = m.fda_class {
        let code = match c {
            FdaClass::I => "1",
            FdaClass::II => "2",
            FdaClass::III => "3",
            FdaClass::Unclassified => "U",
        };
        props.push(json!({"type": {"text": "FDA device class"}, "valueCode": [{"text": c.label(), "coding": [{"code": code}]}]}));
    }
    if let Some(y) = m.expected_life_years {
        props.push(json!({
            "type": {"text": "Expected service life"},
            "valueQuantity": [{"value": y, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}],
        }));
    }
    if !props.is_empty() {
        d.insert("property".into(), Value::Array(props));
    }
    Value::Object(d)
}

/// One `identifier` search token (FHIR search, token type): `value`, `system|value`, `|value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentifierQuery {
    /// `value`: any system — asset tag or serial number.
    Any(String),
    /// `system|value` with our asset-tag system.
    AssetTag(String),
    /// `system|value` with our serial system of one manufacturer.
    Serial { manufacturer_id: i64, value: String },
    /// A system we do not issue, or `|value` (no system): nothing of ours can match.
    NoMatch,
}

/// Parses the value of `identifier=`. An empty value, or `system|` with no value, is refused
/// (it would select every device).
pub fn parse_identifier(token: &str, sys: &FhirSystems) -> Result<IdentifierQuery, crate::DomainError> {
    let bad = |m: &str| crate::DomainError::field("identifier", m);
    let (system, value) = match token.split_once('|') {
        Some((s, v)) => (Some(s), v),
        None => (None, token),
    };
    if value.trim().is_empty() {
        return Err(bad("needs a value: identifier=value or identifier=system|value"));
    }
    let value = value.to_string();
    Ok(match system {
        None => IdentifierQuery::Any(value),
        Some("") => IdentifierQuery::NoMatch,
        Some(s) if s == sys.asset_tag() => IdentifierQuery::AssetTag(value),
        Some(s) => match s.strip_prefix(&sys.serial_prefix()).map(str::parse::<i64>) {
            Some(Ok(m)) => IdentifierQuery::Serial { manufacturer_id: m, value },
            _ => IdentifierQuery::NoMatch,
        },
    })
}

/// A searchset `Bundle` of `resources` (each already a resource), with `total` and `self` link.
/// `base` is the server's FHIR base URL (`http://host/fhir/r4`) for `fullUrl`s.
pub fn searchset(base: &str, self_url: &str, total: usize, resources: Vec<Value>) -> Value {
    let entry: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let full = format!(
                "{}/{}/{}",
                base,
                r.get("resourceType").and_then(Value::as_str).unwrap_or(""),
                r.get("id").and_then(Value::as_str).unwrap_or("")
            );
            json!({"fullUrl": full, "resource": r, "search": {"mode": "match"}})
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": [{"relation": "self", "url": self_url}],
        "entry": entry,
    })
}

/// An `OperationOutcome` with one error issue. `code` is from the FHIR issue-type value set
/// (`not-found`, `invalid`, `login`, `forbidden`, `not-supported`, `exception`, …).
pub fn operation_outcome(code: &str, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    })
}

/// The server's `CapabilityStatement` (`GET /fhir/r4/metadata`). `date` is when it was made
/// (the caller's clock), `version` the software version.
pub fn capability_statement(date: &str, version: &str) -> Value {
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "OpenHTM",
        "kind": "instance",
        "software": {"name": "OpenHTM", "version": version},
        "implementation": {"description": "OpenHTM medical-equipment inventory (read-only FHIR R4 view)"},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "documentation": "Read-only view of the equipment inventory. Every request except metadata needs Authorization: Bearer <token> (POST /api/v1/auth/login).",
            "security": {"description": "HTTP Bearer tokens issued by POST /api/v1/auth/login; the caller needs permission to read the inventory."},
            "resource": [
                {
                    "type": "Device",
                    "profile": "http://hl7.org/fhir/StructureDefinition/Device",
                    "interaction": [{"code": "read"}, {"code": "search-type"}],
                    "searchParam": [{
                        "name": "identifier",
                        "definition": "http://hl7.org/fhir/SearchParameter/Device-identifier",
                        "type": "token",
                        "documentation": "Asset tag or serial number: value, or system|value",
                    }],
                },
                {
                    "type": "DeviceDefinition",
                    "profile": "http://hl7.org/fhir/StructureDefinition/DeviceDefinition",
                    "interaction": [{"code": "read"}],
                },
            ],
        }],
    })
}

/// Standard base64 (RFC 4648, with padding), for `carrierAIDC`.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::{DepartmentSummary, LocationSummary, ModelSummary};
    use crate::ids::*;
    use jiff::civil::date;

    fn model() -> DeviceModel {
        DeviceModel {
            id: ModelId(7),
            manufacturer_id: ManufacturerId(3),
            manufacturer: "Acme Medical".into(),
            model_number: "AM-100".into(),
            name: "Acme Infusion 100".into(),
            category: "Infusion pump, large-volume (LVP)".into(),
            nomenclature_system: Some(NomenclatureSystem::Umdns),
            nomenclature_code: Some("13215".into()),
            fda_product_code: Some("FRN".into()),
            fda_class: Some(FdaClass::II),
            expected_life_years: Some(10),
            high_risk: true,
            life_support: false,
            fda_510k: None,
            version: 1,
        }
    }

    fn asset(status: AssetStatus) -> Asset {
        Asset {
            id: AssetId(42),
            asset_tag: "BME-004217".into(),
            serial_number: Some("1234".into()),
            status,
            model: ModelSummary {
                id: ModelId(7),
                manufacturer_id: ManufacturerId(3),
                manufacturer: "Acme Medical".into(),
                model_number: "AM-100".into(),
                name: "Acme Infusion 100".into(),
                category: "Infusion pump, large-volume (LVP)".into(),
            },
            department: DepartmentSummary { id: DepartmentId(2), name: "ICU".into(), cost_center: "CC-4100".into() },
            location: Some(LocationSummary { id: LocationId(9), name: "ICU Bay 3".into() }),
            acquisition_date: None,
            acquisition_cost_minor: None,
            currency: "USD".into(),
            vendor: None,
            purchase_order: None,
            in_service_date: None,
            warranty_end: None,
            udi: Udi {
                di: Some("10884521062856".into()),
                lot: Some("A213B1".into()),
                serial: Some("1234".into()),
                manufactured: Some(date(2014, 12, 31)),
                expiry: Some(date(2015, 7, 7)),
                raw: Some("(01)10884521062856(11)141231(17)150707(10)A213B1(21)1234".into()),
            },
            high_risk_override: None,
            life_support_override: None,
            high_risk: true,
            life_support: false,
            notes: Some("patient MRN 1234567 was on it".into()),
            pm_procedure_code: None,
            protection_class: None,
            applied_part: None,
            calibration_due: None,
            calibrated_on: None,
            calibration_certificate: None,
            version: 1,
        }
    }

    #[test]
    fn the_reference_example_maps_field_by_field() {
        let sys = FhirSystems::new("https://hospital.example.org/fhir/sid/").unwrap();
        let d = device(&asset(AssetStatus::InService), Some(&model()), &sys);
        assert_eq!(d["resourceType"], "Device");
        assert_eq!(d["id"], "42");
        assert_eq!(d["identifier"][0]["system"], "https://hospital.example.org/fhir/sid/asset-tag");
        assert_eq!(d["identifier"][0]["value"], "BME-004217");
        assert_eq!(d["identifier"][0]["use"], "official");
        assert_eq!(d["identifier"][1]["type"]["coding"][0]["code"], "SNO");
        assert_eq!(d["identifier"][1]["system"], "https://hospital.example.org/fhir/sid/mfr-serial/3");
        assert_eq!(d["udiCarrier"][0]["deviceIdentifier"], "10884521062856");
        assert_eq!(d["udiCarrier"][0]["issuer"], ISSUER_GS1);
        assert_eq!(d["udiCarrier"][0]["jurisdiction"], JURISDICTION_FDA);
        assert_eq!(d["udiCarrier"][0]["carrierHRF"], "(01)10884521062856(11)141231(17)150707(10)A213B1(21)1234");
        assert_eq!(d["status"], "active");
        assert_eq!(d["statusReason"][0]["coding"][0]["code"], "online");
        assert_eq!(d["serialNumber"], "1234");
        assert_eq!(d["lotNumber"], "A213B1");
        assert_eq!(d["manufactureDate"], "2014-12-31");
        assert_eq!(d["expirationDate"], "2015-07-07");
        assert_eq!(d["manufacturer"], "Acme Medical");
        assert_eq!(d["modelNumber"], "AM-100");
        assert_eq!(d["definition"]["reference"], "DeviceDefinition/7");
        assert_eq!(d["type"]["coding"][1]["code"], "FRN");
        assert_eq!(d["owner"]["display"], "ICU");
        assert_eq!(d["owner"]["identifier"]["value"], "CC-4100");
        assert_eq!(d["location"]["display"], "ICU Bay 3");
        assert!(d.get("note").is_none(), "free text may hold PHI and is never exported");
    }

    #[test]
    fn the_raw_scan_goes_to_carrier_aidc_as_in_the_reference() {
        // REFERENCE §8.3: base64 of "]d2" + the element string with the GS separator.
        let udi = Udi {
            di: Some("10884521062856".into()),
            raw: Some("]d201108845210628561114123117150707".to_string() + "10A213B1\u{1d}211234"),
            ..Default::default()
        };
        let c = udi_carrier(&udi).unwrap();
        assert_eq!(c["carrierAIDC"], "XWQyMDExMDg4NDUyMTA2Mjg1NjExMTQxMjMxMTcxNTA3MDcxMEEyMTNCMR0yMTEyMzQ=");
        assert_eq!(c["entryType"], "barcode");
        assert!(c.get("carrierHRF").is_none());
    }

    #[test]
    fn issuers_follow_the_first_characters() {
        let u = |raw: &str| Udi { raw: Some(raw.into()), ..Default::default() };
        assert_eq!(udi_issuer(&u("+A123BJC5D6E71G")), Some(ISSUER_HIBCC));
        assert_eq!(udi_issuer(&u("=/A9997AB3456T0123")), Some(ISSUER_ICCBBA));
        assert_eq!(udi_issuer(&u("]d20109501101530003")), Some(ISSUER_GS1));
        assert_eq!(udi_issuer(&Udi { di: Some("00887517567062".into()), ..Default::default() }), Some(ISSUER_GS1));
        assert_eq!(udi_issuer(&Udi { di: Some("A999ABC1230".into()), ..Default::default() }), None);
        let h = udi_carrier(&u("+A123BJC5D6E71G")).unwrap();
        assert_eq!(h["carrierHRF"], "+A123BJC5D6E71G");
        assert!(udi_carrier(&Udi::default()).is_none());
    }

    #[test]
    fn every_status_maps() {
        let cases = [
            (AssetStatus::Ordered, "inactive", Some("not-ready")),
            (AssetStatus::PendingInspection, "inactive", Some("not-ready")),
            (AssetStatus::InService, "active", Some("online")),
            (AssetStatus::Loaned, "active", Some("online")),
            (AssetStatus::OutOfService, "inactive", Some("offline")),
            (AssetStatus::Retired, "inactive", Some("off")),
            (AssetStatus::Disposed, "inactive", Some("off")),
            (AssetStatus::Missing, "unknown", None),
        ];
        for (s, st, r) in cases {
            assert_eq!(device_status(s), (st, r), "{s:?}");
        }
        let d = device(&asset(AssetStatus::Missing), None, &FhirSystems::default());
        assert_eq!(d["status"], "unknown");
        assert!(d["statusReason"][0].get("coding").is_none());
        assert_eq!(d["statusReason"][0]["text"], "Missing / unable to locate");
        assert_eq!(d["type"]["text"], "Infusion pump, large-volume (LVP)");
    }

    #[test]
    fn identifier_tokens_parse() {
        let sys = FhirSystems::default();
        assert_eq!(parse_identifier("BME-1", &sys).unwrap(), IdentifierQuery::Any("BME-1".into()));
        let t = format!("{}|BME-1", sys.asset_tag());
        assert_eq!(parse_identifier(&t, &sys).unwrap(), IdentifierQuery::AssetTag("BME-1".into()));
        let s = format!("{}|SN9", sys.serial(12));
        assert_eq!(
            parse_identifier(&s, &sys).unwrap(),
            IdentifierQuery::Serial { manufacturer_id: 12, value: "SN9".into() }
        );
        assert_eq!(parse_identifier("|BME-1", &sys).unwrap(), IdentifierQuery::NoMatch);
        assert_eq!(parse_identifier("http://other.org/ids|BME-1", &sys).unwrap(), IdentifierQuery::NoMatch);
        assert!(parse_identifier("", &sys).is_err());
        assert!(parse_identifier("urn:x|", &sys).is_err());
    }

    #[test]
    fn system_bases_are_checked() {
        assert!(FhirSystems::new("hospital").is_err());
        assert!(FhirSystems::new("https://a b.org").is_err());
        assert_eq!(FhirSystems::new("urn:oid:1.2.3").unwrap().asset_tag(), "urn:oid:1.2.3/asset-tag");
    }

    #[test]
    fn definition_bundle_outcome_and_capabilities() {
        let sys = FhirSystems::default();
        let dd = device_definition(&model(), &sys);
        assert_eq!(dd["resourceType"], "DeviceDefinition");
        assert_eq!(dd["manufacturerString"], "Acme Medical");
        assert_eq!(dd["type"]["coding"][0]["code"], "13215");
        let b = searchset("http://h/fhir/r4", "http://h/fhir/r4/Device?identifier=x", 1, vec![dd]);
        assert_eq!(b["total"], 1);
        assert_eq!(b["entry"][0]["fullUrl"], "http://h/fhir/r4/DeviceDefinition/7");
        let o = operation_outcome("not-found", "no such device");
        assert_eq!(o["issue"][0]["code"], "not-found");
        let c = capability_statement("2026-01-01T00:00:00Z", "0.1.0");
        assert_eq!(c["fhirVersion"], "4.0.1");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }
}
