//! PM procedures and recording a PM against one, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::{AssetPatch, AssetStatus};
use htm_domain::esa::{AppliedPartType, EsaStandard, ProtectionClass};
use htm_domain::ids::*;
use htm_domain::procedure::{EsaInput, EsaReadingInput, PmRecordRequest, Procedure, StepInput, StepKind};
use htm_domain::work_order::{Priority, WorkOrderStatus, WorkOrderType, WorkResult};
use htm_service::ServiceError;
use htm_store::WorkOrderFilter;
use htm_test_support::stores;

// IEC 62353 limit rows shipped in migration 0002.
const PE_NON_DETACHABLE_300_MOHM: i64 = 1;
const AP_LEAKAGE_BF_5000_UA: i64 = 10;
const AP_LEAKAGE_CF_50_UA: i64 = 11;
const NFPA_GROUND_500_MOHM: i64 = 15;

mod common;
use common::*;

fn record(p: &Procedure, version: i64, flow: f64, readings: &[(i64, f64)], equipment: Vec<AssetId>) -> PmRecordRequest {
    PmRecordRequest {
        version,
        steps: vec![
            StepInput { step_id: p.steps[0].id, passed: Some(true), ..Default::default() },
            StepInput { step_id: p.steps[1].id, value: Some(flow), ..Default::default() },
        ],
        esa: Some(EsaInput {
            standard: EsaStandard::Iec62353,
            readings: readings.iter().map(|&(limit_id, value)| EsaReadingInput { limit_id, value }).collect(),
        }),
        test_equipment: equipment,
        complete: true,
        password: Some(PASSWORD.into()),
    }
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

fn message(e: &ServiceError) -> String {
    e.to_string()
}

#[tokio::test]
async fn a_passing_pm_at_the_exact_limits_is_completed_with_its_results() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let proc = shop.s.create_procedure(&shop.sys, pump_procedure()).await.unwrap();
        assert_eq!((proc.code.as_str(), proc.version, proc.steps.len()), ("IP-ANNUAL", 1, 3));
        shop.s.set_model_procedure(&shop.sys, shop.model, Some("IP-ANNUAL")).await.unwrap();
        let pump = shop.pump("PUMP-001").await;
        let analyzer = shop.analyzer("TEQ-ESA-01", today().checked_add(jiff::ToSpan::days(30)).unwrap()).await;
        let (id, version) = shop.started_pm(pump).await;

        // 95 mL/h is exactly −5 %; 300 mΩ and 50 µA are exactly at the IEC 62353 limits.
        let req = record(
            &proc,
            version,
            95.0,
            &[(PE_NON_DETACHABLE_300_MOHM, 300.0), (AP_LEAKAGE_CF_50_UA, 50.0)],
            vec![analyzer],
        );
        let r = shop.s.record_pm(&shop.tech, id, req).await.unwrap();
        assert_eq!(r.work_order.status, WorkOrderStatus::Completed, "{}", db.name);
        assert_eq!(r.work_order.result, Some(WorkResult::Pass));
        assert_eq!(r.work_order.work_performed.as_deref(), Some("PM per procedure IP-ANNUAL v1: 3 steps, 0 failed"));
        assert_eq!((r.procedure_id, r.procedure_version), (Some(proc.id), Some(1)));
        assert_eq!(r.linked_work_order_id, None);
        assert_eq!(r.test_equipment, vec![analyzer]);
        assert!(r.results.iter().all(|s| s.passed), "{:?}", r.results);
        assert_eq!(r.results[1].limit_text.as_deref(), Some("100 mL/h ± 5 %"));
        assert_eq!(r.results[2].readings.len(), 2);
        assert_eq!(r.results[2].readings[1].limit, 50.0);
        assert_eq!(shop.s.pm_results(&shop.tech, id).await.unwrap(), r, "{}: read back as recorded", db.name);
        assert_eq!(shop.s.get_asset(&shop.sys, pump).await.unwrap().status, AssetStatus::InService);
        assert!(shop.s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn a_failed_step_fails_the_pm_takes_the_asset_out_and_opens_one_linked_repair() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let proc = shop.s.create_procedure(&shop.sys, pump_procedure()).await.unwrap();
        let pump = shop.pump("PUMP-002").await;
        // The per-asset override.
        let a = shop.s.get_asset(&shop.sys, pump).await.unwrap();
        let p =
            AssetPatch { version: a.version, pm_procedure_code: Some(Some("ip-annual".into())), ..Default::default() };
        assert_eq!(
            shop.s.update_asset(&shop.sys, pump, p).await.unwrap().pm_procedure_code.as_deref(),
            Some("IP-ANNUAL")
        );
        let (id, version) = shop.started_pm(pump).await;

        // 50.1 µA applied-part leakage on a CF part fails.
        let req =
            record(&proc, version, 100.0, &[(PE_NON_DETACHABLE_300_MOHM, 120.0), (AP_LEAKAGE_CF_50_UA, 50.1)], vec![]);
        let r = shop.s.record_pm(&shop.tech, id, req).await.unwrap();
        assert_eq!(r.work_order.status, WorkOrderStatus::Completed, "{}", db.name);
        assert_eq!(r.work_order.result, Some(WorkResult::Fail));
        assert_eq!(r.work_order.work_performed.as_deref(), Some("PM per procedure IP-ANNUAL v1: 3 steps, 1 failed"));
        assert!(!r.results[2].passed && !r.results[2].readings[1].passed && r.results[2].readings[0].passed);
        let linked = r.linked_work_order_id.expect("a linked repair");
        assert_eq!(shop.s.get_asset(&shop.sys, pump).await.unwrap().status, AssetStatus::OutOfService, "{}", db.name);

        let f = WorkOrderFilter { asset_id: Some(pump), wo_type: Some(WorkOrderType::Repair), ..Default::default() };
        let repairs =
            shop.s.list_work_orders(&shop.sys, f, htm_domain::page::PageRequest::first(10)).await.unwrap().items;
        assert_eq!(repairs.len(), 1, "{}: exactly one repair", db.name);
        assert_eq!(repairs[0].id, linked);
        assert_eq!(repairs[0].priority, Priority::High);
        assert!(repairs[0].took_out_of_service);
        assert!(repairs[0].problem.contains("applied_part_leakage 50.1 uA (limit <= 50 uA)"), "{}", repairs[0].problem);
        assert!(repairs[0].problem.contains(&r.work_order.number), "{}", repairs[0].problem);
        assert!(shop.s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn readings_against_limits_that_do_not_apply_are_refused() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let proc = shop.s.create_procedure(&shop.sys, pump_procedure()).await.unwrap();
        let pump = shop.pump("PUMP-003").await;
        let (id, version) = shop.started_pm(pump).await;

        // No procedure on the asset or its model yet.
        let e = shop.s.record_pm(&shop.tech, id, record(&proc, version, 100.0, &[], vec![])).await.unwrap_err();
        assert!(
            matches!(e, ServiceError::Validation(_)) && message(&e).contains("no PM procedure"),
            "{}: {e}",
            db.name
        );
        shop.s.set_model_procedure(&shop.sys, shop.model, Some("IP-ANNUAL")).await.unwrap();

        // A BF limit on a CF device.
        let e = shop
            .s
            .record_pm(&shop.tech, id, record(&proc, version, 100.0, &[(AP_LEAKAGE_BF_5000_UA, 10.0)], vec![]))
            .await
            .unwrap_err();
        assert!(message(&e).contains("does not apply to asset PUMP-003"), "{}: {e}", db.name);
        // An NFPA 99 limit submitted as IEC 62353.
        let e = shop
            .s
            .record_pm(&shop.tech, id, record(&proc, version, 100.0, &[(NFPA_GROUND_500_MOHM, 10.0)], vec![]))
            .await
            .unwrap_err();
        assert!(message(&e).contains("NFPA 99"), "{}: {e}", db.name);
        // Without the asset's protection class, ESA readings cannot be judged.
        let a = shop.s.get_asset(&shop.sys, pump).await.unwrap();
        let p = AssetPatch { version: a.version, protection_class: Some(None), ..Default::default() };
        shop.s.update_asset(&shop.sys, pump, p).await.unwrap();
        let e = shop
            .s
            .record_pm(&shop.tech, id, record(&proc, version, 100.0, &[(AP_LEAKAGE_CF_50_UA, 10.0)], vec![]))
            .await
            .unwrap_err();
        assert!(message(&e).contains("protection_class"), "{}: {e}", db.name);

        let wo = shop.s.get_work_order(&shop.sys, id).await.unwrap();
        assert_eq!((wo.status, wo.version), (WorkOrderStatus::InProgress, version), "{}: nothing written", db.name);
        assert!(shop.s.pm_results(&shop.sys, id).await.unwrap().results.is_empty());
    }
}

#[tokio::test]
async fn sign_off_with_an_out_of_calibration_analyzer_is_refused_and_writes_nothing() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let proc = shop.s.create_procedure(&shop.sys, pump_procedure()).await.unwrap();
        shop.s.set_model_procedure(&shop.sys, shop.model, Some("IP-ANNUAL")).await.unwrap();
        let pump = shop.pump("PUMP-004").await;
        let expired = jiff::civil::date(2020, 1, 31);
        let analyzer = shop.analyzer("TEQ-ESA-09", expired).await;
        let (id, version) = shop.started_pm(pump).await;
        let audit_before = shop.s.verify_audit().await.unwrap().unwrap();

        let req = record(&proc, version, 100.0, &[(AP_LEAKAGE_CF_50_UA, 10.0)], vec![analyzer]);
        let e = shop.s.record_pm(&shop.tech, id, req.clone()).await.unwrap_err();
        let m = message(&e);
        assert!(matches!(e, ServiceError::Validation(_)), "{}: {e}", db.name);
        assert!(m.contains("TEQ-ESA-09") && m.contains("2020-01-31"), "{}: {m}", db.name);

        let wo = shop.s.get_work_order(&shop.sys, id).await.unwrap();
        assert_eq!((wo.status, wo.version), (WorkOrderStatus::InProgress, version), "{}", db.name);
        let r = shop.s.pm_results(&shop.sys, id).await.unwrap();
        assert!(r.results.is_empty() && r.test_equipment.is_empty() && r.procedure_id.is_none(), "{}", db.name);
        assert_eq!(shop.s.verify_audit().await.unwrap().unwrap(), audit_before, "{}: no audit event", db.name);

        // Saving results without sign-off is allowed (the instrument is recorded).
        let saved = shop.s.record_pm(&shop.tech, id, PmRecordRequest { complete: false, ..req }).await.unwrap();
        assert_eq!(saved.work_order.status, WorkOrderStatus::InProgress);
        assert_eq!(saved.test_equipment, vec![analyzer]);
        // The saved record shows the instrument's model and the due date it had when used.
        assert_eq!(saved.instruments.len(), 1);
        assert_eq!(
            (saved.instruments[0].model_number.as_str(), saved.instruments[0].calibration_due),
            ("8015", Some(expired))
        );
    }
}

