//! Scanning a UDI finds the asset by DI + serial, or offers to create one with the model of the
//! DI's other units (REFERENCE §5), on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::NewAsset;
use htm_domain::user::Role;
use htm_service::ServiceError;
use htm_service::udi::ScanNext;
use htm_test_support::stores;

mod common;
use common::*;

const DI: &str = "10884521062856";

async fn unit(shop: &Shop, tag: &str, serial: &str, udi_serial: Option<&str>) {
    let n: NewAsset = serde_json::from_value(serde_json::json!({
        "asset_tag": tag, "model_id": shop.model.0, "department_id": shop.dept.0,
        "serial_number": serial, "udi": {"di": DI, "serial": udi_serial}
    }))
    .unwrap();
    shop.s.create_asset(&shop.sys, n).await.unwrap();
}

#[tokio::test]
async fn a_scan_finds_the_asset_by_di_and_serial_or_offers_to_create_one() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        unit(&shop, "BME-1", "SN-A", Some("1234")).await;
        unit(&shop, "BME-2", "SN-B", None).await;

        // G1 of REFERENCE §5.5: DI + UDI serial 1234 → BME-1.
        let hit =
            shop.s.lookup_udi(&shop.tech, "]d20110884521062856111412311715070710A213B1\u{1d}211234").await.unwrap();
        assert_eq!(hit.next, ScanNext::OpenAsset, "{}", db.name);
        assert_eq!(hit.asset.as_ref().map(|a| a.asset_tag.as_str()), Some("BME-1"));
        assert_eq!(hit.udi.lot.as_deref(), Some("A213B1"));

        // The serial may be the asset's serial number (case ignored).
        let hit = shop.s.lookup_udi(&shop.tech, "(01)10884521062856(21)sn-b").await.unwrap();
        assert_eq!(hit.asset.map(|a| a.asset_tag), Some("BME-2".to_string()));

        // Unknown serial: create, pre-filled, with the DI's model.
        let miss = shop.s.lookup_udi(&shop.tech, "(01)10884521062856(17)251200(21)NEW-9").await.unwrap();
        assert_eq!(miss.next, ScanNext::CreateAsset);
        assert_eq!(miss.model.as_ref().map(|m| m.id), Some(shop.model));
        assert_eq!(miss.candidates.len(), 2);
        assert_eq!(miss.prefill.serial.as_deref(), Some("NEW-9"));
        assert_eq!(miss.prefill.expiry, Some(jiff::civil::date(2025, 12, 31)));
        assert_eq!(miss.prefill.raw.as_deref(), Some("(01)10884521062856(17)251200(21)NEW-9"));
        assert!(miss.message.contains("offer to create"), "{}", miss.message);

        // DI only, two units: choose.
        let choose = shop.s.lookup_udi(&shop.tech, "0110884521062856").await.unwrap();
        assert_eq!(choose.next, ScanNext::ChooseAsset);
        assert_eq!(choose.candidates.len(), 2);

        // An unknown DI: create, no model.
        let new = shop.s.lookup_udi(&shop.tech, "+A999ABC1230V").await.unwrap();
        assert_eq!((new.next, new.model.is_none()), (ScanNext::CreateAsset, true));
        assert_eq!(new.prefill.di.as_deref(), Some("A999ABC1230"));

        // A GS1 GIAI that is an asset tag.
        let tag = shop.s.lookup_udi(&shop.tech, "(8004)BME-2").await.unwrap();
        assert_eq!(tag.asset.map(|a| a.asset_tag), Some("BME-2".to_string()));

        // Invalid input is a validation error that says where and why.
        match shop.s.lookup_udi(&shop.tech, "(01)99863313444316(17)220101").await {
            Err(ServiceError::Validation(f)) => {
                assert_eq!(f[0].field, "udi");
                assert!(f[0].message.contains("expected 2, found 6"), "{}", f[0].message);
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_vendor_user_may_not_scan_inventory() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let mut vendor = shop.tech.clone();
        vendor.user.role = Role::Vendor;
        assert!(matches!(shop.s.lookup_udi(&vendor, "0110884521062856").await, Err(ServiceError::Forbidden(_))));
        assert!(matches!(shop.s.parse_udi(&vendor, "0110884521062856"), Err(ServiceError::Forbidden(_))));
        assert!(shop.s.parse_udi(&shop.tech, "0110884521062856").is_ok());
    }
}
