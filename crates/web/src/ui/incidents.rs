//! Device-related incidents: the list, the report form and the incident page with the
//! investigation form (sequestration, findings, the MDR decision and report), work-order links
//! and closing. Text that looks like patient information re-shows the form with what was found
//! and a checkbox confirming that it is not patient information.

use super::view::{self, FieldErrors, HistoryItem, Opt};
use super::{Flash, Layout, csrf_refused, error_page, html, parse_id, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::ids::{AssetId, WorkOrderId};
use htm_domain::incident::{Incident, IncidentId, IncidentPatch, IncidentStatus, MdrRecipient, NewIncident, Severity};
use htm_domain::page::PageRequest;
use htm_domain::phi::PhiFinding;
use htm_service::{Action, ServiceError};
use htm_store::{IncidentFilter, WorkOrderFilter};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;

/// `YYYY-MM-DDTHH:MM` in the server's time zone (what `<input type="datetime-local">` sends).
fn parse_local(s: &str) -> Option<Timestamp> {
    let dt: jiff::civil::DateTime = s.trim().parse().ok()?;
    dt.to_zoned(TimeZone::system()).ok().map(|z| z.timestamp())
}

fn local_input(t: Timestamp) -> String {
    t.to_zoned(TimeZone::system()).strftime("%Y-%m-%dT%H:%M").to_string()
}

fn phi_lines(f: &[PhiFinding]) -> Vec<String> {
    f.iter()
        .map(|h| format!("{}: looks like a {} — \u{201c}{}\u{201d}", view::field_label(&h.field), h.kind, h.excerpt))
        .collect()
}

/// The badge class of a severity (reusing the report colours).
fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::NearMiss => "rate-none",
        Severity::NoHarm => "rate-good",
        Severity::MinorInjury => "rate-warn",
        Severity::SeriousInjury | Severity::Death => "rate-bad",
    }
}

/// The badge class of a status (reusing the work-order colours).
fn status_class(s: IncidentStatus) -> &'static str {
    match s {
        IncidentStatus::Open => "status-open",
        IncidentStatus::UnderInvestigation => "status-in_progress",
        IncidentStatus::Closed => "status-closed",
    }
}

fn checked(s: &str) -> bool {
    matches!(s, "yes" | "on" | "true")
}

// ---------------------------------------------------------------------------------------------
// The list

pub struct Row {
    pub id: i64,
    pub number: String,
    pub occurred: String,
    pub asset: Option<(i64, String)>,
    pub severity: String,
    pub severity_class: &'static str,
    pub status: String,
    pub status_class: &'static str,
    pub mdr: String,
    pub summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "incidents.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    statuses: Vec<Opt>,
    asset_id: String,
    next: Option<String>,
    can_report: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    asset_id: String,
    cursor: String,
}

fn mdr_text(i: &Incident) -> String {
    match (i.mdr_reportable, i.mdr_reported_to) {
        (None, _) => match i.mdr_requirement() {
            Some(r) => format!("Undecided — due {}", r.due),
            None => "Undecided".into(),
        },
        (Some(false), _) => "Not reportable".into(),
        (Some(true), Some(to)) => format!("Reported to {}", to.label()),
        (Some(true), None) => "Reportable — not yet reported".into(),
    }
}

fn row(i: &Incident) -> Row {
    let summary: String = i.what_happened.chars().take(120).collect();
    Row {
        id: i.id.0,
        number: i.number.clone(),
        occurred: view::ts(i.occurred_at),
        asset: i.asset_id.map(|a| (a.0, i.asset_tag.clone().unwrap_or_default())),
        severity: i.severity.label().into(),
        severity_class: severity_class(i.severity),
        status: i.status.label().into(),
        status_class: status_class(i.status),
        mdr: mdr_text(i),
        summary,
    }
}

