//! `/api/v1/recalls`, `/api/v1/alerts` and `/api/v1/recall-matches` on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::org::{NewBuilding, NewDepartment, NewSite};
use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, Services};
use htm_test_support::stores;
use serde_json::{Value, json};

async fn login(router: &axum::Router, services: &Services, name: &str, role: Role) -> String {
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
    let body = json!({"username": name, "password": "Good-Password-1"});
    let (s, b) = common::call_json(router, "POST", "/api/v1/auth/login", None, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["token"].as_str().unwrap().to_string()
}

async fn inventory(s: &Services) {
    let sys = Principal::system();
    let site =
        s.create_site(&sys, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b =
        s.create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let d = s
        .create_department(&sys, NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() })
        .await
        .unwrap();
    let m = s.create_manufacturer(&sys, NewManufacturer { name: "BD".into() }).await.unwrap();
    let model = s
        .create_model(
            &sys,
            NewDeviceModel {
                fda_product_code: Some("FRN".into()),
                high_risk: true,
                ..NewDeviceModel::new(m.id, "8015", "Alaris PC unit", "Pump, infusion")
            },
        )
        .await
        .unwrap();
    let n: NewAsset =
        serde_json::from_value(json!({"asset_tag": "IP-1", "model_id": model.id.0, "department_id": d.id.0})).unwrap();
    s.create_asset(&sys, n).await.unwrap();
}

#[tokio::test]
async fn import_match_decide_and_close_over_the_api() {
    let fixture: Value = serde_json::from_slice(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../service/tests/fixtures/recalls_synthetic.json"),
        )
        .unwrap(),
    )
    .unwrap();
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let router = htm_web::router(htm_web::AppState::new(services.clone()));
        inventory(&services).await;
        let ce = login(&router, &services, "ce", Role::Engineer).await;
        let tech = login(&router, &services, "tech", Role::Technician).await;
        let call = |m: &'static str, path: String, tok: String, body: Option<Value>| {
            let router = router.clone();
            async move { common::call_json(&router, m, &path, Some(&tok), body).await }
        };

        let (s, b) = call("POST", "/api/v1/recalls/import".into(), ce.clone(), Some(fixture.clone())).await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.name);
        assert_eq!(b, json!({"inserted": 3, "updated": 0, "unchanged": 0}));
        let (_, b) = call("POST", "/api/v1/recalls/import".into(), ce.clone(), Some(fixture.clone())).await;
        assert_eq!(b, json!({"inserted": 0, "updated": 0, "unchanged": 3}));
        let (s, b) = call("POST", "/api/v1/recalls/import".into(), tech.clone(), Some(fixture.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let bad = json!({"results": [{"product_res_number": "Z-1"}]});
        let (s, b) = call("POST", "/api/v1/recalls/import".into(), ce.clone(), Some(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["error"]["fields"][0]["field"], "results[0].product_res_number");

        let (s, c) = call("POST", "/api/v1/recalls/match".into(), ce.clone(), None).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c.as_array().unwrap().len(), 1, "{c}");
        assert_eq!(c[0]["recall"], "Z-9901-2026");
        let match_id = c[0]["match_id"].as_i64().unwrap();
        let recall_id = c[0]["recall_id"].as_i64().unwrap();

        let (s, list) = call("GET", "/api/v1/recalls?class=I&status=open".into(), tech.clone(), None).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(list["items"][0]["number"], "Z-9901-2026");
        assert_eq!(list["items"][0]["progress"]["candidates"], 1);

        let (s, b) =
            call("POST", format!("/api/v1/recall-matches/{match_id}/reject"), ce.clone(), Some(json!({"note": ""})))
                .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (s, m) = call("POST", format!("/api/v1/recall-matches/{match_id}/confirm"), ce.clone(), None).await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["status"], "confirmed");
        assert!(m["work_order_number"].as_str().unwrap().starts_with("WO-"));
        let (s, b) = call("POST", format!("/api/v1/recalls/{recall_id}/close"), ce.clone(), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (s, b) = call(
            "POST",
            format!("/api/v1/recall-matches/{match_id}/not-affected"),
            ce.clone(),
            Some(json!({"note": "Serial checked against the manufacturer's list: not included"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = call("POST", format!("/api/v1/recalls/{recall_id}/close"), ce.clone(), None).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, d) = call("GET", format!("/api/v1/recalls/{recall_id}"), tech.clone(), None).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["state"], "closed");
        assert_eq!(d["matches"][0]["status"], "not_affected");

        let alert = json!({"recalling_firm": "BD", "product_description": "Model 8015 notice", "reason": "Latch",
                           "recall_class": "II", "product_codes": ["FRN"]});
        let (s, a) = call("POST", "/api/v1/alerts".into(), ce.clone(), Some(alert)).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        assert!(a["number"].as_str().unwrap().starts_with("ALERT-"));
        assert_eq!(a["source"], "manual");

        let (_, doc) = common::call_json(&router, "GET", "/api/v1/openapi.json", None, None).await;
        for p in [
            "/recalls/import",
            "/alerts",
            "/recalls",
            "/recalls/{id}",
            "/recalls/match",
            "/recall-matches/{id}/confirm",
            "/recall-matches/{id}/reject",
            "/recall-matches/{id}/not-affected",
            "/recalls/{id}/close",
        ] {
            assert!(doc["paths"].get(p).is_some(), "{p} is documented");
        }
    }
}
