// Maintenance strategies and the AEM program: `include!`d by sqlite.rs and postgres.rs after
// common.rs (see `strategy.rs` for the trait).

/// A maintenance-strategy record as stored now (for the signature check of `htm audit verify`).
#[allow(dead_code)]
async fn fetch_maintenance_strategy(conn: &mut DbConn, id: i64) -> StoreResult<htm_domain::strategy::StrategyRecord> {
    let r = sqlx::query("SELECT * FROM maintenance_strategies WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("maintenance strategy {id}")))?;
    Ok(strategy_impl::strategy_from(&r)?)
}

mod strategy_impl {
    use super::*;
    use crate::{
        AemEvents, AemIncidentEvent, AemMember, AemPmEvent, AemRepairEvent, LabelledStrategy, StrategyFacts,
        StrategyStore,
    };
    use htm_domain::strategy::{
        AemCriteria, AemSettings, MaintenanceHistory, MaintenanceStrategy, ModelAemFlags, StrategyProposal,
        StrategyRecord, StrategyStatus, StrategyTarget, whole_months,
    };

    pub(super) fn strategy_from(r: &DbRow) -> Result<StrategyRecord, sqlx::Error> {
        let model: Option<i64> = r.try_get("model_id")?;
        let asset: Option<i64> = r.try_get("asset_id")?;
        let target = match (model, asset) {
            (Some(m), _) => StrategyTarget::Model(ModelId(m)),
            (None, Some(a)) => StrategyTarget::Asset(AssetId(a)),
            (None, None) => return Err(sqlx::Error::ColumnNotFound("model_id or asset_id".into())),
        };
        let c =
            |col: &str| -> Result<String, sqlx::Error> { Ok(r.try_get::<Option<String>, _>(col)?.unwrap_or_default()) };
        let criteria = AemCriteria {
            use_and_harm: c("criteria_use_and_harm")?,
            failure_consequences: c("criteria_failure_consequences")?,
            backup_availability: c("criteria_backup")?,
            incident_history: c("criteria_incident_history")?,
            maintenance_requirements: c("criteria_maintenance")?,
        };
        let alt: Option<i32> = r.try_get::<Option<i32>, _>("alt_interval_months")?;
        Ok(StrategyRecord {
            id: r.try_get("id")?,
            target,
            strategy: get_enum(r, "strategy", MaintenanceStrategy::parse)?,
            rationale: r.try_get("rationale")?,
            aem_group: r.try_get("aem_group")?,
            alt_interval_months: alt,
            alt_procedure_code: r.try_get("alt_procedure_code")?,
            criteria: (criteria != AemCriteria::default()).then_some(criteria),
            status: get_enum(r, "status", StrategyStatus::parse)?,
            proposed_by: r.try_get("proposed_by")?,
            proposed_at: get_ts(r, "proposed_at")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: get_ots(r, "decided_at")?,
            decision_note: r.try_get("decision_note")?,
            version: r.try_get("version")?,
        })
    }

    fn settings_from(r: &DbRow) -> Result<AemSettings, sqlx::Error> {
        let i = |c: &str| -> Result<i32, sqlx::Error> { r.try_get::<i32, _>(c) };
        Ok(AemSettings {
            min_service_months: i("min_service_months")?,
            min_completed_pms: i("min_completed_pms")?,
            rise_pct: i("rise_pct")?,
            max_failures_per_100_device_years: i("max_failures_per_100_device_years")?,
            baseline_months: i("baseline_months")?,
            version: r.try_get("version")?,
        })
    }

    /// The UTC date of an instant column.
    fn date_of(col: &str) -> String {
        match BACKEND {
            Backend::Sqlite => format!("substr({col}, 1, 10)"),
            Backend::Postgres => format!("({col} AT TIME ZONE 'UTC')::date"),
        }
    }

    /// Service start of asset `a` (as the repair report counts exposure); NULL while ordered or
    /// awaiting acceptance.
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

    /// The current approved strategy of each model (`cur_model`: mid, sid) and asset
    /// (`cur_asset`: aid, sid), and the strategy that applies to each asset that has one
    /// (`members`: asset_id, sid) — its own, else its model's.
    const CURRENT_CTE: &str = "WITH cur_asset AS (\
           SELECT s.asset_id AS aid, s.id AS sid FROM maintenance_strategies s \
           WHERE s.status = 'approved' AND s.asset_id IS NOT NULL AND NOT EXISTS (\
             SELECT 1 FROM maintenance_strategies n WHERE n.asset_id = s.asset_id AND n.status = 'approved' \
             AND (n.decided_at > s.decided_at OR (n.decided_at = s.decided_at AND n.id > s.id)))), \
         cur_model AS (\
           SELECT s.model_id AS mid, s.id AS sid FROM maintenance_strategies s \
           WHERE s.status = 'approved' AND s.model_id IS NOT NULL AND NOT EXISTS (\
             SELECT 1 FROM maintenance_strategies n WHERE n.model_id = s.model_id AND n.status = 'approved' \
             AND (n.decided_at > s.decided_at OR (n.decided_at = s.decided_at AND n.id > s.id)))), \
         members AS (\
           SELECT ca.aid AS asset_id, ca.sid FROM cur_asset ca \
           UNION ALL SELECT a.id AS asset_id, cm.sid FROM cur_model cm JOIN assets a ON a.model_id = cm.mid \
           WHERE NOT EXISTS (SELECT 1 FROM cur_asset x WHERE x.aid = a.id)), \
         aem AS (SELECT m.asset_id, m.sid FROM members m JOIN maintenance_strategies s ON s.id = m.sid \
           WHERE s.strategy = 'aem') ";

    const LABELLED_SELECT: &str = "SELECT s.*, COALESCE(a.asset_tag, f.name || ' ' || m.model_number) AS label, \
         m.category AS category FROM maintenance_strategies s \
         LEFT JOIN assets a ON a.id = s.asset_id \
         JOIN device_models m ON m.id = COALESCE(s.model_id, a.model_id) \
         JOIN manufacturers f ON f.id = m.manufacturer_id";

    fn labelled_from(r: &DbRow) -> Result<LabelledStrategy, sqlx::Error> {
        Ok(LabelledStrategy { record: strategy_from(r)?, label: r.try_get("label")?, category: r.try_get("category")? })
    }

    fn flags_from(r: &DbRow) -> Result<ModelAemFlags, sqlx::Error> {
        Ok(ModelAemFlags {
            imaging_radiologic: r.try_get("imaging_radiologic")?,
            medical_laser: r.try_get("medical_laser")?,
            other_rule_requires_oem: r.try_get("other_rule_requires_oem")?,
            other_rule_citation: r.try_get("other_rule_citation")?,
        })
    }

    fn is_aem_failure(flag: Option<bool>, battery_counts: bool) -> bool {
        htm_domain::repair_analytics::counts_as_failure(flag, battery_counts)
    }

    #[async_trait]
    impl StrategyStore for Impl {
        async fn insert_strategy(
            &self,
            ctx: &ChangeContext,
            target: StrategyTarget,
            p: &StrategyProposal,
        ) -> StoreResult<StrategyRecord> {
            let mut tx = begin_write(&self.pool).await?;
            let (model, asset) = match target {
                StrategyTarget::Model(m) => {
                    must_exist(&mut tx, "device_models", m.0, "model_id").await?;
                    (Some(m.0), None)
                }
                StrategyTarget::Asset(a) => {
                    must_exist(&mut tx, "assets", a.0, "asset_id").await?;
                    (None, Some(a.0))
                }
            };
            let c = p.criteria.clone();
            let r = sqlx::query(
                "INSERT INTO maintenance_strategies (model_id, asset_id, strategy, rationale, aem_group, alt_interval_months, \
                 alt_procedure_code, criteria_use_and_harm, criteria_failure_consequences, criteria_backup, \
                 criteria_incident_history, criteria_maintenance, status, proposed_by, proposed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'proposed', $13, $14) RETURNING *",
            )
            .bind(model)
            .bind(asset)
            .bind(p.strategy.as_str())
            .bind(&p.rationale)
            .bind(&p.aem_group)
            .bind(p.alt_interval_months)
            .bind(&p.alt_procedure_code)
            .bind(c.as_ref().map(|c| c.use_and_harm.clone()))
            .bind(c.as_ref().map(|c| c.failure_consequences.clone()))
            .bind(c.as_ref().map(|c| c.backup_availability.clone()))
            .bind(c.as_ref().map(|c| c.incident_history.clone()))
            .bind(c.as_ref().map(|c| c.maintenance_requirements.clone()))
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await?;
            let s = strategy_from(&r)?;
            append_audit(&mut tx, ctx, "create", "maintenance_strategy", s.id.to_string(), None, Some(snapshot(&s)))
                .await?;
            tx.commit().await?;
            Ok(s)
        }

        async fn get_strategy(&self, id: i64) -> StoreResult<StrategyRecord> {
            let mut c = self.pool.acquire().await?;
            fetch_maintenance_strategy(&mut c, id).await
        }

        async fn decide_strategy(
            &self,
            ctx: &ChangeContext,
            id: i64,
            to: StrategyStatus,
            note: Option<&str>,
        ) -> StoreResult<StrategyRecord> {
            if to == StrategyStatus::Proposed {
                return Err(invalid("status", "a decision approves or rejects"));
            }
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_maintenance_strategy(&mut tx, id).await?;
            if before.status != StrategyStatus::Proposed {
                return Err(StoreError::Conflict {
                    field: "status".into(),
                    message: format!(
                        "maintenance strategy {id} is already {}: only a proposed strategy can be approved or rejected",
                        before.status.as_str()
                    ),
                });
            }
            let done = sqlx::query(
                "UPDATE maintenance_strategies SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4, \
                 version = version + 1 WHERE id = $5 AND status = 'proposed' AND version = $6",
            )
            .bind(to.as_str())
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .bind(note.map(str::trim).filter(|n| !n.is_empty()))
            .bind(id)
            .bind(before.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(stale("maintenance strategy", id, before.version, before.version + 1));
            }
            let after = fetch_maintenance_strategy(&mut tx, id).await?;
            let content = snapshot(&after);
            append_audit(
                &mut tx,
                ctx,
                "update",
                "maintenance_strategy",
                id.to_string(),
                Some(snapshot(&before)),
                Some(content.clone()),
            )
            .await?;
            if to == StrategyStatus::Approved {
                insert_signature(
                    &mut tx,
                    ctx,
                    "maintenance_strategy",
                    id.to_string(),
                    htm_domain::signature::SignatureMeaning::Approval,
                    "approved",
                    &content,
                )
                .await?;
            }
            tx.commit().await?;
            Ok(after)
        }

        async fn strategy_history(&self, target: StrategyTarget) -> StoreResult<Vec<StrategyRecord>> {
            let (col, id) = match target {
                StrategyTarget::Model(m) => ("model_id", m.0),
                StrategyTarget::Asset(a) => ("asset_id", a.0),
            };
            let sql = format!("SELECT * FROM maintenance_strategies WHERE {col} = $1 ORDER BY id DESC LIMIT 200");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&self.pool).await?;
            Ok(rows.iter().map(strategy_from).collect::<Result<_, _>>()?)
        }

        async fn proposed_strategies(&self, limit: i64) -> StoreResult<Vec<LabelledStrategy>> {
            let sql = format!("{LABELLED_SELECT} WHERE s.status = 'proposed' ORDER BY s.id LIMIT $1");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit.clamp(1, 1000)).fetch_all(&self.pool).await?;
            Ok(rows.iter().map(labelled_from).collect::<Result<_, _>>()?)
        }

        async fn current_strategies(&self) -> StoreResult<Vec<LabelledStrategy>> {
            let sql = format!(
                "{CURRENT_CTE}, cur AS (SELECT sid FROM cur_model UNION ALL SELECT sid FROM cur_asset) \
                 {LABELLED_SELECT} WHERE s.id IN (SELECT sid FROM cur) ORDER BY s.model_id IS NULL, label, s.id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
            Ok(rows.iter().map(labelled_from).collect::<Result<_, _>>()?)
        }

        async fn asset_current_strategy(&self, asset: AssetId) -> StoreResult<Option<StrategyRecord>> {
            let mut c = self.pool.acquire().await?;
            let a = fetch_asset(&mut c, asset).await?;
            let newest = "status = 'approved' ORDER BY decided_at DESC, id DESC LIMIT 1";
            let own = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT * FROM maintenance_strategies WHERE asset_id = $1 AND {newest}"
            )))
            .bind(asset.0)
            .fetch_optional(&mut *c)
            .await?;
            let row = match own {
                Some(r) => Some(r),
                None => {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT * FROM maintenance_strategies WHERE model_id = $1 AND {newest}"
                    )))
                    .bind(a.model.id.0)
                    .fetch_optional(&mut *c)
                    .await?
                }
            };
            Ok(row.as_ref().map(strategy_from).transpose()?)
        }

        async fn strategy_facts(&self, target: StrategyTarget) -> StoreResult<StrategyFacts> {
            let mut c = self.pool.acquire().await?;
            let (model_id, asset) = match target {
                StrategyTarget::Model(m) => (m, None),
                StrategyTarget::Asset(a) => {
                    let asset = fetch_asset(&mut c, a).await?;
                    (asset.model.id, Some(asset))
                }
            };
            let r = sqlx::query(
                "SELECT m.*, f.name AS manufacturer_name FROM device_models m \
                 JOIN manufacturers f ON f.id = m.manufacturer_id WHERE m.id = $1",
            )
            .bind(model_id.0)
            .fetch_optional(&mut *c)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("device model {model_id}")))?;
            let model_label =
                format!("{} {}", r.try_get::<String, _>("manufacturer_name")?, r.try_get::<String, _>("model_number")?);
            let model_high: bool = r.try_get("high_risk")?;
            let model_ls: bool = r.try_get("life_support")?;
            let (label, high_risk, life_support) = match &asset {
                Some(a) => (format!("{} ({model_label})", a.asset_tag), a.high_risk, a.life_support),
                None => (model_label, model_high || model_ls, model_ls),
            };
            Ok(StrategyFacts {
                model_id,
                label,
                category: r.try_get("category")?,
                fda_product_code: r.try_get("fda_product_code")?,
                flags: flags_from(&r)?,
                high_risk,
                life_support,
            })
        }

        async fn maintenance_history(&self, target: StrategyTarget, today: Date) -> StoreResult<MaintenanceHistory> {
            let (filter, id) = match target {
                StrategyTarget::Model(m) => ("a.model_id = $1", m.0),
                StrategyTarget::Asset(a) => ("a.id = $1", a.0),
            };
            let sql = format!(
                "SELECT COUNT(*) AS n, MIN({start}) AS first_start FROM assets a WHERE {filter} AND {start} IS NOT NULL",
                start = service_start()
            );
            let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&self.pool).await?;
            let assets: i64 = r.try_get("n")?;
            let first = if assets > 0 {
                // SQLite returns the MIN of dates as text, PostgreSQL as a date.
                match BACKEND {
                    Backend::Sqlite => r
                        .try_get::<Option<String>, _>("first_start")?
                        .and_then(|s| s.get(..10).and_then(|d| d.parse::<Date>().ok())),
                    Backend::Postgres => get_od(&r, "first_start")?,
                }
            } else {
                None
            };
            let sql = format!(
                "SELECT COUNT(*) AS n FROM work_orders w JOIN assets a ON a.id = w.asset_id \
                 WHERE {filter} AND w.wo_type = 'pm' AND w.status IN ('completed', 'closed') \
                 AND (w.pm_outcome IS NULL OR w.pm_outcome = 'done')"
            );
            let pms: i64 = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&self.pool).await?.try_get("n")?;
            Ok(MaintenanceHistory { assets, service_months: first.map(|f| whole_months(f, today)), completed_pms: pms })
        }

        async fn set_model_aem_flags(
            &self,
            ctx: &ChangeContext,
            model: ModelId,
            flags: &ModelAemFlags,
        ) -> StoreResult<ModelAemFlags> {
            let mut tx = begin_write(&self.pool).await?;
            let r = sqlx::query(
                "SELECT imaging_radiologic, medical_laser, other_rule_requires_oem, other_rule_citation \
                 FROM device_models WHERE id = $1",
            )
            .bind(model.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("device model {model}")))?;
            let before = flags_from(&r)?;
            sqlx::query(
                "UPDATE device_models SET imaging_radiologic = $1, medical_laser = $2, other_rule_requires_oem = $3, \
                 other_rule_citation = $4 WHERE id = $5",
            )
            .bind(flags.imaging_radiologic)
            .bind(flags.medical_laser)
            .bind(flags.other_rule_requires_oem)
            .bind(&flags.other_rule_citation)
            .bind(model.0)
            .execute(&mut *tx)
            .await?;
            append_audit(
                &mut tx,
                ctx,
                "update",
                "device_model_aem_flags",
                model.0.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(flags)),
            )
            .await?;
            tx.commit().await?;
            Ok(flags.clone())
        }

        async fn get_aem_settings(&self) -> StoreResult<AemSettings> {
            let r = sqlx::query("SELECT * FROM aem_settings WHERE id = 1").fetch_optional(&self.pool).await?;
            Ok(match r {
                Some(r) => settings_from(&r)?,
                None => AemSettings::default(),
            })
        }

        async fn set_aem_settings(&self, ctx: &ChangeContext, s: &AemSettings) -> StoreResult<AemSettings> {
            let mut tx = begin_write(&self.pool).await?;
            let before =
                settings_from(&sqlx::query("SELECT * FROM aem_settings WHERE id = 1").fetch_one(&mut *tx).await?)?;
            let done = sqlx::query(
                "UPDATE aem_settings SET min_service_months = $1, min_completed_pms = $2, rise_pct = $3, \
                 max_failures_per_100_device_years = $4, baseline_months = $5, version = version + 1, updated_at = $6 \
                 WHERE id = 1 AND version = $7",
            )
            .bind(s.min_service_months)
            .bind(s.min_completed_pms)
            .bind(s.rise_pct)
            .bind(s.max_failures_per_100_device_years)
            .bind(s.baseline_months)
            .bind(t(ctx.at))
            .bind(s.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(stale("AEM settings", 1, s.version, before.version));
            }
            let after =
                settings_from(&sqlx::query("SELECT * FROM aem_settings WHERE id = 1").fetch_one(&mut *tx).await?)?;
            append_audit(
                &mut tx,
                ctx,
                "update",
                "aem_settings",
                "1".into(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn aem_members(&self) -> StoreResult<Vec<AemMember>> {
            let sql = format!(
                "{CURRENT_CTE} SELECT x.asset_id, a.asset_tag, a.model_id, s.aem_group, s.id AS sid, s.decided_at, \
                 {start} AS svc_start, {end} AS svc_end \
                 FROM aem x JOIN maintenance_strategies s ON s.id = x.sid JOIN assets a ON a.id = x.asset_id \
                 ORDER BY s.aem_group, a.asset_tag",
                start = service_start(),
                end = service_end()
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
            let date = |r: &DbRow, c: &str| -> Result<Option<Date>, sqlx::Error> {
                match BACKEND {
                    Backend::Sqlite => {
                        Ok(r.try_get::<Option<String>, _>(c)?.and_then(|s| s.get(..10).and_then(|d| d.parse().ok())))
                    }
                    Backend::Postgres => get_od(r, c),
                }
            };
            rows.iter()
                .map(|r| {
                    Ok(AemMember {
                        asset_id: AssetId(r.try_get("asset_id")?),
                        asset_tag: r.try_get("asset_tag")?,
                        model_id: ModelId(r.try_get("model_id")?),
                        aem_group: r.try_get::<Option<String>, _>("aem_group")?.unwrap_or_default(),
                        strategy_id: r.try_get("sid")?,
                        approved_at: get_ts(r, "decided_at")?,
                        service_start: date(r, "svc_start")?,
                        service_end: date(r, "svc_end")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(Into::into)
        }

        async fn aem_events(&self, from: Timestamp, to: Timestamp) -> StoreResult<AemEvents> {
            let pm_sql = format!(
                "{CURRENT_CTE} SELECT w.id, w.number, w.asset_id, w.completed_at, w.result, w.linked_work_order_id \
                 FROM aem x JOIN work_orders w ON w.asset_id = x.asset_id AND w.wo_type = 'pm' \
                 WHERE w.status IN ('completed', 'closed') AND (w.pm_outcome IS NULL OR w.pm_outcome = 'done') \
                 AND w.completed_at >= $1 AND w.completed_at < $2 ORDER BY w.completed_at, w.id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(pm_sql)).bind(t(from)).bind(t(to)).fetch_all(&self.pool).await?;
            let mut pms = Vec::with_capacity(rows.len());
            for r in &rows {
                let result: Option<String> = r.try_get("result")?;
                let linked: Option<i64> = r.try_get("linked_work_order_id")?;
                pms.push(AemPmEvent {
                    work_order_id: WorkOrderId(r.try_get("id")?),
                    number: r.try_get("number")?,
                    asset_id: AssetId(r.try_get("asset_id")?),
                    completed_at: get_ts(r, "completed_at")?,
                    failed: result.as_deref() == Some("fail") || linked.is_some(),
                    linked_work_order_id: linked.map(WorkOrderId),
                });
            }
            let repair_sql = format!(
                "{CURRENT_CTE} SELECT w.id, w.number, w.asset_id, w.opened_at, w.cause_code, c.counts_as_failure, \
                 st.battery_counts_as_failure AS batt \
                 FROM aem x JOIN work_orders w ON w.asset_id = x.asset_id AND w.wo_type = 'repair' \
                 JOIN cause_codes c ON c.code = w.cause_code \
                 JOIN assets a ON a.id = w.asset_id JOIN departments d ON d.id = a.department_id \
                 JOIN buildings b ON b.id = d.building_id JOIN sites st ON st.id = b.site_id \
                 WHERE w.status <> 'cancelled' AND w.opened_at >= $1 AND w.opened_at < $2 \
                 AND (c.counts_as_failure IS NULL OR c.counts_as_failure = TRUE) ORDER BY w.opened_at, w.id"
            );
            let rows =
                sqlx::query(sqlx::AssertSqlSafe(repair_sql)).bind(t(from)).bind(t(to)).fetch_all(&self.pool).await?;
            let mut failures = Vec::with_capacity(rows.len());
            for r in &rows {
                if !is_aem_failure(r.try_get("counts_as_failure")?, r.try_get("batt")?) {
                    continue;
                }
                failures.push(AemRepairEvent {
                    work_order_id: WorkOrderId(r.try_get("id")?),
                    number: r.try_get("number")?,
                    asset_id: AssetId(r.try_get("asset_id")?),
                    opened_at: get_ts(r, "opened_at")?,
                    cause_code: r.try_get("cause_code")?,
                });
            }
            let inc_sql = format!(
                "{CURRENT_CTE} SELECT i.asset_id, i.occurred_at FROM aem x JOIN incidents i ON i.asset_id = x.asset_id \
                 WHERE i.occurred_at >= $1 AND i.occurred_at < $2 ORDER BY i.occurred_at, i.id"
            );
            let rows =
                sqlx::query(sqlx::AssertSqlSafe(inc_sql)).bind(t(from)).bind(t(to)).fetch_all(&self.pool).await?;
            let incidents = rows
                .iter()
                .map(|r| {
                    Ok(AemIncidentEvent {
                        asset_id: AssetId(r.try_get("asset_id")?),
                        occurred_at: get_ts(r, "occurred_at")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()?;
            Ok(AemEvents { pms, failures, incidents })
        }
    }
}
