//! Work orders: the record of every piece of work done on equipment — PM, repair, inspection,
//! recall action, … — and the workflow each one follows:
//!
//! ```text
//! open → assigned → in_progress ⇄ on_hold (parts | vendor | clinical access)
//!                        ↓
//!                    completed → closed
//! (open | assigned | on_hold → cancelled; completed → in_progress reopens before closing)
//! ```

use crate::DomainError;
use crate::error::FieldError;
use crate::ids::{AssetId, UserId, VendorId, WorkOrderId};
use crate::org::{finish, optional_text, required_text};
use crate::text_enum;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    /// Kinds of work (REFERENCE §9.1).
    WorkOrderType, "wo_type" {
        Pm => "pm": "Preventive maintenance",
        Repair => "repair": "Repair",
        IncomingInspection => "incoming_inspection": "Incoming inspection",
        RecallAction => "recall_action": "Recall / alert action",
        Installation => "installation": "Installation",
        SoftwareUpdate => "software_update": "Software / firmware update",
        UserSupport => "user_support": "User support / training",
        Retirement => "retirement": "Retirement",
    }
);

text_enum!(
    Priority, "priority" {
        Emergency => "emergency": "Emergency",
        High => "high": "High",
        Normal => "normal": "Normal",
        Low => "low": "Low",
    }
);

text_enum!(
    WorkOrderStatus, "status" {
        Open => "open": "Open",
        Assigned => "assigned": "Assigned",
        InProgress => "in_progress": "In progress",
        OnHold => "on_hold": "On hold",
        Completed => "completed": "Completed",
        Closed => "closed": "Closed",
        Cancelled => "cancelled": "Cancelled",
    }
);

text_enum!(
    /// Why work is waiting.
    HoldReason, "hold_reason" {
        Parts => "parts": "Waiting for parts",
        Vendor => "vendor": "Waiting for vendor",
        ClinicalAccess => "clinical_access": "Waiting for clinical access",
    }
);

text_enum!(
    /// The outcome of the work.
    WorkResult, "result" {
        Pass => "pass": "Pass",
        Fail => "fail": "Fail",
        NotApplicable => "na": "N/A",
    }
);

impl WorkOrderStatus {
    /// Open work: not yet completed, closed or cancelled.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::Assigned | Self::InProgress | Self::OnHold)
    }

    /// The statuses this one may move to.
    pub fn next(self) -> &'static [WorkOrderStatus] {
        use WorkOrderStatus::*;
        match self {
            Open => &[Assigned, InProgress, Cancelled],
            Assigned => &[InProgress, Open, OnHold, Cancelled],
            InProgress => &[OnHold, Completed, Assigned],
            OnHold => &[InProgress, Cancelled],
            Completed => &[Closed, InProgress],
            Closed | Cancelled => &[],
        }
    }
}

/// A cause (failure) code, as REFERENCE §9.3 lists them; the list itself is reference data.
pub struct CauseCodeDef {
    pub code: &'static str,
    pub label: &'static str,
    /// Whether a repair with this cause counts as a device failure; `None` = by local policy.
    pub counts_as_failure: Option<bool>,
}

/// The default cause-code list (REFERENCE §9.3, after Wang et al.), seeded as reference data.
pub const DEFAULT_CAUSE_CODES: &[CauseCodeDef] = &[
    CauseCodeDef { code: "EF", label: "Evident failure", counts_as_failure: Some(true) },
    CauseCodeDef { code: "HF", label: "Hidden failure (found by test or inspection)", counts_as_failure: Some(true) },
    CauseCodeDef {
        code: "PF",
        label: "Potential failure (degradation found before failure)",
        counts_as_failure: Some(false),
    },
    CauseCodeDef { code: "PPF", label: "Predictable and preventable failure", counts_as_failure: Some(true) },
    CauseCodeDef { code: "UPF", label: "Unpreventable / random failure", counts_as_failure: Some(true) },
    CauseCodeDef { code: "SIF", label: "Service-induced failure", counts_as_failure: Some(true) },
    CauseCodeDef { code: "USE", label: "Use / user error", counts_as_failure: Some(false) },
    CauseCodeDef { code: "ABU", label: "Abuse / physical damage / fluid ingress", counts_as_failure: Some(false) },
    CauseCodeDef { code: "ACC", label: "Accessory / consumable failure", counts_as_failure: Some(false) },
    CauseCodeDef { code: "BATT", label: "Battery failure / discharged", counts_as_failure: None },
    CauseCodeDef { code: "NET", label: "Network / interface / IT infrastructure", counts_as_failure: Some(false) },
    CauseCodeDef { code: "SW", label: "Software defect / configuration", counts_as_failure: Some(true) },
    CauseCodeDef {
        code: "ENV",
        label: "Environmental (power, temperature, water, gas)",
        counts_as_failure: Some(false),
    },
    CauseCodeDef { code: "NPF", label: "No problem found / could not duplicate", counts_as_failure: Some(false) },
    CauseCodeDef { code: "WEAR", label: "Normal wear and tear", counts_as_failure: Some(true) },
];

