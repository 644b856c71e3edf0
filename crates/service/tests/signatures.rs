//! Electronic signatures (21 CFR Part 11 §11.50, §11.70, §11.200; REFERENCE §10): completing and
//! closing a work order need the signer's password, the signature is bound to the signed content,
//! and no edit of the database forges one without `htm audit verify` failing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::audit::ChainBreak;
use htm_domain::ids::*;
use htm_domain::signature::{SignatureBreak, SignatureMeaning};
use htm_domain::work_order::{NewWorkOrder, Priority, TransitionRequest, WorkOrderStatus, WorkOrderType, WorkResult};
use htm_service::{ServiceError, Services};
use htm_test_support::{TestDb, stores};

mod common;
use common::*;

async fn exec(db: &TestDb, sql: &str) {
    db.execute_raw(sql, None).await;
}

fn done(password: Option<&str>) -> TransitionRequest {
    TransitionRequest {
        to: "completed".into(),
        cause_code: Some("EF".into()),
        work_performed: Some("Replaced the door latch".into()),
        result: Some(WorkResult::Pass),
        password: password.map(str::to_string),
        ..Default::default()
    }
}

/// A repair on a new pump, completed and closed by the technician with their password.
async fn signed_repair(shop: &Shop, tag: &str) -> WorkOrderId {
    let asset = shop.pump(tag).await;
    let n = NewWorkOrder {
        wo_type: WorkOrderType::Repair,
        priority: Priority::High,
        asset_id: Some(asset),
        problem: "Door latch broken".into(),
        requester_contact: None,
        assigned_to: None,
        vendor_id: None,
        due_date: None,
    };
    let wo = shop.s.create_work_order(&shop.tech, n).await.unwrap();
    let start = TransitionRequest { to: "in_progress".into(), ..Default::default() };
    shop.s.transition_work_order(&shop.tech, wo.id, start).await.unwrap();
    shop.s.transition_work_order(&shop.tech, wo.id, done(Some(PASSWORD))).await.unwrap();
    let close = TransitionRequest { to: "closed".into(), password: Some(PASSWORD.into()), ..Default::default() };
    shop.s.transition_work_order(&shop.tech, wo.id, close).await.unwrap();
    wo.id
}

async fn verify(s: &Services) -> Result<u64, ChainBreak> {
    s.verify_audit().await.unwrap()
}

#[tokio::test]
async fn completing_and_closing_need_the_signers_own_password() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let asset = shop.pump("SIG-0001").await;
        let n = NewWorkOrder {
            wo_type: WorkOrderType::Repair,
            priority: Priority::High,
            asset_id: Some(asset),
            problem: "No power".into(),
            requester_contact: None,
            assigned_to: None,
            vendor_id: None,
            due_date: None,
        };
        let wo = shop.s.create_work_order(&shop.tech, n).await.unwrap();
        let start = TransitionRequest { to: "in_progress".into(), ..Default::default() };
        shop.s.transition_work_order(&shop.tech, wo.id, start).await.unwrap();

        // Missing fields are reported before the signature is asked for.
        let bare = TransitionRequest { to: "completed".into(), ..Default::default() };
        let r = shop.s.transition_work_order(&shop.tech, wo.id, bare).await;
        assert!(matches!(r, Err(ServiceError::Validation(_))), "{}: {r:?}", db.name);
        let r = shop.s.transition_work_order(&shop.tech, wo.id, done(None)).await;
        assert!(matches!(r, Err(ServiceError::SignatureRequired(_))), "{}: {r:?}", db.name);
        let r = shop.s.transition_work_order(&shop.tech, wo.id, done(Some("Good-Password-2"))).await;
        assert!(matches!(r, Err(ServiceError::SignatureInvalid(_))), "{}: {r:?}", db.name);
        // The system account (the command line) has no signature.
        let r = shop.s.transition_work_order(&shop.sys, wo.id, done(Some(PASSWORD))).await;
        assert!(r.is_err(), "{}: the system cannot sign", db.name);
        let still = shop.s.get_work_order(&shop.tech, wo.id).await.unwrap();
        assert_eq!(still.status, WorkOrderStatus::InProgress, "{}: refused signatures change nothing", db.name);
        assert!(shop.s.work_order_signatures(&shop.tech, wo.id).await.unwrap().is_empty());

        let completed = shop.s.transition_work_order(&shop.tech, wo.id, done(Some(PASSWORD))).await.unwrap();
        let sigs = shop.s.work_order_signatures(&shop.tech, wo.id).await.unwrap();
        assert_eq!(sigs.len(), 1, "{}", db.name);
        let sig = &sigs[0];
        assert_eq!(sig.meaning, SignatureMeaning::Responsibility);
        assert_eq!(
            (sig.action.as_str(), sig.signer_username.as_str(), sig.signer_name.as_str()),
            ("completed", "bmet1", "B. Met")
        );
        assert_eq!(sig.signer_id, shop.tech.user.id);
        // Bound to the completed record's canonical content, as the audit trail recorded it.
        assert_eq!(sig.content_hash, htm_domain::signature::content_hash(&htm_domain::audit::snapshot(&completed)));
        assert!(sig.manifestation().starts_with("Signed by B. Met (bmet1) — responsibility (completed) — "));

        let close = TransitionRequest { to: "closed".into(), ..Default::default() };
        let r = shop.s.transition_work_order(&shop.tech, wo.id, close.clone()).await;
        assert!(matches!(r, Err(ServiceError::SignatureRequired(_))), "{}: closing is signed too", db.name);
        let close = TransitionRequest { password: Some(PASSWORD.into()), ..close };
        shop.s.transition_work_order(&shop.tech, wo.id, close).await.unwrap();
        let sigs = shop.s.work_order_signatures(&shop.tech, wo.id).await.unwrap();
        assert_eq!(
            sigs.iter().map(|s| s.meaning).collect::<Vec<_>>(),
            [SignatureMeaning::Responsibility, SignatureMeaning::Approval]
        );
        assert!(verify(&shop.s).await.is_ok(), "{}", db.name);
    }
}

