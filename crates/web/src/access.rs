//! The access check at the edge of the JSON API (issue 7 §1): before any `/api/v1` handler runs,
//! the matched route is looked up in the service layer's table
//! ([`htm_service::route_access`]), the caller is authenticated exactly as the [`ApiUser`]
//! extractor does, and the request is refused with 401 `unauthenticated` (no valid login) or
//! 403 `forbidden` (the role lacks the permission; an operation missing from the table is
//! refused too: deny by default) in the `{"error": {"code", "message"}}` envelope — whatever
//! its body, which is never read. The use cases check again (defence in depth) and apply the
//! scopes (own work orders, a vendor's company, …).
//!
//! Rule: REFERENCE §10 (21 CFR Part 11 §11.10(d) limited system access, §11.10(g) authority checks).
//!
//! Only the `/api/v1` router is wrapped (as a route layer, so unknown paths still get the
//! API's 404 and a known path with another method its 405). The FHIR endpoint (`/fhir/r4`,
//! read-only, `read_inventory` checked in its use cases) and the UI (session cookie; every page
//! goes through the same use cases) are outside this layer.

use crate::AppState;
use crate::api::error::ApiError;
use crate::auth::ApiUser;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use htm_service::route_access;

/// The path of the matched route under `/api/v1`, as the OpenAPI document spells it.
fn operation_path(matched: &str) -> &str {
    matched.strip_prefix("/api/v1").unwrap_or(matched)
}

fn forbidden(message: String) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

/// The middleware (`axum::middleware::from_fn_with_state`) that enforces the route table.
pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(matched) = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()) else {
        // Not a matched route (the fallback answers 404): nothing to check.
        return next.run(request).await;
    };
    let path = operation_path(&matched);
    let method = request.method().as_str().to_string();
    let rule = match route_access::lookup(&method, path) {
        Some(rule) => rule,
        // The path is served with other methods: the router answers 405.
        None if route_access::knows_path(path) => return next.run(request).await,
        None => {
            tracing::warn!(%method, path, "an API route without an access rule was refused (deny by default)");
            return forbidden(format!(
                "{method} {path} has no entry in the access table and is refused (deny by default)"
            ))
            .into_response();
        }
    };
    if !rule.requires.needs_login() {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let principal = match ApiUser::from_request_parts(&mut parts, &state).await {
        Ok(ApiUser(p)) => p,
        Err(e) => return e.into_response(),
    };
    if !rule.requires.allows(principal.user.role) {
        return forbidden(format!(
            "a {} may not call {method} {path}: {}",
            principal.user.role.label().to_lowercase(),
            rule.requires.sentence()
        ))
        .into_response();
    }
    // The handler's `ApiUser` takes this principal instead of looking the token up again.
    parts.extensions.insert(crate::auth::Authenticated(principal));
    next.run(Request::from_parts(parts, body)).await
}
