//! PostgreSQL (15+), for health systems that outgrow one file. Ids are identity columns; the
//! audit head row's lock (taken by `UPDATE … RETURNING`) serialises appends to the chain.

use crate::Backend;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;

pub type Db = sqlx::Postgres;
const BACKEND: Backend = Backend::Postgres;
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PgStore {
    pool: sqlx::Pool<Db>,
}

type Impl = PgStore;

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let opts = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new().max_connections(16).connect_with(opts).await?;
        Ok(PgStore { pool })
    }

    /// Connects with `search_path` set to `schema`, creating the schema if needed.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self, sqlx::Error> {
        let opts = PgConnectOptions::from_str(url)?;
        {
            let pool = PgPoolOptions::new().max_connections(1).connect_with(opts.clone()).await?;
            let ident = schema.replace('"', "");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS \"{ident}\""))).execute(&pool).await?;
            pool.close().await;
        }
        let opts = opts.options([("search_path", schema)]);
        let pool = PgPoolOptions::new().max_connections(8).connect_with(opts).await?;
        Ok(PgStore { pool })
    }
}

async fn begin_write(pool: &sqlx::Pool<Db>) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    pool.begin().await
}

/// Moves every identity sequence past the ids a seed inserted explicitly: every table of the
/// schema with an identity `id` (a fixed list missed `pm_schedules`, `pm_procedures`, …, and the
/// first `POST /pm-schedules` on a seeded database got a duplicate-key 409).
async fn after_seed(conn: &mut DbConn) -> Result<(), sqlx::Error> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
         AND column_name = 'id' AND is_identity = 'YES' ORDER BY table_name",
    )
    .fetch_all(&mut *conn)
    .await?;
    for t in tables {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), GREATEST((SELECT MAX(id) FROM \"{t}\"), 1))"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The UTC calendar date of a stored instant, as SQL.
const DATE_OF_COMPLETED_AT: &str = "(w.completed_at AT TIME ZONE 'UTC')::date";

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
