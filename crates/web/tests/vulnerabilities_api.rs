//! `/api/v1/vulnerabilities`, `/api/v1/models/{id}/sboms`, `/api/v1/findings` and the
//! critical-findings report, and the `/vulnerabilities` page, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::network::NetworkFields;
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

/// A life-support monitor model and one networked asset of it storing PHI on Windows 10.
async fn inventory(s: &Services) -> (i64, i64) {
    let sys = Principal::system();
    let site =
        s.create_site(&sys, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b =
        s.create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let d = s
        .create_department(&sys, NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() })
        .await
        .unwrap();
    let m = s.create_manufacturer(&sys, NewManufacturer { name: "Acme".into() }).await.unwrap();
    let model = s
        .create_model(
            &sys,
            NewDeviceModel {
                life_support: true,
                ..NewDeviceModel::new(m.id, "MON-9", "Monitor", "Monitor, physiological")
            },
        )
        .await
        .unwrap();
    let n: NewAsset =
        serde_json::from_value(json!({"asset_tag": "ICU-1", "model_id": model.id.0, "department_id": d.id.0})).unwrap();
    let a = s.create_asset(&sys, n).await.unwrap();
    let net: NetworkFields =
        serde_json::from_value(json!({"connection": "wireless", "os_name": "Microsoft Windows 10",
        "os_version": "21H2", "software_version": "4.2", "stores_phi": true}))
        .unwrap();
    s.save_network_profile(&sys, a.id, net, None).await.unwrap();
    (model.id.0, a.id.0)
}

#[tokio::test]
async fn kev_sbom_match_and_findings_over_the_api() {
    let kev: Value = serde_json::from_slice(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/cisa_kev/kev_subset_for_tests.json"),
        )
        .unwrap(),
    )
    .unwrap();
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let router = htm_web::router(htm_web::AppState::new(services.clone()));
        let (model, asset) = inventory(&services).await;
        let ce = login(&router, &services, "ce", Role::Engineer).await;
        let tech = login(&router, &services, "tech", Role::Technician).await;
        let call = |m: &'static str, path: String, tok: String, body: Option<Value>| {
            let router = router.clone();
            async move { common::call_json(&router, m, &path, Some(&tok), body).await }
        };

        let (s, b) = call("POST", "/api/v1/vulnerabilities/kev".into(), ce.clone(), Some(kev.clone())).await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.name);
        assert_eq!(b, json!({"inserted": 22, "updated": 0, "unchanged": 0}));
        let (_, b) = call("POST", "/api/v1/vulnerabilities/kev".into(), ce.clone(), Some(kev.clone())).await;
        assert_eq!(b, json!({"inserted": 0, "updated": 0, "unchanged": 22}));
        let (s, _) = call("POST", "/api/v1/vulnerabilities/kev".into(), tech.clone(), Some(kev.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let bad = json!({"vulnerabilities": [{"cveID": "CVE-2021-44228", "vendorProject": "Apache"}]});
        let (s, b) = call("POST", "/api/v1/vulnerabilities/kev".into(), ce.clone(), Some(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["error"]["fields"][1]["field"], "vulnerabilities[0].product", "{b}");

        let manual = json!({"cve_id": "CVE-2099-1234", "vendor": "zlib", "product": "zlib", "name": null,
            "description": null, "date_added": null, "due_date": null, "ransomware": false,
            "affected_versions": "<1.2.12"});
        let (s, b) = call("POST", "/api/v1/vulnerabilities".into(), ce.clone(), Some(manual)).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, list) = call("GET", "/api/v1/vulnerabilities".into(), tech.clone(), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 23);

        let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.5",
            "components": [{"name": "zlib", "version": "1.2.11", "purl": "pkg:generic/zlib@1.2.11"}]});
        let (s, b) = call("POST", format!("/api/v1/models/{model}/sboms?version=4.2"), ce.clone(), Some(bom)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["outcome"], "created");
        let (_, b) = call("GET", format!("/api/v1/models/{model}/sboms"), tech.clone(), None).await;
        assert_eq!(b[0]["software_version"], "4.2");

        let (s, b) = call("POST", "/api/v1/vulnerabilities/match".into(), ce.clone(), None).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["added"], 2, "{b}");
        let (s, f) = call("GET", "/api/v1/findings?level=critical&status=open".into(), tech.clone(), None).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f.as_array().unwrap().len(), 1, "{f}");
        assert_eq!((f[0]["asset_id"].as_i64(), f[0]["matched_on"].as_str()), (Some(asset), Some("os")));
        let (_, h) = call("GET", "/api/v1/findings?level=high".into(), tech.clone(), None).await;
        assert_eq!(h[0]["cve_id"], "CVE-2099-1234", "{h}");
        let id = f[0]["id"].as_i64().unwrap();

        let (s, r) = call("GET", "/api/v1/reports/critical-findings".into(), ce.clone(), None).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r[0]["asset_tag"], "ICU-1");
        let (s, w) = call("POST", format!("/api/v1/findings/{id}/work-order"), ce.clone(), None).await;
        assert_eq!(s, StatusCode::CREATED, "{w}");
        assert!(w["work_order_id"].as_i64().is_some());
        let (s, _) = call("POST", format!("/api/v1/findings/{id}/work-order"), ce.clone(), None).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, d) = call(
            "PATCH",
            format!("/api/v1/findings/{id}"),
            ce.clone(),
            Some(json!({"status": "mitigated", "note": "Segmented onto the clinical VLAN"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["status"], "mitigated");
        let (_, r) = call("GET", "/api/v1/reports/critical-findings".into(), ce.clone(), None).await;
        assert_eq!(r, json!([]));

        // The page lists the open (high) finding with its asset link; the button opens its work order.
        let high = h[0]["id"].as_i64().unwrap();
        let web = common::login(&router, "ce").await;
        let page = common::get(&router, "/vulnerabilities", &web).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("CVE-2099-1234") && page.body.contains(&format!("/assets/{asset}")),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!("/findings/{high}/work-order")));
        let path = format!("/findings/{high}/work-order");
        let r = common::post(&router, &path, &web, &[("csrf", "forged")]).await;
        assert_ne!(r.status, StatusCode::SEE_OTHER);
        let r = common::post(&router, &path, &web, &[("csrf", &web.csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, h) = call("GET", "/api/v1/findings?level=high".into(), tech.clone(), None).await;
        assert!(h[0]["work_order_id"].as_i64().is_some(), "{h}");

        let (_, doc) = common::call_json(&router, "GET", "/api/v1/openapi.json", None, None).await;
        for p in [
            "/vulnerabilities/kev",
            "/vulnerabilities",
            "/models/{id}/sboms",
            "/vulnerabilities/match",
            "/findings",
            "/findings/{id}/work-order",
            "/findings/{id}",
            "/reports/critical-findings",
        ] {
            assert!(doc["paths"].get(p).is_some(), "{p} is documented");
        }
    }
}
