//! Calendar feeds and webhook subscriptions over the JSON API, on SQLite and PostgreSQL: create
//! (201, secret shown once), list, the `.ics` route (text/calendar, 404 once revoked), and the
//! outbox written by an assignment.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use htm_service::Services;
use htm_test_support::stores;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

mod common;
use common::{App, manager_technician_and_icu};

async fn get_raw(router: &axum::Router, path: &str) -> (StatusCode, String, String) {
    let res = router
        .clone()
        .oneshot(Request::get(path).header("host", "htm.test:8080").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let ctype = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, ctype, body)
}

#[tokio::test]
async fn calendar_feeds_and_webhooks_over_the_api() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let icu = manager_technician_and_icu(&services).await;
        let app = App { router: htm_web::router(htm_web::AppState::new(services)) };
        let boss = app.login("mgarcia", "Good-Password-1").await;
        let tech = app.login("kbrown", "Good-Password-1").await;
        let me = app.ok("GET", "/api/v1/me", &tech, None).await;

        let (s, b) = app
            .call("POST", "/api/v1/calendar-feeds", &tech, Some(json!({"scope": "department", "id": icu.id.0})))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, b) = app.call("POST", "/api/v1/calendar-feeds", &tech, Some(json!({"scope": "ward", "id": 1}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (s, feed) = app
            .call("POST", "/api/v1/calendar-feeds", &tech, Some(json!({"scope": "technician", "id": me["id"]})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{feed}");
        let path = feed["path"].as_str().unwrap().to_string();
        assert!(path.starts_with("/calendar/") && path.ends_with(".ics"));
        // No public_url configured: the URL is built from the request's host.
        assert_eq!(feed["url"].as_str().unwrap(), path, "call_json sends no Host header");
        let listed = app.ok("GET", "/api/v1/calendar-feeds", &tech, None).await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert!(!listed.to_string().contains(&path[10..path.len() - 4]), "the secret is never listed");

        let (s, ctype, body) = get_raw(&app.router, &path).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(ctype.starts_with("text/calendar"), "{ctype}");
        assert!(body.starts_with("BEGIN:VCALENDAR\r\n") && body.contains("VERSION:2.0\r\n"));
        let id = feed["feed"]["id"].as_i64().unwrap();
        let (s, b) = app.call("DELETE", &format!("/api/v1/calendar-feeds/{id}"), &tech, None).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(b["revoked_at"].is_string());
        let (s, _, _) = get_raw(&app.router, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = get_raw(&app.router, "/calendar/nothing.ics").await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Webhooks: managers only; the secret is shown once; an assignment fills the outbox.
        let hook = json!({"url": "https://hooks.example.org/htm", "events": ["work_order.assigned"]});
        let (s, _) = app.call("POST", "/api/v1/webhooks", &tech, Some(hook.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, created) = app.call("POST", "/api/v1/webhooks", &boss, Some(hook)).await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        assert!(created["secret"].as_str().unwrap().len() >= 40);
        let (s, b) = app.call("POST", "/api/v1/webhooks", &boss, Some(json!({"url": "x", "events": []}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let listed = app.ok("GET", "/api/v1/webhooks", &boss, None).await;
        assert!(!listed.to_string().contains(created["secret"].as_str().unwrap()));
        app.ok(
            "POST",
            "/api/v1/work-orders",
            &boss,
            Some(json!({
                "wo_type": "user_support", "priority": "normal", "problem": "How to set alarms", "assigned_to": me["id"]
            })),
        )
        .await;
        let out = app.ok("GET", "/api/v1/notifications?status=pending", &boss, None).await;
        let items = out["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "kbrown has no e-mail: only the webhook call: {out}");
        assert_eq!(items[0]["channel"], "webhook");
        assert_eq!(items[0]["event"], "work_order.assigned");
        let detail = app.ok("GET", &format!("/api/v1/notifications/{}", items[0]["id"]), &boss, None).await;
        assert_eq!(detail["attempts"].as_array().unwrap().len(), 0);
        let (s, _) = app.call("GET", "/api/v1/notifications", &tech, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, b) = app.call("GET", "/api/v1/notifications?status=nope", &boss, None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let id = created["subscription"]["id"].as_i64().unwrap();
        let b = app.ok("DELETE", &format!("/api/v1/webhooks/{id}"), &boss, None).await;
        assert_eq!(b["active"], false);
    }
}

#[tokio::test]
async fn the_calendar_page_creates_shows_once_and_revokes_a_feed() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        manager_technician_and_icu(&services).await;
        let router = htm_web::router(htm_web::AppState::new(services));
        let s = common::login(&router, "kbrown").await;
        let page = common::get(&router, "/calendar-feeds", &s).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("No feeds yet") && !page.body.contains("f-dept"), "technicians: own feed only");
        let r = common::post(&router, "/calendar-feeds", &s, &[("csrf", &s.csrf), ("scope", "me")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let start = r.body.find("/calendar/").expect("the new URL is shown");
        let path: String = r.body[start..].chars().take_while(|c| *c != '"').collect();
        assert!(path.ends_with(".ics"), "{path}");
        let (st, _, _) = get_raw(&router, &path).await;
        assert_eq!(st, StatusCode::OK);
        let again = common::get(&router, "/calendar-feeds", &s).await;
        assert!(!again.body.contains(&path), "shown only once");
        let id: String =
            again.body.split("id=\"feed-").nth(1).unwrap().chars().take_while(|c| c.is_ascii_digit()).collect();
        let r = common::post(&router, &format!("/calendar-feeds/{id}/revoke"), &s, &[("csrf", &s.csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (st, _, _) = get_raw(&router, &path).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let bad = common::post(&router, "/calendar-feeds", &s, &[("csrf", "forged"), ("scope", "me")]).await;
        assert_eq!(bad.status, StatusCode::FORBIDDEN);
        let boss = common::login(&router, "mgarcia").await;
        let page = common::get(&router, "/calendar-feeds", &boss).await;
        assert!(page.body.contains("f-dept") && page.body.contains("Revoked"), "managers see every feed and the form");
    }
}
