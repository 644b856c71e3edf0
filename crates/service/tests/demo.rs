//! The demo hospital seeds into an empty database on both back ends, and what it stores holds
//! together: the audit chain verifies, the counts match, assets out of service have their open
//! repairs, and a second seed is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::AssetStatus;
use htm_domain::page::PageRequest;
use htm_service::{Principal, ServiceError, Services};
use htm_store::{AssetFilter, WorkOrderFilter};
use htm_test_support::stores;

#[tokio::test]
async fn the_demo_hospital_seeds_once_and_holds_together() {
    let today = jiff::civil::date(2026, 11, 21);
    for db in stores().await {
        let s = Services::new(db.store.clone(), Default::default());
        s.ensure_admin(Some("Chief-Biomed-2026".into())).await.unwrap();
        let sum = s.seed_demo(today).await.unwrap();
        assert!(sum.assets >= 5000, "{}: {} assets", db.name, sum.assets);
        assert!(sum.work_orders > 10_000, "{}: {} work orders", db.name, sum.work_orders);
        let events = s.verify_audit().await.unwrap().unwrap();
        assert!(events as usize > sum.assets + sum.work_orders, "{}: one create event per row", db.name);

        let p = Principal::system();
        let out = s
            .list_assets(
                &p,
                &AssetFilter { status: Some(AssetStatus::OutOfService), ..Default::default() },
                PageRequest::first(1000),
            )
            .await
            .unwrap();
        assert!(!out.items.is_empty(), "{}: some assets are out of service", db.name);
        for a in out.items.iter().take(20) {
            let f = WorkOrderFilter { asset_id: Some(a.id), open_only: true, ..Default::default() };
            let open = s.list_work_orders(&p, f, PageRequest::first(10)).await.unwrap();
            assert!(
                open.items.iter().any(|w| w.took_out_of_service),
                "{}: {} has no open repair",
                db.name,
                a.asset_tag
            );
        }
        // Demo users can sign in with the demo password.
        let (user, _) = &sum.users[0];
        assert!(s.login(user, htm_service::demo::DEMO_PASSWORD, "api").await.is_ok());
        // New work continues the numbering of the seeded history.
        let wo = s
            .create_work_order(
                &Principal { user: s.login(user, htm_service::demo::DEMO_PASSWORD, "api").await.unwrap().user },
                serde_json::from_value(
                    serde_json::json!({"wo_type": "repair", "asset_id": out.items[0].id.0, "problem": "Alarm"}),
                )
                .unwrap(),
            )
            .await
            .unwrap();
        let seeded = s.list_work_orders(&p, WorkOrderFilter::default(), PageRequest::first(2)).await.unwrap();
        assert_eq!(seeded.items[0].id, wo.id);
        assert_ne!(seeded.items[1].number, wo.number);
        assert!(
            matches!(s.seed_demo(today).await, Err(ServiceError::Conflict { .. })),
            "{}: seeds only an empty database",
            db.name
        );

        // A demo infusion pump can have a full PM recorded against its procedure, with
        // measurements and IEC 62353 readings judged against the stored limits.
        let pumps = s
            .list_assets(
                &p,
                &AssetFilter {
                    q: Some("infusion pump, large".into()),
                    status: Some(AssetStatus::InService),
                    ..Default::default()
                },
                PageRequest::first(5),
            )
            .await
            .unwrap();
        let pump = &pumps.items[0];
        let tech = Principal { user: s.login("rlopez", htm_service::demo::DEMO_PASSWORD, "api").await.unwrap().user };
        // Every model was assessed by the clinical engineer: an infusion pump (function 9,
        // physical risk 4, maintenance 3) is in the program whatever its history.
        let risk = s.asset_risk(&tech, pump.id).await.unwrap().expect("demo models are assessed");
        assert_eq!((risk.source, risk.assessment.decided_by.as_str()), ("model", "dchen"), "{}", db.name);
        assert!(risk.in_program && risk.em_number >= 14, "{}: {risk:?}", db.name);
        // Three incidents of the last months: one closed, one reported to the manufacturer.
        let engineer =
            Principal { user: s.login("dchen", htm_service::demo::DEMO_PASSWORD, "api").await.unwrap().user };
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let incidents =
            s.list_incidents(&engineer, today.saturating_sub(jiff::Span::new().days(365)), today).await.unwrap();
        assert_eq!(incidents.len(), 3, "{}", db.name);
        assert!(incidents.iter().all(|i| i.asset_id.is_some()), "{}: each names its device", db.name);
        assert_eq!(incidents.iter().filter(|i| i.status.as_str() == "closed").count(), 1, "{}", db.name);
        assert!(incidents.iter().any(|i| i.mdr_reportable == Some(true) && i.mdr_report_number.is_some()));
        // Three demo hazard alerts, matched to the inventory: the pump correction for three
        // listed serials has two confirmed units (each with its recall work order) and one not
        // affected; the defibrillator recall names a whole model (undecided candidates); the
        // notice for a model the hospital does not hold has no candidate.
        let recalls =
            s.list_recalls(&engineer, &htm_store::RecallFilter::default(), PageRequest::first(50)).await.unwrap();
        assert_eq!(recalls.items.len(), 3, "{}", db.name);
        let by_class = |c: htm_domain::recall::RecallClass| {
            recalls.items.iter().find(|r| r.recall.record.recall_class == Some(c)).expect("a demo alert of each class")
        };
        let pump_alert = by_class(htm_domain::recall::RecallClass::II);
        assert_eq!(
            (pump_alert.progress.affected, pump_alert.progress.not_affected, pump_alert.progress.candidates),
            (2, 1, 0),
            "{}",
            db.name
        );
        let detail = s.get_recall(&engineer, pump_alert.recall.id).await.unwrap();
        assert!(detail.matches.iter().filter(|m| m.work_order_number.is_some()).count() == 2, "{}", db.name);
        let defib = by_class(htm_domain::recall::RecallClass::I);
        assert!(defib.progress.candidates >= 2 && defib.progress.affected == 0, "{}: {:?}", db.name, defib.progress);
        let other = by_class(htm_domain::recall::RecallClass::III);
        assert_eq!(other.progress.candidates + other.progress.affected, 0, "{}", db.name);
        // The real KEV entries, matched to the networked devices: the Windows 7 central stations
        // carry CVE-2021-34527 (PrintNightmare).
        let findings = s.list_findings(&engineer, &htm_store::FindingFilter::default()).await.unwrap();
        assert!(
            findings.iter().any(|f| f.cve_id == "CVE-2021-34527"),
            "{}: {:?}",
            db.name,
            findings.iter().map(|f| (&f.asset_tag, &f.cve_id)).collect::<Vec<_>>()
        );
        let new: htm_domain::work_order::NewWorkOrder =
            serde_json::from_value(serde_json::json!({"wo_type": "pm", "asset_id": pump.id.0, "problem": "Annual PM"}))
                .unwrap();
        let pm = s.create_work_order(&tech, new).await.unwrap();
        let start = htm_domain::work_order::TransitionRequest { to: "in_progress".into(), ..Default::default() };
        let pm = s.transition_work_order(&tech, pm.id, start).await.unwrap();
        let code = s.store.get_model_procedure(pump.model.id).await.unwrap().expect("demo models have a procedure");
        let procedure = s.store.list_procedures(Some(&code)).await.unwrap().remove(0);
        let limits = s
            .esa_limits(
                htm_domain::esa::EsaStandard::Iec62353,
                htm_domain::esa::ProtectionClass::I,
                htm_domain::esa::AppliedPartType::Cf,
            )
            .await
            .unwrap();
        let steps = procedure
            .steps
            .iter()
            .map(|st| htm_domain::procedure::StepInput {
                step_id: st.id,
                passed: (st.kind == htm_domain::procedure::StepKind::Check).then_some(true),
                value: (st.kind == htm_domain::procedure::StepKind::Measurement).then_some(101.2),
                note: None,
            })
            .collect();
        let readings = limits
            .iter()
            .map(|l| htm_domain::procedure::EsaReadingInput {
                limit_id: l.id,
                value: if l.comparator == htm_domain::esa::Comparator::AtLeast {
                    l.limit * 10.0
                } else {
                    l.limit / 2.0
                },
            })
            .collect();
        let req = htm_domain::procedure::PmRecordRequest {
            version: pm.version,
            steps,
            esa: Some(htm_domain::procedure::EsaInput { standard: htm_domain::esa::EsaStandard::Iec62353, readings }),
            test_equipment: vec![],
            complete: true,
            password: Some(htm_service::demo::DEMO_PASSWORD.into()),
        };
        let rec = s.record_pm(&tech, pm.id, req).await.unwrap_or_else(|e| panic!("{}: {e}", db.name));
        assert_eq!(rec.work_order.status, htm_domain::work_order::WorkOrderStatus::Completed, "{}", db.name);
        assert!(rec.results.iter().all(|r| r.passed), "{}: {:?}", db.name, rec.results);
        assert!(s.verify_audit().await.unwrap().is_ok());

        // The Biomed shop's test equipment: exactly one instrument overdue on `today`.
        let te = s.list_test_equipment_on(&p, today).await.unwrap();
        assert!((10..=14).contains(&te.len()), "{}: {} instruments", db.name, te.len());
        assert_eq!(te.iter().filter(|i| i.overdue).count(), 1, "{}", db.name);
        assert!(te.iter().all(|i| i.calibration_certificate.is_some() && i.calibrated_on.is_some()));

        // The pump's seeded PMs carry recorded results, readings and the instruments used, each
        // in calibration on the day (the snapshot due date is not before the completion date).
        let f = WorkOrderFilter {
            asset_id: Some(pump.id),
            wo_type: Some(htm_domain::work_order::WorkOrderType::Pm),
            status: Some(htm_domain::work_order::WorkOrderStatus::Closed),
            ..Default::default()
        };
        let history = s.list_work_orders(&p, f, PageRequest::first(10)).await.unwrap();
        assert!(!history.items.is_empty(), "{}: the pump has closed PMs", db.name);
        for w in &history.items {
            let r = s.pm_results(&p, w.id).await.unwrap();
            assert_eq!(r.procedure_code.as_deref(), Some(code.as_str()), "{}: {}", db.name, w.number);
            assert_eq!(r.results.len(), procedure.steps.len(), "{}: {}", db.name, w.number);
            let has_esa = procedure.steps.iter().any(|st| st.kind == htm_domain::procedure::StepKind::ElectricalSafety);
            assert_eq!(
                r.results.iter().any(|x| !x.readings.is_empty()),
                has_esa,
                "{}: {} ESA readings",
                db.name,
                w.number
            );
            let day = w.completed_at.unwrap().to_zoned(jiff::tz::TimeZone::UTC).date();
            for i in &r.instruments {
                assert!(i.calibration_due.is_some_and(|d| d >= day), "{}: {} used {i:?}", db.name, w.number);
            }
            assert_eq!(
                r.work_order.result == Some(htm_domain::work_order::WorkResult::Fail),
                r.linked_work_order_id.is_some()
            );
        }
    }
}
