//! Technician qualifications over the JSON API, on SQLite and PostgreSQL: who may read and
//! manage them, the site policy, and a PM refused (422 `unqualified_technician`) or flagged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use htm_domain::user::{NewUser, Role};
use htm_service::Services;
use htm_test_support::stores;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

struct App {
    router: axum::Router,
    services: Services,
}

impl App {
    async fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        let req = Request::builder().method(method).uri(path).header("authorization", format!("Bearer {token}"));
        let req = match body {
            Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into())))
    }

    async fn ok(&self, method: &str, path: &str, token: &str, body: Value) -> Value {
        let (s, b) = self.call(method, path, token, Some(body)).await;
        assert!(s.is_success(), "{method} {path}: {s} {b}");
        b
    }

    async fn login(&self, user: &str, pw: &str) -> String {
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(json!({"username": user, "password": pw}).to_string()))
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let b: Value = serde_json::from_slice(&bytes).unwrap();
        b["token"].as_str().unwrap().to_string()
    }

    async fn add_user(&self, name: &str, display: &str, role: Role) -> (i64, String) {
        let u = self
            .services
            .add_user_as_system(NewUser {
                username: name.into(),
                display_name: display.into(),
                role,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        (u.id.0, self.login(name, "Good-Password-1").await)
    }
}

fn assert_envelope(b: &Value, code: &str) {
    assert_eq!(b["error"]["code"], code, "{b}");
    assert!(b["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

#[tokio::test]
async fn qualifications_are_managed_by_managers_and_enforced_on_pm_sign_off() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        services.ensure_admin(Some("Chief-Biomed-2026".into())).await.unwrap();
        let app = App { router: htm_web::router(htm_web::AppState::new(services.clone())), services };
        let admin = app.login("admin", "Chief-Biomed-2026").await;
        let site = app.ok("POST", "/api/v1/sites", &admin, json!({"code": "RGH", "name": "Riverside"})).await;
        let b =
            app.ok("POST", "/api/v1/buildings", &admin, json!({"site_id": site["id"], "code": "A", "name": "A"})).await;
        let d = app
            .ok(
                "POST",
                "/api/v1/departments",
                &admin,
                json!({"building_id": b["id"], "cost_center": "6100", "name": "ICU"}),
            )
            .await;
        let m = app.ok("POST", "/api/v1/manufacturers", &admin, json!({"name": "ZOLL"})).await;
        let model = app
            .ok("POST", "/api/v1/models", &admin, json!({"manufacturer_id": m["id"], "model_number": "R Series ALS", "name": "R Series", "category": "Defibrillator, manual"}))
            .await;
        let asset = app
            .ok(
                "POST",
                "/api/v1/assets",
                &admin,
                json!({"asset_tag": "BME-000101", "model_id": model["id"], "department_id": d["id"]}),
            )
            .await;
        let proc = app
            .ok(
                "POST",
                "/api/v1/procedures",
                &admin,
                json!({"code": "DEFIB-PM", "name": "Defibrillator PM", "requirement": {"certification": "CBET"},
                       "steps": [{"kind": "check", "instruction": "Inspect paddles and cables"}]}),
            )
            .await;
        assert_eq!(proc["requirement"], json!({"certification": "CBET", "model_training": false}), "{}", db.name);
        let path = format!("/api/v1/models/{}/procedure", model["id"]);
        app.ok("PUT", &path, &admin, json!({"pm_procedure_code": "DEFIB-PM"})).await;
        let (mgr_id, mgr) = app.add_user("mgarcia", "Maria Garcia", Role::Manager).await;
        let (tech_id, tech) = app.add_user("rlopez", "Rosa Lopez", Role::Technician).await;

        // Reading: one's own, yes; someone else's, no (technician). Adding: not a technician.
        let mine = format!("/api/v1/users/{tech_id}/qualifications");
        let (s, b) = app.call("GET", &mine, &tech, None).await;
        assert_eq!((s, b), (StatusCode::OK, json!([])), "{}", db.name);
        let (s, b) = app.call("GET", &format!("/api/v1/users/{mgr_id}/qualifications"), &tech, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert_envelope(&b, "forbidden");
        let (s, b) = app.call("POST", &mine, &tech, Some(json!({"certification": "CBET"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert_envelope(&b, "forbidden");
        let (s, b) =
            app.call("POST", &mine, &mgr, Some(json!({"certification": "CBET", "model_id": model["id"]}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_envelope(&b, "validation_failed");

        // The manager records a CBET that expired yesterday.
        let yesterday = today().yesterday().unwrap();
        let (s, q) = app
            .call(
                "POST",
                &mine,
                &mgr,
                Some(json!({"certification": "CBET", "reference": "ACI-104729", "expires_on": yesterday})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{q}");
        assert_eq!(
            (q["certification"].as_str(), q["issuer"].as_str()),
            (Some("CBET"), Some("AAMI Credentials Institute"))
        );
        assert_eq!(q["expires_on"], json!(yesterday.to_string()));

        // Site policy: technicians may not set it.
        let policy = format!("/api/v1/sites/{}/qualification-policy", site["id"]);
        let (s, b) = app.call("GET", &policy, &tech, None).await;
        assert_eq!((s, b), (StatusCode::OK, json!({"qualification_policy": "flag"})), "{}", db.name);
        let (s, b) = app.call("PUT", &policy, &tech, Some(json!({"qualification_policy": "refuse"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let b = app.ok("PUT", &policy, &mgr, json!({"qualification_policy": "refuse"})).await;
        assert_eq!(b, json!({"qualification_policy": "refuse"}));

        // A PM by the technician: refused while the site refuses.
        let wo = app
            .ok(
                "POST",
                "/api/v1/work-orders",
                &tech,
                json!({"wo_type": "pm", "priority": "normal", "asset_id": asset["id"], "problem": "Annual PM"}),
            )
            .await;
        let wo = app
            .ok("POST", &format!("/api/v1/work-orders/{}/transitions", wo["id"]), &tech, json!({"to": "in_progress"}))
            .await;
        let record = format!("/api/v1/work-orders/{}/pm-record", wo["id"]);
        let body = json!({"version": wo["version"], "steps": [{"step_id": proc["steps"][0]["id"], "passed": true}], "complete": true, "password": "Good-Password-1"});
        let (s, b) = app.call("POST", &record, &tech, Some(body.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_envelope(&b, "unqualified_technician");
        let msg = b["error"]["message"].as_str().unwrap();
        assert!(msg.contains("Rosa Lopez (rlopez) lacks a valid CBET certification"), "{msg}");
        assert!(msg.contains(&format!("expired {yesterday}")), "{msg}");

        // Flagged while the site flags: completed, and the work order says why.
        app.ok("PUT", &policy, &mgr, json!({"qualification_policy": "flag"})).await;
        let r = app.ok("POST", &record, &tech, body).await;
        assert_eq!(r["work_order"]["status"], "completed", "{}", db.name);
        let flag = r["work_order"]["qualification_flag"].as_str().unwrap().to_string();
        assert!(flag.contains("lacks a valid CBET certification"), "{flag}");
        let (_, w) = app.call("GET", &format!("/api/v1/work-orders/{}", wo["id"]), &tech, None).await;
        assert_eq!(w["qualification_flag"].as_str(), Some(flag.as_str()));

        // Revoking needs a reason and happens once.
        let revoke = format!("/api/v1/users/{tech_id}/qualifications/{}/revoke", q["id"]);
        let (s, b) = app.call("POST", &revoke, &tech, Some(json!({"reason": "x"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, b) = app.call("POST", &revoke, &mgr, Some(json!({"reason": "  "}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = app.ok("POST", &revoke, &mgr, json!({"reason": "lapsed; not renewed"})).await;
        assert_eq!(r["revoked_reason"], "lapsed; not renewed");
        let (s, b) = app.call("POST", &revoke, &mgr, Some(json!({"reason": "again"}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        assert_envelope(&b, "conflict");
        let (_, list) = app.call("GET", &mine, &mgr, None).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert!(list[0]["revoked_at"].is_string(), "{list}");

        // The OpenAPI document describes the new paths.
        let (_, doc) = app.call("GET", "/api/v1/openapi.json", &admin, None).await;
        for p in [
            "/users/{id}/qualifications",
            "/users/{id}/qualifications/{qid}/revoke",
            "/sites/{id}/qualification-policy",
        ] {
            assert!(doc["paths"][p].is_object(), "{p} missing from the OpenAPI document");
        }
        for schema in
            ["Qualification", "NewQualification", "Certification", "QualificationPolicy", "QualificationRequirement"]
        {
            assert!(doc["components"]["schemas"][schema].is_object(), "schema {schema} missing");
        }
        assert!(doc["components"]["schemas"]["WorkOrder"]["properties"]["qualification_flag"].is_object());
    }
}
