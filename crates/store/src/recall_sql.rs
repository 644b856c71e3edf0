// Recalls, alerts and recall matches: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod recall_impl {
    use super::*;
    use crate::{MatchDecision, RecallFilter, RecallStore, SyncSummary, UnitQuery};
    use htm_domain::recall::{
        self as recall_rules, AssetUnit, ImportSummary, MatchProposal, MatchStatus, ModelFacts, Recall, RecallClass,
        RecallId, RecallMatch, RecallMatchId, RecallProgress, RecallRecord, RecallSource,
    };

    /// How many ids one `IN (…)` list binds.
    const CHUNK: usize = 500;

    fn json_list(v: &[String]) -> String {
        serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
    }

    fn get_list(r: &DbRow, c: &str) -> Result<Vec<String>, sqlx::Error> {
        parse_list(c, &r.try_get::<String, _>(c)?)
    }

    fn parse_list(c: &str, s: &str) -> Result<Vec<String>, sqlx::Error> {
        serde_json::from_str(s).map_err(|e| sqlx::Error::Decode(format!("{c}: {e}").into()))
    }

    /// Whether stored reasons (JSON text) are these: the text as [`json_list`] writes it, or
    /// (written otherwise, e.g. restored) the same list once parsed.
    fn same_reasons(stored: &str, reasons: &[String]) -> bool {
        stored == json_list(reasons) || serde_json::from_str::<Vec<String>>(stored).is_ok_and(|v| v == reasons)
    }

    fn recall_from(r: &DbRow) -> Result<Recall, sqlx::Error> {
        Ok(Recall {
            id: RecallId(r.try_get("id")?),
            source: get_enum(r, "source", RecallSource::parse)?,
            record: RecallRecord {
                number: r.try_get("number")?,
                event_number: r.try_get("event_number")?,
                recall_class: get_oenum(r, "recall_class", RecallClass::parse)?,
                device_class: r.try_get("device_class")?,
                fda_status: r.try_get("fda_status")?,
                recalling_firm: r.try_get("recalling_firm")?,
                product_codes: get_list(r, "product_codes")?,
                k_numbers: get_list(r, "k_numbers")?,
                device_name: r.try_get("device_name")?,
                product_description: r.try_get("product_description")?,
                code_info: r.try_get("code_info")?,
                reason: r.try_get("reason")?,
                root_cause: r.try_get("root_cause")?,
                action: r.try_get("action")?,
                initiated_on: get_od(r, "initiated_on")?,
                posted_on: get_od(r, "posted_on")?,
                terminated_on: get_od(r, "terminated_on")?,
            },
            closed_at: get_ots(r, "closed_at")?,
            closed_by: r.try_get("closed_by")?,
            created_at: get_ts(r, "created_at")?,
            updated_at: get_ts(r, "updated_at")?,
            version: r.try_get("version")?,
        })
    }

    const MATCH_SELECT: &str = "SELECT m.*, r.number AS recall_number, a.asset_tag AS asset_tag, \
         w.number AS wo_number, w.status AS wo_status FROM recall_matches m \
         JOIN recalls r ON r.id = m.recall_id JOIN assets a ON a.id = m.asset_id \
         LEFT JOIN work_orders w ON w.id = m.work_order_id";

    fn match_from(r: &DbRow) -> Result<RecallMatch, sqlx::Error> {
        let confidence: i64 = r.try_get("confidence")?;
        Ok(RecallMatch {
            id: RecallMatchId(r.try_get("id")?),
            recall_id: RecallId(r.try_get("recall_id")?),
            recall_number: r.try_get("recall_number")?,
            asset_id: r.try_get("asset_id")?,
            asset_tag: r.try_get("asset_tag")?,
            confidence: u8::try_from(confidence.clamp(0, 100)).unwrap_or(0),
            reasons: get_list(r, "reasons")?,
            status: get_enum(r, "status", MatchStatus::parse)?,
            decided_by: r.try_get("decided_by")?,
            decided_at: get_ots(r, "decided_at")?,
            note: r.try_get("note")?,
            work_order_id: r.try_get("work_order_id")?,
            work_order_number: r.try_get("wo_number")?,
            work_order_status: r.try_get("wo_status")?,
            version: r.try_get("version")?,
        })
    }

    async fn fetch_recall(conn: &mut DbConn, id: RecallId) -> StoreResult<Recall> {
        let row = sqlx::query("SELECT * FROM recalls WHERE id = $1").bind(id.0).fetch_optional(&mut *conn).await?;
        match row {
            Some(r) => Ok(recall_from(&r)?),
            None => Err(StoreError::NotFound(format!("recall {id}"))),
        }
    }

    async fn find_by_number(conn: &mut DbConn, number: &str) -> StoreResult<Option<Recall>> {
        let row =
            sqlx::query("SELECT * FROM recalls WHERE number = $1").bind(number).fetch_optional(&mut *conn).await?;
        Ok(row.as_ref().map(recall_from).transpose()?)
    }

    async fn fetch_matches_of(conn: &mut DbConn, recalls: &[RecallId]) -> StoreResult<Vec<RecallMatch>> {
        let mut out = Vec::new();
        for chunk in recalls.chunks(CHUNK) {
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(MATCH_SELECT);
            qb.push(" WHERE m.recall_id IN (");
            let mut sep = qb.separated(", ");
            for r in chunk {
                sep.push_bind(r.0);
            }
            qb.push(") ORDER BY m.recall_id, m.confidence DESC, m.id");
            let rows = qb.build().fetch_all(&mut *conn).await?;
            for r in &rows {
                out.push(match_from(r)?);
            }
        }
        Ok(out)
    }

    async fn fetch_match(conn: &mut DbConn, id: RecallMatchId) -> StoreResult<RecallMatch> {
        let sql = format!("{MATCH_SELECT} WHERE m.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await?;
        match row {
            Some(r) => Ok(match_from(&r)?),
            None => Err(StoreError::NotFound(format!("recall match {id}"))),
        }
    }

    async fn insert_recall_tx(
        conn: &mut DbConn,
        ctx: &ChangeContext,
        source: RecallSource,
        rec: &RecallRecord,
    ) -> StoreResult<Recall> {
        let row = sqlx::query(
            "INSERT INTO recalls (number, source, event_number, recall_class, device_class, fda_status, recalling_firm, \
             product_codes, k_numbers, device_name, product_description, code_info, reason, root_cause, \
             action, initiated_on, posted_on, terminated_on, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, 1) \
             RETURNING id",
        )
        .bind(&rec.number)
        .bind(source.as_str())
        .bind(&rec.event_number)
        .bind(rec.recall_class.map(RecallClass::as_str))
        .bind(&rec.device_class)
        .bind(&rec.fda_status)
        .bind(&rec.recalling_firm)
        .bind(json_list(&rec.product_codes))
        .bind(json_list(&rec.k_numbers))
        .bind(&rec.device_name)
        .bind(&rec.product_description)
        .bind(&rec.code_info)
        .bind(&rec.reason)
        .bind(&rec.root_cause)
        .bind(&rec.action)
        .bind(od(rec.initiated_on))
        .bind(od(rec.posted_on))
        .bind(od(rec.terminated_on))
        .bind(t(ctx.at))
        .fetch_one(&mut *conn)
        .await
        .map_err(map_db_err)?;
        let id = RecallId(row.try_get("id")?);
        let created = fetch_recall(conn, id).await?;
        append_audit(conn, ctx, "create", "recall", id.to_string(), None, Some(snapshot(&created))).await?;
        Ok(created)
    }

    async fn update_recall_tx(
        conn: &mut DbConn,
        ctx: &ChangeContext,
        before: &Recall,
        rec: &RecallRecord,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE recalls SET event_number = $1, recall_class = $2, device_class = $3, fda_status = $4, \
             recalling_firm = $5, product_codes = $6, k_numbers = $7, device_name = $8, \
             product_description = $9, code_info = $10, reason = $11, root_cause = $12, action = $13, \
             initiated_on = $14, posted_on = $15, terminated_on = $16, updated_at = $17, version = version + 1 \
             WHERE id = $18 AND version = $19",
        )
        .bind(&rec.event_number)
        .bind(rec.recall_class.map(RecallClass::as_str))
        .bind(&rec.device_class)
        .bind(&rec.fda_status)
        .bind(&rec.recalling_firm)
        .bind(json_list(&rec.product_codes))
        .bind(json_list(&rec.k_numbers))
        .bind(&rec.device_name)
        .bind(&rec.product_description)
        .bind(&rec.code_info)
        .bind(&rec.reason)
        .bind(&rec.root_cause)
        .bind(&rec.action)
        .bind(od(rec.initiated_on))
        .bind(od(rec.posted_on))
        .bind(od(rec.terminated_on))
        .bind(t(ctx.at))
        .bind(before.id.0)
        .bind(before.version)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale(format!("recall {} changed meanwhile", before.record.number)));
        }
        let after = fetch_recall(conn, before.id).await?;
        append_audit(
            conn,
            ctx,
            "update",
            "recall",
            before.id.to_string(),
            Some(snapshot(before)),
            Some(snapshot(&after)),
        )
        .await?;
        Ok(())
    }

    fn match_snapshot(recall: RecallId, asset: i64, confidence: u8, reasons: &[String], status: MatchStatus) -> String {
        htm_domain::audit::canonical_json(&serde_json::json!({
            "recall_id": recall.0,
            "asset_id": asset,
            "confidence": confidence,
            "reasons": reasons,
            "status": status.as_str(),
        }))
    }

    /// A bulk read of unit facts ([`json_rows_query`]): `filter` completes `WHERE status <>
    /// 'disposed' AND ` inside a subquery the caller closes with `) u`.
    fn units_query(filter: &str) -> QueryBuilder<Db> {
        json_rows_query(
            "u.id, u.asset_tag, u.model_id, u.udi_di, COALESCE(u.serial_number, u.udi_serial), u.udi_lot",
            &format!(
                "FROM (SELECT id, asset_tag, model_id, udi_di, serial_number, udi_serial, udi_lot FROM assets \
                 WHERE status <> 'disposed' AND {filter}"
            ),
        )
    }

    async fn fetch_units(conn: &mut DbConn, qb: QueryBuilder<Db>, out: &mut Vec<AssetUnit>) -> StoreResult<()> {
        type Unit = (i64, String, i64, Option<String>, Option<String>, Option<String>);
        let units: Vec<Unit> = fetch_json_rows(conn, qb).await?;
        out.extend(units.into_iter().map(|(asset_id, asset_tag, model_id, udi_di, serial, lot)| AssetUnit {
            asset_id,
            asset_tag,
            model_id,
            udi_di,
            serial,
            lot,
        }));
        Ok(())
    }

    /// [`fetch_units`] of the assets whose `column` is one of `values`, [`CHUNK`] values a query.
    async fn fetch_units_in<T>(
        conn: &mut DbConn,
        column: &str,
        values: &[T],
        out: &mut Vec<AssetUnit>,
    ) -> StoreResult<()>
    where
        T: Clone + Send + 'static + for<'e> sqlx::Encode<'e, Db> + sqlx::Type<Db>,
    {
        for chunk in values.chunks(CHUNK) {
            let mut qb = units_query(&format!("{column} IN ("));
            let mut sep = qb.separated(", ");
            for v in chunk {
                sep.push_bind(v.clone());
            }
            qb.push(")) u");
            fetch_units(conn, qb, out).await?;
        }
        Ok(())
    }

    #[async_trait]
    impl RecallStore for Impl {
        async fn import_recalls(&self, ctx: &ChangeContext, records: &[RecallRecord]) -> StoreResult<ImportSummary> {
            let mut tx = begin_write(&self.pool).await?;
            let mut s = ImportSummary::default();
            for rec in records {
                match find_by_number(&mut tx, &rec.number).await? {
                    None => {
                        insert_recall_tx(&mut tx, ctx, RecallSource::Openfda, rec).await?;
                        s.inserted += 1;
                    }
                    Some(existing) => {
                        let merged = existing.record.overlay(rec);
                        if merged == existing.record {
                            s.unchanged += 1;
                        } else {
                            update_recall_tx(&mut tx, ctx, &existing, &merged).await?;
                            s.updated += 1;
                        }
                    }
                }
            }
            tx.commit().await?;
            Ok(s)
        }

        async fn insert_alert(&self, ctx: &ChangeContext, record: &RecallRecord) -> StoreResult<Recall> {
            let mut tx = begin_write(&self.pool).await?;
            let year = ctx.at.to_zoned(jiff::tz::TimeZone::UTC).year();
            let seq: i64 = sqlx::query(
                "INSERT INTO alert_counters (year, last_seq) VALUES ($1, 1) ON CONFLICT (year) \
                 DO UPDATE SET last_seq = alert_counters.last_seq + 1 RETURNING last_seq",
            )
            .bind(i64::from(year))
            .fetch_one(&mut *tx)
            .await?
            .try_get("last_seq")?;
            let rec = RecallRecord { number: recall_rules::format_alert_number(year, seq), ..record.clone() };
            let created = insert_recall_tx(&mut tx, ctx, RecallSource::Manual, &rec).await?;
            tx.commit().await?;
            Ok(created)
        }

        async fn get_recall(&self, id: RecallId) -> StoreResult<Recall> {
            let mut c = self.pool.acquire().await?;
            fetch_recall(&mut c, id).await
        }

        async fn find_recall(&self, number: &str) -> StoreResult<Option<Recall>> {
            let mut c = self.pool.acquire().await?;
            find_by_number(&mut c, number).await
        }

        async fn list_recalls(&self, f: &RecallFilter, page: PageRequest) -> StoreResult<Page<Recall>> {
            let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT * FROM recalls WHERE 1 = 1");
            if let Some(after) = page.after {
                qb.push(" AND id < ").push_bind(after);
            }
            if let Some(c) = f.class {
                qb.push(" AND recall_class = ").push_bind(c.as_str());
            }
            match f.open {
                Some(true) => {
                    qb.push(" AND closed_at IS NULL");
                }
                Some(false) => {
                    qb.push(" AND closed_at IS NOT NULL");
                }
                None => {}
            }
            if let Some(s) = f.source {
                qb.push(" AND source = ").push_bind(s.as_str());
            }
            qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(page.limit) + 1);
            let rows = qb.build().fetch_all(&self.pool).await?;
            let items = rows.iter().map(recall_from).collect::<Result<Vec<_>, _>>()?;
            Ok(Page::from_rows(items, page.limit, |r| r.id.0))
        }

        async fn open_recalls_after(&self, after: Option<RecallId>, limit: u32) -> StoreResult<Vec<Recall>> {
            let rows = sqlx::query("SELECT * FROM recalls WHERE closed_at IS NULL AND id > $1 ORDER BY id LIMIT $2")
                .bind(after.map_or(0, |a| a.0))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
            Ok(rows.iter().map(recall_from).collect::<Result<Vec<_>, _>>()?)
        }

        async fn recall_matches(&self, recalls: &[RecallId]) -> StoreResult<Vec<RecallMatch>> {
            let mut c = self.pool.acquire().await?;
            fetch_matches_of(&mut c, recalls).await
        }

        async fn get_recall_match(&self, id: RecallMatchId) -> StoreResult<RecallMatch> {
            let mut c = self.pool.acquire().await?;
            fetch_match(&mut c, id).await
        }

        async fn matching_models(&self) -> StoreResult<Vec<ModelFacts>> {
            let rows = sqlx::query(
                "SELECT dm.id, dm.model_number, dm.fda_product_code, dm.fda_510k, mf.name AS manufacturer, \
                 COALESCE(n.assets, 0) AS assets FROM device_models dm \
                 JOIN manufacturers mf ON mf.id = dm.manufacturer_id \
                 LEFT JOIN (SELECT model_id, COUNT(*) AS assets FROM assets GROUP BY model_id) n ON n.model_id = dm.id \
                 ORDER BY dm.id",
            )
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(ModelFacts {
                    model_id: r.try_get("id")?,
                    manufacturer: r.try_get("manufacturer")?,
                    model_number: r.try_get("model_number")?,
                    product_code: r.try_get("fda_product_code")?,
                    k_number: r.try_get("fda_510k")?,
                    assets: u64::try_from(r.try_get::<i64, _>("assets")?).unwrap_or(0),
                });
            }
            Ok(out)
        }

        async fn matching_units(&self, query: UnitQuery<'_>) -> StoreResult<Vec<AssetUnit>> {
            let mut c = self.pool.acquire().await?;
            let mut out: Vec<AssetUnit> = Vec::new();
            match query {
                UnitQuery::Page { after, limit } => {
                    let mut qb = units_query("id > ");
                    qb.push_bind(after).push(" ORDER BY id LIMIT ").push_bind(i64::from(limit)).push(") u");
                    fetch_units(&mut c, qb, &mut out).await?;
                }
                UnitQuery::Models(ids) => fetch_units_in(&mut c, "model_id", ids, &mut out).await?,
                UnitQuery::UdiDis(dis) => fetch_units_in(&mut c, "udi_di", dis, &mut out).await?,
            }
            Ok(out)
        }

        async fn sync_recall_candidates(
            &self,
            ctx: &ChangeContext,
            batch: &[(RecallId, Vec<MatchProposal>)],
        ) -> StoreResult<SyncSummary> {
            // (match id, confidence, reasons as stored JSON text, status).
            type Existing = (i64, i64, String, MatchStatus);
            let mut tx = begin_write(&self.pool).await?;
            // (recall, asset) → the stored match, for the whole batch, read in bulk.
            let mut existing: std::collections::HashMap<(i64, i64), Existing> = std::collections::HashMap::new();
            for chunk in batch.chunks(CHUNK) {
                let mut qb = json_rows_query(
                    "id, recall_id, asset_id, confidence, reasons, status",
                    "FROM recall_matches WHERE recall_id IN (",
                );
                let mut sep = qb.separated(", ");
                for (r, _) in chunk {
                    sep.push_bind(r.0);
                }
                qb.push(")");
                let rows: Vec<(i64, i64, i64, i64, String, String)> = fetch_json_rows(&mut tx, qb).await?;
                for (id, recall, asset, confidence, reasons, status) in rows {
                    let status = MatchStatus::parse(&status).map_err(|e| decode_err("status", e))?;
                    existing.insert((recall, asset), (id, confidence, reasons, status));
                }
            }
            let mut s = SyncSummary::default();
            let mut wanted = std::collections::HashSet::new();
            // Audit events in order: updates, inserts, deletes; appended in one bulk call.
            let mut events: Vec<AuditRow> = Vec::new();
            let mut to_insert: Vec<(i64, &MatchProposal)> = Vec::new();
            for (recall, proposals) in batch {
                for p in proposals {
                    wanted.insert((recall.0, p.asset_id));
                    match existing.get(&(recall.0, p.asset_id)) {
                        Some((_, _, _, st)) if *st != MatchStatus::Candidate => {}
                        Some((id, conf, reasons, st)) => {
                            s.candidates.push((recall.0, p.asset_id, *id, false));
                            if *conf == i64::from(p.confidence) && same_reasons(reasons, &p.reasons) {
                                continue;
                            }
                            let reasons = parse_list("reasons", reasons)?;
                            let done = sqlx::query(
                                "UPDATE recall_matches SET confidence = $1, reasons = $2, updated_at = $3, \
                                 version = version + 1 WHERE id = $4 AND status = 'candidate'",
                            )
                            .bind(i64::from(p.confidence))
                            .bind(json_list(&p.reasons))
                            .bind(t(ctx.at))
                            .bind(*id)
                            .execute(&mut *tx)
                            .await?;
                            if done.rows_affected() == 0 {
                                continue; // decided meanwhile
                            }
                            let old = u8::try_from(*conf).unwrap_or(0);
                            let before = match_snapshot(*recall, p.asset_id, old, &reasons, *st);
                            let after = match_snapshot(*recall, p.asset_id, p.confidence, &p.reasons, *st);
                            events.push(("update", "recall_match".into(), id.to_string(), Some(before), Some(after)));
                            s.updated += 1;
                        }
                        None => to_insert.push((recall.0, p)),
                    }
                }
            }
            // New candidates: multi-row inserts (7 binds a row), ids read back by (recall, asset).
            let mut new_ids: std::collections::HashMap<(i64, i64), i64> = std::collections::HashMap::new();
            for chunk in to_insert.chunks(CHUNK) {
                let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                    "INSERT INTO recall_matches (recall_id, asset_id, confidence, reasons, status, created_at, \
                     updated_at, version) ",
                );
                qb.push_values(chunk, |mut b, (recall, p)| {
                    b.push_bind(*recall)
                        .push_bind(p.asset_id)
                        .push_bind(i64::from(p.confidence))
                        .push_bind(json_list(&p.reasons))
                        .push_bind("candidate")
                        .push_bind(t(ctx.at))
                        .push_bind(t(ctx.at))
                        .push_bind(1_i64);
                });
                qb.push(" RETURNING id, recall_id, asset_id");
                for r in &qb.build().fetch_all(&mut *tx).await.map_err(map_db_err)? {
                    new_ids.insert((r.try_get("recall_id")?, r.try_get("asset_id")?), r.try_get("id")?);
                }
            }
            for (recall, p) in &to_insert {
                let Some(id) = new_ids.get(&(*recall, p.asset_id)) else {
                    return Err(StoreError::NotFound(format!("inserted recall match {recall}/{}", p.asset_id)));
                };
                let after =
                    match_snapshot(RecallId(*recall), p.asset_id, p.confidence, &p.reasons, MatchStatus::Candidate);
                events.push(("create", "recall_match".into(), id.to_string(), None, Some(after)));
                s.candidates.push((*recall, p.asset_id, *id, true));
                s.added += 1;
            }
            let mut gone: Vec<(&(i64, i64), &Existing)> = existing
                .iter()
                .filter(|(k, (_, _, _, st))| *st == MatchStatus::Candidate && !wanted.contains(*k))
                .collect();
            gone.sort_by_key(|(_, (id, _, _, _))| *id);
            let mut deleted = std::collections::HashSet::new();
            for chunk in gone.chunks(CHUNK) {
                // Only while undecided: a decision taken meanwhile (PostgreSQL runs this under READ
                // COMMITTED) keeps its match.
                let mut qb: QueryBuilder<Db> =
                    QueryBuilder::new("DELETE FROM recall_matches WHERE status = 'candidate' AND id IN (");
                let mut sep = qb.separated(", ");
                for (_, (id, _, _, _)) in chunk {
                    sep.push_bind(*id);
                }
                qb.push(") RETURNING id");
                for r in &qb.build().fetch_all(&mut *tx).await? {
                    deleted.insert(r.try_get::<i64, _>("id")?);
                }
            }
            for ((recall, asset), (id, conf, reasons, st)) in gone.into_iter().filter(|(_, e)| deleted.contains(&e.0)) {
                let reasons = parse_list("reasons", reasons)?;
                let before = match_snapshot(RecallId(*recall), *asset, u8::try_from(*conf).unwrap_or(0), &reasons, *st);
                events.push(("delete", "recall_match".into(), id.to_string(), Some(before), None));
                s.removed += 1;
            }
            append_audit_bulk(&mut tx, ctx, events).await?;
            tx.commit().await?;
            Ok(s)
        }

        async fn decide_recall_match(
            &self,
            ctx: &ChangeContext,
            id: RecallMatchId,
            d: &MatchDecision,
        ) -> StoreResult<RecallMatch> {
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_match(&mut tx, id).await?;
            let recall = fetch_recall(&mut tx, before.recall_id).await?;
            if recall.closed_at.is_some() {
                return Err(invalid("status", format!("recall {} is closed", recall.record.number)));
            }
            recall_rules::check_decision(before.status, d.to, d.note.as_deref())?;
            let wo = match (&d.work_order, d.to) {
                (Some(n), MatchStatus::Confirmed) => Some(insert_work_order_tx(&mut tx, ctx, n, None).await?),
                _ => None,
            };
            let done = sqlx::query(
                "UPDATE recall_matches SET status = $1, decided_by = $2, decided_at = $3, note = COALESCE($4, note), \
                 work_order_id = COALESCE($5, work_order_id), updated_at = $3, version = version + 1 \
                 WHERE id = $6 AND version = $7",
            )
            .bind(d.to.as_str())
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .bind(d.note.as_deref().map(str::trim))
            .bind(wo.as_ref().map(|w| w.id.0))
            .bind(id.0)
            .bind(before.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale(format!("recall match {id} changed meanwhile")));
            }
            let after = fetch_match(&mut tx, id).await?;
            append_audit(
                &mut tx,
                ctx,
                d.to.as_str(),
                "recall_match",
                id.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn open_recall_counts(&self) -> StoreResult<Vec<(Option<RecallClass>, u64)>> {
            let rows = sqlx::query(
                "SELECT recall_class, COUNT(*) AS n FROM recalls WHERE closed_at IS NULL GROUP BY recall_class \
                 ORDER BY recall_class",
            )
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::new();
            for r in &rows {
                let n: i64 = r.try_get("n")?;
                out.push((get_oenum(r, "recall_class", RecallClass::parse)?, u64::try_from(n).unwrap_or(0)));
            }
            Ok(out)
        }

        async fn close_recall(&self, ctx: &ChangeContext, id: RecallId) -> StoreResult<Recall> {
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_recall(&mut tx, id).await?;
            if before.closed_at.is_some() {
                return Err(invalid("status", format!("recall {} is already closed", before.record.number)));
            }
            let matches = fetch_matches_of(&mut tx, &[id]).await?;
            RecallProgress::of(&matches).check_closable()?;
            let done = sqlx::query(
                "UPDATE recalls SET closed_at = $1, closed_by = $2, updated_at = $1, version = version + 1 \
                 WHERE id = $3 AND version = $4",
            )
            .bind(t(ctx.at))
            .bind(&ctx.actor)
            .bind(id.0)
            .bind(before.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Stale(format!("recall {id} changed meanwhile")));
            }
            let after = fetch_recall(&mut tx, id).await?;
            append_audit(
                &mut tx,
                ctx,
                "close",
                "recall",
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
