//! UDI scanning (REFERENCE §5): parse what a scanner or a person produced
//! ([`htm_domain::udi`]) and find the asset it identifies — by DI + serial, or by a GS1 GIAI
//! (AI 8004) equal to an asset tag — or say that none exists and offer a pre-filled new asset
//! with the device model that assets with the same DI already have.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::FieldError;
use htm_domain::asset::{Asset, ModelSummary, Udi};
use htm_domain::udi::{self, Detail, ParsedUdi};
use jiff::civil::Date;
use serde::Serialize;

/// Parses a UDI; two-digit years are placed relative to `today`. Needs no data, so the
/// command line calls it without opening a database. The error's text says where and why.
pub fn parse(raw: &str, today: Date) -> ServiceResult<ParsedUdi> {
    udi::parse(raw, today).map_err(|e| ServiceError::Validation(vec![FieldError::new("udi", e.to_string())]))
}

/// What to do after a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScanNext {
    /// One asset matches: open it.
    OpenAsset,
    /// Several assets match (same DI, no serial to tell them apart): pick one.
    ChooseAsset,
    /// No asset matches: offer to create one, pre-filled.
    CreateAsset,
}

/// The answer to a scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UdiLookup {
    pub udi: ParsedUdi,
    pub next: ScanNext,
    /// What happened, in words.
    pub message: String,
    /// The asset found (for `open_asset`).
    pub asset: Option<Asset>,
    /// Assets with the same DI (for `choose_asset`, or the DI's other units when creating).
    pub candidates: Vec<Asset>,
    /// The device model of the assets that carry this DI, if any.
    pub model: Option<ModelSummary>,
    /// The UDI fields for a new asset (raw string included).
    pub prefill: Udi,
}

/// How many same-DI assets a scan lists.
const CANDIDATES: u32 = 20;

impl Services {
    /// Parses a UDI for a signed-in user (reading inventory is required, as for a lookup).
    pub fn parse_udi(&self, p: &Principal, raw: &str) -> ServiceResult<ParsedUdi> {
        p.require(Action::ReadInventory)?;
        parse(raw, self.today_utc())
    }

    fn today_utc(&self) -> Date {
        self.now().to_zoned(jiff::tz::TimeZone::UTC).date()
    }

    /// Parses a scan and finds its asset: by DI + serial (the asset's UDI serial or serial
    /// number); by DI alone when exactly one asset carries it; by a GS1 GIAI equal to an asset
    /// tag. Otherwise offers to create one.
    pub async fn lookup_udi(&self, p: &Principal, raw: &str) -> ServiceResult<UdiLookup> {
        p.require(Action::ReadInventory)?;
        let parsed = parse(raw, self.today_utc())?;
        let prefill = Udi {
            di: parsed.di.clone(),
            lot: parsed.lot.clone(),
            serial: parsed.serial.clone(),
            manufactured: parsed.manufactured,
            expiry: parsed.expiry,
            raw: Some(raw.trim_end_matches(['\r', '\n']).to_string()),
        };
        let mut out = UdiLookup {
            udi: parsed.clone(),
            next: ScanNext::CreateAsset,
            message: String::new(),
            asset: None,
            candidates: vec![],
            model: None,
            prefill,
        };
        let giai = match &parsed.detail {
            Detail::Gs1(d) => d.giai.clone(),
            _ => None,
        };
        let Some(di) = parsed.di.as_deref() else {
            if let Some(tag) = giai {
                match self.store.get_asset_by_tag(&tag).await {
                    Ok(a) => {
                        out.message = format!("asset tag {} (GS1 GIAI)", a.asset_tag);
                        out.next = ScanNext::OpenAsset;
                        out.asset = Some(a);
                    }
                    Err(htm_store::StoreError::NotFound(_)) => {
                        out.message = format!("no asset has the tag {tag} (GS1 GIAI): offer to create one");
                    }
                    Err(e) => return Err(e.into()),
                }
                return Ok(out);
            }
            out.message = "the symbol holds no device identifier (DI): scan the label's DI barcode too".into();
            return Ok(out);
        };
        if let Some(serial) = parsed.serial.as_deref() {
            let hits = self.store.assets_with_udi_di(di, Some(serial), CANDIDATES).await?;
            match hits.len() {
                0 => {}
                1 => {
                    out.next = ScanNext::OpenAsset;
                    out.message = format!("DI {di} and serial {serial} match asset {}", hits[0].asset_tag);
                    out.asset = hits.into_iter().next();
                    return Ok(out);
                }
                n => {
                    out.next = ScanNext::ChooseAsset;
                    out.message = format!("{n} assets have DI {di} and serial {serial}: choose one");
                    out.candidates = hits;
                    return Ok(out);
                }
            }
        }
        let same_di = self.store.assets_with_udi_di(di, None, CANDIDATES).await?;
        out.model = self.store.models_with_udi_di(di).await?.into_iter().next().map(|(m, _)| m);
        match (parsed.serial.as_deref(), same_di.len()) {
            (None, 1) => {
                out.next = ScanNext::OpenAsset;
                out.message = format!("the only asset with DI {di} is {}", same_di[0].asset_tag);
                out.asset = same_di.into_iter().next();
            }
            (None, n) if n > 1 => {
                out.next = ScanNext::ChooseAsset;
                out.message = format!("{n} assets have DI {di} and the symbol has no serial: choose one");
                out.candidates = same_di;
            }
            (serial, n) => {
                let which = serial.map(|s| format!("DI {di} and serial {s}")).unwrap_or_else(|| format!("DI {di}"));
                out.message = match &out.model {
                    Some(m) => format!(
                        "no asset with {which}: offer to create one (model {} {} from {n} asset(s) with this DI)",
                        m.manufacturer, m.model_number
                    ),
                    None => format!("no asset with {which}: offer to create one"),
                };
                out.candidates = same_di;
            }
        }
        Ok(out)
    }
}
