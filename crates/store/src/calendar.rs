//! Calendar feeds (issue 6 §5): secret, revocable iCalendar URLs of a technician's or a
//! department's scheduled PMs. The store keeps only the SHA-256 of each secret.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::{DepartmentId, UserId, WorkOrderId};
use jiff::Timestamp;
use jiff::civil::Date;

/// Whose PMs a feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "id")]
pub enum FeedScope {
    /// Open PMs assigned to this technician.
    Technician(UserId),
    /// Open PMs of the assets owned by this department.
    Department(DepartmentId),
}

/// One feed (never its secret).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CalendarFeed {
    pub id: i64,
    pub scope: FeedScope,
    /// The technician's or the department's name, for lists.
    pub label: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// One open PM work order with a due date, with what a calendar entry shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScheduledPm {
    pub work_order_id: WorkOrderId,
    pub number: String,
    pub status: String,
    pub priority: String,
    pub due_date: Date,
    pub window_end: Option<Date>,
    pub asset_tag: String,
    pub manufacturer: String,
    pub model_number: String,
    /// The asset's PM procedure code, else its model's.
    pub procedure_code: Option<String>,
    pub department: String,
    pub location: Option<String>,
    pub assigned_to_name: Option<String>,
}

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Records a feed with the SHA-256 (hex) of its secret (audited; the hash is not in the audit).
    async fn insert_calendar_feed(
        &self,
        ctx: &ChangeContext,
        scope: FeedScope,
        secret_hash: &str,
    ) -> StoreResult<CalendarFeed>;
    /// Feeds, newest first (at most 500): of one technician's scope, or every feed.
    async fn list_calendar_feeds(&self, user: Option<UserId>) -> StoreResult<Vec<CalendarFeed>>;
    async fn get_calendar_feed(&self, id: i64) -> StoreResult<CalendarFeed>;
    /// Revokes a feed (audited; revoking twice keeps the first time).
    async fn revoke_calendar_feed(&self, ctx: &ChangeContext, id: i64) -> StoreResult<CalendarFeed>;
    /// The unrevoked feed whose secret hashes to `secret_hash`.
    async fn calendar_feed_by_secret(&self, secret_hash: &str) -> StoreResult<Option<CalendarFeed>>;
    /// Open PM work orders of the scope due between `from` and `to` (inclusive), by due date,
    /// at most `limit`.
    async fn scheduled_pms(&self, scope: FeedScope, from: Date, to: Date, limit: u32) -> StoreResult<Vec<ScheduledPm>>;
}
