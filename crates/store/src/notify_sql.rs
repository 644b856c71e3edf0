// Notifications: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod notify_impl {
    use super::*;
    use crate::{
        AttemptOutcome, DeliveryAttempt, MailRecipient, NewNotification, NotificationStore, OutboxMessage, OverduePm,
        WebhookSubscription,
    };
    use htm_domain::notify::{Channel, DeliveryStatus, EventKind};

    const OUTBOX_SELECT: &str = "SELECT o.*, e.kind, e.entity_type, e.entity_id FROM notification_outbox o \
         JOIN notification_events e ON e.id = o.event_id";

    fn outbox_from(r: &DbRow) -> Result<OutboxMessage, sqlx::Error> {
        Ok(OutboxMessage {
            id: r.try_get("id")?,
            event_id: r.try_get("event_id")?,
            event: get_enum(r, "kind", EventKind::parse)?,
            entity_type: r.try_get("entity_type")?,
            entity_id: r.try_get("entity_id")?,
            channel: get_enum(r, "channel", Channel::parse)?,
            recipient: r.try_get("recipient")?,
            subscription_id: r.try_get("subscription_id")?,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
            status: get_enum(r, "status", DeliveryStatus::parse)?,
            attempts: r.try_get("attempts")?,
            next_attempt_at: get_ts(r, "next_attempt_at")?,
            last_error: r.try_get("last_error")?,
            created_at: get_ts(r, "created_at")?,
            sent_at: get_ots(r, "sent_at")?,
        })
    }

    fn webhook_from(r: &DbRow) -> Result<WebhookSubscription, sqlx::Error> {
        let events: String = r.try_get("events")?;
        Ok(WebhookSubscription {
            id: r.try_get("id")?,
            url: r.try_get("url")?,
            events: events.split(',').filter_map(|e| EventKind::parse(e).ok()).collect(),
            description: r.try_get("description")?,
            active: r.try_get("active")?,
            created_by: r.try_get("created_by")?,
            created_at: get_ts(r, "created_at")?,
            revoked_at: get_ots(r, "revoked_at")?,
        })
    }

    async fn fetch_outbox(conn: &mut DbConn, id: i64) -> StoreResult<OutboxMessage> {
        let sql = format!("{OUTBOX_SELECT} WHERE o.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("notification message {id}")))?;
        Ok(outbox_from(&r)?)
    }

    async fn fetch_webhook(conn: &mut DbConn, id: i64) -> StoreResult<(WebhookSubscription, String)> {
        let r = sqlx::query("SELECT * FROM webhook_subscriptions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("webhook subscription {id}")))?;
        Ok((webhook_from(&r)?, r.try_get("secret")?))
    }

    /// What the audit records of a message: never its body or recipient list in full.
    fn message_state(m: &OutboxMessage) -> String {
        snapshot(&serde_json::json!({
            "event": m.event, "channel": m.channel, "recipient": m.recipient, "status": m.status,
            "attempts": m.attempts, "last_error": m.last_error,
        }))
    }

    #[async_trait]
    impl NotificationStore for Impl {
        async fn enqueue_notification(&self, ctx: &ChangeContext, n: &NewNotification) -> StoreResult<Option<i64>> {
            let mut tx = begin_write(&self.pool).await?;
            if let Some(k) = &n.dedupe_key {
                let seen = sqlx::query("SELECT id FROM notification_events WHERE dedupe_key = $1")
                    .bind(k)
                    .fetch_optional(&mut *tx)
                    .await?;
                if seen.is_some() {
                    return Ok(None);
                }
            }
            let id: i64 = sqlx::query(
                "INSERT INTO notification_events (kind, entity_type, entity_id, dedupe_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(n.kind.as_str())
            .bind(&n.entity_type)
            .bind(&n.entity_id)
            .bind(&n.dedupe_key)
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_db_err)?
            .try_get("id")?;
            for m in &n.messages {
                sqlx::query(
                    "INSERT INTO notification_outbox (event_id, channel, recipient, subscription_id, subject, body, status, \
                     attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
                )
                .bind(id)
                .bind(m.channel.as_str())
                .bind(&m.recipient)
                .bind(m.subscription_id)
                .bind(&m.subject)
                .bind(&m.body)
                .bind(t(ctx.at))
                .execute(&mut *tx)
                .await?;
            }
            let after = serde_json::json!({
                "kind": n.kind, "entity_type": n.entity_type, "entity_id": n.entity_id,
                "emails": n.messages.iter().filter(|m| m.channel == Channel::Email).count(),
                "webhooks": n.messages.iter().filter(|m| m.channel == Channel::Webhook).count(),
            });
            append_audit(&mut tx, ctx, "create", "notification_event", id.to_string(), None, Some(snapshot(&after)))
                .await?;
            tx.commit().await?;
            Ok(Some(id))
        }

        async fn list_outbox(
            &self,
            status: Option<DeliveryStatus>,
            page: PageRequest,
        ) -> StoreResult<Page<OutboxMessage>> {
            let sql = format!(
                "{OUTBOX_SELECT} WHERE ($1 IS NULL OR o.status = $1) AND ($2 IS NULL OR o.id < $2) ORDER BY o.id DESC LIMIT $3"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(status.map(|s| s.as_str()))
                .bind(page.after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await?;
            let items = rows.iter().map(outbox_from).collect::<Result<Vec<_>, _>>()?;
            Ok(Page::from_rows(items, page.limit, |m| m.id))
        }

        async fn get_outbox_message(&self, id: i64) -> StoreResult<OutboxMessage> {
            let mut c = self.pool.acquire().await?;
            fetch_outbox(&mut c, id).await
        }

        async fn claim_due_messages(
            &self,
            now: Timestamp,
            lease_until: Timestamp,
            limit: u32,
        ) -> StoreResult<Vec<OutboxMessage>> {
            let ids: Vec<i64> = sqlx::query(
                "SELECT id FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at, id LIMIT $2",
            )
            .bind(t(now))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                // Only one worker wins the lease: the update checks the row is still due.
                let mut tx = begin_write(&self.pool).await?;
                let n = sqlx::query(
                    "UPDATE notification_outbox SET next_attempt_at = $1 \
                     WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3",
                )
                .bind(t(lease_until))
                .bind(id)
                .bind(t(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 1 {
                    out.push(fetch_outbox(&mut tx, id).await?);
                }
                tx.commit().await?;
            }
            Ok(out)
        }

        async fn record_attempt(
            &self,
            ctx: &ChangeContext,
            id: i64,
            outcome: &AttemptOutcome,
        ) -> StoreResult<OutboxMessage> {
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_outbox(&mut tx, id).await?;
            sqlx::query(
                "INSERT INTO notification_attempts (outbox_id, attempted_at, ok, http_status, error) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(t(ctx.at))
            .bind(outcome.ok)
            .bind(outcome.http_status)
            .bind(&outcome.error)
            .execute(&mut *tx)
            .await?;
            let (status, next) = match (outcome.ok, outcome.next_attempt_at) {
                (true, _) => (DeliveryStatus::Sent, ctx.at),
                (false, Some(n)) => (DeliveryStatus::Pending, n),
                (false, None) => (DeliveryStatus::Failed, ctx.at),
            };
            sqlx::query(
                "UPDATE notification_outbox SET status = $1, attempts = attempts + 1, next_attempt_at = $2, \
                 last_error = $3, sent_at = $4 WHERE id = $5",
            )
            .bind(status.as_str())
            .bind(t(next))
            .bind(if outcome.ok { None } else { outcome.error.clone() })
            .bind(if outcome.ok { Some(t(ctx.at)) } else { None })
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let after = fetch_outbox(&mut tx, id).await?;
            append_audit(
                &mut tx,
                ctx,
                "deliver",
                "notification_message",
                id.to_string(),
                Some(message_state(&before)),
                Some(message_state(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn list_attempts(&self, outbox_id: i64) -> StoreResult<Vec<DeliveryAttempt>> {
            let rows = sqlx::query("SELECT * FROM notification_attempts WHERE outbox_id = $1 ORDER BY id LIMIT 100")
                .bind(outbox_id)
                .fetch_all(&self.pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(DeliveryAttempt {
                    id: r.try_get("id")?,
                    outbox_id: r.try_get("outbox_id")?,
                    attempted_at: get_ts(r, "attempted_at")?,
                    ok: r.try_get("ok")?,
                    http_status: r.try_get("http_status")?,
                    error: r.try_get("error")?,
                });
            }
            Ok(out)
        }

        async fn insert_webhook(
            &self,
            ctx: &ChangeContext,
            url: &str,
            events: &[EventKind],
            secret: &str,
            description: Option<&str>,
        ) -> StoreResult<WebhookSubscription> {
            let mut tx = begin_write(&self.pool).await?;
            let events: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
            let id: i64 = sqlx::query(
                "INSERT INTO webhook_subscriptions (url, events, secret, description, active, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, TRUE, $5, $6) RETURNING id",
            )
            .bind(url)
            .bind(events.join(","))
            .bind(secret)
            .bind(description)
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            let (w, _) = fetch_webhook(&mut tx, id).await?;
            append_audit(&mut tx, ctx, "create", "webhook_subscription", id.to_string(), None, Some(snapshot(&w)))
                .await?;
            tx.commit().await?;
            Ok(w)
        }

        async fn list_webhooks(&self) -> StoreResult<Vec<WebhookSubscription>> {
            let rows = sqlx::query("SELECT * FROM webhook_subscriptions ORDER BY id DESC LIMIT 500")
                .fetch_all(&self.pool)
                .await?;
            Ok(rows.iter().map(webhook_from).collect::<Result<_, _>>()?)
        }

        async fn revoke_webhook(&self, ctx: &ChangeContext, id: i64) -> StoreResult<WebhookSubscription> {
            let mut tx = begin_write(&self.pool).await?;
            let (before, _) = fetch_webhook(&mut tx, id).await?;
            if !before.active {
                return Ok(before);
            }
            sqlx::query("UPDATE webhook_subscriptions SET active = FALSE, revoked_at = $1 WHERE id = $2")
                .bind(t(ctx.at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let (after, _) = fetch_webhook(&mut tx, id).await?;
            append_audit(
                &mut tx,
                ctx,
                "revoke",
                "webhook_subscription",
                id.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn webhooks_for(&self, kind: EventKind) -> StoreResult<Vec<(WebhookSubscription, String)>> {
            let rows = sqlx::query("SELECT * FROM webhook_subscriptions WHERE active = TRUE ORDER BY id LIMIT 500")
                .fetch_all(&self.pool)
                .await?;
            let mut out = Vec::new();
            for r in &rows {
                let w = webhook_from(r)?;
                if w.events.contains(&kind) {
                    out.push((w, r.try_get("secret")?));
                }
            }
            Ok(out)
        }

        async fn webhook_with_secret(&self, id: i64) -> StoreResult<(WebhookSubscription, String)> {
            let mut c = self.pool.acquire().await?;
            fetch_webhook(&mut c, id).await
        }

        async fn unreported_overdue_pms(&self, today: Date, since: Date, limit: u32) -> StoreResult<Vec<OverduePm>> {
            let rows = sqlx::query(
                "SELECT w.id, w.number, w.due_date, w.window_end, w.assigned_to, a.asset_tag, d.name AS department \
                 FROM work_orders w JOIN assets a ON a.id = w.asset_id JOIN departments d ON d.id = a.department_id \
                 WHERE w.wo_type = 'pm' AND w.due_date >= $1 AND w.due_date < $2 \
                 AND w.status IN ('open', 'assigned', 'in_progress', 'on_hold') \
                 AND COALESCE(w.window_end, w.due_date) < $2 \
                 AND NOT EXISTS (SELECT 1 FROM notification_events e WHERE e.kind = 'pm.overdue' \
                     AND e.entity_id = CAST(w.id AS TEXT)) \
                 ORDER BY w.due_date, w.id LIMIT $3",
            )
            .bind(since.to_sqlx())
            .bind(today.to_sqlx())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let Some(due) = get_od(r, "due_date")? else { continue };
                out.push(OverduePm {
                    work_order_id: WorkOrderId(r.try_get("id")?),
                    number: r.try_get("number")?,
                    due_date: due,
                    window_end: get_od(r, "window_end")?,
                    asset_tag: r.try_get("asset_tag")?,
                    department: r.try_get("department")?,
                    assigned_to: r.try_get::<Option<i64>, _>("assigned_to")?.map(UserId),
                });
            }
            Ok(out)
        }

        async fn mail_recipients(&self, roles: &[Role]) -> StoreResult<Vec<MailRecipient>> {
            if roles.is_empty() {
                return Ok(Vec::new());
            }
            // Role codes are fixed identifiers, never user input.
            let list: Vec<String> = roles.iter().map(|r| format!("'{}'", r.as_str())).collect();
            let sql = format!(
                "SELECT id, username, email FROM users WHERE active = TRUE AND email IS NOT NULL AND email <> '' \
                 AND role IN ({}) ORDER BY id LIMIT 200",
                list.join(", ")
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(MailRecipient {
                    user_id: UserId(r.try_get("id")?),
                    username: r.try_get("username")?,
                    email: r.try_get("email")?,
                });
            }
            Ok(out)
        }
    }
}
