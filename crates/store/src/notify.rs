//! Notifications (issue 6 §6): notification events, the outbox of e-mails and webhook calls
//! with their delivery status and attempts, and webhook subscriptions.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::{UserId, WorkOrderId};
use htm_domain::notify::{Channel, DeliveryStatus, EventKind};
use htm_domain::page::{Page, PageRequest};
use htm_domain::user::Role;
use jiff::Timestamp;
use jiff::civil::Date;

/// One message to deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub channel: Channel,
    /// An e-mail address or a webhook URL.
    pub recipient: String,
    pub subscription_id: Option<i64>,
    pub subject: Option<String>,
    /// The e-mail's text or the webhook's JSON payload.
    pub body: String,
}

/// Something that happened, with the messages it causes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub kind: EventKind,
    pub entity_type: String,
    pub entity_id: String,
    /// When set, a second event with the same key is ignored (e.g. `pm.overdue:123`).
    pub dedupe_key: Option<String>,
    pub messages: Vec<NewMessage>,
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub event_id: i64,
    pub event: EventKind,
    pub entity_type: String,
    pub entity_id: String,
    pub channel: Channel,
    pub recipient: String,
    pub subscription_id: Option<i64>,
    pub subject: Option<String>,
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// One delivery attempt (the delivery log).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeliveryAttempt {
    pub id: i64,
    pub outbox_id: i64,
    pub attempted_at: Timestamp,
    pub ok: bool,
    pub http_status: Option<i32>,
    pub error: Option<String>,
}

/// The outcome of one attempt: sent (`ok`), or failed with the time of the next attempt
/// (`None`: give up, the message is failed).
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptOutcome {
    pub ok: bool,
    pub http_status: Option<i32>,
    pub error: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
}

/// A webhook subscription (its secret is never listed).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WebhookSubscription {
    pub id: i64,
    pub url: String,
    pub events: Vec<EventKind>,
    pub description: Option<String>,
    pub active: bool,
    pub created_by: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A PM past its last on-time day not yet reported.
#[derive(Debug, Clone, PartialEq)]
pub struct OverduePm {
    pub work_order_id: WorkOrderId,
    pub number: String,
    pub due_date: Date,
    pub window_end: Option<Date>,
    pub asset_tag: String,
    pub department: String,
    pub assigned_to: Option<UserId>,
}

/// A user who can receive e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct MailRecipient {
    pub user_id: UserId,
    pub username: String,
    pub email: String,
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Records an event and queues its messages (pending, due now), in one transaction with
    /// one audit event. Returns the event id, or `None` when its dedupe key was already used.
    async fn enqueue_notification(&self, ctx: &ChangeContext, n: &NewNotification) -> StoreResult<Option<i64>>;
    /// The outbox, newest first, optionally of one status.
    async fn list_outbox(&self, status: Option<DeliveryStatus>, page: PageRequest) -> StoreResult<Page<OutboxMessage>>;
    async fn get_outbox_message(&self, id: i64) -> StoreResult<OutboxMessage>;
    /// Takes up to `limit` pending messages due at `now`, oldest first, and leases them until
    /// `lease_until` (their next attempt time) so that a second worker does not take them too.
    async fn claim_due_messages(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<OutboxMessage>>;
    /// Records an attempt and the message's new status (audited).
    async fn record_attempt(
        &self,
        ctx: &ChangeContext,
        id: i64,
        outcome: &AttemptOutcome,
    ) -> StoreResult<OutboxMessage>;
    async fn list_attempts(&self, outbox_id: i64) -> StoreResult<Vec<DeliveryAttempt>>;

    async fn insert_webhook(
        &self,
        ctx: &ChangeContext,
        url: &str,
        events: &[EventKind],
        secret: &str,
        description: Option<&str>,
    ) -> StoreResult<WebhookSubscription>;
    async fn list_webhooks(&self) -> StoreResult<Vec<WebhookSubscription>>;
    async fn revoke_webhook(&self, ctx: &ChangeContext, id: i64) -> StoreResult<WebhookSubscription>;
    /// Active subscriptions to `kind`, with their secrets.
    async fn webhooks_for(&self, kind: EventKind) -> StoreResult<Vec<(WebhookSubscription, String)>>;
    /// A subscription with its secret (for signing a delivery).
    async fn webhook_with_secret(&self, id: i64) -> StoreResult<(WebhookSubscription, String)>;

    /// Open PMs whose last on-time day (window end, else due date) is before `today`, due on or
    /// after `since`, with no `pm.overdue` event yet; at most `limit`.
    async fn unreported_overdue_pms(&self, today: Date, since: Date, limit: u32) -> StoreResult<Vec<OverduePm>>;
    /// Active users of these roles that have an e-mail address (at most 200).
    async fn mail_recipients(&self, roles: &[Role]) -> StoreResult<Vec<MailRecipient>>;
}
