//! `/tokens`: personal API tokens (issue 7 §2) in the UI, linked from the user menu. Everyone
//! sees their own tokens, creates one (the secret is shown once, on the page answering the form,
//! never in a redirect, a cookie or a log) and revokes their own. Rules: `htm_service::api_tokens`.

use super::{Flash, Layout, csrf_refused, html, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::api_token::{DEFAULT_DAYS, MAX_DAYS, TokenScope};
use htm_service::api_tokens::TokenRequest;
use serde::Deserialize;

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub scope: &'static str,
    pub prefix: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: String,
    /// `Active`, `Expired` or `Revoked`.
    pub state: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_tokens.html")]
struct TokensPage {
    layout: Layout,
    csrf: String,
    tokens: Vec<TokenRow>,
    /// The secret of the token just created (shown once).
    new_secret: String,
    default_days: i64,
    max_days: i64,
}

fn minute(t: jiff::Timestamp) -> String {
    t.to_string().replace('T', " ").chars().take(16).collect()
}

async fn render(state: &AppState, user: &WebUser, flash: Flash, new_secret: String) -> Response {
    let layout = Layout::new(Some(user), "tokens", flash);
    let p = &user.principal;
    let tokens = match state.services.list_api_tokens(p, Some(p.user.id)).await {
        Ok(t) => t,
        Err(e) => return service_error_page(layout, &e),
    };
    let now = jiff::Timestamp::now();
    let page = TokensPage {
        layout: layout.clone(),
        csrf: user.csrf.clone(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                scope: t.scope.as_str(),
                prefix: t.prefix,
                created_at: minute(t.created_at),
                expires_at: minute(t.expires_at),
                last_used_at: t.last_used_at.map(minute).unwrap_or_else(|| "never".into()),
                state: if t.revoked_at.is_some() {
                    "Revoked"
                } else if t.expires_at <= now {
                    "Expired"
                } else {
                    "Active"
                },
            })
            .collect(),
        new_secret,
        default_days: DEFAULT_DAYS,
        max_days: MAX_DAYS,
    };
    html(StatusCode::OK, &layout, page)
}

pub async fn page(State(state): State<AppState>, user: WebUser, flash: Flash) -> Response {
    render(&state, &user, flash, String::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateForm {
    csrf: String,
    name: String,
    /// `read` or `write`.
    scope: String,
    /// Days; empty: the default.
    days: String,
}

pub async fn create(State(state): State<AppState>, user: WebUser, Form(f): Form<CreateForm>) -> Response {
    let layout = Layout::new(Some(&user), "tokens", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Ok(scope) = TokenScope::parse(&f.scope) else {
        return redirect_with("/tokens", "error", "Choose a scope: read or write.");
    };
    let days = match f.days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return redirect_with("/tokens", "error", "The lifetime is a whole number of days."),
        },
    };
    let p = &user.principal;
    let req = TokenRequest { name: f.name, scope, expires_in_days: days };
    match state.services.create_api_token(p, None, p.user.id, req).await {
        Ok(c) => render(&state, &user, Flash(None), c.secret).await,
        Err(e) => redirect_with("/tokens", "error", &super::describe(&e).2),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    csrf: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "tokens", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Ok(id) = id.parse::<i64>() else { return redirect_with("/tokens", "error", "No such token.") };
    match state.services.revoke_api_token(&user.principal, id).await {
        Ok(_) => redirect_with("/tokens", "ok", "The token is revoked: it no longer works."),
        Err(e) => redirect_with("/tokens", "error", &super::describe(&e).2),
    }
}
