//! The demo hospital seeds into an empty database on both back ends, and what it stores holds
//! together: the audit chain verifies, the counts match, assets out of service have their open
//! repairs, and a second seed is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::AssetStatus;
use htm_domain::page::PageRequest;
use htm_service::{Principal, ServiceError, Services};
use htm_store::{AssetFilter, WorkOrderFilter};
use htm_test_support::stores;

#[tokio::test]
async fn the_demo_hospital_seeds_once_and_holds_together() {
    let today = jiff::civil::date(2026, 11, 21);
    for db in stores().await {
        let s = Services::new(db.store.clone(), Default::default());
        s.ensure_admin(Some("Admin-Pass-2026".into())).await.unwrap();
        let sum = s.seed_demo(today).await.unwrap();
        assert!(sum.assets >= 5000, "{}: {} assets", db.name, sum.assets);
        assert!(sum.work_orders > 10_000, "{}: {} work orders", db.name, sum.work_orders);
        let events = s.verify_audit().await.unwrap().unwrap();
        assert!(events as usize > sum.assets + sum.work_orders, "{}: one create event per row", db.name);

        let p = Principal::system();
        let out = s
            .list_assets(
                &p,
                &AssetFilter { status: Some(AssetStatus::OutOfService), ..Default::default() },
                PageRequest::first(1000),
            )
            .await
            .unwrap();
        assert!(!out.items.is_empty(), "{}: some assets are out of service", db.name);
        for a in out.items.iter().take(20) {
            let f = WorkOrderFilter { asset_id: Some(a.id), open_only: true, ..Default::default() };
            let open = s.list_work_orders(&p, f, PageRequest::first(10)).await.unwrap();
            assert!(
                open.items.iter().any(|w| w.took_out_of_service),
                "{}: {} has no open repair",
                db.name,
                a.asset_tag
            );
        }
        // Demo users can sign in with the demo password.
        let (user, _) = &sum.users[0];
        assert!(s.login(user, htm_service::demo::DEMO_PASSWORD, "api").await.is_ok());
        // New work continues the numbering of the seeded history.
        let wo = s
            .create_work_order(
                &Principal { user: s.login(user, htm_service::demo::DEMO_PASSWORD, "api").await.unwrap().user },
                serde_json::from_value(
                    serde_json::json!({"wo_type": "repair", "asset_id": out.items[0].id.0, "problem": "Alarm"}),
                )
                .unwrap(),
            )
            .await
            .unwrap();
        let seeded = s.list_work_orders(&p, WorkOrderFilter::default(), PageRequest::first(2)).await.unwrap();
        assert_eq!(seeded.items[0].id, wo.id);
        assert_ne!(seeded.items[1].number, wo.number);
        assert!(
            matches!(s.seed_demo(today).await, Err(ServiceError::Conflict { .. })),
            "{}: seeds only an empty database",
            db.name
        );
    }
}
