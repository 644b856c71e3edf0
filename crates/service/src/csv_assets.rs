//! Inventory files: assets exported to CSV or JSON, and imported from CSV all-or-nothing with
//! every bad row reported as `row N, column C: why` (row 1 is the header, as a spreadsheet
//! numbers it).
//!
//! Columns (the export writes all of them; the import needs the required ones and ignores the
//! informational ones):
//!
//! | column | import | meaning |
//! |---|---|---|
//! | `id` | ignored | the asset's id in this database |
//! | `asset_tag` | required | the hospital's asset tag (unique) |
//! | `serial_number` | optional | manufacturer serial number |
//! | `manufacturer` | required | manufacturer name, as in the catalogue |
//! | `model_number` | required | the manufacturer's model number |
//! | `model_name`, `category` | ignored | from the model |
//! | `department_cost_center` | one of these two | owning department's cost centre |
//! | `department` | one of these two | owning department's name (used when no cost centre) |
//! | `location` | optional | room/area name within the owning department |
//! | `status` | optional | `in_service` (default), `ordered`, `pending_inspection`, `out_of_service`, `loaned`, `missing`, `retired`, `disposed` |
//! | `acquisition_date`, `in_service_date`, `warranty_end` | optional | `YYYY-MM-DD` |
//! | `acquisition_cost` | optional | decimal amount, e.g. `3450.00` |
//! | `currency` | optional | ISO 4217 code, default `USD` |
//! | `vendor` | optional | vendor name, as in the catalogue |
//! | `purchase_order` | optional | PO number |
//! | `udi_di`, `udi_lot`, `udi_serial` | optional | UDI device identifier and production identifiers |
//! | `udi_manufactured`, `udi_expiry` | optional | `YYYY-MM-DD` |
//! | `high_risk`, `life_support` | ignored | effective flags (override, else the model's) |
//! | `high_risk_override`, `life_support_override` | optional | `yes` / `no` / blank (inherit the model's) |
//! | `notes` | optional | free text |
//! | `pm_procedure_code` | optional | PM procedure code for this asset (blank = the model's default) |
//! | `protection_class` | optional | `I`, `II` or `internal` (selects electrical safety limits) |
//! | `applied_part` | optional | `none`, `B`, `BF` or `CF` (selects electrical safety limits) |
//! | `calibration_due` | optional | test equipment: `YYYY-MM-DD` the calibration is next due |
//! | `calibrated_on` | optional | test equipment: `YYYY-MM-DD` of the last calibration |
//! | `calibration_certificate` | optional | test equipment: the calibration certificate's number or reference (≤ 100 characters) |
//! | `version` | ignored | the record's version |

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::DomainError;
use htm_domain::asset::{Asset, AssetPmFields, AssetStatus, NewAsset, Udi};
use htm_domain::ids::*;
use htm_domain::page::PageRequest;
use htm_store::{AssetFilter, StoreError};
use std::collections::{HashMap, HashSet};
use std::io::Write;

/// The asset columns (one list, in the domain: `htm_domain::spreadsheet::ASSET_COLUMNS`).
pub const COLUMNS: &[&str] = htm_domain::spreadsheet::ASSET_COLUMNS;

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Spreadsheet row number: the header is row 1.
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column {}: {}", self.row, self.column, self.message)
    }
}

#[derive(Debug)]
pub enum ImportError {
    /// The file has problems; nothing was written.
    Rows(Vec<RowError>),
    Service(ServiceError),
}

impl From<ServiceError> for ImportError {
    fn from(e: ServiceError) -> Self {
        ImportError::Service(e)
    }
}

