//! The usage page of an asset (`/assets/{id}/usage`): where each usage-triggered PM schedule
//! stands, the meter readings, a form to record a reading (which opens the usage PMs it makes
//! due) and, for inventory managers, a form to set a schedule's usage trigger.

use super::{Flash, Layout, error_page, html, parse_id, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::ids::AssetId;
use htm_domain::usage::{NewMeterReading, UsageUnit};
use htm_service::{Action, ServiceError};
use serde::Deserialize;

struct StandingRow {
    schedule_id: i64,
    every: String,
    used: i64,
    remaining: i64,
    due: bool,
    current: String,
}

struct ReadingRow {
    read_on: String,
    unit: &'static str,
    value: i64,
    by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "usage.html")]
struct UsagePage {
    layout: Layout,
    csrf: String,
    id: i64,
    asset_tag: String,
    standings: Vec<StandingRow>,
    readings: Vec<ReadingRow>,
    /// (id, label) of the asset's schedules.
    schedules: Vec<(i64, String)>,
    can_record: bool,
    can_manage: bool,
}

pub async fn page(State(state): State<AppState>, user: WebUser, flash: Flash, Path(id): Path<String>) -> Response {
    let layout = Layout::new(Some(&user), "assets", flash);
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no asset with this number.");
    };
    let p = &user.principal;
    let asset = match state.services.get_asset(p, AssetId(id)).await {
        Ok(a) => a,
        Err(e) => return service_error_page(layout, &e),
    };
    let (standings, readings, schedules) = match (
        state.services.usage_standings(p, asset.id).await,
        state.services.meter_readings(p, asset.id, 100).await,
        state.services.list_pm_schedules(p, asset.id).await,
    ) {
        (Ok(s), Ok(r), Ok(sc)) => (s, r, sc),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return service_error_page(layout, &e),
    };
    let page = UsagePage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        id,
        asset_tag: asset.asset_tag.clone(),
        standings: standings
            .iter()
            .map(|s| StandingRow {
                schedule_id: s.schedule_id,
                every: format!("{} {}", s.usage_interval, s.usage_unit.as_str()),
                used: s.used,
                remaining: s.remaining,
                due: s.due,
                current: s.current.map(|c| c.to_string()).unwrap_or_else(|| "no reading".into()),
            })
            .collect(),
        readings: readings
            .iter()
            .map(|r| ReadingRow {
                read_on: r.read_on.to_string(),
                unit: r.unit.as_str(),
                value: r.value,
                by: r.recorded_by.clone(),
            })
            .collect(),
        schedules: schedules
            .iter()
            .filter(|s| s.active)
            .map(|s| (s.id, format!("#{}: every {} months from {}", s.id, s.interval_months, s.anchor_date)))
            .collect(),
        can_record: p.can(Action::EditWorkOrder),
        can_manage: p.can(Action::ManageInventory),
    };
    html(StatusCode::OK, &layout, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadingForm {
    csrf: String,
    unit: String,
    value: String,
    read_on: String,
}

/// The page frame, a checked CSRF token and the asset id — or the refusal.
#[allow(clippy::result_large_err)] // the refusal is a ready response
fn asset_post(user: &WebUser, csrf: &str, id: &str) -> Result<(Layout, i64), Response> {
    let layout = Layout::new(Some(user), "assets", Flash(None));
    if user.check_csrf(csrf).is_err() {
        return Err(super::csrf_refused(layout));
    }
    match parse_id(id) {
        Some(id) => Ok((layout, id)),
        None => Err(error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no asset with this number.")),
    }
}

fn messages(f: &[htm_domain::FieldError]) -> String {
    f.iter().map(|e| super::capitalise(&e.message)).collect::<Vec<_>>().join(" ")
}

pub async fn record(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<ReadingForm>,
) -> Response {
    let (layout, id) = match asset_post(&user, &f.csrf, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let back = format!("/assets/{id}/usage");
    let Ok(value) = f.value.trim().replace([',', ' '], "").parse::<i64>() else {
        return redirect_with(&back, "error", "Give the meter reading as a whole number.");
    };
    let read_on = match f.read_on.trim() {
        "" => None,
        d => match d.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => return redirect_with(&back, "error", "Give the date as YYYY-MM-DD."),
        },
    };
    let unit = UsageUnit::parse(f.unit.trim()).unwrap_or(UsageUnit::Hours);
    match state
        .services
        .record_meter_reading(&user.principal, AssetId(id), NewMeterReading { unit, value, read_on })
        .await
    {
        Ok(o) => {
            let opened: Vec<String> = o.opened.iter().map(|w| w.number.clone()).collect();
            let text = if opened.is_empty() {
                format!("Reading {value} {} recorded.", unit.as_str())
            } else {
                format!("Reading {value} {} recorded; usage PM due: {} opened.", unit.as_str(), opened.join(", "))
            };
            redirect_with(&back, "ok", &text)
        }
        Err(ServiceError::Validation(f)) => redirect_with(&back, "error", &messages(&f)),
        Err(e) => service_error_page(layout, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TriggerForm {
    csrf: String,
    schedule_id: String,
    usage_interval: String,
    usage_unit: String,
}

pub async fn set_trigger(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<TriggerForm>,
) -> Response {
    let (layout, id) = match asset_post(&user, &f.csrf, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let back = format!("/assets/{id}/usage");
    let Some(schedule) = parse_id(&f.schedule_id) else {
        return redirect_with(&back, "error", "Choose a schedule.");
    };
    // The schedule must belong to this asset.
    match state.services.list_pm_schedules(&user.principal, AssetId(id)).await {
        Ok(list) if list.iter().any(|s| s.id == schedule) => {}
        Ok(_) => return redirect_with(&back, "error", "That schedule is not one of this asset's."),
        Err(e) => return service_error_page(layout, &e),
    }
    let trigger = match f.usage_interval.trim().replace([',', ' '], "") {
        s if s.is_empty() => None,
        s => match s.parse::<i64>() {
            Ok(n) => Some((n, UsageUnit::parse(f.usage_unit.trim()).unwrap_or(UsageUnit::Hours))),
            Err(_) => return redirect_with(&back, "error", "Give the usage interval as a whole number."),
        },
    };
    match state.services.set_schedule_usage(&user.principal, schedule, trigger).await {
        Ok(Some(t)) => redirect_with(
            &back,
            "ok",
            &format!("Schedule #{schedule} is now also due every {} {}.", t.usage_interval, t.usage_unit.as_str()),
        ),
        Ok(None) => redirect_with(&back, "ok", &format!("Schedule #{schedule} is no longer due by usage.")),
        Err(ServiceError::Validation(f)) => redirect_with(&back, "error", &messages(&f)),
        Err(e) => service_error_page(layout, &e),
    }
}
