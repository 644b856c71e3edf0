//! Maintenance strategies and the AEM program (REFERENCE §2.2–2.4; rules in
//! `htm_domain::strategy`).
//!
//! - A strategy is proposed for a device model or one asset, with its rationale (and for AEM its
//!   group, alternate interval/procedure and the TJC EC.02.04.01 EP 5 criteria). The proposal is
//!   checked against CMS S&C 14-07-Hospital (no AEM for imaging/radiologic equipment, medical
//!   lasers, new equipment without sufficient history, equipment another rule ties to the OEM)
//!   and TJC EC.02.04.03 EP 2 (high-risk equipment is never run to failure or left out of the
//!   program); a refusal is `aem_not_allowed` / `strategy_not_allowed` listing every reason with
//!   its clause.
//! - Approval is an electronic signature (meaning *approval*, 21 CFR Part 11): the approver
//!   re-enters the password; the rules are checked again at approval time.
//! - The current strategy of an asset is its newest approved asset-level strategy, else its
//!   model's, else the manufacturer's recommendations (TJC EC.02.04.01 EP 6: the inventory shows
//!   which equipment is on AEM).
//! - AEM monitoring ([`Services::aem_monitoring`]): per AEM group and quarter, PMs done, failures
//!   found at PM, failures between PMs, incidents, the failure rate per device-year, and the
//!   return-to-manufacturer flag with its evidence (see the domain module for the rule).

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::FieldError;
use htm_domain::ids::{AssetId, ModelId, WorkOrderId};
use htm_domain::repair_analytics::{self as ra, Period};
use htm_domain::signature::Signature;
use htm_domain::strategy::{
    self as rules, AemSettings, EligibilityFacts, MaintenanceStrategy, ModelAemFlags, Refusal, StrategyProposal,
    StrategyRecord, StrategyStatus, StrategyTarget,
};
use htm_store::{AemMember, LabelledStrategy, StrategyFacts};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The entity type strategies are audited and signed as.
pub const STRATEGY_ENTITY: &str = "maintenance_strategy";

/// A strategy with what it covers and its signatures (the approval).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StrategyView {
    #[serde(flatten)]
    pub record: StrategyRecord,
    /// `Manufacturer ModelNumber` for a model, the asset tag for an asset.
    pub label: String,
    pub category: String,
    pub signatures: Vec<Signature>,
}

/// The strategy that applies to an asset.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetStrategy {
    pub asset_id: AssetId,
    pub strategy: MaintenanceStrategy,
    /// `asset` (its own), `model` (its model's) or `default` (no approved strategy: the
    /// manufacturer's recommendations).
    pub source: &'static str,
    pub record: Option<StrategyRecord>,
    pub signatures: Vec<Signature>,
}

/// An AEM group and its member assets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AemGroup {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub members: Vec<AemMember>,
}

/// What a strategy would be refused for, before proposing it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Eligibility {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub facts: StrategyFacts,
    pub history: rules::MaintenanceHistory,
    pub refusals: Vec<Refusal>,
}

/// One period's outcome measures of an AEM group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AemPeriodOutcome {
    /// `2026-Q1`, or `baseline`.
    pub label: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub to: Date,
    pub device_years: f64,
    pub pms_done: i64,
    /// Completed PMs with a failed result or that opened a repair.
    pub failures_at_pm: i64,
    /// Repairs whose cause counts as a device failure (REFERENCE §9.3), not opened by a PM.
    pub failures_between_pms: i64,
    pub incidents: i64,
    /// (failures at PM + failures between PMs) ÷ device-years; `None` without exposure.
    pub failure_rate: Option<f64>,
}

/// A work order counted as a failure in the latest period (the evidence of a flag).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AemEvidence {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub work_order_id: WorkOrderId,
    pub number: String,
    pub asset_tag: String,
    /// `found_at_pm` or `between_pms`.
    pub kind: &'static str,
    pub cause_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub at: Timestamp,
}

