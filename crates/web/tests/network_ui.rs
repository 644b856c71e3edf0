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

/// A central monitoring station model of `manufacturer` and one asset of it in `department`.
async fn central_station(
    services: &Services,
    department: htm_domain::ids::DepartmentId,
    manufacturer: &str,
    model_number: &str,
    name: &str,
    tag: &str,
) -> (htm_domain::catalog::DeviceModel, htm_domain::asset::Asset) {
    let sys = Principal::system();
    let m = services.create_manufacturer(&sys, NewManufacturer { name: manufacturer.into() }).await.unwrap();
    let model = services
        .create_model(&sys, NewDeviceModel::new(m.id, model_number, name, "Central monitoring station"))
        .await
        .unwrap();
    let n: NewAsset = serde_json::from_value(
        serde_json::json!({"asset_tag": tag, "model_id": model.id.0, "department_id": department.0}),
    )
    .unwrap();
    let asset = services.create_asset(&sys, n).await.unwrap();
    (model, asset)
}

#[tokio::test]
async fn the_network_section_saves_a_profile_and_the_cyber_report_lists_it() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let sys = Principal::system();
        let d = manager_technician_and_icu(&services).await;
        let (model, asset) =
            central_station(&services, d.id, "Philips", "PIIC iX", "Information Center", "CEN-0001").await;
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

/// The MDS2 form of the asset page's Network section: a manager adds a model security profile for
/// a software version, edits it with its version (a stale version is refused), a technician may
/// not, a forged CSRF token is refused; the profile then drives the unsupported-OS warning.
#[tokio::test]
async fn the_network_section_records_the_models_mds2_profiles() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let sys = Principal::system();
        let d = manager_technician_and_icu(&services).await;
        let (model, asset) =
            central_station(&services, d.id, "GE HealthCare", "CIC Pro", "Clinical Information Center", "CEN-0002")
                .await;
        let router = htm_web::router(htm_web::AppState::new(services.clone()));
        let mgr = login(&router, "mgarcia").await;
        let tech = login(&router, "kbrown").await;
        let page = format!("/assets/{}", asset.id.0);
        let save = format!("{page}/security-profile");
        let r = get(&router, &page, &mgr).await;
        assert!(r.body.contains("id=\"security-none\"") && r.body.contains("id=\"security-form-new\""), "{}", r.body);

        let fields = |csrf: &'static str, version: &'static str, eos: &'static str| {
            vec![
                ("csrf", csrf),
                ("version", version),
                ("software_version", "4.1"),
                ("authentication", "shared"),
                ("encryption_at_rest", "no"),
                ("encryption_in_transit", "partial"),
                ("patching", "manufacturer"),
                ("malware_protection", "yes"),
                ("remote_service", "on_request"),
                ("os_name", "Windows XP Embedded"),
                ("os_version", "SP3"),
                ("os_end_of_support", eos),
            ]
        };
        let csrf: &'static str = Box::leak(mgr.csrf.clone().into_boxed_str());
        let tcsrf: &'static str = Box::leak(tech.csrf.clone().into_boxed_str());
        assert_eq!(post(&router, &save, &tech, &fields(tcsrf, "", "2016-01-12")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(post(&router, &save, &mgr, &fields("forged", "", "2016-01-12")).await.status, StatusCode::FORBIDDEN);
        assert!(services.list_model_security_profiles(&sys, model.id).await.unwrap().is_empty(), "{}", db.name);
        // A bad date: back to the page with the reason, nothing saved.
        let r = post(&router, &save, &mgr, &fields(csrf, "", "12/01/2016")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(services.list_model_security_profiles(&sys, model.id).await.unwrap().is_empty());

        let r = post(&router, &save, &mgr, &fields(csrf, "", "2016-01-12")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let saved = services.list_model_security_profiles(&sys, model.id).await.unwrap();
        assert_eq!(saved.len(), 1, "{}", db.name);
        assert_eq!(saved[0].fields.authentication, Authentication::Shared);
        assert_eq!(saved[0].fields.os_end_of_support, Some(jiff::civil::date(2016, 1, 12)));
        let r = get(&router, &page, &mgr).await;
        assert!(r.body.contains("Software 4.1") && r.body.contains("2016-01-12 (past)"), "{}", r.body);
        assert!(r.body.contains("id=\"security-form-1\""), "the profile has its edit form");

        // Adding the same software version again (no version) is refused as stale; editing with
        // the version read applies; the old version is then stale.
        post(&router, &save, &mgr, &fields(csrf, "", "2016-01-12")).await;
        assert_eq!(services.list_model_security_profiles(&sys, model.id).await.unwrap()[0].version, 1);
        post(&router, &save, &mgr, &fields(csrf, "1", "2019-01-08")).await;
        let saved = services.list_model_security_profiles(&sys, model.id).await.unwrap();
        assert_eq!((saved[0].version, saved[0].fields.os_end_of_support), (2, Some(jiff::civil::date(2019, 1, 8))));
        post(&router, &save, &mgr, &fields(csrf, "1", "2030-01-01")).await;
        let saved = services.list_model_security_profiles(&sys, model.id).await.unwrap();
        assert_eq!(saved[0].version, 2, "a stale edit changes nothing ({})", db.name);
    }
}
