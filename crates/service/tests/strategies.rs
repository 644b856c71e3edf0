//! Maintenance strategies and AEM monitoring on both back ends (REFERENCE §2.2–2.4).
//!
//! History is written through the store with back-dated contexts (the service's clock is now):
//! fleets in service since 2023, PMs and repairs on given days, approvals on given days.
//!
//! Monitoring worked example (report 2025-01-01 … 2025-06-30; groups approved 2025-01-01, so the
//! baseline is 2024-01-01 … 2024-12-31 = 366 days × 10 pumps = 10.02 device-years):
//! - "LVP": baseline 2 EF repairs → 0.20/device-year; 2025-Q2 (91 days × 10 = 2.49 device-years)
//!   one EF repair + one failed PM (+ a USE and an NPF repair, not failures) → 2 → 0.80, more than
//!   50 % above 0.20 (limit 0.30): flagged, with both work orders as evidence.
//! - "Syringe": baseline 4 EF → 0.40; 2025-Q2 one EF → 0.40: stable, not flagged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PASSWORD, shop};
use htm_domain::asset::NewAsset;
use htm_domain::catalog::NewDeviceModel;
use htm_domain::ids::*;
use htm_domain::signature::SignatureMeaning;
use htm_domain::strategy::{
    AemCriteria, MaintenanceStrategy, ModelAemFlags, StrategyProposal, StrategyStatus, StrategyTarget,
};
use htm_domain::user::{NewUser, Role};
use htm_domain::work_order::{NewWorkOrder, TransitionRequest};
use htm_service::{Principal, ServiceError};
use htm_store::{ChangeContext, Store};
use htm_test_support::stores;
use jiff::civil::date;

fn at(s: &str) -> ChangeContext {
    ChangeContext { actor_id: None, actor: "tester".into(), at: s.parse().unwrap(), reason: None }
}

async fn model(s: &dyn Store, mfr: ManufacturerId, number: &str, category: &str, code: Option<&str>) -> ModelId {
    let n: NewDeviceModel = serde_json::from_value(serde_json::json!({
        "manufacturer_id": mfr.0, "model_number": number, "name": number, "category": category,
        "fda_product_code": code,
    }))
    .unwrap();
    s.insert_model(&at("2023-01-01T00:00:00Z"), &n).await.unwrap().id
}

async fn fleet(s: &dyn Store, model: ModelId, dept: DepartmentId, prefix: &str, n: usize, since: &str) -> Vec<AssetId> {
    let mut out = Vec::new();
    for i in 0..n {
        let a: NewAsset = serde_json::from_value(serde_json::json!({
            "asset_tag": format!("{prefix}-{i:03}"), "model_id": model.0, "department_id": dept.0,
            "status": "in_service", "in_service_date": since,
        }))
        .unwrap();
        out.push(s.insert_asset(&at(&format!("{since}T00:00:00Z")), &a).await.unwrap().id);
    }
    out
}

async fn work(s: &dyn Store, tech: UserId, asset: AssetId, kind: &str, day: &str, finish: serde_json::Value) -> String {
    let n: NewWorkOrder = serde_json::from_value(
        serde_json::json!({"wo_type": kind, "asset_id": asset.0, "problem": "Scheduled or reported work"}),
    )
    .unwrap();
    let c = at(&format!("{day}T09:00:00Z"));
    let wo = s.insert_work_order(&c, &n, None).await.unwrap();
    let start: TransitionRequest =
        serde_json::from_value(serde_json::json!({"to": "in_progress", "assigned_to": tech.0})).unwrap();
    s.transition_work_order(&c, wo.id, &start).await.unwrap();
    let mut f = finish;
    f["to"] = "completed".into();
    f["work_performed"] = "Done".into();
    let finish: TransitionRequest = serde_json::from_value(f).unwrap();
    s.transition_work_order(&at(&format!("{day}T11:00:00Z")), wo.id, &finish).await.unwrap();
    wo.number
}

async fn pm(s: &dyn Store, tech: UserId, asset: AssetId, day: &str, pass: bool) -> String {
    work(s, tech, asset, "pm", day, serde_json::json!({"result": if pass { "pass" } else { "fail" }})).await
}

async fn repair(s: &dyn Store, tech: UserId, asset: AssetId, day: &str, cause: &str) -> String {
    work(s, tech, asset, "repair", day, serde_json::json!({"result": "pass", "cause_code": cause})).await
}

