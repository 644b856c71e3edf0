//! The OpenAPI contract (issue 6 §3): every `/api/v1` route the router serves is in the document
//! and every documented operation is served; every operation describes its parameters, request
//! body and responses, including the `{"error": {"code", "message"}}` envelope of its errors.
//! Runs on SQLite and PostgreSQL. (The live check with Schemathesis is
//! `tests/interop/check_openapi.py`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_service::Services;
use htm_test_support::stores;
use serde_json::Value;
use std::collections::BTreeSet;

mod common;
use common::call_json;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/// The document as served, as JSON.
fn doc_json() -> Value {
    let (_, doc) = htm_web::api::router();
    serde_json::to_value(&doc).unwrap()
}

/// (METHOD, path) of every documented operation.
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

/// The path with every `{param}` replaced by a value of its documented type.
fn fill(path: &str, op: &Value) -> String {
    let mut out = path.to_string();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] != "path" {
            continue;
        }
        let name = p["name"].as_str().unwrap();
        let ty = &p["schema"]["type"];
        let v = if *ty == "integer" || *ty == "number" { "1" } else { "X-1" };
        out = out.replace(&format!("{{{name}}}"), v);
    }
    assert!(!out.contains('{'), "{path}: a path parameter is not documented");
    out
}

fn is_fallback(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::METHOD_NOT_ALLOWED
        || (status == StatusCode::NOT_FOUND && body["error"]["message"] == "no such API endpoint")
}

/// Every documented operation reaches a handler (not the API's fallback or its 405), on both
/// back ends; and the served document is the generated one.
#[tokio::test]
async fn every_documented_operation_is_served() {
    let doc = doc_json();
    let ops = operations(&doc);
    assert!(ops.len() > 100, "only {} operations documented", ops.len());
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let router = htm_web::router(htm_web::AppState::new(services));
        // The probe tells a route from the fallback.
        let (s, b) = call_json(&router, "GET", "/api/v1/no-such-endpoint", None, None).await;
        assert!(is_fallback(s, &b), "{s} {b}");
        let (s, b) = call_json(&router, "DELETE", "/api/v1/me", None, None).await;
        assert!(is_fallback(s, &b), "{s} {b}");
        let (s, served) = call_json(&router, "GET", "/api/v1/openapi.json", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(served, doc, "the served document is the generated one");
        let mut missing = Vec::new();
        for (method, path, op) in &ops {
            let uri = format!("/api/v1{}", fill(path, op));
            let (s, b) = call_json(&router, method, &uri, None, None).await;
            if is_fallback(s, &b) {
                missing.push(format!("{method} {path} ({} {s} {b})", db.name));
            }
        }
        assert!(missing.is_empty(), "documented but not served:\n{}", missing.join("\n"));
    }
}

