//! A guard against patient-identifying information in free text. OpenHTM stores no patient
//! data: a problem report or a note should describe the equipment, not the patient. This scan
//! finds text that *looks like* an identifier (HIPAA Safe Harbor kinds: names, dates of birth,
//! medical record and social security numbers) so that the user can be warned before saving.
//! It is a heuristic: it warns, it never blocks, and it never claims text is clean.

use regex::Regex;
use std::sync::LazyLock;

/// One suspicious passage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PhiHint {
    /// What it looks like: `medical record number`, `date of birth`, `social security number`,
    /// `patient name`.
    pub kind: &'static str,
    /// The matching text.
    pub excerpt: String,
}

static PATTERNS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    let specs: [(&'static str, &str); 4] = [
        (
            "medical record number",
            r"(?i)\b(?:mrn|mr\s*#|medical\s+record(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*[A-Z]?\d{5,12}\b",
        ),
        (
            "date of birth",
            r"(?i)\b(?:dob|d\.o\.b\.|date\s+of\s+birth|born)\s*[:\-]?\s*(?:\d{1,2}[/\-.]\d{1,2}[/\-.]\d{2,4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4})",
        ),
        ("social security number", r"\b\d{3}-\d{2}-\d{4}\b"),
        (
            "patient name",
            r"\b(?i:patient|pt\.?)(?::|,)?\s+(?:(?i:mr|mrs|ms|miss|dr)\.?\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?",
        ),
    ];
    specs.into_iter().filter_map(|(k, p)| Regex::new(p).ok().map(|r| (k, r))).collect()
});

/// Words that follow "patient" in equipment talk and are not names.
const NOT_NAMES: &[&str] = &[
    "Monitor",
    "Monitors",
    "Bed",
    "Beds",
    "Lift",
    "Cable",
    "Cables",
    "Room",
    "Rooms",
    "Side",
    "Care",
    "Module",
    "Warmer",
    "Transport",
    "Circuit",
    "Data",
    "Support",
    "Safety",
    "Connection",
    "Leads",
    "Was",
    "Is",
    "Has",
    "The",
    "In",
    "On",
    "Not",
    "And",
];

/// Every passage of `text` that looks like a patient identifier.
pub fn scan(text: &str) -> Vec<PhiHint> {
    let mut hints = Vec::new();
    for (kind, re) in PATTERNS.iter() {
        for m in re.find_iter(text) {
            let excerpt = m.as_str().trim().to_string();
            if *kind == "patient name" {
                let first_word = excerpt
                    .split_whitespace()
                    .skip(1)
                    .find(|w| {
                        !matches!(w.trim_end_matches('.').to_lowercase().as_str(), "mr" | "mrs" | "ms" | "miss" | "dr")
                    })
                    .unwrap_or("");
                if NOT_NAMES.contains(&first_word) {
                    continue;
                }
            }
            hints.push(PhiHint { kind, excerpt });
        }
    }
    hints
}

/// A suspicious passage in one named field of a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhiFinding {
    /// The field the text is in, e.g. `what_happened`.
    pub field: String,
    /// What it looks like (see [`PhiHint::kind`]).
    pub kind: String,
    /// The matching text.
    pub excerpt: String,
}

/// Every passage in the named fields that looks like a patient identifier, field by field.
pub fn scan_fields(fields: &[(&str, &str)]) -> Vec<PhiFinding> {
    fields
        .iter()
        .flat_map(|(field, text)| {
            scan(text).into_iter().map(move |h| PhiFinding {
                field: field.to_string(),
                kind: h.kind.to_string(),
                excerpt: h.excerpt,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(t: &str) -> Vec<&'static str> {
        scan(t).into_iter().map(|h| h.kind).collect()
    }

    #[test]
    fn identifiers_in_a_problem_report_are_found() {
        assert_eq!(
            kinds("Pump alarmed on patient John Smith, MRN 00482913"),
            vec!["medical record number", "patient name"]
        );
        assert_eq!(kinds("pt DOB 04/12/1957 in bed 7"), vec!["date of birth"]);
        assert_eq!(kinds("Date of birth: March 4, 1961"), vec!["date of birth"]);
        assert_eq!(kinds("SSN 123-45-6789 written on the case"), vec!["social security number"]);
        assert_eq!(kinds("Patient: Mrs. Alvarez complained the cuff hurt"), vec!["patient name"]);
    }

    #[test]
    fn equipment_talk_is_not_flagged() {
        for t in [
            "Patient monitor in ICU bed 7 shows lead-off alarm",
            "patient cable frayed near the connector; replaced",
            "SpO2 reads 80% on all patients, probe model 1859",
            "Occlusion alarm at 2026-03-02 14:10, no patient harm",
            "Battery P/N 989803174851 replaced; tested 3.2 h runtime",
            "Patient side of the circuit leaks",
        ] {
            assert!(scan(t).is_empty(), "{t}: {:?}", scan(t));
        }
    }
}
