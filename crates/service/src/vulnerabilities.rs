//! Known vulnerabilities and SBOMs: importing the CISA KEV catalogue and CycloneDX SBOMs, entering
//! CVEs by hand, matching them to the inventory into per-asset findings, and acting on findings
//! (see `htm_domain::vulnerability`, REFERENCE §7). Reading needs `ReadInventory`; everything else
//! `ManageVulnerabilities`.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::AssetId;
use htm_domain::vulnerability::{
    self as rules, Finding, FindingLevel, FindingStatus, ImportSummary, Sbom, SbomComponent, SbomOutcome, VulnSource,
    Vulnerability, VulnerabilityRecord,
};
use htm_domain::work_order::{NewWorkOrder, Priority, WorkOrderType};
use htm_store::{FindingFilter, FindingSync};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What importing an SBOM did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SbomImport {
    pub sbom: Sbom,
    pub outcome: SbomOutcome,
}

/// What a matching run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchSummary {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Findings that no longer match, now `resolved` (kept, audited).
    #[serde(default)]
    pub resolved: u32,
    /// Resolved findings that match again, now `open`.
    #[serde(default)]
    pub reopened: u32,
}

impl From<FindingSync> for MatchSummary {
    fn from(s: FindingSync) -> Self {
        Self { added: s.added, updated: s.updated, unchanged: s.unchanged, resolved: s.resolved, reopened: s.reopened }
    }
}

/// A row of the critical-findings report: an asset with open critical findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriticalAsset {
    pub asset_id: i64,
    pub asset_tag: String,
    pub cve_ids: Vec<String>,
    pub max_score: u8,
}

impl Services {
    /// Imports the CISA KEV catalogue (the JSON as CISA publishes it). The whole file is checked
    /// first; any bad entry refuses it with every problem listed as `vulnerabilities[i].field`.
    /// Re-importing the same file changes nothing and writes no audit event.
    pub async fn import_kev(&self, p: &Principal, bytes: &[u8]) -> ServiceResult<ImportSummary> {
        p.require(Action::ManageVulnerabilities)?;
        let records = rules::parse_kev(bytes).map_err(ServiceError::Validation)?;
        Ok(self
            .store
            .import_vulnerabilities(&self.ctx(p, Some("CISA KEV import".into())), VulnSource::Kev, &records)
            .await?)
    }

    /// Records a CVE by hand (vendor, product, optional affected version range).
    pub async fn add_vulnerability(&self, p: &Principal, record: VulnerabilityRecord) -> ServiceResult<Vulnerability> {
        p.require(Action::ManageVulnerabilities)?;
        let record = VulnerabilityRecord {
            cve_id: record.cve_id.trim().to_owned(),
            vendor: record.vendor.trim().to_owned(),
            product: record.product.trim().to_owned(),
            affected_versions: record.affected_versions.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            ..record
        };
        let errs = rules::check_record(&record, "");
        if !errs.is_empty() {
            return Err(ServiceError::Validation(errs));
        }
        Ok(self.store.insert_vulnerability(&self.ctx(p, None), &record).await?)
    }

