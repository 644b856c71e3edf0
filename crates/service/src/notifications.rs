//! Notifications (issue 6 §6): e-mail over SMTP and signed webhooks for work-order
//! assignments, overdue PMs, recall matches and expiring service contracts.
//!
//! The use case that makes a change queues its messages right after it (an outbox table, one
//! transaction per event with its audit event); a worker (`htm serve`, or `htm notify run-once`)
//! delivers them with retries and exponential backoff and records every attempt. Overdue PMs
//! are found by the worker itself (a PM is overdue after its last on-time day, REFERENCE §2.5),
//! each reported once. Messages carry no patient data: never the problem text of a work order.
//!
//! Expiring service contracts are found by the worker too (`report_expiring_contracts` in
//! `contracts.rs`: once per contract and end date, when its notice window opens).

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use base64::Engine;
use htm_domain::notify::{
    self as rules, Channel, DeliveryStatus, EventKind, check_webhook_url, parse_events, webhook_signature,
};
use htm_domain::page::{Page, PageRequest};
use htm_domain::recall::RecallMatch;
use htm_domain::user::Role;
use htm_domain::work_order::WorkOrder;
use htm_store::{
    AttemptOutcome, ChangeContext, DeliveryAttempt, NewMessage, NewNotification, OutboxMessage, WebhookSubscription,
};
use jiff::{SignedDuration, Timestamp, ToSpan};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// How e-mail leaves the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP (a local relay; or tests).
    None,
    /// STARTTLS upgrade (port 587).
    #[default]
    Starttls,
    /// Implicit TLS (port 465).
    Tls,
}

/// The SMTP server notifications are sent through.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The From address, e.g. `OpenHTM <htm@hospital.example>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub security: SmtpSecurity,
}

/// How the delivery worker behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    /// `None`: e-mails are queued but fail with "SMTP is not configured".
    pub smtp: Option<SmtpConfig>,
    /// The first retry waits this long; each further one twice as long (capped at 6 hours).
    pub retry_base: SignedDuration,
    /// Timeout of one SMTP conversation or webhook call.
    pub timeout: Duration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig { smtp: None, retry_base: SignedDuration::from_secs(30), timeout: Duration::from_secs(15) }
    }
}

/// Sends messages: an SMTP transport and an HTTP client, built once.
pub struct Deliverer {
    config: NotifyConfig,
    mailer: Option<(lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, lettre::message::Mailbox)>,
    http: reqwest::Client,
}

impl Deliverer {
    pub fn new(config: NotifyConfig) -> ServiceResult<Self> {
        use lettre::AsyncSmtpTransport;
        let mailer = match &config.smtp {
            None => None,
            Some(s) => {
                let builder = match s.security {
                    SmtpSecurity::None => AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&s.host),
                    SmtpSecurity::Starttls => AsyncSmtpTransport::<lettre::Tokio1Executor>::starttls_relay(&s.host)
                        .map_err(|e| ServiceError::invalid("smtp_host", e.to_string()))?,
                    SmtpSecurity::Tls => AsyncSmtpTransport::<lettre::Tokio1Executor>::relay(&s.host)
                        .map_err(|e| ServiceError::invalid("smtp_host", e.to_string()))?,
                };
                let mut builder = builder.port(s.port).timeout(Some(config.timeout));
                if let (Some(u), Some(p)) = (&s.username, &s.password) {
                    builder = builder
                        .credentials(lettre::transport::smtp::authentication::Credentials::new(u.clone(), p.clone()));
                }
                let from: lettre::message::Mailbox =
                    s.from.parse().map_err(|e| ServiceError::invalid("smtp_from", format!("{e}")))?;
                Some((builder.build(), from))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("OpenHTM-Webhook/1")
            .build()
            .map_err(|e| ServiceError::Internal(format!("HTTP client: {e}")))?;
        Ok(Deliverer { config, mailer, http })
    }

    async fn send_email(&self, m: &OutboxMessage) -> AttemptResult {
        use lettre::AsyncTransport;
        let Some((mailer, from)) = &self.mailer else {
            return AttemptResult::fail(None, "SMTP is not configured");
        };
        let to: lettre::message::Mailbox = match m.recipient.parse() {
            Ok(t) => t,
            Err(e) => return AttemptResult::fail(None, format!("bad recipient address: {e}")),
        };
        let email = lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(m.subject.clone().unwrap_or_else(|| "OpenHTM notification".into()))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(m.body.clone());
        let email = match email {
            Ok(e) => e,
            Err(e) => return AttemptResult::fail(None, format!("building the message: {e}")),
        };
        match mailer.send(email).await {
            Ok(_) => AttemptResult::ok(None),
            Err(e) => AttemptResult::fail(None, format!("SMTP: {e}")),
        }
    }

    async fn send_webhook(&self, s: &Services, m: &OutboxMessage, now: Timestamp) -> AttemptResult {
        let Some(sub) = m.subscription_id else { return AttemptResult::fail(None, "no subscription") };
        let (w, secret) = match s.store.webhook_with_secret(sub).await {
            Ok(x) => x,
            Err(e) => return AttemptResult::fail(None, e.to_string()),
        };
        if !w.active {
            return AttemptResult::give_up("the subscription was revoked");
        }
        let ts = now.as_second();
        let sig = webhook_signature(&secret, ts, m.body.as_bytes());
        let res = self
            .http
            .post(&m.recipient)
            .header("Content-Type", "application/json")
            .header("X-OpenHTM-Event", m.event.as_str())
            .header("X-OpenHTM-Delivery", m.id.to_string())
            .header("X-OpenHTM-Timestamp", ts.to_string())
            .header("X-OpenHTM-Signature", sig)
            .body(m.body.clone())
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => AttemptResult::ok(Some(i32::from(r.status().as_u16()))),
            Ok(r) => AttemptResult::fail(Some(i32::from(r.status().as_u16())), format!("HTTP {}", r.status())),
            Err(e) if e.is_timeout() => AttemptResult::fail(None, "timed out"),
            Err(e) => AttemptResult::fail(None, format!("request failed: {e}")),
        }
    }
}

