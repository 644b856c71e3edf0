//! Bulk loading of large synthetic or migrated datasets (`htm gen`): whole tables appended in
//! big chunks, each chunk in one transaction with ONE audit event describing it (the tables,
//! their id ranges and row counts, and the SHA-256 of the chunk's canonical content), so that
//! the hash chain stays intact and `htm audit verify` passes after a load of millions of rows.
//!
//! Values are plain: integers, booleans, and text in the store's canonical forms (instants as
//! RFC 3339 UTC to the second, e.g. `2026-03-18T16:00:00Z`; dates as `YYYY-MM-DD`).
//!
//! The canonical content of a chunk, which the audit event's `sha256` covers, is for every table
//! in order a line `#table(col1,col2,…)` and then one line per row: the values separated by
//! TAB, `\N` for NULL, `t`/`f` for booleans, integers in decimal and text with `\\`, TAB, LF and
//! CR escaped as `\\\\`, `\\t`, `\\n`, `\\r` (PostgreSQL's COPY text format, which the PostgreSQL
//! loader sends as is).

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;

/// One value of a bulk row.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkValue {
    Null,
    Int(i64),
    Bool(bool),
    /// Text, dates and instants (in their canonical text forms).
    Text(String),
}

impl From<i64> for BulkValue {
    fn from(v: i64) -> Self {
        BulkValue::Int(v)
    }
}
impl From<bool> for BulkValue {
    fn from(v: bool) -> Self {
        BulkValue::Bool(v)
    }
}
impl From<String> for BulkValue {
    fn from(v: String) -> Self {
        BulkValue::Text(v)
    }
}
impl From<&str> for BulkValue {
    fn from(v: &str) -> Self {
        BulkValue::Text(v.to_string())
    }
}
impl<T: Into<BulkValue>> From<Option<T>> for BulkValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(BulkValue::Null, Into::into)
    }
}

/// Rows for one table, row-major. Table and column names are compile-time identifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkTable {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    /// `columns.len()` values per row, row after row.
    pub values: Vec<BulkValue>,
}

impl BulkTable {
    pub fn new(table: &'static str, columns: &'static [&'static str], rows: usize) -> Self {
        BulkTable { table, columns, values: Vec::with_capacity(rows * columns.len()) }
    }

    /// Appends one row; it must have exactly one value per column.
    pub fn push(&mut self, row: impl IntoIterator<Item = BulkValue>) {
        let before = self.values.len();
        self.values.extend(row);
        debug_assert_eq!(self.values.len() - before, self.columns.len(), "{}: wrong number of values", self.table);
    }

    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.columns.len()).unwrap_or(0)
    }

    /// Appends the canonical text of this table (see the module documentation) to `out`.
    pub fn write_canonical(&self, out: &mut Vec<u8>, with_header: bool) {
        if with_header {
            out.extend_from_slice(format!("#{}({})\n", self.table, self.columns.join(",")).as_bytes());
        }
        let n = self.columns.len();
        if n == 0 {
            return;
        }
        for row in self.values.chunks(n) {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    out.push(b'\t');
                }
                match v {
                    BulkValue::Null => out.extend_from_slice(b"\\N"),
                    BulkValue::Int(x) => out.extend_from_slice(x.to_string().as_bytes()),
                    BulkValue::Bool(b) => out.push(if *b { b't' } else { b'f' }),
                    BulkValue::Text(s) => {
                        for &c in s.as_bytes() {
                            match c {
                                b'\\' => out.extend_from_slice(b"\\\\"),
                                b'\t' => out.extend_from_slice(b"\\t"),
                                b'\n' => out.extend_from_slice(b"\\n"),
                                b'\r' => out.extend_from_slice(b"\\r"),
                                c => out.push(c),
                            }
                        }
                    }
                }
            }
            out.push(b'\n');
        }
    }

    /// The first and last value of the `id` column, if the table has one.
    pub fn id_range(&self) -> Option<(i64, i64)> {
        let col = self.columns.iter().position(|c| *c == "id")?;
        let n = self.columns.len();
        let first = match self.values.get(col)? {
            BulkValue::Int(x) => *x,
            _ => return None,
        };
        let last = match self.values.get(self.values.len().checked_sub(n)? + col)? {
            BulkValue::Int(x) => *x,
            _ => return None,
        };
        Some((first, last))
    }
}

/// What one bulk chunk stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BulkReport {
    pub rows: u64,
    /// SHA-256 (hex) of the chunk's canonical content.
    pub sha256: String,
}

