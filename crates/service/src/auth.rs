//! Logging in and out, and turning a bearer token or session cookie back into a [`Principal`].
//! Passwords are hashed with argon2id; tokens are 256 random bits, stored only as SHA-256.

use crate::{Principal, ServiceError, ServiceResult, Services};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use htm_domain::user::User;
use jiff::Timestamp;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// What a successful login returns.
#[derive(Debug, Clone)]
pub struct LoginGrant {
    pub token: String,
    pub expires_at: Timestamp,
    pub user: User,
}

/// Hashes a password with argon2id (slow by design: call from a blocking thread).
pub fn hash_password(password: &str) -> ServiceResult<String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| ServiceError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

pub async fn hash_password_async(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A random password for a new administrator: 20 characters from a base64url alphabet.
pub fn random_password() -> String {
    let mut b = [0u8; 15];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A hash that no password matches, used to spend the same time on unknown users.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6yWq0bqjW7xyr6nJ0Ie3YkqHPKfJ0g7ctE0qjJrG5kM";

impl Services {
    /// Checks a user name and password and opens a session of `kind` (`api` or `web`).
    ///
    /// Attempts are monitored (21 CFR Part 11 §11.300(d); NIST SP 800-63B-4 §3.2.2): after
    /// `lockout_threshold` consecutive wrong passwords the account is locked for
    /// `lockout_duration` (an audited `lock` event); while locked every login is refused with
    /// `TooManyAttempts`, even with the right password. A successful login restarts the count.
    pub async fn login(&self, username: &str, password: &str, kind: &str) -> ServiceResult<LoginGrant> {
        let creds = self.store.get_user_credentials(username).await?;
        let now = self.now();
        if let Some((u, _)) = &creds
            && let Some(until) = self.store.login_lock(u.id).await?.locked_until
            && until > now
        {
            tracing::warn!(user = %u.username, %until, "login refused: the account is locked");
            return Err(ServiceError::TooManyAttempts(format!(
                "too many failed logins: the account is locked until {until} (or until an administrator unlocks it)"
            )));
        }
        if let Some(grant) = self.directory_login(creds.as_ref().map(|(u, _)| u), username, password, kind).await? {
            return Ok(grant);
        }
        let password = password.to_string();
        let (user, hash) = match creds {
            Some((u, h)) => (Some(u), h),
            None => (None, DUMMY_HASH.to_string()),
        };
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let user = match user {
            Some(u) if ok && u.active => u,
            Some(u) if !ok && self.settings.lockout_threshold > 0 => {
                let until = now.checked_add(self.settings.lockout_duration).unwrap_or(now);
                let ctx = htm_store::ChangeContext {
                    actor_id: None,
                    actor: "system".into(),
                    at: now,
                    reason: Some(format!(
                        "{} consecutive failed logins lock the account for {}",
                        self.settings.lockout_threshold, self.settings.lockout_duration
                    )),
                };
                let after = self.store.record_failed_login(&ctx, u.id, self.settings.lockout_threshold, until).await?;
                tracing::warn!(user = %u.username, failed = after.failed_logins, locked = after.locked_until.is_some(), "failed login");
                return Err(ServiceError::Unauthenticated("wrong user name or password".into()));
            }
            _ => return Err(ServiceError::Unauthenticated("wrong user name or password".into())),
        };
        self.store.record_successful_login(user.id).await?;
        let token = new_token();
        let expires_at = now.checked_add(self.settings.session_ttl).unwrap_or(now);
        self.store.insert_session(user.id, &token_hash(&token), kind, now, expires_at).await?;
        Ok(LoginGrant { token, expires_at, user })
    }

    /// Lifts an account's login lock before it runs out (administrators only; audited).
    pub async fn unlock_user(&self, p: &Principal, id: htm_domain::ids::UserId) -> ServiceResult<htm_store::LoginLock> {
        p.require(crate::permissions::Action::ManageUsers)?;
        Ok(self.store.unlock_user(&self.ctx(p, Some("account unlocked by an administrator".into())), id).await?)
    }

    /// The principal a bearer token belongs to, if the session or API token is live (an API
    /// token's scope is not returned here: see [`Services::authenticate_bearer`]).
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Principal> {
        Ok(self.authenticate_bearer(token).await?.principal)
    }

    /// Checks the password a person re-enters to sign a record (21 CFR Part 11 §11.200: the
    /// session identifies the signer, the password is the second component, asked at every
    /// signing). A missing password is `signature_required`; a wrong one `signature_invalid`,
    /// and the failed attempt is logged (§11.300(d)).
    pub async fn check_signing_password(&self, p: &Principal, password: Option<&str>) -> ServiceResult<()> {
        let Some(password) = password.filter(|s| !s.is_empty()) else {
            return Err(ServiceError::SignatureRequired(
                "this is an electronic signature: re-enter your password to sign".into(),
            ));
        };
        let creds = self.store.get_user_credentials(&p.user.username).await?;
        let Some((user, hash)) = creds.filter(|(u, _)| u.id == p.user.id && u.active) else {
            return Err(ServiceError::SignatureInvalid(format!("{} cannot sign", p.user.username)));
        };
        // directory accounts sign with their directory password (see `ldap`)
        let ok = match self.directory_password_matches(&user, password).await? {
            Some(ok) => ok,
            None => {
                let password = password.to_string();
                tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                    .await
                    .map_err(|e| ServiceError::Internal(e.to_string()))?
            }
        };
        if !ok {
            tracing::warn!(user = %user.username, "electronic signature refused: wrong password");
            return Err(ServiceError::SignatureInvalid(
                "the password is not yours: the record was not signed or changed".into(),
            ));
        }
        Ok(())
    }

    pub async fn logout(&self, token: &str) -> ServiceResult<()> {
        self.store.revoke_session(&token_hash(token), self.now()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let h = hash_password("Correct-Horse-7").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Correct-Horse-7", &h));
        assert!(!verify_password("correct-horse-7", &h));
        assert!(!verify_password("anything", DUMMY_HASH));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
