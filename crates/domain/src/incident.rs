//! Device-related incidents and their investigations (TJC EC.02.04.01 EP 10; the Safe Medical
//! Devices Act 1990 and 21 CFR 803, REFERENCE §10): what happened, whether the device and its
//! accessories were sequestered, the findings, and the medical device report (MDR) decision.
//!
//! ```text
//! open → under_investigation → closed      (closing needs findings and an MDR decision)
//!   └──────────────────────────↗   closed → under_investigation reopens
//! ```
//!
//! The 21 CFR 803 rule for a user facility (803.30): a death the device may have caused or
//! contributed to is reported to the FDA **and** the manufacturer; a serious injury to the
//! manufacturer, or to the FDA when the manufacturer is not known; both within **10 work days**
//! of becoming aware. Work days here are Monday to Friday; there is no holiday calendar, so a due
//! date that falls after a public holiday is one work day late — report early. Malfunctions and
//! lesser harm are not mandatory user-facility reports (voluntary MedWatch reports still can be
//! recorded). The annual summary (FDA Form 3419) is not produced here.
//!
//! Free text is checked with [`crate::phi`]: OpenHTM stores no patient data.

use crate::DomainError;
use crate::error::FieldError;
use crate::ids::{AssetId, DepartmentId, WorkOrderId};
use crate::org::{finish, optional_text, required_text};
use crate::phi::{self, PhiFinding};
use crate::text_enum;
use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

/// The longest free text accepted in one field.
pub const MAX_TEXT: usize = 8000;

/// An incident's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct IncidentId(pub i64);

impl std::fmt::Display for IncidentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

text_enum!(
    /// How badly the incident harmed (or could have harmed) someone. `serious_injury` and `death`
    /// are the 21 CFR 803.3 terms: a serious injury is an injury or illness that is
    /// life-threatening, results in permanent impairment or damage, or needs medical or surgical
    /// intervention to preclude that.
    Severity, "severity" {
        NearMiss => "near_miss": "Near miss (did not reach anyone)",
        NoHarm => "no_harm": "No harm",
        MinorInjury => "minor_injury": "Minor injury",
        SeriousInjury => "serious_injury": "Serious injury or illness",
        Death => "death": "Death",
    }
);

text_enum!(
    IncidentStatus, "status" {
        Open => "open": "Open",
        UnderInvestigation => "under_investigation": "Under investigation",
        Closed => "closed": "Closed",
    }
);

text_enum!(
    /// To whom a medical device report was sent.
    MdrRecipient, "mdr_reported_to" {
        Fda => "fda": "FDA",
        Manufacturer => "manufacturer": "Manufacturer",
        Both => "both": "FDA and manufacturer",
    }
);

impl MdrRecipient {
    pub fn includes_fda(self) -> bool {
        matches!(self, MdrRecipient::Fda | MdrRecipient::Both)
    }
    pub fn includes_manufacturer(self) -> bool {
        matches!(self, MdrRecipient::Manufacturer | MdrRecipient::Both)
    }
}

/// The human incident number `INC-YYYY-NNNNNN`: the year it was reported and a per-year sequence.
pub fn format_number(year: i16, seq: i64) -> String {
    format!("INC-{year:04}-{seq:06}")
}

/// `date` plus `n` work days (Monday–Friday, no holiday calendar). The day itself is day 0, so
/// becoming aware on a Saturday makes the following Monday work day 1.
pub fn add_work_days(date: Date, n: u32) -> Date {
    let mut d = date;
    let mut left = n;
    while left > 0 {
        d = d.tomorrow().unwrap_or(d);
        if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            left -= 1;
        }
    }
    d
}

/// What 21 CFR 803.30 requires of a user facility for an event that is reportable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MdrRequirement {
    pub to_fda: bool,
    pub to_manufacturer: bool,
    /// The last day to submit (FDA Form 3500A), 10 work days after becoming aware.
    pub due: Date,
}

/// Work days a user facility has to submit a death or serious-injury report (21 CFR 803.30).
pub const MDR_WORK_DAYS: u32 = 10;

