//! The repair report on both back ends, against hand-computed figures.
//!
//! Period: March 2026 (31 days = 744 h). Four assets in service since 2025 (31 device-days
//! each). Labour rate: the default 85.00/h (8500 minor units).
//!
//! | WO  | asset | dept | cause | opened          | completed        | labour | parts        |
//! |-----|-------|------|-------|-----------------|------------------|--------|--------------|
//! | R1  | A1    | ICU  | EF    | 01-30 10:00     | 02-01 10:00      |        |              |
//! | R2  | A1    | ICU  | EF    | 03-03 09:00     | 03-04 09:00      | 90 min | 2 × 15.00    |
//! | R3  | A1    | ICU  | USE   | 03-03 21:00     | 03-05 09:00      | 30 min |              |
//! | R4  | A2    | ICU  | EF    | 01-30 12:00     | 01-31 12:00      |        |              |
//! | R5  | A2    | ICU  | EF    | 03-03 12:00     | 03-03 18:00      | 60 min | 250.00 + 3×? |
//! | R6  | A2    | ICU  | NPF   | 03-20 08:00     | 03-20 10:00      | 15 min |              |
//! | R7  | A3    | ED   | ABU   | 02-25 00:00     | 03-02 00:00      |        |              |
//! | R8  | A3    | ED   | BATT  | 03-10 00:00     | 03-10 06:00      | 45 min | 8.00         |
//! | R9  | A3    | ED   | —     | 03-31 12:00     | (open)           |        |              |
//! | R10 | A4    | ED   | —     | 03-15 (cancelled)|                 |        |              |
//! | R11 | A4    | ED   | —     | 04-02 (after the period)|          |        |              |
//!
//! R2 is a repeat of R1 (30 days after R1's completion); R5 is not (31 days after R4's).
//! A1 downtime: R2 09:00 3 Mar – 09:00 4 Mar and R3 21:00 3 Mar – 09:00 5 Mar merge to 48 h.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::ids::*;
use htm_domain::org::*;
use htm_domain::repair_analytics::{Period, RepairGroupBy};
use htm_domain::user::Role;
use htm_domain::work_order::{NewLabourEntry, NewPartUsed, NewWorkOrder, TransitionRequest, WorkOrderPatch};
use htm_service::repair_analytics::RepairReport;
use htm_service::{Principal, Services};
use htm_store::{ChangeContext, LabourToAdd, NewUserRecord, Store};
use htm_test_support::stores;
use std::sync::Arc;

fn at(s: &str) -> ChangeContext {
    ChangeContext { actor_id: None, actor: "tester".into(), at: s.parse().unwrap(), reason: None }
}

struct Fix {
    tech: UserId,
    ids: std::collections::HashMap<&'static str, WorkOrderId>,
}

async fn model(s: &dyn Store, mfr: &str, number: &str) -> ModelId {
    let c = at("2025-01-01T00:00:00Z");
    let m = s.insert_manufacturer(&c, &NewManufacturer { name: mfr.into() }).await.unwrap();
    let n: NewDeviceModel = serde_json::from_value(serde_json::json!({
        "manufacturer_id": m.id.0, "model_number": number, "name": number, "category": "Infusion pump",
    }))
    .unwrap();
    s.insert_model(&c, &n).await.unwrap().id
}

async fn asset(s: &dyn Store, tag: &str, model: ModelId, dept: DepartmentId) -> AssetId {
    let n: NewAsset = serde_json::from_value(serde_json::json!({
        "asset_tag": tag, "model_id": model.0, "department_id": dept.0, "status": "in_service",
        "in_service_date": "2025-01-01",
    }))
    .unwrap();
    s.insert_asset(&at("2025-01-01T00:00:00Z"), &n).await.unwrap().id
}

