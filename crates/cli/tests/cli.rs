//! The `htm` binary on real databases (SQLite file and PostgreSQL): first start, CSV import
//! all-or-nothing with every bad row reported, export, users, and audit verification.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::org::*;
use htm_service::{Principal, Services};
use htm_test_support::{TestDb, stores};
use std::process::Output;

fn htm(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = htm_test_support::temp_dir("htm-cli");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_htm"));
    cmd.args(args)
        .arg("--db")
        .arg(&db.url)
        .current_dir(&dir)
        .env_remove("HTM_ADMIN_PASSWORD")
        .env_remove("HTM_DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn catalogue(db: &TestDb) {
    let s = Services::new(db.store.clone(), Default::default());
    let p = Principal::system();
    let site =
        s.create_site(&p, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b = s.create_building(&p, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let d = s
        .create_department(
            &p,
            NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "Adult ICU".into() },
        )
        .await
        .unwrap();
    s.create_location(&p, NewLocation { department_id: d.id, name: "ICU Bed 01".into(), floor: None }).await.unwrap();
    let m = s.create_manufacturer(&p, NewManufacturer { name: "Philips".into() }).await.unwrap();
    s.create_model(
        &p,
        NewDeviceModel {
            fda_product_code: Some("MHX".into()),
            expected_life_years: Some(8),
            high_risk: true,
            ..NewDeviceModel::new(m.id, "MX800", "IntelliVue MX800", "Physiological monitor, bedside")
        },
    )
    .await
    .unwrap();
}

const HEADER: &str = "asset_tag,serial_number,manufacturer,model_number,department_cost_center,location,status,acquisition_date,acquisition_cost,notes";

#[tokio::test]
async fn first_start_creates_the_admin_once_with_a_random_password() {
    for db in stores().await {
        let o = htm(&db, &["migrate"], &[]);
        assert!(o.status.success(), "{}: {}", db.name, text(&o));
        assert!(text(&o).contains("Created the administrator account 'admin' with the password: "), "{}", text(&o));
        let o = htm(&db, &["migrate"], &[]);
        assert!(!text(&o).contains("Created the administrator"), "{}: only on first start", db.name);
    }
}

#[tokio::test]
async fn a_bad_import_reports_every_bad_row_and_writes_nothing() {
    for db in stores().await {
        catalogue(&db).await;
        let dir = htm_test_support::temp_dir("htm-csv");
        let bad = dir.join("bad.csv");
        std::fs::write(
            &bad,
            format!(
                "{HEADER}\nBME-1,SN1,Philips,MX800,6100,ICU Bed 01,in_service,2024-02-01,15250.00,ok\n\
                 ,SN2,Philips,MX800,6100,,,,,missing tag\n\
                 BME-3,SN3,Philips,MX999,6100,,,,,unknown model\n\
                 BME-4,SN4,Philips,MX800,9999,,,2024-13-01,12x,bad cc date and cost\n\
                 BME-1,SN5,Philips,MX800,6100,,broken,,,duplicate tag and bad status\n"
            ),
        )
        .unwrap();
        let o = htm(&db, &["import", "assets", bad.to_str().unwrap()], &[]);
        let out = text(&o);
        assert!(!o.status.success(), "{}: {out}", db.name);
        for expected in [
            "row 3, column asset_tag: is required",
            "row 4, column model_number: no model 'MX999'",
            "row 5, column department_cost_center: no department with cost centre '9999'",
            "row 5, column acquisition_date:",
            "row 5, column acquisition_cost:",
            "row 6, column status:",
            "nothing was imported",
        ] {
            assert!(out.contains(expected), "{}: missing '{expected}' in:\n{out}", db.name);
        }
        let o = htm(&db, &["export", "assets", "--format", "csv"], &[]);
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).lines().count(),
            1,
            "{}: only the header — nothing imported",
            db.name
        );

        let good = dir.join("good.csv");
        std::fs::write(&good, format!("{HEADER}\nBME-1,SN1,Philips,MX800,6100,ICU Bed 01,in_service,2024-02-01,15250.00,ok\nBME-2,SN2,philips,mx800,6100,,,,,\n")).unwrap();
        let o = htm(&db, &["import", "assets", good.to_str().unwrap()], &[]);
        assert!(o.status.success(), "{}: {}", db.name, text(&o));
        let o = htm(&db, &["export", "assets", "--format", "csv"], &[]);
        let mut r = csv::Reader::from_reader(o.stdout.as_slice());
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        let h = r.headers().unwrap().clone();
        let col = |name: &str| h.iter().position(|c| c == name).unwrap();
        assert_eq!(&rows[0][col("acquisition_cost")], "15250.00");
        assert_eq!(&rows[0][col("location")], "ICU Bed 01");
        assert_eq!(&rows[0][col("high_risk")], "yes");

        // Re-importing the export (with new tags) round-trips every column the import reads.
        let mut w = csv::Writer::from_writer(vec![]);
        w.write_record(&h).unwrap();
        for (i, row) in rows.iter().enumerate() {
            let mut v: Vec<String> = row.iter().map(String::from).collect();
            v[col("asset_tag")] = format!("RT-{i}");
            w.write_record(&v).unwrap();
        }
        let again = dir.join("again.csv");
        std::fs::write(&again, w.into_inner().unwrap()).unwrap();
        let o = htm(&db, &["import", "assets", again.to_str().unwrap()], &[]);
        assert!(o.status.success(), "{}: {}", db.name, text(&o));
        let o = htm(&db, &["export", "assets", "--format", "json"], &[]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 4);
        assert_eq!(v[2]["acquisition_cost_minor"], 1_525_000);
    }
}

