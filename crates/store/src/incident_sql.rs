// Device-related incidents: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod incident_impl {
    use super::*;
    use crate::{IncidentChange, IncidentFilter, IncidentStore, MAX_INCIDENTS_IN_PERIOD};
    use htm_domain::incident::{
        self as incident_rules, Incident, IncidentId, IncidentStatus, LinkedWorkOrder, MdrRecipient, NewIncident,
        Severity,
    };

    const INCIDENT_SELECT: &str = "SELECT i.*, a.asset_tag AS asset_tag, d.name AS department_name FROM incidents i \
         LEFT JOIN assets a ON a.id = i.asset_id LEFT JOIN departments d ON d.id = i.department_id";

    fn incident_from(r: &DbRow) -> Result<Incident, sqlx::Error> {
        Ok(Incident {
            id: IncidentId(r.try_get("id")?),
            number: r.try_get("number")?,
            asset_id: r.try_get::<Option<i64>, _>("asset_id")?.map(AssetId),
            asset_tag: r.try_get("asset_tag")?,
            department_id: r.try_get::<Option<i64>, _>("department_id")?.map(DepartmentId),
            department_name: r.try_get("department_name")?,
            occurred_at: get_ts(r, "occurred_at")?,
            reported_at: get_ts(r, "reported_at")?,
            reported_by: r.try_get("reported_by")?,
            what_happened: r.try_get("what_happened")?,
            accessories: r.try_get("accessories")?,
            severity: get_enum(r, "severity", Severity::parse)?,
            status: get_enum(r, "status", IncidentStatus::parse)?,
            sequestered: r.try_get("sequestered")?,
            sequestered_items: r.try_get("sequestered_items")?,
            sequestered_at: get_ots(r, "sequestered_at")?,
            sequestered_by: r.try_get("sequestered_by")?,
            findings: r.try_get("findings")?,
            mdr_reportable: r.try_get("mdr_reportable")?,
            mdr_rationale: r.try_get("mdr_rationale")?,
            mdr_decision_by: r.try_get("mdr_decision_by")?,
            mdr_decided_at: get_ots(r, "mdr_decided_at")?,
            mdr_reported_to: get_oenum(r, "mdr_reported_to", MdrRecipient::parse)?,
            mdr_report_number: r.try_get("mdr_report_number")?,
            mdr_reported_at: get_ots(r, "mdr_reported_at")?,
            closed_at: get_ots(r, "closed_at")?,
            closed_by: r.try_get("closed_by")?,
            work_orders: Vec::new(),
            version: r.try_get("version")?,
            updated_at: get_ts(r, "updated_at")?,
        })
    }

    /// Fills in the linked work orders of every incident in `list` (one query).
    async fn attach_work_orders(conn: &mut DbConn, list: &mut [Incident]) -> StoreResult<()> {
        if list.is_empty() {
            return Ok(());
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT l.incident_id, w.id, w.number, w.status FROM incident_work_orders l \
             JOIN work_orders w ON w.id = l.work_order_id WHERE l.incident_id IN (",
        );
        let mut sep = qb.separated(", ");
        for i in list.iter() {
            sep.push_bind(i.id.0);
        }
        qb.push(") ORDER BY l.incident_id, w.id");
        let rows = qb.build().fetch_all(&mut *conn).await?;
        for r in rows {
            let incident: i64 = r.try_get("incident_id")?;
            let link = LinkedWorkOrder {
                id: WorkOrderId(r.try_get("id")?),
                number: r.try_get("number")?,
                status: get_enum(&r, "status", WorkOrderStatus::parse)?,
            };
            if let Some(i) = list.iter_mut().find(|i| i.id.0 == incident) {
                i.work_orders.push(link);
            }
        }
        Ok(())
    }

    async fn fetch_incident(conn: &mut DbConn, id: IncidentId) -> StoreResult<Incident> {
        let sql = format!("{INCIDENT_SELECT} WHERE i.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await?;
        let Some(r) = row else {
            return Err(StoreError::NotFound(format!("incident {id}")));
        };
        let mut list = [incident_from(&r)?];
        attach_work_orders(conn, &mut list).await?;
        let [i] = list;
        Ok(i)
    }

    async fn check_refs(
        conn: &mut DbConn,
        asset: Option<AssetId>,
        department: Option<DepartmentId>,
    ) -> StoreResult<()> {
        if let Some(a) = asset {
            must_exist(conn, "assets", a.0, "asset_id").await?;
        }
        if let Some(d) = department {
            must_exist(conn, "departments", d.0, "department_id").await?;
        }
        Ok(())
    }

    #[async_trait]
    impl IncidentStore for Impl {
        async fn insert_incident(
            &self,
            ctx: &ChangeContext,
            n: &NewIncident,
            reporter: Option<UserId>,
        ) -> StoreResult<Incident> {
            let mut tx = begin_write(&self.pool).await?;
            check_refs(&mut tx, n.asset_id, n.department_id).await?;
            let year = ctx.at.to_zoned(jiff::tz::TimeZone::UTC).year();
            let seq: i64 = sqlx::query(
                "INSERT INTO incident_counters (year, last_seq) VALUES ($1, 1) ON CONFLICT (year) \
                 DO UPDATE SET last_seq = incident_counters.last_seq + 1 RETURNING last_seq",
            )
            .bind(i64::from(year))
            .fetch_one(&mut *tx)
            .await?
            .try_get("last_seq")?;
            let number = incident_rules::format_number(year, seq);
            let sequestered_at = n.sequestered.then_some(ctx.at);
            let sequestered_by = n.sequestered.then(|| ctx.actor.clone());
            let r = sqlx::query(
                "INSERT INTO incidents (number, asset_id, department_id, occurred_at, reported_at, reported_by, reported_by_id, \
                 what_happened, accessories, severity, status, sequestered, sequestered_items, sequestered_at, sequestered_by, \
                 version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $12, $13, $14, 1, $5) RETURNING id",
            )
            .bind(&number)
            .bind(n.asset_id.map(|a| a.0))
            .bind(n.department_id.map(|d| d.0))
            .bind(t(n.occurred_at))
            .bind(t(ctx.at))
            .bind(&ctx.actor)
            .bind(reporter.map(|u| u.0))
            .bind(&n.what_happened)
            .bind(&n.accessories)
            .bind(n.severity.as_str())
            .bind(n.sequestered)
            .bind(&n.sequestered_items)
            .bind(ot(sequestered_at))
            .bind(sequestered_by)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_db_err)?;
            let id = IncidentId(r.try_get("id")?);
            let inc = fetch_incident(&mut tx, id).await?;
            append_audit(&mut tx, ctx, "create", "incident", id.to_string(), None, Some(snapshot(&inc))).await?;
            tx.commit().await?;
            Ok(inc)
        }

        async fn get_incident(&self, id: IncidentId) -> StoreResult<Incident> {
            let mut c = self.pool.acquire().await?;
            fetch_incident(&mut c, id).await
        }

        async fn list_incidents(&self, f: &IncidentFilter, page: PageRequest) -> StoreResult<Page<Incident>> {
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(INCIDENT_SELECT);
            qb.push(" WHERE 1 = 1");
            if let Some(after) = page.after {
                qb.push(" AND i.id < ").push_bind(after);
            }
            if let Some(s) = f.status {
                qb.push(" AND i.status = ").push_bind(s.as_str());
            }
            if let Some(a) = f.asset_id {
                qb.push(" AND i.asset_id = ").push_bind(a.0);
            }
            if let Some(from) = f.from {
                qb.push(" AND i.occurred_at >= ").push_bind(t(from));
            }
            if let Some(to) = f.to {
                qb.push(" AND i.occurred_at < ").push_bind(t(to));
            }
            if let Some(u) = f.reported_by_id {
                qb.push(" AND i.reported_by_id = ").push_bind(u.0);
            }
            qb.push(" ORDER BY i.id DESC LIMIT ").push_bind(i64::from(page.limit) + 1);
            let mut c = self.pool.acquire().await?;
            let rows = qb.build().fetch_all(&mut *c).await?;
            let mut items = rows.iter().map(incident_from).collect::<Result<Vec<_>, _>>()?;
            attach_work_orders(&mut c, &mut items).await?;
            Ok(Page::from_rows(items, page.limit, |i| i.id.0))
        }

        async fn incidents_between(&self, from: Timestamp, to: Timestamp, limit: u32) -> StoreResult<Vec<Incident>> {
            let limit = limit.min(MAX_INCIDENTS_IN_PERIOD);
            let sql = format!(
                "{INCIDENT_SELECT} WHERE i.occurred_at >= $1 AND i.occurred_at < $2 ORDER BY i.occurred_at, i.id LIMIT $3"
            );
            let mut c = self.pool.acquire().await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(t(from))
                .bind(t(to))
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await?;
            let mut items = rows.iter().map(incident_from).collect::<Result<Vec<_>, _>>()?;
            for chunk in items.chunks_mut(500) {
                attach_work_orders(&mut c, chunk).await?;
            }
            Ok(items)
        }

        async fn update_incident(
            &self,
            ctx: &ChangeContext,
            change: IncidentChange,
            n: &Incident,
        ) -> StoreResult<Incident> {
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_incident(&mut tx, n.id).await?;
            if before.version != n.version {
                return Err(stale("incident", &before.number, n.version, before.version));
            }
            check_refs(&mut tx, n.asset_id, n.department_id).await?;
            let done = sqlx::query(
                "UPDATE incidents SET asset_id = $1, department_id = $2, occurred_at = $3, what_happened = $4, accessories = $5, \
                 severity = $6, status = $7, sequestered = $8, sequestered_items = $9, sequestered_at = $10, sequestered_by = $11, \
                 findings = $12, mdr_reportable = $13, mdr_rationale = $14, mdr_decision_by = $15, mdr_decided_at = $16, \
                 mdr_reported_to = $17, mdr_report_number = $18, mdr_reported_at = $19, closed_at = $20, closed_by = $21, \
                 version = version + 1, updated_at = $22 WHERE id = $23 AND version = $24",
            )
            .bind(n.asset_id.map(|a| a.0))
            .bind(n.department_id.map(|d| d.0))
            .bind(t(n.occurred_at))
            .bind(&n.what_happened)
            .bind(&n.accessories)
            .bind(n.severity.as_str())
            .bind(n.status.as_str())
            .bind(n.sequestered)
            .bind(&n.sequestered_items)
            .bind(ot(n.sequestered_at))
            .bind(&n.sequestered_by)
            .bind(&n.findings)
            .bind(n.mdr_reportable)
            .bind(&n.mdr_rationale)
            .bind(&n.mdr_decision_by)
            .bind(ot(n.mdr_decided_at))
            .bind(n.mdr_reported_to.map(|r| r.as_str()))
            .bind(&n.mdr_report_number)
            .bind(ot(n.mdr_reported_at))
            .bind(ot(n.closed_at))
            .bind(&n.closed_by)
            .bind(t(ctx.at))
            .bind(n.id.0)
            .bind(n.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(stale("incident", &before.number, n.version, n.version + 1));
            }
            let after = fetch_incident(&mut tx, n.id).await?;
            append_audit(
                &mut tx,
                ctx,
                change.as_str(),
                "incident",
                n.id.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn link_incident_work_order(
            &self,
            ctx: &ChangeContext,
            id: IncidentId,
            work_order: WorkOrderId,
        ) -> StoreResult<Incident> {
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_incident(&mut tx, id).await?;
            if before.work_orders.iter().any(|w| w.id == work_order) {
                return Ok(before);
            }
            must_exist(&mut tx, "work_orders", work_order.0, "work_order_id").await?;
            sqlx::query(
                "INSERT INTO incident_work_orders (incident_id, work_order_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.0)
            .bind(work_order.0)
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .execute(&mut *tx)
            .await?;
            let after = fetch_incident(&mut tx, id).await?;
            append_audit(
                &mut tx,
                ctx,
                "link_work_order",
                "incident",
                id.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }
    }
}