/// Appends large datasets quickly while keeping the record intact.
#[async_trait]
pub trait BulkStore: Send + Sync {
    /// Inserts every table's rows (in order, with the ids given) in one transaction, and appends
    /// one `bulk_load` audit event (entity id `label`) describing the chunk. SQLite uses
    /// prepared multi-row INSERTs; PostgreSQL uses `COPY … FROM STDIN`.
    async fn bulk_load(&self, ctx: &ChangeContext, label: &str, tables: &[BulkTable]) -> StoreResult<BulkReport>;
    /// Starts a bulk load into an empty database: drops the non-unique secondary indexes of
    /// `work_orders` (maintaining a dozen randomly-ordered indexes row by row is what makes a
    /// load of millions of rows slow) and returns their definitions, to be given back to
    /// [`BulkStore::bulk_finish`], which recreates them in one sorted pass each. Unique indexes
    /// stay, so uniqueness is enforced throughout. If a load is interrupted, discard the
    /// database and start again.
    async fn bulk_begin(&self, ctx: &ChangeContext) -> StoreResult<Vec<String>>;
    /// Finishes a bulk load: recreates the deferred indexes, raises the work-order number
    /// counters to at least the given (year, last sequence), moves PostgreSQL's identity
    /// sequences past the loaded ids, refreshes the planner's statistics (`ANALYZE`; PostgreSQL
    /// `VACUUM ANALYZE`, which also lets index-only scans skip the heap) and records one audit event.
    async fn bulk_finish(
        &self,
        ctx: &ChangeContext,
        counters: &[(i16, i64)],
        deferred_indexes: &[String],
    ) -> StoreResult<()>;
    /// After a large write from a short-lived process (`htm gen`, `htm pm generate`): SQLite
    /// copies the write-ahead log back into the database and truncates it, so the next process
    /// does not read through a log of hundreds of megabytes (BENCHMARKS.md); PostgreSQL: nothing.
    async fn checkpoint(&self) -> StoreResult<()>;
}

pub(crate) fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// How one back end appends a table's rows inside the caller's transaction.
#[async_trait]
pub(crate) trait BulkConn: Send {
    /// `canonical` is the table's canonical text without its header line.
    async fn bulk_insert(&mut self, t: &BulkTable, canonical: &[u8]) -> Result<(), sqlx::Error>;
}

/// SQLite: prepared multi-row INSERTs of up to ~30,000 bound values each (SQLite's limit is
/// 32,766), so a full statement is prepared once per connection and reused.
#[async_trait]
impl BulkConn for sqlx::SqliteConnection {
    async fn bulk_insert(&mut self, t: &BulkTable, _canonical: &[u8]) -> Result<(), sqlx::Error> {
        let n = t.columns.len();
        if n == 0 || t.values.is_empty() {
            return Ok(());
        }
        let per_stmt = (30_000 / n).clamp(1, 2_000);
        let head = format!("INSERT INTO {} ({}) VALUES ", t.table, t.columns.join(", "));
        let row_sql = format!("({})", vec!["?"; n].join(", "));
        let mut full_sql: Option<String> = None;
        for rows in t.values.chunks(per_stmt * n) {
            let count = rows.len() / n;
            let sql = if count == per_stmt {
                full_sql.get_or_insert_with(|| format!("{head}{}", vec![row_sql.as_str(); per_stmt].join(", "))).clone()
            } else {
                format!("{head}{}", vec![row_sql.as_str(); count].join(", "))
            };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for v in rows {
                q = match v {
                    BulkValue::Null => q.bind(None::<i64>),
                    BulkValue::Int(x) => q.bind(*x),
                    BulkValue::Bool(b) => q.bind(*b),
                    BulkValue::Text(s) => q.bind(s.clone()),
                };
            }
            q.execute(&mut *self).await?;
        }
        Ok(())
    }
}

/// PostgreSQL: `COPY table (columns) FROM STDIN` in text format: the canonical content as is.
#[async_trait]
impl BulkConn for sqlx::PgConnection {
    async fn bulk_insert(&mut self, t: &BulkTable, canonical: &[u8]) -> Result<(), sqlx::Error> {
        if t.values.is_empty() {
            return Ok(());
        }
        let stmt = format!("COPY {} ({}) FROM STDIN", t.table, t.columns.join(", "));
        let mut copy = self.copy_in_raw(&stmt).await?;
        copy.send(canonical).await?;
        copy.finish().await?;
        Ok(())
    }
}
