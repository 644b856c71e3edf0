-- PM schedules and the PM fields of work orders (REFERENCE §2.5). Keep ../postgres/0003_pm_schedules.sql in step.

CREATE TABLE pm_schedules (
    id INTEGER PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets (id),
    interval_months INTEGER NOT NULL CHECK (interval_months > 0),
    basis TEXT NOT NULL CHECK (basis IN ('fixed', 'floating')),
    anchor_date TEXT NOT NULL,
    grace_days INTEGER NOT NULL DEFAULT 0,
    -- Room for usage-based schedules (hours, cycles); generation by month skips them.
    usage_interval BIGINT,
    usage_unit TEXT CHECK (usage_unit IN ('hours', 'cycles')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_pm_schedules_asset ON pm_schedules (asset_id);

ALTER TABLE work_orders ADD COLUMN schedule_id INTEGER REFERENCES pm_schedules (id);
ALTER TABLE work_orders ADD COLUMN pm_period TEXT;
ALTER TABLE work_orders ADD COLUMN pm_outcome TEXT CHECK (pm_outcome IN ('done', 'unable_to_locate', 'in_use'));
ALTER TABLE work_orders ADD COLUMN window_end TEXT;
-- One scheduled PM per schedule and month, even when two generators race.
CREATE UNIQUE INDEX ux_work_orders_schedule_period ON work_orders (schedule_id, pm_period);
-- The completion report reads PMs by due date.
CREATE INDEX ix_work_orders_type_due ON work_orders (wo_type, due_date);
