//! Shared by the web tests: one in-process JSON call to the router, and the form-posting
//! browser of the UI tests (log in, GET a page, POST a form with the session cookie).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// Sends `method path` (with a bearer token and a JSON body when given) and returns the status
/// and the body as JSON (a non-JSON body as a JSON string).
pub async fn call_json(
    router: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())).unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into())))
}

/// A UI response: status, `Location` header and body text.
pub struct Reply {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
}

pub async fn send(router: &axum::Router, req: Request<Body>) -> Reply {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let location = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply { status, location, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// URL-encodes form fields.
pub fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// A logged-in browser: its session cookie and CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// Logs `user` in through the login form (password `Good-Password-1`).
pub async fn login(router: &axum::Router, user: &str) -> Session {
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(&[("username", user), ("password", "Good-Password-1"), ("next", "/")])))
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("htm_session="))
        .unwrap()
        .to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    let token = cookie.trim_start_matches("htm_session=").to_string();
    Session { csrf: htm_web::auth::csrf_for(&token), cookie }
}

pub async fn get(router: &axum::Router, path: &str, s: &Session) -> Reply {
    send(router, Request::get(path).header(header::COOKIE, &s.cookie).body(Body::empty()).unwrap()).await
}

pub async fn post(router: &axum::Router, path: &str, s: &Session, fields: &[(&str, &str)]) -> Reply {
    let req = Request::post(path)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(fields)))
        .unwrap();
    send(router, req).await
}
