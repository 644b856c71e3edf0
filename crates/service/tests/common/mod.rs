//! The test shop shared by the service tests: a site, an ICU, an infusion-pump model, a
//! technician, and helpers to add pumps and analyzers and start a PM.

#![allow(dead_code)]

use htm_domain::asset::{AssetPatch, NewAsset};
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::esa::{AppliedPartType, ProtectionClass};
use htm_domain::ids::*;
use htm_domain::org::*;
use htm_domain::procedure::{NewProcedure, NewProcedureStep, StepKind};
use htm_domain::user::{NewUser, Role};
use htm_domain::work_order::{NewWorkOrder, Priority, TransitionRequest, WorkOrderType};
use htm_service::{Principal, Services};

pub struct Shop {
    pub s: Services,
    pub sys: Principal,
    pub tech: Principal,
    pub model: ModelId,
    pub dept: DepartmentId,
}

/// The technician's password (their electronic signature).
pub const PASSWORD: &str = "Good-Password-1";

pub async fn shop(store: std::sync::Arc<dyn htm_store::Store>) -> Shop {
    let s = Services::new(store, Default::default());
    let sys = Principal::system();
    let site =
        s.create_site(&sys, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b =
        s.create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let d = s
        .create_department(
            &sys,
            NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "Adult ICU".into() },
        )
        .await
        .unwrap();
    let m = s.create_manufacturer(&sys, NewManufacturer { name: "BD".into() }).await.unwrap();
    let model = s
        .create_model(
            &sys,
            NewDeviceModel {
                fda_product_code: Some("FRN".into()),
                expected_life_years: Some(8),
                high_risk: true,
                ..NewDeviceModel::new(m.id, "8015", "Alaris PC unit", "Pump, infusion")
            },
        )
        .await
        .unwrap();
    let u = s
        .add_user_as_system(NewUser {
            username: "bmet1".into(),
            display_name: "B. Met".into(),
            role: Role::Technician,
            email: None,
            vendor_id: None,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    Shop { s, sys, tech: Principal { user: u }, model: model.id, dept: d.id }
}

pub fn step(kind: StepKind, instruction: &str) -> NewProcedureStep {
    NewProcedureStep {
        kind,
        instruction: instruction.into(),
        unit: None,
        nominal: None,
        lower_limit: None,
        upper_limit: None,
        tolerance_pct: None,
    }
}

pub fn pump_procedure() -> NewProcedure {
    NewProcedure {
        code: "ip-annual".into(),
        name: "Infusion pump annual PM".into(),
        steps: vec![
            step(StepKind::Check, "Inspect housing, door latch and power cord"),
            NewProcedureStep {
                unit: Some("mL/h".into()),
                nominal: Some(100.0),
                tolerance_pct: Some(5.0),
                ..step(StepKind::Measurement, "Flow rate at 100 mL/h")
            },
            step(StepKind::ElectricalSafety, "Electrical safety test (IEC 62353)"),
        ],
        requirement: Default::default(),
    }
}

impl Shop {
    /// An in-service Class I / CF infusion pump.
    pub async fn pump(&self, tag: &str) -> AssetId {
        let n: NewAsset = serde_json::from_value(
            serde_json::json!({"asset_tag": tag, "model_id": self.model.0, "department_id": self.dept.0}),
        )
        .unwrap();
        let a = self.s.create_asset(&self.sys, n).await.unwrap();
        let p = AssetPatch {
            version: a.version,
            protection_class: Some(Some(ProtectionClass::I)),
            applied_part: Some(Some(AppliedPartType::Cf)),
            ..Default::default()
        };
        self.s.update_asset(&self.sys, a.id, p).await.unwrap().id
    }

    /// An analyzer (test equipment) with a calibration due date.
    pub async fn analyzer(&self, tag: &str, due: jiff::civil::Date) -> AssetId {
        let n: NewAsset = serde_json::from_value(
            serde_json::json!({"asset_tag": tag, "model_id": self.model.0, "department_id": self.dept.0}),
        )
        .unwrap();
        let a = self.s.create_asset(&self.sys, n).await.unwrap();
        let p = AssetPatch { version: a.version, calibration_due: Some(Some(due)), ..Default::default() };
        let a = self.s.update_asset(&self.sys, a.id, p).await.unwrap();
        assert_eq!(a.calibration_due, Some(due));
        a.id
    }

    /// A PM work order on `asset`, started by the technician.
    pub async fn started_pm(&self, asset: AssetId) -> (WorkOrderId, i64) {
        let n = NewWorkOrder {
            wo_type: WorkOrderType::Pm,
            priority: Priority::Normal,
            asset_id: Some(asset),
            problem: "Annual PM".into(),
            requester_contact: None,
            assigned_to: None,
            vendor_id: None,
            due_date: None,
        };
        let wo = self.s.create_work_order(&self.tech, n).await.unwrap();
        let wo = self
            .s
            .transition_work_order(
                &self.tech,
                wo.id,
                TransitionRequest { to: "in_progress".into(), ..Default::default() },
            )
            .await
            .unwrap();
        (wo.id, wo.version)
    }
}
