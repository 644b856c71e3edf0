//! The asset list (search, filters, keyset pages) and the asset page.

use super::view::{self, HistoryItem, Opt};
use super::work_orders::{WoRow, wo_rows};
use super::{Flash, Layout, error_page, html, parse_id, service_error_page, wants_fragment};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use htm_domain::asset::{Asset, AssetStatus};
use htm_domain::ids::{AssetId, DepartmentId};
use htm_domain::page::PageRequest;
use htm_service::{Action, ServiceError};
use htm_store::{AssetFilter, WorkOrderFilter};
use serde::Deserialize;

const PAGE_SIZE: u32 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    department: String,
    cursor: String,
}

/// One row of the asset table.
pub struct AssetRow {
    pub id: i64,
    pub tag: String,
    pub device: String,
    pub maker: String,
    pub serial: String,
    pub department: String,
    pub location: String,
    pub status: String,
    pub status_code: &'static str,
}

fn row(a: &Asset) -> AssetRow {
    AssetRow {
        id: a.id.0,
        tag: a.asset_tag.clone(),
        device: format!("{} {}", a.model.name, a.model.model_number).trim().to_string(),
        maker: a.model.manufacturer.clone(),
        serial: view::or_dash(a.serial_number.as_deref()),
        department: a.department.name.clone(),
        location: a.location.as_ref().map(|l| l.name.clone()).unwrap_or_else(view::dash),
        status: a.status.label().to_string(),
        status_code: a.status.as_str(),
    }
}

/// The results region: what the live search swaps in.
#[derive(Template, WebTemplate)]
#[template(path = "assets_partial.html")]
struct AssetResults {
    rows: Vec<AssetRow>,
    next_href: Option<String>,
    first_href: Option<String>,
    filtered: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "assets.html")]
struct AssetListPage {
    layout: Layout,
    q: String,
    statuses: Vec<Opt>,
    departments: Vec<Opt>,
    // What the included `assets_partial.html` prints.
    rows: Vec<AssetRow>,
    next_href: Option<String>,
    first_href: Option<String>,
    filtered: bool,
}

pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
    headers: HeaderMap,
    Query(lq): Query<ListQuery>,
) -> Response {
    let layout = Layout::new(Some(&user), "assets", flash);
    let p = &user.principal;
    let q = lq.q.trim().to_string();
    let status = AssetStatus::parse(&lq.status).ok().filter(|_| !lq.status.trim().is_empty());
    let department = parse_id(lq.department.trim()).map(DepartmentId);
    // A cursor this server did not issue starts again from the first page.
    let page =
        PageRequest::parse(Some(i64::from(PAGE_SIZE)), Some(&lq.cursor)).unwrap_or(PageRequest::first(PAGE_SIZE));
    let filter =
        AssetFilter { q: (!q.is_empty()).then(|| q.clone()), status, department_id: department, ..Default::default() };
    let found = match state.services.list_assets(p, &filter, page).await {
        Ok(f) => f,
        Err(e) => return service_error_page(layout, &e),
    };

    let base = format!(
        "/assets?q={}&status={}&department={}",
        view::q(&q),
        status.map(|s| s.as_str()).unwrap_or(""),
        department.map(|d| d.0.to_string()).unwrap_or_default()
    );
    let rows: Vec<AssetRow> = found.items.iter().map(row).collect();
    let next_href = found.next_cursor.as_ref().map(|c| format!("{base}&cursor={}", view::q(c)));
    let first_href = page.after.is_some().then(|| base.clone());
    let filtered = filter.q.is_some() || status.is_some() || department.is_some();

    if wants_fragment(&headers) {
        return html(
            StatusCode::OK,
            &Layout { flash: None, ..layout },
            AssetResults { rows, next_href, first_href, filtered },
        );
    }

    let departments = match state.services.list_departments(p, None).await {
        Ok(mut d) => {
            d.sort_by_key(|a| a.name.to_lowercase());
            d
        }
        Err(e) => return service_error_page(layout, &e),
    };
    let sel_dept = department.map(|d| d.0.to_string()).unwrap_or_default();
    let mut dept_opts = vec![Opt::new("", "All departments", &sel_dept)];
    dept_opts.extend(
        departments.iter().map(|d| Opt::new(d.id.0.to_string(), format!("{} ({})", d.name, d.cost_center), &sel_dept)),
    );
    let sel_status = status.map(|s| s.as_str()).unwrap_or("");
    let mut status_opts = vec![Opt::new("", "Any status", sel_status)];
    status_opts.extend(AssetStatus::ALL.iter().map(|s| Opt::new(s.as_str(), s.label(), sel_status)));

    let page = AssetListPage {
        layout: layout.clone(),
        q,
        statuses: status_opts,
        departments: dept_opts,
        rows,
        next_href,
        first_href,
        filtered,
    };
    html(StatusCode::OK, &layout, page)
}

