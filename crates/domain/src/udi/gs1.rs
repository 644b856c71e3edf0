//! GS1 element strings and their human-readable form (REFERENCE §5.2).
//!
//! * Element string: AI + value, repeated; a variable-length element (or one whose AI is not
//!   of pre-defined length) is terminated by GS (ASCII 29) unless it is last; a superfluous GS
//!   after any element is tolerated (REFERENCE §5.2 "FNC1").
//! * Human-readable form: `(AI)value…`; the parentheses are not data.
//! * GTIN / SSCC / GLN mod-10 check digit (REFERENCE §5.2 "Mod-10 check digit").
//! * Dates `YYMMDD` with day `00` = the month's last day where the AI allows it (REFERENCE §5.2
//!   table, AI 17; the GS1 syntax dictionary's `yymmd0` for 11, 13, 15, 16, 17), the year by the
//!   sliding century rule ([`super::full_year`]).

use super::{Detail, GS, Issuer, ParsedUdi, UdiError, digits, full_year, last_day};
use jiff::civil::Date;
use serde::Serialize;

/// The check digit for a string of data digits (without the check digit); `None` if it holds
/// anything but ASCII digits or is empty. REFERENCE §5.2: from the rightmost data digit moving
/// left, weights 3, 1, 3, 1, …; check = (10 − sum mod 10) mod 10.
pub fn check_digit(data: &str) -> Option<u8> {
    if data.is_empty() || !data.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 =
        data.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether a GTIN-8/12/13/14 (its last digit being the check digit) is well formed.
pub fn is_valid_gtin(gtin: &str) -> bool {
    if !matches!(gtin.len(), 8 | 12 | 13 | 14) {
        return false;
    }
    has_valid_check_digit(gtin)
}

/// Whether the last digit of an all-digit string is the mod-10 check digit of the others.
pub fn has_valid_check_digit(s: &str) -> bool {
    if s.len() < 2 {
        return false;
    }
    let (data, check) = s.split_at(s.len() - 1);
    match (check_digit(data), check.bytes().next()) {
        (Some(c), Some(b)) => b.is_ascii_digit() && c == b - b'0',
        _ => false,
    }
}

/// A GTIN-14 made of the data digits and their check digit; `None` unless exactly 13 digits.
pub fn gtin14(data13: &str) -> Option<String> {
    if data13.len() != 13 {
        return None;
    }
    check_digit(data13).map(|c| format!("{data13}{c}"))
}

/// One element: the AI and its value as encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gs1Element {
    pub ai: String,
    pub value: String,
    /// What the AI means (from the GS1 syntax dictionary's title column).
    pub title: String,
}

/// The GS1 detail of a parsed UDI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gs1Data {
    pub elements: Vec<Gs1Element>,
    /// The GTIN as it was most likely printed (`GTIN-8`, `GTIN-12`, `GTIN-13` or `GTIN-14`),
    /// from its leading zeros (REFERENCE §5.2 "GTIN": keep a `gtin_format` flag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gtin_format: Option<String>,
    /// AI 7003 hour and minute (`HH:MM`) of expiry, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// AI 8004 GIAI (an individual asset identifier, e.g. a hospital asset tag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub giai: Option<String>,
}

/// How an AI's value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    /// Exactly `n` digits whose last is a mod-10 check digit (GTIN, SSCC, GLN).
    CheckedDigits(usize),
    /// `YYMMDD`; `zero_day` allows day `00`.
    Date { zero_day: bool },
    /// 1..=max digits (or exactly `max` when the AI has a fixed length).
    Digits,
    /// CSET 82 characters.
    Cset82,
    /// AI 7003: `YYMMDDHHMM`.
    DateTime,
    /// AI 8003 GRAI: `0` + N13 with check digit + optional X..16.
    Grai,
    /// AI 8006 ITIP: N14 with check digit + N4 piece/total.
    Itip,
    /// AI 8013 GMN: X..25 whose last two characters are the check character pair.
    Gmn,
}

