//! Notifications: the events OpenHTM tells people and systems about, the retry schedule of the
//! outbox, and the signature of outgoing webhooks.
//!
//! Webhook signature (documented in README "Notifications"): each POST carries
//! `X-OpenHTM-Timestamp: <unix seconds>` and
//! `X-OpenHTM-Signature: sha256=<hex>`, where `<hex>` is HMAC-SHA256 (RFC 2104, FIPS 198-1)
//! keyed with the subscription's secret over the octets `<timestamp>.<body>`. A receiver
//! recomputes it, compares in constant time, and refuses old timestamps (replay).
//!
//! No patient data: messages name work orders, asset tags, models, departments and dates —
//! never the free text of a problem report, which may hold patient information (see [`crate::phi`]).

use crate::DomainError;
use crate::text_enum;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

text_enum!(
    /// What happened.
    EventKind, "event" {
        // A work order was assigned to someone (to the assignee).
        WorkOrderAssigned => "work_order.assigned" : "Work order assigned",
        // A scheduled PM passed its last on-time day (REFERENCE §2.5) still open.
        PmOverdue => "pm.overdue" : "PM overdue",
        // Recall matching proposed new candidate assets (to the recall managers).
        RecallMatched => "recall.matched" : "Recall matched",
        // A service contract's notice window opened (`ends_on − notice_days`; to the managers).
        ContractExpiring => "contract.expiring" : "Contract expiring",
    }
);

text_enum!(
    /// How a message travels.
    Channel, "channel" {
        Email => "email" : "E-mail",
        Webhook => "webhook" : "Webhook",
    }
);

text_enum!(
    /// Where a message is in its delivery (`failed`: gave up after [`MAX_ATTEMPTS`] attempts).
    DeliveryStatus, "status" {
        Pending => "pending" : "Pending",
        Sent => "sent" : "Sent",
        Failed => "failed" : "Failed",
    }
);

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: u32 = 8;
/// The longest wait between attempts.
pub const MAX_BACKOFF: SignedDuration = SignedDuration::from_hours(6);

/// When to try again after `attempts` failed attempts (1, 2, …): exponential backoff,
/// `base · 2^(attempts−1)`, capped at [`MAX_BACKOFF`]; `None` once [`MAX_ATTEMPTS`] is reached
/// (the message is then failed).
pub fn next_attempt(now: Timestamp, attempts: u32, base: SignedDuration) -> Option<Timestamp> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let shift = attempts.saturating_sub(1).min(20);
    let secs = base.as_secs().max(1).saturating_mul(1i64 << shift).min(MAX_BACKOFF.as_secs());
    now.checked_add(SignedDuration::from_secs(secs)).ok()
}

/// HMAC-SHA256 (RFC 2104 with SHA-256, block size 64 octets).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for i in 0..64 {
        ipad[i] ^= block[i];
        opad[i] ^= block[i];
    }
    let inner = Sha256::new().chain_update(ipad).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(opad).chain_update(inner).finalize();
    outer.into()
}

/// The `X-OpenHTM-Signature` header value for a body sent at `timestamp` (unix seconds).
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut msg = Vec::with_capacity(body.len() + 12);
    msg.extend_from_slice(timestamp.to_string().as_bytes());
    msg.push(b'.');
    msg.extend_from_slice(body);
    format!("sha256={}", hex::encode(hmac_sha256(secret.as_bytes(), &msg)))
}

/// Checks a webhook URL: absolute `http` or `https`, with a host, no credentials, no spaces.
pub fn check_webhook_url(url: &str) -> Result<String, DomainError> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| DomainError::field("url", "must start with https:// or http://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(DomainError::field("url", "must name a host, without credentials or spaces"));
    }
    if url.len() > 2000 {
        return Err(DomainError::field("url", "is longer than 2000 characters"));
    }
    Ok(url.to_string())
}

/// Parses the event list of a subscription (at least one, no repeats).
pub fn parse_events(names: &[String]) -> Result<Vec<EventKind>, DomainError> {
    let mut out = Vec::new();
    for n in names {
        let k = EventKind::parse(n.trim()).map_err(|_| {
            DomainError::field(
                "events",
                format!(
                    "'{n}' is not an event: {}",
                    EventKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        if !out.contains(&k) {
            out.push(k);
        }
    }
    if out.is_empty() {
        return Err(DomainError::field("events", "name at least one event"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_of(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap_or_default()
    }

    #[test]
    fn hmac_sha256_rfc4231_test_cases() {
        // RFC 4231 §4.2, test case 1.
        assert_eq!(
            hex::encode(hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2: a short key.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block size is hashed first.
        assert_eq!(
            hex::encode(hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(hex_of("00ff"), vec![0, 255]);
    }

    #[test]
    fn webhook_signature_covers_timestamp_and_body() {
        let sig = webhook_signature("s3cret", 1_700_000_000, b"{\"a\":1}");
        assert_eq!(sig, format!("sha256={}", hex::encode(hmac_sha256(b"s3cret", b"1700000000.{\"a\":1}"))));
        assert_ne!(sig, webhook_signature("s3cret", 1_700_000_001, b"{\"a\":1}"));
        assert_ne!(sig, webhook_signature("other", 1_700_000_000, b"{\"a\":1}"));
    }

    #[test]
    fn backoff_doubles_caps_and_gives_up() {
        let now = Timestamp::UNIX_EPOCH;
        let base = SignedDuration::from_secs(30);
        let wait = |n| next_attempt(now, n, base).map(|t| t.duration_since(now).as_secs());
        assert_eq!(wait(1), Some(30));
        assert_eq!(wait(2), Some(60));
        assert_eq!(wait(3), Some(120));
        assert_eq!(wait(7), Some(1920));
        assert_eq!(wait(MAX_ATTEMPTS), None);
        assert_eq!(
            next_attempt(now, 7, SignedDuration::from_hours(1)).map(|t| t.duration_since(now)),
            Some(MAX_BACKOFF)
        );
    }

    #[test]
    fn webhook_urls_and_events_are_checked() {
        assert!(check_webhook_url("https://hooks.example.org/htm").is_ok());
        assert!(check_webhook_url("http://127.0.0.1:9000/x").is_ok());
        assert!(check_webhook_url("ftp://x").is_err());
        assert!(check_webhook_url("https://user:pw@x.org/").is_err());
        assert!(check_webhook_url("https:///x").is_err());
        assert_eq!(
            parse_events(&["work_order.assigned".into(), "recall.matched".into(), "work_order.assigned".into()]).ok(),
            Some(vec![EventKind::WorkOrderAssigned, EventKind::RecallMatched])
        );
        assert!(parse_events(&[]).is_err());
        assert!(parse_events(&["nope".into()]).is_err());
    }
}
