// Backup, restore and moving between back ends (issue 7 §5): see `backup.rs`. Included by both
// back ends after common.rs; the catalogue queries and value modes differ by `BACKEND`, the rest
// is shared.

/// How one column's cells are read from and written to this back end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellMode {
    I64,
    I32,
    I16,
    Bool,
    F64,
    F32,
    Text,
    Instant,
    Date,
    Json,
    Bytes,
}

#[derive(Debug, Clone)]
struct CatColumn {
    name: String,
    kind: crate::backup::ColumnKind,
    mode: CellMode,
    /// Position in the primary key (1-based), if part of it.
    pk: Option<i64>,
    identity: bool,
}

#[derive(Debug, Clone)]
struct CatTable {
    name: String,
    /// Sorted by name (archive order).
    columns: Vec<CatColumn>,
    /// Tables this one references (foreign keys), itself excluded.
    deps: Vec<String>,
    /// Columns referencing this same table. A row may name a later row
    /// (`work_orders.linked_work_order_id`), PostgreSQL's constraints are not deferrable, and on
    /// SQLite an outstanding deferred violation makes every later parent insert scan the child
    /// table (quadratic): so a restore inserts NULL there first and sets the values once the
    /// whole table is in.
    self_refs: Vec<String>,
}

impl CatTable {
    fn spec(&self) -> crate::backup::TableSpec {
        crate::backup::TableSpec {
            name: self.name.clone(),
            columns: self
                .columns
                .iter()
                .map(|c| crate::backup::ColumnSpec { name: c.name.clone(), kind: c.kind })
                .collect(),
        }
    }

