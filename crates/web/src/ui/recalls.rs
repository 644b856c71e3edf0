//! Recalls and hazard alerts: the dashboard (open recalls by class, age, affected count,
//! progress) and the recall page with its candidate matches and the decisions on them
//! (confirm opens a recall-action work order; reject and "not affected" need a note), closing.

use super::view::{self, Opt};
use super::{Flash, Layout, csrf_refused, error_page, html, parse_id, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::page::PageRequest;
use htm_domain::recall::{MatchStatus, RecallClass, RecallId, RecallMatchId, RecallState};
use htm_service::Action;
use htm_service::recalls::RecallSummary;
use htm_store::RecallFilter;
use serde::Deserialize;

fn state_class(s: RecallState) -> &'static str {
    match s {
        RecallState::Open => "status-open",
        RecallState::ReadyToClose => "status-completed",
        RecallState::Closed => "status-closed",
    }
}

fn class_text(c: Option<RecallClass>) -> String {
    c.map_or_else(|| "Not classified".to_string(), |c| c.label().to_string())
}

pub struct Row {
    pub id: i64,
    pub number: String,
    pub class: String,
    pub firm: String,
    pub product: String,
    pub age_days: i64,
    pub affected: u32,
    pub done: u32,
    pub candidates: u32,
    pub not_affected: u32,
    pub state: String,
    pub state_class: &'static str,
}

fn row(r: &RecallSummary) -> Row {
    let rec = &r.recall.record;
    let product = rec.product_description.clone().or_else(|| rec.device_name.clone()).unwrap_or_default();
    Row {
        id: r.recall.id.0,
        number: rec.number.clone(),
        class: class_text(rec.recall_class),
        firm: rec.recalling_firm.clone().unwrap_or_else(|| "—".into()),
        product: product.chars().take(100).collect(),
        age_days: r.age_days,
        affected: r.progress.affected,
        done: r.progress.done,
        candidates: r.progress.candidates,
        not_affected: r.progress.not_affected,
        state: r.state.label().into(),
        state_class: state_class(r.state),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "recalls.html")]
struct ListPage {
    layout: Layout,
    csrf: String,
    rows: Vec<Row>,
    counts: Vec<(String, u64)>,
    classes: Vec<Opt>,
    statuses: Vec<Opt>,
    next: Option<String>,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    class: String,
    status: String,
    cursor: String,
}

