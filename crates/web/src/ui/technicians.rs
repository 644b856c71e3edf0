//! Technicians and their qualifications (REFERENCE §10): `/technicians` lists everyone who does
//! maintenance work with their certifications and manufacturer training (expired ones
//! highlighted); `/technicians/{id}` shows one person and, for managers and administrators, a
//! form to add a qualification and buttons to revoke one.

use super::{Flash, Layout, csrf_refused, error_page, html, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::ids::{ModelId, UserId};
use htm_domain::page::PageRequest;
use htm_domain::qualification::{Certification, NewQualification, Qualification};
use htm_service::Action;
use serde::Deserialize;

pub struct QualRow {
    pub id: i64,
    pub title: String,
    pub reference: String,
    pub issuer: String,
    pub issued: String,
    pub expires: String,
    /// `valid`, `expired` or `revoked`.
    pub state: &'static str,
    pub note: String,
}

pub struct TechRow {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub role: String,
    pub quals: Vec<QualRow>,
    pub expired: usize,
}

pub struct Opt {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "technicians.html")]
struct ListPage {
    layout: Layout,
    techs: Vec<TechRow>,
    today: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "technician.html")]
struct DetailPage {
    layout: Layout,
    csrf: String,
    tech: TechRow,
    can_manage: bool,
    certifications: Vec<Opt>,
    models: Vec<Opt>,
    today: String,
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

fn row(q: &Qualification, today: jiff::civil::Date) -> QualRow {
    let state = if q.revoked_at.is_some() {
        "revoked"
    } else if q.expired_on(today) {
        "expired"
    } else {
        "valid"
    };
    let note = match (state, &q.revoked_reason, q.certification) {
        ("revoked", r, _) => format!(
            "Revoked {}{}",
            q.revoked_at.map(|t| t.to_string().chars().take(10).collect::<String>()).unwrap_or_default(),
            r.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
        ),
        ("expired", _, _) => "Expired".into(),
        (_, _, Some(c)) if !c.confirmed() => "Unconfirmed credential (REFERENCE §10)".into(),
        _ => String::new(),
    };
    QualRow {
        id: q.id,
        title: q.title(),
        reference: q.reference.clone().unwrap_or_default(),
        issuer: q.issuer.clone().unwrap_or_default(),
        issued: q.issued_on.map(|d| d.to_string()).unwrap_or_default(),
        expires: q.expires_on.map(|d| d.to_string()).unwrap_or_else(|| "does not expire".into()),
        state,
        note,
    }
}

fn tech_row(t: &htm_service::qualifications::TechnicianQualifications, today: jiff::civil::Date) -> TechRow {
    let quals: Vec<QualRow> = t.qualifications.iter().map(|q| row(q, today)).collect();
    TechRow {
        id: t.user.id.0,
        name: t.user.display_name.clone(),
        username: t.user.username.clone(),
        role: t.user.role.label().to_string(),
        expired: quals.iter().filter(|q| q.state == "expired").count(),
        quals,
    }
}

pub async fn list(State(state): State<AppState>, user: WebUser, flash: Flash) -> Response {
    let layout = Layout::new(Some(&user), "technicians", flash);
    let d = today();
    match state.services.technicians(&user.principal).await {
        Ok(list) => {
            let page = ListPage {
                layout: layout.clone(),
                techs: list.iter().map(|t| tech_row(t, d)).collect(),
                today: d.to_string(),
            };
            html(StatusCode::OK, &layout, page)
        }
        Err(e) => service_error_page(layout, &e),
    }
}

pub async fn detail(State(state): State<AppState>, user: WebUser, flash: Flash, Path(id): Path<String>) -> Response {
    let layout = Layout::new(Some(&user), "technicians", flash);
    let Ok(id) = id.parse::<i64>() else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no such person.");
    };
    let p = &user.principal;
    let person = match state.services.get_user(p, UserId(id)).await {
        Ok(u) => u,
        Err(e) => return service_error_page(layout, &e),
    };
    let quals = match state.services.list_qualifications(p, UserId(id)).await {
        Ok(q) => q,
        Err(e) => return service_error_page(layout, &e),
    };
    let can_manage = p.can(Action::ManageQualifications);
    let models = if can_manage {
        match state.services.list_models(p, None, PageRequest { limit: 1000, after: None }).await {
            Ok(page) => page
                .items
                .iter()
                .map(|m| Opt {
                    value: m.id.0.to_string(),
                    label: format!("{} {} – {}", m.manufacturer, m.model_number, m.name),
                })
                .collect(),
            Err(e) => return service_error_page(layout, &e),
        }
    } else {
        Vec::new()
    };
    let d = today();
    let tech =
        tech_row(&htm_service::qualifications::TechnicianQualifications { user: person, qualifications: quals }, d);
    let page = DetailPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        tech,
        can_manage,
        certifications: Certification::ALL
            .iter()
            .map(|c| Opt { value: c.as_str().to_string(), label: c.label().to_string() })
            .collect(),
        models,
        today: d.to_string(),
    };
    html(StatusCode::OK, &layout, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddForm {
    csrf: String,
    certification: String,
    model_id: String,
    reference: String,
    issuer: String,
    issued_on: String,
    expires_on: String,
}

fn date_field(s: &str, field: &str) -> Result<Option<jiff::civil::Date>, String> {
    match s.trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|_| format!("{field}: enter a date like 2027-03-31")),
    }
}

pub async fn add(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<AddForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "technicians", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no such person.");
    };
    let back = format!("/technicians/{id}");
    let certification = match f.certification.trim() {
        "" => None,
        c => match Certification::parse(c) {
            Ok(c) => Some(c),
            Err(e) => return redirect_with(&back, "error", &e.to_string()),
        },
    };
    let model_id = match f.model_id.trim() {
        "" => None,
        m => match m.parse::<i64>() {
            Ok(m) => Some(ModelId(m)),
            Err(_) => return redirect_with(&back, "error", "Choose a model from the list."),
        },
    };
    let (issued_on, expires_on) = match (date_field(&f.issued_on, "Issued on"), date_field(&f.expires_on, "Expires on"))
    {
        (Ok(i), Ok(x)) => (i, x),
        (Err(e), _) | (_, Err(e)) => return redirect_with(&back, "error", &e),
    };
    let n = NewQualification {
        certification,
        model_id,
        reference: Some(f.reference),
        issuer: Some(f.issuer),
        issued_on,
        expires_on,
    };
    match state.services.add_qualification(&user.principal, UserId(id), n).await {
        Ok(q) => redirect_with(&back, "ok", &format!("Added {}.", q.title())),
        Err(e) => redirect_with(&back, "error", &super::describe(&e).2),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    csrf: String,
    reason: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, qid)): Path<(String, String)>,
    Form(f): Form<RevokeForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "technicians", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let (Ok(id), Ok(qid)) = (id.parse::<i64>(), qid.parse::<i64>()) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no such qualification.");
    };
    let back = format!("/technicians/{id}");
    match state.services.revoke_qualification(&user.principal, UserId(id), qid, &f.reason).await {
        Ok(q) => redirect_with(&back, "ok", &format!("Revoked {}.", q.title())),
        Err(e) => redirect_with(&back, "error", &super::describe(&e).2),
    }
}
