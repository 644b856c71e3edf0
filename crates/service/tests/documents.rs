//! Documents attached to models, assets and work orders, on both back ends: attach, dedup by
//! SHA-256, list, download with the hash verified, a tampered blob refused, removal recorded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::document::{DocumentEntity, sha256_hex};
use htm_domain::user::{NewUser, Role};
use htm_domain::work_order::{NewWorkOrder, Priority, WorkOrderType};
use htm_service::documents::Upload;
use htm_service::{Principal, ServiceError};
use htm_test_support::{TestDb, stores};

mod common;
use common::*;

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\n%%EOF\n").into_bytes()
}

fn upload(kind: &str, title: &str, filename: &str, content: Vec<u8>) -> Upload {
    Upload { kind: kind.into(), title: title.into(), filename: filename.into(), content, sha256: None }
}

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

async fn exec(db: &TestDb, sql: &str, bytes: Vec<u8>) {
    db.execute_raw(sql, Some(bytes)).await;
}

#[tokio::test]
async fn attach_dedup_list_download_and_remove() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let pump = shop.pump("IP-0001").await;
        let other = shop.pump("IP-0002").await;
        let s = &shop.s;
        let content = pdf("Alaris 8015 service manual");
        let sha = sha256_hex(&content);

        // A technician attaches a report to an asset.
        let a = s
            .attach_document(
                &shop.tech,
                DocumentEntity::Asset(pump),
                upload("service_report", "  Vendor report\n2026-03 ", "C:\\scans\\report.pdf", content.clone()),
            )
            .await
            .unwrap();
        assert!(!a.deduplicated, "{}", db.name);
        assert!(a.warnings.is_empty());
        let d = &a.document;
        assert_eq!((d.entity_type.as_str(), d.entity_id), ("asset", pump.0));
        assert_eq!(d.title, "Vendor report 2026-03");
        assert_eq!(d.filename, "report.pdf");
        assert_eq!(d.media_type, "application/pdf");
        assert_eq!(d.size_bytes, content.len() as i64);
        assert_eq!(d.sha256, sha);
        assert_eq!(d.uploaded_by, "bmet1");

        // The same bytes on another asset: a second document, one blob.
        let b = s
            .attach_document(&shop.tech, DocumentEntity::Asset(other), upload("other", "", "copy.pdf", content.clone()))
            .await
            .unwrap();
        assert!(b.deduplicated, "{}", db.name);
        assert_eq!(b.document.title, "copy.pdf");
        assert_ne!(a.document.id, b.document.id);
        assert_eq!(db.store.document_blob_count(&sha).await.unwrap(), 1);

        // The client's hash is checked against the bytes received.
        let mut bad = upload("other", "x", "x.pdf", content.clone());
        bad.sha256 = Some("0".repeat(64));
        let e = s.attach_document(&shop.tech, DocumentEntity::Asset(pump), bad).await.unwrap_err();
        assert!(matches!(e, ServiceError::Validation(ref f) if f[0].field == "sha256"), "{e:?}");
        let mut good = upload("other", "x", "x.pdf", content.clone());
        good.sha256 = Some(sha.to_uppercase());
        let g = s.attach_document(&shop.tech, DocumentEntity::Asset(pump), good).await.unwrap();

        // Lists are per entity.
        let list = s.list_documents(&shop.tech, DocumentEntity::Asset(pump), false).await.unwrap();
        assert_eq!(list.iter().map(|d| d.id).collect::<Vec<_>>(), vec![a.document.id, g.document.id]);
        assert_eq!(s.list_documents(&shop.tech, DocumentEntity::Asset(other), false).await.unwrap().len(), 1);

        // Download verifies the hash and gives the bytes back.
        let got = s.document_content(&shop.tech, a.document.id).await.unwrap();
        assert_eq!(got.content, content);
        assert_eq!(got.media_type.as_str(), "application/pdf");
        assert_eq!(s.get_document(&shop.tech, a.document.id).await.unwrap(), a.document);

        // The attach is in the audit trail with the SHA-256 and without the content.
        let h = s.history(&shop.sys, "document", &a.document.id.to_string(), 10).await.unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].action, "create");
        let after = h[0].after.as_deref().unwrap();
        assert!(after.contains(&sha) && after.contains("report.pdf") && !after.contains("service manual"), "{after}");

        // Removal needs a reason, keeps the record and is audited with it.
        let e = s.remove_document(&shop.tech, g.document.id, "  ").await.unwrap_err();
        assert!(matches!(e, ServiceError::Validation(_)), "{e:?}");
        let r = s.remove_document(&shop.tech, g.document.id, "duplicate upload").await.unwrap();
        assert_eq!(r.removed_by.as_deref(), Some("bmet1"));
        assert_eq!(r.removed_reason.as_deref(), Some("duplicate upload"));
        assert!(r.removed_at.is_some());
        let e = s.remove_document(&shop.tech, g.document.id, "again").await.unwrap_err();
        assert!(matches!(e, ServiceError::Conflict { .. }), "{e:?}");
        assert_eq!(s.list_documents(&shop.tech, DocumentEntity::Asset(pump), false).await.unwrap().len(), 1);
        let all = s.list_documents(&shop.tech, DocumentEntity::Asset(pump), true).await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[1].is_removed());
        let h = s.history(&shop.sys, "document", &g.document.id.to_string(), 10).await.unwrap();
        assert_eq!(h[0].action, "remove");
        assert_eq!(h[0].reason.as_deref(), Some("duplicate upload"));
        assert!(h[0].after.as_deref().unwrap().contains("duplicate upload"));
        // A removed document's content is still there for the record.
        assert_eq!(s.document_content(&shop.tech, g.document.id).await.unwrap().content, content);
        assert_eq!(db.store.verify_audit_chain().await.unwrap().map(|_| ()), Ok(()));
    }
}

