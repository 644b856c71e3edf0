//! Service contracts (ROADMAP "Lifecycle and money": coverage type, covered assets, annual cost,
//! response time, expiry alerts): what a vendor's contract covers, from when to when, at what
//! annual cost, with which response time and uptime guarantee, and how long before the end the
//! owners must be told.
//!
//! Rules (REFERENCE §3, "Financial and performance indicators"):
//! - The annual cost is money in integer minor units of an ISO 4217 currency: contract cost is
//!   one of the parts of the cost of service ratio (COSR: in-house labour + parts + contracts +
//!   T&M vendor work, ÷ acquisition cost of the supported inventory).
//! - The uptime guarantee is a percentage 0–100 ("service contracts often guarantee 95–98 %",
//!   REFERENCE §3 "Uptime"; uptime = (scheduled available time − downtime) ÷ scheduled available
//!   time × 100).
//! - The status is derived from the dates on a given day, never stored: `upcoming` before the
//!   start, `expired` after the end, `expiring` once the notice window has opened
//!   (`ends_on − notice_days` ≤ today ≤ `ends_on`), else `active`.
//! - The "contract expiring" notification (issue 6 §6) is due once the notice window has opened
//!   and the contract has not ended; it is sent once per contract and end date, so a contract
//!   renewed with a new end date is announced again.
//!
//! Free text (`notes`) is checked with [`crate::phi`]: OpenHTM stores no patient data.

use crate::DomainError;
use crate::asset::nullable;
use crate::error::FieldError;
use crate::ids::VendorId;
use crate::org::{finish, optional_text, required_text};
use crate::phi::{self, PhiFinding};
use crate::text_enum;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The notice period when none is given: 90 days before the end.
pub const DEFAULT_NOTICE_DAYS: i32 = 90;
/// The longest notice period accepted (two years).
pub const MAX_NOTICE_DAYS: i32 = 730;
/// The longest response time accepted (a year of hours).
pub const MAX_RESPONSE_HOURS: i32 = 8760;
/// The longest notes accepted.
pub const MAX_NOTES: usize = 4000;

text_enum!(
    /// What a contract covers.
    Coverage, "coverage" {
        FullService => "full_service" : "Full service",
        PmOnly => "pm_only" : "PM only",
        PartsOnly => "parts_only" : "Parts only",
        LabourOnly => "labour_only" : "Labour only",
        TimeAndMaterials => "time_and_materials" : "Time and materials",
        SoftwareSupport => "software_support" : "Software support",
    }
);

text_enum!(
    /// Where a contract stands on a day (derived from its dates, see [`status_on`]).
    ContractStatus, "status" {
        Upcoming => "upcoming" : "Upcoming",
        Active => "active" : "Active",
        Expiring => "expiring" : "Expiring",
        Expired => "expired" : "Expired",
    }
);

/// A contract's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ContractId(pub i64);

impl std::fmt::Display for ContractId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn default_notice_days() -> i32 {
    DEFAULT_NOTICE_DAYS
}

/// The fields of a contract as written (a new one, or the state an edit produces).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewServiceContract {
    pub vendor_id: VendorId,
    /// The vendor's contract or agreement number.
    pub contract_number: String,
    pub title: String,
    pub coverage: Coverage,
    pub starts_on: Date,
    /// The last day covered (on or after `starts_on`).
    pub ends_on: Date,
    /// Annual cost in minor units (cents) of `currency`.
    #[serde(default)]
    pub annual_cost_minor: i64,
    /// ISO 4217 code (default USD).
    #[serde(default = "crate::asset::default_currency")]
    pub currency: String,
    /// Guaranteed on-site or remote response time, in hours.
    #[serde(default)]
    pub response_time_hours: Option<i32>,
    /// Guaranteed uptime, percent (0–100).
    #[serde(default)]
    pub uptime_guarantee_pct: Option<f64>,
    /// Days before `ends_on` the owners must be told (default 90).
    #[serde(default = "default_notice_days")]
    pub notice_days: i32,
    #[serde(default)]
    pub auto_renews: bool,
    /// Free text; checked for patient identifiers.
    #[serde(default)]
    pub notes: Option<String>,
}

