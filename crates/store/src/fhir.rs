//! Reads for the FHIR R4 view (see `htm_domain::fhir`): the `Device?identifier=` search, which
//! matches an asset tag or a manufacturer's serial number exactly (through `ix_assets_tag` /
//! `ix_assets_serial`, never a scan). Read-only.

use crate::StoreResult;
use async_trait::async_trait;
use htm_domain::asset::Asset;
use htm_domain::ids::ManufacturerId;

/// What an identifier search matches (each `None` part is not searched).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentifierMatch {
    /// An asset tag; tags compare ignoring case, as their uniqueness does.
    pub asset_tag: Option<String>,
    /// A serial number, matched exactly (case included).
    pub serial: Option<String>,
    /// Restricts the serial to one manufacturer's devices (serials are unique per manufacturer).
    pub manufacturer_id: Option<ManufacturerId>,
}

#[async_trait]
pub trait FhirStore: Send + Sync {
    /// Assets whose tag or serial matches, by id, at most `limit`.
    async fn find_assets_by_identifier(&self, m: &IdentifierMatch, limit: u32) -> StoreResult<Vec<Asset>>;
}
