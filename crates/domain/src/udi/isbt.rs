//! ICCBBA ISBT 128 data structures for HCT/P devices (REFERENCE §5.4).
//!
//! Each structure starts with its data identifier (`=` or `&` + a second character), which is
//! part of the data:
//! * DS 034 PPIC `=/` + 16: FIN(P) 5 (`A–N P–Z 0–9`, no letter O) + facility product code 6 +
//!   product description code 5 — the DI;
//! * DS 001 DIN `=` + 15: FIN 5 + year 2 + sequence 6 + flags 2 (the second identifier
//!   character is data); flags 60–96 carry the ISO/IEC 7064 mod 37-2 check + 60;
//! * DS 032 product divisions `=,` + 6 (not `000000`) — the serial;
//! * DS 004 expiry `=>` and DS 008 production date `=}`: `cyyjjj` (century digit, year, Julian
//!   day; century 0 = 2000s);
//! * DS 035 MPHO lot `&,1` + 18 — the lot;
//! * DS 023 compound message `=+aabbb`: `aa` structures follow, `bbb` a reference table or 000.
//!
//! Upper case only (REFERENCE §5.4).

use super::{Detail, Issuer, ParsedUdi, UdiError, digits, ordinal_date};
use jiff::civil::Date;
use serde::Serialize;

/// The ISO/IEC 7064 mod 37-2 check character of a DIN's 13 characters (REFERENCE §5.4:
/// `p = ((p + v(c)) * 2) mod 37; check = (38 − p) mod 37`, alphabet `0–9 A–Z *`).
pub fn mod37_2(data: &str) -> Option<char> {
    const ALPHA: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*";
    let mut p = 0usize;
    for c in data.bytes() {
        let v = ALPHA.iter().position(|&x| x == c)?;
        p = ((p + v) * 2) % 37;
    }
    Some(ALPHA[(38 - p) % 37] as char)
}

/// One data structure as encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IsbtStructure {
    /// The data identifier (`=/`, `=,`, `=>`, `=}`, `&,1`, `=+`, or `=` for a DIN).
    pub identifier: String,
    /// The data after the identifier.
    pub data: String,
    pub name: String,
}

/// A Processor Product Identification Code (DS 034).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ppic {
    pub fin: String,
    pub facility_product_code: String,
    pub product_description_code: String,
}

/// A Donation Identification Number (DS 001).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Din {
    /// The 13 characters FIN + year + sequence.
    pub din: String,
    pub fin: String,
    pub year: String,
    pub sequence: String,
    pub flags: String,
    /// The keyboard check character (printed in a box, not in the barcode).
    pub keyboard_check: char,
}

/// The ISBT 128 detail of a parsed UDI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IsbtData {
    pub structures: Vec<IsbtStructure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ppic: Option<Ppic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub din: Option<Din>,
}

fn fin_ok(s: &str) -> bool {
    s.len() == 5 && s.bytes().all(|b| (b.is_ascii_uppercase() && b != b'O') || b.is_ascii_digit())
}

fn upper_alnum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `cyyjjj` → date.
fn cyyjjj(v: &str) -> Option<Date> {
    if v.len() != 6 {
        return None;
    }
    let c = digits(&v[..1])?;
    let yy = digits(&v[1..3])?;
    let jjj = digits(&v[3..6])?;
    ordinal_date(i16::try_from(2000 + 100 * c + yy).ok()?, jjj)
}

