//! Service contracts (ROADMAP "Lifecycle and money"; `htm_domain::contract`) and the "contract
//! expiring" notification (issue 6 §6).
//!
//! Permissions: reading needs `ReadInventory`; creating, editing and setting the covered assets
//! need `ManageInventory` (administrators, managers and engineers in the matrix) — contracts are
//! part of the inventory's record, so no new action was added.
//!
//! Free text (title, notes) is checked for things that look like patient identifiers: a hit
//! refuses the request with [`ServiceError::PhiWarning`] unless `acknowledge_phi_warning`, and
//! then the audit reason records that the warning was acknowledged (as for incidents).
//!
//! `report_expiring_contracts(today)` queues one `contract.expiring` event per contract whose
//! notice window has opened (`ends_on − notice_days` ≤ today ≤ `ends_on`), with the idempotency
//! key `contract.expiring:{id}:{ends_on}`: once per contract and end date, so a renewal that moves
//! the end date is announced again. The e-mail goes to the managers (the recipients rule of
//! overdue PMs without an assignee); webhooks subscribed to `contract.expiring` get the JSON.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::contract::{
    self as rules, ContractId, ContractPatch, CoveredAsset, NewServiceContract, ServiceContract, format_money,
    phi_findings,
};
use htm_domain::ids::AssetId;
use htm_domain::notify::EventKind;
use htm_domain::page::{Page, PageRequest};
use htm_domain::user::Role;
use htm_store::ContractFilter;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A contract with the assets it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContractDetail {
    pub contract: ServiceContract,
    pub assets: Vec<CoveredAsset>,
}

/// The new list of covered assets: by id, by asset tag, or both (the union). Replaces the list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoveredAssetsRequest {
    /// The contract version read; a stale one is refused.
    pub version: i64,
    #[serde(default)]
    pub asset_ids: Vec<i64>,
    #[serde(default)]
    pub asset_tags: Vec<String>,
}