struct AttemptResult {
    ok: bool,
    http_status: Option<i32>,
    error: Option<String>,
    retry: bool,
}

impl AttemptResult {
    fn ok(http_status: Option<i32>) -> Self {
        AttemptResult { ok: true, http_status, error: None, retry: false }
    }
    fn fail(http_status: Option<i32>, e: impl Into<String>) -> Self {
        AttemptResult { ok: false, http_status, error: Some(e.into()), retry: true }
    }
    fn give_up(e: impl Into<String>) -> Self {
        AttemptResult { ok: false, http_status: None, error: Some(e.into()), retry: false }
    }
}

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeliveryReport {
    /// Overdue PMs newly reported.
    pub overdue_pms: u64,
    /// Service contracts newly reported as expiring.
    pub expiring_contracts: u64,
    pub attempted: u64,
    pub sent: u64,
    /// Failed this time; another attempt is scheduled.
    pub retrying: u64,
    /// Gave up.
    pub failed: u64,
}

/// A webhook subscription just created: the only time its secret is shown.
#[derive(Debug, Clone, Serialize)]
pub struct NewWebhook {
    pub subscription: WebhookSubscription,
    pub secret: String,
}

/// Messages one delivery pass takes at a time.
const BATCH: u32 = 50;
/// How far back an overdue PM is still reported when the worker first sees it.
const OVERDUE_LOOKBACK_DAYS: i64 = 120;

/// Users who decide recall matches (the roles allowed `ManageRecalls`).
fn recall_manager_roles() -> Vec<Role> {
    Role::ALL.iter().copied().filter(|r| crate::permissions::allowed(*r, Action::ManageRecalls)).collect()
}

fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

impl Services {
    pub(crate) fn link(&self, path: &str) -> Option<String> {
        self.settings.public_url.as_deref().map(|b| format!("{}{path}", b.trim_end_matches('/')))
    }

    pub(crate) fn system_ctx(&self, reason: &str) -> ChangeContext {
        ChangeContext::system(self.now(), reason)
    }

