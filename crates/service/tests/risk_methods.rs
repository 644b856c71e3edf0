//! The configurable weighted risk method (versioned, per model with per-asset override) and the
//! record of high-risk / life-support designations, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::{AssetPatch, NewAsset};
use htm_domain::catalog::ModelPatch;
use htm_domain::weighted_risk::{DEFAULT_METHOD_KEY, NewWeightedMethod, WeightedBands};
use htm_service::ServiceError;
use htm_store::RiskTarget;
use htm_test_support::stores;
use std::collections::BTreeMap;

mod common;
use common::*;

fn scores(v: &[(&str, i8)]) -> BTreeMap<String, i8> {
    v.iter().map(|(k, s)| (k.to_string(), *s)).collect()
}

fn all(s: i8) -> BTreeMap<String, i8> {
    scores(&[
        ("clinical_function", s),
        ("physical_risk", s),
        ("maintenance_requirements", s),
        ("utilisation_backup", s),
    ])
}

fn field_of(e: &ServiceError) -> Vec<String> {
    match e {
        ServiceError::Validation(f) => f.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected a validation error, got {other}"),
    }
}

#[tokio::test]
async fn the_default_weighted_method_scores_models_and_asset_overrides_by_version() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let s = &shop.s;
        // The shipped default: five criteria, weights summing to 100, one computed from repairs.
        let methods = s.list_risk_methods(&shop.tech).await.unwrap();
        let d = methods.iter().find(|m| m.key == DEFAULT_METHOD_KEY).expect("the default method is seeded");
        assert!(d.is_default && d.life_support_forces_high_risk, "{}", db.name);
        assert_eq!((d.version, d.inclusion_threshold), (1, 50));
        assert_eq!(d.criteria.iter().map(|c| c.weight).sum::<u32>(), 100);
        assert_eq!(d.criteria.iter().filter(|c| c.computed.is_some()).count(), 1);

        let pump = shop.pump("IP-0001").await;
        assert!(s.asset_weighted_risk(&shop.tech, pump).await.unwrap().is_empty());
        let model = RiskTarget::Model(shop.model);
        // Technicians read, only inventory managers assess.
        let e = s.assess_weighted_risk(&shop.tech, model, None, all(3), "x").await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{e}");
        // Every scored criterion, in range, none computed, and a reason.
        let mut bad = all(3);
        bad.remove("physical_risk");
        bad.insert("clinical_function".into(), 6);
        bad.insert("incident_history".into(), 2);
        let e = s.assess_weighted_risk(&shop.sys, model, None, bad, "Committee review").await.unwrap_err();
        assert_eq!(
            field_of(&e),
            vec!["scores.clinical_function", "scores.physical_risk", "scores.incident_history"],
            "{}",
            db.name
        );
        let e = s.assess_weighted_risk(&shop.sys, model, None, all(3), "  ").await.unwrap_err();
        assert_eq!(field_of(&e), vec!["reason"]);
        let e = s.assess_weighted_risk(&shop.sys, model, Some("nope"), all(3), "x").await.unwrap_err();
        assert_eq!(field_of(&e), vec!["method"]);

        // The model: function 4, physical risk 4, maintenance 3, backup 3; the pump has no
        // failures (incident history −2 → 1):
        // (30·3 + 25·3 + 15·2 + 15·0 + 15·2) / 4 = 225 / 4 = 56.25 → 56.3, in the program, annual.
        let given = scores(&[
            ("clinical_function", 4),
            ("physical_risk", 4),
            ("maintenance_requirements", 3),
            ("utilisation_backup", 3),
        ]);
        let a = s.assess_weighted_risk(&shop.sys, model, None, given, "EC committee, March").await.unwrap();
        assert_eq!((a.method_key.as_str(), a.method_version, a.decided_by.as_str()), (DEFAULT_METHOD_KEY, 1, "system"));
        let r = s.asset_weighted_risk(&shop.tech, pump).await.unwrap();
        assert_eq!(r.len(), 1, "{}", db.name);
        assert_eq!((r[0].source, r[0].score.score, r[0].incident_history), ("model", 56.3, -2));
        assert_eq!((r[0].in_program, r[0].pm_interval_months), (true, Some(12)));
        assert!(!r[0].must_be_high_risk, "the pump model is high-risk but not life support");
        let ih = r[0].score.parts.iter().find(|p| p.key == "incident_history").unwrap();
        assert_eq!((ih.score, ih.computed), (1, true));

        // The asset's own override: every scored criterion 5 → (120 + 100 + 60 + 0 + 60) / 4 = 85.
        s.assess_weighted_risk(&shop.sys, RiskTarget::Asset(pump), None, all(5), "Sole unit in burns").await.unwrap();
        let r = s.asset_weighted_risk(&shop.tech, pump).await.unwrap();
        assert_eq!((r[0].source, r[0].score.score, r[0].pm_interval_months), ("asset", 85.0, Some(3)));

        // A new version (stricter threshold): the old assessment keeps scoring under version 1.
        let mut v2 = NewWeightedMethod {
            key: DEFAULT_METHOD_KEY.into(),
            name: "Riverside weighted method".into(),
            description: None,
            criteria: d.criteria.clone(),
            inclusion_threshold: 90,
            bands: WeightedBands { quarterly_from: 101, semiannual_from: 101, annual_from: 90 },
            reason: "Reviewed by the EC committee".into(),
        };
        let e = s.create_risk_method(&shop.tech, v2.clone()).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)));
        v2.bands.annual_from = 95;
        v2.bands.semiannual_from = 90;
        let e = s.create_risk_method(&shop.sys, v2.clone()).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["bands"]);
        v2.bands = WeightedBands { quarterly_from: 101, semiannual_from: 101, annual_from: 90 };
        let m2 = s.create_risk_method(&shop.sys, v2).await.unwrap();
        assert_eq!((m2.version, m2.is_default), (2, false));
        let r = s.asset_weighted_risk(&shop.tech, pump).await.unwrap();
        assert_eq!((r[0].method.version, r[0].latest_version, r[0].score.score), (1, 2, 85.0));
        assert!(r[0].in_program, "still judged by version 1's threshold");
        // Re-assessed: version 2, and 85 < 90 is out of the program.
        s.assess_weighted_risk(&shop.sys, RiskTarget::Asset(pump), None, all(5), "Re-scored under v2").await.unwrap();
        let r = s.asset_weighted_risk(&shop.tech, pump).await.unwrap();
        assert_eq!((r[0].method.version, r[0].in_program, r[0].pm_interval_months), (2, false, None));
        let versions: Vec<i32> = s
            .list_risk_methods(&shop.tech)
            .await
            .unwrap()
            .iter()
            .filter(|m| m.key == DEFAULT_METHOD_KEY)
            .map(|m| m.version)
            .collect();
        assert_eq!(versions, vec![2, 1], "append-only: both versions stay");
        let audit = db.store.list_audit_for("risk_method", &m2.id.to_string(), 5).await.unwrap();
        assert_eq!(audit[0].action, "new_version", "{}", db.name);
    }
}

