//! Usage meters and usage-based PM: a schedule's usage trigger, meter readings (which open the
//! usage PMs they make due) and where each trigger stands.

use super::error::{ApiError, ApiResult, ErrorEnvelope};
use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use htm_domain::ids::AssetId;
use htm_domain::usage::{MeterReading, NewMeterReading, UsageStanding, UsageUnit};
use htm_domain::work_order::WorkOrder;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ScheduleUsage {
    /// The schedule (answers only).
    #[serde(default)]
    pub schedule_id: Option<i64>,
    /// Due every this many units of use; `null` clears the usage trigger.
    pub usage_interval: Option<i64>,
    pub usage_unit: Option<UsageUnit>,
}

/// Set (or clear) a PM schedule's usage trigger: due every `usage_interval` hours or cycles, or
/// at its calendar interval, whichever comes first.
#[utoipa::path(put, path = "/pm-schedules/{id}/usage", tag = "planned maintenance", params(("id" = i64, Path)),
    request_body = ScheduleUsage,
    responses((status = 200, body = ScheduleUsage), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn set_schedule_usage(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<ScheduleUsage>,
) -> ApiResult<Out<ScheduleUsage>> {
    let trigger = match (b.usage_interval, b.usage_unit) {
        (Some(n), Some(u)) => Some((n, u)),
        (None, None) => None,
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "give both usage_interval and usage_unit, or neither to clear the usage trigger",
            ));
        }
    };
    let t = state.services.set_schedule_usage(&p, id, trigger).await?;
    Ok(Out(ScheduleUsage {
        schedule_id: Some(id),
        usage_interval: t.map(|t| t.usage_interval),
        usage_unit: t.map(|t| t.usage_unit),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeterReadingOut {
    pub reading: MeterReading,
    /// The usage PM work orders this reading made due.
    pub opened: Vec<WorkOrder>,
    pub usage: Vec<UsageStanding>,
}

/// Record a usage meter reading (cumulative hours or cycles). A reading lower than an earlier
/// one of the same meter, higher than a later one, or dated in the future is refused (422). A
/// reading that brings an active usage schedule of an in-service asset to its interval opens its
/// PM work order (unless one is open or this month's already exists), in the same transaction.
#[utoipa::path(post, path = "/assets/{id}/meter-readings", tag = "planned maintenance", params(("id" = i64, Path)),
    request_body = NewMeterReading,
    responses((status = 201, body = MeterReadingOut), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn record_meter_reading(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Json(n): Json<NewMeterReading>,
) -> ApiResult<impl IntoResponse> {
    let o = state.services.record_meter_reading(&p, AssetId(id), n).await?;
    Ok((StatusCode::CREATED, Out(MeterReadingOut { reading: o.reading, opened: o.opened, usage: o.usage })))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReadingsQuery {
    /// At most this many readings, newest first (default 50, at most 1000).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeterReadingsOut {
    pub readings: Vec<MeterReading>,
    pub usage: Vec<UsageStanding>,
}

/// An asset's meter readings (newest first) and where each usage trigger stands.
#[utoipa::path(get, path = "/assets/{id}/meter-readings", tag = "planned maintenance", params(("id" = i64, Path), ReadingsQuery),
    responses((status = 200, body = MeterReadingsOut), (status = 404, body = ErrorEnvelope)))]
pub async fn list_meter_readings(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ReadingsQuery>,
) -> ApiResult<Out<MeterReadingsOut>> {
    let readings = state.services.meter_readings(&p, AssetId(id), q.limit.unwrap_or(50)).await?;
    let usage = state.services.usage_standings(&p, AssetId(id)).await?;
    Ok(Out(MeterReadingsOut { readings, usage }))
}
