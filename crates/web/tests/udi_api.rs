//! `POST /api/v1/udi/parse` and `/udi/lookup`, and the `/scan` page, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_service::{Principal, Services};
use htm_test_support::stores;
use serde_json::json;

mod common;
use common::{App, get, login, manager_technician_and_icu, post};

async fn setup(services: &Services) -> (i64, i64, i64) {
    let sys = Principal::system();
    let d = manager_technician_and_icu(services).await;
    let m = services.create_manufacturer(&sys, NewManufacturer { name: "BD".into() }).await.unwrap();
    let model = services
        .create_model(&sys, NewDeviceModel::new(m.id, "8015", "Alaris PC unit", "Pump, infusion"))
        .await
        .unwrap();
    let n: NewAsset = serde_json::from_value(json!({
        "asset_tag": "BME-0001", "model_id": model.id.0, "department_id": d.id.0,
        "serial_number": "1234", "udi": {"di": "10884521062856"}
    }))
    .unwrap();
    let a = services.create_asset(&sys, n).await.unwrap();
    (a.id.0, model.id.0, d.id.0)
}

#[tokio::test]
async fn parse_returns_the_contract_json_and_422_with_where_and_why() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        setup(&services).await;
        let app = App { router: htm_web::router(htm_web::AppState::new(services)) };
        let t = app.login("kbrown", "Good-Password-1").await;
        let b = app
            .ok(
                "POST",
                "/api/v1/udi/parse",
                &t,
                Some(json!({"udi": "]d20110884521062856111412311725120010A213B1\u{1d}211234"})),
            )
            .await;
        assert_eq!(b["issuer"], "GS1", "{}", db.name);
        assert_eq!(b["di"], "10884521062856");
        assert_eq!(b["lot"], "A213B1");
        assert_eq!(b["serial"], "1234");
        assert_eq!(b["expiry"], "2025-12-31");
        assert_eq!(b["manufactured"], "2014-12-31");
        assert_eq!(b["symbology"]["id"], "]d2");
        let h = app.ok("POST", "/api/v1/udi/parse", &t, Some(json!({"udi": "+A99912345/$$52001510X33"}))).await;
        assert_eq!(
            (h["issuer"].as_str(), h["di"].as_str(), h["expiry"].as_str()),
            (Some("HIBCC"), Some("A99912345"), Some("2020-01-15"))
        );
        let i = app.ok("POST", "/api/v1/udi/parse", &t, Some(json!({"udi": "=/A9997AB3456T0123"}))).await;
        assert_eq!(i["issuer"], "ICCBBA");

        let (s, e) =
            app.call("POST", "/api/v1/udi/parse", &t, Some(json!({"udi": "(01)99863313444316(17)220101"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.contains("character 4") && msg.contains("AI (01)") && msg.contains("expected 2"), "{msg}");
        let (s, _) = app.call("POST", "/api/v1/udi/parse", "bad-token", Some(json!({"udi": "0110884521062856"}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn lookup_finds_the_asset_or_offers_to_create_one() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let (asset, model, _) = setup(&services).await;
        let app = App { router: htm_web::router(htm_web::AppState::new(services)) };
        let t = app.login("kbrown", "Good-Password-1").await;
        let hit = app.ok("POST", "/api/v1/udi/lookup", &t, Some(json!({"udi": "(01)10884521062856(21)1234"}))).await;
        assert_eq!(hit["next"], "open_asset", "{}", db.name);
        assert_eq!(hit["asset"]["id"], asset);
        let miss = app.ok("POST", "/api/v1/udi/lookup", &t, Some(json!({"udi": "(01)10884521062856(21)999"}))).await;
        assert_eq!(miss["next"], "create_asset");
        assert_eq!(miss["model"]["id"], model);
        assert_eq!(miss["prefill"]["serial"], "999");
    }
}

#[tokio::test]
async fn the_scan_page_goes_to_the_asset_or_to_a_prefilled_new_asset_form() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let (asset, model, dept) = setup(&services).await;
        let router = htm_web::router(htm_web::AppState::new(services));
        let mgr = login(&router, "mgarcia").await;
        let r = get(&router, "/scan", &mgr).await;
        assert_eq!(r.status, StatusCode::OK, "{}", db.name);
        assert!(r.body.contains("name=\"udi\""), "{}", r.body);
        // Found: straight to the asset.
        let r = get(&router, "/scan?udi=%2801%2910884521062856%2821%291234", &mgr).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location, format!("/assets/{asset}"));
        // Not found: the new-asset form, pre-filled.
        let r = get(&router, "/scan?udi=%5Dd20110884521062856%1D17251200%1D21NEW-7", &mgr).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("value=\"NEW-7\""), "{}", r.body);
        assert!(r.body.contains("2025-12-31"));
        assert!(r.body.contains(&format!("value=\"{model}\" selected")), "{}", r.body);
        // Invalid: the reason on the page.
        let r = get(&router, "/scan?udi=%2801%2999863313444316", &mgr).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("expected 2, found 6"), "{}", r.body);
        // Create it from the form (CSRF-protected).
        let r = post(
            &router,
            "/scan/assets",
            &mgr,
            &[
                ("csrf", &mgr.csrf),
                ("asset_tag", "BME-0002"),
                ("model_id", &model.to_string()),
                ("department_id", &dept.to_string()),
                ("serial_number", "NEW-7"),
                ("udi_di", "10884521062856"),
                ("udi_serial", "NEW-7"),
                ("udi_lot", ""),
                ("udi_manufactured", ""),
                ("udi_expiry", "2025-12-31"),
                ("udi_raw", "]d20110884521062856\u{1d}17251200\u{1d}21NEW-7"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location.starts_with("/assets/"));
        let r = post(&router, "/scan/assets", &mgr, &[("csrf", "wrong"), ("asset_tag", "X")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = get(&router, "/scan?udi=%2801%2910884521062856%2821%29NEW-7", &mgr).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
}
