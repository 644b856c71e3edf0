//! `htm gen`: loading a deterministic synthetic hospital ([`htm_demo::synthetic`]) into an
//! empty database for benchmarks, and `htm bench`: timing PM generation and the PM completion
//! report on it.
//!
//! The generator runs on a blocking thread and hands chunks of rows (already converted to
//! [`BulkTable`]s) to the loader through a bounded channel, so generation and loading overlap
//! and memory stays bounded by a few chunks. Each chunk is one transaction with one `bulk_load`
//! audit event (see [`htm_store::BulkStore`]).

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
pub use htm_demo::synthetic::SyntheticSpec;
use htm_demo::synthetic::{Generator, SynChunk, reference};
use htm_domain::pm::Month;
use htm_store::{BulkTable, BulkValue as V, ChangeContext};

/// Assets per chunk (≈ 10 work orders each at 5 years: ≈ 200,000 rows per transaction).
pub const CHUNK_ASSETS: u64 = 20_000;

/// What `htm gen` loaded.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GenSummary {
    pub assets: u64,
    pub schedules: u64,
    pub work_orders: u64,
    pub chunks: u64,
    /// The last month of history.
    pub end: String,
    pub seconds: f64,
}

const ASSET_COLUMNS: &[&str] = &[
    "id",
    "asset_tag",
    "serial_number",
    "model_id",
    "department_id",
    "location_id",
    "status",
    "acquisition_date",
    "acquisition_cost_minor",
    "currency",
    "in_service_date",
    "warranty_end",
    "version",
    "created_at",
    "updated_at",
];
const SCHEDULE_COLUMNS: &[&str] = &[
    "id",
    "asset_id",
    "interval_months",
    "basis",
    "anchor_date",
    "grace_days",
    "active",
    "version",
    "created_at",
    "updated_at",
];
const WO_COLUMNS: &[&str] = &[
    "id",
    "number",
    "wo_type",
    "priority",
    "status",
    "hold_reason",
    "asset_id",
    "problem",
    "cause_code",
    "work_performed",
    "result",
    "downtime_start",
    "due_date",
    "opened_at",
    "started_at",
    "completed_at",
    "closed_at",
    "took_out_of_service",
    "version",
    "updated_at",
    "schedule_id",
    "pm_period",
    "pm_outcome",
    "window_end",
];

fn s(v: &str) -> V {
    V::Text(v.to_string())
}

/// The chunk as the store's bulk tables (assets, then schedules, then work orders).
pub fn chunk_tables(c: SynChunk) -> Vec<BulkTable> {
    let mut assets = BulkTable::new("assets", ASSET_COLUMNS, c.assets.len());
    for a in c.assets {
        let created = V::Text(a.created_at);
        assets.push([
            V::Int(a.id),
            V::Text(a.asset_tag),
            V::Text(a.serial_number),
            V::Int(a.model_id),
            V::Int(a.department_id),
            V::Int(a.location_id),
            s(a.status),
            V::Text(a.acquisition_date),
            V::Int(a.acquisition_cost_minor),
            s("USD"),
            V::Text(a.in_service_date),
            V::Text(a.warranty_end),
            V::Int(1),
            created.clone(),
            created,
        ]);
    }
    let mut schedules = BulkTable::new("pm_schedules", SCHEDULE_COLUMNS, c.schedules.len());
    for x in c.schedules {
        let created = V::Text(x.created_at);
        schedules.push([
            V::Int(x.id),
            V::Int(x.asset_id),
            V::Int(x.interval_months),
            s(x.basis),
            V::Text(x.anchor_date),
            V::Int(x.grace_days),
            V::Bool(x.active),
            V::Int(1),
            created.clone(),
            created,
        ]);
    }
    let mut wos = BulkTable::new("work_orders", WO_COLUMNS, c.work_orders.len());
    for w in c.work_orders {
        wos.push([
            V::Int(w.id),
            V::Text(w.number),
            s(w.wo_type),
            s(w.priority),
            s(w.status),
            w.hold_reason.into(),
            V::Int(w.asset_id),
            V::Text(w.problem),
            w.cause_code.into(),
            w.work_performed.into(),
            w.result.into(),
            w.downtime_start.into(),
            w.due_date.into(),
            V::Text(w.opened_at),
            w.started_at.into(),
            w.completed_at.into(),
            w.closed_at.into(),
            V::Bool(w.took_out_of_service),
            V::Int(1),
            V::Text(w.updated_at),
            w.schedule_id.into(),
            w.pm_period.into(),
            w.pm_outcome.into(),
            w.window_end.into(),
        ]);
    }
    vec![assets, schedules, wos]
}

