//! PM procedures (REFERENCE §9.4): the numbered steps a technician performs on a PM — checks,
//! measurements with limits, and an electrical safety test — and how a recorded PM is judged.
//!
//! - A procedure is known by a **code** and a **version**; a version is immutable: a change is a
//!   new version, and a recorded PM keeps the exact version it was performed to.
//! - A measurement passes when it is within its **absolute limits** (`lower_limit` ≤ value ≤
//!   `upper_limit`, each optional) and within its **tolerance** (|value − nominal| ≤
//!   `tolerance_pct` % × |nominal|), whichever of the two are given (both when both are).
//! - An electrical safety step passes when every reading passes against its stored limit row
//!   (see [`crate::esa`]).

use crate::error::FieldError;
use crate::org::{finish, optional_text, required_text};
use crate::text_enum;
use crate::{DomainError, esa};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

text_enum!(
    /// What a procedure step asks for.
    StepKind, "kind" {
        Check => "check": "Check (pass / fail)",
        Measurement => "measurement": "Measurement",
        ElectricalSafety => "electrical_safety": "Electrical safety test",
    }
);

/// A measurement step's acceptance limits.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasurementLimits {
    pub nominal: Option<f64>,
    pub lower_limit: Option<f64>,
    pub upper_limit: Option<f64>,
    /// ± this percentage of `nominal` (0–100).
    pub tolerance_pct: Option<f64>,
}

/// Relative slack for floating-point arithmetic at the exact boundary (e.g. 95 for 100 ± 5 %).
const EPS: f64 = 1e-9;

impl MeasurementLimits {
    /// Whether `value` is within every limit given.
    pub fn judge(&self, value: f64) -> Result<bool, DomainError> {
        if !value.is_finite() {
            return Err(DomainError::field("value", "a measurement must be a finite number"));
        }
        let slack = |x: f64| EPS * x.abs().max(1.0);
        let mut ok = true;
        if let Some(l) = self.lower_limit {
            ok &= value >= l - slack(l);
        }
        if let Some(u) = self.upper_limit {
            ok &= value <= u + slack(u);
        }
        if let (Some(pct), Some(nominal)) = (self.tolerance_pct, self.nominal) {
            let allowed = pct * nominal.abs() / 100.0;
            ok &= (value - nominal).abs() <= allowed + slack(nominal);
        }
        Ok(ok)
    }

    /// The limits as people write them, e.g. `100 mL/h ± 5 %`, `117 to 123 mmHg`, `<= 50 uA`.
    pub fn text(&self, unit: &str) -> String {
        let u = |x: f64| if unit.is_empty() { format!("{x}") } else { format!("{x} {unit}") };
        let mut parts = Vec::new();
        if let (Some(pct), Some(n)) = (self.tolerance_pct, self.nominal) {
            parts.push(format!("{} ± {pct} %", u(n)));
        }
        match (self.lower_limit, self.upper_limit) {
            (Some(l), Some(h)) => parts.push(format!("{l} to {}", u(h))),
            (Some(l), None) => parts.push(format!(">= {}", u(l))),
            (None, Some(h)) => parts.push(format!("<= {}", u(h))),
            (None, None) => {}
        }
        parts.join(" and ")
    }
}

/// One step of a stored procedure version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcedureStep {
    pub id: i64,
    /// 1-based order within the procedure.
    pub position: i32,
    pub kind: StepKind,
    pub instruction: String,
    /// Measurements: the unit of the value (e.g. `mL/h`, `mmHg`, `J`).
    pub unit: Option<String>,
    #[serde(flatten)]
    pub limits: MeasurementLimits,
}

impl ProcedureStep {
    /// The human limit text of this step (empty for a check; the ESA limits are per reading).
    pub fn limit_text(&self) -> Option<String> {
        (self.kind == StepKind::Measurement).then(|| self.limits.text(self.unit.as_deref().unwrap_or("")))
    }
}

/// One stored procedure version with its steps in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Procedure {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub version: i64,
    pub created_at: Timestamp,
    pub steps: Vec<ProcedureStep>,
    /// What the technician performing it must hold (REFERENCE §10; see [`crate::qualification`]).
    #[serde(default)]
    pub requirement: crate::qualification::QualificationRequirement,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewProcedureStep {
    pub kind: StepKind,
    pub instruction: String,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub nominal: Option<f64>,
    #[serde(default)]
    pub lower_limit: Option<f64>,
    #[serde(default)]
    pub upper_limit: Option<f64>,
    #[serde(default)]
    pub tolerance_pct: Option<f64>,
}

