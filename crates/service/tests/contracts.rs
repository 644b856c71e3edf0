//! Service contracts (ROADMAP "Lifecycle and money") and the `contract.expiring` notification
//! (issue 6 §6), on both back ends: create, read, edit with versions and audit events, the
//! covered assets by id and tag, the list filters, the permissions, the PHI guard, and the expiry
//! event: queued once inside the notice window, not before it, and again after a renewal moves
//! the end date.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::catalog::NewVendor;
use htm_domain::contract::{ContractPatch, ContractStatus, Coverage, NewServiceContract};
use htm_domain::notify::{DeliveryStatus, EventKind};
use htm_domain::page::PageRequest;
use htm_domain::user::{NewUser, Role};
use htm_service::contracts::CoveredAssetsRequest;
use htm_service::{Principal, ServiceError};
use htm_store::ContractFilter;
use htm_test_support::stores;
use jiff::ToSpan;
use jiff::civil::Date;

mod common;
use common::*;

fn today() -> Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::system()).date()
}

fn day(n: i64) -> Date {
    today().checked_add(n.days()).unwrap()
}

async fn user(shop: &Shop, name: &str, role: Role, email: Option<&str>) -> Principal {
    let u = shop
        .s
        .add_user_as_system(NewUser {
            username: name.into(),
            display_name: format!("{name} display"),
            role,
            email: email.map(Into::into),
            vendor_id: None,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    Principal { user: u }
}

fn contract(vendor: htm_domain::ids::VendorId, number: &str, ends_in_days: i64) -> NewServiceContract {
    NewServiceContract {
        vendor_id: vendor,
        contract_number: number.into(),
        title: "Infusion pump PM".into(),
        coverage: Coverage::PmOnly,
        starts_on: day(-300),
        ends_on: day(ends_in_days),
        annual_cost_minor: 1_250_000,
        currency: "USD".into(),
        response_time_hours: Some(24),
        uptime_guarantee_pct: None,
        notice_days: 90,
        auto_renews: false,
        notes: None,
    }
}

#[tokio::test]
async fn contracts_are_created_edited_versioned_audited_and_cover_assets() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let boss = user(&shop, "boss", Role::Manager, Some("boss@hospital.test")).await;
        let nurse = user(&shop, "nurse", Role::Requester, None).await;
        let v =
            shop.s.create_vendor(&shop.sys, NewVendor { name: "BD Service".into(), phone: None, email: None }).await;
        let v = v.unwrap().id;
        let p1 = shop.pump("ICU-00001").await;
        let p2 = shop.pump("ICU-00002").await;

        // Technicians and requesters read; only ManageInventory roles write.
        let err = shop.s.create_contract(&shop.tech, contract(v, "BD-1", 200), false).await.unwrap_err();
        assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
        let c = shop.s.create_contract(&boss, contract(v, " BD-1 ", 200), false).await.unwrap();
        assert_eq!(c.contract_number, "BD-1");
        assert_eq!((c.version, c.status, c.days_left, c.asset_count), (1, Some(ContractStatus::Active), Some(200), 0));
        assert_eq!(c.notice_opens_on, day(110));
        assert_eq!(c.vendor_name, "BD Service");
        let read = shop.s.get_contract(&nurse, c.id).await.unwrap();
        assert_eq!(read, c);
        // Same number from the same vendor: a conflict naming the field.
        let err = shop.s.create_contract(&boss, contract(v, "BD-1", 50), false).await.unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict { field, .. } if field == "contract_number"), "{err:?}");
        // Validation reaches the caller field by field.
        let mut bad = contract(v, "BD-2", 10);
        bad.ends_on = day(-400);
        let err = shop.s.create_contract(&boss, bad, false).await.unwrap_err();
        assert!(format!("{err}").contains("ends_on"), "{err}");

        // Patient identifiers in notes are refused unless acknowledged.
        let patch = ContractPatch {
            version: 1,
            notes: Some(Some("Loaner used for patient John Smith".into())),
            ..Default::default()
        };
        let err = shop.s.update_contract(&boss, c.id, patch.clone(), false).await.unwrap_err();
        assert!(matches!(err, ServiceError::PhiWarning(_)), "{err:?}");

        // An edit with the version read; a stale one is refused.
        let patch = ContractPatch {
            version: 1,
            title: Some("Infusion pump PM and repairs".into()),
            coverage: Some(Coverage::FullService),
            uptime_guarantee_pct: Some(Some(97.5)),
            ..Default::default()
        };
        let c2 = shop.s.update_contract(&boss, c.id, patch.clone(), false).await.unwrap();
        assert_eq!((c2.version, c2.coverage, c2.uptime_guarantee_pct), (2, Coverage::FullService, Some(97.5)));
        let err = shop.s.update_contract(&boss, c.id, patch, false).await.unwrap_err();
        assert!(matches!(err, ServiceError::Stale(_)), "{err:?}");

        // Covered assets by id and tag; replaced as a whole.
        let req = CoveredAssetsRequest { version: 2, asset_ids: vec![p1.0], asset_tags: vec!["ICU-00002".into()] };
        let d = shop.s.set_contract_assets(&boss, c.id, req).await.unwrap();
        assert_eq!(d.contract.version, 3);
        assert_eq!(d.contract.asset_count, 2);
        assert_eq!(d.assets.iter().map(|a| a.asset_tag.as_str()).collect::<Vec<_>>(), vec!["ICU-00001", "ICU-00002"]);
        let req = CoveredAssetsRequest { version: 3, asset_ids: vec![], asset_tags: vec!["NOPE-1".into()] };
        let err = shop.s.set_contract_assets(&boss, c.id, req).await.unwrap_err();
        assert!(format!("{err}").contains("NOPE-1"), "{err}");
        let req = CoveredAssetsRequest { version: 3, asset_ids: vec![p2.0], asset_tags: vec![] };
        let d = shop.s.set_contract_assets(&boss, c.id, req).await.unwrap();
        assert_eq!(d.assets.len(), 1);
        let on_p2 = shop.s.asset_contracts(&nurse, p2).await.unwrap();
        assert_eq!(on_p2.iter().map(|c| c.id).collect::<Vec<_>>(), vec![c.id]);
        assert!(shop.s.asset_contracts(&nurse, p1).await.unwrap().is_empty());

        // Every change is in the audit trail, on the contract.
        let events = db.store.list_audit_for("service_contract", &c.id.0.to_string(), 50).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        for a in ["create", "update", "set_assets"] {
            assert!(actions.contains(&a), "{actions:?}");
        }
        assert_eq!(actions.len(), 4, "{actions:?}");
        assert!(shop.s.verify_audit().await.unwrap().is_ok());

        // Filters: vendor, status, expiring within N days; keyset pages.
        let other =
            shop.s.create_vendor(&shop.sys, NewVendor { name: "GE".into(), phone: None, email: None }).await.unwrap();
        let soon = shop.s.create_contract(&boss, contract(other.id, "GE-9", 30), false).await.unwrap();
        assert_eq!(soon.status, Some(ContractStatus::Expiring));
        let mut old = contract(other.id, "GE-1", -10);
        old.starts_on = day(-400);
        let old = shop.s.create_contract(&boss, old, false).await.unwrap();
        assert_eq!(old.status, Some(ContractStatus::Expired));
        let mut later = contract(other.id, "GE-20", 700);
        later.starts_on = day(5);
        let later = shop.s.create_contract(&boss, later, false).await.unwrap();
        assert_eq!(later.status, Some(ContractStatus::Upcoming));
        let list = |f: ContractFilter| {
            let s = shop.s.clone();
            let nurse = nurse.clone();
            async move {
                s.list_contracts(&nurse, f, PageRequest::first(50))
                    .await
                    .unwrap()
                    .items
                    .into_iter()
                    .map(|c| c.contract_number)
                    .collect::<Vec<_>>()
            }
        };
        let f = ContractFilter::on(today());
        assert_eq!(list(f.clone()).await, vec!["GE-20", "GE-1", "GE-9", "BD-1"]);
        assert_eq!(list(ContractFilter { vendor_id: Some(v), ..f.clone() }).await, vec!["BD-1"]);
        for (s, want) in [
            (ContractStatus::Expiring, "GE-9"),
            (ContractStatus::Expired, "GE-1"),
            (ContractStatus::Upcoming, "GE-20"),
            (ContractStatus::Active, "BD-1"),
        ] {
            assert_eq!(list(ContractFilter { status: Some(s), ..f.clone() }).await, vec![want], "{s:?}");
        }
        assert_eq!(list(ContractFilter { expiring_within_days: Some(90), ..f.clone() }).await, vec!["GE-9"]);
        assert_eq!(list(ContractFilter { asset_id: Some(p2), ..f.clone() }).await, vec!["BD-1"]);
        let page = shop.s.list_contracts(&nurse, f.clone(), PageRequest::first(3)).await.unwrap();
        assert_eq!(page.items.len(), 3);
        let next = PageRequest::parse(Some(3), page.next_cursor.as_deref()).unwrap();
        let rest = shop.s.list_contracts(&nurse, f.clone(), next).await.unwrap();
        assert_eq!(rest.items.iter().map(|c| c.contract_number.as_str()).collect::<Vec<_>>(), vec!["BD-1"]);
        assert!(rest.next_cursor.is_none());
    }
}

