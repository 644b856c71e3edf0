-- Personal API tokens (issue 7 §2; REFERENCE §10, 21 CFR Part 11 §11.300 token controls): named,
-- scoped (read | write), expiring and revocable bearer secrets for scripts and integrations.
-- Only the SHA-256 of the secret is stored (it is shown once), with its first 8 characters for
-- display. A table of its own rather than columns on `sessions`: tokens have a name, a scope,
-- a last-use time and a lifetime chosen per token, and are listed and revoked one by one, while
-- sessions are anonymous logins with the server's TTL. Keep ../postgres/0025_api_tokens.sql in step.

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    token_hash TEXT NOT NULL,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE UNIQUE INDEX ux_api_tokens_token_hash ON api_tokens (token_hash);
CREATE INDEX ix_api_tokens_user ON api_tokens (user_id, id);
