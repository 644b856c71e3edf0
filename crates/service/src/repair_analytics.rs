//! The repair report (OpenHTM issue 3): root causes, parts and labour cost, downtime, uptime,
//! MTBF, repeat repairs, and NPF and use-error rates per department, model or asset.
//!
//! The arithmetic lives in [`htm_domain::repair_analytics`] (REFERENCE §3, §9.3, §9.4); this
//! module checks the permission (`ReadReports`), reads the store once and shapes the report.
//! Groups listed are those with at least one repair in the period or downtime in it; the totals
//! cover every asset in service (so total uptime counts the devices that never failed).

use crate::{Action, Principal, ServiceResult, Services};
use htm_domain::ids::{AssetId, WorkOrderId};
use htm_domain::repair_analytics::{
    self as ra, Period, RepairGroupBy, RepairSums, RepeatRepair, device_years, mtbf_years, rate_pct, uptime_pct,
};
use htm_store::RepairAnalyticsData;
use serde::Serialize;
use std::collections::HashMap;

/// The figures of one group (or of the whole report).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepairFigures {
    /// The department, model or asset id (0 for the totals).
    pub key: i64,
    /// Department name, "manufacturer model-number", or asset tag.
    pub label: String,
    /// Repairs (not cancelled) opened in the period.
    pub repairs: i64,
    /// Repairs whose cause counts as a true failure (REFERENCE §9.3).
    pub failures: i64,
    pub parts_cost_minor: i64,
    pub labour_minutes: i64,
    /// Labour minutes ÷ 60, two decimals.
    pub labour_hours: f64,
    /// Minutes × the site's hourly rate ÷ 60, per work order.
    pub labour_cost_minor: i64,
    /// Parts + labour.
    pub total_cost_minor: i64,
    /// Downtime inside the period, overlapping repairs of one asset merged; two decimals.
    pub downtime_hours: f64,
    /// Exposure in the period, two decimals.
    pub device_years: f64,
    /// (Exposure − downtime) ÷ exposure × 100; null without exposure.
    pub uptime_pct: Option<f64>,
    /// Device-years ÷ failures; null when there were no failures.
    pub mtbf_years: Option<f64>,
    /// Failures per device-year; null without exposure.
    pub failures_per_device_year: Option<f64>,
    pub npf: i64,
    /// NPF/CND repairs ÷ repairs × 100, one decimal; null without repairs.
    pub npf_rate: Option<f64>,
    pub use_error: i64,
    /// USE/ABU/DMG repairs ÷ repairs × 100, one decimal; null without repairs.
    pub use_error_rate: Option<f64>,
    pub repeat_repairs: i64,
}

/// One root cause's share of the period's repairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CauseShare {
    /// The cause code; null for repairs not yet coded (still open).
    pub code: Option<String>,
    pub label: String,
    /// True, false, or null (decided by the site: BATT).
    pub counts_as_failure: Option<bool>,
    pub count: i64,
    /// Count ÷ repairs × 100, one decimal.
    pub share_pct: f64,
}

/// The repair report for a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepairReport {
    pub from: String,
    pub to: String,
    pub days: i64,
    pub group_by: RepairGroupBy,
    pub totals: RepairFigures,
    /// Most repairs first, then by label.
    pub groups: Vec<RepairFigures>,
    /// Most frequent first.
    pub causes: Vec<CauseShare>,
    pub repeats: Vec<RepeatRepair>,
    /// How the numbers are counted.
    pub convention: &'static str,
}

pub const CONVENTION: &str = "repairs = repair work orders (not cancelled) opened in the period (UTC dates, both ends included); \
downtime = from downtime_start (else opened_at) to downtime_end (else completed_at; still open = to the period end), clipped to the period, overlaps of one asset merged; \
uptime = (device exposure - downtime) / exposure x 100; exposure = days in service within the period (from in-service date, else acquisition date, else record date; retired/disposed assets end at their last change); \
MTBF = device-years (days / 365.25) / true failures (cause counts_as_failure; BATT only when the site says so), null without failures (REFERENCE 3); \
npf_rate = NPF/CND / repairs x 100; use_error_rate = USE/ABU/DMG / repairs x 100; \
repeat = same asset and cause opened within 30 calendar days of the previous such repair's completion (or opening, if still open); \
labour cost = minutes x site hourly rate / 60; parts cost = quantity x unit cost; money in minor units";

