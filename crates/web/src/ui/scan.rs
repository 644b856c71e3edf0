//! `/scan`: the scan box (REFERENCE §5). A keyboard-wedge scanner types the UDI and Enter into
//! the focused text box; the page goes to the asset whose DI + serial match, lists the
//! candidates when several do, or shows the new-asset form pre-filled with the UDI and the
//! model of the DI's other units (inventory managers only; others are told whom to ask).

use super::view::Opt;
use super::{Flash, Layout, capitalise, csrf_refused, describe, html, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use htm_domain::asset::NewAsset;
use htm_domain::page::PageRequest;
use htm_service::udi::ScanNext;
use htm_service::{Action, ServiceError};
use serde::Deserialize;

/// A same-DI asset to choose from.
pub struct Candidate {
    pub id: i64,
    pub tag: String,
    pub serial: String,
    pub department: String,
}

/// The pre-filled new-asset form.
#[derive(Default)]
pub struct NewForm {
    pub asset_tag: String,
    pub serial_number: String,
    pub di: String,
    pub lot: String,
    pub serial: String,
    pub manufactured: String,
    pub expiry: String,
    pub raw: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "scan.html")]
struct ScanPage {
    layout: Layout,
    csrf: String,
    udi: String,
    /// What the scan found, in words (empty before a scan).
    message: String,
    /// The parse as `label: value` lines.
    parsed: Vec<(String, String)>,
    candidates: Vec<Candidate>,
    show_form: bool,
    can_create: bool,
    form: NewForm,
    models: Vec<Opt>,
    departments: Vec<Opt>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ScanQuery {
    udi: String,
}

fn or_empty(s: Option<&str>) -> String {
    s.unwrap_or_default().to_string()
}

async fn choices(state: &AppState, user: &WebUser, model: Option<i64>, dept: Option<i64>) -> (Vec<Opt>, Vec<Opt>) {
    let p = &user.principal;
    let models = state
        .services
        .list_models(p, None, PageRequest { limit: htm_domain::page::MAX_LIMIT, after: None })
        .await
        .map(|page| {
            page.items
                .iter()
                .map(|m| Opt {
                    value: m.id.0.to_string(),
                    label: format!("{} {} — {}", m.manufacturer, m.model_number, m.name),
                    selected: Some(m.id.0) == model,
                })
                .collect()
        })
        .unwrap_or_default();
    let departments = state
        .services
        .list_departments(p, None)
        .await
        .map(|ds| {
            ds.iter()
                .map(|d| Opt {
                    value: d.id.0.to_string(),
                    label: format!("{} ({})", d.name, d.cost_center),
                    selected: Some(d.id.0) == dept,
                })
                .collect()
        })
        .unwrap_or_default();
    (models, departments)
}

/// `GET /scan[?udi=…]`: the scan box, and what a scan found.
pub async fn page(State(state): State<AppState>, user: WebUser, flash: Flash, Query(q): Query<ScanQuery>) -> Response {
    let layout = Layout::new(Some(&user), "scan", flash);
    let p = &user.principal;
    if let Err(e) = p.require(Action::ReadInventory) {
        return service_error_page(layout, &e);
    }
    let mut page = ScanPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        udi: q.udi.clone(),
        message: String::new(),
        parsed: vec![],
        candidates: vec![],
        show_form: false,
        can_create: p.can(Action::ManageInventory),
        form: NewForm::default(),
        models: vec![],
        departments: vec![],
    };
    let raw = q.udi.trim_end_matches(['\r', '\n']);
    if raw.trim().is_empty() {
        return html(StatusCode::OK, &layout, page);
    }
    let found = match state.services.lookup_udi(p, raw).await {
        Ok(f) => f,
        Err(e @ ServiceError::Validation(_)) => {
            let (status, _, _) = describe(&e);
            page.message = match &e {
                ServiceError::Validation(f) => f.iter().map(|f| capitalise(&f.message)).collect::<Vec<_>>().join("; "),
                _ => e.to_string(),
            };
            page.layout = page.layout.with_error(format!("Not a valid UDI: {}", page.message));
            let layout = page.layout.clone();
            return html(status, &layout, page);
        }
        Err(e) => return service_error_page(layout, &e),
    };
    if found.next == ScanNext::OpenAsset
        && let Some(a) = &found.asset
    {
        return Redirect::to(&format!("/assets/{}", a.id.0)).into_response();
    }
    let u = &found.udi;
    let mut parsed = vec![("Issuer".to_string(), u.issuer.as_str().to_string())];
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            parsed.push((k.to_string(), v));
        }
    };
    push("Device identifier (DI)", u.di.clone());
    push("Lot", u.lot.clone());
    push("Serial", u.serial.clone());
    push("Expiry", u.expiry.map(|d| d.to_string()));
    push("Manufactured", u.manufactured.map(|d| d.to_string()));
    push("Scanner symbology", u.symbology.as_ref().map(|s| format!("{} ({})", s.id, s.name)));
    page.parsed = parsed;
    page.message = capitalise(&found.message);
    page.candidates = found
        .candidates
        .iter()
        .map(|a| Candidate {
            id: a.id.0,
            tag: a.asset_tag.clone(),
            serial: or_empty(a.serial_number.as_deref().or(a.udi.serial.as_deref())),
            department: a.department.name.clone(),
        })
        .collect();
    if found.next == ScanNext::CreateAsset {
        page.show_form = true;
        let pf = &found.prefill;
        page.form = NewForm {
            asset_tag: String::new(),
            serial_number: or_empty(pf.serial.as_deref()),
            di: or_empty(pf.di.as_deref()),
            lot: or_empty(pf.lot.as_deref()),
            serial: or_empty(pf.serial.as_deref()),
            manufactured: pf.manufactured.map(|d| d.to_string()).unwrap_or_default(),
            expiry: pf.expiry.map(|d| d.to_string()).unwrap_or_default(),
            raw: or_empty(pf.raw.as_deref()),
        };
        if page.can_create {
            let dept = found.candidates.first().map(|a| a.department.id.0);
            let (models, departments) = choices(&state, &user, found.model.as_ref().map(|m| m.id.0), dept).await;
            page.models = models;
            page.departments = departments;
        }
    }
    html(StatusCode::OK, &layout, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateForm {
    csrf: String,
    asset_tag: String,
    model_id: String,
    department_id: String,
    serial_number: String,
    udi_di: String,
    udi_lot: String,
    udi_serial: String,
    udi_manufactured: String,
    udi_expiry: String,
    udi_raw: String,
}

/// `POST /scan/assets`: creates the asset from the pre-filled form.
pub async fn create(State(state): State<AppState>, user: WebUser, Form(f): Form<CreateForm>) -> Response {
    let layout = Layout::new(Some(&user), "scan", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let opt = |s: &str| {
        let t = s.trim();
        if t.is_empty() { serde_json::Value::Null } else { serde_json::Value::String(t.to_string()) }
    };
    let id = |s: &str| s.trim().parse::<i64>().ok();
    let (Some(model), Some(dept)) = (id(&f.model_id), id(&f.department_id)) else {
        let e = ServiceError::Validation(vec![htm_domain::FieldError::new(
            "model_id",
            "choose the device model and the department",
        )]);
        return service_error_page(layout, &e);
    };
    let value = serde_json::json!({
        "asset_tag": f.asset_tag.trim(),
        "model_id": model,
        "department_id": dept,
        "serial_number": opt(&f.serial_number),
        "udi": {
            "di": opt(&f.udi_di), "lot": opt(&f.udi_lot), "serial": opt(&f.udi_serial),
            "manufactured": opt(&f.udi_manufactured), "expiry": opt(&f.udi_expiry),
            "raw": (!f.udi_raw.is_empty()).then(|| f.udi_raw.clone()),
        },
    });
    let new: NewAsset = match serde_json::from_value(value) {
        Ok(n) => n,
        Err(e) => {
            let e = ServiceError::Validation(vec![htm_domain::FieldError::new(
                "udi",
                format!("a date is not YYYY-MM-DD: {e}"),
            )]);
            return service_error_page(layout, &e);
        }
    };
    match state.services.create_asset(&user.principal, new).await {
        Ok(a) => redirect_with(
            &format!("/assets/{}", a.id.0),
            "ok",
            &format!("Asset {} created from the scan.", a.asset_tag),
        ),
        Err(e) => service_error_page(layout, &e),
    }
}
