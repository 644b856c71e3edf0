//! Spreadsheet migration (issue 6 §4): import and export of assets, models, locations, vendors,
//! PM schedules and work-order history as CSV or XLSX, through an optional column-mapping file
//! (`htm_domain::spreadsheet::Mapping`).
//!
//! An import is all or nothing: the whole file is read, mapped and checked first, and every bad
//! row is reported as `row N, column C: why` (row as the file numbers it, header = row 1; column
//! as the file names it). Only a clean file reaches the store, in ONE transaction
//! (`SpreadsheetStore::import_sheet`), so a failure or a killed process leaves nothing. A dry
//! run stops after the checks. Every stored record gets its audit event, with the reason
//! `spreadsheet import of FILE`; work-order history is audited with the action `import` and
//! is never signed.

use crate::csv_assets::{ImportError, RowError};
use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::DomainError;
use htm_domain::asset::{AssetPmFields, NewAsset};
use htm_domain::catalog::{FdaClass, NewDeviceModel, NewVendor, NomenclatureSystem};
use htm_domain::ids::*;
use htm_domain::org::NewLocation;
use htm_domain::page::PageRequest;
use htm_domain::pm::{NewPmSchedule, ScheduleBasis};
use htm_domain::spreadsheet::{CellError, MappedRow, Mapping, Plan, SheetKind};
use htm_domain::work_order::{Priority, WorkOrderStatus, WorkOrderType, WorkResult};
use htm_store::{AssetFilter, ImportedModel, ImportedWorkOrder, SheetRows};
use std::collections::{HashMap, HashSet};
use std::io::Write;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

impl SheetFormat {
    /// From a file name's extension (`.csv`, `.xlsx`).
    pub fn from_path(path: &std::path::Path) -> Option<SheetFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" | "txt" => Some(SheetFormat::Csv),
            "xlsx" | "xlsm" => Some(SheetFormat::Xlsx),
            _ => None,
        }
    }

    pub fn parse(s: &str) -> Option<SheetFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(SheetFormat::Csv),
            "xlsx" => Some(SheetFormat::Xlsx),
            _ => None,
        }
    }
}

/// Reports progress: (phase, done, total). Phases: `reading`, `checking`, `storing`, `writing`.
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Send + Sync);

/// A progress reporter that reports nothing.
pub fn no_progress(_: &str, _: usize, _: usize) {}

/// What an import (or a dry run) did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportOutcome {
    pub kind: String,
    /// Data rows read and found valid.
    pub rows: usize,
    /// False for a dry run.
    pub stored: bool,
}

/// How to read an import file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub mapping: Option<Mapping>,
    pub dry_run: bool,
    /// The file's name, for the audit reason.
    pub source: Option<String>,
}

/// A read file: the header and every data row with its row number.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

fn cell_to_row(e: CellError) -> RowError {
    RowError { row: e.row, column: e.column, message: e.message }
}

/// Reads a mapping file (TOML).
pub fn parse_mapping(text: &str) -> Result<Mapping, ServiceError> {
    toml::from_str(text).map_err(|e| ServiceError::invalid("mapping", format!("the mapping file is not valid: {e}")))
}

/// Reads a CSV or XLSX file into a table (an XLSX: the named worksheet, else the first).
pub fn read_table(bytes: &[u8], format: SheetFormat, sheet: Option<&str>) -> Result<Table, Vec<RowError>> {
    let fail = |m: String| vec![RowError { row: 1, column: "-".into(), message: m }];
    match format {
        SheetFormat::Csv => {
            let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
            let header: Vec<String> = match rdr.headers() {
                Ok(h) => h.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_string()).collect(),
                Err(e) => return Err(fail(format!("cannot read the header: {e}"))),
            };
            let mut t = Table { header, rows: Vec::new() };
            let mut errors = Vec::new();
            for (i, rec) in rdr.records().enumerate() {
                let row = i + 2;
                match rec {
                    Ok(r) => t.rows.push((row, r.iter().map(str::to_string).collect())),
                    Err(e) => {
                        errors.push(RowError { row, column: "-".into(), message: format!("cannot read the row: {e}") })
                    }
                }
            }
            if errors.is_empty() { Ok(t) } else { Err(errors) }
        }
        // calamine 0.32 can panic on a malformed worksheet (an overflow on a long cell
        // reference, found by the `import_xlsx_structured` fuzz target, issue 7 §7): a file the
        // reader gives up on is a problem with the file, reported like any other.
        SheetFormat::Xlsx => std::panic::catch_unwind(|| read_xlsx(bytes, sheet)).unwrap_or_else(|_| {
            Err(fail("cannot read the XLSX workbook: a worksheet is malformed (e.g. a bad cell reference)".into()))
        }),
    }
}

fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Table, Vec<RowError>> {
    let fail = |m: String| vec![RowError { row: 1, column: "-".into(), message: m }];
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| fail(format!("cannot read the XLSX workbook: {e}")))?;
    let name = match sheet {
        Some(s) => s.to_string(),
        None => book.sheet_names().first().cloned().ok_or_else(|| fail("the workbook has no worksheet".into()))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| fail(format!("cannot read worksheet '{name}': {e}")))?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let pad = first_col as usize;
    let mut rows = range.rows();
    let Some(h) = rows.next() else { return Ok(Table::default()) };
    let mut header = vec![String::new(); pad];
    header.extend(h.iter().map(|c| cell_text(c).trim().to_string()));
    let mut t = Table { header, rows: Vec::new() };
    for (i, r) in rows.enumerate() {
        let mut cells = vec![String::new(); pad];
        cells.extend(r.iter().map(cell_text));
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        t.rows.push((first_row as usize + i + 2, cells));
    }
    Ok(t)
}

