-- Service contracts (ROADMAP "Lifecycle and money"; htm_domain::contract): a vendor's contract
-- with its coverage type, dates, annual cost (integer minor units, REFERENCE §3 COSR), response
-- time, uptime guarantee (percent, REFERENCE §3 "Uptime"), notice period and the assets it covers;
-- and the "contract.expiring" notification kind (issue 6 §6). The status (upcoming / active /
-- expiring / expired) is derived from the dates on the day of reading, never stored;
-- notice_opens_on = ends_on − notice_days is kept so that lists can filter on it.
-- Notes hold no patient data (checked by htm_domain::phi).
-- Keep ../postgres/0027_service_contracts.sql in step.

CREATE TABLE service_contracts (
    id INTEGER PRIMARY KEY,
    vendor_id INTEGER NOT NULL REFERENCES vendors (id),
    contract_number TEXT NOT NULL,
    title TEXT NOT NULL,
    coverage TEXT NOT NULL CHECK (coverage IN ('full_service', 'pm_only', 'parts_only', 'labour_only', 'time_and_materials', 'software_support')),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    notice_opens_on TEXT NOT NULL,
    annual_cost_minor BIGINT NOT NULL DEFAULT 0 CHECK (annual_cost_minor >= 0),
    currency TEXT NOT NULL,
    response_time_hours INTEGER CHECK (response_time_hours > 0),
    uptime_guarantee_pct REAL CHECK (uptime_guarantee_pct >= 0 AND uptime_guarantee_pct <= 100),
    notice_days INTEGER NOT NULL DEFAULT 90 CHECK (notice_days >= 0),
    auto_renews BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE UNIQUE INDEX ux_service_contracts_vendor_number ON service_contracts (vendor_id, contract_number);
CREATE INDEX ix_service_contracts_ends ON service_contracts (ends_on, id);
CREATE INDEX ix_service_contracts_notice ON service_contracts (notice_opens_on, ends_on);

CREATE TABLE service_contract_assets (
    contract_id INTEGER NOT NULL REFERENCES service_contracts (id),
    asset_id INTEGER NOT NULL REFERENCES assets (id),
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (contract_id, asset_id)
);
CREATE INDEX ix_service_contract_assets_asset ON service_contract_assets (asset_id, contract_id);

-- notification_events.kind gains 'contract.expiring'. SQLite cannot alter a CHECK: the table is
-- rebuilt under the same name, so notification_outbox's foreign key (which names the table) keeps
-- pointing at it. Foreign keys are deferred for the rebuild: dropping the old table orphans the
-- outbox rows for a moment, and re-inserting the same ids into the new table satisfies them again
-- before the commit checks.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE notification_events_0027 (
    id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    dedupe_key TEXT,
    created_at TEXT NOT NULL
);
INSERT INTO notification_events_0027 (id, kind, entity_type, entity_id, dedupe_key, created_at)
    SELECT id, kind, entity_type, entity_id, dedupe_key, created_at FROM notification_events;
DROP TABLE notification_events;
CREATE TABLE notification_events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('work_order.assigned', 'pm.overdue', 'recall.matched', 'contract.expiring')),
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    dedupe_key TEXT,
    created_at TEXT NOT NULL
);
INSERT INTO notification_events (id, kind, entity_type, entity_id, dedupe_key, created_at)
    SELECT id, kind, entity_type, entity_id, dedupe_key, created_at FROM notification_events_0027;
DROP TABLE notification_events_0027;
CREATE UNIQUE INDEX ux_notification_events_dedupe ON notification_events (dedupe_key);
CREATE INDEX ix_notification_events_entity ON notification_events (kind, entity_id);
