//! `GET /api/v1/reports/repairs` and `/reports/repairs` on SQLite and PostgreSQL: a repair made
//! through the API shows up with its cost, the page renders, and bad parameters are a 400
//! envelope.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

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
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        common::call_json(&self.router, method, path, token, body).await
    }

    async fn user(&self, name: &str, role: Role) -> String {
        self.services
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
        let (s, b) = self
            .call("POST", "/api/v1/auth/login", None, Some(json!({"username": name, "password": "Good-Password-1"})))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b["token"].as_str().unwrap().to_string()
    }
}

fn assert_bad_request(s: StatusCode, b: &Value) {
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(b["error"]["code"], "bad_request", "{b}");
    assert!(b["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
}

#[tokio::test]
async fn the_repair_report_contract_holds() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let app = App { router: htm_web::router(htm_web::AppState::new(services.clone())), services };
        let mgr = app.user("mgr", Role::Manager).await;
        let tech = app.user("tech", Role::Technician).await;
        let nurse = app.user("nurse", Role::Requester).await;
        let (_, site) =
            app.call("POST", "/api/v1/sites", Some(&mgr), Some(json!({"code": "RGH", "name": "Riverside"}))).await;
        let (_, b) = app
            .call(
                "POST",
                "/api/v1/buildings",
                Some(&mgr),
                Some(json!({"site_id": site["id"], "code": "A", "name": "A"})),
            )
            .await;
        let (_, d) = app
            .call(
                "POST",
                "/api/v1/departments",
                Some(&mgr),
                Some(json!({"building_id": b["id"], "cost_center": "6100", "name": "Adult ICU"})),
            )
            .await;
        let (_, m) = app.call("POST", "/api/v1/manufacturers", Some(&mgr), Some(json!({"name": "ZOLL"}))).await;
        let (_, model) = app
            .call("POST", "/api/v1/models", Some(&mgr), Some(json!({"manufacturer_id": m["id"], "model_number": "R Series ALS", "name": "R Series", "category": "Defibrillator, manual"})))
            .await;
        let (s, a) = app
            .call("POST", "/api/v1/assets", Some(&mgr), Some(json!({"asset_tag": "BME-000101", "model_id": model["id"], "department_id": d["id"], "status": "in_service", "in_service_date": "2024-01-01"})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{}: {a}", db.name);
        let (s, wo) = app
            .call(
                "POST",
                "/api/v1/work-orders",
                Some(&nurse),
                Some(json!({"wo_type": "repair", "asset_id": a["id"], "problem": "No shock delivered on test"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{wo}");
        let t = format!("/api/v1/work-orders/{}/transitions", wo["id"]);
        let (_, w) = app.call("POST", &t, Some(&tech), Some(json!({"to": "in_progress"}))).await;
        let (s, w) = app
            .call("PATCH", &format!("/api/v1/work-orders/{}", wo["id"]), Some(&tech), Some(json!({"version": w["version"], "add_labour": [{"minutes": 90}], "add_parts": [{"part_number": "HV-CAP", "quantity": 2, "unit_cost_minor": 15000}]})))
            .await;
        assert_eq!(s, StatusCode::OK, "{w}");
        let (s, w) = app
            .call("POST", &t, Some(&tech), Some(json!({"to": "completed", "cause_code": "EF", "work_performed": "Replaced HV capacitor", "result": "pass", "password": "Good-Password-1"})))
            .await;
        assert_eq!(s, StatusCode::OK, "{w}");

        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let from = today.yesterday().unwrap();
        let to = today.tomorrow().unwrap();
        let url = format!("/api/v1/reports/repairs?from={from}&to={to}");
        let (s, r) = app.call("GET", &url, Some(&mgr), None).await;
        assert_eq!(s, StatusCode::OK, "{}: {r}", db.name);
        assert_eq!(r["group_by"], "department");
        assert_eq!(r["days"], 3);
        let tot = &r["totals"];
        assert_eq!((tot["repairs"].as_i64(), tot["failures"].as_i64()), (Some(1), Some(1)), "{r}");
        assert_eq!(tot["parts_cost_minor"], 30_000, "{r}");
        assert_eq!(tot["labour_hours"], 1.5, "{r}");
        assert_eq!(tot["labour_cost_minor"], 12_750, "{r}: 1.5 h at the default 85.00/h");
        assert_eq!(tot["total_cost_minor"], 42_750, "{r}");
        assert!(tot["mtbf_years"].as_f64().is_some(), "{r}");
        assert_eq!(r["groups"][0]["label"], "Adult ICU");
        assert_eq!(r["causes"][0]["code"], "EF");
        assert_eq!(r["causes"][0]["share_pct"], 100.0);
        assert_eq!(r["repeats"], json!([]));
        // The site's labour rate is a setting: 95.00/h makes the same 1.5 h cost 142.50.
        let settings = format!("/api/v1/sites/{}/repair-settings", site["id"]);
        let (s, b) = app.call("GET", &settings, Some(&mgr), None).await;
        assert_eq!((s, &b), (StatusCode::OK, &json!({"labour_rate_minor": 8500, "battery_counts_as_failure": false})));
        let new = json!({"labour_rate_minor": 9500, "battery_counts_as_failure": true});
        let (s, b) = app.call("PUT", &settings, Some(&tech), Some(new.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, b) = app
            .call(
                "PUT",
                &settings,
                Some(&mgr),
                Some(json!({"labour_rate_minor": -1, "battery_counts_as_failure": false})),
            )
            .await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
            "{b}"
        );
        let (s, b) = app.call("PUT", &settings, Some(&mgr), Some(new.clone())).await;
        assert_eq!((s, &b), (StatusCode::OK, &new));
        let (_, r) = app.call("GET", &url, Some(&mgr), None).await;
        assert_eq!(r["totals"]["labour_cost_minor"], 14_250, "{r}");
        let audit = db.store.list_audit_for("site_repair_settings", &site["id"].to_string(), 5).await.unwrap();
        assert_eq!(audit.len(), 1, "{}", db.name);

        let (s, r) = app.call("GET", &format!("{url}&group_by=asset"), Some(&tech), None).await;
        assert_eq!((s, r["groups"][0]["label"].as_str()), (StatusCode::OK, Some("BME-000101")), "{r}");

        // Bad parameters: the 400 envelope.
        for bad in [
            format!("/api/v1/reports/repairs?from=2026-13-01&to={to}"),
            format!("/api/v1/reports/repairs?from={to}&to={from}"),
            format!("/api/v1/reports/repairs?from={from}&to={to}&group_by=site"),
            format!("/api/v1/reports/repairs?from={from}"),
            "/api/v1/reports/repairs?from=2000-01-01&to=2026-01-01".to_string(),
        ] {
            let (s, b) = app.call("GET", &bad, Some(&mgr), None).await;
            assert_bad_request(s, &b);
        }
        // Requesters do not read department-wide reports.
        let (s, b) = app.call("GET", &url, Some(&nurse), None).await;
        assert_eq!((s, b["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{b}");
        let (s, b) = app.call("GET", &url, None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
        // A second EF repair of the same defibrillator the same day is a repeat repair (0 days).
        let (_, wo2) = app
            .call(
                "POST",
                "/api/v1/work-orders",
                Some(&nurse),
                Some(json!({"wo_type": "repair", "asset_id": a["id"], "problem": "No shock again"})),
            )
            .await;
        let t2 = format!("/api/v1/work-orders/{}/transitions", wo2["id"]);
        app.call("POST", &t2, Some(&tech), Some(json!({"to": "in_progress"}))).await;
        let (s, w) = app
            .call("POST", &t2, Some(&tech), Some(json!({"to": "completed", "cause_code": "EF", "work_performed": "Reseated HV cable", "result": "pass", "password": "Good-Password-1"})))
            .await;
        assert_eq!(s, StatusCode::OK, "{w}");
        let (_, r) = app.call("GET", &url, Some(&mgr), None).await;
        assert_eq!(r["repeats"][0]["number"], wo2["number"], "{r}");
        assert_eq!(r["repeats"][0]["previous_number"], wo["number"], "{r}");
        assert_eq!(r["repeats"][0]["days_apart"], 0, "{r}");
        assert_eq!(r["totals"]["repeat_repairs"], 1, "{r}");

        // The page, signed in through the form: tables and the repeat list; the work order shows the badge.
        let body = "username=mgr&password=Good-Password-1&next=%2F";
        let req = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let res = app.router.clone().oneshot(req).await.unwrap();
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("htm_session="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let page = |path: String| {
            let req = Request::get(path).header("cookie", &cookie).body(Body::empty()).unwrap();
            let router = app.router.clone();
            async move {
                let res = router.oneshot(req).await.unwrap();
                let status = res.status();
                let bytes = res.into_body().collect().await.unwrap().to_bytes();
                (status, String::from_utf8_lossy(&bytes).into_owned())
            }
        };
        let (s, html) = page(format!("/reports/repairs?from={from}&to={to}&group_by=model")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        for needle in [
            "id=\"repair-report-table\"",
            "id=\"repair-causes-table\"",
            "id=\"repair-repeats-table\"",
            "ZOLL R Series ALS",
            "data-label=\"Repairs\">2<",
            "data-label=\"Parts\">300.00<",
            "href=\"/reports/repairs\"",
        ] {
            assert!(html.contains(needle), "{}: {needle} missing in {html}", db.name);
        }
        let (s, html) = page("/reports/repairs?from=2026-02-30&to=2026-03-01".into()).await;
        assert_ne!(s, StatusCode::OK, "{html}");
        let (_, html) = page(format!("/work-orders/{}", wo2["id"])).await;
        assert!(html.contains("id=\"wo-repeat-repair\""), "{html}");
        let (_, html) = page(format!("/assets/{}", a["id"])).await;
        assert!(html.contains("Repairs (12 months)"), "{html}");
        assert!(html.contains("2 repair(s), 2 failure(s), 1 repeat(s)"), "{html}");
        assert!(html.contains("cost 442.50"), "{html}");
        let (_, html) = page(format!("/work-orders/{}", wo["id"])).await;
        assert!(!html.contains("id=\"wo-repeat-repair\""), "the first repair is no repeat");

        // The OpenAPI document lists the path.
        let (_, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
        if doc.is_object() {
            assert!(doc["paths"].get("/reports/repairs").is_some(), "openapi lists /reports/repairs");
        }
    }
}
