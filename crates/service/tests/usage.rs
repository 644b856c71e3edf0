//! Usage meters and usage-based PM, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::NewAsset;
use htm_domain::pm::{NewPmSchedule, ScheduleBasis};
use htm_domain::usage::{NewMeterReading, UsageUnit};
use htm_domain::work_order::{TransitionRequest, WorkOrderStatus, WorkOrderType, WorkResult};
use htm_service::ServiceError;
use htm_test_support::stores;

mod common;
use common::*;

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

fn days_ago(n: i64) -> jiff::civil::Date {
    today().checked_sub(jiff::ToSpan::days(n)).unwrap()
}

fn hours(value: i64, read_on: jiff::civil::Date) -> NewMeterReading {
    NewMeterReading { unit: UsageUnit::Hours, value, read_on: Some(read_on) }
}

#[tokio::test]
async fn a_reading_that_reaches_the_interval_opens_the_usage_pm_once() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let n: NewAsset = serde_json::from_value(
            serde_json::json!({"asset_tag": "CT-01", "model_id": shop.model.0, "department_id": shop.dept.0}),
        )
        .unwrap();
        let ct = shop.s.create_asset(&shop.sys, n).await.unwrap().id;
        // Every 12 months (first due far ahead) or every 500 hours, whichever comes first.
        let first_due = today().checked_add(jiff::ToSpan::days(300)).unwrap();
        let sch = NewPmSchedule {
            asset_id: ct,
            interval_months: 12,
            basis: ScheduleBasis::Fixed,
            anchor_date: first_due,
            grace_days: 0,
        };
        let sch = shop.s.create_pm_schedule(&shop.sys, sch).await.unwrap();
        // Only inventory managers set triggers; the interval must be positive.
        let e = shop.s.set_schedule_usage(&shop.tech, sch.id, Some((500, UsageUnit::Hours))).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{e}");
        assert!(matches!(
            shop.s.set_schedule_usage(&shop.sys, sch.id, Some((0, UsageUnit::Hours))).await,
            Err(ServiceError::Validation(_))
        ));
        let t = shop.s.set_schedule_usage(&shop.sys, sch.id, Some((500, UsageUnit::Hours))).await.unwrap().unwrap();
        assert_eq!((t.usage_interval, t.usage_unit), (500, UsageUnit::Hours));

        // The first reading starts the count; 499 hours later it is not due yet.
        let o = shop.s.record_meter_reading(&shop.tech, ct, hours(12_000, days_ago(60))).await.unwrap();
        assert!(o.opened.is_empty());
        assert_eq!((o.usage[0].used, o.usage[0].remaining), (0, 500), "{}", db.name);
        let o = shop.s.record_meter_reading(&shop.tech, ct, hours(12_499, days_ago(30))).await.unwrap();
        assert!(o.opened.is_empty() && !o.usage[0].due);
        // A cumulative meter cannot go back, nor be read in the future.
        let e = shop.s.record_meter_reading(&shop.tech, ct, hours(12_400, days_ago(10))).await.unwrap_err();
        assert!(e.to_string().contains("cannot go back"), "{e}");
        let tomorrow = today().checked_add(jiff::ToSpan::days(1)).unwrap();
        assert!(shop.s.record_meter_reading(&shop.tech, ct, hours(12_600, tomorrow)).await.is_err());
        // A cycles meter is a different meter: it does not count hours.
        let o = shop
            .s
            .record_meter_reading(
                &shop.tech,
                ct,
                NewMeterReading { unit: UsageUnit::Cycles, value: 90_000, read_on: None },
            )
            .await
            .unwrap();
        assert!(o.opened.is_empty() && o.usage.is_empty());

        // At exactly 500 hours the PM is due and opened, once.
        let o = shop.s.record_meter_reading(&shop.tech, ct, hours(12_500, days_ago(5))).await.unwrap();
        assert_eq!(o.opened.len(), 1, "{}", db.name);
        let pm = &o.opened[0];
        assert_eq!((pm.wo_type, pm.schedule_id, pm.due_date), (WorkOrderType::Pm, Some(sch.id), Some(today())));
        assert!(pm.problem.contains("500 hours since the last PM"), "{}", pm.problem);
        assert!(o.usage[0].due);
        let o = shop.s.record_meter_reading(&shop.tech, ct, hours(12_800, days_ago(1))).await.unwrap();
        assert!(o.opened.is_empty(), "the open PM covers it");

        // Doing the PM restarts the count from the reading on the day it was done.
        let to = |s: &str| TransitionRequest { to: s.into(), ..Default::default() };
        shop.s.transition_work_order(&shop.tech, pm.id, to("in_progress")).await.unwrap();
        let done = TransitionRequest {
            result: Some(WorkResult::Pass),
            work_performed: Some("Usage PM per OEM manual".into()),
            password: Some(PASSWORD.into()),
            ..to("completed")
        };
        let w = shop.s.transition_work_order(&shop.tech, pm.id, done).await.unwrap();
        assert_eq!(w.status, WorkOrderStatus::Completed);
        let s = shop.s.usage_standings(&shop.tech, ct).await.unwrap();
        assert_eq!((s[0].baseline, s[0].used), (Some(12_800), 0), "{}", db.name);
        // (Instants are stored to the second: the next readings are entered after the PM.)
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let o = shop.s.record_meter_reading(&shop.tech, ct, hours(13_299, today())).await.unwrap();
        assert!(o.opened.is_empty());
        let o = shop.s.record_meter_reading(&shop.tech, ct, hours(13_300, today())).await.unwrap();
        assert_eq!(o.opened.len(), 1, "due again 500 hours after the PM");

        let readings = shop.s.meter_readings(&shop.tech, ct, 10).await.unwrap();
        assert_eq!(readings.len(), 7, "six hour readings and one of cycles");
        assert_eq!((readings[0].value, readings[0].recorded_by.as_str()), (13_300, "bmet1"));
        // Every reading and the trigger change are in the record.
        let audit = db.store.list_audit_for("meter_reading", &readings[0].id.to_string(), 5).await.unwrap();
        assert_eq!(audit.len(), 1);
        let audit = db.store.list_audit_for("pm_schedule", &sch.id.to_string(), 5).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "update" && e.after.as_deref().unwrap_or("").contains("500")));
        // Clearing the trigger stops usage PMs.
        assert_eq!(shop.s.set_schedule_usage(&shop.sys, sch.id, None).await.unwrap(), None);
        assert!(shop.s.usage_standings(&shop.tech, ct).await.unwrap().is_empty());
    }
}
