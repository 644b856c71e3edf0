-- Electronic signatures (21 CFR Part 11 §11.50, §11.70; REFERENCE §10). Append-only. Each row is
-- bound to the audit event that recorded the signed content (audit_seq) by the SHA-256 of that
-- content, and is itself recorded by a `sign` audit event, so `htm audit verify` detects an
-- edited, inserted or copied signature. Keep ../postgres/0011_signatures.sql in step.

CREATE TABLE signatures (
    id INTEGER PRIMARY KEY,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    meaning TEXT NOT NULL CHECK (meaning IN ('authorship', 'review', 'approval', 'responsibility')),
    action TEXT NOT NULL,
    signer_id INTEGER NOT NULL REFERENCES users (id),
    signer_username TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    audit_seq INTEGER NOT NULL
);
CREATE INDEX ix_signatures_entity ON signatures (entity_type, entity_id, id);
