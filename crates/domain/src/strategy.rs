//! Maintenance strategies and the alternate equipment maintenance (AEM) program
//! (REFERENCE §2.2–2.4).
//!
//! **Strategies** (ANSI/AAMI EQ89:2015, REFERENCE §2.2): a device model — overridden per asset —
//! is maintained to the manufacturer's recommendations (the default, CMS S&C 14-07-Hospital), to
//! an AEM strategy (an alternate interval and/or an alternate procedure), run to failure
//! (corrective maintenance only), or is not in the program. Every strategy carries a rationale;
//! an AEM strategy also names its AEM group and answers the written criteria of TJC
//! EC.02.04.01 EP 5 (how the equipment is used and the seriousness and prevalence of harm,
//! consequences of failure, availability of backup, incident history of identical or similar
//! equipment, maintenance requirements).
//!
//! **Where AEM is refused** ([`refusals`], every reason with its clause):
//! - imaging and radiologic equipment, diagnostic or therapeutic incl. radiation therapy
//!   (CMS S&C 14-07-Hospital; TJC EC.02.04.01 EP 4 mirrors it) — decided from the model's
//!   explicit designation or inferred from its category text and FDA product code
//!   ([`infer_imaging_radiologic`]);
//! - medical lasers (CMS S&C 14-07-Hospital) — explicit or inferred ([`infer_medical_laser`]);
//! - new equipment without sufficient maintenance history (CMS S&C 14-07-Hospital): the covered
//!   equipment must have been in service at least `min_service_months` (default 24) **and** have
//!   at least `min_completed_pms` (default 2) completed PMs. For a model-level strategy the
//!   history is the model's fleet: months from the earliest service start of any of its assets
//!   (in-service date, else acquisition date, else the day it was recorded; assets still ordered
//!   or awaiting acceptance do not count) to today, and the PMs completed (outcome *done*) on any
//!   of them. For an asset-level strategy it is that asset's own history;
//! - equipment whose maintenance another rule (federal or state law, another CoP) ties to the
//!   manufacturer's recommendations — the model's `other_rule_requires_oem` flag, shown with its
//!   citation (CMS S&C 14-07-Hospital).
//!
//! Critical (high-risk) equipment **may** be on AEM (CMS S&C 14-07-Hospital; TJC treats its
//! high-risk as CMS's critical). But **run to failure** and **not in program** are refused for
//! high-risk and life-support equipment: TJC EC.02.04.03 EP 2 requires all high-risk equipment
//! to be inspected, tested and maintained (and EC.02.04.01 EP 3 makes life-support high-risk).
//!
//! **AEM monitoring** (AAMI EQ89 / EQ56, CMS "evaluate AEM effectiveness"; [`judge_group`]): per
//! AEM group and quarter, the PMs done, failures found at PM (a completed PM with a failed
//! result or that opened a repair), failures between PMs (repairs whose cause counts as a device
//! failure, REFERENCE §9.3, excluding repairs opened by a PM), incidents, and the failure rate
//! = (failures at PM + failures between PMs) ÷ device-years of the group's members. A group is
//! flagged **return to manufacturer** when, in the latest quarter of the report (the latest that
//! covers at least 28 days, so that a quarter just begun is not judged on a few days), its
//! failure rate exceeds
//! (a) its baseline — the rate over `baseline_months` (default 12) before the group's first
//! approval — by more than `rise_pct` % (default 50; only when the baseline is above zero), or
//! (b) the absolute limit `max_failures_per_100_device_years` ÷ 100 (default 1.00 failure per
//! device-year).

use crate::DomainError;
use crate::FieldError;
use crate::ids::{AssetId, ModelId};
use crate::org::{finish, optional_text, required_text};
use crate::text_enum;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    /// How a device type (or one asset) is maintained (AAMI EQ89, REFERENCE §2.2).
    MaintenanceStrategy, "strategy" {
        Manufacturer => "manufacturer": "Manufacturer's recommendations",
        Aem => "aem": "Alternate equipment maintenance (AEM)",
        RunToFailure => "run_to_failure": "Run to failure (corrective only)",
        NotInProgram => "not_in_program": "Not in the maintenance program",
    }
);

text_enum!(
    /// Where a strategy record is in its approval.
    StrategyStatus, "status" {
        Proposed => "proposed": "Proposed",
        Approved => "approved": "Approved",
        Rejected => "rejected": "Rejected",
    }
);

/// What a strategy record is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StrategyTarget {
    Model(ModelId),
    Asset(AssetId),
}

