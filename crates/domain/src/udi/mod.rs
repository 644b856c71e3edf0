//! Unique Device Identifier (UDI) parsing for the three FDA-accredited issuing agencies
//! (REFERENCE §5.1): GS1 ([`gs1`], §5.2), HIBCC ([`hibcc`], §5.3) and ICCBBA ISBT 128
//! ([`isbt`], §5.4).
//!
//! [`parse`] takes what a scanner (or a person) produced, strips an AIM symbology identifier
//! (`]d2`, `]C1`, `]Q3`, `]e0`, …; REFERENCE §5.2 "Carriers") and reports it, detects the agency
//! from the first characters (REFERENCE §5.1 "Parsing strategy": `]d2`/`]C1`/`]e0`/`]Q3` or a
//! leading `01`/`(01)` → GS1, `+` → HIBCC, `=` or `&` → ICCBBA) and returns the device
//! identifier (DI) and the production identifiers (lot, serial, expiry, manufacture date).
//! Errors say where (a character offset into the input, and the AI or part) and why.
//!
//! [`format`] writes the canonical form of a parsed UDI (GS1: the element string with a GS
//! only where a variable-length element needs one; HIBCC and ISBT 128: the data with its
//! check characters) such that `parse(format(p)) == p`.
//!
//! Two-digit years need a reference year: the caller passes `today` (no clock here). GS1's
//! sliding century rule (REFERENCE §5.2 "Year in YYMMDD") is applied to every two-digit year.

pub mod gs1;
pub mod hibcc;
pub mod isbt;

use jiff::civil::Date;
use serde::Serialize;

/// The issuing agency of a UDI (REFERENCE §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Issuer {
    #[serde(rename = "GS1")]
    Gs1,
    #[serde(rename = "HIBCC")]
    Hibcc,
    #[serde(rename = "ICCBBA")]
    Iccbba,
}

impl Issuer {
    pub fn as_str(self) -> &'static str {
        match self {
            Issuer::Gs1 => "GS1",
            Issuer::Hibcc => "HIBCC",
            Issuer::Iccbba => "ICCBBA",
        }
    }
}

/// An AIM symbology identifier that preceded the data (`]` + code character + modifier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Symbology {
    /// As scanned, e.g. `]d2`.
    pub id: String,
    /// What it means, e.g. `GS1 DataMatrix`.
    pub name: String,
    /// Whether it announces GS1 data (`]C1`, `]d2`, `]e0`, `]Q3`, `]J1`).
    pub gs1: bool,
}

/// A parsed UDI: the contract fields (`issuer`, `di`, `lot`, `serial`, `expiry`,
/// `manufactured`) and the agency's own detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParsedUdi {
    pub issuer: Issuer,
    /// The device identifier: a GS1 GTIN-14, an HIBCC `LIC+PCN+U/M` (without `+` and check
    /// character, as GUDID stores it), an ISBT 128 PPIC (16 characters). `None` when the
    /// symbol carries production identifiers only (an HIBCC secondary symbol, a GS1 asset tag).
    pub di: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Expiry (use-by) date; a GS1 day `00` and an HIBCC `MMYY` mean the month's last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufactured: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbology: Option<Symbology>,
    #[serde(flatten)]
    pub detail: Detail,
}

/// What each agency's data holds beyond the contract fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    Gs1(gs1::Gs1Data),
    Hibcc(hibcc::HibccData),
    Iccbba(isbt::IsbtData),
}

/// Why a string is not a valid UDI, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("at character {offset}{}: {reason}", part.as_ref().map(|p| format!(" ({p})")).unwrap_or_default())]
pub struct UdiError {
    /// 0-based character offset into the input as given (symbology identifier included).
    pub offset: usize,
    /// The element or part concerned, e.g. `AI (17)` or `HIBCC check character`.
    pub part: Option<String>,
    pub reason: String,
}

impl UdiError {
    pub(crate) fn new(offset: usize, part: Option<&str>, reason: impl Into<String>) -> Self {
        UdiError { offset, part: part.map(str::to_string), reason: reason.into() }
    }

    pub(crate) fn shifted(mut self, by: usize) -> Self {
        self.offset += by;
        self
    }
}

/// The GS character (ASCII 29) that separates GS1 elements (REFERENCE §5.2 "FNC1").
pub const GS: char = '\u{1d}';

/// The longest input accepted (a GS1 DataMatrix holds at most 3,116 characters).
pub const MAX_LEN: usize = 3200;

