//! After the demo seed (which inserts explicit ids), new rows get fresh ids on both back ends:
//! PostgreSQL's identity sequences are moved past every seeded table, not only some (Schemathesis
//! found `POST /pm-schedules` answering 409 duplicate key on a seeded PostgreSQL database).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::ids::AssetId;
use htm_domain::pm::{NewPmSchedule, ScheduleBasis};
use htm_service::{Principal, Services};
use htm_test_support::stores;

#[tokio::test]
async fn rows_created_after_the_demo_seed_get_fresh_ids() {
    let today = jiff::civil::date(2026, 11, 21);
    for db in stores().await {
        let s = Services::new(db.store.clone(), Default::default());
        s.ensure_admin(Some("Sequence-Check-Pass-2026".into())).await.unwrap();
        s.seed_demo(today).await.unwrap();
        let p = Principal::system();
        for asset in [1, 2] {
            let n = NewPmSchedule {
                asset_id: AssetId(asset),
                interval_months: 12,
                basis: ScheduleBasis::Fixed,
                anchor_date: today,
                grace_days: 0,
            };
            let made = s.create_pm_schedule(&p, n).await;
            assert!(made.is_ok(), "{}: {:?}", db.name, made.err());
        }
    }
}
