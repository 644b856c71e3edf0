//! Spreadsheet migration (issue 6 §4): the kinds of record a CSV or XLSX file can carry, their
//! columns, and the column-mapping file that turns a legacy system's export into them.
//!
//! A mapping file (TOML; `docs/spreadsheet-mapping.md`) says, for a legacy file:
//! - `[columns]`: legacy column → our field (columns named as our fields need no entry);
//! - `skip = [...]`: legacy columns to ignore;
//! - `[constants]`: our field → a value for every row (used when no column gives one);
//! - `[values.FIELD]`: legacy value → our value (compared trimmed and case-insensitively;
//!   values not listed pass through unchanged and are then checked as usual);
//! - `date_format` (all date fields) and `[date_formats]` (per field): `strftime` formats such
//!   as `%m/%d/%Y`; a value already in ISO form (`YYYY-MM-DD`, e.g. from an XLSX date cell) is
//!   accepted too;
//! - `sheet`: the XLSX worksheet to read (default: the first).
//!
//! Errors name the row as the file numbers it (header = row 1) and the column as the file names it.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// What a spreadsheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SheetKind {
    Assets,
    Models,
    Locations,
    Vendors,
    PmSchedules,
    WorkOrders,
}

impl SheetKind {
    /// Every kind, in the order a migration loads them (each refers only to earlier ones).
    pub const ALL: [SheetKind; 6] = [
        SheetKind::Vendors,
        SheetKind::Locations,
        SheetKind::Models,
        SheetKind::Assets,
        SheetKind::PmSchedules,
        SheetKind::WorkOrders,
    ];

    /// The name used on the command line and in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            SheetKind::Assets => "assets",
            SheetKind::Models => "models",
            SheetKind::Locations => "locations",
            SheetKind::Vendors => "vendors",
            SheetKind::PmSchedules => "pm-schedules",
            SheetKind::WorkOrders => "work-orders",
        }
    }

    pub fn parse(s: &str) -> Option<SheetKind> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        SheetKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Every column, in export order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            SheetKind::Assets => ASSET_COLUMNS,
            SheetKind::Models => &[
                "id",
                "manufacturer",
                "model_number",
                "name",
                "category",
                "nomenclature_system",
                "nomenclature_code",
                "fda_product_code",
                "fda_class",
                "expected_life_years",
                "high_risk",
                "life_support",
                "version",
            ],
            SheetKind::Locations => &["id", "department_cost_center", "department", "name", "floor", "version"],
            SheetKind::Vendors => &["id", "name", "phone", "email", "version"],
            SheetKind::PmSchedules => {
                &["id", "asset_tag", "interval_months", "basis", "anchor_date", "grace_days", "active", "version"]
            }
            SheetKind::WorkOrders => &[
                "id",
                "number",
                "asset_tag",
                "wo_type",
                "priority",
                "status",
                "problem",
                "cause_code",
                "work_performed",
                "result",
                "vendor",
                "opened_at",
                "completed_at",
                "closed_at",
                "downtime_start",
                "downtime_end",
                "technician",
                "labour_minutes",
            ],
        }
    }

    /// Columns an import reads but must not have (informational: ids, versions, derived values).
    pub fn ignored(self) -> &'static [&'static str] {
        match self {
            SheetKind::Assets => &["id", "model_name", "category", "high_risk", "life_support", "version"],
            SheetKind::PmSchedules => &["id", "active", "version"],
            _ => &["id", "version"],
        }
    }

    /// Columns every import file must provide (by column, constant or mapping).
    pub fn required(self) -> &'static [&'static str] {
        match self {
            SheetKind::Assets => &["asset_tag", "manufacturer", "model_number"],
            SheetKind::Models => &["manufacturer", "model_number", "name", "category"],
            SheetKind::Locations => &["name"],
            SheetKind::Vendors => &["name"],
            SheetKind::PmSchedules => &["asset_tag", "interval_months", "anchor_date"],
            SheetKind::WorkOrders => &["asset_tag", "wo_type", "problem", "opened_at", "completed_at"],
        }
    }

    /// Fields holding a civil date (`YYYY-MM-DD`).
    pub fn date_fields(self) -> &'static [&'static str] {
        match self {
            SheetKind::Assets => &[
                "acquisition_date",
                "in_service_date",
                "warranty_end",
                "udi_manufactured",
                "udi_expiry",
                "calibration_due",
                "calibrated_on",
            ],
            SheetKind::PmSchedules => &["anchor_date"],
            _ => &[],
        }
    }

    /// Fields holding an instant (RFC 3339 UTC, or a date read as midnight UTC).
    pub fn instant_fields(self) -> &'static [&'static str] {
        match self {
            SheetKind::WorkOrders => &["opened_at", "completed_at", "closed_at", "downtime_start", "downtime_end"],
            _ => &[],
        }
    }
}

