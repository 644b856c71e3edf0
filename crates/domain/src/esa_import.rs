//! Electrical safety readings from an analyzer's export file (REFERENCE §1.5): naming a test
//! the way analyzers print it, converting a reading to the unit of its limit, and finding the
//! one stored limit row a reading is judged against.
//!
//! Rules:
//! - A test is named by its code (`protective_earth_resistance`, …) or a common analyzer label
//!   ("Protective Earth Resistance", "Earth bond", "Enclosure leakage", …), case-insensitive.
//! - A value is converted exactly by SI prefix (`A`/`mA`/`uA`/`µA`; `Ohm`/`mOhm`/`kOhm`/`MOhm`,
//!   `Ω` spellings too) to the limit's unit, and rounded to 1e-6 of that unit so that `0.3 Ohm`
//!   is exactly `300 mOhm` and is judged at the boundary as the standard says.
//! - A reading matches the current limit rows of the chosen standard that apply to the device's
//!   protection class and applied part, narrowed by test, then by the optional condition
//!   (`NC`/`SFC`, exact), method (a word of the limit's method, e.g. `direct` matches
//!   "direct or differential") and configuration (a case-insensitive part of the limit's
//!   configuration text, e.g. `detachable cord alone`). Exactly one row must remain; otherwise
//!   the error names the column to fill and the candidates. An explicit `limit_id` wins.

use crate::esa::{AppliedPartType, EsaLimit, EsaTest, ProtectionClass};

/// The test a file's label names, or `None`.
pub fn parse_test(label: &str) -> Option<EsaTest> {
    let key: String = label
        .trim()
        .chars()
        .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_");
    if let Ok(t) = EsaTest::parse(&key) {
        return Some(t);
    }
    let t = match key.as_str() {
        "pe_resistance"
        | "protective_earth"
        | "earth_bond"
        | "earth_resistance"
        | "ground_resistance"
        | "ground_wire_resistance"
        | "protective_earth_impedance"
        | "pe" => EsaTest::ProtectiveEarthResistance,
        "equipment_leakage_current" | "device_leakage" | "earth_leakage" | "earth_leakage_current" => {
            EsaTest::EquipmentLeakage
        }
        "applied_part_leakage_current" | "ap_leakage" | "mains_on_applied_part" | "mains_on_ap" => {
            EsaTest::AppliedPartLeakage
        }
        "touch_leakage"
        | "enclosure_leakage"
        | "chassis_leakage"
        | "chassis_leakage_current"
        | "enclosure_leakage_current"
        | "touch_current_leakage" => EsaTest::TouchCurrent,
        "patient_leakage_current" | "lead_to_ground_leakage" | "patient_lead_leakage" => EsaTest::PatientLeakage,
        "insulation" | "insulation_test" | "insulation_resistance_test" => EsaTest::InsulationResistance,
        _ => return None,
    };
    Some(t)
}

/// The dimension (`R` resistance, `I` current) and scale of a unit. SI prefixes are
/// case-sensitive (`mOhm` is not `MOhm`).
fn unit_scale(unit: &str) -> Option<(char, f64)> {
    let u: String = unit.trim().replace(' ', "").replace(['\u{3a9}', '\u{2126}'], "Ohm");
    // ASCII lowercasing keeps byte offsets, so the prefix can be cut from `u`.
    let lower = u.to_ascii_lowercase();
    let (dim, base) = if lower.ends_with("ohms") {
        ('R', 4)
    } else if lower.ends_with("ohm") {
        ('R', 3)
    } else if lower.ends_with('a') {
        ('I', 1)
    } else {
        return None;
    };
    let prefix = u.get(..u.len() - base)?;
    let f = match (dim, prefix) {
        (_, "") => 1.0,
        (_, "m") => 1e-3,
        ('I', "u" | "\u{b5}" | "\u{3bc}") => 1e-6,
        ('R', "k" | "K") => 1e3,
        ('R', "M") => 1e6,
        ('R', "G") => 1e9,
        _ => return None,
    };
    Some((dim, f))
}

