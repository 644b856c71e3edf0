//! Presentation helpers: dates, money, durations, select options, field messages and the
//! readable summary of an audit event. Templates only print strings these functions prepare.

use htm_domain::FieldError;
use htm_domain::audit::AuditEvent;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn tz() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    TZ.get_or_init(TimeZone::system)
}

/// An instant as people read it: local date and time to the minute.
pub fn ts(t: Timestamp) -> String {
    t.to_zoned(tz().clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// An optional instant, or an em dash.
pub fn ts_opt(t: Option<Timestamp>) -> String {
    t.map(ts).unwrap_or_else(dash)
}

/// The machine-readable form for `<time datetime>`.
pub fn iso(t: Timestamp) -> String {
    t.to_string()
}

pub fn date_opt(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(dash)
}

pub fn today() -> Date {
    Timestamp::now().to_zoned(tz().clone()).date()
}

pub fn dash() -> String {
    "—".to_string()
}

pub fn or_dash(s: Option<&str>) -> String {
    match s.map(str::trim) {
        Some(v) if !v.is_empty() => v.to_string(),
        _ => dash(),
    }
}

/// "2 h 05 min", "45 min", "3 d 4 h".
pub fn minutes(total: i64) -> String {
    let total = total.max(0);
    let (d, h, m) = (total / 1440, (total % 1440) / 60, total % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m:02} min")
    } else {
        format!("{m} min")
    }
}

/// How long ago, roughly: "today", "1 day", "12 days".
pub fn age_days(t: Timestamp, now: Timestamp) -> String {
    let days = now.duration_since(t).as_hours() / 24;
    match days {
        i64::MIN..=0 => "today".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// Minor units (cents) with thousands separators: `123456, "USD"` → "1,234.56 USD".
pub fn money(minor: i64, currency: &str) -> String {
    let neg = minor < 0;
    let abs = minor.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let amount = format!("{}{grouped}.{:02}", if neg { "-" } else { "" }, abs % 100);
    if currency.is_empty() { amount } else { format!("{amount} {currency}") }
}

/// Reads an amount typed by a person ("12", "12.5", "1,234.50") into minor units.
pub fn parse_money(s: &str) -> Option<i64> {
    let t: String = s.trim().chars().filter(|c| *c != ',' && *c != ' ').collect();
    if t.is_empty() {
        return None;
    }
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t.as_str(), ""),
    };
    if int.is_empty() && frac.is_empty() || frac.len() > 2 {
        return None;
    }
    if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    int.checked_mul(100)?.checked_add(frac)
}

/// One `<option>` of a `<select>`.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    pub fn new(value: impl Into<String>, label: impl Into<String>, selected_value: &str) -> Self {
        let value = value.into();
        let selected = value == selected_value;
        Opt { value, label: label.into(), selected }
    }
}

/// Field messages from the service, keyed by the form field they belong to.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    items: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn from_fields(fields: &[FieldError]) -> Self {
        let mut e = FieldErrors::default();
        for f in fields {
            e.push(&f.field, &f.message);
        }
        e
    }

    /// Adds a message; list fields such as `add_parts[0].quantity` are filed under `quantity`.
    pub fn push(&mut self, field: &str, message: &str) {
        let key =
            field.rsplit('.').next().filter(|_| field.contains("].") || field.starts_with("add_")).unwrap_or(field);
        self.items.push((key.to_string(), message.to_string()));
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message(s) for one field, for printing next to it: "Problem is required", "Enter
    /// an amount like 12.50".
    pub fn get(&self, key: &str) -> Option<String> {
        let msgs: Vec<String> = self
            .items
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(k, m)| sentence(k, m).unwrap_or_else(|| super::capitalise(m)))
            .collect();
        (!msgs.is_empty()).then(|| msgs.join(" "))
    }

    /// Every message, naming its field, for the summary at the top of a form.
    pub fn all(&self) -> Vec<String> {
        self.items.iter().map(|(k, m)| sentence(k, m).unwrap_or_else(|| format!("{}: {m}", field_label(k)))).collect()
    }
}

