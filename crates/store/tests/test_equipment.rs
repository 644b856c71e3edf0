//! Test equipment on both back ends: the calibration fields of an asset, the list of instruments,
//! and the PM record's snapshot of each instrument's calibration due date (REFERENCE §1.5).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::{AssetPatch, NewAsset};
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::org::*;
use htm_domain::procedure::{NewProcedure, NewProcedureStep, PmRecordRequest, StepInput, StepKind};
use htm_domain::user::Role;
use htm_domain::work_order::{NewWorkOrder, Priority, TransitionRequest, WorkOrderType};
use htm_store::{ChangeContext, NewUserRecord, Store};
use htm_test_support::stores;
use jiff::civil::date;

fn ctx() -> ChangeContext {
    ChangeContext { actor_id: None, actor: "tester".into(), at: jiff::Timestamp::now(), reason: None }
}

#[tokio::test]
async fn a_pm_record_keeps_the_instruments_due_date_at_the_time_of_use() {
    for db in stores().await {
        let s: &dyn Store = db.store.as_ref();
        let c = ctx();
        let site =
            s.insert_site(&c, &NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
        let b = s
            .insert_building(&c, &NewBuilding { site_id: site.id, code: "DS".into(), name: "Support".into() })
            .await
            .unwrap();
        let d = s
            .insert_department(
                &c,
                &NewDepartment { building_id: b.id, cost_center: "8100".into(), name: "Biomed".into() },
            )
            .await
            .unwrap();
        let fluke = s.insert_manufacturer(&c, &NewManufacturer { name: "Fluke Biomedical".into() }).await.unwrap();
        let model = |number: &str, name: &str, category: &str| NewDeviceModel {
            expected_life_years: Some(10),
            ..NewDeviceModel::new(fluke.id, number, name, category)
        };
        let esa = s
            .insert_model(&c, &model("ESA620", "ESA620 Electrical Safety Analyzer", "Electrical safety analyzer"))
            .await
            .unwrap();
        let device = s.insert_model(&c, &model("DEV-1", "Bench device", "Infusion pump")).await.unwrap();
        let asset = |tag: &str, m: htm_domain::ids::ModelId| -> NewAsset {
            serde_json::from_value(serde_json::json!({
                "asset_tag": tag, "serial_number": format!("SN-{tag}"), "model_id": m.0, "department_id": d.id.0
            }))
            .unwrap()
        };
        let pump = s.insert_asset(&c, &asset("PUMP-1", device.id)).await.unwrap();
        let an = s.insert_asset(&c, &asset("TEQ-1", esa.id)).await.unwrap();
        let due = date(2099, 6, 30);
        let p = AssetPatch {
            version: an.version,
            calibration_due: Some(Some(due)),
            calibrated_on: Some(Some(date(2098, 6, 30))),
            calibration_certificate: Some(Some("FBC-2098-12345".into())),
            ..Default::default()
        };
        let an = s.update_asset(&c, an.id, &p).await.unwrap();
        assert_eq!(
            (an.calibration_due, an.calibrated_on, an.calibration_certificate.as_deref()),
            (Some(due), Some(date(2098, 6, 30)), Some("FBC-2098-12345")),
            "{}",
            db.name
        );

        // Only assets with a calibration due date are test equipment.
        let list = s.list_test_equipment().await.unwrap();
        assert_eq!(list.len(), 1, "{}", db.name);
        assert_eq!((list[0].asset_id, list[0].model_number.as_str(), list[0].calibration_due), (an.id, "ESA620", due));
        assert_eq!(list[0].calibration_certificate.as_deref(), Some("FBC-2098-12345"));
        assert_eq!((list[0].serial_number.as_deref(), list[0].department.as_str()), (Some("SN-TEQ-1"), "Biomed"));

        let step = NewProcedureStep {
            kind: StepKind::Check,
            instruction: "Inspect".into(),
            unit: None,
            nominal: None,
            lower_limit: None,
            upper_limit: None,
            tolerance_pct: None,
        };
        let proc = s
            .insert_procedure(
                &c,
                &NewProcedure {
                    code: "CHK".into(),
                    name: "Check".into(),
                    steps: vec![step],
                    requirement: Default::default(),
                },
            )
            .await
            .unwrap();
        s.set_model_procedure(&c, device.id, Some("CHK")).await.unwrap();
        let tech = s
            .insert_user(
                &c,
                &NewUserRecord {
                    username: "jtech".into(),
                    display_name: "J. Tech".into(),
                    role: Role::Technician,
                    email: None,
                    vendor_id: None,
                    password_hash: "x".into(),
                },
            )
            .await
            .unwrap();
        let new = NewWorkOrder {
            wo_type: WorkOrderType::Pm,
            priority: Priority::Normal,
            asset_id: Some(pump.id),
            problem: "Annual PM".into(),
            requester_contact: None,
            assigned_to: Some(tech.id),
            vendor_id: None,
            due_date: None,
        };
        let wo = s.insert_work_order(&c, &new, None).await.unwrap();
        let wo = s
            .transition_work_order(&c, wo.id, &TransitionRequest { to: "in_progress".into(), ..Default::default() })
            .await
            .unwrap();
        let req = PmRecordRequest {
            version: wo.version,
            steps: vec![StepInput { step_id: proc.steps[0].id, passed: Some(true), ..Default::default() }],
            esa: None,
            test_equipment: vec![an.id],
            complete: true,
            password: None,
        };
        let rec = s.record_pm(&c, wo.id, &req).await.unwrap();
        assert_eq!(rec.instruments.len(), 1, "{}", db.name);
        let i = &rec.instruments[0];
        assert_eq!(
            (i.asset_tag.as_str(), i.manufacturer.as_str(), i.model_number.as_str(), i.serial_number.as_deref()),
            ("TEQ-1", "Fluke Biomedical", "ESA620", Some("SN-TEQ-1"))
        );
        assert_eq!(i.calibration_due, Some(due));

        // Recalibrated afterwards: the record still shows the due date it had when used.
        let p =
            AssetPatch { version: an.version, calibration_due: Some(Some(date(2100, 6, 30))), ..Default::default() };
        s.update_asset(&c, an.id, &p).await.unwrap();
        let read = s.get_pm_record(wo.id).await.unwrap();
        assert_eq!(read.instruments[0].calibration_due, Some(due), "{}: the snapshot is kept", db.name);
        assert_eq!(read.test_equipment, vec![an.id]);
        assert_eq!(read, s.get_pm_record(wo.id).await.unwrap());
    }
}