#[allow(clippy::too_many_arguments)]
async fn repair(
    s: &dyn Store,
    f: &Fix,
    asset: AssetId,
    opened: &str,
    done: Option<&str>,
    cause: Option<&str>,
    minutes: i32,
    parts: &[(i32, Option<i64>)],
) -> WorkOrderId {
    let n: NewWorkOrder = serde_json::from_value(
        serde_json::json!({"wo_type": "repair", "asset_id": asset.0, "problem": "Alarm on start-up"}),
    )
    .unwrap();
    let wo = s.insert_work_order(&at(opened), &n, None).await.unwrap();
    let labour: Vec<LabourToAdd> = (minutes > 0)
        .then_some(LabourToAdd {
            technician_id: f.tech,
            entry: NewLabourEntry { technician_id: None, work_date: None, minutes, note: None },
        })
        .into_iter()
        .collect();
    let parts: Vec<NewPartUsed> = parts
        .iter()
        .map(|(q, c)| NewPartUsed { part_number: "P-1".into(), description: None, quantity: *q, unit_cost_minor: *c })
        .collect();
    let patch: WorkOrderPatch = serde_json::from_value(serde_json::json!({"version": wo.version})).unwrap();
    let wo = s.update_work_order(&at(opened), wo.id, &patch, &labour, &parts).await.unwrap();
    if let Some(done) = done {
        let start: TransitionRequest =
            serde_json::from_value(serde_json::json!({"to": "in_progress", "assigned_to": f.tech.0})).unwrap();
        s.transition_work_order(&at(opened), wo.id, &start).await.unwrap();
        let finish: TransitionRequest = serde_json::from_value(serde_json::json!({
            "to": "completed", "cause_code": cause.unwrap(), "work_performed": "Repaired", "result": "pass",
        }))
        .unwrap();
        s.transition_work_order(&at(done), wo.id, &finish).await.unwrap();
    }
    wo.id
}

async fn fixture(s: &dyn Store) -> Fix {
    let c = at("2025-01-01T00:00:00Z");
    let site =
        s.insert_site(&c, &NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b = s.insert_building(&c, &NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let icu = s
        .insert_department(&c, &NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() })
        .await
        .unwrap()
        .id;
    let ed = s
        .insert_department(&c, &NewDepartment { building_id: b.id, cost_center: "6200".into(), name: "ED".into() })
        .await
        .unwrap()
        .id;
    let m1 = model(s, "BD", "8015").await;
    let m2 = model(s, "Masimo", "Rad-97").await;
    let tech = s
        .insert_user(
            &c,
            &NewUserRecord {
                username: "bmet".into(),
                display_name: "B. Met".into(),
                role: Role::Technician,
                email: None,
                vendor_id: None,
                password_hash: "x".into(),
            },
        )
        .await
        .unwrap()
        .id;
    let a1 = asset(s, "A1", m1, icu).await;
    let a2 = asset(s, "A2", m1, icu).await;
    let a3 = asset(s, "A3", m2, ed).await;
    let a4 = asset(s, "A4", m2, ed).await;
    let mut f = Fix { tech, ids: Default::default() };
    let r = |opened, done, cause, minutes, parts: &'static [(i32, Option<i64>)], a| {
        let f = &f;
        async move { repair(s, f, a, opened, done, cause, minutes, parts).await }
    };
    let mut ids = std::collections::HashMap::new();
    ids.insert("R1", r("2026-01-30T10:00:00Z", Some("2026-02-01T10:00:00Z"), Some("EF"), 0, &[], a1).await);
    ids.insert(
        "R2",
        r("2026-03-03T09:00:00Z", Some("2026-03-04T09:00:00Z"), Some("EF"), 90, &[(2, Some(1500))], a1).await,
    );
    ids.insert("R3", r("2026-03-03T21:00:00Z", Some("2026-03-05T09:00:00Z"), Some("USE"), 30, &[], a1).await);
    ids.insert("R4", r("2026-01-30T12:00:00Z", Some("2026-01-31T12:00:00Z"), Some("EF"), 0, &[], a2).await);
    ids.insert(
        "R5",
        r("2026-03-03T12:00:00Z", Some("2026-03-03T18:00:00Z"), Some("EF"), 60, &[(1, Some(25_000)), (3, None)], a2)
            .await,
    );
    ids.insert("R6", r("2026-03-20T08:00:00Z", Some("2026-03-20T10:00:00Z"), Some("NPF"), 15, &[], a2).await);
    ids.insert("R7", r("2026-02-25T00:00:00Z", Some("2026-03-02T00:00:00Z"), Some("ABU"), 0, &[], a3).await);
    ids.insert(
        "R8",
        r("2026-03-10T00:00:00Z", Some("2026-03-10T06:00:00Z"), Some("BATT"), 45, &[(1, Some(800))], a3).await,
    );
    ids.insert("R9", r("2026-03-31T12:00:00Z", None, None, 0, &[], a3).await);
    let r10 = r("2026-03-15T00:00:00Z", None, None, 0, &[], a4).await;
    let cancel: TransitionRequest =
        serde_json::from_value(serde_json::json!({"to": "cancelled", "reason": "duplicate call"})).unwrap();
    s.transition_work_order(&at("2026-03-15T01:00:00Z"), r10, &cancel).await.unwrap();
    ids.insert("R11", r("2026-04-02T00:00:00Z", None, None, 0, &[], a4).await);
    f.ids = ids;
    f
}