/// One Application Identifier's rules (REFERENCE §5.2 table; GS1 syntax dictionary).
#[derive(Debug, Clone, Copy)]
struct Spec {
    title: &'static str,
    min: usize,
    max: usize,
    /// Pre-defined length (dictionary flag `*`): never needs a GS after it.
    predefined: bool,
    content: Content,
}

const fn spec(title: &'static str, min: usize, max: usize, predefined: bool, content: Content) -> Spec {
    Spec { title, min, max, predefined, content }
}

/// Finds the AI at the start of `s` (GS1 AIs are prefix-free): its digits and rules.
fn lookup(s: &str) -> Option<(&str, Spec)> {
    use Content::*;
    let two = s.get(..2)?;
    let fixed2 = match two {
        "00" => Some(spec("SSCC", 18, 18, true, CheckedDigits(18))),
        "01" => Some(spec("GTIN", 14, 14, true, CheckedDigits(14))),
        "02" => Some(spec("CONTENT", 14, 14, true, CheckedDigits(14))),
        "10" => Some(spec("BATCH/LOT", 1, 20, false, Cset82)),
        "11" => Some(spec("PROD DATE", 6, 6, true, Date { zero_day: true })),
        "13" => Some(spec("PACK DATE", 6, 6, true, Date { zero_day: true })),
        "15" => Some(spec("BEST BEFORE or BEST BY", 6, 6, true, Date { zero_day: true })),
        "16" => Some(spec("SELL BY", 6, 6, true, Date { zero_day: true })),
        "17" => Some(spec("USE BY or EXPIRY", 6, 6, true, Date { zero_day: true })),
        "20" => Some(spec("VARIANT", 2, 2, true, Digits)),
        "21" => Some(spec("SERIAL", 1, 20, false, Cset82)),
        "22" => Some(spec("CPV", 1, 20, false, Cset82)),
        "30" => Some(spec("VAR. COUNT", 1, 8, false, Digits)),
        "37" => Some(spec("COUNT", 1, 8, false, Digits)),
        _ => None,
    };
    if let Some(sp) = fixed2 {
        return Some((two, sp));
    }
    let three = s.get(..3)?;
    let s3 = match three {
        "240" => Some(spec("ADDITIONAL ID", 1, 30, false, Cset82)),
        "241" => Some(spec("CUST. PART No.", 1, 30, false, Cset82)),
        "250" => Some(spec("SECONDARY SERIAL", 1, 30, false, Cset82)),
        "251" => Some(spec("REF. TO SOURCE", 1, 30, false, Cset82)),
        "410" | "411" | "412" | "413" | "414" | "415" | "416" | "417" => {
            Some(spec("GLN", 13, 13, true, CheckedDigits(13)))
        }
        _ => None,
    };
    if let Some(sp) = s3 {
        return Some((three, sp));
    }
    let four = s.get(..4)?;
    let s4 = match four {
        "7003" => Some(spec("EXPIRY TIME", 10, 10, false, DateTime)),
        "7240" => Some(spec("PROTOCOL", 1, 20, false, Cset82)),
        "8003" => Some(spec("GRAI", 14, 30, false, Grai)),
        "8004" => Some(spec("GIAI", 1, 30, false, Cset82)),
        "8006" => Some(spec("ITIP", 18, 18, false, Itip)),
        "8013" => Some(spec("GMN", 3, 25, false, Gmn)),
        _ => measure(four).map(|title| spec(title, 6, 6, true, Digits)),
    };
    s4.map(|sp| (four, sp))
}

/// The trade measures 31nn–36nn (`N6`, last AI digit = decimal places 0–5), as the GS1 syntax
/// dictionary lists them (310n–316n, 320n–337n, 340n–357n, 360n–369n).
fn measure(ai: &str) -> Option<&'static str> {
    let b = ai.as_bytes();
    if b.len() != 4 || !b.iter().all(u8::is_ascii_digit) || !(b'0'..=b'5').contains(&b[3]) {
        return None;
    }
    let p = u32::from(b[0] - b'0') * 100 + u32::from(b[1] - b'0') * 10 + u32::from(b[2] - b'0');
    matches!(p, 310..=316 | 320..=337 | 340..=357 | 360..=369).then_some("TRADE MEASURE")
}

