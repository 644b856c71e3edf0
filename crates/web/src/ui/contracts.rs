//! `/contracts`: service contracts in the UI (ROADMAP "Lifecycle and money"). The list filters by
//! vendor and "ending within 90 days"; a contract page shows the details, the covered assets and,
//! for those who manage the inventory, the edit and covered-assets forms (CSRF-checked like every
//! form). The asset page shows a Contracts panel (`asset_panel`). An `expiring` badge marks a
//! contract whose notice window (`ends_on − notice_days`) has opened.

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
use htm_domain::contract::{ContractId, ContractPatch, ContractStatus, Coverage, NewServiceContract, ServiceContract};
use htm_domain::ids::{AssetId, VendorId};
use htm_domain::page::PageRequest;
use htm_service::contracts::CoveredAssetsRequest;
use htm_service::{Action, Principal, ServiceError};
use htm_store::ContractFilter;
use serde::Deserialize;

/// One contract as a table row.
pub struct ContractRow {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub vendor: String,
    pub coverage: String,
    pub period: String,
    pub status: String,
    pub status_class: &'static str,
    pub days_left: String,
    pub cost: String,
    pub assets: i64,
}

fn status_class(s: Option<ContractStatus>) -> &'static str {
    match s {
        Some(ContractStatus::Active) => "rate-good",
        Some(ContractStatus::Expiring) => "rate-warn",
        Some(ContractStatus::Expired) => "rate-bad",
        Some(ContractStatus::Upcoming) | None => "rate-none",
    }
}

fn row(c: &ServiceContract) -> ContractRow {
    ContractRow {
        id: c.id.0,
        number: c.contract_number.clone(),
        title: c.title.clone(),
        vendor: c.vendor_name.clone(),
        coverage: c.coverage.label().to_string(),
        period: format!("{} – {}", c.starts_on, c.ends_on),
        status: c.status.map(|s| s.label().to_string()).unwrap_or_default(),
        status_class: status_class(c.status),
        days_left: match c.days_left {
            Some(d) if d >= 0 => format!("{d} days left"),
            Some(d) => format!("ended {} days ago", -d),
            None => String::new(),
        },
        cost: view::money(c.annual_cost_minor, &c.currency),
        assets: c.asset_count,
    }
}

/// The Contracts panel of the asset page (None when the reader may not see contracts).
pub async fn asset_panel(state: &AppState, p: &Principal, asset: AssetId) -> Option<Vec<ContractRow>> {
    match state.services.asset_contracts(p, asset).await {
        Ok(list) => Some(list.iter().map(row).collect()),
        Err(_) => None,
    }
}

async fn vendor_options(state: &AppState, p: &Principal, selected: &str, any: &str) -> Vec<Opt> {
    let mut out = vec![Opt::new("", any, selected)];
    if let Ok(v) = state.services.list_vendors(p, PageRequest { limit: 1000, after: None }).await {
        out.extend(v.items.iter().map(|v| Opt::new(v.id.0.to_string(), v.name.clone(), selected)));
    }
    out
}

fn coverage_options(selected: &str) -> Vec<Opt> {
    Coverage::ALL.iter().map(|c| Opt::new(c.as_str(), c.label(), selected)).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "contracts.html")]
struct ListPage {
    layout: Layout,
    csrf: String,
    rows: Vec<ContractRow>,
    vendors: Vec<Opt>,
    new_vendors: Vec<Opt>,
    coverages: Vec<Opt>,
    expiring: bool,
    next: Option<String>,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    vendor_id: String,
    /// `90`: only contracts ending within 90 days.
    expiring: String,
    cursor: String,
}

pub async fn list(State(state): State<AppState>, user: WebUser, flash: Flash, Query(q): Query<ListQuery>) -> Response {
    let layout = Layout::new(Some(&user), "contracts", flash);
    let p = &user.principal;
    let mut f = ContractFilter::on(view::today());
    f.vendor_id = parse_id(q.vendor_id.trim()).map(VendorId);
    let expiring = q.expiring.trim() == "90";
    if expiring {
        f.expiring_within_days = Some(90);
    }
    let page = PageRequest::parse(Some(50), Some(&q.cursor)).unwrap_or(PageRequest::first(50));
    match state.services.list_contracts(p, f, page).await {
        Ok(pg) => {
            let next = pg.next_cursor.map(|c| {
                format!(
                    "/contracts?vendor_id={}&expiring={}&cursor={}",
                    view::q(&q.vendor_id),
                    view::q(&q.expiring),
                    view::q(&c)
                )
            });
            let page = ListPage {
                layout: layout.clone(),
                csrf: user.csrf.clone(),
                rows: pg.items.iter().map(row).collect(),
                vendors: vendor_options(&state, p, q.vendor_id.trim(), "Any vendor").await,
                new_vendors: vendor_options(&state, p, "", "Choose a vendor").await,
                coverages: coverage_options("full_service"),
                expiring,
                next,
                can_manage: p.can(Action::ManageInventory),
            };
            html(StatusCode::OK, &layout, page)
        }
        Err(e) => service_error_page(layout, &e),
    }
}