impl Services {
    /// Fills an EMPTY database with the synthetic hospital of `spec`; refuses a database that
    /// already holds sites, assets or work orders. `progress` is told about every chunk.
    pub async fn generate_synthetic(
        &self,
        p: &Principal,
        spec: SyntheticSpec,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> ServiceResult<GenSummary> {
        p.require(Action::ImportExport)?;
        p.require(Action::CreateWorkOrder)?;
        let started = std::time::Instant::now();
        if !self.store.is_empty().await? {
            return Err(ServiceError::Conflict {
                field: "database".into(),
                message: "the database is not empty; htm gen fills only an empty database".into(),
            });
        }
        let reference = reference(&spec).map_err(ServiceError::Internal)?;
        let ctx = ChangeContext {
            actor_id: None,
            actor: p.user.username.clone(),
            at: self.now(),
            reason: Some(format!(
                "synthetic dataset: htm gen --assets {} --years {} --seed {} (history to {})",
                spec.assets, spec.years, spec.seed, spec.end
            )),
        };
        self.store.seed(&ctx, &reference).await?;
        let deferred = self.store.bulk_begin(&ctx).await?;

        let (tx, mut rx) = tokio::sync::mpsc::channel::<(String, u64, u64, u64, Vec<BulkTable>)>(2);
        let generator = tokio::task::spawn_blocking(move || {
            let mut g = Generator::new(spec, &reference);
            while let Some(c) = g.next_chunk(CHUNK_ASSETS) {
                let label = format!("synthetic chunk {} (assets {}-{})", c.index + 1, c.first_asset, c.last_asset);
                let counts = (c.assets.len() as u64, c.schedules.len() as u64, c.work_orders.len() as u64);
                if tx.blocking_send((label, counts.0, counts.1, counts.2, chunk_tables(c))).is_err() {
                    break;
                }
            }
            g.counters()
        });
        let mut sum =
            GenSummary { assets: 0, schedules: 0, work_orders: 0, chunks: 0, end: spec.end.to_string(), seconds: 0.0 };
        while let Some((label, a, sc, w, tables)) = rx.recv().await {
            self.store.bulk_load(&ctx, &label, &tables).await?;
            sum.assets += a;
            sum.schedules += sc;
            sum.work_orders += w;
            sum.chunks += 1;
            progress(&format!(
                "{label}: {} assets, {} work orders so far ({:.1} s)",
                sum.assets,
                sum.work_orders,
                started.elapsed().as_secs_f64()
            ));
        }
        let counters = generator.await.map_err(|e| ServiceError::Internal(e.to_string()))?;
        progress(&format!(
            "loaded; recreating {} indexes and analysing ({:.1} s)",
            deferred.len(),
            started.elapsed().as_secs_f64()
        ));
        self.store.bulk_finish(&ctx, &counters, &deferred).await?;
        self.checkpoint().await?;
        sum.seconds = started.elapsed().as_secs_f64();
        Ok(sum)
    }
}

/// Timing figures of one benchmark, as `htm bench` prints them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BenchResult {
    pub name: String,
    pub backend: String,
    pub runs: u32,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    /// pm-generate: work orders created by the median run; pm-compliance: scheduled PMs counted.
    pub rows: i64,
    /// Every run: (month, milliseconds, rows).
    pub per_run: Vec<(String, f64, i64)>,
}

pub(crate) fn summarize(name: &str, backend: &str, per_run: Vec<(String, f64, i64)>) -> BenchResult {
    let mut ms: Vec<(f64, i64)> = per_run.iter().map(|r| (r.1, r.2)).collect();
    ms.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mid = ms.get(ms.len() / 2).copied().unwrap_or((0.0, 0));
    let round = |x: f64| (x * 10.0).round() / 10.0;
    BenchResult {
        name: name.to_string(),
        backend: backend.to_string(),
        runs: per_run.len() as u32,
        median_ms: round(mid.0),
        min_ms: round(ms.first().map_or(0.0, |x| x.0)),
        max_ms: round(ms.last().map_or(0.0, |x| x.0)),
        rows: mid.1,
        per_run,
    }
}

fn next_month(m: Month) -> Month {
    if m.month == 12 { Month { year: m.year + 1, month: 1 } } else { Month { year: m.year, month: m.month + 1 } }
}

impl Services {
    /// Times `generate_pm` `runs` times, each on a fresh month (`first`, the month after, …),
    /// so every run does the full work of a first generation (PM generation is idempotent: a
    /// second run on the same month only finds what exists). Each run adds work orders.
    pub async fn bench_pm_generate(&self, p: &Principal, first: Month, runs: u32) -> ServiceResult<BenchResult> {
        let mut per_run = Vec::new();
        let mut month = first;
        for _ in 0..runs.max(1) {
            let t = std::time::Instant::now();
            let g = self.generate_pm(p, month).await?;
            per_run.push((month.to_string(), t.elapsed().as_secs_f64() * 1000.0, g.created as i64));
            month = next_month(month);
            // Untimed: what `htm pm generate` does after a run (see `Services::checkpoint`).
            self.checkpoint().await?;
        }
        Ok(summarize("pm-generate", backend_name(self), per_run))
    }

    /// After a large write from a short-lived process: on SQLite, folds the write-ahead log
    /// back into the database and truncates it (a log of hundreds of megabytes left behind
    /// doubled the next report's time, BENCHMARKS.md); nothing on PostgreSQL.
    pub async fn checkpoint(&self) -> ServiceResult<()> {
        Ok(self.store.checkpoint().await?)
    }

    /// Times the PM completion report for `month` `runs` times (after one untimed warm-up run).
    pub async fn bench_pm_compliance(&self, p: &Principal, month: Month, runs: u32) -> ServiceResult<BenchResult> {
        self.pm_compliance(p, month).await?;
        let mut per_run = Vec::new();
        for _ in 0..runs.max(1) {
            let t = std::time::Instant::now();
            let r = self.pm_compliance(p, month).await?;
            per_run.push((month.to_string(), t.elapsed().as_secs_f64() * 1000.0, r.total.scheduled));
        }
        Ok(summarize("pm-compliance", backend_name(self), per_run))
    }
}

pub(crate) fn backend_name(s: &Services) -> &'static str {
    match s.store.backend() {
        htm_store::Backend::Sqlite => "sqlite",
        htm_store::Backend::Postgres => "postgres",
    }
}