/// Converts `value` in `from` to the unit `to` (the limit's unit), rounded to 1e-6 of `to`.
pub fn convert(value: f64, from: &str, to: &str) -> Result<f64, String> {
    let Some((dim_from, f_from)) = unit_scale(from) else {
        return Err(format!("unknown unit '{}' (use A, mA, uA, Ohm, mOhm, kOhm or MOhm)", from.trim()));
    };
    let Some((dim_to, f_to)) = unit_scale(to) else {
        return Err(format!("the limit's unit '{to}' is not convertible"));
    };
    if dim_from != dim_to {
        let what = |d: char| if d == 'R' { "a resistance" } else { "a current" };
        return Err(format!(
            "'{}' is {}, but this test's limit is {} ({to})",
            from.trim(),
            what(dim_from),
            what(dim_to)
        ));
    }
    let x = value * (f_from / f_to);
    Ok((x * 1e6).round() / 1e6)
}

/// How a file row names its limit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LimitSpec<'a> {
    pub test: Option<EsaTest>,
    pub condition: Option<&'a str>,
    pub method: Option<&'a str>,
    pub configuration: Option<&'a str>,
    pub limit_id: Option<i64>,
}

/// Why a row's limit could not be found: the column to fix and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchError {
    pub column: &'static str,
    pub message: String,
}

fn err(column: &'static str, message: String) -> MatchError {
    MatchError { column, message }
}

fn describe(l: &EsaLimit) -> String {
    format!("#{} {} {} '{}'", l.id, l.condition, l.method, l.configuration)
}

