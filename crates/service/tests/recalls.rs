//! Recalls and alerts: import (real openFDA files from ../shared/data and a synthetic fixture),
//! matching, decisions and the closure rule, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::page::PageRequest;
use htm_domain::recall::{ImportSummary, MatchStatus, NewAlert, RecallClass, RecallMatchId, RecallState};
use htm_domain::work_order::{TransitionRequest, WorkResult};
use htm_service::ServiceError;
use htm_service::recalls::Candidate;
use htm_store::RecallFilter;
use htm_test_support::stores;

mod common;
use common::*;

fn shared(file: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/openfda").join(file);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn synthetic() -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recalls_synthetic.json"))
        .unwrap()
}

async fn model(shop: &Shop, mfr: &str, number: &str, code: &str) -> ModelId {
    let m = shop.s.create_manufacturer(&shop.sys, NewManufacturer { name: mfr.into() }).await.unwrap();
    shop.s
        .create_model(
            &shop.sys,
            NewDeviceModel {
                fda_product_code: Some(code.into()),
                ..NewDeviceModel::new(m.id, number, format!("{mfr} {number}"), "Test")
            },
        )
        .await
        .unwrap()
        .id
}

async fn asset(shop: &Shop, tag: &str, model: ModelId, extra: serde_json::Value) -> AssetId {
    let mut v = serde_json::json!({"asset_tag": tag, "model_id": model.0, "department_id": shop.dept.0});
    if let (Some(o), Some(x)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(x.clone());
    }
    let n: NewAsset = serde_json::from_value(v).unwrap();
    shop.s.create_asset(&shop.sys, n).await.unwrap().id
}

fn find<'a>(c: &'a [Candidate], recall: &str, tag: &str) -> Option<&'a Candidate> {
    c.iter().find(|c| c.recall == recall && c.asset_tag == tag)
}

#[tokio::test]
async fn real_files_import_and_a_reimport_changes_nothing() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let s = shop.s.import_recalls(&shop.sys, &shared("device_recall_example.json")).await.unwrap();
        assert_eq!(s, ImportSummary { inserted: 1, updated: 0, unchanged: 0 }, "{}", db.name);
        let s = shop.s.import_recalls(&shop.sys, &shared("device_enforcement_example.json")).await.unwrap();
        assert_eq!(s.inserted, 1);
        let events = shop.s.verify_audit().await.unwrap().unwrap();
        for f in ["device_recall_example.json", "device_enforcement_example.json"] {
            let s = shop.s.import_recalls(&shop.sys, &shared(f)).await.unwrap();
            assert_eq!(s, ImportSummary { inserted: 0, updated: 0, unchanged: 1 }, "{f}");
        }
        assert_eq!(shop.s.verify_audit().await.unwrap().unwrap(), events, "a re-import writes no audit event");

        let r = shop.s.find_recall(&shop.sys, "Z-0359-2013").await.unwrap().unwrap();
        assert_eq!(r.record.product_codes, vec!["NKB"]);
        assert_eq!(r.record.k_numbers, vec!["K082332"]);
        assert_eq!(r.record.terminated_on, Some(jiff::civil::date(2012, 11, 19)));

        // The synthetic file joins a recall record and an enforcement record on Z-9901-2026.
        let s = shop.s.import_recalls(&shop.sys, &synthetic()).await.unwrap();
        assert_eq!(s, ImportSummary { inserted: 3, updated: 0, unchanged: 0 });
        let r = shop.s.find_recall(&shop.sys, "Z-9901-2026").await.unwrap().unwrap();
        assert_eq!(r.record.recall_class, Some(RecallClass::I));
        assert_eq!(r.record.initiated_on, Some(jiff::civil::date(2026, 9, 1)));
        // A changed field updates; the rest stays.
        let changed =
            String::from_utf8(synthetic()).unwrap().replace("Battery may swell.", "Battery may swell or leak.");
        let s = shop.s.import_recalls(&shop.sys, changed.as_bytes()).await.unwrap();
        assert_eq!(s, ImportSummary { inserted: 0, updated: 1, unchanged: 2 });

        // A bad file: every bad record by index and field, nothing stored.
        let bad = br#"{"results":[{"product_res_number":"Z-0001-2026","event_date_initiated":"2026-02-30"},
                                  {"product_res_number":"Z-0002-2026","product_code":"NOPE"}]}"#;
        let e = shop.s.import_recalls(&shop.sys, bad).await.unwrap_err();
        let ServiceError::Validation(f) = e else { panic!("{e:?}") };
        let fields: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["results[0].event_date_initiated", "results[1].product_code"]);
        assert!(shop.s.find_recall(&shop.sys, "Z-0002-2026").await.unwrap().is_none());

        // A technician may read but not import.
        let e = shop.s.import_recalls(&shop.tech, &synthetic()).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{e:?}");
    }
}

