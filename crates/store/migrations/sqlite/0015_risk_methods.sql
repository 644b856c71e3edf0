-- Weighted risk methods (the hospital's own risk criteria, AAMI EQ56; REFERENCE §2.1-2.2), their
-- assessments, and the record of every high-risk / life-support designation (TJC EC.02.04.01 EP 3).
-- All three tables are append-only: an edited method is a new version (same key, version + 1);
-- an assessment keeps the method version it was scored with, so a historic score reproduces.
-- Keep ../postgres/0015_risk_methods.sql in step.

CREATE TABLE risk_methods (
    id INTEGER PRIMARY KEY,
    method_key TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    name TEXT NOT NULL,
    description TEXT,
    -- The criteria as canonical JSON: [{key, label, weight, min, max, levels: [{score, description}], computed}].
    criteria TEXT NOT NULL,
    inclusion_threshold INTEGER NOT NULL CHECK (inclusion_threshold BETWEEN 0 AND 100),
    quarterly_from INTEGER NOT NULL CHECK (quarterly_from BETWEEN 0 AND 101),
    semiannual_from INTEGER NOT NULL CHECK (semiannual_from BETWEEN 0 AND 101),
    annual_from INTEGER NOT NULL CHECK (annual_from BETWEEN 0 AND 101),
    life_support_forces_high_risk BOOLEAN NOT NULL CHECK (life_support_forces_high_risk),
    is_default BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_risk_methods_key_version ON risk_methods (method_key, version);

CREATE TABLE weighted_risk_assessments (
    id INTEGER PRIMARY KEY,
    method_id INTEGER NOT NULL REFERENCES risk_methods (id),
    model_id INTEGER REFERENCES device_models (id),
    asset_id INTEGER REFERENCES assets (id),
    -- The scores given, as canonical JSON {criterion key: score}; computed criteria are absent.
    scores TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    CHECK ((model_id IS NULL) <> (asset_id IS NULL))
);
CREATE INDEX ix_weighted_risk_model ON weighted_risk_assessments (model_id, id);
CREATE INDEX ix_weighted_risk_asset ON weighted_risk_assessments (asset_id, id);

CREATE TABLE risk_designations (
    id INTEGER PRIMARY KEY,
    model_id INTEGER REFERENCES device_models (id),
    asset_id INTEGER REFERENCES assets (id),
    designation TEXT NOT NULL CHECK (designation IN ('high_risk', 'life_support')),
    -- The value set: for a model its flag; for an asset its override (NULL: cleared, the asset
    -- inherits its model's flag again).
    designated BOOLEAN,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    -- The Fennigkoh-Smith assessment in force when it was decided (asset's own, else its model's).
    risk_assessment_id INTEGER REFERENCES risk_assessments (id),
    CHECK ((model_id IS NULL) <> (asset_id IS NULL))
);
CREATE INDEX ix_risk_designations_model ON risk_designations (model_id, id);
CREATE INDEX ix_risk_designations_asset ON risk_designations (asset_id, id);

-- The default weighted method, shipped as a starting point: the hospital's risk criteria are its
-- own (AAMI EQ56), so review it and publish your own version before relying on it. Score =
-- 100 x sum(weight x (score - min)) / sum(weight x (max - min)); the thresholds mirror the
-- Fennigkoh-Smith ones on the same 0-100 scale (EM 12, 15, 18 of 2-22 -> 50, 65, 80).
INSERT INTO risk_methods (method_key, version, name, description, criteria, inclusion_threshold, quarterly_from,
    semiannual_from, annual_from, life_support_forces_high_risk, is_default, reason, created_by, created_at) VALUES
    ('default-weighted', 1, 'Default weighted risk method (to be reviewed)',
     'Shipped with OpenHTM as a default to be reviewed by the hospital: five criteria scored 1-5 with weights summing to 100.',
     '[{"key":"clinical_function","label":"Clinical function","weight":30,"min":1,"max":5,"computed":null,"levels":[{"score":1,"description":"Non-patient (computers, lab accessories, other)"},{"score":2,"description":"Patient-related, analytical laboratory"},{"score":3,"description":"Diagnostic and physiological monitoring (non-critical)"},{"score":4,"description":"Therapeutic, surgical and intensive-care monitoring"},{"score":5,"description":"Life support or life-sustaining therapy"}]},{"key":"physical_risk","label":"Physical risk on failure","weight":25,"min":1,"max":5,"computed":null,"levels":[{"score":1,"description":"No significant risk"},{"score":2,"description":"Equipment damage or delayed care"},{"score":3,"description":"Inappropriate therapy or misdiagnosis"},{"score":4,"description":"Patient or operator injury"},{"score":5,"description":"Patient death"}]},{"key":"maintenance_requirements","label":"Maintenance requirements","weight":15,"min":1,"max":5,"computed":null,"levels":[{"score":1,"description":"Minimal (visual check)"},{"score":2,"description":"Below average"},{"score":3,"description":"Average (performance verification and safety test)"},{"score":4,"description":"Above average"},{"score":5,"description":"Extensive (calibration, periodic part replacement)"}]},{"key":"incident_history","label":"Incident history (computed from repairs)","weight":15,"min":1,"max":5,"computed":"incident_history","levels":[{"score":1,"description":"No failure in the last 18 months"},{"score":2,"description":"About one failure every 12-18 months"},{"score":3,"description":"About one failure every 9-12 months (or under 6 months of history)"},{"score":4,"description":"About one failure every 6-9 months"},{"score":5,"description":"More than one failure every 6 months"}]},{"key":"utilisation_backup","label":"Utilisation and backup availability","weight":15,"min":1,"max":5,"computed":null,"levels":[{"score":1,"description":"Occasional use, backup readily available"},{"score":2,"description":"Regular use, backup available"},{"score":3,"description":"Daily use, limited backup"},{"score":4,"description":"Continuous use, backup hard to obtain"},{"score":5,"description":"Continuous use, no backup"}]}]', 50, 80, 65, 50, TRUE, TRUE, 'shipped default, to be reviewed', 'system', '2026-11-21T00:00:00Z');
