//! The strategies pages on both back ends: the register, a refused AEM proposal shown with
//! every reason and its clause, a proposal approved with the password (signed), the asset page's
//! strategy line and the AEM monitoring page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::org::{NewBuilding, NewDepartment, NewSite};
use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, Services};
use htm_test_support::stores;

mod common;
use common::{get, login, post};

#[tokio::test]
async fn propose_refuse_approve_and_monitor_in_the_ui() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let sys = Principal::system();
        services
            .add_user_as_system(NewUser {
                username: "ce1".into(),
                display_name: "Casey Engineer".into(),
                role: Role::Engineer,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        let site = services
            .create_site(&sys, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None })
            .await
            .unwrap();
        let b = services
            .create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() })
            .await
            .unwrap();
        let d = services
            .create_department(
                &sys,
                NewDepartment { building_id: b.id, cost_center: "7100".into(), name: "Radiology".into() },
            )
            .await
            .unwrap();
        let m = services.create_manufacturer(&sys, NewManufacturer { name: "GE HealthCare".into() }).await.unwrap();
        let new_model = |number: &str, category: &str, code: &str| -> NewDeviceModel {
            serde_json::from_value(
                serde_json::json!({"manufacturer_id": m.id.0, "model_number": number, "name": number,
                "category": category, "fda_product_code": code}),
            )
            .unwrap()
        };
        let ct = services
            .create_model(&sys, new_model("Revolution", "Computed tomography (CT) scanner", "JAK"))
            .await
            .unwrap();
        let th = services.create_model(&sys, new_model("T-2", "Electronic clinical thermometer", "FLL")).await.unwrap();
        let n: NewAsset = serde_json::from_value(
            serde_json::json!({"asset_tag": "TH-9", "model_id": th.id.0, "department_id": d.id.0}),
        )
        .unwrap();
        let asset = services.create_asset(&sys, n).await.unwrap();
        let router = htm_web::router(htm_web::AppState::new(services));
        let s = login(&router, "ce1").await;

        let r = get(&router, "/strategies", &s).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("No strategy approved yet"), "{}", r.body);

        let ct_id = ct.id.0.to_string();
        let r = post(
            &router,
            "/strategies",
            &s,
            &[
                ("csrf", &s.csrf),
                ("model_id", &ct_id),
                ("strategy", "aem"),
                ("rationale", "Vendor data"),
                ("aem_group", "CT"),
                ("alt_interval_months", "12"),
                ("use_and_harm", "Diagnostic"),
                ("failure_consequences", "Delay"),
                ("backup_availability", "Second CT"),
                ("incident_history", "None"),
                ("maintenance_requirements", "Tube"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"strategy-refusals\""), "{}", r.body);
        assert!(
            r.body.contains("imaging or radiologic equipment") && r.body.contains("S&amp;C 14-07-Hospital"),
            "{}",
            r.body
        );
        // Without the CSRF token: refused.
        let r =
            post(&router, "/strategies", &s, &[("model_id", &ct_id), ("strategy", "manufacturer"), ("rationale", "x")])
                .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        let th_id = th.id.0.to_string();
        let r = post(
            &router,
            "/strategies",
            &s,
            &[
                ("csrf", &s.csrf),
                ("model_id", &th_id),
                ("strategy", "run_to_failure"),
                ("rationale", "Replaced on failure"),
            ],
        )
        .await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/strategies"));
        let page = get(&router, "/strategies", &s).await.body;
        assert!(page.contains("Awaiting approval") && page.contains("Password (your electronic signature)"), "{page}");
        let id = page.split("id=\"proposal-").nth(1).unwrap().split('"').next().unwrap().to_string();
        let r =
            post(&router, &format!("/strategies/{id}/approve"), &s, &[("csrf", &s.csrf), ("password", "wrong")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(get(&router, "/strategies", &s).await.body.contains("No strategy approved yet"));
        let r = post(
            &router,
            &format!("/strategies/{id}/approve"),
            &s,
            &[("csrf", &s.csrf), ("password", "Good-Password-1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = get(&router, "/strategies", &s).await.body;
        assert!(page.contains("Signed by Casey Engineer (ce1) — approval (approved)"), "{page}");

        let a = get(&router, &format!("/assets/{}", asset.id.0), &s).await.body;
        assert!(a.contains("Run to failure (corrective only) — Replaced on failure (set for its model"), "{a}");

        // Rule designations: another rule needs its citation, then AEM is refused with it.
        let r = post(
            &router,
            "/strategies/model-flags",
            &s,
            &[("csrf", &s.csrf), ("model_id", &th_id), ("other_rule_requires_oem", "on")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = post(
            &router,
            "/strategies/model-flags",
            &s,
            &[
                ("csrf", &s.csrf),
                ("model_id", &th_id),
                ("other_rule_requires_oem", "on"),
                ("other_rule_citation", "State rule 12.3"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = post(
            &router,
            "/strategies",
            &s,
            &[
                ("csrf", &s.csrf),
                ("asset_tag", "TH-9"),
                ("strategy", "aem"),
                ("rationale", "x"),
                ("aem_group", "T"),
                ("alt_interval_months", "24"),
                ("use_and_harm", "a"),
                ("failure_consequences", "b"),
                ("backup_availability", "c"),
                ("incident_history", "d"),
                ("maintenance_requirements", "e"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("State rule 12.3"), "{}", r.body);

        let r = get(&router, "/reports/aem?from=2026-01-01&to=2026-06-30", &s).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("No equipment is on AEM"), "{}", r.body);
    }
}

fn at(s: &str) -> htm_store::ChangeContext {
    htm_store::ChangeContext { actor_id: None, actor: "tester".into(), at: s.parse().unwrap(), reason: None }
}

/// A completed PM or repair on `day` (back-dated through the store).
async fn work(
    s: &dyn htm_store::Store,
    tech: htm_domain::ids::UserId,
    asset: htm_domain::ids::AssetId,
    kind: &str,
    day: &str,
    extra: serde_json::Value,
) -> String {
    let n: htm_domain::work_order::NewWorkOrder =
        serde_json::from_value(serde_json::json!({"wo_type": kind, "asset_id": asset.0, "problem": "Work"})).unwrap();
    let c = at(&format!("{day}T09:00:00Z"));
    let wo = s.insert_work_order(&c, &n, None).await.unwrap();
    let start = serde_json::from_value(serde_json::json!({"to": "in_progress", "assigned_to": tech.0})).unwrap();
    s.transition_work_order(&c, wo.id, &start).await.unwrap();
    let mut f = extra;
    f["to"] = "completed".into();
    f["work_performed"] = "Done".into();
    s.transition_work_order(&at(&format!("{day}T11:00:00Z")), wo.id, &serde_json::from_value(f).unwrap())
        .await
        .unwrap();
    wo.number
}

#[tokio::test]
async fn a_flagged_aem_group_shows_in_red_with_its_evidence() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let eng = services
            .add_user_as_system(NewUser {
                username: "ce1".into(),
                display_name: "Casey Engineer".into(),
                role: Role::Engineer,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        let st = db.store.as_ref();
        let c0 = at("2023-01-01T00:00:00Z");
        let site = st
            .insert_site(&c0, &NewSite { code: "RGH".into(), name: "Riverside".into(), address: None })
            .await
            .unwrap();
        let b = st
            .insert_building(&c0, &NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() })
            .await
            .unwrap();
        let d = st
            .insert_department(
                &c0,
                &NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() },
            )
            .await
            .unwrap();
        let m = st.insert_manufacturer(&c0, &NewManufacturer { name: "BD".into() }).await.unwrap();
        let n: NewDeviceModel =
            serde_json::from_value(serde_json::json!({"manufacturer_id": m.id.0, "model_number": "8015",
            "name": "Alaris", "category": "Infusion pump, large-volume (LVP)", "fda_product_code": "FRN"}))
            .unwrap();
        let model = st.insert_model(&c0, &n).await.unwrap().id;
        let mut pumps = Vec::new();
        for i in 0..4 {
            let a: NewAsset =
                serde_json::from_value(serde_json::json!({"asset_tag": format!("IP-{i}"), "model_id": model.0,
                "department_id": d.id.0, "status": "in_service", "in_service_date": "2023-01-01"}))
                .unwrap();
            pumps.push(st.insert_asset(&c0, &a).await.unwrap().id);
        }
        for (i, p) in pumps.iter().enumerate() {
            work(st, eng.id, *p, "pm", &format!("2024-0{}-10", i + 1), serde_json::json!({"result": "pass"})).await;
        }
        let svc = &services;
        let p = svc
            .propose_strategy(
                &Principal { user: eng.clone() },
                htm_domain::strategy::StrategyTarget::Model(model),
                serde_json::from_value(
                    serde_json::json!({"strategy": "aem", "rationale": "Fleet data", "aem_group": "LVP pumps",
                    "alt_interval_months": 24, "criteria": {"use_and_harm": "a", "failure_consequences": "b",
                    "backup_availability": "c", "incident_history": "d", "maintenance_requirements": "e"}}),
                )
                .unwrap(),
            )
            .await
            .unwrap();
        let signer = htm_store::ChangeContext {
            actor_id: Some(eng.id),
            actor: "ce1".into(),
            at: "2025-01-01T08:00:00Z".parse().unwrap(),
            reason: None,
        };
        st.decide_strategy(&signer, p.id, htm_domain::strategy::StrategyStatus::Approved, None).await.unwrap();
        // 4 pumps × 91 days = 0.9966 device-years in 2025-Q2 with 2 failures: 2.01 per device-year.
        let wo1 = work(
            st,
            eng.id,
            pumps[0],
            "repair",
            "2025-04-15",
            serde_json::json!({"result": "pass", "cause_code": "EF"}),
        )
        .await;
        let wo2 = work(
            st,
            eng.id,
            pumps[1],
            "repair",
            "2025-05-15",
            serde_json::json!({"result": "pass", "cause_code": "PPF"}),
        )
        .await;

        let router = htm_web::router(htm_web::AppState::new(services.clone()));
        let s = login(&router, "ce1").await;
        let r = get(&router, "/reports/aem?from=2025-04-01&to=2025-06-30", &s).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("LVP pumps"), "{}", r.body);
        assert!(r.body.contains("badge rate-bad\">Return to manufacturer's recommendations"), "{}", r.body);
        assert!(r.body.contains("exceeds the limit of 1.00"), "{}", r.body);
        assert!(r.body.contains(&wo1) && r.body.contains(&wo2), "{}", r.body);
        assert!(r.body.contains("<span class=\"badge rate-bad\">2.01</span>"), "{}", r.body);
        let a = get(&router, &format!("/assets/{}", pumps[0].0), &s).await.body;
        assert!(a.contains("Alternate equipment maintenance (AEM): AEM group LVP pumps, every 24 months"), "{a}");
    }
}