/// The mandatory report an event of this severity needs if the device may have caused or
/// contributed to it: death → FDA and manufacturer; serious injury → the manufacturer, or the FDA
/// when the manufacturer is not known; within 10 work days of `aware_on`. Lesser severities need
/// none (`None`). Whether the device may have contributed is the investigator's decision
/// (`mdr_reportable`), not this function's.
pub fn mdr_requirement(severity: Severity, manufacturer_known: bool, aware_on: Date) -> Option<MdrRequirement> {
    let due = add_work_days(aware_on, MDR_WORK_DAYS);
    match severity {
        Severity::Death => Some(MdrRequirement { to_fda: true, to_manufacturer: true, due }),
        Severity::SeriousInjury => {
            Some(MdrRequirement { to_fda: !manufacturer_known, to_manufacturer: manufacturer_known, due })
        }
        Severity::NearMiss | Severity::NoHarm | Severity::MinorInjury => None,
    }
}

/// A work order linked to an incident (the repair, the inspection of the sequestered device, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedWorkOrder {
    pub id: WorkOrderId,
    pub number: String,
    pub status: crate::work_order::WorkOrderStatus,
}

/// One incident as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: IncidentId,
    /// `INC-YYYY-NNNNNN`.
    pub number: String,
    pub asset_id: Option<AssetId>,
    pub asset_tag: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub department_name: Option<String>,
    pub occurred_at: Timestamp,
    /// When the hospital became aware (the report was entered).
    pub reported_at: Timestamp,
    /// User name of the reporter.
    pub reported_by: String,
    pub what_happened: String,
    /// Accessories involved (leads, tubing, probes, …).
    pub accessories: Option<String>,
    pub severity: Severity,
    pub status: IncidentStatus,
    /// Whether the device and its accessories were taken out of use and kept as found.
    pub sequestered: bool,
    pub sequestered_items: Option<String>,
    pub sequestered_at: Option<Timestamp>,
    pub sequestered_by: Option<String>,
    pub findings: Option<String>,
    /// Whether the incident is an MDR-reportable event; `None` until decided.
    pub mdr_reportable: Option<bool>,
    pub mdr_rationale: Option<String>,
    pub mdr_decision_by: Option<String>,
    pub mdr_decided_at: Option<Timestamp>,
    pub mdr_reported_to: Option<MdrRecipient>,
    pub mdr_report_number: Option<String>,
    pub mdr_reported_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
    pub work_orders: Vec<LinkedWorkOrder>,
    pub version: i64,
    pub updated_at: Timestamp,
}

impl Incident {
    /// The mandatory report this incident needs if it is reportable (see [`mdr_requirement`]);
    /// the day of awareness is the UTC date of `reported_at`. The manufacturer counts as known
    /// when the incident names an asset (every asset has a model and its manufacturer).
    pub fn mdr_requirement(&self) -> Option<MdrRequirement> {
        let aware = self.reported_at.to_zoned(jiff::tz::TimeZone::UTC).date();
        mdr_requirement(self.severity, self.asset_id.is_some(), aware)
    }

    /// Every free-text field that is filled: (field, text).
    pub fn free_text(&self) -> Vec<(&'static str, &str)> {
        let mut v = vec![("what_happened", self.what_happened.as_str())];
        for (f, t) in [
            ("accessories", &self.accessories),
            ("sequestered_items", &self.sequestered_items),
            ("findings", &self.findings),
            ("mdr_rationale", &self.mdr_rationale),
        ] {
            if let Some(t) = t {
                v.push((f, t.as_str()));
            }
        }
        v
    }

