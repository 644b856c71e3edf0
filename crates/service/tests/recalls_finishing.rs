//! Issue 5, finishing: a model's 510(k) number (validated, matched against a real openFDA
//! record), findings that no longer match are resolved (kept, audited) and reopened when they
//! match again, and the synthetic recall generator used by the benchmark; on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::NewAsset;
use htm_domain::catalog::{ModelPatch, NewDeviceModel, NewManufacturer};
use htm_domain::ids::AssetId;
use htm_domain::network::NetworkFields;
use htm_domain::vulnerability::{FindingStatus, NO_LONGER_MATCHES, VulnerabilityRecord};
use htm_service::ServiceError;
use htm_store::FindingFilter;
use htm_test_support::stores;

mod common;
use common::*;

fn shared(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn new_model(mfr: htm_domain::ids::ManufacturerId, number: &str, code: Option<&str>) -> NewDeviceModel {
    NewDeviceModel {
        fda_product_code: code.map(Into::into),
        ..NewDeviceModel::new(mfr, number, format!("Test {number}"), "Test")
    }
}

async fn asset(shop: &Shop, tag: &str, model: htm_domain::ids::ModelId) -> AssetId {
    let n: NewAsset = serde_json::from_value(
        serde_json::json!({"asset_tag": tag, "model_id": model.0, "department_id": shop.dept.0}),
    )
    .unwrap();
    shop.s.create_asset(&shop.sys, n).await.unwrap().id
}

#[tokio::test]
async fn a_models_510k_is_validated_and_matches_the_real_recall_record() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let m = shop.s.create_manufacturer(&shop.sys, NewManufacturer { name: "Spine Maker".into() }).await.unwrap();
        // A bad number is refused before anything is created.
        let before = shop.s.verify_audit().await.unwrap().unwrap();
        let bad = shop.s.create_model_with_510k(
            &shop.sys,
            new_model(m.id, "SP-1", Some("NKB")),
            None,
            Some("P970004".into()),
        );
        assert!(matches!(bad.await, Err(ServiceError::Validation(f)) if f[0].field == "fda_510k"), "{}", db.name);
        assert_eq!(shop.s.verify_audit().await.unwrap().unwrap(), before, "nothing was written");
        // The real openFDA recall Z-0359-2013 lists 510(k) K082332 and product code NKB; its
        // record names no firm, so only the 510(k) ties it to a model.
        let spine = shop
            .s
            .create_model_with_510k(&shop.sys, new_model(m.id, "SP-1", Some("NKB")), None, Some(" k082332 ".into()))
            .await
            .unwrap();
        assert_eq!(spine.fda_510k.as_deref(), Some("K082332"), "{}", db.name);
        let other = shop.s.create_model(&shop.sys, new_model(m.id, "SP-2", Some("NKB"))).await.unwrap();
        assert_eq!(other.fda_510k, None);
        let a = asset(&shop, "SPN-1", spine.id).await;
        let near = asset(&shop, "SPN-2", other.id).await;
        shop.s.import_recalls(&shop.sys, &shared("openfda/device_recall_example.json")).await.unwrap();
        let c = shop.s.match_recalls(&shop.sys).await.unwrap();
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!((c[0].recall.as_str(), c[0].asset_id, c[0].confidence), ("Z-0359-2013", a.0, 60));
        assert_eq!(c[0].reasons, vec!["510(k) K082332", "product code NKB"]);
        assert!(c.iter().all(|x| x.asset_id != near.0), "the same product code alone is a near-miss");
        // A patch changes or clears it; a bad one is refused.
        let p = |version, k: &str| ModelPatch { version, fda_510k: Some(k.into()), ..Default::default() };
        assert!(shop.s.update_model(&shop.sys, other.id, p(other.version, "K08233")).await.is_err());
        let o2 = shop.s.update_model(&shop.sys, other.id, p(other.version, "K082332")).await.unwrap();
        assert_eq!(o2.fda_510k.as_deref(), Some("K082332"));
        let c = shop.s.match_recalls(&shop.sys).await.unwrap();
        assert_eq!(c.len(), 2, "now both models carry the recalled 510(k)");
        let s2 = shop.s.update_model(&shop.sys, spine.id, p(spine.version, "")).await.unwrap();
        assert_eq!(s2.fda_510k, None);
        let c = shop.s.match_recalls(&shop.sys).await.unwrap();
        assert_eq!(c.iter().map(|x| x.asset_id).collect::<Vec<_>>(), vec![near.0]);
        assert!(shop.s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn findings_that_no_longer_match_are_resolved_and_reopened() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        shop.s
            .add_vulnerability(
                &shop.sys,
                VulnerabilityRecord {
                    cve_id: "CVE-2099-4321".into(),
                    vendor: "OpenSSL".into(),
                    product: "OpenSSL".into(),
                    name: Some("test".into()),
                    description: None,
                    date_added: None,
                    due_date: None,
                    ransomware: false,
                    affected_versions: Some(">=1.0.0,<1.1.0".into()),
                },
            )
            .await
            .unwrap();
        let m = shop.s.create_manufacturer(&shop.sys, NewManufacturer { name: "Acme".into() }).await.unwrap();
        let monitor = shop.s.create_model(&shop.sys, new_model(m.id, "MON-9", None)).await.unwrap();
        let bom =
            br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"openssl","version":"1.0.2k"}]}"#;
        shop.s.import_sbom(&shop.sys, monitor.id.0, "4.2", bom).await.unwrap();
        let a = asset(&shop, "ICU-1", monitor.id).await;
        let net = |sw: &str| -> NetworkFields {
            serde_json::from_value(serde_json::json!({"connection": "wired", "software_version": sw,
                "stores_phi": true, "transmits_phi": false, "remote_access": false}))
            .unwrap()
        };
        let prof = shop.s.save_network_profile(&shop.sys, a, net("4.2"), None).await.unwrap();
        let s = shop.s.match_vulnerabilities(&shop.sys).await.unwrap();
        assert_eq!((s.added, s.resolved), (1, 0), "{}", db.name);
        let find = || async {
            let all = shop.s.list_findings(&shop.tech, &FindingFilter::default()).await.unwrap();
            all.into_iter().find(|f| f.cve_id == "CVE-2099-4321").expect("kept, never deleted")
        };
        assert_eq!(find().await.status, FindingStatus::Open);

        // The software is updated to a version without the component: resolved, with the reason.
        let prof = shop.s.save_network_profile(&shop.sys, a, net("5.0"), Some(prof.version)).await.unwrap();
        let s = shop.s.match_vulnerabilities(&shop.sys).await.unwrap();
        assert_eq!((s.added, s.resolved, s.reopened), (0, 1, 0));
        let f = find().await;
        assert_eq!((f.status, f.note.as_deref()), (FindingStatus::Resolved, Some(NO_LONGER_MATCHES)));
        assert!(f.decided_by.is_some() && f.decided_at.is_some());
        // Matching again changes nothing; a person cannot set "resolved".
        let events = shop.s.verify_audit().await.unwrap().unwrap();
        let s = shop.s.match_vulnerabilities(&shop.sys).await.unwrap();
        assert_eq!((s.added, s.updated, s.resolved, s.reopened), (0, 0, 0, 0));
        assert_eq!(shop.s.verify_audit().await.unwrap().unwrap(), events);
        let r = shop.s.update_finding_status(&shop.sys, f.id, None, FindingStatus::Resolved, Some("x".into())).await;
        assert!(matches!(r, Err(ServiceError::Validation(_))));
        let trail = db.store.list_audit_for("vulnerability_finding", &f.id.to_string(), 10).await.unwrap();
        assert!(trail.iter().any(|e| e.action == "resolve" && e.reason.as_deref() == Some(NO_LONGER_MATCHES)));

        // Rolled back to 4.2: the same finding is reopened (not a second one).
        shop.s.save_network_profile(&shop.sys, a, net("4.2"), Some(prof.version)).await.unwrap();
        let s = shop.s.match_vulnerabilities(&shop.sys).await.unwrap();
        assert_eq!((s.added, s.reopened), (0, 1));
        let g = find().await;
        assert_eq!((g.id, g.status, g.note), (f.id, FindingStatus::Open, None));
        assert!(shop.s.verify_audit().await.unwrap().is_ok());
    }
}
