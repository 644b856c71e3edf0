//! Networked devices (see `htm_domain::network`): per-asset network profiles, per-model MDS2
//! security profiles, and the two cyber reports (unsupported OS, certificates expiring).

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::network::{
    CertificateExpiringRow, ModelSecurityProfile, NetworkFields, NetworkProfile, SecurityFields, UnsupportedOsRow,
};
use jiff::civil::Date;

#[async_trait]
pub trait NetworkStore: Send + Sync {
    /// Creates (`read_version = None`, refused as stale when one exists) or updates (guarded by the
    /// version read) an asset's network profile; audited. `fields` must be normalised.
    async fn upsert_network_profile(
        &self,
        ctx: &ChangeContext,
        asset: AssetId,
        fields: &NetworkFields,
        read_version: Option<i64>,
    ) -> StoreResult<NetworkProfile>;
    async fn get_network_profile(&self, asset: AssetId) -> StoreResult<Option<NetworkProfile>>;
    /// Creates or updates (same version rule) the security profile of a model's software version.
    async fn upsert_model_security_profile(
        &self,
        ctx: &ChangeContext,
        model: ModelId,
        fields: &SecurityFields,
        read_version: Option<i64>,
    ) -> StoreResult<ModelSecurityProfile>;
    /// A model's security profiles by software version (at most 500).
    async fn list_model_security_profiles(&self, model: ModelId) -> StoreResult<Vec<ModelSecurityProfile>>;
    /// Assets whose profile's software version has a security profile with `os_end_of_support <
    /// today`, by asset id after `after`, at most `limit`.
    async fn unsupported_os_report(
        &self,
        today: Date,
        after: Option<AssetId>,
        limit: u32,
    ) -> StoreResult<Vec<UnsupportedOsRow>>;
    /// Assets whose certificate expires on or before `horizon`, by (expiry, asset id) after
    /// `after`, at most `limit`.
    async fn certificates_expiring_report(
        &self,
        horizon: Date,
        after: Option<(Date, AssetId)>,
        limit: u32,
    ) -> StoreResult<Vec<CertificateExpiringRow>>;
}