    /// `ORDER BY` for a stable, backend-independent row order: the primary key (text compared
    /// byte-wise, `COLLATE "C"` on PostgreSQL, as SQLite's BINARY does), else every column.
    fn order_by(&self) -> String {
        let mut pk: Vec<&CatColumn> = self.columns.iter().filter(|c| c.pk.is_some()).collect();
        pk.sort_by_key(|c| c.pk);
        let cols: Vec<&CatColumn> = if pk.is_empty() { self.columns.iter().collect() } else { pk };
        cols.iter()
            .map(|c| {
                let collate = BACKEND == Backend::Postgres && matches!(c.mode, CellMode::Text | CellMode::Json);
                if collate { format!("{} COLLATE \"C\"", qi(&c.name)) } else { qi(&c.name) }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn select_sql(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| if c.mode == CellMode::Json { format!("{}::text", qi(&c.name)) } else { qi(&c.name) })
            .collect();
        format!("SELECT {} FROM {} ORDER BY {}", cols.join(", "), qi(&self.name), self.order_by())
    }
}

/// A quoted identifier.
fn qi(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn backup_conflict(message: impl Into<String>) -> StoreError {
    StoreError::Conflict { field: "archive".into(), message: message.into() }
}

async fn backup_schema_version(conn: &mut DbConn) -> StoreResult<i64> {
    let r = sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success").fetch_one(&mut *conn).await?;
    Ok(r.try_get::<Option<i64>, _>("v")?.unwrap_or(0))
}

/// Every table but `_sqlx_migrations`, from the catalogue, in foreign-key dependency order (a
/// table after the tables it references; ties by name).
async fn backup_catalogue(conn: &mut DbConn) -> StoreResult<Vec<CatTable>> {
    let names: Vec<String> = match BACKEND {
        Backend::Sqlite => {
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY name",
            )
            .fetch_all(&mut *conn)
            .await?
        }
        Backend::Postgres => {
            sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY 1",
            )
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let mut columns = Vec::new();
        let deps: Vec<String>;
        let self_refs: Vec<String>;
        match BACKEND {
            Backend::Sqlite => {
                let rows =
                    sqlx::query("SELECT name, type, pk FROM pragma_table_xinfo($1) WHERE hidden = 0 ORDER BY cid")
                        .bind(&name)
                        .fetch_all(&mut *conn)
                        .await?;
                for r in rows {
                    let decl: String = r.try_get("type")?;
                    let pk: i64 = r.try_get("pk")?;
                    let kind = crate::backup::ColumnKind::from_sqlite_decl(&decl);
                    let mode = match kind {
                        crate::backup::ColumnKind::Integer => CellMode::I64,
                        crate::backup::ColumnKind::Real => CellMode::F64,
                        crate::backup::ColumnKind::Text => CellMode::Text,
                        crate::backup::ColumnKind::Blob => CellMode::Bytes,
                    };
                    columns.push(CatColumn {
                        name: r.try_get("name")?,
                        kind,
                        mode,
                        pk: (pk > 0).then_some(pk),
                        identity: false,
                    });
                }
                deps = sqlx::query_scalar("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)")
                    .bind(&name)
                    .fetch_all(&mut *conn)
                    .await?;
                self_refs = sqlx::query_scalar(
                    "SELECT DISTINCT \"from\" FROM pragma_foreign_key_list($1) WHERE \"table\" = $1 ORDER BY 1",
                )
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
            }
            Backend::Postgres => {
                let rows = sqlx::query(
                    "SELECT c.column_name::text AS name, c.data_type::text AS data_type, (c.is_identity = 'YES') AS ident, \
                     (SELECT array_position(i.indkey::int2[], a.attnum)::bigint FROM pg_index i \
                        JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
                        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attname = c.column_name \
                       WHERE i.indisprimary AND n.nspname = current_schema() AND t.relname = c.table_name) AS pk \
                     FROM information_schema.columns c WHERE c.table_schema = current_schema() AND c.table_name = $1 \
                     AND c.is_generated = 'NEVER' ORDER BY c.ordinal_position",
                )
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
                for r in rows {
                    let col: String = r.try_get("name")?;
                    let data_type: String = r.try_get("data_type")?;
                    let kind = crate::backup::ColumnKind::from_pg_type(&data_type).ok_or_else(|| {
                        backup_conflict(format!("{name}.{col} has the type {data_type}, which backup does not carry"))
                    })?;
                    let mode = match data_type.as_str() {
                        "bigint" => CellMode::I64,
                        "integer" => CellMode::I32,
                        "smallint" => CellMode::I16,
                        "boolean" => CellMode::Bool,
                        "double precision" => CellMode::F64,
                        "real" => CellMode::F32,
                        "timestamp with time zone" => CellMode::Instant,
                        "date" => CellMode::Date,
                        "json" | "jsonb" => CellMode::Json,
                        "bytea" => CellMode::Bytes,
                        _ => CellMode::Text,
                    };
                    columns.push(CatColumn {
                        name: col,
                        kind,
                        mode,
                        pk: r.try_get::<Option<i64>, _>("pk")?,
                        identity: r.try_get::<Option<bool>, _>("ident")?.unwrap_or(false),
                    });
                }
                deps = sqlx::query_scalar(
                    "SELECT DISTINCT rc.relname::text FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
                     JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class rc ON rc.oid = k.confrelid \
                     WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = $1",
                )
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
                self_refs = sqlx::query_scalar(
                    "SELECT DISTINCT a.attname::text FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(k.conkey) \
                     WHERE k.contype = 'f' AND k.confrelid = k.conrelid AND n.nspname = current_schema() \
                     AND c.relname = $1 ORDER BY 1",
                )
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
            }
        }
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        let deps = deps.into_iter().filter(|d| *d != name).collect();
        tables.push(CatTable { name, columns, deps, self_refs });
    }
    backup_dependency_order(tables)
}

/// The index of a table's one-column primary key (for setting self-references afterwards).
fn backup_single_pk(t: &CatTable) -> StoreResult<usize> {
    let pks: Vec<usize> = t.columns.iter().enumerate().filter(|(_, c)| c.pk.is_some()).map(|(i, _)| i).collect();
    match pks.as_slice() {
        [one] => Ok(*one),
        _ => Err(backup_conflict(format!("{} references itself but has no one-column primary key", t.name))),
    }
}

/// Kahn's algorithm, always taking the alphabetically first ready table.
fn backup_dependency_order(mut tables: Vec<CatTable>) -> StoreResult<Vec<CatTable>> {
    let names: std::collections::BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    let mut done: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let ready = tables
            .iter()
            .enumerate()
            .filter(|(_, t)| t.deps.iter().all(|d| done.contains(d) || !names.contains(d)))
            .min_by(|a, b| a.1.name.cmp(&b.1.name))
            .map(|(i, _)| i);
        let Some(i) = ready else {
            let left: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
            return Err(backup_conflict(format!("foreign keys form a cycle among: {}", left.join(", "))));
        };
        let t = tables.remove(i);
        done.insert(t.name.clone());
        out.push(t);
    }
    Ok(out)
}

