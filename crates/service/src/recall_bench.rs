//! `htm gen-recalls` (deterministic synthetic recalls, [`htm_demo::synthetic_recalls`]) and
//! `htm bench recall-match` (timing [`Services::match_recalls`]). See BENCHMARKS.md.

use crate::synthetic::{BenchResult, backend_name, summarize};
use crate::{Action, Principal, ServiceResult, Services};
use htm_demo::synthetic_recalls::{RecallSpec, synthetic_recalls};
use serde::Serialize;
use std::collections::BTreeMap;

/// How many records one import transaction holds.
const RECORDS_PER_IMPORT: usize = 2_000;

/// What `htm gen-recalls` loaded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecallLoad {
    pub inserted: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Records generated per kind (see `htm_demo::synthetic_recalls`).
    pub kinds: BTreeMap<&'static str, u32>,
}

impl Services {
    /// Generates `count` synthetic recalls against the current device models and imports them
    /// (idempotent: the same count and seed over the same models changes nothing).
    pub async fn load_synthetic_recalls(&self, p: &Principal, count: u32, seed: u64) -> ServiceResult<RecallLoad> {
        p.require(Action::ManageRecalls)?;
        let models = self.store.matching_models().await?;
        let records = synthetic_recalls(RecallSpec { count, seed }, &models);
        let mut load = RecallLoad { inserted: 0, updated: 0, unchanged: 0, kinds: BTreeMap::new() };
        for (k, _) in &records {
            *load.kinds.entry(k.as_str()).or_default() += 1;
        }
        let ctx = self.ctx(p, Some("synthetic recalls for the benchmark".into()));
        let plain: Vec<_> = records.into_iter().map(|(_, r)| r).collect();
        for chunk in plain.chunks(RECORDS_PER_IMPORT) {
            let s = self.store.import_recalls(&ctx, chunk).await?;
            load.inserted += s.inserted;
            load.updated += s.updated;
            load.unchanged += s.unchanged;
        }
        Ok(load)
    }

    /// Times [`Services::match_recalls`] `runs` times. The first run on a fresh set of recalls
    /// writes every candidate; later runs find them unchanged (the steady state of a re-run
    /// after an import). Rows: undecided candidates returned.
    pub async fn bench_recall_match(&self, p: &Principal, runs: u32) -> ServiceResult<BenchResult> {
        let mut per_run = Vec::new();
        for i in 0..runs.max(1) {
            let t = std::time::Instant::now();
            let c = self.match_recalls(p).await?;
            per_run.push((format!("run {}", i + 1), t.elapsed().as_secs_f64() * 1000.0, c.len() as i64));
            self.checkpoint().await?;
        }
        Ok(summarize("recall-match", backend_name(self), per_run))
    }
}