/// Parses ISBT 128 data (one or more structures, or a compound message).
pub(crate) fn parse(data: &str) -> Result<ParsedUdi, UdiError> {
    let mut i = 0;
    let mut structures = Vec::new();
    let (mut di, mut lot, mut serial, mut expiry, mut manufactured) = (None, None, None, None, None);
    let (mut ppic, mut din) = (None, None);
    let mut compound: Option<(usize, usize)> = None; // (expected count, offset)
    while i < data.len() {
        let rest = &data[i..];
        let (id, len, name) = if rest.starts_with("=/") {
            ("=/", 16, "PPIC (DS 034)")
        } else if rest.starts_with("=,") {
            ("=,", 6, "product divisions (DS 032)")
        } else if rest.starts_with("=>") {
            ("=>", 6, "expiration date (DS 004)")
        } else if rest.starts_with("=}") {
            ("=}", 6, "production date (DS 008)")
        } else if rest.starts_with("&,1") {
            ("&,1", 18, "MPHO lot number (DS 035)")
        } else if rest.starts_with("=+") {
            ("=+", 5, "compound message (DS 023)")
        } else if rest.starts_with('=') && rest.as_bytes().get(1).is_some_and(|b| b.is_ascii_alphanumeric()) {
            ("=", 15, "donation identification number (DS 001)")
        } else {
            let shown: String = rest.chars().take(3).collect();
            return Err(UdiError::new(i, None, format!("no known ISBT 128 data identifier at {shown:?}")));
        };
        let at = i + id.len();
        let Some(v) = data.get(at..at + len) else {
            return Err(UdiError::new(
                at,
                Some(name),
                format!("needs {len} characters after {id}, found {}", data.len() - at),
            ));
        };
        let err = |why: String| UdiError::new(at, Some(name), why);
        if !upper_alnum(v) {
            return Err(err(format!("{v:?} must be upper-case letters and digits")));
        }
        let dup = |what: bool| if what { Err(err("given twice".into())) } else { Ok(()) };
        match id {
            "=/" => {
                dup(ppic.is_some())?;
                if !fin_ok(&v[..5]) {
                    return Err(err(format!("FIN(P) {:?} must be 5 of A–N, P–Z, 0–9", &v[..5])));
                }
                ppic = Some(Ppic {
                    fin: v[..5].to_string(),
                    facility_product_code: v[5..11].to_string(),
                    product_description_code: v[11..].to_string(),
                });
                di = Some(v.to_string());
            }
            "=," => {
                dup(serial.is_some())?;
                if v == "000000" {
                    return Err(err("product divisions must not be 000000".into()));
                }
                serial = Some(v.to_string());
            }
            "=>" | "=}" => {
                let d = cyyjjj(v).ok_or_else(|| err(format!("{v:?} is not a cyyjjj date")))?;
                let slot = if id == "=>" { &mut expiry } else { &mut manufactured };
                dup(slot.is_some())?;
                *slot = Some(d);
            }
            "&,1" => {
                dup(lot.is_some())?;
                lot = Some(v.to_string());
            }
            "=+" => {
                if i != 0 {
                    return Err(err("a compound message header must come first".into()));
                }
                let aa = digits(&v[..2]).ok_or_else(|| err(format!("{v:?} must be 5 digits (aabbb)")))?;
                if digits(&v[2..]).is_none() {
                    return Err(err(format!("{v:?} must be 5 digits (aabbb)")));
                }
                compound = Some((aa as usize, i));
            }
            _ => {
                dup(din.is_some())?;
                let (fin, year, seq, flags) = (&v[..5], &v[5..7], &v[7..13], &v[13..]);
                if !fin_ok(fin) || digits(year).is_none() || digits(seq).is_none() {
                    return Err(err(format!(
                        "{v:?} must be FIN (5) + year (2 digits) + sequence (6 digits) + flags (2)"
                    )));
                }
                let keyboard_check = mod37_2(&v[..13]).unwrap_or('?');
                if let Some(f) = digits(flags).filter(|f| (60..=96).contains(f)) {
                    let want = (f - 60) as usize;
                    let got = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*".find(keyboard_check).unwrap_or(99);
                    if want != got {
                        return Err(UdiError::new(
                            at + 13,
                            Some(name),
                            format!("flags {flags} carry check value {want}, but the DIN's mod 37-2 check is {got}"),
                        ));
                    }
                }
                din = Some(Din {
                    din: v[..13].to_string(),
                    fin: fin.to_string(),
                    year: year.to_string(),
                    sequence: seq.to_string(),
                    flags: flags.to_string(),
                    keyboard_check,
                });
            }
        }
        structures.push(IsbtStructure { identifier: id.to_string(), data: v.to_string(), name: name.to_string() });
        i = at + len;
    }
    if let Some((n, at)) = compound {
        let found = structures.len() - 1;
        if n != found {
            return Err(UdiError::new(
                at + 2,
                Some("compound message (DS 023)"),
                format!("announces {n} structures, {found} follow"),
            ));
        }
        if structures.get(1).is_none_or(|s| s.identifier != "=/") {
            return Err(UdiError::new(at + 7, Some("compound message (DS 023)"), "for a UDI the PPIC must come first"));
        }
    }
    if structures.iter().all(|s| s.identifier == "=+") {
        return Err(UdiError::new(0, None, "no ISBT 128 data structures"));
    }
    Ok(ParsedUdi {
        issuer: Issuer::Iccbba,
        di,
        lot,
        serial,
        expiry,
        manufactured,
        symbology: None,
        detail: Detail::Iccbba(IsbtData { structures, ppic, din }),
    })
}

/// The structures as encoded, in order.
pub fn format(d: &IsbtData) -> String {
    d.structures.iter().map(|s| format!("{}{}", s.identifier, s.data)).collect()
}
