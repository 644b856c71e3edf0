-- Networked devices (REFERENCE §7): one network profile per asset, and the MDS2 answers that matter
-- per device model and software version. Keep ../postgres/0017_networked_devices.sql in step.

CREATE TABLE asset_network_profiles (
    asset_id INTEGER PRIMARY KEY REFERENCES assets (id),
    hostname TEXT,
    ip_addresses TEXT,
    mac_addresses TEXT,
    vlan TEXT,
    connection TEXT NOT NULL CHECK (connection IN ('wired', 'wireless', 'both', 'none')),
    os_name TEXT,
    os_version TEXT,
    software_version TEXT,
    stores_phi BOOLEAN NOT NULL DEFAULT FALSE,
    transmits_phi BOOLEAN NOT NULL DEFAULT FALSE,
    remote_access BOOLEAN NOT NULL DEFAULT FALSE,
    remote_access_method TEXT,
    cert_expires_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX ix_asset_network_profiles_cert ON asset_network_profiles (cert_expires_on, asset_id);

CREATE TABLE model_security_profiles (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES device_models (id),
    software_version TEXT NOT NULL,
    authentication TEXT NOT NULL CHECK (authentication IN ('none', 'shared', 'individual', 'unknown')),
    encryption_at_rest TEXT NOT NULL CHECK (encryption_at_rest IN ('yes', 'no', 'partial', 'na', 'unknown')),
    encryption_in_transit TEXT NOT NULL CHECK (encryption_in_transit IN ('yes', 'no', 'partial', 'na', 'unknown')),
    patching TEXT NOT NULL CHECK (patching IN ('manufacturer', 'hospital', 'either', 'none', 'unknown')),
    patching_notes TEXT,
    malware_protection TEXT NOT NULL CHECK (malware_protection IN ('yes', 'no', 'na', 'unknown')),
    remote_service TEXT NOT NULL CHECK (remote_service IN ('none', 'on_request', 'always', 'unknown')),
    os_name TEXT,
    os_version TEXT,
    os_end_of_support TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_model_security_profiles_version ON model_security_profiles (model_id, software_version);
CREATE INDEX ix_model_security_profiles_eos ON model_security_profiles (os_end_of_support, id);
