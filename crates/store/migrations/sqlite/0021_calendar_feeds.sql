-- Calendar feeds (issue 6 §5): a secret URL per technician or department serving its scheduled
-- PMs as iCalendar (RFC 5545). Only the SHA-256 of the secret is stored (it is shown once);
-- a revoked feed answers 404. Keep ../postgres/0021_calendar_feeds.sql in step.

CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('technician', 'department')),
    user_id INTEGER REFERENCES users (id),
    department_id INTEGER REFERENCES departments (id),
    label TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_id INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    CHECK ((scope = 'technician' AND user_id IS NOT NULL AND department_id IS NULL)
        OR (scope = 'department' AND department_id IS NOT NULL AND user_id IS NULL))
);
CREATE UNIQUE INDEX ux_calendar_feeds_secret_hash ON calendar_feeds (secret_hash);
CREATE INDEX ix_calendar_feeds_user ON calendar_feeds (user_id, id);
CREATE INDEX ix_calendar_feeds_department ON calendar_feeds (department_id, id);
