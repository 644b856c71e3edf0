//! Request limits (issue 7 §7), on SQLite and PostgreSQL: a JSON body over 8 MiB and an import
//! body over 8 MiB are 413 `too_large` in the error envelope (not axum's plain text), a document
//! over the configured size is 413 `too_large`, and pagination: a keyset `limit` outside
//! 1..=1000 is 422 naming `limit`, a `limit` that is not a number is 400, and the capped lists
//! (audit history, meter readings) clamp a larger `limit` to their documented maximum.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_service::{Principal, ServiceSettings, Services};
use htm_test_support::stores;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

mod common;
use common::{App, manager_technician_and_icu};

const MIB: usize = 1024 * 1024;

async fn raw(router: &axum::Router, path: &str, token: &str, ctype: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let req = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, ctype)
        .body(Body::from(body))
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into())))
}

fn assert_envelope(what: &str, status: StatusCode, body: &Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{what}: {body}");
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
}

#[tokio::test]
async fn bodies_uploads_and_pages_have_limits_with_clear_errors() {
    for db in stores().await {
        let settings = ServiceSettings { max_document_bytes: 64 * 1024, ..Default::default() };
        let services = Services::new(db.store.clone(), settings);
        manager_technician_and_icu(&services).await;
        let sys = Principal::system();
        let m = services.create_manufacturer(&sys, NewManufacturer { name: "BD".into() }).await.unwrap();
        let model = services
            .create_model(&sys, NewDeviceModel::new(m.id, "8015", "Alaris PC unit", "Pump, infusion"))
            .await
            .unwrap();
        let app = App { router: htm_web::router(htm_web::AppState::new(services.clone())) };
        let token = app.login("mgarcia", "Good-Password-1").await;
        let name = db.name;

        // JSON: 8 MiB is the limit of every body but documents.
        let mut big = br#"{"name": ""#.to_vec();
        big.resize(8 * MIB + 16, b'a');
        big.extend_from_slice(br#""}"#);
        let (s, b) = raw(&app.router, "/api/v1/vendors", &token, "application/json", big.clone()).await;
        assert_envelope(&format!("{name}: JSON body"), s, &b, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
        // Just under the limit, the body is read and judged on its content.
        let mut fits = br#"{"name": ""#.to_vec();
        fits.resize(MIB, b'a');
        fits.extend_from_slice(br#""}"#);
        let (s, b) = raw(&app.router, "/api/v1/vendors", &token, "application/json", fits).await;
        assert_envelope(&format!("{name}: long name"), s, &b, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        // Imports (CSV/XLSX, recall and KEV JSON, SBOMs) share the 8 MiB limit, in the envelope.
        let mut csv = b"name,phone\n".to_vec();
        while csv.len() <= 8 * MIB {
            csv.extend_from_slice(b"Acme Service Company,555-0100\n");
        }
        for (path, ctype) in [
            ("/api/v1/import/vendors", "text/csv"),
            ("/api/v1/recalls/import", "application/json"),
            ("/api/v1/vulnerabilities/kev", "application/json"),
        ] {
            let (s, b) = raw(&app.router, path, &token, ctype, csv.clone()).await;
            assert_envelope(&format!("{name}: {path}"), s, &b, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
        }

        // Documents: the configured size (here 64 KiB) → 413 too_large.
        let boundary = "limits-boundary-1234";
        let mut pdf = b"%PDF-1.4\n% manual\n".to_vec();
        pdf.resize(100 * 1024, b' ');
        let mut form = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nservice_manual\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        form.extend_from_slice(&pdf);
        form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let (s, b) = raw(
            &app.router,
            &format!("/api/v1/models/{}/documents", model.id.0),
            &token,
            &format!("multipart/form-data; boundary={boundary}"),
            form,
        )
        .await;
        assert_envelope(&format!("{name}: document"), s, &b, StatusCode::PAYLOAD_TOO_LARGE, "too_large");

        // Keyset pages: 1..=1000.
        for path in ["/api/v1/assets", "/api/v1/work-orders", "/api/v1/vendors", "/api/v1/models", "/api/v1/users"] {
            for bad in ["1001", "0", "-5"] {
                let (s, b) = app.call("GET", &format!("{path}?limit={bad}"), &token, None).await;
                assert_envelope(
                    &format!("{name}: {path}?limit={bad}"),
                    s,
                    &b,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                );
                assert!(b["error"]["message"].as_str().unwrap().contains("limit"), "{b}");
            }
            let (s, b) = app.call("GET", &format!("{path}?limit=lots"), &token, None).await;
            assert_envelope(&format!("{name}: {path}?limit=lots"), s, &b, StatusCode::BAD_REQUEST, "bad_request");
            let (s, b) = app.call("GET", &format!("{path}?limit=1000"), &token, None).await;
            assert_eq!(s, StatusCode::OK, "{name}: {path}?limit=1000: {b}");
        }
        // Capped lists clamp (documented "at most 1000").
        let v = app.ok("POST", "/api/v1/vendors", &token, Some(json!({"name": "Acme"}))).await;
        assert!(v["id"].is_i64(), "{v}");
        let (s, b) = app.call("GET", "/api/v1/assets/999999/history?limit=4000000000", &token, None).await;
        assert!(s == StatusCode::NOT_FOUND && b["error"]["code"] == "not_found", "{name}: {s} {b}");
        let (s, b) = app.call("GET", "/api/v1/assets/1/history?limit=99999999999", &token, None).await;
        assert_envelope(&format!("{name}: history limit past u32"), s, &b, StatusCode::BAD_REQUEST, "bad_request");
    }
}
