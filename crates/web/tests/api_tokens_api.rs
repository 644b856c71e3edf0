//! Personal API tokens over the JSON API (issue 7 §2), on SQLite and PostgreSQL: create (201,
//! secret once) → use → a read token refused on writes with 403 `insufficient_scope` → revoke
//! (204) → 401; an expired token 401; another user cannot revoke yours (404); an admin's
//! `?all=true`; deactivation revokes; a token is not a UI session cookie.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use htm_domain::api_token::TokenScope;
use htm_domain::user::{NewUser, Role};
use htm_service::Services;
use htm_service::auth::token_hash;
use htm_store::NewApiToken;
use htm_test_support::stores;
use serde_json::json;

mod common;
use common::{App, get, login, manager_technician_and_icu, post, send};

#[tokio::test]
async fn tokens_over_the_api() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        manager_technician_and_icu(&services).await;
        services
            .add_user_as_system(NewUser {
                username: "root2".into(),
                display_name: "Root".into(),
                role: Role::Admin,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        let app = App { router: htm_web::router(htm_web::AppState::new(services.clone())) };
        let boss = app.login("mgarcia", "Good-Password-1").await;
        let tech = app.login("kbrown", "Good-Password-1").await;
        let admin = app.login("root2", "Good-Password-1").await;

        // Create a read token: 201, the secret once, metadata.
        let (s, b) =
            app.call("POST", "/api/v1/tokens", &boss, Some(json!({"name": "reporting", "scope": "read"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{}: {b}", db.name);
        let read = b["secret"].as_str().unwrap().to_string();
        assert!(read.starts_with("htm_") && read.len() == 68, "{read}");
        assert_eq!(b["token"]["scope"], "read");
        assert_eq!(b["token"]["prefix"], &read[..8]);
        assert_eq!(b["token"]["username"], "mgarcia");
        let read_id = b["token"]["id"].as_i64().unwrap();

        // Use it: reads work (GET and HEAD) as the owner.
        let me = app.ok("GET", "/api/v1/me", &read, None).await;
        assert_eq!(me["username"], "mgarcia");
        app.ok("GET", "/api/v1/assets", &read, None).await;
        let (s, _) = app.call("HEAD", "/api/v1/me", &read, None).await;
        assert!(s.is_success(), "{}: HEAD {s}", db.name);
        // Writes are refused with insufficient_scope, before the handler (or its body) is looked at.
        let (s, b) = app.call("POST", "/api/v1/manufacturers", &read, Some(json!({"name": "Acme"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}: {b}", db.name);
        assert_eq!(b["error"]["code"], "insufficient_scope", "{b}");
        assert!(b["error"]["message"].as_str().unwrap().contains("read"), "{b}");
        // A read token cannot mint tokens at all.
        let (s, b) = app.call("POST", "/api/v1/tokens", &read, Some(json!({"name": "x", "scope": "read"}))).await;
        assert_eq!((s, b["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("insufficient_scope")), "{b}");
        let (s, b) = app.call("DELETE", &format!("/api/v1/tokens/{read_id}"), &read, None).await;
        assert_eq!((s, b["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("insufficient_scope")), "{b}");

        // A write token acts with the owner's role, never more.
        let b = app
            .ok(
                "POST",
                "/api/v1/tokens",
                &tech,
                Some(json!({"name": "scanner", "scope": "write", "expires_in_days": 30})),
            )
            .await;
        let write = b["secret"].as_str().unwrap().to_string();
        let write_id = b["token"]["id"].as_i64().unwrap();
        let (s, b) = app.call("POST", "/api/v1/manufacturers", &write, Some(json!({"name": "Acme"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}: a technician's token may not change the inventory: {b}", db.name);
        assert_eq!(b["error"]["code"], "forbidden");
        // … and may mint another token (a read one here).
        let (s, b) = app.call("POST", "/api/v1/tokens", &write, Some(json!({"name": "ro", "scope": "read"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        // Bad input.
        let (s, b) = app
            .call("POST", "/api/v1/tokens", &tech, Some(json!({"name": "x", "scope": "read", "expires_in_days": 400})))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (s, _) = app.call("POST", "/api/v1/tokens", &tech, Some(json!({"name": "x", "scope": "admin"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // Lists: own only; ?all=true for administrators (with user names), refused for others.
        let mine = app.ok("GET", "/api/v1/tokens", &tech, None).await;
        let names: Vec<&str> = mine.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["ro", "scanner"], "{}", db.name);
        assert!(mine.to_string().find(&write[8..]).is_none(), "the secret is never listed");
        assert!(!mine.to_string().contains(&token_hash(&write)), "nor its hash");
        let (s, _) = app.call("GET", "/api/v1/tokens?all=true", &tech, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let all = app.ok("GET", "/api/v1/tokens?all=true", &admin, None).await;
        let users: Vec<&str> = all.as_array().unwrap().iter().map(|t| t["username"].as_str().unwrap()).collect();
        assert!(users.contains(&"mgarcia") && users.contains(&"kbrown"), "{users:?}");

        // Another user cannot revoke yours (404: not revealed); you can; then 401.
        let (s, _) = app.call("DELETE", &format!("/api/v1/tokens/{write_id}"), &boss, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{}", db.name);
        app.ok("GET", "/api/v1/me", &write, None).await;
        let (s, _) = app.call("DELETE", &format!("/api/v1/tokens/{write_id}"), &tech, None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, b) = app.call("GET", "/api/v1/me", &write, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
        assert_eq!(b["error"]["code"], "unauthenticated");
        // An admin revokes anyone's.
        let (s, _) = app.call("DELETE", &format!("/api/v1/tokens/{read_id}"), &admin, None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(app.call("GET", "/api/v1/me", &read, None).await.0, StatusCode::UNAUTHORIZED);

        // An expired token (written straight to the store): 401.
        let expired = format!("htm_{}", "cd".repeat(32));
        let now = jiff::Timestamp::now();
        let me_id = htm_domain::ids::UserId(me["id"].as_i64().unwrap());
        db.store
            .insert_api_token(
                &htm_store::ChangeContext::system(now, "test"),
                &NewApiToken {
                    user_id: me_id,
                    name: "old".into(),
                    scope: TokenScope::Write,
                    token_hash: token_hash(&expired),
                    prefix: expired[..8].into(),
                    expires_at: now.checked_sub(jiff::SignedDuration::from_secs(5)).unwrap(),
                },
            )
            .await
            .unwrap();
        assert_eq!(app.call("GET", "/api/v1/me", &expired, None).await.0, StatusCode::UNAUTHORIZED, "{}", db.name);

        // A token is not a UI session: as a cookie it gets the login page.
        let b = app.ok("POST", "/api/v1/tokens", &boss, Some(json!({"name": "w", "scope": "write"}))).await;
        let boss_write = b["secret"].as_str().unwrap().to_string();
        let r = send(
            &app.router,
            Request::get("/").header(header::COOKIE, format!("htm_session={boss_write}")).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", db.name);
        assert!(r.location.starts_with("/login"), "{}", r.location);

        // Deactivating the owner revokes the token.
        let boss_user = app.ok("GET", "/api/v1/me", &boss_write, None).await;
        app.ok(
            "PATCH",
            &format!("/api/v1/users/{}", boss_user["id"]),
            &admin,
            Some(json!({"version": boss_user["version"], "active": false})),
        )
        .await;
        assert_eq!(app.call("GET", "/api/v1/me", &boss_write, None).await.0, StatusCode::UNAUTHORIZED);
        let all = app.ok("GET", "/api/v1/tokens?all=true", &admin, None).await;
        let w = all.as_array().unwrap().iter().find(|t| t["name"] == "w").unwrap();
        assert!(!w["revoked_at"].is_null(), "{}: {w}", db.name);
    }
}

#[tokio::test]
async fn tokens_in_the_ui() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        manager_technician_and_icu(&services).await;
        let app = App { router: htm_web::router(htm_web::AppState::new(services.clone())) };
        let web = login(&app.router, "kbrown").await;
        let page = get(&app.router, "/tokens", &web).await;
        assert_eq!(page.status, StatusCode::OK, "{}", db.name);
        assert!(page.body.contains("id=\"tokens-none\""), "{}", page.body);
        // The user menu links to the page.
        assert!(get(&app.router, "/", &web).await.body.contains("href=\"/tokens\""));

        // Without the CSRF token: refused, nothing created.
        let r = post(&app.router, "/tokens", &web, &[("name", "x"), ("scope", "read")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // With it: the secret is on the answering page, once.
        let r = post(
            &app.router,
            "/tokens",
            &web,
            &[("csrf", &web.csrf), ("name", "bench scanner"), ("scope", "read"), ("days", "30")],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", db.name, r.body);
        let start = r.body.find("value=\"htm_").expect("the secret is shown") + "value=\"".len();
        let secret = r.body[start..start + 68].to_string();
        assert!(htm_domain::api_token::looks_like_secret(&secret), "{secret}");
        assert_eq!(app.ok("GET", "/api/v1/me", &secret, None).await["username"], "kbrown");
        let again = get(&app.router, "/tokens", &web).await;
        assert!(!again.body.contains(&secret), "shown only once");
        assert!(again.body.contains("bench scanner") && again.body.contains(&secret[..8]));

        // Bad input comes back as a message.
        let r = post(
            &app.router,
            "/tokens",
            &web,
            &[("csrf", &web.csrf), ("name", "x"), ("scope", "read"), ("days", "999")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        // Revoke through the form.
        let id = app.ok("GET", "/api/v1/tokens", &secret, None).await[0]["id"].as_i64().unwrap();
        let r = post(&app.router, &format!("/tokens/{id}/revoke"), &web, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
        let r = post(&app.router, &format!("/tokens/{id}/revoke"), &web, &[("csrf", &web.csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(app.call("GET", "/api/v1/me", &secret, None).await.0, StatusCode::UNAUTHORIZED, "{}", db.name);
        assert!(get(&app.router, "/tokens", &web).await.body.contains("Revoked"));
    }
}
