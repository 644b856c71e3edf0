//! Accounts that sign in through an LDAP / Active Directory directory (issue 7 §2): which
//! authority checks an account's password (`users.auth_source`), and just-in-time provisioning of
//! directory accounts at their first login. How the directory is asked belongs to the service.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::UserId;
use htm_domain::user::{Role, User};

/// Who checks an account's password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthSource {
    /// The argon2id hash in `users.password_hash`.
    Local,
    /// The LDAP directory (simple bind); the stored hash matches no password.
    Ldap,
}

impl AuthSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthSource::Local => "local",
            AuthSource::Ldap => "ldap",
        }
    }

    pub fn parse(s: &str) -> Option<AuthSource> {
        match s {
            "local" => Some(AuthSource::Local),
            "ldap" => Some(AuthSource::Ldap),
            _ => None,
        }
    }
}

/// What the directory says about a person at login.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryUserRecord {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
}

/// The value stored as `password_hash` of directory accounts: not a PHC string, so no password
/// ever verifies against it (see `service::auth::verify_password`).
pub const DIRECTORY_PASSWORD_HASH: &str = "!ldap";

#[async_trait]
pub trait DirectoryUserStore: Send + Sync {
    /// Who checks the password of this account.
    async fn user_auth_source(&self, user: UserId) -> StoreResult<AuthSource>;

    /// Brings the account `rec.username` in line with the directory, in one transaction:
    /// creates it (active, `auth_source = 'ldap'`, a password hash no password matches; audited
    /// `create`) or updates its display name, e-mail and role when they differ (audited `update`,
    /// version + 1); writes nothing when nothing changed. An inactive account is returned as it is
    /// (never reactivated). A local account with that user name is a `Conflict`: the directory
    /// never takes over a local account.
    async fn provision_directory_user(&self, ctx: &ChangeContext, rec: &DirectoryUserRecord) -> StoreResult<User>;
}