    /// What is missing before this incident can be closed: findings, the MDR decision and, for a
    /// reportable one, the report (to whom and when), sent to everyone 21 CFR 803 requires.
    pub fn close_problems(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.findings.as_deref().is_none_or(|f| f.trim().is_empty()) {
            e.push(FieldError::new("findings", "record the investigation's findings before closing"));
        }
        match self.mdr_reportable {
            None => e.push(FieldError::new(
                "mdr_reportable",
                "decide whether this is a reportable medical device event (21 CFR 803) before closing",
            )),
            Some(false) => {}
            Some(true) => {
                match self.mdr_reported_to {
                    None => e.push(FieldError::new("mdr_reported_to", "record to whom the report was sent")),
                    Some(to) => {
                        if let Some(req) = self.mdr_requirement() {
                            if req.to_fda && !to.includes_fda() {
                                e.push(FieldError::new(
                                    "mdr_reported_to",
                                    "21 CFR 803.30 requires a report to the FDA",
                                ));
                            }
                            if req.to_manufacturer && !to.includes_manufacturer() {
                                e.push(FieldError::new(
                                    "mdr_reported_to",
                                    "21 CFR 803.30 requires a report to the manufacturer",
                                ));
                            }
                        }
                    }
                }
                if self.mdr_reported_at.is_none() {
                    e.push(FieldError::new("mdr_reported_at", "record when the report was sent"));
                }
            }
        }
        e
    }

    /// Closes the incident (status `closed`, who and when), or says what is missing.
    pub fn close(&self, actor: &str, now: Timestamp) -> Result<Incident, DomainError> {
        if self.status == IncidentStatus::Closed {
            return Err(DomainError::InvalidTransition {
                from: "closed".into(),
                to: "closed".into(),
                why: Some("the incident is already closed".into()),
            });
        }
        finish(self.close_problems())?;
        Ok(Incident {
            status: IncidentStatus::Closed,
            closed_at: Some(now),
            closed_by: Some(actor.to_string()),
            updated_at: now,
            ..self.clone()
        })
    }
}

/// Every passage in `fields` that looks like patient information (see [`crate::phi`]).
pub fn phi_findings(fields: &[(&str, &str)]) -> Vec<PhiFinding> {
    phi::scan_fields(fields)
}

/// A new incident report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewIncident {
    #[serde(default)]
    pub asset_id: Option<AssetId>,
    #[serde(default)]
    pub department_id: Option<DepartmentId>,
    pub occurred_at: Timestamp,
    pub what_happened: String,
    #[serde(default)]
    pub accessories: Option<String>,
    pub severity: Severity,
    #[serde(default)]
    pub sequestered: bool,
    #[serde(default)]
    pub sequestered_items: Option<String>,
}

impl NewIncident {
    /// Trims and checks every field, reporting all problems at once. `now` is when it is reported.
    pub fn normalized(mut self, now: Timestamp) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        self.what_happened = required_text("what_happened", &self.what_happened, MAX_TEXT, &mut e);
        self.accessories = optional_text("accessories", self.accessories.as_deref(), MAX_TEXT, &mut e);
        self.sequestered_items =
            optional_text("sequestered_items", self.sequestered_items.as_deref(), MAX_TEXT, &mut e);
        if self.occurred_at > now {
            e.push(FieldError::new("occurred_at", "is in the future"));
        }
        if self.sequestered && self.sequestered_items.is_none() {
            e.push(FieldError::new("sequestered_items", "name the device and accessories that were sequestered"));
        }
        finish(e)?;
        Ok(self)
    }

    /// Every free-text field that is filled: (field, text).
    pub fn free_text(&self) -> Vec<(&'static str, &str)> {
        let mut v = vec![("what_happened", self.what_happened.as_str())];
        for (f, t) in [("accessories", &self.accessories), ("sequestered_items", &self.sequestered_items)] {
            if let Some(t) = t {
                v.push((f, t.as_str()));
            }
        }
        v
    }
}

