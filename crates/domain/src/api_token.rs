//! Personal API tokens (issue 7 §2): long-lived bearer secrets for scripts and integrations,
//! stored hashed, scoped and revocable.
//!
//! The rules here follow REFERENCE §10 (21 CFR Part 11 §11.300: password/token controls —
//! uniqueness, periodic revision, loss management): every token is unique to one person, expires
//! (at most a year; 90 days unless asked otherwise), and can be revoked at once; it is revoked
//! with every other credential when its owner is deactivated or changes password.
//!
//! A secret is `htm_` followed by 64 lowercase hex digits (256 random bits): the fixed prefix lets
//! secret scanners recognise a leaked token, and the first [`PREFIX_LEN`] characters are kept in
//! clear so people can tell their tokens apart. Only the SHA-256 of the secret is stored.

use crate::text_enum;
use jiff::{SignedDuration, Timestamp};

/// What every API token secret begins with.
pub const SECRET_PREFIX: &str = "htm_";
/// How many leading characters of a secret (the `htm_` included) are kept for display.
pub const PREFIX_LEN: usize = 8;
/// The default lifetime, in days.
pub const DEFAULT_DAYS: i64 = 90;
/// The longest lifetime, in days (§11.300(b): credentials are revised periodically).
pub const MAX_DAYS: i64 = 365;
/// The longest token name.
pub const MAX_NAME: usize = 100;
/// `last_used_at` is rewritten at most this often per token, so a request does not cost a write.
pub const TOUCH_INTERVAL: SignedDuration = SignedDuration::from_secs(60);

text_enum!(
    /// What a token may do. `read`: only safe requests (GET, HEAD); `write`: everything its
    /// owner's role may do — never more (the role × action matrix still applies).
    TokenScope, "scope" {
        Read => "read": "Read only (GET and HEAD requests)",
        Write => "write": "Read and write (the owner's full role permissions)",
    }
);

impl TokenScope {
    /// Whether a request with this HTTP method is within the scope. Only GET and HEAD are
    /// read requests; every other method (POST, PUT, PATCH, DELETE, OPTIONS, …) needs `write`.
    pub fn allows_method(self, method: &str) -> bool {
        match self {
            TokenScope::Write => true,
            TokenScope::Read => method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD"),
        }
    }

    /// Whether a caller with this scope may mint a token of scope `wanted` (never wider).
    pub fn covers(self, wanted: TokenScope) -> bool {
        self == TokenScope::Write || wanted == TokenScope::Read
    }
}

/// Checks a token's name: 1 to [`MAX_NAME`] characters after trimming, no control characters.
pub fn check_name(name: &str) -> Result<String, crate::DomainError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(crate::DomainError::field("name", "give the token a name (what it is for)"));
    }
    if n.chars().count() > MAX_NAME {
        return Err(crate::DomainError::field("name", format!("at most {MAX_NAME} characters")));
    }
    if n.chars().any(char::is_control) {
        return Err(crate::DomainError::field("name", "no control characters"));
    }
    Ok(n.to_string())
}

/// The expiry of a token created at `now` for `days` days (default [`DEFAULT_DAYS`];
/// 1..=[`MAX_DAYS`]).
pub fn expiry(now: Timestamp, days: Option<i64>) -> Result<Timestamp, crate::DomainError> {
    let d = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&d) {
        return Err(crate::DomainError::field(
            "expires_in_days",
            format!("a token lasts 1 to {MAX_DAYS} days (default {DEFAULT_DAYS}); {d} is outside"),
        ));
    }
    now.checked_add(SignedDuration::from_hours(24 * d))
        .map_err(|_| crate::DomainError::field("expires_in_days", "the expiry is out of range"))
}

