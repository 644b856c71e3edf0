//! Networked devices: network profiles, model security profiles and the cyber reports, on both
//! back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::network::{
    Authentication, Connection, Encryption, MalwareProtection, NetworkFields, Patching, RemoteService, SecurityFields,
};
use htm_service::ServiceError;
use htm_test_support::stores;
use jiff::civil::date;

mod common;
use common::*;

fn net(sw: &str, cert: Option<jiff::civil::Date>) -> NetworkFields {
    NetworkFields {
        hostname: Some("ICU-PUMP-01.clin.example.org".into()),
        ip_addresses: Some("10.120.1.10, 2001:db8:0:0::10".into()),
        mac_addresses: Some("00-09-fb-01-02-03".into()),
        vlan: Some("120".into()),
        connection: Connection::Wireless,
        os_name: Some("Windows 7 Embedded".into()),
        os_version: Some("SP1".into()),
        software_version: Some(sw.into()),
        stores_phi: true,
        transmits_phi: true,
        remote_access: false,
        remote_access_method: None,
        cert_expires_on: cert,
    }
}

fn mds2(sw: &str, eos: Option<jiff::civil::Date>) -> SecurityFields {
    SecurityFields {
        software_version: sw.into(),
        authentication: Authentication::Shared,
        encryption_at_rest: Encryption::No,
        encryption_in_transit: Encryption::Yes,
        patching: Patching::Manufacturer,
        patching_notes: Some("Quarterly service packs".into()),
        malware_protection: MalwareProtection::Yes,
        remote_service: RemoteService::OnRequest,
        os_name: Some("Windows 7 Embedded".into()),
        os_version: Some("SP1".into()),
        os_end_of_support: eos,
    }
}

#[tokio::test]
async fn network_profile_upsert_validates_and_checks_versions() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let a = shop.pump("P-NET-1").await;
        assert_eq!(shop.s.get_network_profile(&shop.tech, a).await.unwrap(), None);

        // Technicians read, inventory managers edit.
        let e = shop.s.save_network_profile(&shop.tech, a, net("9.1", None), None).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{e}");

        // Every bad field is reported.
        let mut bad = net("9.1", None);
        bad.ip_addresses = Some("10.1.1.300".into());
        bad.mac_addresses = Some("00:09:fb:01:02".into());
        let Err(ServiceError::Validation(errs)) = shop.s.save_network_profile(&shop.sys, a, bad, None).await else {
            panic!("expected a validation error")
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["ip_addresses", "mac_addresses"], "{}", db.name);

        let p = shop.s.save_network_profile(&shop.sys, a, net("9.1", Some(date(2027, 1, 5))), None).await.unwrap();
        assert_eq!(p.version, 1);
        assert_eq!(p.fields.hostname.as_deref(), Some("icu-pump-01.clin.example.org"));
        assert_eq!(p.fields.ip_addresses.as_deref(), Some("10.120.1.10,2001:db8::10"));
        assert_eq!(p.fields.mac_addresses.as_deref(), Some("00:09:FB:01:02:03"));
        assert_eq!(shop.s.get_network_profile(&shop.tech, a).await.unwrap(), Some(p.clone()), "{}", db.name);

        // Creating again, or updating with an old version, is stale.
        let e = shop.s.save_network_profile(&shop.sys, a, net("9.2", None), None).await.unwrap_err();
        assert!(matches!(e, ServiceError::Stale(_)), "{e}");
        let p2 = shop.s.save_network_profile(&shop.sys, a, net("9.2", None), Some(1)).await.unwrap();
        assert_eq!(
            (p2.version, p2.fields.software_version.as_deref(), p2.fields.cert_expires_on),
            (2, Some("9.2"), None)
        );
        let e = shop.s.save_network_profile(&shop.sys, a, net("9.3", None), Some(1)).await.unwrap_err();
        assert!(matches!(e, ServiceError::Stale(_)), "{e}");

        // The changes are on the record.
        let events = shop.s.store.list_audit_for("asset_network_profile", &a.to_string(), 10).await.unwrap();
        assert_eq!(events.len(), 2, "{}", db.name);
    }
}

