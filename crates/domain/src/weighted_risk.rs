//! A configurable weighted risk method: the hospital's own risk criteria (AAMI EQ56 leaves them to
//! the hospital; REFERENCE §2.1 "bands are not universal", §2.2), beside the fixed
//! Fennigkoh & Smith number ([`crate::risk`]).
//!
//! A method is a set of criteria, each with a key, a label, a weight, an allowed score range
//! (`min`–`max`, e.g. 1–5) and optionally a description of each score level; an inclusion
//! threshold and PM bands on a 0–100 scale. Methods are versioned and append-only: an edited
//! method is a new version of the same key, and an assessment keeps the version it was scored
//! with, so a historic score reproduces.
//!
//! **The score** of an assessment, with `wᵢ` the weight, `sᵢ` the score and `minᵢ`/`maxᵢ` the range
//! of criterion `i`:
//!
//! `score = 100 × Σ wᵢ·(sᵢ − minᵢ) / Σ wᵢ·(maxᵢ − minᵢ)`, rounded to one decimal,
//!
//! so every criterion at its minimum scores 0 and every one at its maximum 100, whatever the
//! weights and ranges. With weights summing to 100 and every range 1–5 this is
//! `Σ wᵢ·(sᵢ − 1) / 4`. `score ≥ inclusion_threshold` puts the device in the
//! scheduled-maintenance program; the bands give the PM interval (≥ quarterly_from: 3 months,
//! ≥ semiannual_from: 6, ≥ annual_from: 12, else none).
//!
//! **A computed criterion** (`computed: incident_history`) is not scored by a person: it comes
//! from the asset's true failures over the last 18 months, as the Fennigkoh & Smith component
//! `h` (−2 … +2, [`crate::risk::incident_history`]) mapped linearly onto the criterion's range:
//! `s = min + round((h + 2) × (max − min) / 4)` — on 1–5: −2 → 1, −1 → 2, 0 → 3, +1 → 4, +2 → 5.
//!
//! Life-support equipment is high-risk whatever the score (TJC EC.02.04.01 EP 3): every method
//! has `life_support_forces_high_risk = true`; it is not configurable.

use crate::{DomainError, FieldError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The key of the weighted method shipped with the product (a default to be reviewed).
pub const DEFAULT_METHOD_KEY: &str = "default-weighted";

/// How a criterion is computed instead of scored by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Computed {
    /// From the asset's true failures in the last 18 months (REFERENCE §2.1, §9.3).
    IncidentHistory,
}

/// What one score of a criterion means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreLevel {
    pub score: i8,
    pub description: String,
}

/// One criterion of a weighted method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criterion {
    /// Lower-case letters, digits and `_`, unique within the method.
    pub key: String,
    pub label: String,
    /// A positive weight; weights need not sum to 100 (the score is normalised).
    pub weight: u32,
    /// The lowest allowed score (0–10).
    pub min: i8,
    /// The highest allowed score (above `min`, at most 10).
    pub max: i8,
    /// What each score means (optional).
    #[serde(default)]
    pub levels: Vec<ScoreLevel>,
    /// Set: the score is computed, not given.
    #[serde(default)]
    pub computed: Option<Computed>,
}

/// Scheduled-PM frequency by weighted score (0–100; a bound of 101 switches a band off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightedBands {
    pub quarterly_from: u8,
    pub semiannual_from: u8,
    pub annual_from: u8,
}

impl WeightedBands {
    /// The PM interval in months for a score, or `None` (no scheduled PM).
    pub fn interval_months(&self, score: f64) -> Option<u8> {
        if score >= f64::from(self.quarterly_from) {
            Some(3)
        } else if score >= f64::from(self.semiannual_from) {
            Some(6)
        } else if score >= f64::from(self.annual_from) {
            Some(12)
        } else {
            None
        }
    }
}

/// A method (or a new version of one) as entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWeightedMethod {
    /// Names the method across versions: lower-case letters, digits and `-`.
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub criteria: Vec<Criterion>,
    /// Score (0–100) at or above which a device is in the scheduled-maintenance program.
    pub inclusion_threshold: u8,
    pub bands: WeightedBands,
    /// Why this method or version (recorded with it).
    pub reason: String,
}