fn money_text(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

fn date_text(d: Option<jiff::civil::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

pub(crate) fn asset_record(a: &Asset) -> Vec<String> {
    vec![
        a.id.to_string(),
        a.asset_tag.clone(),
        a.serial_number.clone().unwrap_or_default(),
        a.model.manufacturer.clone(),
        a.model.model_number.clone(),
        a.model.name.clone(),
        a.model.category.clone(),
        a.department.cost_center.clone(),
        a.department.name.clone(),
        a.location.as_ref().map(|l| l.name.clone()).unwrap_or_default(),
        a.status.as_str().to_string(),
        date_text(a.acquisition_date),
        a.acquisition_cost_minor.map(money_text).unwrap_or_default(),
        a.currency.clone(),
        a.vendor.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
        a.purchase_order.clone().unwrap_or_default(),
        date_text(a.in_service_date),
        date_text(a.warranty_end),
        a.udi.di.clone().unwrap_or_default(),
        a.udi.lot.clone().unwrap_or_default(),
        a.udi.serial.clone().unwrap_or_default(),
        date_text(a.udi.manufactured),
        date_text(a.udi.expiry),
        yes_no(Some(a.high_risk)).into(),
        yes_no(Some(a.life_support)).into(),
        yes_no(a.high_risk_override).into(),
        yes_no(a.life_support_override).into(),
        a.notes.clone().unwrap_or_default(),
        a.pm_procedure_code.clone().unwrap_or_default(),
        a.protection_class.map(|c| c.as_str().to_string()).unwrap_or_default(),
        a.applied_part.map(|c| c.as_str().to_string()).unwrap_or_default(),
        date_text(a.calibration_due),
        date_text(a.calibrated_on),
        a.calibration_certificate.clone().unwrap_or_default(),
        a.version.to_string(),
    ]
}

/// Lookup tables from names in a file to ids, loaded page by page.
#[derive(Default)]
pub(crate) struct Lookups {
    pub(crate) models: HashMap<(String, String), ModelId>,
    pub(crate) departments_by_cc: HashMap<String, DepartmentId>,
    pub(crate) departments_by_name: HashMap<String, Vec<DepartmentId>>,
    pub(crate) locations: HashMap<(DepartmentId, String), LocationId>,
    pub(crate) vendors: HashMap<String, VendorId>,
}

fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Services {
    /// Writes every asset the filter selects as CSV, a page at a time. Returns the row count.
    pub async fn export_assets_csv(&self, p: &Principal, f: &AssetFilter, out: &mut dyn Write) -> ServiceResult<usize> {
        p.require(Action::ImportExport)?;
        let mut w = csv::Writer::from_writer(out);
        w.write_record(COLUMNS).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let n = self
            .for_each_asset(f, |a| w.write_record(asset_record(a)).map_err(|e| ServiceError::Internal(e.to_string())))
            .await?;
        w.flush().map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(n)
    }

    /// Writes every asset the filter selects as a JSON array of the API's asset objects.
    pub async fn export_assets_json(
        &self,
        p: &Principal,
        f: &AssetFilter,
        out: &mut dyn Write,
    ) -> ServiceResult<usize> {
        p.require(Action::ImportExport)?;
        let io = |e: std::io::Error| ServiceError::Internal(e.to_string());
        out.write_all(b"[").map_err(io)?;
        let mut first = true;
        let n = self
            .for_each_asset(f, |a| {
                if !first {
                    out.write_all(b",\n").map_err(io)?;
                }
                first = false;
                serde_json::to_writer(&mut *out, a).map_err(|e| ServiceError::Internal(e.to_string()))
            })
            .await?;
        out.write_all(b"]\n").map_err(io)?;
        Ok(n)
    }

    async fn for_each_asset(
        &self,
        f: &AssetFilter,
        mut each: impl FnMut(&Asset) -> ServiceResult<()>,
    ) -> ServiceResult<usize> {
        let mut page = PageRequest::first(1000);
        let mut n = 0;
        loop {
            let p = self.store.list_assets(f, page).await?;
            for a in &p.items {
                each(a)?;
                n += 1;
            }
            match p.next_cursor.as_deref().and_then(htm_domain::page::decode_cursor) {
                Some(after) => page = PageRequest { limit: 1000, after: Some(after) },
                None => return Ok(n),
            }
        }
    }

    pub(crate) async fn load_lookups(&self) -> ServiceResult<Lookups> {
        let mut l = Lookups {
            models: HashMap::new(),
            departments_by_cc: HashMap::new(),
            departments_by_name: HashMap::new(),
            locations: HashMap::new(),
            vendors: HashMap::new(),
        };
        let mut page = PageRequest::first(1000);
        loop {
            let p = self.store.list_models(None, page).await?;
            for m in &p.items {
                l.models.insert((key(&m.manufacturer), key(&m.model_number)), m.id);
            }
            match p.next_cursor.as_deref().and_then(htm_domain::page::decode_cursor) {
                Some(after) => page.after = Some(after),
                None => break,
            }
        }
        for d in self.store.list_departments(None).await? {
            l.departments_by_cc.insert(key(&d.cost_center), d.id);
            l.departments_by_name.entry(key(&d.name)).or_default().push(d.id);
        }
        let mut page = PageRequest::first(1000);
        loop {
            let p = self.store.list_locations(None, page).await?;
            for loc in &p.items {
                l.locations.insert((loc.department_id, key(&loc.name)), loc.id);
            }
            match p.next_cursor.as_deref().and_then(htm_domain::page::decode_cursor) {
                Some(after) => page.after = Some(after),
                None => break,
            }
        }
        let mut page = PageRequest::first(1000);
        loop {
            let p = self.store.list_vendors(page).await?;
            for v in &p.items {
                l.vendors.insert(key(&v.name), v.id);
            }
            match p.next_cursor.as_deref().and_then(htm_domain::page::decode_cursor) {
                Some(after) => page.after = Some(after),
                None => break,
            }
        }
        Ok(l)
    }

    /// Parses and checks a whole CSV file, then imports every row in one transaction — or
    /// nothing, returning every problem found.
    pub async fn import_assets_csv(&self, p: &Principal, input: &[u8]) -> Result<usize, ImportError> {
        p.require(Action::ImportExport)?;
        p.require(Action::ManageInventory)?;
        let lookups = self.load_lookups().await?;
        let mut errors = Vec::new();
        let mut rdr = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(input);
        let header: Vec<String> = match rdr.headers() {
            Ok(h) => h.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_lowercase()).collect(),
            Err(e) => {
                return Err(ImportError::Rows(vec![RowError {
                    row: 1,
                    column: "-".into(),
                    message: format!("cannot read the header: {e}"),
                }]));
            }
        };
        for h in &header {
            if !COLUMNS.contains(&h.as_str()) {
                errors.push(RowError {
                    row: 1,
                    column: h.clone(),
                    message: format!("unknown column (known columns: {})", COLUMNS.join(", ")),
                });
            }
        }
        for required in ["asset_tag", "manufacturer", "model_number"] {
            if !header.iter().any(|h| h == required) {
                errors.push(RowError { row: 1, column: required.into(), message: "required column is missing".into() });
            }
        }
        if !header.iter().any(|h| h == "department" || h == "department_cost_center") {
            errors.push(RowError {
                row: 1,
                column: "department".into(),
                message: "a department or department_cost_center column is required".into(),
            });
        }
        if !errors.is_empty() {
            return Err(ImportError::Rows(errors));
        }
        let mut assets = Vec::new();
        let mut pm_fields = Vec::new();
        let mut rows = Vec::new();
        let mut seen_tags: HashSet<String> = HashSet::new();
        for (i, rec) in rdr.records().enumerate() {
            let row = i + 2;
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    errors.push(RowError { row, column: "-".into(), message: format!("cannot read the row: {e}") });
                    continue;
                }
            };
            let get = |c: &str| {
                header.iter().position(|h| h == c).and_then(|i| rec.get(i)).map(str::trim).filter(|v| !v.is_empty())
            };
            let pm = match parse_pm_fields(&get) {
                Ok(f) => f,
                Err(mut e) => {
                    for x in &mut e {
                        x.row = row;
                    }
                    errors.append(&mut e);
                    AssetPmFields::default()
                }
            };
            match parse_row(&get, &lookups) {
                Ok(a) => {
                    pm_fields.push(pm);
                    let tag = key(&a.asset_tag);
                    if !seen_tags.insert(tag) {
                        errors.push(RowError {
                            row,
                            column: "asset_tag".into(),
                            message: format!("'{}' appears more than once in this file", a.asset_tag),
                        });
                    } else {
                        match self.store.get_asset_by_tag(&a.asset_tag).await {
                            Ok(_) => errors.push(RowError {
                                row,
                                column: "asset_tag".into(),
                                message: format!("'{}' is already in the inventory", a.asset_tag),
                            }),
                            Err(StoreError::NotFound(_)) => {}
                            Err(e) => return Err(ImportError::Service(e.into())),
                        }
                    }
                    assets.push(a);
                    rows.push(row);
                }
                Err(mut e) => {
                    for x in &mut e {
                        x.row = row;
                    }
                    errors.append(&mut e);
                }
            }
        }
        if !errors.is_empty() {
            return Err(ImportError::Rows(errors));
        }
        match self.store.import_assets_with_pm(&self.ctx(p, Some("asset import".into())), &assets, &pm_fields).await {
            Ok(n) => Ok(n),
            Err((i, e)) => {
                let row = rows.get(i).copied().unwrap_or(0);
                let (column, message) = match ServiceError::from(e) {
                    ServiceError::Validation(f) => (
                        f.first().map(|f| f.field.clone()).unwrap_or_default(),
                        f.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "),
                    ),
                    ServiceError::Conflict { field, message } => (field, message),
                    other => return Err(ImportError::Service(other)),
                };
                Err(ImportError::Rows(vec![RowError { row, column, message }]))
            }
        }
    }
}

