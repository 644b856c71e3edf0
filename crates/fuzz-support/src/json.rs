//! The `json_bodies` fuzz target: every operation of the OpenAPI document that takes a JSON
//! request body, called with arbitrary bytes as the body through the real router (in process,
//! no socket), as an administrator, over an SQLite database in a temporary directory that is
//! migrated and seeded with the demo hospital once per process.
//!
//! Input: byte 0 picks the operation, byte 1 the value of its path parameters (an existing id,
//! a missing one, 0, negative, `i64::MAX`), the rest is the body. Or, as the seed files in
//! `fuzz/seeds/json_bodies/` are written (robust to new routes): a first line `METHOD /path`
//! naming the operation, then the body. Property: no panic, no 5xx,
//! and every 4xx carries the `{"error": {"code", "message"}}` envelope (`api/error.rs`).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use htm_service::{Principal, Services};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::{Mutex, OnceLock};
use tower::ServiceExt;

/// The administrator's password in the harness's own database.
const ADMIN_PASSWORD: &str = "Quiet-Harbor-Lantern-42";

/// One operation with a JSON request body.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    /// As documented, e.g. `/work-orders/{id}/transition`.
    pub path: String,
    /// `(name, is_integer)` of each path parameter.
    pub params: Vec<(String, bool)>,
    /// The request body's JSON schema (may be a `$ref` into `components`).
    pub schema: Value,
}

/// Every documented operation with an `application/json` request body, in document order.
pub fn operations() -> Vec<Operation> {
    let (_, doc) = htm_web::api::router();
    let doc = serde_json::to_value(&doc).unwrap_or(Value::Null);
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else { return out };
    for (path, item) in paths {
        for m in ["get", "put", "post", "delete", "patch"] {
            let Some(op) = item.get(m) else { continue };
            if op["requestBody"]["content"].get("application/json").is_none() {
                continue;
            }
            let params = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    let ty = &p["schema"]["type"];
                    (p["name"].as_str().unwrap_or_default().to_string(), *ty == "integer" || *ty == "number")
                })
                .collect();
            let schema = op["requestBody"]["content"]["application/json"]["schema"].clone();
            out.push(Operation { method: m.to_uppercase(), path: path.clone(), params, schema });
        }
    }
    out
}

/// The router over the seeded database, logged in as `admin`.
pub struct Harness {
    rt: tokio::runtime::Runtime,
    router: axum::Router,
    services: Services,
    token: Mutex<String>,
    admin_id: i64,
    pub operations: Vec<Operation>,
    /// How many answers of each status the harness has seen (to show what a run reached).
    statuses: Mutex<std::collections::BTreeMap<u16, usize>>,
}

static HARNESS: OnceLock<Result<Harness, String>> = OnceLock::new();

/// The process's harness (built on first use: migrating and seeding take a few seconds).
pub fn harness() -> Result<&'static Harness, String> {
    HARNESS.get_or_init(Harness::build).as_ref().map_err(Clone::clone)
}

/// `json_bodies`: one call (see the module documentation).
pub fn json_bodies(data: &[u8]) -> Result<(), String> {
    harness()?.call(data)
}

