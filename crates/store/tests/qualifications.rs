//! Technician qualifications and their enforcement when a PM is recorded or a work order with a
//! procedure is completed (REFERENCE §10), on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::DomainError;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::ids::*;
use htm_domain::org::*;
use htm_domain::procedure::{NewProcedure, NewProcedureStep, PmRecordRequest, StepInput, StepKind};
use htm_domain::qualification::{Certification, NewQualification, QualificationPolicy, QualificationRequirement};
use htm_domain::user::Role;
use htm_domain::work_order::{NewWorkOrder, Priority, TransitionRequest, WorkOrderStatus, WorkOrderType, WorkResult};
use htm_store::{ChangeContext, NewUserRecord, Store, StoreError};
use htm_test_support::stores;
use jiff::civil::{Date, date};

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn sys(when: &str) -> ChangeContext {
    ChangeContext { actor_id: None, actor: "system".into(), at: at(when), reason: None }
}

struct Shop {
    site: SiteId,
    dept: DepartmentId,
    model: ModelId,
    other_model: ModelId,
    tech: UserId,
}

impl Shop {
    fn tech(&self, when: &str) -> ChangeContext {
        ChangeContext { actor_id: Some(self.tech), actor: "jtech".into(), at: at(when), reason: None }
    }
}

async fn shop(s: &dyn Store) -> Shop {
    let c = sys("2026-01-05T09:00:00Z");
    let site =
        s.insert_site(&c, &NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b = s.insert_building(&c, &NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let d = s
        .insert_department(&c, &NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() })
        .await
        .unwrap();
    let m = s.insert_manufacturer(&c, &NewManufacturer { name: "Philips".into() }).await.unwrap();
    let model = |number: &str, name: &str| NewDeviceModel {
        expected_life_years: Some(8),
        high_risk: true,
        life_support: true,
        ..NewDeviceModel::new(m.id, number, name, "Defibrillator")
    };
    let m1 = s.insert_model(&c, &model("DFM100", "Efficia DFM100")).await.unwrap();
    let m2 = s.insert_model(&c, &model("XL+", "HeartStart XL+")).await.unwrap();
    let tech = s
        .insert_user(
            &c,
            &NewUserRecord {
                username: "jtech".into(),
                display_name: "Jo Tech".into(),
                role: Role::Technician,
                email: None,
                vendor_id: None,
                password_hash: "x".into(),
            },
        )
        .await
        .unwrap();
    Shop { site: site.id, dept: d.id, model: m1.id, other_model: m2.id, tech: tech.id }
}

/// A one-step procedure with `req`, made the default of both models.
async fn procedure(s: &dyn Store, shop: &Shop, code: &str, req: QualificationRequirement) -> i64 {
    let c = sys("2026-01-05T09:00:00Z");
    let n = NewProcedure {
        code: code.into(),
        name: "Defibrillator PM".into(),
        steps: vec![NewProcedureStep {
            kind: StepKind::Check,
            instruction: "Inspect paddles and cables".into(),
            unit: None,
            nominal: None,
            lower_limit: None,
            upper_limit: None,
            tolerance_pct: None,
        }],
        requirement: req,
    };
    let p = s.insert_procedure(&c, &n).await.unwrap();
    assert_eq!(p.requirement, req);
    for m in [shop.model, shop.other_model] {
        s.set_model_procedure(&c, m, Some(code)).await.unwrap();
    }
    p.steps[0].id
}

/// A PM on a new asset of `model`, started by the technician at `when`.
async fn started_pm(s: &dyn Store, shop: &Shop, model: ModelId, tag: &str, when: &str) -> (WorkOrderId, i64) {
    let n: htm_domain::asset::NewAsset = serde_json::from_value(
        serde_json::json!({"asset_tag": tag, "model_id": model.0, "department_id": shop.dept.0}),
    )
    .unwrap();
    let a = s.insert_asset(&sys(when), &n).await.unwrap();
    let wo = NewWorkOrder {
        wo_type: WorkOrderType::Pm,
        priority: Priority::Normal,
        asset_id: Some(a.id),
        problem: "Annual PM".into(),
        requester_contact: None,
        assigned_to: Some(shop.tech),
        vendor_id: None,
        due_date: None,
    };
    let wo = s.insert_work_order(&shop.tech(when), &wo, None).await.unwrap();
    let wo = s
        .transition_work_order(
            &shop.tech(when),
            wo.id,
            &TransitionRequest { to: "in_progress".into(), ..Default::default() },
        )
        .await
        .unwrap();
    (wo.id, wo.version)
}

fn signoff(step: i64, version: i64, complete: bool) -> PmRecordRequest {
    PmRecordRequest {
        version,
        steps: vec![StepInput { step_id: step, passed: Some(true), ..Default::default() }],
        esa: None,
        test_equipment: vec![],
        complete,
        password: None,
    }
}

fn cert(c: Certification, expires: Option<Date>) -> NewQualification {
    NewQualification {
        certification: Some(c),
        reference: Some("ACI-123456".into()),
        issued_on: Some(date(2023, 4, 1)),
        expires_on: expires,
        ..Default::default()
    }
    .normalized()
    .unwrap()
}

const CBET: QualificationRequirement =
    QualificationRequirement { certification: Some(Certification::Cbet), model_training: false };

fn unqualified(e: StoreError) -> String {
    match e {
        StoreError::Domain(DomainError::Unqualified(m)) => m,
        other => panic!("expected an unqualified refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn valid_through_the_expiry_date_flagged_the_day_after_by_default() {
    for db in stores().await {
        let s = db.store.as_ref();
        let shop = shop(s).await;
        let step = procedure(s, &shop, "DEFIB-PM", CBET).await;
        assert_eq!(s.get_qualification_policy(shop.site).await.unwrap(), QualificationPolicy::Flag, "{}", db.name);
        let q = s
            .add_qualification(
                &sys("2026-01-05T10:00:00Z"),
                shop.tech,
                &cert(Certification::Cbet, Some(date(2026, 3, 31))),
            )
            .await
            .unwrap();
        assert_eq!(q.issuer.as_deref(), Some("AAMI Credentials Institute"));
        assert_eq!(q.expires_on, Some(date(2026, 3, 31)));
        let audit = s.list_audit_for("qualification", &q.id.to_string(), 10).await.unwrap();
        assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["create"], "{}", db.name);

        // On the expiry date: qualified, no flag.
        let (a, v) = started_pm(s, &shop, shop.model, "DEF-1", "2026-03-31T08:00:00Z").await;
        let r = s.record_pm(&shop.tech("2026-03-31T20:00:00Z"), a, &signoff(step, v, true)).await.unwrap();
        assert_eq!(r.work_order.status, WorkOrderStatus::Completed, "{}", db.name);
        assert_eq!(r.work_order.qualification_flag, None, "{}", db.name);

        // The day after: allowed (policy flag) and flagged, with the reason audited.
        let (b, v) = started_pm(s, &shop, shop.model, "DEF-2", "2026-04-01T07:00:00Z").await;
        let r = s.record_pm(&shop.tech("2026-04-01T08:00:00Z"), b, &signoff(step, v, true)).await.unwrap();
        assert_eq!(r.work_order.status, WorkOrderStatus::Completed, "{}", db.name);
        assert_eq!(r.work_order.result, Some(WorkResult::Pass));
        let flag = r.work_order.qualification_flag.clone().expect("flagged");
        assert!(
            flag.starts_with(
                "Jo Tech (jtech) lacks a valid CBET certification (theirs expired 2026-03-31) required by the procedure"
            ),
            "{flag}"
        );
        assert!(flag.contains("DEFIB-PM v1") && flag.contains("DEF-2"), "{flag}");
        assert_eq!(s.get_work_order(b).await.unwrap().qualification_flag.as_deref(), Some(flag.as_str()));
        let events = s.list_audit_for("work_order", &b.to_string(), 20).await.unwrap();
        let e = events.iter().find(|e| e.action == "qualification_flag").expect("flag audited");
        assert!(e.after.as_deref().unwrap().contains("theirs expired 2026-03-31"), "{}", db.name);
        assert_eq!(e.actor_id, Some(shop.tech.0));
        assert!(s.verify_audit_chain().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn a_refusing_site_refuses_and_writes_nothing_until_the_technician_is_qualified() {
    for db in stores().await {
        let s = db.store.as_ref();
        let shop = shop(s).await;
        let step = procedure(s, &shop, "DEFIB-PM", CBET).await;
        let mgr = ChangeContext { reason: Some("policy review".into()), ..sys("2026-01-06T09:00:00Z") };
        s.set_qualification_policy(&mgr, shop.site, QualificationPolicy::Refuse).await.unwrap();
        assert_eq!(s.get_qualification_policy(shop.site).await.unwrap(), QualificationPolicy::Refuse);
        let site_audit = s.list_audit_for("site", &shop.site.to_string(), 10).await.unwrap();
        let e = site_audit.iter().find(|e| e.action == "update").expect("policy audited");
        assert!(e.after.as_deref().unwrap().contains("refuse"), "{}", db.name);
        // A CRES is not a CBET; an expired CBET does not count either.
        s.add_qualification(&sys("2026-01-06T09:00:00Z"), shop.tech, &cert(Certification::Cres, None)).await.unwrap();
        s.add_qualification(
            &sys("2026-01-06T09:00:00Z"),
            shop.tech,
            &cert(Certification::Cbet, Some(date(2026, 1, 31))),
        )
        .await
        .unwrap();

        let (id, v) = started_pm(s, &shop, shop.model, "DEF-1", "2026-02-02T08:00:00Z").await;
        let m = unqualified(
            s.record_pm(&shop.tech("2026-02-02T09:00:00Z"), id, &signoff(step, v, true)).await.unwrap_err(),
        );
        assert!(m.contains("Jo Tech (jtech) lacks a valid CBET certification (theirs expired 2026-01-31)"), "{m}");
        // A draft is refused too, and nothing was written.
        unqualified(s.record_pm(&shop.tech("2026-02-02T09:00:00Z"), id, &signoff(step, v, false)).await.unwrap_err());
        let wo = s.get_work_order(id).await.unwrap();
        assert_eq!(
            (wo.status, wo.version, wo.qualification_flag),
            (WorkOrderStatus::InProgress, v, None),
            "{}",
            db.name
        );
        assert!(s.get_pm_record(id).await.unwrap().results.is_empty());

        // Renewed: accepted.
        s.add_qualification(
            &sys("2026-02-02T10:00:00Z"),
            shop.tech,
            &cert(Certification::Cbet, Some(date(2029, 1, 31))),
        )
        .await
        .unwrap();
        let r = s.record_pm(&shop.tech("2026-02-02T11:00:00Z"), id, &signoff(step, v, true)).await.unwrap();
        assert_eq!((r.work_order.status, r.work_order.qualification_flag), (WorkOrderStatus::Completed, None));
    }
}

#[tokio::test]
async fn manufacturer_training_is_for_the_assets_own_model() {
    for db in stores().await {
        let s = db.store.as_ref();
        let shop = shop(s).await;
        let req = QualificationRequirement { certification: None, model_training: true };
        let step = procedure(s, &shop, "DEFIB-OEM", req).await;
        s.set_qualification_policy(&sys("2026-01-06T09:00:00Z"), shop.site, QualificationPolicy::Refuse).await.unwrap();
        let training = NewQualification {
            model_id: Some(shop.model),
            issuer: Some("Philips Learning Center".into()),
            expires_on: Some(date(2027, 6, 30)),
            ..Default::default()
        };
        let q = s
            .add_qualification(&sys("2026-01-06T09:00:00Z"), shop.tech, &training.normalized().unwrap())
            .await
            .unwrap();
        assert_eq!(q.model_label.as_deref(), Some("Philips DFM100 – Efficia DFM100"), "{}", db.name);

        let (ok, v) = started_pm(s, &shop, shop.model, "DEF-1", "2026-03-02T08:00:00Z").await;
        s.record_pm(&shop.tech("2026-03-02T09:00:00Z"), ok, &signoff(step, v, true)).await.unwrap();
        let (other, v) = started_pm(s, &shop, shop.other_model, "DEF-2", "2026-03-02T08:00:00Z").await;
        let m = unqualified(
            s.record_pm(&shop.tech("2026-03-02T09:00:00Z"), other, &signoff(step, v, true)).await.unwrap_err(),
        );
        assert!(m.contains("lacks manufacturer training on Philips XL+ required by the procedure"), "{m}");

        // A training on a model that does not exist is refused.
        let bad = NewQualification { model_id: Some(ModelId(999)), ..Default::default() };
        let e = s.add_qualification(&sys("2026-01-06T09:00:00Z"), shop.tech, &bad).await.unwrap_err();
        assert!(matches!(e, StoreError::Domain(_)), "{e:?}");
    }
}

#[tokio::test]
async fn revoking_is_audited_and_the_revoked_qualification_no_longer_counts_at_completion() {
    for db in stores().await {
        let s = db.store.as_ref();
        let shop = shop(s).await;
        let step = procedure(s, &shop, "DEFIB-PM", CBET).await;
        let q = s
            .add_qualification(&sys("2026-01-06T09:00:00Z"), shop.tech, &cert(Certification::Cbet, None))
            .await
            .unwrap();
        // A draft recorded while qualified.
        let (id, v) = started_pm(s, &shop, shop.model, "DEF-1", "2026-03-02T08:00:00Z").await;
        let draft = s.record_pm(&shop.tech("2026-03-02T09:00:00Z"), id, &signoff(step, v, false)).await.unwrap();
        assert_eq!(draft.work_order.qualification_flag, None);

        let rc = ChangeContext { reason: Some("x".into()), ..sys("2026-03-03T09:00:00Z") };
        let r = s.revoke_qualification(&rc, shop.tech, q.id, "certificate not renewed with ACI").await.unwrap();
        assert_eq!(r.revoked_at, Some(at("2026-03-03T09:00:00Z")), "{}", db.name);
        assert_eq!(r.revoked_reason.as_deref(), Some("certificate not renewed with ACI"));
        let again = s.revoke_qualification(&rc, shop.tech, q.id, "again").await.unwrap_err();
        assert!(matches!(again, StoreError::Conflict { .. }), "{again:?}");
        let wrong_user = s.revoke_qualification(&rc, UserId(shop.tech.0 + 100), q.id, "x").await.unwrap_err();
        assert!(matches!(wrong_user, StoreError::NotFound(_)), "{wrong_user:?}");
        let events = s.list_audit_for("qualification", &q.id.to_string(), 10).await.unwrap();
        let e = events.iter().find(|e| e.action == "revoke").expect("revoke audited");
        assert_eq!(e.reason.as_deref(), Some("certificate not renewed with ACI"), "{}", db.name);
        assert_eq!(
            s.list_qualifications(shop.tech).await.unwrap()[0].revoked_reason.as_deref(),
            Some("certificate not renewed with ACI")
        );

        // Completing the work order through its workflow checks again: refused at a refusing site…
        s.set_qualification_policy(&sys("2026-03-03T10:00:00Z"), shop.site, QualificationPolicy::Refuse).await.unwrap();
        let done = TransitionRequest {
            to: "completed".into(),
            result: Some(WorkResult::Pass),
            work_performed: Some("PM done".into()),
            ..Default::default()
        };
        let m = unqualified(s.transition_work_order(&shop.tech("2026-03-04T09:00:00Z"), id, &done).await.unwrap_err());
        assert!(m.contains("lacks a valid CBET certification required by the procedure"), "{m}");
        assert_eq!(s.get_work_order(id).await.unwrap().status, WorkOrderStatus::InProgress);
        // …and flagged at a flagging one.
        s.set_qualification_policy(&sys("2026-03-04T10:00:00Z"), shop.site, QualificationPolicy::Flag).await.unwrap();
        let wo = s.transition_work_order(&shop.tech("2026-03-04T11:00:00Z"), id, &done).await.unwrap();
        assert_eq!(wo.status, WorkOrderStatus::Completed, "{}", db.name);
        assert!(
            wo.qualification_flag.as_deref().unwrap().contains("lacks a valid CBET"),
            "{:?}",
            wo.qualification_flag
        );
        // A work order without a recorded procedure is not checked.
        let (plain, _) = started_pm(s, &shop, shop.model, "DEF-2", "2026-03-05T08:00:00Z").await;
        let wo = s.transition_work_order(&shop.tech("2026-03-05T09:00:00Z"), plain, &done).await.unwrap();
        assert_eq!((wo.status, wo.qualification_flag), (WorkOrderStatus::Completed, None));
    }
}
