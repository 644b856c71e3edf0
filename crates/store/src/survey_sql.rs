// The survey-readiness evidence pack, the SQL half: `include!`d by sqlite.rs and postgres.rs after
// common.rs (see `survey.rs` for the trait). Read-only; lists are keyset pages or streamed.

mod survey_impl {
    use super::*;
    use crate::{
        SurveyAssetRow, SurveyAssetSet, SurveyFollowUp, SurveyGap, SurveyInventoryCounts, SurveyMissingAsset,
        SurveyOverduePm, SurveyPmException, SurveySchedule, SurveyStore,
    };

    const HIGH_RISK: &str = "(COALESCE(a.high_risk_override, m.high_risk) = TRUE OR COALESCE(a.life_support_override, m.life_support) = TRUE)";
    const LIFE_SUPPORT: &str = "COALESCE(a.life_support_override, m.life_support) = TRUE";
    const ACTIVE: &str = "a.status NOT IN ('retired', 'disposed')";
    const OPEN: &str = "('open', 'assigned', 'in_progress', 'on_hold')";
    /// "`w` is a PM", written so that the planner looks a device's work orders up by the asset
    /// index: without statistics SQLite otherwise prefers the covering report index on `wo_type`
    /// and scans every PM for each asset.
    const PM: &str = "w.wo_type || '' = 'pm'";
    const NO_SCHEDULE: &str =
        "NOT EXISTS (SELECT 1 FROM pm_schedules s3 WHERE s3.asset_id = a.id AND s3.active = TRUE)";
    const NO_RISK: &str = "NOT EXISTS (SELECT 1 FROM risk_assessments r WHERE r.asset_id = a.id) \
         AND NOT EXISTS (SELECT 1 FROM risk_assessments r2 WHERE r2.model_id = a.model_id)";

    /// The condition "asset `a` is at site `$n`".
    fn at_site(n: usize) -> String {
        format!(
            "a.department_id IN (SELECT d2.id FROM departments d2 JOIN buildings b2 ON b2.id = d2.building_id \
             WHERE b2.site_id = ${n})"
        )
    }

    /// A date read from a column that is a date on PostgreSQL and text on SQLite (aggregates and
    /// expressions lose SQLite's declared type).
    fn any_date(r: &DbRow, c: &str) -> Result<Option<Date>, sqlx::Error> {
        if let Ok(v) = r.try_get::<Option<String>, _>(c) {
            return Ok(v.and_then(|s| s.get(..10).and_then(|d| d.parse().ok())));
        }
        Ok(r.try_get::<Option<jiff_sqlx::Date>, _>(c)?.map(|d| d.to_jiff()))
    }

