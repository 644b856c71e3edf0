//! Calendar feeds (issue 6 §5) and notifications (issue 6 §6): PM calendar feeds behind secret
//! URLs, webhook subscriptions, and the notification outbox with its delivery log. The feed
//! itself (`GET /calendar/{secret}.ics`) is served outside `/api/v1` (see `crate::calendar_feed`).

use super::error::{ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use htm_domain::ids::{DepartmentId, UserId};
use htm_domain::notify::DeliveryStatus;
use htm_domain::page::PageRequest;
use htm_store::{CalendarFeed, DeliveryAttempt, FeedScope, OutboxMessage, WebhookSubscription};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calendar_feeds, create_calendar_feed))
        .routes(routes!(revoke_calendar_feed))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(revoke_webhook))
        .routes(routes!(list_outbox))
        .routes(routes!(get_outbox_message))
}

// --- calendar feeds --------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCalendarFeedIn {
    /// `technician` (the PMs assigned to user `id`) or `department` (the PMs of department `id`'s assets).
    pub scope: String,
    /// The user's or the department's id.
    pub id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeedOut {
    pub id: i64,
    /// `technician` or `department`.
    pub scope: &'static str,
    /// The technician's user id or the department id.
    pub scope_id: i64,
    /// The technician's or the department's name.
    pub label: String,
    pub created_by: String,
    pub created_at: jiff::Timestamp,
    pub revoked_at: Option<jiff::Timestamp>,
}

