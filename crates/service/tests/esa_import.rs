//! Electrical safety readings imported from an analyzer's export file, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::esa::EsaStandard;
use htm_domain::ids::*;
use htm_domain::procedure::{EsaInput, EsaReadingInput, PmRecordRequest, StepInput, StepKind};
use htm_domain::work_order::{WorkOrderStatus, WorkResult};
use htm_service::csv_assets::ImportError;
use htm_test_support::stores;

mod common;
use common::*;

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

async fn ready(shop: &Shop) -> (WorkOrderId, AssetId) {
    shop.s.create_procedure(&shop.sys, pump_procedure()).await.unwrap();
    shop.s.set_model_procedure(&shop.sys, shop.model, Some("IP-ANNUAL")).await.unwrap();
    let pump = shop.pump("PUMP-001").await;
    let analyzer = shop.analyzer("TEQ-ESA-01", today().checked_add(jiff::ToSpan::days(30)).unwrap()).await;
    let (id, _) = shop.started_pm(pump).await;
    (id, analyzer)
}

/// What a Fluke-style export looks like: labels, analyzer units, extra columns we ignore.
const FILE: &str = "\u{feff}Date,Operator,asset_tag,Test,Condition,Method,Configuration,Value,Unit,Analyzer,Result
2026-11-20 09:14,jdoe,PUMP-001,Protective Earth Resistance,NC,,non-detachable,0.212,Ohm,TEQ-ESA-01,PASS
2026-11-20 09:15,jdoe,PUMP-001,Equipment Leakage,NC,direct,,0.312,mA,TEQ-ESA-01,PASS
2026-11-20 09:16,jdoe,PUMP-001,Applied Part Leakage,NC,,,52.0,µA,TEQ-ESA-01,PASS
";

#[tokio::test]
async fn an_analyzer_file_is_judged_against_the_stored_limits_and_kept_as_a_draft() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let (id, analyzer) = ready(&shop).await;
        let out = shop
            .s
            .import_esa_csv(&shop.tech, id, EsaStandard::Iec62353, Some("esa620-2026-11-20.csv"), FILE.as_bytes())
            .await
            .map_err(|e| match e {
                ImportError::Rows(r) => format!("{r:?}"),
                ImportError::Service(e) => e.to_string(),
            })
            .unwrap();
        // IEC 62353:2014 (REFERENCE §1.3): PE non-detachable cord <= 300 mOhm; equipment leakage
        // direct, Class I <= 500 uA; applied-part leakage CF <= 50 uA. The analyzer's own PASS is ignored.
        let got: Vec<(usize, &str, f64, &str, f64, bool)> = out
            .readings
            .iter()
            .map(|r| (r.row, r.test.as_str(), r.value, r.unit.as_str(), r.limit, r.passed))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "protective_earth_resistance", 212.0, "mOhm", 300.0, true),
                (3, "equipment_leakage", 312.0, "uA", 500.0, true),
                (4, "applied_part_leakage", 52.0, "uA", 50.0, false),
            ],
            "{}",
            db.name
        );
        assert_eq!(out.readings[0].raw_value, 0.212);
        assert_eq!(out.analyzers, vec!["TEQ-ESA-01".to_string()]);
        assert_eq!(out.file_sha256.len(), 64);
        // Stored as a draft: readings and the analyzer, nothing signed off, checks still open.
        let rec = shop.s.pm_results(&shop.tech, id).await.unwrap();
        assert_eq!(rec.work_order.status, WorkOrderStatus::InProgress);
        assert_eq!(rec.test_equipment, vec![analyzer]);
        assert_eq!(rec.results.len(), 1, "only the electrical safety step is recorded");
        assert_eq!(rec.results[0].kind, StepKind::ElectricalSafety);
        assert!(!rec.results[0].passed);
        assert_eq!(rec.results[0].readings.len(), 3);
        // The record names the file and its hash.
        let audit = db.store.list_audit_for("work_order", &id.to_string(), 5).await.unwrap();
        let ev = audit.iter().find(|e| e.action == "pm_record").unwrap();
        let reason = ev.reason.clone().unwrap_or_default();
        assert!(reason.contains("esa620-2026-11-20.csv") && reason.contains(&out.file_sha256), "{reason}");

        // The technician finishes the checks and signs off: the failed reading fails the PM.
        let proc = shop.s.list_procedures(&shop.sys, Some("IP-ANNUAL")).await.unwrap().remove(0);
        let req = PmRecordRequest {
            version: rec.work_order.version,
            steps: vec![
                StepInput { step_id: proc.steps[0].id, passed: Some(true), ..Default::default() },
                StepInput { step_id: proc.steps[1].id, value: Some(101.0), ..Default::default() },
            ],
            esa: Some(EsaInput {
                standard: EsaStandard::Iec62353,
                readings: rec.results[0]
                    .readings
                    .iter()
                    .map(|x| EsaReadingInput { limit_id: x.limit_id, value: x.value })
                    .collect(),
            }),
            test_equipment: rec.test_equipment.clone(),
            complete: true,
            password: Some(PASSWORD.into()),
        };
        let done = shop.s.record_pm(&shop.tech, id, req).await.unwrap();
        assert_eq!(done.work_order.status, WorkOrderStatus::Completed);
        assert_eq!(done.work_order.result, Some(WorkResult::Fail));
        assert!(done.linked_work_order_id.is_some(), "a failed PM opens a repair");
    }
}

