//! The asset page's Risk panel (the Fennigkoh & Smith EM number with its factors and source,
//! in-program, suggested PM interval, the weighted-method scores and the designation history),
//! and the form that sets an asset's Fennigkoh & Smith factors.

use super::view;
use super::{Flash, Layout, csrf_refused, error_page, parse_id, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::ids::AssetId;
use htm_service::{Action, Principal, ServiceError};
use htm_store::RiskTarget;
use serde::Deserialize;

/// The Fennigkoh & Smith part of the panel.
pub struct EmView {
    pub em_number: i8,
    pub function: i8,
    pub physical_risk: i8,
    pub maintenance: i8,
    pub incident_history: String,
    pub failures: u32,
    /// "this asset" or "its model".
    pub source: &'static str,
    pub in_program: bool,
    pub threshold: i8,
    pub interval: String,
    pub must_be_high_risk: bool,
    pub reason: String,
    pub decided: String,
}

pub struct WeightedView {
    pub method_name: String,
    pub method_version: i32,
    pub outdated: bool,
    pub is_default: bool,
    pub score: String,
    pub threshold: u8,
    pub in_program: bool,
    pub interval: String,
    pub source: &'static str,
    /// "Label 4 × 30 → 22.5", one per criterion.
    pub parts: Vec<String>,
}

pub struct DesignationView {
    pub when: String,
    pub iso: String,
    pub who: String,
    pub of: &'static str,
    pub what: String,
    pub reason: String,
}

/// Everything the Risk panel shows.
pub struct RiskPanel {
    pub em: Option<EmView>,
    pub weighted: Vec<WeightedView>,
    pub designations: Vec<DesignationView>,
    pub can_assess: bool,
    /// Form defaults (the factors in force, else the middle of the scale).
    pub function: i8,
    pub physical_risk: i8,
    pub maintenance: i8,
}

fn interval(m: Option<u8>) -> String {
    match m {
        Some(3) => "every 3 months (quarterly)".into(),
        Some(6) => "every 6 months (semiannual)".into(),
        Some(12) => "every 12 months (annual)".into(),
        Some(n) => format!("every {n} months"),
        None => "no scheduled PM (inspect and repair on demand)".into(),
    }
}

fn source(asset_level: bool) -> &'static str {
    if asset_level { "this asset" } else { "its model" }
}

/// The panel for an asset, or `None` when the reader may not see it.
pub async fn panel(state: &AppState, p: &Principal, asset: AssetId) -> Result<Option<RiskPanel>, ServiceError> {
    let em = match state.services.asset_risk(p, asset).await {
        Ok(r) => r,
        Err(ServiceError::Forbidden(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let weighted = state.services.asset_weighted_risk(p, asset).await?;
    let designations = state.services.asset_designations(p, asset).await?;
    let (function, physical_risk, maintenance) = em
        .as_ref()
        .map(|r| (r.assessment.factors.function, r.assessment.factors.physical_risk, r.assessment.factors.maintenance))
        .unwrap_or((6, 3, 3));
    Ok(Some(RiskPanel {
        em: em.map(|r| EmView {
            em_number: r.em_number,
            function: r.assessment.factors.function,
            physical_risk: r.assessment.factors.physical_risk,
            maintenance: r.assessment.factors.maintenance,
            incident_history: format!("{:+}", r.incident_history),
            failures: r.failures_last_18_months,
            source: source(r.source == "asset"),
            in_program: r.in_program,
            threshold: r.inclusion_threshold,
            interval: interval(r.pm_interval_months),
            must_be_high_risk: r.must_be_high_risk,
            reason: r.assessment.reason.clone(),
            decided: format!("{} on {}", r.assessment.decided_by, view::ts(r.assessment.decided_at)),
        }),
        weighted: weighted
            .into_iter()
            .map(|w| WeightedView {
                method_name: w.method.name.clone(),
                method_version: w.method.version,
                outdated: w.latest_version > w.method.version,
                is_default: w.method.is_default,
                score: format!("{:.1}", w.score.score),
                threshold: w.inclusion_threshold,
                in_program: w.in_program,
                interval: interval(w.pm_interval_months),
                source: source(w.source == "asset"),
                parts: w
                    .score
                    .parts
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {}{} (weight {}) → {:.1}",
                            c.label,
                            c.score,
                            if c.computed { ", from repairs" } else { "" },
                            c.weight,
                            c.contribution
                        )
                    })
                    .collect(),
            })
            .collect(),
        designations: designations
            .into_iter()
            .map(|d| {
                let label = if d.designation == "life_support" { "Life support" } else { "High risk" };
                let what = match d.designated {
                    Some(true) => format!("{label}: yes"),
                    Some(false) => format!("{label}: no"),
                    None => format!("{label}: cleared (inherits the model's)"),
                };
                DesignationView {
                    when: view::ts(d.decided_at),
                    iso: view::iso(d.decided_at),
                    who: d.decided_by,
                    of: if matches!(d.target, RiskTarget::Asset(_)) { "this asset" } else { "its model" },
                    what,
                    reason: d.reason,
                }
            })
            .collect(),
        can_assess: p.can(Action::ManageInventory),
        function,
        physical_risk,
        maintenance,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RiskForm {
    csrf: String,
    function: String,
    physical_risk: String,
    maintenance: String,
    reason: String,
}

/// Sets the asset's own Fennigkoh & Smith factors (an override of its model's).
pub async fn assess(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<RiskForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "assets", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no asset with this number.");
    };
    let back = format!("/assets/{id}#asset-risk");
    let num = |s: &str| s.trim().parse::<i8>().unwrap_or(0);
    let factors = (num(&f.function), num(&f.physical_risk), num(&f.maintenance));
    match state.services.assess_risk(&user.principal, RiskTarget::Asset(AssetId(id)), factors, &f.reason).await {
        Ok(a) => redirect_with(
            &back,
            "ok",
            &format!(
                "Risk factors saved for this asset: function {}, physical risk {}, maintenance {}.",
                a.factors.function, a.factors.physical_risk, a.factors.maintenance
            ),
        ),
        Err(ServiceError::Validation(f)) => redirect_with(
            &back,
            "error",
            &f.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
        ),
        Err(e) => service_error_page(layout, &e),
    }
}
