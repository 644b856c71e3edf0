// Repair analytics, the SQL half. `include!`d by `sqlite.rs` and `postgres.rs` after
// `common.rs` (see `repair_analytics.rs` for the trait). Set-based: one streamed query for the
// repairs (costs summed per work order by indexed correlated sub-queries) and one aggregate query
// for exposure; nothing is read row by row with a round trip.

mod repair_analytics_sql {
    use super::{BACKEND, Db, Impl, get_ots, get_ts, t};
    use crate::{Backend, CauseCodeInfo, GroupExposure, RepairAnalyticsData, StoreResult};
    use async_trait::async_trait;
    use futures_util::TryStreamExt;
    use htm_domain::ids::{AssetId, WorkOrderId};
    use htm_domain::repair_analytics::{
        self as ra, Period, RepairAggregator, RepairFact, RepairGroupBy, RepairSummary, RepeatRepair,
    };
    use jiff::civil::Date;
    use jiff_sqlx::ToSqlx;
    use sqlx::Row;

    type DbRow = <Db as sqlx::Database>::Row;

    /// The UTC date of an instant column, the service start date and the service end date of an asset `a`.
    fn date_of(col: &str) -> String {
        match BACKEND {
            Backend::Sqlite => format!("substr({col}, 1, 10)"),
            Backend::Postgres => format!("({col} AT TIME ZONE 'UTC')::date"),
        }
    }

    fn service_start() -> String {
        format!(
            "CASE WHEN a.status IN ('ordered', 'pending_inspection') THEN NULL \
             ELSE COALESCE(a.in_service_date, a.acquisition_date, {}) END",
            date_of("a.created_at")
        )
    }

    fn service_end() -> String {
        format!("CASE WHEN a.status IN ('retired', 'disposed') THEN {} ELSE NULL END", date_of("a.updated_at"))
    }

    /// (key, label, extra joins) of a grouping.
    fn grouping(g: RepairGroupBy) -> (&'static str, &'static str, &'static str) {
        match g {
            RepairGroupBy::Department => ("a.department_id", "d.name", ""),
            RepairGroupBy::Model => (
                "a.model_id",
                "mf.name || ' ' || m.model_number",
                " JOIN device_models m ON m.id = a.model_id JOIN manufacturers mf ON mf.id = m.manufacturer_id",
            ),
            RepairGroupBy::Asset => ("a.id", "a.asset_tag", ""),
        }
    }

    fn get_odate(r: &DbRow, c: &str) -> Result<Option<Date>, sqlx::Error> {
        Ok(r.try_get::<Option<jiff_sqlx::Date>, _>(c)?.map(|x| x.to_jiff()))
    }

    fn fact(r: &DbRow, period: &Period) -> Result<RepairFact, sqlx::Error> {
        let cause_flag: Option<bool> = r.try_get("counts_as_failure")?;
        let cause_code: Option<String> = r.try_get("cause_code")?;
        let batt: bool = r.try_get("batt")?;
        let rate: i64 = r.try_get("rate")?;
        let minutes: i64 = r.try_get("minutes")?;
        let exposure_days = match get_odate(r, "svc_start")? {
            Some(s) => ra::exposure_days(s, get_odate(r, "svc_end")?, period),
            None => 0,
        };
        Ok(RepairFact {
            work_order_id: r.try_get("id")?,
            number: r.try_get("number")?,
            asset_id: r.try_get("asset_id")?,
            asset_tag: r.try_get("asset_tag")?,
            group_key: r.try_get("gkey")?,
            group_label: r.try_get("glabel")?,
            is_failure: cause_code.is_some() && ra::counts_as_failure(cause_flag, batt),
            cause_code,
            opened_at: get_ts(r, "opened_at")?,
            completed_at: get_ots(r, "completed_at")?,
            downtime_start: get_ots(r, "downtime_start")?,
            downtime_end: get_ots(r, "downtime_end")?,
            parts_cost_minor: r.try_get("parts")?,
            labour_minutes: minutes,
            labour_cost_minor: ra::labour_cost_minor(minutes, rate),
            exposure_days,
        })
    }