#[tokio::test]
async fn tampered_content_is_refused_on_download() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let pump = shop.pump("IP-0001").await;
        let content = pdf("certificate of calibration");
        let a = shop
            .s
            .attach_document(
                &shop.tech,
                DocumentEntity::Asset(pump),
                upload("certificate", "Calibration certificate", "cert.pdf", content),
            )
            .await
            .unwrap();
        exec(&db, "UPDATE document_blobs SET content = $1", pdf("certificate of calibration (forged)")).await;
        let e = shop.s.document_content(&shop.tech, a.document.id).await.unwrap_err();
        match e {
            ServiceError::Integrity(m) => {
                assert!(m.contains("does not match its recorded SHA-256") && m.contains(&a.document.sha256), "{m}")
            }
            other => panic!("{}: expected an integrity error, got {other:?}", db.name),
        }
        // The metadata is still readable.
        assert!(shop.s.get_document(&shop.tech, a.document.id).await.is_ok());
    }
}

#[tokio::test]
async fn limits_and_types_are_enforced() {
    for db in stores().await {
        let mut shop = shop(db.store.clone()).await;
        shop.s.settings.max_document_bytes = 1024;
        let pump = shop.pump("IP-0001").await;
        let s = &shop.s;
        let at = DocumentEntity::Asset(pump);
        let e = s.attach_document(&shop.tech, at, upload("photo", "", "a.jpg", vec![])).await.unwrap_err();
        assert!(matches!(e, ServiceError::Validation(ref f) if f[0].field == "file"), "{e:?}");
        let e = s.attach_document(&shop.tech, at, upload("other", "", "a.txt", vec![b'a'; 1025])).await.unwrap_err();
        assert!(matches!(e, ServiceError::TooLarge(_)), "{e:?}");
        let e = s
            .attach_document(&shop.tech, at, upload("other", "", "a.pdf", b"\x7fELF\x02\x01\x01\0\0\0".to_vec()))
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::UnsupportedType(ref m) if m.contains("ELF executable")), "{e:?}");
        let e = s
            .attach_document(&shop.tech, at, upload("photo", "", "a.png", b"<svg onload=alert(1)>".to_vec()))
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::UnsupportedType(ref m) if m.contains("SVG")), "{e:?}");
        let e = s.attach_document(&shop.tech, at, upload("manual", "", "a.txt", b"x".to_vec())).await.unwrap_err();
        assert!(matches!(e, ServiceError::Validation(ref f) if f[0].field == "kind"), "{e:?}");
        // Nothing was stored by the refusals.
        assert!(s.list_documents(&shop.tech, at, true).await.unwrap().is_empty());

        // A title that looks like a patient identifier is saved with a warning.
        let a = s
            .attach_document(
                &shop.tech,
                at,
                upload("photo", "Pump at bedside, patient John Smith", "p.txt", b"x".to_vec()),
            )
            .await
            .unwrap();
        assert_eq!(a.warnings.len(), 1, "{:?}", a.warnings);
        assert_eq!(a.warnings[0].kind, "patient name");
    }
}

