//! Maintenance strategies over the JSON API, on SQLite and PostgreSQL: the 422 refusal body,
//! the signed approval, the register, an asset's strategy, the AEM report and settings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::user::{NewUser, Role};
use htm_service::Services;
use htm_test_support::stores;
use serde_json::json;

mod common;
use common::{App, call_json};

#[tokio::test]
async fn strategies_over_the_api() {
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
        let app = App { router: htm_web::router(htm_web::AppState::new(services)) };
        let admin = app.login("admin", "Chief-Biomed-2026").await;
        let tech = app.login("bmet1", "Good-Password-1").await;
        let site = app.ok("POST", "/api/v1/sites", &admin, Some(json!({"code": "RGH", "name": "Riverside"}))).await;
        let b = app
            .ok("POST", "/api/v1/buildings", &admin, Some(json!({"site_id": site["id"], "code": "A", "name": "A"})))
            .await;
        let d = app
            .ok(
                "POST",
                "/api/v1/departments",
                &admin,
                Some(json!({"building_id": b["id"], "cost_center": "7100", "name": "Radiology"})),
            )
            .await;
        let m = app.ok("POST", "/api/v1/manufacturers", &admin, Some(json!({"name": "Siemens Healthineers"}))).await;
        let ct = app
            .ok(
                "POST",
                "/api/v1/models",
                &admin,
                Some(json!({"manufacturer_id": m["id"], "model_number": "SOMATOM go.Up", "name": "SOMATOM go.Up",
                    "category": "Computed tomography (CT) scanner", "fda_product_code": "JAK"})),
            )
            .await;
        let aem = json!({
            "strategy": "aem", "rationale": "Vendor data", "aem_group": "CT", "alt_interval_months": 12,
            "criteria": {"use_and_harm": "Diagnostic imaging", "failure_consequences": "Delayed diagnosis",
                "backup_availability": "Second scanner", "incident_history": "None", "maintenance_requirements": "Tube, detector"}
        });
        let path = format!("/api/v1/models/{}/strategy", ct["id"]);
        let (s, body) = app.call("POST", &path, &admin, Some(aem.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "aem_not_allowed", "{body}");
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("Alternate equipment maintenance (AEM) is not allowed: "), "{msg}");
        assert!(msg.contains("imaging or radiologic equipment") && msg.contains("CMS S&C 14-07-Hospital"), "{msg}");
        let reasons: Vec<&str> =
            body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(reasons, ["imaging_radiologic", "insufficient_history"]);
        // A technician may not propose at all.
        let (s, body) = app.call("POST", &path, &tech, Some(aem)).await;
        assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));

        // A low-risk thermometer may run to failure; approval is signed.
        let thermo = app
            .ok(
                "POST",
                "/api/v1/models",
                &admin,
                Some(json!({"manufacturer_id": m["id"], "model_number": "T-1", "name": "Thermometer",
                    "category": "Electronic clinical thermometer", "fda_product_code": "FLL"})),
            )
            .await;
        let asset = app
            .ok(
                "POST",
                "/api/v1/assets",
                &admin,
                Some(json!({"asset_tag": "TH-001", "model_id": thermo["id"], "department_id": d["id"]})),
            )
            .await;
        let p = app
            .ok(
                "POST",
                &format!("/api/v1/models/{}/strategy", thermo["id"]),
                &admin,
                Some(json!({"strategy": "run_to_failure", "rationale": "Disposable-grade; replaced on failure"})),
            )
            .await;
        assert_eq!(p["status"], "proposed");
        let approve = format!("/api/v1/strategies/{}/approve", p["id"]);
        let (s, body) = app.call("POST", &approve, &admin, Some(json!({}))).await;
        assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("signature_required")));
        let (s, body) = app.call("POST", &approve, &admin, Some(json!({"password": "nope"}))).await;
        assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("signature_invalid")));
        let v = app.ok("POST", &approve, &admin, Some(json!({"password": "Chief-Biomed-2026"}))).await;
        assert_eq!(v["status"], "approved");
        assert_eq!(v["signatures"][0]["meaning"], "approval");

        let cur = app.ok("GET", &format!("/api/v1/assets/{}/strategy", asset["id"]), &tech, None).await;
        assert_eq!((cur["strategy"].as_str(), cur["source"].as_str()), (Some("run_to_failure"), Some("model")));
        let reg = app.ok("GET", "/api/v1/strategies", &tech, None).await;
        assert_eq!(reg["current"].as_array().unwrap().len(), 1);
        assert_eq!(reg["current"][0]["label"], "Siemens Healthineers T-1");

        let r = app.ok("GET", "/api/v1/reports/aem?from=2026-01-01&to=2026-06-30", &tech, None).await;
        assert_eq!(r["groups"], json!([]));
        assert_eq!(r["settings"]["min_service_months"], 24);
        let mut set = app.ok("GET", "/api/v1/aem-settings", &tech, None).await;
        set["min_completed_pms"] = json!(3);
        let (s, _) = app.call("PUT", "/api/v1/aem-settings", &tech, Some(set.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let set = app.ok("PUT", "/api/v1/aem-settings", &admin, Some(set)).await;
        assert_eq!((set["min_completed_pms"].as_i64(), set["version"].as_i64()), (Some(3), Some(2)));

        let (_, doc) = call_json(&app.router, "GET", "/api/v1/openapi.json", None, None).await;
        for p in [
            "/models/{id}/strategy",
            "/assets/{id}/strategy",
            "/strategies",
            "/strategies/{id}",
            "/strategies/{id}/approve",
            "/strategies/{id}/reject",
            "/strategy-eligibility",
            "/models/{id}/aem-flags",
            "/reports/aem",
            "/aem-settings",
        ] {
            assert!(doc["paths"].get(p).is_some(), "{p} is documented");
        }
        for schema in ["StrategyProposal", "StrategyView", "AemReport", "AemGroupReport", "AemSettings", "Refusal"] {
            assert!(doc["components"]["schemas"].get(schema).is_some(), "schema {schema}");
        }
    }
}
