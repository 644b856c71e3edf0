//! Service contracts and the assets they cover (see `htm_domain::contract`). Every change is
//! audited in its transaction; edits are version-checked.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::contract::{ContractId, ContractStatus, CoveredAsset, NewServiceContract, ServiceContract};
use htm_domain::ids::{AssetId, VendorId};
use htm_domain::page::{Page, PageRequest};
use jiff::civil::Date;

/// Filters for the contract list (newest first). `today` is the day the status
/// filters are judged on (the store has no clock).
#[derive(Debug, Clone, PartialEq)]
pub struct ContractFilter {
    pub today: Date,
    pub vendor_id: Option<VendorId>,
    pub status: Option<ContractStatus>,
    /// Only contracts that end from `today` to `today + n` days.
    pub expiring_within_days: Option<i32>,
    /// Only contracts covering this asset.
    pub asset_id: Option<AssetId>,
}

impl ContractFilter {
    pub fn on(today: Date) -> Self {
        ContractFilter { today, vendor_id: None, status: None, expiring_within_days: None, asset_id: None }
    }
}

/// Most contracts one asset lists.
pub const MAX_CONTRACTS_PER_ASSET: u32 = 200;
/// Most assets one contract covers.
pub const MAX_COVERED_ASSETS: usize = 10_000;

#[async_trait]
pub trait ContractStore: Send + Sync {
    /// Records a contract (audited as `create` on `service_contract`).
    async fn insert_contract(&self, ctx: &ChangeContext, new: &NewServiceContract) -> StoreResult<ServiceContract>;
    async fn get_contract(&self, id: ContractId) -> StoreResult<ServiceContract>;
    /// A keyset page in id order, newest first.
    async fn list_contracts(&self, filter: &ContractFilter, page: PageRequest) -> StoreResult<Page<ServiceContract>>;
    /// Writes the contract's new fields if `read_version` is still current (audited as `update`).
    async fn update_contract(
        &self,
        ctx: &ChangeContext,
        id: ContractId,
        read_version: i64,
        fields: &NewServiceContract,
    ) -> StoreResult<ServiceContract>;
    /// Replaces the covered assets (at most [`MAX_COVERED_ASSETS`]) if `read_version` is still
    /// current; bumps the version (audited as `set_assets`, with the asset ids before and after).
    async fn set_contract_assets(
        &self,
        ctx: &ChangeContext,
        id: ContractId,
        read_version: i64,
        assets: &[AssetId],
    ) -> StoreResult<ServiceContract>;
    /// The assets a contract covers, by asset tag.
    async fn contract_assets(&self, id: ContractId) -> StoreResult<Vec<CoveredAsset>>;
    /// The contracts covering an asset, latest end first (at most [`MAX_CONTRACTS_PER_ASSET`]).
    async fn contracts_for_asset(&self, asset: AssetId) -> StoreResult<Vec<ServiceContract>>;
    /// Contracts whose notice window has opened on `today` (`notice_opens_on ≤ today ≤ ends_on`)
    /// and that have no `contract.expiring` event for their current end date yet; soonest end
    /// first, at most `limit`.
    async fn contracts_to_notify(&self, today: Date, limit: u32) -> StoreResult<Vec<ServiceContract>>;
}