/// The monitoring of one AEM group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AemGroupReport {
    pub group: String,
    pub members: usize,
    /// The group's first approval (the earliest approval among its members' strategies).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub approved_at: Timestamp,
    /// The `baseline_months` before that approval.
    pub baseline: AemPeriodOutcome,
    pub periods: Vec<AemPeriodOutcome>,
    /// The label of the quarter judged (the latest covering at least 28 days of the report).
    pub judged_period: Option<String>,
    /// Flagged for return to the manufacturer's recommendations.
    pub return_to_manufacturer: bool,
    pub reasons: Vec<String>,
    /// The failures of the judged quarter.
    pub evidence: Vec<AemEvidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AemReport {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub to: Date,
    pub settings: AemSettings,
    pub groups: Vec<AemGroupReport>,
}

fn refused(strategy: MaintenanceStrategy, refusals: &[Refusal]) -> ServiceError {
    ServiceError::Refused {
        code: if strategy == MaintenanceStrategy::Aem { "aem_not_allowed" } else { "strategy_not_allowed" },
        message: rules::refusal_message(strategy, refusals),
        reasons: refusals
            .iter()
            .map(|r| FieldError::new(r.code.clone(), format!("{} [{}]", r.reason, r.clause)))
            .collect(),
    }
}

impl Services {
    fn today(&self) -> Date {
        self.now().to_zoned(jiff::tz::TimeZone::UTC).date()
    }

    /// The facts, history and refusals of `strategy` for `target` now.
    pub async fn strategy_eligibility(
        &self,
        p: &Principal,
        target: StrategyTarget,
        strategy: MaintenanceStrategy,
    ) -> ServiceResult<Eligibility> {
        p.require(Action::ReadInventory)?;
        if let StrategyTarget::Asset(a) = target {
            self.get_asset(p, a).await?;
        }
        let facts = self.store.strategy_facts(target).await?;
        let history = self.store.maintenance_history(target, self.today()).await?;
        let settings = self.store.get_aem_settings().await?;
        let refusals = rules::refusals(
            strategy,
            &EligibilityFacts {
                category: &facts.category,
                fda_product_code: facts.fda_product_code.as_deref(),
                flags: &facts.flags,
                high_risk: facts.high_risk,
                life_support: facts.life_support,
                history,
            },
            &settings,
        );
        Ok(Eligibility { facts, history, refusals })
    }

    /// Proposes a strategy for a model or an asset. Refused (422 `aem_not_allowed` /
    /// `strategy_not_allowed`) with every reason and its clause when the rules forbid it.
    pub async fn propose_strategy(
        &self,
        p: &Principal,
        target: StrategyTarget,
        proposal: StrategyProposal,
    ) -> ServiceResult<StrategyRecord> {
        p.require(Action::ProposeStrategy)?;
        let proposal = proposal.normalized()?;
        let e = self.strategy_eligibility(p, target, proposal.strategy).await?;
        if !e.refusals.is_empty() {
            return Err(refused(proposal.strategy, &e.refusals));
        }
        let ctx = self.ctx(p, Some(format!("proposed: {}", proposal.strategy.label())));
        Ok(self.store.insert_strategy(&ctx, target, &proposal).await?)
    }

    /// Approves a proposed strategy: an electronic signature (the approver's password), after the
    /// rules are checked again.
    pub async fn approve_strategy(
        &self,
        p: &Principal,
        id: i64,
        password: Option<&str>,
    ) -> ServiceResult<StrategyView> {
        p.require(Action::ApproveStrategy)?;
        let s = self.store.get_strategy(id).await?;
        if s.status != StrategyStatus::Proposed {
            return Err(ServiceError::Conflict {
                field: "status".into(),
                message: format!(
                    "strategy {id} is already {}: only a proposed strategy can be approved",
                    s.status.as_str()
                ),
            });
        }
        let e = self.strategy_eligibility(p, s.target, s.strategy).await?;
        if !e.refusals.is_empty() {
            return Err(refused(s.strategy, &e.refusals));
        }
        self.check_signing_password(p, password).await?;
        let ctx = self.ctx(p, Some(format!("approved: {}", s.strategy.label())));
        let record = self.store.decide_strategy(&ctx, id, StrategyStatus::Approved, None).await?;
        self.strategy_view(record, e.facts.label, e.facts.category).await
    }