/// The written criteria of an AEM decision (TJC EC.02.04.01 EP 5; CMS S&C 14-07 factors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AemCriteria {
    /// How the equipment is used and the seriousness and prevalence of harm in normal use.
    pub use_and_harm: String,
    /// Likely consequences of failure or malfunction (severity, probability, scope).
    pub failure_consequences: String,
    /// Availability of alternate or backup equipment.
    pub backup_availability: String,
    /// Incident history of identical or similar equipment.
    pub incident_history: String,
    /// Maintenance requirements of the equipment (and the rationale of the OEM's recommendation).
    pub maintenance_requirements: String,
}

/// A proposed strategy, as entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StrategyProposal {
    pub strategy: MaintenanceStrategy,
    /// Why this strategy (required for every strategy; TJC EC.02.04.01 EP 4–5).
    pub rationale: String,
    /// AEM only: the AEM group whose outcomes are monitored together.
    #[serde(default)]
    pub aem_group: Option<String>,
    /// AEM only: the alternate PM interval in months.
    #[serde(default)]
    pub alt_interval_months: Option<i32>,
    /// AEM only: the alternate procedure (a PM procedure code).
    #[serde(default)]
    pub alt_procedure_code: Option<String>,
    /// AEM only: the EP 5 criteria answers.
    #[serde(default)]
    pub criteria: Option<AemCriteria>,
}

const TEXT_MAX: usize = 4000;

impl StrategyProposal {
    /// Trims and checks every field, reporting all problems at once: a rationale always; for AEM
    /// a group, an alternate interval and/or procedure and all five criteria; for any other
    /// strategy none of the AEM fields.
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        self.rationale = required_text("rationale", &self.rationale, TEXT_MAX, &mut e);
        self.aem_group = optional_text("aem_group", self.aem_group.as_deref(), 80, &mut e);
        self.alt_procedure_code = optional_text("alt_procedure_code", self.alt_procedure_code.as_deref(), 40, &mut e);
        if let Some(m) = self.alt_interval_months
            && !(1..=120).contains(&m)
        {
            e.push(FieldError::new("alt_interval_months", "is 1 to 120 months"));
        }
        if let Some(c) = self.criteria.take() {
            let c = AemCriteria {
                use_and_harm: c.use_and_harm.trim().to_string(),
                failure_consequences: c.failure_consequences.trim().to_string(),
                backup_availability: c.backup_availability.trim().to_string(),
                incident_history: c.incident_history.trim().to_string(),
                maintenance_requirements: c.maintenance_requirements.trim().to_string(),
            };
            let blank = c == AemCriteria::default();
            self.criteria = (!blank).then_some(c);
        }
        if self.strategy == MaintenanceStrategy::Aem {
            if self.aem_group.is_none() {
                e.push(FieldError::new("aem_group", "an AEM strategy names its AEM group"));
            }
            if self.alt_interval_months.is_none() && self.alt_procedure_code.is_none() {
                e.push(FieldError::new(
                    "alt_interval_months",
                    "an AEM strategy sets an alternate interval and/or an alternate procedure",
                ));
            }
            let c = self.criteria.clone().unwrap_or_default();
            for (field, value, what) in [
                ("criteria.use_and_harm", &c.use_and_harm, "how it is used and the seriousness of harm"),
                ("criteria.failure_consequences", &c.failure_consequences, "the consequences of failure"),
                ("criteria.backup_availability", &c.backup_availability, "the availability of backup equipment"),
                (
                    "criteria.incident_history",
                    &c.incident_history,
                    "the incident history of identical or similar equipment",
                ),
                ("criteria.maintenance_requirements", &c.maintenance_requirements, "the maintenance requirements"),
            ] {
                if value.is_empty() {
                    e.push(FieldError::new(field, format!("TJC EC.02.04.01 EP 5: describe {what}")));
                } else if value.chars().count() > TEXT_MAX {
                    e.push(FieldError::new(field, format!("must be at most {TEXT_MAX} characters")));
                }
            }
        } else {
            let only_aem = "only an AEM strategy has this";
            if self.aem_group.is_some() {
                e.push(FieldError::new("aem_group", only_aem));
            }
            if self.alt_interval_months.is_some() {
                e.push(FieldError::new("alt_interval_months", only_aem));
            }
            if self.alt_procedure_code.is_some() {
                e.push(FieldError::new("alt_procedure_code", only_aem));
            }
            if self.criteria.is_some() {
                e.push(FieldError::new("criteria", only_aem));
            }
        }
        finish(e)?;
        Ok(self)
    }
}

/// One stored strategy record (append-only; only its status moves, once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StrategyRecord {
    pub id: i64,
    pub target: StrategyTarget,
    pub strategy: MaintenanceStrategy,
    pub rationale: String,
    pub aem_group: Option<String>,
    pub alt_interval_months: Option<i32>,
    pub alt_procedure_code: Option<String>,
    pub criteria: Option<AemCriteria>,
    pub status: StrategyStatus,
    pub proposed_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub proposed_at: Timestamp,
    pub decided_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub decided_at: Option<Timestamp>,
    pub decision_note: Option<String>,
    pub version: i64,
}

