//! The server-rendered web UI: plain HTML forms over the same use cases as the API.
//!
//! Invariants:
//! - Every page works without JavaScript: forms POST, the handler redirects (303) to a page that
//!   shows the outcome as a one-time flash message. htmx (vendored, served from `/static`) only
//!   enhances: live search on the lists swaps in a `*_partial.html` fragment.
//! - Every POST carries the session's CSRF token and is refused (403) without it.
//! - Service errors are shown on the page (field messages next to their fields); the UI never
//!   answers with a bare 500. Actions the signed-in role may not perform are not offered.
//! - The Content-Security-Policy forbids inline scripts and styles: none are used.

mod assets;
mod calendar;
mod contracts;
mod dashboard;
mod documents;
mod esa;
mod esa_import;
mod incidents;
mod network;
mod pm;
mod pm_record;
mod recalls;
mod repair_analytics;
mod risk;
mod scan;
mod session;
mod static_files;
mod strategies;
mod survey;
mod technicians;
mod test_equipment;
mod tokens;
mod usage;
pub mod view;
mod vulnerabilities;
mod work_orders;

use crate::AppState;
use crate::auth::{WebUser, cookie};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use htm_service::ServiceError;
use std::convert::Infallible;

/// The routes of the web UI, merged at the root of the application.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/{file}", get(static_files::serve))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/", get(dashboard::page))
        .route("/assets", get(assets::list))
        .route("/assets/{id}", get(assets::detail))
        .route("/scan", get(scan::page))
        .route("/scan/assets", post(scan::create))
        .route("/work-orders", get(work_orders::list).post(work_orders::create))
        .route("/work-orders/new", get(work_orders::new_form))
        .route("/work-orders/{id}", get(work_orders::detail))
        .route("/work-orders/{id}/transition", post(work_orders::transition))
        .route("/work-orders/{id}/labour", post(work_orders::add_labour))
        .route("/work-orders/{id}/parts", post(work_orders::add_part))
        .route("/work-orders/{id}/findings", post(work_orders::save_findings))
        .route("/work-orders/{id}/pm", get(pm_record::page).post(pm_record::record))
        .route("/work-orders/{id}/pm/esa-import", post(esa_import::import))
        .route("/esa/limits", get(esa::page))
        .route("/test-equipment", get(test_equipment::page))
        .route("/incidents", get(incidents::list).post(incidents::create))
        .route("/incidents/new", get(incidents::new_form))
        .route("/incidents/{id}", get(incidents::detail).post(incidents::investigate))
        .route("/incidents/{id}/close", post(incidents::close))
        .route("/incidents/{id}/work-orders", post(incidents::link))
        .route("/contracts", get(contracts::list).post(contracts::create))
        .route("/contracts/{id}", get(contracts::detail).post(contracts::update))
        .route("/contracts/{id}/assets", post(contracts::set_assets))
        .route("/recalls", get(recalls::list))
        .route("/recalls/match", post(recalls::run_match))
        .route("/recalls/{id}", get(recalls::detail))
        .route("/recalls/{id}/close", post(recalls::close))
        .route("/recall-matches/{id}/decide", post(recalls::decide))
        .route("/vulnerabilities", get(vulnerabilities::list))
        .route("/vulnerabilities/match", post(vulnerabilities::run_match))
        .route("/findings/{id}/work-order", post(vulnerabilities::open_work_order))
        .route("/technicians", get(technicians::list))
        .route("/calendar-feeds", get(calendar::page).post(calendar::create))
        .route("/calendar-feeds/{id}/revoke", post(calendar::revoke))
        .route("/tokens", get(tokens::page).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        .route("/technicians/{id}", get(technicians::detail))
        .route("/technicians/{id}/qualifications", post(technicians::add))
        .route("/technicians/{id}/qualifications/{qid}/revoke", post(technicians::revoke))
        .route("/reports/pm-compliance", get(pm::compliance))
        .route("/reports/repairs", get(repair_analytics::repairs))
        .route("/reports/survey-pack", get(survey::page))
        .route("/reports/survey-pack.pdf", get(survey::pdf))
        .route("/pm/generate", post(pm::generate))
        .route("/assets/{id}/pm-schedules", post(pm::add_schedule))
        .route("/assets/{id}/risk", post(risk::assess))
        .route("/assets/{id}/network", post(network::save))
        .route("/assets/{id}/security-profile", post(network::save_security_profile))
        .route("/reports/cyber", get(network::report))
        .route("/assets/{id}/usage", get(usage::page))
        .route("/assets/{id}/usage/readings", post(usage::record))
        .route("/assets/{id}/usage/trigger", post(usage::set_trigger))
        .route("/strategies", get(strategies::page).post(strategies::propose))
        .route("/strategies/model-flags", post(strategies::save_model_flags))
        .route("/strategies/{id}/approve", post(strategies::approve))
        .route("/strategies/{id}/reject", post(strategies::reject))
        .route("/reports/aem", get(strategies::report))
        .route("/aem-settings", post(strategies::save_settings))
        .merge(documents::router())
}