#[tokio::test]
async fn the_expiring_event_is_queued_once_per_end_date_and_not_before_the_window() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let boss = user(&shop, "boss", Role::Manager, Some("boss@hospital.test")).await;
        user(&shop, "boss2", Role::Manager, Some("boss2@hospital.test")).await;
        let v = shop
            .s
            .create_vendor(&shop.sys, NewVendor { name: "Siemens Healthineers".into(), phone: None, email: None })
            .await
            .unwrap()
            .id;
        let ct = shop.pump("CT-00001").await;
        // Ends in 100 days with 90 days' notice: the window opens in 10 days.
        let c = shop.s.create_contract(&boss, contract(v, "SH-CT-7", 100), false).await.unwrap();
        let req = CoveredAssetsRequest { version: 1, asset_ids: vec![ct.0], asset_tags: vec![] };
        shop.s.set_contract_assets(&boss, c.id, req).await.unwrap();
        assert_eq!(shop.s.report_expiring_contracts(today()).await.unwrap(), 0, "not before the window");
        assert_eq!(shop.s.report_expiring_contracts(day(9)).await.unwrap(), 0, "the day before it opens");
        assert_eq!(shop.s.report_expiring_contracts(day(10)).await.unwrap(), 1, "the day it opens");
        assert_eq!(shop.s.report_expiring_contracts(day(10)).await.unwrap(), 0, "once");
        assert_eq!(shop.s.report_expiring_contracts(day(50)).await.unwrap(), 0, "once per end date");

        let out = shop.s.list_outbox(&boss, Some(DeliveryStatus::Pending), PageRequest::first(50)).await.unwrap();
        let mails: Vec<_> = out.items.iter().filter(|m| m.event == EventKind::ContractExpiring).collect();
        let mut to: Vec<&str> = mails.iter().map(|m| m.recipient.as_str()).collect();
        to.sort();
        assert_eq!(to, vec!["boss2@hospital.test", "boss@hospital.test"], "to the managers");
        let m = mails[0];
        assert_eq!(m.entity_type, "service_contract");
        assert_eq!(m.entity_id, c.id.0.to_string());
        let subject = m.subject.as_deref().unwrap();
        assert!(subject.contains("Siemens Healthineers SH-CT-7"), "{subject}");
        for want in [
            format!("ends on {}", day(100)),
            "Days left: 90".to_string(),
            "Covered assets: 1".to_string(),
            "Annual cost: 12,500.00 USD".to_string(),
        ] {
            assert!(m.body.contains(&want), "{want} in {}", m.body);
        }

        // Renewed with a new end date: announced again when the new window opens.
        let current = shop.s.get_contract(&boss, c.id).await.unwrap();
        let patch = ContractPatch { version: current.version, ends_on: Some(day(465)), ..Default::default() };
        shop.s.update_contract(&boss, c.id, patch, false).await.unwrap();
        assert_eq!(shop.s.report_expiring_contracts(day(50)).await.unwrap(), 0, "the new window is not open");
        assert_eq!(shop.s.report_expiring_contracts(day(375)).await.unwrap(), 1, "the renewal is announced");
        assert_eq!(shop.s.report_expiring_contracts(day(380)).await.unwrap(), 0);
        // An ended contract is not announced as expiring.
        let mut ended = contract(v, "SH-OLD", -1);
        ended.starts_on = day(-500);
        shop.s.create_contract(&boss, ended, false).await.unwrap();
        assert_eq!(shop.s.report_expiring_contracts(today()).await.unwrap(), 0);
    }
}

