//! The FHIR R4 endpoint (`/fhir/r4`, REFERENCE §8): read-only `Device` (an asset),
//! `DeviceDefinition` (a device model), `Device?identifier=` searches answered with a searchset
//! Bundle, and the CapabilityStatement at `metadata`. Same Bearer tokens as the JSON API;
//! `metadata` is public, as FHIR servers conventionally make it. Every response is
//! `application/fhir+json`; every error is an `OperationOutcome` with the HTTP status.

use crate::AppState;
use crate::api::error::ApiError;
use crate::auth::ApiUser;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use htm_domain::fhir;
use htm_domain::ids::{AssetId, ModelId};
use serde_json::Value;

/// The routes under `/fhir/r4`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fhir/r4/metadata", get(metadata))
        .route("/fhir/r4/Device", get(search_devices))
        .route("/fhir/r4/Device/{id}", get(read_device))
        .route("/fhir/r4/DeviceDefinition/{id}", get(read_device_definition))
        .route("/fhir/r4/{*rest}", get(unsupported))
}

/// A FHIR JSON response.
fn fhir_json(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, fhir::FHIR_JSON)], body.to_string()).into_response()
}

/// An error as an OperationOutcome; the issue code follows the HTTP status.
fn outcome(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::UNAUTHORIZED => "login",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::CONFLICT => "conflict",
        _ => "exception",
    };
    let mut r = fhir_json(status, &fhir::operation_outcome(code, message));
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    }
    r
}

fn api_error(e: ApiError) -> Response {
    outcome(e.status, &e.body.message)
}

type FhirResult = Result<Response, Response>;

#[allow(clippy::result_large_err)] // an error response, returned once per request
fn user(u: Result<ApiUser, ApiError>) -> Result<htm_service::Principal, Response> {
    u.map(|u| u.0).map_err(api_error)
}

fn service_error(e: htm_service::ServiceError) -> Response {
    api_error(ApiError::from(e))
}

/// Our ids are integers; any other id names no resource (404, not 400, as FHIR reads expect).
#[allow(clippy::result_large_err)]
fn parse_id(kind: &str, id: &str) -> Result<i64, Response> {
    id.parse::<i64>().map_err(|_| outcome(StatusCode::NOT_FOUND, &format!("{kind}/{id} is not known")))
}

/// `http(s)://host/fhir/r4`, for `fullUrl` and the `self` link.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or(if state.secure_cookies { "https" } else { "http" });
    format!("{proto}://{host}/fhir/r4")
}

async fn metadata() -> Response {
    let date = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    fhir_json(StatusCode::OK, &fhir::capability_statement(&date, env!("CARGO_PKG_VERSION")))
}

async fn read_device(
    State(state): State<AppState>,
    u: Result<ApiUser, ApiError>,
    Path(id): Path<String>,
) -> FhirResult {
    let p = user(u)?;
    let id = parse_id("Device", &id)?;
    let d = state.services.fhir_device(&p, AssetId(id)).await.map_err(service_error)?;
    Ok(fhir_json(StatusCode::OK, &d))
}

async fn read_device_definition(
    State(state): State<AppState>,
    u: Result<ApiUser, ApiError>,
    Path(id): Path<String>,
) -> FhirResult {
    let p = user(u)?;
    let id = parse_id("DeviceDefinition", &id)?;
    let d = state.services.fhir_device_definition(&p, ModelId(id)).await.map_err(service_error)?;
    Ok(fhir_json(StatusCode::OK, &d))
}

/// `GET /fhir/r4/Device?identifier=[system|]value`. Exactly one `identifier` is required;
/// `_format` and `_count` are accepted (the result is never paged: a tag matches one device and
/// a serial a few); any other parameter is refused with 400 rather than silently ignored.
async fn search_devices(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    u: Result<ApiUser, ApiError>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> FhirResult {
    let p = user(u)?;
    let Query(params) = q.map_err(|e| outcome(StatusCode::BAD_REQUEST, &format!("bad query: {}", e.body_text())))?;
    let mut token = None;
    for (k, v) in &params {
        match k.as_str() {
            "identifier" if token.is_none() => token = Some(v.as_str()),
            "identifier" => {
                return Err(outcome(StatusCode::BAD_REQUEST, "give one identifier parameter"));
            }
            "_format" | "_count" => {}
            other => {
                return Err(outcome(
                    StatusCode::BAD_REQUEST,
                    &format!("search parameter '{other}' is not supported (supported: identifier)"),
                ));
            }
        }
    }
    let Some(token) = token else {
        return Err(outcome(StatusCode::BAD_REQUEST, "search needs identifier=value or identifier=system|value"));
    };
    let found = state.services.fhir_search_devices(&p, token).await.map_err(|e| match e {
        htm_service::ServiceError::Validation(_) => outcome(StatusCode::BAD_REQUEST, &e.to_string()),
        other => service_error(other),
    })?;
    let base = base_url(&state, &headers);
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/fhir/r4/Device");
    let self_url = format!("{}{}", base.trim_end_matches("/fhir/r4"), path_and_query);
    let total = found.len();
    Ok(fhir_json(StatusCode::OK, &fhir::searchset(&base, &self_url, total, found)))
}

async fn unsupported(Path(rest): Path<String>) -> Response {
    outcome(
        StatusCode::NOT_FOUND,
        &format!("{rest} is not served here: this server offers Device, DeviceDefinition and metadata"),
    )
}