#[tokio::test]
async fn audit_verify_passes_then_names_the_altered_event() {
    for db in stores().await {
        catalogue(&db).await;
        let o = htm(&db, &["audit", "verify"], &[]);
        assert!(o.status.success(), "{}: {}", db.name, text(&o));
        assert!(text(&o).contains("6 events verified"), "{}", text(&o));
        let sql = "UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 3";
        db.execute_raw(sql, None).await;
        let o = htm(&db, &["audit", "verify"], &[]);
        assert!(!o.status.success(), "{}", db.name);
        assert!(text(&o).contains("event 3"), "{}: {}", db.name, text(&o));
    }
}

#[tokio::test]
async fn user_add_takes_the_password_from_the_environment_or_prints_one() {
    for db in stores().await {
        let o = htm(
            &db,
            &["user", "add", "jtech", "--role", "technician"],
            &[("HTM_NEW_USER_PASSWORD", "Bench-Tech-2026")],
        );
        assert!(o.status.success(), "{}: {}", db.name, text(&o));
        assert!(!text(&o).contains("Password:"));
        let s = Services::new(db.store.clone(), Default::default());
        assert!(s.login("jtech", "Bench-Tech-2026", "api").await.is_ok(), "{}", db.name);
        let o = htm(&db, &["user", "add", "nurse", "--role", "requester"], &[]);
        assert!(text(&o).contains("Password: "), "{}", text(&o));
        let o = htm(&db, &["user", "add", "x", "--role", "wizard"], &[]);
        assert!(!o.status.success());
        assert!(text(&o).contains("role"), "{}", text(&o));
    }
}

#[tokio::test]
async fn esa_limits_prints_the_applicable_limits_as_json() {
    for db in stores().await {
        let o = htm(&db, &["esa", "limits", "--standard", "nfpa99", "--class", "I", "--applied-part", "BF"], &[]);
        assert!(o.status.success(), "{}: {}", db.name, text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let tests: Vec<(&str, &str, f64)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["test"].as_str().unwrap(), l["comparator"].as_str().unwrap(), l["limit"].as_f64().unwrap()))
            .collect();
        assert_eq!(
            tests,
            vec![
                ("protective_earth_resistance", "<", 500.0),
                ("touch_current", "<=", 100.0),
                ("touch_current", "<=", 500.0)
            ],
            "{}",
            db.name
        );
        let o = htm(&db, &["esa", "limits", "--standard", "iec60601", "--class", "I"], &[]);
        assert!(!o.status.success());
        assert!(text(&o).contains("standard"), "{}", text(&o));
    }
}