/// The optional PM and test-equipment columns of a row.
pub(crate) fn parse_pm_fields<'a>(get: &dyn Fn(&str) -> Option<&'a str>) -> Result<AssetPmFields, Vec<RowError>> {
    let mut e = Vec::new();
    let mut f = AssetPmFields::default();
    let mut err = |column: &str, message: String| e.push(RowError { row: 0, column: column.into(), message });
    if let Some(c) = get("pm_procedure_code") {
        match htm_domain::procedure::parse_procedure_code("pm_procedure_code", c) {
            Ok(c) => f.pm_procedure_code = Some(c),
            Err(d) => err("pm_procedure_code", d.to_string()),
        }
    }
    if let Some(c) = get("protection_class") {
        match htm_domain::esa::ProtectionClass::parse(c) {
            Ok(c) => f.protection_class = Some(c),
            Err(d) => err("protection_class", d.to_string()),
        }
    }
    if let Some(c) = get("applied_part") {
        match htm_domain::esa::AppliedPartType::parse(c) {
            Ok(c) => f.applied_part = Some(c),
            Err(d) => err("applied_part", d.to_string()),
        }
    }
    if let Some(c) = get("calibration_due") {
        match c.parse::<jiff::civil::Date>() {
            Ok(d) => f.calibration_due = Some(d),
            Err(_) => err("calibration_due", format!("'{c}' is not a date (YYYY-MM-DD)")),
        }
    }
    if let Some(c) = get("calibrated_on") {
        match c.parse::<jiff::civil::Date>() {
            Ok(d) => f.calibrated_on = Some(d),
            Err(_) => err("calibrated_on", format!("'{c}' is not a date (YYYY-MM-DD)")),
        }
    }
    if let Some(c) = get("calibration_certificate") {
        if c.chars().count() > 100 {
            err("calibration_certificate", "must be at most 100 characters".into());
        } else {
            f.calibration_certificate = Some(c.to_string());
        }
    }
    if let (Some(on), Some(due)) = (f.calibrated_on, f.calibration_due)
        && on > due
    {
        err("calibrated_on", format!("the last calibration ({on}) is after the due date ({due})"));
    }
    if e.is_empty() { Ok(f) } else { Err(e) }
}