    /// Queues one event's messages: the given e-mails plus one call per active webhook
    /// subscribed to `kind`. Nothing is recorded when there is nobody to tell and no dedupe key.
    pub(crate) async fn enqueue_event(
        &self,
        ctx: &ChangeContext,
        kind: EventKind,
        entity: (&str, String),
        dedupe_key: Option<String>,
        emails: Vec<(String, String, String)>,
        data: serde_json::Value,
    ) -> ServiceResult<Option<i64>> {
        let mut messages: Vec<NewMessage> = emails
            .into_iter()
            .map(|(to, subject, body)| NewMessage {
                channel: Channel::Email,
                recipient: to,
                subscription_id: None,
                subject: Some(subject),
                body,
            })
            .collect();
        let payload = serde_json::json!({
            "event": kind.as_str(),
            "occurred_at": htm_domain::audit::format_instant(ctx.at),
            "data": data,
        })
        .to_string();
        for (w, _) in self.store.webhooks_for(kind).await? {
            messages.push(NewMessage {
                channel: Channel::Webhook,
                recipient: w.url.clone(),
                subscription_id: Some(w.id),
                subject: None,
                body: payload.clone(),
            });
        }
        if messages.is_empty() && dedupe_key.is_none() {
            return Ok(None);
        }
        let n = NewNotification { kind, entity_type: entity.0.to_string(), entity_id: entity.1, dedupe_key, messages };
        Ok(self.store.enqueue_notification(ctx, &n).await?)
    }

    /// Tells the assignee (and `work_order.assigned` webhooks) that a work order is theirs.
    /// Called by the work-order use cases after a change of assignee; a failure is logged,
    /// never undoes the assignment.
    pub(crate) async fn notify_assigned(&self, p: &Principal, wo: &WorkOrder) {
        if let Err(e) = self.try_notify_assigned(p, wo).await {
            tracing::warn!(work_order = %wo.number, "could not queue the assignment notification: {e}");
        }
    }

    async fn try_notify_assigned(&self, p: &Principal, wo: &WorkOrder) -> ServiceResult<()> {
        let Some(assignee) = wo.assigned_to else { return Ok(()) };
        let user = self.store.get_user(assignee).await?;
        let asset = wo.asset_tag.clone().unwrap_or_else(|| "no asset".into());
        let mut emails = Vec::new();
        if let Some(to) = user.email.as_deref().map(str::trim).filter(|e| !e.is_empty() && user.active) {
            let mut body = vec![
                format!("Hello {},", user.display_name),
                String::new(),
                format!("Work order {} has been assigned to you.", wo.number),
                format!("Type: {}", wo.wo_type.label()),
                format!("Priority: {}", wo.priority.label()),
                format!("Asset: {asset}"),
            ];
            if let Some(d) = wo.due_date {
                body.push(format!("Due: {d}"));
            }
            if let Some(l) = self.link(&format!("/work-orders/{}", wo.id.0)) {
                body.push(format!("Open it: {l}"));
            }
            body.push(String::new());
            body.push("— OpenHTM".into());
            emails.push((
                to.to_string(),
                format!("[OpenHTM] {} assigned to you: {} {asset}", wo.number, wo.wo_type.label()),
                body.join("\r\n"),
            ));
        }
        let data = serde_json::json!({
            "work_order": {
                "id": wo.id.0, "number": wo.number, "type": wo.wo_type.as_str(), "priority": wo.priority.as_str(),
                "status": wo.status.as_str(), "asset_tag": wo.asset_tag, "due_date": wo.due_date,
                "url": self.link(&format!("/work-orders/{}", wo.id.0)),
            },
            "assigned_to": { "id": user.id.0, "username": user.username },
        });
        self.enqueue_event(
            &self.ctx(p, Some("work order assigned".into())),
            EventKind::WorkOrderAssigned,
            ("work_order", wo.id.0.to_string()),
            Some(format!("work_order.assigned:{}:{}:{}", wo.id.0, assignee.0, wo.version)),
            emails,
            data,
        )
        .await?;
        Ok(())
    }

    /// Tells the recall managers (and `recall.matched` webhooks) about candidates that matching
    /// has just proposed (`before`: the matches known before the round). Failures are logged.
    pub(crate) async fn notify_recall_candidates(&self, p: &Principal, before: &[RecallMatch], after: &[RecallMatch]) {
        if let Err(e) = self.try_notify_recall_candidates(p, before, after).await {
            tracing::warn!("could not queue the recall-match notification: {e}");
        }
    }

