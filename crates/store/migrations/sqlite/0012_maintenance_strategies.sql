-- Maintenance strategies and the AEM program (REFERENCE §2.2–2.4: AAMI EQ89 strategies, TJC
-- EC.02.04.01 EP 4–6, CMS S&C 14-07-Hospital). Keep ../postgres/0012_maintenance_strategies.sql
-- in step.

-- What rules say about a model's maintenance (CMS S&C 14-07: AEM is not allowed for imaging and
-- radiologic equipment, medical lasers, or equipment whose maintenance another law or CoP ties to
-- the manufacturer's recommendations). The domain also infers imaging/laser from the category
-- text and FDA product code; these columns record an explicit designation.
ALTER TABLE device_models ADD COLUMN imaging_radiologic BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE device_models ADD COLUMN medical_laser BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE device_models ADD COLUMN other_rule_requires_oem BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE device_models ADD COLUMN other_rule_citation TEXT;

UPDATE device_models SET imaging_radiologic = TRUE
 WHERE lower(category) LIKE '%x-ray%' OR lower(category) LIKE '%radiograph%' OR lower(category) LIKE '%fluoroscop%'
    OR lower(category) LIKE '%computed tomography%' OR lower(category) LIKE '%magnetic resonance%'
    OR lower(category) LIKE '%mammograph%' OR lower(category) LIKE '%nuclear medicine%'
    OR lower(category) LIKE '%linear accelerator%' OR lower(category) LIKE '%radiation therapy%';
UPDATE device_models SET medical_laser = TRUE WHERE lower(category) LIKE '%laser%';

-- Append-only: a proposal is a new row; approval or rejection moves it once (proposed →
-- approved | rejected) and is audited (approval is signed, 21 CFR Part 11). The current strategy
-- of an asset is its newest approved asset row, else its model's newest approved row, else the
-- implicit manufacturer's recommendations.
CREATE TABLE maintenance_strategies (
    id INTEGER PRIMARY KEY,
    model_id INTEGER REFERENCES device_models (id),
    asset_id INTEGER REFERENCES assets (id),
    strategy TEXT NOT NULL CHECK (strategy IN ('manufacturer', 'aem', 'run_to_failure', 'not_in_program')),
    rationale TEXT NOT NULL,
    aem_group TEXT,
    alt_interval_months INTEGER CHECK (alt_interval_months > 0),
    alt_procedure_code TEXT,
    criteria_use_and_harm TEXT,
    criteria_failure_consequences TEXT,
    criteria_backup TEXT,
    criteria_incident_history TEXT,
    criteria_maintenance TEXT,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK ((model_id IS NULL) <> (asset_id IS NULL)),
    CHECK (strategy <> 'aem' OR (aem_group IS NOT NULL AND (alt_interval_months IS NOT NULL OR alt_procedure_code IS NOT NULL)))
);
CREATE INDEX ix_maintenance_strategies_model ON maintenance_strategies (model_id, id);
CREATE INDEX ix_maintenance_strategies_asset ON maintenance_strategies (asset_id, id);
CREATE INDEX ix_maintenance_strategies_status ON maintenance_strategies (status, id);

-- The AEM program's settings (one row): the maintenance history required before AEM (CMS
-- S&C 14-07 "new equipment without sufficient maintenance history") and when a group is flagged
-- for return to the manufacturer's recommendations. max_failures_per_100_device_years: 100 =
-- 1.00 failure per device-year.
CREATE TABLE aem_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    min_service_months INTEGER NOT NULL CHECK (min_service_months >= 0),
    min_completed_pms INTEGER NOT NULL CHECK (min_completed_pms >= 0),
    rise_pct INTEGER NOT NULL CHECK (rise_pct >= 0),
    max_failures_per_100_device_years INTEGER NOT NULL CHECK (max_failures_per_100_device_years > 0),
    baseline_months INTEGER NOT NULL CHECK (baseline_months > 0),
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT
);
INSERT INTO aem_settings (id, min_service_months, min_completed_pms, rise_pct, max_failures_per_100_device_years, baseline_months)
VALUES (1, 24, 2, 50, 100, 12);
