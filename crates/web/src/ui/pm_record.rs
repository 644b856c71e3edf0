//! "Do a PM" on a phone: the procedure that applies to a PM work order, one row per step (checks,
//! measurements with their limits, the electrical safety readings the device's class and applied
//! part call for), the test equipment used, and the recorded results with PASS / FAIL.
//!
//! - `GET /work-orders/{id}/pm` shows the form while the PM is in progress, and the stored
//!   results once any were recorded; `?standard=` chooses the ESA limit set (IEC 62353 default).
//! - `POST /work-orders/{id}/pm` saves the results (`complete=0`) or signs the PM off
//!   (`complete=1`) through `record_pm`, then redirects back with a flash message. A refusal is
//!   shown on the page with what was entered kept.

use super::work_orders::work_order_post;
use super::{Flash, Layout, capitalise, error_page, html, parse_id, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::FieldError;
use htm_domain::asset::Asset;
use htm_domain::esa::{EsaLimit, EsaStandard};
use htm_domain::ids::{AssetId, WorkOrderId};
use htm_domain::procedure::{EsaInput, EsaReadingInput, PmRecord, PmRecordRequest, Procedure, StepInput, StepKind};
use htm_domain::work_order::{WorkOrderStatus, WorkOrderType};
use htm_service::{Action, ServiceError};
use serde::Deserialize;

const STALE: &str = "This work order was changed by someone else; the page now shows the latest version. Check the values and submit again.";

/// One standard in the select.
pub struct StdOpt {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// One ESA limit with the reading entered against it.
pub struct ReadingRow {
    pub limit_id: i64,
    pub test: String,
    pub configuration: String,
    pub condition: String,
    /// e.g. `passes if at most 50 uA`.
    pub passes_if: String,
    pub unit: String,
    pub value: String,
}

/// One procedure step as a form row.
pub struct StepRow {
    pub id: i64,
    pub position: i32,
    /// `check`, `measurement` or `electrical_safety`.
    pub kind: &'static str,
    pub instruction: String,
    pub unit: String,
    pub limit_text: String,
    /// Checks: `pass`, `fail` or empty.
    pub check: String,
    /// Measurements: the value as typed.
    pub value: String,
    /// Electrical safety: the first such step takes the readings; later ones share them.
    pub takes_readings: bool,
}

/// One judged reading as stored.
pub struct ResultReading {
    pub test: String,
    pub value: String,
    pub limit: String,
    pub passed: bool,
}

/// One judged step as stored.
pub struct ResultRow {
    pub position: i32,
    pub instruction: String,
    pub value: String,
    pub limit_text: String,
    pub passed: bool,
    pub readings: Vec<ResultReading>,
}

/// A test instrument used on the PM, as recorded: model, serial and its calibration due date at
/// the time of use (REFERENCE §1.5).
pub struct InstrumentRow {
    pub asset_id: i64,
    pub asset_tag: String,
    pub model: String,
    pub serial: String,
    pub due: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pm_record.html")]
struct PmPage {
    layout: Layout,
    csrf: String,
    id: i64,
    version: i64,
    number: String,
    status: String,
    status_code: &'static str,
    asset_id: Option<i64>,
    asset_tag: String,
    /// `CODE v2 — Name`, or `None` with `no_procedure` saying why.
    procedure: Option<String>,
    no_procedure: Option<String>,
    /// The results being recorded are kept against this version.
    recorded_procedure: Option<String>,
    can_record: bool,
    can_sign: bool,
    /// Why the form is not offered (not in progress, no right to edit).
    not_recordable: Option<String>,
    steps: Vec<StepRow>,
    has_esa: bool,
    standards: Vec<StdOpt>,
    standard: &'static str,
    readings: Vec<ReadingRow>,
    esa_note: Option<String>,
    equipment: String,
    equipment_error: Option<String>,
    errors: Vec<String>,
    results: Vec<ResultRow>,
    /// The test equipment recorded with the results.
    instruments: Vec<InstrumentRow>,
    /// Of the stored results: whether every step passed.
    overall_pass: bool,
    repair_id: Option<i64>,
    /// What the procedure requires of the technician (e.g. `CBET`), if anything.
    requirement: Option<String>,
    /// Why this work order was flagged (technician lacking the requirement at a flagging site).
    qualification_flag: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PmQuery {
    standard: String,
}

/// What the technician submitted, kept to show again after a refusal.
struct Entered(Vec<(String, String)>);

impl Entered {
    fn get(&self, key: &str) -> &str {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).unwrap_or("")
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: WebUser,
    flash: Flash,
    Path(id): Path<String>,
    Query(q): Query<PmQuery>,
) -> Response {
    let layout = Layout::new(Some(&user), "work_orders", flash);
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no work order with this number.");
    };
    let standard = EsaStandard::parse(q.standard.trim()).ok();
    render(&state, &user, layout, id, standard, None, None).await
}

/// A number as typed on a phone: `12.5` or `12,5`.
fn parse_number(s: &str) -> Option<f64> {
    s.trim().replace(',', ".").parse::<f64>().ok().filter(|v| v.is_finite())
}

pub async fn record(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = Entered(pairs);
    let (layout, id) = match work_order_post(&user, f.get("csrf"), &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let p = &user.principal;
    let standard = EsaStandard::parse(f.get("standard")).unwrap_or(EsaStandard::Iec62353);
    let complete = matches!(f.get("complete"), "1" | "true");
    let mut errors = Vec::new();
    let mut steps: Vec<StepInput> = Vec::new();
    let mut readings = Vec::new();
    for (k, v) in &f.0 {
        let v = v.trim();
        if let Some(sid) = k.strip_prefix("check-").and_then(|s| s.parse::<i64>().ok()) {
            let passed = match v {
                "pass" => Some(true),
                "fail" => Some(false),
                _ => None,
            };
            if passed.is_some() {
                steps.push(StepInput { step_id: sid, passed, ..Default::default() });
            }
        } else if let Some(sid) = k.strip_prefix("value-").and_then(|s| s.parse::<i64>().ok()) {
            if v.is_empty() {
                continue;
            }
            match parse_number(v) {
                Some(x) => steps.push(StepInput { step_id: sid, value: Some(x), ..Default::default() }),
                None => errors.push(FieldError::new("value", format!("'{v}' is not a number; enter one like 12.5"))),
            }
        } else if let Some(lid) = k.strip_prefix("esa-").and_then(|s| s.parse::<i64>().ok()) {
            if v.is_empty() {
                continue;
            }
            match parse_number(v) {
                Some(x) => readings.push(EsaReadingInput { limit_id: lid, value: x }),
                None => {
                    errors.push(FieldError::new("esa", format!("reading '{v}' is not a number; enter one like 0.2")))
                }
            }
        }
    }
    let mut test_equipment: Vec<AssetId> = Vec::new();
    for tag in f.get("test_equipment").split(',').map(str::trim).filter(|t| !t.is_empty()) {
        match state.services.get_asset_by_tag(p, tag).await {
            Ok(a) if !test_equipment.contains(&a.id) => test_equipment.push(a.id),
            Ok(_) => {}
            Err(ServiceError::NotFound(_)) => {
                errors.push(FieldError::new("test_equipment", format!("no asset has the tag '{tag}'")))
            }
            Err(e) => return render(&state, &user, layout, id, Some(standard), Some(&f), Some(e)).await,
        }
    }
    if !errors.is_empty() {
        let e = ServiceError::Validation(errors);
        return render(&state, &user, layout, id, Some(standard), Some(&f), Some(e)).await;
    }
    let req = PmRecordRequest {
        version: f.get("version").parse().unwrap_or(-1),
        steps,
        esa: (!readings.is_empty()).then_some(EsaInput { standard, readings }),
        test_equipment,
        complete,
        password: Some(f.get("password").to_string()).filter(|s| !s.is_empty()),
    };
    match state.services.record_pm(p, WorkOrderId(id), req).await {
        Ok(r) => {
            let number = &r.work_order.number;
            let text = if !complete {
                format!("Results for {number} saved.")
            } else if r.results.iter().all(|s| s.passed) {
                format!("{number} signed off: the PM passed.")
            } else {
                format!("{number} signed off: the PM failed. A repair was opened and the equipment is out of service.")
            };
            let text = match &r.work_order.qualification_flag {
                Some(flag) => format!("{text} Flagged: {flag}."),
                None => text,
            };
            redirect_with(&format!("/work-orders/{id}/pm"), "ok", &text)
        }
        Err(e) => render(&state, &user, layout, id, Some(standard), Some(&f), Some(e)).await,
    }
}

/// The procedure a PM is performed to: the version already recorded, else the latest version of
/// the asset's own procedure code or its model's. `Err` says why there is none.
async fn procedure_for(
    state: &AppState,
    user: &WebUser,
    rec: &PmRecord,
    asset: Option<&Asset>,
) -> Result<Procedure, String> {
    let p = &user.principal;
    if let Some(pid) = rec.procedure_id {
        return state.services.get_procedure(p, pid).await.map_err(|e| super::describe(&e).2);
    }
    let Some(asset) = asset else {
        return Err("This PM has no equipment, so no procedure applies.".into());
    };
    let code = match &asset.pm_procedure_code {
        Some(c) => Some(c.clone()),
        None => match state.services.model_procedure_code(p, asset.model.id).await {
            Ok(c) => c,
            Err(e) => return Err(super::describe(&e).2),
        },
    };
    let Some(code) = code else {
        return Err(format!(
            "No PM procedure is set for {} ({} {}). Set the PM procedure on the asset or on its model, then come back.",
            asset.asset_tag, asset.model.manufacturer, asset.model.model_number
        ));
    };
    match state.services.list_procedures(p, Some(&code)).await {
        Ok(list) => list.into_iter().next().ok_or_else(|| {
            format!(
                "{} names PM procedure {code}, which does not exist. Set an existing procedure on the asset or on its model.",
                asset.asset_tag
            )
        }),
        Err(e) => Err(super::describe(&e).2),
    }
}

/// How an error's field is named in the list at the top of the form.
fn error_line(f: &FieldError) -> String {
    let field = f.field.as_str();
    if let Some(step) = field.strip_prefix("steps (").and_then(|s| s.strip_suffix(')')) {
        return format!("{}: {}", capitalise(step), f.message);
    }
    match field {
        "test_equipment" => format!("Test equipment: {}", f.message),
        "value" => capitalise(&f.message),
        "esa" => format!("Electrical safety: {}", f.message),
        "version" => capitalise(&f.message),
        _ if field.starts_with("esa.") => format!("Electrical safety: {}", f.message),
        _ => capitalise(&f.message),
    }
}

fn num(v: f64) -> String {
    format!("{v}")
}

async fn render(
    state: &AppState,
    user: &WebUser,
    layout: Layout,
    id: i64,
    standard: Option<EsaStandard>,
    entered: Option<&Entered>,
    err: Option<ServiceError>,
) -> Response {
    let p = &user.principal;
    let rec = match state.services.pm_results(p, WorkOrderId(id)).await {
        Ok(r) => r,
        Err(e) => return service_error_page(layout, &e),
    };
    let wo = &rec.work_order;
    if wo.wo_type != WorkOrderType::Pm {
        return error_page(
            layout,
            StatusCode::NOT_FOUND,
            "Not a PM",
            &format!("{} is not a PM work order; only PMs record procedure results.", wo.number),
        );
    }
    let (status, layout, errors, equipment_error) = match &err {
        None => (StatusCode::OK, layout, Vec::new(), None),
        Some(e @ ServiceError::Internal(_)) => return service_error_page(layout, e),
        Some(ServiceError::Validation(fields)) => {
            let eq: Vec<String> =
                fields.iter().filter(|f| f.field == "test_equipment").map(|f| capitalise(&f.message)).collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                layout.with_error("Please correct the marked fields; nothing was saved."),
                fields.iter().map(error_line).collect(),
                (!eq.is_empty()).then(|| eq.join(" ")),
            )
        }
        Some(ServiceError::Stale(_)) => (StatusCode::CONFLICT, layout.with_error(STALE), Vec::new(), None),
        Some(e) => {
            let (status, _, message) = super::describe(e);
            (status, layout.with_error(message), Vec::new(), None)
        }
    };
    let asset = match wo.asset_id {
        Some(a) => state.services.get_asset(p, a).await.ok(),
        None => None,
    };
    let (procedure, no_procedure) = match procedure_for(state, user, &rec, asset.as_ref()).await {
        Ok(pr) => (Some(pr), None),
        Err(m) => (None, Some(m)),
    };
    let standard = standard
        .or_else(|| entered.and_then(|f| EsaStandard::parse(f.get("standard")).ok()))
        .unwrap_or(EsaStandard::Iec62353);
    let has_esa = procedure.as_ref().is_some_and(|pr| pr.steps.iter().any(|s| s.kind == StepKind::ElectricalSafety));

    // The limits that apply to this device under the chosen standard.
    let mut esa_note = None;
    let mut limits: Vec<EsaLimit> = Vec::new();
    if has_esa {
        match asset.as_ref().map(|a| (a.protection_class, a.applied_part)) {
            Some((Some(class), Some(ap))) => match state.services.esa_limits(standard, class, ap).await {
                Ok(l) => limits = l,
                Err(e) => esa_note = Some(super::describe(&e).2),
            },
            _ => {
                esa_note = Some(format!(
                    "{} has no protection class or applied part recorded, so the electrical safety limits are unknown. Set both on the asset to record the test.",
                    asset.as_ref().map(|a| a.asset_tag.as_str()).unwrap_or("The equipment")
                ))
            }
        }
        if esa_note.is_none() && limits.is_empty() {
            esa_note = Some("No test of this standard applies to this device.".into());
        }
    }

    // What the inputs show: what was just submitted, else what is stored.
    let stored_step = |sid: i64| rec.results.iter().find(|r| r.step_id == sid);
    let stored_reading =
        |lid: i64| rec.results.iter().flat_map(|r| r.readings.iter()).find(|x| x.limit_id == lid).map(|x| num(x.value));
    let mut first_esa = true;
    let steps: Vec<StepRow> = procedure
        .as_ref()
        .map(|pr| {
            pr.steps
                .iter()
                .map(|s| {
                    let (check, value) = match entered {
                        Some(f) => (
                            f.get(&format!("check-{}", s.id)).to_string(),
                            f.get(&format!("value-{}", s.id)).to_string(),
                        ),
                        None => match stored_step(s.id) {
                            Some(r) if s.kind == StepKind::Check => {
                                ((if r.passed { "pass" } else { "fail" }).to_string(), String::new())
                            }
                            Some(r) => (String::new(), r.value.map(num).unwrap_or_default()),
                            None => (String::new(), String::new()),
                        },
                    };
                    let takes_readings = s.kind == StepKind::ElectricalSafety && first_esa;
                    if s.kind == StepKind::ElectricalSafety {
                        first_esa = false;
                    }
                    StepRow {
                        id: s.id,
                        position: s.position,
                        kind: s.kind.as_str(),
                        instruction: s.instruction.clone(),
                        unit: s.unit.clone().unwrap_or_default(),
                        limit_text: s.limit_text().unwrap_or_default(),
                        check,
                        value,
                        takes_readings,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let readings: Vec<ReadingRow> = limits
        .iter()
        .map(|l| ReadingRow {
            limit_id: l.id,
            test: l.test.label().to_string(),
            configuration: l.configuration.clone(),
            condition: l.condition.clone(),
            passes_if: format!("passes if {} {} {}", l.comparator.label(), num(l.limit), l.unit),
            unit: l.unit.clone(),
            value: match entered {
                Some(f) => f.get(&format!("esa-{}", l.id)).to_string(),
                None => stored_reading(l.id).unwrap_or_default(),
            },
        })
        .collect();

    let equipment = match entered {
        Some(f) => f.get("test_equipment").to_string(),
        None => {
            let mut tags = Vec::new();
            for a in &rec.test_equipment {
                match state.services.get_asset(p, *a).await {
                    Ok(x) => tags.push(x.asset_tag),
                    Err(_) => tags.push(format!("#{}", a.0)),
                }
            }
            tags.join(", ")
        }
    };

    let results: Vec<ResultRow> = rec
        .results
        .iter()
        .map(|r| ResultRow {
            position: r.position,
            instruction: r.instruction.clone(),
            value: match (r.kind, r.value) {
                (StepKind::Check, _) => (if r.passed { "Pass" } else { "Fail" }).to_string(),
                (_, Some(v)) => num(v),
                (_, None) => String::new(),
            },
            limit_text: r.limit_text.clone().unwrap_or_default(),
            passed: r.passed,
            readings: r
                .readings
                .iter()
                .map(|x| ResultReading {
                    test: match limits.iter().find(|l| l.id == x.limit_id).filter(|l| !l.configuration.is_empty()) {
                        Some(l) => format!("{} — {} ({})", x.test.label(), l.configuration, l.condition),
                        None => x.test.label().to_string(),
                    },
                    value: format!("{} {}", num(x.value), x.unit),
                    limit: format!("{} {} {}", x.comparator.label(), num(x.limit), x.unit),
                    passed: x.passed,
                })
                .collect(),
        })
        .collect();

    let in_progress = wo.status == WorkOrderStatus::InProgress;
    let may_edit = p.can(Action::EditWorkOrder);
    let not_recordable = if !may_edit {
        Some("Your role may not record PM results.".to_string())
    } else if !in_progress {
        Some(format!(
            "PM results can be recorded only while the PM is in progress; {} is {}.",
            wo.number,
            wo.status.label().to_lowercase()
        ))
    } else {
        None
    };
    let page = PmPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        id,
        version: wo.version,
        number: wo.number.clone(),
        status: wo.status.label().to_string(),
        status_code: wo.status.as_str(),
        asset_id: wo.asset_id.map(|a| a.0),
        asset_tag: wo.asset_tag.clone().unwrap_or_default(),
        procedure: procedure.as_ref().map(|pr| format!("{} v{} — {}", pr.code, pr.version, pr.name)),
        no_procedure,
        recorded_procedure: match (&rec.procedure_code, rec.procedure_version) {
            (Some(c), Some(v)) => Some(format!("{c} v{v}")),
            _ => None,
        },
        can_record: may_edit && in_progress && procedure.is_some(),
        can_sign: p.can(Action::TransitionWorkOrder),
        not_recordable,
        steps,
        has_esa,
        standards: EsaStandard::ALL
            .iter()
            .map(|s| StdOpt { value: s.as_str(), label: s.label(), selected: *s == standard })
            .collect(),
        standard: standard.as_str(),
        readings,
        esa_note,
        equipment,
        equipment_error,
        errors,
        overall_pass: rec.results.iter().all(|r| r.passed),
        results,
        instruments: rec
            .instruments
            .iter()
            .map(|i| InstrumentRow {
                asset_id: i.asset_id.0,
                asset_tag: i.asset_tag.clone(),
                model: format!("{} {}", i.manufacturer, i.model_number),
                serial: i.serial_number.clone().unwrap_or_else(|| "—".into()),
                due: i.calibration_due.map_or_else(|| "—".into(), |d| d.to_string()),
            })
            .collect(),
        repair_id: rec.linked_work_order_id.map(|w| w.0),
        requirement: procedure.as_ref().filter(|pr| !pr.requirement.is_none()).map(|pr| pr.requirement.text()),
        qualification_flag: wo.qualification_flag.clone(),
    };
    html(status, &layout, page)
}