/// CSET 82 (GS1 GenSpecs figure 7.11-1), in its defined order (the order matters for the GMN
/// check characters).
const CSET82: &str = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

fn cset82_index(c: u8) -> Option<usize> {
    CSET82.bytes().position(|x| x == c)
}

/// The two GMN check characters (GS1 GenSpecs 7.9.5): each CSET 82 value times a prime weight
/// (2, 3, 5, … from the rightmost data character), sum mod 1021, split into two CSET 32
/// characters.
pub fn gmn_check_pair(data: &str) -> Option<[char; 2]> {
    const PRIMES: [u32; 23] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83];
    const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    if data.is_empty() || data.len() > PRIMES.len() {
        return None;
    }
    let mut sum = 0u32;
    for (i, c) in data.bytes().rev().enumerate() {
        sum += PRIMES[i] * cset82_index(c)? as u32;
    }
    let sum = (sum % 1021) as usize;
    Some([CSET32[sum >> 5] as char, CSET32[sum & 31] as char])
}

/// Checks a `YYMMDD` value; returns the date (day `00` → last day of the month).
fn check_date(v: &str, zero_day: bool, today: Date) -> Result<Date, String> {
    if v.len() != 6 || digits(v).is_none() {
        return Err(format!("{v:?} is not a YYMMDD date (6 digits)"));
    }
    let n = |r: std::ops::Range<usize>| v[r].parse::<i8>().unwrap_or(-1);
    let (yy, mm, dd) = (n(0..2), n(2..4), n(4..6));
    let year = full_year(i16::from(yy), today);
    if !(1..=12).contains(&mm) {
        return Err(format!("month {mm:02} of {v:?} is not 01–12"));
    }
    if dd == 0 {
        return if zero_day {
            last_day(year, mm).ok_or_else(|| format!("{v:?} is not a date"))
        } else {
            Err(format!("day 00 of {v:?} is not allowed for this AI"))
        };
    }
    Date::new(year, mm, dd).map_err(|_| format!("{v:?} is not a date: {year}-{mm:02} has no day {dd:02}"))
}

/// Checks one value against its AI's rules.
fn check_value(ai: &str, sp: &Spec, v: &str, today: Date) -> Result<(), String> {
    let n = v.len();
    if n < sp.min || n > sp.max {
        return Err(if sp.min == sp.max {
            format!("value must be {} characters, found {n}", sp.max)
        } else {
            format!("value must be {}–{} characters, found {n}", sp.min, sp.max)
        });
    }
    let all_digits = || v.bytes().all(|b| b.is_ascii_digit());
    match sp.content {
        Content::CheckedDigits(_) => {
            if !all_digits() {
                return Err(format!("{v:?} must be digits only"));
            }
            if !has_valid_check_digit(v) {
                let (data, found) = v.split_at(n - 1);
                let want = check_digit(data).unwrap_or(0);
                return Err(format!("check digit of {v} is wrong: expected {want}, found {found}"));
            }
        }
        Content::Date { zero_day } => {
            check_date(v, zero_day, today)?;
        }
        Content::Digits => {
            if !all_digits() {
                return Err(format!("{v:?} must be digits only"));
            }
        }
        Content::Cset82 => check_cset82(v)?,
        Content::DateTime => {
            if !all_digits() {
                return Err(format!("{v:?} must be YYMMDDHHMM digits"));
            }
            check_date(&v[..6], false, today)?;
            let (hh, mi) = (digits(&v[6..8]).unwrap_or(99), digits(&v[8..10]).unwrap_or(99));
            if hh > 23 || mi > 59 {
                return Err(format!("time {}:{} of {v:?} is not a time of day", &v[6..8], &v[8..10]));
            }
        }
        Content::Grai => {
            let (head, serial) = v.split_at(14);
            if !head.bytes().all(|b| b.is_ascii_digit()) || !head.starts_with('0') {
                return Err(format!("{head:?} must be 0 followed by 13 digits"));
            }
            if !has_valid_check_digit(&head[1..]) {
                return Err(format!("check digit of GRAI {} is wrong", &head[1..]));
            }
            check_cset82(serial)?;
        }
        Content::Itip => {
            if !all_digits() {
                return Err(format!("{v:?} must be digits only"));
            }
            if !has_valid_check_digit(&v[..14]) {
                return Err(format!("check digit of {} is wrong", &v[..14]));
            }
            let (piece, total) = (digits(&v[14..16]).unwrap_or(0), digits(&v[16..18]).unwrap_or(0));
            if piece == 0 || total == 0 || piece > total {
                return Err(format!("piece {piece} of {total} is not a valid piece of total"));
            }
        }
        Content::Gmn => {
            check_cset82(v)?;
            let (data, pair) = v.split_at(n - 2);
            let want = gmn_check_pair(data).ok_or_else(|| format!("{v:?} is not a GMN"))?;
            if pair.chars().ne(want) {
                return Err(format!("GMN check characters are wrong: expected {}{}, found {pair}", want[0], want[1]));
            }
        }
    }
    let _ = ai;
    Ok(())
}

