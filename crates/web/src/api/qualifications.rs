//! Technician qualifications (REFERENCE §10) and each site's qualification policy:
//! `GET/POST /users/{id}/qualifications`, `POST /users/{id}/qualifications/{qid}/revoke`,
//! `GET/PUT /sites/{id}/qualification-policy`. See `htm_service::qualifications`.

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use htm_domain::ids::{SiteId, UserId};
use htm_domain::qualification::{NewQualification, Qualification, QualificationPolicy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user's qualifications, revoked ones included, newest first. Anyone may read their own;
/// managers, engineers, administrators and auditors anyone's.
#[utoipa::path(get, path = "/users/{id}/qualifications", tag = "qualifications", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Qualification>), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn list_qualifications(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Vec<Qualification>>> {
    Ok(Out(state.services.list_qualifications(&p, UserId(id)).await?))
}

/// Add a certification (`certification`: CABT, CBET, CRES, CLES, CHTM, CCE; CNES is accepted
/// but unconfirmed) or manufacturer training on a model (`model_id`) — exactly one — with an
/// optional expiry date (valid through that day). Managers and administrators only.
#[utoipa::path(post, path = "/users/{id}/qualifications", tag = "qualifications", params(("id" = i64, Path)),
    request_body = NewQualification,
    responses((status = 201, body = Qualification), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn add_qualification(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(n): Json<NewQualification>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Out(state.services.add_qualification(&p, UserId(id), n).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// Why it is revoked (required; recorded in the audit event).
    pub reason: String,
}

/// Revoke a qualification (it no longer counts from now on; the row stays for the record).
/// 409 `conflict` when already revoked.
#[utoipa::path(post, path = "/users/{id}/qualifications/{qid}/revoke", tag = "qualifications",
    params(("id" = i64, Path), ("qid" = i64, Path)), request_body = RevokeRequest,
    responses((status = 200, body = Qualification), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn revoke_qualification(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path((id, qid)): Path<(i64, i64)>,
    Json(b): Json<RevokeRequest>,
) -> ApiResult<Out<Qualification>> {
    Ok(Out(state.services.revoke_qualification(&p, UserId(id), qid, &b.reason).await?))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PolicyBody {
    /// `flag` (default): work by a technician lacking a procedure's required qualification is
    /// allowed and the work order flagged; `refuse`: it is refused (422 `unqualified_technician`).
    pub qualification_policy: QualificationPolicy,
}

/// A site's qualification policy.
#[utoipa::path(get, path = "/sites/{id}/qualification-policy", tag = "qualifications", params(("id" = i64, Path)),
    responses((status = 200, body = PolicyBody), (status = 404, body = ErrorEnvelope)))]
pub async fn get_policy(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<PolicyBody>> {
    Ok(Out(PolicyBody { qualification_policy: state.services.qualification_policy(&p, SiteId(id)).await? }))
}

/// Set a site's qualification policy. Managers and administrators only.
#[utoipa::path(put, path = "/sites/{id}/qualification-policy", tag = "qualifications", params(("id" = i64, Path)),
    request_body = PolicyBody,
    responses((status = 200, body = PolicyBody), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn set_policy(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<PolicyBody>,
) -> ApiResult<Out<PolicyBody>> {
    let policy = state.services.set_qualification_policy(&p, SiteId(id), b.qualification_policy).await?;
    Ok(Out(PolicyBody { qualification_policy: policy }))
}