pub async fn list(State(state): State<AppState>, user: WebUser, flash: Flash, Query(q): Query<ListQuery>) -> Response {
    let layout = Layout::new(Some(&user), "recalls", flash);
    let p = &user.principal;
    let status = if q.status.is_empty() { "open".to_string() } else { q.status.clone() };
    let f = RecallFilter {
        class: RecallClass::parse(&q.class).ok(),
        open: match status.as_str() {
            "open" => Some(true),
            "closed" => Some(false),
            _ => None,
        },
        source: None,
    };
    let page = PageRequest::parse(Some(50), Some(&q.cursor)).unwrap_or(PageRequest::first(50));
    let counts = match state.services.open_recall_counts(p).await {
        Ok(c) => c.into_iter().map(|(c, n)| (class_text(c), n)).collect(),
        Err(e) => return service_error_page(layout, &e),
    };
    match state.services.list_recalls(p, &f, page).await {
        Ok(pg) => {
            let mut classes = vec![Opt::new("", "Any class", &q.class)];
            classes.extend(RecallClass::ALL.iter().map(|c| Opt::new(c.as_str(), c.label(), &q.class)));
            let statuses = vec![
                Opt::new("open", "Open", &status),
                Opt::new("closed", "Closed", &status),
                Opt::new("all", "All", &status),
            ];
            let next = pg.next_cursor.map(|c| {
                format!("/recalls?class={}&status={}&cursor={}", view::q(&q.class), view::q(&status), view::q(&c))
            });
            let page = ListPage {
                layout: layout.clone(),
                csrf: user.csrf.clone(),
                rows: pg.items.iter().map(row).collect(),
                counts,
                classes,
                statuses,
                next,
                can_manage: p.can(Action::ManageRecalls),
            };
            html(StatusCode::OK, &layout, page)
        }
        Err(e) => service_error_page(layout, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

/// Re-runs matching for every open recall.
pub async fn run_match(State(state): State<AppState>, user: WebUser, Form(f): Form<CsrfForm>) -> Response {
    let layout = Layout::new(Some(&user), "recalls", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    match state.services.match_recalls(&user.principal).await {
        Ok(c) => redirect_with("/recalls", "ok", &format!("Matching done: {} candidate match(es) to decide.", c.len())),
        Err(e) => service_error_page(layout, &e),
    }
}

pub struct MatchRow {
    pub id: i64,
    pub asset_id: i64,
    pub asset_tag: String,
    pub confidence: u8,
    pub reasons: Vec<String>,
    pub status: String,
    pub undecided: bool,
    pub confirmed: bool,
    pub note: String,
    pub decided: String,
    pub work_order: Option<(i64, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "recall.html")]
struct DetailPage {
    layout: Layout,
    csrf: String,
    id: i64,
    number: String,
    source: String,
    class: String,
    device_class: String,
    fda_status: String,
    firm: String,
    product_codes: String,
    k_numbers: String,
    product: String,
    code_info: String,
    reason: String,
    action: String,
    initiated: String,
    posted: String,
    age_days: i64,
    state: String,
    state_class: &'static str,
    closed: bool,
    affected: u32,
    done: u32,
    candidates: u32,
    not_affected: u32,
    rejected: u32,
    matches: Vec<MatchRow>,
    can_manage: bool,
}

pub async fn detail(State(state): State<AppState>, user: WebUser, flash: Flash, Path(id): Path<String>) -> Response {
    let layout = Layout::new(Some(&user), "recalls", flash);
    let Some(id) = parse_id(&id).map(RecallId) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "No such recall.");
    };
    let p = &user.principal;
    let d = match state.services.get_recall(p, id).await {
        Ok(d) => d,
        Err(e) => return service_error_page(layout, &e),
    };
    let s = &d.summary;
    let rec = &s.recall.record;
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".into());
    let list = |v: &[String]| if v.is_empty() { "—".to_string() } else { v.join(", ") };
    let matches = d
        .matches
        .iter()
        .map(|m| MatchRow {
            id: m.id.0,
            asset_id: m.asset_id,
            asset_tag: m.asset_tag.clone(),
            confidence: m.confidence,
            reasons: m.reasons.clone(),
            status: m.status.label().into(),
            undecided: m.status == MatchStatus::Candidate,
            confirmed: m.status == MatchStatus::Confirmed,
            note: m.note.clone().unwrap_or_default(),
            decided: match (&m.decided_by, m.decided_at) {
                (Some(by), Some(at)) => format!("{by}, {}", view::ts(at)),
                _ => String::new(),
            },
            work_order: m.work_order_id.map(|w| {
                (w, m.work_order_number.clone().unwrap_or_default(), m.work_order_status.clone().unwrap_or_default())
            }),
        })
        .collect();
    let page = DetailPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        id: s.recall.id.0,
        number: rec.number.clone(),
        source: s.recall.source.label().into(),
        class: class_text(rec.recall_class),
        device_class: opt(&rec.device_class),
        fda_status: opt(&rec.fda_status),
        firm: opt(&rec.recalling_firm),
        product_codes: list(&rec.product_codes),
        k_numbers: list(&rec.k_numbers),
        product: opt(&rec.product_description.clone().or_else(|| rec.device_name.clone())),
        code_info: opt(&rec.code_info),
        reason: opt(&rec.reason),
        action: opt(&rec.action),
        initiated: view::date_opt(rec.initiated_on),
        posted: view::date_opt(rec.posted_on),
        age_days: s.age_days,
        state: s.state.label().into(),
        state_class: state_class(s.state),
        closed: s.recall.closed_at.is_some(),
        affected: s.progress.affected,
        done: s.progress.done,
        candidates: s.progress.candidates,
        not_affected: s.progress.not_affected,
        rejected: s.progress.rejected,
        matches,
        can_manage: p.can(Action::ManageRecalls),
    };
    html(StatusCode::OK, &layout, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    /// `confirm`, `reject` or `not_affected`.
    decision: String,
    note: String,
    /// The recall page to return to.
    recall_id: String,
}

/// A decision on a match, from the recall page.
pub async fn decide(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "recalls", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id).map(RecallMatchId) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "No such match.");
    };
    let back = format!("/recalls/{}", parse_id(&f.recall_id).unwrap_or(0));
    let p = &user.principal;
    let r = match f.decision.as_str() {
        "confirm" => state.services.confirm_match(p, id).await,
        "reject" => state.services.reject_match(p, id, &f.note).await,
        "not_affected" => state.services.mark_not_affected(p, id, &f.note).await,
        _ => return error_page(layout, StatusCode::BAD_REQUEST, "Bad request", "Unknown decision."),
    };
    match r {
        Ok(m) => {
            let text = match (m.status, &m.work_order_number) {
                (MatchStatus::Confirmed, Some(wo)) => {
                    format!("{} confirmed affected; work order {wo} opened.", m.asset_tag)
                }
                (s, _) => format!("{}: {}.", m.asset_tag, s.label()),
            };
            redirect_with(&format!("/recalls/{}", m.recall_id.0), "ok", &text)
        }
        Err(htm_service::ServiceError::Validation(fields)) => {
            let text = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
            redirect_with(&back, "error", &text)
        }
        Err(e) => service_error_page(layout, &e),
    }
}

/// Closes a recall (refused, with the reason, while work is open).
pub async fn close(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "recalls", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id).map(RecallId) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "No such recall.");
    };
    let back = format!("/recalls/{}", id.0);
    match state.services.close_recall(&user.principal, id).await {
        Ok(r) => redirect_with(&back, "ok", &format!("Recall {} closed.", r.record.number)),
        Err(htm_service::ServiceError::Validation(fields)) => {
            let text = fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; ");
            redirect_with(&back, "error", &text)
        }
        Err(e) => service_error_page(layout, &e),
    }
}