const FLASH_COOKIE: &str = "htm_flash";

/// A one-time message shown on the page after a redirect.
#[derive(Debug, Clone)]
pub struct FlashMsg {
    /// `ok` or `error` (a CSS class and the ARIA role follow from it).
    pub kind: &'static str,
    pub text: String,
}

/// The flash message the request carried, if any.
pub struct Flash(pub Option<FlashMsg>);

impl FromRequestParts<AppState> for Flash {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Flash(read_flash(parts)))
    }
}

fn read_flash(parts: &Parts) -> Option<FlashMsg> {
    let raw = cookie(parts, FLASH_COOKIE)?;
    let text = view::percent_decode(raw);
    let (kind, text) = match text.split_once(':') {
        Some(("ok", t)) => ("ok", t),
        Some(("error", t)) => ("error", t),
        _ => return None,
    };
    let text: String = text.chars().take(500).collect();
    (!text.trim().is_empty()).then_some(FlashMsg { kind, text })
}

/// A 303 redirect that leaves a flash message for the next page.
pub fn redirect_with(to: &str, kind: &'static str, text: &str) -> Response {
    let value =
        format!("{FLASH_COOKIE}={}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax", view::q(&format!("{kind}:{text}")));
    let mut r = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Whether the request came from htmx for a fragment (not a history restore, which wants the
/// whole page).
pub fn wants_fragment(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some() && headers.get("hx-history-restore-request").is_none()
}

/// The signed-in user as the navigation bar shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub role: String,
    pub csrf: String,
    /// Whether the Assets page is for them (vendor users see only their company's work).
    pub can_assets: bool,
    pub can_reports: bool,
}

/// What the page frame (`base.html`) needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub user: Option<NavUser>,
    /// `dashboard`, `assets`, `work_orders` or empty: which nav link is the current page.
    pub section: &'static str,
    pub flash: Option<FlashMsg>,
    /// Appended to static URLs so that a new build is fetched despite long caching.
    pub v: &'static str,
}

impl Layout {
    pub fn new(user: Option<&WebUser>, section: &'static str, flash: Flash) -> Self {
        Layout {
            user: user.map(|u| NavUser {
                name: u.principal.user.display_name.clone(),
                role: u.principal.user.role.label().to_string(),
                csrf: u.csrf.clone(),
                can_assets: u.principal.can(htm_service::Action::ReadInventory),
                can_reports: u.principal.can(htm_service::Action::ReadReports),
            }),
            section,
            flash: flash.0,
            v: static_files::version(),
        }
    }

    /// Shows an error message in the flash area of this page.
    pub fn with_error(mut self, text: impl Into<String>) -> Self {
        self.flash = Some(FlashMsg { kind: "error", text: text.into() });
        self
    }
}