    /// Rejects a proposed strategy, saying why.
    pub async fn reject_strategy(&self, p: &Principal, id: i64, note: &str) -> ServiceResult<StrategyRecord> {
        p.require(Action::ApproveStrategy)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(ServiceError::invalid("note", "say why the strategy is rejected"));
        }
        let ctx = self.ctx(p, Some(format!("rejected: {note}")));
        Ok(self.store.decide_strategy(&ctx, id, StrategyStatus::Rejected, Some(note)).await?)
    }

    async fn strategy_view(
        &self,
        record: StrategyRecord,
        label: String,
        category: String,
    ) -> ServiceResult<StrategyView> {
        let signatures = self.store.list_signatures(STRATEGY_ENTITY, &record.id.to_string()).await?;
        Ok(StrategyView { record, label, category, signatures })
    }

    /// One strategy record with its signatures.
    pub async fn get_strategy(&self, p: &Principal, id: i64) -> ServiceResult<StrategyView> {
        p.require(Action::ReadInventory)?;
        let record = self.store.get_strategy(id).await?;
        let facts = self.store.strategy_facts(record.target).await?;
        self.strategy_view(record, facts.label, facts.category).await
    }

    /// The register: the current (approved) strategy of every model and asset that has one, with
    /// its rationale and approval signature. Equipment not listed follows the manufacturer's
    /// recommendations.
    pub async fn list_strategies(&self, p: &Principal) -> ServiceResult<Vec<StrategyView>> {
        p.require(Action::ReadInventory)?;
        let mut out = Vec::new();
        for LabelledStrategy { record, label, category } in self.store.current_strategies().await? {
            out.push(self.strategy_view(record, label, category).await?);
        }
        Ok(out)
    }

    /// Proposals awaiting a decision, oldest first.
    pub async fn proposed_strategies(&self, p: &Principal) -> ServiceResult<Vec<StrategyView>> {
        p.require(Action::ReadInventory)?;
        let rows = self.store.proposed_strategies(500).await?;
        Ok(rows
            .into_iter()
            .map(|LabelledStrategy { record, label, category }| StrategyView {
                record,
                label,
                category,
                signatures: Vec::new(),
            })
            .collect())
    }

    /// Every strategy record of a model or asset, newest first.
    pub async fn strategy_history(&self, p: &Principal, target: StrategyTarget) -> ServiceResult<Vec<StrategyRecord>> {
        p.require(Action::ReadInventory)?;
        if let StrategyTarget::Asset(a) = target {
            self.get_asset(p, a).await?;
        }
        Ok(self.store.strategy_history(target).await?)
    }

    /// The strategy that applies to an asset now.
    pub async fn asset_strategy(&self, p: &Principal, asset: AssetId) -> ServiceResult<AssetStrategy> {
        p.require(Action::ReadInventory)?;
        self.get_asset(p, asset).await?;
        let record = self.store.asset_current_strategy(asset).await?;
        let (strategy, source) = match &record {
            Some(r) => (r.strategy, if matches!(r.target, StrategyTarget::Asset(_)) { "asset" } else { "model" }),
            None => (MaintenanceStrategy::Manufacturer, "default"),
        };
        let signatures = match &record {
            Some(r) => self.store.list_signatures(STRATEGY_ENTITY, &r.id.to_string()).await?,
            None => Vec::new(),
        };
        Ok(AssetStrategy { asset_id: asset, strategy, source, record, signatures })
    }

    /// The AEM groups with their member assets (TJC EC.02.04.01 EP 6).
    pub async fn aem_groups(&self, p: &Principal) -> ServiceResult<Vec<AemGroup>> {
        p.require(Action::ReadInventory)?;
        let mut groups: BTreeMap<String, Vec<AemMember>> = BTreeMap::new();
        for m in self.store.aem_members().await? {
            groups.entry(m.aem_group.clone()).or_default().push(m);
        }
        Ok(groups.into_iter().map(|(name, members)| AemGroup { name, members }).collect())
    }

    /// A model's rule designations.
    pub async fn model_aem_flags(&self, p: &Principal, model: ModelId) -> ServiceResult<ModelAemFlags> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.strategy_facts(StrategyTarget::Model(model)).await?.flags)
    }

    /// Sets a model's rule designations (imaging/radiologic, medical laser, another rule requires
    /// the manufacturer's recommendations — with its citation).
    pub async fn set_model_aem_flags(
        &self,
        p: &Principal,
        model: ModelId,
        flags: ModelAemFlags,
    ) -> ServiceResult<ModelAemFlags> {
        p.require(Action::ProposeStrategy)?;
        let flags = flags.normalized()?;
        let ctx = self.ctx(p, Some("AEM rule designations".into()));
        Ok(self.store.set_model_aem_flags(&ctx, model, &flags).await?)
    }

    pub async fn aem_settings(&self, p: &Principal) -> ServiceResult<AemSettings> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_aem_settings().await?)
    }

    pub async fn set_aem_settings(&self, p: &Principal, settings: AemSettings) -> ServiceResult<AemSettings> {
        p.require(Action::ManageAemSettings)?;
        settings.validate()?;
        let ctx = self.ctx(p, Some("AEM settings".into()));
        Ok(self.store.set_aem_settings(&ctx, &settings).await?)
    }

    /// AEM program monitoring over `from..=to` (UTC dates), per group and calendar quarter, with
    /// each group's baseline and its return-to-manufacturer flag (see `htm_domain::strategy`).
    pub async fn aem_monitoring(&self, p: &Principal, from: Date, to: Date) -> ServiceResult<AemReport> {
        p.require(Action::ReadReports)?;
        let period = Period::new(from, to)?;
        let settings = self.store.get_aem_settings().await?;
        let groups = self.aem_groups(p).await?;
        let quarters = rules::quarters(from, to);
        // The first approval of each group and its baseline window.
        let mut windows = Vec::new();
        for g in &groups {
            let approved_at = g.members.iter().map(|m| m.approved_at).min().unwrap_or_else(|| self.now());
            let approved_day = approved_at.to_zoned(jiff::tz::TimeZone::UTC).date();
            let base_to = approved_day.yesterday().unwrap_or(approved_day);
            let base_from = approved_day
                .checked_sub(jiff::Span::new().months(i64::from(settings.baseline_months)))
                .unwrap_or(approved_day);
            windows.push((approved_at, Period { from: base_from, to: base_to.max(base_from) }));
        }
        let earliest = windows.iter().map(|(_, w)| w.from).min().unwrap_or(from).min(from);
        let events = self.store.aem_events(Period { from: earliest, to }.start(), period.end()).await?;
        let from_pm: HashSet<WorkOrderId> = events.pms.iter().filter_map(|e| e.linked_work_order_id).collect();

        let mut out = Vec::new();
        for (g, (approved_at, base)) in groups.iter().zip(windows) {
            let members: HashMap<AssetId, &AemMember> = g.members.iter().map(|m| (m.asset_id, m)).collect();
            let outcome = |label: String, w: Period| -> AemPeriodOutcome {
                let (start, end) = (w.start(), w.end());
                let inside = |at: Timestamp| at >= start && at < end;
                let days: i64 = g
                    .members
                    .iter()
                    .filter_map(|m| m.service_start.map(|s| ra::exposure_days(s, m.service_end, &w)))
                    .sum();
                let pms: Vec<_> =
                    events.pms.iter().filter(|e| members.contains_key(&e.asset_id) && inside(e.completed_at)).collect();
                let at_pm = pms.iter().filter(|e| e.failed).count() as i64;
                let between = events
                    .failures
                    .iter()
                    .filter(|e| {
                        members.contains_key(&e.asset_id) && inside(e.opened_at) && !from_pm.contains(&e.work_order_id)
                    })
                    .count() as i64;
                let incidents = events
                    .incidents
                    .iter()
                    .filter(|e| members.contains_key(&e.asset_id) && inside(e.occurred_at))
                    .count() as i64;
                AemPeriodOutcome {
                    label,
                    from: w.from,
                    to: w.to,
                    device_years: (ra::device_years(days) * 100.0).round() / 100.0,
                    pms_done: pms.len() as i64,
                    failures_at_pm: at_pm,
                    failures_between_pms: between,
                    incidents,
                    failure_rate: rules::failure_rate(at_pm + between, days),
                }
            };
            let baseline = outcome("baseline".into(), base);
            let periods: Vec<AemPeriodOutcome> =
                quarters.iter().map(|q| outcome(q.label(), Period { from: q.from, to: q.to })).collect();
            let judged = rules::judged_quarter(&quarters);
            let latest = judged.and_then(|i| periods.get(i));
            let reasons = rules::judge_group(baseline.failure_rate, latest.and_then(|l| l.failure_rate), &settings);
            let mut evidence = Vec::new();
            if let Some(q) = judged.and_then(|i| quarters.get(i)) {
                let w = Period { from: q.from, to: q.to };
                let (start, end) = (w.start(), w.end());
                let tag = |a: AssetId| members.get(&a).map(|m| m.asset_tag.clone()).unwrap_or_default();
                for e in events.pms.iter().filter(|e| {
                    e.failed && members.contains_key(&e.asset_id) && e.completed_at >= start && e.completed_at < end
                }) {
                    evidence.push(AemEvidence {
                        work_order_id: e.work_order_id,
                        number: e.number.clone(),
                        asset_tag: tag(e.asset_id),
                        kind: "found_at_pm",
                        cause_code: None,
                        at: e.completed_at,
                    });
                }
                for e in events.failures.iter().filter(|e| {
                    members.contains_key(&e.asset_id)
                        && e.opened_at >= start
                        && e.opened_at < end
                        && !from_pm.contains(&e.work_order_id)
                }) {
                    evidence.push(AemEvidence {
                        work_order_id: e.work_order_id,
                        number: e.number.clone(),
                        asset_tag: tag(e.asset_id),
                        kind: "between_pms",
                        cause_code: Some(e.cause_code.clone()),
                        at: e.opened_at,
                    });
                }
                evidence.sort_by_key(|e| e.at);
            }
            out.push(AemGroupReport {
                group: g.name.clone(),
                members: g.members.len(),
                approved_at,
                baseline,
                judged_period: latest.map(|l| l.label.clone()),
                periods,
                return_to_manufacturer: !reasons.is_empty(),
                reasons,
                evidence,
            });
        }
        Ok(AemReport { from, to, settings, groups: out })
    }
}