/// The fields of the create and edit forms.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ContractForm {
    csrf: String,
    version: String,
    vendor_id: String,
    contract_number: String,
    title: String,
    coverage: String,
    starts_on: String,
    ends_on: String,
    /// In major units, e.g. `12500.00`.
    annual_cost: String,
    currency: String,
    response_time_hours: String,
    uptime_guarantee_pct: String,
    notice_days: String,
    auto_renews: String,
    notes: String,
    acknowledge_phi_warning: String,
}

/// Parses `12,500.50` into minor units.
fn parse_money(s: &str) -> Result<i64, String> {
    let t: String = s.trim().chars().filter(|c| *c != ',' && *c != ' ').collect();
    if t.is_empty() {
        return Ok(0);
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if frac.len() > 2 || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err("Annual cost: write an amount like 12500.00.".into());
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "Annual cost: too large.".to_string())? };
    let f: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    w.checked_mul(100).and_then(|v| v.checked_add(f)).ok_or_else(|| "Annual cost: too large.".to_string())
}

impl ContractForm {
    fn fields(&self) -> Result<NewServiceContract, String> {
        let date =
            |s: &str, what: &str| s.trim().parse::<jiff::civil::Date>().map_err(|_| format!("{what}: choose a date."));
        let opt_num = |s: &str, what: &str| -> Result<Option<f64>, String> {
            let t = s.trim();
            if t.is_empty() {
                Ok(None)
            } else {
                t.parse::<f64>().map(Some).map_err(|_| format!("{what}: write a number."))
            }
        };
        Ok(NewServiceContract {
            vendor_id: VendorId(parse_id(self.vendor_id.trim()).ok_or("Choose the vendor.")?),
            contract_number: self.contract_number.clone(),
            title: self.title.clone(),
            coverage: Coverage::parse(&self.coverage).map_err(|e| e.to_string())?,
            starts_on: date(&self.starts_on, "Starts on")?,
            ends_on: date(&self.ends_on, "Ends on")?,
            annual_cost_minor: parse_money(&self.annual_cost)?,
            currency: if self.currency.trim().is_empty() { "USD".into() } else { self.currency.clone() },
            response_time_hours: opt_num(&self.response_time_hours, "Response time")?.map(|h| h.round() as i32),
            uptime_guarantee_pct: opt_num(&self.uptime_guarantee_pct, "Uptime guarantee")?,
            notice_days: opt_num(&self.notice_days, "Notice days")?
                .map(|d| d.round() as i32)
                .unwrap_or(htm_domain::contract::DEFAULT_NOTICE_DAYS),
            auto_renews: matches!(self.auto_renews.as_str(), "yes" | "on" | "true"),
            notes: Some(self.notes.clone()),
        })
    }

    fn acknowledged(&self) -> bool {
        matches!(self.acknowledge_phi_warning.as_str(), "yes" | "on" | "true")
    }
}

fn error_text(e: &ServiceError) -> String {
    match e {
        ServiceError::PhiWarning(f) => format!(
            "The notes look like they hold patient information ({}). Remove it, or tick \u{201c}not patient \
             information\u{201d} and save again.",
            f.iter().map(|h| format!("{}: {}", h.kind, h.excerpt)).collect::<Vec<_>>().join("; ")
        ),
        other => super::describe(other).2,
    }
}

pub async fn create(State(state): State<AppState>, user: WebUser, Form(f): Form<ContractForm>) -> Response {
    let layout = Layout::new(Some(&user), "contracts", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let fields = match f.fields() {
        Ok(x) => x,
        Err(m) => return redirect_with("/contracts", "error", &m),
    };
    match state.services.create_contract(&user.principal, fields, f.acknowledged()).await {
        Ok(c) => redirect_with(&format!("/contracts/{}", c.id.0), "ok", "The contract is recorded."),
        Err(e) => redirect_with("/contracts", "error", &error_text(&e)),
    }
}

pub struct AssetRow {
    pub id: i64,
    pub tag: String,
    pub model: String,
    pub department: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "contract.html")]
