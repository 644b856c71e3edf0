-- Device-related incidents and their investigations (TJC EC.02.04.01 EP 10; Safe Medical Devices
-- Act 1990 / 21 CFR 803, REFERENCE §10). An incident names what happened, optionally the asset
-- and the department, whether the device and its accessories were sequestered, the findings, and
-- the medical-device-report (MDR) decision: whether it was reportable, who decided, and to whom it
-- was reported. Severity follows 21 CFR 803.3: `serious_injury` is an injury or illness that is
-- life-threatening, permanently impairs or damages, or needs medical or surgical intervention to
-- prevent that. Free text holds no patient data (checked by `htm_domain::phi`).
-- Keep ../postgres/0013_incidents.sql in step.

CREATE TABLE incident_counters (
    year BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL,
    asset_id INTEGER REFERENCES assets (id),
    department_id INTEGER REFERENCES departments (id),
    occurred_at TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_by_id INTEGER REFERENCES users (id),
    what_happened TEXT NOT NULL,
    accessories TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('near_miss', 'no_harm', 'minor_injury', 'serious_injury', 'death')),
    status TEXT NOT NULL CHECK (status IN ('open', 'under_investigation', 'closed')),
    sequestered BOOLEAN NOT NULL DEFAULT FALSE,
    sequestered_items TEXT,
    sequestered_at TEXT,
    sequestered_by TEXT,
    findings TEXT,
    mdr_reportable BOOLEAN,
    mdr_rationale TEXT,
    mdr_decision_by TEXT,
    mdr_decided_at TEXT,
    mdr_reported_to TEXT CHECK (mdr_reported_to IN ('fda', 'manufacturer', 'both')),
    mdr_report_number TEXT,
    mdr_reported_at TEXT,
    closed_at TEXT,
    closed_by TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_incidents_number ON incidents (number);
CREATE INDEX ix_incidents_occurred ON incidents (occurred_at, id);
CREATE INDEX ix_incidents_asset ON incidents (asset_id, occurred_at);
CREATE INDEX ix_incidents_status ON incidents (status, id);

CREATE TABLE incident_work_orders (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    work_order_id INTEGER NOT NULL REFERENCES work_orders (id),
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, work_order_id)
);
CREATE INDEX ix_incident_work_orders_wo ON incident_work_orders (work_order_id);
