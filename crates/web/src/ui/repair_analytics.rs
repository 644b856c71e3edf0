//! The repair report page (`/reports/repairs`): root causes, costs, downtime, uptime, MTBF,
//! NPF and use-error rates per department, model or asset, and repeat repairs. Read-only; the
//! numbers come from `htm_service::repair_analytics` (the same report as the API and CLI).

use super::{Flash, Layout, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use htm_domain::repair_analytics::{Period, RepairGroupBy};
use htm_service::ServiceError;
use htm_service::repair_analytics::{RepairFigures, RepairReport};
use serde::Deserialize;

/// Money in minor units as `1,234.56`.
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    let units = (m / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", m % 100)
}

fn opt(v: Option<f64>, suffix: &str) -> String {
    v.map(|x| format!("{x:.2}{suffix}")).unwrap_or_else(|| "—".into())
}

fn pct1(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1} %")).unwrap_or_else(|| "—".into())
}

/// One table row, formatted for display.
pub struct Row {
    pub label: String,
    pub repairs: i64,
    pub failures: i64,
    pub parts: String,
    pub labour_hours: String,
    pub labour_cost: String,
    pub total_cost: String,
    pub downtime_hours: String,
    pub uptime: String,
    pub mtbf: String,
    pub npf: String,
    pub use_error: String,
    pub repeats: i64,
    /// `bad` when the use-error or NPF rate is 20 % or more (a training need), else `none`.
    pub tone: &'static str,
}

fn row(f: &RepairFigures) -> Row {
    let high = |r: Option<f64>| r.is_some_and(|x| x >= 20.0);
    Row {
        label: f.label.clone(),
        repairs: f.repairs,
        failures: f.failures,
        parts: money(f.parts_cost_minor),
        labour_hours: format!("{:.2}", f.labour_hours),
        labour_cost: money(f.labour_cost_minor),
        total_cost: money(f.total_cost_minor),
        downtime_hours: format!("{:.1}", f.downtime_hours),
        uptime: opt(f.uptime_pct, " %"),
        mtbf: opt(f.mtbf_years, " yr"),
        npf: pct1(f.npf_rate),
        use_error: pct1(f.use_error_rate),
        repeats: f.repeat_repairs,
        tone: if high(f.npf_rate) || high(f.use_error_rate) { "bad" } else { "none" },
    }
}

pub struct CauseRow {
    pub code: String,
    pub label: String,
    pub failure: &'static str,
    pub count: i64,
    pub share: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "repair_report.html")]
struct RepairPage {
    layout: Layout,
    from: String,
    to: String,
    group_by: &'static str,
    group_heading: &'static str,
    totals: Row,
    groups: Vec<Row>,
    causes: Vec<CauseRow>,
    report: RepairReport,
    convention: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RepairForm {
    from: String,
    to: String,
    group_by: String,
}

pub async fn repairs(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
    Query(f): Query<RepairForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "repair_report", flash);
    let today = super::view::today();
    let to = if f.to.trim().is_empty() { today.to_string() } else { f.to.clone() };
    let from = if f.from.trim().is_empty() {
        today.checked_sub(jiff::Span::new().days(364)).unwrap_or(today).to_string()
    } else {
        f.from.clone()
    };
    let period = match Period::parse(&from, &to) {
        Ok(p) => p,
        Err(e) => return service_error_page(layout, &ServiceError::from(e)),
    };
    let group_by = if f.group_by.trim().is_empty() {
        RepairGroupBy::Department
    } else {
        match RepairGroupBy::parse(&f.group_by) {
            Ok(g) => g,
            Err(e) => return service_error_page(layout, &ServiceError::from(e)),
        }
    };
    let report = match state.services.repair_report(&user.principal, period, group_by).await {
        Ok(r) => r,
        Err(e) => return service_error_page(layout, &e),
    };
    let causes = report
        .causes
        .iter()
        .map(|c| CauseRow {
            code: c.code.clone().unwrap_or_else(|| "—".into()),
            label: c.label.clone(),
            failure: match c.counts_as_failure {
                Some(true) => "yes",
                Some(false) => "no",
                None => "site policy",
            },
            count: c.count,
            share: format!("{:.1} %", c.share_pct),
        })
        .collect();
    let page = RepairPage {
        layout,
        from: report.from.clone(),
        to: report.to.clone(),
        group_by: group_by.as_str(),
        group_heading: match group_by {
            RepairGroupBy::Department => "Department",
            RepairGroupBy::Model => "Model",
            RepairGroupBy::Asset => "Asset",
        },
        totals: row(&report.totals),
        groups: report.groups.iter().map(row).collect(),
        causes,
        convention: htm_service::repair_analytics::CONVENTION,
        report,
    };
    page.into_response()
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(12_750), "127.50");
        assert_eq!(money(123_456_789), "1,234,567.89");
        assert_eq!(money(-5), "-0.05");
    }
}
