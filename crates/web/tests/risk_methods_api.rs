//! Weighted risk methods, weighted assessments and designations over the JSON API, on SQLite
//! and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::user::{NewUser, Role};
use htm_service::Services;
use htm_test_support::stores;
use serde_json::{Value, json};

mod common;
use common::call_json;

struct App {
    router: axum::Router,
    services: Services,
}

impl App {
    async fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        call_json(&self.router, method, path, Some(token), body).await
    }

    async fn ok(&self, method: &str, path: &str, token: &str, body: Value) -> Value {
        let (s, b) = self.call(method, path, token, Some(body)).await;
        assert!(s.is_success(), "{method} {path}: {s} {b}");
        b
    }

    async fn login(&self, user: &str, pw: &str) -> String {
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

fn validation_fields(b: &Value) -> Vec<String> {
    assert_eq!(b["error"]["code"], "validation_failed", "{b}");
    b["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn weighted_methods_assessments_and_designations_over_the_api() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        services.ensure_admin(Some("Chief-Biomed-2026".into())).await.unwrap();
        services
            .add_user_as_system(NewUser {
                username: "bmet1".into(),
                display_name: "B. Met".into(),
                role: Role::Technician,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        let app = App { router: htm_web::router(htm_web::AppState::new(services.clone())), services };
        let admin = app.login("admin", "Chief-Biomed-2026").await;
        let tech = app.login("bmet1", "Good-Password-1").await;
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
        let m = app.ok("POST", "/api/v1/manufacturers", &admin, json!({"name": "Dräger"})).await;
        // A life-support model created with the reason for its designation.
        let model = app
            .ok("POST", "/api/v1/models", &admin, json!({"manufacturer_id": m["id"], "model_number": "V500", "name": "Evita V500", "category": "Ventilator, critical care", "life_support": true, "designation_reason": "Ventilator: life support (TJC EC.02.04.01 EP 3)"}))
            .await;
        assert_eq!((model["life_support"].as_bool(), model["high_risk"].as_bool()), (Some(true), Some(true)));
        let asset = app
            .ok(
                "POST",
                "/api/v1/assets",
                &admin,
                json!({"asset_tag": "VENT-0001", "model_id": model["id"], "department_id": d["id"]}),
            )
            .await;
        let id = asset["id"].as_i64().unwrap();

        // The methods: the shipped default, readable by technicians; only managers publish.
        let (s, list) = app.call("GET", "/api/v1/risk-methods", &tech, None).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list[0]["key"], "default-weighted", "{}: {list}", db.name);
        assert_eq!(list[0]["is_default"], true);
        let icu = json!({
            "key": "icu-weighted", "name": "ICU method", "inclusion_threshold": 40,
            "bands": {"quarterly_from": 90, "semiannual_from": 70, "annual_from": 40},
            "reason": "ICU committee criteria",
            "criteria": [
                {"key": "function", "label": "Function", "weight": 3, "min": 1, "max": 5,
                 "levels": [{"score": 5, "description": "Life support"}, {"score": 1, "description": "Non-clinical"}]},
                {"key": "failures", "label": "Incident history", "weight": 1, "min": 0, "max": 4, "computed": "incident_history"}
            ]
        });
        let (s, b) = app.call("POST", "/api/v1/risk-methods", &tech, Some(icu.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let mut bad = icu.clone();
        bad["criteria"][0]["max"] = json!(1);
        let (s, b) = app.call("POST", "/api/v1/risk-methods", &admin, Some(bad)).await;
        assert_eq!(
            (s, validation_fields(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["criteria[0].min".to_string(), "criteria[0].levels".to_string()])
        );
        let (s, v1) = app.call("POST", "/api/v1/risk-methods", &admin, Some(icu.clone())).await;
        assert_eq!((s, v1["version"].as_i64()), (StatusCode::CREATED, Some(1)), "{v1}");
        assert_eq!(v1["criteria"][0]["levels"][0]["score"], 1, "levels are kept in score order");

        // The model under the ICU method: function 5, no failures (−2 → 0 on 0–4):
        // 100 × (3·4 + 1·0) / (3·4 + 1·4) = 75 → in the program, semiannual.
        let url = format!("/api/v1/models/{}/weighted-risk", model["id"]);
        let body = json!({"method": "icu-weighted", "scores": {"function": 5}, "reason": "ICU review"});
        let (s, b) = app.call("PUT", &url, &tech, Some(body.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, b) = app
            .call(
                "PUT",
                &url,
                &admin,
                Some(json!({"method": "icu-weighted", "scores": {"function": 5, "failures": 1}, "reason": "x"})),
            )
            .await;
        assert_eq!(validation_fields(&b), vec!["scores.failures".to_string()], "{s}");
        let a = app.ok("PUT", &url, &admin, body).await;
        assert_eq!(
            (a["of"].as_str(), a["method"].as_str(), a["method_version"].as_i64()),
            (Some("model"), Some("icu-weighted"), Some(1))
        );
        // And the asset's own score under the default method.
        let all4 =
            json!({"clinical_function": 5, "physical_risk": 5, "maintenance_requirements": 4, "utilisation_backup": 4});
        app.ok(
            "PUT",
            &format!("/api/v1/assets/{id}/weighted-risk"),
            &admin,
            json!({"scores": all4, "reason": "Sole unit"}),
        )
        .await;

        // GET /risk keeps its fields and adds `weighted`, one per method.
        let (s, r) = app.call("GET", &format!("/api/v1/assets/{id}/risk"), &tech, None).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!((r["assessment"].clone(), r["inclusion_threshold"].as_i64()), (Value::Null, Some(12)));
        let w = r["weighted"].as_array().unwrap();
        assert_eq!(w.len(), 2, "{}: {r}", db.name);
        let by = |k: &str| w.iter().find(|x| x["method"] == k).unwrap().clone();
        let icu_r = by("icu-weighted");
        assert_eq!((icu_r["score"].as_f64(), icu_r["source"].as_str()), (Some(75.0), Some("model")), "{icu_r}");
        assert_eq!((icu_r["in_program"].as_bool(), icu_r["pm_interval_months"].as_i64()), (Some(true), Some(6)));
        assert_eq!(icu_r["must_be_high_risk"], true, "life support");
        // Default: (30·4 + 25·4 + 15·3 + 15·0 + 15·3) / 4 = 77.5 → semiannual.
        let def = by("default-weighted");
        assert_eq!(
            (def["score"].as_f64(), def["source"].as_str(), def["pm_interval_months"].as_i64()),
            (Some(77.5), Some("asset"), Some(6))
        );
        assert_eq!(def["parts"].as_array().unwrap().len(), 5);

        // A new version of the ICU method: the model's assessment still reports version 1.
        let mut v2 = icu.clone();
        v2["inclusion_threshold"] = json!(80);
        v2["bands"] = json!({"quarterly_from": 95, "semiannual_from": 90, "annual_from": 80});
        v2["reason"] = json!("Raised after the annual review");
        let v2 = app.ok("POST", "/api/v1/risk-methods", &admin, v2).await;
        assert_eq!(v2["version"], 2);
        let (_, r) = app.call("GET", &format!("/api/v1/assets/{id}/risk"), &tech, None).await;
        let icu_r = r["weighted"].as_array().unwrap().iter().find(|x| x["method"] == "icu-weighted").unwrap().clone();
        assert_eq!((icu_r["method_version"].as_i64(), icu_r["latest_version"].as_i64()), (Some(1), Some(2)), "{icu_r}");
        assert_eq!(icu_r["in_program"], true, "judged by the version it was scored with");

        // Designations: a flag change without a reason is refused, naming the field.
        let patch = json!({"version": asset["version"], "life_support_override": false});
        let (s, b) = app.call("PATCH", &format!("/api/v1/assets/{id}"), &admin, Some(patch)).await;
        assert_eq!(
            (s, validation_fields(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["life_support_override".to_string()])
        );
        let patch = json!({"version": asset["version"], "life_support_override": false, "high_risk_override": true, "reason": "Used only as a transport backup"});
        let a = app.ok("PATCH", &format!("/api/v1/assets/{id}"), &admin, patch).await;
        assert_eq!((a["life_support"].as_bool(), a["high_risk"].as_bool()), (Some(false), Some(true)));
        let (s, h) = app.call("GET", &format!("/api/v1/assets/{id}/designations"), &tech, None).await;
        assert_eq!(s, StatusCode::OK, "{h}");
        let h = h.as_array().unwrap();
        // Newest first: the asset's two overrides, then the model's two initial designations.
        let got: Vec<(String, String, Value)> = h
            .iter()
            .map(|d| (d["of"].as_str().unwrap().into(), d["designation"].as_str().unwrap().into(), d["value"].clone()))
            .collect();
        let want = vec![
            ("asset".into(), "life_support".into(), json!(false)),
            ("asset".into(), "high_risk".into(), json!(true)),
            ("model".into(), "life_support".into(), json!(true)),
            ("model".into(), "high_risk".into(), json!(true)),
        ];
        assert_eq!(got, want, "{}", db.name);
        assert_eq!(
            (h[0]["reason"].as_str(), h[0]["decided_by"].as_str()),
            (Some("Used only as a transport backup"), Some("admin"))
        );
        assert_eq!(h[3]["reason"], "Ventilator: life support (TJC EC.02.04.01 EP 3)");
        assert!(h[0]["decided_at"].is_string());
        let (s, _) = app.call("GET", "/api/v1/assets/999999/designations", &tech, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (_, doc) = app.call("GET", "/api/v1/openapi.json", &tech, None).await;
        for path in
            ["/risk-methods", "/models/{id}/weighted-risk", "/assets/{id}/weighted-risk", "/assets/{id}/designations"]
        {
            assert!(doc["paths"].get(path).is_some(), "{path}");
        }
        let _ = &app.services;
    }
}