fn backup_read_row(r: &DbRow, cols: &[CatColumn]) -> StoreResult<Vec<crate::backup::ArchiveValue>> {
    use crate::backup::ArchiveValue as V;
    let mut out = Vec::with_capacity(cols.len());
    for (i, c) in cols.iter().enumerate() {
        let v = match c.mode {
            CellMode::I64 => r.try_get::<Option<i64>, _>(i)?.map(V::Int),
            CellMode::I32 => r.try_get::<Option<i32>, _>(i)?.map(|x| V::Int(x.into())),
            CellMode::I16 => r.try_get::<Option<i16>, _>(i)?.map(|x| V::Int(x.into())),
            CellMode::Bool => r.try_get::<Option<bool>, _>(i)?.map(|x| V::Int(x.into())),
            CellMode::F64 => r.try_get::<Option<f64>, _>(i)?.map(V::Real),
            CellMode::F32 => r.try_get::<Option<f32>, _>(i)?.map(|x| V::Real(x.into())),
            CellMode::Text | CellMode::Json => r.try_get::<Option<String>, _>(i)?.map(V::Text),
            CellMode::Instant => {
                r.try_get::<Option<jiff_sqlx::Timestamp>, _>(i)?.map(|x| V::Text(x.to_jiff().to_string()))
            }
            CellMode::Date => r.try_get::<Option<jiff_sqlx::Date>, _>(i)?.map(|x| V::Text(x.to_jiff().to_string())),
            CellMode::Bytes => r.try_get::<Option<Vec<u8>>, _>(i)?.map(V::Blob),
        };
        out.push(v.unwrap_or(V::Null));
    }
    Ok(out)
}

type BackupArgs = <Db as sqlx::Database>::Arguments;

fn backup_bind(args: &mut BackupArgs, table: &str, c: &CatColumn, v: &crate::backup::ArchiveValue) -> StoreResult<()> {
    use crate::backup::ArchiveValue as V;
    use sqlx::Arguments;
    let bad =
        |what: &str| backup_conflict(format!("{table}.{}: the archive holds {what}, not a {:?} value", c.name, c.mode));
    let r = match (c.mode, v) {
        (CellMode::I64, V::Null) => args.add(None::<i64>),
        (CellMode::I64, V::Int(x)) => args.add(*x),
        (CellMode::I32, V::Null) => args.add(None::<i32>),
        (CellMode::I32, V::Int(x)) => args.add(i32::try_from(*x).map_err(|_| bad("a too large integer"))?),
        (CellMode::I16, V::Null) => args.add(None::<i16>),
        (CellMode::I16, V::Int(x)) => args.add(i16::try_from(*x).map_err(|_| bad("a too large integer"))?),
        (CellMode::Bool, V::Null) => args.add(None::<bool>),
        (CellMode::Bool, V::Int(x)) => args.add(*x != 0),
        (CellMode::F64, V::Null) => args.add(None::<f64>),
        (CellMode::F64, V::Real(x)) => args.add(*x),
        (CellMode::F64, V::Int(x)) => args.add(*x as f64),
        (CellMode::F32, V::Null) => args.add(None::<f32>),
        (CellMode::F32, V::Real(x)) => args.add(*x as f32),
        (CellMode::Text | CellMode::Json, V::Null) => args.add(None::<String>),
        (CellMode::Text | CellMode::Json, V::Text(s)) => args.add(s.clone()),
        (CellMode::Instant, V::Null) => args.add(None::<jiff_sqlx::Timestamp>),
        (CellMode::Instant, V::Text(s)) => {
            let ts: Timestamp = s.parse().map_err(|_| bad(&format!("'{s}'")))?;
            args.add(ts.to_sqlx())
        }
        (CellMode::Date, V::Null) => args.add(None::<jiff_sqlx::Date>),
        (CellMode::Date, V::Text(s)) => {
            let d: Date = s.parse().map_err(|_| bad(&format!("'{s}'")))?;
            args.add(d.to_sqlx())
        }
        (CellMode::Bytes, V::Null) => args.add(None::<Vec<u8>>),
        (CellMode::Bytes, V::Blob(b)) => args.add(b.clone()),
        (_, other) => return Err(bad(&format!("{other:?}"))),
    };
    r.map_err(|e| backup_conflict(format!("{table}.{}: {e}", c.name)))
}