    pub async fn list_vulnerabilities(&self, p: &Principal) -> ServiceResult<Vec<Vulnerability>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_vulnerabilities().await?)
    }

    /// Imports the CycloneDX JSON SBOM of a model's software version. The same file again changes
    /// nothing; a different file replaces the components (audited).
    pub async fn import_sbom(
        &self,
        p: &Principal,
        model_id: i64,
        software_version: &str,
        bytes: &[u8],
    ) -> ServiceResult<SbomImport> {
        p.require(Action::ManageVulnerabilities)?;
        let version = software_version.trim();
        if version.is_empty() {
            return Err(ServiceError::invalid("version", "the software version is required"));
        }
        let parsed = rules::parse_cyclonedx(bytes).map_err(ServiceError::Validation)?;
        let sha = hex::encode(Sha256::digest(bytes));
        let (sbom, outcome) =
            self.store.import_sbom(&self.ctx(p, Some("SBOM import".into())), model_id, version, &parsed, &sha).await?;
        Ok(SbomImport { sbom, outcome })
    }

    pub async fn list_sboms(&self, p: &Principal, model_id: i64) -> ServiceResult<Vec<Sbom>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_sboms(model_id).await?)
    }

    /// Matches every vulnerability to every asset (not disposed): the SBOM components of the
    /// asset's model and software version (from its network profile), and its operating system.
    /// New matches become open findings; open findings get their priority refreshed; decided
    /// findings are kept.
    pub async fn match_vulnerabilities(&self, p: &Principal) -> ServiceResult<MatchSummary> {
        p.require(Action::ManageVulnerabilities)?;
        let vulns = self.store.list_vulnerabilities().await?;
        let mut components: HashMap<(i64, String), Vec<SbomComponent>> = HashMap::new();
        for (model, version, c) in self.store.sbom_components().await? {
            components.entry((model, version)).or_default().push(c);
        }
        let mut proposals = Vec::new();
        for a in self.store.asset_exposures().await? {
            let comps = a
                .software_version
                .as_ref()
                .and_then(|v| components.get(&(a.model_id, v.clone())))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            proposals.extend(rules::match_asset(&a, comps, &vulns));
        }
        let sync = self.store.sync_findings(&self.ctx(p, Some("vulnerability matching".into())), &proposals).await?;
        Ok(sync.into())
    }

    pub async fn list_findings(&self, p: &Principal, filter: &FindingFilter) -> ServiceResult<Vec<Finding>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_findings(filter).await?)
    }

    /// Opens a software-update work order for the finding's asset, in the same transaction.
    pub async fn open_finding_work_order(&self, p: &Principal, finding: i64) -> ServiceResult<Finding> {
        p.require(Action::ManageVulnerabilities)?;
        let f = self.store.get_finding(finding).await?;
        let priority = match f.level {
            FindingLevel::Critical | FindingLevel::High => Priority::High,
            FindingLevel::Medium => Priority::Normal,
            FindingLevel::Low => Priority::Low,
        };
        let wo = NewWorkOrder {
            wo_type: WorkOrderType::SoftwareUpdate,
            priority,
            asset_id: Some(AssetId(f.asset_id)),
            problem: format!(
                "Vulnerability {} ({} finding, score {}) matched on {}: apply the manufacturer's update or mitigation.",
                f.cve_id,
                f.level.as_str(),
                f.score,
                f.matched_item
            ),
            requester_contact: None,
            assigned_to: None,
            vendor_id: None,
            due_date: None,
        };
        Ok(self.store.open_finding_work_order(&self.ctx(p, Some(format!("finding {finding}"))), finding, &wo).await?)
    }

    /// Records a decision on a finding (`open`, `mitigated`, `accepted`, `false_positive`); a
    /// decision other than re-opening needs a note.
    pub async fn update_finding_status(
        &self,
        p: &Principal,
        finding: i64,
        version: Option<i64>,
        status: FindingStatus,
        note: Option<String>,
    ) -> ServiceResult<Finding> {
        p.require(Action::ManageVulnerabilities)?;
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if status == FindingStatus::Resolved {
            return Err(ServiceError::invalid(
                "status",
                "a finding is resolved by matching, when it no longer matches",
            ));
        }
        if status != FindingStatus::Open && note.is_none() {
            return Err(ServiceError::invalid("note", "say why (e.g. the mitigation applied)"));
        }
        Ok(self.store.decide_finding(&self.ctx(p, note.clone()), finding, version, status, note).await?)
    }

    /// Assets with open critical findings, worst first.
    pub async fn critical_findings(&self, p: &Principal) -> ServiceResult<Vec<CriticalAsset>> {
        p.require(Action::ReadReports)?;
        let filter = FindingFilter { level: Some(FindingLevel::Critical), status: Some(FindingStatus::Open) };
        let mut by_asset: Vec<CriticalAsset> = Vec::new();
        for f in self.store.list_findings(&filter).await? {
            match by_asset.iter_mut().find(|a| a.asset_id == f.asset_id) {
                Some(a) => {
                    a.cve_ids.push(f.cve_id);
                    a.max_score = a.max_score.max(f.score);
                }
                None => by_asset.push(CriticalAsset {
                    asset_id: f.asset_id,
                    asset_tag: f.asset_tag,
                    cve_ids: vec![f.cve_id],
                    max_score: f.score,
                }),
            }
        }
        by_asset.sort_by(|a, b| b.max_score.cmp(&a.max_score).then(a.asset_tag.cmp(&b.asset_tag)));
        Ok(by_asset)
    }
}
