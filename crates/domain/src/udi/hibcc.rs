//! HIBCC (HIBC LIC, ANSI/HIBC 2.6) primary and secondary data (REFERENCE §5.3).
//!
//! * Primary (the DI): `+` · LIC (4, first alphabetic) · PCN (1–18, A–Z 0–9) · U/M digit ·
//!   check character; at most 25 characters.
//! * After `+`, a letter means primary, a digit or `$` secondary.
//! * Secondary (the PI): the `$`/`$$` flags, quantity (`8`/`9`), the date forms `0`/`1` (MMYY,
//!   no format digit), `2` MMDDYY, `3` YYMMDD, `4` YYMMDDHH, `5` YYJJJ, `6` YYJJJHH, `7` none,
//!   the old 5-digit `YYJJJ` form, `+` for a serial instead of a lot; supplemental `/14D`
//!   (expiry YYYYMMDD), `/16D` (manufacture YYYYMMDD), `/S` (serial), `/Q` (quantity).
//! * A stand-alone secondary symbol ends with the link character (the primary's check
//!   character) and its own check character; the concatenated form `primary/secondary` has one
//!   check character for everything (REFERENCE §5.3 "Link character").
//! * Mod-43 check character over every character including the leading `+` (REFERENCE §5.3).
//! * `MMYY` dates mean the month's last day (as GS1 day `00`, REFERENCE §5.2).

use super::{Detail, Issuer, ParsedUdi, UdiError, digits, full_year, last_day, ordinal_date};
use jiff::civil::Date;
use serde::Serialize;

/// The mod-43 character set in value order (REFERENCE §5.3 "Mod-43 check character").
const MOD43: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";

/// The mod-43 check character of `data` (which starts with `+`); `None` if a character is
/// outside the HIBC set.
pub fn check_character(data: &str) -> Option<char> {
    let mut sum = 0usize;
    for c in data.bytes() {
        sum += MOD43.iter().position(|&x| x == c)?;
    }
    Some(MOD43[sum % 43] as char)
}

/// The primary data structure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HibccPrimary {
    /// Labeler Identification Code.
    pub lic: String,
    /// Product or catalogue number.
    pub pcn: String,
    /// Unit of measure: 0 = unit of use, 1–8 package levels, 9 = variable quantity.
    pub unit_of_measure: u8,
}

/// How the secondary's date is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum DateForm {
    /// `$$` + first month digit 0/1: no format digit.
    Mmyy,
    Mmddyy,
    Yymmdd,
    Yymmddhh,
    Yyjjj,
    Yyjjjhh,
    /// `$$7`: no date.
    None,
    /// Old form: 5-digit `YYJJJ` right after `+` or `/`, no `$`.
    #[serde(rename = "YYJJJ_OLD")]
    OldJulian,
}

impl DateForm {
    fn digit(self) -> Option<char> {
        match self {
            DateForm::Mmyy | DateForm::OldJulian => None,
            DateForm::Mmddyy => Some('2'),
            DateForm::Yymmdd => Some('3'),
            DateForm::Yymmddhh => Some('4'),
            DateForm::Yyjjj => Some('5'),
            DateForm::Yyjjjhh => Some('6'),
            DateForm::None => Some('7'),
        }
    }

    fn len(self) -> usize {
        match self {
            DateForm::Mmyy => 4,
            DateForm::Mmddyy | DateForm::Yymmdd => 6,
            DateForm::Yymmddhh => 8,
            DateForm::Yyjjj | DateForm::OldJulian => 5,
            DateForm::Yyjjjhh => 7,
            DateForm::None => 0,
        }
    }
}

/// The secondary data structure (without its supplemental segments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HibccSecondary {
    /// `$$`, `$` or empty (the old Julian form).
    pub flag: String,
    /// Whether the value is a serial number (`$+`, `$$+`) rather than a lot.
    pub is_serial: bool,
    /// Quantity: (`8` with 2 digits or `9` with 5 digits, the number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    pub date_form: DateForm,
    /// The date digits as encoded.
    pub date_text: String,
    /// Expiry hour (GMT) of the `…HH` forms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_hour: Option<u8>,
    /// The lot or serial.
    pub value: String,
}

/// A secondary quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quantity {
    /// `8` (2 digits) or `9` (5 digits).
    pub form: u8,
    pub digits: String,
    pub value: u32,
}

/// One supplemental segment (`/14D…`, `/16D…`, `/S…`, `/Q…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Supplemental {
    pub code: String,
    pub value: String,
}