impl std::fmt::Display for SheetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The asset columns, as `htm export assets` writes them (README "CSV columns").
pub const ASSET_COLUMNS: &[&str] = &[
    "id",
    "asset_tag",
    "serial_number",
    "manufacturer",
    "model_number",
    "model_name",
    "category",
    "department_cost_center",
    "department",
    "location",
    "status",
    "acquisition_date",
    "acquisition_cost",
    "currency",
    "vendor",
    "purchase_order",
    "in_service_date",
    "warranty_end",
    "udi_di",
    "udi_lot",
    "udi_serial",
    "udi_manufactured",
    "udi_expiry",
    "high_risk",
    "life_support",
    "high_risk_override",
    "life_support_override",
    "notes",
    "pm_procedure_code",
    "protection_class",
    "applied_part",
    "calibration_due",
    "calibrated_on",
    "calibration_certificate",
    "version",
];

/// A column-mapping file, as read from TOML.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The kind of record the file holds (optional; checked against the command's kind).
    #[serde(default)]
    pub kind: Option<String>,
    /// The XLSX worksheet to read (default: the first).
    #[serde(default)]
    pub sheet: Option<String>,
    /// Legacy column → our field.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Legacy columns to ignore.
    #[serde(default)]
    pub skip: Vec<String>,
    /// Our field → value for every row without one.
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
    /// Our field → (legacy value → our value).
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// strftime format for every date field.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Our field → strftime format.
    #[serde(default)]
    pub date_formats: BTreeMap<String, String>,
}

/// A problem with a file, a row or a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// As the file numbers it: the header is row 1 (0: the mapping file itself).
    pub row: usize,
    /// As the file names it (or the field, for a constant or a missing column).
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column {}: {}", self.row, self.column, self.message)
    }
}

fn norm(s: &str) -> String {
    s.trim().trim_start_matches('\u{feff}').to_lowercase()
}

/// Where each field of a kind comes from in one file.
#[derive(Debug, Clone)]
pub struct Plan {
    kind: SheetKind,
    /// Per field (in `kind.columns()` order): the file column index and its header text.
    source: Vec<Option<(usize, String)>>,
    constants: Vec<Option<String>>,
    values: Vec<HashMap<String, String>>,
    formats: Vec<Option<String>>,
}

/// One row, mapped to our fields.
#[derive(Debug, Clone)]
pub struct MappedRow<'p> {
    plan: &'p Plan,
    pub row: usize,
    values: Vec<Option<String>>,
    /// Fields whose cell could not be read (reported by `Plan::map_row`, left blank).
    unreadable: Vec<usize>,
}

impl Mapping {
    /// Checks the mapping against a kind's fields; problems are reported as row 0.
    pub fn check(&self, kind: SheetKind) -> Result<(), Vec<CellError>> {
        let mut e = Vec::new();
        let known = |f: &str| kind.columns().contains(&f) && !kind.ignored().contains(&f);
        let mut err = |column: &str, message: String| e.push(CellError { row: 0, column: column.into(), message });
        if let Some(k) = &self.kind
            && SheetKind::parse(k) != Some(kind)
        {
            err("kind", format!("the mapping is for '{k}', not {kind}"));
        }
        for (legacy, field) in &self.columns {
            if !known(&norm(field)) {
                err(legacy, format!("maps to '{field}', which is not a field of {kind} ({})", field_list(kind)));
            }
        }
        for section in [self.constants.keys().collect::<Vec<_>>(), self.values.keys().collect()] {
            for field in section {
                if !known(&norm(field)) {
                    err(field, format!("'{field}' is not a field of {kind} ({})", field_list(kind)));
                }
            }
        }
        let dated: Vec<&str> = kind.date_fields().iter().chain(kind.instant_fields()).copied().collect();
        for (field, fmt) in &self.date_formats {
            if !dated.contains(&norm(field).as_str()) {
                err(field, format!("'{field}' is not a date field of {kind}"));
            }
            check_format(fmt).unwrap_or_else(|m| err(field, m));
        }
        if let Some(fmt) = &self.date_format {
            check_format(fmt).unwrap_or_else(|m| err("date_format", m));
        }
        if e.is_empty() { Ok(()) } else { Err(e) }
    }

