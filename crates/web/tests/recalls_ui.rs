//! The recall pages: the dashboard, matching, the recall page with its candidates, a confirmation
//! that opens a work order, the CSRF check, and closing, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::org::{NewBuilding, NewDepartment, NewSite};
use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, Services};
use htm_test_support::stores;
use http_body_util::BodyExt;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    location: String,
    body: String,
}

async fn send(router: &axum::Router, req: Request<Body>) -> Reply {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let location = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply { status, location, body: String::from_utf8_lossy(&bytes).into_owned() }
}

fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

struct Session {
    cookie: String,
    csrf: String,
}

async fn login(router: &axum::Router, user: &str) -> Session {
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(&[("username", user), ("password", "Good-Password-1"), ("next", "/")])))
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("htm_session="))
        .unwrap()
        .to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    let token = cookie.trim_start_matches("htm_session=").to_string();
    Session { csrf: htm_web::auth::csrf_for(&token), cookie }
}

async fn get(router: &axum::Router, path: &str, s: &Session) -> Reply {
    send(router, Request::get(path).header(header::COOKIE, &s.cookie).body(Body::empty()).unwrap()).await
}

async fn post(router: &axum::Router, path: &str, s: &Session, fields: &[(&str, &str)]) -> Reply {
    let req = Request::post(path)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(fields)))
        .unwrap();
    send(router, req).await
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
                manufacturer_id: m.id,
                model_number: "8015".into(),
                name: "Alaris PC unit".into(),
                category: "Pump, infusion".into(),
                nomenclature_system: None,
                nomenclature_code: None,
                fda_product_code: Some("FRN".into()),
                fda_class: None,
                expected_life_years: None,
                high_risk: true,
                life_support: false,
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