/// A label/value pair of the asset's details.
pub struct Detail {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "asset.html")]
struct AssetPage {
    layout: Layout,
    id: i64,
    tag: String,
    title: String,
    status: String,
    status_code: &'static str,
    high_risk: bool,
    life_support: bool,
    details: Vec<Detail>,
    udi: Vec<Detail>,
    notes: Option<String>,
    can_new_wo: bool,
    work_orders: Option<Vec<WoRow>>,
    more_work_orders: bool,
    history: Option<Vec<HistoryItem>>,
    /// PM schedules (None when the reader may not see them).
    schedules: Option<Vec<ScheduleRow>>,
    can_manage: bool,
    csrf: String,
    /// The Risk panel (None when the reader may not see it).
    risk: Option<super::risk::RiskPanel>,
    /// The Network section (None: no profile and the reader may not add one).
    network: Option<super::network::NetworkPanel>,
    /// The Documents section (None when the reader may not see documents).
    documents: Option<super::documents::DocumentsView>,
    /// The service contracts covering the asset (None when the reader may not see them).
    contracts: Option<Vec<super::contracts::ContractRow>>,
}

pub struct ScheduleRow {
    pub interval: String,
    pub basis: String,
    pub anchor: String,
    pub grace: i32,
    pub active: bool,
}