fn check_cset82(v: &str) -> Result<(), String> {
    match v.char_indices().find(|(_, c)| !c.is_ascii() || cset82_index(*c as u8).is_none()) {
        Some((i, c)) => Err(format!("character {c:?} at position {} of the value is not allowed (CSET 82)", i + 1)),
        None => Ok(()),
    }
}

/// Splits an element string (after any symbology identifier) into elements.
fn split_elements(data: &str) -> Result<Vec<(usize, String, String)>, UdiError> {
    let b = data.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == GS as u8 {
            i += 1; // leading FNC1 or a superfluous separator: tolerated
            continue;
        }
        let start = i;
        let Some((ai, sp)) = lookup(&data[i..]) else {
            let shown: String = data[i..].chars().take(4).collect();
            return Err(UdiError::new(i, None, format!("no known GS1 Application Identifier at {shown:?}")));
        };
        let ai = ai.to_string();
        i += ai.len();
        let part = format!("AI ({ai})");
        let end = if sp.min == sp.max {
            if b.len() < i + sp.max {
                return Err(UdiError::new(
                    i,
                    Some(&part),
                    format!("value must be {} characters, found {}", sp.max, b.len() - i),
                ));
            }
            i + sp.max
        } else {
            let stop = data[i..].find(GS).map_or(b.len(), |p| i + p);
            if stop - i > sp.max {
                return Err(UdiError::new(
                    i + sp.max,
                    Some(&part),
                    format!("value longer than {} characters (a GS separator missing?)", sp.max),
                ));
            }
            stop
        };
        let value = data[i..end].to_string();
        if value.as_bytes().contains(&(GS as u8)) {
            return Err(UdiError::new(i, Some(&part), "a GS separator inside a fixed-length value"));
        }
        out.push((start, ai, value));
        i = end;
    }
    Ok(out)
}

/// Splits the human-readable form `(AI)value(AI)value…`. A value runs to the next `(` that
/// opens a known AI followed by `)`.
fn split_hri(data: &str) -> Result<Vec<(usize, String, String)>, UdiError> {
    let mut out = Vec::new();
    let mut i = 0;
    let opens_ai = |at: usize| -> Option<(String, usize)> {
        let rest = data.get(at..)?.strip_prefix('(')?;
        let close = rest.find(')')?;
        let ai = &rest[..close];
        if !(2..=4).contains(&ai.len()) || !ai.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        lookup(ai).filter(|(a, _)| a.len() == ai.len()).map(|_| (ai.to_string(), at + close + 2))
    };
    while i < data.len() {
        let Some((ai, value_start)) = opens_ai(i) else {
            return Err(UdiError::new(i, None, "expected `(AI)` with a known GS1 Application Identifier"));
        };
        let mut j = value_start;
        while j < data.len() && opens_ai(j).is_none() {
            j += 1;
        }
        out.push((i, ai, data[value_start..j].to_string()));
        i = j;
    }
    Ok(out)
}