/// The HIBCC detail of a parsed UDI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HibccData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<HibccPrimary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary: Option<HibccSecondary>,
    /// Supplemental segments in order (empty when none).
    pub supplemental: Vec<Supplemental>,
    /// Link character of a stand-alone secondary symbol (the primary's check character).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<char>,
    pub check: char,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
}

fn is_upper_alnum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Lot and serial characters: A–Z, 0–9, `-` and `.` (the HIBC set without its separators).
fn check_value(s: &str, what: &str, at: usize) -> Result<(), UdiError> {
    if s.len() > 18 {
        return Err(UdiError::new(at, Some(what), format!("longer than 18 characters ({})", s.len())));
    }
    if let Some((i, c)) =
        s.char_indices().find(|&(_, c)| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '.'))
    {
        return Err(UdiError::new(at + i, Some(what), format!("character {c:?} is not allowed (A–Z, 0–9, - and .)")));
    }
    Ok(())
}

fn num(s: &str, r: std::ops::Range<usize>) -> i32 {
    s.get(r).and_then(digits).unwrap_or(-1)
}

/// The expiry date (and hour) a secondary date means.
fn secondary_date(form: DateForm, t: &str, today: Date) -> Result<(Option<Date>, Option<u8>), String> {
    if !t.bytes().all(|b| b.is_ascii_digit()) || t.len() != form.len() {
        return Err(format!("{t:?} is not a {} date", serde_json::to_string(&form).unwrap_or_default()));
    }
    let year = |r| full_year(num(t, r) as i16, today);
    let ymd = |y: i16, m: i32, d: i32| {
        i8::try_from(m)
            .ok()
            .zip(i8::try_from(d).ok())
            .and_then(|(m, d)| Date::new(y, m, d).ok())
            .ok_or_else(|| format!("{t:?} is not a date"))
    };
    let hour = |r: std::ops::Range<usize>| -> Result<Option<u8>, String> {
        let h = num(t, r);
        if (0..=23).contains(&h) { Ok(Some(h as u8)) } else { Err(format!("hour {h:02} of {t:?} is not 00–23")) }
    };
    let julian = |y: i16, j: i32| ordinal_date(y, j).ok_or_else(|| format!("day {j:03} of {t:?} is not in the year"));
    Ok(match form {
        DateForm::None => (None, None),
        DateForm::Mmyy => {
            let m = num(t, 0..2);
            let y = year(2..4);
            let d = i8::try_from(m).ok().filter(|m| (1..=12).contains(m)).and_then(|m| last_day(y, m));
            (Some(d.ok_or_else(|| format!("month {m:02} of {t:?} is not 01–12"))?), None)
        }
        DateForm::Mmddyy => (Some(ymd(year(4..6), num(t, 0..2), num(t, 2..4))?), None),
        DateForm::Yymmdd => (Some(ymd(year(0..2), num(t, 2..4), num(t, 4..6))?), None),
        DateForm::Yymmddhh => (Some(ymd(year(0..2), num(t, 2..4), num(t, 4..6))?), hour(6..8)?),
        DateForm::Yyjjj | DateForm::OldJulian => (Some(julian(year(0..2), num(t, 2..5))?), None),
        DateForm::Yyjjjhh => (Some(julian(year(0..2), num(t, 2..5))?), hour(5..7)?),
    })
}

