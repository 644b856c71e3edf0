-- Issue 5, finishing: (1) a device model's 510(k) number (`K` + 6 digits, REFERENCE §5.6 / §6.2
-- `k_numbers`), used by recall matching; (2) a vulnerability finding that no longer matches is
-- `resolved` (kept, never deleted; a later match reopens it), so the status CHECK gains
-- 'resolved'. Keep ../sqlite/0019_recall_scale_510k.sql in step.

ALTER TABLE device_models ADD COLUMN fda_510k TEXT;
CREATE INDEX ix_device_models_510k ON device_models (fda_510k);

ALTER TABLE vulnerability_findings DROP CONSTRAINT vulnerability_findings_status_check;
ALTER TABLE vulnerability_findings ADD CONSTRAINT vulnerability_findings_status_check
    CHECK (status IN ('open', 'mitigated', 'accepted', 'false_positive', 'resolved'));