/// A change to an incident: the report's fields, the investigation and the MDR decision. Absent
/// fields are left as they are; blank text clears an optional text field. `version` must be the
/// version read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentPatch {
    pub version: i64,
    #[serde(default)]
    pub asset_id: Option<AssetId>,
    #[serde(default)]
    pub department_id: Option<DepartmentId>,
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
    #[serde(default)]
    pub what_happened: Option<String>,
    #[serde(default)]
    pub accessories: Option<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    /// `under_investigation` starts (or, on a closed incident, reopens) the investigation;
    /// closing goes through close.
    #[serde(default)]
    pub status: Option<IncidentStatus>,
    #[serde(default)]
    pub sequestered: Option<bool>,
    #[serde(default)]
    pub sequestered_items: Option<String>,
    #[serde(default)]
    pub findings: Option<String>,
    #[serde(default)]
    pub mdr_reportable: Option<bool>,
    #[serde(default)]
    pub mdr_rationale: Option<String>,
    #[serde(default)]
    pub mdr_reported_to: Option<MdrRecipient>,
    #[serde(default)]
    pub mdr_report_number: Option<String>,
    #[serde(default)]
    pub mdr_reported_at: Option<Timestamp>,
}

/// Blank → clear, text → set (trimmed, length-checked), absent → keep.
fn patch_text(field: &str, value: &Option<String>, current: &mut Option<String>, e: &mut Vec<FieldError>) {
    if let Some(v) = value {
        *current = optional_text(field, Some(v), MAX_TEXT, e);
    }
}

impl IncidentPatch {
    /// Whether the patch touches the investigation or the MDR decision (not only the report).
    pub fn touches_investigation(&self) -> bool {
        self.status.is_some()
            || self.sequestered.is_some()
            || self.sequestered_items.is_some()
            || self.findings.is_some()
            || self.mdr_reportable.is_some()
            || self.mdr_rationale.is_some()
            || self.mdr_reported_to.is_some()
            || self.mdr_report_number.is_some()
            || self.mdr_reported_at.is_some()
    }

    /// The free text this patch sets: (field, text).
    pub fn free_text(&self) -> Vec<(&'static str, &str)> {
        [
            ("what_happened", &self.what_happened),
            ("accessories", &self.accessories),
            ("sequestered_items", &self.sequestered_items),
            ("findings", &self.findings),
            ("mdr_rationale", &self.mdr_rationale),
        ]
        .into_iter()
        .filter_map(|(f, t)| t.as_deref().map(|t| (f, t)))
        .collect()
    }