impl From<CalendarFeed> for CalendarFeedOut {
    fn from(f: CalendarFeed) -> Self {
        let (scope, scope_id) = match f.scope {
            FeedScope::Technician(u) => ("technician", u.0),
            FeedScope::Department(d) => ("department", d.0),
        };
        CalendarFeedOut {
            id: f.id,
            scope,
            scope_id,
            label: f.label,
            created_by: f.created_by,
            created_at: f.created_at,
            revoked_at: f.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewCalendarFeedOut {
    pub feed: CalendarFeedOut,
    /// The secret feed path, `/calendar/{secret}.ics`: shown only now (only its SHA-256 is kept).
    pub path: String,
    /// The absolute feed URL (from the configured `public_url`, else this request's host).
    pub url: String,
}

fn base_url(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(axum::http::header::HOST)?.to_str().ok()?;
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '/' || c == '@') {
        return None;
    }
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    Some(format!("{proto}://{host}"))
}

/// Create a PM calendar feed. A technician, engineer or manager may create one for themself;
/// managers and administrators for anyone and for departments. The secret URL is returned once.
#[utoipa::path(post, path = "/calendar-feeds", tag = "calendar", request_body = NewCalendarFeedIn,
    responses((status = 201, body = NewCalendarFeedOut), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_calendar_feed(
    state: axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
    ApiUser(p): ApiUser,
    Json(b): Json<NewCalendarFeedIn>,
) -> ApiResult<(StatusCode, Out<NewCalendarFeedOut>)> {
    let scope = match b.scope.trim() {
        "technician" => FeedScope::Technician(UserId(b.id)),
        "department" => FeedScope::Department(DepartmentId(b.id)),
        _ => {
            return Err(htm_service::ServiceError::invalid("scope", "must be 'technician' or 'department'").into());
        }
    };
    let n = state.services.create_calendar_feed(&p, scope).await?;
    let url = n.url.clone().unwrap_or_else(|| format!("{}{}", base_url(&headers).unwrap_or_default(), n.path));
    Ok((StatusCode::CREATED, Out(NewCalendarFeedOut { feed: n.feed.into(), path: n.path, url })))
}

/// Calendar feeds: every feed for managers and administrators, else the caller's own (never the secrets).
#[utoipa::path(get, path = "/calendar-feeds", tag = "calendar", responses((status = 200, body = Vec<CalendarFeedOut>)))]
pub async fn list_calendar_feeds(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<Vec<CalendarFeedOut>>> {
    Ok(Out(state.services.list_calendar_feeds(&p).await?.into_iter().map(Into::into).collect()))
}

/// Revoke a feed: its URL answers 404 from now on.
#[utoipa::path(delete, path = "/calendar-feeds/{id}", tag = "calendar", params(("id" = i64, Path)),
    responses((status = 200, body = CalendarFeedOut), (status = 404, body = ErrorEnvelope)))]
pub async fn revoke_calendar_feed(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<CalendarFeedOut>> {
    Ok(Out(state.services.revoke_calendar_feed(&p, id).await?.into()))
}

// --- webhooks --------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWebhookIn {
    /// Where to POST: an `https://` (or `http://`) URL.
    pub url: String,
    /// Any of `work_order.assigned`, `pm.overdue`, `recall.matched`, `contract.expiring`.
    pub events: Vec<String>,
    pub description: Option<String>,
    /// The HMAC key (at least 16 characters); omitted: 256 random bits are generated.
    pub secret: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub active: bool,
    pub created_by: String,
    pub created_at: jiff::Timestamp,
    pub revoked_at: Option<jiff::Timestamp>,
}

impl From<WebhookSubscription> for WebhookOut {
    fn from(w: WebhookSubscription) -> Self {
        WebhookOut {
            id: w.id,
            url: w.url,
            events: w.events.iter().map(|e| e.as_str().to_string()).collect(),
            description: w.description,
            active: w.active,
            created_by: w.created_by,
            created_at: w.created_at,
            revoked_at: w.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewWebhookOut {
    pub subscription: WebhookOut,
    /// The HMAC-SHA256 key of `X-OpenHTM-Signature`: shown only now.
    pub secret: String,
}

/// Subscribe a URL to events. Each delivery is a JSON POST signed with
/// `X-OpenHTM-Signature: sha256=<hex HMAC-SHA256(secret, "<X-OpenHTM-Timestamp>.<body>")>`.
#[utoipa::path(post, path = "/webhooks", tag = "notifications", request_body = NewWebhookIn,
    responses((status = 201, body = NewWebhookOut), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_webhook(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Json(b): Json<NewWebhookIn>,
) -> ApiResult<(StatusCode, Out<NewWebhookOut>)> {
    let n = state.services.create_webhook(&p, &b.url, &b.events, b.description, b.secret).await?;
    Ok((StatusCode::CREATED, Out(NewWebhookOut { subscription: n.subscription.into(), secret: n.secret })))
}

/// Webhook subscriptions, newest first (never their secrets).
#[utoipa::path(get, path = "/webhooks", tag = "notifications", responses((status = 200, body = Vec<WebhookOut>)))]
pub async fn list_webhooks(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<Vec<WebhookOut>>> {
    Ok(Out(state.services.list_webhooks(&p).await?.into_iter().map(Into::into).collect()))
}

/// Revoke a subscription: nothing more is sent to it (pending deliveries are given up).
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookOut), (status = 404, body = ErrorEnvelope)))]
pub async fn revoke_webhook(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<WebhookOut>> {
    Ok(Out(state.services.revoke_webhook(&p, id).await?.into()))
}

// --- the outbox ------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// `pending`, `sent` or `failed`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessageOut {
    pub id: i64,
    /// `work_order.assigned`, `pm.overdue`, `recall.matched` or `contract.expiring`.
    pub event: String,
    pub entity_type: String,
    pub entity_id: String,
    /// `email` or `webhook`.
    pub channel: String,
    /// The e-mail address or the webhook URL.
    pub recipient: String,
    pub subject: Option<String>,
    /// The e-mail text or the webhook's JSON payload.
    pub body: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: jiff::Timestamp,
    pub last_error: Option<String>,
    pub created_at: jiff::Timestamp,
    pub sent_at: Option<jiff::Timestamp>,
}

impl From<OutboxMessage> for OutboxMessageOut {
    fn from(m: OutboxMessage) -> Self {
        OutboxMessageOut {
            id: m.id,
            event: m.event.as_str().into(),
            entity_type: m.entity_type,
            entity_id: m.entity_id,
            channel: m.channel.as_str().into(),
            recipient: m.recipient,
            subject: m.subject,
            body: m.body,
            status: m.status.as_str().into(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxMessageOut>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttemptOut {
    pub attempted_at: jiff::Timestamp,
    pub ok: bool,
    /// The webhook's HTTP status, when one came back.
    pub http_status: Option<i32>,
    pub error: Option<String>,
}

impl From<DeliveryAttempt> for DeliveryAttemptOut {
    fn from(a: DeliveryAttempt) -> Self {
        DeliveryAttemptOut { attempted_at: a.attempted_at, ok: a.ok, http_status: a.http_status, error: a.error }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessageDetail {
    pub message: OutboxMessageOut,
    /// Every delivery attempt, oldest first.
    pub attempts: Vec<DeliveryAttemptOut>,
}

/// The notification outbox, newest first: every e-mail and webhook call with its status.
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(OutboxQuery),
    responses((status = 200, body = OutboxPage), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_outbox(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Out<OutboxPage>> {
    let status = q
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(DeliveryStatus::parse)
        .transpose()
        .map_err(htm_service::ServiceError::from)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref()).map_err(htm_service::ServiceError::from)?;
    let p = state.services.list_outbox(&p, status, page).await?;
    Ok(Out(OutboxPage { items: p.items.into_iter().map(Into::into).collect(), next_cursor: p.next_cursor }))
}

/// One message with its delivery log.
#[utoipa::path(get, path = "/notifications/{id}", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxMessageDetail), (status = 404, body = ErrorEnvelope)))]
pub async fn get_outbox_message(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Out<OutboxMessageDetail>> {
    let (m, attempts) = state.services.outbox_message(&p, id).await?;
    Ok(Out(OutboxMessageDetail { message: m.into(), attempts: attempts.into_iter().map(Into::into).collect() }))
}

// --- the feed itself (outside /api/v1) -------------------------------------------------------

/// `GET /calendar/{secret}.ics`: the feed's iCalendar text; 404 for an unknown or revoked secret.
/// The secret is the credential (calendar clients cannot log in); it is compared by its SHA-256.
pub async fn calendar_feed(
    state: axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let not_found = || super::error::ApiError::not_found("no such calendar feed").into_response();
    let Some(secret) = file.strip_suffix(".ics") else { return not_found() };
    match state.services.calendar_ics(secret, base_url(&headers).as_deref()).await {
        Ok(Some(ics)) => (
            [
                (axum::http::header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (axum::http::header::CACHE_CONTROL, "private, max-age=300"),
            ],
            ics,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}