#[ignore = "heavy (seeds the demo twice): covered by tests/interop/check_notify.py; run with --ignored"]
#[tokio::test]
async fn the_demo_hospital_has_contracts_one_of_them_expiring() {
    for db in stores().await {
        let s = htm_service::Services::new(db.store.clone(), Default::default());
        s.seed_demo(today()).await.unwrap();
        let sys = Principal::system();
        let all = s.list_contracts(&sys, ContractFilter::on(today()), PageRequest::first(50)).await.unwrap().items;
        assert_eq!(all.len(), 3, "{}", db.name);
        let statuses: Vec<_> = all.iter().map(|c| c.status.unwrap()).collect();
        for want in [ContractStatus::Active, ContractStatus::Expiring, ContractStatus::Expired] {
            assert!(statuses.contains(&want), "{statuses:?}");
        }
        assert!(all.iter().all(|c| c.asset_count > 0), "every demo contract covers assets");
        let ct = all.iter().find(|c| c.contract_number == "CT-FS-2026-014").unwrap();
        assert_eq!(ct.coverage, Coverage::FullService);
        assert!(ct.vendor_name.contains("Service"), "{}", ct.vendor_name);
        // The expiring one is announced to the demo managers.
        assert_eq!(s.report_expiring_contracts(today()).await.unwrap(), 1);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