#[tokio::test]
async fn a_bad_file_reports_every_row_and_stores_nothing() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let (id, _) = ready(&shop).await;
        let bad = "test;value;unit;analyzer;asset_tag
Protective Earth Resistance;0,212;Ohm;TEQ-ESA-01;PUMP-001
Line voltage;120;V;;
Equipment Leakage;0,3;mA;;
Applied Part Leakage;abc;uA;;
Applied Part Leakage;12;V;;
Applied Part Leakage;12;uA;NOPE-9;
Applied Part Leakage;12;uA;;PUMP-002
Insulation Resistance;50;MOhm;PUMP-001;
";
        let Err(ImportError::Rows(rows)) =
            shop.s.import_esa_csv(&shop.tech, id, EsaStandard::Iec62353, None, bad.as_bytes()).await
        else {
            panic!("the file must be refused");
        };
        let got: Vec<(usize, &str)> = rows.iter().map(|r| (r.row, r.column.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (2, "configuration"),
                (3, "test"),
                (4, "method"),
                (5, "value"),
                (6, "unit"),
                (7, "analyzer"),
                (8, "asset_tag"),
                (9, "analyzer"),
                // Class I with a CF applied part: mains→PE (>= 2 MOhm) and mains→applied parts (>= 70 MOhm).
                (9, "configuration"),
            ],
            "{rows:#?}"
        );
        assert!(rows[0].message.contains("5 limits"), "{}", rows[0].message);
        assert!(rows[7].message.contains("not test equipment"), "{}", rows[7].message);
        let rec = shop.s.pm_results(&shop.tech, id).await.unwrap();
        assert!(rec.results.is_empty() && rec.test_equipment.is_empty(), "{}: nothing stored", db.name);
        // Missing required columns are named.
        let Err(ImportError::Rows(rows)) =
            shop.s.import_esa_csv(&shop.tech, id, EsaStandard::Iec62353, None, b"test,reading\nPE,1\n").await
        else {
            panic!("refused");
        };
        assert_eq!(rows.iter().map(|r| r.column.as_str()).collect::<Vec<_>>(), vec!["value", "unit"]);
    }
}

#[tokio::test]
async fn a_second_file_replaces_the_readings_it_covers_and_keeps_the_rest() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let (id, _) = ready(&shop).await;
        shop.s.import_esa_csv(&shop.tech, id, EsaStandard::Iec62353, None, FILE.as_bytes()).await.ok().unwrap();
        // Retest of the applied part after replacing the ECG cable: 41 uA, with the limit row named by id.
        let retest = "limit_id,value,unit\n11,41,uA\n";
        let out =
            shop.s.import_esa_csv(&shop.tech, id, EsaStandard::Iec62353, None, retest.as_bytes()).await.ok().unwrap();
        let esa = &out.record.results[0];
        let mut v: Vec<(i64, f64, bool)> = esa.readings.iter().map(|x| (x.limit_id, x.value, x.passed)).collect();
        v.sort_by_key(|x| x.0);
        assert_eq!(v.len(), 3, "{}", db.name);
        assert!(v.contains(&(11, 41.0, true)));
        assert!(esa.passed, "all readings now pass");
        // A Class I pump has no NFPA 99 limit named like that: the CF row id does not belong to NFPA 99.
        let Err(ImportError::Rows(rows)) =
            shop.s.import_esa_csv(&shop.tech, id, EsaStandard::Nfpa99, None, retest.as_bytes()).await
        else {
            panic!("refused");
        };
        assert_eq!(rows[0].column, "limit_id");
    }
}
