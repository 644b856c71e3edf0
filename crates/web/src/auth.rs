//! Who is calling: a bearer token for the API, a session cookie for the web UI, and the CSRF
//! token that every UI form carries.

use crate::AppState;
use crate::api::error::ApiError;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use htm_service::Principal;

/// The name of the web session cookie.
pub const SESSION_COOKIE: &str = "htm_session";

/// An API caller authenticated by `Authorization: Bearer <token>`.
pub struct ApiUser(pub Principal);

/// The principal the API's access layer authenticated for this request (a request extension),
/// so that the handler's [`ApiUser`] does not look the token up a second time.
#[derive(Clone)]
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Already authenticated by the API's access layer (`crate::access`) for this request.
        if let Some(Authenticated(p)) = parts.extensions.get::<Authenticated>() {
            return Ok(ApiUser(p.clone()));
        }
        Ok(ApiUser(bearer_auth(parts, state).await?.principal))
    }
}

/// An API caller with how it authenticated (session or API token, and the token's scope).
pub struct ApiCaller(pub htm_service::api_tokens::BearerAuth);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ApiCaller(bearer_auth(parts, state).await?))
    }
}

/// Authenticates `Authorization: Bearer` (a login session or an API token) and enforces an API
/// token's scope on the request method (issue 7 §2): a `read` token may only GET or HEAD;
/// anything else is 403 `insufficient_scope`.
async fn bearer_auth(parts: &Parts, state: &AppState) -> Result<htm_service::api_tokens::BearerAuth, ApiError> {
    let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let token = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).map(str::trim);
    let auth = match token {
        Some(t) if !t.is_empty() => state.services.authenticate_bearer(t).await?,
        _ => {
            return Err(ApiError::unauthenticated(
                "send Authorization: Bearer <token> (POST /api/v1/auth/login or an API token gives one)",
            ));
        }
    };
    if let Some(scope) = auth.scope
        && !scope.allows_method(parts.method.as_str())
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!(
                "this API token has scope '{}': it may only read (GET, HEAD), not {}; use a token with scope 'write'",
                scope.as_str(),
                parts.method
            ),
        ));
    }
    Ok(auth)
}

/// The value of one cookie in the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A signed-in web user, with the session's CSRF token.
pub struct WebUser {
    pub principal: Principal,
    pub csrf: String,
    pub session_token: String,
}

impl WebUser {
    /// Checks the CSRF token a form sent back.
    #[allow(clippy::result_large_err)]
    pub fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        if !sent.is_empty() && constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err((
                StatusCode::FORBIDDEN,
                "The form expired or did not come from this site. Go back, reload and try again.",
            )
                .into_response())
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Redirects to the login page (remembering where the user was going) when not signed in.
pub struct LoginRedirect(String);

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        let next = urlencode(&self.0);
        Redirect::to(&format!("/login?next={next}")).into_response()
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = LoginRedirect;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let Some(token) = cookie(parts, SESSION_COOKIE).map(str::to_string) else { return Err(LoginRedirect(here)) };
        match state.services.authenticate_session(&token).await {
            Ok(principal) => Ok(WebUser { principal, csrf: csrf_for(&token), session_token: token }),
            Err(_) => Err(LoginRedirect(here)),
        }
    }
}

impl OptionalFromRequestParts<AppState> for WebUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        Ok(<WebUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await.ok())
    }
}

/// The `Set-Cookie` value that starts a web session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}", if secure { "; Secure" } else { "" })
}

/// The `Set-Cookie` value that ends a web session.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The CSRF token of a session: SHA-256 of the session token with a domain prefix, so it needs
/// no storage, changes with every login, and cannot be computed without the HttpOnly cookie.
pub fn csrf_for(session_token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(format!("htm-csrf:{session_token}").as_bytes()))
}
