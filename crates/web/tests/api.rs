//! The JSON API, in-process, on SQLite and PostgreSQL: the contract's shapes and statuses, the
//! error envelope, optimistic versions, and what each role may do.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, Services};
use htm_test_support::stores;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

struct App {
    router: axum::Router,
    services: Services,
}

impl App {
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        common::call_json(&self.router, method, path, token, body).await
    }

    async fn post_csv(&self, path: &str, token: &str, body: &str) -> (StatusCode, Value) {
        let req = Request::builder()
            .method("POST")
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "text/csv")
            .body(Body::from(body.to_string()))
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn raw(&self, method: &str, path: &str, token: &str, body: &str) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn login(&self, user: &str, pw: &str) -> String {
        let (s, b) =
            self.call("POST", "/api/v1/auth/login", None, Some(json!({"username": user, "password": pw}))).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b["token"].as_str().unwrap().to_string()
    }

    async fn add_user(&self, name: &str, role: Role, vendor: Option<i64>) -> String {
        self.services
            .add_user_as_system(NewUser {
                username: name.into(),
                display_name: name.into(),
                role,
                email: None,
                vendor_id: vendor.map(htm_domain::ids::VendorId),
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        self.login(name, "Good-Password-1").await
    }
}

fn assert_envelope(b: &Value, code: &str) {
    assert_eq!(b["error"]["code"], code, "{b}");
    assert!(b["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
}

/// An app with an admin, a little organisation and catalogue, and one asset.
async fn app(store: std::sync::Arc<dyn htm_store::Store>) -> (App, String, i64, i64) {
    let services = Services::new(store, Default::default());
    services.ensure_admin(Some("Chief-Biomed-2026".into())).await.unwrap();
    let app = App { router: htm_web::router(htm_web::AppState::new(services.clone())), services };
    let admin = app.login("admin", "Chief-Biomed-2026").await;
    let (_, site) = app
        .call("POST", "/api/v1/sites", Some(&admin), Some(json!({"code": "RGH", "name": "Riverside General"})))
        .await;
    let (_, b) = app
        .call(
            "POST",
            "/api/v1/buildings",
            Some(&admin),
            Some(json!({"site_id": site["id"], "code": "A", "name": "Tower A"})),
        )
        .await;
    let (_, d) = app
        .call(
            "POST",
            "/api/v1/departments",
            Some(&admin),
            Some(json!({"building_id": b["id"], "cost_center": "6100", "name": "Adult ICU"})),
        )
        .await;
    let (_, l) = app
        .call("POST", "/api/v1/locations", Some(&admin), Some(json!({"department_id": d["id"], "name": "ICU Bed 07"})))
        .await;
    let (_, m) = app.call("POST", "/api/v1/manufacturers", Some(&admin), Some(json!({"name": "ZOLL"}))).await;
    let (s, model) = app
        .call("POST", "/api/v1/models", Some(&admin), Some(json!({"manufacturer_id": m["id"], "model_number": "R Series ALS", "name": "R Series", "category": "Defibrillator, manual", "fda_product_code": "LDD", "fda_class": "3", "life_support": true})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{model}");
    let (s, a) = app
        .call("POST", "/api/v1/assets", Some(&admin), Some(json!({"asset_tag": "BME-000101", "serial_number": "AF12345", "model_id": model["id"], "department_id": d["id"], "location_id": l["id"]})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    (app, admin, a["id"].as_i64().unwrap(), d["id"].as_i64().unwrap())
}

#[tokio::test]
async fn the_contract_shapes_hold() {
    for db in stores().await {
        let (app, admin, asset, _) = app(db.store.clone()).await;
        let (s, b) = app.call("GET", "/api/v1/assets?limit=5", None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{}", db.name);
        assert_envelope(&b, "unauthenticated");
        let (s, b) =
            app.call("POST", "/api/v1/auth/login", None, Some(json!({"username": "admin", "password": "nope"}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_envelope(&b, "unauthenticated");

        let (s, page) = app.call("GET", "/api/v1/assets?q=zoll&limit=1000", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK);
        let a = &page["items"][0];
        for k in ["id", "asset_tag", "serial_number", "status", "version", "model", "department", "location"] {
            assert!(a.get(k).is_some(), "{}: missing {k} in {a}", db.name);
        }
        assert_eq!(a["model"]["manufacturer"], "ZOLL");
        assert_eq!(a["model"]["model_number"], "R Series ALS");
        assert_eq!(a["life_support"], true);
        assert_eq!(a["high_risk"], true, "life support is high risk");
        assert!(page["next_cursor"].is_null());
        let (s, b) = app.call("GET", "/api/v1/assets/by-tag/bme-000101", Some(&admin), None).await;
        assert_eq!((s, b["id"].as_i64()), (StatusCode::OK, Some(asset)));

        let (s, b) = app.call("GET", "/api/v1/assets/987654", Some(&admin), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_envelope(&b, "not_found");
        let (s, b) = app.call("GET", "/api/v1/assets/abc", Some(&admin), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_envelope(&b, "bad_request");
        let (s, b) = app.call("GET", "/api/v1/assets?limit=5000", Some(&admin), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_envelope(&b, "validation_failed");
        let (s, b) = app.call("GET", "/api/v1/no-such-thing", Some(&admin), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_envelope(&b, "not_found");
        let (s, b) = app.raw("POST", "/api/v1/assets", &admin, "{not json").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_envelope(&b, "bad_request");
        let (s, b) = app.raw("POST", "/api/v1/assets", &admin, r#"{"asset_tag": 5}"#).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_envelope(&b, "validation_failed");

        let (s, spec) = app.call("GET", "/api/v1/openapi.json", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
        for p in [
            "/assets",
            "/assets/{id}",
            "/assets/by-tag/{asset_tag}",
            "/work-orders",
            "/work-orders/{id}/transitions",
            "/auth/login",
            "/users",
            "/models",
            "/sites",
            "/departments",
            "/locations",
            "/manufacturers",
        ] {
            assert!(spec["paths"].get(p).is_some(), "OpenAPI lacks {p}");
        }
    }
}

#[tokio::test]
async fn a_stale_patch_gets_409_and_changes_nothing() {
    for db in stores().await {
        let (app, admin, asset, _) = app(db.store.clone()).await;
        let url = format!("/api/v1/assets/{asset}");
        let (s, a) = app
            .call(
                "PATCH",
                &url,
                Some(&admin),
                Some(json!({"version": 1, "notes": "checked", "reason": "inventory round"})),
            )
            .await;
        assert_eq!((s, a["version"].as_i64()), (StatusCode::OK, Some(2)), "{}: {a}", db.name);
        let (s, b) = app.call("PATCH", &url, Some(&admin), Some(json!({"version": 1, "notes": "stale"}))).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_envelope(&b, "stale_version");
        let (_, a) = app.call("GET", &url, Some(&admin), None).await;
        assert_eq!(a["notes"], "checked");
        let (_, h) = app.call("GET", &format!("{url}/history"), Some(&admin), None).await;
        assert_eq!(h[0]["actor"], "admin");
        assert_eq!(h[0]["reason"], "inventory round");
        assert_eq!(h[0]["action"], "update");
    }
}

#[tokio::test]
async fn a_work_order_goes_from_report_to_close_and_refuses_invalid_moves() {
    for db in stores().await {
        let (app, admin, asset, _) = app(db.store.clone()).await;
        let nurse = app.add_user("nurse1", Role::Requester, None).await;
        let tech = app.add_user("tech1", Role::Technician, None).await;
        let (s, wo) = app
            .call("POST", "/api/v1/work-orders", Some(&nurse), Some(json!({"wo_type": "repair", "priority": "high", "asset_id": asset, "problem": "Will not charge; pads alarm"})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{}: {wo}", db.name);
        assert!(regex_like_number(wo["number"].as_str().unwrap()), "{wo}");
        assert_eq!(wo["status"], "open");
        let (_, a) = app.call("GET", &format!("/api/v1/assets/{asset}"), Some(&admin), None).await;
        assert_eq!(a["status"], "out_of_service", "an open repair takes the asset out of service");

        let t = format!("/api/v1/work-orders/{}/transitions", wo["id"]);
        let (s, b) = app.call("POST", &t, Some(&nurse), Some(json!({"to": "in_progress"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a requester cannot work orders");
        assert_envelope(&b, "forbidden");
        let (s, b) = app.call("POST", &t, Some(&tech), Some(json!({"to": "closed"}))).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_envelope(&b, "invalid_transition");
        let (s, b) = app.call("POST", &t, Some(&tech), Some(json!({"to": "in_progress"}))).await;
        assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("in_progress")), "{b}");
        assert_eq!(b["assigned_to_name"], "tech1", "starting unassigned work assigns it");
        let (s, b) = app.call("POST", &t, Some(&tech), Some(json!({"to": "completed"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let fields: Vec<&str> =
            b["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["result", "work_performed", "cause_code"]);
        let (s, b) = app
            .call("PATCH", &format!("/api/v1/work-orders/{}", wo["id"]), Some(&tech), Some(json!({"version": b_version(&app, &tech, &wo).await, "add_labour": [{"minutes": 45}], "add_parts": [{"part_number": "8000-0580", "description": "Battery pack", "quantity": 1, "unit_cost_minor": 28900}]})))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["labour"][0]["minutes"], 45);
        assert_eq!(b["parts"][0]["part_number"], "8000-0580");
        // Completing is an electronic signature: the password is asked for, and checked.
        let done = json!({"to": "completed", "cause_code": "BATT", "work_performed": "Replaced battery pack; charge test passed", "result": "pass"});
        let (s, b) = app.call("POST", &t, Some(&tech), Some(done.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_envelope(&b, "signature_required");
        let mut wrong = done.clone();
        wrong["password"] = json!("Not-My-Password-9");
        let (s, b) = app.call("POST", &t, Some(&tech), Some(wrong)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert_envelope(&b, "signature_invalid");
        let (_, still) = app.call("GET", &format!("/api/v1/work-orders/{}", wo["id"]), Some(&tech), None).await;
        assert_eq!(still["status"], "in_progress", "a refused signature changes nothing");
        let mut signed = done.clone();
        signed["password"] = json!("Good-Password-1");
        let (s, b) = app.call("POST", &t, Some(&tech), Some(signed)).await;
        assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("completed")), "{b}");
        assert!(b.get("password").is_none(), "the password is never echoed: {b}");
        let (_, a) = app.call("GET", &format!("/api/v1/assets/{asset}"), Some(&admin), None).await;
        assert_eq!(a["status"], "in_service");
        let (s, _) = app.call("POST", &t, Some(&nurse), Some(json!({"to": "closed"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a requester can never close");
        let (s, b) =
            app.call("POST", &t, Some(&tech), Some(json!({"to": "closed", "password": "Good-Password-1"}))).await;
        assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("closed")));
        let (s, sigs) =
            app.call("GET", &format!("{t}/../signatures").replace("/transitions/..", ""), Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{sigs}");
        let sigs = sigs.as_array().unwrap().clone();
        assert_eq!(sigs.len(), 2, "{sigs:?}");
        assert_eq!(
            (sigs[0]["meaning"].as_str(), sigs[0]["action"].as_str()),
            (Some("responsibility"), Some("completed"))
        );
        assert_eq!((sigs[1]["meaning"].as_str(), sigs[1]["action"].as_str()), (Some("approval"), Some("closed")));
        assert_eq!(sigs[0]["signer_username"], "tech1");
        assert_eq!(sigs[0]["content_hash"].as_str().map(str::len), Some(64));
        let (s, b) = app.call("POST", &t, Some(&admin), Some(json!({"to": "in_progress"}))).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_envelope(&b, "invalid_transition");
        let (_, h) = app.call("GET", &format!("/api/v1/work-orders/{}/history", wo["id"]), Some(&admin), None).await;
        assert!(h.as_array().unwrap().len() >= 5, "{h}");
        let (_, v) = app.call("GET", "/api/v1/audit/verify", Some(&admin), None).await;
        assert_eq!(v["intact"], true, "{v}");
    }
}

async fn b_version(app: &App, token: &str, wo: &Value) -> i64 {
    let (_, b) = app.call("GET", &format!("/api/v1/work-orders/{}", wo["id"]), Some(token), None).await;
    b["version"].as_i64().unwrap()
}

fn regex_like_number(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 14
        && s.starts_with("WO-")
        && b[7] == b'-'
        && s[3..7].chars().all(|c| c.is_ascii_digit())
        && s[8..].chars().all(|c| c.is_ascii_digit())
}

#[tokio::test]
async fn each_role_sees_and_does_only_what_the_matrix_allows() {
    for db in stores().await {
        let (app, admin, asset, dept) = app(db.store.clone()).await;
        let (_, v1) =
            app.call("POST", "/api/v1/vendors", Some(&admin), Some(json!({"name": "Acme Imaging Service"}))).await;
        let (_, v2) = app.call("POST", "/api/v1/vendors", Some(&admin), Some(json!({"name": "Other ISO"}))).await;
        let auditor = app.add_user("auditor1", Role::Auditor, None).await;
        let vendor = app.add_user("acme1", Role::Vendor, v1["id"].as_i64()).await;
        let nurse = app.add_user("nurse2", Role::Requester, None).await;
        let other_nurse = app.add_user("nurse3", Role::Requester, None).await;
        let tech = app.add_user("tech2", Role::Technician, None).await;

        // Auditor: reads everything, changes nothing.
        assert_eq!(app.call("GET", "/api/v1/assets", Some(&auditor), None).await.0, StatusCode::OK);
        assert_eq!(app.call("GET", "/api/v1/audit/verify", Some(&auditor), None).await.0, StatusCode::OK);
        let (s, b) = app
            .call(
                "PATCH",
                &format!("/api/v1/assets/{asset}"),
                Some(&auditor),
                Some(json!({"version": 1, "notes": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(
            app.call(
                "POST",
                "/api/v1/work-orders",
                Some(&auditor),
                Some(json!({"wo_type": "repair", "asset_id": asset, "problem": "x"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        // Only admins manage users; technicians cannot create assets.
        assert_eq!(
            app.call(
                "POST",
                "/api/v1/users",
                Some(&tech),
                Some(json!({"username": "x1", "display_name": "x", "role": "admin", "password": "Good-Password-1"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.call("POST", "/api/v1/sites", Some(&tech), Some(json!({"code": "X", "name": "X"}))).await.0,
            StatusCode::FORBIDDEN
        );
        let _ = dept;
        // Requesters report problems but cannot open PMs, and see only their own requests.
        assert_eq!(
            app.call(
                "POST",
                "/api/v1/work-orders",
                Some(&nurse),
                Some(json!({"wo_type": "pm", "asset_id": asset, "problem": "x"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        let (_, mine) = app
            .call(
                "POST",
                "/api/v1/work-orders",
                Some(&nurse),
                Some(json!({"wo_type": "repair", "asset_id": asset, "problem": "Screen flickers"})),
            )
            .await;
        let (_, list) = app.call("GET", "/api/v1/work-orders", Some(&other_nurse), None).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0, "{}: another requester's request is invisible", db.name);
        assert_eq!(
            app.call("GET", &format!("/api/v1/work-orders/{}", mine["id"]), Some(&other_nurse), None).await.0,
            StatusCode::NOT_FOUND
        );
        // Vendors see only their company's work.
        let (_, theirs) = app
            .call(
                "POST",
                "/api/v1/work-orders",
                Some(&admin),
                Some(json!({"wo_type": "repair", "asset_id": asset, "problem": "Vendor job", "vendor_id": v1["id"]})),
            )
            .await;
        app.call(
            "POST",
            "/api/v1/work-orders",
            Some(&admin),
            Some(json!({"wo_type": "repair", "asset_id": asset, "problem": "Other vendor job", "vendor_id": v2["id"]})),
        )
        .await;
        let (_, list) = app.call("GET", "/api/v1/work-orders", Some(&vendor), None).await;
        let numbers: Vec<&str> =
            list["items"].as_array().unwrap().iter().map(|w| w["number"].as_str().unwrap()).collect();
        assert_eq!(numbers, vec![theirs["number"].as_str().unwrap()], "{}", db.name);
        assert_eq!(app.call("GET", "/api/v1/assets", Some(&vendor), None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            app.call("GET", &format!("/api/v1/assets/{asset}"), Some(&vendor), None).await.0,
            StatusCode::OK,
            "the asset of their own job"
        );
        let t = format!("/api/v1/work-orders/{}/transitions", theirs["id"]);
        assert_eq!(app.call("POST", &t, Some(&vendor), Some(json!({"to": "in_progress"}))).await.0, StatusCode::OK);
        // A logged-out token no longer works.
        assert_eq!(app.call("POST", "/api/v1/auth/logout", Some(&tech), None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(app.call("GET", "/api/v1/me", Some(&tech), None).await.0, StatusCode::UNAUTHORIZED);
        let _ = Principal::system();
    }
}

#[tokio::test]
async fn esa_limits_answer_what_is_the_limit_here() {
    for db in stores().await {
        let (app, admin, _, _) = app(db.store.clone()).await;
        let tech = app.add_user("tech9", Role::Technician, None).await;
        let (s, b) =
            app.call("GET", "/api/v1/esa/limits?standard=iec62353&class=I&applied_part=CF", Some(&tech), None).await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.name);
        let items = b.as_array().unwrap();
        for it in items {
            for k in ["test", "method", "condition", "limit", "unit", "comparator", "source"] {
                assert!(it.get(k).is_some(), "missing {k} in {it}");
            }
        }
        let ap: Vec<&Value> = items.iter().filter(|i| i["test"] == "applied_part_leakage").collect();
        assert_eq!(ap.len(), 1);
        assert_eq!(
            (ap[0]["limit"].as_f64(), ap[0]["unit"].as_str(), ap[0]["comparator"].as_str()),
            (Some(50.0), Some("uA"), Some("<="))
        );
        let (s, b) =
            app.call("GET", "/api/v1/esa/limits?standard=nfpa99&class=II&applied-part=none", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b.as_array().unwrap().len(), 2, "{b}");
        let (s, b) = app.call("GET", "/api/v1/esa/limits?standard=iec62353&class=III", Some(&admin), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_envelope(&b, "validation_failed");
        let (s, b) = app.call("GET", "/api/v1/esa/limits?class=I", Some(&admin), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    }
}

#[tokio::test]
async fn pm_generation_and_the_completion_report_are_in_the_api() {
    for db in stores().await {
        let (app, admin, asset, _) = app(db.store.clone()).await;
        let (s, b) = app
            .call(
                "POST",
                "/api/v1/pm-schedules",
                Some(&admin),
                Some(json!({"asset_id": asset, "interval_months": 6, "basis": "fixed", "anchor_date": "2026-01-10"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{}: {b}", db.name);
        let (s, b) = app
            .call(
                "POST",
                "/api/v1/pm-schedules",
                Some(&admin),
                Some(json!({"asset_id": asset, "interval_months": 0, "anchor_date": "2026-01-10"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (_, list) = app.call("GET", &format!("/api/v1/assets/{asset}/pm-schedules"), Some(&admin), None).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (s, g) = app.call("POST", "/api/v1/pm/generate?month=2026-07", Some(&admin), None).await;
        assert_eq!((s, g["created"].as_u64()), (StatusCode::OK, Some(1)), "{g}");
        let (_, g) = app.call("POST", "/api/v1/pm/generate?month=2026-07", Some(&admin), None).await;
        assert_eq!(g["created"], 0);
        let (s, r) = app.call("GET", "/api/v1/reports/pm-compliance?month=2026-07", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!((r["scheduled"].as_i64(), r["life_support"]["scheduled"].as_i64()), (Some(1), Some(1)));
        let (s, b) = app.call("GET", "/api/v1/reports/pm-compliance?month=July", Some(&admin), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_envelope(&b, "validation_failed");
    }
}

#[tokio::test]
async fn a_pm_is_recorded_against_its_procedure_through_the_api() {
    for db in stores().await {
        let (app, admin, asset, dept) = app(db.store.clone()).await;
        let tech = app.add_user("bmet2", Role::Technician, None).await;
        let body = json!({"code": "DEFIB-PM", "name": "Defibrillator semi-annual PM", "steps": [
            {"kind": "check", "instruction": "Inspect paddles, cables and housing"},
            {"kind": "measurement", "instruction": "Delivered energy at 200 J", "unit": "J", "nominal": 200, "tolerance_pct": 15},
            {"kind": "electrical_safety", "instruction": "IEC 62353 recurrent test"}
        ]});
        let (s, proc) = app.call("POST", "/api/v1/procedures", Some(&admin), Some(body.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{}: {proc}", db.name);
        assert_eq!(proc["version"], 1);
        let (s, b) = app.call("POST", "/api/v1/procedures", Some(&tech), Some(body)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, b) = app
            .call("POST", "/api/v1/procedures", Some(&admin), Some(json!({"code": "X", "name": "empty", "steps": []})))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (s, list) = app.call("GET", "/api/v1/procedures?code=defib-pm", Some(&tech), None).await;
        assert_eq!((s, list.as_array().unwrap().len()), (StatusCode::OK, 1), "{list}");
        let (s, one) = app.call("GET", &format!("/api/v1/procedures/{}", proc["id"]), Some(&tech), None).await;
        assert_eq!((s, one["steps"][1]["tolerance_pct"].as_f64()), (StatusCode::OK, Some(15.0)), "{one}");

        let (_, a) = app.call("GET", &format!("/api/v1/assets/{asset}"), Some(&admin), None).await;
        let (s, b) = app
            .call(
                "PUT",
                &format!("/api/v1/models/{}/procedure", a["model"]["id"]),
                Some(&admin),
                Some(json!({"pm_procedure_code": "defib-pm"})),
            )
            .await;
        assert_eq!((s, b["pm_procedure_code"].as_str()), (StatusCode::OK, Some("DEFIB-PM")), "{b}");
        let (s, a) = app
            .call(
                "PATCH",
                &format!("/api/v1/assets/{asset}"),
                Some(&admin),
                Some(json!({"version": a["version"], "protection_class": "I", "applied_part": "CF"})),
            )
            .await;
        assert_eq!(
            (s, a["protection_class"].as_str(), a["applied_part"].as_str()),
            (StatusCode::OK, Some("I"), Some("CF")),
            "{a}"
        );
        let (_, an) = app
            .call(
                "POST",
                "/api/v1/assets",
                Some(&admin),
                Some(json!({"asset_tag": "TEQ-0001", "model_id": a["model"]["id"], "department_id": dept})),
            )
            .await;
        let (s, an) = app
            .call(
                "PATCH",
                &format!("/api/v1/assets/{}", an["id"]),
                Some(&admin),
                Some(json!({"version": an["version"], "calibration_due": "2021-06-30"})),
            )
            .await;
        assert_eq!((s, an["calibration_due"].as_str()), (StatusCode::OK, Some("2021-06-30")), "{an}");

        let (_, wo) = app
            .call(
                "POST",
                "/api/v1/work-orders",
                Some(&tech),
                Some(json!({"wo_type": "pm", "asset_id": asset, "problem": "Semi-annual PM"})),
            )
            .await;
        let (s, wo) = app
            .call(
                "POST",
                &format!("/api/v1/work-orders/{}/transitions", wo["id"]),
                Some(&tech),
                Some(json!({"to": "in_progress"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{wo}");
        let steps = proc["steps"].as_array().unwrap();
        let mut rec = json!({
            "version": wo["version"],
            "steps": [{"step_id": steps[0]["id"], "passed": true}, {"step_id": steps[1]["id"], "value": 230.0}],
            "esa": {"standard": "iec62353", "readings": [{"limit_id": 1, "value": 300.0}, {"limit_id": 11, "value": 50.0}]},
            "test_equipment": [an["id"]],
            "complete": true,
            "password": "Good-Password-1"
        });
        let path = format!("/api/v1/work-orders/{}/pm-record", wo["id"]);
        let (s, b) = app.call("POST", &path, Some(&tech), Some(rec.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {b}", db.name);
        assert_envelope(&b, "validation_failed");
        let m = b["error"]["message"].as_str().unwrap();
        assert!(m.contains("TEQ-0001") && m.contains("2021-06-30"), "{m}");

        rec["test_equipment"] = json!([]);
        let (s, r) = app.call("POST", &path, Some(&tech), Some(rec)).await;
        assert_eq!(s, StatusCode::OK, "{}: {r}", db.name);
        assert_eq!(
            (r["work_order"]["status"].as_str(), r["work_order"]["result"].as_str()),
            (Some("completed"), Some("pass")),
            "{r}"
        );
        assert_eq!(r["results"][1]["limit_text"], "200 J ± 15 %");
        assert_eq!(r["results"][2]["readings"][1]["comparator"], "<=");
        let (s, again) =
            app.call("GET", &format!("/api/v1/work-orders/{}/pm-results", wo["id"]), Some(&tech), None).await;
        assert_eq!((s, &again), (StatusCode::OK, &r));

        let (_, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
        for p in [
            "/procedures",
            "/procedures/{id}",
            "/models/{id}/procedure",
            "/work-orders/{id}/pm-record",
            "/work-orders/{id}/pm-results",
        ] {
            assert!(doc["paths"].get(p).is_some(), "{p} is documented");
        }
    }
}

#[tokio::test]
async fn an_analyzer_file_is_imported_through_the_api() {
    for db in stores().await {
        let (app, admin, asset, dept) = app(db.store.clone()).await;
        let tech = app.add_user("bmet3", Role::Technician, None).await;
        let body = json!({"code": "ESA-ONLY", "name": "Electrical safety", "steps": [
            {"kind": "check", "instruction": "Inspect cord and plug"},
            {"kind": "electrical_safety", "instruction": "IEC 62353 recurrent test"}
        ]});
        let (s, proc) = app.call("POST", "/api/v1/procedures", Some(&admin), Some(body)).await;
        assert_eq!(s, StatusCode::CREATED, "{proc}");
        let (_, a) = app.call("GET", &format!("/api/v1/assets/{asset}"), Some(&admin), None).await;
        app.call(
            "PUT",
            &format!("/api/v1/models/{}/procedure", a["model"]["id"]),
            Some(&admin),
            Some(json!({"pm_procedure_code": "ESA-ONLY"})),
        )
        .await;
        let patch = json!({"version": a["version"], "protection_class": "I", "applied_part": "BF"});
        let (s, a) = app.call("PATCH", &format!("/api/v1/assets/{asset}"), Some(&admin), Some(patch)).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        let (_, an) = app
            .call(
                "POST",
                "/api/v1/assets",
                Some(&admin),
                Some(json!({"asset_tag": "TEQ-0002", "serial_number": "4471029", "model_id": a["model"]["id"], "department_id": dept})),
            )
            .await;
        app.call(
            "PATCH",
            &format!("/api/v1/assets/{}", an["id"]),
            Some(&admin),
            Some(json!({"version": an["version"], "calibration_due": "2099-01-31"})),
        )
        .await;
        let (_, wo) = app
            .call(
                "POST",
                "/api/v1/work-orders",
                Some(&tech),
                Some(json!({"wo_type": "pm", "asset_id": asset, "problem": "Annual PM"})),
            )
            .await;
        let path = format!("/api/v1/work-orders/{}/esa-import?file_name=esa.csv", wo["id"]);
        let file = "test,configuration,method,value,unit,analyzer\nprotective_earth_resistance,cord alone,,0.1,Ohm,4471029\nequipment_leakage,,alternative,1.2,mA,4471029\n";
        // Not in progress yet: refused, nothing stored.
        let (s, b) = app.post_csv(&path, &tech, file).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_envelope(&b, "validation_failed");
        app.call(
            "POST",
            &format!("/api/v1/work-orders/{}/transitions", wo["id"]),
            Some(&tech),
            Some(json!({"to": "in_progress"})),
        )
        .await;
        // IEC 62353: cord alone <= 100 mOhm (0.1 Ohm passes at the boundary); equipment leakage,
        // alternative method, Class I <= 1000 uA (1.2 mA fails).
        let (s, b) = app.post_csv(&path, &tech, file).await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.name);
        assert_eq!(b["readings"][0]["value"].as_f64(), Some(100.0), "{b}");
        assert_eq!(b["readings"][0]["passed"], true);
        assert_eq!(b["readings"][1]["value"].as_f64(), Some(1200.0));
        assert_eq!(b["readings"][1]["passed"], false);
        assert_eq!(b["analyzers"], json!(["TEQ-0002"]));
        assert_eq!(b["record"]["test_equipment"], json!([an["id"]]));
        // A bad file: every bad row named, the envelope says so.
        let (s, b) = app.post_csv(&path, &tech, "test,value,unit\nearth bond,x,Ohm\napplied_part_leakage,1,V\n").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_envelope(&b, "invalid_file");
        let fields: Vec<&str> =
            b["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["row 2, column value", "row 3, column unit"], "{b}");
        let (s, b) =
            app.post_csv(&format!("/api/v1/work-orders/{}/esa-import?standard=iec60601", wo["id"]), &tech, file).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert_envelope(&b, "bad_request");
        let _ = proc;
    }
}

#[tokio::test]
async fn usage_meters_open_the_usage_pm_through_the_api() {
    for db in stores().await {
        let (app, admin, asset, _dept) = app(db.store.clone()).await;
        let tech = app.add_user("bmet4", Role::Technician, None).await;
        let first_due = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .checked_add(jiff::ToSpan::days(200))
            .unwrap();
        let (s, sch) = app
            .call(
                "POST",
                "/api/v1/pm-schedules",
                Some(&admin),
                Some(json!({"asset_id": asset, "interval_months": 12, "anchor_date": first_due.to_string()})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{sch}");
        let path = format!("/api/v1/pm-schedules/{}/usage", sch["id"]);
        let (s, b) =
            app.call("PUT", &path, Some(&admin), Some(json!({"usage_interval": 10000, "usage_unit": null}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_envelope(&b, "validation_failed");
        let (s, b) =
            app.call("PUT", &path, Some(&tech), Some(json!({"usage_interval": 10000, "usage_unit": "cycles"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, b) =
            app.call("PUT", &path, Some(&admin), Some(json!({"usage_interval": 10000, "usage_unit": "cycles"}))).await;
        assert_eq!(
            (s, b["usage_interval"].as_i64(), b["usage_unit"].as_str()),
            (StatusCode::OK, Some(10000), Some("cycles")),
            "{b}"
        );

        let readings = format!("/api/v1/assets/{asset}/meter-readings");
        let (s, b) = app.call("POST", &readings, Some(&tech), Some(json!({"unit": "cycles", "value": 250000}))).await;
        assert_eq!((s, b["opened"].as_array().map(Vec::len)), (StatusCode::CREATED, Some(0)), "{}: {b}", db.name);
        let (s, b) = app.call("POST", &readings, Some(&tech), Some(json!({"unit": "cycles", "value": 249999}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_envelope(&b, "validation_failed");
        let (s, b) = app.call("POST", &readings, Some(&tech), Some(json!({"unit": "cycles", "value": 260000}))).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(b["opened"][0]["wo_type"], "pm", "{b}");
        assert_eq!(b["usage"][0]["due"], true);
        let (s, b) = app.call("GET", &readings, Some(&tech), None).await;
        assert_eq!((s, b["readings"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{b}");
        assert_eq!(b["readings"][0]["value"], 260000);

        let (_, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
        for p in ["/pm-schedules/{id}/usage", "/assets/{id}/meter-readings", "/work-orders/{id}/esa-import"] {
            assert!(doc["paths"].get(p).is_some(), "{p} is documented");
        }
    }
}

#[tokio::test]
async fn test_equipment_lists_calibration_due_dates_certificates_and_standing() {
    for db in stores().await {
        let (app, admin, asset, dept) = app(db.store.clone()).await;
        let (_, a) = app.call("GET", &format!("/api/v1/assets/{asset}"), Some(&admin), None).await;
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let mut ids = Vec::new();
        for (tag, due_in, cert) in [("TEQ-0101", -5_i64, "FBC-2025-00101"), ("TEQ-0102", 12, "FBC-2025-00102")] {
            let (_, an) = app
                .call(
                    "POST",
                    "/api/v1/assets",
                    Some(&admin),
                    Some(json!({"asset_tag": tag, "serial_number": format!("SN-{tag}"), "model_id": a["model"]["id"], "department_id": dept})),
                )
                .await;
            let due = today.checked_add(jiff::Span::new().days(due_in)).unwrap();
            let on = due.checked_sub(jiff::Span::new().years(1)).unwrap();
            let (s, an) = app
                .call(
                    "PATCH",
                    &format!("/api/v1/assets/{}", an["id"]),
                    Some(&admin),
                    Some(json!({"version": an["version"], "calibration_due": due.to_string(),
                        "calibrated_on": on.to_string(), "calibration_certificate": cert})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{}: {an}", db.name);
            assert_eq!(
                (an["calibrated_on"].as_str(), an["calibration_certificate"].as_str()),
                (Some(on.to_string().as_str()), Some(cert))
            );
            ids.push(an["id"].clone());
        }
        let (s, list) = app.call("GET", "/api/v1/test-equipment", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{}: {list}", db.name);
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2, "{}: only assets with a calibration due date", db.name);
        // Soonest due first: the overdue one, then the one due in 12 days.
        assert_eq!((list[0]["asset_tag"].as_str(), list[0]["overdue"].as_bool()), (Some("TEQ-0101"), Some(true)));
        assert_eq!((list[0]["days_left"].as_i64(), list[0]["due_soon"].as_bool()), (Some(-5), Some(false)));
        assert_eq!(list[0]["serial_number"], "SN-TEQ-0101");
        assert_eq!(list[0]["calibration_certificate"], "FBC-2025-00101");
        assert_eq!(list[0]["model_number"], a["model"]["model_number"]);
        assert_eq!((list[1]["overdue"].as_bool(), list[1]["due_soon"].as_bool()), (Some(false), Some(true)));
        assert_eq!(list[1]["days_left"].as_i64(), Some(12));
        assert!(list[1]["calibrated_on"].is_string());

        let (s, b) = app.call("GET", "/api/v1/test-equipment", None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_envelope(&b, "unauthenticated");
        let (_, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
        assert!(doc["paths"].get("/test-equipment").is_some());
    }
}

#[tokio::test]
async fn the_risk_number_comes_from_the_factors_and_the_assets_repairs() {
    for db in stores().await {
        let (app, admin, asset, _dept) = app(db.store.clone()).await;
        let tech = app.add_user("bmet5", Role::Technician, None).await;
        let url = format!("/api/v1/assets/{asset}/risk");
        let (s, r) = app.call("GET", &url, Some(&tech), None).await;
        assert_eq!(
            (s, &r["assessment"], r["inclusion_threshold"].as_i64()),
            (StatusCode::OK, &Value::Null, Some(12)),
            "{r}"
        );
        let (_, a) = app.call("GET", &format!("/api/v1/assets/{asset}"), Some(&admin), None).await;
        let model_url = format!("/api/v1/models/{}/risk", a["model"]["id"]);
        let life_support =
            json!({"function": 10, "physical_risk": 5, "maintenance": 5, "reason": "Life support (REFERENCE 2.1)"});
        let (s, b) = app.call("PUT", &model_url, Some(&tech), Some(life_support.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, b) = app
            .call(
                "PUT",
                &model_url,
                Some(&admin),
                Some(json!({"function": 11, "physical_risk": 5, "maintenance": 5, "reason": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (s, b) = app
            .call(
                "PUT",
                &model_url,
                Some(&admin),
                Some(json!({"function": 10, "physical_risk": 5, "maintenance": 5, "reason": " "})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a designation needs its reason: {b}");
        let (s, b) = app.call("PUT", &model_url, Some(&admin), Some(life_support)).await;
        assert_eq!(
            (s, b["of"].as_str(), b["decided_by"].as_str()),
            (StatusCode::OK, Some("model"), Some("admin")),
            "{}: {b}",
            db.name
        );

        // No failure in the last 18 months: incident history −2, EM 10 + 5 + 5 − 2 = 18 → quarterly.
        let (_, r) = app.call("GET", &url, Some(&tech), None).await;
        assert_eq!((r["em_number"].as_i64(), r["incident_history"].as_i64()), (Some(18), Some(-2)), "{r}");
        assert_eq!((r["in_program"].as_bool(), r["pm_interval_months"].as_i64()), (Some(true), Some(3)));
        assert_eq!(r["must_be_high_risk"], true, "life support is high-risk whatever the score");

        // Three true failures (EF) in 18 months: one every 6 months → +1, EM 21.
        for _ in 0..3 {
            let (_, wo) = app
                .call(
                    "POST",
                    "/api/v1/work-orders",
                    Some(&tech),
                    Some(json!({"wo_type": "repair", "asset_id": asset, "problem": "No shock delivered"})),
                )
                .await;
            let t = format!("/api/v1/work-orders/{}/transitions", wo["id"]);
            app.call("POST", &t, Some(&tech), Some(json!({"to": "in_progress"}))).await;
            let (s, w) = app
                .call("POST", &t, Some(&tech), Some(json!({"to": "completed", "cause_code": "EF", "work_performed": "Replaced HV capacitor", "result": "pass", "password": "Good-Password-1"})))
                .await;
            assert_eq!(s, StatusCode::OK, "{w}");
        }
        let (_, r) = app.call("GET", &url, Some(&tech), None).await;
        assert_eq!(
            (r["failures_last_18_months"].as_i64(), r["incident_history"].as_i64(), r["em_number"].as_i64()),
            (Some(3), Some(1), Some(21)),
            "{}: {r}",
            db.name
        );

        // An asset's own assessment overrides its model's: 7 + 3 + 3 + 1 = 14 → annual.
        let (s, b) = app
            .call("PUT", &url, Some(&admin), Some(json!({"function": 7, "physical_risk": 3, "maintenance": 3, "reason": "Used as a training unit only"})))
            .await;
        assert_eq!((s, b["of"].as_str()), (StatusCode::OK, Some("asset")), "{b}");
        let (_, r) = app.call("GET", &url, Some(&tech), None).await;
        assert_eq!(
            (r["em_number"].as_i64(), r["pm_interval_months"].as_i64(), r["must_be_high_risk"].as_bool()),
            (Some(14), Some(12), Some(false)),
            "{r}"
        );
        assert_eq!(r["history"].as_array().map(Vec::len), Some(2), "both designations stay in the record");
        let audit = db.store.list_audit_for("risk_assessment", &b["id"].to_string(), 5).await.unwrap();
        assert_eq!(audit[0].reason.as_deref(), Some("Used as a training unit only"));
    }
}