/// A stored method version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightedMethod {
    /// The id of this version (assessments refer to it).
    pub id: i64,
    pub key: String,
    pub version: i32,
    pub name: String,
    pub description: Option<String>,
    pub criteria: Vec<Criterion>,
    pub inclusion_threshold: u8,
    pub bands: WeightedBands,
    /// Always true: life support is high-risk whatever the score (TJC).
    pub life_support_forces_high_risk: bool,
    /// The method shipped with the product (a default to be reviewed).
    pub is_default: bool,
    pub reason: String,
    pub created_by: String,
    pub created_at: jiff::Timestamp,
}

/// One criterion's part of a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionScore {
    pub key: String,
    pub label: String,
    pub weight: u32,
    pub score: i8,
    pub computed: bool,
    /// This criterion's share of the 0–100 score.
    pub contribution: f64,
}

/// A weighted score and its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeightedScore {
    /// 0–100, one decimal.
    pub score: f64,
    pub parts: Vec<CriterionScore>,
}

fn is_key(s: &str, sep: char) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == sep)
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

impl NewWeightedMethod {
    /// Trims and checks the method, reporting every problem at once.
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        self.key = self.key.trim().to_string();
        if !is_key(&self.key, '-') {
            e.push(FieldError::new("key", "use lower-case letters, digits and '-' (at most 40), e.g. 'icu-weighted'"));
        }
        self.name = self.name.trim().to_string();
        if self.name.is_empty() || self.name.len() > 160 {
            e.push(FieldError::new("name", "give the method a name (at most 160 characters)"));
        }
        self.description = self.description.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
        self.reason = self.reason.trim().to_string();
        if self.reason.is_empty() {
            e.push(FieldError::new("reason", "say why this method or version is made"));
        }
        if self.criteria.is_empty() {
            e.push(FieldError::new("criteria", "a method needs at least one criterion"));
        }
        if self.criteria.len() > 20 {
            e.push(FieldError::new("criteria", "at most 20 criteria"));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut computed = std::collections::BTreeSet::new();
        for (i, c) in self.criteria.iter_mut().enumerate() {
            let f = |what: &str| format!("criteria[{i}].{what}");
            c.key = c.key.trim().to_string();
            c.label = c.label.trim().to_string();
            if !is_key(&c.key, '_') {
                e.push(FieldError::new(f("key"), "use lower-case letters, digits and '_', e.g. 'physical_risk'"));
            } else if !seen.insert(c.key.clone()) {
                e.push(FieldError::new(f("key"), format!("'{}' appears twice", c.key)));
            }
            if c.label.is_empty() {
                e.push(FieldError::new(f("label"), "give the criterion a label"));
            }
            if c.weight == 0 || c.weight > 1000 {
                e.push(FieldError::new(f("weight"), "the weight is 1 to 1000"));
            }
            if !(0..=10).contains(&c.min) || !(0..=10).contains(&c.max) || c.min >= c.max {
                e.push(FieldError::new(f("min"), "the score range is within 0–10 and min is below max, e.g. 1–5"));
            }
            for l in &mut c.levels {
                l.description = l.description.trim().to_string();
                if l.score < c.min || l.score > c.max || l.description.is_empty() {
                    e.push(FieldError::new(
                        f("levels"),
                        format!("level {} is outside {}–{} or undescribed", l.score, c.min, c.max),
                    ));
                }
            }
            c.levels.sort_by_key(|l| l.score);
            if let Some(k) = c.computed
                && !computed.insert(k as u8)
            {
                e.push(FieldError::new(f("computed"), "only one criterion may be computed from incident history"));
            }
        }
        let b = self.bands;
        if self.inclusion_threshold > 100 {
            e.push(FieldError::new("inclusion_threshold", "the threshold is 0 to 100"));
        }
        if b.quarterly_from > 101 || b.semiannual_from > b.quarterly_from || b.annual_from > b.semiannual_from {
            e.push(FieldError::new(
                "bands",
                "bands are 0–101 with annual_from ≤ semiannual_from ≤ quarterly_from (101 switches a band off)",
            ));
        }
        if e.is_empty() { Ok(self) } else { Err(DomainError::Invalid(e)) }
    }
}

/// The score of a computed incident-history criterion from the Fennigkoh & Smith component
/// `h` (−2 … +2): `min + round((h + 2) × (max − min) / 4)`.
pub fn incident_history_score(c: &Criterion, incident_history: i8) -> i8 {
    let h = f64::from(incident_history.clamp(-2, 2) + 2);
    let span = f64::from(c.max - c.min);
    c.min + (h * span / 4.0).round() as i8
}