/// What other rules say about a model's maintenance (explicit designations on the model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelAemFlags {
    /// Imaging or radiologic equipment (also inferred from the category and product code).
    #[serde(default)]
    pub imaging_radiologic: bool,
    /// A medical laser (also inferred).
    #[serde(default)]
    pub medical_laser: bool,
    /// Another rule (federal or state law, another CoP) requires the manufacturer's
    /// recommendations for this equipment.
    #[serde(default)]
    pub other_rule_requires_oem: bool,
    /// That rule, e.g. "State radiation control regulation 25 TAC §289.227".
    #[serde(default)]
    pub other_rule_citation: Option<String>,
}

impl ModelAemFlags {
    /// Checks that a rule requiring the manufacturer's recommendations is cited.
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        self.other_rule_citation =
            optional_text("other_rule_citation", self.other_rule_citation.as_deref(), 500, &mut e);
        if self.other_rule_requires_oem && self.other_rule_citation.is_none() {
            e.push(FieldError::new(
                "other_rule_citation",
                "cite the rule that requires the manufacturer's recommendations",
            ));
        }
        finish(e)?;
        Ok(self)
    }
}

/// The maintenance history of the equipment a strategy covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaintenanceHistory {
    /// Assets counted (in service or after).
    pub assets: i64,
    /// Whole months from the earliest service start to today; `None` without any asset in service.
    pub service_months: Option<i64>,
    /// PMs completed with outcome *done* on those assets.
    pub completed_pms: i64,
}

/// The AEM program's settings (one set, stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AemSettings {
    /// Minimum months in service before AEM (default 24).
    pub min_service_months: i32,
    /// Minimum completed PMs before AEM (default 2).
    pub min_completed_pms: i32,
    /// Flag a group whose latest failure rate exceeds its baseline by more than this percentage (default 50).
    pub rise_pct: i32,
    /// … or exceeds this many failures per 100 device-years (default 100 = 1.00 per device-year).
    pub max_failures_per_100_device_years: i32,
    /// The baseline: this many months before the group's first approval (default 12).
    pub baseline_months: i32,
    #[serde(default)]
    pub version: i64,
}

impl Default for AemSettings {
    fn default() -> Self {
        AemSettings {
            min_service_months: 24,
            min_completed_pms: 2,
            rise_pct: 50,
            max_failures_per_100_device_years: 100,
            baseline_months: 12,
            version: 1,
        }
    }
}

impl AemSettings {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut e = Vec::new();
        if !(0..=240).contains(&self.min_service_months) {
            e.push(FieldError::new("min_service_months", "is 0 to 240"));
        }
        if !(0..=100).contains(&self.min_completed_pms) {
            e.push(FieldError::new("min_completed_pms", "is 0 to 100"));
        }
        if !(0..=10_000).contains(&self.rise_pct) {
            e.push(FieldError::new("rise_pct", "is 0 to 10000"));
        }
        if !(1..=100_000).contains(&self.max_failures_per_100_device_years) {
            e.push(FieldError::new("max_failures_per_100_device_years", "is 1 to 100000"));
        }
        if !(1..=60).contains(&self.baseline_months) {
            e.push(FieldError::new("baseline_months", "is 1 to 60"));
        }
        finish(e)
    }
}

/// What the eligibility rule is judged on.
#[derive(Debug, Clone, PartialEq)]
pub struct EligibilityFacts<'a> {
    pub category: &'a str,
    pub fda_product_code: Option<&'a str>,
    pub flags: &'a ModelAemFlags,
    /// The effective high-risk designation (asset override, else model).
    pub high_risk: bool,
    pub life_support: bool,
    pub history: MaintenanceHistory,
}

/// One reason a strategy is refused, with the clause that refuses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refusal {
    /// `imaging_radiologic`, `medical_laser`, `insufficient_history`, `other_rule_requires_oem`,
    /// `high_risk_must_be_maintained`.
    pub code: String,
    pub clause: String,
    pub reason: String,
}

/// The clause of each refusal.
pub const CLAUSE_IMAGING: &str = "CMS S&C 14-07-Hospital (42 CFR 482.41, tag A-0724): imaging and radiologic equipment, diagnostic or therapeutic incl. radiation therapy, must be maintained to the manufacturer's recommendations (TJC EC.02.04.01 EP 4)";
pub const CLAUSE_LASER: &str = "CMS S&C 14-07-Hospital: medical laser devices may not be on AEM";
pub const CLAUSE_NEW: &str =
    "CMS S&C 14-07-Hospital: new equipment without sufficient maintenance history may not be on AEM";