/// Inserts rows (archive column order) into `t`, many rows per statement.
async fn backup_insert_rows(
    conn: &mut DbConn,
    t: &CatTable,
    cols: &[CatColumn],
    rows: &[Vec<crate::backup::ArchiveValue>],
) -> StoreResult<()> {
    if rows.is_empty() || cols.is_empty() {
        return Ok(());
    }
    // sqlx asks `sqlite3_bind_parameter_name` for every parameter it binds, which walks the
    // statement's list of *named or numbered* parameters: with `$N`/`?N` binding was quadratic in
    // a statement's parameters (92 % of a restore's time with 30,000-value inserts). Plain `?`
    // parameters are not in that list, and bind in order.
    let max_params = 30_000;
    let per = (max_params / cols.len()).clamp(1, crate::backup::ARCHIVE_BATCH);
    let names: Vec<String> = cols.iter().map(|c| qi(&c.name)).collect();
    let head = format!("INSERT INTO {} ({}) VALUES ", qi(&t.name), names.join(", "));
    for chunk in rows.chunks(per) {
        let mut sql = String::with_capacity(head.len() + chunk.len() * cols.len() * 8);
        sql.push_str(&head);
        let mut args = BackupArgs::default();
        let mut n = 0usize;
        for (ri, row) in chunk.iter().enumerate() {
            if row.len() != cols.len() {
                return Err(backup_conflict(format!(
                    "{}: a row has {} values for {} columns",
                    t.name,
                    row.len(),
                    cols.len()
                )));
            }
            sql.push_str(if ri == 0 { "(" } else { ", (" });
            for (ci, (c, v)) in cols.iter().zip(row).enumerate() {
                n += 1;
                if ci > 0 {
                    sql.push_str(", ");
                }
                let p = if BACKEND == Backend::Sqlite { "?".to_string() } else { format!("${n}") };
                if c.mode == CellMode::Json {
                    sql.push_str(&format!("CAST({p} AS jsonb)"));
                } else {
                    sql.push_str(&p);
                }
                backup_bind(&mut args, &t.name, c, v)?;
            }
            sql.push(')');
        }
        sqlx::query_with(sqlx::AssertSqlSafe(sql), args).execute(&mut *conn).await?;
    }
    Ok(())
}

#[async_trait]
impl crate::backup::BackupStore for Impl {
    async fn schema_version(&self) -> StoreResult<i64> {
        let mut conn = self.pool.acquire().await?;
        backup_schema_version(&mut conn).await
    }