/// "is required" / "must be …" read as a sentence after the field's name.
fn sentence(key: &str, message: &str) -> Option<String> {
    let m = message.trim();
    (m.starts_with("is ") || m.starts_with("must ")).then(|| format!("{} {m}", field_label(key)))
}

/// The words shown for a field name.
pub fn field_label(key: &str) -> String {
    let known = match key {
        "wo_type" => "Type",
        "asset_id" => "Asset",
        "asset_tag" => "Asset tag",
        "cause_code" => "Cause code",
        "work_performed" => "Work performed",
        "requester_contact" => "Contact",
        "assigned_to" | "assigned_to_name" => "Assigned to",
        "requester_name" => "Requester",
        "vendor_name" | "vendor.name" => "Vendor",
        "model.name" => "Model",
        "model.model_number" => "Model number",
        "model.manufacturer" => "Manufacturer",
        "department.name" => "Department",
        "department.cost_center" => "Cost centre",
        "location.name" => "Location",
        "serial_number" => "Serial number",
        "opened_at" => "Opened",
        "assigned_at" => "Assigned",
        "started_at" => "Started",
        "completed_at" => "Completed",
        "closed_at" => "Closed",
        "part_number" => "Part number",
        "unit_cost_minor" | "unit_cost" => "Unit cost",
        "hold_reason" => "Hold reason",
        "technician_id" => "Technician",
        "work_date" => "Date",
        "downtime_end" => "Downtime end",
        "downtime_start" => "Downtime start",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    let words = key.replace(['_', '.'], " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One audit event as shown in a history list.
#[derive(Debug, Clone)]
pub struct HistoryItem {
    pub when: String,
    pub when_iso: String,
    pub actor: String,
    pub action: String,
    pub reason: Option<String>,
    pub changes: Vec<Change>,
    /// "created", or a note when nothing visible changed.
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Change {
    pub field: String,
    pub old: String,
    pub new: String,
}

pub fn history_items(events: &[AuditEvent]) -> Vec<HistoryItem> {
    events.iter().map(history_item).collect()
}

fn history_item(e: &AuditEvent) -> HistoryItem {
    let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok());
    let (before, after) = (parse(&e.before), parse(&e.after));
    let (when, when_iso) = match e.occurred_at.parse::<Timestamp>() {
        Ok(t) => (ts(t), iso(t)),
        Err(_) => (e.occurred_at.clone(), e.occurred_at.clone()),
    };
    let (changes, note) = match (&before, &after) {
        (None, Some(_)) => (Vec::new(), Some("Record created".to_string())),
        (Some(_), None) => (Vec::new(), Some("Record removed".to_string())),
        (Some(b), Some(a)) => {
            let c = diff(&e.entity_type, b, a);
            let note = c.is_empty().then(|| "No visible field changed".to_string());
            (c, note)
        }
        (None, None) => (Vec::new(), None),
    };
    HistoryItem {
        when,
        when_iso,
        actor: e.actor.clone(),
        action: action_label(&e.action),
        reason: e.reason.clone().filter(|r| !r.trim().is_empty()),
        changes,
        note,
    }
}

fn action_label(a: &str) -> String {
    match a {
        "create" => "Created".into(),
        "update" => "Changed".into(),
        "transition" => "Status change".into(),
        "delete" => "Deleted".into(),
        other => field_label(other),
    }
}

/// The fields that differ between two snapshots, with old and new values in words.
pub fn diff(entity_type: &str, before: &Value, after: &Value) -> Vec<Change> {
    let mut b = BTreeMap::new();
    let mut a = BTreeMap::new();
    flatten("", before, &mut b);
    flatten("", after, &mut a);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let null = Value::Null;
    let changed: Vec<&String> = keys
        .into_iter()
        .filter(|k| k.as_str() != "version" && !k.ends_with("updated_at"))
        .filter(|k| b.get(*k).unwrap_or(&null) != a.get(*k).unwrap_or(&null))
        .collect();
    let has = |k: &str| changed.iter().any(|c| c.as_str() == k);
    changed
        .iter()
        .filter(|k| {
            // An id is noise when its name changed alongside it.
            let k = k.as_str();
            !(k.ends_with(".id")
                || has(&format!("{k}_name"))
                || k.strip_suffix("_id")
                    .is_some_and(|base| has(&format!("{base}_name")) || has(&format!("{base}.name"))))
        })
        .map(|k| Change {
            field: field_label(k),
            old: value_text(entity_type, k, b.get(*k).unwrap_or(&null)),
            new: value_text(entity_type, k, a.get(*k).unwrap_or(&null)),
        })
        .collect()
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(map) => {
            for (k, val) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, val, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// The label of a coded value (a status, type, priority, …) when the field holds one.
fn code_label(entity_type: &str, key: &str, code: &str) -> Option<&'static str> {
    use htm_domain::asset::AssetStatus;
    use htm_domain::work_order::{HoldReason, Priority, WorkOrderStatus, WorkOrderType, WorkResult};
    match (entity_type, key) {
        ("asset", "status") => AssetStatus::parse(code).ok().map(AssetStatus::label),
        ("work_order", "status") => WorkOrderStatus::parse(code).ok().map(WorkOrderStatus::label),
        ("work_order", "wo_type") => WorkOrderType::parse(code).ok().map(WorkOrderType::label),
        ("work_order", "priority") => Priority::parse(code).ok().map(Priority::label),
        ("work_order", "hold_reason") => HoldReason::parse(code).ok().map(HoldReason::label),
        ("work_order", "result") => WorkResult::parse(code).ok().map(WorkResult::label),
        _ => None,
    }
}

fn value_text(entity_type: &str, key: &str, v: &Value) -> String {
    match v {
        Value::Null => dash(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if let Some(label) = code_label(entity_type, key, s) {
                return label.to_string();
            }
            if let Ok(t) = s.parse::<Timestamp>() {
                return ts(t);
            }
            if s.trim().is_empty() {
                return dash();
            }
            let mut out: String = s.chars().take(200).collect();
            if s.chars().count() > 200 {
                out.push('…');
            }
            out
        }
        Value::Array(items) => match items.len() {
            0 => "none".into(),
            1 => "1 entry".into(),
            n => format!("{n} entries"),
        },
        Value::Object(_) => "(details)".into(),
    }
}

/// Percent-encodes a query-string value.
pub fn q(s: &str) -> String {
    crate::auth::urlencode(s)
}

/// Decodes `%XX` escapes and `+` (as sent by HTML forms) in a cookie or query value.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_and_parsed_back() {
        assert_eq!(money(123456, "USD"), "1,234.56 USD");
        assert_eq!(money(5, "EUR"), "0.05 EUR");
        assert_eq!(parse_money("1,234.5"), Some(123450));
        assert_eq!(parse_money("12"), Some(1200));
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(parse_money("abc"), None);
    }

    #[test]
    fn a_diff_lists_changed_fields_in_words() {
        let b = serde_json::json!({"status": "open", "assigned_to": null, "assigned_to_name": null, "version": 1, "model": {"id": 1, "name": "A"}});
        let a = serde_json::json!({"status": "in_progress", "assigned_to": 3, "assigned_to_name": "Rosa", "version": 2, "model": {"id": 2, "name": "B"}});
        let c = diff("work_order", &b, &a);
        let fields: Vec<_> = c.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["Assigned to", "Model", "Status"]);
        assert_eq!(c[0].old, "—");
        assert_eq!((c[2].old.as_str(), c[2].new.as_str()), ("Open", "In progress"));
    }

    #[test]
    fn percent_decoding_handles_plus_and_bad_escapes() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%E2%9C%93"), "✓");
    }
}
