//! Risk-based equipment management: the Fennigkoh & Smith (1989) equipment-management number
//! (REFERENCE §2.1; table `data/htm_tables/fennigkoh_smith_scores.csv`).
//!
//! `EM = Function (2–10) + Physical risk (1–5) + Maintenance requirement (1–5) + Incident history (−2…+2)`,
//! range 2–22. **EM ≥ 12 includes the device in the scheduled-maintenance program.** PM frequency
//! bands are not universal, so they are configuration ([`PmBands`], default the widespread
//! adaptation: ≥ 18 quarterly, 15–17 semiannual, 12–14 annual, < 12 none). Life-support devices
//! (function 10) are high-risk whatever the score — a rule, not a score (TJC).
//!
//! The incident-history component is computed from the asset's true failures (cause codes that
//! count as failures, REFERENCE §9.3) over the last 18 months of service:
//! the mean interval between failures = months observed ÷ failures, and
//! - more than one failure every 6 months (interval < 6) → +2;
//! - one every 6–9 months → +1; one every 9–12 months → 0; one every 12–18 months → −1;
//! - no failure in the previous 18 months → −2.
//!
//! With fewer than 6 months of service there is not enough history to judge: the component is 0
//! (average) until then.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// The fixed factors of a device type (per model, overridable per asset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FennigkohSmith {
    /// 10 life support … 2 patient-related and other.
    pub function: i8,
    /// 5 patient death … 1 no significant risk.
    pub physical_risk: i8,
    /// 5 extensive … 1 minimal.
    pub maintenance: i8,
}

impl FennigkohSmith {
    pub fn new(function: i8, physical_risk: i8, maintenance: i8) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        if !(2..=10).contains(&function) {
            e.push(crate::FieldError::new(
                "function",
                "the function score is 2 (patient-related) to 10 (life support)",
            ));
        }
        if !(1..=5).contains(&physical_risk) {
            e.push(crate::FieldError::new("physical_risk", "the physical-risk score is 1 (none) to 5 (patient death)"));
        }
        if !(1..=5).contains(&maintenance) {
            e.push(crate::FieldError::new(
                "maintenance",
                "the maintenance-requirement score is 1 (minimal) to 5 (extensive)",
            ));
        }
        if e.is_empty() {
            Ok(FennigkohSmith { function, physical_risk, maintenance })
        } else {
            Err(DomainError::Invalid(e))
        }
    }

    /// The EM number with an incident-history component.
    pub fn em_number(&self, incident_history: i8) -> i8 {
        self.function + self.physical_risk + self.maintenance + incident_history.clamp(-2, 2)
    }

    /// Life-support equipment is high-risk whatever its score (REFERENCE §2.1, TJC).
    pub fn must_be_high_risk(&self) -> bool {
        self.function == 10
    }
}

/// EM at or above this includes the device in the scheduled-maintenance program.
pub const INCLUSION_THRESHOLD: i8 = 12;

/// The observation window of the incident-history component, in months.
pub const HISTORY_MONTHS: f64 = 18.0;

/// The incident-history component from true failures over `months_observed` (the last 18 months
/// of service, or less for a younger asset).
pub fn incident_history(failures: u32, months_observed: f64) -> i8 {
    let m = months_observed.min(HISTORY_MONTHS);
    if m < 6.0 {
        return 0;
    }
    if failures == 0 {
        return -2;
    }
    let interval = m / f64::from(failures);
    if interval < 6.0 {
        2
    } else if interval < 9.0 {
        1
    } else if interval < 12.0 {
        0
    } else {
        -1
    }
}

/// Scheduled-PM frequency by EM number (configurable; REFERENCE §2.1 "make bands configurable").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PmBands {
    /// EM at or above this: every 3 months.
    pub quarterly_from: i8,
    /// EM at or above this: every 6 months.
    pub semiannual_from: i8,
    /// EM at or above this: every 12 months; below it, no scheduled PM.
    pub annual_from: i8,
}