#[tokio::test]
async fn every_designation_records_who_decided_when_and_why() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let s = &shop.s;
        let pump = shop.pump("IP-0002").await;
        // The shop's model was created high-risk: an initial designation with the default reason.
        let h = s.asset_designations(&shop.tech, pump).await.unwrap();
        assert_eq!(h.len(), 1, "{}: {h:?}", db.name);
        assert_eq!(
            (h[0].target, h[0].designation.as_str(), h[0].designated),
            (RiskTarget::Model(shop.model), "high_risk", Some(true))
        );
        assert_eq!(h[0].reason, "initial inventory designation by system");

        // Changing an asset's override needs a reason, naming the field.
        let a = s.get_asset(&shop.sys, pump).await.unwrap();
        let p = AssetPatch { version: a.version, high_risk_override: Some(Some(false)), ..Default::default() };
        let e = s.update_asset(&shop.sys, pump, p.clone()).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["high_risk_override"], "{}", db.name);
        let p = AssetPatch { life_support_override: Some(Some(true)), reason: Some("   ".into()), ..p };
        let e = s.update_asset(&shop.sys, pump, p.clone()).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["high_risk_override"]);
        // With a reason: both recorded; life support keeps it high-risk.
        s.assess_model_risk(&shop.sys, shop.model, (9, 4, 4), "Therapeutic").await.unwrap();
        let p = AssetPatch { reason: Some("Used on the neonatal transport ventilator".into()), ..p };
        let a = s.update_asset(&shop.sys, pump, p).await.unwrap();
        assert!(a.life_support && a.high_risk, "life support ⇒ high-risk");
        let h = s.asset_designations(&shop.tech, pump).await.unwrap();
        assert_eq!(h.len(), 3);
        let ls = &h[0];
        assert_eq!(
            (ls.target, ls.designation.as_str(), ls.designated),
            (RiskTarget::Asset(pump), "life_support", Some(true))
        );
        assert_eq!(
            (ls.reason.as_str(), ls.decided_by.as_str()),
            ("Used on the neonatal transport ventilator", "system")
        );
        assert!(ls.risk_assessment_id.is_some(), "linked to the F&S assessment in force");
        assert_eq!((h[1].designation.as_str(), h[1].designated), ("high_risk", Some(false)));
        // An unchanged override records nothing and needs no reason.
        let p = AssetPatch { version: a.version, high_risk_override: Some(Some(false)), ..Default::default() };
        let a = s.update_asset(&shop.sys, pump, p).await.unwrap();
        assert_eq!(s.asset_designations(&shop.tech, pump).await.unwrap().len(), 3);
        // Clearing an override is a designation too (value null).
        let p = AssetPatch {
            version: a.version,
            high_risk_override: Some(None),
            reason: Some("Back to the model's designation".into()),
            ..Default::default()
        };
        s.update_asset(&shop.sys, pump, p).await.unwrap();
        let h = s.asset_designations(&shop.tech, pump).await.unwrap();
        assert_eq!((h[0].designation.as_str(), h[0].designated), ("high_risk", None));

        // A model's flags: life support without a reason is refused; with one, recorded.
        let m = s.get_model(&shop.sys, shop.model).await.unwrap();
        let mp = ModelPatch { version: m.version, life_support: Some(true), ..Default::default() };
        let e = s.update_model(&shop.sys, shop.model, mp.clone()).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["life_support"], "{}", db.name);
        let mp = ModelPatch { reason: Some("Closed-loop infusion: life-sustaining".into()), ..mp };
        let m = s.update_model(&shop.sys, shop.model, mp).await.unwrap();
        assert!(m.high_risk && m.life_support);
        let h = s.asset_designations(&shop.tech, pump).await.unwrap();
        assert_eq!((h[0].target, h[0].designation.as_str()), (RiskTarget::Model(shop.model), "life_support"));
        assert_eq!(h.len(), 5, "high_risk was already true: only life support is recorded");

        // Creation with an override and a reason records that reason.
        let n: NewAsset = serde_json::from_value(serde_json::json!({
            "asset_tag": "IP-0003", "model_id": shop.model.0, "department_id": shop.dept.0, "high_risk_override": true
        }))
        .unwrap();
        let e = s.create_asset_designated(&shop.tech, n.clone(), None).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)));
        let b = s.create_asset_designated(&shop.sys, n, Some("Bought for the burns unit".into())).await.unwrap();
        let h = s.asset_designations(&shop.tech, b.id).await.unwrap();
        assert_eq!((h[0].target, h[0].reason.as_str()), (RiskTarget::Asset(b.id), "Bought for the burns unit"));
        // The existing audit event of the change is still written.
        let audit = db.store.list_audit_for("asset", &pump.to_string(), 10).await.unwrap();
        assert!(audit.iter().any(|e| e.reason.as_deref() == Some("Used on the neonatal transport ventilator")));
    }
}

