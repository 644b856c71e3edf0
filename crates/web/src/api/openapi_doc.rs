//! Completes the generated OpenAPI document with the error responses every handler shares.
//!
//! The handlers' `#[utoipa::path]` annotations list their success response(s) and the errors
//! particular to them (a 409 on a stale `version`, a 422 from a rule, …). The errors that come
//! from the edge itself are the same for every operation of a kind, so they are added here, in
//! one place, rather than copied into every annotation:
//!
//! | status | when | added to |
//! |---|---|---|
//! | 400 `bad_request` | a path or query parameter or the body does not parse | operations with parameters or a body |
//! | 401 `unauthenticated` | no, an expired or a revoked bearer token | operations that take the bearer token |
//! | 403 `forbidden` | the role may not do this (the permission matrix) | operations that take the bearer token, except `/me` and `/auth/logout` |
//! | 404 `not_found` | a record named in the path, or by an `…_id` in the body, does not exist | operations with a path parameter or such a body |
//! | 413 `too_large` | the body is over the size limit (8 MiB) | operations with a body |
//! | 409 `stale_version` | the record changed since the `version` sent was read | operations whose body carries a `version` |
//! | 415 `bad_request` | the body is not sent with the documented content type | operations with a JSON body |
//! | 422 `validation_failed` | the body or a query value breaks a rule | operations with a body or query parameters |
//!
//! Every error response, whether annotated by hand or added here, is the envelope
//! `{"error": {"code", "message", "fields"?}}` ([`ErrorEnvelope`](super::error::ErrorEnvelope)).
//! The test `crates/web/tests/openapi_contract.rs` checks the finished document against the router.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

/// Paths whose callers may always call them once authenticated (no 403).
const NO_FORBIDDEN: &[&str] = &["/me", "/auth/logout"];

/// Adds the shared error responses (see the module documentation) to every operation of `doc`
/// and gives every hand-annotated error response without a body the error envelope.
pub fn complete(doc: &mut OpenApi) {
    let global_security = doc.security.as_ref().is_some_and(|s| s.iter().any(|r| *r != SecurityRequirement::default()));
    let schemas = doc.components.as_ref().map(|c| c.schemas.clone()).unwrap_or_default();
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
            item.head.as_mut(),
            item.options.as_mut(),
            item.trace.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            complete_operation(path, op, global_security, &schemas);
        }
    }
}

/// Adds to every operation what it requires (issue 7 §1), from the route table
/// [`htm_service::route_access`]: the extension `x-openhtm-permission`
/// (`{"requires", "actions", "roles", "scope"?, "scope_text"?, "note"?}`; `requires` is `public`,
/// `authenticated`, an action's code, `any_of` or `all_of`) and a sentence at the end of the
/// description. An operation without a rule gets `{"requires": "denied"}`: the API refuses it.
pub fn annotate_access(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            ("GET", item.get.as_mut()),
            ("PUT", item.put.as_mut()),
            ("POST", item.post.as_mut()),
            ("DELETE", item.delete.as_mut()),
            ("PATCH", item.patch.as_mut()),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let (value, sentence) = match htm_service::route_access::lookup(method, path) {
                Some(rule) => {
                    let mut v = serde_json::json!({
                        "requires": rule.requires.code(),
                        "actions": rule.requires.actions().iter().map(|a| a.code()).collect::<Vec<_>>(),
                        "roles": rule.requires.roles().iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                    });
                    if let Some(scope) = rule.scope.code() {
                        v["scope"] = scope.into();
                        v["scope_text"] = rule.scope.sentence().unwrap_or_default().into();
                    }
                    if let Some(note) = rule.note {
                        v["note"] = note.into();
                    }
                    (v, rule.sentence())
                }
                None => (
                    serde_json::json!({"requires": "denied", "actions": [], "roles": []}),
                    "Access: refused to everyone (no entry in the access table).".to_string(),
                ),
            };
            op.extensions.get_or_insert_with(Default::default).insert("x-openhtm-permission".into(), value);
            op.description = Some(match op.description.take().filter(|d| !d.trim().is_empty()) {
                Some(d) => format!("{d}\n\n{sentence}"),
                None => sentence,
            });
        }
    }
}

