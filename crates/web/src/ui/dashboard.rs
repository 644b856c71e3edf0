//! The start page: open work at a glance, and the signed-in person's own work.

use super::work_orders::{WoRow, wo_rows};
use super::{Flash, Layout, html};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::page::PageRequest;
use htm_domain::user::Role;
use htm_service::{Action, ServiceError};
use htm_store::WorkOrderFilter;

pub struct StatusCount {
    pub label: String,
    pub count: i64,
    pub href: String,
}

pub struct AgeCount {
    pub label: &'static str,
    pub count: i64,
}

pub struct Stats {
    pub by_status: Vec<StatusCount>,
    pub total_open: i64,
    pub by_age: Vec<AgeCount>,
    pub out_of_service: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    name: String,
    stats: Option<Stats>,
    /// Open work assigned to me (people who do the work).
    my_work: Option<Vec<WoRow>>,
    /// My recent requests (requesters).
    my_requests: Option<Vec<WoRow>>,
    can_report: bool,
    can_search_assets: bool,
    notice: Option<String>,
}

pub async fn page(State(state): State<AppState>, user: WebUser, flash: Flash) -> Response {
    let layout = Layout::new(Some(&user), "dashboard", flash);
    let p = &user.principal;
    let s = &state.services;
    let mut notice = None;
    let mut note = |e: ServiceError| {
        let (_, _, m) = super::describe(&e);
        notice = Some(m);
    };

    let stats = if p.user.role != Role::Requester && p.can(Action::ReadInventory) {
        match s.work_order_stats(p).await {
            Ok(st) => Some(Stats {
                total_open: st.by_status.iter().map(|(_, n)| n).sum(),
                by_status: st
                    .by_status
                    .iter()
                    .map(|(status, n)| StatusCount {
                        label: status.label().to_string(),
                        count: *n,
                        href: format!("/work-orders?status={}", status.as_str()),
                    })
                    .collect(),
                by_age: vec![
                    AgeCount { label: "2 days or less", count: st.by_age[0] },
                    AgeCount { label: "3 to 7 days", count: st.by_age[1] },
                    AgeCount { label: "8 to 30 days", count: st.by_age[2] },
                    AgeCount { label: "More than 30 days", count: st.by_age[3] },
                ],
                out_of_service: st.assets_out_of_service,
            }),
            Err(e) => {
                note(e);
                None
            }
        }
    } else {
        None
    };

    let my_work = if p.user.role.does_work() {
        let f = WorkOrderFilter { assigned_to: Some(p.user.id), open_only: true, ..Default::default() };
        match s.list_work_orders(p, f, PageRequest::first(25)).await {
            Ok(page) => Some(wo_rows(&page.items)),
            Err(e) => {
                note(e);
                None
            }
        }
    } else {
        None
    };

    let my_requests = if p.user.role == Role::Requester {
        match s.list_work_orders(p, WorkOrderFilter::default(), PageRequest::first(10)).await {
            Ok(page) => Some(wo_rows(&page.items)),
            Err(e) => {
                note(e);
                None
            }
        }
    } else {
        None
    };

    let page = DashboardPage {
        layout: layout.clone(),
        name: p.user.display_name.clone(),
        stats,
        my_work,
        my_requests,
        can_report: p.can(Action::CreateWorkOrder) || p.can(Action::ReportProblem),
        can_search_assets: p.can(Action::ReadInventory),
        notice,
    };
    html(StatusCode::OK, &layout, page)
}
