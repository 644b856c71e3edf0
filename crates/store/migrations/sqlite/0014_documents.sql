-- Documents attached to device models, assets and work orders (service manuals, vendor service
-- reports, photos, certificates). The content is stored once per SHA-256 in document_blobs
-- (content-addressed: attaching the same file twice stores one blob). A document row is never
-- deleted: removal sets removed_by/removed_at/removed_reason, and every attach and removal is an
-- audit event carrying the metadata and the SHA-256 (never the content).
-- Keep ../postgres/0014_documents.sql in step.

CREATE TABLE document_blobs (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
    media_type TEXT NOT NULL,
    content BLOB NOT NULL
);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    entity_type TEXT NOT NULL CHECK (entity_type IN ('model', 'asset', 'work_order')),
    entity_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('service_manual', 'service_report', 'photo', 'certificate', 'other')),
    title TEXT NOT NULL,
    filename TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES document_blobs (sha256),
    media_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    removed_by TEXT,
    removed_at TEXT,
    removed_reason TEXT,
    CHECK ((removed_at IS NULL) = (removed_reason IS NULL))
);
CREATE INDEX ix_documents_entity ON documents (entity_type, entity_id, id);
CREATE INDEX ix_documents_sha256 ON documents (sha256);
