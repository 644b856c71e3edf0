-- Indexes for PM generation and the PM completion report at 1,000,000 assets / 10,000,000 work
-- orders (BENCHMARKS.md). Keep ../sqlite and ../postgres in step.

-- The completion report reads every PM due in a month: covering, so no table row is visited.
CREATE INDEX ix_work_orders_pm_report ON work_orders (wo_type, due_date, status, pm_outcome, window_end, completed_at, asset_id);
-- PM generation of floating schedules: last completion, this month's PM and open PMs per schedule.
CREATE INDEX ix_work_orders_schedule_pm ON work_orders (schedule_id, status, pm_outcome, completed_at, pm_period) WHERE schedule_id IS NOT NULL;
