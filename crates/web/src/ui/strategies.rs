//! Maintenance strategies (`/strategies`): the register of current strategies with their
//! rationale and approval signature, the proposals awaiting a decision (approve with the
//! password — an electronic signature — or reject), the AEM groups and their members, and the
//! form that proposes a strategy for a model or an asset. A proposal the rules forbid is shown
//! with every reason and its clause (CMS S&C 14-07-Hospital, TJC EC.02.04.03 EP 2).
//!
//! AEM monitoring (`/reports/aem`): per AEM group and quarter the outcome measures, the baseline
//! before approval, and the return-to-manufacturer flag (in red) with its evidence; the AEM
//! settings form for managers.

use super::view;
use super::{Flash, Layout, csrf_refused, error_page, html, parse_id, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::page::PageRequest;
use htm_domain::repair_analytics::Period;
use htm_domain::strategy::{AemCriteria, AemSettings, MaintenanceStrategy, StrategyProposal, StrategyTarget};
use htm_service::strategies::{AemReport, StrategyView};
use htm_service::{Action, Principal, ServiceError};
use serde::Deserialize;

/// One strategy as the register shows it.
pub struct StrategyRow {
    pub id: i64,
    /// `Model` or `Asset`.
    pub of: &'static str,
    pub link: String,
    pub label: String,
    pub category: String,
    pub strategy: String,
    pub aem: String,
    pub rationale: String,
    pub criteria: Vec<(&'static str, String)>,
    pub proposed: String,
    pub decided: String,
    pub signatures: Vec<String>,
}

fn row(v: &StrategyView) -> StrategyRow {
    let r = &v.record;
    let (of, link) = match r.target {
        StrategyTarget::Model(_) => ("Model", String::new()),
        StrategyTarget::Asset(a) => ("Asset", format!("/assets/{a}")),
    };
    let mut aem = Vec::new();
    if let Some(g) = &r.aem_group {
        aem.push(format!("group {g}"));
    }
    if let Some(m) = r.alt_interval_months {
        aem.push(format!("every {m} months"));
    }
    if let Some(c) = &r.alt_procedure_code {
        aem.push(format!("procedure {c}"));
    }
    let criteria = r
        .criteria
        .as_ref()
        .map(|c| {
            vec![
                ("How used; seriousness of harm", c.use_and_harm.clone()),
                ("Consequences of failure", c.failure_consequences.clone()),
                ("Backup availability", c.backup_availability.clone()),
                ("Incident history", c.incident_history.clone()),
                ("Maintenance requirements", c.maintenance_requirements.clone()),
            ]
        })
        .unwrap_or_default();
    StrategyRow {
        id: r.id,
        of,
        link,
        label: v.label.clone(),
        category: v.category.clone(),
        strategy: r.strategy.label().to_string(),
        aem: aem.join(", "),
        rationale: r.rationale.clone(),
        criteria,
        proposed: format!("{} on {}", r.proposed_by, view::ts(r.proposed_at)),
        decided: match (&r.decided_by, r.decided_at) {
            (Some(who), Some(at)) => format!("{who} on {}", view::ts(at)),
            _ => "—".into(),
        },
        signatures: v
            .signatures
            .iter()
            .map(|s| format!("{} · content {}", s.manifestation(), s.fingerprint()))
            .collect(),
    }
}

pub struct GroupRow {
    pub name: String,
    pub members: Vec<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "strategies.html")]
struct StrategiesPage {
    layout: Layout,
    csrf: String,
    current: Vec<StrategyRow>,
    proposed: Vec<StrategyRow>,
    groups: Vec<GroupRow>,
    models: Vec<(i64, String)>,
    strategies: Vec<(&'static str, &'static str)>,
    can_propose: bool,
    can_approve: bool,
    form: ProposeForm,
    refusals: Vec<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ProposeForm {
    csrf: String,
    model_id: String,
    asset_tag: String,
    strategy: String,
    rationale: String,
    aem_group: String,
    alt_interval_months: String,
    alt_procedure_code: String,
    use_and_harm: String,
    failure_consequences: String,
    backup_availability: String,
    incident_history: String,
    maintenance_requirements: String,
}

async fn render(
    state: &AppState,
    user: &WebUser,
    layout: Layout,
    status: StatusCode,
    form: ProposeForm,
    refusals: Vec<String>,
) -> Response {
    let p = &user.principal;
    let s = &state.services;
    let current = match s.list_strategies(p).await {
        Ok(c) => c,
        Err(e) => return service_error_page(layout, &e),
    };
    let proposed = match s.proposed_strategies(p).await {
        Ok(c) => c,
        Err(e) => return service_error_page(layout, &e),
    };
    let groups = match s.aem_groups(p).await {
        Ok(g) => g,
        Err(e) => return service_error_page(layout, &e),
    };
    let can_propose = p.can(Action::ProposeStrategy);
    let models = if can_propose {
        let page = match PageRequest::parse(Some(1000), None) {
            Ok(p) => p,
            Err(e) => return service_error_page(layout, &e.into()),
        };
        match s.list_models(p, None, page).await {
            Ok(m) => m
                .items
                .into_iter()
                .map(|m| (m.id.0, format!("{} {} — {}", m.manufacturer, m.model_number, m.category)))
                .collect(),
            Err(e) => return service_error_page(layout, &e),
        }
    } else {
        Vec::new()
    };
    let page = StrategiesPage {
        csrf: user.csrf.clone(),
        current: current.iter().map(row).collect(),
        proposed: proposed.iter().map(row).collect(),
        groups: groups
            .into_iter()
            .map(|g| GroupRow {
                name: g.name,
                members: g.members.into_iter().map(|m| (m.asset_id.0, m.asset_tag)).collect(),
            })
            .collect(),
        models,
        strategies: MaintenanceStrategy::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        can_propose,
        can_approve: p.can(Action::ApproveStrategy),
        form,
        refusals,
        layout: layout.clone(),
    };
    html(status, &layout, page)
}

pub async fn page(State(state): State<AppState>, user: WebUser, flash: Flash) -> Response {
    let layout = Layout::new(Some(&user), "strategies", flash);
    render(&state, &user, layout, StatusCode::OK, ProposeForm::default(), Vec::new()).await
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn proposal(f: &ProposeForm) -> Result<StrategyProposal, ServiceError> {
    let strategy = MaintenanceStrategy::parse(&f.strategy)?;
    let alt_interval_months = match opt(&f.alt_interval_months) {
        Some(m) => Some(
            m.parse::<i32>()
                .map_err(|_| ServiceError::invalid("alt_interval_months", "is a whole number of months"))?,
        ),
        None => None,
    };
    let criteria = AemCriteria {
        use_and_harm: f.use_and_harm.clone(),
        failure_consequences: f.failure_consequences.clone(),
        backup_availability: f.backup_availability.clone(),
        incident_history: f.incident_history.clone(),
        maintenance_requirements: f.maintenance_requirements.clone(),
    };
    Ok(StrategyProposal {
        strategy,
        rationale: f.rationale.clone(),
        aem_group: opt(&f.aem_group),
        alt_interval_months,
        alt_procedure_code: opt(&f.alt_procedure_code),
        criteria: Some(criteria),
    })
}

async fn target(state: &AppState, p: &Principal, f: &ProposeForm) -> Result<StrategyTarget, ServiceError> {
    if let Some(tag) = opt(&f.asset_tag) {
        let a = state.services.get_asset_by_tag(p, &tag).await?;
        return Ok(StrategyTarget::Asset(a.id));
    }
    match f.model_id.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(StrategyTarget::Model(ModelId(id))),
        _ => Err(ServiceError::invalid("model_id", "choose a model, or give an asset tag")),
    }
}

/// Proposes a strategy; a refusal is shown on the page with every reason and its clause.
pub async fn propose(State(state): State<AppState>, user: WebUser, Form(f): Form<ProposeForm>) -> Response {
    let layout = Layout::new(Some(&user), "strategies", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let p = &user.principal;
    let result = async {
        let t = target(&state, p, &f).await?;
        let pr = proposal(&f)?;
        state.services.propose_strategy(p, t, pr).await
    }
    .await;
    match result {
        Ok(r) => redirect_with(
            "/strategies",
            "ok",
            &format!("Proposed: {} (strategy {}). It applies once approved.", r.strategy.label(), r.id),
        ),
        Err(ServiceError::Refused { message, reasons, .. }) => {
            let layout = layout.with_error(message);
            let list = reasons.into_iter().map(|r| r.message).collect();
            render(&state, &user, layout, StatusCode::UNPROCESSABLE_ENTITY, f, list).await
        }
        Err(e @ ServiceError::Validation(_)) => {
            let layout = layout.with_error(format!("Please correct the proposal: {e}"));
            render(&state, &user, layout, StatusCode::UNPROCESSABLE_ENTITY, f, Vec::new()).await
        }
        Err(e) => service_error_page(layout, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    password: String,
    note: String,
}

/// Approves a proposal: the password is the approver's electronic signature.
pub async fn approve(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "strategies", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no strategy with this number.");
    };
    match state.services.approve_strategy(&user.principal, id, Some(f.password.as_str())).await {
        Ok(v) => redirect_with(
            "/strategies",
            "ok",
            &format!("Approved and signed: {} for {}.", v.record.strategy.label(), v.label),
        ),
        Err(ServiceError::SignatureRequired(m) | ServiceError::SignatureInvalid(m)) => {
            redirect_with("/strategies", "error", &super::capitalise(&m))
        }
        Err(ServiceError::Refused { message, reasons, .. }) => {
            let layout = layout.with_error(message);
            let list = reasons.into_iter().map(|r| r.message).collect();
            render(&state, &user, layout, StatusCode::UNPROCESSABLE_ENTITY, ProposeForm::default(), list).await
        }
        Err(e) => service_error_page(layout, &e),
    }
}

pub async fn reject(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "strategies", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no strategy with this number.");
    };
    match state.services.reject_strategy(&user.principal, id, &f.note).await {
        Ok(r) => redirect_with("/strategies", "ok", &format!("Rejected strategy {}.", r.id)),
        Err(e @ ServiceError::Validation(_)) => redirect_with("/strategies", "error", &e.to_string()),
        Err(e) => service_error_page(layout, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FlagsForm {
    csrf: String,
    model_id: String,
    imaging_radiologic: Option<String>,
    medical_laser: Option<String>,
    other_rule_requires_oem: Option<String>,
    other_rule_citation: String,
}

/// Sets a model's rule designations (imaging, laser, another rule requires the OEM's).
pub async fn save_model_flags(State(state): State<AppState>, user: WebUser, Form(f): Form<FlagsForm>) -> Response {
    let layout = Layout::new(Some(&user), "strategies", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(model) = parse_id(f.model_id.trim()) else {
        return redirect_with("/strategies", "error", "Choose a model.");
    };
    let flags = htm_domain::strategy::ModelAemFlags {
        imaging_radiologic: f.imaging_radiologic.is_some(),
        medical_laser: f.medical_laser.is_some(),
        other_rule_requires_oem: f.other_rule_requires_oem.is_some(),
        other_rule_citation: opt(&f.other_rule_citation),
    };
    match state.services.set_model_aem_flags(&user.principal, ModelId(model), flags).await {
        Ok(_) => redirect_with("/strategies", "ok", "Rule designations saved."),
        Err(e @ ServiceError::Validation(_)) => redirect_with("/strategies", "error", &e.to_string()),
        Err(e) => service_error_page(layout, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// AEM monitoring

pub struct PeriodRow {
    pub label: String,
    pub dates: String,
    pub device_years: String,
    pub pms: i64,
    pub at_pm: i64,
    pub between: i64,
    pub incidents: i64,
    pub rate: String,
}

pub struct EvidenceRow {
    pub id: i64,
    pub number: String,
    pub asset: String,
    pub kind: &'static str,
    pub cause: String,
    pub at: String,
}

pub struct GroupReport {
    pub name: String,
    pub members: usize,
    pub approved: String,
    pub flagged: bool,
    /// The quarter judged.
    pub judged: String,
    pub reasons: Vec<String>,
    pub baseline: PeriodRow,
    pub periods: Vec<PeriodRow>,
    pub evidence: Vec<EvidenceRow>,
}

fn period_row(o: &htm_service::strategies::AemPeriodOutcome) -> PeriodRow {
    PeriodRow {
        label: o.label.clone(),
        dates: format!("{} – {}", o.from, o.to),
        device_years: format!("{:.2}", o.device_years),
        pms: o.pms_done,
        at_pm: o.failures_at_pm,
        between: o.failures_between_pms,
        incidents: o.incidents,
        rate: o.failure_rate.map(|r| format!("{r:.2}")).unwrap_or_else(|| "—".into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "aem_report.html")]
struct AemPage {
    layout: Layout,
    csrf: String,
    from: String,
    to: String,
    groups: Vec<GroupReport>,
    settings: AemSettings,
    max_rate: String,
    can_settings: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AemQuery {
    from: String,
    to: String,
}

pub async fn report(State(state): State<AppState>, user: WebUser, flash: Flash, Query(q): Query<AemQuery>) -> Response {
    let layout = Layout::new(Some(&user), "aem_report", flash);
    let today = view::today();
    let to = if q.to.trim().is_empty() { today.to_string() } else { q.to.clone() };
    let from = if q.from.trim().is_empty() {
        today.checked_sub(jiff::Span::new().days(364)).unwrap_or(today).to_string()
    } else {
        q.from.clone()
    };
    let period = match Period::parse(&from, &to) {
        Ok(p) => p,
        Err(e) => return service_error_page(layout, &ServiceError::from(e)),
    };
    let r: AemReport = match state.services.aem_monitoring(&user.principal, period.from, period.to).await {
        Ok(r) => r,
        Err(e) => return service_error_page(layout, &e),
    };
    let groups = r
        .groups
        .iter()
        .map(|g| GroupReport {
            name: g.group.clone(),
            members: g.members,
            approved: view::ts(g.approved_at),
            flagged: g.return_to_manufacturer,
            judged: g.judged_period.clone().unwrap_or_default(),
            reasons: g.reasons.clone(),
            baseline: period_row(&g.baseline),
            periods: g.periods.iter().map(period_row).collect(),
            evidence: g
                .evidence
                .iter()
                .map(|e| EvidenceRow {
                    id: e.work_order_id.0,
                    number: e.number.clone(),
                    asset: e.asset_tag.clone(),
                    kind: if e.kind == "found_at_pm" { "failure found at PM" } else { "failure between PMs" },
                    cause: e.cause_code.clone().unwrap_or_else(|| "—".into()),
                    at: view::ts(e.at),
                })
                .collect(),
        })
        .collect();
    AemPage {
        csrf: user.csrf.clone(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        groups,
        max_rate: format!("{:.2}", f64::from(r.settings.max_failures_per_100_device_years) / 100.0),
        settings: r.settings,
        can_settings: user.principal.can(Action::ManageAemSettings),
        layout,
    }
    .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    csrf: String,
    version: String,
    min_service_months: String,
    min_completed_pms: String,
    rise_pct: String,
    max_rate: String,
    baseline_months: String,
}

pub async fn save_settings(State(state): State<AppState>, user: WebUser, Form(f): Form<SettingsForm>) -> Response {
    let layout = Layout::new(Some(&user), "aem_report", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let int = |s: &str| s.trim().parse::<i32>().unwrap_or(-1);
    let rate = f.max_rate.trim().parse::<f64>().map(|r| (r * 100.0).round() as i32).unwrap_or(0);
    let s = AemSettings {
        min_service_months: int(&f.min_service_months),
        min_completed_pms: int(&f.min_completed_pms),
        rise_pct: int(&f.rise_pct),
        max_failures_per_100_device_years: rate,
        baseline_months: int(&f.baseline_months),
        version: f.version.trim().parse().unwrap_or(0),
    };
    match state.services.set_aem_settings(&user.principal, s).await {
        Ok(_) => redirect_with("/reports/aem", "ok", "AEM settings saved."),
        Err(e @ (ServiceError::Validation(_) | ServiceError::Stale(_))) => {
            redirect_with("/reports/aem", "error", &e.to_string())
        }
        Err(e) => service_error_page(layout, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// The asset page's strategy line

/// What the asset page shows about the asset's maintenance strategy.
pub struct AssetStrategyView {
    pub strategy: String,
    pub source: &'static str,
    pub aem: String,
    pub rationale: String,
    pub signature: String,
}

impl AssetStrategyView {
    /// One line for the asset page's details, e.g. `Alternate equipment maintenance (AEM): AEM
    /// group LVP, every 24 months (set for its model; approved: Signed by …)`.
    pub fn summary(&self) -> String {
        let mut s = self.strategy.clone();
        if !self.aem.is_empty() {
            s.push_str(&format!(": {}", self.aem));
        }
        if !self.rationale.is_empty() {
            s.push_str(&format!(" — {}", self.rationale));
        }
        s.push_str(&format!(" ({}", self.source));
        if !self.signature.is_empty() {
            s.push_str(&format!("; {}", self.signature));
        }
        s.push(')');
        s
    }
}

/// The strategy of an asset for its page, or `None` when the reader may not see it.
pub async fn asset_panel(
    state: &AppState,
    p: &Principal,
    asset: AssetId,
) -> Result<Option<AssetStrategyView>, ServiceError> {
    let s = match state.services.asset_strategy(p, asset).await {
        Ok(s) => s,
        Err(ServiceError::Forbidden(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let aem = s
        .record
        .as_ref()
        .map(|r| {
            let mut v = Vec::new();
            if let Some(g) = &r.aem_group {
                v.push(format!("AEM group {g}"));
            }
            if let Some(m) = r.alt_interval_months {
                v.push(format!("every {m} months"));
            }
            if let Some(c) = &r.alt_procedure_code {
                v.push(format!("procedure {c}"));
            }
            v.join(", ")
        })
        .unwrap_or_default();
    Ok(Some(AssetStrategyView {
        strategy: s.strategy.label().to_string(),
        source: match s.source {
            "asset" => "set for this asset",
            "model" => "set for its model",
            _ => "the default: no strategy approved",
        },
        aem,
        rationale: s.record.as_ref().map(|r| r.rationale.clone()).unwrap_or_default(),
        signature: s.signatures.last().map(|g| g.manifestation()).unwrap_or_default(),
    }))
}