impl NewProcedureStep {
    pub fn limits(&self) -> MeasurementLimits {
        MeasurementLimits {
            nominal: self.nominal,
            lower_limit: self.lower_limit,
            upper_limit: self.upper_limit,
            tolerance_pct: self.tolerance_pct,
        }
    }
}

/// A new procedure; posting an existing code creates its next version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewProcedure {
    /// e.g. `IP-PUMP-ANNUAL`; letters, digits, `-`, `_`, `.` (stored upper-case).
    pub code: String,
    pub name: String,
    pub steps: Vec<NewProcedureStep>,
    /// What the technician performing it must hold; the new version carries it.
    #[serde(default)]
    pub requirement: crate::qualification::QualificationRequirement,
}

/// Checks and normalises a procedure code (trimmed, upper-case, 1–40 of `A-Z 0-9 - _ .`).
pub fn parse_procedure_code(field: &str, s: &str) -> Result<String, DomainError> {
    let c = s.trim().to_ascii_uppercase();
    if (1..=40).contains(&c.len()) && c.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.')) {
        Ok(c)
    } else {
        Err(DomainError::field(field, format!("'{}' is not a procedure code (1–40 letters, digits, - _ .)", s.trim())))
    }
}

impl NewProcedure {
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        match parse_procedure_code("code", &self.code) {
            Ok(c) => self.code = c,
            Err(DomainError::Invalid(mut f)) => e.append(&mut f),
            Err(_) => {}
        }
        self.name = required_text("name", &self.name, 200, &mut e);
        if self.steps.is_empty() {
            e.push(FieldError::new("steps", "a procedure needs at least one step"));
        }
        if self.steps.len() > 500 {
            e.push(FieldError::new("steps", "a procedure has at most 500 steps"));
        }
        for (i, s) in self.steps.iter_mut().enumerate() {
            let f = |name: &str| format!("steps[{i}].{name}");
            s.instruction = required_text(&f("instruction"), &s.instruction, 2000, &mut e);
            s.unit = optional_text(&f("unit"), s.unit.as_deref(), 20, &mut e);
            let l = s.limits();
            let numbers = [("nominal", l.nominal), ("lower_limit", l.lower_limit), ("upper_limit", l.upper_limit)];
            for (name, v) in numbers.iter().chain([("tolerance_pct", l.tolerance_pct)].iter()) {
                if v.is_some_and(|v| !v.is_finite()) {
                    e.push(FieldError::new(f(name), "must be a finite number"));
                }
            }
            if s.kind != StepKind::Measurement {
                if l != MeasurementLimits::default() || s.unit.is_some() {
                    e.push(FieldError::new(f("kind"), "only a measurement step has a unit and limits"));
                }
                continue;
            }
            if s.unit.is_none() {
                e.push(FieldError::new(f("unit"), "a measurement needs a unit"));
            }
            if l.lower_limit.is_none() && l.upper_limit.is_none() && l.tolerance_pct.is_none() {
                e.push(FieldError::new(
                    f("lower_limit"),
                    "a measurement needs at least one limit (lower, upper or tolerance)",
                ));
            }
            if let Some(p) = l.tolerance_pct {
                if !(0.0..=100.0).contains(&p) {
                    e.push(FieldError::new(f("tolerance_pct"), "must be between 0 and 100"));
                }
                if l.nominal.is_none() {
                    e.push(FieldError::new(f("nominal"), "a tolerance needs a nominal value"));
                }
            }
            if let (Some(lo), Some(hi)) = (l.lower_limit, l.upper_limit)
                && lo > hi
            {
                e.push(FieldError::new(f("upper_limit"), "is below the lower limit"));
            }
        }
        finish(e)?;
        Ok(self)
    }
}