/// Checks the form of a cause code (2–8 upper-case letters); whether it exists is the
/// reference table's business.
pub fn parse_cause_code(s: &str) -> Result<String, DomainError> {
    let t = s.trim().to_ascii_uppercase();
    if (2..=8).contains(&t.len()) && t.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(t)
    } else {
        Err(DomainError::field("cause_code", format!("'{s}' is not a cause code")))
    }
}

/// The human work-order number `WO-YYYY-NNNNNN`: the year it was opened and a per-year sequence.
pub fn format_number(year: i16, seq: i64) -> String {
    format!("WO-{year:04}-{seq:06}")
}

/// Reads a work-order number back into (year, sequence).
pub fn parse_number(s: &str) -> Option<(i16, i64)> {
    let rest = s.trim().strip_prefix("WO-")?;
    let (y, n) = rest.split_once('-')?;
    if y.len() != 4 || n.len() < 6 || !y.chars().chain(n.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((y.parse().ok()?, n.parse().ok()?))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabourEntry {
    pub id: i64,
    pub technician_id: UserId,
    pub technician: String,
    pub work_date: Date,
    /// Time worked, in minutes.
    pub minutes: i32,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartUsed {
    pub id: i64,
    pub part_number: String,
    pub description: Option<String>,
    pub quantity: i32,
    /// Cost of one unit in minor units (cents).
    pub unit_cost_minor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewLabourEntry {
    /// Defaults to the person recording it.
    #[serde(default)]
    pub technician_id: Option<UserId>,
    #[serde(default)]
    pub work_date: Option<Date>,
    pub minutes: i32,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPartUsed {
    pub part_number: String,
    #[serde(default)]
    pub description: Option<String>,
    pub quantity: i32,
    #[serde(default)]
    pub unit_cost_minor: Option<i64>,
}

/// One work order as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrder {
    pub id: WorkOrderId,
    /// `WO-YYYY-NNNNNN`.
    pub number: String,
    pub wo_type: WorkOrderType,
    pub priority: Priority,
    pub status: WorkOrderStatus,
    pub hold_reason: Option<HoldReason>,
    pub asset_id: Option<AssetId>,
    pub asset_tag: Option<String>,
    pub requester_id: Option<UserId>,
    pub requester_name: Option<String>,
    /// How to reach the requester (phone, extension, unit).
    pub requester_contact: Option<String>,
    /// The problem as reported, in the requester's words.
    pub problem: String,
    pub assigned_to: Option<UserId>,
    pub assigned_to_name: Option<String>,
    pub vendor_id: Option<VendorId>,
    pub vendor_name: Option<String>,
    pub cause_code: Option<String>,
    pub work_performed: Option<String>,
    pub result: Option<WorkResult>,
    pub downtime_start: Option<Timestamp>,
    pub downtime_end: Option<Timestamp>,
    pub due_date: Option<Date>,
    pub opened_at: Timestamp,
    pub assigned_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// True when opening this work order took the asset out of service.
    pub took_out_of_service: bool,
    /// For a scheduled PM: its schedule and scheduled month (`YYYY-MM`).
    pub schedule_id: Option<i64>,
    pub pm_period: Option<String>,
    /// For a PM: done, unable to locate, or in use (could not be done).
    pub pm_outcome: Option<crate::pm::PmOutcome>,
    /// For a PM: the last day that counts as on time.
    pub window_end: Option<Date>,
    /// Why the work was flagged: done by a technician lacking the procedure's required
    /// qualification at a site whose policy is to flag (see [`crate::qualification`]).
    #[serde(default)]
    pub qualification_flag: Option<String>,
    pub labour: Vec<LabourEntry>,
    pub parts: Vec<PartUsed>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWorkOrder {
    pub wo_type: WorkOrderType,
    #[serde(default = "default_priority")]
    pub priority: Priority,
    #[serde(default)]
    pub asset_id: Option<AssetId>,
    /// The problem as reported (for a PM: what is due).
    pub problem: String,
    #[serde(default)]
    pub requester_contact: Option<String>,
    #[serde(default)]
    pub assigned_to: Option<UserId>,
    #[serde(default)]
    pub vendor_id: Option<VendorId>,
    #[serde(default)]
    pub due_date: Option<Date>,
}

fn default_priority() -> Priority {
    Priority::Normal
}

/// Changes to a work order's content. The status moves only through transitions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrderPatch {
    pub version: i64,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub problem: Option<String>,
    #[serde(default, deserialize_with = "crate::asset::nullable")]
    pub requester_contact: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::asset::nullable")]
    pub assigned_to: Option<Option<UserId>>,
    #[serde(default, deserialize_with = "crate::asset::nullable")]
    pub vendor_id: Option<Option<VendorId>>,
    #[serde(default, deserialize_with = "crate::asset::nullable")]
    pub cause_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::asset::nullable")]
    pub work_performed: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::asset::nullable")]
    pub result: Option<Option<WorkResult>>,
    #[serde(default, deserialize_with = "crate::asset::nullable")]
    pub downtime_start: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "crate::asset::nullable")]
    pub downtime_end: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "crate::asset::nullable")]
    pub due_date: Option<Option<Date>>,
    /// Labour to add.
    #[serde(default)]
    pub add_labour: Vec<NewLabourEntry>,
    /// Parts to add.
    #[serde(default)]
    pub add_parts: Vec<NewPartUsed>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A request to move a work order to another status, with what that status needs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionRequest {
    pub to: String,
    /// Required for `on_hold`.
    #[serde(default)]
    pub hold_reason: Option<HoldReason>,
    /// Assign (or re-assign) as part of the move.
    #[serde(default)]
    pub assigned_to: Option<UserId>,
    #[serde(default)]
    pub cause_code: Option<String>,
    #[serde(default)]
    pub work_performed: Option<String>,
    #[serde(default)]
    pub result: Option<WorkResult>,
    /// For a PM: `done` (default), `unable_to_locate` or `in_use`.
    #[serde(default)]
    pub pm_outcome: Option<crate::pm::PmOutcome>,
    /// If given, the version the client read; a stale one is refused.
    #[serde(default)]
    pub version: Option<i64>,
    /// Why; required to cancel.
    #[serde(default)]
    pub reason: Option<String>,
    /// Completing or closing is an electronic signature: the signer re-enters their password
    /// (21 CFR Part 11 §11.200). Never stored or echoed.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
}

impl TransitionRequest {
    /// Whether this move signs the record (completing or closing it).
    pub fn signs(&self) -> bool {
        matches!(WorkOrderStatus::parse(&self.to), Ok(WorkOrderStatus::Completed | WorkOrderStatus::Closed))
    }
}

/// What a transition means for the asset, for the store to apply in the same transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetEffect {
    None,
    /// A repair that had taken the asset out of service has ended; `failed` if its result was fail.
    RepairEnded {
        failed: bool,
    },
    /// A completed repair was reopened: the asset goes out of service again.
    RepairReopened,
    /// A PM found no device: the asset is reported missing (unable to locate) for follow-up.
    UnableToLocate,
    /// A PM could not be done because the device was in use: a follow-up PM is opened, due
    /// within the same compliance window.
    PmDeferred,
}

