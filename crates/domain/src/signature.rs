//! Electronic signatures in the spirit of 21 CFR Part 11 (REFERENCE §10).
//!
//! - §11.50 *signature manifestation*: a signature shows the signer's printed name, the date and
//!   time, and its **meaning** (review, approval, responsibility, authorship) wherever the record
//!   prints ([`Signature::manifestation`]).
//! - §11.70 *signature/record linking*: a signature is bound to the SHA-256 of the record's
//!   canonical content at the moment of signing ([`content_hash`]), and to the audit event that
//!   recorded that content, so it cannot be copied to another record or survive an edit of the
//!   signed one. The store's `htm audit verify` checks every binding ([`check_binding`]).
//! - §11.200 *non-biometric signatures* use two distinct components: the signer is already
//!   identified by the session (user id) and re-enters the password for every signing.

use crate::ids::UserId;
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

crate::text_enum!(
    /// What a signature means (§11.50(a)(3)).
    SignatureMeaning, "meaning" {
        Authorship => "authorship": "authorship",
        Review => "review": "review",
        Approval => "approval": "approval",
        Responsibility => "responsibility": "responsibility",
    }
);

/// One signature, as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signature {
    pub id: i64,
    /// What was signed: `work_order`, `maintenance_strategy`, …
    pub entity_type: String,
    pub entity_id: String,
    pub meaning: SignatureMeaning,
    /// What the signing did, e.g. `completed`, `closed`, `approved`.
    pub action: String,
    pub signer_id: UserId,
    /// The signer's user name (the first component) …
    pub signer_username: String,
    /// … and printed name (§11.50(a)(1)).
    pub signer_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub signed_at: Timestamp,
    /// SHA-256 (hex) of the signed content: the canonical snapshot recorded by the audit event
    /// `audit_seq`.
    pub content_hash: String,
    /// The audit event that recorded the signed content.
    pub audit_seq: i64,
}

/// SHA-256 (lower-case hex) of a record's canonical content.
pub fn content_hash(canonical_content: &str) -> String {
    hex::encode(Sha256::digest(canonical_content.as_bytes()))
}

impl Signature {
    /// The manifestation printed with the record, e.g.
    /// `Signed by Dana Whitfield (dwhitfield) — responsibility (completed) — 2026-11-21 19:40 UTC`.
    pub fn manifestation(&self) -> String {
        format!(
            "Signed by {} ({}) — {} ({}) — {}",
            self.signer_name,
            self.signer_username,
            self.meaning.label(),
            self.action,
            self.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        )
    }

    /// The short content fingerprint shown next to the manifestation.
    pub fn fingerprint(&self) -> &str {
        self.content_hash.get(..16).unwrap_or(&self.content_hash)
    }
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureBreak {
    #[error("signature {id}: no signing event in the audit trail records it")]
    Unrecorded { id: i64 },
    #[error("signature {id}: it differs from the signing event the audit trail recorded (altered)")]
    Altered { id: i64 },
    #[error("signature {id}: the content it signs (audit event {seq}) is not {entity}, or its hash differs")]
    ContentMismatch { id: i64, seq: i64, entity: String },
    #[error("{entity}: the record differs from its last audited state (edited outside the application)")]
    RecordEdited { entity: String },
}

/// Checks a signature against what the audit trail recorded: `sign_event_after` is the `after`
/// of its `sign` event (the signature as it was written), `signed_event` the entity type, id and
/// `after` of the audit event it names by `audit_seq`.
pub fn check_binding(
    sig: &Signature,
    sign_event_after: Option<&str>,
    signed_event: Option<(&str, &str, Option<&str>)>,
) -> Result<(), SignatureBreak> {
    let Some(recorded) = sign_event_after else { return Err(SignatureBreak::Unrecorded { id: sig.id }) };
    if crate::audit::snapshot(sig) != recorded {
        return Err(SignatureBreak::Altered { id: sig.id });
    }
    let mismatch = || SignatureBreak::ContentMismatch { id: sig.id, seq: sig.audit_seq, entity: entity_label(sig) };
    let Some((entity_type, entity_id, after)) = signed_event else { return Err(mismatch()) };
    if entity_type != sig.entity_type || entity_id != sig.entity_id {
        return Err(mismatch());
    }
    match after {
        Some(content) if content_hash(content) == sig.content_hash => Ok(()),
        _ => Err(mismatch()),
    }
}

fn entity_label(sig: &Signature) -> String {
    format!("{} {}", sig.entity_type.replace('_', " "), sig.entity_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(content: &str) -> Signature {
        Signature {
            id: 7,
            entity_type: "work_order".into(),
            entity_id: "42".into(),
            meaning: SignatureMeaning::Responsibility,
            action: "completed".into(),
            signer_id: UserId(3),
            signer_username: "dwhitfield".into(),
            signer_name: "Dana Whitfield".into(),
            signed_at: "2026-11-21T19:40:05Z".parse().unwrap(),
            content_hash: content_hash(content),
            audit_seq: 99,
        }
    }

    #[test]
    fn content_hash_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(content_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn manifestation_has_name_meaning_and_time() {
        let s = sig("{}");
        assert_eq!(
            s.manifestation(),
            "Signed by Dana Whitfield (dwhitfield) — responsibility (completed) — 2026-11-21 19:40:05 UTC"
        );
    }

    #[test]
    fn binding_holds_only_for_the_recorded_content() {
        let content = r#"{"id":42,"status":"completed"}"#;
        let s = sig(content);
        let recorded = crate::audit::snapshot(&s);
        assert_eq!(check_binding(&s, Some(&recorded), Some(("work_order", "42", Some(content)))), Ok(()));
        // The signed record's content changed.
        assert!(matches!(
            check_binding(&s, Some(&recorded), Some(("work_order", "42", Some(r#"{"id":42,"status":"open"}"#)))),
            Err(SignatureBreak::ContentMismatch { .. })
        ));
        // Copied to another record (§11.70).
        assert!(matches!(
            check_binding(&s, Some(&recorded), Some(("work_order", "43", Some(content)))),
            Err(SignatureBreak::ContentMismatch { .. })
        ));
        // The signature row was edited: another signer's name.
        let mut forged = s.clone();
        forged.signer_name = "Someone Else".into();
        assert_eq!(
            check_binding(&forged, Some(&recorded), Some(("work_order", "42", Some(content)))),
            Err(SignatureBreak::Altered { id: 7 })
        );
        // A signature row inserted with no signing event.
        assert_eq!(check_binding(&s, None, None), Err(SignatureBreak::Unrecorded { id: 7 }));
    }
}
