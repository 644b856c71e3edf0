//! Recalls and hazard alerts: importing openFDA files, entering alerts by hand, matching them to
//! the inventory, the engineer's decisions, and closing (see `htm_domain::recall`, REFERENCE §6).
//! Reading needs `ReadInventory`; everything else `ManageRecalls`.
//!
//! Matching never crosses every recall with every asset: device models are indexed by the
//! company their manufacturer resolves to, a recall picks the models of its firm's company that
//! share its product code or are named in its text, and only those models' assets — plus the
//! assets whose UDI-DI appears in the text, through the UDI-DI index — are loaded and scored.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::AssetId;
use htm_domain::page::{Page, PageRequest};
use htm_domain::recall::{
    self as rules, AliasTable, AssetFacts, ImportSummary, MatchStatus, NewAlert, PreparedRecall, Recall, RecallClass,
    RecallId, RecallMatch, RecallMatchId, RecallProgress, RecallState,
};
use htm_domain::work_order::{NewWorkOrder, WorkOrderType};
use htm_store::{MatchDecision, RecallFilter};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// How many open recalls one matching round loads assets for.
const RECALLS_PER_ROUND: u32 = 100;

/// The shipped manufacturer alias table, parsed once.
pub fn aliases() -> &'static AliasTable {
    static T: OnceLock<AliasTable> = OnceLock::new();
    T.get_or_init(AliasTable::shipped)
}

/// One undecided candidate, as `htm recalls match --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    /// The openFDA `product_res_number` (or the alert's own number).
    pub recall: String,
    pub asset_tag: String,
    pub confidence: u8,
    pub reasons: Vec<String>,
    pub match_id: i64,
    pub recall_id: i64,
    pub asset_id: i64,
}

/// A recall with its progress and computed state (the dashboard row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecallSummary {
    #[serde(flatten)]
    pub recall: Recall,
    pub progress: RecallProgress,
    pub state: RecallState,
    /// Days since the recall was initiated (or recorded here, when the record has no date).
    pub age_days: i64,
}

/// A recall with its matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecallDetail {
    #[serde(flatten)]
    pub summary: RecallSummary,
    pub matches: Vec<RecallMatch>,
}

fn to_candidate(m: &RecallMatch) -> Candidate {
    Candidate {
        recall: m.recall_number.clone(),
        asset_tag: m.asset_tag.clone(),
        confidence: m.confidence,
        reasons: m.reasons.clone(),
        match_id: m.id.0,
        recall_id: m.recall_id.0,
        asset_id: m.asset_id,
    }
}

impl Services {
    fn summarize(&self, recall: Recall, matches: &[RecallMatch]) -> RecallSummary {
        let progress = RecallProgress::of(matches);
        let today = self.now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let since =
            recall.record.initiated_on.unwrap_or_else(|| recall.created_at.to_zoned(jiff::tz::TimeZone::UTC).date());
        let age_days = (today - since).get_days().into();
        RecallSummary { state: rules::state_of(recall.closed_at.is_some(), &progress), recall, progress, age_days }
    }

    /// Imports an openFDA device recall or device enforcement response (the JSON as published).
    /// The whole file is checked first; any bad record refuses it with every problem listed as
    /// `results[i].field`. Re-importing the same file changes nothing.
    pub async fn import_recalls(&self, p: &Principal, bytes: &[u8]) -> ServiceResult<ImportSummary> {
        p.require(Action::ManageRecalls)?;
        let records = rules::parse_openfda(bytes).map_err(ServiceError::Validation)?;
        Ok(self.store.import_recalls(&self.ctx(p, Some("openFDA import".into())), &records).await?)
    }

    /// Records a hand-entered alert (manufacturer letter, safety notice).
    pub async fn create_alert(&self, p: &Principal, new: NewAlert) -> ServiceResult<Recall> {
        p.require(Action::ManageRecalls)?;
        let record = new.into_record()?;
        Ok(self.store.insert_alert(&self.ctx(p, None), &record).await?)
    }

