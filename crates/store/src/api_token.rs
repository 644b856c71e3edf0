//! Personal API tokens (issue 7 §2): named, scoped, expiring and revocable bearer secrets. The
//! store keeps only the SHA-256 of each secret and its first characters for display; neither the
//! secret nor its hash ever reaches the audit trail (REFERENCE §10, Part 11 §11.300).

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::api_token::TokenScope;
use htm_domain::ids::UserId;
use htm_domain::user::User;
use jiff::Timestamp;

/// One token's metadata (never its secret or hash): also the audit snapshot.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: UserId,
    /// The owner's user name, for lists across users.
    pub username: String,
    pub name: String,
    pub scope: TokenScope,
    /// The first 8 characters of the secret (`htm_` and 4 more), to tell tokens apart.
    pub prefix: String,
    pub created_at: Timestamp,
    /// Who created it (the owner, an administrator, or `system` at the command line).
    pub created_by: String,
    pub expires_at: Timestamp,
    /// The last request made with it, to the minute.
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A token to record.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub user_id: UserId,
    pub name: String,
    pub scope: TokenScope,
    /// SHA-256 (hex) of the secret.
    pub token_hash: String,
    pub prefix: String,
    pub expires_at: Timestamp,
}

#[async_trait]
pub trait ApiTokenStore: Send + Sync {
    /// Records a token (audited `create` on `api_token`, without the hash).
    async fn insert_api_token(&self, ctx: &ChangeContext, new: &NewApiToken) -> StoreResult<ApiToken>;
    /// Tokens, newest first (at most 500): one user's, or everyone's.
    async fn list_api_tokens(&self, user: Option<UserId>) -> StoreResult<Vec<ApiToken>>;
    async fn get_api_token(&self, id: i64) -> StoreResult<ApiToken>;
    /// Revokes a token (audited `revoke`; revoking twice keeps the first time and writes nothing).
    async fn revoke_api_token(&self, ctx: &ChangeContext, id: i64) -> StoreResult<ApiToken>;
    /// The live (unrevoked, unexpired) token whose secret hashes to `token_hash`, with its active
    /// owner. Records the use in `last_used_at` when the last recorded use is a minute old or
    /// more (at most one write a minute per token; not audited: it changes no record).
    async fn api_token_user(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<(ApiToken, User)>>;
}
