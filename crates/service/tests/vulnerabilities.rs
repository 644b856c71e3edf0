//! Vulnerabilities: the real CISA KEV subset and a real CycloneDX SBOM import (and re-import
//! with no change), matching a manual CVE to an SBOM component and a KEV entry to an asset's OS,
//! the finding priority, opening the work order and deciding a finding, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::ids::{AssetId, ModelId, WorkOrderId};
use htm_domain::network::NetworkFields;
use htm_domain::vulnerability::{
    FindingLevel, FindingStatus, ImportSummary, MatchedOn, SbomOutcome, VulnerabilityRecord,
};
use htm_service::ServiceError;
use htm_store::FindingFilter;
use htm_test_support::stores;

mod common;
use common::*;

fn shared(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn model(shop: &Shop, mfr: &str, number: &str, life_support: bool) -> ModelId {
    let m = shop.s.create_manufacturer(&shop.sys, NewManufacturer { name: mfr.into() }).await.unwrap();
    shop.s
        .create_model(
            &shop.sys,
            NewDeviceModel {
                manufacturer_id: m.id,
                model_number: number.into(),
                name: format!("{mfr} {number}"),
                category: "Test".into(),
                nomenclature_system: None,
                nomenclature_code: None,
                fda_product_code: None,
                fda_class: None,
                expected_life_years: None,
                high_risk: false,
                life_support,
            },
        )
        .await
        .unwrap()
        .id
}

async fn asset(shop: &Shop, tag: &str, model: ModelId, net: serde_json::Value) -> AssetId {
    let n: NewAsset = serde_json::from_value(
        serde_json::json!({"asset_tag": tag, "model_id": model.0, "department_id": shop.dept.0}),
    )
    .unwrap();
    let id = shop.s.create_asset(&shop.sys, n).await.unwrap().id;
    let fields: NetworkFields = serde_json::from_value(net).unwrap();
    shop.s.save_network_profile(&shop.sys, id, fields, None).await.unwrap();
    id
}

#[tokio::test]
async fn kev_and_sbom_import_idempotently() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let kev = shared("cisa_kev/kev_subset_for_tests.json");
        let s = shop.s.import_kev(&shop.sys, &kev).await.unwrap();
        assert_eq!(s, ImportSummary { inserted: 22, updated: 0, unchanged: 0 }, "{}", db.name);
        let events = shop.s.verify_audit().await.unwrap().unwrap();
        let s = shop.s.import_kev(&shop.sys, &kev).await.unwrap();
        assert_eq!(s, ImportSummary { inserted: 0, updated: 0, unchanged: 22 }, "{}", db.name);
        assert_eq!(shop.s.verify_audit().await.unwrap().unwrap(), events, "a re-import writes no audit event");
        let list = shop.s.list_vulnerabilities(&shop.tech).await.unwrap();
        let log4j = list.iter().find(|v| v.record.cve_id == "CVE-2021-44228").unwrap();
        assert_eq!((log4j.record.vendor.as_str(), log4j.record.product.as_str()), ("Apache", "Log4j2"));

        // A bad entry refuses the whole file, reported by index and field.
        let bad = br#"{"vulnerabilities":[{"cveID":"CVE-2099-0001","vendorProject":"X","product":"Y","dateAdded":"2099-01-01"},
            {"cveID":"nope","vendorProject":"X","product":"Y","dateAdded":"2099-01-01"}]}"#;
        let Err(ServiceError::Validation(errs)) = shop.s.import_kev(&shop.sys, bad).await else { panic!() };
        assert_eq!(errs[0].field, "vulnerabilities[1].cveID");
        assert_eq!(shop.s.list_vulnerabilities(&shop.tech).await.unwrap().len(), 22);
        assert!(matches!(shop.s.import_kev(&shop.tech, &kev).await, Err(ServiceError::Forbidden(_))));

        // The real CycloneDX SBOM; the same file again changes nothing.
        let bom = shared("sbom/cyclonedx_cern-lhc-vdm-editor_bom.json");
        let m = model(&shop, "Acme", "VDM-1", false).await;
        let r = shop.s.import_sbom(&shop.sys, m.0, "1.0", &bom).await.unwrap();
        assert_eq!(
            (r.outcome, r.sbom.component_count, r.sbom.spec_version.as_str()),
            (SbomOutcome::Created, 43, "1.2")
        );
        let events = shop.s.verify_audit().await.unwrap().unwrap();
        let r = shop.s.import_sbom(&shop.sys, m.0, "1.0", &bom).await.unwrap();
        assert_eq!(r.outcome, SbomOutcome::Unchanged);
        assert_eq!(shop.s.verify_audit().await.unwrap().unwrap(), events);
        let other =
            br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"openssl","version":"1.0.2k"}]}"#;
        let r = shop.s.import_sbom(&shop.sys, m.0, "1.0", other).await.unwrap();
        assert_eq!((r.outcome, r.sbom.component_count), (SbomOutcome::Replaced, 1));
        assert_eq!(shop.s.list_sboms(&shop.tech, m.0).await.unwrap().len(), 1);
        let spdx = shared("sbom/spdx23_example11_sbom.spdx.json");
        assert!(matches!(shop.s.import_sbom(&shop.sys, m.0, "2.0", &spdx).await, Err(ServiceError::Validation(_))));
    }
}

