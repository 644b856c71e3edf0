//! Recalls, hand-entered alerts and their matches to assets (see `htm_domain::recall`). Every
//! change is audited; an import that changes nothing writes nothing.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::page::{Page, PageRequest};
use htm_domain::recall::{
    AssetUnit, ImportSummary, MatchProposal, MatchStatus, ModelFacts, Recall, RecallClass, RecallId, RecallMatch,
    RecallMatchId, RecallRecord, RecallSource,
};
use htm_domain::work_order::NewWorkOrder;

/// Filters for the recall list (newest first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecallFilter {
    pub class: Option<RecallClass>,
    /// `Some(true)`: not closed; `Some(false)`: closed.
    pub open: Option<bool>,
    pub source: Option<RecallSource>,
}

/// Which assets [`RecallStore::matching_units`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitQuery<'a> {
    /// The first `limit` assets with an id above `after`, in id order: a pass over the whole
    /// inventory, page by page (cheapest when most models are named).
    Page { after: i64, limit: u32 },
    /// The assets of these models, through the model index (cheapest when few are named).
    Models(&'a [i64]),
    /// The assets with these UDI device identifiers, through the UDI-DI index.
    UdiDis(&'a [String]),
}

/// What re-matching one recall did to its undecided candidates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub added: u32,
    pub updated: u32,
    pub removed: u32,
    /// The undecided candidates after the sync, as (recall id, asset id, match id, added by
    /// this sync): the proposals not already decided (so the caller need not read them back).
    pub candidates: Vec<(i64, i64, i64, bool)>,
}

/// A decision on a match.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchDecision {
    pub to: MatchStatus,
    pub note: Option<String>,
    /// For a confirmation: the recall-action work order to open in the same transaction.
    pub work_order: Option<NewWorkOrder>,
}

#[async_trait]
pub trait RecallStore: Send + Sync {
    /// Inserts new recalls and updates changed ones (each record is overlaid on the stored one:
    /// fields the file does not carry keep their value), in one transaction. Identical records
    /// are left untouched and write no audit event.
    async fn import_recalls(&self, ctx: &ChangeContext, records: &[RecallRecord]) -> StoreResult<ImportSummary>;
    /// Records a hand-entered alert, numbered `ALERT-YYYY-NNNN` (audited).
    async fn insert_alert(&self, ctx: &ChangeContext, record: &RecallRecord) -> StoreResult<Recall>;
    async fn get_recall(&self, id: RecallId) -> StoreResult<Recall>;
    async fn find_recall(&self, number: &str) -> StoreResult<Option<Recall>>;
    /// Keyset page, newest (highest id) first.
    async fn list_recalls(&self, filter: &RecallFilter, page: PageRequest) -> StoreResult<Page<Recall>>;
    /// Open (not closed) recalls with id above `after`, in id order, at most `limit`.
    async fn open_recalls_after(&self, after: Option<RecallId>, limit: u32) -> StoreResult<Vec<Recall>>;
    /// The matches of these recalls (with their action work order's number and status).
    async fn recall_matches(&self, recalls: &[RecallId]) -> StoreResult<Vec<RecallMatch>>;
    async fn get_recall_match(&self, id: RecallMatchId) -> StoreResult<RecallMatch>;
    /// Every device model with its manufacturer's name (models are few; assets are not).
    async fn matching_models(&self) -> StoreResult<Vec<ModelFacts>>;
    /// The unit facts of the assets (never disposed ones) that `query` names. Read in bulk: each
    /// query returns its rows as one JSON array, because a database driver's per-row cost is
    /// far above the cost of these few columns (BENCHMARKS.md, "Recall matching").
    async fn matching_units(&self, query: UnitQuery<'_>) -> StoreResult<Vec<AssetUnit>>;
    /// For each recall of the batch, makes its undecided candidates equal its proposals (adds,
    /// updates, removes, audited), in one transaction; decided matches are kept as they are. An
    /// unchanged result writes nothing.
    async fn sync_recall_candidates(
        &self,
        ctx: &ChangeContext,
        batch: &[(RecallId, Vec<MatchProposal>)],
    ) -> StoreResult<SyncSummary>;
    /// Records a decision (checked by `htm_domain::recall::check_decision` against the current
    /// status); a confirmation opens its work order in the same transaction.
    async fn decide_recall_match(
        &self,
        ctx: &ChangeContext,
        id: RecallMatchId,
        decision: &MatchDecision,
    ) -> StoreResult<RecallMatch>;
    /// How many recalls are open, per recall class (`None`: not classified), for the dashboard.
    async fn open_recall_counts(&self) -> StoreResult<Vec<(Option<RecallClass>, u64)>>;
    /// Closes a recall if the closure rule holds (re-checked in the transaction).
    async fn close_recall(&self, ctx: &ChangeContext, id: RecallId) -> StoreResult<Recall>;
}