async fn report(s: Arc<dyn Store>, g: RepairGroupBy) -> RepairReport {
    let svc = Services::new(s, Default::default());
    let period = Period::parse("2026-03-01", "2026-03-31").unwrap();
    svc.repair_report(&Principal::system(), period, g).await.unwrap()
}

#[tokio::test]
async fn repair_report_matches_hand_computed_figures() {
    for db in stores().await {
        let s = db.store.clone();
        let f = fixture(s.as_ref()).await;
        let r = report(s.clone(), RepairGroupBy::Department).await;
        let name = db.name;

        let t = &r.totals;
        assert_eq!(r.days, 31, "{name}");
        assert_eq!(t.repairs, 6, "{name}: R2 R3 R5 R6 R8 R9");
        assert_eq!(t.failures, 2, "{name}: R2 and R5 (EF); BATT not by default");
        assert_eq!(t.parts_cost_minor, 28_800, "{name}");
        assert_eq!(t.labour_minutes, 240, "{name}");
        assert_eq!(t.labour_hours, 4.0, "{name}");
        assert_eq!(t.labour_cost_minor, 12_750 + 4_250 + 8_500 + 2_125 + 6_375, "{name}");
        assert_eq!(t.total_cost_minor, 28_800 + 34_000, "{name}");
        assert_eq!(t.downtime_hours, 98.0, "{name}: 48 + 6 + 2 + 24 + 6 + 12");
        // 124 device-days = 2,976 h; (2976 − 98) / 2976 = 96.71 %.
        assert_eq!(t.uptime_pct, Some(96.71), "{name}");
        assert_eq!(t.device_years, 0.34, "{name}");
        assert_eq!(t.npf_rate, Some(16.7), "{name}");
        assert_eq!(t.use_error_rate, Some(16.7), "{name}");
        assert_eq!(t.repeat_repairs, 1, "{name}");

        assert_eq!(r.groups.len(), 2, "{name}");
        let icu = &r.groups[0];
        assert_eq!((icu.label.as_str(), icu.repairs, icu.failures), ("ICU", 4, 2), "{name}");
        assert_eq!(icu.parts_cost_minor, 28_000, "{name}");
        assert_eq!(icu.labour_hours, 3.25, "{name}");
        assert_eq!(icu.labour_cost_minor, 27_625, "{name}");
        assert_eq!(icu.downtime_hours, 56.0, "{name}");
        // 62 device-days = 1,488 h; (1488 − 56) / 1488 = 96.24 %.
        assert_eq!(icu.uptime_pct, Some(96.24), "{name}");
        // 62 / 365.25 = 0.1697 device-years ÷ 2 failures = 0.08 years.
        assert_eq!(icu.mtbf_years, Some(0.08), "{name}");
        assert_eq!(icu.npf_rate, Some(25.0), "{name}");
        assert_eq!(icu.use_error_rate, Some(25.0), "{name}");
        assert_eq!(icu.repeat_repairs, 1, "{name}");
        let ed = &r.groups[1];
        assert_eq!((ed.label.as_str(), ed.repairs, ed.failures), ("ED", 2, 0), "{name}");
        assert_eq!(ed.mtbf_years, None, "{name}: no failures, no MTBF");
        assert_eq!(ed.downtime_hours, 42.0, "{name}: R7's part in March, R8, R9 to the period end");
        assert_eq!(ed.uptime_pct, Some(97.18), "{name}");
        assert_eq!(ed.npf_rate, Some(0.0), "{name}");
        assert_eq!(ed.use_error_rate, Some(0.0), "{name}: R7 (ABU) was opened before the period");
        assert_eq!((ed.parts_cost_minor, ed.labour_cost_minor), (800, 6_375), "{name}");

        let causes: Vec<(Option<&str>, i64, f64)> =
            r.causes.iter().map(|c| (c.code.as_deref(), c.count, c.share_pct)).collect();
        assert_eq!(
            causes,
            vec![
                (Some("EF"), 2, 33.3),
                (None, 1, 16.7),
                (Some("BATT"), 1, 16.7),
                (Some("NPF"), 1, 16.7),
                (Some("USE"), 1, 16.7)
            ],
            "{name}"
        );
        assert_eq!(r.causes[0].label, "Evident failure", "{name}");
        assert_eq!(r.causes[2].counts_as_failure, None, "{name}: BATT is configurable");

        assert_eq!(r.repeats.len(), 1, "{name}");
        let rep = &r.repeats[0];
        assert_eq!(rep.work_order_id, f.ids["R2"].0, "{name}");
        assert_eq!(rep.previous_work_order_id, f.ids["R1"].0, "{name}");
        assert_eq!((rep.asset_tag.as_str(), rep.cause_code.as_str(), rep.days_apart), ("A1", "EF", 30), "{name}");

        // The badge look-up agrees: R2 is a repeat (30 days), R5 is not (31 days), R3 has no predecessor.
        let one = s.repeat_repair_of(f.ids["R2"]).await.unwrap().unwrap();
        assert_eq!((one.previous_number, one.days_apart), (rep.previous_number.clone(), 30), "{name}");
        assert!(s.repeat_repair_of(f.ids["R5"]).await.unwrap().is_none(), "{name}");
        assert!(s.repeat_repair_of(f.ids["R3"]).await.unwrap().is_none(), "{name}");

        // By model: the same split (BD 8015 = the ICU pumps).
        let m = report(s.clone(), RepairGroupBy::Model).await;
        assert_eq!(
            m.groups.iter().map(|g| (g.label.as_str(), g.repairs)).collect::<Vec<_>>(),
            vec![("BD 8015", 4), ("Masimo Rad-97", 2)],
            "{name}"
        );
        assert_eq!(m.groups[0].uptime_pct, Some(96.24), "{name}");
        assert_eq!(m.totals, r.totals, "{name}");

        // By asset: A1 down 48 h of 744 h; A4 (only a cancelled repair) is not listed.
        let a = report(s.clone(), RepairGroupBy::Asset).await;
        let labels: Vec<&str> = a.groups.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(labels, vec!["A1", "A2", "A3"], "{name}");
        assert_eq!(a.groups[0].downtime_hours, 48.0, "{name}");
        assert_eq!(a.groups[0].uptime_pct, Some(93.55), "{name}");
        assert_eq!(a.groups[0].mtbf_years, Some(0.08), "{name}: 31 days / 365.25 = 0.085 years, 1 failure");
        assert_eq!(a.totals.uptime_pct, Some(96.71), "{name}");

        // A period without repairs: zeros and nulls, not errors.
        let svc = Services::new(s.clone(), Default::default());
        let empty = svc
            .repair_report(
                &Principal::system(),
                Period::parse("2025-06-01", "2025-06-30").unwrap(),
                RepairGroupBy::Department,
            )
            .await
            .unwrap();
        assert_eq!((empty.totals.repairs, empty.totals.mtbf_years, empty.totals.npf_rate), (0, None, None), "{name}");
        assert_eq!(empty.totals.uptime_pct, Some(100.0), "{name}");
    }
}