fn figures(key: i64, s: &RepairSums, exposure_days: i64) -> RepairFigures {
    let years = device_years(exposure_days);
    RepairFigures {
        key,
        label: s.label.clone(),
        repairs: s.repairs,
        failures: s.failures,
        parts_cost_minor: s.parts_cost_minor,
        labour_minutes: s.labour_minutes,
        labour_hours: round2(s.labour_minutes as f64 / 60.0),
        labour_cost_minor: s.labour_cost_minor,
        total_cost_minor: s.parts_cost_minor + s.labour_cost_minor,
        downtime_hours: round2(s.downtime_seconds as f64 / 3600.0),
        device_years: round2(years),
        uptime_pct: uptime_pct(exposure_days * 86_400, s.downtime_seconds),
        mtbf_years: mtbf_years(years, s.failures),
        failures_per_device_year: ra::failure_rate(years, s.failures),
        npf: s.npf,
        npf_rate: rate_pct(s.npf, s.repairs),
        use_error: s.use_error,
        use_error_rate: rate_pct(s.use_error, s.repairs),
        repeat_repairs: s.repeats,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Shapes what the store read into the report (pure; unit-tested below).
pub fn build_report(period: Period, group_by: RepairGroupBy, data: RepairAnalyticsData) -> RepairReport {
    let RepairAnalyticsData { summary, exposure, cause_codes } = data;
    let total_exposure: i64 = exposure.iter().map(|e| e.days).sum();
    let by_key: HashMap<i64, i64> = exposure.iter().map(|e| (e.key, e.days)).collect();
    let mut groups: Vec<RepairFigures> = summary
        .groups
        .iter()
        .filter(|(_, s)| s.repairs > 0 || s.downtime_seconds > 0)
        .map(|(k, s)| {
            let days = match group_by {
                RepairGroupBy::Asset => s.exposure_days,
                _ => by_key.get(k).copied().unwrap_or(0),
            };
            figures(*k, s, days)
        })
        .collect();
    groups.sort_by(|a, b| b.repairs.cmp(&a.repairs).then_with(|| a.label.cmp(&b.label)));
    let totals = figures(0, &summary.totals, total_exposure);
    let labels: HashMap<&str, (&str, Option<bool>)> =
        cause_codes.iter().map(|c| (c.code.as_str(), (c.label.as_str(), c.counts_as_failure))).collect();
    let mut causes: Vec<CauseShare> = summary
        .causes
        .iter()
        .map(|(code, n)| {
            let (label, flag) = match code.as_deref() {
                Some(c) => labels.get(c).copied().unwrap_or((c, None)),
                None => ("Not yet coded", Some(false)),
            };
            CauseShare {
                code: code.clone(),
                label: label.to_string(),
                counts_as_failure: flag,
                count: *n,
                share_pct: rate_pct(*n, summary.totals.repairs).unwrap_or(0.0),
            }
        })
        .collect();
    causes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    RepairReport {
        from: period.from.to_string(),
        to: period.to.to_string(),
        days: period.days(),
        group_by,
        totals,
        groups,
        causes,
        repeats: summary.repeats,
        convention: CONVENTION,
    }
}

impl RepairReport {
    /// The header of [`RepairReport::csv_rows`].
    pub const CSV_HEADER: [&'static str; 23] = [
        "from",
        "to",
        "group_by",
        "row",
        "key",
        "label",
        "repairs",
        "failures",
        "parts_cost_minor",
        "labour_minutes",
        "labour_hours",
        "labour_cost_minor",
        "total_cost_minor",
        "downtime_hours",
        "device_years",
        "uptime_pct",
        "mtbf_years",
        "failures_per_device_year",
        "npf",
        "npf_rate",
        "use_error",
        "use_error_rate",
        "repeat_repairs",
    ];

    /// One CSV row per group and a last `total` row (empty cells for nulls); the root causes and
    /// repeat repairs are in the JSON form only.
    pub fn csv_rows(&self) -> Vec<Vec<String>> {
        let o = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let line = |kind: &str, f: &RepairFigures| {
            vec![
                self.from.clone(),
                self.to.clone(),
                self.group_by.as_str().to_string(),
                kind.to_string(),
                f.key.to_string(),
                f.label.clone(),
                f.repairs.to_string(),
                f.failures.to_string(),
                f.parts_cost_minor.to_string(),
                f.labour_minutes.to_string(),
                f.labour_hours.to_string(),
                f.labour_cost_minor.to_string(),
                f.total_cost_minor.to_string(),
                f.downtime_hours.to_string(),
                f.device_years.to_string(),
                o(f.uptime_pct),
                o(f.mtbf_years),
                o(f.failures_per_device_year),
                f.npf.to_string(),
                o(f.npf_rate),
                f.use_error.to_string(),
                o(f.use_error_rate),
                f.repeat_repairs.to_string(),
            ]
        };
        let mut rows: Vec<Vec<String>> = self.groups.iter().map(|g| line("group", g)).collect();
        rows.push(line("total", &self.totals));
        rows
    }
}

impl Services {
    /// The repair report for `from..=to` (UTC dates), grouped by department, model or asset.
    pub async fn repair_report(
        &self,
        p: &Principal,
        period: Period,
        group_by: RepairGroupBy,
    ) -> ServiceResult<RepairReport> {
        p.require(Action::ReadReports)?;
        let data = self.store.repair_analytics(period, group_by).await?;
        Ok(build_report(period, group_by, data))
    }

    /// One asset's repair figures for a period (its repairs only; for the asset page).
    pub async fn asset_repair_figures(
        &self,
        p: &Principal,
        asset: AssetId,
        period: Period,
    ) -> ServiceResult<RepairFigures> {
        p.require(Action::ReadReports)?;
        let mut s = self.store.asset_repair_summary(period, asset).await?;
        let exposure = s.totals.exposure_days;
        s.totals.label = s.groups.values().next().map(|g| g.label.clone()).unwrap_or_default();
        Ok(figures(asset.0, &s.totals, exposure))
    }

    /// Whether a repair work order is a repeat repair (for the work-order page's badge).
    pub async fn repeat_repair_of(&self, p: &Principal, id: WorkOrderId) -> ServiceResult<Option<RepeatRepair>> {
        p.require(Action::ReadWorkOrders)?;
        Ok(self.store.repeat_repair_of(id).await?)
    }
}

impl Services {
    /// A site's repair-cost settings (labour rate, whether BATT counts as a failure).
    pub async fn repair_settings(
        &self,
        p: &Principal,
        site: htm_domain::ids::SiteId,
    ) -> ServiceResult<htm_store::RepairSettings> {
        p.require(Action::ReadReports)?;
        Ok(self.store.get_repair_settings(site).await?)
    }

    /// Sets a site's repair-cost settings; the labour rate is in minor units per hour.
    pub async fn set_repair_settings(
        &self,
        p: &Principal,
        site: htm_domain::ids::SiteId,
        settings: htm_store::RepairSettings,
    ) -> ServiceResult<htm_store::RepairSettings> {
        p.require(Action::ManageInventory)?;
        if !(0..=100_000_000).contains(&settings.labour_rate_minor) {
            return Err(crate::ServiceError::invalid(
                "labour_rate_minor",
                "the hourly labour rate must be between 0 and 100,000,000 minor units",
            ));
        }
        Ok(self.store.set_repair_settings(&self.ctx(p, None), site, &settings).await?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use htm_domain::repair_analytics::RepairSummary;
    use htm_store::{CauseCodeInfo, GroupExposure};
    use std::collections::BTreeMap;

    #[test]
    fn report_combines_sums_with_exposure() {
        let period = Period::parse("2026-01-01", "2026-12-31").unwrap();
        let icu = RepairSums {
            label: "ICU".into(),
            repairs: 4,
            failures: 2,
            npf: 1,
            use_error: 1,
            parts_cost_minor: 5000,
            labour_minutes: 90,
            labour_cost_minor: 12_750,
            downtime_seconds: 36 * 3600,
            ..Default::default()
        };
        let mut groups = BTreeMap::new();
        groups.insert(7, icu.clone());
        let mut causes = BTreeMap::new();
        causes.insert(Some("EF".to_string()), 2);
        causes.insert(Some("NPF".to_string()), 1);
        causes.insert(Some("USE".to_string()), 1);
        let data = RepairAnalyticsData {
            summary: RepairSummary {
                groups,
                totals: RepairSums { label: "All".into(), ..icu },
                causes,
                repeats: vec![],
            },
            // 9 device-years: REFERENCE's 2 failures in 9 years → MTBF 4.5.
            exposure: vec![
                GroupExposure { key: 7, label: "ICU".into(), days: 3287 },
                GroupExposure { key: 8, label: "ED".into(), days: 365 },
            ],
            cause_codes: vec![CauseCodeInfo {
                code: "EF".into(),
                label: "Evident failure".into(),
                counts_as_failure: Some(true),
            }],
        };
        let r = build_report(period, RepairGroupBy::Department, data);
        assert_eq!(r.groups.len(), 1, "ED had no repairs");
        let g = &r.groups[0];
        assert_eq!(g.device_years, 9.0);
        assert_eq!(g.mtbf_years, Some(4.5));
        assert_eq!(g.failures_per_device_year, Some(0.22));
        assert_eq!(g.labour_hours, 1.5);
        assert_eq!(g.total_cost_minor, 17_750);
        assert_eq!(g.npf_rate, Some(25.0));
        assert_eq!(g.use_error_rate, Some(25.0));
        // 3287 days × 24 h = 78,888 h available, 36 h down → 99.95 %.
        assert_eq!(g.uptime_pct, Some(99.95));
        assert_eq!(r.totals.device_years, 10.0);
        assert_eq!(r.causes[0].code.as_deref(), Some("EF"));
        assert_eq!(r.causes[0].label, "Evident failure");
        assert_eq!(r.causes[0].share_pct, 50.0);
        assert_eq!(r.causes[1].label, "NPF", "an unknown code is its own label");
    }
}