impl NewWorkOrder {
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        self.problem = required_text("problem", &self.problem, 4000, &mut e);
        self.requester_contact = optional_text("requester_contact", self.requester_contact.as_deref(), 120, &mut e);
        let needs_asset = !matches!(self.wo_type, WorkOrderType::UserSupport | WorkOrderType::Installation);
        if needs_asset && self.asset_id.is_none() {
            e.push(FieldError::new(
                "asset_id",
                format!("a {} work order needs an asset", self.wo_type.label().to_lowercase()),
            ));
        }
        finish(e)?;
        Ok(self)
    }
}

fn check_labour(l: &NewLabourEntry, i: usize, e: &mut Vec<FieldError>) {
    if !(1..=24 * 60).contains(&l.minutes) {
        e.push(FieldError::new(format!("add_labour[{i}].minutes"), "must be between 1 and 1440"));
    }
}

fn check_part(p: &mut NewPartUsed, i: usize, e: &mut Vec<FieldError>) {
    p.part_number = required_text(&format!("add_parts[{i}].part_number"), &p.part_number, 60, e);
    if !(1..=10_000).contains(&p.quantity) {
        e.push(FieldError::new(format!("add_parts[{i}].quantity"), "must be between 1 and 10000"));
    }
    if let Some(c) = p.unit_cost_minor
        && c < 0
    {
        e.push(FieldError::new(format!("add_parts[{i}].unit_cost_minor"), "must not be negative"));
    }
}