/// Checked asset rows: the assets, their PM fields and their row numbers.
type CheckedAssets = (Vec<NewAsset>, Vec<AssetPmFields>, Vec<usize>);

/// What the checks of an import compare a file with: the records already in the database
/// (names → ids, asset tags, cause codes, user names, work-order numbers), loaded once per
/// import by `Services::sheet_context`. `SheetContext::default()` is an empty database.
#[derive(Default)]
pub struct SheetContext {
    lookups: crate::csv_assets::Lookups,
    /// Existing assets: lower-cased tag → id.
    asset_ids: HashMap<String, AssetId>,
    causes: HashSet<String>,
    users: HashMap<String, UserId>,
    taken_numbers: HashSet<String>,
}

/// The whole parse-and-check path of an import without a database (issue 7 §7: the
/// `import_csv` / `import_xlsx` fuzz targets drive it): reads the file, resolves the header
/// through the mapping, maps every row and runs every row check of `kind` against `ctx`.
/// Returns the number of valid rows, or every problem as `row N, column C: why`; it never
/// panics, whatever the bytes.
pub fn check_sheet(
    kind: SheetKind,
    format: SheetFormat,
    bytes: &[u8],
    mapping: &Mapping,
    ctx: &SheetContext,
) -> Result<usize, Vec<RowError>> {
    let table = read_table(bytes, format, mapping.sheet.as_deref())?;
    let plan = mapping.plan(kind, &table.header).map_err(|e| e.into_iter().map(cell_to_row).collect::<Vec<_>>())?;
    let mut errors: Vec<CellError> = Vec::new();
    let mut mapped = Vec::with_capacity(table.rows.len());
    for (row, cells) in &table.rows {
        let (m, mut e) = plan.map_row(*row, cells);
        errors.append(&mut e);
        mapped.push(m);
    }
    let total = mapped.len();
    let checked = match kind {
        SheetKind::Assets => Services::check_assets(ctx, &plan, &mapped, &mut errors, total, &no_progress).map(|r| r.2),
        SheetKind::Models => Services::check_models(ctx, &mapped, &mut errors).map(|r| r.1),
        SheetKind::Locations => Services::check_locations(ctx, &mapped, &mut errors).map(|r| r.1),
        SheetKind::Vendors => Services::check_vendors(ctx, &mapped, &mut errors).map(|r| r.1),
        SheetKind::PmSchedules => Services::check_schedules(ctx, &mapped, &mut errors).map(|r| r.1),
        SheetKind::WorkOrders => Services::check_work_orders(ctx, &mapped, &mut errors).map(|r| r.1),
    };
    let rows = match checked {
        Ok(rows) => rows,
        Err(ImportError::Rows(r)) => return Err(r),
        Err(ImportError::Service(e)) => {
            return Err(vec![RowError { row: 0, column: "-".into(), message: e.to_string() }]);
        }
    };
    if errors.is_empty() {
        Ok(rows.len())
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors.into_iter().map(cell_to_row).collect())
    }
}

/// A cell as text: whole numbers without `.0`, dates as `YYYY-MM-DD` (with a time:
/// `YYYY-MM-DDTHH:MM:SSZ`), booleans as yes/no.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Data::DateTime(d) => excel_serial_text(d.as_f64()),
        Data::Error(e) => format!("#ERROR {e}"),
    }
}

/// Excel's serial day (1900 date system; day 0 = 1899-12-30 for dates after February 1900).
fn excel_serial_text(v: f64) -> String {
    let days = v.floor() as i64;
    let secs = ((v - v.floor()) * 86_400.0).round() as i64;
    let Ok(base) = jiff::civil::date(1899, 12, 30).checked_add(jiff::Span::new().days(days)) else {
        return v.to_string();
    };
    if secs == 0 {
        base.to_string()
    } else {
        let dt = base.to_datetime(jiff::civil::Time::midnight()) + jiff::SignedDuration::from_secs(secs);
        match dt.to_zoned(jiff::tz::TimeZone::UTC) {
            Ok(z) => z.timestamp().to_string(),
            Err(_) => v.to_string(),
        }
    }
}

fn domain_errors(row: &MappedRow<'_>, d: DomainError, field_map: &dyn Fn(&str) -> String) -> Vec<CellError> {
    match d {
        DomainError::Invalid(f) => f.into_iter().map(|f| row.error(&field_map(&f.field), f.message)).collect(),
        other => vec![row.error("-", other.to_string())],
    }
}

fn flag(row: &MappedRow<'_>, field: &str, e: &mut Vec<CellError>) -> Option<bool> {
    match row.get(field)?.to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        other => {
            e.push(row.error(field, format!("'{other}' is not yes or no")));
            None
        }
    }
}

fn int<T: std::str::FromStr>(row: &MappedRow<'_>, field: &str, e: &mut Vec<CellError>) -> Option<T> {
    let v = row.get(field)?;
    match v.parse::<T>() {
        Ok(n) => Some(n),
        Err(_) => {
            e.push(row.error(field, format!("'{v}' is not a whole number")));
            None
        }
    }
}

