//! The survey-readiness evidence pack (issue 4; REFERENCE §2.3 TJC EC.02.04.01/.03, §2.5): what a
//! surveyor asks for, gathered into one [`SurveyPack`] that the API serves as JSON, the web UI
//! shows as a page and the PDF renderer (in the web crate) prints.
//!
//! - **Inventory completeness** (EC.02.04.01 EP2): assets by status and the gaps a surveyor asks
//!   about (no location, active without a PM schedule, no risk assessment, no strategy).
//! - **High-risk and life-support lists** (EP3) with the last PM and the next due date.
//! - **Strategies and the AEM list** (EP4–EP6).
//! - **PM completion for the last 12 months** (EC.02.04.03 EP2/EP3): every figure comes from the
//!   pm-compliance report of each month ([`Services::pm_compliance`], or for one site the same
//!   report built from the same store rows of the site's departments), so the pack and
//!   `htm report pm-compliance` agree by construction. Every high-risk PM that was not done on
//!   time is listed with its follow-up.
//! - **Overdue PMs and unable-to-locate follow-up**, **incidents** (EP10).
//!
//! The 12 months are the complete months before the month of `as_of`. Lists are read from the
//! store in keyset pages.

use crate::pm::{PmCounts, build_report};
use crate::{Action, Principal, ServiceResult, Services};
use htm_domain::ids::{DepartmentId, SiteId, WorkOrderId};
use htm_domain::pm::{Month, PmStanding, ScheduleTiming, completion_rate, due_in_month};
use htm_store::{SurveyAssetRow, SurveyAssetSet, SurveyGap};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

/// Section headings, as printed on the page and in the PDF (with the TJC elements of
/// performance each one answers).
pub const HEADING_INVENTORY: &str = "1. Inventory completeness (EC.02.04.01 EP2)";
pub const HEADING_HIGH_RISK: &str = "2. High-risk and life-support equipment (EC.02.04.01 EP3)";
pub const HEADING_STRATEGIES: &str = "3. Maintenance strategies and the AEM program (EC.02.04.01 EP4, EP5, EP6)";
pub const HEADING_PM: &str = "4. PM completion, last 12 months (EC.02.04.03 EP2, EP3)";
pub const HEADING_OVERDUE: &str = "5. Overdue PMs and unable-to-locate follow-up (EC.02.04.03 EP2)";
pub const HEADING_INCIDENTS: &str = "6. Incidents (EC.02.04.01 EP10)";

/// Page size of the store reads.
const PAGE: u32 = 1000;
/// At most this many assets are listed under each inventory gap (the count is always exact).
pub const GAP_LIST_LIMIT: usize = 500;

