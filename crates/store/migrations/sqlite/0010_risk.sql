-- Risk assessments (Fennigkoh & Smith, REFERENCE §2.1) of device models and, overriding them,
-- of single assets. Append-only: the newest row of a model or asset is its assessment; the older
-- rows are the record of who decided what, when and why. Keep ../postgres/0010_risk.sql in step.

CREATE TABLE risk_assessments (
    id INTEGER PRIMARY KEY,
    model_id INTEGER REFERENCES device_models (id),
    asset_id INTEGER REFERENCES assets (id),
    fs_function INTEGER NOT NULL CHECK (fs_function BETWEEN 2 AND 10),
    physical_risk INTEGER NOT NULL CHECK (physical_risk BETWEEN 1 AND 5),
    maintenance INTEGER NOT NULL CHECK (maintenance BETWEEN 1 AND 5),
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    CHECK ((model_id IS NULL) <> (asset_id IS NULL))
);
CREATE INDEX ix_risk_assessments_model ON risk_assessments (model_id, id);
CREATE INDEX ix_risk_assessments_asset ON risk_assessments (asset_id, id);