impl WorkOrderPatch {
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        if let Some(p) = &self.problem {
            self.problem = Some(required_text("problem", p, 4000, &mut e));
        }
        if let Some(Some(c)) = &self.cause_code {
            match parse_cause_code(c) {
                Ok(c) => self.cause_code = Some(Some(c)),
                Err(DomainError::Invalid(mut f)) => e.append(&mut f),
                Err(_) => {}
            }
        }
        if let Some(w) = &self.work_performed {
            self.work_performed = Some(optional_text("work_performed", w.as_deref(), 8000, &mut e));
        }
        for (i, l) in self.add_labour.iter().enumerate() {
            check_labour(l, i, &mut e);
        }
        for (i, p) in self.add_parts.iter_mut().enumerate() {
            check_part(p, i, &mut e);
        }
        if let (Some(Some(s)), Some(Some(t))) = (self.downtime_start, self.downtime_end)
            && t < s
        {
            e.push(FieldError::new("downtime_end", "is before the downtime start"));
        }
        finish(e)?;
        Ok(self)
    }

    /// Applies the content changes to a work order. Closed and cancelled work orders are sealed.
    pub fn apply_to(&self, wo: &mut WorkOrder) -> Result<(), DomainError> {
        if matches!(wo.status, WorkOrderStatus::Closed | WorkOrderStatus::Cancelled) {
            return Err(DomainError::field("status", format!("a {} work order cannot be changed", wo.status.as_str())));
        }
        macro_rules! set {
            ($($f:ident),+) => {$(if let Some(v) = &self.$f { wo.$f = v.clone(); })+};
        }
        set!(priority, problem);
        set!(
            requester_contact,
            assigned_to,
            vendor_id,
            cause_code,
            work_performed,
            result,
            downtime_start,
            downtime_end,
            due_date
        );
        if let (Some(s), Some(t)) = (wo.downtime_start, wo.downtime_end)
            && t < s
        {
            return Err(DomainError::field("downtime_end", "is before the downtime start"));
        }
        Ok(())
    }
}

/// What must be true before a work order can be completed, as field errors.
pub fn completion_problems(wo: &WorkOrder) -> Vec<FieldError> {
    let mut e = Vec::new();
    if matches!(wo.pm_outcome, Some(crate::pm::PmOutcome::UnableToLocate | crate::pm::PmOutcome::InUse)) {
        return e;
    }
    if wo.result.is_none() {
        e.push(FieldError::new("result", "is required to complete a work order (pass, fail or na)"));
    }
    if wo.work_performed.as_deref().is_none_or(|w| w.trim().is_empty()) {
        e.push(FieldError::new("work_performed", "is required to complete a work order"));
    }
    if wo.wo_type == WorkOrderType::Repair && wo.cause_code.is_none() {
        e.push(FieldError::new("cause_code", "is required to complete a repair (use NPF when no problem was found)"));
    }
    e
}