#[tokio::test]
async fn matching_finds_alias_model_udi_and_lot_matches_but_not_near_misses() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        // BD 8015 (FRN), from the shop.
        asset(&shop, "IP-1", shop.model, serde_json::json!({"serial_number": "X1"})).await;
        let baxter = model(&shop, "Baxter", "Spectrum", "FRN").await;
        asset(&shop, "IP-9", baxter, serde_json::json!({})).await;
        let icu = model(&shop, "ICU Medical", "4000", "FRN").await;
        asset(&shop, "SP-1", icu, serde_json::json!({"serial_number": "12345"})).await;
        asset(&shop, "SP-2", icu, serde_json::json!({"serial_number": "13001"})).await;
        let mon = model(&shop, "Other Monitor Co", "MX", "MHX").await;
        asset(&shop, "MON-1", mon, serde_json::json!({"udi": {"di": "00884838012345", "lot": "4000150"}})).await;
        asset(&shop, "MON-2", mon, serde_json::json!({"udi": {"di": "00884838012345", "lot": "4000201"}})).await;
        let encore = model(&shop, "Encore Medical, L.P.", "010-55-25", "HWC").await;
        asset(&shop, "SCR-1", encore, serde_json::json!({"udi": {"lot": "007A1037"}})).await;

        shop.s.import_recalls(&shop.sys, &synthetic()).await.unwrap();
        shop.s.import_recalls(&shop.sys, &shared("device_recall_example.json")).await.unwrap();
        shop.s.import_recalls(&shop.sys, &shared("device_enforcement_example.json")).await.unwrap();
        let c = shop.s.match_recalls(&shop.sys).await.unwrap();

        // Product code + manufacturer alias (CareFusion 303 → BD).
        let m = find(&c, "Z-9901-2026", "IP-1").unwrap();
        assert_eq!(m.confidence, 60, "{m:?}");
        assert!(m.reasons.contains(&"product code FRN".to_string()));
        assert!(m.reasons.iter().any(|r| r.starts_with("manufacturer alias: CareFusion 303, Inc. → BD")), "{m:?}");
        // Near miss: same product code, another manufacturer.
        assert!(c.iter().all(|c| c.asset_tag != "IP-9"), "{c:?}");
        // Model number + alias (Smiths Medical → ICU Medical) + serial range; the serial outside is not a candidate.
        let m = find(&c, "Z-9902-2026", "SP-1").unwrap();
        assert_eq!(m.confidence, 100);
        assert!(m.reasons.contains(&"model number 4000 in product description".to_string()), "{m:?}");
        assert!(m.reasons.contains(&"serial 12345 in range 12000–12999".to_string()), "{m:?}");
        assert!(find(&c, "Z-9902-2026", "SP-2").is_none());
        // UDI-DI (another manufacturer name) + lot range; the lot outside is not a candidate.
        let m = find(&c, "Z-9903-2026", "MON-1").unwrap();
        assert_eq!(m.confidence, 100);
        assert_eq!(
            m.reasons,
            ["UDI-DI 00884838012345 listed in the recall", "product code MHX", "lot 4000150 in range 4000123–4000200"]
        );
        assert!(find(&c, "Z-9903-2026", "MON-2").is_none());
        // The real enforcement record: model number (Ref 010-55-25) and its listed lot.
        let m = c.iter().find(|c| c.asset_tag == "SCR-1").unwrap();
        assert!(m.recall.starts_with("EV-62561-"));
        assert_eq!(m.confidence, 80, "{m:?}");
        assert_eq!(c.len(), 4, "{c:?}");

        // Re-running changes nothing.
        let events = shop.s.verify_audit().await.unwrap().unwrap();
        let again = shop.s.match_recalls(&shop.sys).await.unwrap();
        assert_eq!(again, c);
        assert_eq!(shop.s.verify_audit().await.unwrap().unwrap(), events);

        // Above, the named models held most of the inventory, so matching passed over all of
        // it; with 40 more units of a model no recall names (the near miss), it reads the named
        // models through the model index instead: the same candidates, nothing written.
        for i in 0..40 {
            asset(&shop, &format!("IP-9{i:02}"), baxter, serde_json::json!({})).await;
        }
        let events = shop.s.verify_audit().await.unwrap().unwrap();
        let through_index = shop.s.match_recalls(&shop.sys).await.unwrap();
        assert_eq!(through_index, c);
        assert_eq!(shop.s.verify_audit().await.unwrap().unwrap(), events);
    }
}