#[tokio::test]
async fn a_new_procedure_version_does_not_change_a_completed_pm() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let v1 = shop.s.create_procedure(&shop.sys, pump_procedure()).await.unwrap();
        shop.s.set_model_procedure(&shop.sys, shop.model, Some("IP-ANNUAL")).await.unwrap();
        let pump = shop.pump("PUMP-005").await;
        let (id, version) = shop.started_pm(pump).await;
        let req = record(&v1, version, 101.0, &[(AP_LEAKAGE_CF_50_UA, 10.0)], vec![]);
        shop.s.record_pm(&shop.tech, id, req).await.unwrap();

        let mut changed = pump_procedure();
        changed.steps.insert(1, step(StepKind::Check, "Verify occlusion alarm"));
        let v2 = shop.s.create_procedure(&shop.sys, changed).await.unwrap();
        assert_eq!((v2.code.as_str(), v2.version, v2.steps.len()), ("IP-ANNUAL", 2, 4), "{}", db.name);
        assert_eq!(shop.s.get_procedure(&shop.sys, v1.id).await.unwrap(), v1, "{}: v1 is unchanged", db.name);

        let kept = shop.s.pm_results(&shop.sys, id).await.unwrap();
        assert_eq!((kept.procedure_id, kept.procedure_version), (Some(v1.id), Some(1)), "{}", db.name);
        assert_eq!(kept.results.len(), 3);

        let latest = shop.s.list_procedures(&shop.sys, None).await.unwrap();
        assert_eq!(latest.iter().map(|p| p.version).collect::<Vec<_>>(), vec![2]);
        let all = shop.s.list_procedures(&shop.sys, Some("ip-annual")).await.unwrap();
        assert_eq!(all.iter().map(|p| p.version).collect::<Vec<_>>(), vec![2, 1]);

        // The next PM is performed to v2.
        let (next, version) = shop.started_pm(pump).await;
        let mut req = record(&v2, version, 100.0, &[(AP_LEAKAGE_CF_50_UA, 10.0)], vec![]);
        req.steps.push(StepInput { step_id: v2.steps[2].id, value: Some(100.0), ..Default::default() });
        req.steps[1] = StepInput { step_id: v2.steps[1].id, passed: Some(true), ..Default::default() };
        let r = shop.s.record_pm(&shop.tech, next, req).await.unwrap();
        assert_eq!(r.procedure_version, Some(2), "{}", db.name);
        assert_eq!(r.work_order.result, Some(WorkResult::Pass));
    }
}

