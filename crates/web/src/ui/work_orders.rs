//! Work orders: the list, the "new work order" form, and the work-order page with its workflow
//! buttons, completion form, findings, labour and parts.

use super::view::{self, FieldErrors, HistoryItem, Opt};
use super::{
    Flash, Layout, csrf_refused, error_page, html, parse_id, redirect_with, service_error_page, wants_fragment,
};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use htm_domain::FieldError;
use htm_domain::ids::{AssetId, UserId, WorkOrderId};
use htm_domain::page::PageRequest;
use htm_domain::user::{Role, User};
use htm_domain::work_order::{
    HoldReason, NewLabourEntry, NewPartUsed, NewWorkOrder, Priority, TransitionRequest, WorkOrder, WorkOrderPatch,
    WorkOrderStatus, WorkOrderType, WorkResult,
};
use htm_service::{Action, Principal, ServiceError};
use htm_store::WorkOrderFilter;
use jiff::Timestamp;
use serde::Deserialize;

const PAGE_SIZE: u32 = 50;

/// One work order in a list.
pub struct WoRow {
    pub id: i64,
    pub number: String,
    pub wo_type: String,
    pub priority: String,
    pub priority_code: &'static str,
    pub status: String,
    pub status_code: &'static str,
    pub asset_tag: Option<String>,
    pub problem: String,
    pub assignee: String,
    pub opened: String,
    pub opened_iso: String,
    pub age: String,
}

