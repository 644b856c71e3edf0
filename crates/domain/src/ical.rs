//! A small iCalendar (RFC 5545) writer for the scheduled-PM feeds: one `VCALENDAR` of all-day
//! `VEVENT`s. Only what the feeds need, written to the letter of the RFC:
//! - every content line ends with CRLF (RFC 5545 §3.1);
//! - lines longer than 75 octets are folded: CRLF followed by one space, never inside a UTF-8
//!   character (§3.1);
//! - TEXT values escape backslash, semicolon, comma and newlines (§3.3.11);
//! - `DTSTAMP` is a UTC date-time (`YYYYMMDDTHHMMSSZ`, §3.3.5), an all-day `DTSTART` is
//!   `;VALUE=DATE:YYYYMMDD` (§3.3.4) with `DTEND` the next day (§3.6.1: non-inclusive end);
//! - `VCALENDAR` carries `PRODID` and `VERSION:2.0` (§3.7.3, §3.7.4), every `VEVENT` a `UID`
//!   and `DTSTAMP` (§3.6.1).

use jiff::Timestamp;
use jiff::civil::Date;

/// The product identifier written in `PRODID`.
pub const PRODID: &str = "-//OpenHTM//Scheduled PM feed//EN";

/// One all-day event.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarEvent {
    /// Globally unique and stable across fetches (e.g. `wo-123@openhtm`).
    pub uid: String,
    pub date: Date,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    /// An absolute URI (e.g. the work order's page).
    pub url: Option<String>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): `\` `;` `,` and newlines; CR is dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            // Other control characters are not allowed in TEXT (§3.3.11); drop them.
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line at 75 octets (RFC 5545 §3.1) and terminates it with CRLF. A
/// continuation line starts with one space, which counts towards its 75 octets.
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0usize;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

fn date_value(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

fn utc_value(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Writes a whole calendar: `name` becomes `X-WR-CALNAME` (shown by most clients), `stamp`
/// every event's `DTSTAMP` (when the feed was generated).
pub fn write_calendar(name: &str, stamp: Timestamp, events: &[CalendarEvent]) -> String {
    let mut out = String::with_capacity(256 + events.len() * 400);
    let mut line = |l: String| out.push_str(&fold_line(&l));
    line("BEGIN:VCALENDAR".into());
    line(format!("PRODID:{PRODID}"));
    line("VERSION:2.0".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    let stamp = utc_value(stamp);
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape_text(&e.uid)));
        line(format!("DTSTAMP:{stamp}"));
        line(format!("DTSTART;VALUE=DATE:{}", date_value(e.date)));
        if let Ok(next) = e.date.tomorrow() {
            line(format!("DTEND;VALUE=DATE:{}", date_value(next)));
        }
        line(format!("SUMMARY:{}", escape_text(&e.summary)));
        if let Some(l) = &e.location {
            line(format!("LOCATION:{}", escape_text(l)));
        }
        if let Some(d) = &e.description {
            line(format!("DESCRIPTION:{}", escape_text(d)));
        }
        if let Some(u) = &e.url {
            // URL is a URI value (§3.8.4.6), not TEXT: no escaping.
            line(format!("URL:{u}"));
        }
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(escape_text("a,b;c\\d\ne\r\n"), "a\\,b\\;c\\\\d\\ne\\n");
        assert_eq!(escape_text("plain text"), "plain text");
    }

    #[test]
    fn short_lines_are_not_folded() {
        assert_eq!(fold_line("SUMMARY:x"), "SUMMARY:x\r\n");
        let exactly = "X".repeat(75);
        assert_eq!(fold_line(&exactly), format!("{exactly}\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_with_a_leading_space() {
        let long = format!("DESCRIPTION:{}", "a".repeat(200));
        let folded = fold_line(&long);
        let lines: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() == 3, "{lines:?}");
        for l in &lines {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        assert!(lines[1].starts_with(' ') && lines[2].starts_with(' '));
        // Unfolding (§3.1: remove CRLF + one space) gives the line back.
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), long);
    }

    #[test]
    fn folding_never_splits_a_utf8_character() {
        let long = format!("SUMMARY:{}", "é".repeat(60)); // 2 octets each
        let folded = fold_line(&long);
        for l in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75);
        }
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), long);
    }

    #[test]
    fn a_calendar_has_the_required_properties_and_crlf_everywhere() {
        let stamp: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let ev = CalendarEvent {
            uid: "wo-42@openhtm".into(),
            date: date(2026, 12, 31),
            summary: "PM: ICU-00042, VENT-PM".into(),
            location: Some("ICU; Bed 4".into()),
            description: Some("Work order WO-2026-000042\nPriority normal".into()),
            url: Some("https://htm.example.org/work-orders/42".into()),
        };
        let cal = write_calendar("PM — dchen", stamp, &[ev]);
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\nPRODID:-//OpenHTM//Scheduled PM feed//EN\r\nVERSION:2.0\r\n"));
        assert!(cal.ends_with("END:VCALENDAR\r\n"));
        assert!(!cal.replace("\r\n", "").contains('\n'), "a bare LF");
        assert!(cal.contains("UID:wo-42@openhtm\r\n"));
        assert!(cal.contains("DTSTAMP:20261121T100000Z\r\n"));
        assert!(cal.contains("DTSTART;VALUE=DATE:20261231\r\n"));
        assert!(cal.contains("DTEND;VALUE=DATE:20270101\r\n"));
        assert!(cal.contains("SUMMARY:PM: ICU-00042\\, VENT-PM\r\n"));
        assert!(cal.contains("LOCATION:ICU\\; Bed 4\r\n"));
        assert!(cal.contains("DESCRIPTION:Work order WO-2026-000042\\nPriority normal\r\n"));
        assert!(cal.contains("URL:https://htm.example.org/work-orders/42\r\n"));
        assert_eq!(cal.matches("BEGIN:VEVENT").count(), 1);
    }
}