/// Parses a secondary segment (after `+` or `/`, without link or check); `at` is its offset.
fn parse_secondary(s: &str, at: usize, today: Date) -> Result<(HibccSecondary, Option<Date>), UdiError> {
    let part = Some("HIBCC secondary");
    let err = |off: usize, why: String| UdiError::new(at + off, part, why);
    let (flag, mut i) = if s.starts_with("$$") {
        ("$$", 2)
    } else if s.starts_with('$') {
        ("$", 1)
    } else {
        ("", 0)
    };
    let is_serial = !flag.is_empty() && s[i..].starts_with('+');
    if is_serial {
        i += 1;
    }
    let mut quantity = None;
    let date_form = match flag {
        "" => DateForm::OldJulian,
        "$" => DateForm::None,
        _ => {
            let mut c = s.as_bytes().get(i).copied();
            if let Some(q @ (b'8' | b'9')) = c {
                let n = if q == b'8' { 2 } else { 5 };
                let d = s.get(i + 1..i + 1 + n).filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
                let Some(d) = d else {
                    return Err(err(i + 1, format!("quantity form {} needs {n} digits", q as char)));
                };
                quantity = Some(Quantity { form: q - b'0', digits: d.to_string(), value: d.parse().unwrap_or(0) });
                i += 1 + n;
                c = s.as_bytes().get(i).copied();
            }
            match c {
                Some(b'0' | b'1') => DateForm::Mmyy,
                Some(b'2') => DateForm::Mmddyy,
                Some(b'3') => DateForm::Yymmdd,
                Some(b'4') => DateForm::Yymmddhh,
                Some(b'5') => DateForm::Yyjjj,
                Some(b'6') => DateForm::Yyjjjhh,
                Some(b'7') => DateForm::None,
                Some(other) => return Err(err(i, format!("{:?} is not a date format (0–7)", other as char))),
                None => return Err(err(i, "ends before the date format".into())),
            }
        }
    };
    if date_form.digit().is_some() && flag == "$$" {
        i += 1;
    }
    let n = date_form.len();
    let Some(date_text) = s.get(i..i + n) else {
        return Err(err(i, format!("date needs {n} digits")));
    };
    let (expiry, expiry_hour) = secondary_date(date_form, date_text, today).map_err(|why| err(i, why))?;
    i += n;
    let value = &s[i..];
    check_value(value, if is_serial { "HIBCC serial" } else { "HIBCC lot" }, at + i)?;
    let sec = HibccSecondary {
        flag: flag.to_string(),
        is_serial,
        quantity,
        date_form,
        date_text: date_text.to_string(),
        expiry_hour,
        value: value.to_string(),
    };
    Ok((sec, expiry))
}