    async fn try_notify_recall_candidates(
        &self,
        p: &Principal,
        before: &[RecallMatch],
        after: &[RecallMatch],
    ) -> ServiceResult<()> {
        let known: HashSet<(i64, i64)> = before.iter().map(|m| (m.recall_id.0, m.asset_id)).collect();
        let mut fresh: HashMap<i64, Vec<&RecallMatch>> = HashMap::new();
        for m in after {
            if m.status == htm_domain::recall::MatchStatus::Candidate && !known.contains(&(m.recall_id.0, m.asset_id)) {
                fresh.entry(m.recall_id.0).or_default().push(m);
            }
        }
        if fresh.is_empty() {
            return Ok(());
        }
        let managers = self.store.mail_recipients(&recall_manager_roles()).await?;
        let mut recalls: Vec<_> = fresh.into_iter().collect();
        recalls.sort_by_key(|(id, _)| *id);
        for (recall_id, ms) in recalls {
            let number = ms[0].recall_number.clone();
            let tags: Vec<&str> = ms.iter().take(50).map(|m| m.asset_tag.as_str()).collect();
            let subject = format!("[OpenHTM] Recall {number}: {} candidate asset(s) to review", ms.len());
            let mut body = vec![
                format!("Recall matching proposed {} new candidate asset(s) for recall {number}:", ms.len()),
                tags.join(", "),
            ];
            if ms.len() > tags.len() {
                body.push(format!("… and {} more.", ms.len() - tags.len()));
            }
            if let Some(l) = self.link(&format!("/recalls/{recall_id}")) {
                body.push(format!("Review them: {l}"));
            }
            body.push(String::new());
            body.push("— OpenHTM".into());
            let body = body.join("\r\n");
            let emails = managers.iter().map(|r| (r.email.clone(), subject.clone(), body.clone())).collect();
            let data = serde_json::json!({
                "recall": { "id": recall_id, "number": number, "url": self.link(&format!("/recalls/{recall_id}")) },
                "new_candidates": ms.len(),
                "asset_tags": tags,
            });
            self.enqueue_event(
                &self.ctx(p, Some("recall candidates proposed".into())),
                EventKind::RecallMatched,
                ("recall", recall_id.to_string()),
                None,
                emails,
                data,
            )
            .await?;
        }
        Ok(())
    }