#[tokio::test]
async fn a_csv_import_records_the_overrides_it_sets_with_the_imports_reason() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let csv = "asset_tag,manufacturer,model_number,department_cost_center,high_risk_override,life_support_override\n\
                   PUMP-301,BD,8015,6100,no,\n\
                   PUMP-302,BD,8015,6100,,\n";
        assert_eq!(shop.s.import_assets_csv(&shop.sys, csv.as_bytes()).await.unwrap(), 2, "{}", db.name);
        let a = shop.s.get_asset_by_tag(&shop.sys, "PUMP-301").await.unwrap();
        let h = shop.s.asset_designations(&shop.tech, a.id).await.unwrap();
        assert_eq!(
            (h[0].target, h[0].designated, h[0].reason.as_str()),
            (RiskTarget::Asset(a.id), Some(false), "asset import")
        );
        assert_eq!(h.len(), 2, "the override and the model's initial designation");
        let b = shop.s.get_asset_by_tag(&shop.sys, "PUMP-302").await.unwrap();
        let h = shop.s.asset_designations(&shop.tech, b.id).await.unwrap();
        assert_eq!(h.len(), 1, "no override: only the model's designation");
    }
}

#[tokio::test]
async fn the_demo_hospital_records_one_system_designation_per_flagged_model() {
    // SQLite only: the seed path is the same SQL on both back ends and the demo test covers both.
    let db = htm_test_support::sqlite().await;
    let s = htm_service::Services::new(db.store.clone(), Default::default());
    s.ensure_admin(Some("Chief-Biomed-2026".into())).await.unwrap();
    s.seed_demo(jiff::civil::date(2026, 11, 21)).await.unwrap();
    let p = htm_service::Principal::system();
    let page = s.list_assets(&p, &Default::default(), htm_domain::page::PageRequest::first(500)).await.unwrap();
    let a = page.items.iter().find(|a| a.life_support).expect("the demo has life-support equipment");
    let h = s.asset_designations(&p, a.id).await.unwrap();
    let kinds: Vec<&str> = h.iter().map(|d| d.designation.as_str()).collect();
    assert!(kinds.contains(&"life_support") && kinds.contains(&"high_risk"), "{h:?}");
    assert!(h.iter().all(|d| d.reason.starts_with("initial designation of the seeded dataset")), "{h:?}");
    assert!(h.iter().all(|d| matches!(d.target, RiskTarget::Model(_))));
}
