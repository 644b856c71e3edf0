// Service contracts: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod contract_impl {
    use super::*;
    use crate::{ContractFilter, ContractStore, MAX_CONTRACTS_PER_ASSET, MAX_COVERED_ASSETS};
    use htm_domain::contract::{
        ContractId, ContractStatus, Coverage, CoveredAsset, NewServiceContract, ServiceContract,
    };

    const CONTRACT_SELECT: &str = "SELECT c.*, v.name AS vendor_name, \
         (SELECT COUNT(*) FROM service_contract_assets x WHERE x.contract_id = c.id) AS asset_count \
         FROM service_contracts c JOIN vendors v ON v.id = c.vendor_id";

    /// The contract's end date as `YYYY-MM-DD` text in SQL (for the notification dedupe key).
    const ENDS_ON_TEXT: &str =
        if matches!(BACKEND, Backend::Postgres) { "to_char(c.ends_on, 'YYYY-MM-DD')" } else { "c.ends_on" };

    fn get_date(r: &DbRow, c: &str) -> Result<Date, sqlx::Error> {
        Ok(r.try_get::<jiff_sqlx::Date, _>(c)?.to_jiff())
    }

    fn contract_from(r: &DbRow) -> Result<ServiceContract, sqlx::Error> {
        Ok(ServiceContract {
            id: ContractId(r.try_get("id")?),
            vendor_id: VendorId(r.try_get("vendor_id")?),
            vendor_name: r.try_get("vendor_name")?,
            contract_number: r.try_get("contract_number")?,
            title: r.try_get("title")?,
            coverage: get_enum(r, "coverage", Coverage::parse)?,
            starts_on: get_date(r, "starts_on")?,
            ends_on: get_date(r, "ends_on")?,
            annual_cost_minor: r.try_get("annual_cost_minor")?,
            currency: r.try_get("currency")?,
            response_time_hours: r.try_get("response_time_hours")?,
            uptime_guarantee_pct: r.try_get("uptime_guarantee_pct")?,
            notice_days: r.try_get("notice_days")?,
            notice_opens_on: get_date(r, "notice_opens_on")?,
            auto_renews: r.try_get("auto_renews")?,
            notes: r.try_get("notes")?,
            asset_count: r.try_get("asset_count")?,
            status: None,
            days_left: None,
            version: r.try_get("version")?,
        })
    }

    async fn fetch_contract(conn: &mut DbConn, id: ContractId) -> StoreResult<ServiceContract> {
        let sql = format!("{CONTRACT_SELECT} WHERE c.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await?;
        match row {
            Some(r) => Ok(contract_from(&r)?),
            None => Err(StoreError::NotFound(format!("service contract {id}"))),
        }
    }

    async fn covered_ids(conn: &mut DbConn, id: ContractId) -> StoreResult<Vec<i64>> {
        let rows = sqlx::query("SELECT asset_id FROM service_contract_assets WHERE contract_id = $1 ORDER BY asset_id")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await?;
        Ok(rows.iter().map(|r| r.try_get("asset_id")).collect::<Result<Vec<i64>, _>>()?)
    }

    /// Refuses a second contract with the same number from the same vendor, naming the field.
    async fn check_number_free(
        conn: &mut DbConn,
        n: &NewServiceContract,
        except: Option<ContractId>,
    ) -> StoreResult<()> {
        let found = sqlx::query("SELECT id FROM service_contracts WHERE vendor_id = $1 AND contract_number = $2")
            .bind(n.vendor_id.0)
            .bind(&n.contract_number)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(r) = found {
            let other: i64 = r.try_get("id")?;
            if Some(ContractId(other)) != except {
                return Err(StoreError::Conflict {
                    field: "contract_number".into(),
                    message: "this vendor already has a contract with this number".into(),
                });
            }
        }
        Ok(())
    }

    #[async_trait]
    impl ContractStore for Impl {
        async fn insert_contract(&self, ctx: &ChangeContext, n: &NewServiceContract) -> StoreResult<ServiceContract> {
            let mut tx = begin_write(&self.pool).await?;
            must_exist(&mut tx, "vendors", n.vendor_id.0, "vendor_id").await?;
            check_number_free(&mut tx, n, None).await?;
            let r = sqlx::query(
                "INSERT INTO service_contracts (vendor_id, contract_number, title, coverage, starts_on, ends_on, \
                 notice_opens_on, annual_cost_minor, currency, response_time_hours, uptime_guarantee_pct, notice_days, \
                 auto_renews, notes, created_by, created_at, version, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $16) RETURNING id",
            )
            .bind(n.vendor_id.0)
            .bind(&n.contract_number)
            .bind(&n.title)
            .bind(n.coverage.as_str())
            .bind(n.starts_on.to_sqlx())
            .bind(n.ends_on.to_sqlx())
            .bind(n.notice_opens_on().to_sqlx())
            .bind(n.annual_cost_minor)
            .bind(&n.currency)
            .bind(n.response_time_hours)
            .bind(n.uptime_guarantee_pct)
            .bind(n.notice_days)
            .bind(n.auto_renews)
            .bind(&n.notes)
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_db_err)?;
            let id = ContractId(r.try_get("id")?);
            let c = fetch_contract(&mut tx, id).await?;
            append_audit(&mut tx, ctx, "create", "service_contract", id.to_string(), None, Some(snapshot(&c))).await?;
            tx.commit().await?;
            Ok(c)
        }

        async fn get_contract(&self, id: ContractId) -> StoreResult<ServiceContract> {
            let mut c = self.pool.acquire().await?;
            fetch_contract(&mut c, id).await
        }

        async fn list_contracts(&self, f: &ContractFilter, page: PageRequest) -> StoreResult<Page<ServiceContract>> {
            let today = f.today;
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(CONTRACT_SELECT);
            qb.push(" WHERE 1 = 1");
            if let Some(after) = page.after {
                qb.push(" AND c.id < ").push_bind(after);
            }
            if let Some(v) = f.vendor_id {
                qb.push(" AND c.vendor_id = ").push_bind(v.0);
            }
            if let Some(a) = f.asset_id {
                qb.push(
                    " AND EXISTS (SELECT 1 FROM service_contract_assets x WHERE x.contract_id = c.id AND x.asset_id = ",
                )
                .push_bind(a.0)
                .push(")");
            }
            // The same rule as htm_domain::contract::status_on.
            match f.status {
                None => {}
                Some(ContractStatus::Upcoming) => {
                    qb.push(" AND c.starts_on > ").push_bind(today.to_sqlx());
                }
                Some(ContractStatus::Expired) => {
                    qb.push(" AND c.ends_on < ").push_bind(today.to_sqlx());
                }
                Some(ContractStatus::Expiring) => {
                    qb.push(" AND c.starts_on <= ").push_bind(today.to_sqlx());
                    qb.push(" AND c.ends_on >= ").push_bind(today.to_sqlx());
                    qb.push(" AND c.notice_opens_on <= ").push_bind(today.to_sqlx());
                }
                Some(ContractStatus::Active) => {
                    qb.push(" AND c.starts_on <= ").push_bind(today.to_sqlx());
                    qb.push(" AND c.ends_on >= ").push_bind(today.to_sqlx());
                    qb.push(" AND c.notice_opens_on > ").push_bind(today.to_sqlx());
                }
            }
            if let Some(n) = f.expiring_within_days {
                let until = today.checked_add(jiff::Span::new().days(i64::from(n.max(0)))).unwrap_or(Date::MAX);
                qb.push(" AND c.ends_on >= ").push_bind(today.to_sqlx());
                qb.push(" AND c.ends_on <= ").push_bind(until.to_sqlx());
            }
            qb.push(" ORDER BY c.id DESC LIMIT ").push_bind(i64::from(page.limit) + 1);
            let mut c = self.pool.acquire().await?;
            let rows = qb.build().fetch_all(&mut *c).await?;
            let items = rows.iter().map(contract_from).collect::<Result<Vec<_>, _>>()?;
            Ok(Page::from_rows(items, page.limit, |x| x.id.0))
        }

        async fn update_contract(
            &self,
            ctx: &ChangeContext,
            id: ContractId,
            read_version: i64,
            n: &NewServiceContract,
        ) -> StoreResult<ServiceContract> {
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_contract(&mut tx, id).await?;
            if before.version != read_version {
                return Err(stale("service contract", &before.contract_number, read_version, before.version));
            }
            must_exist(&mut tx, "vendors", n.vendor_id.0, "vendor_id").await?;
            check_number_free(&mut tx, n, Some(id)).await?;
            let done = sqlx::query(
                "UPDATE service_contracts SET vendor_id = $1, contract_number = $2, title = $3, coverage = $4, \
                 starts_on = $5, ends_on = $6, notice_opens_on = $7, annual_cost_minor = $8, currency = $9, \
                 response_time_hours = $10, uptime_guarantee_pct = $11, notice_days = $12, auto_renews = $13, \
                 notes = $14, version = version + 1, updated_at = $15 WHERE id = $16 AND version = $17",
            )
            .bind(n.vendor_id.0)
            .bind(&n.contract_number)
            .bind(&n.title)
            .bind(n.coverage.as_str())
            .bind(n.starts_on.to_sqlx())
            .bind(n.ends_on.to_sqlx())
            .bind(n.notice_opens_on().to_sqlx())
            .bind(n.annual_cost_minor)
            .bind(&n.currency)
            .bind(n.response_time_hours)
            .bind(n.uptime_guarantee_pct)
            .bind(n.notice_days)
            .bind(n.auto_renews)
            .bind(&n.notes)
            .bind(t(ctx.at))
            .bind(id.0)
            .bind(read_version)
            .execute(&mut *tx)
            .await
            .map_err(map_db_err)?;
            if done.rows_affected() != 1 {
                return Err(stale("service contract", &before.contract_number, read_version, read_version + 1));
            }
            let after = fetch_contract(&mut tx, id).await?;
            append_audit(
                &mut tx,
                ctx,
                "update",
                "service_contract",
                id.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn set_contract_assets(
            &self,
            ctx: &ChangeContext,
            id: ContractId,
            read_version: i64,
            assets: &[AssetId],
        ) -> StoreResult<ServiceContract> {
            let mut wanted: Vec<i64> = assets.iter().map(|a| a.0).collect();
            wanted.sort_unstable();
            wanted.dedup();
            if wanted.len() > MAX_COVERED_ASSETS {
                return Err(invalid("asset_ids", format!("at most {MAX_COVERED_ASSETS} assets per contract")));
            }
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_contract(&mut tx, id).await?;
            if before.version != read_version {
                return Err(stale("service contract", &before.contract_number, read_version, before.version));
            }
            let had = covered_ids(&mut tx, id).await?;
            // Every named asset must exist (checked 500 at a time).
            for chunk in wanted.chunks(500) {
                let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT id FROM assets WHERE id IN (");
                let mut sep = qb.separated(", ");
                for a in chunk {
                    sep.push_bind(*a);
                }
                qb.push(")");
                let found: std::collections::HashSet<i64> = qb
                    .build()
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<i64, _>("id"))
                    .collect::<Result<_, _>>()?;
                if let Some(missing) = chunk.iter().find(|a| !found.contains(a)) {
                    return Err(invalid("asset_ids", format!("no asset with id {missing}")));
                }
            }
            let keep: std::collections::HashSet<i64> = wanted.iter().copied().collect();
            let old: std::collections::HashSet<i64> = had.iter().copied().collect();
            for a in had.iter().filter(|a| !keep.contains(a)) {
                sqlx::query("DELETE FROM service_contract_assets WHERE contract_id = $1 AND asset_id = $2")
                    .bind(id.0)
                    .bind(*a)
                    .execute(&mut *tx)
                    .await?;
            }
            let added: Vec<i64> = wanted.iter().copied().filter(|a| !old.contains(a)).collect();
            for chunk in added.chunks(200) {
                let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                    "INSERT INTO service_contract_assets (contract_id, asset_id, added_by, added_at) ",
                );
                qb.push_values(chunk, |mut b, a| {
                    b.push_bind(id.0).push_bind(*a).push_bind(ctx.actor.clone()).push_bind(t(ctx.at));
                });
                qb.build().execute(&mut *tx).await?;
            }
            let done = sqlx::query(
                "UPDATE service_contracts SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3",
            )
            .bind(t(ctx.at))
            .bind(id.0)
            .bind(read_version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(stale("service contract", &before.contract_number, read_version, read_version + 1));
            }
            let after = fetch_contract(&mut tx, id).await?;
            append_audit(
                &mut tx,
                ctx,
                "set_assets",
                "service_contract",
                id.to_string(),
                Some(serde_json::json!({ "version": before.version, "asset_ids": had }).to_string()),
                Some(serde_json::json!({ "version": after.version, "asset_ids": wanted }).to_string()),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn contract_assets(&self, id: ContractId) -> StoreResult<Vec<CoveredAsset>> {
            let mut c = self.pool.acquire().await?;
            fetch_contract(&mut c, id).await?;
            let rows = sqlx::query(
                "SELECT a.id, a.asset_tag, m.name AS model_name, m.model_number, d.name AS department \
                 FROM service_contract_assets x JOIN assets a ON a.id = x.asset_id \
                 JOIN device_models m ON m.id = a.model_id JOIN departments d ON d.id = a.department_id \
                 WHERE x.contract_id = $1 ORDER BY a.asset_tag, a.id",
            )
            .bind(id.0)
            .fetch_all(&mut *c)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let name: String = r.try_get("model_name")?;
                let number: String = r.try_get("model_number")?;
                out.push(CoveredAsset {
                    asset_id: r.try_get("id")?,
                    asset_tag: r.try_get("asset_tag")?,
                    model: format!("{name} ({number})"),
                    department: r.try_get("department")?,
                });
            }
            Ok(out)
        }

        async fn contracts_for_asset(&self, asset: AssetId) -> StoreResult<Vec<ServiceContract>> {
            let mut c = self.pool.acquire().await?;
            fetch_asset(&mut c, asset).await?;
            let sql = format!(
                "{CONTRACT_SELECT} WHERE c.id IN (SELECT contract_id FROM service_contract_assets WHERE asset_id = $1) \
                 ORDER BY c.ends_on DESC, c.id DESC LIMIT $2"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(asset.0)
                .bind(i64::from(MAX_CONTRACTS_PER_ASSET))
                .fetch_all(&mut *c)
                .await?;
            Ok(rows.iter().map(contract_from).collect::<Result<Vec<_>, _>>()?)
        }

        async fn contracts_to_notify(&self, today: Date, limit: u32) -> StoreResult<Vec<ServiceContract>> {
            let sql = format!(
                "{CONTRACT_SELECT} WHERE c.notice_opens_on <= $1 AND c.ends_on >= $1 \
                 AND NOT EXISTS (SELECT 1 FROM notification_events e WHERE e.kind = 'contract.expiring' \
                     AND e.entity_id = CAST(c.id AS TEXT) \
                     AND e.dedupe_key = 'contract.expiring:' || CAST(c.id AS TEXT) || ':' || {ENDS_ON_TEXT}) \
                 ORDER BY c.ends_on, c.id LIMIT $2"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(today.to_sqlx())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
            Ok(rows.iter().map(contract_from).collect::<Result<Vec<_>, _>>()?)
        }
    }
}
