//! Recalls and hazard alerts: importing openFDA files, entering alerts by hand, matching them to
//! the inventory, the engineer's decisions, and closing (see `htm_domain::recall`, REFERENCE §6).
//! Reading needs `ReadInventory`; everything else `ManageRecalls`.
//!
//! Matching never crosses every recall with every asset: device models are indexed by the
//! company their manufacturer resolves to, a recall picks the models of its firm's company that
//! share its product code or are named in its text, and only those models' assets — plus the
//! assets whose UDI-DI appears in the text, through the UDI-DI index — are scored. The model
//! part of a score is computed once per (model, recall); per asset only the unit part (UDI-DI,
//! serial, lot), read in bulk (see [`Services::match_recalls`] and BENCHMARKS.md).

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::AssetId;
use htm_domain::page::{Page, PageRequest};
use htm_domain::recall::{
    self as rules, AliasTable, AssetUnit, ImportSummary, MatchStatus, ModelFacts, NewAlert, PreparedRecall, Recall,
    RecallClass, RecallId, RecallMatch, RecallMatchId, RecallProgress, RecallState,
};
use htm_domain::work_order::{NewWorkOrder, WorkOrderType};
use htm_store::{MatchDecision, RecallFilter, UnitQuery};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// How many open recalls one read returns.
const RECALLS_PER_READ: u32 = 2_000;
/// About how many assets one read returns.
const UNITS_PER_READ: u32 = 50_000;
/// Matching passes over the whole inventory when the named models hold at least 1/N of it.
const UNITS_SCAN_SHARE_INVERSE: u64 = 4;
/// How many UDI-DIs one asset query looks up.
const DIS_PER_QUERY: usize = 500;
/// How many recalls' candidates one transaction writes.
const RECALLS_PER_SYNC: usize = 2_000;

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