impl NewServiceContract {
    /// Trims and checks every field, reporting all problems at once.
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e: Vec<FieldError> = Vec::new();
        self.contract_number = required_text("contract_number", &self.contract_number, 64, &mut e);
        self.title = required_text("title", &self.title, 200, &mut e);
        self.notes = optional_text("notes", self.notes.as_deref(), MAX_NOTES, &mut e);
        if self.ends_on < self.starts_on {
            e.push(FieldError::new("ends_on", "must be on or after starts_on"));
        }
        if self.annual_cost_minor < 0 {
            e.push(FieldError::new("annual_cost_minor", "must not be negative"));
        }
        let cur = self.currency.trim().to_ascii_uppercase();
        if cur.len() != 3 || !cur.chars().all(|c| c.is_ascii_uppercase()) {
            e.push(FieldError::new("currency", "must be a three-letter ISO 4217 code, e.g. USD"));
        }
        self.currency = cur;
        if let Some(h) = self.response_time_hours
            && !(1..=MAX_RESPONSE_HOURS).contains(&h)
        {
            e.push(FieldError::new("response_time_hours", format!("must be from 1 to {MAX_RESPONSE_HOURS}")));
        }
        if let Some(p) = self.uptime_guarantee_pct
            && !(p.is_finite() && (0.0..=100.0).contains(&p))
        {
            e.push(FieldError::new("uptime_guarantee_pct", "must be a percentage from 0 to 100"));
        }
        if !(0..=MAX_NOTICE_DAYS).contains(&self.notice_days) {
            e.push(FieldError::new("notice_days", format!("must be from 0 to {MAX_NOTICE_DAYS}")));
        }
        finish(e)?;
        Ok(self)
    }

    /// The free-text fields, for the patient-information check.
    pub fn free_text(&self) -> Vec<(&'static str, &str)> {
        let mut v = vec![("title", self.title.as_str())];
        if let Some(n) = &self.notes {
            v.push(("notes", n.as_str()));
        }
        v
    }

    /// The first day of the notice window (see [`notice_opens_on`]).
    pub fn notice_opens_on(&self) -> Date {
        notice_opens_on(self.ends_on, self.notice_days)
    }
}

/// Patient-identifier findings in the named free-text fields.
pub fn phi_findings(fields: &[(&str, &str)]) -> Vec<PhiFinding> {
    phi::scan_fields(fields)
}

/// The first day of the notice window: `ends_on − notice_days` (clamped to the calendar).
pub fn notice_opens_on(ends_on: Date, notice_days: i32) -> Date {
    ends_on.checked_sub(i64::from(notice_days.max(0)).days()).unwrap_or(Date::MIN)
}

/// Where a contract stands on `today`: `upcoming` before `starts_on`, `expired` after
/// `ends_on`, `expiring` from the first day of the notice window to `ends_on`, else `active`.
pub fn status_on(starts_on: Date, ends_on: Date, notice_days: i32, today: Date) -> ContractStatus {
    if today < starts_on {
        ContractStatus::Upcoming
    } else if today > ends_on {
        ContractStatus::Expired
    } else if today >= notice_opens_on(ends_on, notice_days) {
        ContractStatus::Expiring
    } else {
        ContractStatus::Active
    }
}

/// Days from `today` to `ends_on` (0 on the last day, negative once expired).
pub fn days_left(ends_on: Date, today: Date) -> i64 {
    (ends_on - today).get_days().into()
}

/// Whether the "contract expiring" notice is due on `today`: the notice window has opened and
/// the contract has not ended (an already-ended contract is not announced as expiring).
pub fn notice_due(ends_on: Date, notice_days: i32, today: Date) -> bool {
    today >= notice_opens_on(ends_on, notice_days) && today <= ends_on
}

/// The idempotency key of the "contract expiring" event: once per contract and end date, so a
/// renewal that moves `ends_on` is announced again.
pub fn expiring_dedupe_key(id: ContractId, ends_on: Date) -> String {
    format!("contract.expiring:{}:{ends_on}", id.0)
}

/// A service contract. `status` and `days_left` are derived for a day by [`Self::evaluated`]
/// (the store, which has no clock, leaves them empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceContract {
    pub id: ContractId,
    pub vendor_id: VendorId,
    pub vendor_name: String,
    pub contract_number: String,
    pub title: String,
    pub coverage: Coverage,
    pub starts_on: Date,
    pub ends_on: Date,
    /// Annual cost in minor units (cents) of `currency`.
    pub annual_cost_minor: i64,
    pub currency: String,
    pub response_time_hours: Option<i32>,
    pub uptime_guarantee_pct: Option<f64>,
    pub notice_days: i32,
    /// `ends_on − notice_days`: from this day on the contract is `expiring`.
    pub notice_opens_on: Date,
    pub auto_renews: bool,
    pub notes: Option<String>,
    /// How many assets the contract covers.
    pub asset_count: i64,
    /// The status on the day the contract was read (upcoming / active / expiring / expired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ContractStatus>,
    /// Days to `ends_on` on the day the contract was read (negative once expired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    pub version: i64,
}