/// The PHI check of `fields`: refuses unless acknowledged; when acknowledged, the audit reason.
fn phi_gate(p: &Principal, fields: &[(&'static str, &str)], acknowledged: bool) -> ServiceResult<Option<String>> {
    let found = phi_findings(fields);
    if found.is_empty() {
        return Ok(None);
    }
    if !acknowledged {
        return Err(ServiceError::PhiWarning(found));
    }
    let what = found.iter().map(|f| format!("{} ({})", f.field, f.kind)).collect::<Vec<_>>().join(", ");
    Ok(Some(format!(
        "patient-information warning acknowledged by {}: {what} checked and confirmed not to be patient information",
        p.user.username
    )))
}

impl Services {
    /// Today in the server's time zone (contract dates are civil dates).
    fn contract_today(&self) -> Date {
        self.now().to_zoned(jiff::tz::TimeZone::system()).date()
    }

    /// Records a contract (`ManageInventory`).
    pub async fn create_contract(
        &self,
        p: &Principal,
        new: NewServiceContract,
        acknowledge_phi_warning: bool,
    ) -> ServiceResult<ServiceContract> {
        p.require(Action::ManageInventory)?;
        let new = new.normalized()?;
        let reason = phi_gate(p, &new.free_text(), acknowledge_phi_warning)?;
        let c = self.store.insert_contract(&self.ctx(p, reason), &new).await?;
        Ok(c.evaluated(self.contract_today()))
    }

    /// One contract with its status today (`ReadInventory`).
    pub async fn get_contract(&self, p: &Principal, id: ContractId) -> ServiceResult<ServiceContract> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_contract(id).await?.evaluated(self.contract_today()))
    }

    /// One contract and its covered assets (`ReadInventory`).
    pub async fn contract_detail(&self, p: &Principal, id: ContractId) -> ServiceResult<ContractDetail> {
        let contract = self.get_contract(p, id).await?;
        let assets = self.store.contract_assets(id).await?;
        Ok(ContractDetail { contract, assets })
    }

    /// A keyset page of contracts, newest first (`ReadInventory`). The filter's day is replaced
    /// by today.
    pub async fn list_contracts(
        &self,
        p: &Principal,
        mut filter: ContractFilter,
        page: PageRequest,
    ) -> ServiceResult<Page<ServiceContract>> {
        p.require(Action::ReadInventory)?;
        let today = self.contract_today();
        filter.today = today;
        if let Some(n) = filter.expiring_within_days
            && !(0..=3650).contains(&n)
        {
            return Err(ServiceError::invalid("expiring_within_days", "must be from 0 to 3650"));
        }
        Ok(self.store.list_contracts(&filter, page).await?.map(|c| c.evaluated(today)))
    }

    /// The contracts covering an asset, latest end first (`ReadInventory`).
    pub async fn asset_contracts(&self, p: &Principal, asset: AssetId) -> ServiceResult<Vec<ServiceContract>> {
        p.require(Action::ReadInventory)?;
        let today = self.contract_today();
        Ok(self.store.contracts_for_asset(asset).await?.into_iter().map(|c| c.evaluated(today)).collect())
    }

    /// Edits a contract (`ManageInventory`; a stale `version` is refused).
    pub async fn update_contract(
        &self,
        p: &Principal,
        id: ContractId,
        patch: ContractPatch,
        acknowledge_phi_warning: bool,
    ) -> ServiceResult<ServiceContract> {
        p.require(Action::ManageInventory)?;
        let current = self.store.get_contract(id).await?;
        let version = patch.version;
        let fields = patch.apply(current.fields()).normalized()?;
        let reason = phi_gate(p, &fields.free_text(), acknowledge_phi_warning)?;
        let c = self.store.update_contract(&self.ctx(p, reason), id, version, &fields).await?;
        Ok(c.evaluated(self.contract_today()))
    }

    /// Replaces the covered assets by ids and/or asset tags (`ManageInventory`).
    pub async fn set_contract_assets(
        &self,
        p: &Principal,
        id: ContractId,
        req: CoveredAssetsRequest,
    ) -> ServiceResult<ContractDetail> {
        p.require(Action::ManageInventory)?;
        if req.asset_ids.len() + req.asset_tags.len() > htm_store::MAX_COVERED_ASSETS {
            return Err(ServiceError::invalid(
                "asset_ids",
                format!("at most {} assets per contract", htm_store::MAX_COVERED_ASSETS),
            ));
        }
        let mut ids: Vec<AssetId> = req.asset_ids.iter().map(|i| AssetId(*i)).collect();
        for tag in req.asset_tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            match self.store.get_asset_by_tag(tag).await {
                Ok(a) => ids.push(a.id),
                Err(htm_store::StoreError::NotFound(_)) => {
                    return Err(ServiceError::invalid("asset_tags", format!("no asset with tag {tag}")));
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.store.set_contract_assets(&self.ctx(p, None), id, req.version, &ids).await?;
        self.contract_detail(p, id).await
    }

    /// Queues one `contract.expiring` event for every contract whose notice window has opened
    /// on `today` and that was not announced for its current end date (idempotency key
    /// `contract.expiring:{id}:{ends_on}`), e-mailed to the managers. Returns how many were queued.
    pub async fn report_expiring_contracts(&self, today: Date) -> ServiceResult<u64> {
        let managers = self.store.mail_recipients(&[Role::Manager]).await?;
        let ctx = self.system_ctx("expiring contract check");
        let mut n = 0;
        let mut seen = std::collections::HashSet::new();
        // Each pass reads contracts not yet announced; a contract is queued (or found announced)
        // in its pass, so the loop ends; bounded all the same.
        for _ in 0..1000 {
            let due = self.store.contracts_to_notify(today, 200).await?;
            if due.is_empty() {
                break;
            }
            let mut progressed = false;
            for c in due {
                if !seen.insert(c.id) || !rules::notice_due(c.ends_on, c.notice_days, today) {
                    continue;
                }
                let days_left = rules::days_left(c.ends_on, today);
                let link = self.link(&format!("/contracts/{}", c.id.0));
                let subject = format!(
                    "[OpenHTM] Contract expiring: {} {} ends {} ({days_left} days)",
                    c.vendor_name, c.contract_number, c.ends_on
                );
                let mut body = vec![
                    format!("The service contract {} with {} ends on {}.", c.contract_number, c.vendor_name, c.ends_on),
                    format!("Title: {}", c.title),
                    format!("Coverage: {}", c.coverage.label()),
                    format!("Days left: {days_left}"),
                    format!("Covered assets: {}", c.asset_count),
                    format!("Annual cost: {}", format_money(c.annual_cost_minor, &c.currency)),
                    format!("Auto-renews: {}", if c.auto_renews { "yes" } else { "no" }),
                    format!("Notice period: {} days (from {}).", c.notice_days, c.notice_opens_on),
                ];
                if let Some(l) = &link {
                    body.push(format!("Open it: {l}"));
                }
                body.push(String::new());
                body.push("— OpenHTM".into());
                let body = body.join("\r\n");
                let emails = managers.iter().map(|m| (m.email.clone(), subject.clone(), body.clone())).collect();
                let data = serde_json::json!({
                    "contract": {
                        "id": c.id.0, "vendor_id": c.vendor_id.0, "vendor": c.vendor_name,
                        "contract_number": c.contract_number, "title": c.title, "coverage": c.coverage.as_str(),
                        "starts_on": c.starts_on, "ends_on": c.ends_on, "days_left": days_left,
                        "notice_days": c.notice_days, "auto_renews": c.auto_renews,
                        "covered_assets": c.asset_count, "annual_cost_minor": c.annual_cost_minor,
                        "currency": c.currency, "url": link,
                    },
                });
                let queued = self
                    .enqueue_event(
                        &ctx,
                        EventKind::ContractExpiring,
                        ("service_contract", c.id.0.to_string()),
                        Some(rules::expiring_dedupe_key(c.id, c.ends_on)),
                        emails,
                        data,
                    )
                    .await?;
                progressed = true;
                if queued.is_some() {
                    n += 1;
                }
            }
            if !progressed {
                break;
            }
        }
        Ok(n)
    }
}
