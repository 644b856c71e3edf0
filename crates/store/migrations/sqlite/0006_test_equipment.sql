-- Test equipment certificates and the calibration snapshot of each use (REFERENCE §1.5, §9.4).
-- Keep ../postgres/0006_test_equipment.sql in step.

-- The last calibration of a test instrument and its certificate (number or reference).
ALTER TABLE assets ADD COLUMN calibrated_on TEXT;
ALTER TABLE assets ADD COLUMN calibration_certificate TEXT;

-- The instrument's calibration due date at the time it was used on the PM: a later
-- recalibration does not rewrite what the record showed when it was signed.
ALTER TABLE wo_test_equipment ADD COLUMN calibration_due TEXT;
