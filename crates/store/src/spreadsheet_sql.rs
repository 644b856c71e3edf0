// Spreadsheet migration: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod spreadsheet_impl {
    use super::*;
    use crate::{ImportedModel, ImportedWorkOrder, Progress, SheetRows, SpreadsheetStore, WorkOrderHistoryRow};

    /// Assets per multi-row INSERT: 22 bound values a row stays far below SQLite's 32,766.
    const ASSET_CHUNK: usize = 500;
    /// Values per `IN (…)` list.
    const IN_CHUNK: usize = 500;

    type RowResult<T> = Result<T, (usize, StoreError)>;

    fn at(i: usize) -> impl FnOnce(StoreError) -> (usize, StoreError) {
        move |e| (i, e)
    }

    fn db_at(i: usize) -> impl FnOnce(sqlx::Error) -> (usize, StoreError) {
        move |e| (i, map_db_err(e))
    }

    /// A multi-row insert of assets, then one read of what was stored, their designations and
    /// one `create` event per asset, linked in one go (what `import_assets_with_pm` does row by row).
    async fn import_assets_tx(
        tx: &mut DbConn,
        ctx: &ChangeContext,
        assets: &[NewAsset],
        pm: &[AssetPmFields],
        progress: Progress<'_>,
    ) -> RowResult<usize> {
        let now = t(ctx.at);
        for (c, chunk) in assets.chunks(ASSET_CHUNK).enumerate() {
            let first = c * ASSET_CHUNK;
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO assets (asset_tag, serial_number, model_id, department_id, location_id, status, \
                 acquisition_date, acquisition_cost_minor, currency, vendor_id, purchase_order, in_service_date, \
                 warranty_end, udi_di, udi_lot, udi_serial, udi_manufactured, udi_expiry, udi_raw, high_risk_override, \
                 life_support_override, notes, version, created_at, updated_at) ",
            );
            qb.push_values(chunk, |mut b, n| {
                let f = AssetFields::from(n.clone());
                b.push_bind(f.asset_tag)
                    .push_bind(f.serial_number)
                    .push_bind(f.model_id.0)
                    .push_bind(f.department_id.0)
                    .push_bind(f.location_id.map(|l| l.0))
                    .push_bind(f.status.as_str())
                    .push_bind(od(f.acquisition_date))
                    .push_bind(f.acquisition_cost_minor)
                    .push_bind(f.currency)
                    .push_bind(f.vendor_id.map(|v| v.0))
                    .push_bind(f.purchase_order)
                    .push_bind(od(f.in_service_date))
                    .push_bind(od(f.warranty_end))
                    .push_bind(f.udi.di)
                    .push_bind(f.udi.lot)
                    .push_bind(f.udi.serial)
                    .push_bind(od(f.udi.manufactured))
                    .push_bind(od(f.udi.expiry))
                    .push_bind(f.udi.raw)
                    .push_bind(f.high_risk_override)
                    .push_bind(f.life_support_override)
                    .push_bind(f.notes)
                    .push_bind(1_i64)
                    .push_bind(now)
                    .push_bind(now);
            });
            qb.build().execute(&mut *tx).await.map_err(db_at(first))?;
            // The ids just given, by tag.
            let mut ids: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
            let mut qb: QueryBuilder<Db> =
                QueryBuilder::new("SELECT id, lower(asset_tag) AS tag FROM assets WHERE lower(asset_tag) IN (");
            let mut sep = qb.separated(", ");
            for n in chunk {
                sep.push_bind(n.asset_tag.trim().to_lowercase());
            }
            qb.push(")");
            for r in qb.build().fetch_all(&mut *tx).await.map_err(db_at(first))? {
                let id: i64 = r.try_get("id").map_err(db_at(first))?;
                let tag: String = r.try_get("tag").map_err(db_at(first))?;
                ids.insert(tag, id);
            }
            let mut chunk_ids = Vec::with_capacity(chunk.len());
            for (k, n) in chunk.iter().enumerate() {
                let i = first + k;
                let Some(id) = ids.get(&n.asset_tag.trim().to_lowercase()).copied() else {
                    return Err((i, StoreError::NotFound(format!("inserted asset {}", n.asset_tag))));
                };
                if let Some(f) = pm.get(i).filter(|f| !f.is_empty()) {
                    write_asset_pm_fields(tx, AssetId(id), f).await.map_err(at(i))?;
                }
                chunk_ids.push(id);
            }
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(ASSET_SELECT);
            qb.push(" WHERE a.id IN (");
            let mut sep = qb.separated(", ");
            for id in &chunk_ids {
                sep.push_bind(*id);
            }
            qb.push(") ORDER BY a.id");
            let rows = qb.build().fetch_all(&mut *tx).await.map_err(db_at(first))?;
            let mut by_id = std::collections::HashMap::new();
            for r in &rows {
                let a = asset_from(r).map_err(db_at(first))?;
                by_id.insert(a.id.0, a);
            }
            let mut events: Vec<AuditRow> = Vec::with_capacity(chunk.len());
            for (k, id) in chunk_ids.iter().enumerate() {
                let i = first + k;
                let Some(a) = by_id.get(id) else {
                    return Err((i, StoreError::NotFound(format!("asset {id}"))));
                };
                if a.high_risk_override.is_some() || a.life_support_override.is_some() {
                    record_asset_designations(tx, ctx, a, None).await.map_err(at(i))?;
                }
                events.push(("create", "asset".into(), id.to_string(), None, Some(snapshot(a))));
            }
            append_audit_bulk(tx, ctx, events).await.map_err(at(first))?;
            progress(first + chunk.len());
        }
        Ok(assets.len())
    }

    async fn manufacturer_id(tx: &mut DbConn, ctx: &ChangeContext, name: &str) -> StoreResult<ManufacturerId> {
        let found = sqlx::query("SELECT id FROM manufacturers WHERE lower(name) = $1")
            .bind(name.trim().to_lowercase())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(r) = found {
            return Ok(ManufacturerId(r.try_get("id")?));
        }
        let r = sqlx::query(
            "INSERT INTO manufacturers (name, version, created_at, updated_at) VALUES ($1, 1, $2, $2) RETURNING *",
        )
        .bind(name.trim())
        .bind(t(ctx.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_db_err)?;
        let m = manufacturer_from(&r)?;
        append_audit(tx, ctx, "create", "manufacturer", m.id.to_string(), None, Some(snapshot(&m))).await?;
        Ok(m.id)
    }

    async fn import_model_tx(tx: &mut DbConn, ctx: &ChangeContext, m: &ImportedModel) -> StoreResult<()> {
        let mid = manufacturer_id(tx, ctx, &m.manufacturer).await?;
        let n = &m.model;
        let r = sqlx::query(
            "INSERT INTO device_models (manufacturer_id, model_number, name, category, nomenclature_system, \
             nomenclature_code, fda_product_code, fda_class, expected_life_years, high_risk, life_support, version, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING id",
        )
        .bind(mid.0)
        .bind(&n.model_number)
        .bind(&n.name)
        .bind(&n.category)
        .bind(n.nomenclature_system.map(|s| s.as_str()))
        .bind(&n.nomenclature_code)
        .bind(&n.fda_product_code)
        .bind(n.fda_class.map(|c| c.as_str()))
        .bind(n.expected_life_years)
        .bind(n.high_risk)
        .bind(n.life_support)
        .bind(t(ctx.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_db_err)?;
        let model = fetch_model(tx, ModelId(r.try_get("id")?)).await?;
        record_model_designations(tx, ctx, model.id, None, (model.high_risk, model.life_support)).await?;
        append_audit(tx, ctx, "create", "model", model.id.to_string(), None, Some(snapshot(&model))).await
    }

    async fn import_location_tx(tx: &mut DbConn, ctx: &ChangeContext, n: &NewLocation) -> StoreResult<()> {
        let r = sqlx::query(
            "INSERT INTO locations (department_id, name, floor, version, created_at, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $4) RETURNING *",
        )
        .bind(n.department_id.0)
        .bind(&n.name)
        .bind(&n.floor)
        .bind(t(ctx.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_db_err)?;
        let l = location_from(&r)?;
        append_audit(tx, ctx, "create", "location", l.id.to_string(), None, Some(snapshot(&l))).await
    }

    async fn import_vendor_tx(tx: &mut DbConn, ctx: &ChangeContext, n: &NewVendor) -> StoreResult<()> {
        let r = sqlx::query(
            "INSERT INTO vendors (name, phone, email, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING *",
        )
        .bind(&n.name)
        .bind(&n.phone)
        .bind(&n.email)
        .bind(t(ctx.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_db_err)?;
        let v = vendor_from(&r)?;
        append_audit(tx, ctx, "create", "vendor", v.id.to_string(), None, Some(snapshot(&v))).await
    }

    async fn import_schedule_tx(tx: &mut DbConn, ctx: &ChangeContext, n: &NewPmSchedule) -> StoreResult<()> {
        must_exist(tx, "assets", n.asset_id.0, "asset_id").await?;
        let r = sqlx::query(
            "INSERT INTO pm_schedules (asset_id, interval_months, basis, anchor_date, grace_days, active, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, 1, $6, $6) RETURNING *",
        )
        .bind(n.asset_id.0)
        .bind(n.interval_months)
        .bind(n.basis.as_str())
        .bind(n.anchor_date.to_sqlx())
        .bind(n.grace_days)
        .bind(t(ctx.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_db_err)?;
        let sch = pm_schedule_from(&r)?;
        append_audit(tx, ctx, "create", "pm_schedule", sch.id.to_string(), None, Some(snapshot(&sch))).await
    }

    /// A historical work order as it was: its own dates, no transition, no signature; audited
    /// with the action `import`.
    async fn import_work_order_tx(tx: &mut DbConn, ctx: &ChangeContext, n: &ImportedWorkOrder) -> StoreResult<()> {
        let number = match n.number.as_deref().and_then(wo_rules::parse_number) {
            Some((year, seq)) => {
                sqlx::query(
                    "INSERT INTO wo_counters (year, last_seq) VALUES ($1, $2) ON CONFLICT (year) DO UPDATE SET \
                     last_seq = CASE WHEN wo_counters.last_seq < $2 THEN $2 ELSE wo_counters.last_seq END",
                )
                .bind(i64::from(year))
                .bind(seq)
                .execute(&mut *tx)
                .await?;
                wo_rules::format_number(year, seq)
            }
            None => {
                let year = n.opened_at.to_zoned(jiff::tz::TimeZone::UTC).year();
                let seq: i64 = sqlx::query(
                    "INSERT INTO wo_counters (year, last_seq) VALUES ($1, 1) ON CONFLICT (year) DO UPDATE SET last_seq = wo_counters.last_seq + 1 RETURNING last_seq",
                )
                .bind(i64::from(year))
                .fetch_one(&mut *tx)
                .await?
                .try_get("last_seq")?;
                wo_rules::format_number(year, seq)
            }
        };
        let r = sqlx::query(
            "INSERT INTO work_orders (number, wo_type, priority, status, asset_id, problem, assigned_to, vendor_id, \
             cause_code, work_performed, result, downtime_start, downtime_end, opened_at, assigned_at, started_at, \
             completed_at, closed_at, took_out_of_service, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10, $11, $12, $13, $14, $15, $14, $16, $17, FALSE, 1, $18) RETURNING id",
        )
        .bind(&number)
        .bind(n.wo_type.as_str())
        .bind(n.priority.as_str())
        .bind(n.status.as_str())
        .bind(n.asset_id.0)
        .bind(&n.problem)
        .bind(n.technician_id.map(|u| u.0))
        .bind(n.vendor_id.map(|v| v.0))
        .bind(&n.cause_code)
        .bind(&n.work_performed)
        .bind(n.result.map(|r| r.as_str()))
        .bind(ot(n.downtime_start))
        .bind(ot(n.downtime_end))
        .bind(t(n.opened_at))
        .bind(ot(n.technician_id.map(|_| n.opened_at)))
        .bind(t(n.completed_at))
        .bind(ot(n.closed_at))
        .bind(t(ctx.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match map_db_err(e) {
            StoreError::Conflict { field, .. } if field == "id" => {
                StoreError::Conflict { field: "number".into(), message: format!("work order {number} already exists") }
            }
            other => other,
        })?;
        let id = WorkOrderId(r.try_get("id")?);
        if let (Some(tech), Some(minutes)) = (n.technician_id, n.labour_minutes) {
            sqlx::query(
                "INSERT INTO wo_labour (work_order_id, technician_id, work_date, minutes, note) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.0)
            .bind(tech.0)
            .bind(n.completed_at.to_zoned(jiff::tz::TimeZone::UTC).date().to_sqlx())
            .bind(minutes)
            .bind("imported history")
            .execute(&mut *tx)
            .await
            .map_err(map_db_err)?;
        }
        let wo = fetch_work_order(tx, id).await?;
        append_audit(tx, ctx, "import", "work_order", id.to_string(), None, Some(snapshot(&wo))).await
    }

    /// Stores one row inside the import's transaction.
    type RowFn<T> = for<'c> fn(&'c mut DbConn, &'c ChangeContext, &'c T) -> RowFuture<'c>;
    type RowFuture<'c> = std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<()>> + Send + 'c>>;

    async fn each<T: Sync>(
        tx: &mut DbConn,
        ctx: &ChangeContext,
        rows: &[T],
        progress: Progress<'_>,
        f: RowFn<T>,
    ) -> RowResult<usize> {
        for (i, r) in rows.iter().enumerate() {
            f(tx, ctx, r).await.map_err(at(i))?;
            if (i + 1) % 500 == 0 {
                progress(i + 1);
            }
        }
        progress(rows.len());
        Ok(rows.len())
    }

    #[async_trait]
    impl SpreadsheetStore for Impl {
        async fn import_sheet(
            &self,
            ctx: &ChangeContext,
            rows: SheetRows<'_>,
            progress: Progress<'_>,
        ) -> Result<usize, (usize, StoreError)> {
            let mut tx = begin_write(&self.pool).await.map_err(|e| (0, e.into()))?;
            let n = match rows {
                SheetRows::Assets(a, pm) => import_assets_tx(&mut tx, ctx, a, pm, progress).await?,
                SheetRows::Models(m) => {
                    each(&mut tx, ctx, m, progress, |c, x, r| Box::pin(import_model_tx(c, x, r))).await?
                }
                SheetRows::Locations(l) => {
                    each(&mut tx, ctx, l, progress, |c, x, r| Box::pin(import_location_tx(c, x, r))).await?
                }
                SheetRows::Vendors(v) => {
                    each(&mut tx, ctx, v, progress, |c, x, r| Box::pin(import_vendor_tx(c, x, r))).await?
                }
                SheetRows::PmSchedules(s) => {
                    each(&mut tx, ctx, s, progress, |c, x, r| Box::pin(import_schedule_tx(c, x, r))).await?
                }
                SheetRows::WorkOrders(w) => {
                    each(&mut tx, ctx, w, progress, |c, x, r| Box::pin(import_work_order_tx(c, x, r))).await?
                }
            };
            tx.commit().await.map_err(|e| (n, e.into()))?;
            Ok(n)
        }

        async fn asset_ids_by_tag(&self, tags: &[String]) -> StoreResult<Vec<(String, AssetId)>> {
            let mut out = Vec::new();
            for chunk in tags.chunks(IN_CHUNK) {
                let mut qb: QueryBuilder<Db> =
                    QueryBuilder::new("SELECT id, lower(asset_tag) AS tag FROM assets WHERE lower(asset_tag) IN (");
                let mut sep = qb.separated(", ");
                for tag in chunk {
                    sep.push_bind(tag.trim().to_lowercase());
                }
                qb.push(")");
                for r in qb.build().fetch_all(&self.pool).await? {
                    out.push((r.try_get("tag")?, AssetId(r.try_get("id")?)));
                }
            }
            Ok(out)
        }

        async fn existing_work_order_numbers(&self, numbers: &[String]) -> StoreResult<Vec<String>> {
            let mut out = Vec::new();
            for chunk in numbers.chunks(IN_CHUNK) {
                let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT number FROM work_orders WHERE number IN (");
                let mut sep = qb.separated(", ");
                for n in chunk {
                    sep.push_bind(n.trim().to_uppercase());
                }
                qb.push(")");
                for r in qb.build().fetch_all(&self.pool).await? {
                    out.push(r.try_get("number")?);
                }
            }
            Ok(out)
        }

        async fn list_pm_schedules_page(
            &self,
            after: Option<i64>,
            limit: u32,
        ) -> StoreResult<Vec<(PmSchedule, String)>> {
            let rows = sqlx::query(
                "SELECT s.*, a.asset_tag AS sheet_asset_tag FROM pm_schedules s JOIN assets a ON a.id = s.asset_id \
                 WHERE s.id > $1 ORDER BY s.id LIMIT $2",
            )
            .bind(after.unwrap_or(0))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((pm_schedule_from(r)?, r.try_get("sheet_asset_tag")?));
            }
            Ok(out)
        }

        async fn list_work_order_history(
            &self,
            after: Option<i64>,
            limit: u32,
        ) -> StoreResult<Vec<WorkOrderHistoryRow>> {
            let rows = sqlx::query(
                "SELECT w.id, w.number, a.asset_tag, w.wo_type, w.priority, w.status, w.problem, w.cause_code, \
                 w.work_performed, w.result, v.name AS vendor_name, w.opened_at, w.completed_at, w.closed_at, \
                 w.downtime_start, w.downtime_end, \
                 (SELECT COALESCE(SUM(l.minutes), 0) FROM wo_labour l WHERE l.work_order_id = w.id) AS labour_minutes, \
                 COALESCE((SELECT u.username FROM wo_labour l JOIN users u ON u.id = l.technician_id \
                   WHERE l.work_order_id = w.id GROUP BY u.username ORDER BY SUM(l.minutes) DESC, u.username LIMIT 1), \
                   au.username) AS technician \
                 FROM work_orders w LEFT JOIN assets a ON a.id = w.asset_id LEFT JOIN vendors v ON v.id = w.vendor_id \
                 LEFT JOIN users au ON au.id = w.assigned_to \
                 WHERE w.status IN ('completed', 'closed') AND w.id > $1 ORDER BY w.id LIMIT $2",
            )
            .bind(after.unwrap_or(0))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(WorkOrderHistoryRow {
                    id: r.try_get("id")?,
                    number: r.try_get("number")?,
                    asset_tag: r.try_get("asset_tag")?,
                    wo_type: get_enum(r, "wo_type", WorkOrderType::parse)?,
                    priority: get_enum(r, "priority", Priority::parse)?,
                    status: get_enum(r, "status", WorkOrderStatus::parse)?,
                    problem: r.try_get("problem")?,
                    cause_code: r.try_get("cause_code")?,
                    work_performed: r.try_get("work_performed")?,
                    result: get_oenum(r, "result", WorkResult::parse)?,
                    vendor: r.try_get("vendor_name")?,
                    opened_at: get_ts(r, "opened_at")?,
                    completed_at: get_ots(r, "completed_at")?,
                    closed_at: get_ots(r, "closed_at")?,
                    downtime_start: get_ots(r, "downtime_start")?,
                    downtime_end: get_ots(r, "downtime_end")?,
                    technician: r.try_get("technician")?,
                    labour_minutes: r.try_get("labour_minutes")?,
                });
            }
            Ok(out)
        }

        async fn user_ids_by_name(&self) -> StoreResult<Vec<(String, UserId)>> {
            let rows = sqlx::query("SELECT id, lower(username) AS name FROM users WHERE active ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((r.try_get("name")?, UserId(r.try_get("id")?)));
            }
            Ok(out)
        }
    }
}