    /// Streams the repairs that matter for the period (optionally of one asset) into the aggregator.
    async fn fold_repairs(
        pool: &sqlx::Pool<Db>,
        period: Period,
        group_by: RepairGroupBy,
        asset: Option<i64>,
    ) -> StoreResult<RepairSummary> {
        let start = period.start();
        let end = period.end();
        let lookback = start - jiff::SignedDuration::from_hours(24 * (ra::REPEAT_WINDOW_DAYS + 1));
        let (key, label, joins) = grouping(group_by);
        let sql = format!(
            "SELECT w.id, w.number, w.asset_id, a.asset_tag, {key} AS gkey, {label} AS glabel, \
             w.cause_code, c.counts_as_failure, s.battery_counts_as_failure AS batt, s.labour_rate_minor AS rate, \
             w.opened_at, w.completed_at, w.downtime_start, w.downtime_end, \
             CAST(COALESCE((SELECT SUM(p.quantity * COALESCE(p.unit_cost_minor, 0)) FROM wo_parts p WHERE p.work_order_id = w.id), 0) AS BIGINT) AS parts, \
             CAST(COALESCE((SELECT SUM(l.minutes) FROM wo_labour l WHERE l.work_order_id = w.id), 0) AS BIGINT) AS minutes, \
             {svc_start} AS svc_start, {svc_end} AS svc_end \
             FROM (SELECT id FROM work_orders WHERE wo_type = 'repair'{only} AND opened_at >= $1 AND opened_at < $2 \
                   UNION ALL SELECT id FROM work_orders WHERE wo_type = 'repair'{only} AND completed_at >= $3 AND opened_at < $1 \
                   UNION ALL SELECT id FROM work_orders WHERE wo_type = 'repair'{only} AND completed_at IS NULL AND opened_at < $1) r \
             JOIN work_orders w ON w.id = r.id \
             JOIN assets a ON a.id = w.asset_id \
             JOIN departments d ON d.id = a.department_id \
             JOIN buildings b ON b.id = d.building_id \
             JOIN sites s ON s.id = b.site_id{joins} \
             LEFT JOIN cause_codes c ON c.code = w.cause_code \
             WHERE w.status <> 'cancelled' \
             ORDER BY w.asset_id, w.opened_at, w.id",
            svc_start = service_start(),
            svc_end = service_end(),
            only = if asset.is_some() { " AND asset_id = $4" } else { "" },
        );
        let mut agg = RepairAggregator::new(period);
        {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(t(start)).bind(t(end)).bind(t(lookback));
            if let Some(a) = asset {
                q = q.bind(a);
            }
            let mut rows = q.fetch(pool);
            while let Some(r) = rows.try_next().await? {
                agg.push(fact(&r, &period)?);
            }
        }
        Ok(agg.finish())
    }

    #[async_trait]
    impl crate::RepairAnalyticsStore for Impl {
        async fn get_repair_settings(&self, site: htm_domain::ids::SiteId) -> StoreResult<crate::RepairSettings> {
            super::repair_settings_sql::get(&self.pool, site).await
        }

        async fn set_repair_settings(
            &self,
            ctx: &crate::ChangeContext,
            site: htm_domain::ids::SiteId,
            settings: &crate::RepairSettings,
        ) -> StoreResult<crate::RepairSettings> {
            super::repair_settings_sql::set(&self.pool, ctx, site, settings).await
        }