/// Renders an HTML page with a status; consumes the flash cookie and keeps the page out of
/// shared caches.
pub fn html(status: StatusCode, layout: &Layout, body: impl IntoResponse) -> Response {
    let had_flash = layout.flash.is_some();
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::VARY, HeaderValue::from_static("HX-Request, Cookie"));
    if had_flash {
        h.append(header::SET_COOKIE, HeaderValue::from_static("htm_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"));
    }
    r
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
}

/// A whole page that explains what went wrong.
pub fn error_page(layout: Layout, status: StatusCode, title: &str, message: &str) -> Response {
    let layout = Layout { flash: None, ..layout };
    let page = ErrorPage { title: title.to_string(), message: message.to_string(), layout: layout.clone() };
    html(status, &layout, page)
}

/// The status and heading a service error is shown with.
pub fn describe(e: &ServiceError) -> (StatusCode, &'static str, String) {
    match e {
        ServiceError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "Please correct the form", e.to_string()),
        ServiceError::NotFound(m) => (StatusCode::NOT_FOUND, "Not found", capitalise(m)),
        ServiceError::Conflict { message, .. } => (StatusCode::CONFLICT, "Conflict", capitalise(message)),
        ServiceError::Stale(m) => (StatusCode::CONFLICT, "Changed by someone else", capitalise(m)),
        ServiceError::InvalidTransition(m) => (StatusCode::CONFLICT, "Not possible now", capitalise(m)),
        ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", format!("You may not do this: {m}.")),
        ServiceError::Unqualified(m) => (StatusCode::UNPROCESSABLE_ENTITY, "Qualification required", capitalise(m)),
        ServiceError::SignatureRequired(m) => (StatusCode::UNPROCESSABLE_ENTITY, "Signature required", capitalise(m)),
        ServiceError::SignatureInvalid(m) => (StatusCode::FORBIDDEN, "Signature refused", capitalise(m)),
        ServiceError::PhiWarning(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "Is this patient information?", capitalise(&e.to_string()))
        }
        ServiceError::UnsupportedType(m) => (StatusCode::UNPROCESSABLE_ENTITY, "File type not accepted", capitalise(m)),
        ServiceError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "File too large", capitalise(m)),
        ServiceError::Integrity(m) => (StatusCode::INTERNAL_SERVER_ERROR, "Document damaged", capitalise(m)),
        ServiceError::Refused { message, .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "Not allowed by the rules", capitalise(message))
        }
        ServiceError::Unauthenticated(_) => {
            (StatusCode::UNAUTHORIZED, "Please sign in again", "Your session has ended.".into())
        }
        ServiceError::TooManyAttempts(m) => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts", capitalise(m)),
        ServiceError::DirectoryUnavailable(m) => {
            (StatusCode::SERVICE_UNAVAILABLE, "Sign-in directory unavailable", capitalise(m))
        }
        ServiceError::Internal(cause) => {
            let id = uuid::Uuid::new_v4().simple().to_string();
            tracing::error!(request_error_id = %id, %cause, "internal error in the web UI");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                format!(
                    "The server could not complete this request. Try again; if it keeps happening, give your administrator this reference: {id}."
                ),
            )
        }
    }
}

/// A page for a service error that ends the request.
pub fn service_error_page(layout: Layout, e: &ServiceError) -> Response {
    if matches!(e, ServiceError::Unauthenticated(_)) {
        return Redirect::to("/login").into_response();
    }
    let (status, title, message) = describe(e);
    error_page(layout, status, title, &message)
}

/// The answer to a form whose CSRF token is missing or wrong.
pub fn csrf_refused(layout: Layout) -> Response {
    error_page(
        layout,
        StatusCode::FORBIDDEN,
        "Form expired",
        "The form expired or did not come from this site. Go back, reload the page and try again.",
    )
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Parses an id from the path; anything else is a "not found" page.
pub fn parse_id(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().filter(|n| *n > 0)
}
