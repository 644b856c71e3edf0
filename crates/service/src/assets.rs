//! Inventory use cases: find, read, register and change assets, and their history.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::asset::{Asset, AssetPatch, NewAsset};
use htm_domain::audit::AuditEvent;
use htm_domain::ids::AssetId;
use htm_domain::page::{Page, PageRequest};
use htm_store::{AssetFilter, WorkOrderFilter};

impl Services {
    pub async fn list_assets(&self, p: &Principal, f: &AssetFilter, page: PageRequest) -> ServiceResult<Page<Asset>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_assets(f, page).await?)
    }

    /// A vendor user may read an asset only when their company has work on it.
    async fn check_asset_visible(&self, p: &Principal, id: AssetId) -> ServiceResult<()> {
        if p.can(Action::ReadInventory) {
            return Ok(());
        }
        if let Some(v) = p.user.vendor_id {
            let f = WorkOrderFilter { asset_id: Some(id), vendor_id: Some(v), ..Default::default() };
            if !self.store.list_work_orders(&f, PageRequest::first(1)).await?.items.is_empty() {
                return Ok(());
            }
        }
        Err(ServiceError::Forbidden("you may not read this asset".into()))
    }

    pub async fn get_asset(&self, p: &Principal, id: AssetId) -> ServiceResult<Asset> {
        self.check_asset_visible(p, id).await?;
        Ok(self.store.get_asset(id).await?)
    }

    pub async fn get_asset_by_tag(&self, p: &Principal, tag: &str) -> ServiceResult<Asset> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_asset_by_tag(tag).await?)
    }

    pub async fn create_asset(&self, p: &Principal, new: NewAsset) -> ServiceResult<Asset> {
        p.require(Action::ManageInventory)?;
        let new = new.normalized()?;
        Ok(self.store.insert_asset(&self.ctx(p, None), &new).await?)
    }

    pub async fn update_asset(&self, p: &Principal, id: AssetId, patch: AssetPatch) -> ServiceResult<Asset> {
        p.require(Action::ManageInventory)?;
        let patch = patch.normalized()?;
        self.check_asset_designation_reason(id, &patch).await?;
        Ok(self.store.update_asset(&self.ctx(p, patch.reason.clone()), id, &patch).await?)
    }

    /// The audit trail of one record, newest first.
    pub async fn history(
        &self,
        p: &Principal,
        entity_type: &str,
        entity_id: &str,
        limit: u32,
    ) -> ServiceResult<Vec<AuditEvent>> {
        if !(p.can(Action::ReadAudit) || p.can(Action::ReadInventory)) {
            return Err(ServiceError::Forbidden("you may not read the audit trail".into()));
        }
        Ok(self.store.list_audit_for(entity_type, entity_id, limit).await?)
    }

    /// Walks the whole audit chain: `Ok(n)` events verified, or the first break.
    pub async fn verify_audit(&self) -> ServiceResult<Result<u64, htm_domain::audit::ChainBreak>> {
        Ok(self.store.verify_audit_chain().await?)
    }
}
