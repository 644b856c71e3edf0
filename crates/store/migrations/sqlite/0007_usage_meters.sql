-- Usage meters and usage-based PM (REFERENCE §2.5). Keep ../postgres/0007_usage_meters.sql in step.
-- A schedule's usage trigger lives in pm_schedules.usage_interval / usage_unit (0003); this adds
-- the meter readings it is judged from.

CREATE TABLE meter_readings (
    id INTEGER PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets (id),
    unit TEXT NOT NULL CHECK (unit IN ('hours', 'cycles')),
    value BIGINT NOT NULL CHECK (value >= 0),
    read_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX ix_meter_readings_asset ON meter_readings (asset_id, unit, read_on, id);