/// Parses HIBCC data (starting with `+`).
pub(crate) fn parse(data: &str, today: Date) -> Result<ParsedUdi, UdiError> {
    let n = data.len();
    if n < 3 {
        return Err(UdiError::new(n, None, "too short for HIBCC data (`+`, data, check character)"));
    }
    if let Some((i, c)) = data.char_indices().find(|&(_, c)| !MOD43.contains(&(c as u8))) {
        return Err(UdiError::new(i, None, format!("character {c:?} is not in the HIBC character set")));
    }
    let (body, check) = data.split_at(n - 1);
    let check = check.chars().next().unwrap_or(' ');
    let want = check_character(body).unwrap_or('?');
    if want != check {
        return Err(UdiError::new(
            n - 1,
            Some("HIBCC check character"),
            format!("mod-43 check character is wrong: expected {want:?}, found {check:?}"),
        ));
    }
    let content = &body[1..];
    let mut p = ParsedUdi {
        issuer: Issuer::Hibcc,
        di: None,
        lot: None,
        serial: None,
        expiry: None,
        manufactured: None,
        symbology: None,
        detail: Detail::Hibcc(HibccData {
            primary: None,
            secondary: None,
            supplemental: vec![],
            link: None,
            check,
            quantity: None,
        }),
    };
    let mut d = HibccData { primary: None, secondary: None, supplemental: vec![], link: None, check, quantity: None };
    let first = content.as_bytes().first().copied().unwrap_or(b' ');
    // Segments after the primary (concatenated) or the whole secondary (stand-alone, link
    // character removed first: it may itself be `/`).
    let (segments_text, seg_at, primary_done) = if first.is_ascii_uppercase() {
        let (prim, rest, rest_at) = match content.find('/') {
            Some(k) => (&content[..k], Some(&content[k + 1..]), 1 + k + 1),
            None => (content, None, 0),
        };
        let part = Some("HIBCC primary");
        if prim.len() < 6 || prim.len() > 23 {
            return Err(UdiError::new(1, part, "primary must be LIC (4) + PCN (1–18) + U/M (1)"));
        }
        if let Some((i, c)) = prim.char_indices().find(|&(_, c)| !(c.is_ascii_uppercase() || c.is_ascii_digit())) {
            return Err(UdiError::new(1 + i, part, format!("character {c:?} is not allowed (A–Z, 0–9)")));
        }
        let um = prim.as_bytes()[prim.len() - 1];
        if !um.is_ascii_digit() {
            return Err(UdiError::new(prim.len(), part, "the unit of measure (last character) must be a digit"));
        }
        d.primary = Some(HibccPrimary {
            lic: prim[..4].to_string(),
            pcn: prim[4..prim.len() - 1].to_string(),
            unit_of_measure: um - b'0',
        });
        p.di = Some(prim.to_string());
        (rest, rest_at, true)
    } else if first.is_ascii_digit() || first == b'$' {
        if content.len() < 2 {
            return Err(UdiError::new(1, Some("HIBCC secondary"), "no room for data and the link character"));
        }
        let (sec, link) = content.split_at(content.len() - 1);
        d.link = link.chars().next();
        (Some(sec), 1, false)
    } else {
        return Err(UdiError::new(1, None, "after `+` a letter (primary) or a digit or `$` (secondary) must follow"));
    };
    if let Some(text) = segments_text {
        let mut at = seg_at;
        for (k, seg) in text.split('/').enumerate() {
            let is_supp =
                seg.starts_with("14D") || seg.starts_with("16D") || seg.starts_with('S') || seg.starts_with('Q');
            if is_supp && (k > 0 || primary_done) {
                let (code, value) =
                    if seg.starts_with('S') || seg.starts_with('Q') { seg.split_at(1) } else { seg.split_at(3) };
                let vat = at + code.len();
                let part = format!("HIBCC /{code}");
                match code {
                    "14D" | "16D" => {
                        let date = (value.len() == 8 && digits(value).is_some())
                            .then(|| {
                                let y = num(value, 0..4) as i16;
                                i8::try_from(num(value, 4..6))
                                    .ok()
                                    .zip(i8::try_from(num(value, 6..8)).ok())
                                    .and_then(|(m, dd)| Date::new(y, m, dd).ok())
                            })
                            .flatten()
                            .ok_or_else(|| {
                                UdiError::new(vat, Some(&part), format!("{value:?} is not a YYYYMMDD date"))
                            })?;
                        let slot = if code == "14D" { &mut p.expiry } else { &mut p.manufactured };
                        if slot.is_some_and(|x| x != date) {
                            return Err(UdiError::new(vat, Some(&part), "disagrees with the secondary's expiry date"));
                        }
                        *slot = Some(date);
                    }
                    "S" => {
                        check_value(value, "HIBCC serial", vat)?;
                        if value.is_empty() || p.serial.is_some() {
                            return Err(UdiError::new(vat, Some(&part), "empty, or a second serial"));
                        }
                        p.serial = Some(value.to_string());
                    }
                    _ => {
                        let q = (value.len() <= 9).then(|| digits(value)).flatten().ok_or_else(|| {
                            UdiError::new(vat, Some(&part), format!("quantity {value:?} must be 1–9 digits"))
                        })?;
                        d.quantity = Some(q as u32);
                    }
                }
                d.supplemental.push(Supplemental { code: code.to_string(), value: value.to_string() });
            } else if k == 0 {
                let (sec, expiry) = parse_secondary(seg, at, today)?;
                if !sec.value.is_empty() {
                    if sec.is_serial {
                        p.serial = Some(sec.value.clone());
                    } else {
                        p.lot = Some(sec.value.clone());
                    }
                }
                if let Some(q) = &sec.quantity {
                    d.quantity = Some(q.value);
                }
                p.expiry = expiry;
                d.secondary = Some(sec);
            } else {
                return Err(UdiError::new(
                    at,
                    Some("HIBCC supplemental"),
                    format!("unknown segment {seg:?} (14D, 16D, S or Q)"),
                ));
            }
            at += seg.len() + 1;
        }
    }
    if let Some(prim) = &d.primary
        && !is_upper_alnum(&prim.pcn)
    {
        return Err(UdiError::new(5, Some("HIBCC primary"), "PCN must be A–Z, 0–9"));
    }
    p.detail = Detail::Hibcc(d);
    Ok(p)
}

/// The secondary segment as encoded (without `+`, link or check).
fn format_secondary(s: &HibccSecondary) -> String {
    let mut out = s.flag.clone();
    if s.is_serial {
        out.push('+');
    }
    if let Some(q) = &s.quantity {
        out.push((b'0' + q.form) as char);
        out.push_str(&q.digits);
    }
    if s.flag == "$$"
        && let Some(c) = s.date_form.digit()
    {
        out.push(c);
    }
    out.push_str(&s.date_text);
    out.push_str(&s.value);
    out
}

/// The canonical HIBCC string with its check character recomputed.
pub fn format(d: &HibccData) -> String {
    let mut out = String::from("+");
    let mut segs: Vec<String> = Vec::new();
    if let Some(p) = &d.primary {
        segs.push(format!("{}{}{}", p.lic, p.pcn, p.unit_of_measure));
    }
    if let Some(s) = &d.secondary {
        segs.push(format_secondary(s));
    }
    segs.extend(d.supplemental.iter().map(|s| format!("{}{}", s.code, s.value)));
    out.push_str(&segs.join("/"));
    if let Some(l) = d.link {
        out.push(l);
    }
    let check = check_character(&out).unwrap_or(d.check);
    out.push(check);
    out
}
