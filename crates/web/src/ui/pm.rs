//! Planned maintenance in the web UI: the PM completion report, an asset's PM schedules, and
//! opening the month's PM work orders.

use super::{Flash, Layout, csrf_refused, error_page, parse_id, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use htm_domain::ids::AssetId;
use htm_domain::pm::{Month, NewPmSchedule, ScheduleBasis};
use htm_service::pm::{PmComplianceReport, PmCounts};
use htm_service::{Action, ServiceError};
use serde::Deserialize;

pub struct GroupRow {
    pub label: String,
    pub counts: PmCounts,
    pub rate: String,
    /// `good` (100 %), `warn` (≥ 95 %) or `bad`: how the rate reads against the targets
    /// (100 % for high-risk, an alert under 95 % for the rest; REFERENCE §2.5).
    pub tone: &'static str,
}

fn row(label: &str, c: &PmCounts) -> GroupRow {
    let tone = match c.completion_rate {
        Some(r) if r >= 100.0 => "good",
        Some(r) if r >= 95.0 => "warn",
        Some(_) => "bad",
        None => "none",
    };
    GroupRow {
        label: label.to_string(),
        counts: c.clone(),
        rate: c.completion_rate.map(|r| format!("{r:.1} %")).unwrap_or_else(|| "—".into()),
        tone,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pm_compliance.html")]
struct CompliancePage {
    layout: Layout,
    month: String,
    groups: Vec<GroupRow>,
    departments: Vec<GroupRow>,
    can_generate: bool,
    csrf: String,
    convention: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthForm {
    month: String,
    csrf: String,
}

pub async fn compliance(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
    Query(f): Query<MonthForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "reports", flash);
    let month = if f.month.trim().is_empty() {
        Month::of(super::view::today())
    } else {
        match Month::parse(&f.month) {
            Ok(m) => m,
            Err(e) => return service_error_page(layout, &ServiceError::from(e)),
        }
    };
    let report: PmComplianceReport = match state.services.pm_compliance(&user.principal, month).await {
        Ok(r) => r,
        Err(e) => return service_error_page(layout, &e),
    };
    let groups = vec![
        row("All scheduled PMs", &report.total),
        row("High-risk (incl. life support)", &report.high_risk),
        row("Life support", &report.life_support),
        row("Other (not high-risk)", &report.other),
    ];
    let departments =
        report.departments.iter().map(|d| row(&format!("{} ({})", d.department, d.cost_center), &d.counts)).collect();
    let page = CompliancePage {
        layout,
        month: report.month.clone(),
        groups,
        departments,
        can_generate: user.principal.can(Action::CreateWorkOrder),
        csrf: user.csrf.clone(),
        convention: htm_service::pm::CONVENTION,
    };
    page.into_response()
}

pub async fn generate(State(state): State<AppState>, user: WebUser, Form(f): Form<MonthForm>) -> Response {
    let layout = Layout::new(Some(&user), "reports", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let month = match Month::parse(&f.month) {
        Ok(m) => m,
        Err(e) => return service_error_page(layout, &ServiceError::from(e)),
    };
    match state.services.generate_pm(&user.principal, month).await {
        Ok(g) => redirect_with(
            &format!("/reports/pm-compliance?month={month}"),
            "ok",
            &format!(
                "{} PM work order(s) opened for {month}; {} schedule(s) already had theirs.",
                g.created, g.already_open
            ),
        ),
        Err(e) => service_error_page(layout, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ScheduleForm {
    csrf: String,
    interval_months: String,
    basis: String,
    anchor_date: String,
    grace_days: String,
}

pub async fn add_schedule(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<ScheduleForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "assets", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no asset with this number.");
    };
    let back = format!("/assets/{id}");
    let interval = f.interval_months.trim().parse::<i32>().unwrap_or(0);
    let Ok(anchor) = f.anchor_date.trim().parse::<jiff::civil::Date>() else {
        return redirect_with(&back, "error", "Give the first due date as YYYY-MM-DD.");
    };
    let n = NewPmSchedule {
        asset_id: AssetId(id),
        interval_months: interval,
        basis: ScheduleBasis::parse(&f.basis).unwrap_or(ScheduleBasis::Fixed),
        anchor_date: anchor,
        grace_days: f.grace_days.trim().parse().unwrap_or(0),
    };
    match state.services.create_pm_schedule(&user.principal, n).await {
        Ok(s) => redirect_with(
            &back,
            "ok",
            &format!("PM schedule added: every {} months from {}.", s.interval_months, s.anchor_date),
        ),
        Err(ServiceError::Validation(f)) => redirect_with(
            &back,
            "error",
            &f.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
        ),
        Err(e) => service_error_page(layout, &e),
    }
}