fn complete_operation(path: &str, op: &mut Operation, global_security: bool, schemas: &Schemas) {
    let secured = match &op.security {
        None => global_security,
        Some(reqs) => reqs.iter().any(|r| *r != SecurityRequirement::default()),
    };
    let params = op.parameters.as_deref().unwrap_or(&[]);
    let in_of = |p: &RefOr<utoipa::openapi::path::Parameter>, want: ParameterIn| match p {
        RefOr::T(p) => p.parameter_in == want,
        RefOr::Ref(_) => false,
    };
    let has_path = params.iter().any(|p| in_of(p, ParameterIn::Path)) || path.contains('{');
    let has_query = params.iter().any(|p| in_of(p, ParameterIn::Query));
    let body = match &op.request_body {
        Some(RefOr::T(b)) => Some(b),
        _ => None,
    };
    let has_body = op.request_body.is_some();
    let json_body = body.is_some_and(is_json_body);
    // The top-level properties of the body (through `$ref`s and `allOf`, as `serde(flatten)` makes).
    let mut props = Vec::new();
    for c in body.iter().flat_map(|b| b.content.values()) {
        if let RefOr::T(c) = c
            && let Some(schema) = &c.schema
        {
            property_names(schemas, schema, 0, &mut props);
        }
    }
    // A body carrying the `version` read (optimistic concurrency) can be stale.
    let stale = props.iter().any(|p| p == "version");
    // A body naming another record by id (`asset_id`, `model_id`, …) can name a missing one.
    let names_record = props.iter().any(|p| p.ends_with("_id"));

    let mut add = |status: &str, why: &str| {
        op.responses.responses.entry(status.to_string()).or_insert_with(|| RefOr::T(error_response(why)));
    };
    if has_path || has_query || has_body {
        add("400", "A path or query parameter, or the body, does not parse (`bad_request`).");
    }
    if secured {
        add("401", "No bearer token, or an expired or revoked one (`unauthenticated`).");
        if !NO_FORBIDDEN.contains(&path) {
            add("403", "The caller's role may not do this, or the record is outside its scope (`forbidden`).");
        }
    }
    if has_path || names_record {
        add("404", "A record named in the path or by an `…_id` in the body does not exist (`not_found`).");
    }
    if has_body {
        add("413", "The body is larger than the server accepts (`too_large`).");
    }
    if json_body {
        add("415", "The body was not sent as `Content-Type: application/json` (`bad_request`).");
    }
    if stale {
        add("409", "The record changed since the `version` sent was read (`stale_version`); nothing was changed.");
    }
    if has_body || has_query {
        add("422", "The body or a query value breaks a rule (`validation_failed`; `fields` says which).");
    }
    // Hand-written error responses without a body get the envelope too; one annotated with a
    // more specific error body (e.g. incidents' `phi_warning` with `findings`) may still be
    // the plain envelope (a body that does not parse), so it becomes "either".
    for (status, resp) in op.responses.responses.iter_mut() {
        let RefOr::T(r) = resp else { continue };
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if r.content.is_empty() {
            r.content.insert("application/json".into(), envelope_content());
            continue;
        }
        for c in r.content.values_mut() {
            let RefOr::T(c) = c else { continue };
            if let Some(RefOr::Ref(other)) = &c.schema
                && other.ref_location != ENVELOPE_REF
            {
                let either = AnyOfBuilder::new().item(Ref::from_schema_name("ErrorEnvelope")).item(other.clone());
                c.schema = Some(RefOr::T(Schema::AnyOf(either.build())));
            }
        }
    }
}

const ENVELOPE_REF: &str = "#/components/schemas/ErrorEnvelope";

type Schemas = std::collections::BTreeMap<String, RefOr<Schema>>;

fn property_names(schemas: &Schemas, schema: &RefOr<Schema>, depth: u8, out: &mut Vec<String>) {
    if depth > 8 {
        return;
    }
    match schema {
        RefOr::Ref(r) => {
            let name = r.ref_location.rsplit('/').next().unwrap_or("");
            if let Some(s) = schemas.get(name) {
                property_names(schemas, s, depth + 1, out);
            }
        }
        RefOr::T(Schema::Object(o)) => out.extend(o.properties.keys().cloned()),
        RefOr::T(Schema::AllOf(a)) => a.items.iter().for_each(|s| property_names(schemas, s, depth + 1, out)),
        RefOr::T(_) => {}
    }
}

fn is_json_body(b: &RequestBody) -> bool {
    b.content.keys().any(|k| k.contains("json"))
}

fn envelope_content() -> RefOr<Content> {
    RefOr::T(Content::new(Some(Ref::from_schema_name("ErrorEnvelope"))))
}

fn error_response(description: &str) -> Response {
    let mut r = Response::new(description);
    r.content.insert("application/json".into(), envelope_content());
    r
}

/// The bytes of a non-JSON body (a PDF, an image, a spreadsheet, …): its media type is the
/// content type it is listed under.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The file's bytes."))
            .into()
    }
}

impl utoipa::ToSchema for Binary {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Binary")
    }
}