/// The demo hospital's strategies: what a clinical engineer would have decided a year ago.
struct DemoPlan {
    category: &'static str,
    strategy: MaintenanceStrategy,
    rationale: &'static str,
    group: Option<(&'static str, i32)>,
    /// Days ago it was approved; `None`: still awaiting approval.
    approved_days_ago: Option<i64>,
}

const DEMO_PLANS: &[DemoPlan] = &[
    DemoPlan {
        category: "Infusion pump, large-volume (LVP)",
        strategy: MaintenanceStrategy::Aem,
        rationale: "Three years of fleet history: PMs found no failure a yearly inspection would have prevented; \
                    performance verification moves to every 18 months with battery checks at each cleaning.",
        group: Some(("Large-volume infusion pumps", 18)),
        approved_days_ago: Some(365),
    },
    DemoPlan {
        category: "Hospital bed, medical-surgical (electric)",
        strategy: MaintenanceStrategy::Aem,
        rationale: "Failures are evident to users and reported at once; PMs found mostly wear of castors and \
                    pendants. Inspection every 24 months.",
        group: Some(("Med-surg beds", 24)),
        approved_days_ago: Some(365),
    },
    DemoPlan {
        category: "Electronic clinical thermometer",
        strategy: MaintenanceStrategy::RunToFailure,
        rationale: "Low-cost, low-risk; failure is evident and a spare is on every unit. Replaced on failure; \
                    accuracy is checked by nursing against the reference thermometer.",
        group: None,
        approved_days_ago: Some(365),
    },
    DemoPlan {
        category: "Wall diagnostic system (otoscope/ophthalmoscope)",
        strategy: MaintenanceStrategy::NotInProgram,
        rationale: "No patient-connected electrical parts beyond the handle; Fennigkoh-Smith EM below 12. \
                    Kept on the inventory, repaired on demand.",
        group: None,
        approved_days_ago: Some(365),
    },
    DemoPlan {
        category: "Sequential compression device (intermittent pneumatic compression)",
        strategy: MaintenanceStrategy::Aem,
        rationale: "Pressure drift found at PM is rare; proposing a 24-month interval with a pressure check at \
                    each loan return.",
        group: Some(("Compression devices", 24)),
        approved_days_ago: None,
    },
];

impl Services {
    /// Seeds the demo hospital's maintenance strategies as the demo clinical engineer (`dchen`):
    /// AEM for large-volume infusion pumps and med-surg beds and run to failure / not in program
    /// for two low-risk device types, approved (and signed) a year ago, and one AEM proposal
    /// awaiting approval. Each is checked against the rules first; one the rules refuse is left
    /// out. Demo data: the approval signatures are written by the seed, not typed by a person.
    pub(crate) async fn seed_demo_strategies(&self, models: &[htm_domain::catalog::DeviceModel]) -> ServiceResult<()> {
        let Some((engineer, _)) = self.store.get_user_credentials("dchen").await? else { return Ok(()) };
        let p = Principal { user: engineer.clone() };
        let now = self.now();
        let ctx = |days_ago: i64, reason: &str| htm_store::ChangeContext {
            actor_id: Some(engineer.id),
            actor: engineer.username.clone(),
            at: now.checked_sub(jiff::SignedDuration::from_hours(24 * days_ago)).unwrap_or(now),
            reason: Some(reason.to_string()),
        };
        let criteria = rules::AemCriteria {
            use_and_harm: "Used by trained clinical staff on general wards; harm from a failure is uncommon and \
                           usually limited to a delayed treatment."
                .into(),
            failure_consequences: "Failures are alarmed or evident; the device is swapped from the equipment pool."
                .into(),
            backup_availability: "Spare units in the central equipment pool around the clock.".into(),
            incident_history: "No device-caused incidents with this or similar models in three years.".into(),
            maintenance_requirements: "No calibration drift seen at PM; batteries and wear parts checked in use."
                .into(),
        };
        for plan in DEMO_PLANS {
            for m in models.iter().filter(|m| m.category == plan.category) {
                let proposal = StrategyProposal {
                    strategy: plan.strategy,
                    rationale: plan.rationale.into(),
                    aem_group: plan.group.map(|(g, _)| g.to_string()),
                    alt_interval_months: plan.group.map(|(_, months)| months),
                    alt_procedure_code: None,
                    criteria: plan.group.map(|_| criteria.clone()),
                }
                .normalized()?;
                let target = StrategyTarget::Model(m.id);
                let e = self.strategy_eligibility(&p, target, proposal.strategy).await?;
                if !e.refusals.is_empty() {
                    tracing::warn!(model = %m.model_number, "demo strategy left out: {}", rules::refusal_message(proposal.strategy, &e.refusals));
                    continue;
                }
                let proposed_ago = plan.approved_days_ago.map_or(3, |d| d + 14);
                let rec = self
                    .store
                    .insert_strategy(&ctx(proposed_ago, "demo: strategy proposed"), target, &proposal)
                    .await?;
                if let Some(d) = plan.approved_days_ago {
                    self.store
                        .decide_strategy(&ctx(d, "demo: strategy approved"), rec.id, StrategyStatus::Approved, None)
                        .await?;
                }
            }
        }
        Ok(())
    }
}