    /// The incident after this change by `actor` at `now` (the version is left to the store).
    /// Sequestering records who and when; a changed MDR decision records who decided and when;
    /// investigation fields on an open incident start the investigation.
    pub fn apply(&self, cur: &Incident, actor: &str, now: Timestamp) -> Result<Incident, DomainError> {
        let mut n = cur.clone();
        let mut e = Vec::new();
        let reopening = cur.status == IncidentStatus::Closed && self.status == Some(IncidentStatus::UnderInvestigation);
        if cur.status == IncidentStatus::Closed && !reopening {
            return Err(DomainError::InvalidTransition {
                from: "closed".into(),
                to: "changed".into(),
                why: Some("reopen the incident (status under_investigation) to change it".into()),
            });
        }
        match self.status {
            None => {}
            Some(IncidentStatus::Closed) => {
                return Err(DomainError::InvalidTransition {
                    from: cur.status.as_str().into(),
                    to: "closed".into(),
                    why: Some(
                        "close an incident with the close action, which checks findings and the MDR decision".into(),
                    ),
                });
            }
            Some(IncidentStatus::Open) if cur.status != IncidentStatus::Open => {
                return Err(DomainError::InvalidTransition {
                    from: cur.status.as_str().into(),
                    to: "open".into(),
                    why: Some("an investigation once started stays started".into()),
                });
            }
            Some(s) => n.status = s,
        }
        if reopening {
            n.closed_at = None;
            n.closed_by = None;
        }
        if let Some(a) = self.asset_id {
            n.asset_id = Some(a);
        }
        if let Some(d) = self.department_id {
            n.department_id = Some(d);
        }
        if let Some(o) = self.occurred_at {
            n.occurred_at = o;
        }
        if n.occurred_at > now {
            e.push(FieldError::new("occurred_at", "is in the future"));
        }
        if let Some(w) = &self.what_happened {
            n.what_happened = required_text("what_happened", w, MAX_TEXT, &mut e);
        }
        patch_text("accessories", &self.accessories, &mut n.accessories, &mut e);
        if let Some(s) = self.severity {
            n.severity = s;
        }
        patch_text("sequestered_items", &self.sequestered_items, &mut n.sequestered_items, &mut e);
        if let Some(s) = self.sequestered {
            if s && !cur.sequestered {
                n.sequestered_at = Some(now);
                n.sequestered_by = Some(actor.to_string());
            }
            if !s {
                n.sequestered_at = None;
                n.sequestered_by = None;
            }
            n.sequestered = s;
        }
        if n.sequestered && n.sequestered_items.is_none() {
            e.push(FieldError::new("sequestered_items", "name the device and accessories that were sequestered"));
        }
        patch_text("findings", &self.findings, &mut n.findings, &mut e);
        if let Some(r) = self.mdr_reportable
            && cur.mdr_reportable != Some(r)
        {
            n.mdr_reportable = Some(r);
            n.mdr_decision_by = Some(actor.to_string());
            n.mdr_decided_at = Some(now);
        }
        patch_text("mdr_rationale", &self.mdr_rationale, &mut n.mdr_rationale, &mut e);
        if let Some(to) = self.mdr_reported_to {
            n.mdr_reported_to = Some(to);
        }
        patch_text("mdr_report_number", &self.mdr_report_number, &mut n.mdr_report_number, &mut e);
        if let Some(at) = self.mdr_reported_at {
            n.mdr_reported_at = Some(at);
        }
        if let Some(at) = n.mdr_reported_at {
            if at > now {
                e.push(FieldError::new("mdr_reported_at", "is in the future"));
            }
            if at < n.occurred_at {
                e.push(FieldError::new("mdr_reported_at", "is before the incident occurred"));
            }
        }
        let has_report = n.mdr_reported_to.is_some() || n.mdr_report_number.is_some() || n.mdr_reported_at.is_some();
        if has_report && n.mdr_reportable != Some(true) {
            e.push(FieldError::new(
                "mdr_reportable",
                "a report was recorded: decide that the incident is reportable (mdr_reportable true) first",
            ));
        }
        finish(e)?;
        let investigating = self.touches_investigation() && self.status.is_none();
        if investigating && n.status == IncidentStatus::Open {
            n.status = IncidentStatus::UnderInvestigation;
        }
        n.updated_at = now;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn incident() -> Incident {
        Incident {
            id: IncidentId(1),
            number: format_number(2026, 1),
            asset_id: Some(AssetId(7)),
            asset_tag: Some("BME-0007".into()),
            department_id: None,
            department_name: None,
            occurred_at: ts("2026-03-05T14:00:00Z"),
            reported_at: ts("2026-03-06T09:00:00Z"),
            reported_by: "nurse".into(),
            what_happened: "Infusion pump delivered a bolus after the occlusion alarm was cleared".into(),
            accessories: Some("Administration set, lot 4711".into()),
            severity: Severity::SeriousInjury,
            status: IncidentStatus::Open,
            sequestered: false,
            sequestered_items: None,
            sequestered_at: None,
            sequestered_by: None,
            findings: None,
            mdr_reportable: None,
            mdr_rationale: None,
            mdr_decision_by: None,
            mdr_decided_at: None,
            mdr_reported_to: None,
            mdr_report_number: None,
            mdr_reported_at: None,
            closed_at: None,
            closed_by: None,
            work_orders: vec![],
            version: 1,
            updated_at: ts("2026-03-06T09:00:00Z"),
        }
    }

    fn fields(e: DomainError) -> Vec<String> {
        match e {
            DomainError::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn numbers_read_inc_year_sequence() {
        assert_eq!(format_number(2026, 123), "INC-2026-000123");
    }

    #[test]
    fn work_days_skip_weekends() {
        // Thursday 2026-03-05 + 10 work days: Fri 6, Mon 9 … Fri 13, Mon 16 … Thu 19.
        assert_eq!(add_work_days(date(2026, 3, 5), 10), date(2026, 3, 19));
        // Friday 2026-01-02 → Friday 2026-01-16.
        assert_eq!(add_work_days(date(2026, 1, 2), 10), date(2026, 1, 16));
        // Saturday and Sunday awareness: Monday is work day 1, so day 10 is the second Friday.
        assert_eq!(add_work_days(date(2026, 3, 7), 10), date(2026, 3, 20));
        assert_eq!(add_work_days(date(2026, 3, 8), 10), date(2026, 3, 20));
        assert_eq!(add_work_days(date(2026, 3, 6), 1), date(2026, 3, 9));
        assert_eq!(add_work_days(date(2026, 3, 6), 0), date(2026, 3, 6));
        // Across a year end.
        assert_eq!(add_work_days(date(2026, 12, 24), 10), date(2027, 1, 7));
    }

    #[test]
    fn a_death_goes_to_fda_and_manufacturer_within_ten_work_days() {
        let r = mdr_requirement(Severity::Death, true, date(2026, 3, 6)).unwrap();
        assert_eq!(r, MdrRequirement { to_fda: true, to_manufacturer: true, due: date(2026, 3, 20) });
        let r = mdr_requirement(Severity::Death, false, date(2026, 3, 6)).unwrap();
        assert!(r.to_fda && r.to_manufacturer);
    }

    #[test]
    fn a_serious_injury_goes_to_the_manufacturer_or_else_the_fda() {
        let r = mdr_requirement(Severity::SeriousInjury, true, date(2026, 3, 6)).unwrap();
        assert_eq!((r.to_fda, r.to_manufacturer, r.due), (false, true, date(2026, 3, 20)));
        let r = mdr_requirement(Severity::SeriousInjury, false, date(2026, 3, 6)).unwrap();
        assert_eq!((r.to_fda, r.to_manufacturer), (true, false));
    }

    #[test]
    fn lesser_harm_needs_no_mandatory_report() {
        for s in [Severity::NearMiss, Severity::NoHarm, Severity::MinorInjury] {
            assert_eq!(mdr_requirement(s, true, date(2026, 3, 6)), None, "{s:?}");
        }
    }

    #[test]
    fn patient_identifiers_in_free_text_are_found_per_field() {
        let f = phi_findings(&[
            ("what_happened", "Alarm failed on patient John Smith"),
            ("findings", "MRN 12345678 on the label"),
            ("accessories", "DOB 03/04/1950 written on the tubing"),
            ("sequestered_items", "Pump and administration set"),
        ]);
        let got: Vec<(&str, &str, &str)> =
            f.iter().map(|h| (h.field.as_str(), h.kind.as_str(), h.excerpt.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("what_happened", "patient name", "patient John Smith"),
                ("findings", "medical record number", "MRN 12345678"),
                ("accessories", "date of birth", "DOB 03/04/1950"),
            ]
        );
        let n = NewIncident {
            asset_id: None,
            department_id: None,
            occurred_at: ts("2026-03-05T14:00:00Z"),
            what_happened: "Patient monitor lost SpO2 trace".into(),
            accessories: None,
            severity: Severity::NoHarm,
            sequestered: true,
            sequestered_items: Some("Monitor and probe".into()),
        };
        assert!(phi_findings(&n.free_text()).is_empty());
    }

    #[test]
    fn a_new_report_needs_text_a_past_time_and_named_sequestered_items() {
        let now = ts("2026-03-06T09:00:00Z");
        let n = NewIncident {
            asset_id: None,
            department_id: None,
            occurred_at: ts("2026-03-07T00:00:00Z"),
            what_happened: "  ".into(),
            accessories: Some(" ".into()),
            severity: Severity::NoHarm,
            sequestered: true,
            sequestered_items: None,
        };
        assert_eq!(fields(n.normalized(now).unwrap_err()), vec!["what_happened", "occurred_at", "sequestered_items"]);
    }

    #[test]
    fn closing_needs_findings_and_an_mdr_decision() {
        let now = ts("2026-03-10T09:00:00Z");
        let i = incident();
        assert_eq!(fields(i.close("eng", now).unwrap_err()), vec!["findings", "mdr_reportable"]);
        let i = IncidentPatch {
            version: 1,
            findings: Some("Use error: alarm silenced".into()),
            mdr_reportable: Some(false),
            mdr_rationale: Some("Device performed to specification".into()),
            ..Default::default()
        }
        .apply(&i, "eng", now)
        .unwrap();
        assert_eq!(i.status, IncidentStatus::UnderInvestigation);
        assert_eq!(i.mdr_decision_by.as_deref(), Some("eng"));
        assert_eq!(i.mdr_decided_at, Some(now));
        let closed = i.close("eng", now).unwrap();
        assert_eq!((closed.status, closed.closed_by.as_deref()), (IncidentStatus::Closed, Some("eng")));
        assert!(closed.close("eng", now).is_err());
    }

    #[test]
    fn a_reportable_incident_closes_only_once_reported_to_whom_the_rule_requires() {
        let now = ts("2026-03-10T09:00:00Z");
        let mut i = incident();
        i.severity = Severity::Death;
        let p = IncidentPatch {
            version: 1,
            findings: Some("Pump free-flowed".into()),
            mdr_reportable: Some(true),
            ..Default::default()
        };
        let i = p.apply(&i, "eng", now).unwrap();
        assert_eq!(fields(i.close("eng", now).unwrap_err()), vec!["mdr_reported_to", "mdr_reported_at"]);
        let p = IncidentPatch {
            version: 2,
            mdr_reported_to: Some(MdrRecipient::Manufacturer),
            mdr_reported_at: Some(ts("2026-03-09T12:00:00Z")),
            mdr_report_number: Some("1234567-2026-0001".into()),
            ..Default::default()
        };
        let i = p.apply(&i, "eng", now).unwrap();
        assert_eq!(fields(i.close("eng", now).unwrap_err()), vec!["mdr_reported_to"]);
        let p = IncidentPatch { version: 3, mdr_reported_to: Some(MdrRecipient::Both), ..Default::default() };
        let i = p.apply(&i, "eng", now).unwrap();
        assert!(i.close("eng", now).is_ok());
    }

    #[test]
    fn a_report_needs_a_reportable_decision_and_closed_incidents_reopen_first() {
        let now = ts("2026-03-10T09:00:00Z");
        let i = incident();
        let p = IncidentPatch { version: 1, mdr_reported_to: Some(MdrRecipient::Fda), ..Default::default() };
        assert_eq!(fields(p.apply(&i, "eng", now).unwrap_err()), vec!["mdr_reportable"]);
        let p = IncidentPatch { version: 1, status: Some(IncidentStatus::Closed), ..Default::default() };
        assert!(matches!(p.apply(&i, "eng", now), Err(DomainError::InvalidTransition { .. })));
        let mut closed = i.clone();
        closed.status = IncidentStatus::Closed;
        closed.closed_by = Some("eng".into());
        let p = IncidentPatch { version: 1, findings: Some("more".into()), ..Default::default() };
        assert!(matches!(p.apply(&closed, "eng", now), Err(DomainError::InvalidTransition { .. })));
        let p = IncidentPatch {
            version: 1,
            status: Some(IncidentStatus::UnderInvestigation),
            findings: Some("more".into()),
            ..Default::default()
        };
        let r = p.apply(&closed, "eng", now).unwrap();
        assert_eq!((r.status, r.closed_by), (IncidentStatus::UnderInvestigation, None));
    }

    #[test]
    fn sequestering_records_who_and_when() {
        let now = ts("2026-03-06T10:00:00Z");
        let p = IncidentPatch {
            version: 1,
            sequestered: Some(true),
            sequestered_items: Some("Pump SN 123, administration set".into()),
            ..Default::default()
        };
        let i = p.apply(&incident(), "tech", now).unwrap();
        assert_eq!((i.sequestered, i.sequestered_by.as_deref(), i.sequestered_at), (true, Some("tech"), Some(now)));
        let p = IncidentPatch { version: 1, sequestered: Some(true), ..Default::default() };
        assert_eq!(fields(p.apply(&incident(), "tech", now).unwrap_err()), vec!["sequestered_items"]);
    }
}