#[tokio::test]
async fn no_edit_of_the_database_forges_a_signature_without_verify_failing() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let wo = signed_repair(&shop, "SIG-0002").await;
        let other = signed_repair(&shop, "SIG-0003").await;
        assert!(verify(&shop.s).await.is_ok(), "{}", db.name);
        let sigs = shop.s.work_order_signatures(&shop.tech, wo).await.unwrap();
        let first = sigs[0].id;

        // Someone else's printed name on the signature.
        exec(&db, &format!("UPDATE signatures SET signer_name = 'Chief Engineer' WHERE id = {first}")).await;
        assert_eq!(
            verify(&shop.s).await,
            Err(ChainBreak::Signature(SignatureBreak::Altered { id: first })),
            "{}",
            db.name
        );
        exec(&db, &format!("UPDATE signatures SET signer_name = 'B. Met' WHERE id = {first}")).await;
        assert!(verify(&shop.s).await.is_ok(), "{}: restored", db.name);

        // The signed work found edited after signing.
        exec(&db, &format!("UPDATE work_orders SET work_performed = 'Nothing done' WHERE id = {}", wo.0)).await;
        assert_eq!(
            verify(&shop.s).await,
            Err(ChainBreak::Signature(SignatureBreak::RecordEdited { entity: format!("work order {}", wo.0) })),
            "{}",
            db.name
        );
        exec(&db, &format!("UPDATE work_orders SET work_performed = 'Replaced the door latch' WHERE id = {}", wo.0))
            .await;
        assert!(verify(&shop.s).await.is_ok(), "{}: restored", db.name);

        // The signature moved to another record (§11.70: it cannot be excised or copied).
        exec(&db, &format!("UPDATE signatures SET entity_id = '{}' WHERE id = {first}", other.0)).await;
        assert!(
            matches!(verify(&shop.s).await, Err(ChainBreak::Signature(SignatureBreak::Altered { .. }))),
            "{}",
            db.name
        );
        exec(&db, &format!("UPDATE signatures SET entity_id = '{}' WHERE id = {first}", wo.0)).await;

        // A signature row inserted by hand, claiming the technician approved the other repair.
        exec(
            &db,
            &format!(
                "INSERT INTO signatures (entity_type, entity_id, meaning, action, signer_id, signer_username, signer_name, signed_at, content_hash, audit_seq) \
                 SELECT entity_type, '{}', 'approval', 'approved', signer_id, signer_username, signer_name, signed_at, content_hash, audit_seq \
                 FROM signatures WHERE id = {first}",
                other.0
            ),
        )
        .await;
        assert!(
            matches!(verify(&shop.s).await, Err(ChainBreak::Signature(SignatureBreak::Unrecorded { .. }))),
            "{}",
            db.name
        );
    }
}
