//! Login throttling per client address and account lockout over HTTP (NIST SP 800-63B-4
//! §3.2.2; 21 CFR Part 11 §11.300(d)): 429 `too_many_attempts` with `Retry-After`, per address,
//! on the API and on the sign-in form; a locked account is 429 even with the right password.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use htm_test_support::stores;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use tower::ServiceExt;

mod common;

async fn login_from(router: &axum::Router, from: &str, user: &str, pw: &str) -> (StatusCode, Option<String>, Value) {
    let mut req = Request::builder()
        .method("POST")
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(json!({"username": user, "password": pw}).to_string()))
        .unwrap();
    let addr: SocketAddr = from.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let retry = resp.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, retry, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn thirty_failures_from_one_address_throttle_it_and_not_the_others() {
    for db in stores().await {
        let services = htm_service::Services::new(db.store.clone(), Default::default());
        common::manager_technician_and_icu(&services).await;
        let router = htm_web::router(htm_web::AppState::new(services));
        // 30 failures spread over unknown names: no account is locked, the address is throttled
        for i in 0..30 {
            let (s, _, b) = login_from(&router, "192.0.2.7:5000", &format!("nobody{i}"), "Wrong-Password-0").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{}: {b}", db.name);
        }
        let (s, retry, b) = login_from(&router, "192.0.2.7:5001", "kbrown", "Good-Password-1").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{}: {b}", db.name);
        assert_eq!(b["error"]["code"], "too_many_attempts", "{}", db.name);
        let secs: u64 = retry.expect("Retry-After").parse().unwrap();
        assert!((1..=60).contains(&secs), "{secs}");
        // another address is served
        let (s, _, b) = login_from(&router, "198.51.100.9:5000", "kbrown", "Good-Password-1").await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.name);
    }
}

#[tokio::test]
async fn a_locked_account_is_429_even_with_the_right_password() {
    for db in stores().await {
        let services = htm_service::Services::new(db.store.clone(), Default::default());
        common::manager_technician_and_icu(&services).await;
        let router = htm_web::router(htm_web::AppState::new(services));
        for n in 0..10 {
            // a fresh address each time: this is the account's lock, not the address throttle
            let (s, _, _) = login_from(&router, &format!("203.0.113.{n}:4000"), "kbrown", "Wrong-Password-0").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, _, b) = login_from(&router, "203.0.113.99:4000", "kbrown", "Good-Password-1").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{}: {b}", db.name);
        assert!(b["error"]["message"].as_str().unwrap().contains("locked until"), "{b}");
        // the administrator lifts it
        let admin = common::App { router: router.clone() };
        let (s, _, b) = login_from(&router, "203.0.113.100:4000", "mgarcia", "Good-Password-1").await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let manager_token = b["token"].as_str().unwrap().to_string();
        let users = admin.ok("GET", "/api/v1/users?limit=50", &manager_token, None).await;
        let kbrown = users["items"].as_array().unwrap().iter().find(|u| u["username"] == "kbrown").unwrap()["id"]
            .as_i64()
            .unwrap();
        let (s, b) = admin.call("POST", &format!("/api/v1/users/{kbrown}/unlock"), &manager_token, None).await;
        // managers do not administer accounts: only ManageUsers (administrators) may unlock
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        htm_service::Services::new(db.store.clone(), Default::default())
            .unlock_user(&htm_service::Principal::system(), htm_domain::ids::UserId(kbrown))
            .await
            .unwrap();
        let (s, _, b) = login_from(&router, "203.0.113.101:4000", "kbrown", "Good-Password-1").await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.name);
    }
}