pub fn wo_rows(items: &[WorkOrder]) -> Vec<WoRow> {
    let now = Timestamp::now();
    items
        .iter()
        .map(|w| {
            let mut problem: String = w.problem.chars().take(140).collect();
            if w.problem.chars().count() > 140 {
                problem.push('…');
            }
            WoRow {
                id: w.id.0,
                number: w.number.clone(),
                wo_type: w.wo_type.label().to_string(),
                priority: w.priority.label().to_string(),
                priority_code: w.priority.as_str(),
                status: w.status.label().to_string(),
                status_code: w.status.as_str(),
                asset_tag: w.asset_tag.clone(),
                problem,
                assignee: w.assigned_to_name.clone().or_else(|| w.vendor_name.clone()).unwrap_or_else(view::dash),
                opened: view::ts(w.opened_at),
                opened_iso: view::iso(w.opened_at),
                age: view::age_days(w.opened_at, now),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    #[serde(rename = "type")]
    wo_type: String,
    mine: String,
    q: String,
    cursor: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "work_orders_partial.html")]
struct WoResults {
    rows: Vec<WoRow>,
    next_href: Option<String>,
    first_href: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "work_orders.html")]
struct WoListPage {
    layout: Layout,
    q: String,
    statuses: Vec<Opt>,
    types: Vec<Opt>,
    mine: bool,
    show_mine: bool,
    can_create: bool,
    // What the included `work_orders_partial.html` prints.
    rows: Vec<WoRow>,
    next_href: Option<String>,
    first_href: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
    headers: HeaderMap,
    Query(lq): Query<ListQuery>,
) -> Response {
    let layout = Layout::new(Some(&user), "work_orders", flash);
    let p = &user.principal;
    // Empty = all open work; `any` = every status; else one status.
    let status_sel = match lq.status.trim() {
        "" | "open_work" => "",
        "any" => "any",
        s => WorkOrderStatus::parse(s).map(|s| s.as_str()).unwrap_or(""),
    };
    let wo_type = WorkOrderType::parse(&lq.wo_type).ok().filter(|_| !lq.wo_type.trim().is_empty());
    let show_mine = p.user.role.does_work();
    let mine = show_mine && !lq.mine.is_empty();
    let q = lq.q.trim().to_string();
    let filter = WorkOrderFilter {
        status: WorkOrderStatus::parse(status_sel).ok().filter(|_| !matches!(status_sel, "" | "any")),
        open_only: status_sel.is_empty(),
        wo_type,
        assigned_to: mine.then_some(p.user.id),
        q: (!q.is_empty()).then(|| q.clone()),
        ..Default::default()
    };
    let page =
        PageRequest::parse(Some(i64::from(PAGE_SIZE)), Some(&lq.cursor)).unwrap_or(PageRequest::first(PAGE_SIZE));
    let found = match state.services.list_work_orders(p, filter, page).await {
        Ok(f) => f,
        Err(e) => return service_error_page(layout, &e),
    };
    let base = format!(
        "/work-orders?status={}&type={}&mine={}&q={}",
        status_sel,
        wo_type.map(|t| t.as_str()).unwrap_or(""),
        if mine { "1" } else { "" },
        view::q(&q)
    );
    let rows = wo_rows(&found.items);
    let next_href = found.next_cursor.as_ref().map(|c| format!("{base}&cursor={}", view::q(c)));
    let first_href = page.after.is_some().then(|| base.clone());
    if wants_fragment(&headers) {
        return html(StatusCode::OK, &Layout { flash: None, ..layout }, WoResults { rows, next_href, first_href });
    }

    let mut statuses = vec![Opt::new("", "All open work", status_sel), Opt::new("any", "Any status", status_sel)];
    statuses.extend(WorkOrderStatus::ALL.iter().map(|s| Opt::new(s.as_str(), s.label(), status_sel)));
    let type_sel = wo_type.map(|t| t.as_str()).unwrap_or("");
    let mut types = vec![Opt::new("", "Any type", type_sel)];
    types.extend(WorkOrderType::ALL.iter().map(|t| Opt::new(t.as_str(), t.label(), type_sel)));
    let page = WoListPage {
        layout: layout.clone(),
        q,
        statuses,
        types,
        mine,
        show_mine,
        can_create: p.can(Action::CreateWorkOrder) || p.can(Action::ReportProblem),
        rows,
        next_href,
        first_href,
    };
    html(StatusCode::OK, &layout, page)
}

// ---------------------------------------------------------------------------------------------
// People who can be given work

/// Active people who do maintenance work, technicians first. Without the right to read user
/// accounts, only the signed-in user (when they do work).
async fn workers(state: &AppState, p: &Principal) -> Vec<User> {
    let mut list = if p.can(Action::ReadUsers) {
        match state.services.list_users(p, PageRequest::first(1000)).await {
            Ok(page) => page.items.into_iter().filter(|u| u.active && u.role.does_work()).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "could not list the people who can be assigned work");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    if list.is_empty() && p.user.role.does_work() {
        list.push(p.user.clone());
    }
    let rank = |r: Role| match r {
        Role::Technician => 0,
        Role::Engineer => 1,
        Role::Manager => 2,
        _ => 3,
    };
    list.sort_by(|a, b| {
        rank(a.role).cmp(&rank(b.role)).then_with(|| a.display_name.to_lowercase().cmp(&b.display_name.to_lowercase()))
    });
    list
}

fn worker_opts(workers: &[User], selected: &str) -> Vec<Opt> {
    workers
        .iter()
        .map(|u| Opt::new(u.id.0.to_string(), format!("{} — {}", u.display_name, u.role.label()), selected))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// New work order

pub struct AssetBrief {
    pub id: i64,
    pub tag: String,
    pub title: String,
    pub place: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "work_order_new.html")]
struct NewWoPage {
    layout: Layout,
    csrf: String,
    asset: Option<AssetBrief>,
    asset_tag: String,
    types: Vec<Opt>,
    priorities: Vec<Opt>,
    assignees: Option<Vec<Opt>>,
    problem: String,
    requester_contact: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    asset_id: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CreateForm {
    csrf: String,
    wo_type: String,
    priority: String,
    problem: String,
    requester_contact: String,
    assigned_to: String,
    asset_id: String,
    asset_tag: String,
    /// "yes" once the person confirmed that the text holds no patient information.
    phi_checked: String,
}

fn may_open(p: &Principal) -> bool {
    p.can(Action::CreateWorkOrder) || p.can(Action::ReportProblem)
}

/// The types this person may open: requesters only report problems.
fn allowed_types(p: &Principal) -> Vec<WorkOrderType> {
    if p.can(Action::CreateWorkOrder) {
        WorkOrderType::ALL.to_vec()
    } else {
        vec![WorkOrderType::Repair, WorkOrderType::UserSupport]
    }
}

async fn render_new(
    state: &AppState,
    user: &WebUser,
    layout: Layout,
    status: StatusCode,
    f: &CreateForm,
    errors: FieldErrors,
) -> Response {
    let p = &user.principal;
    let asset = match parse_id(f.asset_id.trim()) {
        Some(id) => match state.services.get_asset(p, AssetId(id)).await {
            Ok(a) => Some(AssetBrief {
                id,
                tag: a.asset_tag.clone(),
                title: format!("{} {} ({})", a.model.manufacturer, a.model.name, a.model.model_number),
                place: match &a.location {
                    Some(l) => format!("{}, {}", a.department.name, l.name),
                    None => a.department.name.clone(),
                },
            }),
            Err(_) => None,
        },
        None => None,
    };
    let type_sel = if f.wo_type.is_empty() { "repair" } else { f.wo_type.as_str() };
    let prio_sel = if f.priority.is_empty() { "normal" } else { f.priority.as_str() };
    let assignees = if p.can(Action::CreateWorkOrder) {
        let mut o = vec![Opt::new("", "Not yet assigned", &f.assigned_to)];
        o.extend(worker_opts(&workers(state, p).await, &f.assigned_to));
        Some(o)
    } else {
        None
    };
    let page = NewWoPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        asset,
        asset_tag: f.asset_tag.clone(),
        types: allowed_types(p).iter().map(|t| Opt::new(t.as_str(), t.label(), type_sel)).collect(),
        priorities: Priority::ALL.iter().map(|t| Opt::new(t.as_str(), t.label(), prio_sel)).collect(),
        assignees,
        problem: f.problem.clone(),
        requester_contact: f.requester_contact.clone(),
        errors,
    };
    html(status, &layout, page)
}

pub async fn new_form(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
    Query(nq): Query<NewQuery>,
) -> Response {
    let layout = Layout::new(Some(&user), "work_orders", flash);
    if !may_open(&user.principal) {
        return error_page(layout, StatusCode::FORBIDDEN, "Not allowed", "Your role may not open work orders.");
    }
    let f = CreateForm { asset_id: nq.asset_id, ..Default::default() };
    let mut errors = FieldErrors::default();
    if !f.asset_id.trim().is_empty() {
        let ok = match parse_id(f.asset_id.trim()) {
            Some(id) => state.services.get_asset(&user.principal, AssetId(id)).await.is_ok(),
            None => false,
        };
        if !ok {
            errors.push("asset_tag", "the asset in the link was not found; type the asset tag instead");
        }
    }
    render_new(&state, &user, layout, StatusCode::OK, &f, errors).await
}

pub async fn create(State(state): State<AppState>, user: WebUser, Form(f): Form<CreateForm>) -> Response {
    let layout = Layout::new(Some(&user), "work_orders", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let p = &user.principal;
    if !may_open(p) {
        return error_page(layout, StatusCode::FORBIDDEN, "Not allowed", "Your role may not open work orders.");
    }
    let mut errors = FieldErrors::default();
    let wo_type = match WorkOrderType::parse(&f.wo_type) {
        Ok(t) if allowed_types(p).contains(&t) => Some(t),
        Ok(_) => {
            errors.push("wo_type", "your role may report repairs and user-support requests only");
            None
        }
        Err(_) => {
            errors.push("wo_type", "choose the type of work");
            None
        }
    };
    let priority = match f.priority.trim() {
        "" => Priority::Normal,
        s => Priority::parse(s).unwrap_or_else(|_| {
            errors.push("priority", "choose a priority");
            Priority::Normal
        }),
    };
    let assigned_to = match f.assigned_to.trim() {
        "" => None,
        s => match parse_id(s) {
            Some(id) => Some(UserId(id)),
            None => {
                errors.push("assigned_to", "choose a person from the list");
                None
            }
        },
    };
    let mut f = f;
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
    let Some(wo_type) = wo_type else {
        return render_new(
            &state,
            &user,
            layout.with_error("Please correct the marked fields."),
            StatusCode::UNPROCESSABLE_ENTITY,
            &f,
            errors,
        )
        .await;
    };
    // OpenHTM stores no patient data: warn before saving text that looks like it holds some.
    let hints = htm_domain::phi::scan(&f.problem);
    if !hints.is_empty() && f.phi_checked != "yes" {
        let found: Vec<String> = hints.iter().map(|h| format!("{} (\"{}\")", h.kind, h.excerpt)).collect();
        errors.push(
            "phi_checked",
            &format!(
                "The problem text looks like it holds patient information: {}. Describe the equipment, not the patient — remove it, or confirm that it holds none.",
                found.join(", ")
            ),
        );
    }
    if !errors.is_empty() {
        return render_new(
            &state,
            &user,
            layout.with_error("Please correct the marked fields."),
            StatusCode::UNPROCESSABLE_ENTITY,
            &f,
            errors,
        )
        .await;
    }
    let new = NewWorkOrder {
        wo_type,
        priority,
        asset_id,
        problem: f.problem.clone(),
        requester_contact: Some(f.requester_contact.clone()),
        assigned_to,
        vendor_id: None,
        due_date: None,
    };
    match state.services.create_work_order(p, new).await {
        Ok(wo) => {
            redirect_with(&format!("/work-orders/{}", wo.id.0), "ok", &format!("Work order {} opened.", wo.number))
        }
        Err(ServiceError::Validation(fields)) => {
            let mut errors = FieldErrors::from_fields(&fields);
            if asset_id.is_none() && fields.iter().any(|e| e.field == "asset_id") {
                errors.push("asset_tag", "type the tag on the equipment label");
            }
            render_new(
                &state,
                &user,
                layout.with_error("Please correct the marked fields."),
                StatusCode::UNPROCESSABLE_ENTITY,
                &f,
                errors,
            )
            .await
        }
        Err(e) => {
            let (status, _, message) = super::describe(&e);
            if matches!(e, ServiceError::Internal(_)) {
                return service_error_page(layout, &e);
            }
            render_new(&state, &user, layout.with_error(message), status, &f, FieldErrors::default()).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The work-order page

pub struct Detail {
    pub label: &'static str,
    pub value: String,
}

pub struct TimelineItem {
    pub label: &'static str,
    pub when: String,
    pub iso: String,
}

pub struct LabourRow {
    pub date: String,
    pub who: String,
    pub time: String,
    pub note: String,
}

pub struct PartRow {
    pub number: String,
    pub description: String,
    pub quantity: i32,
    pub unit_cost: String,
    pub total: String,
}

/// One workflow button, with what that move needs.
pub struct ActionView {
    pub to: &'static str,
    pub label: String,
    /// CSS class: `primary`, `secondary` or `danger`.
    pub style: &'static str,
    /// `hold`, `cancel`, `assign`, `sign` (asks for the signer's password) or empty.
    pub extra: &'static str,
    pub extra_label: String,
    pub options: Vec<Opt>,
}

/// What the person typed into one of the page's forms, shown again after an error.
#[derive(Default, Clone)]
pub struct Entered {
    /// `complete`, `findings`, `labour`, `parts`, `transition` or empty.
    section: &'static str,
    cause_code: Option<String>,
    work_performed: Option<String>,
    result: Option<String>,
    minutes: String,
    note: String,
    work_date: String,
    technician: String,
    part_number: String,
    description: String,
    quantity: String,
    unit_cost: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "work_order.html")]
struct WoPage {
    layout: Layout,
    csrf: String,
    id: i64,
    version: i64,
    number: String,
    status: String,
    status_code: &'static str,
    wo_type: String,
    /// A PM: completing it offers the PM outcome (done, unable to locate, in use).
    is_pm: bool,
    priority: String,
    priority_code: &'static str,
    asset_id: Option<i64>,
    asset_tag: String,
    details: Vec<Detail>,
    problem: String,
    hold_reason: Option<String>,
    /// Set when this repair is a repeat repair (same asset and cause within 30 days; see
    /// `htm_domain::repair_analytics`).
    repeat_repair: Option<htm_domain::repair_analytics::RepeatRepair>,
    /// Electronic signatures as printed: manifestation and content fingerprint.
    signatures: Vec<(String, String)>,
    /// Why the work was flagged (technician lacking a procedure's required qualification).
    qualification_flag: Option<String>,
    work_performed: Option<String>,
    timeline: Vec<TimelineItem>,
    labour: Vec<LabourRow>,
    labour_total: String,
    parts: Vec<PartRow>,
    parts_total: Option<String>,
    actions: Vec<ActionView>,
    show_complete: bool,
    show_findings: bool,
    can_edit: bool,
    sealed: bool,
    cause_opts: Vec<Opt>,
    result_opts: Vec<Opt>,
    work_performed_value: String,
    labour_workers: Option<Vec<Opt>>,
    entered: Entered,
    today: String,
    errors: FieldErrors,
    history: Option<Vec<HistoryItem>>,
    /// The Documents section (None when the reader may not see documents).
    documents: Option<super::documents::DocumentsView>,
}

pub async fn detail(State(state): State<AppState>, user: WebUser, flash: Flash, Path(id): Path<String>) -> Response {
    let layout = Layout::new(Some(&user), "work_orders", flash);
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no work order with this number.");
    };
    render_detail(&state, &user, layout, id, None, Entered::default()).await
}

const STALE: &str = "This work order was changed by someone else; the page now shows the latest version.";

/// Shows the work order, with an error from a form (its message at the top, field messages
/// next to the fields, and what was typed kept) when there is one.
async fn render_detail(
    state: &AppState,
    user: &WebUser,
    layout: Layout,
    id: i64,
    err: Option<ServiceError>,
    entered: Entered,
) -> Response {
    let p = &user.principal;
    let wo = match state.services.get_work_order(p, WorkOrderId(id)).await {
        Ok(w) => w,
        Err(e) => return service_error_page(layout, &e),
    };
    let (status, layout, errors) = match &err {
        None => (StatusCode::OK, layout, FieldErrors::default()),
        Some(e @ ServiceError::Internal(_)) => return service_error_page(layout, e),
        Some(ServiceError::Validation(fields)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout.with_error("Please correct the marked fields; nothing was changed."),
            FieldErrors::from_fields(fields),
        ),
        Some(ServiceError::Stale(_)) => (StatusCode::CONFLICT, layout.with_error(STALE), FieldErrors::default()),
        Some(e) => {
            let (status, _, message) = super::describe(e);
            (status, layout.with_error(message), FieldErrors::default())
        }
    };
    let history = match state.services.history(p, "work_order", &id.to_string(), 200).await {
        Ok(events) => Some(view::history_items(&events)),
        Err(_) => None,
    };
    // Only people who can move or edit the work order choose someone from this list.
    let people = if p.can(Action::TransitionWorkOrder) || p.can(Action::EditWorkOrder) {
        workers(state, p).await
    } else {
        Vec::new()
    };
    let causes = state.services.cause_codes().await.unwrap_or_default();
    let repeat_repair = if wo.wo_type == htm_domain::work_order::WorkOrderType::Repair {
        state.services.repeat_repair_of(p, wo.id).await.unwrap_or(None)
    } else {
        None
    };

    let signatures = state
        .services
        .work_order_signatures(p, wo.id)
        .await
        .unwrap_or_default()
        .iter()
        .map(|s| (s.manifestation(), s.fingerprint().to_string()))
        .collect();

    let sealed = matches!(wo.status, WorkOrderStatus::Closed | WorkOrderStatus::Cancelled);
    let can_transition = p.can(Action::TransitionWorkOrder);
    let can_edit = p.can(Action::EditWorkOrder) && !sealed;
    let show_complete = can_transition && wo.status.next().contains(&WorkOrderStatus::Completed);
    let show_findings = can_edit && !show_complete && wo.status != WorkOrderStatus::Open;

    let actions = if can_transition { actions_for(p, &wo, &people) } else { Vec::new() };

    let from_form = matches!(entered.section, "complete" | "findings");
    let cause_sel = if from_form {
        entered.cause_code.clone().unwrap_or_default()
    } else {
        wo.cause_code.clone().unwrap_or_default()
    };
    let mut cause_opts = vec![Opt::new("", "Choose a cause code", &cause_sel)];
    cause_opts
        .extend(causes.iter().map(|(code, label)| Opt::new(code.clone(), format!("{code} — {label}"), &cause_sel)));
    let result_sel = if from_form {
        entered.result.clone().unwrap_or_default()
    } else {
        wo.result.map(|r| r.as_str().to_string()).unwrap_or_default()
    };
    let mut result_opts = vec![Opt::new("", "Choose a result", &result_sel)];
    result_opts.extend(WorkResult::ALL.iter().map(|r| Opt::new(r.as_str(), r.label(), &result_sel)));
    let work_performed_value = if from_form {
        entered.work_performed.clone().unwrap_or_default()
    } else {
        wo.work_performed.clone().unwrap_or_default()
    };

    let labour_workers = (can_edit && !p.user.role.does_work()).then(|| {
        let sel = if entered.technician.is_empty() {
            wo.assigned_to.map(|u| u.0.to_string()).unwrap_or_default()
        } else {
            entered.technician.clone()
        };
        worker_opts(&people, &sel)
    });

    let now = Timestamp::now();
    let downtime = match (wo.downtime_start, wo.downtime_end) {
        (Some(s), Some(e)) => {
            format!("{} to {} ({})", view::ts(s), view::ts(e), view::minutes(e.duration_since(s).as_mins()))
        }
        (Some(s), None) => {
            format!("since {} (ongoing, {})", view::ts(s), view::minutes(now.duration_since(s).as_mins()))
        }
        _ => view::dash(),
    };
    let details = vec![
        Detail { label: "Requested by", value: view::or_dash(wo.requester_name.as_deref()) },
        Detail { label: "Contact", value: view::or_dash(wo.requester_contact.as_deref()) },
        Detail { label: "Assigned to", value: view::or_dash(wo.assigned_to_name.as_deref()) },
        Detail { label: "Vendor", value: view::or_dash(wo.vendor_name.as_deref()) },
        Detail {
            label: "Cause code",
            value: match &wo.cause_code {
                Some(c) => match causes.iter().find(|(code, _)| code == c) {
                    Some((code, label)) => format!("{code} — {label}"),
                    None => c.clone(),
                },
                None => view::dash(),
            },
        },
        Detail { label: "Result", value: wo.result.map(|r| r.label().to_string()).unwrap_or_else(view::dash) },
        Detail { label: "Downtime", value: downtime },
    ];
    let mut timeline =
        vec![TimelineItem { label: "Opened", when: view::ts(wo.opened_at), iso: view::iso(wo.opened_at) }];
    for (label, t) in [
        ("Assigned", wo.assigned_at),
        ("Started", wo.started_at),
        ("Completed", wo.completed_at),
        ("Closed", wo.closed_at),
    ] {
        if let Some(t) = t {
            timeline.push(TimelineItem { label, when: view::ts(t), iso: view::iso(t) });
        }
    }
    if let Some(d) = wo.due_date {
        timeline.push(TimelineItem { label: "Due", when: d.to_string(), iso: d.to_string() });
    }
    let labour = wo
        .labour
        .iter()
        .map(|l| LabourRow {
            date: l.work_date.to_string(),
            who: l.technician.clone(),
            time: view::minutes(i64::from(l.minutes)),
            note: view::or_dash(l.note.as_deref()),
        })
        .collect();
    let labour_total = view::minutes(wo.labour.iter().map(|l| i64::from(l.minutes)).sum());
    // Work orders carry no currency of their own: amounts are shown as entered.
    let currency = "";
    let parts: Vec<PartRow> = wo
        .parts
        .iter()
        .map(|pt| PartRow {
            number: pt.part_number.clone(),
            description: view::or_dash(pt.description.as_deref()),
            quantity: pt.quantity,
            unit_cost: pt.unit_cost_minor.map(|c| view::money(c, currency)).unwrap_or_else(view::dash),
            total: pt
                .unit_cost_minor
                .map(|c| view::money(c * i64::from(pt.quantity), currency))
                .unwrap_or_else(view::dash),
        })
        .collect();
    let costed: Vec<i64> =
        wo.parts.iter().filter_map(|pt| pt.unit_cost_minor.map(|c| c * i64::from(pt.quantity))).collect();
    let parts_total = (!costed.is_empty()).then(|| view::money(costed.iter().sum(), currency));

    let page = WoPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        id,
        version: wo.version,
        number: wo.number.clone(),
        status: wo.status.label().to_string(),
        status_code: wo.status.as_str(),
        wo_type: wo.wo_type.label().to_string(),
        is_pm: wo.wo_type == htm_domain::work_order::WorkOrderType::Pm,
        priority: wo.priority.label().to_string(),
        priority_code: wo.priority.as_str(),
        asset_id: wo.asset_id.map(|a| a.0),
        asset_tag: wo.asset_tag.clone().unwrap_or_default(),
        details,
        problem: wo.problem.clone(),
        hold_reason: wo.hold_reason.map(|h| h.label().to_string()),
        repeat_repair,
        signatures,
        qualification_flag: wo.qualification_flag.clone(),
        work_performed: wo.work_performed.clone(),
        timeline,
        labour,
        labour_total,
        parts,
        parts_total,
        actions,
        show_complete,
        show_findings,
        can_edit,
        sealed,
        cause_opts,
        result_opts,
        work_performed_value,
        labour_workers,
        entered,
        today: view::today().to_string(),
        errors,
        history,
        documents: super::documents::section(
            state,
            user,
            htm_domain::document::DocumentEntity::WorkOrder(WorkOrderId(id)),
            None,
            &format!("/work-orders/{id}"),
        )
        .await,
    };
    html(status, &layout, page)
}

/// The workflow moves this person may make from the work order's status, in words.
fn actions_for(p: &Principal, wo: &WorkOrder, people: &[User]) -> Vec<ActionView> {
    use WorkOrderStatus::*;
    let me = p.user.id.0.to_string();
    let default_assignee = match wo.assigned_to {
        Some(u) => u.0.to_string(),
        None if p.user.role.does_work() => me.clone(),
        None => people.first().map(|u| u.id.0.to_string()).unwrap_or_default(),
    };
    let mut out = Vec::new();
    for &to in wo.status.next() {
        let mut a = ActionView {
            to: to.as_str(),
            label: String::new(),
            style: "secondary",
            extra: "",
            extra_label: String::new(),
            options: Vec::new(),
        };
        match to {
            Completed => continue, // its own form
            Closed => {
                if !p.can(Action::CloseWorkOrder) {
                    continue;
                }
                a.label = "Close (review done)".into();
                a.style = "primary";
                a.extra = "sign";
                a.extra_label = "Password (your electronic signature: approval)".into();
            }
            InProgress => {
                a.label = match wo.status {
                    OnHold => "Resume work",
                    Completed => "Reopen",
                    _ => "Start work",
                }
                .into();
                a.style = if wo.status == Completed { "secondary" } else { "primary" };
                if wo.assigned_to.is_none() && !p.user.role.does_work() {
                    a.extra = "assign";
                    a.extra_label = "Who does the work".into();
                    a.options = worker_opts(people, &default_assignee);
                }
            }
            Assigned => {
                a.label = if wo.status == Open { "Assign" } else { "Hand over (back to assigned)" }.into();
                a.extra = "assign";
                a.extra_label = if wo.status == Open { "Assign to" } else { "Hand over to" }.into();
                a.options = worker_opts(people, &default_assignee);
            }
            OnHold => {
                a.label = "Put on hold".into();
                a.extra = "hold";
                a.extra_label = "Waiting for".into();
                a.options = HoldReason::ALL.iter().map(|h| Opt::new(h.as_str(), h.label(), "")).collect();
            }
            Cancelled => {
                a.label = "Cancel work order".into();
                a.style = "danger";
                a.extra = "cancel";
                a.extra_label = "Reason for cancelling".into();
            }
            Open => a.label = "Unassign (back to open)".into(),
        }
        if a.extra == "assign" && a.options.is_empty() {
            // Nobody can be chosen: the service would refuse, so do not offer the move.
            continue;
        }
        out.push(a);
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransitionForm {
    csrf: String,
    version: String,
    to: String,
    hold_reason: String,
    assigned_to: String,
    reason: String,
    cause_code: String,
    work_performed: String,
    result: String,
    pm_outcome: String,
    /// The signer's password, for completing or closing (an electronic signature).
    password: String,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn parse_optional<T>(
    s: &str,
    field: &str,
    parse: impl Fn(&str) -> Option<T>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let v = parse(t);
    if v.is_none() {
        errors.push(FieldError::new(field, "choose a value from the list"));
    }
    v
}

pub async fn transition(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<TransitionForm>,
) -> Response {
    let (layout, id) = match work_order_post(&user, &f.csrf, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let completing = f.to == WorkOrderStatus::Completed.as_str();
    let entered = Entered {
        section: if completing { "complete" } else { "transition" },
        cause_code: non_empty(&f.cause_code),
        work_performed: Some(f.work_performed.clone()),
        result: non_empty(&f.result),
        ..Default::default()
    };
    let mut errors = Vec::new();
    let req = TransitionRequest {
        to: f.to.trim().to_string(),
        hold_reason: parse_optional(&f.hold_reason, "hold_reason", |s| HoldReason::parse(s).ok(), &mut errors),
        assigned_to: parse_optional(&f.assigned_to, "assigned_to", |s| parse_id(s).map(UserId), &mut errors),
        cause_code: non_empty(&f.cause_code),
        work_performed: non_empty(&f.work_performed),
        result: parse_optional(&f.result, "result", |s| WorkResult::parse(s).ok(), &mut errors),
        pm_outcome: parse_optional(
            &f.pm_outcome,
            "pm_outcome",
            |s| htm_domain::pm::PmOutcome::parse(s).ok(),
            &mut errors,
        ),
        version: f.version.trim().parse().ok(),
        reason: non_empty(&f.reason),
        password: Some(f.password.clone()).filter(|s| !s.is_empty()),
    };
    if !errors.is_empty() {
        return render_detail(&state, &user, layout, id, Some(ServiceError::Validation(errors)), entered).await;
    }
    match state.services.transition_work_order(&user.principal, WorkOrderId(id), req).await {
        Ok(wo) => {
            redirect_with(&format!("/work-orders/{id}"), "ok", &format!("{} is now {}.", wo.number, wo.status.label()))
        }
        Err(e) => render_detail(&state, &user, layout, id, Some(e), entered).await,
    }
}

/// The start of every form POST on a work order: the page frame, a checked CSRF token and the
/// work order's id — or the response that refuses the request.
#[allow(clippy::result_large_err)] // the refusal is a ready response, returned at once
pub(super) fn work_order_post(user: &WebUser, csrf: &str, id: &str) -> Result<(Layout, i64), Response> {
    let layout = Layout::new(Some(user), "work_orders", Flash(None));
    if user.check_csrf(csrf).is_err() {
        return Err(csrf_refused(layout));
    }
    match parse_id(id) {
        Some(id) => Ok((layout, id)),
        None => Err(error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no work order with this number.")),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LabourForm {
    csrf: String,
    version: String,
    minutes: String,
    note: String,
    work_date: String,
    technician: String,
}

pub async fn add_labour(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<LabourForm>,
) -> Response {
    let (layout, id) = match work_order_post(&user, &f.csrf, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let entered = Entered {
        section: "labour",
        minutes: f.minutes.clone(),
        note: f.note.clone(),
        work_date: f.work_date.clone(),
        technician: f.technician.clone(),
        ..Default::default()
    };
    let mut errors = Vec::new();
    let minutes = match f.minutes.trim().parse::<i32>() {
        Ok(m) => m,
        Err(_) => {
            errors.push(FieldError::new("minutes", "enter the time worked as a whole number of minutes"));
            0
        }
    };
    let work_date = match f.work_date.trim() {
        "" => None,
        s => match s.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new("work_date", "enter a date like 2026-03-02"));
                None
            }
        },
    };
    let technician_id = parse_optional(&f.technician, "technician_id", |s| parse_id(s).map(UserId), &mut errors);
    if !errors.is_empty() {
        return render_detail(&state, &user, layout, id, Some(ServiceError::Validation(errors)), entered).await;
    }
    let patch = WorkOrderPatch {
        version: f.version.trim().parse().unwrap_or(-1),
        add_labour: vec![NewLabourEntry { technician_id, work_date, minutes, note: non_empty(&f.note) }],
        ..Default::default()
    };
    match state.services.update_work_order(&user.principal, WorkOrderId(id), patch).await {
        Ok(_) => redirect_with(
            &format!("/work-orders/{id}#labour"),
            "ok",
            &format!("Labour of {} recorded.", view::minutes(i64::from(minutes))),
        ),
        Err(e) => render_detail(&state, &user, layout, id, Some(e), entered).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PartForm {
    csrf: String,
    version: String,
    part_number: String,
    description: String,
    quantity: String,
    unit_cost: String,
}

pub async fn add_part(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<PartForm>,
) -> Response {
    let (layout, id) = match work_order_post(&user, &f.csrf, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let entered = Entered {
        section: "parts",
        part_number: f.part_number.clone(),
        description: f.description.clone(),
        quantity: f.quantity.clone(),
        unit_cost: f.unit_cost.clone(),
        ..Default::default()
    };
    let mut errors = Vec::new();
    let quantity = match f.quantity.trim() {
        "" => 1,
        s => s.parse::<i32>().unwrap_or_else(|_| {
            errors.push(FieldError::new("quantity", "enter a whole number"));
            0
        }),
    };
    let unit_cost_minor = match f.unit_cost.trim() {
        "" => None,
        s => {
            let v = view::parse_money(s);
            if v.is_none() {
                errors.push(FieldError::new("unit_cost", "enter an amount like 12.50"));
            }
            v
        }
    };
    if !errors.is_empty() {
        return render_detail(&state, &user, layout, id, Some(ServiceError::Validation(errors)), entered).await;
    }
    let part_number = f.part_number.trim().to_string();
    let patch = WorkOrderPatch {
        version: f.version.trim().parse().unwrap_or(-1),
        add_parts: vec![NewPartUsed {
            part_number: part_number.clone(),
            description: non_empty(&f.description),
            quantity,
            unit_cost_minor,
        }],
        ..Default::default()
    };
    match state.services.update_work_order(&user.principal, WorkOrderId(id), patch).await {
        Ok(_) => redirect_with(&format!("/work-orders/{id}#parts"), "ok", &format!("Part {part_number} recorded.")),
        Err(e) => render_detail(&state, &user, layout, id, Some(e), entered).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindingsForm {
    csrf: String,
    version: String,
    cause_code: String,
    work_performed: String,
    result: String,
}

pub async fn save_findings(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<FindingsForm>,
) -> Response {
    let (layout, id) = match work_order_post(&user, &f.csrf, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let entered = Entered {
        section: "findings",
        cause_code: non_empty(&f.cause_code),
        work_performed: Some(f.work_performed.clone()),
        result: non_empty(&f.result),
        ..Default::default()
    };
    let mut errors = Vec::new();
    let result = parse_optional(&f.result, "result", |s| WorkResult::parse(s).ok(), &mut errors);
    if !errors.is_empty() {
        return render_detail(&state, &user, layout, id, Some(ServiceError::Validation(errors)), entered).await;
    }
    let patch = WorkOrderPatch {
        version: f.version.trim().parse().unwrap_or(-1),
        cause_code: Some(non_empty(&f.cause_code)),
        work_performed: Some(non_empty(&f.work_performed)),
        result: Some(result),
        ..Default::default()
    };
    match state.services.update_work_order(&user.principal, WorkOrderId(id), patch).await {
        Ok(wo) => redirect_with(&format!("/work-orders/{id}"), "ok", &format!("Findings for {} saved.", wo.number)),
        Err(e) => render_detail(&state, &user, layout, id, Some(e), entered).await,
    }
}
