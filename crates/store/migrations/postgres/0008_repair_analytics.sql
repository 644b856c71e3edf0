-- Repair analytics (REFERENCE §3, §9.3), PostgreSQL. Keep ../sqlite/0008_repair_analytics.sql in step.
-- labour_rate_minor: the site's in-house labour rate per hour, in minor currency units (8500 =
-- 85.00 per hour), used to cost recorded labour minutes. battery_counts_as_failure: whether a
-- repair coded BATT (REFERENCE §9.3 "configurable", counts_as_failure NULL) counts as a device
-- failure for MTBF; by default it does not.
ALTER TABLE sites ADD COLUMN labour_rate_minor BIGINT NOT NULL DEFAULT 8500 CHECK (labour_rate_minor >= 0);
ALTER TABLE sites ADD COLUMN battery_counts_as_failure BOOLEAN NOT NULL DEFAULT FALSE;

-- The report reads repairs by type and opening time, and repairs still open or completed
-- recently by type and completion time (set-based, no per-row round trips).
CREATE INDEX ix_work_orders_type_opened ON work_orders (wo_type, opened_at);
CREATE INDEX ix_work_orders_type_completed ON work_orders (wo_type, completed_at, opened_at);
-- The repeat-repair look-up of one work order: earlier repairs of the same asset.
CREATE INDEX ix_work_orders_asset_type_opened ON work_orders (asset_id, wo_type, opened_at);
