//! The asset page's Risk panel and its form (CSRF-protected, inventory managers only), on both
//! back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_service::{Principal, Services};
use htm_store::RiskTarget;
use htm_test_support::stores;
use std::collections::BTreeMap;

mod common;
use common::{get, login, manager_technician_and_icu, post};

/// The risk form's fields: function 10, physical risk 5, maintenance 5.
fn fields<'a>(csrf: &'a str, reason: &'a str) -> [(&'a str, &'a str); 5] {
    [("csrf", csrf), ("function", "10"), ("physical_risk", "5"), ("maintenance", "5"), ("reason", reason)]
}

#[tokio::test]
async fn the_risk_panel_shows_the_numbers_and_its_form_saves_the_factors() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let sys = Principal::system();
        let d = manager_technician_and_icu(&services).await;
        let m = services.create_manufacturer(&sys, NewManufacturer { name: "ZOLL".into() }).await.unwrap();
        let model = services
            .create_model_designated(
                &sys,
                NewDeviceModel {
                    life_support: true,
                    ..NewDeviceModel::new(m.id, "R Series ALS", "R Series", "Defibrillator, manual")
                },
                Some("Defibrillator: life support".into()),
            )
            .await
            .unwrap();
        let n: NewAsset = serde_json::from_value(
            serde_json::json!({"asset_tag": "DEF-0001", "model_id": model.id.0, "department_id": d.id.0}),
        )
        .unwrap();
        let asset = services.create_asset(&sys, n).await.unwrap();
        let scores: BTreeMap<String, i8> = [
            ("clinical_function", 5),
            ("physical_risk", 5),
            ("maintenance_requirements", 4),
            ("utilisation_backup", 4),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        services
            .assess_weighted_risk(&sys, RiskTarget::Model(model.id), None, scores, "Committee review")
            .await
            .unwrap();
        let router = htm_web::router(htm_web::AppState::new(services));
        let mgr = login(&router, "mgarcia").await;
        let tech = login(&router, "kbrown").await;
        let page = format!("/assets/{}", asset.id.0);

        // Before any F&S factors: the panel, the weighted score, the designation history.
        let r = get(&router, &page, &mgr).await;
        assert_eq!(r.status, StatusCode::OK, "{}", db.name);
        assert!(r.body.contains("id=\"asset-risk\""), "{}", r.body);
        assert!(r.body.contains("id=\"risk-em-none\""));
        assert!(r.body.contains("<strong>77.5</strong> / 100"), "(120 + 100 + 45 + 0 + 45) / 4: {}", r.body);
        assert!(r.body.contains("Life support: yes (its model)"), "{}", r.body);
        assert!(r.body.contains("Reason: Defibrillator: life support"));
        assert!(r.body.contains("id=\"risk-form\""));
        // A technician sees the panel but not the form, and cannot save.
        let r = get(&router, &page, &tech).await;
        assert!(r.body.contains("id=\"asset-risk\"") && !r.body.contains("id=\"risk-form\""), "{}", r.body);
        let save = format!("{page}/risk");
        let r = post(&router, &save, &tech, &fields(&tech.csrf, "x")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", db.name);
        // Without the CSRF token: refused.
        let r = post(&router, &save, &mgr, &fields("forged", "x")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Without a reason: back to the page, nothing saved.
        let r = post(&router, &save, &mgr, &fields(&mgr.csrf, " ")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(get(&router, &page, &mgr).await.body.contains("id=\"risk-em-none\""));
        // Saved: EM 10 + 5 + 5 − 2 = 18 (no failures), in the program, quarterly, set for this asset.
        let r = post(&router, &save, &mgr, &fields(&mgr.csrf, "Sole defibrillator on the ward")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location.starts_with(&page), "{}", r.location);
        let r = get(&router, &page, &mgr).await;
        assert!(r.body.contains("<strong id=\"risk-em-number\">18</strong>"), "{}: {}", db.name, r.body);
        assert!(r.body.contains("set for this asset"));
        assert!(r.body.contains("every 3 months (quarterly)"));
        assert!(r.body.contains("Sole defibrillator on the ward"));
        assert!(r.body.contains("value=\"10\""), "the form shows the factors in force");
    }
}
