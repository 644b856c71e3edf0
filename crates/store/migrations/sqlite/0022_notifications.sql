-- Notifications (issue 6 §6): what happened (notification_events, one row per event, with a
-- dedupe key so that a PM is reported overdue once), the outbox of messages to deliver (e-mail
-- and webhook, written by the use case that made the change), every delivery attempt (the
-- delivery log), and webhook subscriptions. Keep ../postgres/0022_notifications.sql in step.

CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    -- Comma-separated event names (work_order.assigned, pm.overdue, recall.matched).
    events TEXT NOT NULL,
    -- Kept in clear: it keys the HMAC of every delivery (shown once at creation).
    secret TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE notification_events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('work_order.assigned', 'pm.overdue', 'recall.matched')),
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    dedupe_key TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_notification_events_dedupe ON notification_events (dedupe_key);
CREATE INDEX ix_notification_events_entity ON notification_events (kind, entity_id);

CREATE TABLE notification_outbox (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES notification_events (id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    -- An e-mail address or a webhook URL.
    recipient TEXT NOT NULL,
    subscription_id INTEGER REFERENCES webhook_subscriptions (id),
    subject TEXT,
    -- The e-mail's plain text, or the webhook's JSON payload.
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX ix_notification_outbox_due ON notification_outbox (status, next_attempt_at);
CREATE INDEX ix_notification_outbox_event ON notification_outbox (event_id);

CREATE TABLE notification_attempts (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES notification_outbox (id),
    attempted_at TEXT NOT NULL,
    ok BOOLEAN NOT NULL,
    -- The HTTP status of a webhook delivery, when one came back.
    http_status INTEGER,
    error TEXT
);
CREATE INDEX ix_notification_attempts_outbox ON notification_attempts (outbox_id, id);
