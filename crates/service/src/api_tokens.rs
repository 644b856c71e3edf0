//! Personal API tokens (issue 7 §2): named, scoped (`read` | `write`), expiring, revocable bearer
//! secrets for scripts and integrations, and the bearer authentication that accepts them next to
//! login sessions.
//!
//! Rules (REFERENCE §10, 21 CFR Part 11 §11.300 password/token controls; the shapes are in
//! [`htm_domain::api_token`]):
//! - The secret (`htm_` + 64 hex digits, 256 random bits) is shown once; only its SHA-256 and
//!   first 8 characters are stored, and neither reaches the audit trail (§11.300(a) uniqueness,
//!   (c) loss management: revoke and replace).
//! - Every signed-in user may create, list and revoke their own tokens; administrators
//!   (`ManageUsers`) anyone's. A token acts with its owner's role — never more — and a `read`
//!   token only for GET/HEAD (the web edge refuses other methods with `insufficient_scope`).
//! - A token cannot mint a token wider than itself (a `read` token none at all, since creating is
//!   a POST; [`TokenScope::covers`] checks it again here).
//! - Tokens expire (1..=365 days, default 90: §11.300(b) periodic revision) and are revoked with
//!   the owner's sessions when the owner is deactivated or changes password (`update_user` in the
//!   store, one audited `revoke` per token).

use crate::auth::token_hash;
use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::api_token::{self as rules, TokenScope};
use htm_domain::ids::UserId;
use htm_store::{ApiToken, NewApiToken};
use rand::RngCore;

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub secret: String,
    pub token: ApiToken,
}

/// What a bearer value authenticated.
#[derive(Debug, Clone)]
pub struct BearerAuth {
    pub principal: Principal,
    /// `None` for a login session (full role permissions); the scope of an API token otherwise.
    pub scope: Option<TokenScope>,
    /// The API token's id, when it is one.
    pub token_id: Option<i64>,
}

impl BearerAuth {
    /// The scope the caller acts with: a session acts as `write`.
    pub fn effective_scope(&self) -> TokenScope {
        self.scope.unwrap_or(TokenScope::Write)
    }
}

/// What to create.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub name: String,
    pub scope: TokenScope,
    /// 1..=365; `None`: 90.
    pub expires_in_days: Option<i64>,
}

fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    rules::secret_from_bytes(&b)
}

impl Services {
    /// Creates a token for `owner` (the caller, or anyone for administrators). `caller_scope`
    /// is the scope the caller is authenticated with (`None`: a login session or the command
    /// line); the new token may not be wider.
    pub async fn create_api_token(
        &self,
        p: &Principal,
        caller_scope: Option<TokenScope>,
        owner: UserId,
        req: TokenRequest,
    ) -> ServiceResult<CreatedToken> {
        if owner != p.user.id {
            p.require(Action::ManageUsers)?;
        }
        if !caller_scope.unwrap_or(TokenScope::Write).covers(req.scope) {
            return Err(ServiceError::Forbidden("a read-only token cannot create a token with write scope".into()));
        }
        let name = rules::check_name(&req.name)?;
        let now = self.now();
        let expires_at = rules::expiry(now, req.expires_in_days)?;
        let user = self.store.get_user(owner).await?;
        if !user.active {
            return Err(ServiceError::invalid("user", format!("{} is deactivated", user.username)));
        }
        let secret = new_secret();
        let new = NewApiToken {
            user_id: owner,
            name,
            scope: req.scope,
            token_hash: token_hash(&secret),
            prefix: rules::display_prefix(&secret),
            expires_at,
        };
        let token = self.store.insert_api_token(&self.ctx(p, Some("API token created".into())), &new).await?;
        Ok(CreatedToken { secret, token })
    }

    /// [`Services::create_api_token`] for a user named at the command line.
    pub async fn create_api_token_for_username(
        &self,
        p: &Principal,
        username: &str,
        req: TokenRequest,
    ) -> ServiceResult<CreatedToken> {
        let owner = self.user_id_by_name(username).await?;
        self.create_api_token(p, None, owner, req).await
    }

    /// Tokens, newest first (at most 500): `Some(user)` one user's (your own, or anyone's for
    /// administrators), `None` everyone's (administrators).
    pub async fn list_api_tokens(&self, p: &Principal, user: Option<UserId>) -> ServiceResult<Vec<ApiToken>> {
        if user != Some(p.user.id) {
            p.require(Action::ManageUsers)?;
        }
        Ok(self.store.list_api_tokens(user).await?)
    }

    /// [`Services::list_api_tokens`] with the user given by name (`None`: everyone's).
    pub async fn list_api_tokens_by_username(
        &self,
        p: &Principal,
        username: Option<&str>,
    ) -> ServiceResult<Vec<ApiToken>> {
        let user = match username {
            Some(n) => Some(self.user_id_by_name(n).await?),
            None => None,
        };
        self.list_api_tokens(p, user).await
    }

    /// Revokes a token: yours, or anyone's for administrators; someone else's token is
    /// `not_found` to everyone else (its existence is not revealed). Revoking twice is harmless.
    pub async fn revoke_api_token(&self, p: &Principal, id: i64) -> ServiceResult<ApiToken> {
        let token = self.store.get_api_token(id).await?;
        if token.user_id != p.user.id && !p.can(Action::ManageUsers) {
            return Err(ServiceError::NotFound(format!("API token {id} not found")));
        }
        Ok(self.store.revoke_api_token(&self.ctx(p, Some("API token revoked".into())), id).await?)
    }

    /// Authenticates a bearer value: an API token (`htm_…`) or a login session. Revoked or
    /// expired tokens, and tokens of deactivated users, are `unauthenticated`.
    pub async fn authenticate_bearer(&self, bearer: &str) -> ServiceResult<BearerAuth> {
        if rules::looks_like_secret(bearer) {
            return match self.store.api_token_user(&token_hash(bearer), self.now()).await? {
                Some((token, user)) => {
                    Ok(BearerAuth { principal: Principal { user }, scope: Some(token.scope), token_id: Some(token.id) })
                }
                None => Err(ServiceError::Unauthenticated(
                    "the API token is not valid, has expired or was revoked; create a new one".into(),
                )),
            };
        }
        let principal = self.authenticate_session(bearer).await?;
        Ok(BearerAuth { principal, scope: None, token_id: None })
    }

    /// The principal of a login session only (the web UI's cookie: API tokens are not accepted
    /// there, so a read-only token cannot drive the UI's forms).
    pub async fn authenticate_session(&self, token: &str) -> ServiceResult<Principal> {
        match self.store.get_session_user(&token_hash(token), self.now()).await? {
            Some(user) => Ok(Principal { user }),
            None => Err(ServiceError::Unauthenticated("the session has expired or is not valid; log in again".into())),
        }
    }

    async fn user_id_by_name(&self, username: &str) -> ServiceResult<UserId> {
        match self.store.get_user_credentials(username.trim()).await? {
            Some((u, _)) => Ok(u.id),
            None => Err(ServiceError::NotFound(format!("user {} not found", username.trim()))),
        }
    }
}