pub async fn detail(State(state): State<AppState>, user: WebUser, flash: Flash, Path(id): Path<String>) -> Response {
    let layout = Layout::new(Some(&user), "assets", flash);
    let p = &user.principal;
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no asset with this number.");
    };
    let a = match state.services.get_asset(p, AssetId(id)).await {
        Ok(a) => a,
        Err(e) => return service_error_page(layout, &e),
    };
    let wo_filter = WorkOrderFilter { asset_id: Some(a.id), ..Default::default() };
    let (work_orders, more_work_orders) =
        match state.services.list_work_orders(p, wo_filter, PageRequest::first(50)).await {
            Ok(page) => (Some(wo_rows(&page.items)), page.next_cursor.is_some()),
            Err(ServiceError::Forbidden(_)) => (None, false),
            Err(e) => return service_error_page(layout, &e),
        };
    let history = match state.services.history(p, "asset", &id.to_string(), 200).await {
        Ok(events) => Some(view::history_items(&events)),
        Err(ServiceError::Forbidden(_)) => None,
        Err(e) => return service_error_page(layout, &e),
    };

    let schedules = match state.services.list_pm_schedules(p, a.id).await {
        Ok(list) => Some(
            list.into_iter()
                .map(|s| ScheduleRow {
                    interval: format!(
                        "every {} month{}",
                        s.interval_months,
                        if s.interval_months == 1 { "" } else { "s" }
                    ),
                    basis: s.basis.label().to_string(),
                    anchor: s.anchor_date.to_string(),
                    grace: s.grace_days,
                    active: s.active,
                })
                .collect(),
        ),
        Err(ServiceError::Forbidden(_)) => None,
        Err(e) => return service_error_page(layout, &e),
    };
    let risk = match super::risk::panel(&state, p, a.id).await {
        Ok(r) => r,
        Err(e) => return service_error_page(layout, &e),
    };
    let network = match super::network::panel(&state, p, &a).await {
        Ok(n) => n,
        Err(e) => return service_error_page(layout, &e),
    };
    let today = view::today();
    let warranty = match a.warranty_end {
        Some(d) if d >= today => format!("until {d} (active)"),
        Some(d) => format!("ended {d}"),
        None => view::dash(),
    };
    let acquisition = match (a.acquisition_date, a.acquisition_cost_minor) {
        (None, None) => view::dash(),
        (d, c) => {
            let mut parts = Vec::new();
            if let Some(d) = d {
                parts.push(d.to_string());
            }
            if let Some(c) = c {
                parts.push(view::money(c, &a.currency));
            }
            parts.join(", ")
        }
    };
    let mut details = vec![
        Detail { label: "Model", value: format!("{} ({})", a.model.name, a.model.model_number) },
        Detail { label: "Manufacturer", value: a.model.manufacturer.clone() },
        Detail { label: "Category", value: a.model.category.clone() },
        Detail { label: "Serial number", value: view::or_dash(a.serial_number.as_deref()) },
        Detail {
            label: "Department",
            value: format!("{} (cost centre {})", a.department.name, a.department.cost_center),
        },
        Detail { label: "Location", value: a.location.as_ref().map(|l| l.name.clone()).unwrap_or_else(view::dash) },
        Detail { label: "High risk", value: yes_no(a.high_risk, a.high_risk_override.is_some()) },
        Detail { label: "Life support", value: yes_no(a.life_support, a.life_support_override.is_some()) },
        Detail { label: "Acquired", value: acquisition },
        Detail { label: "Vendor", value: a.vendor.as_ref().map(|v| v.name.clone()).unwrap_or_else(view::dash) },
        Detail { label: "Purchase order", value: view::or_dash(a.purchase_order.as_deref()) },
        Detail { label: "In service since", value: view::date_opt(a.in_service_date) },
        Detail { label: "Warranty", value: warranty },
    ];
    // Test equipment: its calibration (REFERENCE §1.5).
    if let Some(due) = a.calibration_due {
        let (overdue, days, _) = htm_domain::test_equipment::standing(due, today);
        let value = if overdue {
            format!("{due} (overdue by {} days: do not use for PMs)", -days)
        } else {
            format!("{due} ({days} days left)")
        };
        details.push(Detail { label: "Last calibrated", value: view::date_opt(a.calibrated_on) });
        details.push(Detail { label: "Calibration due", value });
        details.push(Detail {
            label: "Calibration certificate",
            value: view::or_dash(a.calibration_certificate.as_deref()),
        });
    }
    // The maintenance strategy in force (TJC EC.02.04.01 EP 4, 6; see /strategies).
    if let Ok(Some(s)) = super::strategies::asset_panel(&state, p, a.id).await {
        details.push(Detail { label: "Maintenance strategy", value: s.summary() });
    }
    // Repair figures over the last 12 months (repair analytics; only for those who read reports).
    if p.can(htm_service::Action::ReadReports)
        && let Some(from) = today.checked_sub(jiff::Span::new().days(364)).ok()
        && let Ok(period) = htm_domain::repair_analytics::Period::new(from, today)
        && let Ok(f) = state.services.asset_repair_figures(p, a.id, period).await
    {
        let value = if f.repairs == 0 && f.downtime_hours == 0.0 {
            "No repairs in the last 12 months".to_string()
        } else {
            format!(
                "{} repair(s), {} failure(s), {} repeat(s); {:.1} h down (uptime {}); cost {}",
                f.repairs,
                f.failures,
                f.repeat_repairs,
                f.downtime_hours,
                f.uptime_pct.map(|u| format!("{u:.2} %")).unwrap_or_else(view::dash),
                super::repair_analytics::money(f.total_cost_minor),
            )
        };
        details.push(Detail { label: "Repairs (12 months)", value });
    }
    let u = &a.udi;
    let udi: Vec<Detail> = [
        ("Device identifier (DI)", u.di.clone()),
        ("Lot", u.lot.clone()),
        ("UDI serial", u.serial.clone()),
        ("Manufactured", u.manufactured.map(|d| d.to_string())),
        ("Expires", u.expiry.map(|d| d.to_string())),
        ("As scanned", u.raw.clone()),
    ]
    .into_iter()
    .filter_map(|(label, v)| v.map(|value| Detail { label, value }))
    .collect();

    let page = AssetPage {
        layout: layout.clone(),
        id,
        tag: a.asset_tag.clone(),
        title: format!("{} {}", a.model.manufacturer, a.model.name),
        status: a.status.label().to_string(),
        status_code: a.status.as_str(),
        high_risk: a.high_risk,
        life_support: a.life_support,
        details,
        udi,
        notes: a.notes.clone().filter(|n| !n.trim().is_empty()),
        can_new_wo: p.can(Action::CreateWorkOrder) || p.can(Action::ReportProblem),
        work_orders,
        more_work_orders,
        history,
        schedules,
        can_manage: p.can(Action::ManageInventory),
        csrf: user.csrf.clone(),
        risk,
        network,
        contracts: super::contracts::asset_panel(&state, p, a.id).await,
        documents: super::documents::section(
            &state,
            &user,
            htm_domain::document::DocumentEntity::Asset(a.id),
            Some(a.model.id),
            &format!("/assets/{id}"),
        )
        .await,
    };
    html(StatusCode::OK, &layout, page)
}

fn yes_no(v: bool, overridden: bool) -> String {
    let s = if v { "Yes" } else { "No" };
    if overridden { format!("{s} (set for this asset)") } else { format!("{s} (from the model)") }
}