#[tokio::test]
async fn pm_and_test_equipment_fields_travel_through_csv() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let csv = "asset_tag,manufacturer,model_number,department_cost_center,pm_procedure_code,protection_class,applied_part,calibration_due,calibrated_on,calibration_certificate\n\
                   PUMP-101,BD,8015,6100,ip-annual,I,CF,,,\n\
                   TEQ-201,BD,8015,6100,,,,2027-03-31,2026-03-31,FBC-2026-48213\n";
        assert_eq!(shop.s.import_assets_csv(&shop.sys, csv.as_bytes()).await.unwrap(), 2, "{}", db.name);
        let a = shop.s.get_asset_by_tag(&shop.sys, "PUMP-101").await.unwrap();
        assert_eq!(a.pm_procedure_code.as_deref(), Some("IP-ANNUAL"));
        assert_eq!((a.protection_class, a.applied_part), (Some(ProtectionClass::I), Some(AppliedPartType::Cf)));
        let t = shop.s.get_asset_by_tag(&shop.sys, "TEQ-201").await.unwrap();
        assert_eq!(t.calibration_due, Some(jiff::civil::date(2027, 3, 31)));
        assert_eq!(t.calibrated_on, Some(jiff::civil::date(2026, 3, 31)));
        assert_eq!(t.calibration_certificate.as_deref(), Some("FBC-2026-48213"));
        // A last calibration after the due date is refused, naming the column.
        let inverted = "asset_tag,manufacturer,model_number,department_cost_center,calibration_due,calibrated_on\n\
                        TEQ-202,BD,8015,6100,2026-03-31,2026-04-30\n";
        let e = shop.s.import_assets_csv(&shop.sys, inverted.as_bytes()).await.unwrap_err();
        assert!(format!("{e:?}").contains("calibrated_on"), "{e:?}");

        let bad =
            "asset_tag,manufacturer,model_number,department_cost_center,protection_class\nPUMP-102,BD,8015,6100,III\n";
        assert!(shop.s.import_assets_csv(&shop.sys, bad.as_bytes()).await.is_err());

        let mut out = Vec::new();
        shop.s.export_assets_csv(&shop.sys, &Default::default(), &mut out).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        let header = text.lines().next().unwrap();
        assert!(
            header.ends_with(
                "notes,pm_procedure_code,protection_class,applied_part,calibration_due,calibrated_on,calibration_certificate,version"
            ),
            "{header}"
        );
        assert!(text.contains(",IP-ANNUAL,I,CF,,"), "{text}");
        assert!(text.contains(",2027-03-31,2026-03-31,FBC-2026-48213,"), "{text}");
    }
}

