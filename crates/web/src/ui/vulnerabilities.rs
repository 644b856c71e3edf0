//! Vulnerabilities: open findings by level (worst first) with links to their assets, a button to
//! re-run matching and one per finding to open its software-update work order.

use super::{Flash, Layout, csrf_refused, html, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::vulnerability::{FindingLevel, FindingStatus};
use htm_service::Action;
use htm_store::FindingFilter;
use serde::Deserialize;

pub struct Row {
    pub id: i64,
    pub asset_id: i64,
    pub asset_tag: String,
    pub cve_id: String,
    pub matched: String,
    pub score: u8,
    pub reasons: String,
    pub work_order_id: Option<i64>,
}

pub struct Group {
    pub level: String,
    pub key: &'static str,
    pub rows: Vec<Row>,
}

#[derive(Template, WebTemplate)]
#[template(path = "vulnerabilities.html")]
struct ListPage {
    layout: Layout,
    csrf: String,
    groups: Vec<Group>,
    total: usize,
    can_manage: bool,
}

pub async fn list(State(state): State<AppState>, user: WebUser, flash: Flash) -> Response {
    let layout = Layout::new(Some(&user), "vulnerabilities", flash);
    let p = &user.principal;
    let filter = FindingFilter { level: None, status: Some(FindingStatus::Open) };
    let findings = match state.services.list_findings(p, &filter).await {
        Ok(f) => f,
        Err(e) => return service_error_page(layout, &e),
    };
    let total = findings.len();
    let groups = FindingLevel::ALL
        .iter()
        .map(|l| Group {
            level: l.label().into(),
            key: l.as_str(),
            rows: findings
                .iter()
                .filter(|f| f.level == *l)
                .map(|f| Row {
                    id: f.id,
                    asset_id: f.asset_id,
                    asset_tag: f.asset_tag.clone(),
                    cve_id: f.cve_id.clone(),
                    matched: format!("{}: {}", f.matched_on.label(), f.matched_item),
                    score: f.score,
                    reasons: f.reasons.join("; "),
                    work_order_id: f.work_order_id,
                })
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect();
    let page = ListPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        groups,
        total,
        can_manage: p.can(Action::ManageVulnerabilities),
    };
    html(StatusCode::OK, &layout, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

/// Re-runs matching.
pub async fn run_match(State(state): State<AppState>, user: WebUser, Form(f): Form<CsrfForm>) -> Response {
    let layout = Layout::new(Some(&user), "vulnerabilities", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    match state.services.match_vulnerabilities(&user.principal).await {
        Ok(s) => redirect_with(
            "/vulnerabilities",
            "ok",
            &format!("Matching done: {} new, {} updated finding(s).", s.added, s.updated),
        ),
        Err(e) => service_error_page(layout, &e),
    }
}

/// Opens the finding's software-update work order.
pub async fn open_work_order(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "vulnerabilities", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    match state.services.open_finding_work_order(&user.principal, id).await {
        Ok(f) => redirect_with(
            "/vulnerabilities",
            "ok",
            &format!("Software-update work order opened for {} ({}).", f.asset_tag, f.cve_id),
        ),
        Err(e) => service_error_page(layout, &e),
    }
}
