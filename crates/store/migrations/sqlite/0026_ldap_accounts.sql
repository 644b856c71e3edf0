-- Optional LDAP / Active Directory login (issue 7 §2): who checks an account's password.
-- 'local': the argon2id hash in password_hash; 'ldap': the directory (simple bind), and
-- password_hash holds a value no password matches. Existing accounts stay local.
-- Keep ../postgres/0026_ldap_accounts.sql in step.
ALTER TABLE users ADD COLUMN auth_source TEXT NOT NULL DEFAULT 'local' CHECK (auth_source IN ('local', 'ldap'));
