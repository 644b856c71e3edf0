//! Backup, restore and moving between back ends (issue 7 §5): the store streams a whole database
//! as backend-neutral values and loads such a stream into an empty database.
//!
//! The tables and columns are read from the database catalogue at run time (SQLite
//! `sqlite_master` / `pragma_table_xinfo`, PostgreSQL `information_schema` / `pg_index`), never
//! from a hard-coded list, so tables added by later migrations are carried without change here.
//! `_sqlx_migrations` is bookkeeping and is left out; its latest version is the archive's
//! `schema_version`, and a stream from another version is refused.
//!
//! Values use SQLite's value model, the smaller of the two: every column has one [`ColumnKind`]
//! derived from its declared type on SQLite and its catalogue type on PostgreSQL by the same
//! rule ([`ColumnKind::from_sqlite_decl`], [`ColumnKind::from_pg_type`]); the two migration
//! folders declare the same columns (`schema_parity` test) so both sides agree. PostgreSQL values
//! are turned into what the application writes on SQLite: `BOOLEAN` → integer 0/1,
//! `TIMESTAMPTZ` → RFC 3339 UTC text as jiff prints it (`2026-11-21T22:32:12Z`, fractional
//! seconds only when not zero — exactly jiff-sqlx's SQLite text), `DATE` → `YYYY-MM-DD`.

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::{Backend, ChangeContext, StoreResult};

/// The coarse, backend-neutral type of a column (SQLite's storage classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Integers and booleans (0/1).
    Integer,
    Real,
    /// Text, instants (RFC 3339 UTC) and dates (`YYYY-MM-DD`).
    Text,
    /// Bytes.
    Blob,
}

impl ColumnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Integer => "integer",
            ColumnKind::Real => "real",
            ColumnKind::Text => "text",
            ColumnKind::Blob => "blob",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "integer" => ColumnKind::Integer,
            "real" => ColumnKind::Real,
            "text" => ColumnKind::Text,
            "blob" => ColumnKind::Blob,
            _ => return None,
        })
    }

    /// SQLite's affinity rules (sqlite.org/datatype3.html §3.1) on the declared type, with
    /// `BOOLEAN` as an integer.
    pub fn from_sqlite_decl(decl: &str) -> Self {
        let d = decl.to_ascii_uppercase();
        if d.contains("INT") || d.contains("BOOL") {
            ColumnKind::Integer
        } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
            ColumnKind::Text
        } else if d.contains("BLOB") || d.is_empty() {
            ColumnKind::Blob
        } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
            ColumnKind::Real
        } else {
            // NUMERIC affinity (DATE, DATETIME, DECIMAL …): the application stores text there.
            ColumnKind::Text
        }
    }

    /// The kind of a PostgreSQL `information_schema.columns.data_type`; `None` for a type the
    /// backup does not carry (a clear error rather than a silent loss).
    pub fn from_pg_type(data_type: &str) -> Option<Self> {
        Some(match data_type {
            "bigint" | "integer" | "smallint" | "boolean" => ColumnKind::Integer,
            "double precision" | "real" => ColumnKind::Real,
            "text" | "character varying" | "character" | "timestamp with time zone" | "date" | "json" | "jsonb" => {
                ColumnKind::Text
            }
            "bytea" => ColumnKind::Blob,
            _ => return None,
        })
    }
}

/// One column of an archived table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: String,
    pub kind: ColumnKind,
}

/// One table: its name and columns in archive order (sorted by name, so the physical column
/// order of either back end does not matter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    pub name: String,
    pub columns: Vec<ColumnSpec>,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum ArchiveValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// What flows from a snapshot to a restore, in order: `Start`, then per table `Table`, any
/// number of `Rows`, `EndTable`; finally `End`. A restore commits only after `End`, so a stream
/// that stops early (a killed writer, a corrupt file) leaves the target as it was.
#[derive(Debug, Clone, PartialEq)]
pub enum ArchiveItem {
    Start { schema_version: i64, backend: Backend },
    Table(TableSpec),
    Rows(Vec<Vec<ArchiveValue>>),
    EndTable,
    End,
}

/// Rows per `ArchiveItem::Rows` message.
pub const ARCHIVE_BATCH: usize = 1000;

/// What a restore loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreCounts {
    pub tables: u64,
    pub rows: u64,
}

/// The audit event a restore appends after the restored chain: `action` / `entity_type`.
pub const RESTORE_ACTION: &str = "restore";
pub const RESTORE_ENTITY: &str = "database";

#[async_trait]
pub trait BackupStore {
    /// The latest applied migration version.
    async fn schema_version(&self) -> StoreResult<i64>;

    /// Streams every table in ONE read snapshot (SQLite: one read transaction on a WAL file;
    /// PostgreSQL: `REPEATABLE READ READ ONLY`), tables in foreign-key dependency order (ties by
    /// name), rows in primary-key order, `ARCHIVE_BATCH` rows per message. Consistent while the
    /// server keeps writing. Stops with an error if the receiver goes away.
    async fn export_snapshot(&self, out: mpsc::Sender<ArchiveItem>) -> StoreResult<()>;

    /// Loads a stream into this database in ONE write transaction. Refuses (`Conflict`) unless the
    /// database is empty (no audit events, no users — only what migrations load, which is
    /// replaced) and of the stream's schema version. Keeps ids; on PostgreSQL moves identity
    /// sequences past the largest id. Then appends one `restore`/`database` audit event
    /// (`after_json`, canonical JSON) after the restored chain, and commits on `End`.
    async fn restore_snapshot(
        &self,
        input: mpsc::Receiver<ArchiveItem>,
        ctx: &ChangeContext,
        after_json: String,
    ) -> StoreResult<RestoreCounts>;
}