/// What the technician entered for one step.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepInput {
    pub step_id: i64,
    /// Checks: whether it passed.
    #[serde(default)]
    pub passed: Option<bool>,
    /// Measurements: the measured value, in the step's unit.
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One electrical-safety reading against a stored limit row (`GET /esa/limits` gives the ids).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EsaReadingInput {
    pub limit_id: i64,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EsaInput {
    pub standard: esa::EsaStandard,
    pub readings: Vec<EsaReadingInput>,
}

/// Recording a PM's results (and, with `complete`, signing it off).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PmRecordRequest {
    /// The work order's version as read; a stale one is refused.
    pub version: i64,
    /// One entry per step of the procedure.
    pub steps: Vec<StepInput>,
    /// The readings of the procedure's electrical safety step.
    #[serde(default)]
    pub esa: Option<EsaInput>,
    /// The asset ids of the analyzers / simulators used.
    #[serde(default)]
    pub test_equipment: Vec<crate::ids::AssetId>,
    /// Sign off: complete the PM with these results.
    #[serde(default)]
    pub complete: bool,
    /// Signing off is an electronic signature: the signer re-enters their password (21 CFR
    /// Part 11 §11.200). Never stored or echoed.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
}

/// A judged reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EsaReadingResult {
    pub limit_id: i64,
    pub test: esa::EsaTest,
    pub value: f64,
    pub limit: f64,
    pub unit: String,
    pub comparator: esa::Comparator,
    pub passed: bool,
}

/// A judged step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepResult {
    pub step_id: i64,
    pub position: i32,
    pub kind: StepKind,
    pub instruction: String,
    pub passed: bool,
    pub value: Option<f64>,
    pub limit_text: Option<String>,
    pub note: Option<String>,
    pub readings: Vec<EsaReadingResult>,
}

/// A PM's recorded results: the procedure version it was performed to, the test equipment used,
/// every judged step, and the repair a failed PM opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PmRecord {
    pub work_order: crate::work_order::WorkOrder,
    pub procedure_id: Option<i64>,
    pub procedure_code: Option<String>,
    pub procedure_version: Option<i64>,
    /// The repair opened because this PM failed.
    pub linked_work_order_id: Option<crate::ids::WorkOrderId>,
    pub test_equipment: Vec<crate::ids::AssetId>,
    /// Each instrument used, as recorded: model, serial and its calibration due date at the time
    /// of use (REFERENCE §1.5, §9.4).
    #[serde(default)]
    pub instruments: Vec<TestEquipmentUse>,
    pub results: Vec<StepResult>,
}

/// A test instrument (analyzer, simulator) used on a PM, with the calibration due date it had
/// when it was used: a test done with an out-of-calibration analyzer is invalid (REFERENCE §1.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestEquipmentUse {
    pub asset_id: crate::ids::AssetId,
    pub asset_tag: String,
    pub manufacturer: String,
    pub model_number: String,
    pub model_name: String,
    pub serial_number: Option<String>,
    /// Snapshot of the instrument's calibration due date when the PM was recorded.
    pub calibration_due: Option<jiff::civil::Date>,
}

/// Judges every step of `procedure` from the technician's inputs. `limits` are the stored limit
/// rows the ESA readings name, already checked to belong to the chosen standard and to apply to
/// the device. Every step needs an input; an electrical safety step takes all the readings.
pub fn judge(
    procedure: &Procedure,
    inputs: &[StepInput],
    readings: &[(EsaReadingInput, esa::EsaLimit)],
) -> Result<Vec<StepResult>, DomainError> {
    judge_steps(procedure, inputs, readings, false)
}

/// [`judge`] for a draft that is saved but not signed off: steps without an entry (and an
/// electrical safety step without readings) are left unrecorded instead of refused, so that
/// readings imported from an analyzer file can be stored before the checks are done.
pub fn judge_draft(
    procedure: &Procedure,
    inputs: &[StepInput],
    readings: &[(EsaReadingInput, esa::EsaLimit)],
) -> Result<Vec<StepResult>, DomainError> {
    judge_steps(procedure, inputs, readings, true)
}