fn aem(group: &str) -> StrategyProposal {
    StrategyProposal {
        strategy: MaintenanceStrategy::Aem,
        rationale: "Three years of fleet data: no failure a 12-month PM would have prevented".into(),
        aem_group: Some(group.into()),
        alt_interval_months: Some(24),
        alt_procedure_code: None,
        criteria: Some(AemCriteria {
            use_and_harm: "General-ward infusion; interrupted therapy if it fails".into(),
            failure_consequences: "Alarms stop the pump; no silent over-infusion reported".into(),
            backup_availability: "Pool of 40 spare pumps in central supply".into(),
            incident_history: "No device-caused incidents in 3 years for this model".into(),
            maintenance_requirements: "Battery and occlusion check; no calibration drift seen".into(),
        }),
    }
}

struct Fix {
    shop: common::Shop,
    eng: Principal,
    mfr: ManufacturerId,
}

async fn fixture(store: std::sync::Arc<dyn Store>) -> Fix {
    let shop = shop(store).await;
    let eng = shop
        .s
        .add_user_as_system(NewUser {
            username: "ce1".into(),
            display_name: "Casey Engineer".into(),
            role: Role::Engineer,
            email: None,
            vendor_id: None,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    let mfr = shop
        .s
        .store
        .insert_manufacturer(&at("2023-01-01T00:00:00Z"), &htm_domain::catalog::NewManufacturer { name: "Acme".into() })
        .await
        .unwrap()
        .id;
    Fix { shop, eng: Principal { user: eng }, mfr }
}

impl Fix {
    /// A model with `n` assets in service since `since` and `pms` passed PMs in 2024.
    async fn with_history(&self, number: &str, category: &str, code: Option<&str>, since: &str, pms: usize) -> ModelId {
        self.fleet_with_history(number, category, code, since, pms).await.0
    }

    async fn fleet_with_history(
        &self,
        number: &str,
        category: &str,
        code: Option<&str>,
        since: &str,
        pms: usize,
    ) -> (ModelId, Vec<AssetId>) {
        let s = self.shop.s.store.as_ref();
        let m = model(s, self.mfr, number, category, code).await;
        let assets = fleet(s, m, self.shop.dept, number, 2, since).await;
        for i in 0..pms {
            pm(s, self.shop.tech.user.id, assets[i % 2], &format!("2024-{:02}-10", i % 12 + 1), true).await;
        }
        (m, assets)
    }
}

fn refused(e: ServiceError) -> (&'static str, String, Vec<String>) {
    match e {
        ServiceError::Refused { code, message, reasons } => {
            (code, message, reasons.into_iter().map(|r| r.field).collect())
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn aem_is_refused_where_cms_forbids_it_and_allowed_with_history() {
    for db in stores().await {
        let f = fixture(db.store.clone()).await;
        let s = &f.shop.s;
        let eng = &f.eng;

        // Imaging: a CT scanner with plenty of history.
        let ct = f.with_history("CT-1", "Computed tomography (CT) scanner", Some("JAK"), "2022-01-01", 4).await;
        let (code, msg, reasons) =
            refused(s.propose_strategy(eng, StrategyTarget::Model(ct), aem("CT")).await.unwrap_err());
        assert_eq!(code, "aem_not_allowed");
        assert_eq!(reasons, ["imaging_radiologic"]);
        assert!(msg.contains("S&C 14-07") && msg.contains("imaging"), "{msg}");

        // A medical laser.
        let laser = f.with_history("YAG-1", "Ophthalmic Nd:YAG laser", Some("LXS"), "2022-01-01", 4).await;
        let (_, _, reasons) =
            refused(s.propose_strategy(eng, StrategyTarget::Model(laser), aem("Lasers")).await.unwrap_err());
        assert_eq!(reasons, ["medical_laser"]);

        // New equipment: in service for months, no PM yet.
        let new = f.with_history("LVP-NEW", "Infusion pump, large-volume (LVP)", Some("FRN"), "2026-06-01", 0).await;
        let (_, msg, reasons) =
            refused(s.propose_strategy(eng, StrategyTarget::Model(new), aem("LVP")).await.unwrap_err());
        assert_eq!(reasons, ["insufficient_history"]);
        assert!(msg.contains("0 completed PMs"), "{msg}");

        // Another rule requires the manufacturer's recommendations.
        let hd = f.with_history("HD-1", "Hemodialysis machine", Some("KDI"), "2022-01-01", 4).await;
        let flags = ModelAemFlags {
            other_rule_requires_oem: true,
            other_rule_citation: Some("State dialysis facility rule 25 TAC 117.83".into()),
            ..Default::default()
        };
        s.set_model_aem_flags(eng, hd, flags).await.unwrap();
        let (_, msg, reasons) =
            refused(s.propose_strategy(eng, StrategyTarget::Model(hd), aem("HD")).await.unwrap_err());
        assert_eq!(reasons, ["other_rule_requires_oem"]);
        assert!(msg.contains("25 TAC 117.83"), "{msg}");

        // Allowed: an infusion pump with two years of history and PMs.
        let lvp = f.with_history("LVP-1", "Infusion pump, large-volume (LVP)", Some("FRN"), "2022-01-01", 4).await;
        let p = s.propose_strategy(eng, StrategyTarget::Model(lvp), aem("LVP")).await.unwrap();
        assert_eq!(p.status, StrategyStatus::Proposed);
        assert_eq!(p.aem_group.as_deref(), Some("LVP"));

        // A technician may not propose; the shop's high-risk pump may not run to failure.
        let rtf = StrategyProposal {
            strategy: MaintenanceStrategy::RunToFailure,
            rationale: "cheap".into(),
            aem_group: None,
            alt_interval_months: None,
            alt_procedure_code: None,
            criteria: None,
        };
        assert!(matches!(
            s.propose_strategy(&f.shop.tech, StrategyTarget::Model(lvp), rtf.clone()).await,
            Err(ServiceError::Forbidden(_))
        ));
        let (code, msg, _) =
            refused(s.propose_strategy(eng, StrategyTarget::Model(f.shop.model), rtf).await.unwrap_err());
        assert_eq!(code, "strategy_not_allowed");
        assert!(msg.contains("EC.02.04.03 EP 2"), "{msg}");
    }
}

#[tokio::test]
async fn approval_is_a_signature_and_sets_the_current_strategy() {
    for db in stores().await {
        let f = fixture(db.store.clone()).await;
        let s = &f.shop.s;
        let eng = &f.eng;
        let (lvp, assets) =
            f.fleet_with_history("LVP-1", "Infusion pump, large-volume (LVP)", Some("FRN"), "2022-01-01", 4).await;
        let p = s.propose_strategy(eng, StrategyTarget::Model(lvp), aem("LVP")).await.unwrap();

        // Before approval the pump follows the manufacturer (implicitly).
        let cur = s.asset_strategy(eng, assets[0]).await.unwrap();
        assert_eq!((cur.strategy, cur.source), (MaintenanceStrategy::Manufacturer, "default"));

        // No password, a wrong one, a technician: refused and nothing changes.
        assert!(matches!(s.approve_strategy(eng, p.id, None).await, Err(ServiceError::SignatureRequired(_))));
        assert!(matches!(s.approve_strategy(eng, p.id, Some("wrong")).await, Err(ServiceError::SignatureInvalid(_))));
        assert!(matches!(
            s.approve_strategy(&f.shop.tech, p.id, Some(PASSWORD)).await,
            Err(ServiceError::Forbidden(_))
        ));
        assert_eq!(s.get_strategy(eng, p.id).await.unwrap().record.status, StrategyStatus::Proposed);

        let v = s.approve_strategy(eng, p.id, Some(PASSWORD)).await.unwrap();
        assert_eq!(v.record.status, StrategyStatus::Approved);
        assert_eq!(v.record.decided_by.as_deref(), Some("ce1"));
        assert_eq!(v.signatures.len(), 1);
        assert_eq!(v.signatures[0].meaning, SignatureMeaning::Approval);
        assert_eq!(v.signatures[0].signer_name, "Casey Engineer");
        // Approved once only.
        assert!(matches!(s.approve_strategy(eng, p.id, Some(PASSWORD)).await, Err(ServiceError::Conflict { .. })));

        let cur = s.asset_strategy(eng, assets[0]).await.unwrap();
        assert_eq!((cur.strategy, cur.source), (MaintenanceStrategy::Aem, "model"));
        let reg = s.list_strategies(eng).await.unwrap();
        assert_eq!(reg.len(), 1);
        assert_eq!(reg[0].label, "Acme LVP-1");
        assert_eq!(reg[0].signatures.len(), 1);
        let groups = s.aem_groups(eng).await.unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].members.len(), 2);

        // An asset-level override back to the manufacturer's recommendations.
        let own = StrategyProposal {
            strategy: MaintenanceStrategy::Manufacturer,
            rationale: "Loaned to the burn unit: OEM schedule".into(),
            aem_group: None,
            alt_interval_months: None,
            alt_procedure_code: None,
            criteria: None,
        };
        let o = s.propose_strategy(eng, StrategyTarget::Asset(assets[1]), own).await.unwrap();
        s.approve_strategy(eng, o.id, Some(PASSWORD)).await.unwrap();
        let cur = s.asset_strategy(eng, assets[1]).await.unwrap();
        assert_eq!((cur.strategy, cur.source), (MaintenanceStrategy::Manufacturer, "asset"));
        assert_eq!(s.aem_groups(eng).await.unwrap()[0].members.len(), 1);
        assert_eq!(s.list_strategies(eng).await.unwrap().len(), 2);

        // A rejection needs a reason; history keeps every record.
        let again = s.propose_strategy(eng, StrategyTarget::Model(lvp), aem("LVP")).await.unwrap();
        assert!(s.reject_strategy(eng, again.id, " ").await.is_err());
        let r = s.reject_strategy(eng, again.id, "Wait for the Q3 data").await.unwrap();
        assert_eq!(r.status, StrategyStatus::Rejected);
        assert_eq!(s.strategy_history(eng, StrategyTarget::Model(lvp)).await.unwrap().len(), 2);

        assert!(s.verify_audit().await.unwrap().is_ok());
        // The approved (signed) strategy edited in the database: verification fails.
        let sql = format!("UPDATE maintenance_strategies SET rationale = 'OEM says so' WHERE id = {}", p.id);
        if db.name == "sqlite" {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
        } else {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
        }
        assert_eq!(
            s.verify_audit().await.unwrap(),
            Err(htm_domain::audit::ChainBreak::Signature(htm_domain::signature::SignatureBreak::RecordEdited {
                entity: format!("maintenance strategy {}", p.id)
            })),
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn a_rising_failure_rate_flags_the_group_and_a_stable_one_is_not() {
    for db in stores().await {
        let f = fixture(db.store.clone()).await;
        let s = &f.shop.s;
        let st = s.store.as_ref();
        let tech = f.shop.tech.user.id;
        let lvp = model(st, f.mfr, "LVP-9", "Infusion pump, large-volume (LVP)", Some("FRN")).await;
        let syr = model(st, f.mfr, "SYR-9", "Infusion pump, syringe", Some("FRN")).await;
        let lvps = fleet(st, lvp, f.shop.dept, "LVP", 10, "2023-01-01").await;
        let syrs = fleet(st, syr, f.shop.dept, "SYR", 10, "2023-01-01").await;
        // History before the approvals: PMs and baseline failures in 2024.
        for (i, a) in lvps.iter().chain(syrs.iter()).enumerate() {
            pm(st, tech, *a, &format!("2024-{:02}-15", i % 12 + 1), true).await;
        }
        repair(st, tech, lvps[0], "2024-03-01", "EF").await;
        repair(st, tech, lvps[1], "2024-09-01", "EF").await;
        for (i, day) in ["2024-02-01", "2024-05-01", "2024-08-01", "2024-11-01"].iter().enumerate() {
            repair(st, tech, syrs[i], day, "EF").await;
        }
        // Proposed now, approved (signed) on 2025-01-01.
        let approve_on = ChangeContext {
            actor_id: Some(f.eng.user.id),
            actor: "ce1".into(),
            at: "2025-01-01T08:00:00Z".parse().unwrap(),
            reason: None,
        };
        for (m, g) in [(lvp, "LVP"), (syr, "Syringe")] {
            let p = s.propose_strategy(&f.eng, StrategyTarget::Model(m), aem(g)).await.unwrap();
            st.decide_strategy(&approve_on, p.id, StrategyStatus::Approved, None).await.unwrap();
        }
        // 2025-Q1: quiet. 2025-Q2: LVP rises; syringe pumps stay where they were.
        let ef = repair(st, tech, lvps[2], "2025-04-10", "EF").await;
        let failed_pm = pm(st, tech, lvps[3], "2025-05-10", false).await;
        repair(st, tech, lvps[4], "2025-05-20", "USE").await;
        repair(st, tech, lvps[5], "2025-06-01", "NPF").await;
        pm(st, tech, lvps[6], "2025-06-05", true).await;
        repair(st, tech, syrs[0], "2025-05-05", "EF").await;

        let r = s.aem_monitoring(&f.eng, date(2025, 1, 1), date(2025, 6, 30)).await.unwrap();
        assert_eq!(r.groups.len(), 2);
        let g = &r.groups[0];
        assert_eq!((g.group.as_str(), g.members), ("LVP", 10));
        assert_eq!((g.baseline.from, g.baseline.to), (date(2024, 1, 1), date(2024, 12, 31)));
        assert_eq!(g.baseline.failures_between_pms, 2);
        assert_eq!(g.baseline.pms_done, 10);
        assert_eq!(g.baseline.device_years, 10.02);
        assert_eq!(g.baseline.failure_rate, Some(0.2));
        let labels: Vec<&str> = g.periods.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2025-Q1", "2025-Q2"]);
        let q2 = &g.periods[1];
        assert_eq!((q2.pms_done, q2.failures_at_pm, q2.failures_between_pms, q2.incidents), (2, 1, 1, 0));
        assert_eq!(q2.device_years, 2.49);
        assert_eq!(q2.failure_rate, Some(0.8));
        assert_eq!(g.judged_period.as_deref(), Some("2025-Q2"));
        assert!(g.return_to_manufacturer);
        assert_eq!(g.reasons.len(), 1, "{:?}", g.reasons);
        assert!(g.reasons[0].contains("above the baseline 0.20"), "{}", g.reasons[0]);
        let ev: Vec<(&str, &str)> = g.evidence.iter().map(|e| (e.number.as_str(), e.kind)).collect();
        assert_eq!(ev, [(ef.as_str(), "between_pms"), (failed_pm.as_str(), "found_at_pm")]);

        let g = &r.groups[1];
        assert_eq!(g.group, "Syringe");
        assert_eq!(g.baseline.failure_rate, Some(0.4));
        assert_eq!(g.periods[1].failure_rate, Some(0.4));
        assert!(!g.return_to_manufacturer, "{:?}", g.reasons);
        assert!(g.evidence.len() == 1);

        // The absolute limit is a setting: at 0.50 failures per device-year both groups are flagged.
        let mut set = s.aem_settings(&f.eng).await.unwrap();
        assert!(matches!(s.set_aem_settings(&f.shop.tech, set).await, Err(ServiceError::Forbidden(_))));
        set.max_failures_per_100_device_years = 30;
        let admin = Principal::system();
        s.set_aem_settings(&admin, set).await.unwrap();
        let r = s.aem_monitoring(&f.eng, date(2025, 1, 1), date(2025, 6, 30)).await.unwrap();
        assert!(r.groups[1].return_to_manufacturer);
        assert!(r.groups[1].reasons[0].contains("exceeds the limit of 0.30"), "{:?}", r.groups[1].reasons);
    }
}

#[tokio::test]
async fn the_demo_hospital_has_strategies_aem_groups_and_monitoring() {
    for db in stores().await {
        let s = htm_service::Services::new(db.store.clone(), Default::default());
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        s.seed_demo(today).await.unwrap();
        let p = Principal::system();
        let current = s.list_strategies(&p).await.unwrap();
        let kinds: std::collections::BTreeSet<&str> = current.iter().map(|v| v.record.strategy.as_str()).collect();
        assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["aem", "not_in_program", "run_to_failure"], "{}", db.name);
        assert!(current.iter().all(|v| v.signatures.len() == 1 && v.signatures[0].signer_username == "dchen"));
        assert!(!s.proposed_strategies(&p).await.unwrap().is_empty(), "{}: a proposal awaits approval", db.name);
        let groups = s.aem_groups(&p).await.unwrap();
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["Large-volume infusion pumps", "Med-surg beds"], "{}", db.name);
        assert!(groups.iter().all(|g| !g.members.is_empty()));
        let from = today.checked_sub(jiff::Span::new().days(364)).unwrap();
        let r = s.aem_monitoring(&p, from, today).await.unwrap();
        assert_eq!(r.groups.len(), 2);
        assert!(r.groups.iter().all(|g| g.baseline.device_years > 0.0 && g.periods.len() >= 4), "{:?}", r.groups);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
