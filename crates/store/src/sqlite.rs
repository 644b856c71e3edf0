//! SQLite: the embedded default. A file in WAL mode with foreign keys on; write transactions
//! begin IMMEDIATE so that concurrent writers queue instead of failing mid-transaction.

use crate::Backend;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub type Db = sqlx::Sqlite;
const BACKEND: Backend = Backend::Sqlite;
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    pool: sqlx::Pool<Db>,
}

type Impl = SqliteStore;

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
        Ok(SqliteStore { pool })
    }
}

async fn begin_write(pool: &sqlx::Pool<Db>) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

async fn after_seed(_conn: &mut DbConn) -> Result<(), sqlx::Error> {
    Ok(())
}

/// The UTC calendar date of a stored instant, as SQL.
const DATE_OF_COMPLETED_AT: &str = "substr(w.completed_at, 1, 10)";

include!("common.rs");
include!("repair_analytics_sql.rs");
include!("usage_sql.rs");
include!("login_guard_sql.rs");
include!("directory_sql.rs");
include!("api_token_sql.rs");
include!("risk_sql.rs");
include!("fhir_sql.rs");
include!("risk_methods_sql.rs");
include!("survey_sql.rs");
include!("incident_sql.rs");
include!("document_sql.rs");
include!("signatures_sql.rs");
include!("strategy_sql.rs");
include!("bulk_sql.rs");
include!("test_equipment_sql.rs");
include!("qualifications_sql.rs");
include!("recall_sql.rs");
include!("vulnerability_sql.rs");
include!("network_sql.rs");
include!("udi_sql.rs");
include!("calendar_sql.rs");
include!("contract_sql.rs");
include!("notify_sql.rs");
include!("spreadsheet_sql.rs");
include!("backup_sql.rs");