    /// Resolves a file's header (row 1) into a plan, or reports every bad header cell.
    pub fn plan(&self, kind: SheetKind, header: &[String]) -> Result<Plan, Vec<CellError>> {
        self.check(kind)?;
        let fields = kind.columns();
        let mut source: Vec<Option<(usize, String)>> = vec![None; fields.len()];
        let mut e = Vec::new();
        let mapped: HashMap<String, String> = self.columns.iter().map(|(k, v)| (norm(k), norm(v))).collect();
        let skip: Vec<String> = self.skip.iter().map(|s| norm(s)).collect();
        for (i, h) in header.iter().enumerate() {
            let n = norm(h);
            if n.is_empty() || skip.contains(&n) {
                continue;
            }
            let field = mapped.get(&n).cloned().unwrap_or_else(|| n.clone());
            if kind.ignored().contains(&field.as_str()) {
                continue;
            }
            match fields.iter().position(|f| *f == field) {
                Some(fi) => {
                    if let Some((_, other)) = &source[fi] {
                        e.push(CellError {
                            row: 1,
                            column: h.trim().to_string(),
                            message: format!("gives '{field}', which column '{other}' already gives"),
                        });
                    } else {
                        source[fi] = Some((i, h.trim().to_string()));
                    }
                }
                None => e.push(CellError {
                    row: 1,
                    column: h.trim().to_string(),
                    message: format!(
                        "unknown column (known columns: {}; or map it in [columns] or list it in skip)",
                        field_list(kind)
                    ),
                }),
            }
        }
        let field_index = |f: &str| fields.iter().position(|x| *x == norm(f));
        let mut constants = vec![None; fields.len()];
        for (f, v) in &self.constants {
            if let Some(i) = field_index(f) {
                constants[i] = Some(v.trim().to_string());
            }
        }
        let mut values = vec![HashMap::new(); fields.len()];
        for (f, m) in &self.values {
            if let Some(i) = field_index(f) {
                values[i] = m.iter().map(|(k, v)| (norm(k), v.trim().to_string())).collect();
            }
        }
        let mut formats = vec![None; fields.len()];
        for (i, f) in fields.iter().enumerate() {
            if kind.date_fields().contains(f) || kind.instant_fields().contains(f) {
                formats[i] = self
                    .date_formats
                    .iter()
                    .find(|(k, _)| norm(k) == *f)
                    .map(|(_, v)| v.clone())
                    .or_else(|| self.date_format.clone());
            }
        }
        for required in kind.required() {
            if let Some(i) = field_index(required)
                && source[i].is_none()
                && constants[i].is_none()
            {
                e.push(CellError { row: 1, column: (*required).into(), message: "required column is missing".into() });
            }
        }
        if kind == SheetKind::Assets {
            let has = |f: &str| field_index(f).is_some_and(|i| source[i].is_some() || constants[i].is_some());
            if !has("department") && !has("department_cost_center") {
                e.push(CellError {
                    row: 1,
                    column: "department".into(),
                    message: "a department or department_cost_center column is required".into(),
                });
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(Plan { kind, source, constants, values, formats })
    }
}

fn field_list(kind: SheetKind) -> String {
    kind.columns().iter().filter(|c| !kind.ignored().contains(c)).copied().collect::<Vec<_>>().join(", ")
}

fn check_format(fmt: &str) -> Result<(), String> {
    if !fmt.contains('%') {
        return Err(format!("'{fmt}' is not a strftime date format (e.g. %m/%d/%Y)"));
    }
    Ok(())
}

/// Reads a date with a strftime format; an ISO `YYYY-MM-DD` (or an RFC 3339 instant's date) is
/// accepted too, since XLSX date cells arrive in that form.
pub fn parse_date_with(value: &str, format: Option<&str>) -> Result<jiff::civil::Date, String> {
    let v = value.trim();
    if let Some(fmt) = format {
        if let Ok(d) = jiff::fmt::strtime::parse(fmt, v).and_then(|t| t.to_date()) {
            return Ok(d);
        }
        if let Ok(d) = v.parse::<jiff::civil::Date>() {
            return Ok(d);
        }
        return Err(format!("'{v}' does not match the date format {fmt}"));
    }
    v.parse::<jiff::civil::Date>().map_err(|_| format!("'{v}' is not a date (YYYY-MM-DD)"))
}

/// Reads an instant: RFC 3339 (`2024-03-01T10:15:00Z`), `YYYY-MM-DD HH:MM[:SS]` (UTC), or a
/// date (midnight UTC); with a format, that format first (read as UTC).
pub fn parse_instant_with(value: &str, format: Option<&str>) -> Result<jiff::Timestamp, String> {
    let v = value.trim();
    if let Some(fmt) = format
        && let Ok(t) = jiff::fmt::strtime::parse(fmt, v)
    {
        if let Ok(dt) = t.to_datetime() {
            return dt.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| e.to_string());
        }
        if let Ok(d) = t.to_date() {
            return d.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| e.to_string());
        }
    }
    if let Ok(t) = v.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    if let Ok(dt) = v.replace(' ', "T").parse::<jiff::civil::DateTime>() {
        return dt.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| e.to_string());
    }
    if let Ok(d) = v.parse::<jiff::civil::Date>() {
        return d.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| e.to_string());
    }
    Err(match format {
        Some(fmt) => format!("'{v}' does not match the format {fmt} (nor RFC 3339)"),
        None => format!("'{v}' is not a date and time (RFC 3339, e.g. 2024-03-01T10:15:00Z, or YYYY-MM-DD)"),
    })
}