    /// Finds open PMs past their last on-time day (REFERENCE §2.5: the window end, else the due
    /// date) that were not reported yet, and queues one `pm.overdue` event each: to the assignee,
    /// or to the managers when nobody is assigned (departments have no manager of their own in
    /// OpenHTM). Looks back [`OVERDUE_LOOKBACK_DAYS`] so a first run does not flood.
    pub async fn report_overdue_pms(&self, today: jiff::civil::Date) -> ServiceResult<u64> {
        let since = today.checked_sub(OVERDUE_LOOKBACK_DAYS.days()).unwrap_or(today);
        let managers = self.store.mail_recipients(&[Role::Manager]).await?;
        let ctx = self.system_ctx("overdue PM check");
        let mut n = 0;
        loop {
            let pms = self.store.unreported_overdue_pms(today, since, 200).await?;
            if pms.is_empty() {
                break;
            }
            for pm in &pms {
                let last_day = pm.window_end.unwrap_or(pm.due_date);
                let subject = format!("[OpenHTM] PM overdue: {} ({})", pm.asset_tag, pm.number);
                let mut body = vec![
                    format!(
                        "The planned maintenance {} of asset {} ({}) is overdue.",
                        pm.number, pm.asset_tag, pm.department
                    ),
                    format!("Due {}; on time until {last_day}.", pm.due_date),
                ];
                if let Some(l) = self.link(&format!("/work-orders/{}", pm.work_order_id.0)) {
                    body.push(format!("Open it: {l}"));
                }
                body.push(String::new());
                body.push("— OpenHTM".into());
                let body = body.join("\r\n");
                let mut to: Vec<String> = Vec::new();
                if let Some(u) = pm.assigned_to
                    && let Ok(user) = self.store.get_user(u).await
                    && let Some(e) = user.email.filter(|e| !e.trim().is_empty() && user.active)
                {
                    to.push(e);
                }
                if to.is_empty() {
                    to.extend(managers.iter().map(|m| m.email.clone()));
                }
                let emails = to.into_iter().map(|t| (t, subject.clone(), body.clone())).collect();
                let data = serde_json::json!({
                    "work_order": {
                        "id": pm.work_order_id.0, "number": pm.number, "asset_tag": pm.asset_tag,
                        "department": pm.department, "due_date": pm.due_date, "on_time_until": last_day,
                        "url": self.link(&format!("/work-orders/{}", pm.work_order_id.0)),
                    },
                });
                let queued = self
                    .enqueue_event(
                        &ctx,
                        EventKind::PmOverdue,
                        ("work_order", pm.work_order_id.0.to_string()),
                        Some(format!("pm.overdue:{}", pm.work_order_id.0)),
                        emails,
                        data,
                    )
                    .await?;
                if queued.is_some() {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// Delivers every message due now (in batches), recording each attempt; a failure is
    /// retried with exponential backoff, up to [`rules::MAX_ATTEMPTS`] attempts.
    pub async fn deliver_notifications(&self, d: &Deliverer) -> ServiceResult<DeliveryReport> {
        let mut report = DeliveryReport::default();
        for _ in 0..100 {
            let now = self.now();
            let lease = now.checked_add(SignedDuration::from_mins(5)).unwrap_or(now);
            let batch = self.store.claim_due_messages(now, lease, BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for m in &batch {
                let r = match m.channel {
                    Channel::Email => d.send_email(m).await,
                    Channel::Webhook => d.send_webhook(self, m, self.now()).await,
                };
                let at = self.now();
                let attempts = u32::try_from(m.attempts).unwrap_or(0).saturating_add(1);
                let next = if r.ok || !r.retry { None } else { rules::next_attempt(at, attempts, d.config.retry_base) };
                let outcome =
                    AttemptOutcome { ok: r.ok, http_status: r.http_status, error: r.error, next_attempt_at: next };
                let ctx = ChangeContext::system(at, "notification delivery");
                let after = self.store.record_attempt(&ctx, m.id, &outcome).await?;
                report.attempted += 1;
                match after.status {
                    DeliveryStatus::Sent => report.sent += 1,
                    DeliveryStatus::Pending => report.retrying += 1,
                    DeliveryStatus::Failed => report.failed += 1,
                }
            }
        }
        Ok(report)
    }

    /// One pass of the worker: report overdue PMs and expiring contracts, then deliver what is due.
    pub async fn run_notifications_once(&self, d: &Deliverer) -> ServiceResult<DeliveryReport> {
        let today = self.now().to_zoned(jiff::tz::TimeZone::system()).date();
        let overdue = self.report_overdue_pms(today).await?;
        let expiring = self.report_expiring_contracts(today).await?;
        let mut r = self.deliver_notifications(d).await?;
        r.overdue_pms = overdue;
        r.expiring_contracts = expiring;
        Ok(r)
    }

    // Administration of subscriptions and the outbox.

    /// Subscribes a URL to events; the secret (given, or 256 random bits) is returned once.
    pub async fn create_webhook(
        &self,
        p: &Principal,
        url: &str,
        events: &[String],
        description: Option<String>,
        secret: Option<String>,
    ) -> ServiceResult<NewWebhook> {
        p.require(Action::ManageNotifications)?;
        let url = check_webhook_url(url)?;
        let events = parse_events(events)?;
        let secret = match secret.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
            Some(s) if s.len() < 16 => return Err(ServiceError::invalid("secret", "must be at least 16 characters")),
            Some(s) => s,
            None => random_secret(),
        };
        let description = description.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
        let subscription =
            self.store.insert_webhook(&self.ctx(p, None), &url, &events, &secret, description.as_deref()).await?;
        Ok(NewWebhook { subscription, secret })
    }

    pub async fn list_webhooks(&self, p: &Principal) -> ServiceResult<Vec<WebhookSubscription>> {
        p.require(Action::ManageNotifications)?;
        Ok(self.store.list_webhooks().await?)
    }

    pub async fn revoke_webhook(&self, p: &Principal, id: i64) -> ServiceResult<WebhookSubscription> {
        p.require(Action::ManageNotifications)?;
        Ok(self.store.revoke_webhook(&self.ctx(p, None), id).await?)
    }

    /// The outbox, newest first.
    pub async fn list_outbox(
        &self,
        p: &Principal,
        status: Option<DeliveryStatus>,
        page: PageRequest,
    ) -> ServiceResult<Page<OutboxMessage>> {
        p.require(Action::ManageNotifications)?;
        Ok(self.store.list_outbox(status, page).await?)
    }

    /// A message with its delivery log.
    pub async fn outbox_message(&self, p: &Principal, id: i64) -> ServiceResult<(OutboxMessage, Vec<DeliveryAttempt>)> {
        p.require(Action::ManageNotifications)?;
        let m = self.store.get_outbox_message(id).await?;
        let attempts = self.store.list_attempts(id).await?;
        Ok((m, attempts))
    }
}