/// Parses GS1 data (element string or human-readable form) into a UDI.
pub(crate) fn parse(data: &str, today: Date) -> Result<ParsedUdi, UdiError> {
    let hri = data.starts_with('(');
    let raw = if hri { split_hri(data)? } else { split_elements(data)? };
    if raw.is_empty() {
        return Err(UdiError::new(0, None, "no GS1 elements"));
    }
    let mut p = ParsedUdi {
        issuer: Issuer::Gs1,
        di: None,
        lot: None,
        serial: None,
        expiry: None,
        manufactured: None,
        symbology: None,
        detail: Detail::Gs1(Gs1Data {
            elements: Vec::new(),
            gtin_format: None,
            expiry_time: None,
            additional_id: None,
            count: None,
            giai: None,
        }),
    };
    let mut elements = Vec::new();
    let mut expiry_time = None;
    let mut additional_id = None;
    let mut count = None;
    let mut giai = None;
    for (offset, ai, value) in raw {
        let part = format!("AI ({ai})");
        let value_at = offset + if hri { ai.len() + 2 } else { ai.len() };
        let Some((_, sp)) = lookup(&ai) else {
            return Err(UdiError::new(offset, Some(&part), "unknown Application Identifier"));
        };
        if let Err(why) = check_value(&ai, &sp, &value, today) {
            return Err(UdiError::new(value_at, Some(&part), why));
        }
        if elements.iter().any(|e: &Gs1Element| e.ai == ai) {
            return Err(UdiError::new(offset, Some(&part), "the AI appears twice"));
        }
        let err = |why: String| UdiError::new(value_at, Some(&part), why);
        match ai.as_str() {
            "01" => p.di = Some(value.clone()),
            "10" => p.lot = Some(value.clone()),
            "21" => p.serial = Some(value.clone()),
            "11" => p.manufactured = Some(check_date(&value, true, today).map_err(err)?),
            "17" => p.expiry = Some(check_date(&value, true, today).map_err(err)?),
            "7003" => {
                let d = check_date(&value[..6], false, today).map_err(err)?;
                if p.expiry.is_some_and(|e| e != d) {
                    return Err(UdiError::new(value_at, Some(&part), "disagrees with the expiry date in AI (17)"));
                }
                p.expiry = Some(d);
                expiry_time = Some(format!("{}:{}", &value[6..8], &value[8..10]));
            }
            "240" => additional_id = Some(value.clone()),
            "30" => count = value.parse().ok(),
            "8004" => giai = Some(value.clone()),
            _ => {}
        }
        elements.push(Gs1Element { ai, value, title: sp.title.to_string() });
    }
    // AI 17 and AI 7003 both given: whichever came first set the expiry; re-check the pair.
    if let (Some(e17), Some(e7003)) = (elements.iter().find(|e| e.ai == "17"), elements.iter().find(|e| e.ai == "7003"))
        && check_date(&e17.value, true, today).ok() != check_date(&e7003.value[..6], false, today).ok()
    {
        return Err(UdiError::new(0, Some("AI (7003)"), "disagrees with the expiry date in AI (17)"));
    }
    let gtin_format = p.di.as_deref().map(|g| {
        let zeros = g.bytes().take_while(|&b| b == b'0').count();
        match zeros {
            0 => "GTIN-14",
            1 => "GTIN-13",
            2..=5 => "GTIN-12",
            _ => "GTIN-8",
        }
        .to_string()
    });
    p.detail = Detail::Gs1(Gs1Data { elements, gtin_format, expiry_time, additional_id, count, giai });
    Ok(p)
}

/// Whether an AI's element needs a GS after it when another element follows.
fn needs_separator(ai: &str) -> bool {
    lookup(ai).is_none_or(|(_, sp)| !sp.predefined)
}

/// The canonical element string: elements in order, a GS after each element that is not of
/// pre-defined length unless it is last.
pub fn format_elements(elements: &[Gs1Element]) -> String {
    let mut out = String::new();
    for (i, e) in elements.iter().enumerate() {
        out.push_str(&e.ai);
        out.push_str(&e.value);
        if i + 1 < elements.len() && needs_separator(&e.ai) {
            out.push(GS);
        }
    }
    out
}

/// The human-readable form `(AI)value…`.
pub fn format_hri(elements: &[Gs1Element]) -> String {
    elements.iter().map(|e| format!("({}){}", e.ai, e.value)).collect()
}