impl Plan {
    pub fn kind(&self) -> SheetKind {
        self.kind
    }

    /// Maps one data row (`row` as the file numbers it). Value maps apply first, then date
    /// formats turn dates into `YYYY-MM-DD` (instants into RFC 3339). A cell that cannot be read
    /// is reported and left blank, so that the row's other fields are still checked.
    pub fn map_row<'p>(&'p self, row: usize, cells: &[String]) -> (MappedRow<'p>, Vec<CellError>) {
        let fields = self.kind.columns();
        let mut out = Vec::with_capacity(fields.len());
        let mut e = Vec::new();
        let mut unreadable = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            let raw = match &self.source[i] {
                Some((ci, _)) => cells.get(*ci).map(|s| s.trim()).filter(|s| !s.is_empty()),
                None => None,
            };
            let raw = raw.or(self.constants[i].as_deref()).filter(|s| !s.is_empty());
            let Some(raw) = raw else {
                // A value map may give a value for a blank cell ("" = ...).
                out.push(self.values[i].get("").cloned().filter(|s| !s.is_empty()));
                continue;
            };
            let v = self.values[i].get(&norm(raw)).cloned().unwrap_or_else(|| raw.to_string());
            let v = if v.is_empty() {
                None
            } else if self.kind.date_fields().contains(field) {
                match parse_date_with(&v, self.formats[i].as_deref()) {
                    Ok(d) => Some(d.to_string()),
                    Err(m) => {
                        e.push(CellError { row, column: self.column(field), message: m });
                        unreadable.push(i);
                        None
                    }
                }
            } else if self.kind.instant_fields().contains(field) {
                match parse_instant_with(&v, self.formats[i].as_deref()) {
                    Ok(t) => Some(t.to_string()),
                    Err(m) => {
                        e.push(CellError { row, column: self.column(field), message: m });
                        unreadable.push(i);
                        None
                    }
                }
            } else {
                Some(v)
            };
            out.push(v);
        }
        (MappedRow { plan: self, row, values: out, unreadable }, e)
    }

    /// The file's name for a field: its column header, else the field itself.
    pub fn column(&self, field: &str) -> String {
        match self.kind.columns().iter().position(|f| *f == field) {
            Some(i) => match &self.source[i] {
                Some((_, h)) => h.clone(),
                None => field.to_string(),
            },
            None => field.to_string(),
        }
    }
}

