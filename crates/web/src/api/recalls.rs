//! Recalls and hazard alerts (REFERENCE §6): import openFDA JSON, enter alerts, list and read
//! recalls with their matches, re-run matching, decide matches (a confirmation opens a
//! recall-action work order), close a recall when every affected asset is done.

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use htm_domain::page::PageRequest;
use htm_domain::recall::{ImportSummary, NewAlert, Recall, RecallClass, RecallId, RecallMatch, RecallMatchId};
use htm_service::recalls::{Candidate, RecallDetail, RecallSummary};
use htm_store::RecallFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_recalls))
        .routes(routes!(create_alert))
        .routes(routes!(list_recalls))
        .routes(routes!(get_recall))
        .routes(routes!(match_recalls))
        .routes(routes!(confirm_match))
        .routes(routes!(reject_match))
        .routes(routes!(not_affected))
        .routes(routes!(close_recall))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RecallQuery {
    /// `I`, `II` or `III` (or `Class II`).
    pub class: Option<String>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// `openfda` or `manual`.
    pub source: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecallPage {
    pub items: Vec<RecallSummary>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionNote {
    /// Why (required).
    pub note: String,
}

/// Import an openFDA device recall or device enforcement response, exactly as published
/// (`{"meta": …, "results": […]}`). Idempotent: a re-import reports every record `unchanged`. A
/// bad file is refused whole (422 `validation_failed`, `fields` name `results[i].field`).
#[utoipa::path(post, path = "/recalls/import", tag = "recalls",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, body = ImportSummary), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn import_recalls(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    super::extract::RawBody(body): super::extract::RawBody,
) -> ApiResult<Out<ImportSummary>> {
    Ok(Out(state.services.import_recalls(&p, &body).await?))
}

/// Enter a hazard alert by hand (manufacturer letter, safety notice); numbered `ALERT-YYYY-NNNN`.
#[utoipa::path(post, path = "/alerts", tag = "recalls", request_body = NewAlert,
    responses((status = 201, body = Recall), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_alert(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(b): Json<NewAlert>,
) -> ApiResult<(StatusCode, Out<Recall>)> {
    Ok((StatusCode::CREATED, Out(state.services.create_alert(&p, b).await?)))
}

/// Recalls and alerts, newest first, with progress (affected, done, not affected, candidates)
/// and the computed state.
#[utoipa::path(get, path = "/recalls", tag = "recalls", params(RecallQuery),
    responses((status = 200, body = RecallPage), (status = 400, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_recalls(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<RecallQuery>,
) -> ApiResult<Out<RecallPage>> {
    let mut f = RecallFilter::default();
    if let Some(c) = q.class.as_deref().filter(|s| !s.is_empty()) {
        f.class = Some(RecallClass::parse(c)?);
    }
    match q.status.as_deref() {
        None | Some("") => {}
        Some("open") => f.open = Some(true),
        Some("closed") => f.open = Some(false),
        Some(other) => {
            return Err(htm_service::ServiceError::invalid("status", format!("'{other}' is not open or closed")).into());
        }
    }
    if let Some(s) = q.source.as_deref().filter(|s| !s.is_empty()) {
        f.source = Some(htm_domain::recall::RecallSource::parse(s)?);
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let r = state.services.list_recalls(&p, &f, page).await?;
    Ok(Out(RecallPage { items: r.items, next_cursor: r.next_cursor }))
}

/// One recall with its matches.
#[utoipa::path(get, path = "/recalls/{id}", tag = "recalls", params(("id" = i64, Path)),
    responses((status = 200, body = RecallDetail), (status = 404, body = ErrorEnvelope)))]
pub async fn get_recall(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<RecallDetail>> {
    Ok(Out(state.services.get_recall(&p, RecallId(id)).await?))
}

/// Re-run matching for every open recall; returns the undecided candidates.
#[utoipa::path(post, path = "/recalls/match", tag = "recalls",
    responses((status = 200, body = Vec<Candidate>), (status = 403, body = ErrorEnvelope)))]
pub async fn match_recalls(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<Vec<Candidate>>> {
    Ok(Out(state.services.match_recalls(&p).await?))
}

/// Confirm a match: the asset is affected; opens a recall-action work order in the same step.
#[utoipa::path(post, path = "/recall-matches/{id}/confirm", tag = "recalls", params(("id" = i64, Path)),
    responses((status = 200, body = RecallMatch), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
pub async fn confirm_match(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<RecallMatch>> {
    Ok(Out(state.services.confirm_match(&p, RecallMatchId(id)).await?))
}

/// Reject a candidate (not this device); `note` is required.
#[utoipa::path(post, path = "/recall-matches/{id}/reject", tag = "recalls", params(("id" = i64, Path)), request_body = DecisionNote,
    responses((status = 200, body = RecallMatch), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
pub async fn reject_match(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<DecisionNote>,
) -> ApiResult<Out<RecallMatch>> {
    Ok(Out(state.services.reject_match(&p, RecallMatchId(id), &b.note).await?))
}

/// Document that the asset is not affected; `note` is required.
#[utoipa::path(post, path = "/recall-matches/{id}/not-affected", tag = "recalls", params(("id" = i64, Path)), request_body = DecisionNote,
    responses((status = 200, body = RecallMatch), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
pub async fn not_affected(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<DecisionNote>,
) -> ApiResult<Out<RecallMatch>> {
    Ok(Out(state.services.mark_not_affected(&p, RecallMatchId(id), &b.note).await?))
}

/// Close a recall. Refused (422) while a candidate is undecided or a confirmed asset has no
/// completed or closed action work order.
#[utoipa::path(post, path = "/recalls/{id}/close", tag = "recalls", params(("id" = i64, Path)),
    responses((status = 200, body = Recall), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
pub async fn close_recall(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<Recall>> {
    Ok(Out(state.services.close_recall(&p, RecallId(id)).await?))
}
