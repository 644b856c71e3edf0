//! Networked devices over the JSON API, on SQLite and PostgreSQL: an asset's network profile,
//! a model's security profiles and the two cyber reports.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::user::{NewUser, Role};
use htm_service::Services;
use htm_test_support::stores;
use serde_json::{Value, json};

mod common;
use common::App;

#[tokio::test]
async fn network_profiles_and_cyber_reports_over_the_api() {
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
                Some(json!({"building_id": b["id"], "cost_center": "6100", "name": "Adult ICU"})),
            )
            .await;
        let m = app.ok("POST", "/api/v1/manufacturers", &admin, Some(json!({"name": "Philips"}))).await;
        let cen = app
            .ok(
                "POST",
                "/api/v1/models",
                &admin,
                Some(json!({"manufacturer_id": m["id"], "model_number": "PIIC iX", "name": "IntelliVue Information Center",
                    "category": "Central monitoring station"})),
            )
            .await;
        let a = app
            .ok(
                "POST",
                "/api/v1/assets",
                &admin,
                Some(json!({"asset_tag": "CEN-001", "model_id": cen["id"], "department_id": d["id"]})),
            )
            .await;
        let net = format!("/api/v1/assets/{}/network", a["id"]);
        assert_eq!(app.ok("GET", &net, &tech, None).await, Value::Null);

        let expires = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .checked_add(jiff::ToSpan::days(30))
            .unwrap()
            .to_string();
        let profile = json!({"hostname": "cen-001.icu", "ip_addresses": "10.110.0.5", "mac_addresses": "0009fb112233",
            "connection": "wired", "software_version": "B.02", "stores_phi": true, "cert_expires_on": expires});
        // A technician may read but not edit; a bad address is a 422 naming the field.
        let (s, body) = app.call("PUT", &net, &tech, Some(profile.clone())).await;
        assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
        let mut bad = profile.clone();
        bad["ip_addresses"] = json!("10.110.0.500");
        let (s, body) = app.call("PUT", &net, &admin, Some(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "ip_addresses", "{body}");

        let saved = app.ok("PUT", &net, &admin, Some(profile.clone())).await;
        assert_eq!((saved["version"].as_i64(), saved["mac_addresses"].as_str()), (Some(1), Some("00:09:FB:11:22:33")));
        let (s, body) = app.call("PUT", &net, &admin, Some(profile.clone())).await;
        assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("stale_version")), "{body}");
        let mut upd = profile.clone();
        upd["version"] = json!(1);
        upd["vlan"] = json!("110");
        assert_eq!(app.ok("PUT", &net, &admin, Some(upd)).await["version"], 2);
        assert_eq!(app.ok("GET", &net, &tech, None).await["vlan"], "110");

        let sec = format!("/api/v1/models/{}/security-profiles", cen["id"]);
        let mds2 = json!({"software_version": "B.02", "authentication": "shared", "encryption_at_rest": "no",
            "encryption_in_transit": "partial", "patching": "manufacturer", "malware_protection": "yes",
            "remote_service": "on_request", "os_name": "Windows 7 Embedded", "os_version": "SP1",
            "os_end_of_support": "2020-01-14"});
        let sp = app.ok("PUT", &sec, &admin, Some(mds2)).await;
        assert_eq!(sp["version"], 1);
        let list = app.ok("GET", &sec, &tech, None).await;
        assert_eq!(list.as_array().unwrap().len(), 1);

        let r = app.ok("GET", "/api/v1/reports/unsupported-os", &tech, None).await;
        assert_eq!(r["rows"][0]["asset_tag"], "CEN-001", "{r}");
        assert_eq!(r["rows"][0]["os_end_of_support"], "2020-01-14");
        let c = app.ok("GET", "/api/v1/reports/certificates-expiring", &tech, None).await;
        assert_eq!(
            (c["days"].as_i64(), c["rows"][0]["cert_expires_on"].as_str()),
            (Some(60), Some(expires.as_str())),
            "{c}"
        );
        let c = app.ok("GET", "/api/v1/reports/certificates-expiring?days=10", &tech, None).await;
        assert_eq!(c["rows"].as_array().unwrap().len(), 0, "{} {c}", db.name);
    }
}
