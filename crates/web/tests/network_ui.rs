//! The asset page's Network section (its form for inventory managers) and the cyber report page,
//! on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::network::{Authentication, Encryption, MalwareProtection, Patching, RemoteService, SecurityFields};
use htm_service::{Principal, Services};
use htm_test_support::stores;

mod common;
use common::{get, login, manager_technician_and_icu, post};

/// The network form's fields.
fn form<'a>(csrf: &'a str, ip: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", ""),
        ("hostname", "CEN-0001.icu"),
        ("ip_addresses", ip),
        ("mac_addresses", "00-09-fb-aa-bb-cc"),
        ("connection", "wired"),
        ("software_version", "B.02"),
        ("stores_phi", "on"),
        ("cert_expires_on", "2020-06-01"),
    ]
}

#[tokio::test]
async fn the_network_section_saves_a_profile_and_the_cyber_report_lists_it() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let sys = Principal::system();
        let d = manager_technician_and_icu(&services).await;
        let m = services.create_manufacturer(&sys, NewManufacturer { name: "Philips".into() }).await.unwrap();
        let model = services
            .create_model(
                &sys,
                NewDeviceModel {
                    manufacturer_id: m.id,
                    model_number: "PIIC iX".into(),
                    name: "Information Center".into(),
                    category: "Central monitoring station".into(),
                    nomenclature_system: None,
                    nomenclature_code: None,
                    fda_product_code: None,
                    fda_class: None,
                    expected_life_years: None,
                    high_risk: false,
                    life_support: false,
                },
            )
            .await
            .unwrap();
        let n: NewAsset = serde_json::from_value(
            serde_json::json!({"asset_tag": "CEN-0001", "model_id": model.id.0, "department_id": d.id.0}),
        )
        .unwrap();
        let asset = services.create_asset(&sys, n).await.unwrap();
        let sec = SecurityFields {
            software_version: "B.02".into(),
            authentication: Authentication::Shared,
            encryption_at_rest: Encryption::No,
            encryption_in_transit: Encryption::Partial,
            patching: Patching::Manufacturer,
            patching_notes: None,
            malware_protection: MalwareProtection::Yes,
            remote_service: RemoteService::OnRequest,
            os_name: Some("Windows 7 Embedded".into()),
            os_version: Some("SP1".into()),
            os_end_of_support: Some(jiff::civil::date(2020, 1, 14)),
        };
        services.save_model_security_profile(&sys, model.id, sec, None).await.unwrap();
        let router = htm_web::router(htm_web::AppState::new(services));
        let mgr = login(&router, "mgarcia").await;
        let tech = login(&router, "kbrown").await;
        let page = format!("/assets/{}", asset.id.0);

        // No profile: the manager gets the form, the technician no section.
        let r = get(&router, &page, &mgr).await;
        assert_eq!(r.status, StatusCode::OK, "{}", db.name);
        assert!(r.body.contains("id=\"network-none\"") && r.body.contains("id=\"network-form\""), "{}", r.body);
        assert!(!get(&router, &page, &tech).await.body.contains("id=\"asset-network\""));

        let save = format!("{page}/network");
        assert_eq!(post(&router, &save, &tech, &form(&tech.csrf, "10.0.0.5")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(post(&router, &save, &mgr, &form("forged", "10.0.0.5")).await.status, StatusCode::FORBIDDEN);
        // A bad address: back to the page, nothing saved.
        let r = post(&router, &save, &mgr, &form(&mgr.csrf, "10.0.0.500")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(get(&router, &page, &mgr).await.body.contains("id=\"network-none\""));
        let r = post(&router, &save, &mgr, &form(&mgr.csrf, "10.0.0.5")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        let r = get(&router, &page, &tech).await;
        assert!(r.body.contains("id=\"network-details\""), "{}", r.body);
        assert!(r.body.contains("00:09:FB:AA:BB:CC") && r.body.contains("cen-0001.icu"), "{}", r.body);
        assert!(r.body.contains("id=\"network-unsupported-os\""), "{}", r.body);
        assert!(r.body.contains("2020-06-01 (expired)"), "{}", r.body);
        assert!(!r.body.contains("id=\"network-form\""));

        let r = get(&router, "/reports/cyber", &mgr).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("Unsupported operating systems (1)") && r.body.contains("Windows 7 Embedded SP1"),
            "{}",
            r.body
        );
        assert!(r.body.contains("Certificates expiring within 60 days (1)"), "{}", r.body);
    }
}
