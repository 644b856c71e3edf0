//! The record: every change appends an audit event, and the events form a hash chain. Each
//! event's hash covers the previous event's hash and the event's own canonical content, so
//! altering, removing or inserting any event breaks the chain from that point on.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash that the first event links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One stored audit event. Every field except `hash` is covered by `hash`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// Position in the chain: 1, 2, 3, … without gaps.
    pub seq: i64,
    /// RFC 3339 UTC instant with microseconds, exactly as hashed.
    pub occurred_at: String,
    pub actor_id: Option<i64>,
    /// The actor's user name at the time (or `system`).
    pub actor: String,
    /// `create`, `update`, `transition`, `delete`, `login`, …
    pub action: String,
    /// `asset`, `work_order`, `site`, …
    pub entity_type: String,
    pub entity_id: String,
    /// Canonical JSON of the entity before the change (absent on create).
    pub before: Option<String>,
    /// Canonical JSON of the entity after the change (absent on delete).
    pub after: Option<String>,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The content of an event before it is linked into the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditDraft {
    pub occurred_at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

/// Formats an instant the one way the chain hashes it.
pub fn format_instant(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Serialises JSON with object keys sorted and no insignificant whitespace, so the same value
/// always yields the same bytes.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(val) = map.get(k) {
                    write_canonical(val, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Canonical JSON of any serialisable value (used for `before` / `after`).
pub fn snapshot<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(v) => canonical_json(&v),
        Err(e) => canonical_json(&serde_json::json!({ "unserialisable": e.to_string() })),
    }
}

/// The hash of an event: SHA-256 over the previous hash and the canonical content: the JSON
/// object of `seq` and the draft's fields with keys sorted, as [`canonical_json`] writes it.
/// Written directly (the keys are fixed) rather than through a `Value`: every write and every
/// `htm audit verify` hashes each event, so this is on the path of bulk changes.
pub fn event_hash(seq: i64, prev_hash: &str, d: &AuditDraft) -> String {
    fn string(out: &mut String, s: &str) {
        // serde_json's escaping, exactly as `canonical_json` writes a string.
        match serde_json::to_string(s) {
            Ok(q) => out.push_str(&q),
            Err(_) => out.push_str("null"),
        }
    }
    fn opt(out: &mut String, s: Option<&str>) {
        match s {
            Some(s) => string(out, s),
            None => out.push_str("null"),
        }
    }
    let len = d.before.as_ref().map_or(0, String::len) + d.after.as_ref().map_or(0, String::len) + 256;
    let mut c = String::with_capacity(len);
    c.push_str("{\"action\":");
    string(&mut c, &d.action);
    c.push_str(",\"actor\":");
    string(&mut c, &d.actor);
    c.push_str(",\"actor_id\":");
    match d.actor_id {
        Some(id) => c.push_str(&id.to_string()),
        None => c.push_str("null"),
    }
    c.push_str(",\"after\":");
    opt(&mut c, d.after.as_deref());
    c.push_str(",\"before\":");
    opt(&mut c, d.before.as_deref());
    c.push_str(",\"entity_id\":");
    string(&mut c, &d.entity_id);
    c.push_str(",\"entity_type\":");
    string(&mut c, &d.entity_type);
    c.push_str(",\"occurred_at\":");
    string(&mut c, &d.occurred_at);
    c.push_str(",\"reason\":");
    opt(&mut c, d.reason.as_deref());
    c.push_str(",\"seq\":");
    c.push_str(&seq.to_string());
    c.push('}');
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(c.as_bytes());
    hex::encode(h.finalize())
}

impl AuditDraft {
    /// Links the draft after the event with `prev_seq` / `prev_hash`.
    pub fn link(self, prev_seq: i64, prev_hash: &str) -> AuditEvent {
        let seq = prev_seq + 1;
        let hash = event_hash(seq, prev_hash, &self);
        AuditEvent {
            seq,
            occurred_at: self.occurred_at,
            actor_id: self.actor_id,
            actor: self.actor,
            action: self.action,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            before: self.before,
            after: self.after,
            reason: self.reason,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }
}

impl AuditEvent {
    fn draft(&self) -> AuditDraft {
        AuditDraft {
            occurred_at: self.occurred_at.clone(),
            actor_id: self.actor_id,
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id.clone(),
            before: self.before.clone(),
            after: self.after.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// Why the chain does not verify, naming the first bad event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("event {seq}: its content does not match its hash (altered)")]
    Altered { seq: i64 },
    #[error("event {seq}: it does not link to the event before it (expected previous hash {expected}, found {found})")]
    Unlinked { seq: i64, expected: String, found: String },
    #[error("event {found}: expected event {expected} here (an event was removed or inserted)")]
    Gap { expected: i64, found: i64 },
    #[error(
        "the chain ends at event {last_seq} but the recorded head is event {head_seq} (events removed or appended outside the log)"
    )]
    HeadMismatch { last_seq: i64, head_seq: i64 },
    /// The chain is intact but an electronic signature is not bound to what it recorded.
    #[error("{0}")]
    Signature(#[from] crate::signature::SignatureBreak),
}

/// Walks a chain in order, keeping only the last event, so that millions of events verify in
/// constant memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        ChainVerifier { expected_seq: 1, prev_hash: GENESIS_HASH.to_string(), checked: 0 }
    }

    pub fn push(&mut self, e: &AuditEvent) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(ChainBreak::Gap { expected: self.expected_seq, found: e.seq });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked {
                seq: e.seq,
                expected: self.prev_hash.clone(),
                found: e.prev_hash.clone(),
            });
        }
        if event_hash(e.seq, &e.prev_hash, &e.draft()) != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// Checks the end of the chain against the recorded head (sequence and hash of the last event).
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<(), ChainBreak> {
        let last_seq = self.expected_seq - 1;
        if head_seq != last_seq || (head_seq > 0 && head_hash != self.prev_hash) {
            return Err(ChainBreak::HeadMismatch { last_seq, head_seq });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(n: u32) -> AuditDraft {
        AuditDraft {
            occurred_at: format!("2026-03-02T08:00:{n:02}.000000Z"),
            actor_id: Some(1),
            actor: "admin".into(),
            action: "update".into(),
            entity_type: "asset".into(),
            entity_id: "42".into(),
            before: Some(r#"{"notes":null}"#.into()),
            after: Some(format!(r#"{{"notes":"change {n}"}}"#)),
            reason: None,
        }
    }

    fn chain(n: u32) -> Vec<AuditEvent> {
        let mut out: Vec<AuditEvent> = Vec::new();
        for i in 0..n {
            let (s, h) = out.last().map(|e| (e.seq, e.hash.clone())).unwrap_or((0, GENESIS_HASH.into()));
            out.push(draft(i).link(s, &h));
        }
        out
    }

    fn verify(events: &[AuditEvent], head: (i64, &str)) -> Result<(), ChainBreak> {
        let mut v = ChainVerifier::new();
        for e in events {
            v.push(e)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = serde_json::json!({"b": 1, "a": {"d": [1, {"z": null, "y": "é"}], "c": true}});
        assert_eq!(canonical_json(&v), r#"{"a":{"c":true,"d":[1,{"y":"é","z":null}]},"b":1}"#);
    }

    /// The hash as first defined: the canonical JSON of a `Value` holding the fields.
    fn event_hash_through_a_value(seq: i64, prev_hash: &str, d: &AuditDraft) -> String {
        let content = serde_json::json!({
            "seq": seq, "occurred_at": d.occurred_at, "actor_id": d.actor_id, "actor": d.actor,
            "action": d.action, "entity_type": d.entity_type, "entity_id": d.entity_id,
            "before": d.before, "after": d.after, "reason": d.reason,
        });
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(canonical_json(&content).as_bytes());
        hex::encode(h.finalize())
    }

    #[test]
    fn the_direct_hash_equals_the_canonical_json_hash() {
        // Stored chains must keep verifying: the same bytes for quotes, backslashes, control
        // characters, non-ASCII text, absent fields and negative or large numbers.
        let tricky =
            ["", "plain", "quote \" and \\ backslash", "tab\tnew\nline\u{1}\u{1f}", "Müller – 日本 🩺", "</script>"];
        let mut n = 0;
        for (i, t) in tricky.iter().enumerate() {
            for present in [true, false] {
                let d = AuditDraft {
                    occurred_at: format!("2026-03-02T08:00:{i:02}.000000Z"),
                    actor_id: present.then_some(-7 + i as i64 * 1_000_000_007),
                    actor: t.to_string(),
                    action: "update".into(),
                    entity_type: t.to_string(),
                    entity_id: format!("{t}{i}"),
                    before: present.then(|| format!(r#"{{"notes":{}}}"#, serde_json::to_string(t).unwrap())),
                    after: Some(t.to_string()),
                    reason: present.then(|| t.to_string()),
                };
                for seq in [1, i64::MAX, -1] {
                    assert_eq!(event_hash(seq, GENESIS_HASH, &d), event_hash_through_a_value(seq, GENESIS_HASH, &d));
                    n += 1;
                }
            }
        }
        assert_eq!(n, 36);
        // And a fixed value (also computed with Python: json.dumps sort_keys, compact separators).
        assert_eq!(
            event_hash(1, GENESIS_HASH, &draft(0)),
            "4d2fc5a863c577569a4188166af1ea4c3d11a4021300801bc820eb54d3c1ca99"
        );
    }

    #[test]
    fn an_honest_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(()));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(()));
    }

    #[test]
    fn an_altered_event_is_named() {
        let mut c = chain(5);
        c[2].after = Some(r#"{"notes":"forged"}"#.into());
        let head = c[4].hash.clone();
        assert_eq!(verify(&c, (5, &head)), Err(ChainBreak::Altered { seq: 3 }));
        let mut c = chain(5);
        c[1].actor = "someone-else".into();
        let head = c[4].hash.clone();
        assert_eq!(verify(&c, (5, &head)), Err(ChainBreak::Altered { seq: 2 }));
    }

    #[test]
    fn a_removed_or_inserted_event_is_found() {
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c.remove(2);
        assert_eq!(verify(&c, (5, &head)), Err(ChainBreak::Gap { expected: 3, found: 4 }));
        let c = chain(5);
        let head = c[3].hash.clone();
        // The last event was removed: only the head can tell.
        assert!(matches!(verify(&c[..4], (5, &head)), Err(ChainBreak::HeadMismatch { .. })));
    }

    #[test]
    fn a_rehashed_forgery_breaks_the_next_link() {
        let mut c = chain(5);
        let mut d = draft(9);
        d.actor = "forger".into();
        let forged = d.link(2, &c[1].hash);
        c[2] = forged;
        let head = c[4].hash.clone();
        assert!(matches!(verify(&c, (5, &head)), Err(ChainBreak::Unlinked { seq: 4, .. })));
    }

    #[test]
    fn instants_are_formatted_with_microseconds_in_utc() {
        let t: jiff::Timestamp = "2026-03-02T08:00:01.5+01:00".parse().unwrap();
        assert_eq!(format_instant(t), "2026-03-02T07:00:01.500000Z");
    }
}