#[tokio::test]
async fn reports_find_unsupported_os_and_expiring_certificates() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let today = date(2026, 11, 21);
        let old = shop.pump("P-OLD").await;
        let new = shop.pump("P-NEW").await;
        let none = shop.pump("P-NOPROFILE").await;

        // Windows 7 ended support on 2020-01-14: software 9.1 runs it; 10.0 runs a supported OS.
        let e = shop.s.save_model_security_profile(&shop.tech, shop.model, mds2("9.1", None), None).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{e}");
        let s91 = shop
            .s
            .save_model_security_profile(&shop.sys, shop.model, mds2("9.1", Some(date(2020, 1, 14))), None)
            .await
            .unwrap();
        let mut s10 = mds2("10.0", Some(date(2032, 10, 14)));
        s10.os_name = Some("Windows 11 IoT Enterprise LTSC".into());
        shop.s.save_model_security_profile(&shop.sys, shop.model, s10, None).await.unwrap();
        let e = shop
            .s
            .save_model_security_profile(&shop.sys, shop.model, mds2("9.1", Some(date(2020, 1, 14))), None)
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::Stale(_)), "{e}");
        let upd = shop
            .s
            .save_model_security_profile(
                &shop.sys,
                shop.model,
                mds2(" 9.1 ", Some(date(2020, 1, 14))),
                Some(s91.version),
            )
            .await
            .unwrap();
        assert_eq!((upd.id, upd.version), (s91.id, 2));
        let list = shop.s.list_model_security_profiles(&shop.tech, shop.model).await.unwrap();
        assert_eq!(list.iter().map(|p| p.fields.software_version.as_str()).collect::<Vec<_>>(), ["10.0", "9.1"]);

        // Certificates: one expired, one in 59 days, one in 61 days.
        shop.s.save_network_profile(&shop.sys, old, net("9.1", Some(date(2026, 11, 1))), None).await.unwrap();
        shop.s.save_network_profile(&shop.sys, new, net("10.0", Some(date(2027, 1, 19))), None).await.unwrap();
        shop.s.save_network_profile(&shop.sys, none, net("8.0", Some(date(2027, 1, 21))), None).await.unwrap();

        let r = shop.s.unsupported_os_report(&shop.tech, today, None, 100).await.unwrap();
        assert_eq!(r.rows.len(), 1, "{}", db.name);
        assert_eq!((r.rows[0].asset_id, r.rows[0].os_end_of_support), (old, date(2020, 1, 14)));
        assert_eq!(r.rows[0].asset_tag, "P-OLD");
        // On the end-of-support day itself the OS is still supported.
        assert!(shop.s.unsupported_os_report(&shop.tech, date(2020, 1, 14), None, 100).await.unwrap().rows.is_empty());
        // Keyset: nothing after the last row.
        assert!(shop.s.unsupported_os_report(&shop.tech, today, Some(old), 100).await.unwrap().rows.is_empty());

        let c = shop.s.certificates_expiring_report(&shop.tech, today, 60, None, 100).await.unwrap();
        assert_eq!(c.horizon, date(2027, 1, 20));
        let got: Vec<_> = c.rows.iter().map(|r| (r.asset_id, r.cert_expires_on)).collect();
        assert_eq!(got, [(old, date(2026, 11, 1)), (new, date(2027, 1, 19))], "{}", db.name);
        let next =
            shop.s.certificates_expiring_report(&shop.tech, today, 60, Some((date(2026, 11, 1), old)), 100).await;
        assert_eq!(next.unwrap().rows.len(), 1);
        let c90 = shop.s.certificates_expiring_report(&shop.tech, today, 90, None, 1).await.unwrap();
        assert_eq!(c90.rows.len(), 1, "limit applies");
    }
}

#[tokio::test]
async fn the_demo_hospital_has_networked_devices_and_cyber_findings() {
    for db in stores().await {
        let s = htm_service::Services::new(db.store.clone(), Default::default());
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        s.seed_demo(today).await.unwrap();
        let sys = htm_service::Principal::system();
        // The central stations run Windows 7 (end of support 2020-01-14).
        let os = s.unsupported_os_report(&sys, today, None, 500).await.unwrap();
        assert_eq!(os.rows.len(), 4, "{}", db.name);
        assert!(os.rows.iter().all(|r| r.os_end_of_support == date(2020, 1, 14)));
        let c = s.certificates_expiring_report(&sys, today, 60, None, 500).await.unwrap();
        assert_eq!(c.rows.len(), 2, "{}", db.name);
        let all = s.certificates_expiring_report(&sys, today, 3000, None, 500).await.unwrap();
        assert_eq!(all.rows.len(), 30, "every demo profile has a certificate: {}", db.name);
        let with_profile = s.get_network_profile(&sys, all.rows[0].asset_id).await.unwrap().unwrap();
        assert!(with_profile.fields.mac_addresses.unwrap().starts_with("00:09:FB:"));
    }
}
