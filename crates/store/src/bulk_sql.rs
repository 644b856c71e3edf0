// The bulk loader (see `bulk.rs`). `include!`d by `sqlite.rs` and `postgres.rs` after `common.rs`.

/// SQL for the month number (year × 12 + month) of a date expression (a date on PostgreSQL,
/// `YYYY-MM-DD…` text on SQLite); used by PM generation to do interval arithmetic in the query.
fn month_index_sql(date: &str) -> String {
    if BACKEND == crate::Backend::Sqlite {
        format!("(CAST(substr({date}, 1, 4) AS INTEGER) * 12 + CAST(substr({date}, 6, 2) AS INTEGER))")
    } else {
        format!("(CAST(EXTRACT(YEAR FROM {date}) AS BIGINT) * 12 + CAST(EXTRACT(MONTH FROM {date}) AS BIGINT))")
    }
}

#[async_trait]
impl crate::BulkStore for Impl {
    async fn checkpoint(&self) -> StoreResult<()> {
        if BACKEND == crate::Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    async fn bulk_load(
        &self,
        ctx: &ChangeContext,
        label: &str,
        tables: &[crate::BulkTable],
    ) -> StoreResult<crate::BulkReport> {
        use sha2::Digest;
        for t in tables {
            if !crate::bulk::is_identifier(t.table) || !t.columns.iter().all(|c| crate::bulk::is_identifier(c)) {
                return Err(invalid("table", format!("'{}' is not a plain table or column name", t.table)));
            }
        }
        let mut tx = begin_write(&self.pool).await?;
        if BACKEND == crate::Backend::Sqlite {
            // A large page cache keeps the indexes' hot pages in memory during the load.
            sqlx::query("PRAGMA cache_size = -262144").execute(&mut *tx).await?;
        }
        let mut hasher = sha2::Sha256::new();
        let mut described = Vec::with_capacity(tables.len());
        let mut rows = 0_u64;
        let mut buf: Vec<u8> = Vec::new();
        for t in tables {
            buf.clear();
            buf.extend_from_slice(format!("#{}({})\n", t.table, t.columns.join(",")).as_bytes());
            let header = buf.len();
            t.write_canonical(&mut buf, false);
            hasher.update(&buf);
            let conn: &mut DbConn = &mut tx;
            crate::bulk::BulkConn::bulk_insert(conn, t, &buf[header..]).await.map_err(map_db_err)?;
            rows += t.rows() as u64;
            let mut d = serde_json::json!({ "table": t.table, "rows": t.rows() });
            if let Some((first, last)) = t.id_range() {
                d["first_id"] = first.into();
                d["last_id"] = last.into();
            }
            described.push(d);
        }
        let sha256 = hex::encode(hasher.finalize());
        let after = snapshot(&serde_json::json!({ "tables": described, "rows": rows, "sha256": sha256 }));
        append_audit(&mut tx, ctx, "bulk_load", "bulk_load", label.to_string(), None, Some(after)).await?;
        tx.commit().await?;
        Ok(crate::BulkReport { rows, sha256 })
    }

    async fn bulk_begin(&self, ctx: &ChangeContext) -> StoreResult<Vec<String>> {
        let sql = if BACKEND == crate::Backend::Sqlite {
            "SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND tbl_name = 'work_orders' \
             AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
        } else {
            "SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename = 'work_orders' AND indexdef NOT LIKE 'CREATE UNIQUE%' ORDER BY indexname"
        };
        let mut tx = begin_write(&self.pool).await?;
        let rows = sqlx::query(sql).fetch_all(&mut *tx).await?;
        let mut defs = Vec::with_capacity(rows.len());
        let mut names = Vec::with_capacity(rows.len());
        for r in &rows {
            let name: String = r.try_get("name")?;
            if !crate::bulk::is_identifier(&name) {
                return Err(invalid("index", format!("unexpected index name '{name}'")));
            }
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}"))).execute(&mut *tx).await?;
            defs.push(r.try_get::<String, _>("def")?);
            names.push(name);
        }
        let after = snapshot(&serde_json::json!({ "deferred_indexes": names }));
        append_audit(&mut tx, ctx, "bulk_begin", "bulk_load", "begin".to_string(), None, Some(after)).await?;
        tx.commit().await?;
        Ok(defs)
    }

    async fn bulk_finish(
        &self,
        ctx: &ChangeContext,
        counters: &[(i16, i64)],
        deferred_indexes: &[String],
    ) -> StoreResult<()> {
        let mut tx = begin_write(&self.pool).await?;
        if BACKEND == crate::Backend::Postgres {
            sqlx::query("SET LOCAL maintenance_work_mem = '1GB'").execute(&mut *tx).await?;
        } else {
            sqlx::query("PRAGMA cache_size = -1048576").execute(&mut *tx).await?;
        }
        for def in deferred_indexes {
            if !def.starts_with("CREATE INDEX ") || def.contains(';') {
                return Err(invalid("index", format!("not an index definition: {def}")));
            }
            // IF NOT EXISTS: rerunnable, and safe if an index was never dropped (seen once in a
            // hundred SQLite runs under load; the end state is the same either way).
            let def = def.replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1);
            sqlx::query(sqlx::AssertSqlSafe(def)).execute(&mut *tx).await?;
        }
        for (year, last) in counters {
            sqlx::query(
                "INSERT INTO wo_counters (year, last_seq) VALUES ($1, $2) ON CONFLICT (year) DO UPDATE SET last_seq = \
                 CASE WHEN wo_counters.last_seq > excluded.last_seq THEN wo_counters.last_seq ELSE excluded.last_seq END",
            )
            .bind(i64::from(*year))
            .bind(*last)
            .execute(&mut *tx)
            .await?;
        }
        after_seed(&mut tx).await?;
        if BACKEND == crate::Backend::Postgres {
            sqlx::query(
                "SELECT setval(pg_get_serial_sequence('pm_schedules', 'id'), GREATEST((SELECT MAX(id) FROM pm_schedules), 1))",
            )
            .execute(&mut *tx)
            .await?;
        }
        let counters: Vec<serde_json::Value> =
            counters.iter().map(|(y, n)| serde_json::json!({ "year": y, "last_seq": n })).collect();
        let after =
            snapshot(&serde_json::json!({ "wo_counters": counters, "indexes_rebuilt": deferred_indexes.len() }));
        append_audit(&mut tx, ctx, "bulk_finish", "bulk_load", "finish".to_string(), None, Some(after)).await?;
        tx.commit().await?;
        // Fresh statistics so the planner knows the tables' new sizes (and, on PostgreSQL, a
        // visibility map so that index-only scans need not visit the heap).
        let analyze = if BACKEND == crate::Backend::Postgres { "VACUUM ANALYZE" } else { "ANALYZE" };
        sqlx::query(analyze).execute(&self.pool).await?;
        Ok(())
    }
}
