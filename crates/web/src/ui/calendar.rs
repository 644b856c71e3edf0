//! `/calendar-feeds`: PM calendar feeds (issue 6 §5) in the UI. Everyone who does the work sees
//! their feeds and creates one for their own PMs; managers and administrators also create feeds
//! for any technician or a department and revoke any feed. A new feed's secret URL is shown once,
//! on the page answering the form (never in a redirect, a cookie or a log).

use super::{Flash, Layout, csrf_refused, html, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use htm_domain::ids::{DepartmentId, UserId};
use htm_domain::page::PageRequest;
use htm_service::Action;
use htm_store::FeedScope;
use serde::Deserialize;

pub struct FeedRow {
    pub id: i64,
    pub scope: &'static str,
    pub label: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked: bool,
}

pub struct Opt {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_feeds.html")]
struct FeedsPage {
    layout: Layout,
    csrf: String,
    feeds: Vec<FeedRow>,
    can_manage: bool,
    technicians: Vec<Opt>,
    departments: Vec<Opt>,
    /// The URL of the feed just created (shown once).
    new_url: String,
}

async fn render(state: &AppState, user: &WebUser, flash: Flash, new_url: String) -> Response {
    let layout = Layout::new(Some(user), "calendar", flash);
    let p = &user.principal;
    let feeds = match state.services.list_calendar_feeds(p).await {
        Ok(f) => f,
        Err(e) => return service_error_page(layout, &e),
    };
    let can_manage = p.can(Action::ManageCalendarFeeds);
    let (mut technicians, mut departments) = (Vec::new(), Vec::new());
    if can_manage {
        if let Ok(users) = state.services.list_users(p, PageRequest { limit: 1000, after: None }).await {
            technicians = users
                .items
                .iter()
                .filter(|u| u.active && matches!(u.role.as_str(), "technician" | "engineer" | "manager"))
                .map(|u| Opt { value: u.id.0.to_string(), label: format!("{} ({})", u.display_name, u.username) })
                .collect();
        }
        if let Ok(ds) = state.services.list_departments(p, None).await {
            departments = ds.iter().map(|d| Opt { value: d.id.0.to_string(), label: d.name.clone() }).collect();
        }
    }
    let page = FeedsPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        feeds: feeds
            .into_iter()
            .map(|f| FeedRow {
                id: f.id,
                scope: match f.scope {
                    FeedScope::Technician(_) => "Technician",
                    FeedScope::Department(_) => "Department",
                },
                label: f.label,
                created_by: f.created_by,
                created_at: f.created_at.to_string().chars().take(10).collect(),
                revoked: f.revoked_at.is_some(),
            })
            .collect(),
        can_manage,
        technicians,
        departments,
        new_url,
    };
    html(StatusCode::OK, &layout, page)
}

pub async fn page(State(state): State<AppState>, user: WebUser, flash: Flash) -> Response {
    render(&state, &user, flash, String::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateForm {
    csrf: String,
    /// `me`, `technician` or `department`.
    scope: String,
    technician_id: String,
    department_id: String,
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: WebUser,
    Form(f): Form<CreateForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "calendar", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let id = |s: &str| s.trim().parse::<i64>().ok();
    let scope = match f.scope.as_str() {
        "technician" => id(&f.technician_id).map(|i| FeedScope::Technician(UserId(i))),
        "department" => id(&f.department_id).map(|i| FeedScope::Department(DepartmentId(i))),
        _ => Some(FeedScope::Technician(user.principal.user.id)),
    };
    let Some(scope) = scope else { return redirect_with("/calendar-feeds", "error", "Choose whose PMs to show.") };
    match state.services.create_calendar_feed(&user.principal, scope).await {
        Ok(n) => {
            let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            let url = n.url.unwrap_or_else(|| format!("http://{host}{}", n.path));
            render(&state, &user, Flash(None), url).await
        }
        Err(e) => redirect_with("/calendar-feeds", "error", &super::describe(&e).2),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    csrf: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "calendar", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Ok(id) = id.parse::<i64>() else { return redirect_with("/calendar-feeds", "error", "No such feed.") };
    match state.services.revoke_calendar_feed(&user.principal, id).await {
        Ok(_) => redirect_with("/calendar-feeds", "ok", "The feed is revoked: its URL no longer answers."),
        Err(e) => redirect_with("/calendar-feeds", "error", &super::describe(&e).2),
    }
}
