-- OpenHTM foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- same tables, columns, nullability and index names (a test compares them).
-- Timestamps are UTC instants (RFC 3339 text), dates civil dates (YYYY-MM-DD), money integer
-- minor units, enums text codes with CHECK constraints.

CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_sites_code ON sites (lower(code));

CREATE TABLE buildings (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_buildings_site_code ON buildings (site_id, lower(code));

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings (id),
    cost_center TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_departments_cost_center ON departments (lower(cost_center));
CREATE INDEX ix_departments_building ON departments (building_id);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    name TEXT NOT NULL,
    floor TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_locations_department_name ON locations (department_id, lower(name));

CREATE TABLE manufacturers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_manufacturers_name ON manufacturers (lower(name));

CREATE TABLE vendors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_vendors_name ON vendors (lower(name));

CREATE TABLE device_models (
    id INTEGER PRIMARY KEY,
    manufacturer_id INTEGER NOT NULL REFERENCES manufacturers (id),
    model_number TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    nomenclature_system TEXT CHECK (nomenclature_system IN ('umdns', 'gmdn')),
    nomenclature_code TEXT,
    fda_product_code TEXT,
    fda_class TEXT CHECK (fda_class IN ('1', '2', '3', 'U')),
    expected_life_years INTEGER,
    high_risk BOOLEAN NOT NULL DEFAULT FALSE,
    life_support BOOLEAN NOT NULL DEFAULT FALSE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_device_models_mfr_number ON device_models (manufacturer_id, lower(model_number));
CREATE INDEX ix_device_models_product_code ON device_models (fda_product_code);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'engineer', 'technician', 'requester', 'auditor', 'vendor')),
    email TEXT,
    vendor_id INTEGER REFERENCES vendors (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_users_username ON users (username);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('api', 'web')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX ux_sessions_token_hash ON sessions (token_hash);
CREATE INDEX ix_sessions_user ON sessions (user_id);

CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    asset_tag TEXT NOT NULL,
    serial_number TEXT,
    model_id INTEGER NOT NULL REFERENCES device_models (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    location_id INTEGER REFERENCES locations (id),
    status TEXT NOT NULL CHECK (status IN ('ordered', 'pending_inspection', 'in_service', 'out_of_service', 'loaned', 'missing', 'retired', 'disposed')),
    acquisition_date TEXT,
    acquisition_cost_minor BIGINT,
    currency TEXT NOT NULL DEFAULT 'USD',
    vendor_id INTEGER REFERENCES vendors (id),
    purchase_order TEXT,
    in_service_date TEXT,
    warranty_end TEXT,
    udi_di TEXT,
    udi_lot TEXT,
    udi_serial TEXT,
    udi_manufactured TEXT,
    udi_expiry TEXT,
    udi_raw TEXT,
    high_risk_override BOOLEAN,
    life_support_override BOOLEAN,
    notes TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_assets_tag ON assets (lower(asset_tag));
CREATE INDEX ix_assets_serial ON assets (lower(serial_number));
CREATE INDEX ix_assets_model ON assets (model_id, id);
CREATE INDEX ix_assets_department ON assets (department_id, id);
CREATE INDEX ix_assets_location ON assets (location_id, id);
CREATE INDEX ix_assets_status ON assets (status, id);
CREATE INDEX ix_assets_udi_di ON assets (udi_di);

CREATE TABLE cause_codes (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    counts_as_failure BOOLEAN
);

-- Reference data: cause codes (REFERENCE §9.3). Must equal htm_domain::work_order::DEFAULT_CAUSE_CODES.
INSERT INTO cause_codes (code, label, counts_as_failure) VALUES
    ('EF', 'Evident failure', TRUE),
    ('HF', 'Hidden failure (found by test or inspection)', TRUE),
    ('PF', 'Potential failure (degradation found before failure)', FALSE),
    ('PPF', 'Predictable and preventable failure', TRUE),
    ('UPF', 'Unpreventable / random failure', TRUE),
    ('SIF', 'Service-induced failure', TRUE),
    ('USE', 'Use / user error', FALSE),
    ('ABU', 'Abuse / physical damage / fluid ingress', FALSE),
    ('ACC', 'Accessory / consumable failure', FALSE),
    ('BATT', 'Battery failure / discharged', NULL),
    ('NET', 'Network / interface / IT infrastructure', FALSE),
    ('SW', 'Software defect / configuration', TRUE),
    ('ENV', 'Environmental (power, temperature, water, gas)', FALSE),
    ('NPF', 'No problem found / could not duplicate', FALSE),
    ('WEAR', 'Normal wear and tear', TRUE);

CREATE TABLE wo_counters (
    year BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE work_orders (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL,
    wo_type TEXT NOT NULL CHECK (wo_type IN ('pm', 'repair', 'incoming_inspection', 'recall_action', 'installation', 'software_update', 'user_support', 'retirement')),
    priority TEXT NOT NULL CHECK (priority IN ('emergency', 'high', 'normal', 'low')),
    status TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'in_progress', 'on_hold', 'completed', 'closed', 'cancelled')),
    hold_reason TEXT CHECK (hold_reason IN ('parts', 'vendor', 'clinical_access')),
    asset_id INTEGER REFERENCES assets (id),
    requester_id INTEGER REFERENCES users (id),
    requester_contact TEXT,
    problem TEXT NOT NULL,
    assigned_to INTEGER REFERENCES users (id),
    vendor_id INTEGER REFERENCES vendors (id),
    cause_code TEXT REFERENCES cause_codes (code),
    work_performed TEXT,
    result TEXT CHECK (result IN ('pass', 'fail', 'na')),
    downtime_start TEXT,
    downtime_end TEXT,
    due_date TEXT,
    opened_at TEXT NOT NULL,
    assigned_at TEXT,
    started_at TEXT,
    completed_at TEXT,
    closed_at TEXT,
    took_out_of_service BOOLEAN NOT NULL DEFAULT FALSE,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_work_orders_number ON work_orders (number);
CREATE INDEX ix_work_orders_asset ON work_orders (asset_id, id);
CREATE INDEX ix_work_orders_status ON work_orders (status, id);
CREATE INDEX ix_work_orders_assigned ON work_orders (assigned_to, id);
CREATE INDEX ix_work_orders_requester ON work_orders (requester_id, id);
CREATE INDEX ix_work_orders_vendor ON work_orders (vendor_id, id);

CREATE TABLE wo_labour (
    id INTEGER PRIMARY KEY,
    work_order_id INTEGER NOT NULL REFERENCES work_orders (id),
    technician_id INTEGER NOT NULL REFERENCES users (id),
    work_date TEXT NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    note TEXT
);
CREATE INDEX ix_wo_labour_work_order ON wo_labour (work_order_id);

CREATE TABLE wo_parts (
    id INTEGER PRIMARY KEY,
    work_order_id INTEGER NOT NULL REFERENCES work_orders (id),
    part_number TEXT NOT NULL,
    description TEXT,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_cost_minor BIGINT
);
CREATE INDEX ix_wo_parts_work_order ON wo_parts (work_order_id);

-- The record: an append-only, hash-chained log. `audit_head` holds the last event's sequence
-- and hash; appending updates it in the same transaction, which also serialises appends.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX ix_audit_events_entity ON audit_events (entity_type, entity_id, seq);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