#[tokio::test]
async fn matching_prioritises_and_opens_work_orders() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        shop.s.import_kev(&shop.sys, &shared("cisa_kev/kev_subset_for_tests.json")).await.unwrap();
        // A manual CVE with a version range, matched to an SBOM component of a model's version.
        let manual = VulnerabilityRecord {
            cve_id: "CVE-2099-1234".into(),
            vendor: "OpenSSL".into(),
            product: "OpenSSL".into(),
            name: Some("test".into()),
            description: None,
            date_added: None,
            due_date: None,
            ransomware: false,
            affected_versions: Some(">=1.0.0,<1.1.0".into()),
        };
        shop.s.add_vulnerability(&shop.sys, manual.clone()).await.unwrap();
        assert!(shop.s.add_vulnerability(&shop.sys, manual).await.is_err(), "a duplicate CVE is refused");
        let monitor = model(&shop, "Acme", "MON-9", true).await;
        let bom = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
            {"name":"openssl","version":"1.0.2k","purl":"pkg:generic/openssl@1.0.2k"},{"name":"zlib","version":"1.2.11"}]}"#;
        shop.s.import_sbom(&shop.sys, monitor.0, "4.2", bom).await.unwrap();
        let net = |connection: &str, sw: &str| {
            serde_json::json!({"connection": connection, "os_name": "Microsoft Windows 10", "os_version": "21H2",
                "software_version": sw, "stores_phi": true, "transmits_phi": false, "remote_access": false})
        };
        let icu = asset(&shop, "ICU-1", monitor, net("wired", "4.2")).await;
        let lab = asset(&shop, "LAB-1", monitor, net("none", "5.0")).await;

        let s = shop.s.match_vulnerabilities(&shop.sys).await.unwrap();
        assert!(s.added > 0, "{}", db.name);
        let all = shop.s.list_findings(&shop.tech, &FindingFilter::default()).await.unwrap();
        let f = |a: AssetId, cve: &str| all.iter().find(|f| f.asset_id == a.0 && f.cve_id == cve).cloned();
        let ssl = f(icu, "CVE-2099-1234").expect("manual CVE matched on the SBOM component");
        assert_eq!((ssl.matched_on, ssl.matched_item.as_str()), (MatchedOn::SbomComponent, "openssl 1.0.2k"));
        // Not KEV, networked, life support, PHI: 10 + 25 + 20 + 10.
        assert_eq!((ssl.score, ssl.level), (65, FindingLevel::High));
        assert!(f(lab, "CVE-2099-1234").is_none(), "version 5.0 has no SBOM");
        // The KEV subset names "Microsoft Windows" (PrintNightmare): matched on the OS name.
        let win = all.iter().find(|x| x.asset_id == icu.0 && x.matched_on == MatchedOn::Os).expect("Windows KEV entry");
        assert_eq!(win.level, FindingLevel::Critical, "{:?}", win.reasons);
        let win_lab = f(lab, &win.cve_id).unwrap();
        assert!(win_lab.score < win.score && win_lab.level != FindingLevel::Critical, "{:?}", win_lab);
        assert!(!all.iter().any(|x| x.cve_id == "CVE-2021-44228"), "no Log4j anywhere");

        // Matching again changes nothing.
        let events = shop.s.verify_audit().await.unwrap().unwrap();
        let s = shop.s.match_vulnerabilities(&shop.sys).await.unwrap();
        assert_eq!((s.added, s.updated), (0, 0));
        assert_eq!(shop.s.verify_audit().await.unwrap().unwrap(), events);

        // The critical report, the work order, the decision.
        let report = shop.s.critical_findings(&shop.sys).await.unwrap();
        assert_eq!(report.len(), 1);
        assert_eq!(report[0].asset_tag, "ICU-1");
        // Heartbleed (KEV, no version range) also matches the SBOM's openssl component.
        assert!(report[0].cve_ids.contains(&"CVE-2014-0160".to_owned()), "{report:?}");
        assert!(report[0].cve_ids.contains(&win.cve_id), "{report:?}");
        let done = shop.s.open_finding_work_order(&shop.sys, win.id).await.unwrap();
        let wo = shop.s.get_work_order(&shop.sys, WorkOrderId(done.work_order_id.unwrap())).await.unwrap();
        assert_eq!(wo.wo_type.as_str(), "software_update");
        assert_eq!(wo.asset_id, Some(icu));
        assert!(shop.s.open_finding_work_order(&shop.sys, win.id).await.is_err(), "only once");
        assert!(shop.s.update_finding_status(&shop.sys, win.id, None, FindingStatus::Mitigated, None).await.is_err());
        let d = shop
            .s
            .update_finding_status(
                &shop.sys,
                win.id,
                Some(done.version),
                FindingStatus::Mitigated,
                Some("patched".into()),
            )
            .await
            .unwrap();
        assert_eq!((d.status, d.decided_by.is_some()), (FindingStatus::Mitigated, true));
        let left = shop.s.critical_findings(&shop.sys).await.unwrap();
        assert_eq!(left[0].cve_ids, ["CVE-2014-0160"], "{left:?}");
    }
}