#[tokio::test]
async fn who_may_attach_read_and_remove() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let pump = shop.pump("IP-0001").await;
        let s = &shop.s;
        let requester = user(&shop, "nurse", Role::Requester).await;
        let engineer = user(&shop, "ce1", Role::Engineer).await;
        let model = DocumentEntity::Model(shop.model);
        let manual = pdf("manual");

        // Models: engineers and up; not technicians.
        let e = s.attach_document(&shop.tech, model, upload("service_manual", "", "m.pdf", manual.clone())).await;
        assert!(matches!(e, Err(ServiceError::Forbidden(_))), "{e:?}");
        let m = s
            .attach_document(&engineer, model, upload("service_manual", "Service manual", "m.pdf", manual.clone()))
            .await
            .unwrap();
        assert!(s.can_attach_documents(&engineer, model) && !s.can_attach_documents(&shop.tech, model));
        // Everyone who reads the inventory reads the model's documents.
        assert_eq!(s.list_documents(&requester, model, false).await.unwrap().len(), 1);
        assert!(s.document_content(&requester, m.document.id).await.is_ok());
        let e = s.remove_document(&shop.tech, m.document.id, "wrong model").await;
        assert!(matches!(e, Err(ServiceError::Forbidden(_))), "{e:?}");

        // Requesters may not attach to assets.
        let e = s
            .attach_document(&requester, DocumentEntity::Asset(pump), upload("photo", "", "p.txt", b"x".to_vec()))
            .await;
        assert!(matches!(e, Err(ServiceError::Forbidden(_))), "{e:?}");

        // Work orders: a technician attaches; a requester who did not request it cannot see it.
        let wo = s
            .create_work_order(
                &shop.tech,
                NewWorkOrder {
                    wo_type: WorkOrderType::Repair,
                    priority: Priority::Normal,
                    asset_id: Some(pump),
                    problem: "Occlusion alarm".into(),
                    requester_contact: None,
                    assigned_to: None,
                    vendor_id: None,
                    due_date: None,
                },
            )
            .await
            .unwrap();
        let w = s
            .attach_document(
                &shop.tech,
                DocumentEntity::WorkOrder(wo.id),
                upload("service_report", "Vendor service report", "r.pdf", pdf("vendor report")),
            )
            .await
            .unwrap();
        let e = s.list_documents(&requester, DocumentEntity::WorkOrder(wo.id), false).await;
        assert!(matches!(e, Err(ServiceError::NotFound(_))), "{e:?}");
        let e = s.document_content(&requester, w.document.id).await;
        assert!(matches!(e, Err(ServiceError::NotFound(_))), "{e:?}");
        // Attaching to something that does not exist.
        let e = s
            .attach_document(
                &shop.tech,
                DocumentEntity::Asset(htm_domain::ids::AssetId(9999)),
                upload("other", "", "a.txt", b"x".to_vec()),
            )
            .await;
        assert!(matches!(e, Err(ServiceError::NotFound(_))), "{e:?}");
        assert!(matches!(s.get_document(&shop.tech, 9999).await, Err(ServiceError::NotFound(_))));
    }
}
