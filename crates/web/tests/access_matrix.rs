//! The access-control matrix test (issue 7 §1), on SQLite and PostgreSQL: every operation of the
//! OpenAPI document, sent as every role (one user per role, a vendor user with its company), is
//! refused with 403 `forbidden` exactly when the route table
//! (`htm_service::route_access`, over the role × action matrix) says the role may not call it,
//! and is never refused with 401/403 when it may (path parameters name records in the caller's
//! scope: the work order was requested by the requester and is assigned to the vendor's company,
//! the incident was reported by the requester, `/users/{id}` with an own-account scope is the
//! caller). Without a token every operation but the login answers 401. The table lists exactly
//! the document's operations, and the document shows each one's `x-openhtm-permission`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::call_json;
use htm_domain::document::DocumentEntity;
use htm_domain::user::{NewUser, Role};
use htm_service::Services;
use htm_service::route_access::{self, Scope};
use htm_test_support::stores;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];
const PASSWORD: &str = "Good-Password-1";

/// (METHOD, path, operation) of every documented operation.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(*m) {
                out.push((m.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    out
}

fn doc_json() -> Value {
    let (_, doc) = htm_web::api::router();
    serde_json::to_value(&doc).unwrap()
}

/// The table and the document list the same operations: none missing, none stale.
#[test]
fn the_table_covers_exactly_the_documented_operations() {
    let doc = doc_json();
    let documented: BTreeSet<(String, String)> = operations(&doc).into_iter().map(|(m, p, _)| (m, p)).collect();
    let table: BTreeSet<(String, String)> =
        route_access::ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    let missing: Vec<_> = documented.difference(&table).map(|(m, p)| format!("{m} {p}")).collect();
    let stale: Vec<_> = table.difference(&documented).map(|(m, p)| format!("{m} {p}")).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "operations without an access rule (refused to everyone): {missing:?}\nrules for operations the API does not have: {stale:?}"
    );
    assert_eq!(table.len(), route_access::ROUTES.len(), "an operation is listed twice");
}

