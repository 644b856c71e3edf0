-- PM procedures (versioned, immutable), recorded PM results, ESA readings and test equipment
-- (REFERENCE §1.3–1.5, §9.4). Keep ../postgres/0004_pm_procedures.sql in step.
-- A procedure version is never edited: a change is a new version (same code, version + 1), and a
-- recorded PM keeps the exact version it was performed to.

CREATE TABLE pm_procedures (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_pm_procedures_code_version ON pm_procedures (code, version);

CREATE TABLE pm_procedure_steps (
    id INTEGER PRIMARY KEY,
    procedure_id INTEGER NOT NULL REFERENCES pm_procedures (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('check', 'measurement', 'electrical_safety')),
    instruction TEXT NOT NULL,
    unit TEXT,
    nominal DOUBLE PRECISION,
    lower_limit DOUBLE PRECISION,
    upper_limit DOUBLE PRECISION,
    tolerance_pct DOUBLE PRECISION CHECK (tolerance_pct >= 0 AND tolerance_pct <= 100)
);
CREATE UNIQUE INDEX ux_pm_procedure_steps_position ON pm_procedure_steps (procedure_id, position);

-- The default procedure of every asset of a model, and a per-asset override (a procedure code;
-- the latest version is used when a PM is first recorded).
ALTER TABLE device_models ADD COLUMN pm_procedure_code TEXT;
ALTER TABLE assets ADD COLUMN pm_procedure_code TEXT;
-- What electrical safety limits apply (REFERENCE §1.1); required to record an ESA step.
ALTER TABLE assets ADD COLUMN protection_class TEXT CHECK (protection_class IN ('I', 'II', 'internal'));
ALTER TABLE assets ADD COLUMN applied_part TEXT CHECK (applied_part IN ('none', 'B', 'BF', 'CF'));
-- Test equipment (analyzers, simulators) are assets with a calibration due date.
ALTER TABLE assets ADD COLUMN calibration_due TEXT;

ALTER TABLE work_orders ADD COLUMN procedure_id INTEGER REFERENCES pm_procedures (id);
ALTER TABLE work_orders ADD COLUMN linked_work_order_id INTEGER REFERENCES work_orders (id);

CREATE TABLE pm_step_results (
    id INTEGER PRIMARY KEY,
    work_order_id INTEGER NOT NULL REFERENCES work_orders (id),
    step_id INTEGER NOT NULL REFERENCES pm_procedure_steps (id),
    kind TEXT NOT NULL CHECK (kind IN ('check', 'measurement', 'electrical_safety')),
    passed BOOLEAN NOT NULL,
    value DOUBLE PRECISION,
    limit_text TEXT,
    note TEXT
);
CREATE UNIQUE INDEX ux_pm_step_results_wo_step ON pm_step_results (work_order_id, step_id);

-- A reading keeps the limit row it was judged against.
CREATE TABLE esa_readings (
    id INTEGER PRIMARY KEY,
    work_order_id INTEGER NOT NULL REFERENCES work_orders (id),
    step_id INTEGER NOT NULL REFERENCES pm_procedure_steps (id),
    esa_limit_id INTEGER NOT NULL REFERENCES esa_limits (id),
    value DOUBLE PRECISION NOT NULL,
    passed BOOLEAN NOT NULL
);
CREATE INDEX ix_esa_readings_wo ON esa_readings (work_order_id);

CREATE TABLE wo_test_equipment (
    work_order_id INTEGER NOT NULL REFERENCES work_orders (id),
    asset_id INTEGER NOT NULL REFERENCES assets (id),
    PRIMARY KEY (work_order_id, asset_id)
);