/// Names of AIM symbology identifiers (REFERENCE §5.2 "Carriers"; others are reported by
/// their family letter).
fn symbology_of(id: &str) -> Symbology {
    let (name, gs1) = match id {
        "]C1" => ("GS1-128", true),
        "]d2" => ("GS1 DataMatrix", true),
        "]e0" => ("GS1 DataBar / Composite", true),
        "]Q3" => ("GS1 QR Code", true),
        "]J1" => ("GS1 DotCode", true),
        _ => match id.as_bytes().get(1) {
            Some(b'A') => ("Code 39", false),
            Some(b'C') => ("Code 128", false),
            Some(b'd') => ("Data Matrix", false),
            Some(b'Q') => ("QR Code", false),
            Some(b'z') => ("Aztec", false),
            Some(b'E') => ("EAN/UPC", false),
            _ => ("other symbology", false),
        },
    };
    Symbology { id: id.to_string(), name: name.to_string(), gs1 }
}

/// Splits an AIM symbology identifier (`]` + letter + one alphanumeric modifier) off the front.
fn split_symbology(input: &str) -> Result<(Option<Symbology>, &str), UdiError> {
    if !input.starts_with(']') {
        return Ok((None, input));
    }
    let b = input.as_bytes();
    if b.len() < 3 || !b[1].is_ascii_alphabetic() || !b[2].is_ascii_alphanumeric() {
        return Err(UdiError::new(0, Some("symbology identifier"), "`]` must be followed by a letter and a modifier"));
    }
    Ok((Some(symbology_of(&input[..3])), &input[3..]))
}

/// Parses a UDI as scanned or typed. `today` anchors two-digit years (GS1 sliding century).
/// A trailing carriage return or line feed (a keyboard-wedge scanner's Enter) is ignored.
pub fn parse(input: &str, today: Date) -> Result<ParsedUdi, UdiError> {
    let input = input.trim_end_matches(['\r', '\n']);
    if let Some((i, c)) = input.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
        return Err(UdiError::new(i, None, format!("character {c:?} is not ASCII; UDIs are ASCII")));
    }
    if input.len() > MAX_LEN {
        return Err(UdiError::new(MAX_LEN, None, format!("longer than {MAX_LEN} characters")));
    }
    let (symbology, data) = split_symbology(input)?;
    let skip = input.len() - data.len();
    if data.is_empty() {
        return Err(UdiError::new(skip, None, "empty: no data after the symbology identifier"));
    }
    let gs1_symbol = symbology.as_ref().is_some_and(|s| s.gs1);
    let first = data.as_bytes()[0];
    let mut parsed = if gs1_symbol || first.is_ascii_digit() || first == b'(' || data.starts_with(GS) {
        gs1::parse(data, today)
    } else if first == b'+' {
        hibcc::parse(data, today)
    } else if first == b'=' || first == b'&' {
        isbt::parse(data)
    } else {
        Err(UdiError::new(
            0,
            None,
            format!(
                "cannot tell the issuing agency from {:?}: GS1 starts with digits or `(`, HIBCC with `+`, ISBT 128 with `=` or `&`",
                first as char
            ),
        ))
    }
    .map_err(|e| e.shifted(skip))?;
    parsed.symbology = symbology;
    Ok(parsed)
}

/// The canonical string of a parsed UDI (symbology identifier first, if any):
/// `parse(&format(p), today) == Ok(p)`.
pub fn format(p: &ParsedUdi) -> String {
    let mut out = p.symbology.as_ref().map(|s| s.id.clone()).unwrap_or_default();
    match &p.detail {
        Detail::Gs1(d) => out.push_str(&gs1::format_elements(&d.elements)),
        Detail::Hibcc(d) => out.push_str(&hibcc::format(d)),
        Detail::Iccbba(d) => out.push_str(&isbt::format(d)),
    }
    out
}

/// A two-digit year placed by GS1's sliding century rule (REFERENCE §5.2 "Year in YYMMDD"):
/// more than 50 years ahead of `today` is the previous century; more than 49 years back is the
/// next century.
pub fn full_year(yy: i16, today: Date) -> i16 {
    let current = today.year();
    let century = current - current.rem_euclid(100);
    let diff = yy - current.rem_euclid(100);
    if (51..=99).contains(&diff) {
        century - 100 + yy
    } else if (-99..=-50).contains(&diff) {
        century + 100 + yy
    } else {
        century + yy
    }
}

/// Parses `n` ASCII digits.
pub(crate) fn digits(s: &str) -> Option<i32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The last day of a month.
pub(crate) fn last_day(year: i16, month: i8) -> Option<Date> {
    Date::new(year, month, 1).ok().map(|d| d.last_of_month())
}

/// A date from a year and a day of the year (Julian `JJJ`, 1-based).
pub(crate) fn ordinal_date(year: i16, day: i32) -> Option<Date> {
    let jan1 = Date::new(year, 1, 1).ok()?;
    if !(1..=i32::from(jan1.days_in_year())).contains(&day) {
        return None;
    }
    jan1.checked_add(jiff::Span::new().days(i64::from(day - 1))).ok()
}

#[cfg(test)]
mod tests;