#[tokio::test]
async fn the_pm_record_keeps_each_instruments_calibration_due_date_as_it_was_when_used() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let proc = shop.s.create_procedure(&shop.sys, pump_procedure()).await.unwrap();
        shop.s.set_model_procedure(&shop.sys, shop.model, Some("IP-ANNUAL")).await.unwrap();
        let pump = shop.pump("PUMP-006").await;
        let due = today().checked_add(jiff::ToSpan::days(20)).unwrap();
        let analyzer = shop.analyzer("TEQ-ESA-06", due).await;
        let a = shop.s.get_asset(&shop.sys, analyzer).await.unwrap();
        let calibrated = due.checked_sub(jiff::ToSpan::years(1)).unwrap();
        let p = AssetPatch {
            version: a.version,
            serial_number: Some(Some("4417021".into())),
            calibrated_on: Some(Some(calibrated)),
            calibration_certificate: Some(Some("FBC-2025-31337".into())),
            ..Default::default()
        };
        let a = shop.s.update_asset(&shop.sys, analyzer, p).await.unwrap();
        assert_eq!((a.calibrated_on, a.calibration_certificate.as_deref()), (Some(calibrated), Some("FBC-2025-31337")));

        let (id, version) = shop.started_pm(pump).await;
        let req = record(&proc, version, 100.0, &[(AP_LEAKAGE_CF_50_UA, 10.0)], vec![analyzer]);
        let r = shop.s.record_pm(&shop.tech, id, req).await.unwrap();
        assert_eq!(r.instruments.len(), 1, "{}", db.name);
        let i = &r.instruments[0];
        assert_eq!(
            (i.asset_tag.as_str(), i.manufacturer.as_str(), i.model_number.as_str(), i.serial_number.as_deref()),
            ("TEQ-ESA-06", "BD", "8015", Some("4417021")),
            "{}",
            db.name
        );
        assert_eq!(i.calibration_due, Some(due), "{}: the due date at the time of use", db.name);

        // Recalibrated a year later: the PM still shows the due date the instrument had then.
        let later = due.checked_add(jiff::ToSpan::years(1)).unwrap();
        let p = AssetPatch { version: a.version, calibration_due: Some(Some(later)), ..Default::default() };
        shop.s.update_asset(&shop.sys, analyzer, p).await.unwrap();
        let read = shop.s.pm_results(&shop.sys, id).await.unwrap();
        assert_eq!(read.instruments[0].calibration_due, Some(due), "{}: the snapshot is kept", db.name);
        assert_eq!(read.test_equipment, vec![analyzer]);

        // The test-equipment list shows the instrument with its certificate; due soon, not overdue.
        let te = shop.s.list_test_equipment_on(&shop.sys, today()).await.unwrap();
        let t = te.iter().find(|t| t.asset_id == analyzer).unwrap();
        assert_eq!((t.calibration_due, t.overdue, t.days_left), (later, false, t.days_left));
        assert_eq!(t.calibration_certificate.as_deref(), Some("FBC-2025-31337"));
        let seen_later =
            shop.s.list_test_equipment_on(&shop.sys, later.checked_add(jiff::ToSpan::days(3)).unwrap()).await.unwrap();
        let t = seen_later.iter().find(|t| t.asset_id == analyzer).unwrap();
        assert_eq!((t.overdue, t.days_left, t.due_soon), (true, -3, false), "{}", db.name);
    }
}
