//! Signing in and out.

use super::{Flash, Layout, csrf_refused, html, redirect_with};
use crate::AppState;
use crate::auth::{WebUser, clear_session_cookie, session_cookie};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use htm_service::ServiceError;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

/// Where to go after signing in: only a path on this site, never another host. Characters a
/// `Location` header cannot carry (spaces, non-ASCII) are percent-encoded.
pub fn safe_next(next: &str) -> String {
    let n = next.trim();
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.chars().any(|c| c.is_control() || c == '\\')
        && !n.starts_with("/login")
        && !n.starts_with("/logout");
    if !local {
        return "/".to_string();
    }
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

pub async fn login_page(
    user: Option<WebUser>,
    flash: Flash,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    if user.is_some() {
        return Redirect::to(&safe_next(&q.next)).into_response();
    }
    if headers.get("hx-request").is_some() {
        // An htmx request whose session ended: make the browser load the login page itself.
        let to = format!("/login?next={}", super::view::q(&safe_next(&q.next)));
        let mut r = StatusCode::NO_CONTENT.into_response();
        if let Ok(v) = HeaderValue::from_str(&to) {
            r.headers_mut().insert("hx-redirect", v);
        }
        return r;
    }
    let layout = Layout::new(None, "", flash);
    let page = LoginPage { layout: layout.clone(), username: String::new(), next: safe_next(&q.next), error: None };
    html(StatusCode::OK, &layout, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    next: String,
}

/// Whether a request was sent by another site's page (login CSRF, issue 7 §2): the sign-in form
/// has no session to bind a token to, so the browser's own `Sec-Fetch-Site` and `Origin`
/// headers decide (OWASP CSRF Prevention Cheat Sheet, "Verifying origin with standard headers").
/// A client that sends neither (curl, scripts) is not a browser on another site.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    if get("sec-fetch-site").is_some_and(|v| v.eq_ignore_ascii_case("cross-site")) {
        return true;
    }
    match get("origin") {
        None => false,
        Some(origin) => {
            let authority = origin.split_once("://").map(|(_, a)| a.trim_end_matches('/'));
            match (authority, get("host")) {
                (Some(a), Some(host)) => !a.eq_ignore_ascii_case(host),
                _ => true, // `Origin: null` (a sandboxed or privacy-sensitive context), or no Host
            }
        }
    }
}

pub async fn login(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if is_cross_site(&headers) {
        return csrf_refused(Layout::new(None, "", Flash(None)));
    }
    let next = safe_next(&f.next);
    let username = f.username.trim().to_string();
    let ip = crate::throttle::client_ip(peer);
    let result = match state.login_throttle.check(ip) {
        Ok(()) => state.services.login(&username, &f.password, "web").await,
        Err(wait) => Err(ServiceError::TooManyAttempts(format!(
            "too many failed logins from this address: try again in {wait} s"
        ))),
    };
    if matches!(result, Err(ServiceError::Unauthenticated(_))) {
        state.login_throttle.failed(ip);
    }
    match result {
        Ok(grant) => {
            let mut r = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&grant.token, state.secure_cookies)) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let (status, message) = match &e {
                ServiceError::Unauthenticated(_) => {
                    (StatusCode::UNAUTHORIZED, "Wrong user name or password".to_string())
                }
                other => {
                    let (status, _, message) = super::describe(other);
                    (status, message)
                }
            };
            let layout = Layout::new(None, "", Flash(None));
            let page = LoginPage { layout: layout.clone(), username, next, error: Some(message) };
            html(status, &layout, page)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(State(state): State<AppState>, user: WebUser, Form(f): Form<CsrfForm>) -> Response {
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(Layout::new(Some(&user), "", Flash(None)));
    }
    if let Err(e) = state.services.logout(&user.session_token).await {
        tracing::warn!(error = %e, "could not revoke a web session at sign-out");
    }
    let mut r = redirect_with("/login", "ok", "You have signed out.");
    if let Ok(v) = HeaderValue::from_str(&clear_session_cookie()) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next("/assets?q=pump"), "/assets?q=pump");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/login?next=/"), "/");
        assert_eq!(safe_next("/assets?q=café pump"), "/assets?q=caf%C3%A9%20pump");
        assert!(axum::http::HeaderValue::from_str(&safe_next("/assets?q=ü\u{2028}")).is_ok());
    }
}
