//! Shared by the web tests: one in-process JSON call to the router, and the form-posting
//! browser of the UI tests (log in, GET a page, POST a form with the session cookie).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
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

/// The router under test with JSON helpers: a call, a call that must succeed, an API login.
pub struct App {
    pub router: axum::Router,
}

impl App {
    pub async fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        call_json(&self.router, method, path, Some(token), body).await
    }

    pub async fn ok(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
        let (s, b) = self.call(method, path, token, body).await;
        assert!(s.is_success(), "{method} {path}: {s} {b}");
        b
    }

    pub async fn login(&self, user: &str, pw: &str) -> String {
        let (s, b) = call_json(
            &self.router,
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": user, "password": pw})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b["token"].as_str().unwrap().to_string()
    }
}

/// A manager `mgarcia` and a technician `kbrown` (password `Good-Password-1`) and an ICU
/// department (site RGH, building A, cost centre 6100).
pub async fn manager_technician_and_icu(services: &htm_service::Services) -> htm_domain::org::Department {
    use htm_domain::org::{NewBuilding, NewDepartment, NewSite};
    use htm_domain::user::{NewUser, Role};
    let sys = htm_service::Principal::system();
    for (name, role) in [("mgarcia", Role::Manager), ("kbrown", Role::Technician)] {
        services
            .add_user_as_system(NewUser {
                username: name.into(),
                display_name: name.into(),
                role,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
    }
    let site =
        services.create_site(&sys, NewSite { code: "RGH".into(), name: "R".into(), address: None }).await.unwrap();
    let b = services
        .create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() })
        .await
        .unwrap();
    services
        .create_department(&sys, NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() })
        .await
        .unwrap()
}
