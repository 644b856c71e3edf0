//! Technician qualifications (REFERENCE §10 "Certifications"): professional certifications and
//! manufacturer training on a device model, each with an optional expiry date; what a PM
//! procedure requires of the technician who performs it; and the pure check of one against the
//! other on a given date.
//!
//! - Certifications: the AAMI Credentials Institute (ACI) awards **CABT**, **CBET**, **CRES**,
//!   **CLES** and **CHTM**; **CCE** is awarded by the ACCE Healthcare Technology Foundation's
//!   certification commission, not ACI. ACI credentials renew on a 3-year cycle (REFERENCE §10).
//! - **CNES** is accepted as a code because the product brief (issue 3) lists it, but REFERENCE §10
//!   found no such HTM credential: it is [`Certification::confirmed`] = false, labelled as
//!   unconfirmed, and the demo never seeds it.
//! - A qualification is **valid on a date** `d` when it is not revoked, was issued on or before
//!   `d` (when an issue date is known) and `d` is on or before its expiry date: a credential is
//!   valid **through** its expiry date (certificates state "valid through"/"expires on" that day),
//!   and lapses the day after.
//! - A certification requirement is met only by that exact certification (a CHTM does not stand
//!   in for a CBET). A model-training requirement is met by manufacturer training on the asset's
//!   own model.

use crate::error::FieldError;
use crate::ids::{ModelId, UserId};
use crate::org::{finish, optional_text};
use crate::{DomainError, text_enum};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    /// A professional HTM certification (REFERENCE §10).
    Certification, "certification" {
        Cabt => "CABT": "CABT – Certified Associate in Biomedical Technology (ACI)",
        Cbet => "CBET": "CBET – Certified Biomedical Equipment Technician (ACI)",
        Cres => "CRES": "CRES – Certified Radiology Equipment Specialist (ACI)",
        Cles => "CLES": "CLES – Certified Laboratory Equipment Specialist (ACI)",
        Chtm => "CHTM": "CHTM – Certified Healthcare Technology Manager (ACI)",
        Cce => "CCE": "CCE – Certified Clinical Engineer (ACCE HTF)",
        Cnes => "CNES": "CNES – unconfirmed credential (not found by REFERENCE §10)",
    }
);

impl Certification {
    /// Whether the credential is confirmed to exist (REFERENCE §10: CNES was not found).
    pub fn confirmed(self) -> bool {
        self != Certification::Cnes
    }

    /// The body that awards it.
    pub fn awarding_body(self) -> Option<&'static str> {
        match self {
            Certification::Cce => Some("ACCE Healthcare Technology Foundation"),
            Certification::Cnes => None,
            _ => Some("AAMI Credentials Institute"),
        }
    }
}

text_enum!(
    /// What a site does when a technician lacks a procedure's required qualification.
    QualificationPolicy, "qualification_policy" {
        Flag => "flag": "Allow and flag the work order",
        Refuse => "refuse": "Refuse the work",
    }
);

/// A certification held, or manufacturer training on one model, by one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Qualification {
    pub id: i64,
    pub user_id: UserId,
    /// Set for a certification (exactly one of `certification` and `model_id` is set).
    pub certification: Option<Certification>,
    /// Set for manufacturer training on this device model.
    pub model_id: Option<ModelId>,
    /// The model as people know it (`manufacturer model_number – name`), for training.
    pub model_label: Option<String>,
    /// Certificate or candidate number.
    pub reference: Option<String>,
    /// Who issued it (e.g. AAMI Credentials Institute, the manufacturer's training centre).
    pub issuer: Option<String>,
    pub issued_on: Option<Date>,
    /// Last day it is valid; `None`: does not expire.
    pub expires_on: Option<Date>,
    pub revoked_at: Option<Timestamp>,
    pub revoked_reason: Option<String>,
    pub created_at: Timestamp,
}