#[tokio::test]
async fn decisions_work_orders_and_the_closure_rule() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        asset(&shop, "IP-1", shop.model, serde_json::json!({})).await;
        let icu = model(&shop, "ICU Medical", "4000", "FRN").await;
        asset(&shop, "SP-1", icu, serde_json::json!({"serial_number": "12345"})).await;
        asset(&shop, "SP-3", icu, serde_json::json!({"serial_number": "12346"})).await;
        shop.s.import_recalls(&shop.sys, &synthetic()).await.unwrap();
        let c = shop.s.match_recalls(&shop.sys).await.unwrap();
        let ip1 = RecallMatchId(find(&c, "Z-9901-2026", "IP-1").unwrap().match_id);
        let sp1 = RecallMatchId(find(&c, "Z-9902-2026", "SP-1").unwrap().match_id);
        let sp3 = RecallMatchId(find(&c, "Z-9902-2026", "SP-3").unwrap().match_id);
        let z1 = shop.s.find_recall(&shop.sys, "Z-9901-2026").await.unwrap().unwrap();
        let z2 = shop.s.find_recall(&shop.sys, "Z-9902-2026").await.unwrap().unwrap();

        // Confirm: a recall-action work order in the same step, priority from class I.
        let m = shop.s.confirm_match(&shop.sys, ip1).await.unwrap();
        assert_eq!(m.status, MatchStatus::Confirmed);
        let wo =
            shop.s.get_work_order(&shop.sys, htm_domain::ids::WorkOrderId(m.work_order_id.unwrap())).await.unwrap();
        assert_eq!(wo.wo_type.as_str(), "recall_action");
        assert_eq!(wo.priority.as_str(), "high");
        assert!(wo.problem.starts_with("Recall Z-9901-2026 (Class I)"), "{}", wo.problem);
        // Deciding twice is refused.
        assert!(shop.s.confirm_match(&shop.sys, ip1).await.is_err());

        // Closing is refused while the action is open.
        let e = shop.s.close_recall(&shop.sys, z1.id).await.unwrap_err();
        assert!(e.to_string().contains("without a completed action work order"), "{e}");
        let d = shop.s.get_recall(&shop.sys, z1.id).await.unwrap();
        assert_eq!((d.summary.progress.affected, d.summary.progress.done), (1, 0));
        assert_eq!(d.summary.state, RecallState::Open);
        // The technician completes the action; then the recall may close.
        let t = |to: &str| TransitionRequest { to: to.into(), ..Default::default() };
        let wo = shop.s.transition_work_order(&shop.tech, wo.id, t("in_progress")).await.unwrap();
        let done = TransitionRequest {
            work_performed: Some("Keypad replaced per the correction letter".into()),
            result: Some(WorkResult::Pass),
            password: Some(PASSWORD.into()),
            ..t("completed")
        };
        shop.s.transition_work_order(&shop.tech, wo.id, done).await.unwrap();
        let d = shop.s.get_recall(&shop.sys, z1.id).await.unwrap();
        assert_eq!(d.summary.state, RecallState::ReadyToClose);
        let closed = shop.s.close_recall(&shop.sys, z1.id).await.unwrap();
        assert!(closed.closed_at.is_some());
        assert!(shop.s.close_recall(&shop.sys, z1.id).await.is_err(), "closing twice");

        // Reject and not-affected need a note; undecided candidates block closing.
        assert!(matches!(shop.s.reject_match(&shop.sys, sp3, " ").await, Err(ServiceError::Validation(_))));
        let e = shop.s.close_recall(&shop.sys, z2.id).await.unwrap_err();
        assert!(e.to_string().contains("candidate"), "{e}");
        shop.s.reject_match(&shop.sys, sp3, "SP-3 is a demo unit, never used clinically").await.unwrap();
        shop.s.confirm_match(&shop.sys, sp1).await.unwrap();
        assert!(shop.s.close_recall(&shop.sys, z2.id).await.is_err());
        let m = shop.s.mark_not_affected(&shop.sys, sp1, "Firmware already at the corrected version").await.unwrap();
        assert_eq!(m.status, MatchStatus::NotAffected);
        shop.s.close_recall(&shop.sys, z2.id).await.unwrap();

        // Matching keeps decided matches; closed recalls are not re-matched.
        let c = shop.s.match_recalls(&shop.sys).await.unwrap();
        assert!(c.iter().all(|c| c.recall == "Z-9903-2026"), "{c:?}");

        // Hand-entered alerts get their own numbers and match like recalls.
        let a = shop
            .s
            .create_alert(
                &shop.sys,
                NewAlert {
                    recalling_firm: "Becton Dickinson & Company".into(),
                    product_description: "Alaris PC unit model 8015: manufacturer safety notice".into(),
                    reason: "Battery door latch".into(),
                    ..NewAlert::default()
                },
            )
            .await
            .unwrap();
        assert!(a.record.number.starts_with("ALERT-") && a.record.number.ends_with("-0001"), "{}", a.record.number);
        let c = shop.s.match_recalls(&shop.sys).await.unwrap();
        let m = find(&c, &a.record.number, "IP-1").unwrap();
        assert_eq!(m.confidence, 60);
        let e = shop.s.create_alert(&shop.sys, NewAlert::default()).await.unwrap_err();
        assert!(matches!(e, ServiceError::Validation(ref f) if f.len() == 3), "{e:?}");

        // The dashboard list: open recalls by class.
        let f = RecallFilter { open: Some(true), class: Some(RecallClass::I), ..Default::default() };
        let page = shop.s.list_recalls(&shop.sys, &f, PageRequest { limit: 50, after: None }).await.unwrap();
        assert!(page.items.is_empty());
        let f = RecallFilter { open: Some(false), ..Default::default() };
        let page = shop.s.list_recalls(&shop.sys, &f, PageRequest { limit: 50, after: None }).await.unwrap();
        assert_eq!(page.items.len(), 2);
        assert!(page.items.iter().all(|r| r.state == RecallState::Closed));
    }
}
