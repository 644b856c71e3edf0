-- Recalls and hazard alerts and their matches to assets (REFERENCE §6). One table holds both
-- openFDA records (keyed by the FDA recall number, `Z-0359-2013`) and hand-entered alerts
-- (`ALERT-YYYY-NNNN`). Lists (product codes, 510(k) numbers) are JSON text. Matching starts from
-- device models (by manufacturer, product code, model number) and the assets' UDI-DI index.
-- A match names a recall and an asset, its confidence (0–100) and reasons (JSON text), and an
-- engineer's decision; a confirmed match names its recall-action work order.
-- Keep ../postgres/0016_recalls.sql in step.

CREATE TABLE alert_counters (
    year BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE recalls (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('openfda', 'manual')),
    event_number TEXT,
    recall_class TEXT CHECK (recall_class IN ('I', 'II', 'III')),
    device_class TEXT,
    fda_status TEXT,
    recalling_firm TEXT,
    product_codes TEXT NOT NULL,
    k_numbers TEXT NOT NULL,
    device_name TEXT,
    product_description TEXT,
    code_info TEXT,
    reason TEXT,
    root_cause TEXT,
    action TEXT,
    initiated_on TEXT,
    posted_on TEXT,
    terminated_on TEXT,
    closed_at TEXT,
    closed_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX ux_recalls_number ON recalls (number);
CREATE INDEX ix_recalls_open ON recalls (closed_at, id);
CREATE INDEX ix_recalls_class ON recalls (recall_class, id);

CREATE TABLE recall_matches (
    id INTEGER PRIMARY KEY,
    recall_id INTEGER NOT NULL REFERENCES recalls (id),
    asset_id INTEGER NOT NULL REFERENCES assets (id),
    confidence INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
    reasons TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('candidate', 'confirmed', 'rejected', 'not_affected')),
    decided_by TEXT,
    decided_at TEXT,
    note TEXT,
    work_order_id INTEGER REFERENCES work_orders (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX ux_recall_matches_recall_asset ON recall_matches (recall_id, asset_id);
CREATE INDEX ix_recall_matches_asset ON recall_matches (asset_id);
CREATE INDEX ix_recall_matches_status ON recall_matches (status, recall_id);
CREATE INDEX ix_recall_matches_work_order ON recall_matches (work_order_id);