/// The one limit row (of `limits`, the current set of one standard) a reading is judged against.
pub fn match_limit<'a>(
    limits: &'a [EsaLimit],
    class: ProtectionClass,
    applied_part: AppliedPartType,
    spec: &LimitSpec<'_>,
) -> Result<&'a EsaLimit, MatchError> {
    let device = format!("{} with applied part {}", class.label(), applied_part.as_str());
    if let Some(id) = spec.limit_id {
        let Some(l) = limits.iter().find(|l| l.id == id) else {
            return Err(err("limit_id", format!("limit {id} is not in the current limit set of this standard")));
        };
        if !l.applies_to(class, applied_part) {
            return Err(err("limit_id", format!("limit {id} ({}) does not apply to a {device}", l.test.as_str())));
        }
        if spec.test.is_some_and(|t| t != l.test) {
            return Err(err("test", format!("limit {id} is for {}, not this test", l.test.as_str())));
        }
        return Ok(l);
    }
    let Some(test) = spec.test else { return Err(err("test", "the test is missing".into())) };
    let mut c: Vec<&EsaLimit> = limits.iter().filter(|l| l.test == test && l.applies_to(class, applied_part)).collect();
    if c.is_empty() {
        return Err(err("test", format!("{} has no limit for a {device} in this standard", test.as_str())));
    }
    if let Some(cond) = spec.condition {
        c.retain(|l| l.condition.eq_ignore_ascii_case(cond.trim()));
        if c.is_empty() {
            return Err(err("condition", format!("{} has no limit under condition '{}'", test.as_str(), cond.trim())));
        }
    }
    if let Some(m) = spec.method {
        let m = m.trim().to_ascii_lowercase();
        c.retain(|l| l.method.to_ascii_lowercase().split(|ch: char| !ch.is_alphanumeric()).any(|w| w == m));
        if c.is_empty() {
            return Err(err("method", format!("{} has no limit for method '{m}'", test.as_str())));
        }
    }
    if let Some(cfg) = spec.configuration {
        let cfg = cfg.trim().to_ascii_lowercase();
        c.retain(|l| l.configuration.to_ascii_lowercase().contains(&cfg));
        if c.is_empty() {
            return Err(err("configuration", format!("no {} limit's configuration contains '{cfg}'", test.as_str())));
        }
    }
    if c.len() > 1 {
        let column = if spec.condition.is_none() && c.iter().any(|l| l.condition != c[0].condition) {
            "condition"
        } else if spec.method.is_none() && c.iter().any(|l| l.method != c[0].method) {
            "method"
        } else {
            "configuration"
        };
        let list: Vec<String> = c.iter().map(|l| describe(l)).collect();
        return Err(err(
            column,
            format!(
                "{} limits of {} apply; name the {column} (or a limit_id): {}",
                c.len(),
                test.as_str(),
                list.join("; ")
            ),
        ));
    }
    Ok(c[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esa::{Comparator, EsaStandard};

    #[allow(clippy::too_many_arguments)]
    fn l(
        id: i64,
        test: EsaTest,
        cfg: &str,
        classes: &[ProtectionClass],
        aps: &[AppliedPartType],
        cond: &str,
        method: &str,
        limit: f64,
        unit: &str,
    ) -> EsaLimit {
        EsaLimit {
            id,
            standard: EsaStandard::Iec62353,
            edition: "2014".into(),
            version: 1,
            test,
            configuration: cfg.into(),
            protection_classes: classes.to_vec(),
            applied_parts: aps.to_vec(),
            condition: cond.into(),
            method: method.into(),
            limit,
            unit: unit.into(),
            comparator: if test == EsaTest::InsulationResistance { Comparator::AtLeast } else { Comparator::AtMost },
            source: "IEC 62353:2014 (REFERENCE §1.3)".into(),
        }
    }

    /// The IEC 62353:2014 rows of REFERENCE §1.3 that the tests need.
    fn iec() -> Vec<EsaLimit> {
        use AppliedPartType::*;
        use EsaTest::*;
        use ProtectionClass::*;
        vec![
            l(
                1,
                ProtectiveEarthResistance,
                "non-detachable power cord: mains plug PE pin to protectively earthed accessible part",
                &[I],
                &[],
                "NC",
                "DC >= 200 mA into 500 mOhm, or AC",
                300.0,
                "mOhm",
            ),
            l(
                2,
                ProtectiveEarthResistance,
                "detachable power cord: appliance-inlet PE pin to accessible part (equipment alone)",
                &[I],
                &[],
                "NC",
                "DC >= 200 mA into 500 mOhm, or AC",
                200.0,
                "mOhm",
            ),
            l(
                3,
                ProtectiveEarthResistance,
                "detachable power cord alone, end to end",
                &[I],
                &[],
                "NC",
                "DC >= 200 mA into 500 mOhm, or AC",
                100.0,
                "mOhm",
            ),
            l(
                6,
                EquipmentLeakage,
                "mains to accessible parts and applied parts",
                &[I],
                &[],
                "NC",
                "alternative",
                1000.0,
                "uA",
            ),
            l(
                8,
                EquipmentLeakage,
                "mains to accessible parts and applied parts",
                &[I],
                &[],
                "NC",
                "direct or differential",
                500.0,
                "uA",
            ),
            l(
                11,
                AppliedPartLeakage,
                "mains on applied part",
                &[I, II, Internal],
                &[Cf],
                "NC",
                "alternative or direct",
                50.0,
                "uA",
            ),
            l(13, InsulationResistance, "mains to PE", &[I], &[], "NC", "500 V DC", 2.0, "MOhm"),
        ]
    }

    #[test]
    fn analyzer_labels_name_tests() {
        assert_eq!(parse_test("Protective Earth Resistance"), Some(EsaTest::ProtectiveEarthResistance));
        assert_eq!(parse_test("protective_earth_resistance"), Some(EsaTest::ProtectiveEarthResistance));
        assert_eq!(parse_test("Earth bond"), Some(EsaTest::ProtectiveEarthResistance));
        assert_eq!(parse_test("Enclosure Leakage"), Some(EsaTest::TouchCurrent));
        assert_eq!(parse_test("Mains on Applied Part"), Some(EsaTest::AppliedPartLeakage));
        assert_eq!(parse_test("  Insulation-Resistance "), Some(EsaTest::InsulationResistance));
        assert_eq!(parse_test("Line voltage"), None);
    }

    #[test]
    fn units_convert_exactly_to_the_limits_unit() {
        assert_eq!(convert(0.3, "Ohm", "mOhm"), Ok(300.0));
        assert_eq!(convert(0.3, "Ω", "mOhm"), Ok(300.0));
        assert_eq!(convert(212.0, "mΩ", "mOhm"), Ok(212.0));
        assert_eq!(convert(0.05, "mA", "uA"), Ok(50.0));
        assert_eq!(convert(49.9, "µA", "uA"), Ok(49.9));
        assert_eq!(convert(2.0, "MOhm", "MOhm"), Ok(2.0));
        assert_eq!(convert(1999.0, "kOhm", "MOhm"), Ok(1.999));
        assert!(convert(1.0, "V", "uA").unwrap_err().contains("unknown unit"));
        assert!(convert(1.0, "mOhm", "uA").unwrap_err().contains("a resistance"));
        // Prefix case matters: mOhm is not MOhm.
        assert_eq!(convert(1.0, "mOhm", "MOhm"), Ok(0.0));
        assert_eq!(convert(3.0, "MOhm", "mOhm"), Ok(3e9));
    }

    #[test]
    fn a_converted_boundary_value_is_judged_as_the_standard_says() {
        // IEC 62353 PE resistance, non-detachable cord: <= 300 mOhm; an analyzer prints 0.300 Ohm.
        let limits = iec();
        let spec = LimitSpec {
            test: Some(EsaTest::ProtectiveEarthResistance),
            configuration: Some("non-detachable"),
            ..Default::default()
        };
        let lim = match_limit(&limits, ProtectionClass::I, AppliedPartType::Bf, &spec).unwrap();
        assert_eq!(lim.id, 1);
        assert_eq!(lim.judge(convert(0.300, "Ohm", &lim.unit).unwrap()), Ok(true));
        assert_eq!(lim.judge(convert(0.301, "Ohm", &lim.unit).unwrap()), Ok(false));
        // CF applied-part leakage <= 50 uA: 0.050 mA passes, 0.0501 mA fails.
        let spec = LimitSpec { test: Some(EsaTest::AppliedPartLeakage), ..Default::default() };
        let lim = match_limit(&limits, ProtectionClass::I, AppliedPartType::Cf, &spec).unwrap();
        assert_eq!(lim.judge(convert(0.050, "mA", &lim.unit).unwrap()), Ok(true));
        assert_eq!(lim.judge(convert(0.0501, "mA", &lim.unit).unwrap()), Ok(false));
    }

    #[test]
    fn ambiguity_names_the_column_to_fill() {
        let limits = iec();
        let pe = LimitSpec { test: Some(EsaTest::ProtectiveEarthResistance), ..Default::default() };
        let e = match_limit(&limits, ProtectionClass::I, AppliedPartType::None, &pe).unwrap_err();
        assert_eq!(e.column, "configuration");
        assert!(e.message.contains("3 limits"), "{}", e.message);
        // "detachable power cord" matches two rows; "alone" one.
        let spec = LimitSpec { configuration: Some("Detachable power cord ALONE"), ..pe.clone() };
        assert_eq!(match_limit(&limits, ProtectionClass::I, AppliedPartType::None, &spec).unwrap().id, 3);
        let eq = LimitSpec { test: Some(EsaTest::EquipmentLeakage), ..Default::default() };
        assert_eq!(match_limit(&limits, ProtectionClass::I, AppliedPartType::None, &eq).unwrap_err().column, "method");
        let spec = LimitSpec { method: Some("Direct"), ..eq.clone() };
        assert_eq!(match_limit(&limits, ProtectionClass::I, AppliedPartType::None, &spec).unwrap().id, 8);
        let spec = LimitSpec { method: Some("alternative"), ..eq };
        assert_eq!(match_limit(&limits, ProtectionClass::I, AppliedPartType::None, &spec).unwrap().id, 6);
    }

    #[test]
    fn limits_that_do_not_apply_are_refused() {
        let limits = iec();
        // A Class II device has no PE test; a BF device has no CF applied-part limit.
        let pe = LimitSpec { test: Some(EsaTest::ProtectiveEarthResistance), ..Default::default() };
        assert_eq!(match_limit(&limits, ProtectionClass::II, AppliedPartType::Bf, &pe).unwrap_err().column, "test");
        let ap = LimitSpec { test: Some(EsaTest::AppliedPartLeakage), ..Default::default() };
        assert_eq!(match_limit(&limits, ProtectionClass::I, AppliedPartType::Bf, &ap).unwrap_err().column, "test");
        let by_id = LimitSpec { limit_id: Some(11), ..Default::default() };
        assert_eq!(
            match_limit(&limits, ProtectionClass::I, AppliedPartType::Bf, &by_id).unwrap_err().column,
            "limit_id"
        );
        assert_eq!(match_limit(&limits, ProtectionClass::I, AppliedPartType::Cf, &by_id).unwrap().id, 11);
        let unknown = LimitSpec { limit_id: Some(999), ..Default::default() };
        assert_eq!(
            match_limit(&limits, ProtectionClass::I, AppliedPartType::Cf, &unknown).unwrap_err().column,
            "limit_id"
        );
        let sfc = LimitSpec { condition: Some("SFC"), ..ap };
        assert_eq!(
            match_limit(&limits, ProtectionClass::I, AppliedPartType::Cf, &sfc).unwrap_err().column,
            "condition"
        );
    }
}
