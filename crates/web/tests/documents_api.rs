//! Documents over the JSON API and the web UI, on SQLite and PostgreSQL: multipart upload,
//! dedup, list, metadata, download headers, refused types, the 25 MiB limit (accepted at the
//! limit, a clean 413 past it), removal with a reason, permissions, and the UI's upload form.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::org::{NewBuilding, NewDepartment, NewSite};
use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, Services};
use htm_test_support::stores;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const BOUNDARY: &str = "htm-test-boundary-7MA4YWxkTrZu0gW";

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::String(String::from_utf8_lossy(&self.bytes).into()))
    }
    fn header(&self, name: header::HeaderName) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

async fn send(router: &axum::Router, req: Request<Body>) -> Reply {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, headers, bytes }
}

/// A multipart/form-data body: text parts, then the file part.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    if let Some((name, ctype, data)) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {ctype}\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn upload(router: &axum::Router, path: &str, token: &str, body: Vec<u8>) -> Reply {
    let req = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(body))
        .unwrap();
    send(router, req).await
}

async fn call(router: &axum::Router, method: &str, path: &str, token: &str, body: Option<Value>) -> Reply {
    let req = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    let req = match body {
        Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())).unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    send(router, req).await
}

async fn login(router: &axum::Router, user: &str) -> String {
    let r = send(
        router,
        Request::post("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"username": user, "password": "Good-Password-1"}).to_string()))
            .unwrap(),
    )
    .await;
    r.json()["token"].as_str().unwrap().to_string()
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0,
    0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89,
];

/// A shop with one model and one asset, and users of three roles.
async fn setup(services: &Services) -> (i64, i64) {
    let sys = Principal::system();
    let site = services
        .create_site(&sys, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None })
        .await
        .unwrap();
    let b = services
        .create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() })
        .await
        .unwrap();
    let d = services
        .create_department(&sys, NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() })
        .await
        .unwrap();
    let m = services.create_manufacturer(&sys, NewManufacturer { name: "BD".into() }).await.unwrap();
    let model = services
        .create_model(&sys, NewDeviceModel::new(m.id, "8015", "Alaris PC unit", "Pump, infusion"))
        .await
        .unwrap();
    let n = serde_json::from_value(json!({"asset_tag": "IP-0001", "model_id": model.id.0, "department_id": d.id.0}))
        .unwrap();
    let a = services.create_asset(&sys, n).await.unwrap();
    for (name, role) in [("bmet1", Role::Technician), ("ce1", Role::Engineer), ("nurse", Role::Requester)] {
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
    }
    (model.id.0, a.id.0)
}