fn judge_steps(
    procedure: &Procedure,
    inputs: &[StepInput],
    readings: &[(EsaReadingInput, esa::EsaLimit)],
    draft: bool,
) -> Result<Vec<StepResult>, DomainError> {
    let mut e = Vec::new();
    for (i, s) in inputs.iter().enumerate() {
        if !procedure.steps.iter().any(|p| p.id == s.step_id) {
            e.push(FieldError::new(
                format!("steps[{i}].step_id"),
                format!("step {} is not a step of {} v{}", s.step_id, procedure.code, procedure.version),
            ));
        } else if inputs[..i].iter().any(|o| o.step_id == s.step_id) {
            e.push(FieldError::new(format!("steps[{i}].step_id"), format!("step {} is given twice", s.step_id)));
        }
    }
    let has_esa_step = procedure.steps.iter().any(|s| s.kind == StepKind::ElectricalSafety);
    if !readings.is_empty() && !has_esa_step {
        e.push(FieldError::new(
            "esa",
            format!("{} v{} has no electrical safety step", procedure.code, procedure.version),
        ));
    }
    let mut out = Vec::new();
    let mut readings_used = false;
    for step in &procedure.steps {
        let input = inputs.iter().find(|i| i.step_id == step.id);
        let field = format!("steps (step {} '{}')", step.position, step.instruction);
        let note = input.and_then(|i| i.note.as_deref()).map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        let unrecorded = match step.kind {
            StepKind::Check => input.and_then(|i| i.passed).is_none(),
            StepKind::Measurement => input.and_then(|i| i.value).is_none(),
            StepKind::ElectricalSafety => !readings_used && readings.is_empty(),
        };
        if draft && unrecorded {
            continue;
        }
        let (passed, value, judged) = match step.kind {
            StepKind::Check => match input.and_then(|i| i.passed) {
                Some(p) => (p, None, Vec::new()),
                None => {
                    e.push(FieldError::new(field, "a check needs passed: true or false"));
                    continue;
                }
            },
            StepKind::Measurement => match input.and_then(|i| i.value) {
                Some(v) => match step.limits.judge(v) {
                    Ok(p) => (p, Some(v), Vec::new()),
                    Err(_) => {
                        e.push(FieldError::new(field, "the value must be a finite number"));
                        continue;
                    }
                },
                None => {
                    e.push(FieldError::new(field, "a measurement needs a value"));
                    continue;
                }
            },
            StepKind::ElectricalSafety => {
                if readings_used {
                    // Further ESA steps share the one set of readings.
                    let first = out.iter().find(|r: &&StepResult| r.kind == StepKind::ElectricalSafety);
                    (first.is_some_and(|r| r.passed), None, Vec::new())
                } else if readings.is_empty() {
                    e.push(FieldError::new("esa", format!("step {} needs electrical safety readings", step.position)));
                    continue;
                } else {
                    readings_used = true;
                    let mut judged = Vec::new();
                    for (i, (r, l)) in readings.iter().enumerate() {
                        match l.judge(r.value) {
                            Ok(p) => judged.push(EsaReadingResult {
                                limit_id: l.id,
                                test: l.test,
                                value: r.value,
                                limit: l.limit,
                                unit: l.unit.clone(),
                                comparator: l.comparator,
                                passed: p,
                            }),
                            Err(_) => e.push(FieldError::new(
                                format!("esa.readings[{i}].value"),
                                "a reading must be a finite, non-negative number",
                            )),
                        }
                    }
                    (judged.iter().all(|r| r.passed), None, judged)
                }
            }
        };
        out.push(StepResult {
            step_id: step.id,
            position: step.position,
            kind: step.kind,
            instruction: step.instruction.clone(),
            passed,
            value,
            limit_text: step.limit_text(),
            note,
            readings: judged,
        });
    }
    finish(e)?;
    Ok(out)
}

/// The reading as people write it against its limit, e.g. `applied_part_leakage 50.1 uA (limit <= 50 uA)`.
pub fn reading_text(r: &EsaReadingResult) -> String {
    format!("{} {} {} (limit {} {} {})", r.test.as_str(), r.value, r.unit, r.comparator.as_str(), r.limit, r.unit)
}

/// The problem text of the repair a failed PM opens: the failed steps, values and limits.
pub fn failure_summary(pm_number: &str, code: &str, version: i64, results: &[StepResult]) -> String {
    let mut parts = Vec::new();
    for r in results.iter().filter(|r| !r.passed) {
        let mut s = format!("step {} '{}'", r.position, r.instruction);
        match r.kind {
            StepKind::Check => s.push_str(" failed"),
            StepKind::Measurement => {
                s.push_str(&format!(
                    ": {} (limit {})",
                    r.value.map(|v| v.to_string()).unwrap_or_default(),
                    r.limit_text.as_deref().unwrap_or("")
                ));
            }
            StepKind::ElectricalSafety => {
                let failed: Vec<String> = r.readings.iter().filter(|x| !x.passed).map(reading_text).collect();
                s.push_str(&format!(": {}", failed.join(", ")));
            }
        }
        parts.push(s);
    }
    let text = format!("PM {pm_number} per procedure {code} v{version} failed: {}", parts.join("; "));
    text.chars().take(4000).collect()
}