impl Harness {
    fn build() -> Result<Harness, String> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        let dir = std::env::temp_dir().join(format!("htm-fuzz-json-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let url = format!("sqlite://{}", dir.join("htm.db").display());
        let started = std::time::Instant::now();
        let (router, services, token, admin_id) = rt.block_on(async {
            let db = htm_store::DatabaseUrl::parse(&url).map_err(|e| e.to_string())?;
            let store = htm_store::open(&db).await.map_err(|e| e.to_string())?;
            let services = Services::new(store, Default::default());
            services.ensure_admin(Some(ADMIN_PASSWORD.into())).await.map_err(|e| e.to_string())?;
            services.seed_demo(jiff::civil::date(2026, 11, 21)).await.map_err(|e| e.to_string())?;
            let grant = services.login("admin", ADMIN_PASSWORD, "api").await.map_err(|e| e.to_string())?;
            let router = htm_web::router(htm_web::AppState::new(services.clone()));
            Ok::<_, String>((router, services, grant.token, grant.user.id.0))
        })?;
        eprintln!("json_bodies: database {url} seeded in {:.1} s", started.elapsed().as_secs_f64());
        let operations = operations();
        if operations.is_empty() {
            return Err("the OpenAPI document lists no operation with a JSON body".into());
        }
        Ok(Harness {
            rt,
            router,
            services,
            token: Mutex::new(token),
            admin_id,
            operations,
            statuses: Mutex::new(Default::default()),
        })
    }

    fn fill(&self, op: &Operation, pick: u8) -> String {
        const IDS: [i64; 8] = [1, 2, 3, 1, 0, -1, 999_999_999, i64::MAX];
        let mut id = IDS[pick as usize % IDS.len()];
        if op.path.starts_with("/users/") && id == self.admin_id {
            // Never deactivate or demote the harness's own account: every later call would be
            // refused and the fuzzer would learn nothing.
            id = self.admin_id + 1;
        }
        let mut path = op.path.clone();
        for (name, integer) in &op.params {
            let v = if *integer { id.to_string() } else { format!("X-{id}") };
            path = path.replace(&format!("{{{name}}}"), &v);
        }
        format!("/api/v1{path}")
    }

    /// Logs in again (after a 401: a body may have revoked the session), lifting a lock first.
    fn relogin(&self) {
        let r = self.rt.block_on(async {
            let _ = self.services.unlock_user(&Principal::system(), htm_domain::ids::UserId(self.admin_id)).await;
            self.services.login("admin", ADMIN_PASSWORD, "api").await
        });
        if let (Ok(g), Ok(mut t)) = (r, self.token.lock()) {
            *t = g.token;
        }
    }

    /// Answers seen so far, by status (e.g. `200: 412, 404: 80, 422: 2310`).
    pub fn status_summary(&self) -> String {
        let s = self.statuses.lock().map(|s| s.clone()).unwrap_or_default();
        s.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
    }

    /// Sends one fuzz input and checks the answer.
    pub fn call(&self, data: &[u8]) -> Result<(), String> {
        if let Some(nl) = data.iter().take(200).position(|b| *b == b'\n') {
            let head = String::from_utf8_lossy(&data[..nl]);
            if let Some(op) = self.operations.iter().find(|o| head == format!("{} {}", o.method, o.path)) {
                return self.send(op, 0, data[nl + 1..].to_vec());
            }
        }
        let (Some(&which), rest) = (data.first(), data.get(1..).unwrap_or_default()) else { return Ok(()) };
        let op = &self.operations[which as usize % self.operations.len()];
        let (pick, body) = match rest.split_first() {
            Some((p, b)) => (*p, b),
            None => (0, rest),
        };
        self.send(op, pick, body.to_vec())
    }

    /// Sends `body` to `op` (path parameters chosen by `pick`) and checks the answer.
    pub fn send(&self, op: &Operation, pick: u8, body: Vec<u8>) -> Result<(), String> {
        let uri = self.fill(op, pick);
        let token = self.token.lock().map(|t| t.clone()).unwrap_or_default();
        let req = Request::builder()
            .method(op.method.as_str())
            .uri(&uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body))
            .map_err(|e| format!("{} {uri}: cannot build the request: {e}", op.method))?;
        let started = std::time::Instant::now();
        let (status, bytes) = self.rt.block_on(async {
            let resp = self.router.clone().oneshot(req).await.map_err(|e| e.to_string())?;
            let status = resp.status();
            let bytes = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
            Ok::<_, String>((status, bytes))
        })?;
        if started.elapsed().as_secs_f64() > 2.0 {
            eprintln!("json_bodies: slow: {} {uri} → {status} in {:.1} s", op.method, started.elapsed().as_secs_f64());
        }
        if let Ok(mut s) = self.statuses.lock() {
            *s.entry(status.as_u16()).or_default() += 1;
        }
        let what = || format!("{} {uri} → {status}: {}", op.method, String::from_utf8_lossy(&bytes));
        if status.is_server_error() {
            return Err(format!("server error: {}", what()));
        }
        if status.is_client_error() {
            let v: Value = serde_json::from_slice(&bytes).map_err(|_| format!("not JSON: {}", what()))?;
            let ok = v["error"]["code"].as_str().is_some_and(|c| !c.is_empty())
                && v["error"]["message"].as_str().is_some_and(|m| !m.is_empty());
            if !ok {
                return Err(format!("no error envelope: {}", what()));
            }
            if status == StatusCode::UNAUTHORIZED && op.path != "/auth/login" {
                self.relogin();
            }
        }
        Ok(())
    }
}

