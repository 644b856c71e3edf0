//! Finding assets from a scanned UDI (REFERENCE §5.1 "Parsing strategy": the CMMS keeps the
//! DI and the production identifiers of each unit). Read-only: nothing here changes data.

use crate::StoreResult;
use async_trait::async_trait;
use htm_domain::asset::{Asset, ModelSummary};

#[async_trait]
pub trait UdiStore: Send + Sync {
    /// Assets whose UDI-DI is exactly `di` (through `ix_assets_udi_di`); with `serial`, only
    /// those whose UDI serial or serial number equals it (ignoring case). At most `limit`,
    /// lowest id first.
    async fn assets_with_udi_di(&self, di: &str, serial: Option<&str>, limit: u32) -> StoreResult<Vec<Asset>>;
    /// The device models of the assets whose UDI-DI is `di`, with how many assets each, most
    /// first: the model a DI belongs to (a DI is never reused, 21 CFR 830.40).
    async fn models_with_udi_di(&self, di: &str) -> StoreResult<Vec<(ModelSummary, u64)>>;
}