        async fn repair_analytics(&self, period: Period, group_by: RepairGroupBy) -> StoreResult<RepairAnalyticsData> {
            let summary = fold_repairs(&self.pool, period, group_by, None).await?;

            let (key, label, joins) = grouping(match group_by {
                RepairGroupBy::Asset => RepairGroupBy::Department,
                g => g,
            });
            let days = match BACKEND {
                Backend::Sqlite => {
                    "CAST(SUM(MAX(0, julianday(MIN($2, COALESCE(x.e, $2))) - julianday(MAX($1, x.s)))) AS INTEGER)"
                }
                Backend::Postgres => {
                    "SUM(GREATEST(0, LEAST($2::date, COALESCE(x.e, $2::date)) - GREATEST($1::date, x.s)))::bigint"
                }
            };
            let sql = format!(
                "SELECT x.gkey, x.glabel, {days} AS days FROM \
                 (SELECT {key} AS gkey, {label} AS glabel, {svc_start} AS s, {svc_end} AS e \
                  FROM assets a JOIN departments d ON d.id = a.department_id{joins}) x \
                 WHERE x.s IS NOT NULL GROUP BY x.gkey, x.glabel ORDER BY x.glabel",
                svc_start = service_start(),
                svc_end = service_end(),
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(period.from.to_sqlx())
                .bind(period.end_date().to_sqlx())
                .fetch_all(&self.pool)
                .await?;
            let exposure = rows
                .iter()
                .map(|r| {
                    Ok(GroupExposure {
                        key: r.try_get("gkey")?,
                        label: r.try_get("glabel")?,
                        days: r.try_get::<Option<i64>, _>("days")?.unwrap_or(0),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;

            let rows = sqlx::query("SELECT code, label, counts_as_failure FROM cause_codes ORDER BY code")
                .fetch_all(&self.pool)
                .await?;
            let cause_codes = rows
                .iter()
                .map(|r| {
                    Ok(CauseCodeInfo {
                        code: r.try_get("code")?,
                        label: r.try_get("label")?,
                        counts_as_failure: r.try_get("counts_as_failure")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            Ok(RepairAnalyticsData { summary, exposure, cause_codes })
        }

        async fn asset_repair_summary(&self, period: Period, asset: AssetId) -> StoreResult<RepairSummary> {
            fold_repairs(&self.pool, period, RepairGroupBy::Asset, Some(asset.0)).await
        }

        async fn repeat_repair_of(&self, id: WorkOrderId) -> StoreResult<Option<RepeatRepair>> {
            let Some(w) = sqlx::query(
                "SELECT w.id, w.number, w.asset_id, a.asset_tag, w.cause_code, w.opened_at FROM work_orders w \
                 JOIN assets a ON a.id = w.asset_id \
                 WHERE w.id = $1 AND w.wo_type = 'repair' AND w.status <> 'cancelled' AND w.cause_code IS NOT NULL",
            )
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            else {
                return Ok(None);
            };
            let asset_id: i64 = w.try_get("asset_id")?;
            let cause: String = w.try_get("cause_code")?;
            let opened = get_ts(&w, "opened_at")?;
            let Some(p) = sqlx::query(
                "SELECT id, number, opened_at, completed_at FROM work_orders \
                 WHERE asset_id = $1 AND wo_type = 'repair' AND cause_code = $2 AND status <> 'cancelled' \
                 AND (opened_at < $3 OR (opened_at = $3 AND id < $4)) \
                 ORDER BY opened_at DESC, id DESC LIMIT 1",
            )
            .bind(asset_id)
            .bind(&cause)
            .bind(t(opened))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            else {
                return Ok(None);
            };
            let days = ra::repeat_days(get_ts(&p, "opened_at")?, get_ots(&p, "completed_at")?, opened);
            Ok(match days {
                Some(days_apart) => Some(RepeatRepair {
                    work_order_id: id.0,
                    number: w.try_get("number")?,
                    asset_id,
                    asset_tag: w.try_get("asset_tag")?,
                    cause_code: cause,
                    previous_work_order_id: p.try_get("id")?,
                    previous_number: p.try_get("number")?,
                    days_apart,
                }),
                None => None,
            })
        }
    }
}

mod repair_settings_sql {
    use super::{ChangeContext, StoreError, StoreResult, append_audit, begin_write, snapshot};
    use crate::RepairSettings;
    use htm_domain::ids::SiteId;
    use sqlx::Row;

    pub(super) async fn get(pool: &sqlx::Pool<super::Db>, site: SiteId) -> StoreResult<RepairSettings> {
        let r = sqlx::query("SELECT labour_rate_minor, battery_counts_as_failure FROM sites WHERE id = $1")
            .bind(site.0)
            .fetch_optional(pool)
            .await?;
        let Some(r) = r else { return Err(StoreError::NotFound(format!("site {site}"))) };
        Ok(RepairSettings {
            labour_rate_minor: r.try_get("labour_rate_minor")?,
            battery_counts_as_failure: r.try_get("battery_counts_as_failure")?,
        })
    }

    pub(super) async fn set(
        pool: &sqlx::Pool<super::Db>,
        ctx: &ChangeContext,
        site: SiteId,
        s: &RepairSettings,
    ) -> StoreResult<RepairSettings> {
        let before = get(pool, site).await?;
        let mut tx = begin_write(pool).await?;
        sqlx::query("UPDATE sites SET labour_rate_minor = $1, battery_counts_as_failure = $2, updated_at = $3 WHERE id = $4")
            .bind(s.labour_rate_minor)
            .bind(s.battery_counts_as_failure)
            .bind(super::t(ctx.at))
            .bind(site.0)
            .execute(&mut *tx)
            .await?;
        append_audit(&mut tx, ctx, "update", "site_repair_settings", site.to_string(), Some(snapshot(&before)), Some(snapshot(s)))
            .await?;
        tx.commit().await?;
        Ok(*s)
    }
}
