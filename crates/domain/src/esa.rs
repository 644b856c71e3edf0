//! Electrical safety testing (REFERENCE §1): the standards a site can test to, the device
//! properties that choose a limit (protection class, applied-part type), the tests, and how a
//! reading is judged against a limit. The limit values themselves are versioned reference data
//! in the database, never constants here (REFERENCE, design rule).

use crate::DomainError;
use crate::text_enum;
use serde::{Deserialize, Serialize};

text_enum!(
    /// The limit set a site tests to (REFERENCE §1.2).
    EsaStandard, "standard" {
        Iec62353 => "iec62353": "IEC 62353 (recurrent test)",
        Nfpa99 => "nfpa99": "NFPA 99 chapter 10",
    }
);

text_enum!(
    /// IEC 60601-1 protection class (REFERENCE §1.1).
    ProtectionClass, "class" {
        I => "I": "Class I",
        II => "II": "Class II",
        Internal => "internal": "Internally powered",
    }
);

text_enum!(
    /// The applied part's type; `none` when nothing touches the patient (REFERENCE §1.1).
    AppliedPartType, "applied_part" {
        None => "none": "No applied part",
        B => "B": "Type B",
        Bf => "BF": "Type BF",
        Cf => "CF": "Type CF",
    }
);

text_enum!(
    /// The measurements of an electrical safety test.
    EsaTest, "test" {
        ProtectiveEarthResistance => "protective_earth_resistance": "Protective earth resistance",
        EquipmentLeakage => "equipment_leakage": "Equipment leakage",
        AppliedPartLeakage => "applied_part_leakage": "Applied-part leakage",
        TouchCurrent => "touch_current": "Touch current",
        PatientLeakage => "patient_leakage": "Patient leakage",
        InsulationResistance => "insulation_resistance": "Insulation resistance",
    }
);

text_enum!(
    /// How a reading passes: at most the limit, strictly less than it, or at least it.
    Comparator, "comparator" {
        AtMost => "<=": "at most",
        LessThan => "<": "less than",
        AtLeast => ">=": "at least",
    }
);

impl Comparator {
    /// Whether `value` passes against `limit`.
    pub fn passes(self, value: f64, limit: f64) -> bool {
        match self {
            Comparator::AtMost => value <= limit,
            Comparator::LessThan => value < limit,
            Comparator::AtLeast => value >= limit,
        }
    }
}

/// One row of a limit set: the limit for one test in one configuration, and the device kinds
/// it applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EsaLimit {
    /// The stored row's id: a result keeps it, so it always shows the limit it was judged against.
    pub id: i64,
    pub standard: EsaStandard,
    /// e.g. `IEC 62353:2014`.
    pub edition: String,
    /// The limit set's version (a correction is a new version).
    pub version: i64,
    pub test: EsaTest,
    /// What exactly is measured (cord type, test points, …).
    pub configuration: String,
    pub protection_classes: Vec<ProtectionClass>,
    /// Empty: applies whatever the applied part (including none).
    pub applied_parts: Vec<AppliedPartType>,
    /// `NC` (normal condition) or `SFC` (single-fault condition).
    pub condition: String,
    pub method: String,
    pub limit: f64,
    /// `mOhm`, `uA` or `MOhm`.
    pub unit: String,
    pub comparator: Comparator,
    /// The clause and the REFERENCE section the value comes from.
    pub source: String,
}

impl EsaLimit {
    /// Whether this limit applies to a device of this class with this applied part.
    pub fn applies_to(&self, class: ProtectionClass, applied_part: AppliedPartType) -> bool {
        self.protection_classes.contains(&class)
            && (self.applied_parts.is_empty() || self.applied_parts.contains(&applied_part))
    }

    /// Judges a reading against this limit.
    pub fn judge(&self, value: f64) -> Result<bool, DomainError> {
        if !value.is_finite() || (value < 0.0) {
            return Err(DomainError::field("value", "a reading must be a finite, non-negative number"));
        }
        Ok(self.comparator.passes(value, self.limit))
    }
}

/// Parses a stored `|`-separated list of codes (`any` = empty = every kind).
pub fn parse_code_list<T>(s: &str, parse: fn(&str) -> Result<T, DomainError>) -> Result<Vec<T>, DomainError> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("any") {
        return Ok(Vec::new());
    }
    s.split('|').map(|c| parse(c.trim())).collect()
}

/// The limits that apply to a device, in the table's order.
pub fn select(limits: &[EsaLimit], class: ProtectionClass, applied_part: AppliedPartType) -> Vec<EsaLimit> {
    limits.iter().filter(|l| l.applies_to(class, applied_part)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(comparator: Comparator, value: f64) -> EsaLimit {
        EsaLimit {
            id: 1,
            standard: EsaStandard::Iec62353,
            edition: "IEC 62353:2014".into(),
            version: 1,
            test: EsaTest::EquipmentLeakage,
            configuration: String::new(),
            protection_classes: vec![ProtectionClass::I],
            applied_parts: vec![],
            condition: "NC".into(),
            method: "alternative".into(),
            limit: value,
            unit: "uA".into(),
            comparator,
            source: String::new(),
        }
    }

    #[test]
    fn comparators_judge_the_boundary_as_the_standards_say() {
        // IEC 62353 equipment leakage, Class I, alternative method: at most 1000 µA.
        let l = limit(Comparator::AtMost, 1000.0);
        assert_eq!(l.judge(1000.0), Ok(true));
        assert_eq!(l.judge(1000.1), Ok(false));
        // NFPA 99 ground resistance: less than 0.50 Ω (500 mΩ).
        let l = limit(Comparator::LessThan, 500.0);
        assert_eq!(l.judge(499.9), Ok(true));
        assert_eq!(l.judge(500.0), Ok(false));
        // Insulation resistance mains→PE: at least 2 MΩ.
        let l = limit(Comparator::AtLeast, 2.0);
        assert_eq!(l.judge(2.0), Ok(true));
        assert_eq!(l.judge(1.99), Ok(false));
    }

    #[test]
    fn impossible_readings_are_refused() {
        let l = limit(Comparator::AtMost, 100.0);
        assert!(l.judge(f64::NAN).is_err());
        assert!(l.judge(-1.0).is_err());
    }

    #[test]
    fn a_limit_applies_by_class_and_applied_part() {
        let mut l = limit(Comparator::AtMost, 50.0);
        l.protection_classes = vec![ProtectionClass::I, ProtectionClass::II, ProtectionClass::Internal];
        l.applied_parts = vec![AppliedPartType::Cf];
        assert!(l.applies_to(ProtectionClass::Internal, AppliedPartType::Cf));
        assert!(!l.applies_to(ProtectionClass::I, AppliedPartType::Bf));
        assert!(!l.applies_to(ProtectionClass::I, AppliedPartType::None));
        l.applied_parts = vec![];
        assert!(l.applies_to(ProtectionClass::II, AppliedPartType::None));
    }

    #[test]
    fn code_lists_parse_and_any_means_all() {
        assert_eq!(
            parse_code_list("I|II", ProtectionClass::parse).unwrap(),
            vec![ProtectionClass::I, ProtectionClass::II]
        );
        assert!(parse_code_list("any", AppliedPartType::parse).unwrap().is_empty());
        assert!(parse_code_list("I|III", ProtectionClass::parse).is_err());
    }
}