pub(crate) fn parse_row<'a>(get: &dyn Fn(&str) -> Option<&'a str>, l: &Lookups) -> Result<NewAsset, Vec<RowError>> {
    let mut e = Vec::new();
    let err = |e: &mut Vec<RowError>, c: &str, m: String| e.push(RowError { row: 0, column: c.into(), message: m });
    let date = |e: &mut Vec<RowError>, c: &str| -> Option<jiff::civil::Date> {
        let v = get(c)?;
        match v.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                e.push(RowError { row: 0, column: c.into(), message: format!("'{v}' is not a date (YYYY-MM-DD)") });
                None
            }
        }
    };
    let flag = |e: &mut Vec<RowError>, c: &str| -> Option<bool> {
        match get(c)?.to_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Some(true),
            "no" | "n" | "false" | "0" => Some(false),
            other => {
                e.push(RowError { row: 0, column: c.into(), message: format!("'{other}' is not yes or no") });
                None
            }
        }
    };
    let tag = get("asset_tag").unwrap_or("");
    if tag.is_empty() {
        err(&mut e, "asset_tag", "is required".into());
    }
    let model = match (get("manufacturer"), get("model_number")) {
        (Some(m), Some(n)) => match l.models.get(&(key(m), key(n))) {
            Some(id) => Some(*id),
            None => {
                err(
                    &mut e,
                    "model_number",
                    format!("no model '{n}' from manufacturer '{m}' in the catalogue; add the model first"),
                );
                None
            }
        },
        (None, _) => {
            err(&mut e, "manufacturer", "is required".into());
            None
        }
        (_, None) => {
            err(&mut e, "model_number", "is required".into());
            None
        }
    };
    let department = match (get("department_cost_center"), get("department")) {
        (Some(cc), _) => match l.departments_by_cc.get(&key(cc)) {
            Some(d) => Some(*d),
            None => {
                err(&mut e, "department_cost_center", format!("no department with cost centre '{cc}'"));
                None
            }
        },
        (None, Some(name)) => match l.departments_by_name.get(&key(name)).map(Vec::as_slice) {
            Some([d]) => Some(*d),
            Some(_) => {
                err(
                    &mut e,
                    "department",
                    format!("'{name}' names more than one department; give department_cost_center"),
                );
                None
            }
            None => {
                err(&mut e, "department", format!("no department named '{name}'"));
                None
            }
        },
        (None, None) => {
            err(&mut e, "department", "is required".into());
            None
        }
    };
    let location = match (get("location"), department) {
        (Some(name), Some(d)) => match l.locations.get(&(d, key(name))) {
            Some(id) => Some(*id),
            None => {
                err(&mut e, "location", format!("no location '{name}' in the owning department"));
                None
            }
        },
        _ => None,
    };
    let vendor = match get("vendor") {
        Some(v) => match l.vendors.get(&key(v)) {
            Some(id) => Some(*id),
            None => {
                err(&mut e, "vendor", format!("no vendor named '{v}'"));
                None
            }
        },
        None => None,
    };
    let status = match get("status") {
        Some(s) => match AssetStatus::parse(s) {
            Ok(s) => s,
            Err(DomainError::Invalid(f)) => {
                err(&mut e, "status", f.into_iter().map(|f| f.message).collect::<Vec<_>>().join("; "));
                AssetStatus::InService
            }
            Err(other) => {
                err(&mut e, "status", other.to_string());
                AssetStatus::InService
            }
        },
        None => AssetStatus::InService,
    };
    let cost = match get("acquisition_cost") {
        Some(v) => match parse_money(v) {
            Some(c) => Some(c),
            None => {
                err(&mut e, "acquisition_cost", format!("'{v}' is not an amount (e.g. 3450.00)"));
                None
            }
        },
        None => None,
    };
    let udi = Udi {
        di: get("udi_di").map(String::from),
        lot: get("udi_lot").map(String::from),
        serial: get("udi_serial").map(String::from),
        manufactured: date(&mut e, "udi_manufactured"),
        expiry: date(&mut e, "udi_expiry"),
        raw: None,
    };
    let new = NewAsset {
        asset_tag: tag.to_string(),
        serial_number: get("serial_number").map(String::from),
        model_id: model.unwrap_or(ModelId(0)),
        department_id: department.unwrap_or(DepartmentId(0)),
        location_id: location,
        status,
        acquisition_date: date(&mut e, "acquisition_date"),
        acquisition_cost_minor: cost,
        currency: get("currency").unwrap_or("USD").to_string(),
        vendor_id: vendor,
        purchase_order: get("purchase_order").map(String::from),
        in_service_date: date(&mut e, "in_service_date"),
        warranty_end: date(&mut e, "warranty_end"),
        udi,
        high_risk_override: flag(&mut e, "high_risk_override"),
        life_support_override: flag(&mut e, "life_support_override"),
        notes: get("notes").map(String::from),
    };
    if !e.is_empty() {
        return Err(e);
    }
    new.normalized().map_err(|d| match d {
        DomainError::Invalid(f) => {
            f.into_iter().map(|f| RowError { row: 0, column: f.field, message: f.message }).collect()
        }
        other => vec![RowError { row: 0, column: "-".into(), message: other.to_string() }],
    })
}

/// `3450`, `3450.5`, `3,450.50` → minor units; negative or malformed → `None`.
pub fn parse_money(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches('$').replace(',', "");
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w.to_string(), f.to_string()),
        None => (s.clone(), String::new()),
    };
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_parses_to_cents() {
        assert_eq!(parse_money("3450"), Some(345_000));
        assert_eq!(parse_money("3,450.5"), Some(345_050));
        assert_eq!(parse_money("$12.34"), Some(1234));
        assert_eq!(parse_money("-5"), None);
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(parse_money("abc"), None);
        assert_eq!(money_text(345_050), "3450.50");
    }
}
