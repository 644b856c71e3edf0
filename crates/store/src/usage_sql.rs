// Usage meters and usage-based PM: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod usage_impl {
    use super::*;
    use crate::{MeterReadingOutcome, UsageStore};
    use htm_domain::usage::{
        self as usage_rules, MeterReading, NewMeterReading, UsageStanding, UsageTrigger, UsageUnit,
    };

    fn reading_from(r: &DbRow) -> Result<MeterReading, sqlx::Error> {
        Ok(MeterReading {
            id: r.try_get("id")?,
            asset_id: AssetId(r.try_get("asset_id")?),
            unit: get_enum(r, "unit", UsageUnit::parse)?,
            value: r.try_get("value")?,
            read_on: r.try_get::<jiff_sqlx::Date, _>("read_on")?.to_jiff(),
            recorded_at: get_ts(r, "recorded_at")?,
            recorded_by: r.try_get("recorded_by")?,
        })
    }

    /// The asset's usage-triggered active schedules: (id, trigger, grace days, interval months).
    async fn triggers(conn: &mut DbConn, asset: AssetId) -> StoreResult<Vec<(i64, UsageTrigger, i32)>> {
        let rows = sqlx::query(
            "SELECT id, usage_interval, usage_unit, grace_days FROM pm_schedules \
             WHERE asset_id = $1 AND active = TRUE AND usage_interval IS NOT NULL AND usage_unit IS NOT NULL ORDER BY id",
        )
        .bind(asset.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let trigger = UsageTrigger {
                usage_interval: r.try_get("usage_interval")?,
                usage_unit: get_enum(r, "usage_unit", UsageUnit::parse)?,
            };
            out.push((r.try_get("id")?, trigger, r.try_get("grace_days")?));
        }
        Ok(out)
    }

    async fn one_value(
        conn: &mut DbConn,
        sql: &'static str,
        asset: AssetId,
        unit: UsageUnit,
        day: Option<Date>,
    ) -> StoreResult<Option<(Date, i64)>> {
        let mut q = sqlx::query(sql).bind(asset.0).bind(unit.as_str());
        if let Some(d) = day {
            q = q.bind(d.to_sqlx());
        }
        let row = q.fetch_optional(&mut *conn).await?;
        Ok(match row {
            Some(r) => Some((r.try_get::<jiff_sqlx::Date, _>("read_on")?.to_jiff(), r.try_get("value")?)),
            None => None,
        })
    }

    /// The latest reading on or before `day` (or the latest of all).
    async fn latest(
        conn: &mut DbConn,
        asset: AssetId,
        unit: UsageUnit,
        day: Option<Date>,
    ) -> StoreResult<Option<(Date, i64)>> {
        match day {
            Some(d) => one_value(conn, "SELECT read_on, value FROM meter_readings WHERE asset_id = $1 AND unit = $2 AND read_on <= $3 ORDER BY read_on DESC, value DESC, id DESC LIMIT 1", asset, unit, Some(d)).await,
            None => one_value(conn, "SELECT read_on, value FROM meter_readings WHERE asset_id = $1 AND unit = $2 ORDER BY read_on DESC, value DESC, id DESC LIMIT 1", asset, unit, None).await,
        }
    }

    /// The earliest reading after `day`.
    async fn next_after(
        conn: &mut DbConn,
        asset: AssetId,
        unit: UsageUnit,
        day: Date,
    ) -> StoreResult<Option<(Date, i64)>> {
        one_value(conn, "SELECT read_on, value FROM meter_readings WHERE asset_id = $1 AND unit = $2 AND read_on > $3 ORDER BY read_on, value, id LIMIT 1", asset, unit, Some(day)).await
    }

    async fn first(conn: &mut DbConn, asset: AssetId, unit: UsageUnit) -> StoreResult<Option<(Date, i64)>> {
        one_value(conn, "SELECT read_on, value FROM meter_readings WHERE asset_id = $1 AND unit = $2 ORDER BY read_on, value, id LIMIT 1", asset, unit, None).await
    }

    /// The usage count's start for a schedule: the reading on or before its last done PM, else
    /// the meter's first reading.
    async fn baseline(conn: &mut DbConn, asset: AssetId, schedule: i64, unit: UsageUnit) -> StoreResult<Option<i64>> {
        let done = sqlx::query(
            "SELECT completed_at FROM work_orders WHERE schedule_id = $1 AND status IN ('completed', 'closed') \
             AND (pm_outcome IS NULL OR pm_outcome = 'done') AND completed_at IS NOT NULL ORDER BY completed_at DESC LIMIT 1",
        )
        .bind(schedule)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(r) = done {
            // The meter as it stood when the PM was done: read before that day, or on that day
            // and entered by the time the PM was completed.
            let at = get_ts(&r, "completed_at")?;
            let day = at.to_zoned(jiff::tz::TimeZone::UTC).date();
            let row = sqlx::query(
                "SELECT value FROM meter_readings WHERE asset_id = $1 AND unit = $2 \
                 AND (read_on < $3 OR (read_on = $3 AND recorded_at <= $4)) ORDER BY read_on DESC, value DESC, id DESC LIMIT 1",
            )
            .bind(asset.0)
            .bind(unit.as_str())
            .bind(day.to_sqlx())
            .bind(t(at))
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(r) = row {
                return Ok(Some(r.try_get("value")?));
            }
        }
        Ok(first(conn, asset, unit).await?.map(|(_, v)| v))
    }

    async fn standings(
        conn: &mut DbConn,
        asset: AssetId,
        only: Option<UsageUnit>,
    ) -> StoreResult<Vec<(UsageStanding, i32)>> {
        let mut out = Vec::new();
        for (id, trigger, grace) in triggers(conn, asset).await? {
            if only.is_some_and(|u| u != trigger.usage_unit) {
                continue;
            }
            let base = baseline(conn, asset, id, trigger.usage_unit).await?;
            let current = latest(conn, asset, trigger.usage_unit, None).await?.map(|(_, v)| v);
            out.push((usage_rules::standing(id, trigger, base, current), grace));
        }
        Ok(out)
    }

    #[async_trait]
    impl UsageStore for Impl {
        async fn set_schedule_usage(
            &self,
            ctx: &ChangeContext,
            schedule_id: i64,
            trigger: Option<UsageTrigger>,
        ) -> StoreResult<Option<UsageTrigger>> {
            let mut tx = begin_write(&self.pool).await?;
            let row = sqlx::query("SELECT * FROM pm_schedules WHERE id = $1")
                .bind(schedule_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else { return Err(StoreError::NotFound(format!("PM schedule {schedule_id}"))) };
            let before = pm_schedule_from(&row)?;
            let old: Option<i64> = row.try_get("usage_interval")?;
            let old_unit = get_oenum(&row, "usage_unit", UsageUnit::parse)?;
            let done = sqlx::query(
                "UPDATE pm_schedules SET usage_interval = $1, usage_unit = $2, version = version + 1, updated_at = $3 \
                 WHERE id = $4 AND version = $5",
            )
            .bind(trigger.map(|t| t.usage_interval))
            .bind(trigger.map(|t| t.usage_unit.as_str()))
            .bind(t(ctx.at))
            .bind(schedule_id)
            .bind(before.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(stale("PM schedule", schedule_id, before.version, before.version + 1));
            }
            let was = serde_json::json!({"schedule": before, "usage_interval": old, "usage_unit": old_unit});
            let now = serde_json::json!({"schedule_id": schedule_id, "usage_interval": trigger.map(|t| t.usage_interval), "usage_unit": trigger.map(|t| t.usage_unit)});
            append_audit(
                &mut tx,
                ctx,
                "update",
                "pm_schedule",
                schedule_id.to_string(),
                Some(snapshot(&was)),
                Some(snapshot(&now)),
            )
            .await?;
            tx.commit().await?;
            Ok(trigger)
        }

        async fn record_meter_reading(
            &self,
            ctx: &ChangeContext,
            asset: AssetId,
            new: &NewMeterReading,
        ) -> StoreResult<MeterReadingOutcome> {
            let mut tx = begin_write(&self.pool).await?;
            let a = fetch_asset(&mut tx, asset).await?;
            let today = ctx.at.to_zoned(jiff::tz::TimeZone::UTC).date();
            let read_on = new.read_on.unwrap_or(today);
            let before = latest(&mut tx, asset, new.unit, Some(read_on)).await?;
            let after = next_after(&mut tx, asset, new.unit, read_on).await?;
            usage_rules::check_reading(new.value, read_on, today, before, after)?;
            let r = sqlx::query(
                "INSERT INTO meter_readings (asset_id, unit, value, read_on, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
            )
            .bind(asset.0)
            .bind(new.unit.as_str())
            .bind(new.value)
            .bind(read_on.to_sqlx())
            .bind(t(ctx.at))
            .bind(&ctx.actor)
            .fetch_one(&mut *tx)
            .await?;
            let reading = reading_from(&r)?;
            append_audit(
                &mut tx,
                ctx,
                "create",
                "meter_reading",
                reading.id.to_string(),
                None,
                Some(snapshot(&reading)),
            )
            .await?;

            // Usage PMs this reading makes due, for an in-service asset.
            let mut opened = Vec::new();
            if a.status == AssetStatus::InService {
                for (s, grace) in standings(&mut tx, asset, Some(new.unit)).await? {
                    if !s.due {
                        continue;
                    }
                    // One open PM per schedule: a calendar or usage PM already open covers it.
                    let busy: i64 = sqlx::query(
                        "SELECT COUNT(*) AS n FROM work_orders WHERE schedule_id = $1 \
                         AND status IN ('open', 'assigned', 'in_progress', 'on_hold')",
                    )
                    .bind(s.schedule_id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
                    if busy > 0 {
                        continue;
                    }
                    let year = ctx.at.to_zoned(jiff::tz::TimeZone::UTC).year();
                    let seq: i64 = sqlx::query(
                        "INSERT INTO wo_counters (year, last_seq) VALUES ($1, 1) ON CONFLICT (year) DO UPDATE SET last_seq = wo_counters.last_seq + 1 RETURNING last_seq",
                    )
                    .bind(i64::from(year))
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("last_seq")?;
                    let number = wo_rules::format_number(year, seq);
                    let problem = format!(
                        "Scheduled PM due by usage: {} {} since the last PM (every {} {}); meter at {}",
                        s.used,
                        s.usage_unit.as_str(),
                        s.usage_interval,
                        s.usage_unit.as_str(),
                        s.current.unwrap_or(0)
                    );
                    let window_end = pm_rules::compliance_window(today, grace).1;
                    let row = sqlx::query(
                        "INSERT INTO work_orders (number, wo_type, priority, status, asset_id, problem, due_date, opened_at, \
                         took_out_of_service, version, updated_at, schedule_id, pm_period, window_end) \
                         VALUES ($1, 'pm', 'normal', 'open', $2, $3, $4, $5, FALSE, 1, $5, $6, NULL, $7) RETURNING id",
                    )
                    .bind(&number)
                    .bind(asset.0)
                    .bind(&problem)
                    .bind(today.to_sqlx())
                    .bind(t(ctx.at))
                    .bind(s.schedule_id)
                    .bind(window_end.to_sqlx())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_db_err)?;
                    let wo = fetch_work_order(&mut tx, WorkOrderId(row.try_get("id")?)).await?;
                    let why = ctx.with_reason(Some(format!("usage PM due: meter reading {}", reading.id)));
                    append_audit(&mut tx, &why, "create", "work_order", wo.id.to_string(), None, Some(snapshot(&wo)))
                        .await?;
                    opened.push(wo);
                }
            }
            let usage = standings(&mut tx, asset, Some(new.unit)).await?.into_iter().map(|(s, _)| s).collect();
            tx.commit().await?;
            Ok(MeterReadingOutcome { reading, opened, usage })
        }

        async fn list_meter_readings(&self, asset: AssetId, limit: u32) -> StoreResult<Vec<MeterReading>> {
            let rows =
                sqlx::query("SELECT * FROM meter_readings WHERE asset_id = $1 ORDER BY read_on DESC, id DESC LIMIT $2")
                    .bind(asset.0)
                    .bind(i64::from(limit.min(1000)))
                    .fetch_all(&self.pool)
                    .await?;
            Ok(rows.iter().map(reading_from).collect::<Result<_, _>>()?)
        }

        async fn usage_standings(&self, asset: AssetId) -> StoreResult<Vec<UsageStanding>> {
            let mut c = self.pool.acquire().await?;
            Ok(standings(&mut c, asset, None).await?.into_iter().map(|(s, _)| s).collect())
        }
    }
}