impl Qualification {
    /// Valid on `d`: not revoked, issued on or before `d`, and `d` on or before the expiry date.
    pub fn valid_on(&self, d: Date) -> bool {
        self.revoked_at.is_none() && self.issued_on.is_none_or(|i| i <= d) && self.expires_on.is_none_or(|e| d <= e)
    }

    /// Expired on `d` (past its expiry date), whether or not revoked.
    pub fn expired_on(&self, d: Date) -> bool {
        self.expires_on.is_some_and(|e| e < d)
    }

    /// What it is, e.g. `CBET` or `training: Philips Efficia DFM100`.
    pub fn title(&self) -> String {
        match (self.certification, &self.model_label, self.model_id) {
            (Some(c), _, _) => c.as_str().to_string(),
            (None, Some(l), _) => format!("manufacturer training: {l}"),
            (None, None, Some(m)) => format!("manufacturer training: model {m}"),
            (None, None, None) => "qualification".into(),
        }
    }
}

/// A new qualification: a certification code or a model (exactly one).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewQualification {
    #[serde(default)]
    pub certification: Option<Certification>,
    #[serde(default)]
    pub model_id: Option<ModelId>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub issued_on: Option<Date>,
    #[serde(default)]
    pub expires_on: Option<Date>,
}

impl NewQualification {
    /// Checks it: exactly one of certification and model; expiry not before issue; texts trimmed.
    /// A certification without an issuer gets its awarding body.
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e: Vec<FieldError> = Vec::new();
        match (self.certification, self.model_id) {
            (Some(_), Some(_)) => e.push(FieldError::new(
                "model_id",
                "give a certification or a model for manufacturer training, not both",
            )),
            (None, None) => e.push(FieldError::new(
                "certification",
                "give a certification code or a model_id for manufacturer training",
            )),
            _ => {}
        }
        self.reference = optional_text("reference", self.reference.as_deref(), 100, &mut e);
        self.issuer = optional_text("issuer", self.issuer.as_deref(), 200, &mut e);
        if let (Some(i), Some(x)) = (self.issued_on, self.expires_on)
            && x < i
        {
            e.push(FieldError::new("expires_on", format!("expires on {x}, before it was issued ({i})")));
        }
        if self.issuer.is_none() {
            self.issuer = self.certification.and_then(Certification::awarding_body).map(str::to_string);
        }
        finish(e)?;
        Ok(self)
    }
}

/// What a procedure requires of the technician who performs it. The default requires nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualificationRequirement {
    /// This certification, valid on the day of the work.
    #[serde(default)]
    pub certification: Option<Certification>,
    /// Manufacturer training on the asset's model, valid on the day of the work.
    #[serde(default)]
    pub model_training: bool,
}

impl QualificationRequirement {
    pub fn is_none(&self) -> bool {
        self.certification.is_none() && !self.model_training
    }

    /// In words, e.g. `CBET and manufacturer training on the model`; `none` when empty.
    pub fn text(&self) -> String {
        match (self.certification, self.model_training) {
            (None, false) => "none".into(),
            (Some(c), false) => c.as_str().into(),
            (None, true) => "manufacturer training on the model".into(),
            (Some(c), true) => format!("{} and manufacturer training on the model", c.as_str()),
        }
    }
}

/// What a technician lacks, and when what they had expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Missing {
    /// The required certification, when no valid one is held.
    pub certification: Option<Certification>,
    /// The latest expiry date of that certification held but expired.
    pub certification_expired_on: Option<Date>,
    /// The asset's model, when no valid manufacturer training on it is held.
    pub model_training: Option<ModelId>,
    /// The latest expiry date of that training held but expired.
    pub model_training_expired_on: Option<Date>,
}