pub const CLAUSE_OTHER_RULE: &str = "CMS S&C 14-07-Hospital: equipment for which other federal or state law or another CoP requires the manufacturer's recommendations may not be on AEM";
pub const CLAUSE_HIGH_RISK: &str = "TJC EC.02.04.03 EP 2: all high-risk equipment (incl. life-support, EC.02.04.01 EP 3) is inspected, tested and maintained";

/// FDA product codes of imaging and radiologic devices in the shipped catalogue
/// (`data/device_catalog.csv`, column `imaging_or_radiologic`).
pub const IMAGING_PRODUCT_CODES: &[&str] =
    &["IYN", "IYO", "IZL", "KPR", "JAA", "OXO", "OWB", "JAK", "LNH", "MUE", "KPS", "KGI", "IYE", "EAP", "OBO", "HKI"];
/// FDA product codes of medical lasers in the shipped catalogue (column `laser`).
pub const LASER_PRODUCT_CODES: &[&str] = &["GEX", "LXS", "HQF"];

const IMAGING_PHRASES: &[&str] = &[
    "x-ray",
    "xray",
    "radiograph",
    "radiolog",
    "fluoroscop",
    "mammograph",
    "tomosynthesis",
    "computed tomography",
    "tomograph",
    "magnetic resonance",
    "nuclear medicine",
    "positron emission",
    "gamma camera",
    "linear accelerator",
    "radiation therapy",
    "radiotherapy",
    "brachytherapy",
    "angiograph",
    "c-arm",
    "densitometer",
    "ultrasound",
    "imaging",
    "fundus camera",
];
const IMAGING_WORDS: &[&str] = &["ct", "mri", "pet", "spect", "dxa", "dexa", "linac", "cbct"];

fn words(s: &str) -> Vec<String> {
    s.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// Whether a category or FDA product code names imaging or radiologic equipment (X-ray,
/// fluoroscopy, CT, MRI, mammography, nuclear medicine, PET, radiation therapy, ultrasound and
/// other imaging — the shipped catalogue's designation).
pub fn infer_imaging_radiologic(category: &str, fda_product_code: Option<&str>) -> bool {
    if fda_product_code.is_some_and(|c| IMAGING_PRODUCT_CODES.iter().any(|k| k.eq_ignore_ascii_case(c.trim()))) {
        return true;
    }
    let lower = category.to_lowercase();
    IMAGING_PHRASES.iter().any(|p| lower.contains(p))
        || words(category).iter().any(|w| IMAGING_WORDS.contains(&w.as_str()))
}

/// Whether a category or FDA product code names a medical laser.
pub fn infer_medical_laser(category: &str, fda_product_code: Option<&str>) -> bool {
    fda_product_code.is_some_and(|c| LASER_PRODUCT_CODES.iter().any(|k| k.eq_ignore_ascii_case(c.trim())))
        || words(category).iter().any(|w| w == "laser" || w == "lasers")
}

/// Every reason `strategy` is refused for this equipment (empty: allowed). The manufacturer's
/// recommendations are never refused.
pub fn refusals(strategy: MaintenanceStrategy, facts: &EligibilityFacts<'_>, settings: &AemSettings) -> Vec<Refusal> {
    let mut out = Vec::new();
    let mut refuse = |code: &str, clause: &str, reason: String| {
        out.push(Refusal { code: code.into(), clause: clause.into(), reason })
    };
    match strategy {
        MaintenanceStrategy::Manufacturer => {}
        MaintenanceStrategy::Aem => {
            if facts.flags.imaging_radiologic || infer_imaging_radiologic(facts.category, facts.fda_product_code) {
                refuse(
                    "imaging_radiologic",
                    CLAUSE_IMAGING,
                    format!("'{}' is imaging or radiologic equipment", facts.category),
                );
            }
            if facts.flags.medical_laser || infer_medical_laser(facts.category, facts.fda_product_code) {
                refuse("medical_laser", CLAUSE_LASER, format!("'{}' is a medical laser", facts.category));
            }
            if facts.flags.other_rule_requires_oem {
                let cite = facts.flags.other_rule_citation.as_deref().unwrap_or("(no citation recorded)");
                refuse(
                    "other_rule_requires_oem",
                    CLAUSE_OTHER_RULE,
                    format!("another rule requires the manufacturer's recommendations: {cite}"),
                );
            }
            let h = facts.history;
            let months = h.service_months.unwrap_or(0);
            if months < i64::from(settings.min_service_months)
                || h.completed_pms < i64::from(settings.min_completed_pms)
            {
                let service = match h.service_months {
                    Some(m) => format!("{m} months in service"),
                    None => "no equipment in service yet".into(),
                };
                refuse(
                    "insufficient_history",
                    CLAUSE_NEW,
                    format!(
                        "not enough maintenance history: {service} and {} completed PMs over {} asset(s); \
                         AEM needs at least {} months and {} completed PMs",
                        h.completed_pms, h.assets, settings.min_service_months, settings.min_completed_pms
                    ),
                );
            }
        }
        MaintenanceStrategy::RunToFailure | MaintenanceStrategy::NotInProgram => {
            if facts.high_risk || facts.life_support {
                let what = if facts.life_support { "life-support" } else { "high-risk" };
                refuse(
                    "high_risk_must_be_maintained",
                    CLAUSE_HIGH_RISK,
                    format!(
                        "'{}' is {what} equipment: it cannot be {}",
                        facts.category,
                        strategy.label().to_lowercase()
                    ),
                );
            }
        }
    }
    out
}

/// The message of a refusal: every reason with its clause.
pub fn refusal_message(strategy: MaintenanceStrategy, refusals: &[Refusal]) -> String {
    let reasons: Vec<String> = refusals.iter().map(|r| format!("{} [{}]", r.reason, r.clause)).collect();
    format!("{} is not allowed: {}", strategy.label(), reasons.join("; "))
}

/// Whole months from `start` to `today` (0 when `today` is before it).
pub fn whole_months(start: Date, today: Date) -> i64 {
    if today <= start {
        return 0;
    }
    let mut m = i64::from(today.year() - start.year()) * 12 + i64::from(today.month() - start.month());
    if today.day() < start.day() {
        m -= 1;
    }
    m.max(0)
}

// ---------------------------------------------------------------------------------------------
// AEM monitoring

/// One period (a calendar quarter clipped to the report) of the monitoring report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quarter {
    pub from: Date,
    /// Last day included.
    pub to: Date,
}

