//! The FHIR R4 endpoint (`/fhir/r4`) and the bulk NDJSON export, on SQLite and PostgreSQL:
//! Device and DeviceDefinition reads, identifier searches answered with searchset Bundles,
//! the CapabilityStatement, OperationOutcome errors with the right status, the media type.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use htm_domain::fhir::FhirSystems;
use htm_domain::user::{NewUser, Role};
use htm_service::fhir::FhirExportType;
use htm_service::{Principal, ServiceSettings, Services};
use htm_test_support::stores;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

mod common;
use common::call_json;

const BASE: &str = "https://biomed.example-hospital.org/fhir/sid";

/// GET with an optional bearer token: status, Content-Type and the body as JSON.
async fn fhir_get(router: &axum::Router, path: &str, token: Option<&str>) -> (StatusCode, String, Value) {
    let mut req = Request::get(path).header(header::HOST, "htm.test");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, ct, serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into())))
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn ok(router: &axum::Router, method: &str, path: &str, token: &str, body: Value) -> Value {
    let (s, b) = call_json(router, method, path, Some(token), Some(body)).await;
    assert!(s.is_success(), "{method} {path}: {s} {b}");
    b
}

#[tokio::test]
async fn fhir_reads_searches_errors_and_export() {
    for db in stores().await {
        let settings = ServiceSettings { fhir_systems: FhirSystems::new(BASE).unwrap(), ..ServiceSettings::default() };
        let services = Services::new(db.store.clone(), settings);
        services.ensure_admin(Some("Fhir-Check-Pass-2026!".into())).await.unwrap();
        let admin_vendor = services
            .create_vendor(
                &Principal::system(),
                htm_domain::catalog::NewVendor { name: "ISO Co".into(), phone: None, email: None },
            )
            .await
            .unwrap();
        for (name, role, vendor_id) in
            [("kbrown", Role::Technician, None), ("vend1", Role::Vendor, Some(admin_vendor.id))]
        {
            services
                .add_user_as_system(NewUser {
                    username: name.into(),
                    display_name: name.into(),
                    role,
                    email: None,
                    vendor_id,
                    password: "Good-Password-1".into(),
                })
                .await
                .unwrap();
        }
        let router = htm_web::router(htm_web::AppState::new(services.clone()));
        let login = |u: &'static str, pw: &'static str| {
            let router = router.clone();
            async move {
                let (s, b) = call_json(
                    &router,
                    "POST",
                    "/api/v1/auth/login",
                    None,
                    Some(json!({"username": u, "password": pw})),
                )
                .await;
                assert_eq!(s, StatusCode::OK, "{b}");
                b["token"].as_str().unwrap().to_string()
            }
        };
        let admin = login("admin", "Fhir-Check-Pass-2026!").await;
        let tech = login("kbrown", "Good-Password-1").await;
        let vendor = login("vend1", "Good-Password-1").await;

        let site = ok(&router, "POST", "/api/v1/sites", &admin, json!({"code": "RGH", "name": "Riverside"})).await;
        let b =
            ok(&router, "POST", "/api/v1/buildings", &admin, json!({"site_id": site["id"], "code": "A", "name": "A"}))
                .await;
        let d = ok(
            &router,
            "POST",
            "/api/v1/departments",
            &admin,
            json!({"building_id": b["id"], "cost_center": "6100", "name": "ICU"}),
        )
        .await;
        let loc =
            ok(&router, "POST", "/api/v1/locations", &admin, json!({"department_id": d["id"], "name": "ICU Bay 3"}))
                .await;
        let acme = ok(&router, "POST", "/api/v1/manufacturers", &admin, json!({"name": "Acme Medical"})).await;
        let other = ok(&router, "POST", "/api/v1/manufacturers", &admin, json!({"name": "Other Inc"})).await;
        let pump = ok(
            &router,
            "POST",
            "/api/v1/models",
            &admin,
            json!({"manufacturer_id": acme["id"], "model_number": "AM-100", "name": "Acme Infusion 100",
                   "category": "Infusion pump, large-volume (LVP)", "nomenclature_system": "umdns",
                   "nomenclature_code": "13215", "fda_product_code": "FRN", "fda_class": "2"}),
        )
        .await;
        let mon = ok(
            &router,
            "POST",
            "/api/v1/models",
            &admin,
            json!({"manufacturer_id": other["id"], "model_number": "M-1", "name": "Monitor 1", "category": "Monitor"}),
        )
        .await;
        let hrf = "(01)10884521062856(11)141231(17)150707(10)A213B1(21)1234";
        let a1 = ok(
            &router,
            "POST",
            "/api/v1/assets",
            &admin,
            json!({"asset_tag": "BME-004217", "serial_number": "1234", "model_id": pump["id"],
                   "department_id": d["id"], "location_id": loc["id"], "notes": "MRN 99887766 was attached",
                   "udi": {"di": "10884521062856", "lot": "A213B1", "serial": "1234",
                           "manufactured": "2014-12-31", "expiry": "2015-07-07", "raw": hrf}}),
        )
        .await;
        // The same serial from another manufacturer, out of service.
        let a2 = ok(
            &router,
            "POST",
            "/api/v1/assets",
            &admin,
            json!({"asset_tag": "BME-000002", "serial_number": "1234", "model_id": mon["id"],
                   "department_id": d["id"], "status": "out_of_service"}),
        )
        .await;
        let _a3 = ok(
            &router,
            "POST",
            "/api/v1/assets",
            &admin,
            json!({"asset_tag": "BME-000003", "model_id": mon["id"], "department_id": d["id"], "status": "missing"}),
        )
        .await;
        let id1 = a1["id"].as_i64().unwrap();
        let id2 = a2["id"].as_i64().unwrap();

        // metadata: public, FHIR JSON.
        let (s, ct, cap) = fhir_get(&router, "/fhir/r4/metadata", None).await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/fhir+json"), "{}", db.name);
        assert_eq!(cap["resourceType"], "CapabilityStatement");
        assert_eq!(cap["fhirVersion"], "4.0.1");
        assert_eq!(cap["rest"][0]["resource"][0]["type"], "Device");

        // Device read.
        let (s, ct, dev) = fhir_get(&router, &format!("/fhir/r4/Device/{id1}"), Some(&tech)).await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/fhir+json"), "{dev}");
        assert_eq!(dev["resourceType"], "Device");
        assert_eq!(dev["id"], id1.to_string());
        assert_eq!(dev["identifier"][0]["system"], format!("{BASE}/asset-tag"));
        assert_eq!(dev["identifier"][0]["value"], "BME-004217");
        assert_eq!(dev["identifier"][1]["system"], format!("{BASE}/mfr-serial/{}", acme["id"]));
        assert_eq!(dev["identifier"][1]["type"]["coding"][0]["code"], "SNO");
        assert_eq!(dev["udiCarrier"][0]["deviceIdentifier"], "10884521062856");
        assert_eq!(dev["udiCarrier"][0]["issuer"], "http://hl7.org/fhir/NamingSystem/gs1-di");
        assert_eq!(dev["udiCarrier"][0]["carrierHRF"], hrf);
        assert_eq!(dev["status"], "active");
        assert_eq!(dev["statusReason"][0]["coding"][0]["code"], "online");
        assert_eq!(dev["lotNumber"], "A213B1");
        assert_eq!(dev["manufactureDate"], "2014-12-31");
        assert_eq!(dev["expirationDate"], "2015-07-07");
        assert_eq!(dev["manufacturer"], "Acme Medical");
        assert_eq!(dev["modelNumber"], "AM-100");
        assert_eq!(dev["type"]["coding"][0]["code"], "13215");
        assert_eq!(dev["type"]["coding"][1]["code"], "FRN");
        assert_eq!(dev["definition"]["reference"], format!("DeviceDefinition/{}", pump["id"]));
        assert_eq!(dev["owner"]["display"], "ICU");
        assert_eq!(dev["owner"]["identifier"]["value"], "6100");
        assert_eq!(dev["location"]["display"], "ICU Bay 3");
        assert!(!dev.to_string().contains("99887766"), "notes are never exported");
        let (_, _, dev2) = fhir_get(&router, &format!("/fhir/r4/Device/{id2}"), Some(&tech)).await;
        assert_eq!(
            (dev2["status"].as_str(), dev2["statusReason"][0]["coding"][0]["code"].as_str()),
            (Some("inactive"), Some("offline"))
        );

        // DeviceDefinition read.
        let (s, ct, dd) = fhir_get(&router, &format!("/fhir/r4/DeviceDefinition/{}", pump["id"]), Some(&tech)).await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/fhir+json"), "{dd}");
        assert_eq!(dd["resourceType"], "DeviceDefinition");
        assert_eq!(dd["manufacturerString"], "Acme Medical");
        assert_eq!(dd["modelNumber"], "AM-100");

        // Searches.
        let search = |q: String| {
            let router = router.clone();
            let tech = tech.clone();
            async move { fhir_get(&router, &format!("/fhir/r4/Device?identifier={q}"), Some(&tech)).await }
        };
        let (s, ct, bundle) = search("bme-004217".into()).await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/fhir+json"), "{bundle}");
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "searchset");
        assert_eq!(bundle["total"], 1, "a tag matches ignoring case: {bundle}");
        assert_eq!(bundle["entry"][0]["resource"]["id"], id1.to_string());
        assert_eq!(bundle["entry"][0]["fullUrl"], format!("http://htm.test/fhir/r4/Device/{id1}"));
        assert_eq!(bundle["entry"][0]["search"]["mode"], "match");
        let (_, _, bundle) = search(enc(&format!("{BASE}/asset-tag|BME-004217"))).await;
        assert_eq!(bundle["total"], 1, "{bundle}");
        // A bare serial matches both manufacturers' devices; the scoped system only one.
        let (_, _, bundle) = search("1234".into()).await;
        assert_eq!(bundle["total"], 2, "{bundle}");
        let (_, _, bundle) = search(enc(&format!("{BASE}/mfr-serial/{}|1234", other["id"]))).await;
        assert_eq!(bundle["total"], 1, "{bundle}");
        assert_eq!(bundle["entry"][0]["resource"]["id"], id2.to_string());
        // Raw '|' in the query works too.
        let (_, _, bundle) = search(format!("{BASE}/mfr-serial/{}|1234", acme["id"])).await;
        assert_eq!(bundle["total"], 1, "{bundle}");
        // Unknown systems, no system, and nothing found: an empty searchset.
        for q in [enc("http://other.example/ids|BME-004217"), enc("|BME-004217"), "NOPE-1".into()] {
            let (s, _, bundle) = search(q.clone()).await;
            assert_eq!((s, bundle["total"].as_i64()), (StatusCode::OK, Some(0)), "{q}: {bundle}");
            assert_eq!(bundle["entry"], json!([]));
        }

        // Errors are OperationOutcomes with the right status.
        let cases: Vec<(String, Option<&str>, StatusCode, &str)> = vec![
            (format!("/fhir/r4/Device/{id1}"), None, StatusCode::UNAUTHORIZED, "login"),
            ("/fhir/r4/Device?identifier=BME-004217".into(), None, StatusCode::UNAUTHORIZED, "login"),
            (format!("/fhir/r4/Device/{id1}"), Some(&admin[..0]), StatusCode::UNAUTHORIZED, "login"),
            ("/fhir/r4/Device/999999".into(), Some(&tech), StatusCode::NOT_FOUND, "not-found"),
            ("/fhir/r4/Device/abc".into(), Some(&tech), StatusCode::NOT_FOUND, "not-found"),
            ("/fhir/r4/DeviceDefinition/999999".into(), Some(&tech), StatusCode::NOT_FOUND, "not-found"),
            ("/fhir/r4/Patient/1".into(), Some(&tech), StatusCode::NOT_FOUND, "not-found"),
            ("/fhir/r4/Device".into(), Some(&tech), StatusCode::BAD_REQUEST, "invalid"),
            ("/fhir/r4/Device?identifier=".into(), Some(&tech), StatusCode::BAD_REQUEST, "invalid"),
            (format!("/fhir/r4/Device?identifier={}", enc("urn:x|")), Some(&tech), StatusCode::BAD_REQUEST, "invalid"),
            ("/fhir/r4/Device?name=pump".into(), Some(&tech), StatusCode::BAD_REQUEST, "invalid"),
            ("/fhir/r4/Device?identifier=a&identifier=b".into(), Some(&tech), StatusCode::BAD_REQUEST, "invalid"),
            (format!("/fhir/r4/Device/{id1}"), Some(&vendor), StatusCode::FORBIDDEN, "forbidden"),
        ];
        for (path, token, status, code) in cases {
            let (s, ct, b) = fhir_get(&router, &path, token).await;
            assert_eq!(s, status, "{}: {path}: {b}", db.name);
            assert_eq!(ct, "application/fhir+json", "{path}");
            assert_eq!(b["resourceType"], "OperationOutcome", "{path}: {b}");
            assert_eq!(b["issue"][0]["severity"], "error");
            assert_eq!(b["issue"][0]["code"], code, "{path}: {b}");
        }
        // _format is accepted.
        let (s, _, b) = fhir_get(&router, "/fhir/r4/Device?identifier=BME-000003&_format=json", Some(&tech)).await;
        assert_eq!((s, b["total"].as_i64()), (StatusCode::OK, Some(1)), "{b}");
        assert_eq!(b["entry"][0]["resource"]["status"], "unknown");

        // The bulk export: one Device per line, every asset, each line the same as the read.
        let mut out = Vec::new();
        let mut pages = 0;
        let n = services
            .export_fhir_ndjson(&Principal::system(), FhirExportType::Device, &mut out, |_| pages += 1)
            .await
            .unwrap();
        assert_eq!(n, 3);
        assert!(pages >= 1);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert!(text.ends_with('\n'));
        assert_eq!(lines[0], dev, "the export and the read agree");
        let mut out = Vec::new();
        let n = services
            .export_fhir_ndjson(&Principal::system(), FhirExportType::DeviceDefinition, &mut out, |_| {})
            .await
            .unwrap();
        assert_eq!(n, 2);
        // A technician may read but not bulk-export.
        let tech_p = services.authenticate(&tech).await.unwrap();
        let err = services.export_fhir_ndjson(&tech_p, FhirExportType::Device, &mut Vec::new(), |_| {}).await;
        assert!(err.is_err());
    }
}