/// Every operation carries `x-openhtm-permission` with the roles the matrix gives it, and says
/// so in its description.
#[test]
fn the_document_shows_each_operations_permission() {
    let doc = doc_json();
    for (method, path, op) in operations(&doc) {
        let rule = route_access::lookup(&method, &path).unwrap();
        let x = &op["x-openhtm-permission"];
        assert_eq!(x["requires"], rule.requires.code(), "{method} {path}: {x}");
        let roles: Vec<&str> = x["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        let want: Vec<&str> = rule.requires.roles().iter().map(|r| r.as_str()).collect();
        assert_eq!(roles, want, "{method} {path}");
        assert!(op["description"].as_str().unwrap().contains("Access: "), "{method} {path}");
    }
    let recalls = &doc["paths"]["/recalls/match"]["post"]["x-openhtm-permission"];
    assert_eq!(
        *recalls,
        json!({"requires": "manage_recalls", "actions": ["manage_recalls"], "roles": ["admin", "manager", "engineer"]})
    );
    let login = &doc["paths"]["/auth/login"]["post"]["x-openhtm-permission"];
    assert_eq!(login["requires"], "public");
}

/// The records the path parameters name.
struct Fixture {
    tokens: BTreeMap<Role, String>,
    user_ids: BTreeMap<Role, i64>,
    ids: BTreeMap<&'static str, i64>,
    asset_tag: String,
}

impl Fixture {
    /// The path with its parameters filled for a caller of `role`.
    fn fill(&self, path: &str, role: Role, rule: &route_access::RouteRule) -> String {
        let own_account = matches!(rule.scope, Scope::OwnAccountOr(_));
        let segments: Vec<&str> = path.split('/').collect();
        let mut out = Vec::new();
        for (i, seg) in segments.iter().enumerate() {
            let filled = match *seg {
                "{asset_tag}" => self.asset_tag.clone(),
                "{kind}" => "assets".to_string(),
                "{qid}" => "999999".to_string(),
                "{id}" => {
                    let collection = segments[i - 1];
                    let id = match collection {
                        "users" if own_account => self.user_ids[&role],
                        "users" => self.user_ids[&Role::Technician],
                        c => self.ids.get(c).copied().unwrap_or(999_999),
                    };
                    id.to_string()
                }
                s => s.to_string(),
            };
            out.push(filled);
        }
        out.join("/")
    }
}

async fn login(router: &axum::Router, user: &str, password: &str) -> String {
    let (s, b) =
        call_json(router, "POST", "/api/v1/auth/login", None, Some(json!({"username": user, "password": password})))
            .await;
    assert_eq!(s, StatusCode::OK, "{user}: {b}");
    b["token"].as_str().unwrap().to_string()
}

async fn ok(router: &axum::Router, method: &str, path: &str, token: &str, body: Value) -> Value {
    let (s, b) = call_json(router, method, path, Some(token), Some(body)).await;
    assert!(s.is_success(), "{method} {path}: {s} {b}");
    b
}

/// One user per role, an organisation, a model, an asset, a work order requested by the
/// requester and assigned to the vendor's company, an incident the requester reported, a
/// document on the work order and the technician's calendar feed.
async fn fixture(services: &Services, router: &axum::Router) -> Fixture {
    services.ensure_admin(Some("Chief-Biomed-2026".into())).await.unwrap();
    let admin = login(router, "admin", "Chief-Biomed-2026").await;
    let mut ids: BTreeMap<&'static str, i64> = BTreeMap::new();
    let site = ok(router, "POST", "/api/v1/sites", &admin, json!({"code": "RGH", "name": "Riverside"})).await;
    let building =
        ok(router, "POST", "/api/v1/buildings", &admin, json!({"site_id": site["id"], "code": "A", "name": "A"})).await;
    let dept = ok(
        router,
        "POST",
        "/api/v1/departments",
        &admin,
        json!({"building_id": building["id"], "cost_center": "6100", "name": "ICU"}),
    )
    .await;
    let loc =
        ok(router, "POST", "/api/v1/locations", &admin, json!({"department_id": dept["id"], "name": "Bed 7"})).await;
    let mfr = ok(router, "POST", "/api/v1/manufacturers", &admin, json!({"name": "ZOLL"})).await;
    let vendor = ok(router, "POST", "/api/v1/vendors", &admin, json!({"name": "Acme Biomed Services"})).await;
    let model = ok(
        router,
        "POST",
        "/api/v1/models",
        &admin,
        json!({"manufacturer_id": mfr["id"], "model_number": "R Series ALS", "name": "R Series", "category": "Defibrillator, manual"}),
    )
    .await;
    let tag = "BME-000101";
    let asset = ok(
        router,
        "POST",
        "/api/v1/assets",
        &admin,
        json!({"asset_tag": tag, "serial_number": "AF12345", "model_id": model["id"], "department_id": dept["id"], "location_id": loc["id"]}),
    )
    .await;
    for (k, v) in [
        ("sites", &site),
        ("departments", &dept),
        ("locations", &loc),
        ("manufacturers", &mfr),
        ("models", &model),
        ("assets", &asset),
    ] {
        ids.insert(k, v["id"].as_i64().unwrap());
    }
    let vendor_id = vendor["id"].as_i64().unwrap();

    let mut tokens = BTreeMap::new();
    let mut user_ids = BTreeMap::new();
    for role in Role::ALL {
        let name = format!("user-{}", role.as_str());
        let u = services
            .add_user_as_system(NewUser {
                username: name.clone(),
                display_name: name.clone(),
                role: *role,
                email: None,
                vendor_id: (*role == Role::Vendor).then_some(htm_domain::ids::VendorId(vendor_id)),
                password: PASSWORD.into(),
            })
            .await
            .unwrap();
        user_ids.insert(*role, u.id.0);
        tokens.insert(*role, login(router, &name, PASSWORD).await);
    }

    // The requester reports the problem; the shop gives the work to the vendor's company.
    let requester = &tokens[&Role::Requester];
    let wo = ok(
        router,
        "POST",
        "/api/v1/work-orders",
        requester,
        json!({"wo_type": "repair", "asset_id": asset["id"], "problem": "Does not charge"}),
    )
    .await;
    let wo_id = wo["id"].as_i64().unwrap();
    ok(
        router,
        "PATCH",
        &format!("/api/v1/work-orders/{wo_id}"),
        &admin,
        json!({"version": wo["version"], "vendor_id": vendor_id}),
    )
    .await;
    ids.insert("work-orders", wo_id);

    let incident = ok(
        router,
        "POST",
        "/api/v1/incidents",
        requester,
        json!({"asset_id": asset["id"], "occurred_at": "2026-01-05T10:00:00Z", "what_happened": "The defibrillator did not charge during a check", "severity": "no_harm"}),
    )
    .await;
    ids.insert("incidents", incident["id"].as_i64().unwrap());

    let admin_p = services.authenticate(&admin).await.unwrap();
    let doc = services
        .attach_document(
            &admin_p,
            DocumentEntity::WorkOrder(htm_domain::ids::WorkOrderId(wo_id)),
            htm_service::documents::Upload {
                kind: "service_report".into(),
                title: "Vendor report".into(),
                filename: "report.pdf".into(),
                content: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec(),
                sha256: None,
            },
        )
        .await
        .unwrap();
    ids.insert("documents", doc.document.id);

    let tech = user_ids[&Role::Technician];
    let feed = ok(
        router,
        "POST",
        "/api/v1/calendar-feeds",
        &tokens[&Role::Technician],
        json!({"scope": "technician", "id": tech}),
    )
    .await;
    ids.insert("calendar-feeds", feed["id"].as_i64().or_else(|| feed["feed"]["id"].as_i64()).unwrap());

    Fixture { tokens, user_ids, ids, asset_tag: tag.into() }
}

/// A = allowed by the table, D = denied; a `!` marks a cell whose answer disagreed.
fn matrix_text(rows: &[(String, Vec<(bool, bool)>)]) -> String {
    let mut s = format!("{:<58}", "operation");
    for r in Role::ALL {
        s.push_str(&format!(" {:<4}", &r.as_str()[..4]));
    }
    s.push('\n');
    for (op, cells) in rows {
        s.push_str(&format!("{op:<58}"));
        for (allowed, good) in cells {
            s.push_str(&format!(
                " {:<4}",
                format!("{}{}", if *allowed { "A" } else { "D" }, if *good { "" } else { "!" })
            ));
        }
        s.push('\n');
    }
    s
}

#[tokio::test]
async fn every_operation_as_every_role_follows_the_matrix() {
    let doc = doc_json();
    let ops = operations(&doc);
    assert!(ops.len() > 100, "only {} operations", ops.len());
    for db in stores().await {
        let started = std::time::Instant::now();
        let services = Services::new(db.store.clone(), Default::default());
        let router = htm_web::router(htm_web::AppState::new(services.clone()));
        let fx = fixture(&services, &router).await;
        let mut problems = Vec::new();
        let mut rows = Vec::new();
        for (method, path, op) in &ops {
            let rule = route_access::lookup(method, path).unwrap_or_else(|| panic!("{method} {path} has no rule"));
            let body = op.get("requestBody").map(|_| json!({}));
            // Without a token: 401, except the login.
            let uri = format!("/api/v1{}", fx.fill(path, Role::Admin, rule));
            let (s, b) = call_json(&router, method, &uri, None, body.clone()).await;
            if rule.requires.needs_login() && (s != StatusCode::UNAUTHORIZED || b["error"]["code"] != "unauthenticated")
            {
                problems.push(format!("{} {method} {path} without a token: {s} {b}", db.name));
            }
            let mut cells = Vec::new();
            for role in Role::ALL {
                let uri = format!("/api/v1{}", fx.fill(path, *role, rule));
                // Logging out ends the session: use a session of its own.
                let token = if path == "/auth/logout" {
                    login(&router, &format!("user-{}", role.as_str()), PASSWORD).await
                } else {
                    fx.tokens[role].clone()
                };
                let (s, b) = call_json(&router, method, &uri, Some(&token), body.clone()).await;
                let allowed = rule.requires.allows(*role);
                let good = if allowed {
                    s != StatusCode::UNAUTHORIZED && s != StatusCode::FORBIDDEN
                } else {
                    s == StatusCode::FORBIDDEN && b["error"]["code"] == "forbidden"
                };
                if !good {
                    problems.push(format!(
                        "{} {method} {uri} as {}: {} by the table, got {s} {b}",
                        db.name,
                        role.as_str(),
                        if allowed { "allowed" } else { "denied" }
                    ));
                }
                cells.push((allowed, good));
            }
            rows.push((format!("{method} {path}"), cells));
        }
        assert!(
            problems.is_empty(),
            "{} of {} calls disagree with the matrix on {}:\n{}\n\n{}",
            problems.len(),
            ops.len() * (Role::ALL.len() + 1),
            db.name,
            problems.join("\n"),
            matrix_text(&rows)
        );
        eprintln!("{}: {} operations × {} roles in {:?}", db.name, ops.len(), Role::ALL.len(), started.elapsed());
    }
}

/// A denied role gets 403 before its body is read: a malformed body does not turn it into 400/422.
#[tokio::test]
async fn a_denied_call_is_refused_whatever_its_body() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let router = htm_web::router(htm_web::AppState::new(services.clone()));
        let fx = fixture(&services, &router).await;
        let auditor = &fx.tokens[&Role::Auditor];
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/assets")
            .header("authorization", format!("Bearer {auditor}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{not json"))
            .unwrap();
        let resp = tower::ServiceExt::oneshot(router.clone(), req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", db.name);
        // An unknown endpoint is still the API's 404, a known path with another method its 405.
        let (s, _) = call_json(&router, "GET", "/api/v1/no-such-endpoint", Some(auditor), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = call_json(&router, "DELETE", "/api/v1/me", Some(auditor), None).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    }
}