pub async fn list(State(state): State<AppState>, user: WebUser, flash: Flash, Query(q): Query<ListQuery>) -> Response {
    let layout = Layout::new(Some(&user), "incidents", flash);
    let p = &user.principal;
    let mut f = IncidentFilter::default();
    if let Ok(s) = IncidentStatus::parse(&q.status) {
        f.status = Some(s);
    }
    f.asset_id = parse_id(q.asset_id.trim()).map(AssetId);
    let page = PageRequest::parse(Some(50), Some(&q.cursor)).unwrap_or(PageRequest::first(50));
    match state.services.list_incidents_page(p, f, page).await {
        Ok(pg) => {
            let mut statuses = vec![Opt::new("", "Any status", &q.status)];
            statuses.extend(IncidentStatus::ALL.iter().map(|s| Opt::new(s.as_str(), s.label(), &q.status)));
            let next = pg.next_cursor.map(|c| {
                format!(
                    "/incidents?status={}&asset_id={}&cursor={}",
                    view::q(&q.status),
                    view::q(&q.asset_id),
                    view::q(&c)
                )
            });
            let page = ListPage {
                layout: layout.clone(),
                rows: pg.items.iter().map(row).collect(),
                statuses,
                asset_id: q.asset_id.clone(),
                next,
                can_report: p.can(Action::ReportProblem),
            };
            html(StatusCode::OK, &layout, page)
        }
        Err(e) => service_error_page(layout, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// The report form

#[derive(Template, WebTemplate)]
#[template(path = "incident_new.html")]
struct NewPage {
    layout: Layout,
    csrf: String,
    f: NewForm,
    asset_label: Option<String>,
    severities: Vec<Opt>,
    errors: FieldErrors,
    phi: Vec<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewForm {
    csrf: String,
    asset_id: String,
    asset_tag: String,
    occurred_at: String,
    what_happened: String,
    accessories: String,
    severity: String,
    sequestered: String,
    sequestered_items: String,
    /// "yes": the reporter checked that the text is not patient information.
    acknowledge_phi_warning: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    asset_id: String,
}

async fn render_new(
    state: &AppState,
    user: &WebUser,
    layout: Layout,
    status: StatusCode,
    f: NewForm,
    errors: FieldErrors,
    phi: Vec<String>,
) -> Response {
    let asset_label =
        match parse_id(f.asset_id.trim()) {
            Some(id) => state.services.get_asset(&user.principal, AssetId(id)).await.ok().map(|a| {
                format!("{} — {} {} ({})", a.asset_tag, a.model.manufacturer, a.model.name, a.model.model_number)
            }),
            None => None,
        };
    let sel = if f.severity.is_empty() { "no_harm".to_string() } else { f.severity.clone() };
    let page = NewPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        severities: Severity::ALL.iter().map(|s| Opt::new(s.as_str(), s.label(), &sel)).collect(),
        asset_label,
        f,
        errors,
        phi,
    };
    html(status, &layout, page)
}

pub async fn new_form(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
    Query(q): Query<NewQuery>,
) -> Response {
    let layout = Layout::new(Some(&user), "incidents", flash);
    if !user.principal.can(Action::ReportProblem) {
        return error_page(layout, StatusCode::FORBIDDEN, "Not allowed", "Your role may not report incidents.");
    }
    let f = NewForm { asset_id: q.asset_id, occurred_at: local_input(Timestamp::now()), ..Default::default() };
    render_new(&state, &user, layout, StatusCode::OK, f, FieldErrors::default(), vec![]).await
}

pub async fn create(State(state): State<AppState>, user: WebUser, Form(mut f): Form<NewForm>) -> Response {
    let layout = Layout::new(Some(&user), "incidents", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let p = &user.principal;
    let mut errors = FieldErrors::default();
    let asset_id = match (parse_id(f.asset_id.trim()), f.asset_tag.trim()) {
        (Some(id), _) => Some(AssetId(id)),
        (None, "") => None,
        (None, tag) => match state.services.get_asset_by_tag(p, tag).await {
            Ok(a) => {
                f.asset_id = a.id.0.to_string();
                Some(a.id)
            }
            Err(ServiceError::NotFound(_)) => {
                errors.push("asset_tag", &format!("no asset has the tag '{tag}'"));
                None
            }
            Err(e) => return service_error_page(layout, &e),
        },
    };
    let occurred_at = parse_local(&f.occurred_at);
    if occurred_at.is_none() {
        errors.push("occurred_at", "give the date and time it happened");
    }
    let severity = Severity::parse(&f.severity).ok();
    if severity.is_none() {
        errors.push("severity", "choose how badly anyone was harmed");
    }
    let (Some(occurred_at), Some(severity), true) = (occurred_at, severity, errors.is_empty()) else {
        let l = layout.with_error("Please correct the marked fields.");
        return render_new(&state, &user, l, StatusCode::UNPROCESSABLE_ENTITY, f, errors, vec![]).await;
    };
    let new = NewIncident {
        asset_id,
        department_id: None,
        occurred_at,
        what_happened: f.what_happened.clone(),
        accessories: Some(f.accessories.clone()),
        severity,
        sequestered: checked(&f.sequestered),
        sequestered_items: Some(f.sequestered_items.clone()),
    };
    match state.services.create_incident(p, new, checked(&f.acknowledge_phi_warning)).await {
        Ok(i) => redirect_with(&format!("/incidents/{}", i.id.0), "ok", &format!("Incident {} reported.", i.number)),
        Err(ServiceError::PhiWarning(found)) => {
            f.acknowledge_phi_warning.clear();
            let l = layout.with_error("This looks like patient information. Check before saving.");
            render_new(&state, &user, l, StatusCode::UNPROCESSABLE_ENTITY, f, errors, phi_lines(&found)).await
        }
        Err(ServiceError::Validation(fields)) => {
            let l = layout.with_error("Please correct the marked fields.");
            let e = FieldErrors::from_fields(&fields);
            render_new(&state, &user, l, StatusCode::UNPROCESSABLE_ENTITY, f, e, vec![]).await
        }
        Err(e) => service_error_page(layout, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// The incident page

#[derive(Template, WebTemplate)]
#[template(path = "incident.html")]
struct DetailPage {
    layout: Layout,
    csrf: String,
    i: Incident,
    severity: String,
    severity_class: &'static str,
    status: String,
    status_class: &'static str,
    closed: bool,
    mdr: String,
    /// The 21 CFR 803 guidance: to whom and by when, if reportable.
    requirement: Option<String>,
    can_investigate: bool,
    f: InvestigateForm,
    mdr_options: Vec<Opt>,
    recipients: Vec<Opt>,
    errors: FieldErrors,
    phi: Vec<String>,
    history: Option<Vec<HistoryItem>>,
}

impl DetailPage {
    fn ts(&self, t: &Timestamp) -> String {
        view::ts(*t)
    }
    fn ts_opt(&self, t: &Option<Timestamp>) -> String {
        view::ts_opt(*t)
    }
    fn text(&self, s: &Option<String>) -> String {
        view::or_dash(s.as_deref())
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct InvestigateForm {
    csrf: String,
    version: String,
    sequestered: String,
    sequestered_items: String,
    findings: String,
    /// `` (undecided), `yes`, `no`.
    mdr_reportable: String,
    mdr_rationale: String,
    mdr_reported_to: String,
    mdr_report_number: String,
    mdr_reported_at: String,
    acknowledge_phi_warning: String,
    /// "yes": reopen a closed incident (nothing else changes).
    reopen: String,
}

impl InvestigateForm {
    fn of(i: &Incident) -> Self {
        InvestigateForm {
            csrf: String::new(),
            version: i.version.to_string(),
            sequestered: if i.sequestered { "yes".into() } else { String::new() },
            sequestered_items: i.sequestered_items.clone().unwrap_or_default(),
            findings: i.findings.clone().unwrap_or_default(),
            mdr_reportable: match i.mdr_reportable {
                None => String::new(),
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
            },
            mdr_rationale: i.mdr_rationale.clone().unwrap_or_default(),
            mdr_reported_to: i.mdr_reported_to.map(|r| r.as_str().to_string()).unwrap_or_default(),
            mdr_report_number: i.mdr_report_number.clone().unwrap_or_default(),
            mdr_reported_at: i.mdr_reported_at.map(local_input).unwrap_or_default(),
            acknowledge_phi_warning: String::new(),
            reopen: String::new(),
        }
    }

    fn is_sequestered(&self) -> bool {
        checked(&self.sequestered)
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_detail(
    state: &AppState,
    user: &WebUser,
    layout: Layout,
    status: StatusCode,
    i: Incident,
    form: Option<InvestigateForm>,
    errors: FieldErrors,
    phi: Vec<String>,
) -> Response {
    let p = &user.principal;
    let f = form.unwrap_or_else(|| InvestigateForm::of(&i));
    let requirement = i.mdr_requirement().map(|r| {
        let to = match (r.to_fda, r.to_manufacturer) {
            (true, true) => "the FDA and the manufacturer",
            (true, false) => "the FDA (the manufacturer is not known)",
            _ => "the manufacturer",
        };
        format!(
            "If the device may have caused or contributed to this {}, 21 CFR 803.30 requires a report (FDA Form 3500A) to {to} by {} (10 work days from {}; weekends skipped, holidays not).",
            i.severity.label().to_lowercase(),
            r.due,
            i.reported_at.to_zoned(TimeZone::UTC).date()
        )
    });
    let mdr_options = vec![
        Opt::new("", "Not decided yet", &f.mdr_reportable),
        Opt::new("yes", "Reportable (MDR)", &f.mdr_reportable),
        Opt::new("no", "Not reportable", &f.mdr_reportable),
    ];
    let mut recipients = vec![Opt::new("", "Not reported", &f.mdr_reported_to)];
    recipients.extend(MdrRecipient::ALL.iter().map(|r| Opt::new(r.as_str(), r.label(), &f.mdr_reported_to)));
    let history =
        state.services.history(p, "incident", &i.id.to_string(), 200).await.ok().map(|e| view::history_items(&e));
    let page = DetailPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        severity: i.severity.label().into(),
        severity_class: severity_class(i.severity),
        status: i.status.label().into(),
        status_class: status_class(i.status),
        closed: i.status == IncidentStatus::Closed,
        mdr: mdr_text(&i),
        requirement,
        can_investigate: p.can(Action::InvestigateIncident),
        f,
        mdr_options,
        recipients,
        errors,
        phi,
        history,
        i,
    };
    html(status, &layout, page)
}

pub async fn detail(State(state): State<AppState>, user: WebUser, flash: Flash, Path(id): Path<String>) -> Response {
    let layout = Layout::new(Some(&user), "incidents", flash);
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "No such incident.");
    };
    match state.services.get_incident(&user.principal, IncidentId(id)).await {
        Ok(i) => render_detail(&state, &user, layout, StatusCode::OK, i, None, FieldErrors::default(), vec![]).await,
        Err(e) => service_error_page(layout, &e),
    }
}

fn opt_text(s: &str) -> Option<String> {
    Some(s.to_string())
}

pub async fn investigate(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(mut f): Form<InvestigateForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "incidents", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id).map(IncidentId) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "No such incident.");
    };
    let p = &user.principal;
    let cur = match state.services.get_incident(p, id).await {
        Ok(i) => i,
        Err(e) => return service_error_page(layout, &e),
    };
    if checked(&f.reopen) {
        let patch = IncidentPatch {
            version: f.version.trim().parse().unwrap_or(-1),
            status: Some(IncidentStatus::UnderInvestigation),
            ..Default::default()
        };
        return match state.services.update_incident(p, id, patch, false).await {
            Ok(i) => {
                redirect_with(&format!("/incidents/{}", i.id.0), "ok", &format!("Incident {} reopened.", i.number))
            }
            Err(e) => service_error_page(layout, &e),
        };
    }
    let mut errors = FieldErrors::default();
    let reported_at = match f.mdr_reported_at.trim() {
        "" => None,
        s => {
            let t = parse_local(s);
            if t.is_none() {
                errors.push("mdr_reported_at", "give the date and time the report was sent");
            }
            t
        }
    };
    let reported_to = match f.mdr_reported_to.trim() {
        "" => None,
        s => MdrRecipient::parse(s).ok(),
    };
    let reportable = match f.mdr_reportable.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    if !errors.is_empty() {
        let l = layout.with_error("Please correct the marked fields.");
        return render_detail(&state, &user, l, StatusCode::UNPROCESSABLE_ENTITY, cur, Some(f), errors, vec![]).await;
    }
    let patch = IncidentPatch {
        version: f.version.trim().parse().unwrap_or(-1),
        sequestered: Some(f.is_sequestered()),
        sequestered_items: opt_text(&f.sequestered_items),
        findings: opt_text(&f.findings),
        mdr_reportable: reportable,
        mdr_rationale: opt_text(&f.mdr_rationale),
        mdr_reported_to: reported_to,
        mdr_report_number: opt_text(&f.mdr_report_number),
        mdr_reported_at: reported_at,
        ..Default::default()
    };
    match state.services.update_incident(p, id, patch, checked(&f.acknowledge_phi_warning)).await {
        Ok(i) => redirect_with(&format!("/incidents/{}", i.id.0), "ok", &format!("Incident {} saved.", i.number)),
        Err(ServiceError::PhiWarning(found)) => {
            f.acknowledge_phi_warning.clear();
            let l = layout.with_error("This looks like patient information. Check before saving.");
            render_detail(&state, &user, l, StatusCode::UNPROCESSABLE_ENTITY, cur, Some(f), errors, phi_lines(&found))
                .await
        }
        Err(ServiceError::Validation(fields)) => {
            let l = layout.with_error("Please correct the marked fields.");
            let e = FieldErrors::from_fields(&fields);
            render_detail(&state, &user, l, StatusCode::UNPROCESSABLE_ENTITY, cur, Some(f), e, vec![]).await
        }
        Err(e) => service_error_page(layout, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CloseForm {
    csrf: String,
    version: String,
}

pub async fn close(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<CloseForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "incidents", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id).map(IncidentId) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "No such incident.");
    };
    let p = &user.principal;
    let version = f.version.trim().parse().unwrap_or(-1);
    match state.services.close_incident(p, id, version, None, false).await {
        Ok(i) => redirect_with(&format!("/incidents/{}", i.id.0), "ok", &format!("Incident {} closed.", i.number)),
        Err(ServiceError::Validation(fields)) => match state.services.get_incident(p, id).await {
            Ok(cur) => {
                let l = layout.with_error("The incident cannot be closed yet.");
                let e = FieldErrors::from_fields(&fields);
                render_detail(&state, &user, l, StatusCode::UNPROCESSABLE_ENTITY, cur, None, e, vec![]).await
            }
            Err(e) => service_error_page(layout, &e),
        },
        Err(e) => service_error_page(layout, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LinkForm {
    csrf: String,
    /// A work-order number (`WO-YYYY-NNNNNN`).
    work_order: String,
}

pub async fn link(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<LinkForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "incidents", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "No such incident.");
    };
    let back = format!("/incidents/{id}");
    let p = &user.principal;
    let number = f.work_order.trim().to_uppercase();
    let filter = WorkOrderFilter { q: Some(number.clone()), ..Default::default() };
    let wo = match state.services.list_work_orders(p, filter, PageRequest::first(20)).await {
        Ok(pg) => pg.items.into_iter().find(|w| w.number == number),
        Err(e) => return service_error_page(layout, &e),
    };
    let Some(wo) = wo else {
        return redirect_with(&back, "error", &format!("No work order has the number '{number}'."));
    };
    match state.services.link_incident_work_order(p, IncidentId(id), WorkOrderId(wo.id.0)).await {
        Ok(_) => redirect_with(&back, "ok", &format!("Work order {} linked.", wo.number)),
        Err(e) => {
            let (_, _, m) = super::describe(&e);
            redirect_with(&back, "error", &m)
        }
    }
}