impl MappedRow<'_> {
    /// Our field's value (trimmed, non-empty).
    pub fn get(&self, field: &str) -> Option<&str> {
        let i = self.plan.kind.columns().iter().position(|f| *f == field)?;
        self.values.get(i)?.as_deref()
    }

    /// True when the field's cell was given but could not be read (already reported).
    pub fn unreadable(&self, field: &str) -> bool {
        self.plan.kind.columns().iter().position(|f| *f == field).is_some_and(|i| self.unreadable.contains(&i))
    }

    /// The error for a field, naming the column as the file does.
    pub fn error(&self, field: &str, message: impl Into<String>) -> CellError {
        CellError { row: self.row, column: self.plan.column(field), message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|s| s.to_string()).collect()
    }

    fn legacy() -> Mapping {
        toml_like()
    }

    fn toml_like() -> Mapping {
        let mut m = Mapping::default();
        for (k, v) in [
            ("Equip No", "asset_tag"),
            ("Mfr", "manufacturer"),
            ("Model", "model_number"),
            ("Dept", "department"),
            ("Status", "status"),
            ("Purchased", "acquisition_date"),
        ] {
            m.columns.insert(k.into(), v.into());
        }
        m.skip.push("Internal ID".into());
        m.constants.insert("currency".into(), "EUR".into());
        let mut st = BTreeMap::new();
        st.insert("ACTIVE".into(), "in_service".into());
        st.insert("Broken".into(), "out_of_service".into());
        m.values.insert("status".into(), st);
        m.date_format = Some("%m/%d/%Y".into());
        m
    }

    #[test]
    fn a_legacy_row_maps_names_values_constants_and_dates() {
        let m = legacy();
        let plan = m
            .plan(
                SheetKind::Assets,
                &header(&["Internal ID", "Equip No", "Mfr", "Model", "Dept", "Status", "Purchased"]),
            )
            .unwrap();
        let cells = header(&["77", "BME-1", "Philips", "MX800", "ICU", "active", "03/07/2024"]);
        let (r, e) = plan.map_row(2, &cells);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r.get("asset_tag"), Some("BME-1"));
        assert_eq!(r.get("status"), Some("in_service"));
        assert_eq!(r.get("acquisition_date"), Some("2024-03-07"));
        assert_eq!(r.get("currency"), Some("EUR"));
        assert_eq!(r.get("notes"), None);
        assert_eq!(r.error("status", "x").to_string(), "row 2, column Status: x");
        // An ISO date (an XLSX date cell) is accepted too; a wrong one names the legacy column.
        let (r, _) = plan.map_row(3, &header(&["1", "B", "P", "M", "ICU", "", "2024-03-07"]));
        assert_eq!(r.get("acquisition_date"), Some("2024-03-07"));
        let (r, e) = plan.map_row(4, &header(&["1", "B", "P", "M", "ICU", "", "13/45/2024"]));
        assert_eq!(r.get("acquisition_date"), None);
        assert_eq!(r.get("asset_tag"), Some("B"));
        assert_eq!(e[0].to_string(), "row 4, column Purchased: '13/45/2024' does not match the date format %m/%d/%Y");
    }

    #[test]
    fn bad_headers_and_mappings_are_all_reported() {
        let m = legacy();
        let e = m.plan(SheetKind::Assets, &header(&["Equip No", "Colour", "Mfr"])).unwrap_err();
        let text: Vec<String> = e.iter().map(ToString::to_string).collect();
        assert!(text[0].starts_with("row 1, column Colour: unknown column"), "{text:?}");
        assert!(text.iter().any(|t| t == "row 1, column model_number: required column is missing"), "{text:?}");
        let mut bad = Mapping::default();
        bad.columns.insert("X".into(), "colour".into());
        bad.date_format = Some("mm/dd".into());
        let e = bad.check(SheetKind::Vendors).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(SheetKind::parse("pm_schedules"), Some(SheetKind::PmSchedules));
        assert_eq!(SheetKind::parse("Work-Orders"), Some(SheetKind::WorkOrders));
    }

    #[test]
    fn instants_read_rfc3339_dates_and_formats() {
        assert_eq!(parse_instant_with("2024-03-01T10:15:00Z", None).unwrap().to_string(), "2024-03-01T10:15:00Z");
        assert_eq!(parse_instant_with("2024-03-01", None).unwrap().to_string(), "2024-03-01T00:00:00Z");
        assert_eq!(parse_instant_with("2024-03-01 08:30", None).unwrap().to_string(), "2024-03-01T08:30:00Z");
        assert_eq!(
            parse_instant_with("03/01/2024 08:30", Some("%m/%d/%Y %H:%M")).unwrap().to_string(),
            "2024-03-01T08:30:00Z"
        );
        assert!(parse_instant_with("yesterday", None).is_err());
        assert_eq!(parse_date_with("20240229", Some("%Y%m%d")).unwrap().to_string(), "2024-02-29");
        assert!(parse_date_with("20230229", Some("%Y%m%d")).is_err());
    }
}
