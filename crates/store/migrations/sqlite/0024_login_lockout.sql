-- Login throttling and lockout (21 CFR Part 11 §11.300(d) attempt monitoring; NIST SP 800-63B-4
-- §3.2.2 rate limiting): consecutive failed logins per account and, after too many, the instant
-- until which the account refuses every password. Keep ../postgres/0024_login_lockout.sql in step.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT;