    async fn export_snapshot(&self, out: tokio::sync::mpsc::Sender<crate::backup::ArchiveItem>) -> StoreResult<()> {
        use crate::backup::ArchiveItem as I;
        use futures_util::TryStreamExt;
        let gone = || backup_conflict("the archive writer stopped");
        let begin = match BACKEND {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        let mut tx = self.pool.begin_with(begin).await?;
        // The first read fixes the snapshot (SQLite: the WAL read mark; PostgreSQL: REPEATABLE READ).
        let schema_version = backup_schema_version(&mut tx).await?;
        let tables = backup_catalogue(&mut tx).await?;
        out.send(I::Start { schema_version, backend: BACKEND }).await.map_err(|_| gone())?;
        for t in &tables {
            out.send(I::Table(t.spec())).await.map_err(|_| gone())?;
            let sql = t.select_sql();
            let mut batch = Vec::with_capacity(crate::backup::ARCHIVE_BATCH);
            {
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
                while let Some(r) = rows.try_next().await? {
                    batch.push(backup_read_row(&r, &t.columns)?);
                    if batch.len() == crate::backup::ARCHIVE_BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(crate::backup::ARCHIVE_BATCH));
                        out.send(I::Rows(full)).await.map_err(|_| gone())?;
                    }
                }
            }
            if !batch.is_empty() {
                out.send(I::Rows(batch)).await.map_err(|_| gone())?;
            }
            out.send(I::EndTable).await.map_err(|_| gone())?;
        }
        tx.rollback().await?;
        out.send(I::End).await.map_err(|_| gone())?;
        Ok(())
    }

    async fn restore_snapshot(
        &self,
        mut input: tokio::sync::mpsc::Receiver<crate::backup::ArchiveItem>,
        ctx: &ChangeContext,
        after_json: String,
    ) -> StoreResult<crate::backup::RestoreCounts> {
        use crate::backup::ArchiveItem as I;
        let mut conn = self.pool.acquire().await?;
        if BACKEND == Backend::Sqlite {
            // A large page cache for one huge transaction (the default 2 MB makes every index
            // insert spill and re-read); this connection is closed afterwards, not pooled.
            conn.close_on_drop();
            sqlx::query("PRAGMA cache_size = -262144").execute(&mut *conn).await?;
            // Foreign keys are not enforced row by row during the load (with them on, SQLite
            // looks up child rows on every parent insert, which made a 250,000-row restore take
            // minutes); `PRAGMA foreign_key_check` checks every one of them before COMMIT below.
            sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
        }
        let begin = match BACKEND {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        let mut tx = sqlx::Connection::begin_with(&mut *conn, begin).await?;
        let version = backup_schema_version(&mut tx).await?;
        let tables = backup_catalogue(&mut tx).await?;
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events").fetch_one(&mut *tx).await?;
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?;
        if events > 0 || users > 0 {
            return Err(backup_conflict(format!(
                "the target database is not empty ({events} audit events, {users} users): restore only into a new, \
                 empty database (create one, or drop and re-create this one)"
            )));
        }
        match input.recv().await {
            Some(I::Start { schema_version, .. }) if schema_version == version => {}
            Some(I::Start { schema_version, .. }) => {
                return Err(backup_conflict(format!(
                    "the archive is of schema version {schema_version} but this database is at version {version}: \
                     restore it with the OpenHTM release that wrote it (then upgrade), or back up again with this one"
                )));
            }
            _ => return Err(backup_conflict("the archive does not begin with its header")),
        }
        // What migrations loaded (reference data, counters, the audit head) is replaced.
        for t in tables.iter().rev() {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", qi(&t.name)))).execute(&mut *tx).await?;
        }
        let by_name: std::collections::BTreeMap<&str, &CatTable> =
            tables.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut seen: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        let mut counts = crate::backup::RestoreCounts::default();
        let mut current: Option<(&CatTable, Vec<CatColumn>)> = None;
        // Self-references set after their table: (column index, primary key value, value).
        let mut pending: Vec<(usize, crate::backup::ArchiveValue, crate::backup::ArchiveValue)> = Vec::new();
        loop {
            match input.recv().await {
                Some(I::Table(spec)) => {
                    let t = by_name.get(spec.name.as_str()).copied().ok_or_else(|| {
                        backup_conflict(format!("the archive has a table {} that this database does not", spec.name))
                    })?;
                    let mine: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                    let theirs: Vec<&str> = spec.columns.iter().map(|c| c.name.as_str()).collect();
                    if mine != theirs {
                        return Err(backup_conflict(format!(
                            "table {}: the archive has the columns ({}) but this database has ({})",
                            spec.name,
                            theirs.join(", "),
                            mine.join(", ")
                        )));
                    }
                    if !seen.insert(spec.name.clone()) {
                        return Err(backup_conflict(format!("the archive holds table {} twice", spec.name)));
                    }
                    current = Some((t, t.columns.clone()));
                    counts.tables += 1;
                }
                Some(I::Rows(mut rows)) => {
                    let Some((t, cols)) = &current else {
                        return Err(backup_conflict("the archive has rows outside a table"));
                    };
                    if !t.self_refs.is_empty() {
                        let pk = backup_single_pk(t)?;
                        for row in rows.iter_mut() {
                            for c in &t.self_refs {
                                let Some(i) = cols.iter().position(|x| x.name == *c) else { continue };
                                if let (Some(v), Some(id)) = (row.get(i).cloned(), row.get(pk).cloned())
                                    && v != crate::backup::ArchiveValue::Null
                                {
                                    pending.push((i, id, v));
                                    row[i] = crate::backup::ArchiveValue::Null;
                                }
                            }
                        }
                    }
                    backup_insert_rows(&mut tx, t, cols, &rows).await?;
                    counts.rows += rows.len() as u64;
                }
                Some(I::EndTable) => {
                    if let Some((t, cols)) = &current
                        && !pending.is_empty()
                    {
                        let pk = backup_single_pk(t)?;
                        for (i, id, v) in std::mem::take(&mut pending) {
                            let sql = format!(
                                "UPDATE {} SET {} = $1 WHERE {} = $2",
                                qi(&t.name),
                                qi(&cols[i].name),
                                qi(&cols[pk].name)
                            );
                            let mut args = BackupArgs::default();
                            backup_bind(&mut args, &t.name, &cols[i], &v)?;
                            backup_bind(&mut args, &t.name, &cols[pk], &id)?;
                            sqlx::query_with(sqlx::AssertSqlSafe(sql), args).execute(&mut *tx).await?;
                        }
                    }
                    current = None;
                }
                Some(I::End) => break,
                Some(I::Start { .. }) => return Err(backup_conflict("the archive has a second header")),
                None => return Err(backup_conflict("the archive ended early; nothing was restored")),
            }
        }
        let missing: Vec<&str> = tables.iter().map(|t| t.name.as_str()).filter(|n| !seen.contains(*n)).collect();
        if !missing.is_empty() {
            return Err(backup_conflict(format!("the archive lacks the tables: {}", missing.join(", "))));
        }
        if BACKEND == Backend::Postgres {
            for t in &tables {
                for c in t.columns.iter().filter(|c| c.identity) {
                    let sql = format!(
                        "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({col}) FROM {tab}), 0) + 1, false)",
                        col = qi(&c.name),
                        tab = qi(&t.name)
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(qi(&t.name)).bind(&c.name).execute(&mut *tx).await?;
                }
            }
        }
        if BACKEND == Backend::Sqlite {
            let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *tx).await?;
            if let Some(r) = broken.first() {
                let table: String = r.try_get(0)?;
                let parent: String = r.try_get(2)?;
                return Err(backup_conflict(format!(
                    "the archive breaks {} foreign key(s), e.g. a row of {table} refers to a missing row of {parent}; \
                     nothing was restored",
                    broken.len()
                )));
            }
        }
        append_audit(
            &mut tx,
            ctx,
            crate::backup::RESTORE_ACTION,
            crate::backup::RESTORE_ENTITY,
            "all".into(),
            None,
            Some(after_json),
        )
        .await?;
        tx.commit().await?;
        Ok(counts)
    }
}
