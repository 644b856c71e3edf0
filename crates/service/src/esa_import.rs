//! Electrical safety results imported from an analyzer's export file into a PM in progress
//! (REFERENCE §1.5), as well as entered by hand.
//!
//! The file is CSV (comma-separated; semicolon-separated with decimal commas is accepted too),
//! one reading per row, a header row naming the columns in any order; other columns an analyzer
//! writes (date, operator, its own verdict, …) are ignored — OpenHTM judges every reading
//! itself against the stored limit row.
//!
//! | column | | meaning |
//! |---|---|---|
//! | `test` | required (unless `limit_id` is given) | `protective_earth_resistance`, `equipment_leakage`, `applied_part_leakage`, `touch_current`, `patient_leakage`, `insulation_resistance`, or an analyzer label such as "Protective Earth Resistance", "Earth bond", "Enclosure leakage", "Mains on applied part" |
//! | `value` | required | the reading, non-negative |
//! | `unit` | required | `A`, `mA`, `uA`/`µA`, `Ohm`/`Ω`, `mOhm`/`mΩ`, `kOhm`, `MOhm`/`MΩ`; converted to the limit's unit |
//! | `condition` | optional | `NC` or `SFC` |
//! | `method` | optional | `alternative`, `direct`, `differential`, … (a word of the limit's method) |
//! | `configuration` | optional | part of the limit's configuration text, e.g. `non-detachable`, `cord alone` |
//! | `limit_id` | optional | the stored limit row (`htm esa limits` lists them); overrides the matching |
//! | `asset_tag` | optional | the device tested; must be the PM's asset (guards against the wrong file) |
//! | `analyzer` | optional | asset tag or serial number of the analyzer; must be test equipment (has a calibration due date) and is added to the PM's test equipment |
//!
//! A reading matches exactly one current limit row of the chosen standard that applies to the
//! asset's protection class and applied part ([`htm_domain::esa_import::match_limit`]). The
//! import is all or nothing: every bad row is reported as `row N, column C: why` (the header is
//! row 1) and nothing is stored. A good file is stored as a draft of the PM's results: readings
//! for the limits the file covers replace earlier ones, other recorded steps stay, nothing is
//! signed off; the audit event names the file and its SHA-256.

use crate::csv_assets::{ImportError, RowError};
use crate::{Action, Principal, ServiceError, Services};
use htm_domain::asset::Asset;
use htm_domain::esa::{EsaLimit, EsaStandard};
use htm_domain::esa_import::{LimitSpec, convert, match_limit, parse_test};
use htm_domain::ids::{AssetId, WorkOrderId};
use htm_domain::page::PageRequest;
use htm_domain::procedure::{EsaInput, EsaReadingInput, PmRecord, PmRecordRequest, StepInput, StepKind};
use htm_domain::work_order::{WorkOrderStatus, WorkOrderType};
use htm_store::AssetFilter;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The columns the import reads.
pub const COLUMNS: &[&str] =
    &["test", "value", "unit", "condition", "method", "configuration", "limit_id", "asset_tag", "analyzer"];

/// One imported reading, as judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportedReading {
    /// The file's row (the header is row 1).
    pub row: usize,
    pub limit_id: i64,
    pub test: String,
    pub condition: String,
    pub method: String,
    pub configuration: String,
    /// As the file gave it.
    pub raw_value: f64,
    pub raw_unit: String,
    /// Converted to the limit's unit.
    pub value: f64,
    pub unit: String,
    pub comparator: String,
    pub limit: f64,
    pub passed: bool,
    pub source: String,
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EsaImport {
    pub standard: EsaStandard,
    pub file_sha256: String,
    pub readings: Vec<ImportedReading>,
    /// Asset tags of the analyzers the file named.
    pub analyzers: Vec<String>,
    /// The PM's results after the import (a draft; not signed off).
    pub record: PmRecord,
}