/// Checks the scores a person gives: one per criterion that is not computed, in range, and no
/// unknown or computed keys.
pub fn check_scores(criteria: &[Criterion], scores: &BTreeMap<String, i8>) -> Result<(), DomainError> {
    let mut e = Vec::new();
    for c in criteria {
        let field = format!("scores.{}", c.key);
        match (c.computed, scores.get(&c.key)) {
            (Some(_), Some(_)) => {
                e.push(FieldError::new(field.clone(), "is computed from the asset's repair history; do not give it"))
            }
            (Some(_), None) => {}
            (None, None) => e.push(FieldError::new(field.clone(), format!("give a score of {}–{}", c.min, c.max))),
            (None, Some(s)) if *s < c.min || *s > c.max => {
                e.push(FieldError::new(field.clone(), format!("{s} is outside {}–{}", c.min, c.max)))
            }
            (None, Some(_)) => {}
        }
    }
    for k in scores.keys() {
        if !criteria.iter().any(|c| &c.key == k) {
            e.push(FieldError::new(format!("scores.{k}"), "is not a criterion of this method"));
        }
    }
    if e.is_empty() { Ok(()) } else { Err(DomainError::Invalid(e)) }
}

/// The weighted score (see the module documentation for the formula). A missing score counts at
/// the criterion's minimum (stored assessments were checked with [`check_scores`]).
pub fn score(criteria: &[Criterion], scores: &BTreeMap<String, i8>, incident_history: i8) -> WeightedScore {
    let denominator: f64 = criteria.iter().map(|c| f64::from(c.weight) * f64::from(c.max - c.min)).sum();
    let mut total = 0.0;
    let parts = criteria
        .iter()
        .map(|c| {
            let s = match c.computed {
                Some(Computed::IncidentHistory) => incident_history_score(c, incident_history),
                None => scores.get(&c.key).copied().unwrap_or(c.min).clamp(c.min, c.max),
            };
            let raw = f64::from(c.weight) * f64::from(s - c.min);
            let contribution = if denominator > 0.0 { 100.0 * raw / denominator } else { 0.0 };
            total += contribution;
            CriterionScore {
                key: c.key.clone(),
                label: c.label.clone(),
                weight: c.weight,
                score: s,
                computed: c.computed.is_some(),
                contribution: (contribution * 10.0).round() / 10.0,
            }
        })
        .collect();
    WeightedScore { score: (total * 10.0).round() / 10.0, parts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::incident_history;

    fn crit(key: &str, weight: u32, computed: Option<Computed>) -> Criterion {
        Criterion { key: key.into(), label: key.into(), weight, min: 1, max: 5, levels: vec![], computed }
    }

    fn default_like() -> Vec<Criterion> {
        vec![
            crit("clinical_function", 30, None),
            crit("physical_risk", 25, None),
            crit("maintenance_requirements", 15, None),
            crit("incident_history", 15, Some(Computed::IncidentHistory)),
            crit("utilisation_backup", 15, None),
        ]
    }

    fn scores(v: &[(&str, i8)]) -> BTreeMap<String, i8> {
        v.iter().map(|(k, s)| (k.to_string(), *s)).collect()
    }

    const BANDS: WeightedBands = WeightedBands { quarterly_from: 80, semiannual_from: 65, annual_from: 50 };

    #[test]
    fn worked_examples_score_by_the_documented_formula() {
        let c = default_like();
        // A defibrillator: function 5, physical risk 5, maintenance 4, backup 4, one failure in
        // 18 months (h = −1 → 2). Σ w(s−1)/4 = (30·4 + 25·4 + 15·3 + 15·1 + 15·3)/4 = 325/4.
        let s = scores(&[
            ("clinical_function", 5),
            ("physical_risk", 5),
            ("maintenance_requirements", 4),
            ("utilisation_backup", 4),
        ]);
        check_scores(&c, &s).unwrap();
        let r = score(&c, &s, incident_history(1, 18.0));
        assert_eq!(r.score, 81.3, "81.25 rounds to one decimal");
        assert_eq!(r.parts[3].score, 2);
        assert!(r.parts[3].computed);
        assert_eq!(r.parts[0].contribution, 30.0);
        assert_eq!(BANDS.interval_months(r.score), Some(3));
        // An exam light: everything at the minimum, no failures (h = −2 → 1): 0.
        let low = scores(&[
            ("clinical_function", 1),
            ("physical_risk", 1),
            ("maintenance_requirements", 1),
            ("utilisation_backup", 1),
        ]);
        let r = score(&c, &low, incident_history(0, 24.0));
        assert_eq!(r.score, 0.0);
        assert_eq!(BANDS.interval_months(0.0), None);
        // Everything at the maximum with > 1 failure / 6 months: 100.
        let high = scores(&[
            ("clinical_function", 5),
            ("physical_risk", 5),
            ("maintenance_requirements", 5),
            ("utilisation_backup", 5),
        ]);
        assert_eq!(score(&c, &high, incident_history(4, 18.0)).score, 100.0);
        // A bedside monitor: 4, 3, 3, backup 3, two failures in 18 months (h = 0 → 3):
        // (30·3 + 25·2 + 15·2 + 15·2 + 15·2)/4 = 230/4 = 57.5 → in the program, annual.
        let mon = scores(&[
            ("clinical_function", 4),
            ("physical_risk", 3),
            ("maintenance_requirements", 3),
            ("utilisation_backup", 3),
        ]);
        let r = score(&c, &mon, incident_history(2, 18.0));
        assert_eq!(r.score, 57.5);
        assert_eq!(BANDS.interval_months(r.score), Some(12));
    }

    #[test]
    fn ranges_and_weights_need_not_be_uniform() {
        // Weights 2 and 1, ranges 0–10 and 1–3: 100 × (2·7 + 1·1) / (2·10 + 1·2) = 1500/22.
        let c = vec![
            Criterion { min: 0, max: 10, ..crit("a", 2, None) },
            Criterion { min: 1, max: 3, ..crit("b", 1, None) },
        ];
        let r = score(&c, &scores(&[("a", 7), ("b", 2)]), 0);
        assert_eq!(r.score, 68.2);
    }

    #[test]
    fn incident_history_maps_linearly_onto_the_range() {
        let c = crit("ih", 1, Some(Computed::IncidentHistory));
        let got: Vec<i8> = (-2..=2).map(|h| incident_history_score(&c, h)).collect();
        assert_eq!(got, vec![1, 2, 3, 4, 5]);
        let wide = Criterion { min: 0, max: 10, ..c.clone() };
        assert_eq!((-2..=2).map(|h| incident_history_score(&wide, h)).collect::<Vec<_>>(), vec![0, 3, 5, 8, 10]);
        let narrow = Criterion { min: 1, max: 3, ..c };
        assert_eq!((-2..=2).map(|h| incident_history_score(&narrow, h)).collect::<Vec<_>>(), vec![1, 2, 2, 3, 3]);
    }

    #[test]
    fn scores_must_cover_every_scored_criterion_and_no_computed_one() {
        let c = default_like();
        let e = check_scores(&c, &scores(&[("clinical_function", 6), ("incident_history", 3), ("colour", 2)]))
            .unwrap_err()
            .to_string();
        for field in [
            "scores.clinical_function",
            "scores.physical_risk",
            "scores.incident_history",
            "scores.colour",
            "scores.utilisation_backup",
        ] {
            assert!(e.contains(field), "{field} in {e}");
        }
    }

    #[test]
    fn a_method_is_checked_whole() {
        let good = NewWeightedMethod {
            key: " icu-weighted ".into(),
            name: "ICU method".into(),
            description: None,
            criteria: default_like(),
            inclusion_threshold: 50,
            bands: BANDS,
            reason: "Adopted by the EC committee".into(),
        };
        let n = good.clone().normalized().unwrap();
        assert_eq!(n.key, "icu-weighted");
        let mut bad = good.clone();
        bad.key = "ICU weighted".into();
        bad.reason = " ".into();
        bad.criteria.push(crit("physical_risk", 0, Some(Computed::IncidentHistory)));
        bad.bands = WeightedBands { quarterly_from: 60, semiannual_from: 65, annual_from: 50 };
        let e = bad.normalized().unwrap_err().to_string();
        for f in ["key", "reason", "criteria[5].key", "criteria[5].weight", "criteria[5].computed", "bands"] {
            assert!(e.contains(f), "{f} in {e}");
        }
        let mut empty = good;
        empty.criteria.clear();
        assert!(empty.normalized().unwrap_err().to_string().contains("criteria"));
    }
}
