// Calendar feeds: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod calendar_impl {
    use super::*;
    use crate::{CalendarFeed, CalendarStore, FeedScope, ScheduledPm};

    const FEED_COLUMNS: &str =
        "f.id, f.scope, f.user_id, f.department_id, f.label, f.created_by, f.created_at, f.revoked_at";

    fn feed_from(r: &DbRow) -> Result<CalendarFeed, sqlx::Error> {
        let scope: String = r.try_get("scope")?;
        let scope = match scope.as_str() {
            "technician" => FeedScope::Technician(UserId(r.try_get::<Option<i64>, _>("user_id")?.unwrap_or_default())),
            _ => FeedScope::Department(DepartmentId(r.try_get::<Option<i64>, _>("department_id")?.unwrap_or_default())),
        };
        Ok(CalendarFeed {
            id: r.try_get("id")?,
            scope,
            label: r.try_get("label")?,
            created_by: r.try_get("created_by")?,
            created_at: get_ts(r, "created_at")?,
            revoked_at: get_ots(r, "revoked_at")?,
        })
    }

    async fn fetch_feed(conn: &mut DbConn, id: i64) -> StoreResult<CalendarFeed> {
        let sql = format!("SELECT {FEED_COLUMNS} FROM calendar_feeds f WHERE f.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("calendar feed {id}")))?;
        Ok(feed_from(&r)?)
    }

    #[async_trait]
    impl CalendarStore for Impl {
        async fn insert_calendar_feed(
            &self,
            ctx: &ChangeContext,
            scope: FeedScope,
            secret_hash: &str,
        ) -> StoreResult<CalendarFeed> {
            let mut tx = begin_write(&self.pool).await?;
            let (kind, user, dept, label) = match scope {
                FeedScope::Technician(u) => {
                    let user =
                        fetch_user(&mut tx, u).await.map_err(|_| invalid("id", format!("no user with id {u}")))?;
                    ("technician", Some(u.0), None, user.display_name)
                }
                FeedScope::Department(d) => {
                    let r = sqlx::query("SELECT name FROM departments WHERE id = $1")
                        .bind(d.0)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| invalid("id", format!("no department with id {d}")))?;
                    ("department", None, Some(d.0), r.try_get::<String, _>("name")?)
                }
            };
            let id: i64 = sqlx::query(
                "INSERT INTO calendar_feeds (secret_hash, scope, user_id, department_id, label, created_by, created_by_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(secret_hash)
            .bind(kind)
            .bind(user)
            .bind(dept)
            .bind(&label)
            .bind(&ctx.actor)
            .bind(ctx.actor_id.map(|u| u.0))
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_db_err)?
            .try_get("id")?;
            let feed = fetch_feed(&mut tx, id).await?;
            append_audit(&mut tx, ctx, "create", "calendar_feed", id.to_string(), None, Some(snapshot(&feed))).await?;
            tx.commit().await?;
            Ok(feed)
        }

        async fn list_calendar_feeds(&self, user: Option<UserId>) -> StoreResult<Vec<CalendarFeed>> {
            let sql = format!(
                "SELECT {FEED_COLUMNS} FROM calendar_feeds f WHERE ($1 IS NULL OR f.user_id = $1) ORDER BY f.id DESC LIMIT 500"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user.map(|u| u.0)).fetch_all(&self.pool).await?;
            Ok(rows.iter().map(feed_from).collect::<Result<_, _>>()?)
        }

        async fn get_calendar_feed(&self, id: i64) -> StoreResult<CalendarFeed> {
            let mut c = self.pool.acquire().await?;
            fetch_feed(&mut c, id).await
        }

        async fn revoke_calendar_feed(&self, ctx: &ChangeContext, id: i64) -> StoreResult<CalendarFeed> {
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_feed(&mut tx, id).await?;
            if before.revoked_at.is_some() {
                return Ok(before);
            }
            sqlx::query("UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2")
                .bind(t(ctx.at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let after = fetch_feed(&mut tx, id).await?;
            append_audit(
                &mut tx,
                ctx,
                "revoke",
                "calendar_feed",
                id.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn calendar_feed_by_secret(&self, secret_hash: &str) -> StoreResult<Option<CalendarFeed>> {
            let sql = format!(
                "SELECT {FEED_COLUMNS} FROM calendar_feeds f WHERE f.secret_hash = $1 AND f.revoked_at IS NULL"
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(secret_hash).fetch_optional(&self.pool).await?;
            Ok(row.as_ref().map(feed_from).transpose()?)
        }

        async fn scheduled_pms(
            &self,
            scope: FeedScope,
            from: Date,
            to: Date,
            limit: u32,
        ) -> StoreResult<Vec<ScheduledPm>> {
            let (filter, id) = match scope {
                FeedScope::Technician(u) => ("w.assigned_to = $1", u.0),
                FeedScope::Department(d) => ("a.department_id = $1", d.0),
            };
            let sql = format!(
                "SELECT w.id, w.number, w.status, w.priority, w.due_date, w.window_end, a.asset_tag, \
                 m.model_number, mf.name AS manufacturer, COALESCE(a.pm_procedure_code, m.pm_procedure_code) AS procedure_code, \
                 d.name AS department, l.name AS location, u.display_name AS assigned_to_name \
                 FROM work_orders w JOIN assets a ON a.id = w.asset_id \
                 JOIN device_models m ON m.id = a.model_id JOIN manufacturers mf ON mf.id = m.manufacturer_id \
                 JOIN departments d ON d.id = a.department_id LEFT JOIN locations l ON l.id = a.location_id \
                 LEFT JOIN users u ON u.id = w.assigned_to \
                 WHERE {filter} AND w.wo_type = 'pm' AND w.status IN ('open', 'assigned', 'in_progress', 'on_hold') \
                 AND w.due_date >= $2 AND w.due_date <= $3 ORDER BY w.due_date, w.id LIMIT $4"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(from.to_sqlx())
                .bind(to.to_sqlx())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let Some(due) = get_od(r, "due_date")? else { continue };
                out.push(ScheduledPm {
                    work_order_id: WorkOrderId(r.try_get("id")?),
                    number: r.try_get("number")?,
                    status: r.try_get("status")?,
                    priority: r.try_get("priority")?,
                    due_date: due,
                    window_end: get_od(r, "window_end")?,
                    asset_tag: r.try_get("asset_tag")?,
                    manufacturer: r.try_get("manufacturer")?,
                    model_number: r.try_get("model_number")?,
                    procedure_code: r.try_get("procedure_code")?,
                    department: r.try_get("department")?,
                    location: r.try_get("location")?,
                    assigned_to_name: r.try_get("assigned_to_name")?,
                });
            }
            Ok(out)
        }
    }
}
