//! Personal API tokens (issue 7 §2): `POST /tokens` (the secret is returned once),
//! `GET /tokens` (own; `?all=true` everyone's, administrators), `DELETE /tokens/{id}`.
//! A token is sent like a session: `Authorization: Bearer htm_…`. Scope `read` accepts only GET
//! and HEAD (anything else is 403 `insufficient_scope`, see `crate::auth`); scope `write` acts
//! with the owner's full role permissions and never more. Rules: `htm_service::api_tokens`
//! (REFERENCE §10, Part 11 §11.300).

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::{ApiCaller, ApiUser};
use axum::Json as Out;
use axum::http::StatusCode;
use htm_domain::api_token::TokenScope;
use htm_service::api_tokens::TokenRequest;
use htm_store::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_tokens, create_token)).routes(routes!(revoke_token))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenIn {
    /// What the token is for (1–100 characters), e.g. "nightly inventory export".
    pub name: String,
    /// `read` (GET and HEAD only) or `write` (the owner's full role permissions).
    pub scope: TokenScope,
    /// Lifetime in days, 1–365 (default 90).
    pub expires_in_days: Option<i64>,
}

/// A token's metadata (never its secret or hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenOut {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub scope: TokenScope,
    /// The first 8 characters of the secret (`htm_` and 4 more).
    pub prefix: String,
    pub created_at: jiff::Timestamp,
    pub created_by: String,
    pub expires_at: jiff::Timestamp,
    /// The last request made with it (updated at most once a minute).
    pub last_used_at: Option<jiff::Timestamp>,
    pub revoked_at: Option<jiff::Timestamp>,
}

impl From<ApiToken> for ApiTokenOut {
    fn from(t: ApiToken) -> Self {
        ApiTokenOut {
            id: t.id,
            user_id: t.user_id.0,
            username: t.username,
            name: t.name,
            scope: t.scope,
            prefix: t.prefix,
            created_at: t.created_at,
            created_by: t.created_by,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenOut {
    /// The secret (`htm_` + 64 hex digits): shown only now; only its SHA-256 is kept. Send it as
    /// `Authorization: Bearer <secret>`.
    pub secret: String,
    pub token: ApiTokenOut,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TokenListQuery {
    /// `true`: everyone's tokens, with their user names (administrators only).
    pub all: Option<bool>,
}

/// Create a personal API token for the caller. Needs a login session or a token with scope
/// `write`; a token cannot create a token wider than itself. The secret is returned once.
#[utoipa::path(post, path = "/tokens", tag = "auth", request_body = NewTokenIn,
    responses((status = 201, body = NewTokenOut), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope, description = "`insufficient_scope`: a read-only token"), (status = 422, body = ErrorEnvelope)))]
pub async fn create_token(
    state: axum::extract::State<AppState>,
    ApiCaller(auth): ApiCaller,
    Json(b): Json<NewTokenIn>,
) -> ApiResult<(StatusCode, Out<NewTokenOut>)> {
    let p = &auth.principal;
    let req = TokenRequest { name: b.name, scope: b.scope, expires_in_days: b.expires_in_days };
    let c = state.services.create_api_token(p, auth.scope, p.user.id, req).await?;
    Ok((StatusCode::CREATED, Out(NewTokenOut { secret: c.secret, token: c.token.into() })))
}

/// The caller's API tokens, newest first (revoked and expired ones included; never the
/// secrets). `?all=true`: everyone's (administrators).
#[utoipa::path(get, path = "/tokens", tag = "auth", params(TokenListQuery),
    responses((status = 200, body = Vec<ApiTokenOut>), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list_tokens(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<TokenListQuery>,
) -> ApiResult<Out<Vec<ApiTokenOut>>> {
    let user = if q.all == Some(true) { None } else { Some(p.user.id) };
    Ok(Out(state.services.list_api_tokens(&p, user).await?.into_iter().map(Into::into).collect()))
}

/// Revoke an API token (your own; administrators any): it answers 401 from now on. Someone
/// else's token is 404.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn revoke_token(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.services.revoke_api_token(&p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
