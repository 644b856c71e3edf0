//! `/api/v1/contracts` and `/api/v1/assets/{id}/contracts` on SQLite and PostgreSQL: create,
//! read, edit with versions, covered assets by tag, list filters, the error envelope, the
//! permissions (technicians read, managers write), and the PHI warning.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::{App, manager_technician_and_icu};
use htm_domain::catalog::{NewDeviceModel, NewManufacturer, NewVendor};
use htm_service::{Principal, Services};
use htm_test_support::stores;
use jiff::ToSpan;
use serde_json::json;

fn day(n: i64) -> String {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::system()).date().checked_add(n.days()).unwrap().to_string()
}

/// A manager `mgarcia`, a technician `kbrown`, a vendor and one CT asset `CT-00001`.
async fn setup(
    db: &htm_test_support::TestDb,
) -> (Services, axum::Router, htm_domain::ids::VendorId, htm_domain::ids::AssetId) {
    let services = Services::new(db.store.clone(), Default::default());
    let dept = manager_technician_and_icu(&services).await;
    let sys = Principal::system();
    let vendor = services
        .create_vendor(&sys, NewVendor { name: "Siemens Healthineers".into(), phone: None, email: None })
        .await
        .unwrap();
    let m = services.create_manufacturer(&sys, NewManufacturer { name: "Siemens".into() }).await.unwrap();
    let model = services
        .create_model(
            &sys,
            NewDeviceModel {
                expected_life_years: Some(10),
                ..NewDeviceModel::new(m.id, "SOMATOM-X", "SOMATOM CT", "Scanner, CT")
            },
        )
        .await
        .unwrap();
    let asset = services
        .create_asset(
            &sys,
            serde_json::from_value(
                json!({"asset_tag": "CT-00001", "model_id": model.id.0, "department_id": dept.id.0}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let router = htm_web::router(htm_web::AppState::new(services.clone()));
    (services, router, vendor.id, asset.id)
}

#[tokio::test]
async fn contracts_are_managed_through_the_api() {
    for db in stores().await {
        let (_services, router, vendor_id, asset_id) = setup(&db).await;
        let app = App { router };
        let boss = app.login("mgarcia", "Good-Password-1").await;
        let tech = app.login("kbrown", "Good-Password-1").await;

        let new = json!({
            "vendor_id": vendor_id.0, "contract_number": "SH-CT-2026", "title": "CT full service",
            "coverage": "full_service", "starts_on": day(-200), "ends_on": day(60),
            "annual_cost_minor": 18_500_000, "currency": "USD", "response_time_hours": 4,
            "uptime_guarantee_pct": 97.5,
        });
        // A technician may read but not create.
        let (s, b) = app.call("POST", "/api/v1/contracts", &tech, Some(new.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}: {b}", db.name);
        assert!(b["error"]["code"].is_string(), "{b}");
        let (s, c) = app.call("POST", "/api/v1/contracts", &boss, Some(new.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        assert_eq!(c["status"], "expiring", "60 days left with the default 90 days' notice: {c}");
        assert_eq!(c["notice_days"], 90);
        assert_eq!(c["days_left"], 60);
        let id = c["id"].as_i64().unwrap();
        // The same number again: 409 with the envelope.
        let (s, b) = app.call("POST", "/api/v1/contracts", &boss, Some(new.clone())).await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        // Bad dates and coverage: 422.
        let mut bad = new.clone();
        bad["contract_number"] = json!("X-1");
        bad["ends_on"] = json!(day(-300));
        let (s, b) = app.call("POST", "/api/v1/contracts", &boss, Some(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["error"]["code"], "validation_failed", "{b}");
        let mut bad = new.clone();
        bad["coverage"] = json!("everything");
        let (s, _) = app.call("POST", "/api/v1/contracts", &boss, Some(bad)).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::BAD_REQUEST, "{s}");

        // Covered assets by tag; the asset lists its contract.
        let d = app
            .ok(
                "PUT",
                &format!("/api/v1/contracts/{id}/assets"),
                &boss,
                Some(json!({"version": 1, "asset_tags": ["CT-00001"]})),
            )
            .await;
        assert_eq!(d["contract"]["asset_count"], 1, "{d}");
        assert_eq!(d["assets"][0]["asset_tag"], "CT-00001");
        let (s, b) = app
            .call("PUT", &format!("/api/v1/contracts/{id}/assets"), &boss, Some(json!({"version": 1, "asset_ids": []})))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "a stale version: {b}");
        let on_asset = app.ok("GET", &format!("/api/v1/assets/{}/contracts", asset_id.0), &tech, None).await;
        assert_eq!(on_asset.as_array().unwrap().len(), 1, "{on_asset}");
        assert_eq!(on_asset[0]["contract_number"], "SH-CT-2026");
        let got = app.ok("GET", &format!("/api/v1/contracts/{id}"), &tech, None).await;
        assert_eq!(got["contract"]["version"], 2);
        assert_eq!(got["assets"].as_array().unwrap().len(), 1);

        // PHI in notes: 422 phi_warning; acknowledged it saves. Renewal moves the end date.
        let patch = json!({"version": 2, "notes": "Loaner used for patient John Smith"});
        let (s, b) = app.call("PATCH", &format!("/api/v1/contracts/{id}"), &boss, Some(patch.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["error"]["code"], "phi_warning", "{b}");
        let renewed = app
            .ok(
                "PATCH",
                &format!("/api/v1/contracts/{id}"),
                &boss,
                Some(json!({"version": 2, "ends_on": day(425), "notes": null})),
            )
            .await;
        assert_eq!((renewed["version"].as_i64(), renewed["status"].as_str()), (Some(3), Some("active")), "{renewed}");

        // List filters.
        let all = app.ok("GET", "/api/v1/contracts", &tech, None).await;
        assert_eq!(all["items"].as_array().unwrap().len(), 1);
        let none = app.ok("GET", "/api/v1/contracts?expiring_within_days=90", &tech, None).await;
        assert!(none["items"].as_array().unwrap().is_empty(), "{none}");
        let active =
            app.ok("GET", &format!("/api/v1/contracts?status=active&vendor_id={}", vendor_id.0), &tech, None).await;
        assert_eq!(active["items"].as_array().unwrap().len(), 1);
        let (s, b) = app.call("GET", "/api/v1/contracts?status=bogus", &tech, None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (s, b) = app.call("GET", "/api/v1/contracts/99999", &tech, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        assert_eq!(b["error"]["code"], "not_found", "{b}");
    }
}

#[tokio::test]
async fn the_contract_pages_list_show_and_edit_with_csrf() {
    for db in stores().await {
        let (_services, router, vendor_id, asset_id) = setup(&db).await;
        let boss = common::login(&router, "mgarcia").await;
        let tech = common::login(&router, "kbrown").await;
        let v = vendor_id.0.to_string();
        let (starts, ends) = (day(-100), day(30));
        let fields = [
            ("vendor_id", v.as_str()),
            ("contract_number", "SH-CT-1"),
            ("title", "CT full service"),
            ("coverage", "full_service"),
            ("starts_on", starts.as_str()),
            ("ends_on", ends.as_str()),
            ("annual_cost", "185,000.50"),
            ("currency", "USD"),
            ("notice_days", "90"),
        ];
        // Without the CSRF token the form is refused.
        let r = common::post(&router, "/contracts", &boss, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: {}", db.name, r.body);
        let mut with = vec![("csrf", boss.csrf.as_str())];
        with.extend(fields);
        let r = common::post(&router, "/contracts", &boss, &with).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location.starts_with("/contracts/"), "{}", r.location);
        let page = r.location.split('?').next().unwrap().to_string();
        let id = page.trim_start_matches("/contracts/").to_string();

        let list = common::get(&router, "/contracts?expiring=90", &tech).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("SH-CT-1") && list.body.contains("Expiring"), "{}", list.body);
        assert!(list.body.contains("185,000.50"), "money shown from minor units");
        assert!(!list.body.contains("id=\"contract-form\""), "a technician gets no create form");

        // Covered assets by tag, then the edit form (renewal).
        let r = common::post(
            &router,
            &format!("{page}/assets"),
            &boss,
            &[("csrf", &boss.csrf), ("version", "1"), ("asset_tags", "CT-00001")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let detail = common::get(&router, &page, &boss).await;
        assert!(detail.body.contains("Covered assets (1)") && detail.body.contains("CT-00001"), "{}", detail.body);
        assert!(detail.body.contains("id=\"contract-edit\""));
        let renewed = day(400);
        let mut edit = vec![("csrf", boss.csrf.as_str()), ("version", "2")];
        edit.extend(fields.iter().filter(|(k, _)| *k != "ends_on").copied());
        edit.push(("ends_on", renewed.as_str()));
        let r = common::post(&router, &page, &boss, &edit).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(!r.location.contains("error"), "{}", r.location);
        let detail = common::get(&router, &page, &tech).await;
        assert!(detail.body.contains(&renewed) && detail.body.contains("Active"), "{}", detail.body);
        assert!(!detail.body.contains("id=\"contract-edit\""), "a technician gets no edit form");

        // The asset page's panel.
        let asset = common::get(&router, &format!("/assets/{}", asset_id.0), &tech).await;
        assert!(asset.body.contains("id=\"asset-contracts\"") && asset.body.contains(&format!("/contracts/{id}")));
    }
}