impl Services {
    /// Imports an analyzer's electrical safety readings into PM work order `id` (see the module
    /// documentation for the file format).
    pub async fn import_esa_csv(
        &self,
        p: &Principal,
        id: WorkOrderId,
        standard: EsaStandard,
        file_name: Option<&str>,
        input: &[u8],
    ) -> Result<EsaImport, ImportError> {
        p.require(Action::EditWorkOrder)?;
        let wo = self.get_work_order(p, id).await?;
        if wo.wo_type != WorkOrderType::Pm {
            return Err(ServiceError::invalid("wo_type", format!("{} is not a PM work order", wo.number)).into());
        }
        if wo.status != WorkOrderStatus::InProgress {
            return Err(ServiceError::invalid(
                "status",
                format!(
                    "readings can be imported only while the PM is in progress ({} is {})",
                    wo.number,
                    wo.status.as_str()
                ),
            )
            .into());
        }
        let Some(asset_id) = wo.asset_id else {
            return Err(ServiceError::invalid("asset_id", "the PM has no asset").into());
        };
        let asset = self.get_asset(p, asset_id).await?;
        let (Some(class), Some(applied_part)) = (asset.protection_class, asset.applied_part) else {
            return Err(ServiceError::invalid(
                "protection_class",
                format!(
                    "asset {} needs a protection_class and an applied_part to judge electrical safety readings",
                    asset.asset_tag
                ),
            )
            .into());
        };
        let limits = self.store.list_esa_limits(standard).await.map_err(ServiceError::from)?;

        let text = decode(input);
        let delimiter = sniff_delimiter(&text);
        let decimal_comma = delimiter == b';';
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header: Vec<String> = match rdr.headers() {
            Ok(h) => h.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect(),
            Err(e) => return Err(rows_error(1, "-", format!("cannot read the header: {e}"))),
        };
        let mut errors = Vec::new();
        let has_limit_id = header.iter().any(|h| h == "limit_id");
        for required in ["test", "value", "unit"] {
            let present = header.iter().any(|h| h == required) || (required == "test" && has_limit_id);
            if !present {
                errors.push(RowError {
                    row: 1,
                    column: required.into(),
                    message: format!("required column is missing (columns read: {})", COLUMNS.join(", ")),
                });
            }
        }
        if !errors.is_empty() {
            return Err(ImportError::Rows(errors));
        }
        let col = |name: &str| header.iter().position(|h| h == name);

        let mut readings: Vec<ImportedReading> = Vec::new();
        let mut analyzers: HashMap<String, Result<Asset, String>> = HashMap::new();
        let mut analyzer_ids: Vec<AssetId> = Vec::new();
        let mut analyzer_tags: Vec<String> = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let row = i + 2;
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    errors.push(RowError { row, column: "-".into(), message: format!("cannot read the row: {e}") });
                    continue;
                }
            };
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let get = |name: &str| -> Option<String> {
                col(name).and_then(|c| rec.get(c)).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
            };
            let mut bad = |column: &str, message: String| {
                errors.push(RowError { row, column: column.into(), message });
            };

            if let Some(tag) = get("asset_tag")
                && !tag.eq_ignore_ascii_case(&asset.asset_tag)
            {
                bad("asset_tag", format!("the file is for {tag}, but this PM is for {}", asset.asset_tag));
                continue;
            }
            if let Some(a) = get("analyzer") {
                let key = a.to_lowercase();
                if !analyzers.contains_key(&key) {
                    let found = self.find_analyzer(p, &a).await?;
                    analyzers.insert(key.clone(), found);
                }
                match analyzers.get(&key) {
                    Some(Ok(e)) if !analyzer_ids.contains(&e.id) => {
                        analyzer_ids.push(e.id);
                        analyzer_tags.push(e.asset_tag.clone());
                    }
                    Some(Err(m)) => bad("analyzer", m.clone()),
                    _ => {}
                }
            }
            let test_label = get("test").unwrap_or_default();
            let test = parse_test(&test_label);
            if test.is_none() && get("limit_id").is_none() {
                bad(
                    "test",
                    if test_label.is_empty() {
                        "the test is missing".into()
                    } else {
                        format!("'{test_label}' is not an electrical safety test this import knows")
                    },
                );
                continue;
            }
            let limit_id = match get("limit_id") {
                None => None,
                Some(s) => match s.parse::<i64>() {
                    Ok(v) => Some(v),
                    Err(_) => {
                        bad("limit_id", format!("'{s}' is not a limit id"));
                        continue;
                    }
                },
            };
            let raw_value = match get("value") {
                None => {
                    bad("value", "the reading is missing".into());
                    continue;
                }
                Some(s) => {
                    let s = if decimal_comma { s.replace(',', ".") } else { s };
                    match s.parse::<f64>() {
                        Ok(v) if v.is_finite() && v >= 0.0 => v,
                        _ => {
                            bad("value", format!("'{s}' is not a non-negative number"));
                            continue;
                        }
                    }
                }
            };
            let Some(raw_unit) = get("unit") else {
                bad("unit", "the unit is missing".into());
                continue;
            };
            let (condition, method, configuration) = (get("condition"), get("method"), get("configuration"));
            let spec = LimitSpec {
                test,
                condition: condition.as_deref(),
                method: method.as_deref(),
                configuration: configuration.as_deref(),
                limit_id,
            };
            let limit: &EsaLimit = match match_limit(&limits, class, applied_part, &spec) {
                Ok(l) => l,
                Err(e) => {
                    bad(e.column, e.message);
                    continue;
                }
            };
            let value = match convert(raw_value, &raw_unit, &limit.unit) {
                Ok(v) => v,
                Err(m) => {
                    bad("unit", m);
                    continue;
                }
            };
            let passed = match limit.judge(value) {
                Ok(p) => p,
                Err(e) => {
                    bad("value", e.to_string());
                    continue;
                }
            };
            readings.push(ImportedReading {
                row,
                limit_id: limit.id,
                test: limit.test.as_str().into(),
                condition: limit.condition.clone(),
                method: limit.method.clone(),
                configuration: limit.configuration.clone(),
                raw_value,
                raw_unit,
                value,
                unit: limit.unit.clone(),
                comparator: limit.comparator.as_str().into(),
                limit: limit.limit,
                passed,
                source: limit.source.clone(),
            });
        }
        if readings.is_empty() && errors.is_empty() {
            errors.push(RowError { row: 2, column: "-".into(), message: "the file holds no readings".into() });
        }
        if !errors.is_empty() {
            return Err(ImportError::Rows(errors));
        }

        // Merge with what is already recorded: other steps stay; readings of the limits the file
        // covers are replaced; readings of another standard are replaced by the file's.
        let current = self.pm_results(p, id).await?;
        let current_ids: Vec<i64> = limits.iter().map(|l| l.id).collect();
        let imported_ids: Vec<i64> = readings.iter().map(|r| r.limit_id).collect();
        let mut steps = Vec::new();
        let mut kept: Vec<EsaReadingInput> = Vec::new();
        for s in &current.results {
            match s.kind {
                StepKind::ElectricalSafety => kept.extend(
                    s.readings
                        .iter()
                        .filter(|x| current_ids.contains(&x.limit_id) && !imported_ids.contains(&x.limit_id))
                        .map(|x| EsaReadingInput { limit_id: x.limit_id, value: x.value }),
                ),
                StepKind::Check => steps.push(StepInput {
                    step_id: s.step_id,
                    passed: Some(s.passed),
                    value: None,
                    note: s.note.clone(),
                }),
                StepKind::Measurement => {
                    steps.push(StepInput { step_id: s.step_id, passed: None, value: s.value, note: s.note.clone() })
                }
            }
        }
        kept.extend(readings.iter().map(|r| EsaReadingInput { limit_id: r.limit_id, value: r.value }));
        let mut equipment = current.test_equipment.clone();
        for a in analyzer_ids {
            if !equipment.contains(&a) {
                equipment.push(a);
            }
        }
        let sha = hex::encode(Sha256::digest(input));
        let reason = format!(
            "imported {} electrical safety reading(s) ({}) from analyzer file {} (sha256 {sha})",
            readings.len(),
            standard.as_str(),
            file_name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or("(unnamed)")
        );
        let req = PmRecordRequest {
            version: current.work_order.version,
            steps,
            esa: Some(EsaInput { standard, readings: kept }),
            test_equipment: equipment,
            complete: false,
            password: None,
        };
        let record = self.store.record_pm(&self.ctx(p, Some(reason)), id, &req).await.map_err(ServiceError::from)?;
        Ok(EsaImport { standard, file_sha256: sha, readings, analyzers: analyzer_tags, record })
    }

    /// The test-equipment asset a file names by asset tag or serial number.
    async fn find_analyzer(&self, p: &Principal, name: &str) -> Result<Result<Asset, String>, ServiceError> {
        let found = match self.get_asset_by_tag(p, name).await {
            Ok(a) => Some(a),
            Err(ServiceError::NotFound(_)) => {
                let f = AssetFilter { q: Some(name.to_string()), ..Default::default() };
                let page = self.list_assets(p, &f, PageRequest { limit: 50, after: None }).await?;
                let mut m: Vec<Asset> = page
                    .items
                    .into_iter()
                    .filter(|a| a.serial_number.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(name)))
                    .collect();
                if m.len() > 1 {
                    return Ok(Err(format!("serial number {name} belongs to {} assets; give the asset tag", m.len())));
                }
                m.pop()
            }
            Err(e) => return Err(e),
        };
        Ok(match found {
            None => Err(format!("no asset with tag or serial number {name}")),
            Some(a) if a.calibration_due.is_none() => {
                Err(format!("{} is not test equipment (it has no calibration due date)", a.asset_tag))
            }
            Some(a) => Ok(a),
        })
    }
}

fn rows_error(row: usize, column: &str, message: String) -> ImportError {
    ImportError::Rows(vec![RowError { row, column: column.into(), message }])
}

/// UTF-8 (with or without BOM), else Windows-1252 / Latin-1 as older analyzer software writes.
fn decode(input: &[u8]) -> String {
    match std::str::from_utf8(input) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        Err(_) => input.iter().map(|&b| if b == 0xB5 { 'µ' } else { char::from(b) }).collect(),
    }
}

/// `;` when the header has semicolons and no commas, else `,`.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    if first.contains(';') && !first.contains(',') { b';' } else { b',' }
}