/// A plausible body for an operation, from its schema: every property (`full`) or only the
/// required ones, with a value of its type (enums: the first value; dates and instants in
/// their formats; ids 1). The seeds of `json_bodies` are these.
pub fn example_body(op: &Operation, full: bool) -> Value {
    let (_, doc) = htm_web::api::router();
    let doc = serde_json::to_value(&doc).unwrap_or(Value::Null);
    example(&doc, &op.schema, full, 0)
}

fn example(doc: &Value, schema: &Value, full: bool, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or_default();
        return example(doc, &doc["components"]["schemas"][name], full, depth + 1);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) =
            schema[key].as_array().and_then(|a| a.iter().find(|s| s["type"] != "null").or_else(|| a.first()))
        {
            return example(doc, first, full, depth + 1);
        }
    }
    if let Some(e) = schema["enum"].as_array().and_then(|a| a.iter().find(|v| !v.is_null())) {
        return e.clone();
    }
    let ty = match &schema["type"] {
        Value::Array(a) => a.iter().find(|t| *t != "null").cloned().unwrap_or(Value::Null),
        t => t.clone(),
    };
    match ty.as_str().unwrap_or("object") {
        "string" => match schema["format"].as_str() {
            Some("date") => "2026-03-01".into(),
            Some("date-time") => "2026-03-01T10:15:00Z".into(),
            _ => "Fuzz-1".into(),
        },
        "integer" => 1.into(),
        "number" => 1.5.into(),
        "boolean" => true.into(),
        "array" => Value::Array(vec![example(doc, &schema["items"], full, depth + 1)]),
        _ => {
            let required: Vec<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let mut o = serde_json::Map::new();
            for (k, v) in schema["properties"].as_object().into_iter().flatten() {
                if full || required.contains(&k.as_str()) {
                    o.insert(k.clone(), example(doc, v, full, depth + 1));
                }
            }
            Value::Object(o)
        }
    }
}

/// The seed files of `json_bodies`: `(file name, content)` for every operation, a full and a
/// required-only body, each as `METHOD /path` then the body.
pub fn seed_files() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for op in operations() {
        let stem: String = format!("{}{}", op.method.to_lowercase(), op.path)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        for (suffix, full) in [("full", true), ("required", false)] {
            let body = example_body(&op, full);
            let text =
                format!("{} {}\n{}", op.method, op.path, serde_json::to_string_pretty(&body).unwrap_or_default());
            out.push((format!("{stem}.{suffix}.json"), text.into_bytes()));
        }
    }
    out
}

/// Tokens worth inserting into JSON bodies (the dictionary of the CI short run).
pub const DICTIONARY: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"null",
    b"true",
    b"\"\"",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"-0",
    b"1e999",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"18446744073709551616",
    b"\"2024-02-30\"",
    b"\"2024-03-01T10:15:00Z\"",
    b"\"9999-12-31\"",
    b"\"-009999-01-01\"",
    b"\"version\":",
    b"\"id\":",
    b"\"status\":",
    b"\"asset_id\":",
    b"\"model_id\":",
    b"\"department_id\":",
    b"\"name\":",
    b"\"to\":",
    b"\"password\":",
    b"\"interval_months\":",
    b"\"limit\":",
];