#[tokio::test]
async fn pm_generate_is_idempotent_and_the_compliance_report_has_the_contract_fields() {
    for db in stores().await {
        catalogue(&db).await;
        let s = Services::new(db.store.clone(), Default::default());
        let p = Principal::system();
        let model = s.list_models(&p, None, htm_domain::page::PageRequest::first(10)).await.unwrap().items[0].id;
        let dept = s.list_departments(&p, None).await.unwrap()[0].id;
        for i in 0..3 {
            let n: htm_domain::asset::NewAsset = serde_json::from_value(
                serde_json::json!({"asset_tag": format!("MON-{i}"), "model_id": model.0, "department_id": dept.0}),
            )
            .unwrap();
            let a = s.create_asset(&p, n).await.unwrap();
            let sch = htm_domain::pm::NewPmSchedule {
                asset_id: a.id,
                interval_months: 12,
                basis: htm_domain::pm::ScheduleBasis::Fixed,
                anchor_date: jiff::civil::date(2025, 5, 2),
                grace_days: 0,
            };
            s.create_pm_schedule(&p, sch).await.unwrap();
        }
        let o = htm(&db, &["pm", "generate", "--month", "2026-05"], &[]);
        assert!(o.status.success(), "{}: {}", db.name, text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["created"], 3, "{v}");
        let o = htm(&db, &["pm", "generate", "--month", "2026-05"], &[]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["created"], 0, "{}: idempotent: {v}", db.name);

        let o = htm(&db, &["report", "pm-compliance", "--month", "2026-05"], &[]);
        assert!(o.status.success(), "{}", text(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for group in [&r, &r["total"], &r["high_risk"], &r["life_support"], &r["other"], &r["departments"][0]] {
            for k in [
                "scheduled",
                "completed_on_time",
                "completed_late",
                "open",
                "unable_to_locate",
                "in_use",
                "completion_rate",
            ] {
                assert!(group.get(k).is_some(), "{}: missing {k} in {group}", db.name);
            }
        }
        assert_eq!(
            (r["scheduled"].as_i64(), r["open"].as_i64(), r["completion_rate"].as_f64()),
            (Some(3), Some(3), Some(0.0))
        );
        assert_eq!(r["high_risk"]["scheduled"], 3, "the monitors' model is high-risk");
        let o = htm(&db, &["report", "pm-compliance", "--month", "2026-05", "--format", "csv"], &[]);
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(out.starts_with("month,group,department,cost_center,scheduled,completed_on_time"), "{out}");
        assert!(out.contains("2026-05,total,,,3,0,0,3,0,0,0.0"), "{out}");
        let o = htm(&db, &["pm", "generate", "--month", "2026-5"], &[]);
        assert!(!o.status.success());
        assert!(text(&o).contains("YYYY-MM"), "{}", text(&o));
    }
}

#[tokio::test]
async fn pm_import_esa_stores_an_analyzer_file_or_names_every_bad_row() {
    use htm_domain::asset::AssetPatch;
    use htm_domain::esa::{AppliedPartType, ProtectionClass};
    use htm_domain::procedure::{NewProcedure, NewProcedureStep, StepKind};
    for db in stores().await {
        catalogue(&db).await;
        let s = Services::new(db.store.clone(), Default::default());
        let p = Principal::system();
        let model = s.list_models(&p, None, htm_domain::page::PageRequest::first(10)).await.unwrap().items[0].id;
        let dept = s.list_departments(&p, None).await.unwrap()[0].id;
        let step = |kind, instruction: &str| NewProcedureStep {
            kind,
            instruction: instruction.into(),
            unit: None,
            nominal: None,
            lower_limit: None,
            upper_limit: None,
            tolerance_pct: None,
        };
        let proc = NewProcedure {
            code: "MON-PM".into(),
            name: "Monitor PM".into(),
            steps: vec![step(StepKind::Check, "Inspect"), step(StepKind::ElectricalSafety, "NFPA 99 test")],
            requirement: Default::default(),
        };
        s.create_procedure(&p, proc).await.unwrap();
        s.set_model_procedure(&p, model, Some("MON-PM")).await.unwrap();
        let n: htm_domain::asset::NewAsset = serde_json::from_value(
            serde_json::json!({"asset_tag": "MON-1", "model_id": model.0, "department_id": dept.0}),
        )
        .unwrap();
        let a = s.create_asset(&p, n).await.unwrap();
        let patch = AssetPatch {
            version: a.version,
            protection_class: Some(Some(ProtectionClass::I)),
            applied_part: Some(Some(AppliedPartType::Cf)),
            ..Default::default()
        };
        s.update_asset(&p, a.id, patch).await.unwrap();
        let n = htm_domain::work_order::NewWorkOrder {
            wo_type: htm_domain::work_order::WorkOrderType::Pm,
            priority: htm_domain::work_order::Priority::Normal,
            asset_id: Some(a.id),
            problem: "Annual PM".into(),
            requester_contact: None,
            assigned_to: None,
            vendor_id: None,
            due_date: None,
        };
        let tech = s
            .add_user_as_system(htm_domain::user::NewUser {
                username: "bmet1".into(),
                display_name: "B. Met".into(),
                role: htm_domain::user::Role::Technician,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        let tech = Principal { user: tech };
        let wo = s.create_work_order(&tech, n).await.unwrap();
        let to = htm_domain::work_order::TransitionRequest { to: "in_progress".into(), ..Default::default() };
        s.transition_work_order(&tech, wo.id, to).await.unwrap();

        let dir = htm_test_support::temp_dir("esa-file");
        // NFPA 99-2012 10.3.3: ground resistance < 0.50 Ohm; 10.3.5 touch current 100 uA ground intact.
        let good = dir.join("esa620.csv");
        std::fs::write(
            &good,
            "test;configuration;value;unit\nground resistance;;0,49;Ohm\ntouch current;intact;0,101;mA\n",
        )
        .unwrap();
        let o = htm(
            &db,
            &["pm", "import-esa", "--work-order", &wo.number, "--file", good.to_str().unwrap(), "--standard", "nfpa99"],
            &[],
        );
        assert!(o.status.success(), "{}: {}", db.name, text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let judged: Vec<(f64, bool)> = v["readings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["value"].as_f64().unwrap(), r["passed"].as_bool().unwrap()))
            .collect();
        assert_eq!(judged, vec![(490.0, true), (101.0, false)], "{v}");

        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "test,value,unit\nground resistance,-1,Ohm\n").unwrap();
        let o = htm(
            &db,
            &["pm", "import-esa", "--work-order", &wo.number, "--file", bad.to_str().unwrap(), "--standard", "nfpa99"],
            &[],
        );
        assert!(!o.status.success());
        assert!(text(&o).contains("row 2, column value"), "{}", text(&o));
        let rec = s.pm_results(&p, wo.id).await.unwrap();
        assert_eq!(rec.results[0].readings.len(), 2, "the refused file changed nothing");
    }
}