impl Quarter {
    pub fn label(&self) -> String {
        format!("{}-Q{}", self.from.year(), (self.from.month() - 1) / 3 + 1)
    }
}

/// The calendar quarters overlapping `from..=to`, each clipped to it.
pub fn quarters(from: Date, to: Date) -> Vec<Quarter> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let q_end_month = ((start.month() - 1) / 3 + 1) * 3;
        let next = if q_end_month == 12 {
            Date::new(start.year() + 1, 1, 1)
        } else {
            Date::new(start.year(), q_end_month + 1, 1)
        };
        let Ok(next) = next else { break };
        let end = next.yesterday().unwrap_or(next).min(to);
        out.push(Quarter { from: start, to: end });
        start = next;
    }
    out
}

/// A judged period must cover at least this many days, so that a quarter just begun does not
/// flag a group on a handful of device-days.
pub const MIN_JUDGED_DAYS: i64 = 28;

/// Which quarter of the report is judged: the latest that covers at least [`MIN_JUDGED_DAYS`]
/// days of the report, else the latest one (`None`: no quarter).
pub fn judged_quarter(quarters: &[Quarter]) -> Option<usize> {
    let days = |q: &Quarter| q.from.until(q.to).map(|s| i64::from(s.get_days()) + 1).unwrap_or(0);
    quarters.iter().rposition(|q| days(q) >= MIN_JUDGED_DAYS).or_else(|| quarters.len().checked_sub(1))
}

/// Failures per device-year, two decimals; `None` without exposure.
pub fn failure_rate(failures: i64, device_days: i64) -> Option<f64> {
    (device_days > 0).then(|| (failures as f64 / (device_days as f64 / 365.25) * 100.0).round() / 100.0)
}

