//! The technicians pages: the list with expired qualifications highlighted, and the add and
//! revoke forms (CSRF-protected, managers only), on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::qualification::{Certification, NewQualification};
use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, Services};
use htm_test_support::stores;

mod common;
use common::{get, login, post};

#[tokio::test]
async fn managers_add_and_revoke_on_the_technicians_pages() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let mut ids = Vec::new();
        for (name, display, role) in
            [("mgarcia", "Maria Garcia", Role::Manager), ("kbrown", "Kevin Brown", Role::Technician)]
        {
            let u = services
                .add_user_as_system(NewUser {
                    username: name.into(),
                    display_name: display.into(),
                    role,
                    email: None,
                    vendor_id: None,
                    password: "Good-Password-1".into(),
                })
                .await
                .unwrap();
            ids.push(u.id);
        }
        let expired = NewQualification {
            certification: Some(Certification::Cbet),
            reference: Some("CBET-204711".into()),
            expires_on: Some(jiff::civil::date(2025, 9, 30)),
            ..Default::default()
        };
        services.add_qualification(&Principal::system(), ids[1], expired).await.unwrap();
        let router = htm_web::router(htm_web::AppState::new(services));
        let mgr = login(&router, "mgarcia").await;
        let tech = login(&router, "kbrown").await;

        let r = get(&router, "/technicians", &mgr).await;
        assert_eq!(r.status, StatusCode::OK, "{}", db.name);
        assert!(r.body.contains("Kevin Brown") && r.body.contains("Maria Garcia"), "{}", r.body);
        assert!(r.body.contains("expired 2025-09-30"), "{}", r.body);
        assert!(r.body.contains("1 expired"));

        // The technician sees their own page without the add form, and cannot add.
        let mine = format!("/technicians/{}", ids[1].0);
        let r = get(&router, &mine, &tech).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("CBET-204711") && !r.body.contains("id=\"qual-form\""), "{}", r.body);
        let add = format!("{mine}/qualifications");
        let r = post(&router, &add, &tech, &[("csrf", &tech.csrf), ("certification", "CRES")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            !get(&router, &mine, &mgr).await.body.contains("<td data-label=\"Qualification\">CRES</td>"),
            "{}",
            db.name
        );

        // Without the CSRF token: refused.
        let r = post(&router, &add, &mgr, &[("csrf", "forged"), ("certification", "CRES")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // The manager adds a renewed CBET through the form.
        let r = get(&router, &mine, &mgr).await;
        assert!(r.body.contains("id=\"qual-form\""), "{}", r.body);
        let fields = [
            ("csrf", mgr.csrf.as_str()),
            ("certification", "CBET"),
            ("model_id", ""),
            ("reference", "CBET-309944"),
            ("issuer", ""),
            ("issued_on", "2026-10-01"),
            ("expires_on", "2029-09-30"),
        ];
        let r = post(&router, &add, &mgr, &fields).await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, mine.as_str()));
        let page = get(&router, &mine, &mgr).await.body;
        assert!(page.contains("CBET-309944") && page.contains("2029-09-30"), "{page}");
        assert!(page.contains("AAMI Credentials Institute"));

        // Revoke the expired one through its form.
        let qid: i64 = page
            .split("id=\"qual-")
            .skip(1)
            .filter_map(|s| s.split('"').next().and_then(|n| n.parse().ok()))
            .min()
            .unwrap();
        let r = post(
            &router,
            &format!("{mine}/qualifications/{qid}/revoke"),
            &mgr,
            &[("csrf", &mgr.csrf), ("reason", "superseded by renewal")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = get(&router, &mine, &mgr).await.body;
        assert!(page.contains("superseded by renewal"), "{page}");
    }
}

#[tokio::test]
async fn the_flag_shows_on_the_work_order_page_and_the_pm_screen() {
    use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
    use htm_domain::org::{NewBuilding, NewDepartment, NewSite};
    use htm_domain::procedure::{NewProcedure, NewProcedureStep, PmRecordRequest, StepInput, StepKind};
    use htm_domain::qualification::QualificationRequirement;
    use htm_domain::work_order::{NewWorkOrder, Priority, TransitionRequest, WorkOrderType};

    let db = htm_test_support::sqlite().await;
    let s = Services::new(db.store.clone(), Default::default());
    let sys = Principal::system();
    let site =
        s.create_site(&sys, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b =
        s.create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let d = s
        .create_department(&sys, NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() })
        .await
        .unwrap();
    let m = s.create_manufacturer(&sys, NewManufacturer { name: "Hamilton Medical".into() }).await.unwrap();
    let model = s
        .create_model(
            &sys,
            NewDeviceModel {
                expected_life_years: Some(10),
                high_risk: true,
                life_support: true,
                ..NewDeviceModel::new(m.id, "HAMILTON-C6", "HAMILTON-C6", "Ventilator, critical care")
            },
        )
        .await
        .unwrap();
    let proc = s
        .create_procedure(
            &sys,
            NewProcedure {
                code: "VENT-PM".into(),
                name: "Ventilator PM".into(),
                steps: vec![NewProcedureStep {
                    kind: StepKind::Check,
                    instruction: "Inspect circuit and alarms".into(),
                    unit: None,
                    nominal: None,
                    lower_limit: None,
                    upper_limit: None,
                    tolerance_pct: None,
                }],
                requirement: QualificationRequirement {
                    certification: Some(Certification::Cbet),
                    model_training: true,
                },
            },
        )
        .await
        .unwrap();
    s.set_model_procedure(&sys, model.id, Some("VENT-PM")).await.unwrap();
    let asset: htm_domain::asset::NewAsset = serde_json::from_value(
        serde_json::json!({"asset_tag": "BME-000777", "model_id": model.id.0, "department_id": d.id.0}),
    )
    .unwrap();
    let asset = s.create_asset(&sys, asset).await.unwrap();
    let tech = s
        .add_user_as_system(NewUser {
            username: "kbrown".into(),
            display_name: "Kevin Brown".into(),
            role: Role::Technician,
            email: None,
            vendor_id: None,
            password: "Good-Password-1".into(),
        })
        .await
        .unwrap();
    let tech_p = Principal { user: tech };
    let n = NewWorkOrder {
        wo_type: WorkOrderType::Pm,
        priority: Priority::Normal,
        asset_id: Some(asset.id),
        problem: "Annual PM".into(),
        requester_contact: None,
        assigned_to: None,
        vendor_id: None,
        due_date: None,
    };
    let wo = s.create_work_order(&tech_p, n).await.unwrap();
    let wo = s
        .transition_work_order(&tech_p, wo.id, TransitionRequest { to: "in_progress".into(), ..Default::default() })
        .await
        .unwrap();
    let req = PmRecordRequest {
        version: wo.version,
        steps: vec![StepInput { step_id: proc.steps[0].id, passed: Some(true), ..Default::default() }],
        esa: None,
        test_equipment: vec![],
        complete: true,
        password: Some("Good-Password-1".into()),
    };
    let r = s.record_pm(&tech_p, wo.id, req).await.unwrap();
    let flag = r.work_order.qualification_flag.unwrap();
    assert!(
        flag.contains("lacks a valid CBET certification and manufacturer training on Hamilton Medical HAMILTON-C6"),
        "{flag}"
    );
    let router = htm_web::router(htm_web::AppState::new(s));
    let session = login(&router, "kbrown").await;
    let page = get(&router, &format!("/work-orders/{}", wo.id.0), &session).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"wo-qualification-flag\"") && page.body.contains("lacks a valid CBET"),
        "{}",
        page.body
    );
    let pm = get(&router, &format!("/work-orders/{}/pm", wo.id.0), &session).await;
    assert!(pm.body.contains("id=\"pm-qualification-flag\""), "{}", pm.body);
    assert!(pm.body.contains("CBET and manufacturer training on the model"), "{}", pm.body);
}