#[tokio::test]
async fn documents_over_the_api() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let (model, asset) = setup(&services).await;
        let router = htm_web::router(htm_web::AppState::new(services));
        let tech = login(&router, "bmet1").await;
        let ce = login(&router, "ce1").await;
        let nurse = login(&router, "nurse").await;
        let on_asset = format!("/api/v1/assets/{asset}/documents");

        // Upload a report; the client's claimed content type is ignored.
        let report = pdf("vendor service report");
        let sha = htm_domain::document::sha256_hex(&report);
        let body = multipart(
            &[("kind", "service_report"), ("title", "Vendor report"), ("sha256", &sha)],
            Some(("report.pdf", "text/html", &report)),
        );
        let r = upload(&router, &on_asset, &tech, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", db.name, r.text());
        let j = r.json();
        let id = j["document"]["id"].as_i64().unwrap();
        assert_eq!(j["document"]["sha256"], sha.as_str());
        assert_eq!(j["document"]["media_type"], "application/pdf");
        assert_eq!(j["document"]["entity_type"], "asset");
        assert_eq!(j["document"]["kind"], "service_report");
        assert_eq!(j["deduplicated"], false);
        assert_eq!(j["warnings"], json!([]));

        // The same content again: one blob.
        let r = upload(
            &router,
            &on_asset,
            &tech,
            multipart(&[("kind", "other")], Some(("copy.pdf", "application/pdf", &report))),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["deduplicated"], true);
        assert_eq!(r.json()["document"]["title"], "copy.pdf");
        let copy = r.json()["document"]["id"].as_i64().unwrap();

        // A photo, served inline; a PHI-looking title gets a warning.
        let r = upload(
            &router,
            &on_asset,
            &tech,
            multipart(
                &[("kind", "photo"), ("title", "Cracked housing, MRN 12345678")],
                Some(("p.png", "image/png", PNG)),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["warnings"][0]["kind"], "medical record number");
        let photo = r.json()["document"]["id"].as_i64().unwrap();

        // List, metadata, content.
        let r = call(&router, "GET", &on_asset, &nurse, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json().as_array().unwrap().len(), 3);
        let r = call(&router, "GET", &format!("/api/v1/documents/{id}"), &nurse, None).await;
        assert_eq!(r.json()["filename"], "report.pdf");
        let r = call(&router, "GET", &format!("/api/v1/documents/{id}/content"), &nurse, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.bytes, report);
        assert_eq!(r.header(header::CONTENT_TYPE), "application/pdf");
        assert!(
            r.header(header::CONTENT_DISPOSITION).starts_with("attachment; filename=\"report.pdf\""),
            "{:?}",
            r.headers
        );
        assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(r.header(header::ETAG), format!("\"{sha}\""));
        let r = call(&router, "GET", &format!("/api/v1/documents/{photo}/content"), &nurse, None).await;
        assert_eq!(r.header(header::CONTENT_TYPE), "image/png");
        assert!(r.header(header::CONTENT_DISPOSITION).starts_with("inline"));
        assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");

        // Refused types name what was detected.
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
        let r = upload(
            &router,
            &on_asset,
            &tech,
            multipart(&[("kind", "other")], Some(("manual.pdf", "application/pdf", elf))),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["code"], "unsupported_type");
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("ELF executable"), "{}", r.text());
        let html = b"<!doctype html><script>alert(1)</script>";
        let r = upload(&router, &on_asset, &tech, multipart(&[("kind", "other")], Some(("a.txt", "text/plain", html))))
            .await;
        assert_eq!(r.json()["error"]["code"], "unsupported_type");
        let r = upload(&router, &on_asset, &tech, multipart(&[("kind", "other")], Some(("e.txt", "text/plain", b""))))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["code"], "validation_failed");
        let r = upload(&router, &on_asset, &tech, multipart(&[("kind", "other")], None)).await;
        assert_eq!(r.json()["error"]["code"], "validation_failed", "{}", r.text());
        let r = call(&router, "POST", &on_asset, &tech, Some(json!({"kind": "other"}))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["error"]["code"], "bad_request");

        // Permissions: requesters do not attach; model documents need an engineer.
        let r =
            upload(&router, &on_asset, &nurse, multipart(&[("kind", "other")], Some(("a.txt", "text/plain", b"x"))))
                .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let on_model = format!("/api/v1/models/{model}/documents");
        let manual = multipart(&[("kind", "service_manual")], Some(("manual.pdf", "application/pdf", &pdf("manual"))));
        let r = upload(&router, &on_model, &tech, manual.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = upload(&router, &on_model, &ce, manual).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(call(&router, "GET", &on_model, &nurse, None).await.json().as_array().unwrap().len(), 1);
        let r = call(&router, "GET", "/api/v1/work-orders/999/documents", &tech, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Removal: a reason is required; the record stays.
        let rm = format!("/api/v1/documents/{copy}/remove");
        let r = call(&router, "POST", &rm, &tech, Some(json!({"reason": " "}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = call(&router, "POST", &rm, &tech, Some(json!({"reason": "duplicate"}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["removed_reason"], "duplicate");
        assert_eq!(r.json()["removed_by"], "bmet1");
        let r = call(&router, "POST", &rm, &tech, Some(json!({"reason": "again"}))).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(call(&router, "GET", &on_asset, &tech, None).await.json().as_array().unwrap().len(), 2);
        let all = call(&router, "GET", &format!("{on_asset}?include_removed=true"), &tech, None).await;
        assert_eq!(all.json().as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn the_size_limit_accepts_25_mib_and_refuses_more_cleanly() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let (_, asset) = setup(&services).await;
        let router = htm_web::router(htm_web::AppState::new(services));
        let tech = login(&router, "bmet1").await;
        let on_asset = format!("/api/v1/assets/{asset}/documents");
        let mut big = pdf("large manual");
        big.resize(25 * 1024 * 1024, b' ');
        let r = upload(
            &router,
            &on_asset,
            &tech,
            multipart(&[("kind", "service_manual")], Some(("big.pdf", "application/pdf", &big))),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", db.name, r.text());
        assert_eq!(r.json()["document"]["size_bytes"], 25 * 1024 * 1024);
        big.resize(26 * 1024 * 1024, b' ');
        let r = upload(
            &router,
            &on_asset,
            &tech,
            multipart(&[("kind", "service_manual")], Some(("big.pdf", "application/pdf", &big))),
        )
        .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "too_large");
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("25 MiB"), "{}", r.text());
        assert_eq!(call(&router, "GET", &on_asset, &tech, None).await.json().as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn the_asset_page_lists_documents_and_uploads_them() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let (_, asset) = setup(&services).await;
        let tech_p = {
            let router = htm_web::router(htm_web::AppState::new(services.clone()));
            services.authenticate(&login(&router, "bmet1").await).await.unwrap()
        };
        let wo = services
            .create_work_order(
                &tech_p,
                htm_domain::work_order::NewWorkOrder {
                    wo_type: htm_domain::work_order::WorkOrderType::Repair,
                    priority: htm_domain::work_order::Priority::Normal,
                    asset_id: Some(htm_domain::ids::AssetId(asset)),
                    problem: "Occlusion alarm".into(),
                    requester_contact: None,
                    assigned_to: None,
                    vendor_id: None,
                    due_date: None,
                },
            )
            .await
            .unwrap();
        let router = htm_web::router(htm_web::AppState::new(services));
        // Sign in to the UI.
        let r = send(
            &router,
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("username=bmet1&password=Good-Password-1&next=%2F"))
                .unwrap(),
        )
        .await;
        let set = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("htm_session="))
            .unwrap()
            .to_string();
        let cookie = set.split(';').next().unwrap().to_string();
        let csrf = htm_web::auth::csrf_for(cookie.trim_start_matches("htm_session="));
        let page = |router: axum::Router, cookie: String| async move {
            send(
                &router,
                Request::get(format!("/assets/{asset}")).header(header::COOKIE, cookie).body(Body::empty()).unwrap(),
            )
            .await
        };
        let r = page(router.clone(), cookie.clone()).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains("id=\"documents\"") && r.text().contains("No documents attached."), "{}", db.name);
        assert!(r.text().contains("id=\"document-form\""));

        let post = |fields: Vec<(&'static str, String)>| {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let body = multipart(&f, Some(("Certificate.pdf", "application/pdf", &pdf("certificate")[..])));
            Request::post(format!("/assets/{asset}/documents"))
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
                .body(Body::from(body))
                .unwrap()
        };
        // Without the CSRF token: refused.
        let r = send(&router, post(vec![("kind", "certificate".into())])).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(
            &router,
            post(vec![
                ("csrf", csrf.clone()),
                ("kind", "certificate".into()),
                ("title", "Calibration certificate".into()),
            ]),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.header(header::LOCATION), format!("/assets/{asset}#documents"));
        let r = page(router.clone(), cookie.clone()).await;
        assert!(r.text().contains("Calibration certificate"), "{}", r.text());
        let href = r.text().split("href=\"/documents/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let r = send(
            &router,
            Request::get(format!("/documents/{href}")).header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.bytes, pdf("certificate"));
        assert!(r.header(header::CONTENT_DISPOSITION).starts_with("attachment"));

        // The work-order page has the section and its form, posting to the work order.
        let r = send(
            &router,
            Request::get(format!("/work-orders/{}", wo.id))
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.text().contains("id=\"documents\"")
                && r.text().contains(&format!("action=\"/work-orders/{}/documents\"", wo.id)),
            "{}",
            r.text()
        );
    }
}