impl ServiceContract {
    /// The contract with `status` and `days_left` for `today`.
    pub fn evaluated(mut self, today: Date) -> Self {
        self.status = Some(status_on(self.starts_on, self.ends_on, self.notice_days, today));
        self.days_left = Some(days_left(self.ends_on, today));
        self
    }

    /// Its writable fields.
    pub fn fields(&self) -> NewServiceContract {
        NewServiceContract {
            vendor_id: self.vendor_id,
            contract_number: self.contract_number.clone(),
            title: self.title.clone(),
            coverage: self.coverage,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            annual_cost_minor: self.annual_cost_minor,
            currency: self.currency.clone(),
            response_time_hours: self.response_time_hours,
            uptime_guarantee_pct: self.uptime_guarantee_pct,
            notice_days: self.notice_days,
            auto_renews: self.auto_renews,
            notes: self.notes.clone(),
        }
    }
}

/// Changes to a contract. Absent fields stay; `null` clears a clearable field. `version` is the
/// version the client read: a stale one is refused.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContractPatch {
    pub version: i64,
    #[serde(default)]
    pub vendor_id: Option<VendorId>,
    #[serde(default)]
    pub contract_number: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub coverage: Option<Coverage>,
    #[serde(default)]
    pub starts_on: Option<Date>,
    #[serde(default)]
    pub ends_on: Option<Date>,
    #[serde(default)]
    pub annual_cost_minor: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i32>))]
    pub response_time_hours: Option<Option<i32>>,
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    pub uptime_guarantee_pct: Option<Option<f64>>,
    #[serde(default)]
    pub notice_days: Option<i32>,
    #[serde(default)]
    pub auto_renews: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub notes: Option<Option<String>>,
}

impl ContractPatch {
    /// The fields after this patch (not yet checked: call `normalized`).
    pub fn apply(self, mut f: NewServiceContract) -> NewServiceContract {
        if let Some(v) = self.vendor_id {
            f.vendor_id = v;
        }
        if let Some(v) = self.contract_number {
            f.contract_number = v;
        }
        if let Some(v) = self.title {
            f.title = v;
        }
        if let Some(v) = self.coverage {
            f.coverage = v;
        }
        if let Some(v) = self.starts_on {
            f.starts_on = v;
        }
        if let Some(v) = self.ends_on {
            f.ends_on = v;
        }
        if let Some(v) = self.annual_cost_minor {
            f.annual_cost_minor = v;
        }
        if let Some(v) = self.currency {
            f.currency = v;
        }
        if let Some(v) = self.response_time_hours {
            f.response_time_hours = v;
        }
        if let Some(v) = self.uptime_guarantee_pct {
            f.uptime_guarantee_pct = v;
        }
        if let Some(v) = self.notice_days {
            f.notice_days = v;
        }
        if let Some(v) = self.auto_renews {
            f.auto_renews = v;
        }
        if let Some(v) = self.notes {
            f.notes = v;
        }
        f
    }
}

/// An asset a contract covers, as the contract page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoveredAsset {
    pub asset_id: i64,
    pub asset_tag: String,
    pub model: String,
    pub department: String,
}