    pub async fn list_recalls(
        &self,
        p: &Principal,
        filter: &RecallFilter,
        page: PageRequest,
    ) -> ServiceResult<Page<RecallSummary>> {
        p.require(Action::ReadInventory)?;
        let page = self.store.list_recalls(filter, page).await?;
        let ids: Vec<RecallId> = page.items.iter().map(|r| r.id).collect();
        let matches = self.store.recall_matches(&ids).await?;
        let mut by_recall: HashMap<RecallId, Vec<RecallMatch>> = HashMap::new();
        for m in matches {
            by_recall.entry(m.recall_id).or_default().push(m);
        }
        let items = page
            .items
            .into_iter()
            .map(|r| {
                let ms = by_recall.remove(&r.id).unwrap_or_default();
                self.summarize(r, &ms)
            })
            .collect();
        Ok(Page { items, next_cursor: page.next_cursor })
    }

    pub async fn get_recall(&self, p: &Principal, id: RecallId) -> ServiceResult<RecallDetail> {
        p.require(Action::ReadInventory)?;
        let recall = self.store.get_recall(id).await?;
        let matches = self.store.recall_matches(&[id]).await?;
        Ok(RecallDetail { summary: self.summarize(recall, &matches), matches })
    }

    /// Re-runs matching for every open recall: undecided candidates are replaced by the current
    /// proposals; decided matches (confirmed, rejected, not affected) are kept. Returns the
    /// undecided candidates of all open recalls, highest confidence first within a recall.
    pub async fn match_recalls(&self, p: &Principal) -> ServiceResult<Vec<Candidate>> {
        p.require(Action::ManageRecalls)?;
        let ctx = self.ctx(p, Some("recall matching".into()));
        let aliases = aliases();
        let models = self.store.matching_models().await?;
        let mut by_company: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, m) in models.iter().enumerate() {
            for c in aliases.companies(&m.manufacturer) {
                by_company.entry(c).or_default().push(i);
            }
        }
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let recalls = self.store.open_recalls_after(after, RECALLS_PER_ROUND).await?;
            let Some(last) = recalls.last() else { break };
            after = Some(last.id);
            let prepared: Vec<PreparedRecall> =
                recalls.iter().map(|r| PreparedRecall::new(&r.record, aliases)).collect();
            // Which models and DIs each recall needs; one asset query for the round.
            let mut wanted_models: Vec<HashSet<i64>> = Vec::with_capacity(prepared.len());
            let mut all_models = HashSet::new();
            let mut all_dis = HashSet::new();
            for pr in &prepared {
                let mut set = HashSet::new();
                for c in &pr.companies {
                    for &i in by_company.get(c).map(Vec::as_slice).unwrap_or(&[]) {
                        if rules::model_may_match(pr, &models[i], aliases) {
                            set.insert(models[i].model_id);
                        }
                    }
                }
                all_models.extend(set.iter().copied());
                all_dis.extend(pr.di_tokens());
                wanted_models.push(set);
            }
            let model_ids: Vec<i64> = all_models.into_iter().collect();
            // Assets may store a GTIN-14 with a leading zero the notice leaves off.
            let dis: Vec<String> = all_dis.into_iter().flat_map(|d| [format!("0{d}"), d]).collect();
            let assets = self.store.matching_assets(&model_ids, &dis).await?;
            let mut assets_by_model: HashMap<i64, Vec<&AssetFacts>> = HashMap::new();
            let mut assets_by_di: HashMap<String, Vec<&AssetFacts>> = HashMap::new();
            for a in &assets {
                assets_by_model.entry(a.model_id).or_default().push(a);
                if let Some(d) = &a.udi_di {
                    assets_by_di.entry(d.clone()).or_default().push(a);
                }
            }
            let mut batch = Vec::with_capacity(recalls.len());
            for ((recall, pr), models_wanted) in recalls.iter().zip(&prepared).zip(&wanted_models) {
                let mut seen = HashSet::new();
                let mut proposals = Vec::new();
                let di_assets = pr
                    .di_tokens()
                    .into_iter()
                    .flat_map(|d| [format!("0{d}"), d])
                    .flat_map(|d| assets_by_di.get(&d).cloned().unwrap_or_default());
                let model_assets =
                    models_wanted.iter().flat_map(|m| assets_by_model.get(m).cloned().unwrap_or_default());
                for a in model_assets.chain(di_assets) {
                    if seen.insert(a.asset_id)
                        && let Some(prop) = rules::match_asset(pr, a, aliases)
                    {
                        proposals.push(prop);
                    }
                }
                proposals.sort_by_key(|p| p.asset_id);
                batch.push((recall.id, proposals));
            }
            self.store.sync_recall_candidates(&ctx, &batch).await?;
            let ids: Vec<RecallId> = recalls.iter().map(|r| r.id).collect();
            let matches = self.store.recall_matches(&ids).await?;
            out.extend(matches.iter().filter(|m| m.status == MatchStatus::Candidate).map(to_candidate));
        }
        Ok(out)
    }

    /// Confirms a candidate: the asset is affected. Opens a recall-action work order for it in
    /// the same transaction (priority from the recall class: I high, II normal, III low).
    pub async fn confirm_match(&self, p: &Principal, id: RecallMatchId) -> ServiceResult<RecallMatch> {
        p.require(Action::ManageRecalls)?;
        p.require(Action::CreateWorkOrder)?;
        let m = self.store.get_recall_match(id).await?;
        let recall = self.store.get_recall(m.recall_id).await?;
        let what =
            recall.record.reason.clone().or_else(|| recall.record.product_description.clone()).unwrap_or_default();
        let mut problem =
            format!("Recall {} ({}): {}", recall.record.number, class_text(recall.record.recall_class), what);
        if problem.chars().count() > 3900 {
            problem = problem.chars().take(3900).collect::<String>() + "…";
        }
        let wo = NewWorkOrder {
            wo_type: WorkOrderType::RecallAction,
            priority: rules::action_priority(recall.record.recall_class),
            asset_id: Some(AssetId(m.asset_id)),
            problem,
            requester_contact: None,
            assigned_to: None,
            vendor_id: None,
            due_date: None,
        }
        .normalized()?;
        let d = MatchDecision { to: MatchStatus::Confirmed, note: None, work_order: Some(wo) };
        Ok(self.store.decide_recall_match(&self.ctx(p, None), id, &d).await?)
    }

    /// Rejects a candidate (not this device); the note is required.
    pub async fn reject_match(&self, p: &Principal, id: RecallMatchId, note: &str) -> ServiceResult<RecallMatch> {
        self.decide(p, id, MatchStatus::Rejected, note).await
    }

    /// Documents that the asset is not affected (e.g. serial outside the range, already
    /// corrected); the note is required. Allowed on a candidate or a confirmed match.
    pub async fn mark_not_affected(&self, p: &Principal, id: RecallMatchId, note: &str) -> ServiceResult<RecallMatch> {
        self.decide(p, id, MatchStatus::NotAffected, note).await
    }

    async fn decide(
        &self,
        p: &Principal,
        id: RecallMatchId,
        to: MatchStatus,
        note: &str,
    ) -> ServiceResult<RecallMatch> {
        p.require(Action::ManageRecalls)?;
        let note = Some(note.trim().to_string()).filter(|n| !n.is_empty());
        let d = MatchDecision { to, note: note.clone(), work_order: None };
        Ok(self.store.decide_recall_match(&self.ctx(p, note), id, &d).await?)
    }

    /// Closes a recall: refused while a candidate is undecided or a confirmed asset has no
    /// completed (or closed) action work order and is not documented "not affected".
    pub async fn close_recall(&self, p: &Principal, id: RecallId) -> ServiceResult<Recall> {
        p.require(Action::ManageRecalls)?;
        Ok(self.store.close_recall(&self.ctx(p, None), id).await?)
    }

    /// Open recalls per class (`None`: not classified), for the dashboard.
    pub async fn open_recall_counts(&self, p: &Principal) -> ServiceResult<Vec<(Option<RecallClass>, u64)>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.open_recall_counts().await?)
    }

    /// Finds a recall by its number (`Z-…` or `ALERT-…`).
    pub async fn find_recall(&self, p: &Principal, number: &str) -> ServiceResult<Option<Recall>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.find_recall(number.trim()).await?)
    }
}

fn class_text(c: Option<RecallClass>) -> &'static str {
    c.map_or("class not given", RecallClass::label)
}
