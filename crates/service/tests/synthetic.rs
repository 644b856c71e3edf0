//! The synthetic benchmark hospital (`htm gen`) on both back ends: loaded in bulk with one audit
//! event per chunk, the chain verifies, PM generation and the completion report work on it and
//! agree with the generated rows, and ordinary work orders can still be opened afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_demo::synthetic::{Generator, SyntheticSpec, reference};
use htm_domain::pm::{self, Month, PmOutcome, PmStanding};
use htm_domain::work_order::{NewWorkOrder, Priority, WorkOrderType, parse_number};
use htm_service::{Principal, Services};
use htm_test_support::stores;

fn spec() -> SyntheticSpec {
    SyntheticSpec { assets: 300, years: 2, seed: 11, end: Month { year: 2026, month: 6 } }
}

/// (scheduled, on time, late, open, unable to locate) of PMs due in `month`, straight from the generator.
fn expected(month: Month) -> (i64, i64, i64, i64, i64) {
    let r = reference(&spec()).unwrap();
    let mut g = Generator::new(spec(), &r);
    let mut e = (0, 0, 0, 0, 0);
    let (first, last) = (month.first_day().to_string(), month.last_day().to_string());
    while let Some(c) = g.next_chunk(64) {
        for w in c.work_orders.iter().filter(|w| w.wo_type == "pm") {
            let due = w.due_date.clone().unwrap();
            if due < first || due > last {
                continue;
            }
            e.0 += 1;
            let done = w.completed_at.as_ref().map(|c| c[..10].parse().unwrap());
            let outcome = w.pm_outcome.map(|o| PmOutcome::parse(o).unwrap());
            match pm::standing(done, outcome, w.window_end.as_ref().unwrap().parse().unwrap()) {
                PmStanding::CompletedOnTime => e.1 += 1,
                PmStanding::CompletedLate => e.2 += 1,
                PmStanding::Open => e.3 += 1,
                PmStanding::UnableToLocate => e.4 += 1,
                PmStanding::InUse => {}
            }
        }
    }
    e
}

/// The highest work-order number the generator issued in `year`.
fn loaded_counter(year: i16) -> i64 {
    let r = reference(&spec()).unwrap();
    let mut g = Generator::new(spec(), &r);
    while g.next_chunk(1000).is_some() {}
    g.counters().iter().find(|c| c.0 == year).map_or(0, |c| c.1)
}

#[tokio::test]
async fn a_generated_hospital_supports_pm_generation_reports_and_new_work() {
    let may = Month { year: 2026, month: 5 };
    let want = expected(may);
    assert!(want.0 > 0 && want.1 > 0);
    for db in stores().await {
        let s = Services::new(db.store.clone(), Default::default());
        let sys = Principal::system();
        let sum = s.generate_synthetic(&sys, spec(), &|_| {}).await.unwrap();
        assert_eq!((sum.assets, sum.schedules), (300, 300), "{}", db.name);
        // One bulk_load event per chunk, the chain intact.
        let events = db.store.list_audit_for("bulk_load", "synthetic chunk 1 (assets 1-300)", 5).await.unwrap();
        assert_eq!(events.len(), 1, "{}", db.name);
        let after: serde_json::Value = serde_json::from_str(events[0].after.as_deref().unwrap()).unwrap();
        assert_eq!(after["rows"], 600 + sum.work_orders, "{}", db.name);
        assert_eq!(after["sha256"].as_str().unwrap().len(), 64);
        assert!(s.verify_audit().await.unwrap().is_ok(), "{}", db.name);

        // The completion report counts exactly what the generator produced.
        let r = s.pm_compliance(&sys, may).await.unwrap();
        let got = (
            r.total.scheduled,
            r.total.completed_on_time,
            r.total.completed_late,
            r.total.open,
            r.total.unable_to_locate,
        );
        assert_eq!(got, want, "{}", db.name);

        // PM generation for the next month opens work orders once (idempotent).
        let july = Month { year: 2026, month: 7 };
        let g1 = s.generate_pm(&sys, july).await.unwrap();
        assert!(g1.created > 0, "{}: {g1:?}", db.name);
        assert!(g1.schedules >= 270 && g1.schedules <= 300, "{}: {g1:?}", db.name);
        let g2 = s.generate_pm(&sys, july).await.unwrap();
        assert_eq!(g2.created, 0, "{}", db.name);
        assert_eq!(g2.already_open, g1.created + g1.already_open, "{}", db.name);
        let rj = s.pm_compliance(&sys, july).await.unwrap();
        assert!(rj.total.open >= g1.created as i64, "{}", db.name);

        // An ordinary work order gets the next number of its year, after the loaded ones.
        let ctx = htm_store::ChangeContext::system(jiff::Timestamp::now(), "test");
        let wo = db
            .store
            .insert_work_order(
                &ctx,
                &NewWorkOrder {
                    wo_type: WorkOrderType::Repair,
                    priority: Priority::Normal,
                    asset_id: Some(htm_domain::ids::AssetId(1)),
                    problem: "Alarm will not clear".into(),
                    requester_contact: None,
                    assigned_to: None,
                    vendor_id: None,
                    due_date: None,
                },
                None,
            )
            .await
            .unwrap();
        let (year, seq) = parse_number(&wo.number).unwrap();
        let loaded = loaded_counter(year);
        // (Generation reserves one number per planned PM, including overdue floating PMs whose
        // period already has one, so the sequence may skip a few: it is never reused.)
        assert!(seq > loaded + g1.created as i64, "{}: {}", db.name, wo.number);
        assert!(s.verify_audit().await.unwrap().is_ok(), "{}", db.name);

        // A second load is refused.
        let again = s.generate_synthetic(&sys, spec(), &|_| {}).await;
        assert!(again.is_err(), "{}", db.name);
    }
}