/// Every handler annotated in `src/api/` is in the document (so it is routed through
/// `utoipa_axum::routes!`, which registers route and documentation together), and no code under
/// `src/api/` or the `/api/v1` part of `src/lib.rs` adds a plain axum route that would bypass
/// the document. (axum cannot list a router's routes, so this half of the contract is checked on
/// the source: every way to add a route to an `OpenApiRouter` without documenting it is a
/// `.route(`, `.route_service(`, `.nest(` or `.nest_service(` call.)
#[test]
fn no_api_route_bypasses_the_document() {
    let doc = doc_json();
    let documented: BTreeSet<(String, String)> = operations(&doc).into_iter().map(|(m, p, _)| (m, p)).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut problems = Vec::new();
    let mut annotated = 0;
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
        let src = std::fs::read_to_string(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        for (i, line) in src.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
                if code.contains(call) {
                    problems.push(format!("src/api/{name}:{}: `{call}` adds an undocumented route", i + 1));
                }
            }
        }
        // Every `#[utoipa::path(METHOD, path = "…"` annotation is a documented operation.
        let mut rest = src.as_str();
        while let Some(at) = rest.find("#[utoipa::path(") {
            rest = &rest[at + "#[utoipa::path(".len()..];
            let method = rest.split(',').next().unwrap().trim().to_uppercase();
            let p = rest.find("path = \"").map(|i| &rest[i + 8..]).unwrap();
            let path = &p[..p.find('"').unwrap()];
            annotated += 1;
            if !documented.contains(&(method.clone(), path.to_string())) {
                problems.push(format!("src/api/{name}: {method} {path} is annotated but not registered"));
            }
        }
    }
    assert!(annotated > 100, "only {annotated} annotations found");
    if annotated != documented.len() {
        problems.push(format!("{annotated} annotations in src/api/ but {} documented operations", documented.len()));
    }
    let lib = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for (i, line) in lib.lines().enumerate() {
        if line.contains("\"/api/")
            && !line.contains("\"/api/v1/openapi.json\"")
            && !line.contains(".nest(\"/api/v1\", api)")
        {
            problems.push(format!("src/lib.rs:{}: an /api route outside the documented router", i + 1));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Resolves a `$ref` to `#/components/schemas/X`.
fn resolves(doc: &Value, r: &str) -> bool {
    r.strip_prefix("#/components/schemas/").is_some_and(|n| doc["components"]["schemas"].get(n).is_some())
}

/// The top-level property names of a schema, through `$ref`s and `allOf`.
fn property_names(doc: &Value, schema: &Value, depth: u8, out: &mut Vec<String>) {
    if depth > 8 {
        return;
    }
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        property_names(doc, &doc["components"]["schemas"][name], depth + 1, out);
    }
    if let Some(p) = schema["properties"].as_object() {
        out.extend(p.keys().cloned());
    }
    for s in schema["allOf"].as_array().into_iter().flatten() {
        property_names(doc, s, depth + 1, out);
    }
}

const ENVELOPE: &str = "#/components/schemas/ErrorEnvelope";

/// The error envelope, or "either the envelope or a more specific error body" whose `error`
/// object also has `code` and `message`.
fn is_envelope(doc: &Value, schema: &Value) -> bool {
    if schema["$ref"] == ENVELOPE {
        return true;
    }
    let Some(any) = schema["anyOf"].as_array() else { return false };
    any.iter().any(|s| s["$ref"] == ENVELOPE)
        && any.iter().all(|s| {
            let Some(name) = s["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) else {
                return false;
            };
            let err = &doc["components"]["schemas"][name]["properties"]["error"];
            let body = match err["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
                Some(n) => &doc["components"]["schemas"][n],
                None => err,
            };
            let req = body["required"].as_array().cloned().unwrap_or_default();
            req.contains(&Value::from("code")) && req.contains(&Value::from("message"))
        })
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    if let Some(s) = x.as_str() {
                        out.push(s.to_string());
                    }
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// Every operation: parameters with schemas; a request body with a content type and schema;
/// a success response whose content (JSON or the stated non-JSON type) has a schema; the error
/// statuses that apply to it (400 parameters/body, 401/403 bearer, 404 path or a body naming
/// a record by `…_id`, 413/415/422 body, 409 a body with `version`)
/// with the error envelope; every `$ref` resolves.
#[test]
fn every_operation_describes_its_requests_and_responses() {
    let doc = doc_json();
    assert_eq!(doc["openapi"].as_str().unwrap().get(..3), Some("3.1"));
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let mut problems = Vec::new();
    let global_secured = doc["security"].as_array().is_some_and(|a| a.iter().any(|r| r != &serde_json::json!({})));
    for (method, path, op) in operations(&doc) {
        let here = format!("{method} {path}");
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        for p in &params {
            if !p["schema"].is_object() {
                problems.push(format!("{here}: parameter {} has no schema", p["name"]));
            }
        }
        let has_path = params.iter().any(|p| p["in"] == "path");
        let has_query = params.iter().any(|p| p["in"] == "query");
        if path.contains('{') && !has_path {
            problems.push(format!("{here}: path parameters undocumented"));
        }
        let body = &op["requestBody"];
        let has_body = body.is_object();
        let mut json_body = false;
        let mut versioned = false;
        let mut names_record = false;
        if has_body {
            let content = body["content"].as_object().cloned().unwrap_or_default();
            if content.is_empty() {
                problems.push(format!("{here}: request body without content"));
            }
            for (ct, c) in &content {
                json_body |= ct.contains("json");
                let mut props = Vec::new();
                property_names(&doc, &c["schema"], 0, &mut props);
                versioned |= props.iter().any(|p| p == "version");
                names_record |= props.iter().any(|p| p.ends_with("_id"));
                if !c["schema"].is_object() {
                    problems.push(format!("{here}: request body {ct} without schema"));
                }
            }
        }
        let secured = match op.get("security") {
            None => global_secured,
            Some(s) => s.as_array().is_some_and(|a| a.iter().any(|r| r != &serde_json::json!({}))),
        };
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        let mut success = 0;
        for (status, r) in &responses {
            let content = r["content"].as_object().cloned().unwrap_or_default();
            if status.starts_with('2') {
                success += 1;
                if status != "204" && content.is_empty() {
                    problems.push(format!("{here}: {status} has no content described"));
                }
                for (ct, c) in &content {
                    if !c["schema"].is_object() {
                        problems.push(format!("{here}: {status} {ct} has no schema"));
                    }
                }
            } else if (status.starts_with('4') || status.starts_with('5'))
                && (!content.get("application/json").is_some_and(|c| is_envelope(&doc, &c["schema"]))
                    || content.len() != 1)
            {
                problems.push(format!("{here}: {status} is not the error envelope"));
            }
        }
        if success == 0 {
            problems.push(format!("{here}: no success response"));
        }
        let mut want = Vec::new();
        if has_path || has_query || has_body {
            want.push("400");
        }
        if secured {
            want.push("401");
            if path != "/me" && path != "/auth/logout" {
                want.push("403");
            }
        }
        if has_path || names_record {
            want.push("404");
        }
        if has_body {
            want.push("413");
        }
        if json_body {
            want.push("415");
        }
        if versioned {
            want.push("409");
        }
        if has_body || has_query {
            want.push("422");
        }
        for w in want {
            if !responses.contains_key(w) {
                problems.push(format!("{here}: no {w} response"));
            }
        }
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    refs.sort();
    refs.dedup();
    for r in refs {
        if !resolves(&doc, &r) {
            problems.push(format!("unresolved $ref {r}"));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// The wire codes of text enums are what the schema lists (not the Rust variant names).
#[test]
fn enum_schemas_list_the_wire_codes() {
    let doc = doc_json();
    let role = &doc["components"]["schemas"]["Role"];
    let codes: Vec<&str> = role["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(codes, ["admin", "manager", "engineer", "technician", "requester", "auditor", "vendor"]);
    assert_eq!(role["type"], "string");
    let status = &doc["components"]["schemas"]["AssetStatus"]["enum"];
    assert!(status.as_array().unwrap().iter().any(|v| v == "in_service"), "{status}");
}