    fn set_condition(set: SurveyAssetSet) -> &'static str {
        match set {
            SurveyAssetSet::All => "1 = 1",
            SurveyAssetSet::HighRisk => HIGH_RISK,
            SurveyAssetSet::LifeSupport => LIFE_SUPPORT,
            SurveyAssetSet::Gap(SurveyGap::NoLocation) => "a.location_id IS NULL",
            SurveyAssetSet::Gap(SurveyGap::NoPmSchedule) => NO_SCHEDULE,
            SurveyAssetSet::Gap(SurveyGap::NoRiskAssessment) => NO_RISK,
        }
    }

    fn asset_row_from(r: &DbRow) -> Result<SurveyAssetRow, sqlx::Error> {
        let ls: bool = r.try_get("ls")?;
        let interval: Option<i32> = r.try_get("interval_months")?;
        let schedule = match interval {
            Some(interval_months) => Some(SurveySchedule {
                interval_months,
                basis: get_enum(r, "basis", ScheduleBasis::parse)?,
                anchor: any_date(r, "anchor_date")?.ok_or_else(|| sqlx::Error::ColumnNotFound("anchor_date".into()))?,
            }),
            None => None,
        };
        Ok(SurveyAssetRow {
            id: AssetId(r.try_get("id")?),
            asset_tag: r.try_get("asset_tag")?,
            status: get_enum(r, "status", AssetStatus::parse)?,
            manufacturer: r.try_get("manufacturer")?,
            model_number: r.try_get("model_number")?,
            model_name: r.try_get("model_name")?,
            department: r.try_get("department")?,
            location: r.try_get("location")?,
            high_risk: r.try_get::<bool, _>("hr")? || ls,
            life_support: ls,
            last_pm: any_date(r, "last_pm")?,
            open_pm_due: any_date(r, "open_pm_due")?,
            latest_pm_due: any_date(r, "latest_pm_due")?,
            schedule,
        })
    }

    #[async_trait]
    impl SurveyStore for Impl {
        async fn survey_inventory_counts(&self, site: Option<SiteId>) -> StoreResult<SurveyInventoryCounts> {
            let mut c = self.pool.acquire().await?;
            let site_cond = if site.is_some() { format!(" WHERE {}", at_site(1)) } else { String::new() };
            let sql =
                format!("SELECT a.status, COUNT(*) AS n FROM assets a{site_cond} GROUP BY a.status ORDER BY a.status");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            if let Some(s) = site {
                q = q.bind(s.0);
            }
            let mut out = SurveyInventoryCounts::default();
            for r in q.fetch_all(&mut *c).await? {
                out.by_status.push((get_enum(&r, "status", AssetStatus::parse)?, r.try_get("n")?));
            }
            let site_cond = if site.is_some() { format!(" AND {}", at_site(1)) } else { String::new() };
            let sql = format!(
                "SELECT COALESCE(SUM(CASE WHEN {HIGH_RISK} THEN 1 ELSE 0 END), 0) AS hr, \
                 COALESCE(SUM(CASE WHEN {LIFE_SUPPORT} THEN 1 ELSE 0 END), 0) AS ls, \
                 COALESCE(SUM(CASE WHEN a.location_id IS NULL THEN 1 ELSE 0 END), 0) AS no_location, \
                 COALESCE(SUM(CASE WHEN {NO_SCHEDULE} THEN 1 ELSE 0 END), 0) AS no_schedule, \
                 COALESCE(SUM(CASE WHEN {NO_RISK} THEN 1 ELSE 0 END), 0) AS no_risk \
                 FROM assets a JOIN device_models m ON m.id = a.model_id WHERE {ACTIVE}{site_cond}"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            if let Some(s) = site {
                q = q.bind(s.0);
            }
            let r = q.fetch_one(&mut *c).await?;
            out.high_risk = r.try_get("hr")?;
            out.life_support = r.try_get("ls")?;
            out.no_location = r.try_get("no_location")?;
            out.no_pm_schedule = r.try_get("no_schedule")?;
            out.no_risk_assessment = r.try_get("no_risk")?;
            Ok(out)
        }

        async fn survey_active_assets_by_model(&self, site: Option<SiteId>) -> StoreResult<Vec<(ModelId, i64)>> {
            let site_cond = if site.is_some() { format!(" AND {}", at_site(1)) } else { String::new() };
            let sql = format!(
                "SELECT a.model_id, COUNT(*) AS n FROM assets a WHERE {ACTIVE}{site_cond} GROUP BY a.model_id ORDER BY a.model_id"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            if let Some(s) = site {
                q = q.bind(s.0);
            }
            let rows = q.fetch_all(&self.pool).await?;
            rows.iter().map(|r| Ok((ModelId(r.try_get("model_id")?), r.try_get("n")?))).collect()
        }

        async fn survey_assets(
            &self,
            site: Option<SiteId>,
            set: SurveyAssetSet,
            after: Option<&str>,
            limit: u32,
        ) -> StoreResult<Vec<SurveyAssetRow>> {
            let mut n = 0;
            let mut next = || {
                n += 1;
                n
            };
            let site_cond = if site.is_some() { format!(" AND {}", at_site(next())) } else { String::new() };
            let after_cond =
                if after.is_some() { format!(" AND lower(a.asset_tag) > lower(${})", next()) } else { String::new() };
            let limit_n = next();
            let sql = format!(
                "SELECT a.id, a.asset_tag, a.status, f.name AS manufacturer, m.model_number, m.name AS model_name, \
                 d.name AS department, l.name AS location, \
                 COALESCE(a.high_risk_override, m.high_risk) AS hr, COALESCE(a.life_support_override, m.life_support) AS ls, \
                 (SELECT MAX({date}) FROM work_orders w WHERE w.asset_id = a.id AND {PM} \
                    AND w.status IN ('completed', 'closed') AND (w.pm_outcome IS NULL OR w.pm_outcome = 'done')) AS last_pm, \
                 (SELECT MIN(w.due_date) FROM work_orders w WHERE w.asset_id = a.id AND {PM} \
                    AND w.status IN {OPEN}) AS open_pm_due, \
                 (SELECT MAX(w.due_date) FROM work_orders w WHERE w.asset_id = a.id AND {PM} \
                    AND w.status <> 'cancelled') AS latest_pm_due, \
                 s.interval_months, s.basis, s.anchor_date \
                 FROM assets a JOIN device_models m ON m.id = a.model_id JOIN manufacturers f ON f.id = m.manufacturer_id \
                 JOIN departments d ON d.id = a.department_id LEFT JOIN locations l ON l.id = a.location_id \
                 LEFT JOIN pm_schedules s ON s.id = (SELECT MIN(s2.id) FROM pm_schedules s2 WHERE s2.asset_id = a.id \
                    AND s2.active = TRUE AND s2.usage_interval IS NULL) \
                 WHERE {ACTIVE} AND {cond}{site_cond}{after_cond} ORDER BY lower(a.asset_tag) LIMIT ${limit_n}",
                date = DATE_OF_COMPLETED_AT,
                cond = set_condition(set),
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            if let Some(s) = site {
                q = q.bind(s.0);
            }
            if let Some(a) = after {
                q = q.bind(a.to_string());
            }
            let rows = q.bind(i64::from(limit)).fetch_all(&self.pool).await?;
            Ok(rows.iter().map(asset_row_from).collect::<Result<_, _>>()?)
        }

        async fn survey_pm_exceptions(
            &self,
            site: Option<SiteId>,
            first: Date,
            last: Date,
        ) -> StoreResult<Vec<SurveyPmException>> {
            let mut c = self.pool.acquire().await?;
            let site_cond = if site.is_some() { format!(" AND {}", at_site(3)) } else { String::new() };
            let sql = format!(
                "SELECT w.id, w.number, w.asset_id, a.asset_tag, f.name || ' ' || m.model_number AS model, \
                 d.name AS department, COALESCE(a.life_support_override, m.life_support) AS ls, w.due_date, \
                 w.window_end, w.status, w.pm_outcome, {date} AS completed_on, w.opened_at \
                 FROM work_orders w JOIN assets a ON a.id = w.asset_id JOIN device_models m ON m.id = a.model_id \
                 JOIN manufacturers f ON f.id = m.manufacturer_id JOIN departments d ON d.id = a.department_id \
                 WHERE w.wo_type = 'pm' AND w.status <> 'cancelled' AND w.due_date >= $1 AND w.due_date <= $2 \
                 AND {HIGH_RISK}{site_cond} ORDER BY w.due_date, w.id",
                date = DATE_OF_COMPLETED_AT
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(first.to_sqlx()).bind(last.to_sqlx());
            if let Some(s) = site {
                q = q.bind(s.0);
            }
            // (exception, opened at) for the follow-up look-up after the stream.
            let mut found: Vec<(SurveyPmException, Timestamp)> = Vec::new();
            {
                let mut rows = q.fetch(&mut *c);
                while let Some(r) = rows.try_next().await? {
                    let status = get_enum(&r, "status", WorkOrderStatus::parse)?;
                    let done = matches!(status, WorkOrderStatus::Completed | WorkOrderStatus::Closed);
                    let completed_on = if done { any_date(&r, "completed_on")? } else { None };
                    let outcome = get_oenum(&r, "pm_outcome", PmOutcome::parse)?;
                    let window_end = get_od(&r, "window_end")?;
                    // The completion report counts a completion without a window as late
                    // (`date <= NULL` is not true); the earliest date does the same here.
                    let standing = pm_rules::standing(completed_on, outcome, window_end.unwrap_or(Date::MIN));
                    if standing == PmStanding::CompletedOnTime {
                        continue;
                    }
                    let due_date =
                        get_od(&r, "due_date")?.ok_or_else(|| sqlx::Error::ColumnNotFound("due_date".into()))?;
                    found.push((
                        SurveyPmException {
                            id: WorkOrderId(r.try_get("id")?),
                            number: r.try_get("number")?,
                            asset_id: AssetId(r.try_get("asset_id")?),
                            asset_tag: r.try_get("asset_tag")?,
                            model: r.try_get("model")?,
                            department: r.try_get("department")?,
                            life_support: r.try_get("ls")?,
                            due_date,
                            window_end,
                            status,
                            completed_on,
                            standing,
                            follow_up: None,
                        },
                        get_ts(&r, "opened_at")?,
                    ));
                }
            }
            let mut out = Vec::with_capacity(found.len());
            for (mut e, opened) in found {
                // A late completion is its own follow-up; the others look for the next work
                // order on the device.
                if e.standing != PmStanding::CompletedLate {
                    let r = sqlx::query(
                        "SELECT w.id, w.number, w.wo_type, w.status, w.opened_at FROM work_orders w \
                         WHERE w.asset_id = $1 AND w.id <> $2 AND w.status <> 'cancelled' AND w.opened_at > $3 \
                         ORDER BY w.opened_at, w.id LIMIT 1",
                    )
                    .bind(e.asset_id.0)
                    .bind(e.id.0)
                    .bind(t(opened))
                    .fetch_optional(&mut *c)
                    .await?;
                    if let Some(r) = r {
                        e.follow_up = Some(SurveyFollowUp {
                            id: WorkOrderId(r.try_get("id")?),
                            number: r.try_get("number")?,
                            wo_type: r.try_get("wo_type")?,
                            status: get_enum(&r, "status", WorkOrderStatus::parse)?,
                            opened_at: get_ts(&r, "opened_at")?,
                        });
                    }
                }
                out.push(e);
            }
            Ok(out)
        }

        async fn survey_overdue_pms(
            &self,
            site: Option<SiteId>,
            as_of: Date,
            after: Option<WorkOrderId>,
            limit: u32,
        ) -> StoreResult<Vec<SurveyOverduePm>> {
            let mut n = 1;
            let mut next = || {
                n += 1;
                n
            };
            let site_cond = if site.is_some() { format!(" AND {}", at_site(next())) } else { String::new() };
            let after_cond = if after.is_some() { format!(" AND w.id > ${}", next()) } else { String::new() };
            let limit_n = next();
            let sql = format!(
                "SELECT w.id, w.number, a.asset_tag, f.name || ' ' || m.model_number AS model, d.name AS department, \
                 COALESCE(a.high_risk_override, m.high_risk) AS hr, COALESCE(a.life_support_override, m.life_support) AS ls, \
                 w.due_date, w.window_end, w.status \
                 FROM work_orders w JOIN assets a ON a.id = w.asset_id JOIN device_models m ON m.id = a.model_id \
                 JOIN manufacturers f ON f.id = m.manufacturer_id JOIN departments d ON d.id = a.department_id \
                 WHERE w.wo_type = 'pm' AND w.status IN {OPEN} AND COALESCE(w.window_end, w.due_date) < $1\
                 {site_cond}{after_cond} ORDER BY w.id LIMIT ${limit_n}"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(as_of.to_sqlx());
            if let Some(s) = site {
                q = q.bind(s.0);
            }
            if let Some(a) = after {
                q = q.bind(a.0);
            }
            let rows = q.bind(i64::from(limit)).fetch_all(&self.pool).await?;
            rows.iter()
                .map(|r| {
                    let ls: bool = r.try_get("ls")?;
                    Ok(SurveyOverduePm {
                        id: WorkOrderId(r.try_get("id")?),
                        number: r.try_get("number")?,
                        asset_tag: r.try_get("asset_tag")?,
                        model: r.try_get("model")?,
                        department: r.try_get("department")?,
                        high_risk: r.try_get::<bool, _>("hr")? || ls,
                        life_support: ls,
                        due_date: get_od(r, "due_date")?,
                        window_end: get_od(r, "window_end")?,
                        status: get_enum(r, "status", WorkOrderStatus::parse)?,
                    })
                })
                .collect()
        }

        async fn survey_missing_assets(
            &self,
            site: Option<SiteId>,
            since: Date,
            after: Option<AssetId>,
            limit: u32,
        ) -> StoreResult<Vec<SurveyMissingAsset>> {
            let mut n = 1;
            let mut next = || {
                n += 1;
                n
            };
            let site_cond = if site.is_some() { format!(" AND {}", at_site(next())) } else { String::new() };
            let after_cond = if after.is_some() { format!(" AND a.id > ${}", next()) } else { String::new() };
            let limit_n = next();
            let utl = format!(
                "w.asset_id = a.id AND {PM} AND w.pm_outcome = 'unable_to_locate' AND w.status IN ('completed', 'closed')"
            );
            let sql = format!(
                "SELECT a.id, a.asset_tag, f.name || ' ' || m.model_number AS model, d.name AS department, \
                 COALESCE(a.high_risk_override, m.high_risk) AS hr, COALESCE(a.life_support_override, m.life_support) AS ls, \
                 (SELECT COUNT(*) FROM work_orders w WHERE {utl} AND {date} >= $1) AS utl_pms, \
                 (SELECT w.number FROM work_orders w WHERE {utl} ORDER BY w.completed_at DESC, w.id DESC LIMIT 1) AS last_utl_number, \
                 (SELECT MAX({date}) FROM work_orders w WHERE {utl}) AS last_utl_on, \
                 (SELECT COUNT(*) FROM work_orders w WHERE w.asset_id = a.id AND w.status IN {OPEN}) AS open_wos \
                 FROM assets a JOIN device_models m ON m.id = a.model_id JOIN manufacturers f ON f.id = m.manufacturer_id \
                 JOIN departments d ON d.id = a.department_id \
                 WHERE a.status = 'missing'{site_cond}{after_cond} ORDER BY a.id LIMIT ${limit_n}",
                date = DATE_OF_COMPLETED_AT
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since.to_sqlx());
            if let Some(s) = site {
                q = q.bind(s.0);
            }
            if let Some(a) = after {
                q = q.bind(a.0);
            }
            let rows = q.bind(i64::from(limit)).fetch_all(&self.pool).await?;
            rows.iter()
                .map(|r| {
                    let ls: bool = r.try_get("ls")?;
                    Ok(SurveyMissingAsset {
                        id: AssetId(r.try_get("id")?),
                        asset_tag: r.try_get("asset_tag")?,
                        model: r.try_get("model")?,
                        department: r.try_get("department")?,
                        high_risk: r.try_get::<bool, _>("hr")? || ls,
                        utl_pms: r.try_get("utl_pms")?,
                        last_utl_number: r.try_get("last_utl_number")?,
                        last_utl_on: any_date(r, "last_utl_on")?,
                        open_work_orders: r.try_get("open_wos")?,
                    })
                })
                .collect()
        }
    }
}
