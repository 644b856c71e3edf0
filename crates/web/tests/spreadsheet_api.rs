//! `POST /api/v1/import/{kind}` on both back ends: a dry run stores nothing, a bad file gets 422
//! `invalid_file` naming row and column, a good one is stored, permissions are enforced.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{App, call_json, manager_technician_and_icu};
use htm_service::Services;
use htm_test_support::stores;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

async fn post_csv(router: &axum::Router, path: &str, token: &str, body: &str) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_import_endpoint_checks_stores_and_refuses() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        manager_technician_and_icu(&services).await;
        let app = App { router: htm_web::router(htm_web::AppState::new(services.clone())) };
        let manager = app.login("mgarcia", "Good-Password-1").await;
        let tech = app.login("kbrown", "Good-Password-1").await;
        let good = "name,phone\nAcme Biomed,555-0100\nNorth Imaging,\n";
        let (s, b) = post_csv(&app.router, "/api/v1/import/vendors?dry_run=true", &manager, good).await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.name);
        assert_eq!(b["rows"], 2);
        assert_eq!(b["stored"], false);
        let (_, list) = call_json(&app.router, "GET", "/api/v1/vendors", Some(&manager), None).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{}: {list}", db.name);
        let (s, b) = post_csv(&app.router, "/api/v1/import/vendors?file_name=v.csv", &manager, good).await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.name);
        assert_eq!(b["stored"], true);
        let (s, b) = post_csv(&app.router, "/api/v1/import/vendors", &manager, good).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {b}", db.name);
        assert_eq!(b["error"]["code"], "invalid_file");
        assert_eq!(b["error"]["fields"][0]["field"], "row 2, column name", "{}: {b}", db.name);
        let (s, _) = post_csv(&app.router, "/api/v1/import/vendors", &tech, "name\nX\n").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", db.name);
        let (s, _) = post_csv(&app.router, "/api/v1/import/widgets", &manager, "name\nX\n").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{}", db.name);
    }
}