/// What the pack covers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurveyOptions {
    /// One site; `None` = every site.
    pub site: Option<SiteId>,
    /// The day the pack describes (default: today, UTC).
    pub as_of: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyPack {
    pub title: String,
    /// The hospital: the site's name, or every site's name.
    pub organisation: String,
    pub site_id: Option<i64>,
    pub generated_at: Timestamp,
    /// Printed name (user name) of who generated it.
    pub generated_by: String,
    pub as_of: Date,
    /// The 12 months of PM completion, e.g. `2025-11` … `2026-10`.
    pub period_first_month: String,
    pub period_last_month: String,
    pub inventory: InventorySection,
    pub high_risk: RiskListSection,
    pub strategies: StrategiesSection,
    pub pm_completion: PmCompletionSection,
    pub overdue: OverdueSection,
    pub incidents: IncidentsSection,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCount {
    pub status: String,
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapAsset {
    pub asset_tag: String,
    pub model: String,
    pub department: String,
    pub status: String,
}

/// One inventory gap: how many active assets have it, and (up to [`GAP_LIST_LIMIT`]) which.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventoryGap {
    pub key: String,
    pub label: String,
    pub count: i64,
    pub assets: Vec<GapAsset>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventorySection {
    pub heading: String,
    /// Every asset on the inventory, retired and disposed included.
    pub total: i64,
    /// Neither retired nor disposed.
    pub active: i64,
    pub by_status: Vec<StatusCount>,
    pub high_risk: i64,
    pub life_support: i64,
    /// What the inventory says about ownership (leased, rental, physician-owned).
    pub ownership_note: String,
    pub gaps: Vec<InventoryGap>,
}

/// One asset of the high-risk or life-support list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskAsset {
    pub asset_tag: String,
    pub model: String,
    pub department: String,
    pub location: Option<String>,
    pub status: String,
    pub life_support: bool,
    /// The last PM completed with outcome done.
    pub last_pm: Option<Date>,
    /// The earliest open PM's due date, else the schedule's next due date.
    pub next_due: Option<Date>,
    /// `next_due` is before `as_of`.
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskListSection {
    pub heading: String,
    /// Every active high-risk asset (life support included), in asset-tag order.
    pub high_risk_assets: Vec<RiskAsset>,
    /// Every active life-support asset.
    pub life_support_assets: Vec<RiskAsset>,
}

/// Section 3. Filled from the maintenance-strategy area when it is available.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StrategiesSection {
    pub heading: String,
    pub available: bool,
    pub note: Option<String>,
    /// The current (approved) strategy of every model and asset that has one; equipment not
    /// listed follows the manufacturer's recommendations.
    pub strategies: Vec<StrategyLine>,
    /// The strategies that are alternate equipment maintenance (EP6).
    pub aem: Vec<StrategyLine>,
    /// Every asset on AEM, by group (EP6: the inventory identifies AEM equipment).
    pub aem_equipment: Vec<AemEquipment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AemEquipment {
    pub asset_tag: String,
    pub aem_group: String,
    /// The strategy record that puts it on AEM (its own or its model's).
    pub strategy_id: i64,
    pub approved_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StrategyLine {
    pub id: i64,
    /// What the strategy applies to: a model (manufacturer model number) or an asset tag.
    pub applies_to: String,
    /// `model` or `asset`.
    pub level: String,
    pub category: String,
    pub strategy: String,
    pub aem_group: Option<String>,
    pub interval_months: Option<i32>,
    pub rationale: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<Timestamp>,
    /// "Signed by <printed name> — <meaning> — <time UTC>" for each e-signature.
    pub signatures: Vec<String>,
}

/// One month's figures, straight from the pm-compliance report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthCompletion {
    pub month: String,
    pub total: PmCounts,
    pub high_risk: PmCounts,
    pub life_support: PmCounts,
    pub other: PmCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub work_order: String,
    pub work_order_id: i64,
    pub wo_type: String,
    pub status: String,
    pub opened_on: Date,
}

/// A high-risk PM due in the 12 months that was not completed on time.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PmException {
    pub month: String,
    pub work_order: String,
    pub work_order_id: i64,
    pub asset_tag: String,
    pub model: String,
    pub department: String,
    pub life_support: bool,
    pub due_date: Date,
    /// `completed_late`, `unable_to_locate`, `in_use`, `overdue` (open past its window) or
    /// `open` (window not yet ended).
    pub standing: String,
    /// The standing in words, e.g. "Completed late on 2026-04-09".
    pub standing_label: String,
    /// The late completion itself, or the first work order on the device opened after the
    /// exception; `None` when nothing followed.
    pub follow_up: Option<FollowUp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PmCompletionSection {
    pub heading: String,
    /// Oldest first.
    pub months: Vec<MonthCompletion>,
    /// The 12 months added up (rate = on time ÷ scheduled over the 12 months).
    pub total: PmCounts,
    pub high_risk: PmCounts,
    pub life_support: PmCounts,
    pub other: PmCounts,
    /// Every high-risk PM of the 12 months not completed on time, by due date.
    pub high_risk_exceptions: Vec<PmException>,
    /// Exceptions with no follow-up work order.
    pub exceptions_without_follow_up: usize,
    pub convention: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverduePm {
    pub work_order: String,
    pub work_order_id: i64,
    pub asset_tag: String,
    pub model: String,
    pub department: String,
    pub high_risk: bool,
    pub life_support: bool,
    pub due_date: Option<Date>,
    pub window_end: Option<Date>,
    pub status: String,
    /// Days since the end of the window (or the due date) as of the pack's day.
    pub days_overdue: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissingAsset {
    pub asset_tag: String,
    pub model: String,
    pub department: String,
    pub high_risk: bool,
    /// Unable-to-locate PMs completed in the 12 months and since.
    pub unable_to_locate_pms: i64,
    pub last_unable_to_locate_work_order: Option<String>,
    pub last_unable_to_locate_on: Option<Date>,
    pub open_work_orders: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverdueSection {
    pub heading: String,
    /// Open PM work orders past their window, high-risk first, then by due date.
    pub overdue_pms: Vec<OverduePm>,
    /// Assets reported missing (unable to locate).
    pub missing_assets: Vec<MissingAsset>,
}

/// Section 6. Filled from the incidents area when it is available.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentsSection {
    pub heading: String,
    pub available: bool,
    pub note: Option<String>,
    pub incidents: Vec<IncidentLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentLine {
    pub reference: String,
    pub occurred_on: Option<Date>,
    pub asset_tag: Option<String>,
    pub summary: String,
    pub status: String,
    /// Whether it was reportable to the FDA (medical device report) and by whom it was reported.
    pub reportable: String,
}

fn add(into: &mut PmCounts, c: &PmCounts) {
    into.scheduled += c.scheduled;
    into.completed_on_time += c.completed_on_time;
    into.completed_late += c.completed_late;
    into.open += c.open;
    into.unable_to_locate += c.unable_to_locate;
    into.in_use += c.in_use;
    into.completion_rate = completion_rate(into.completed_on_time, into.scheduled);
}

/// The models and assets that have an approved strategy.
#[derive(Debug, Default)]
struct Covered {
    models: std::collections::HashSet<htm_domain::ids::ModelId>,
    assets: std::collections::HashSet<htm_domain::ids::AssetId>,
}

fn by(who: Option<&str>) -> String {
    who.map(|w| format!(", decided by {w}")).unwrap_or_default()
}

/// "Signed by <printed name> — <meaning> — <time UTC>" (21 CFR 11.50).
pub fn signature_text(s: &htm_domain::signature::Signature) -> String {
    format!(
        "Signed by {} — {} — {}",
        s.signer_name,
        s.meaning.label(),
        s.signed_at.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    )
}

fn next_month(m: Month) -> Month {
    Month::of(m.last_day().tomorrow().unwrap_or(m.last_day()))
}

fn previous_month(m: Month) -> Month {
    Month::of(m.first_day().yesterday().unwrap_or(m.first_day()))
}

/// The earliest open PM's due date, else the next due date of the asset's schedule (by the
/// domain's due-date rule) from the month after its latest PM work order, not before `as_of`'s
/// month.
pub fn next_due(row: &SurveyAssetRow, as_of: Date) -> Option<Date> {
    if let Some(d) = row.open_pm_due {
        return Some(d);
    }
    let s = row.schedule.as_ref()?;
    let timing = ScheduleTiming {
        interval_months: s.interval_months,
        basis: s.basis,
        anchor: s.anchor,
        last_completed: row.last_pm,
    };
    let mut m = Month::of(as_of);
    if let Some(latest) = row.latest_pm_due {
        m = m.max(next_month(Month::of(latest)));
    }
    for _ in 0..=s.interval_months.clamp(1, 120) {
        if let Some(d) = due_in_month(&timing, m) {
            return Some(d);
        }
        m = next_month(m);
    }
    None
}

fn model_text(manufacturer: &str, number: &str, name: &str) -> String {
    format!("{manufacturer} {number} ({name})")
}

fn risk_asset(r: &SurveyAssetRow, as_of: Date) -> RiskAsset {
    let next = next_due(r, as_of);
    RiskAsset {
        asset_tag: r.asset_tag.clone(),
        model: model_text(&r.manufacturer, &r.model_number, &r.model_name),
        department: r.department.clone(),
        location: r.location.clone(),
        status: r.status.label().to_string(),
        life_support: r.life_support,
        last_pm: r.last_pm,
        next_due: next,
        overdue: next.is_some_and(|d| d < as_of),
    }
}

fn standing_text(e: &htm_store::SurveyPmException, as_of: Date) -> (&'static str, String) {
    match e.standing {
        PmStanding::CompletedLate => (
            "completed_late",
            match e.completed_on {
                Some(d) => format!("Completed late on {d}"),
                None => "Completed late".into(),
            },
        ),
        PmStanding::UnableToLocate => ("unable_to_locate", "Unable to locate".into()),
        PmStanding::InUse => ("in_use", "In use, deferred".into()),
        PmStanding::Open | PmStanding::CompletedOnTime => {
            let end = e.window_end.unwrap_or(e.due_date);
            if end < as_of {
                ("overdue", format!("Missed: still {} past its window ({end})", e.status.label().to_lowercase()))
            } else {
                ("open", format!("Open, window ends {end}"))
            }
        }
    }
}

impl Services {
    /// Builds the survey-readiness evidence pack.
    pub async fn survey_pack(&self, p: &Principal, o: SurveyOptions) -> ServiceResult<SurveyPack> {
        p.require(Action::ReadReports)?;
        let generated_at = self.now().round(jiff::Unit::Second).unwrap_or(self.now());
        let as_of = o.as_of.unwrap_or_else(|| generated_at.to_zoned(jiff::tz::TimeZone::UTC).date());
        let site = o.site;
        let sites = self.store.list_sites().await?;
        let organisation = match site {
            Some(id) => self.store.get_site(id).await?.name,
            None if sites.is_empty() => "(no site recorded)".into(),
            None => sites.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join("; "),
        };
        let last_month = previous_month(Month::of(as_of));
        let mut months = vec![last_month];
        while months.len() < 12 {
            let m = previous_month(months[months.len() - 1]);
            months.push(m);
        }
        months.reverse();
        let first_month = months[0];

        let (strategies, covered) = self.survey_strategies(p, site).await?;
        let mut inventory = self.survey_inventory(site).await?;
        if let Some(covered) = covered {
            inventory.gaps.push(self.survey_no_strategy_gap(site, &covered).await?);
        }
        let high_risk = self.survey_risk_lists(site, as_of).await?;
        let pm_completion = self.survey_pm_completion(p, site, &months, as_of).await?;
        let overdue = self.survey_overdue(site, as_of, first_month.first_day()).await?;
        let incidents = self.survey_incidents(p, site, first_month.first_day(), as_of).await?;
        Ok(SurveyPack {
            title: "Survey readiness evidence pack: medical equipment management".into(),
            organisation,
            site_id: site.map(|s| s.0),
            generated_at,
            generated_by: format!("{} ({})", p.user.display_name, p.user.username),
            as_of,
            period_first_month: first_month.to_string(),
            period_last_month: last_month.to_string(),
            inventory,
            high_risk,
            strategies,
            pm_completion,
            overdue,
            incidents,
        })
    }

    /// Every page of a survey asset list (up to `cap` rows).
    async fn survey_asset_list(
        &self,
        site: Option<SiteId>,
        set: SurveyAssetSet,
        cap: usize,
    ) -> ServiceResult<Vec<SurveyAssetRow>> {
        let mut out: Vec<SurveyAssetRow> = Vec::new();
        loop {
            let after = out.last().map(|r| r.asset_tag.clone());
            let want = PAGE.min(u32::try_from(cap - out.len()).unwrap_or(PAGE));
            let page = self.store.survey_assets(site, set, after.as_deref(), want).await?;
            let n = page.len();
            out.extend(page);
            if n < want as usize || out.len() >= cap {
                return Ok(out);
            }
        }
    }

    async fn survey_inventory(&self, site: Option<SiteId>) -> ServiceResult<InventorySection> {
        let c = self.store.survey_inventory_counts(site).await?;
        let total: i64 = c.by_status.iter().map(|(_, n)| n).sum();
        let active: i64 = c.by_status.iter().filter(|(s, _)| s.is_active()).map(|(_, n)| n).sum();
        // In the order of an asset's life.
        let by_status = htm_domain::asset::AssetStatus::ALL
            .iter()
            .filter_map(|s| c.by_status.iter().find(|(x, _)| x == s))
            .map(|(s, n)| StatusCount { status: s.as_str().into(), label: s.label().into(), count: *n })
            .collect();
        let mut gaps = vec![InventoryGap {
            key: "no_model".into(),
            label: "Assets without a device model".into(),
            count: 0,
            assets: Vec::new(),
            note: Some("Every asset must name its model (the database refuses one without).".into()),
        }];
        for (gap, key, label, count) in [
            (SurveyGap::NoLocation, "no_location", "Active assets without a location (department only)", c.no_location),
            (
                SurveyGap::NoPmSchedule,
                "no_pm_schedule",
                "Active assets without an active PM schedule",
                c.no_pm_schedule,
            ),
            (
                SurveyGap::NoRiskAssessment,
                "no_risk_assessment",
                "Active assets without a risk assessment (own or model's)",
                c.no_risk_assessment,
            ),
        ] {
            let rows = if count > 0 {
                self.survey_asset_list(site, SurveyAssetSet::Gap(gap), GAP_LIST_LIMIT).await?
            } else {
                Vec::new()
            };
            let note = (count as usize > rows.len())
                .then(|| format!("The first {} of {count} are listed, by asset tag.", rows.len()));
            gaps.push(InventoryGap {
                key: key.into(),
                label: label.into(),
                count,
                assets: rows
                    .iter()
                    .map(|r| GapAsset {
                        asset_tag: r.asset_tag.clone(),
                        model: model_text(&r.manufacturer, &r.model_number, &r.model_name),
                        department: r.department.clone(),
                        status: r.status.label().into(),
                    })
                    .collect(),
                note,
            });
        }
        Ok(InventorySection {
            heading: HEADING_INVENTORY.into(),
            total,
            active,
            by_status,
            high_risk: c.high_risk,
            life_support: c.life_support,
            ownership_note: "Every asset is inventoried regardless of ownership. OpenHTM does not yet record \
                 ownership (owned, leased, rental, physician-owned), so non-owned equipment is counted with the rest \
                 and cannot be shown separately."
                .into(),
            gaps,
        })
    }

    async fn survey_risk_lists(&self, site: Option<SiteId>, as_of: Date) -> ServiceResult<RiskListSection> {
        let hr = self.survey_asset_list(site, SurveyAssetSet::HighRisk, usize::MAX).await?;
        let ls = self.survey_asset_list(site, SurveyAssetSet::LifeSupport, usize::MAX).await?;
        Ok(RiskListSection {
            heading: HEADING_HIGH_RISK.into(),
            high_risk_assets: hr.iter().map(|r| risk_asset(r, as_of)).collect(),
            life_support_assets: ls.iter().map(|r| risk_asset(r, as_of)).collect(),
        })
    }

    /// The departments of a site.
    async fn site_departments(&self, site: SiteId) -> ServiceResult<Vec<DepartmentId>> {
        let mut out = Vec::new();
        for b in self.store.list_buildings(Some(site)).await? {
            out.extend(self.store.list_departments(Some(b.id)).await?.into_iter().map(|d| d.id));
        }
        Ok(out)
    }

    async fn survey_pm_completion(
        &self,
        p: &Principal,
        site: Option<SiteId>,
        months: &[Month],
        as_of: Date,
    ) -> ServiceResult<PmCompletionSection> {
        let departments = match site {
            Some(s) => Some(self.site_departments(s).await?),
            None => None,
        };
        let mut out = PmCompletionSection {
            heading: HEADING_PM.into(),
            months: Vec::new(),
            total: PmCounts::default(),
            high_risk: PmCounts::default(),
            life_support: PmCounts::default(),
            other: PmCounts::default(),
            high_risk_exceptions: Vec::new(),
            exceptions_without_follow_up: 0,
            convention: crate::pm::CONVENTION.into(),
        };
        for &month in months {
            // The pm-compliance report itself; for one site, the same report built from the
            // same store rows restricted to the site's departments.
            let r = match &departments {
                None => self.pm_compliance(p, month).await?,
                Some(ds) => {
                    let rows = self.store.pm_compliance_rows(month.first_day(), month.last_day()).await?;
                    let rows: Vec<_> = rows.into_iter().filter(|r| ds.contains(&r.department_id)).collect();
                    build_report(month, &rows)
                }
            };
            add(&mut out.total, &r.total);
            add(&mut out.high_risk, &r.high_risk);
            add(&mut out.life_support, &r.life_support);
            add(&mut out.other, &r.other);
            out.months.push(MonthCompletion {
                month: r.month.clone(),
                total: r.total,
                high_risk: r.high_risk,
                life_support: r.life_support,
                other: r.other,
            });
        }
        let (first, last) = match (months.first(), months.last()) {
            (Some(f), Some(l)) => (f.first_day(), l.last_day()),
            _ => return Ok(out),
        };
        for e in self.store.survey_pm_exceptions(site, first, last).await? {
            let (standing, standing_label) = standing_text(&e, as_of);
            let follow_up = if e.standing == PmStanding::CompletedLate {
                Some(FollowUp {
                    work_order: e.number.clone(),
                    work_order_id: e.id.0,
                    wo_type: "pm".into(),
                    status: e.status.label().into(),
                    opened_on: e.completed_on.unwrap_or(e.due_date),
                })
            } else {
                e.follow_up.as_ref().map(|f| FollowUp {
                    work_order: f.number.clone(),
                    work_order_id: f.id.0,
                    wo_type: f.wo_type.clone(),
                    status: f.status.label().into(),
                    opened_on: f.opened_at.to_zoned(jiff::tz::TimeZone::UTC).date(),
                })
            };
            if follow_up.is_none() {
                out.exceptions_without_follow_up += 1;
            }
            out.high_risk_exceptions.push(PmException {
                month: Month::of(e.due_date).to_string(),
                work_order: e.number.clone(),
                work_order_id: e.id.0,
                asset_tag: e.asset_tag.clone(),
                model: e.model.clone(),
                department: e.department.clone(),
                life_support: e.life_support,
                due_date: e.due_date,
                standing: standing.into(),
                standing_label,
                follow_up,
            });
        }
        Ok(out)
    }

    async fn survey_overdue(&self, site: Option<SiteId>, as_of: Date, since: Date) -> ServiceResult<OverdueSection> {
        let mut overdue_pms = Vec::new();
        let mut after: Option<WorkOrderId> = None;
        loop {
            let page = self.store.survey_overdue_pms(site, as_of, after, PAGE).await?;
            let n = page.len();
            after = page.last().map(|w| w.id);
            for w in page {
                let end = w.window_end.or(w.due_date);
                let days_overdue = end.map(|e| (as_of - e).get_days().into()).unwrap_or(0);
                overdue_pms.push(OverduePm {
                    work_order: w.number,
                    work_order_id: w.id.0,
                    asset_tag: w.asset_tag,
                    model: w.model,
                    department: w.department,
                    high_risk: w.high_risk,
                    life_support: w.life_support,
                    due_date: w.due_date,
                    window_end: w.window_end,
                    status: w.status.label().into(),
                    days_overdue,
                });
            }
            if n < PAGE as usize {
                break;
            }
        }
        overdue_pms
            .sort_by(|a, b| (!a.high_risk, a.due_date, &a.work_order).cmp(&(!b.high_risk, b.due_date, &b.work_order)));
        let mut missing_assets = Vec::new();
        let mut after = None;
        loop {
            let page = self.store.survey_missing_assets(site, since, after, PAGE).await?;
            let n = page.len();
            after = page.last().map(|a| a.id);
            missing_assets.extend(page.into_iter().map(|a| MissingAsset {
                asset_tag: a.asset_tag,
                model: a.model,
                department: a.department,
                high_risk: a.high_risk,
                unable_to_locate_pms: a.utl_pms,
                last_unable_to_locate_work_order: a.last_utl_number,
                last_unable_to_locate_on: a.last_utl_on,
                open_work_orders: a.open_work_orders,
            }));
            if n < PAGE as usize {
                break;
            }
        }
        missing_assets.sort_by(|a, b| (!a.high_risk, &a.asset_tag).cmp(&(!b.high_risk, &b.asset_tag)));
        Ok(OverdueSection { heading: HEADING_OVERDUE.into(), overdue_pms, missing_assets })
    }

    /// Section 3, from the maintenance-strategy area ([`Services::list_strategies`],
    /// [`Services::aem_groups`]). The register is organisation-wide (strategies are set per
    /// model); with a site, the AEM equipment list is the site's.
    async fn survey_strategies(
        &self,
        p: &Principal,
        site: Option<SiteId>,
    ) -> ServiceResult<(StrategiesSection, Option<Covered>)> {
        let mut out = StrategiesSection {
            heading: HEADING_STRATEGIES.into(),
            available: false,
            note: None,
            strategies: Vec::new(),
            aem: Vec::new(),
            aem_equipment: Vec::new(),
        };
        if !p.can(Action::ReadInventory) {
            out.note = Some("Your role may not read the maintenance strategies.".into());
            return Ok((out, None));
        }
        let mut covered = Covered::default();
        for v in self.list_strategies(p).await? {
            let r = &v.record;
            match r.target {
                htm_domain::strategy::StrategyTarget::Model(m) => covered.models.insert(m),
                htm_domain::strategy::StrategyTarget::Asset(a) => covered.assets.insert(a),
            };
            let line = StrategyLine {
                id: r.id,
                applies_to: v.label.clone(),
                level: match r.target {
                    htm_domain::strategy::StrategyTarget::Model(_) => "model".into(),
                    htm_domain::strategy::StrategyTarget::Asset(_) => "asset".into(),
                },
                category: v.category.clone(),
                strategy: r.strategy.label().into(),
                aem_group: r.aem_group.clone(),
                interval_months: r.alt_interval_months,
                rationale: r.rationale.clone(),
                approved_by: r.decided_by.clone(),
                approved_at: r.decided_at,
                signatures: v.signatures.iter().map(signature_text).collect(),
            };
            if r.strategy == htm_domain::strategy::MaintenanceStrategy::Aem {
                out.aem.push(line.clone());
            }
            out.strategies.push(line);
        }
        let site_assets: Option<std::collections::HashSet<String>> = match site {
            Some(_) => {
                let rows = self.survey_asset_list(site, SurveyAssetSet::All, usize::MAX).await?;
                Some(rows.into_iter().map(|r| r.asset_tag).collect())
            }
            None => None,
        };
        for g in self.aem_groups(p).await? {
            for m in g.members {
                if site_assets.as_ref().is_some_and(|s| !s.contains(&m.asset_tag)) {
                    continue;
                }
                out.aem_equipment.push(AemEquipment {
                    asset_tag: m.asset_tag,
                    aem_group: g.name.clone(),
                    strategy_id: m.strategy_id,
                    approved_at: m.approved_at,
                });
            }
        }
        out.available = true;
        out.note = Some(
            "Equipment whose model and asset have no approved strategy follows the manufacturer's recommendations \
             (CMS S&C 14-07-Hospital default)."
                .into(),
        );
        Ok((out, Some(covered)))
    }

    /// Active assets with no approved strategy of their own nor of their model.
    async fn survey_no_strategy_gap(&self, site: Option<SiteId>, covered: &Covered) -> ServiceResult<InventoryGap> {
        let by_model = self.store.survey_active_assets_by_model(site).await?;
        let mut count: i64 = by_model.iter().filter(|(m, _)| !covered.models.contains(m)).map(|(_, n)| n).sum();
        let departments = match site {
            Some(s) => Some(self.site_departments(s).await?),
            None => None,
        };
        for a in &covered.assets {
            let asset = self.store.get_asset(*a).await?;
            let here = departments.as_ref().is_none_or(|ds| ds.contains(&asset.department.id));
            if here && asset.status.is_active() && !covered.models.contains(&asset.model.id) {
                count -= 1;
            }
        }
        let uncovered_models = by_model.iter().filter(|(m, _)| !covered.models.contains(m)).count();
        Ok(InventoryGap {
            key: "no_strategy".into(),
            label: "Active assets without an approved maintenance strategy (own or model's)".into(),
            count,
            assets: Vec::new(),
            note: Some(format!(
                "{uncovered_models} device model(s) in use have no approved strategy; their equipment follows the \
                 manufacturer's recommendations by default (section 3)."
            )),
        })
    }

    /// Section 6, from the incidents area ([`Services::list_incidents`]): the incidents that
    /// occurred from the first day of the 12 months to `to`; with a site, those of its
    /// departments.
    async fn survey_incidents(
        &self,
        p: &Principal,
        site: Option<SiteId>,
        from: Date,
        to: Date,
    ) -> ServiceResult<IncidentsSection> {
        let mut out =
            IncidentsSection { heading: HEADING_INCIDENTS.into(), available: false, note: None, incidents: Vec::new() };
        if !p.can(Action::ReadIncidents) {
            out.note = Some("Your role may not read incident reports.".into());
            return Ok(out);
        }
        let departments = match site {
            Some(s) => Some(self.site_departments(s).await?),
            None => None,
        };
        for i in self.list_incidents(p, from, to).await? {
            if let Some(ds) = &departments
                && !i.department_id.is_some_and(|d| ds.contains(&d))
            {
                continue;
            }
            let reportable = match i.mdr_reportable {
                None => "not yet decided".to_string(),
                Some(false) => format!("not reportable{}", by(i.mdr_decision_by.as_deref())),
                Some(true) => match (&i.mdr_reported_to, &i.mdr_reported_at) {
                    (Some(to), Some(at)) => format!(
                        "reportable: reported to {} on {}{}{}",
                        to.label(),
                        at.to_zoned(jiff::tz::TimeZone::UTC).date(),
                        i.mdr_report_number.as_deref().map(|n| format!(" (report {n})")).unwrap_or_default(),
                        by(i.mdr_decision_by.as_deref())
                    ),
                    _ => format!("reportable: NOT YET REPORTED{}", by(i.mdr_decision_by.as_deref())),
                },
            };
            out.incidents.push(IncidentLine {
                reference: i.number.clone(),
                occurred_on: Some(i.occurred_at.to_zoned(jiff::tz::TimeZone::UTC).date()),
                asset_tag: i.asset_tag.clone(),
                summary: format!("{} ({})", i.what_happened, i.severity.label()),
                status: i.status.label().into(),
                reportable,
            });
        }
        out.available = true;
        out.note = Some(format!(
            "Device-related incidents that occurred from {from} to {to} (Safe Medical Devices Act; 21 CFR 803)."
        ));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use htm_domain::asset::AssetStatus;
    use htm_domain::ids::AssetId;
    use htm_domain::pm::ScheduleBasis;
    use htm_store::SurveySchedule;
    use jiff::civil::date;

    fn row(
        open: Option<Date>,
        latest: Option<Date>,
        last_pm: Option<Date>,
        s: Option<SurveySchedule>,
    ) -> SurveyAssetRow {
        SurveyAssetRow {
            id: AssetId(1),
            asset_tag: "BME-1".into(),
            status: AssetStatus::InService,
            manufacturer: "BD".into(),
            model_number: "8015".into(),
            model_name: "PC unit".into(),
            department: "ICU".into(),
            location: None,
            high_risk: true,
            life_support: false,
            last_pm,
            open_pm_due: open,
            latest_pm_due: latest,
            schedule: s,
        }
    }

    fn fixed(interval: i32, anchor: Date) -> Option<SurveySchedule> {
        Some(SurveySchedule { interval_months: interval, basis: ScheduleBasis::Fixed, anchor })
    }

    #[test]
    fn next_due_is_the_open_pm_else_the_schedules_next_date_after_the_latest_pm() {
        let as_of = date(2026, 11, 21);
        // An open (overdue) PM wins.
        let r = row(Some(date(2026, 10, 31)), Some(date(2026, 10, 31)), None, fixed(6, date(2025, 4, 30)));
        assert_eq!(next_due(&r, as_of), Some(date(2026, 10, 31)));
        // Semi-annual from April: the October PM is done, the next is in April.
        let r = row(None, Some(date(2026, 10, 31)), Some(date(2026, 10, 12)), fixed(6, date(2025, 4, 30)));
        assert_eq!(next_due(&r, as_of), Some(date(2027, 4, 30)));
        // Due this month but not yet opened: this month's date.
        let r = row(None, Some(date(2025, 11, 30)), None, fixed(12, date(2024, 11, 30)));
        assert_eq!(next_due(&r, as_of), Some(date(2026, 11, 30)));
        // Floating: one interval after the last completion.
        let floating =
            Some(SurveySchedule { interval_months: 12, basis: ScheduleBasis::Floating, anchor: date(2024, 3, 1) });
        let r = row(None, Some(date(2026, 3, 31)), Some(date(2026, 3, 20)), floating);
        assert_eq!(next_due(&r, as_of), Some(date(2027, 3, 20)));
        // No schedule and nothing open: nothing is due.
        assert_eq!(next_due(&row(None, None, None, None), as_of), None);
    }

    #[test]
    fn twelve_months_add_up_with_the_domain_rate() {
        let mut total = PmCounts::default();
        for (s, on_time) in [(10, 9), (20, 20)] {
            add(&mut total, &PmCounts { scheduled: s, completed_on_time: on_time, ..Default::default() });
        }
        assert_eq!((total.scheduled, total.completed_on_time, total.completion_rate), (30, 29, Some(96.7)));
        assert_eq!(previous_month(Month::parse("2026-01").unwrap()).to_string(), "2025-12");
        assert_eq!(next_month(Month::parse("2025-12").unwrap()).to_string(), "2026-01");
    }
}