impl Default for PmBands {
    fn default() -> Self {
        PmBands { quarterly_from: 18, semiannual_from: 15, annual_from: INCLUSION_THRESHOLD }
    }
}

impl PmBands {
    /// The PM interval in months, or `None` (inspect and repair on demand).
    pub fn interval_months(&self, em: i8) -> Option<u8> {
        if em >= self.quarterly_from {
            Some(3)
        } else if em >= self.semiannual_from {
            Some(6)
        } else if em >= self.annual_from {
            Some(12)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_examples_score_as_the_reference_table_says() {
        // A defibrillator: life support (10), patient death (5), extensive maintenance (5),
        // one failure in the last 18 months (−1): EM 19 → in the program, quarterly.
        let defib = FennigkohSmith::new(10, 5, 5).unwrap();
        let em = defib.em_number(incident_history(1, 18.0));
        assert_eq!(em, 19);
        assert!(em >= INCLUSION_THRESHOLD);
        assert_eq!(PmBands::default().interval_months(em), Some(3));
        assert!(defib.must_be_high_risk());
        // An exam light: patient-related (2), no significant risk (1), minimal maintenance (1),
        // no failure in 18 months (−2): EM 2, the minimum → not in the program.
        let light = FennigkohSmith::new(2, 1, 1).unwrap();
        assert_eq!(light.em_number(incident_history(0, 24.0)), 2);
        assert_eq!(PmBands::default().interval_months(2), None);
        // A bedside monitor: ICU monitoring (7), misdiagnosis (3), average (3), one failure in
        // 9–12 months (0): EM 13 → annual.
        let monitor = FennigkohSmith::new(7, 3, 3).unwrap();
        assert_eq!(monitor.em_number(incident_history(2, 18.0)), 13);
        assert_eq!(PmBands::default().interval_months(13), Some(12));
        // The maximum: 10 + 5 + 5 + 2.
        assert_eq!(defib.em_number(incident_history(4, 18.0)), 22);
    }

    #[test]
    fn incident_history_follows_the_failure_interval() {
        assert_eq!(incident_history(0, 18.0), -2, "none in 18 months");
        assert_eq!(incident_history(1, 18.0), -1, "one in 18 months: 12–18");
        assert_eq!(incident_history(1, 12.0), -1, "one in 12 months: 12–18");
        assert_eq!(incident_history(1, 11.9), 0, "9–12");
        assert_eq!(incident_history(2, 18.0), 0, "one every 9 months: 9–12");
        assert_eq!(incident_history(3, 18.0), 1, "one every 6 months: 6–9");
        assert_eq!(incident_history(4, 18.0), 2, "more than one every 6 months");
        assert_eq!(incident_history(1, 30.0), -1, "only the last 18 months count");
        assert_eq!(incident_history(3, 5.0), 0, "under 6 months: not enough history");
    }

    #[test]
    fn the_threshold_and_bands_are_inclusive() {
        let b = PmBands::default();
        assert_eq!((b.interval_months(11), b.interval_months(12)), (None, Some(12)));
        assert_eq!((b.interval_months(14), b.interval_months(15)), (Some(12), Some(6)));
        assert_eq!((b.interval_months(17), b.interval_months(18)), (Some(6), Some(3)));
        let strict = PmBands { quarterly_from: 19, semiannual_from: 16, annual_from: 13 };
        assert_eq!(strict.interval_months(12), None);
    }

    #[test]
    fn scores_outside_the_table_are_refused() {
        assert!(FennigkohSmith::new(1, 3, 3).is_err());
        assert!(FennigkohSmith::new(11, 3, 3).is_err());
        let e = FennigkohSmith::new(7, 0, 6).unwrap_err().to_string();
        assert!(e.contains("physical_risk") && e.contains("maintenance"), "{e}");
        assert!(!FennigkohSmith::new(9, 5, 5).unwrap().must_be_high_risk(), "only life support is forced");
    }
}