/// Formats minor units as `12,345.67 USD` (two decimals; the common case of ISO 4217).
pub fn format_money(minor: i64, currency: &str) -> String {
    let neg = minor < 0;
    let m = minor.unsigned_abs();
    let whole = (m / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{:02} {currency}", if neg { "-" } else { "" }, m % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn new() -> NewServiceContract {
        NewServiceContract {
            vendor_id: VendorId(1),
            contract_number: " GE-2026-0042 ".into(),
            title: "CT full service".into(),
            coverage: Coverage::FullService,
            starts_on: date(2026, 1, 1),
            ends_on: date(2026, 12, 31),
            annual_cost_minor: 18_500_000,
            currency: "usd".into(),
            response_time_hours: Some(4),
            uptime_guarantee_pct: Some(97.5),
            notice_days: 90,
            auto_renews: false,
            notes: Some("  ".into()),
        }
    }

    #[test]
    fn a_good_contract_is_trimmed_and_kept() {
        let n = new().normalized().unwrap();
        assert_eq!(n.contract_number, "GE-2026-0042");
        assert_eq!(n.currency, "USD");
        assert_eq!(n.notes, None);
        assert_eq!(n.notice_opens_on(), date(2026, 10, 2));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut n = new();
        n.contract_number = " ".into();
        n.ends_on = date(2025, 12, 31);
        n.annual_cost_minor = -1;
        n.currency = "dollars".into();
        n.response_time_hours = Some(0);
        n.uptime_guarantee_pct = Some(100.5);
        n.notice_days = -1;
        let Err(DomainError::Invalid(errs)) = n.normalized() else { panic!("should be refused") };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "contract_number",
                "ends_on",
                "annual_cost_minor",
                "currency",
                "response_time_hours",
                "uptime_guarantee_pct",
                "notice_days"
            ]
        );
        let mut n = new();
        n.uptime_guarantee_pct = Some(f64::NAN);
        assert!(n.normalized().is_err());
        let mut n = new();
        n.ends_on = n.starts_on; // a one-day contract is fine
        assert!(n.normalized().is_ok());
    }

    #[test]
    fn status_follows_the_dates_and_the_notice_window() {
        let (s, e) = (date(2026, 1, 1), date(2026, 12, 31));
        assert_eq!(status_on(s, e, 90, date(2025, 12, 31)), ContractStatus::Upcoming);
        assert_eq!(status_on(s, e, 90, date(2026, 1, 1)), ContractStatus::Active);
        assert_eq!(status_on(s, e, 90, date(2026, 10, 1)), ContractStatus::Active);
        assert_eq!(status_on(s, e, 90, date(2026, 10, 2)), ContractStatus::Expiring, "window opens on end − 90 days");
        assert_eq!(status_on(s, e, 90, date(2026, 12, 31)), ContractStatus::Expiring, "the last day is covered");
        assert_eq!(status_on(s, e, 90, date(2027, 1, 1)), ContractStatus::Expired);
        assert_eq!(status_on(s, e, 0, date(2026, 12, 30)), ContractStatus::Active);
        assert_eq!(status_on(s, e, 0, date(2026, 12, 31)), ContractStatus::Expiring);
    }

    #[test]
    fn the_notice_is_due_inside_the_window_only() {
        let e = date(2026, 12, 31);
        assert!(!notice_due(e, 90, date(2026, 10, 1)));
        assert!(notice_due(e, 90, date(2026, 10, 2)));
        assert!(notice_due(e, 90, e));
        assert!(!notice_due(e, 90, date(2027, 1, 1)), "an ended contract is not announced as expiring");
        assert_eq!(days_left(e, date(2026, 10, 2)), 90);
        assert_eq!(days_left(e, date(2027, 1, 2)), -2);
        assert_eq!(notice_opens_on(date(2026, 3, 31), 30), date(2026, 3, 1));
    }

    #[test]
    fn the_dedupe_key_changes_with_the_end_date() {
        assert_eq!(expiring_dedupe_key(ContractId(7), date(2026, 12, 31)), "contract.expiring:7:2026-12-31");
        assert_ne!(
            expiring_dedupe_key(ContractId(7), date(2026, 12, 31)),
            expiring_dedupe_key(ContractId(7), date(2027, 12, 31))
        );
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let f = new().normalized().unwrap();
        let p = ContractPatch {
            version: 1,
            ends_on: Some(date(2027, 12, 31)),
            response_time_hours: Some(None),
            ..ContractPatch::default()
        };
        let g = p.apply(f.clone());
        assert_eq!(g.ends_on, date(2027, 12, 31));
        assert_eq!(g.response_time_hours, None);
        assert_eq!(g.title, f.title);
        let p: ContractPatch = serde_json::from_str(r#"{"version": 2, "notes": null}"#).unwrap();
        assert_eq!(p.notes, Some(None));
        let p: ContractPatch = serde_json::from_str(r#"{"version": 2}"#).unwrap();
        assert_eq!(p.notes, None);
    }

    #[test]
    fn patient_identifiers_in_notes_are_found() {
        let mut n = new();
        n.notes = Some("Loaner used for patient John Smith".into());
        let f = phi_findings(&n.free_text());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].field, "notes");
    }

    #[test]
    fn money_is_formatted_from_minor_units() {
        assert_eq!(format_money(18_500_000, "USD"), "185,000.00 USD");
        assert_eq!(format_money(5, "EUR"), "0.05 EUR");
        assert_eq!(format_money(-123_456, "USD"), "-1,234.56 USD");
    }
}