impl Missing {
    /// E.g. `Rosa Lopez (rlopez) lacks a valid CBET (expired 2026-03-31) and manufacturer
    /// training on Philips HeartStart XL+`.
    pub fn describe(&self, technician: &str, model: &str) -> String {
        let mut parts = Vec::new();
        if let Some(c) = self.certification {
            let mut s = format!("a valid {} certification", c.as_str());
            if let Some(x) = self.certification_expired_on {
                s.push_str(&format!(" (theirs expired {x})"));
            }
            parts.push(s);
        }
        if self.model_training.is_some() {
            let mut s = format!("manufacturer training on {model}");
            if let Some(x) = self.model_training_expired_on {
                s.push_str(&format!(" (theirs expired {x})"));
            }
            parts.push(s);
        }
        format!("{technician} lacks {} required by the procedure", parts.join(" and "))
    }
}

/// Checks `requirement` against the qualifications `quals` of one technician for work on an asset
/// of `model` on `on`. Qualifications of other users in `quals` are not told apart: pass only
/// the technician's own.
pub fn check(
    requirement: &QualificationRequirement,
    quals: &[Qualification],
    model: ModelId,
    on: Date,
) -> Result<(), Missing> {
    let latest_expiry = |matches: &dyn Fn(&Qualification) -> bool| {
        quals
            .iter()
            .filter(|q| matches(q) && q.revoked_at.is_none() && q.expired_on(on))
            .filter_map(|q| q.expires_on)
            .max()
    };
    let mut missing = Missing {
        certification: None,
        certification_expired_on: None,
        model_training: None,
        model_training_expired_on: None,
    };
    if let Some(c) = requirement.certification {
        let is = |q: &Qualification| q.certification == Some(c);
        if !quals.iter().any(|q| is(q) && q.valid_on(on)) {
            missing.certification = Some(c);
            missing.certification_expired_on = latest_expiry(&is);
        }
    }
    if requirement.model_training {
        let is = |q: &Qualification| q.model_id == Some(model);
        if !quals.iter().any(|q| is(q) && q.valid_on(on)) {
            missing.model_training = Some(model);
            missing.model_training_expired_on = latest_expiry(&is);
        }
    }
    if missing.certification.is_none() && missing.model_training.is_none() { Ok(()) } else { Err(missing) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;

    fn q(cert: Option<Certification>, model: Option<i64>, expires: Option<Date>) -> Qualification {
        Qualification {
            id: 1,
            user_id: UserId(7),
            certification: cert,
            model_id: model.map(ModelId),
            model_label: None,
            reference: None,
            issuer: None,
            issued_on: Some(date(2023, 4, 1)),
            expires_on: expires,
            revoked_at: None,
            revoked_reason: None,
            created_at: "2023-04-01T12:00:00Z".parse().unwrap(),
        }
    }

    const CBET: QualificationRequirement =
        QualificationRequirement { certification: Some(Certification::Cbet), model_training: false };

    #[test]
    fn codes_parse_case_insensitively_and_cnes_is_unconfirmed() {
        assert_eq!(Certification::parse("cbet").unwrap(), Certification::Cbet);
        assert_eq!(Certification::parse(" CCE ").unwrap(), Certification::Cce);
        assert_eq!(Certification::Cbet.as_str(), "CBET");
        assert!(Certification::parse("CNES").is_ok());
        assert!(!Certification::Cnes.confirmed());
        assert!(Certification::ALL.iter().filter(|c| **c != Certification::Cnes).all(|c| c.confirmed()));
        assert_eq!(Certification::Cce.awarding_body(), Some("ACCE Healthcare Technology Foundation"));
        assert_eq!(Certification::Cres.awarding_body(), Some("AAMI Credentials Institute"));
        assert!(Certification::parse("CISSP").is_err());
    }

    #[test]
    fn valid_through_the_expiry_date_and_lapsed_the_day_after() {
        let quals = [q(Some(Certification::Cbet), None, Some(date(2026, 3, 31)))];
        assert_eq!(check(&CBET, &quals, ModelId(1), date(2026, 3, 30)), Ok(()));
        assert_eq!(check(&CBET, &quals, ModelId(1), date(2026, 3, 31)), Ok(()));
        let m = check(&CBET, &quals, ModelId(1), date(2026, 4, 1)).unwrap_err();
        assert_eq!(m.certification, Some(Certification::Cbet));
        assert_eq!(m.certification_expired_on, Some(date(2026, 3, 31)));
        assert_eq!(m.model_training, None);
        assert_eq!(
            m.describe("Rosa Lopez (rlopez)", "x"),
            "Rosa Lopez (rlopez) lacks a valid CBET certification (theirs expired 2026-03-31) required by the procedure"
        );
    }

    #[test]
    fn not_valid_before_issue_and_without_expiry_valid_forever() {
        let quals = [q(Some(Certification::Cbet), None, None)];
        assert!(check(&CBET, &quals, ModelId(1), date(2023, 3, 31)).is_err());
        assert_eq!(check(&CBET, &quals, ModelId(1), date(2023, 4, 1)), Ok(()));
        assert_eq!(check(&CBET, &quals, ModelId(1), date(2099, 1, 1)), Ok(()));
    }

    #[test]
    fn only_the_exact_certification_counts() {
        let quals = [q(Some(Certification::Chtm), None, None), q(Some(Certification::Cres), None, None)];
        let m = check(&CBET, &quals, ModelId(1), date(2026, 1, 1)).unwrap_err();
        assert_eq!(m.certification, Some(Certification::Cbet));
        assert_eq!(m.certification_expired_on, None);
        assert_eq!(check(&QualificationRequirement::default(), &[], ModelId(1), date(2026, 1, 1)), Ok(()));
    }

    #[test]
    fn model_training_is_for_the_assets_own_model() {
        let req = QualificationRequirement { certification: None, model_training: true };
        let quals = [q(None, Some(5), Some(date(2027, 1, 1))), q(None, Some(6), Some(date(2025, 12, 31)))];
        assert_eq!(check(&req, &quals, ModelId(5), date(2026, 6, 1)), Ok(()));
        let m = check(&req, &quals, ModelId(6), date(2026, 6, 1)).unwrap_err();
        assert_eq!((m.model_training, m.model_training_expired_on), (Some(ModelId(6)), Some(date(2025, 12, 31))));
        let m = check(&req, &quals, ModelId(9), date(2026, 6, 1)).unwrap_err();
        assert_eq!((m.model_training, m.model_training_expired_on), (Some(ModelId(9)), None));
        // Both required: both reported.
        let both = QualificationRequirement { certification: Some(Certification::Cres), model_training: true };
        let m = check(&both, &quals, ModelId(9), date(2026, 6, 1)).unwrap_err();
        assert_eq!(m.certification, Some(Certification::Cres));
        assert!(
            m.describe("T", "GE Optima").contains("a valid CRES certification and manufacturer training on GE Optima")
        );
    }

    #[test]
    fn a_revoked_qualification_never_counts() {
        let mut r = q(Some(Certification::Cbet), None, None);
        r.revoked_at = Some("2026-01-01T00:00:00Z".parse().unwrap());
        let m = check(&CBET, &[r], ModelId(1), date(2025, 6, 1)).unwrap_err();
        assert_eq!(m.certification_expired_on, None);
    }

    #[test]
    fn a_new_qualification_is_validated() {
        let ok =
            NewQualification { certification: Some(Certification::Cbet), ..Default::default() }.normalized().unwrap();
        assert_eq!(ok.issuer.as_deref(), Some("AAMI Credentials Institute"));
        assert!(NewQualification::default().normalized().is_err());
        assert!(
            NewQualification {
                certification: Some(Certification::Cbet),
                model_id: Some(ModelId(1)),
                ..Default::default()
            }
            .normalized()
            .is_err()
        );
        let inverted = NewQualification {
            model_id: Some(ModelId(1)),
            issued_on: Some(date(2026, 1, 2)),
            expires_on: Some(date(2026, 1, 1)),
            ..Default::default()
        };
        assert!(inverted.normalized().is_err());
        assert_eq!(
            QualificationRequirement { certification: Some(Certification::Cbet), model_training: true }.text(),
            "CBET and manufacturer training on the model"
        );
    }
}
