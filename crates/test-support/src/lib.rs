//! Test databases on both back ends. Every integration test asks for [`stores`] and runs its
//! story once per back end: a fresh SQLite file in a temporary directory, and a fresh schema
//! on the PostgreSQL server that `HTM_TEST_PG_URL` names. With `HTM_REQUIRE_PG=1` (CI sets it)
//! a missing PostgreSQL is a failure, never a silent skip.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure to set up is a test failure

use htm_store::{DatabaseUrl, Store};
use std::path::PathBuf;
use std::sync::Arc;

/// One migrated, empty test database. Dropping it removes the SQLite directory; PostgreSQL
/// schemas are left for the cluster to discard (each test uses its own).
pub struct TestDb {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    /// The URL a separate process (the CLI, a server) can use to reach the same database.
    pub url: String,
    _dir: Option<TempDir>,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

pub fn pg_url() -> Option<String> {
    match std::env::var("HTM_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("HTM_REQUIRE_PG").as_deref() == Ok("1") {
                panic!("HTM_REQUIRE_PG=1 but HTM_TEST_PG_URL is not set: start PostgreSQL (scripts/pg-test-env.sh)");
            }
            None
        }
    }
}

/// A fresh SQLite database.
pub async fn sqlite() -> TestDb {
    let dir = temp_dir("htm-test");
    let url = format!("sqlite://{}", dir.join("htm.db").display());
    let store = htm_store::open(&DatabaseUrl::parse(&url).unwrap()).await.unwrap();
    TestDb { name: "sqlite", store, url, _dir: Some(TempDir(dir)) }
}

/// A fresh PostgreSQL schema, if a server is configured.
pub async fn postgres() -> Option<TestDb> {
    let base = pg_url()?;
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let store = htm_store::connect_postgres_schema(&base, &schema)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at HTM_TEST_PG_URL: {e}"));
    store.migrate().await.unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
    Some(TestDb { name: "postgres", store, url, _dir: None })
}

/// Both back ends (PostgreSQL when configured).
pub async fn stores() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

impl TestDb {
    /// Runs one SQL statement on this database directly, past the store (and its audit): for
    /// tests that tamper with stored records to show that it is detected, or that set up a
    /// state the store refuses. `bytes`, when given, is bound as `$1`.
    pub async fn execute_raw(&self, sql: &str, bytes: Option<Vec<u8>>) {
        use sqlx::Connection;
        macro_rules! run {
            ($conn:ty) => {{
                let mut c = <$conn>::connect(&self.url).await.unwrap();
                let q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
                let q = match bytes {
                    Some(b) => q.bind(b),
                    None => q,
                };
                q.execute(&mut c).await.unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.name));
            }};
        }
        if self.name == "sqlite" { run!(sqlx::SqliteConnection) } else { run!(sqlx::PgConnection) }
    }
}