/// The work-performed summary of a recorded PM, e.g. `PM per procedure IP-ANNUAL v2: 12 steps, 1 failed`.
pub fn work_summary(code: &str, version: i64, results: &[StepResult]) -> String {
    let failed = results.iter().filter(|r| !r.passed).count();
    format!("PM per procedure {code} v{version}: {} steps, {failed} failed", results.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esa::{Comparator, EsaLimit, EsaStandard, EsaTest, ProtectionClass};

    fn lim(nominal: Option<f64>, lo: Option<f64>, hi: Option<f64>, pct: Option<f64>) -> MeasurementLimits {
        MeasurementLimits { nominal, lower_limit: lo, upper_limit: hi, tolerance_pct: pct }
    }

    #[test]
    fn infusion_flow_within_five_percent() {
        let l = lim(Some(100.0), None, None, Some(5.0));
        assert_eq!(l.judge(95.0), Ok(true));
        assert_eq!(l.judge(105.0), Ok(true));
        assert_eq!(l.judge(100.0), Ok(true));
        assert_eq!(l.judge(94.9), Ok(false));
        assert_eq!(l.judge(105.1), Ok(false));
        assert_eq!(l.text("mL/h"), "100 mL/h ± 5 %");
        assert!(l.judge(f64::NAN).is_err());
    }

    #[test]
    fn nibp_absolute_limits() {
        // NIBP simulator 120 mmHg, accepted 117..123 mmHg (± 3 mmHg absolute).
        let l = lim(Some(120.0), Some(117.0), Some(123.0), None);
        for (v, ok) in [(117.0, true), (123.0, true), (120.0, true), (116.9, false), (123.1, false)] {
            assert_eq!(l.judge(v), Ok(ok), "{v}");
        }
        assert_eq!(l.text("mmHg"), "117 to 123 mmHg");
        assert_eq!(lim(None, None, Some(50.0), None).text("uA"), "<= 50 uA");
        assert_eq!(lim(None, Some(2.0), None, None).text("MOhm"), ">= 2 MOhm");
    }

    #[test]
    fn defibrillator_energy_within_fifteen_percent_and_both_limits() {
        let l = lim(Some(200.0), None, None, Some(15.0));
        assert_eq!(l.judge(170.0), Ok(true));
        assert_eq!(l.judge(230.0), Ok(true));
        assert_eq!(l.judge(169.9), Ok(false));
        assert_eq!(l.judge(230.5), Ok(false));
        // Both: the tolerance and an absolute ceiling must both hold.
        let both = lim(Some(200.0), None, Some(220.0), Some(15.0));
        assert_eq!(both.judge(215.0), Ok(true));
        assert_eq!(both.judge(225.0), Ok(false));
        assert_eq!(both.text("J"), "200 J ± 15 % and <= 220 J");
    }

    fn step(kind: StepKind, instruction: &str, unit: Option<&str>, l: MeasurementLimits) -> NewProcedureStep {
        NewProcedureStep {
            kind,
            instruction: instruction.into(),
            unit: unit.map(Into::into),
            nominal: l.nominal,
            lower_limit: l.lower_limit,
            upper_limit: l.upper_limit,
            tolerance_pct: l.tolerance_pct,
        }
    }

    #[test]
    fn a_new_procedure_is_validated() {
        let ok = NewProcedure {
            code: " ip-annual ".into(),
            name: "Infusion pump annual PM".into(),
            steps: vec![
                step(StepKind::Check, "Inspect housing and door latch", None, MeasurementLimits::default()),
                step(
                    StepKind::Measurement,
                    "Flow rate at 100 mL/h",
                    Some("mL/h"),
                    lim(Some(100.0), None, None, Some(5.0)),
                ),
            ],
            requirement: Default::default(),
        }
        .normalized()
        .unwrap();
        assert_eq!(ok.code, "IP-ANNUAL");

        let none = NewProcedure { code: "X".into(), name: "x".into(), steps: vec![], requirement: Default::default() };
        assert!(none.normalized().is_err());
        for bad in [
            step(StepKind::Measurement, "no unit", None, lim(Some(1.0), None, None, Some(5.0))),
            step(StepKind::Measurement, "no limit", Some("V"), lim(Some(1.0), None, None, None)),
            step(StepKind::Measurement, "tolerance > 100", Some("V"), lim(Some(1.0), None, None, Some(150.0))),
            step(StepKind::Measurement, "tolerance < 0", Some("V"), lim(Some(1.0), None, None, Some(-1.0))),
            step(StepKind::Measurement, "tolerance without nominal", Some("V"), lim(None, None, None, Some(5.0))),
            step(StepKind::Measurement, "inverted", Some("V"), lim(None, Some(5.0), Some(1.0), None)),
            step(StepKind::Check, "check with limits", None, lim(None, Some(1.0), None, None)),
        ] {
            let p = NewProcedure {
                code: "X".into(),
                name: "x".into(),
                steps: vec![bad.clone()],
                requirement: Default::default(),
            };
            assert!(p.normalized().is_err(), "{}", bad.instruction);
        }
    }

    fn procedure() -> Procedure {
        let s = |id, position, kind, instruction: &str, unit: Option<&str>, limits| ProcedureStep {
            id,
            position,
            kind,
            instruction: instruction.into(),
            unit: unit.map(Into::into),
            limits,
        };
        Procedure {
            id: 1,
            code: "IP-ANNUAL".into(),
            name: "Infusion pump".into(),
            version: 2,
            created_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            steps: vec![
                s(10, 1, StepKind::Check, "Inspect", None, MeasurementLimits::default()),
                s(11, 2, StepKind::Measurement, "Flow", Some("mL/h"), lim(Some(100.0), None, None, Some(5.0))),
                s(12, 3, StepKind::ElectricalSafety, "ESA", None, MeasurementLimits::default()),
            ],
            requirement: Default::default(),
        }
    }

    fn limit(id: i64, test: EsaTest, value: f64, unit: &str) -> EsaLimit {
        EsaLimit {
            id,
            standard: EsaStandard::Iec62353,
            edition: "IEC 62353:2014".into(),
            version: 1,
            test,
            configuration: String::new(),
            protection_classes: vec![ProtectionClass::I],
            applied_parts: vec![],
            condition: "NC".into(),
            method: String::new(),
            limit: value,
            unit: unit.into(),
            comparator: Comparator::AtMost,
            source: String::new(),
        }
    }

    #[test]
    fn judging_a_pm_needs_every_step_and_reports_failures() {
        let p = procedure();
        let inputs = vec![
            StepInput { step_id: 10, passed: Some(true), ..Default::default() },
            StepInput { step_id: 11, value: Some(94.9), ..Default::default() },
        ];
        let readings = vec![
            (
                EsaReadingInput { limit_id: 1, value: 300.0 },
                limit(1, EsaTest::ProtectiveEarthResistance, 300.0, "mOhm"),
            ),
            (EsaReadingInput { limit_id: 11, value: 50.1 }, limit(11, EsaTest::AppliedPartLeakage, 50.0, "uA")),
        ];
        let r = judge(&p, &inputs, &readings).unwrap();
        assert_eq!(r.iter().map(|r| r.passed).collect::<Vec<_>>(), vec![true, false, false]);
        assert_eq!(r[1].limit_text.as_deref(), Some("100 mL/h ± 5 %"));
        assert_eq!(r[2].readings.iter().map(|x| x.passed).collect::<Vec<_>>(), vec![true, false]);
        let text = failure_summary("WO-2026-000001", "IP-ANNUAL", 2, &r);
        assert!(text.contains("step 2 'Flow': 94.9 (limit 100 mL/h ± 5 %)"), "{text}");
        assert!(text.contains("applied_part_leakage 50.1 uA (limit <= 50 uA)"), "{text}");
        assert_eq!(work_summary("IP-ANNUAL", 2, &r), "PM per procedure IP-ANNUAL v2: 3 steps, 2 failed");

        // A missing check, an unknown step and no ESA readings are all named.
        let bad = vec![StepInput { step_id: 99, passed: Some(true), ..Default::default() }];
        let DomainError::Invalid(f) = judge(&p, &bad, &[]).unwrap_err() else { panic!() };
        assert_eq!(f.len(), 4, "{f:?}");
    }
}