/// Moves a work order to the requested status if the workflow allows it, filling what the move
/// implies (timestamps, hold reason, downtime end), and says what it means for the asset.
pub fn apply_transition(
    wo: &mut WorkOrder,
    req: &TransitionRequest,
    now: Timestamp,
) -> Result<AssetEffect, DomainError> {
    let to = WorkOrderStatus::parse(&req.to).map_err(|_| DomainError::InvalidTransition {
        from: wo.status.as_str().into(),
        to: req.to.clone(),
        why: Some("no such status".into()),
    })?;
    let from = wo.status;
    let refuse = |why: &str| DomainError::InvalidTransition {
        from: from.as_str().into(),
        to: to.as_str().into(),
        why: (!why.is_empty()).then(|| why.to_string()),
    };
    if !from.next().contains(&to) {
        return Err(refuse(""));
    }
    if let Some(u) = req.assigned_to {
        wo.assigned_to = Some(u);
    }
    if let Some(c) = &req.cause_code {
        wo.cause_code = Some(parse_cause_code(c)?);
    }
    if let Some(w) = req.work_performed.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        wo.work_performed = Some(w.to_string());
    }
    if let Some(r) = req.result {
        wo.result = Some(r);
    }
    if let Some(o) = req.pm_outcome {
        if wo.wo_type != WorkOrderType::Pm {
            return Err(DomainError::field("pm_outcome", "only a PM work order has a PM outcome"));
        }
        wo.pm_outcome = Some(o);
    }
    let mut effect = AssetEffect::None;
    match to {
        WorkOrderStatus::Assigned | WorkOrderStatus::InProgress if wo.assigned_to.is_none() => {
            return Err(refuse("it has no assigned technician"));
        }
        WorkOrderStatus::OnHold => {
            wo.hold_reason = Some(
                req.hold_reason.ok_or_else(|| refuse("a hold reason (parts, vendor, clinical_access) is required"))?,
            );
        }
        WorkOrderStatus::Completed => {
            if wo.wo_type == WorkOrderType::Pm && wo.pm_outcome.is_none() {
                wo.pm_outcome = Some(crate::pm::PmOutcome::Done);
            }
            if matches!(wo.pm_outcome, Some(crate::pm::PmOutcome::UnableToLocate | crate::pm::PmOutcome::InUse))
                && wo.result.is_none()
            {
                wo.result = Some(WorkResult::NotApplicable);
            }
            let problems = completion_problems(wo);
            if !problems.is_empty() {
                return Err(DomainError::Invalid(problems));
            }
            wo.completed_at = Some(now);
            if wo.wo_type == WorkOrderType::Repair && wo.downtime_start.is_some() && wo.downtime_end.is_none() {
                wo.downtime_end = Some(now);
            }
            if wo.took_out_of_service {
                effect = AssetEffect::RepairEnded { failed: wo.result == Some(WorkResult::Fail) };
            }
            match wo.pm_outcome {
                Some(crate::pm::PmOutcome::UnableToLocate) => effect = AssetEffect::UnableToLocate,
                Some(crate::pm::PmOutcome::InUse) => effect = AssetEffect::PmDeferred,
                _ => {}
            }
        }
        WorkOrderStatus::Cancelled => {
            if req.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Err(refuse("a reason is required to cancel"));
            }
            if wo.took_out_of_service {
                effect = AssetEffect::RepairEnded { failed: false };
            }
        }
        WorkOrderStatus::Closed => wo.closed_at = Some(now),
        _ => {}
    }
    if to != WorkOrderStatus::OnHold {
        wo.hold_reason = None;
    }
    if to == WorkOrderStatus::Open {
        wo.assigned_to = None;
    }
    if (to == WorkOrderStatus::Assigned || req.assigned_to.is_some()) && to != WorkOrderStatus::Open {
        wo.assigned_at = Some(now);
    }
    if to == WorkOrderStatus::InProgress {
        if wo.started_at.is_none() {
            wo.started_at = Some(now);
        }
        if from == WorkOrderStatus::Completed {
            wo.completed_at = None;
            if wo.took_out_of_service {
                effect = AssetEffect::RepairReopened;
                wo.downtime_end = None;
            }
        }
    }
    wo.status = to;
    Ok(effect)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn repair() -> WorkOrder {
        WorkOrder {
            id: WorkOrderId(1),
            number: format_number(2026, 42),
            wo_type: WorkOrderType::Repair,
            priority: Priority::High,
            status: WorkOrderStatus::Open,
            hold_reason: None,
            asset_id: Some(AssetId(7)),
            asset_tag: Some("BME-000007".into()),
            requester_id: None,
            requester_name: None,
            requester_contact: None,
            problem: "Occlusion alarm without occlusion".into(),
            assigned_to: None,
            assigned_to_name: None,
            vendor_id: None,
            vendor_name: None,
            cause_code: None,
            work_performed: None,
            result: None,
            downtime_start: Some(ts("2026-03-02T08:00:00Z")),
            downtime_end: None,
            due_date: None,
            opened_at: ts("2026-03-02T08:00:00Z"),
            assigned_at: None,
            started_at: None,
            completed_at: None,
            closed_at: None,
            took_out_of_service: true,
            schedule_id: None,
            pm_period: None,
            pm_outcome: None,
            window_end: None,
            qualification_flag: None,
            labour: vec![],
            parts: vec![],
            version: 1,
        }
    }

    fn to(s: &str) -> TransitionRequest {
        TransitionRequest { to: s.into(), ..Default::default() }
    }

    #[test]
    fn numbers_have_the_year_and_six_digits() {
        assert_eq!(format_number(2026, 42), "WO-2026-000042");
        assert_eq!(parse_number("WO-2026-000042"), Some((2026, 42)));
        assert_eq!(parse_number("WO-2026-1234567"), Some((2026, 1_234_567)));
        assert_eq!(parse_number("WO-26-000042"), None);
        assert_eq!(parse_number("2026-000042"), None);
    }

    #[test]
    fn a_repair_walks_the_whole_workflow() {
        let now = ts("2026-03-02T10:00:00Z");
        let mut wo = repair();
        let req = TransitionRequest { to: "assigned".into(), assigned_to: Some(UserId(3)), ..Default::default() };
        apply_transition(&mut wo, &req, now).unwrap();
        assert_eq!(wo.status, WorkOrderStatus::Assigned);
        assert_eq!(wo.assigned_at, Some(now));
        apply_transition(&mut wo, &to("in_progress"), now).unwrap();
        assert_eq!(wo.started_at, Some(now));
        let hold =
            TransitionRequest { to: "on_hold".into(), hold_reason: Some(HoldReason::Parts), ..Default::default() };
        apply_transition(&mut wo, &hold, now).unwrap();
        assert_eq!(wo.hold_reason, Some(HoldReason::Parts));
        apply_transition(&mut wo, &to("in_progress"), now).unwrap();
        assert_eq!(wo.hold_reason, None);
        let done = ts("2026-03-03T09:30:00Z");
        let complete = TransitionRequest {
            to: "completed".into(),
            cause_code: Some("acc".into()),
            work_performed: Some("Replaced the door latch assembly".into()),
            result: Some(WorkResult::Pass),
            ..Default::default()
        };
        let effect = apply_transition(&mut wo, &complete, done).unwrap();
        assert_eq!(effect, AssetEffect::RepairEnded { failed: false });
        assert_eq!(wo.cause_code.as_deref(), Some("ACC"));
        assert_eq!(wo.downtime_end, Some(done));
        apply_transition(&mut wo, &to("closed"), done).unwrap();
        assert_eq!(wo.status, WorkOrderStatus::Closed);
    }

    #[test]
    fn invalid_transitions_are_refused_and_change_nothing() {
        let now = ts("2026-03-02T10:00:00Z");
        for (from, target) in [
            (WorkOrderStatus::Open, "completed"),
            (WorkOrderStatus::Open, "closed"),
            (WorkOrderStatus::Closed, "in_progress"),
            (WorkOrderStatus::Cancelled, "open"),
            (WorkOrderStatus::OnHold, "completed"),
            (WorkOrderStatus::Completed, "on_hold"),
        ] {
            let mut wo = repair();
            wo.status = from;
            wo.assigned_to = Some(UserId(3));
            let before = wo.clone();
            let err = apply_transition(&mut wo, &to(target), now).unwrap_err();
            assert!(matches!(err, DomainError::InvalidTransition { .. }), "{from:?} → {target}: {err:?}");
            assert_eq!(wo, before);
        }
    }

    #[test]
    fn work_cannot_start_without_a_technician() {
        let mut wo = repair();
        let err = apply_transition(&mut wo, &to("in_progress"), ts("2026-03-02T10:00:00Z")).unwrap_err();
        assert!(err.to_string().contains("assigned technician"), "{err}");
    }

    #[test]
    fn completing_a_repair_needs_cause_work_and_result() {
        let mut wo = repair();
        wo.status = WorkOrderStatus::InProgress;
        wo.assigned_to = Some(UserId(3));
        let DomainError::Invalid(f) =
            apply_transition(&mut wo, &to("completed"), ts("2026-03-02T10:00:00Z")).unwrap_err()
        else {
            panic!()
        };
        let fields: Vec<_> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["result", "work_performed", "cause_code"]);
        assert_eq!(wo.status, WorkOrderStatus::InProgress);
    }

    #[test]
    fn a_failed_repair_keeps_the_asset_out_and_cancelling_needs_a_reason() {
        let now = ts("2026-03-02T10:00:00Z");
        let mut wo = repair();
        wo.status = WorkOrderStatus::InProgress;
        wo.assigned_to = Some(UserId(3));
        let req = TransitionRequest {
            to: "completed".into(),
            cause_code: Some("UPF".into()),
            work_performed: Some("Main board failed; beyond economical repair".into()),
            result: Some(WorkResult::Fail),
            ..Default::default()
        };
        assert_eq!(apply_transition(&mut wo, &req, now).unwrap(), AssetEffect::RepairEnded { failed: true });

        let mut wo = repair();
        assert!(apply_transition(&mut wo, &to("cancelled"), now).is_err());
        let req = TransitionRequest {
            to: "cancelled".into(),
            reason: Some("Duplicate of WO-2026-000041".into()),
            ..Default::default()
        };
        assert_eq!(apply_transition(&mut wo, &req, now).unwrap(), AssetEffect::RepairEnded { failed: false });
    }

    #[test]
    fn pm_outcomes_that_are_not_done_have_their_follow_up() {
        let now = ts("2026-03-02T10:00:00Z");
        for (outcome, effect) in [
            (crate::pm::PmOutcome::UnableToLocate, AssetEffect::UnableToLocate),
            (crate::pm::PmOutcome::InUse, AssetEffect::PmDeferred),
            (crate::pm::PmOutcome::Done, AssetEffect::None),
        ] {
            let mut wo = repair();
            wo.wo_type = WorkOrderType::Pm;
            wo.took_out_of_service = false;
            wo.status = WorkOrderStatus::InProgress;
            wo.assigned_to = Some(UserId(3));
            let req = TransitionRequest {
                to: "completed".into(),
                pm_outcome: Some(outcome),
                work_performed: Some("PM".into()),
                result: Some(WorkResult::Pass),
                ..Default::default()
            };
            assert_eq!(apply_transition(&mut wo, &req, now).unwrap(), effect, "{outcome:?}");
        }
    }

    #[test]
    fn a_sealed_work_order_refuses_edits() {
        let mut wo = repair();
        wo.status = WorkOrderStatus::Closed;
        let p = WorkOrderPatch { version: 1, problem: Some("changed".into()), ..Default::default() };
        assert!(p.apply_to(&mut wo).is_err());
    }

    #[test]
    fn a_repair_needs_an_asset() {
        let n = NewWorkOrder {
            wo_type: WorkOrderType::Repair,
            priority: Priority::Normal,
            asset_id: None,
            problem: "broken".into(),
            requester_contact: None,
            assigned_to: None,
            vendor_id: None,
            due_date: None,
        };
        assert!(n.normalized().is_err());
    }
}
