-- Known vulnerabilities (CISA KEV and hand-entered CVEs), CycloneDX SBOMs per device model and
-- software version, and per-asset findings (REFERENCE §7). A finding names an asset and a CVE,
-- what it was matched on (an SBOM component or the operating system), its priority score, level
-- and reasons (JSON text), and the engineer's decision; it may name a software-update work order.
-- Keep ../postgres/0018_vulnerabilities.sql in step.

CREATE TABLE vulnerabilities (
    id INTEGER PRIMARY KEY,
    cve_id TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('kev', 'manual')),
    vendor TEXT NOT NULL,
    product TEXT NOT NULL,
    name TEXT,
    description TEXT,
    date_added TEXT,
    due_date TEXT,
    ransomware BOOLEAN NOT NULL DEFAULT FALSE,
    affected_versions TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX ux_vulnerabilities_cve ON vulnerabilities (cve_id);

CREATE TABLE sboms (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES device_models (id),
    software_version TEXT NOT NULL,
    format TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    serial_number TEXT,
    sha256 TEXT NOT NULL,
    component_count INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_sboms_model_version ON sboms (model_id, software_version);

CREATE TABLE sbom_components (
    id INTEGER PRIMARY KEY,
    sbom_id INTEGER NOT NULL REFERENCES sboms (id),
    name TEXT NOT NULL,
    version TEXT,
    purl TEXT,
    cpe TEXT,
    supplier TEXT
);
CREATE INDEX ix_sbom_components_sbom ON sbom_components (sbom_id);

CREATE TABLE vulnerability_findings (
    id INTEGER PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets (id),
    cve_id TEXT NOT NULL REFERENCES vulnerabilities (cve_id),
    matched_on TEXT NOT NULL CHECK (matched_on IN ('sbom_component', 'os')),
    matched_item TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    level TEXT NOT NULL CHECK (level IN ('critical', 'high', 'medium', 'low')),
    reasons TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'mitigated', 'accepted', 'false_positive')),
    note TEXT,
    work_order_id INTEGER REFERENCES work_orders (id),
    first_seen TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX ux_vulnerability_findings_asset_cve ON vulnerability_findings (asset_id, cve_id);
CREATE INDEX ix_vulnerability_findings_status ON vulnerability_findings (status, level, id);
