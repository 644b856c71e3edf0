-- Technician qualifications (REFERENCE §10 "Certifications"; OpenHTM issue 3, scope item 6).
-- Keep ../postgres/0005_qualifications.sql in step.
-- A qualification is a certification (CABT, CBET, CRES, CLES, CHTM, CCE; CNES accepted but
-- unconfirmed) or manufacturer training on one device model, valid through `expires_on`.
-- Revoking keeps the row (the record) and sets `revoked_at`.

CREATE TABLE technician_qualifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    certification TEXT CHECK (certification IN ('CABT', 'CBET', 'CRES', 'CLES', 'CHTM', 'CCE', 'CNES')),
    model_id INTEGER REFERENCES device_models (id),
    reference TEXT,
    issuer TEXT,
    issued_on TEXT,
    expires_on TEXT,
    revoked_at TEXT,
    revoked_reason TEXT,
    created_at TEXT NOT NULL,
    CHECK ((certification IS NULL) <> (model_id IS NULL))
);
CREATE INDEX ix_technician_qualifications_user ON technician_qualifications (user_id, id);

-- What a procedure version requires of the technician performing it.
ALTER TABLE pm_procedures ADD COLUMN required_certification TEXT
    CHECK (required_certification IN ('CABT', 'CBET', 'CRES', 'CLES', 'CHTM', 'CCE', 'CNES'));
ALTER TABLE pm_procedures ADD COLUMN requires_model_training BOOLEAN NOT NULL DEFAULT FALSE;

-- What a site does with work by a technician lacking the requirement.
ALTER TABLE sites ADD COLUMN qualification_policy TEXT NOT NULL DEFAULT 'flag'
    CHECK (qualification_policy IN ('flag', 'refuse'));

-- Why a work order was flagged (policy 'flag').
ALTER TABLE work_orders ADD COLUMN qualification_flag TEXT;
