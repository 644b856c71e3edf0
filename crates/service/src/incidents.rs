//! Device-related incidents and their investigations (TJC EC.02.04.01 EP 10, 21 CFR 803; see
//! `htm_domain::incident`). Anyone who may report a problem may report an incident and see their
//! own; reading all of them needs `ReadIncidents`; the investigation (sequestration, findings, the
//! MDR decision, linking work orders, closing) needs `InvestigateIncident`.
//!
//! Free text is checked for things that look like patient identifiers. A hit refuses the request
//! with [`ServiceError::PhiWarning`] listing what was found; the same request with
//! `acknowledge_phi_warning` saves it, and the audit event's reason records that the warning was
//! acknowledged (naming the fields and kinds, never the suspicious text itself). The check is a
//! heuristic: it warns; removing patient data is the user's job.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::WorkOrderId;
use htm_domain::incident::{Incident, IncidentId, IncidentPatch, IncidentStatus, NewIncident, phi_findings};
use htm_domain::page::{Page, PageRequest};
use htm_store::{IncidentChange, IncidentFilter, MAX_INCIDENTS_IN_PERIOD};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

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

fn start_of(d: Date) -> ServiceResult<Timestamp> {
    d.to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|e| ServiceError::invalid("from", format!("{d} is not a usable date: {e}")))
}

impl Services {
    /// Reports an incident. Refused with `PhiWarning` when free text looks like patient
    /// information, unless `acknowledge_phi_warning`.
    pub async fn create_incident(
        &self,
        p: &Principal,
        new: NewIncident,
        acknowledge_phi_warning: bool,
    ) -> ServiceResult<Incident> {
        p.require(Action::ReportProblem)?;
        let now = self.now();
        let mut new = new.normalized(now)?;
        // The department defaults to the one the named asset belongs to.
        if new.department_id.is_none()
            && let Some(a) = new.asset_id
        {
            new.department_id = Some(self.store.get_asset(a).await?.department.id);
        }
        let reason = phi_gate(p, &new.free_text(), acknowledge_phi_warning)?;
        let reporter = (p.user.id.0 != 0).then_some(p.user.id);
        Ok(self.store.insert_incident(&self.ctx(p, reason), &new, reporter).await?)
    }

    /// One incident: any, with `ReadIncidents`; else only one's own report.
    pub async fn get_incident(&self, p: &Principal, id: IncidentId) -> ServiceResult<Incident> {
        if !p.can(Action::ReadIncidents) {
            p.require(Action::ReportProblem)?;
        }
        let i = self.store.get_incident(id).await?;
        if !p.can(Action::ReadIncidents) && i.reported_by != p.user.username {
            return Err(ServiceError::NotFound(format!("incident {id} not found")));
        }
        Ok(i)
    }

    /// A keyset page of incidents, newest first (a reporter without `ReadIncidents` sees their own).
    pub async fn list_incidents_page(
        &self,
        p: &Principal,
        mut filter: IncidentFilter,
        page: PageRequest,
    ) -> ServiceResult<Page<Incident>> {
        if !p.can(Action::ReadIncidents) {
            p.require(Action::ReportProblem)?;
            filter.reported_by_id = Some(p.user.id);
        }
        Ok(self.store.list_incidents(&filter, page).await?)
    }

    /// Every incident that occurred from `from` to `to` inclusive (UTC days), in order of
    /// occurrence, with asset tag, status, severity and the MDR fields (for the survey pack).
    /// At most 10,000.
    pub async fn list_incidents(&self, p: &Principal, from: Date, to: Date) -> ServiceResult<Vec<Incident>> {
        p.require(Action::ReadIncidents)?;
        if to < from {
            return Err(ServiceError::invalid("to", "is before from"));
        }
        let end = to.tomorrow().map_err(|e| ServiceError::invalid("to", e.to_string()))?;
        Ok(self.store.incidents_between(start_of(from)?, start_of(end)?, MAX_INCIDENTS_IN_PERIOD).await?)
    }

    /// Changes an incident. Investigation and MDR fields need `InvestigateIncident`; the reporter
    /// may correct the report itself (what happened, when, severity, device) while it is open.
    pub async fn update_incident(
        &self,
        p: &Principal,
        id: IncidentId,
        patch: IncidentPatch,
        acknowledge_phi_warning: bool,
    ) -> ServiceResult<Incident> {
        let cur = self.get_incident(p, id).await?;
        if !p.can(Action::InvestigateIncident) {
            let own_open_report = cur.reported_by == p.user.username
                && cur.status == IncidentStatus::Open
                && !patch.touches_investigation();
            if !own_open_report {
                p.require(Action::InvestigateIncident)?;
            }
        }
        if cur.version != patch.version {
            return Err(ServiceError::Stale(format!(
                "incident {} was changed by someone else (you read version {}, it is now version {}); reload and try again",
                cur.number, patch.version, cur.version
            )));
        }
        let now = self.now();
        let next = patch.apply(&cur, &p.user.username, now)?;
        let reason = phi_gate(p, &patch.free_text(), acknowledge_phi_warning)?;
        Ok(self.store.update_incident(&self.ctx(p, reason), IncidentChange::Update, &next).await?)
    }

    /// Closes an incident (optionally recording final findings first). Closing needs findings and
    /// an MDR decision, and for a reportable incident the report (see `Incident::close_problems`).
    pub async fn close_incident(
        &self,
        p: &Principal,
        id: IncidentId,
        version: i64,
        findings: Option<String>,
        acknowledge_phi_warning: bool,
    ) -> ServiceResult<Incident> {
        p.require(Action::InvestigateIncident)?;
        let cur = self.get_incident(p, id).await?;
        let now = self.now();
        let mut reason = None;
        let cur = match findings.filter(|f| !f.trim().is_empty()) {
            Some(f) => {
                let patch = IncidentPatch { version, findings: Some(f), ..Default::default() };
                reason = phi_gate(p, &patch.free_text(), acknowledge_phi_warning)?;
                patch.apply(&cur, &p.user.username, now)?
            }
            None => cur,
        };
        if cur.version != version {
            return Err(ServiceError::Stale(format!(
                "incident {} was changed by someone else (you read version {version}, it is now version {}); reload and try again",
                cur.number, cur.version
            )));
        }
        let closed = cur.close(&p.user.username, now)?;
        Ok(self.store.update_incident(&self.ctx(p, reason), IncidentChange::Close, &closed).await?)
    }

    /// Links a work order (the repair, the inspection of the sequestered device, …) to an incident.
    pub async fn link_incident_work_order(
        &self,
        p: &Principal,
        id: IncidentId,
        work_order: WorkOrderId,
    ) -> ServiceResult<Incident> {
        p.require(Action::InvestigateIncident)?;
        Ok(self.store.link_incident_work_order(&self.ctx(p, None), id, work_order).await?)
    }
}
