//! UDI parsing and scanning (REFERENCE §5): `POST /udi/parse` returns what `htm udi parse`
//! prints; `POST /udi/lookup` finds the asset a scan identifies or offers to create one.

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::Json;
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use htm_domain::udi::ParsedUdi;
use htm_service::udi::UdiLookup;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A UDI as scanned or typed: GS1 element string (GS = ASCII 29) or `(AI)` form, HIBCC (`+…`)
/// or ISBT 128 (`=…`, `&…`), optionally preceded by a symbology identifier such as `]d2`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UdiIn {
    pub udi: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(parse_udi)).routes(routes!(lookup_udi))
}

/// Parse a UDI: `issuer` (`GS1`, `HIBCC`, `ICCBBA`), `di`, and the production identifiers
/// present (`lot`, `serial`, `expiry`, `manufactured` as `YYYY-MM-DD`; a GS1 day `00` is the
/// month's last day), plus the symbology identifier and the agency's detail. Invalid input
/// gives 422 with a message that says where (character offset, AI) and why.
#[utoipa::path(post, path = "/udi/parse", tag = "udi", request_body = UdiIn,
    responses((status = 200, body = ParsedUdi), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn parse_udi(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(b): Json<UdiIn>,
) -> ApiResult<Out<ParsedUdi>> {
    Ok(Out(state.services.parse_udi(&p, &b.udi)?))
}

/// Scan: parse a UDI and find the asset by DI + serial (the asset's `udi.serial` or
/// `serial_number`), by DI alone when one asset carries it, or by a GS1 GIAI (AI 8004) equal to
/// an asset tag. `next` says what to do: `open_asset`, `choose_asset` (see `candidates`) or
/// `create_asset` (with `prefill` and the `model` the DI's other units have, if any).
#[utoipa::path(post, path = "/udi/lookup", tag = "udi", request_body = UdiIn,
    responses((status = 200, body = UdiLookup), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn lookup_udi(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(b): Json<UdiIn>,
) -> ApiResult<Out<UdiLookup>> {
    Ok(Out(state.services.lookup_udi(&p, &b.udi).await?))
}