struct DetailPage {
    layout: Layout,
    csrf: String,
    c: ContractRow,
    version: i64,
    starts_on: String,
    ends_on: String,
    annual_cost: String,
    currency: String,
    response_time: String,
    uptime: String,
    notice_days: i32,
    notice_opens_on: String,
    auto_renews: bool,
    notes: String,
    assets: Vec<AssetRow>,
    asset_tags: String,
    vendors: Vec<Opt>,
    coverages: Vec<Opt>,
    can_manage: bool,
}

pub async fn detail(State(state): State<AppState>, user: WebUser, flash: Flash, Path(id): Path<String>) -> Response {
    let layout = Layout::new(Some(&user), "contracts", flash);
    let p = &user.principal;
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no contract with this number.");
    };
    let d = match state.services.contract_detail(p, ContractId(id)).await {
        Ok(d) => d,
        Err(e) => return service_error_page(layout, &e),
    };
    let c = &d.contract;
    let page = DetailPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        c: row(c),
        version: c.version,
        starts_on: c.starts_on.to_string(),
        ends_on: c.ends_on.to_string(),
        annual_cost: format!("{}.{:02}", c.annual_cost_minor / 100, c.annual_cost_minor % 100),
        currency: c.currency.clone(),
        response_time: c.response_time_hours.map(|h| h.to_string()).unwrap_or_default(),
        uptime: c.uptime_guarantee_pct.map(|u| u.to_string()).unwrap_or_default(),
        notice_days: c.notice_days,
        notice_opens_on: c.notice_opens_on.to_string(),
        auto_renews: c.auto_renews,
        notes: c.notes.clone().unwrap_or_default(),
        asset_tags: d.assets.iter().map(|a| a.asset_tag.as_str()).collect::<Vec<_>>().join("\n"),
        assets: d
            .assets
            .iter()
            .map(|a| AssetRow {
                id: a.asset_id,
                tag: a.asset_tag.clone(),
                model: a.model.clone(),
                department: a.department.clone(),
            })
            .collect(),
        vendors: vendor_options(&state, p, &c.vendor_id.0.to_string(), "Choose a vendor").await,
        coverages: coverage_options(c.coverage.as_str()),
        can_manage: p.can(Action::ManageInventory),
    };
    html(StatusCode::OK, &layout, page)
}

pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<ContractForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "contracts", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else { return redirect_with("/contracts", "error", "No such contract.") };
    let back = format!("/contracts/{id}");
    let (fields, version) = match (f.fields(), f.version.trim().parse::<i64>()) {
        (Ok(x), Ok(v)) => (x, v),
        (Err(m), _) => return redirect_with(&back, "error", &m),
        (_, Err(_)) => return redirect_with(&back, "error", "Reload the page and try again."),
    };
    let patch = ContractPatch {
        version,
        vendor_id: Some(fields.vendor_id),
        contract_number: Some(fields.contract_number),
        title: Some(fields.title),
        coverage: Some(fields.coverage),
        starts_on: Some(fields.starts_on),
        ends_on: Some(fields.ends_on),
        annual_cost_minor: Some(fields.annual_cost_minor),
        currency: Some(fields.currency),
        response_time_hours: Some(fields.response_time_hours),
        uptime_guarantee_pct: Some(fields.uptime_guarantee_pct),
        notice_days: Some(fields.notice_days),
        auto_renews: Some(fields.auto_renews),
        notes: Some(fields.notes),
    };
    match state.services.update_contract(&user.principal, ContractId(id), patch, f.acknowledged()).await {
        Ok(_) => redirect_with(&back, "ok", "The contract is saved."),
        Err(e) => redirect_with(&back, "error", &error_text(&e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssetsForm {
    csrf: String,
    version: String,
    /// Asset tags, one a line (or separated by commas or spaces).
    asset_tags: String,
}

pub async fn set_assets(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<AssetsForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "contracts", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else { return redirect_with("/contracts", "error", "No such contract.") };
    let back = format!("/contracts/{id}");
    let Ok(version) = f.version.trim().parse::<i64>() else {
        return redirect_with(&back, "error", "Reload the page and try again.");
    };
    let tags: Vec<String> = f
        .asset_tags
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let req = CoveredAssetsRequest { version, asset_ids: Vec::new(), asset_tags: tags };
    match state.services.set_contract_assets(&user.principal, ContractId(id), req).await {
        Ok(d) => redirect_with(&back, "ok", &format!("The contract covers {} asset(s).", d.assets.len())),
        Err(e) => redirect_with(&back, "error", &error_text(&e)),
    }
}