/// Why a group is flagged for return to the manufacturer's recommendations (empty: not flagged).
pub fn judge_group(baseline_rate: Option<f64>, latest_rate: Option<f64>, settings: &AemSettings) -> Vec<String> {
    let mut out = Vec::new();
    let Some(r) = latest_rate else { return out };
    if let Some(b) = baseline_rate.filter(|b| *b > 0.0) {
        let limit = b * (1.0 + f64::from(settings.rise_pct) / 100.0);
        if r > limit {
            out.push(format!(
                "the failure rate {r:.2}/device-year is more than {}% above the baseline {b:.2}/device-year before AEM (limit {limit:.2})",
                settings.rise_pct
            ));
        }
    }
    let max = f64::from(settings.max_failures_per_100_device_years) / 100.0;
    if r > max {
        out.push(format!("the failure rate {r:.2}/device-year exceeds the limit of {max:.2}/device-year"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn facts<'a>(category: &'a str, code: Option<&'a str>, flags: &'a ModelAemFlags) -> EligibilityFacts<'a> {
        EligibilityFacts {
            category,
            fda_product_code: code,
            flags,
            high_risk: false,
            life_support: false,
            history: MaintenanceHistory { assets: 40, service_months: Some(60), completed_pms: 200 },
        }
    }

    fn codes(r: &[Refusal]) -> Vec<&str> {
        r.iter().map(|r| r.code.as_str()).collect()
    }

    const NO_FLAGS: ModelAemFlags = ModelAemFlags {
        imaging_radiologic: false,
        medical_laser: false,
        other_rule_requires_oem: false,
        other_rule_citation: None,
    };

    #[test]
    fn infusion_pump_with_history_may_be_on_aem() {
        let f = facts("Infusion pump, large-volume (LVP)", Some("FRN"), &NO_FLAGS);
        assert!(refusals(MaintenanceStrategy::Aem, &f, &AemSettings::default()).is_empty());
        // High-risk (critical) equipment may be on AEM (CMS S&C 14-07).
        let f = EligibilityFacts {
            high_risk: true,
            life_support: true,
            ..facts("Ventilator, critical care (adult/pediatric)", Some("CBK"), &NO_FLAGS)
        };
        assert!(refusals(MaintenanceStrategy::Aem, &f, &AemSettings::default()).is_empty());
    }

    #[test]
    fn imaging_and_radiologic_equipment_is_refused() {
        for (cat, code) in [
            ("Computed tomography (CT) scanner", Some("JAK")),
            ("Magnetic resonance imaging (MRI) system", Some("LNH")),
            ("Radiographic system, mobile (portable X-ray)", Some("IZL")),
            ("Mobile C-arm fluoroscopy", Some("OXO")),
            ("Mammography system (digital / tomosynthesis)", Some("MUE")),
            ("Nuclear medicine SPECT/CT system", Some("KPS")),
            ("Medical linear accelerator (radiation therapy)", Some("IYE")),
            ("Ultrasound system, general imaging", Some("IYN")),
            // By category alone, and by product code alone.
            ("PET/CT scanner", None),
            ("Scanner", Some("jak")),
        ] {
            let f = facts(cat, code, &NO_FLAGS);
            let r = refusals(MaintenanceStrategy::Aem, &f, &AemSettings::default());
            assert_eq!(codes(&r), ["imaging_radiologic"], "{cat}");
            assert!(r[0].clause.contains("S&C 14-07"));
        }
        // An explicit designation on a model whose category says nothing.
        let flags = ModelAemFlags { imaging_radiologic: true, ..NO_FLAGS };
        let f = facts("Image-guided system", Some("ZZZ"), &flags);
        assert_eq!(codes(&refusals(MaintenanceStrategy::Aem, &f, &AemSettings::default())), ["imaging_radiologic"]);
        // Allowed: non-imaging categories that contain look-alike letters.
        for (cat, code) in [
            ("Electrocardiograph, 12-lead (ECG cart)", Some("DPS")),
            ("Capnograph (end-tidal CO2 monitor)", Some("CCK")),
            ("Sequential compression device (intermittent pneumatic compression)", Some("JOW")),
            ("Physiological monitor, bedside (critical care)", Some("MHX")),
            ("Incubator inspection cart", None),
        ] {
            let f = facts(cat, code, &NO_FLAGS);
            assert!(refusals(MaintenanceStrategy::Aem, &f, &AemSettings::default()).is_empty(), "{cat}");
        }
    }

    #[test]
    fn medical_lasers_are_refused() {
        for (cat, code) in [
            ("Surgical laser (holmium/CO2)", Some("GEX")),
            ("Ophthalmic Nd:YAG laser", Some("LXS")),
            ("Ophthalmic photocoagulator laser (retina)", Some("HQF")),
            ("Photocoagulator", Some("HQF")),
        ] {
            let f = facts(cat, code, &NO_FLAGS);
            let r = refusals(MaintenanceStrategy::Aem, &f, &AemSettings::default());
            assert_eq!(codes(&r), ["medical_laser"], "{cat}");
            assert_eq!(r[0].clause, CLAUSE_LASER);
        }
        let flags = ModelAemFlags { medical_laser: true, ..NO_FLAGS };
        assert_eq!(
            codes(&refusals(
                MaintenanceStrategy::Aem,
                &facts("Aesthetic device", None, &flags),
                &AemSettings::default()
            )),
            ["medical_laser"]
        );
        // Allowed: a non-laser surgical device.
        let f = facts("Electrosurgical unit (generator)", Some("GEI"), &NO_FLAGS);
        assert!(refusals(MaintenanceStrategy::Aem, &f, &AemSettings::default()).is_empty());
    }

    #[test]
    fn new_equipment_without_history_is_refused() {
        let s = AemSettings::default();
        let with = |months: Option<i64>, pms: i64| EligibilityFacts {
            history: MaintenanceHistory { assets: 12, service_months: months, completed_pms: pms },
            ..facts("Infusion pump, syringe", Some("FRN"), &NO_FLAGS)
        };
        // 23 months, plenty of PMs: too new.
        let r = refusals(MaintenanceStrategy::Aem, &with(Some(23), 30), &s);
        assert_eq!(codes(&r), ["insufficient_history"]);
        assert!(r[0].reason.contains("23 months in service"), "{}", r[0].reason);
        // 36 months, one PM: not enough PMs.
        assert_eq!(codes(&refusals(MaintenanceStrategy::Aem, &with(Some(36), 1), &s)), ["insufficient_history"]);
        // Nothing in service yet.
        assert_eq!(codes(&refusals(MaintenanceStrategy::Aem, &with(None, 0), &s)), ["insufficient_history"]);
        // Exactly at the minimum: allowed.
        assert!(refusals(MaintenanceStrategy::Aem, &with(Some(24), 2), &s).is_empty());
        // Configurable: a site asking for 12 months and 1 PM.
        let lax = AemSettings { min_service_months: 12, min_completed_pms: 1, ..s };
        assert!(refusals(MaintenanceStrategy::Aem, &with(Some(13), 1), &lax).is_empty());
    }

    #[test]
    fn equipment_another_rule_ties_to_the_oem_is_refused_with_its_citation() {
        let flags = ModelAemFlags {
            other_rule_requires_oem: true,
            other_rule_citation: Some("42 CFR 494.60 (ESRD CoP): dialysis machines per manufacturer".into()),
            ..NO_FLAGS
        };
        let r = refusals(
            MaintenanceStrategy::Aem,
            &facts("Hemodialysis machine", Some("KDI"), &flags),
            &AemSettings::default(),
        );
        assert_eq!(codes(&r), ["other_rule_requires_oem"]);
        assert!(r[0].reason.contains("42 CFR 494.60"));
        assert!(refusal_message(MaintenanceStrategy::Aem, &r).contains("S&C 14-07"));
        // Without the flag the same model is allowed.
        assert!(
            refusals(
                MaintenanceStrategy::Aem,
                &facts("Hemodialysis machine", Some("KDI"), &NO_FLAGS),
                &AemSettings::default()
            )
            .is_empty()
        );
        // The flag needs its citation.
        assert!(ModelAemFlags { other_rule_requires_oem: true, ..NO_FLAGS }.normalized().is_err());
    }

    #[test]
    fn every_reason_is_reported_at_once() {
        let flags = ModelAemFlags {
            other_rule_requires_oem: true,
            other_rule_citation: Some("State law X".into()),
            ..NO_FLAGS
        };
        let f = EligibilityFacts {
            history: MaintenanceHistory { assets: 1, service_months: Some(3), completed_pms: 0 },
            ..facts("Computed tomography (CT) scanner", Some("JAK"), &flags)
        };
        let r = refusals(MaintenanceStrategy::Aem, &f, &AemSettings::default());
        assert_eq!(codes(&r), ["imaging_radiologic", "other_rule_requires_oem", "insufficient_history"]);
        let m = refusal_message(MaintenanceStrategy::Aem, &r);
        assert!(m.starts_with("Alternate equipment maintenance (AEM) is not allowed: "), "{m}");
        assert_eq!(m.matches("S&C 14-07").count(), 3);
    }

    #[test]
    fn high_risk_equipment_cannot_run_to_failure_or_leave_the_program() {
        let vent = EligibilityFacts {
            high_risk: true,
            life_support: true,
            ..facts("Ventilator, transport", Some("CBK"), &NO_FLAGS)
        };
        for s in [MaintenanceStrategy::RunToFailure, MaintenanceStrategy::NotInProgram] {
            let r = refusals(s, &vent, &AemSettings::default());
            assert_eq!(codes(&r), ["high_risk_must_be_maintained"]);
            assert!(r[0].clause.starts_with("TJC EC.02.04.03 EP 2"));
            assert!(r[0].reason.contains("life-support"));
        }
        let esu =
            EligibilityFacts { high_risk: true, ..facts("Electrosurgical unit (generator)", Some("GEI"), &NO_FLAGS) };
        assert_eq!(
            codes(&refusals(MaintenanceStrategy::RunToFailure, &esu, &AemSettings::default())),
            ["high_risk_must_be_maintained"]
        );
        // Allowed: low-risk equipment; imaging rules do not bind run to failure.
        let thermo = facts("Electronic clinical thermometer", Some("FLL"), &NO_FLAGS);
        assert!(refusals(MaintenanceStrategy::RunToFailure, &thermo, &AemSettings::default()).is_empty());
        let wall = facts("Wall diagnostic system (otoscope/ophthalmoscope)", Some("ERA"), &NO_FLAGS);
        assert!(refusals(MaintenanceStrategy::NotInProgram, &wall, &AemSettings::default()).is_empty());
        // The manufacturer's recommendations are never refused.
        let ct = facts("Computed tomography (CT) scanner", Some("JAK"), &NO_FLAGS);
        assert!(refusals(MaintenanceStrategy::Manufacturer, &ct, &AemSettings::default()).is_empty());
    }

    #[test]
    fn proposal_validation() {
        let aem = StrategyProposal {
            strategy: MaintenanceStrategy::Aem,
            rationale: "  fleet data  ".into(),
            aem_group: Some(" LVP pumps ".into()),
            alt_interval_months: Some(24),
            alt_procedure_code: None,
            criteria: Some(AemCriteria {
                use_and_harm: "infusion on wards".into(),
                failure_consequences: "alarms; delayed therapy".into(),
                backup_availability: "pool of 40 spares".into(),
                incident_history: "no PM-preventable failures in 3 years".into(),
                maintenance_requirements: "battery and occlusion check".into(),
            }),
        };
        let n = aem.clone().normalized().unwrap();
        assert_eq!(n.rationale, "fleet data");
        assert_eq!(n.aem_group.as_deref(), Some("LVP pumps"));
        // AEM without group, interval/procedure or criteria: every field reported.
        let bad = StrategyProposal {
            aem_group: None,
            alt_interval_months: None,
            criteria: None,
            rationale: " ".into(),
            ..aem.clone()
        };
        let DomainError::Invalid(f) = bad.normalized().unwrap_err() else { panic!() };
        let fields: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rationale",
                "aem_group",
                "alt_interval_months",
                "criteria.use_and_harm",
                "criteria.failure_consequences",
                "criteria.backup_availability",
                "criteria.incident_history",
                "criteria.maintenance_requirements"
            ]
        );
        // A procedure alone is enough.
        let proc_only =
            StrategyProposal { alt_interval_months: None, alt_procedure_code: Some("IPM-LVP-2".into()), ..aem.clone() };
        assert!(proc_only.normalized().is_ok());
        // Run to failure: no AEM fields.
        let rtf = StrategyProposal { strategy: MaintenanceStrategy::RunToFailure, ..aem };
        assert!(rtf.normalized().is_err());
        let rtf = StrategyProposal {
            strategy: MaintenanceStrategy::RunToFailure,
            rationale: "disposable-grade".into(),
            aem_group: Some("".into()),
            alt_interval_months: None,
            alt_procedure_code: None,
            criteria: Some(AemCriteria::default()),
        };
        assert_eq!(rtf.normalized().unwrap().criteria, None);
    }

    #[test]
    fn months_and_quarters() {
        assert_eq!(whole_months(date(2024, 1, 15), date(2026, 1, 15)), 24);
        assert_eq!(whole_months(date(2024, 1, 15), date(2026, 1, 14)), 23);
        assert_eq!(whole_months(date(2026, 1, 15), date(2025, 1, 14)), 0);
        let q = quarters(date(2025, 2, 10), date(2025, 11, 21));
        let labels: Vec<String> = q.iter().map(Quarter::label).collect();
        assert_eq!(labels, ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]);
        assert_eq!((q[0].from, q[0].to), (date(2025, 2, 10), date(2025, 3, 31)));
        assert_eq!((q[3].from, q[3].to), (date(2025, 10, 1), date(2025, 11, 21)));
        let short = quarters(date(2025, 12, 1), date(2026, 1, 5));
        assert_eq!(short.len(), 2);
        // 2026-Q1 has only 5 days in the report: 2025-Q4 (31 days) is judged.
        assert_eq!(judged_quarter(&short), Some(0));
        assert_eq!(judged_quarter(&q), Some(3));
        assert_eq!(judged_quarter(&quarters(date(2026, 1, 1), date(2026, 1, 3))), Some(0));
        assert_eq!(judged_quarter(&[]), None);
    }

    #[test]
    fn a_rising_failure_rate_flags_the_group() {
        let s = AemSettings::default();
        // 10 pumps for a quarter (913 device-days) with 1 failure: 0.40/device-year.
        assert_eq!(failure_rate(1, 913), Some(0.4));
        assert_eq!(failure_rate(3, 0), None);
        // Baseline 0.40; latest 0.80 (+100 %) → flagged; 0.56 (+40 %) → not.
        assert_eq!(judge_group(Some(0.40), Some(0.80), &s).len(), 1);
        assert!(judge_group(Some(0.40), Some(0.56), &s).is_empty());
        assert!(judge_group(Some(0.40), Some(0.40), &s).is_empty());
        // Zero baseline: only the absolute limit applies (1.00 per device-year).
        assert!(judge_group(Some(0.0), Some(0.9), &s).is_empty());
        let r = judge_group(Some(0.0), Some(1.2), &s);
        assert_eq!(r.len(), 1);
        assert!(r[0].contains("exceeds the limit of 1.00"));
        // No exposure in the latest period: nothing to judge.
        assert!(judge_group(Some(0.4), None, &s).is_empty());
    }
}
