//! Device-related incidents and investigations, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::incident::{IncidentPatch, IncidentStatus, MdrRecipient, NewIncident, Severity};
use htm_domain::page::PageRequest;
use htm_domain::user::{NewUser, Role};
use htm_domain::work_order::{NewWorkOrder, Priority, WorkOrderType};
use htm_service::{Principal, ServiceError};
use htm_store::IncidentFilter;
use htm_test_support::stores;
use jiff::{Timestamp, ToSpan};

mod common;
use common::*;

async fn user(shop: &Shop, name: &str, role: Role) -> Principal {
    let u = shop
        .s
        .add_user_as_system(NewUser {
            username: name.into(),
            display_name: name.into(),
            role,
            email: None,
            vendor_id: None,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    Principal { user: u }
}

fn report(asset: Option<htm_domain::ids::AssetId>, text: &str, severity: Severity) -> NewIncident {
    NewIncident {
        asset_id: asset,
        department_id: None,
        occurred_at: Timestamp::now().checked_sub(2.hours()).unwrap(),
        what_happened: text.into(),
        accessories: None,
        severity,
        sequestered: false,
        sequestered_items: None,
    }
}

#[tokio::test]
async fn patient_information_is_refused_until_the_warning_is_acknowledged() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let nurse = user(&shop, "nurse", Role::Requester).await;
        let pump = shop.pump("IP-100").await;
        let text = "Pump over-infused patient John Smith, MRN 12345678, DOB 03/04/1950";
        let e =
            shop.s.create_incident(&nurse, report(Some(pump), text, Severity::MinorInjury), false).await.unwrap_err();
        let ServiceError::PhiWarning(found) = e else { panic!("{e:?}") };
        let kinds: Vec<(&str, &str)> = found.iter().map(|f| (f.field.as_str(), f.kind.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                ("what_happened", "medical record number"),
                ("what_happened", "date of birth"),
                ("what_happened", "patient name")
            ],
            "{}",
            db.name
        );
        // Nothing was stored.
        let page =
            shop.s.list_incidents_page(&shop.sys, IncidentFilter::default(), PageRequest::first(10)).await.unwrap();
        assert!(page.items.is_empty());

        // Acknowledged: saved, and the audit reason says so without repeating the text.
        let i = shop.s.create_incident(&nurse, report(Some(pump), text, Severity::MinorInjury), true).await.unwrap();
        assert!(i.number.starts_with("INC-") && i.number.ends_with("-000001"), "{}", i.number);
        assert_eq!(
            (i.status, i.reported_by.as_str(), i.asset_tag.as_deref()),
            (IncidentStatus::Open, "nurse", Some("IP-100"))
        );
        // The department defaults to the asset's.
        assert_eq!((i.department_id, i.department_name.as_deref()), (Some(shop.dept), Some("Adult ICU")));
        let audit = shop.s.store.list_audit_for("incident", &i.id.to_string(), 10).await.unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].action, "create");
        let reason = audit[0].reason.clone().unwrap();
        assert!(reason.contains("warning acknowledged by nurse"), "{reason}");
        assert!(reason.contains("what_happened (medical record number)"), "{reason}");
        assert!(!reason.contains("12345678"), "{reason}");

        // Clean text needs no acknowledgement and records no reason.
        let j = shop
            .s
            .create_incident(&nurse, report(None, "Patient monitor lost the SpO2 trace", Severity::NoHarm), false)
            .await
            .unwrap();
        assert!(j.number.ends_with("-000002"));
        let audit = shop.s.store.list_audit_for("incident", &j.id.to_string(), 10).await.unwrap();
        assert_eq!(audit[0].reason, None);

        // Investigation text is checked too.
        let p = IncidentPatch {
            version: j.version,
            findings: Some("Spoke to patient Mary Jones".into()),
            ..Default::default()
        };
        let e = shop.s.update_incident(&shop.sys, j.id, p, false).await.unwrap_err();
        assert!(matches!(e, ServiceError::PhiWarning(ref f) if f[0].field == "findings"), "{e:?}");
        assert!(shop.s.store.verify_audit_chain().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn an_investigation_closes_with_findings_and_an_mdr_decision() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let nurse = user(&shop, "nurse", Role::Requester).await;
        let eng = user(&shop, "ce1", Role::Engineer).await;
        let pump = shop.pump("IP-200").await;
        let i = shop
            .s
            .create_incident(&nurse, report(Some(pump), "Free flow after door opened", Severity::SeriousInjury), false)
            .await
            .unwrap();

        // The reporter may not investigate; a technician may not either.
        let p = IncidentPatch { version: i.version, findings: Some("x".into()), ..Default::default() };
        assert!(matches!(
            shop.s.update_incident(&nurse, i.id, p.clone(), false).await,
            Err(ServiceError::Forbidden(_))
        ));
        assert!(matches!(shop.s.update_incident(&shop.tech, i.id, p, false).await, Err(ServiceError::Forbidden(_))));
        assert!(matches!(
            shop.s.close_incident(&shop.tech, i.id, i.version, None, false).await,
            Err(ServiceError::Forbidden(_))
        ));
        // … but the reporter may correct the report while it is open.
        let p = IncidentPatch {
            version: i.version,
            what_happened: Some("Free flow after the door was opened mid-infusion".into()),
            ..Default::default()
        };
        let i = shop.s.update_incident(&nurse, i.id, p, false).await.unwrap();
        assert_eq!(i.version, 2);

        // Closing without findings and an MDR decision is refused.
        let e = shop.s.close_incident(&eng, i.id, i.version, None, false).await.unwrap_err();
        let ServiceError::Validation(f) = e else { panic!("{e:?}") };
        let f: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(f, vec!["findings", "mdr_reportable"], "{}", db.name);

        // Sequester, decide reportable, link the repair.
        let p = IncidentPatch {
            version: i.version,
            sequestered: Some(true),
            sequestered_items: Some("Pump IP-200, administration set, lot 4711".into()),
            mdr_reportable: Some(true),
            mdr_rationale: Some("Device may have contributed to a serious injury".into()),
            ..Default::default()
        };
        let i = shop.s.update_incident(&eng, i.id, p, false).await.unwrap();
        assert_eq!(i.status, IncidentStatus::UnderInvestigation);
        assert_eq!((i.sequestered_by.as_deref(), i.mdr_decision_by.as_deref()), (Some("ce1"), Some("ce1")));
        let due = i.mdr_requirement().unwrap();
        assert!(due.to_manufacturer && !due.to_fda);

        // A stale version is refused.
        let p = IncidentPatch { version: 1, findings: Some("late".into()), ..Default::default() };
        assert!(matches!(shop.s.update_incident(&eng, i.id, p, false).await, Err(ServiceError::Stale(_))));

        let wo = shop
            .s
            .create_work_order(
                &shop.tech,
                NewWorkOrder {
                    wo_type: WorkOrderType::Repair,
                    priority: Priority::High,
                    asset_id: Some(pump),
                    problem: "Inspect sequestered pump for free flow".into(),
                    requester_contact: None,
                    assigned_to: None,
                    vendor_id: None,
                    due_date: None,
                },
            )
            .await
            .unwrap();
        let i = shop.s.link_incident_work_order(&eng, i.id, wo.id).await.unwrap();
        assert_eq!(i.work_orders.len(), 1);
        assert_eq!(i.work_orders[0].number, wo.number);
        // Linking twice changes nothing.
        let i = shop.s.link_incident_work_order(&eng, i.id, wo.id).await.unwrap();
        assert_eq!(i.work_orders.len(), 1);

        // Reportable: closing also needs the report, to the manufacturer.
        let e = shop.s.close_incident(&eng, i.id, i.version, Some("Door latch worn".into()), false).await.unwrap_err();
        let ServiceError::Validation(f) = e else { panic!("{e:?}") };
        let f: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(f, vec!["mdr_reported_to", "mdr_reported_at"]);
        let p = IncidentPatch {
            version: i.version,
            mdr_reported_to: Some(MdrRecipient::Manufacturer),
            mdr_report_number: Some("UF-2026-0001".into()),
            mdr_reported_at: Some(Timestamp::now().checked_sub(1.minute()).unwrap()),
            ..Default::default()
        };
        let i = shop.s.update_incident(&eng, i.id, p, false).await.unwrap();
        let i = shop
            .s
            .close_incident(&eng, i.id, i.version, Some("Door latch worn; pump free-flowed".into()), false)
            .await
            .unwrap();
        assert_eq!((i.status, i.closed_by.as_deref()), (IncidentStatus::Closed, Some("ce1")));
        assert_eq!(i.findings.as_deref(), Some("Door latch worn; pump free-flowed"));

        // The record: create, update ×3, link, close.
        let audit = shop.s.store.list_audit_for("incident", &i.id.to_string(), 20).await.unwrap();
        let mut actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        actions.sort();
        assert_eq!(actions, vec!["close", "create", "link_work_order", "update", "update", "update"], "{}", db.name);
        assert!(shop.s.store.verify_audit_chain().await.unwrap().is_ok());

        // Reads: the survey-pack query finds it; a requester sees only their own.
        let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let from = today.checked_sub(1.day()).unwrap();
        let all = shop.s.list_incidents(&shop.sys, from, today).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].asset_tag.as_deref(), all[0].mdr_reportable), (Some("IP-200"), Some(true)));
        assert!(shop.s.list_incidents(&nurse, from, today).await.is_err());
        let other = user(&shop, "nurse2", Role::Requester).await;
        assert!(matches!(shop.s.get_incident(&other, i.id).await, Err(ServiceError::NotFound(_))));
        let mine = shop.s.list_incidents_page(&other, IncidentFilter::default(), PageRequest::first(10)).await.unwrap();
        assert!(mine.items.is_empty());
        let by_asset =
            IncidentFilter { asset_id: Some(pump), status: Some(IncidentStatus::Closed), ..Default::default() };
        let page = shop.s.list_incidents_page(&shop.tech, by_asset, PageRequest::first(10)).await.unwrap();
        assert_eq!(page.items.len(), 1);
    }
}
