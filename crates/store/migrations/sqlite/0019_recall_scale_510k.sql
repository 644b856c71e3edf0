-- Issue 5, finishing: (1) a device model's 510(k) number (`K` + 6 digits, REFERENCE §5.6 / §6.2
-- `k_numbers`), used by recall matching; (2) a vulnerability finding that no longer matches is
-- `resolved` (kept, never deleted; a later match reopens it), so the status CHECK gains
-- 'resolved' (SQLite cannot alter a CHECK: the table is rebuilt with the same columns and
-- indexes; nothing references it). Keep ../postgres/0019_recall_scale_510k.sql in step.

ALTER TABLE device_models ADD COLUMN fda_510k TEXT;
CREATE INDEX ix_device_models_510k ON device_models (fda_510k);

CREATE TABLE vulnerability_findings_new (
    id INTEGER PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets (id),
    cve_id TEXT NOT NULL REFERENCES vulnerabilities (cve_id),
    matched_on TEXT NOT NULL CHECK (matched_on IN ('sbom_component', 'os')),
    matched_item TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    level TEXT NOT NULL CHECK (level IN ('critical', 'high', 'medium', 'low')),
    reasons TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'mitigated', 'accepted', 'false_positive', 'resolved')),
    note TEXT,
    work_order_id INTEGER REFERENCES work_orders (id),
    first_seen TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO vulnerability_findings_new (id, asset_id, cve_id, matched_on, matched_item, score, level, reasons,
    status, note, work_order_id, first_seen, decided_by, decided_at, version)
SELECT id, asset_id, cve_id, matched_on, matched_item, score, level, reasons, status, note, work_order_id,
    first_seen, decided_by, decided_at, version FROM vulnerability_findings;
DROP TABLE vulnerability_findings;
ALTER TABLE vulnerability_findings_new RENAME TO vulnerability_findings;
CREATE UNIQUE INDEX ux_vulnerability_findings_asset_cve ON vulnerability_findings (asset_id, cve_id);
CREATE INDEX ix_vulnerability_findings_status ON vulnerability_findings (status, level, id);
