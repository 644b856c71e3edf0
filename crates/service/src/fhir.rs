//! FHIR R4 use cases (REFERENCE §8): read an asset as a `Device`, a model as a
//! `DeviceDefinition`, search devices by identifier, and stream every device as bulk NDJSON.
//! The mapping itself is pure (`htm_domain::fhir`); this layer checks permissions and reads.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::catalog::DeviceModel;
use htm_domain::fhir::{self, IdentifierQuery};
use htm_domain::ids::{AssetId, ManufacturerId, ModelId};
use htm_domain::page::PageRequest;
use htm_store::{AssetFilter, IdentifierMatch};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;

/// The most devices one identifier search returns (a tag matches one; a serial a few).
pub const SEARCH_LIMIT: u32 = 1000;
/// Rows per keyset page when exporting.
const EXPORT_PAGE: u32 = 1000;

/// Which resources `htm export fhir` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FhirExportType {
    Device,
    DeviceDefinition,
}

impl Services {
    /// `GET /fhir/r4/Device/{id}`: the asset as a FHIR R4 Device.
    pub async fn fhir_device(&self, p: &Principal, id: AssetId) -> ServiceResult<Value> {
        p.require(Action::ReadInventory)?;
        let a = self.store.get_asset(id).await?;
        let m = self.store.get_model(a.model.id).await?;
        Ok(fhir::device(&a, Some(&m), &self.settings.fhir_systems))
    }

    /// `GET /fhir/r4/DeviceDefinition/{id}`: the device model.
    pub async fn fhir_device_definition(&self, p: &Principal, id: ModelId) -> ServiceResult<Value> {
        p.require(Action::ReadInventory)?;
        let m = self.store.get_model(id).await?;
        Ok(fhir::device_definition(&m, &self.settings.fhir_systems))
    }

    /// `GET /fhir/r4/Device?identifier=token`: the matching devices (at most [`SEARCH_LIMIT`]).
    /// A bad token is a validation error.
    pub async fn fhir_search_devices(&self, p: &Principal, token: &str) -> ServiceResult<Vec<Value>> {
        p.require(Action::ReadInventory)?;
        let sys = &self.settings.fhir_systems;
        let m = match fhir::parse_identifier(token, sys)? {
            IdentifierQuery::Any(v) => {
                IdentifierMatch { asset_tag: Some(v.clone()), serial: Some(v), manufacturer_id: None }
            }
            IdentifierQuery::AssetTag(v) => IdentifierMatch { asset_tag: Some(v), ..Default::default() },
            IdentifierQuery::Serial { manufacturer_id, value } => IdentifierMatch {
                serial: Some(value),
                manufacturer_id: Some(ManufacturerId(manufacturer_id)),
                ..Default::default()
            },
            IdentifierQuery::NoMatch => return Ok(Vec::new()),
        };
        let assets = self.store.find_assets_by_identifier(&m, SEARCH_LIMIT).await?;
        let mut models = ModelCache::default();
        let mut out = Vec::with_capacity(assets.len());
        for a in &assets {
            let model = models.get(self, a.model.id).await?;
            out.push(fhir::device(a, Some(model), sys));
        }
        Ok(out)
    }

    /// Writes every Device (or DeviceDefinition) as bulk NDJSON, one resource per line, reading
    /// keyset pages of 1,000 so memory stays flat at any size (models are cached: there are few).
    /// Calls `progress(n)` after each page. Returns the number of lines written.
    pub async fn export_fhir_ndjson(
        &self,
        p: &Principal,
        kind: FhirExportType,
        out: &mut dyn Write,
        mut progress: impl FnMut(usize),
    ) -> ServiceResult<usize> {
        p.require(Action::ReadInventory)?;
        p.require(Action::ImportExport)?;
        let sys = &self.settings.fhir_systems;
        let io = |e: std::io::Error| ServiceError::Internal(format!("writing the export: {e}"));
        let mut n = 0;
        let mut page = PageRequest::first(EXPORT_PAGE);
        match kind {
            FhirExportType::Device => {
                let mut models = ModelCache::default();
                let filter = AssetFilter::default();
                loop {
                    let pg = self.store.list_assets(&filter, page).await?;
                    for a in &pg.items {
                        let model = models.get(self, a.model.id).await?;
                        write_line(out, &fhir::device(a, Some(model), sys)).map_err(io)?;
                        n += 1;
                    }
                    progress(n);
                    match pg.next_cursor {
                        Some(c) => page = PageRequest::parse(Some(i64::from(EXPORT_PAGE)), Some(&c))?,
                        None => break,
                    }
                }
            }
            FhirExportType::DeviceDefinition => loop {
                let pg = self.store.list_models(None, page).await?;
                for m in &pg.items {
                    write_line(out, &fhir::device_definition(m, sys)).map_err(io)?;
                    n += 1;
                }
                progress(n);
                match pg.next_cursor {
                    Some(c) => page = PageRequest::parse(Some(i64::from(EXPORT_PAGE)), Some(&c))?,
                    None => break,
                }
            },
        }
        out.flush().map_err(io)?;
        Ok(n)
    }
}

fn write_line(out: &mut dyn Write, v: &Value) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    out.write_all(b"\n")
}

/// Device models read once each (an export touches every model, but there are few of them).
#[derive(Default)]
struct ModelCache(HashMap<ModelId, DeviceModel>);

impl ModelCache {
    async fn get(&mut self, s: &Services, id: ModelId) -> ServiceResult<&DeviceModel> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.0.entry(id) {
            e.insert(s.store.get_model(id).await?);
        }
        self.0.get(&id).ok_or_else(|| ServiceError::Internal(format!("model {id} vanished from the cache")))
    }
}