/// Builds a secret from 32 random bytes (the caller supplies them: no randomness here).
pub fn secret_from_bytes(bytes: &[u8; 32]) -> String {
    let mut s = String::with_capacity(SECRET_PREFIX.len() + 64);
    s.push_str(SECRET_PREFIX);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Whether a bearer value has the shape of an API token secret (else it may be a session).
pub fn looks_like_secret(s: &str) -> bool {
    s.len() == SECRET_PREFIX.len() + 64
        && s.starts_with(SECRET_PREFIX)
        && s[SECRET_PREFIX.len()..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The displayable prefix of a secret.
pub fn display_prefix(secret: &str) -> String {
    secret.chars().take(PREFIX_LEN).collect()
}

/// Whether `last_used_at` should be rewritten now (never written, or older than
/// [`TOUCH_INTERVAL`]).
pub fn needs_touch(last_used_at: Option<Timestamp>, now: Timestamp) -> bool {
    match last_used_at {
        None => true,
        Some(t) => now.duration_since(t) >= TOUCH_INTERVAL,
    }
}

/// Whether a token is usable at `now`: not revoked and not yet expired.
pub fn is_live(revoked_at: Option<Timestamp>, expires_at: Timestamp, now: Timestamp) -> bool {
    revoked_at.is_none() && expires_at > now
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn read_scope_allows_only_safe_methods() {
        for m in ["GET", "get", "HEAD"] {
            assert!(TokenScope::Read.allows_method(m), "{m}");
        }
        for m in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            assert!(!TokenScope::Read.allows_method(m), "{m}");
            assert!(TokenScope::Write.allows_method(m), "{m}");
        }
    }

    #[test]
    fn a_token_never_mints_a_wider_one() {
        assert!(TokenScope::Write.covers(TokenScope::Write));
        assert!(TokenScope::Write.covers(TokenScope::Read));
        assert!(TokenScope::Read.covers(TokenScope::Read));
        assert!(!TokenScope::Read.covers(TokenScope::Write));
    }

    #[test]
    fn scopes_parse_from_their_codes_only() {
        assert_eq!(TokenScope::parse("read").unwrap(), TokenScope::Read);
        assert_eq!(TokenScope::parse(" WRITE ").unwrap(), TokenScope::Write);
        assert!(TokenScope::parse("admin").is_err());
    }

    #[test]
    fn expiry_defaults_to_90_days_and_is_bounded() {
        let now = ts("2026-01-01T00:00:00Z");
        assert_eq!(expiry(now, None).unwrap(), ts("2026-04-01T00:00:00Z"));
        assert_eq!(expiry(now, Some(1)).unwrap(), ts("2026-01-02T00:00:00Z"));
        assert_eq!(expiry(now, Some(365)).unwrap(), ts("2027-01-01T00:00:00Z"));
        assert!(expiry(now, Some(0)).is_err());
        assert!(expiry(now, Some(366)).is_err());
        assert!(expiry(now, Some(-5)).is_err());
    }

    #[test]
    fn secrets_have_a_scannable_shape() {
        let mut b = [0u8; 32];
        b[0] = 0xab;
        b[31] = 0x01;
        let s = secret_from_bytes(&b);
        assert_eq!(s.len(), 68);
        assert!(s.starts_with("htm_ab00"));
        assert!(s.ends_with("01"));
        assert!(looks_like_secret(&s));
        assert_eq!(display_prefix(&s), "htm_ab00");
        assert!(!looks_like_secret("htm_xyz"));
        assert!(!looks_like_secret(&s.to_uppercase()));
        // A session token (43 base64url characters) never looks like one.
        assert!(!looks_like_secret("htm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  nightly export ").unwrap(), "nightly export");
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(101)).is_err());
        assert!(check_name("a\nb").is_err());
    }

    #[test]
    fn last_use_is_written_at_most_once_a_minute() {
        let now = ts("2026-01-01T12:00:00Z");
        assert!(needs_touch(None, now));
        assert!(!needs_touch(Some(ts("2026-01-01T11:59:30Z")), now));
        assert!(needs_touch(Some(ts("2026-01-01T11:59:00Z")), now));
    }

    #[test]
    fn revoked_or_expired_tokens_are_dead() {
        let now = ts("2026-01-01T12:00:00Z");
        assert!(is_live(None, ts("2026-01-01T12:00:01Z"), now));
        assert!(!is_live(None, now, now));
        assert!(!is_live(Some(now), ts("2027-01-01T00:00:00Z"), now));
    }
}
