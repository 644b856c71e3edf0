//! "What is the limit here?": the electrical-safety limits for a device, by standard, protection
//! class and applied-part type.

use super::{Flash, Layout};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use htm_domain::esa::{AppliedPartType, EsaLimit, EsaStandard, ProtectionClass};
use serde::Deserialize;

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "esa_limits.html")]
struct EsaPage {
    layout: Layout,
    standards: Vec<Choice>,
    classes: Vec<Choice>,
    applied_parts: Vec<Choice>,
    limits: Vec<EsaLimit>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EsaForm {
    standard: String,
    class: String,
    applied_part: String,
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    sel: T,
) -> Vec<Choice> {
    all.iter().map(|v| Choice { value: code(*v), label: label(*v), selected: *v == sel }).collect()
}

pub async fn page(State(state): State<AppState>, user: WebUser, flash: Flash, Query(f): Query<EsaForm>) -> Response {
    let layout = Layout::new(Some(&user), "esa", flash);
    let standard = EsaStandard::parse(&f.standard).unwrap_or(EsaStandard::Iec62353);
    let class = ProtectionClass::parse(&f.class).unwrap_or(ProtectionClass::I);
    let ap = AppliedPartType::parse(&f.applied_part).unwrap_or(AppliedPartType::None);
    let (limits, error) = match state.services.esa_limits(standard, class, ap).await {
        Ok(l) => (l, None),
        Err(e) => (Vec::new(), Some(super::describe(&e).2)),
    };
    let page = EsaPage {
        layout,
        standards: choices(EsaStandard::ALL, EsaStandard::as_str, EsaStandard::label, standard),
        classes: choices(ProtectionClass::ALL, ProtectionClass::as_str, ProtectionClass::label, class),
        applied_parts: choices(AppliedPartType::ALL, AppliedPartType::as_str, AppliedPartType::label, ap),
        limits,
        error,
    };
    let status = if page.error.is_some() { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK };
    (status, page).into_response()
}
