//! Networked devices (REFERENCE §7): network profiles of assets, MDS2 security profiles of models
//! per software version, and the cyber reports (unsupported operating systems, certificates
//! expiring). Reading needs `ReadInventory`, editing `ManageInventory`.

use crate::{Action, Principal, ServiceResult, Services};
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::network::{
    self as rules, CertificateExpiringRow, ModelSecurityProfile, NetworkFields, NetworkProfile, SecurityFields,
    UnsupportedOsRow,
};
use jiff::civil::Date;
use serde::Serialize;

/// The most rows one report page returns.
pub const REPORT_PAGE_MAX: u32 = 500;

/// The certificates report: its horizon and the rows up to it (already-expired included).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificatesReport {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub today: Date,
    pub days: u16,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub horizon: Date,
    pub rows: Vec<CertificateExpiringRow>,
}

/// The unsupported-OS report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnsupportedOsReport {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub today: Date,
    pub rows: Vec<UnsupportedOsRow>,
}

impl Services {
    /// An asset's network profile, if it has one.
    pub async fn get_network_profile(&self, p: &Principal, asset: AssetId) -> ServiceResult<Option<NetworkProfile>> {
        p.require(Action::ReadInventory)?;
        self.get_asset(p, asset).await?;
        Ok(self.store.get_network_profile(asset).await?)
    }

    /// Creates (`version = None`) or updates (with the version read) an asset's network profile,
    /// after validating and normalising addresses and names.
    pub async fn save_network_profile(
        &self,
        p: &Principal,
        asset: AssetId,
        fields: NetworkFields,
        version: Option<i64>,
    ) -> ServiceResult<NetworkProfile> {
        p.require(Action::ManageInventory)?;
        let fields = fields.normalize()?;
        self.get_asset(p, asset).await?;
        Ok(self.store.upsert_network_profile(&self.ctx(p, None), asset, &fields, version).await?)
    }

    /// A model's MDS2 security profiles, one per software version.
    pub async fn list_model_security_profiles(
        &self,
        p: &Principal,
        model: ModelId,
    ) -> ServiceResult<Vec<ModelSecurityProfile>> {
        p.require(Action::ReadInventory)?;
        self.get_model(p, model).await?;
        Ok(self.store.list_model_security_profiles(model).await?)
    }

    /// Creates or updates (by software version, version-checked) a model's security profile.
    pub async fn save_model_security_profile(
        &self,
        p: &Principal,
        model: ModelId,
        fields: SecurityFields,
        version: Option<i64>,
    ) -> ServiceResult<ModelSecurityProfile> {
        p.require(Action::ManageInventory)?;
        let fields = fields.normalize()?;
        self.get_model(p, model).await?;
        Ok(self.store.upsert_model_security_profile(&self.ctx(p, None), model, &fields, version).await?)
    }

    /// Assets whose OS is past its end of support on `today` (by asset id, after `after`).
    pub async fn unsupported_os_report(
        &self,
        p: &Principal,
        today: Date,
        after: Option<AssetId>,
        limit: u32,
    ) -> ServiceResult<UnsupportedOsReport> {
        p.require(Action::ReadInventory)?;
        let rows = self.store.unsupported_os_report(today, after, limit.clamp(1, REPORT_PAGE_MAX)).await?;
        debug_assert!(rows.iter().all(|r| rules::os_unsupported(Some(r.os_end_of_support), today)));
        Ok(UnsupportedOsReport { today, rows })
    }

    /// Assets whose certificate expires within `days` of `today` or has expired, soonest first.
    pub async fn certificates_expiring_report(
        &self,
        p: &Principal,
        today: Date,
        days: u16,
        after: Option<(Date, AssetId)>,
        limit: u32,
    ) -> ServiceResult<CertificatesReport> {
        p.require(Action::ReadInventory)?;
        let horizon = rules::cert_horizon(today, days);
        let rows = self.store.certificates_expiring_report(horizon, after, limit.clamp(1, REPORT_PAGE_MAX)).await?;
        Ok(CertificatesReport { today, days, horizon, rows })
    }
}