/// A candidate this matching run added, as the stored match it is (for the notifications).
fn fresh_match(c: &Candidate) -> RecallMatch {
    RecallMatch {
        id: RecallMatchId(c.match_id),
        recall_id: RecallId(c.recall_id),
        recall_number: c.recall.clone(),
        asset_id: c.asset_id,
        asset_tag: c.asset_tag.clone(),
        confidence: c.confidence,
        reasons: c.reasons.clone(),
        status: MatchStatus::Candidate,
        decided_by: None,
        decided_at: None,
        note: None,
        work_order_id: None,
        work_order_number: None,
        work_order_status: None,
        version: 1,
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
    ///
    /// Set-based: the open recalls are read and prepared once; each recall names the device
    /// models that may match it (same company and product code or model number, or the same
    /// 510(k)) and the UDI-DIs in its text; the model part of the score is computed once per
    /// (model, recall); the named models' units are then read in bulk — through the model index,
    /// or in one pass over the inventory when they hold a large part of it — and only their unit
    /// part (UDI-DI, serial, lot) is scored; the results are written [`RECALLS_PER_SYNC`]
    /// recalls per transaction.
    pub async fn match_recalls(&self, p: &Principal) -> ServiceResult<Vec<Candidate>> {
        p.require(Action::ManageRecalls)?;
        let ctx = self.ctx(p, Some("recall matching".into()));
        let aliases = aliases();
        let started = std::time::Instant::now();
        let models = self.store.matching_models().await?;
        let mut by_company: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_k: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, m) in models.iter().enumerate() {
            for c in aliases.companies(&m.manufacturer) {
                by_company.entry(c).or_default().push(i);
            }
            if let Some(k) = &m.k_number {
                by_k.entry(k.to_uppercase()).or_default().push(i);
            }
        }
        // Every open recall, prepared once.
        let mut recalls: Vec<Recall> = Vec::new();
        let mut after = None;
        loop {
            let page = self.store.open_recalls_after(after, RECALLS_PER_READ).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            recalls.extend(page);
        }
        let prepared: Vec<PreparedRecall> = recalls.iter().map(|r| PreparedRecall::new(&r.record, aliases)).collect();
        // Which recalls name each model and each UDI-DI.
        let mut recalls_of_model: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut recalls_of_di: HashMap<String, Vec<usize>> = HashMap::new();
        for (ri, pr) in prepared.iter().enumerate() {
            let mut set = HashSet::new();
            let by_firm = pr.companies.iter().flat_map(|c| by_company.get(c).map(Vec::as_slice).unwrap_or(&[]));
            let by_510k =
                pr.k_numbers.iter().flat_map(|k| by_k.get(&k.to_uppercase()).map(Vec::as_slice).unwrap_or(&[]));
            for &i in by_firm.chain(by_510k) {
                if rules::model_may_match(pr, &models[i], aliases) && set.insert(models[i].model_id) {
                    recalls_of_model.entry(models[i].model_id).or_default().push(ri);
                }
            }
            // Assets may store a GTIN-14 with a leading zero the notice leaves off.
            for d in pr.di_tokens().into_iter().flat_map(|d| [format!("0{d}"), d]) {
                let v = recalls_of_di.entry(d).or_default();
                if v.last() != Some(&ri) {
                    v.push(ri);
                }
            }
        }
        tracing::debug!(recalls = recalls.len(), ms = started.elapsed().as_millis(), "recall matching: recalls read");
        let mut proposals: Vec<Vec<rules::MatchProposal>> = vec![Vec::new(); recalls.len()];
        let model_at: HashMap<i64, usize> = models.iter().enumerate().map(|(i, m)| (m.model_id, i)).collect();
        let evidence_of = |ri: usize, m: &ModelFacts| {
            rules::model_evidence(
                &prepared[ri],
                &m.manufacturer,
                &m.model_number,
                m.product_code.as_deref(),
                m.k_number.as_deref(),
                aliases,
            )
        };
        // The model part of the score, once per (model, recall naming it); then only the units.
        let evidence: HashMap<i64, Vec<(usize, rules::ModelEvidence)>> = recalls_of_model
            .iter()
            .filter_map(|(id, ris)| {
                let m = &models[*model_at.get(id)?];
                Some((*id, ris.iter().map(|&ri| (ri, evidence_of(ri, m))).collect()))
            })
            .collect();
        let mut score_unit = |a: &AssetUnit| {
            for (ri, e) in evidence.get(&a.model_id).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(prop) = rules::match_asset_given(&prepared[*ri], a, e) {
                    proposals[*ri].push(prop);
                }
            }
        };
        // Read the named models' units through the model index, or, when they are a large part
        // of the inventory, in one pass over it (random reads through an index cost far more per
        // row than a sequential pass).
        let named: u64 = evidence.keys().filter_map(|id| model_at.get(id)).map(|&i| models[i].assets).sum();
        let total: u64 = models.iter().map(|m| m.assets).sum();
        if named.saturating_mul(UNITS_SCAN_SHARE_INVERSE) >= total {
            // The next page is read (by the database, and parsed) while this one is scored.
            let read_page = |after: i64| {
                let store = self.store.clone();
                tokio::spawn(
                    async move { store.matching_units(UnitQuery::Page { after, limit: UNITS_PER_READ }).await },
                )
            };
            let mut next = read_page(0);
            loop {
                let page = next.await.map_err(|e| ServiceError::Internal(format!("reading assets: {e}")))??;
                let Some(last) = page.last() else { break };
                next = read_page(last.asset_id);
                page.iter().for_each(&mut score_unit);
            }
        } else {
            let mut ids: Vec<i64> = evidence.keys().copied().collect();
            ids.sort_unstable();
            // Chunks of about UNITS_PER_READ units.
            let mut start = 0;
            while start < ids.len() {
                let (mut end, mut units) = (start, 0u64);
                while end < ids.len() && (end == start || units < u64::from(UNITS_PER_READ)) {
                    units += model_at.get(&ids[end]).map_or(0, |&i| models[i].assets);
                    end += 1;
                }
                for a in self.store.matching_units(UnitQuery::Models(&ids[start..end])).await? {
                    score_unit(&a);
                }
                start = end;
            }
        }
        tracing::debug!(ms = started.elapsed().as_millis(), named, total, "recall matching: model assets scored");
        // Units whose UDI-DI a recall lists, unless that recall already proposed them.
        let mut dis: Vec<String> = recalls_of_di.keys().cloned().collect();
        dis.sort_unstable();
        for chunk in dis.chunks(DIS_PER_QUERY) {
            for a in self.store.matching_units(UnitQuery::UdiDis(chunk)).await? {
                let Some(m) = model_at.get(&a.model_id).map(|&i| &models[i]) else { continue };
                let di = a.udi_di.as_deref().unwrap_or_default();
                for &ri in recalls_of_di.get(di).map(Vec::as_slice).unwrap_or(&[]) {
                    if proposals[ri].iter().any(|p| p.asset_id == a.asset_id) {
                        continue;
                    }
                    if let Some(prop) = rules::match_asset_given(&prepared[ri], &a, &evidence_of(ri, m)) {
                        proposals[ri].push(prop);
                    }
                }
            }
        }
        tracing::debug!(ms = started.elapsed().as_millis(), "recall matching: UDI-DI assets scored");
        let batch: Vec<(RecallId, Vec<rules::MatchProposal>)> = recalls
            .iter()
            .zip(proposals)
            .map(|(r, mut ps)| {
                ps.sort_by_key(|p| p.asset_id);
                (r.id, ps)
            })
            .collect();
        // The undecided candidates, built from the proposals and the ids the sync returns (the
        // stored rows equal the proposals after it), ordered as `recall_matches` orders them;
        // the ones this run added are announced (notifications).
        let mut out = Vec::new();
        let mut fresh: Vec<RecallMatch> = Vec::new();
        for (b, rs) in batch.chunks(RECALLS_PER_SYNC).zip(recalls.chunks(RECALLS_PER_SYNC)) {
            let sync = self.store.sync_recall_candidates(&ctx, b).await?;
            let ids: HashMap<(i64, i64), (i64, bool)> =
                sync.candidates.into_iter().map(|(r, a, m, new)| ((r, a), (m, new))).collect();
            for ((recall_id, props), recall) in b.iter().zip(rs) {
                let mut cs: Vec<Candidate> = Vec::new();
                for p in props {
                    let Some(&(id, new)) = ids.get(&(recall_id.0, p.asset_id)) else { continue };
                    let c = Candidate {
                        recall: recall.record.number.clone(),
                        asset_tag: p.asset_tag.clone(),
                        confidence: p.confidence,
                        reasons: p.reasons.clone(),
                        match_id: id,
                        recall_id: recall_id.0,
                        asset_id: p.asset_id,
                    };
                    if new {
                        fresh.push(fresh_match(&c));
                    }
                    cs.push(c);
                }
                cs.sort_by_key(|c| (std::cmp::Reverse(c.confidence), c.match_id));
                out.extend(cs);
            }
        }
        tracing::debug!(ms = started.elapsed().as_millis(), candidates = out.len(), "recall matching: stored");
        self.notify_recall_candidates(p, &[], &fresh).await;
        tracing::debug!(ms = started.elapsed().as_millis(), "recall matching: done");
        Ok(out)
    }

    /// Creates a device model (as `create_model_designated`) with its 510(k) number, checked
    /// first (`K` + 6 digits, REFERENCE §5.6, §6.2) so a bad number creates nothing; the number
    /// is then set by a model update (its own audited `update` event).
    pub async fn create_model_with_510k(
        &self,
        p: &Principal,
        n: htm_domain::catalog::NewDeviceModel,
        designation_reason: Option<String>,
        fda_510k: Option<String>,
    ) -> ServiceResult<htm_domain::catalog::DeviceModel> {
        p.require(Action::ManageInventory)?;
        let k = fda_510k.as_deref().map(htm_domain::catalog::parse_510k).transpose()?;
        let m = self.create_model_designated(p, n, designation_reason).await?;
        let Some(k) = k else { return Ok(m) };
        let patch = htm_domain::catalog::ModelPatch { version: m.version, fda_510k: Some(k), ..Default::default() };
        self.update_model(p, m.id, patch).await
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
