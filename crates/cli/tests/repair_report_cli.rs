//! `htm report repairs` on SQLite and PostgreSQL: JSON and CSV with hand-computed figures, and a
//! bad date refused with exit status 1.
//!
//! One pump in service since 2025, March 2026 (31 days = 744 h): repair R1 (EF) opened 1 Mar
//! 08:00, completed 2 Mar 08:00 (24 h down), 120 min labour (170.00 at 85.00/h) and 2 parts at
//! 45.50; repair R2 (EF) opened 31 Mar 08:00 — 29 days after R1's completion, a repeat — and
//! still open (16 h down to the period end). Uptime = (744 − 40) / 744 = 94.62 %; MTBF =
//! (31 / 365.25) / 2 = 0.04 years.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::work_order::{NewLabourEntry, NewPartUsed, NewWorkOrder, TransitionRequest, WorkOrderPatch};
use htm_store::{ChangeContext, LabourToAdd, NewUserRecord};
use htm_test_support::{TestDb, stores};
use std::process::Output;

fn htm(db: &TestDb, args: &[&str]) -> Output {
    let dir = htm_test_support::temp_dir("htm-cli");
    std::process::Command::new(env!("CARGO_BIN_EXE_htm"))
        .args(args)
        .arg("--db")
        .arg(&db.url)
        .current_dir(&dir)
        .env_remove("HTM_ADMIN_PASSWORD")
        .env_remove("HTM_DATABASE_URL")
        .output()
        .unwrap()
}

fn at(s: &str) -> ChangeContext {
    ChangeContext { actor_id: None, actor: "tester".into(), at: s.parse().unwrap(), reason: None }
}

fn j<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

async fn fixture(db: &TestDb) {
    use htm_domain::org::*;
    let s = db.store.as_ref();
    let c = at("2025-01-01T00:00:00Z");
    let site =
        s.insert_site(&c, &NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b = s.insert_building(&c, &NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let d = s
        .insert_department(&c, &NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() })
        .await
        .unwrap();
    let m = s.insert_manufacturer(&c, &j(serde_json::json!({"name": "BD"}))).await.unwrap();
    let model = s
        .insert_model(&c, &j(serde_json::json!({"manufacturer_id": m.id.0, "model_number": "8015", "name": "Alaris", "category": "Infusion pump"})))
        .await
        .unwrap();
    let a = s
        .insert_asset(&c, &j(serde_json::json!({"asset_tag": "PUMP-1", "model_id": model.id.0, "department_id": d.id.0, "status": "in_service", "in_service_date": "2025-01-01"})))
        .await
        .unwrap();
    let tech = s
        .insert_user(
            &c,
            &NewUserRecord {
                username: "bmet".into(),
                display_name: "B. Met".into(),
                role: htm_domain::user::Role::Technician,
                email: None,
                vendor_id: None,
                password_hash: "x".into(),
            },
        )
        .await
        .unwrap();
    let n: NewWorkOrder = j(serde_json::json!({"wo_type": "repair", "asset_id": a.id.0, "problem": "Occlusion alarm"}));
    let r1 = s.insert_work_order(&at("2026-03-01T08:00:00Z"), &n, None).await.unwrap();
    let labour = [LabourToAdd {
        technician_id: tech.id,
        entry: NewLabourEntry { technician_id: None, work_date: None, minutes: 120, note: None },
    }];
    let parts =
        [NewPartUsed { part_number: "DOOR-ASSY".into(), description: None, quantity: 2, unit_cost_minor: Some(4550) }];
    let patch: WorkOrderPatch = j(serde_json::json!({"version": r1.version}));
    s.update_work_order(&at("2026-03-01T09:00:00Z"), r1.id, &patch, &labour, &parts).await.unwrap();
    let start: TransitionRequest = j(serde_json::json!({"to": "in_progress", "assigned_to": tech.id.0}));
    s.transition_work_order(&at("2026-03-01T09:00:00Z"), r1.id, &start).await.unwrap();
    let done: TransitionRequest = j(
        serde_json::json!({"to": "completed", "cause_code": "EF", "work_performed": "Door replaced", "result": "pass"}),
    );
    s.transition_work_order(&at("2026-03-02T08:00:00Z"), r1.id, &done).await.unwrap();
    let r2 = s.insert_work_order(&at("2026-03-31T08:00:00Z"), &n, None).await.unwrap();
    s.transition_work_order(&at("2026-03-31T09:00:00Z"), r2.id, &start).await.unwrap();
    let coded: WorkOrderPatch = j(serde_json::json!({"version": r2.version + 1, "cause_code": "EF"}));
    s.update_work_order(&at("2026-03-31T10:00:00Z"), r2.id, &coded, &[], &[]).await.unwrap();
}

#[tokio::test]
async fn report_repairs_prints_json_and_csv_and_refuses_a_bad_date() {
    for db in stores().await {
        fixture(&db).await;
        let o = htm(&db, &["report", "repairs", "--from", "2026-03-01", "--to", "2026-03-31"]);
        let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "{}: {out}", db.name);
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let t = &r["totals"];
        assert_eq!((t["repairs"].as_i64(), t["failures"].as_i64()), (Some(2), Some(2)), "{r}");
        assert_eq!(t["parts_cost_minor"], 9100, "{r}");
        assert_eq!(t["labour_cost_minor"], 17_000, "{r}");
        assert_eq!(t["downtime_hours"], 40.0, "{r}");
        assert_eq!(t["uptime_pct"], 94.62, "{r}");
        assert_eq!(t["mtbf_years"], 0.04, "{r}");
        assert_eq!(r["repeats"][0]["days_apart"], 29, "{r}");
        assert_eq!(r["repeats"][0]["asset_tag"], "PUMP-1", "{r}");

        let o = htm(
            &db,
            &[
                "report",
                "repairs",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-31",
                "--group-by",
                "asset",
                "--format",
                "csv",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let csv = String::from_utf8_lossy(&o.stdout).to_string();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("from,to,group_by,row,key,label,repairs,failures,parts_cost_minor"), "{csv}");
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(
            lines[1].contains(",asset,group,") && lines[1].contains(",PUMP-1,2,2,9100,120,2,17000,26100,40,"),
            "{csv}"
        );
        assert!(lines[2].starts_with("2026-03-01,2026-03-31,asset,total,0,All,2,2,9100,"), "{csv}");

        let o = htm(&db, &["report", "repairs", "--from", "2026-03-32", "--to", "2026-03-31"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("YYYY-MM-DD"), "{}", String::from_utf8_lossy(&o.stderr));
        let o = htm(&db, &["report", "repairs", "--from", "2026-03-01", "--to", "2026-03-31", "--group-by", "site"]);
        assert_eq!(o.status.code(), Some(1));
    }
}
