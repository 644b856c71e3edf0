//! The recall pages: the dashboard, matching, the recall page with its candidates, a confirmation
//! that opens a work order, the CSRF check, and closing, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::org::{NewBuilding, NewDepartment, NewSite};
use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, Services};
use htm_test_support::stores;

mod common;
use common::{get, login, post};

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
    let n: NewAsset = serde_json::from_value(
        serde_json::json!({"asset_tag": "IP-1", "model_id": model.id.0, "department_id": d.id.0}),
    )
    .unwrap();
    s.create_asset(&sys, n).await.unwrap();
}

#[tokio::test]
async fn the_recall_dashboard_and_page_decide_and_close() {
    let fixture = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../service/tests/fixtures/recalls_synthetic.json"),
    )
    .unwrap();
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        services
            .add_user_as_system(NewUser {
                username: "ce".into(),
                display_name: "ce".into(),
                role: Role::Engineer,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        inventory(&services).await;
        services.import_recalls(&Principal::system(), &fixture).await.unwrap();
        let router = htm_web::router(htm_web::AppState::new(services.clone()));
        let ce = login(&router, "ce").await;

        let r = get(&router, "/recalls", &ce).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", db.name, r.body);
        assert!(r.body.contains("id=\"recalls-table\"") && r.body.contains("Z-9901-2026"), "{}", r.body);
        assert!(r.body.contains("Class I"), "{}", r.body);
        let r = get(&router, "/recalls?class=III", &ce).await;
        assert!(r.body.contains("id=\"recalls-none\""), "{}", r.body);

        // Matching needs the CSRF token.
        assert_eq!(post(&router, "/recalls/match", &ce, &[("csrf", "nope")]).await.status, StatusCode::FORBIDDEN);
        let r = post(&router, "/recalls/match", &ce, &[("csrf", ce.csrf.as_str())]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        let z = services.find_recall(&Principal::system(), "Z-9901-2026").await.unwrap().unwrap();
        let page = format!("/recalls/{}", z.id.0);
        let r = get(&router, &page, &ce).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("IP-1") && r.body.contains("product code FRN"), "{}", r.body);
        let m = services.get_recall(&Principal::system(), z.id).await.unwrap().matches[0].id.0;
        assert!(r.body.contains(&format!("id=\"confirm-{m}\"")), "{}", r.body);

        let rid = z.id.0.to_string();
        let action = format!("/recall-matches/{m}/decide");
        let r =
            post(&router, &action, &ce, &[("csrf", ce.csrf.as_str()), ("decision", "confirm"), ("recall_id", &rid)])
                .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location, page);
        let r = get(&router, &page, &ce).await;
        assert!(r.body.contains("WO-"), "{}", r.body);

        // Closing is refused while the action is open (a flash message says why).
        let r = post(&router, &format!("{page}/close"), &ce, &[("csrf", ce.csrf.as_str())]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = get(&router, &page, &ce).await;
        assert!(r.body.contains("id=\"recall-state\">Open"), "{}", r.body);
        let fields = [
            ("csrf", ce.csrf.as_str()),
            ("decision", "not_affected"),
            ("recall_id", &rid),
            ("note", "Serial not on the list"),
        ];
        assert_eq!(post(&router, &action, &ce, &fields).await.status, StatusCode::SEE_OTHER);
        post(&router, &format!("{page}/close"), &ce, &[("csrf", ce.csrf.as_str())]).await;
        let r = get(&router, &page, &ce).await;
        assert!(r.body.contains("id=\"recall-state\">Closed"), "{}", r.body);
    }
}