fn parsed<T>(
    row: &MappedRow<'_>,
    field: &str,
    parse: fn(&str) -> Result<T, DomainError>,
    e: &mut Vec<CellError>,
) -> Option<T> {
    let v = row.get(field)?;
    match parse(v) {
        Ok(x) => Some(x),
        Err(DomainError::Invalid(f)) => {
            e.push(row.error(field, f.into_iter().map(|f| f.message).collect::<Vec<_>>().join("; ")));
            None
        }
        Err(d) => {
            e.push(row.error(field, d.to_string()));
            None
        }
    }
}

fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

fn io_err(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

/// Writes rows as CSV or XLSX.
enum SheetOut<'w> {
    Csv(Box<csv::Writer<&'w mut dyn Write>>),
    Xlsx { book: Box<rust_xlsxwriter::Workbook>, out: &'w mut dyn Write, row: u32 },
}

impl<'w> SheetOut<'w> {
    fn new(format: SheetFormat, kind: SheetKind, out: &'w mut dyn Write) -> ServiceResult<Self> {
        Ok(match format {
            SheetFormat::Csv => SheetOut::Csv(Box::new(csv::Writer::from_writer(out))),
            SheetFormat::Xlsx => {
                let mut book = Box::new(rust_xlsxwriter::Workbook::new());
                book.add_worksheet_with_constant_memory().set_name(kind.as_str()).map_err(io_err)?;
                SheetOut::Xlsx { book, out, row: 0 }
            }
        })
    }

    fn write<S: AsRef<str>>(&mut self, cells: &[S]) -> ServiceResult<()> {
        match self {
            SheetOut::Csv(w) => w.write_record(cells.iter().map(|c| c.as_ref())).map_err(io_err),
            SheetOut::Xlsx { book, row, .. } => {
                let ws = book.worksheet_from_index(0).map_err(io_err)?;
                for (c, v) in cells.iter().enumerate() {
                    let v = v.as_ref();
                    if !v.is_empty() {
                        ws.write_string(*row, c as u16, v).map_err(io_err)?;
                    }
                }
                *row += 1;
                Ok(())
            }
        }
    }

    fn finish(self) -> ServiceResult<()> {
        match self {
            SheetOut::Csv(mut w) => w.flush().map_err(io_err),
            SheetOut::Xlsx { mut book, out, .. } => {
                let bytes = book.save_to_buffer().map_err(io_err)?;
                out.write_all(&bytes).map_err(io_err)
            }
        }
    }
}

fn ts_text(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

impl Services {
    /// Exports every record of a kind (work orders: the completed and closed history) as CSV
    /// or XLSX, with the columns `SheetKind::columns` lists. Returns the row count.
    pub async fn export_sheet(
        &self,
        p: &Principal,
        kind: SheetKind,
        format: SheetFormat,
        out: &mut dyn Write,
        progress: Progress<'_>,
    ) -> ServiceResult<usize> {
        p.require(Action::ImportExport)?;
        if kind == SheetKind::WorkOrders {
            p.require(Action::ReadWorkOrders)?;
        }
        let mut w = SheetOut::new(format, kind, out)?;
        w.write(kind.columns())?;
        let mut n = 0usize;
        match kind {
            SheetKind::Assets => {
                let mut page = PageRequest::first(1000);
                loop {
                    let pg = self.store.list_assets(&AssetFilter::default(), page).await?;
                    for a in &pg.items {
                        w.write(&crate::csv_assets::asset_record(a))?;
                        n += 1;
                    }
                    progress("writing", n, 0);
                    match pg.next_cursor.as_deref().and_then(htm_domain::page::decode_cursor) {
                        Some(after) => page.after = Some(after),
                        None => break,
                    }
                }
            }
            SheetKind::Models => {
                let mut page = PageRequest::first(1000);
                loop {
                    let pg = self.store.list_models(None, page).await?;
                    for m in &pg.items {
                        w.write(&[
                            m.id.to_string(),
                            m.manufacturer.clone(),
                            m.model_number.clone(),
                            m.name.clone(),
                            m.category.clone(),
                            m.nomenclature_system.map(|s| s.as_str().to_string()).unwrap_or_default(),
                            m.nomenclature_code.clone().unwrap_or_default(),
                            m.fda_product_code.clone().unwrap_or_default(),
                            m.fda_class.map(|c| c.as_str().to_string()).unwrap_or_default(),
                            m.expected_life_years.map(|y| y.to_string()).unwrap_or_default(),
                            yes_no(m.high_risk),
                            yes_no(m.life_support),
                            m.version.to_string(),
                        ])?;
                        n += 1;
                    }
                    progress("writing", n, 0);
                    match pg.next_cursor.as_deref().and_then(htm_domain::page::decode_cursor) {
                        Some(after) => page.after = Some(after),
                        None => break,
                    }
                }
            }
            SheetKind::Locations => {
                let depts: HashMap<DepartmentId, (String, String)> = self
                    .store
                    .list_departments(None)
                    .await?
                    .into_iter()
                    .map(|d| (d.id, (d.cost_center, d.name)))
                    .collect();
                let mut page = PageRequest::first(1000);
                loop {
                    let pg = self.store.list_locations(None, page).await?;
                    for l in &pg.items {
                        let (cc, dn) = depts.get(&l.department_id).cloned().unwrap_or_default();
                        w.write(&[
                            l.id.to_string(),
                            cc,
                            dn,
                            l.name.clone(),
                            l.floor.clone().unwrap_or_default(),
                            l.version.to_string(),
                        ])?;
                        n += 1;
                    }
                    progress("writing", n, 0);
                    match pg.next_cursor.as_deref().and_then(htm_domain::page::decode_cursor) {
                        Some(after) => page.after = Some(after),
                        None => break,
                    }
                }
            }
            SheetKind::Vendors => {
                let mut page = PageRequest::first(1000);
                loop {
                    let pg = self.store.list_vendors(page).await?;
                    for v in &pg.items {
                        w.write(&[
                            v.id.to_string(),
                            v.name.clone(),
                            v.phone.clone().unwrap_or_default(),
                            v.email.clone().unwrap_or_default(),
                            v.version.to_string(),
                        ])?;
                        n += 1;
                    }
                    progress("writing", n, 0);
                    match pg.next_cursor.as_deref().and_then(htm_domain::page::decode_cursor) {
                        Some(after) => page.after = Some(after),
                        None => break,
                    }
                }
            }
            SheetKind::PmSchedules => {
                let mut after = None;
                loop {
                    let rows = self.store.list_pm_schedules_page(after, 1000).await?;
                    for (s, tag) in &rows {
                        w.write(&[
                            s.id.to_string(),
                            tag.clone(),
                            s.interval_months.to_string(),
                            s.basis.as_str().to_string(),
                            s.anchor_date.to_string(),
                            s.grace_days.to_string(),
                            yes_no(s.active),
                            s.version.to_string(),
                        ])?;
                        n += 1;
                    }
                    progress("writing", n, 0);
                    match rows.last() {
                        Some((s, _)) if rows.len() == 1000 => after = Some(s.id),
                        _ => break,
                    }
                }
            }
            SheetKind::WorkOrders => {
                let mut after = None;
                loop {
                    let rows = self.store.list_work_order_history(after, 1000).await?;
                    for h in &rows {
                        w.write(&[
                            h.id.to_string(),
                            h.number.clone(),
                            h.asset_tag.clone().unwrap_or_default(),
                            h.wo_type.as_str().to_string(),
                            h.priority.as_str().to_string(),
                            h.status.as_str().to_string(),
                            h.problem.clone(),
                            h.cause_code.clone().unwrap_or_default(),
                            h.work_performed.clone().unwrap_or_default(),
                            h.result.map(|r| r.as_str().to_string()).unwrap_or_default(),
                            h.vendor.clone().unwrap_or_default(),
                            h.opened_at.to_string(),
                            ts_text(h.completed_at),
                            ts_text(h.closed_at),
                            ts_text(h.downtime_start),
                            ts_text(h.downtime_end),
                            h.technician.clone().unwrap_or_default(),
                            if h.labour_minutes > 0 { h.labour_minutes.to_string() } else { String::new() },
                        ])?;
                        n += 1;
                    }
                    progress("writing", n, 0);
                    match rows.last() {
                        Some(h) if rows.len() == 1000 => after = Some(h.id),
                        _ => break,
                    }
                }
            }
        }
        w.finish()?;
        Ok(n)
    }

    /// Reads, maps and checks a whole CSV or XLSX file of one kind, then (unless a dry run)
    /// stores every row in one transaction — or nothing, returning every problem found.
    pub async fn import_sheet(
        &self,
        p: &Principal,
        kind: SheetKind,
        format: SheetFormat,
        bytes: &[u8],
        opts: &ImportOptions,
        progress: Progress<'_>,
    ) -> Result<ImportOutcome, ImportError> {
        p.require(Action::ImportExport)?;
        p.require(Action::ManageInventory)?;
        if kind == SheetKind::WorkOrders {
            p.require(Action::CloseWorkOrder)?;
        }
        let mapping = opts.mapping.clone().unwrap_or_default();
        progress("reading", 0, 0);
        let table = read_table(bytes, format, mapping.sheet.as_deref()).map_err(ImportError::Rows)?;
        let plan = mapping
            .plan(kind, &table.header)
            .map_err(|e| ImportError::Rows(e.into_iter().map(cell_to_row).collect()))?;
        let total = table.rows.len();
        let mut errors: Vec<CellError> = Vec::new();
        let mut mapped = Vec::with_capacity(total);
        for (row, cells) in &table.rows {
            let (m, mut e) = plan.map_row(*row, cells);
            errors.append(&mut e);
            mapped.push(m);
        }
        let reason = format!("spreadsheet import of {}", opts.source.clone().unwrap_or_else(|| format!("{kind} file")));
        let ctx = self.ctx(p, Some(reason));
        let store_progress = |n: usize| progress("storing", n, total);
        let stored_rows: Vec<usize>;
        let sheet_ctx = self.sheet_context(kind, &mapped).await?;
        let result = match kind {
            SheetKind::Assets => {
                let (assets, pm, rows) = Self::check_assets(&sheet_ctx, &plan, &mapped, &mut errors, total, progress)?;
                if let Some(out) = finish_checks(kind, errors, opts, rows.len()) {
                    return out;
                }
                stored_rows = rows;
                self.store.import_sheet(&ctx, SheetRows::Assets(&assets, &pm), &store_progress).await
            }
            SheetKind::Models => {
                let (models, rows) = Self::check_models(&sheet_ctx, &mapped, &mut errors)?;
                if let Some(out) = finish_checks(kind, errors, opts, rows.len()) {
                    return out;
                }
                stored_rows = rows;
                self.store.import_sheet(&ctx, SheetRows::Models(&models), &store_progress).await
            }
            SheetKind::Locations => {
                let (locs, rows) = Self::check_locations(&sheet_ctx, &mapped, &mut errors)?;
                if let Some(out) = finish_checks(kind, errors, opts, rows.len()) {
                    return out;
                }
                stored_rows = rows;
                self.store.import_sheet(&ctx, SheetRows::Locations(&locs), &store_progress).await
            }
            SheetKind::Vendors => {
                let (vendors, rows) = Self::check_vendors(&sheet_ctx, &mapped, &mut errors)?;
                if let Some(out) = finish_checks(kind, errors, opts, rows.len()) {
                    return out;
                }
                stored_rows = rows;
                self.store.import_sheet(&ctx, SheetRows::Vendors(&vendors), &store_progress).await
            }
            SheetKind::PmSchedules => {
                let (schedules, rows) = Self::check_schedules(&sheet_ctx, &mapped, &mut errors)?;
                if let Some(out) = finish_checks(kind, errors, opts, rows.len()) {
                    return out;
                }
                stored_rows = rows;
                self.store.import_sheet(&ctx, SheetRows::PmSchedules(&schedules), &store_progress).await
            }
            SheetKind::WorkOrders => {
                let (wos, rows) = Self::check_work_orders(&sheet_ctx, &mapped, &mut errors)?;
                if let Some(out) = finish_checks(kind, errors, opts, rows.len()) {
                    return out;
                }
                stored_rows = rows;
                self.store.import_sheet(&ctx, SheetRows::WorkOrders(&wos), &store_progress).await
            }
        };
        match result {
            Ok(n) => {
                if n >= 1000 {
                    self.store.refresh_statistics().await.map_err(ServiceError::from)?;
                }
                Ok(ImportOutcome { kind: kind.as_str().into(), rows: n, stored: true })
            }
            Err((i, e)) => {
                let row = stored_rows.get(i).copied().unwrap_or(0);
                let (column, message) = match ServiceError::from(e) {
                    ServiceError::Validation(f) => (
                        f.first().map(|f| plan.column(&f.field)).unwrap_or_default(),
                        f.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "),
                    ),
                    ServiceError::Conflict { field, message } => (plan.column(&field), message),
                    other => return Err(ImportError::Service(other)),
                };
                Err(ImportError::Rows(vec![RowError { row, column, message }]))
            }
        }
    }

    fn check_assets(
        ctx: &SheetContext,
        plan: &Plan,
        mapped: &[MappedRow<'_>],
        errors: &mut Vec<CellError>,
        total: usize,
        progress: Progress<'_>,
    ) -> Result<CheckedAssets, ImportError> {
        let lookups = &ctx.lookups;
        let mut assets = Vec::with_capacity(mapped.len());
        let mut pm_fields = Vec::with_capacity(mapped.len());
        let mut rows = Vec::with_capacity(mapped.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (k, m) in mapped.iter().enumerate() {
            let get = |c: &str| m.get(c);
            let relabel = |e: Vec<RowError>| e.into_iter().map(|x| m.error(&x.column, x.message)).collect::<Vec<_>>();
            let pm = match crate::csv_assets::parse_pm_fields(&get) {
                Ok(f) => f,
                Err(e) => {
                    errors.extend(relabel(e));
                    AssetPmFields::default()
                }
            };
            match crate::csv_assets::parse_row(&get, lookups) {
                Ok(a) => {
                    let tag = key(&a.asset_tag);
                    if let Some(first) = seen.get(&tag) {
                        errors.push(m.error(
                            "asset_tag",
                            format!("'{}' appears more than once in this file (first in row {first})", a.asset_tag),
                        ));
                    } else {
                        seen.insert(tag, m.row);
                    }
                    assets.push(a);
                    pm_fields.push(pm);
                    rows.push(m.row);
                }
                Err(e) => errors.extend(relabel(e)),
            }
            if k % 5000 == 0 {
                progress("checking", k, total);
            }
        }
        if !ctx.asset_ids.is_empty() {
            for (a, row) in assets.iter().zip(&rows) {
                if ctx.asset_ids.contains_key(&key(&a.asset_tag)) {
                    errors.push(CellError {
                        row: *row,
                        column: plan.column("asset_tag"),
                        message: format!("'{}' is already in the inventory", a.asset_tag),
                    });
                }
            }
        }
        progress("checking", total, total);
        Ok((assets, pm_fields, rows))
    }

    fn check_models(
        ctx: &SheetContext,
        mapped: &[MappedRow<'_>],
        errors: &mut Vec<CellError>,
    ) -> Result<(Vec<ImportedModel>, Vec<usize>), ImportError> {
        let lookups = &ctx.lookups;
        let mut out = Vec::new();
        let mut rows = Vec::new();
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        for m in mapped {
            let mut e = Vec::new();
            let manufacturer = m.get("manufacturer").unwrap_or_default().to_string();
            if manufacturer.is_empty() {
                e.push(m.error("manufacturer", "is required"));
            } else if manufacturer.chars().count() > 120 {
                e.push(m.error("manufacturer", "must be at most 120 characters"));
            }
            let new = NewDeviceModel {
                manufacturer_id: ManufacturerId(0),
                model_number: m.get("model_number").unwrap_or_default().to_string(),
                name: m.get("name").unwrap_or_default().to_string(),
                category: m.get("category").unwrap_or_default().to_string(),
                nomenclature_system: parsed(m, "nomenclature_system", NomenclatureSystem::parse, &mut e),
                nomenclature_code: m.get("nomenclature_code").map(String::from),
                fda_product_code: m.get("fda_product_code").map(String::from),
                fda_class: parsed(m, "fda_class", FdaClass::parse, &mut e),
                expected_life_years: int(m, "expected_life_years", &mut e),
                high_risk: flag(m, "high_risk", &mut e).unwrap_or(false),
                life_support: flag(m, "life_support", &mut e).unwrap_or(false),
            };
            match new.normalized() {
                Ok(n) => {
                    let k = (key(&manufacturer), key(&n.model_number));
                    if lookups.models.contains_key(&k) {
                        e.push(m.error(
                            "model_number",
                            format!("'{}' from '{manufacturer}' is already in the catalogue", n.model_number),
                        ));
                    } else if let Some(first) = seen.get(&k) {
                        e.push(m.error(
                            "model_number",
                            format!("appears more than once in this file (first in row {first})"),
                        ));
                    } else {
                        seen.insert(k, m.row);
                    }
                    out.push(ImportedModel { manufacturer, model: n });
                    rows.push(m.row);
                }
                Err(d) => e.extend(domain_errors(m, d, &|f| f.to_string())),
            }
            errors.append(&mut e);
        }
        Ok((out, rows))
    }

    fn check_locations(
        ctx: &SheetContext,
        mapped: &[MappedRow<'_>],
        errors: &mut Vec<CellError>,
    ) -> Result<(Vec<NewLocation>, Vec<usize>), ImportError> {
        let lookups = &ctx.lookups;
        let mut out = Vec::new();
        let mut rows = Vec::new();
        let mut seen: HashMap<(DepartmentId, String), usize> = HashMap::new();
        for m in mapped {
            let mut e = Vec::new();
            let dept = match (m.get("department_cost_center"), m.get("department")) {
                (Some(cc), _) => lookups.departments_by_cc.get(&key(cc)).copied().or_else(|| {
                    e.push(m.error("department_cost_center", format!("no department with cost centre '{cc}'")));
                    None
                }),
                (None, Some(name)) => match lookups.departments_by_name.get(&key(name)).map(Vec::as_slice) {
                    Some([d]) => Some(*d),
                    Some(_) => {
                        e.push(m.error(
                            "department",
                            format!("'{name}' names more than one department; give department_cost_center"),
                        ));
                        None
                    }
                    None => {
                        e.push(m.error("department", format!("no department named '{name}'")));
                        None
                    }
                },
                (None, None) => {
                    e.push(m.error("department", "a department or department_cost_center is required"));
                    None
                }
            };
            let new = NewLocation {
                department_id: dept.unwrap_or(DepartmentId(0)),
                name: m.get("name").unwrap_or_default().to_string(),
                floor: m.get("floor").map(String::from),
            };
            match new.normalized() {
                Ok(n) => {
                    if let Some(d) = dept {
                        let k = (d, key(&n.name));
                        if lookups.locations.contains_key(&k) {
                            e.push(m.error("name", format!("the department already has a location '{}'", n.name)));
                        } else if let Some(first) = seen.get(&k) {
                            e.push(
                                m.error("name", format!("appears more than once in this file (first in row {first})")),
                            );
                        } else {
                            seen.insert(k, m.row);
                        }
                    }
                    out.push(n);
                    rows.push(m.row);
                }
                Err(d) => e.extend(domain_errors(m, d, &|f| f.to_string())),
            }
            errors.append(&mut e);
        }
        Ok((out, rows))
    }

    fn check_vendors(
        ctx: &SheetContext,
        mapped: &[MappedRow<'_>],
        errors: &mut Vec<CellError>,
    ) -> Result<(Vec<NewVendor>, Vec<usize>), ImportError> {
        let lookups = &ctx.lookups;
        let mut out = Vec::new();
        let mut rows = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for m in mapped {
            let new = NewVendor {
                name: m.get("name").unwrap_or_default().to_string(),
                phone: m.get("phone").map(String::from),
                email: m.get("email").map(String::from),
            };
            match new.normalized() {
                Ok(n) => {
                    let k = key(&n.name);
                    if lookups.vendors.contains_key(&k) {
                        errors.push(m.error("name", format!("a vendor named '{}' already exists", n.name)));
                    } else if let Some(first) = seen.get(&k) {
                        errors.push(
                            m.error("name", format!("appears more than once in this file (first in row {first})")),
                        );
                    } else {
                        seen.insert(k, m.row);
                    }
                    out.push(n);
                    rows.push(m.row);
                }
                Err(d) => errors.extend(domain_errors(m, d, &|f| f.to_string())),
            }
        }
        Ok((out, rows))
    }

    /// Loads what the checks of a file of `kind` compare it with (see [`SheetContext`]).
    async fn sheet_context(&self, kind: SheetKind, mapped: &[MappedRow<'_>]) -> ServiceResult<SheetContext> {
        let mut c = SheetContext::default();
        if kind != SheetKind::PmSchedules {
            c.lookups = self.load_lookups().await?;
        }
        if matches!(kind, SheetKind::Assets | SheetKind::PmSchedules | SheetKind::WorkOrders) {
            let tags: Vec<String> =
                mapped.iter().filter_map(|m| m.get("asset_tag")).map(key).collect::<HashSet<_>>().into_iter().collect();
            c.asset_ids = self.store.asset_ids_by_tag(&tags).await?.into_iter().collect();
        }
        if kind == SheetKind::WorkOrders {
            c.causes = self.store.list_cause_codes().await?.into_iter().map(|(c, _)| c).collect();
            c.users = self.store.user_ids_by_name().await?.into_iter().collect();
            let numbers: Vec<String> =
                mapped.iter().filter_map(|m| m.get("number")).map(|n| n.trim().to_uppercase()).collect();
            c.taken_numbers = self.store.existing_work_order_numbers(&numbers).await?.into_iter().collect();
        }
        Ok(c)
    }

    fn check_schedules(
        ctx: &SheetContext,
        mapped: &[MappedRow<'_>],
        errors: &mut Vec<CellError>,
    ) -> Result<(Vec<NewPmSchedule>, Vec<usize>), ImportError> {
        let ids = &ctx.asset_ids;
        let mut out = Vec::new();
        let mut rows = Vec::new();
        for m in mapped {
            let mut e = Vec::new();
            let asset = match m.get("asset_tag") {
                Some(t) => ids.get(&key(t)).copied().or_else(|| {
                    e.push(m.error("asset_tag", format!("no asset '{t}' in the inventory")));
                    None
                }),
                None => {
                    e.push(m.error("asset_tag", "is required"));
                    None
                }
            };
            let interval = int::<i32>(m, "interval_months", &mut e);
            if m.get("interval_months").is_none() {
                e.push(m.error("interval_months", "is required"));
            }
            let basis = parsed(m, "basis", ScheduleBasis::parse, &mut e).unwrap_or(ScheduleBasis::Fixed);
            let anchor = m.get("anchor_date").and_then(|d| d.parse::<jiff::civil::Date>().ok());
            if anchor.is_none() && !m.unreadable("anchor_date") {
                e.push(m.error("anchor_date", "is required"));
            }
            let grace = int::<i32>(m, "grace_days", &mut e).unwrap_or(0);
            if let (Some(asset_id), Some(interval_months), Some(anchor_date), true) =
                (asset, interval, anchor, e.is_empty())
            {
                let new = NewPmSchedule { asset_id, interval_months, basis, anchor_date, grace_days: grace };
                match new.normalized() {
                    Ok(n) => {
                        out.push(n);
                        rows.push(m.row);
                    }
                    Err(d) => e.extend(domain_errors(m, d, &|f| f.to_string())),
                }
            }
            errors.append(&mut e);
        }
        Ok((out, rows))
    }

    fn check_work_orders(
        ctx: &SheetContext,
        mapped: &[MappedRow<'_>],
        errors: &mut Vec<CellError>,
    ) -> Result<(Vec<ImportedWorkOrder>, Vec<usize>), ImportError> {
        let (ids, lookups, causes, users, taken) =
            (&ctx.asset_ids, &ctx.lookups, &ctx.causes, &ctx.users, &ctx.taken_numbers);
        let mut seen_numbers: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::new();
        let mut rows = Vec::new();
        for m in mapped {
            let mut e = Vec::new();
            let asset = match m.get("asset_tag") {
                Some(t) => ids.get(&key(t)).copied().or_else(|| {
                    e.push(m.error("asset_tag", format!("no asset '{t}' in the inventory")));
                    None
                }),
                None => {
                    e.push(m.error("asset_tag", "is required"));
                    None
                }
            };
            let wo_type = parsed(m, "wo_type", WorkOrderType::parse, &mut e);
            if m.get("wo_type").is_none() {
                e.push(m.error("wo_type", "is required"));
            }
            let priority = parsed(m, "priority", Priority::parse, &mut e).unwrap_or(Priority::Normal);
            let status = parsed(m, "status", WorkOrderStatus::parse, &mut e).unwrap_or(WorkOrderStatus::Closed);
            if !matches!(status, WorkOrderStatus::Completed | WorkOrderStatus::Closed) {
                e.push(m.error("status", format!("history must be completed or closed, not {}", status.as_str())));
            }
            let mut problem = m.get("problem").unwrap_or_default().to_string();
            if problem.is_empty() {
                e.push(m.error("problem", "is required"));
            }
            let mut number = None;
            if let Some(n) = m.get("number") {
                let up = n.trim().to_uppercase();
                match htm_domain::work_order::parse_number(&up) {
                    Some(_) => {
                        if taken.contains(&up) {
                            e.push(m.error("number", format!("work order {up} already exists")));
                        } else if let Some(first) = seen_numbers.get(&up) {
                            e.push(m.error(
                                "number",
                                format!("appears more than once in this file (first in row {first})"),
                            ));
                        } else {
                            seen_numbers.insert(up.clone(), m.row);
                        }
                        number = Some(up);
                    }
                    // A legacy system's own number is kept in the problem text.
                    None => problem = format!("{problem} [legacy work order {}]", n.trim()),
                }
            }
            let cause_code = m.get("cause_code").map(|c| c.trim().to_uppercase());
            if let Some(c) = &cause_code
                && !causes.contains(c)
            {
                e.push(m.error("cause_code", format!("'{c}' is not a cause code (REFERENCE §9.3)")));
            }
            let result = parsed(m, "result", WorkResult::parse, &mut e);
            let vendor_id = match m.get("vendor") {
                Some(v) => lookups.vendors.get(&key(v)).copied().or_else(|| {
                    e.push(m.error("vendor", format!("no vendor named '{v}'")));
                    None
                }),
                None => None,
            };
            let instant = |f: &str, e: &mut Vec<CellError>| -> Option<jiff::Timestamp> {
                let v = m.get(f)?;
                match v.parse::<jiff::Timestamp>() {
                    Ok(t) => Some(t),
                    Err(_) => {
                        e.push(m.error(f, format!("'{v}' is not a date and time")));
                        None
                    }
                }
            };
            let opened_at = instant("opened_at", &mut e);
            let completed_at = instant("completed_at", &mut e);
            let closed_at = instant("closed_at", &mut e);
            let downtime_start = instant("downtime_start", &mut e);
            let downtime_end = instant("downtime_end", &mut e);
            if opened_at.is_none() && !m.unreadable("opened_at") {
                e.push(m.error("opened_at", "is required"));
            }
            if completed_at.is_none() && !m.unreadable("completed_at") {
                e.push(m.error("completed_at", "is required"));
            }
            if let (Some(o), Some(c)) = (opened_at, completed_at)
                && c < o
            {
                e.push(m.error("completed_at", format!("{c} is before the work order was opened ({o})")));
            }
            if let (Some(c), Some(x)) = (completed_at, closed_at)
                && x < c
            {
                e.push(m.error("closed_at", format!("{x} is before the work was completed ({c})")));
            }
            if let (Some(s), Some(x)) = (downtime_start, downtime_end)
                && x < s
            {
                e.push(m.error("downtime_end", "is before downtime_start"));
            }
            let technician_id = match m.get("technician") {
                Some(u) => users.get(&key(u)).copied().or_else(|| {
                    e.push(m.error("technician", format!("no active user named '{u}'")));
                    None
                }),
                None => None,
            };
            let labour_minutes = int::<i32>(m, "labour_minutes", &mut e);
            if let Some(n) = labour_minutes {
                if n <= 0 {
                    e.push(m.error("labour_minutes", "must be more than 0"));
                }
                if m.get("technician").is_none() {
                    e.push(m.error("labour_minutes", "labour needs a technician column"));
                }
            }
            let work_performed = m.get("work_performed").map(String::from);
            for f in htm_domain::phi::scan_fields(&[
                ("problem", problem.as_str()),
                ("work_performed", work_performed.as_deref().unwrap_or("")),
            ]) {
                e.push(m.error(
                    &f.field,
                    format!("looks like a patient identifier ({}: '{}'); remove it", f.kind, f.excerpt),
                ));
            }
            if let (Some(asset_id), Some(wo_type), Some(opened_at), Some(completed_at), true) =
                (asset, wo_type, opened_at, completed_at, e.is_empty())
            {
                out.push(ImportedWorkOrder {
                    number,
                    wo_type,
                    priority,
                    status,
                    asset_id,
                    problem,
                    cause_code,
                    work_performed,
                    result,
                    vendor_id,
                    opened_at,
                    completed_at,
                    closed_at: closed_at.or((status == WorkOrderStatus::Closed).then_some(completed_at)),
                    downtime_start,
                    downtime_end,
                    technician_id,
                    labour_minutes,
                });
                rows.push(m.row);
            }
            errors.append(&mut e);
        }
        Ok((out, rows))
    }
}

/// After the checks: every problem, sorted by row; or the dry run's outcome; or `None` to store.
fn finish_checks(
    kind: SheetKind,
    mut errors: Vec<CellError>,
    opts: &ImportOptions,
    rows: usize,
) -> Option<Result<ImportOutcome, ImportError>> {
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Some(Err(ImportError::Rows(errors.into_iter().map(cell_to_row).collect())));
    }
    if opts.dry_run {
        return Some(Ok(ImportOutcome { kind: kind.as_str().into(), rows, stored: false }));
    }
    None
}

/// Writes an error report: `row,column,message`, one line per problem.
pub fn write_error_report(rows: &[RowError], out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["row", "column", "message"])?;
    for r in rows {
        w.write_record([r.row.to_string(), r.column.clone(), r.message.clone()])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serial_days_are_dates() {
        assert_eq!(excel_serial_text(45352.0), "2024-03-01");
        assert_eq!(excel_serial_text(45352.5), "2024-03-01T12:00:00Z");
        assert_eq!(cell_text(&calamine::Data::Float(3450.0)), "3450");
        assert_eq!(cell_text(&calamine::Data::Float(12.5)), "12.5");
        assert_eq!(SheetFormat::from_path(std::path::Path::new("x/LEGACY.XLSX")), Some(SheetFormat::Xlsx));
    }
}
