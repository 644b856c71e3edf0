-- Electrical-safety limits as versioned reference data (REFERENCE §1.3, §1.5).
-- Generated from docs/reference/esa_limits_v1.csv; keep ../postgres/0002_esa_limits.sql in step.
-- A correction is a new version of a set (a new esa_limit_sets row with its own esa_limits rows),
-- never an UPDATE: stored results refer to the limit row they were judged against.

CREATE TABLE esa_limit_sets (
    id INTEGER PRIMARY KEY,
    standard TEXT NOT NULL CHECK (standard IN ('iec62353', 'nfpa99')),
    edition TEXT NOT NULL,
    version BIGINT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_esa_limit_sets_standard_version ON esa_limit_sets (standard, version);

CREATE TABLE esa_limits (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES esa_limit_sets (id),
    test TEXT NOT NULL CHECK (test IN ('protective_earth_resistance', 'equipment_leakage', 'applied_part_leakage', 'touch_current', 'patient_leakage', 'insulation_resistance')),
    configuration TEXT NOT NULL,
    protection_classes TEXT NOT NULL,
    applied_parts TEXT NOT NULL,
    test_condition TEXT NOT NULL CHECK (test_condition IN ('NC', 'SFC')),
    method TEXT NOT NULL,
    limit_value DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    comparator TEXT NOT NULL CHECK (comparator IN ('<=', '<', '>=')),
    source TEXT NOT NULL
);
CREATE INDEX ix_esa_limits_set ON esa_limits (set_id);

INSERT INTO esa_limit_sets (id, standard, edition, version, note, created_at) VALUES
    (1, 'iec62353', 'IEC 62353:2014', 1, 'shipped with OpenHTM', '2026-11-21T00:00:00Z'),
    (2, 'nfpa99', 'NFPA 99-2012', 1, 'shipped with OpenHTM', '2026-11-21T00:00:00Z');
INSERT INTO esa_limits (id, set_id, test, configuration, protection_classes, applied_parts, test_condition, method, limit_value, unit, comparator, source) VALUES
    (1, 1, 'protective_earth_resistance', 'non-detachable power cord: mains plug PE pin to protectively earthed accessible part', 'I', 'any', 'NC', 'DC >= 200 mA into 500 mOhm, or AC', 300, 'mOhm', '<=', 'IEC 62353:2014 5.3.2 (REFERENCE §1.3)'),
    (2, 1, 'protective_earth_resistance', 'detachable power cord: appliance-inlet PE pin to accessible part (equipment alone)', 'I', 'any', 'NC', 'DC >= 200 mA into 500 mOhm, or AC', 200, 'mOhm', '<=', 'IEC 62353:2014 5.3.2 (REFERENCE §1.3)'),
    (3, 1, 'protective_earth_resistance', 'detachable power cord alone, end to end', 'I', 'any', 'NC', 'DC >= 200 mA into 500 mOhm, or AC', 100, 'mOhm', '<=', 'IEC 62353:2014 5.3.2 (REFERENCE §1.3)'),
    (4, 1, 'protective_earth_resistance', 'detachable power cord and equipment measured together', 'I', 'any', 'NC', 'DC >= 200 mA into 500 mOhm, or AC', 300, 'mOhm', '<=', 'IEC 62353:2014 5.3.2 (REFERENCE §1.3)'),
    (5, 1, 'protective_earth_resistance', 'ME system supplied through a multiple socket-outlet', 'I', 'any', 'NC', 'DC >= 200 mA into 500 mOhm, or AC', 500, 'mOhm', '<=', 'IEC 62353:2014 (REFERENCE §1.3; confirm against the licensed standard)'),
    (6, 1, 'equipment_leakage', 'mains parts shorted; test voltage between mains part and PE, accessible parts and applied parts', 'I', 'any', 'NC', 'alternative', 1000, 'uA', '<=', 'IEC 62353:2014 Table 2 (REFERENCE §1.3)'),
    (7, 1, 'equipment_leakage', 'mains parts shorted; test voltage between mains part and accessible parts and applied parts', 'II', 'any', 'NC', 'alternative', 500, 'uA', '<=', 'IEC 62353:2014 Table 2 (REFERENCE §1.3)'),
    (8, 1, 'equipment_leakage', 'equipment powered at mains voltage', 'I', 'any', 'NC', 'direct or differential', 500, 'uA', '<=', 'IEC 62353:2014 Table 2 (REFERENCE §1.3)'),
    (9, 1, 'equipment_leakage', 'equipment powered at mains voltage', 'II', 'any', 'NC', 'direct or differential', 100, 'uA', '<=', 'IEC 62353:2014 Table 2 (REFERENCE §1.3)'),
    (10, 1, 'applied_part_leakage', 'mains voltage applied to the F-type applied part', 'I|II|internal', 'BF', 'NC', 'alternative or direct', 5000, 'uA', '<=', 'IEC 62353:2014 Table 2 (REFERENCE §1.3); type B applied parts have no separate limit (covered by equipment leakage)'),
    (11, 1, 'applied_part_leakage', 'mains voltage applied to the F-type applied part', 'I|II|internal', 'CF', 'NC', 'alternative or direct', 50, 'uA', '<=', 'IEC 62353:2014 Table 2 (REFERENCE §1.3)'),
    (12, 1, 'insulation_resistance', 'mains part to protective earth', 'I', 'any', 'NC', '500 V DC', 2, 'MOhm', '>=', 'IEC 62353:2014 (VDE 0751-1 tester default; optional test) (REFERENCE §1.3)'),
    (13, 1, 'insulation_resistance', 'mains part to enclosure', 'II', 'any', 'NC', '500 V DC', 7, 'MOhm', '>=', 'IEC 62353:2014 (VDE 0751-1 tester default; optional test) (REFERENCE §1.3)'),
    (14, 1, 'insulation_resistance', 'mains part to applied parts', 'I|II', 'BF|CF', 'NC', '500 V DC', 70, 'MOhm', '>=', 'IEC 62353:2014 (VDE 0751-1 tester default; optional test) (REFERENCE §1.3)'),
    (15, 2, 'protective_earth_resistance', 'chassis or exposed conductive surface to the plug''s ground pin, cord flexed at plug and strain relief', 'I', 'any', 'NC', 'ohmmeter', 500, 'mOhm', '<', 'NFPA 99-2012 10.3.3 (REFERENCE §1.3): must be less than 0.50 ohm'),
    (16, 2, 'touch_current', 'cord-connected equipment, ground wire intact', 'I|II', 'any', 'NC', 'ground intact', 100, 'uA', '<=', 'NFPA 99-2012 10.3.5 (REFERENCE §1.3)'),
    (17, 2, 'touch_current', 'cord-connected equipment, ground wire disconnected', 'I|II', 'any', 'SFC', 'ground open', 500, 'uA', '<=', 'NFPA 99-2012 10.3.5 (REFERENCE §1.3)');
