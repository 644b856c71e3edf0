//! PM schedules, monthly generation and the completion report, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::{AssetPatch, AssetStatus, NewAsset};
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::ids::*;
use htm_domain::org::*;
use htm_domain::pm::{Month, NewPmSchedule, PmOutcome, ScheduleBasis};
use htm_domain::user::{NewUser, Role};
use htm_domain::work_order::{TransitionRequest, WorkResult};
use htm_service::{Principal, Services};
use htm_store::WorkOrderFilter;
use htm_test_support::stores;

struct Shop {
    s: Services,
    sys: Principal,
    tech: Principal,
    model: ModelId,
    dept: DepartmentId,
}

async fn shop(store: std::sync::Arc<dyn htm_store::Store>) -> Shop {
    let s = Services::new(store, Default::default());
    let sys = Principal::system();
    let site =
        s.create_site(&sys, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b =
        s.create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let d = s
        .create_department(
            &sys,
            NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "Adult ICU".into() },
        )
        .await
        .unwrap();
    let m = s.create_manufacturer(&sys, NewManufacturer { name: "Dräger".into() }).await.unwrap();
    let model = s
        .create_model(
            &sys,
            NewDeviceModel {
                fda_product_code: Some("CBK".into()),
                expected_life_years: Some(10),
                high_risk: true,
                life_support: true,
                ..NewDeviceModel::new(m.id, "V500", "Evita V500", "Ventilator, critical care")
            },
        )
        .await
        .unwrap();
    let u = s
        .add_user_as_system(NewUser {
            username: "bmet1".into(),
            display_name: "B. Met".into(),
            role: Role::Technician,
            email: None,
            vendor_id: None,
            password: "Good-Password-1".into(),
        })
        .await
        .unwrap();
    Shop { s, sys, tech: Principal { user: u }, model: model.id, dept: d.id }
}

impl Shop {
    async fn asset(&self, tag: &str) -> AssetId {
        let n: NewAsset = serde_json::from_value(
            serde_json::json!({"asset_tag": tag, "model_id": self.model.0, "department_id": self.dept.0}),
        )
        .unwrap();
        self.s.create_asset(&self.sys, n).await.unwrap().id
    }

    async fn schedule(&self, asset: AssetId, months: i32, basis: ScheduleBasis, anchor: jiff::civil::Date) -> i64 {
        let n = NewPmSchedule { asset_id: asset, interval_months: months, basis, anchor_date: anchor, grace_days: 0 };
        self.s.create_pm_schedule(&self.sys, n).await.unwrap().id
    }

    async fn pm_of(&self, asset: AssetId) -> Vec<htm_domain::work_order::WorkOrder> {
        let f = WorkOrderFilter { asset_id: Some(asset), ..Default::default() };
        self.s.list_work_orders(&self.sys, f, htm_domain::page::PageRequest::first(100)).await.unwrap().items
    }

    async fn complete(&self, id: WorkOrderId, outcome: PmOutcome) {
        self.s
            .transition_work_order(&self.tech, id, TransitionRequest { to: "in_progress".into(), ..Default::default() })
            .await
            .unwrap();
        let req = TransitionRequest {
            to: "completed".into(),
            pm_outcome: Some(outcome),
            work_performed: Some("PM per procedure; all checks passed".into()),
            result: Some(WorkResult::Pass),
            password: Some("Good-Password-1".into()),
            ..Default::default()
        };
        self.s.transition_work_order(&self.tech, id, req).await.unwrap();
    }
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

#[tokio::test]
async fn generation_opens_each_due_pm_once_and_only_for_in_service_assets() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let a = shop.asset("VENT-001").await;
        let b = shop.asset("VENT-002").await;
        let anchor = jiff::civil::date(2026, 1, 15);
        shop.schedule(a, 6, ScheduleBasis::Fixed, anchor).await;
        shop.schedule(b, 6, ScheduleBasis::Fixed, anchor).await;
        shop.s
            .update_asset(
                &shop.sys,
                b,
                AssetPatch { version: 1, status: Some(AssetStatus::OutOfService), ..Default::default() },
            )
            .await
            .unwrap();
        let july = Month::parse("2026-07").unwrap();
        let g = shop.s.generate_pm(&shop.sys, july).await.unwrap();
        assert_eq!((g.schedules, g.created), (1, 1), "{}: only the in-service asset", db.name);
        let again = shop.s.generate_pm(&shop.sys, july).await.unwrap();
        assert_eq!((again.created, again.already_open), (0, 1), "{}: a second run creates nothing", db.name);
        assert_eq!(shop.s.generate_pm(&shop.sys, Month::parse("2026-08").unwrap()).await.unwrap().created, 0);
        let pms = shop.pm_of(a).await;
        assert_eq!(pms.len(), 1);
        assert_eq!(pms[0].due_date, Some(jiff::civil::date(2026, 7, 15)));
        assert_eq!(pms[0].window_end, Some(jiff::civil::date(2026, 7, 31)));
        assert_eq!(pms[0].pm_period.as_deref(), Some("2026-07"));
        assert!(pms[0].number.starts_with("WO-"));
        assert!(shop.s.verify_audit().await.unwrap().is_ok(), "{}: generation is audited", db.name);
    }
}

#[tokio::test]
async fn a_floating_schedule_counts_from_the_last_completion() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let a = shop.asset("VENT-003").await;
        let anchor = jiff::civil::date(2025, 3, 10);
        shop.schedule(a, 12, ScheduleBasis::Floating, anchor).await;
        assert_eq!(
            shop.s.generate_pm(&shop.sys, Month::parse("2025-03").unwrap()).await.unwrap().created,
            1,
            "{}",
            db.name
        );
        let pm = shop.pm_of(a).await.remove(0);
        assert_eq!(
            shop.s.generate_pm(&shop.sys, Month::parse("2025-05").unwrap()).await.unwrap().created,
            0,
            "overdue, still open"
        );
        shop.complete(pm.id, PmOutcome::Done).await;
        let next = Month::of(today().checked_add(jiff::ToSpan::months(12)).unwrap());
        let before = Month::of(today().checked_add(jiff::ToSpan::months(11)).unwrap());
        assert_eq!(shop.s.generate_pm(&shop.sys, before).await.unwrap().created, 0, "{}", db.name);
        assert_eq!(
            shop.s.generate_pm(&shop.sys, next).await.unwrap().created,
            1,
            "{}: due a year after completion",
            db.name
        );
    }
}

#[tokio::test]
async fn the_completion_report_counts_on_time_late_unable_to_locate_and_open() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let this = Month::of(today());
        let last = Month::of(today().checked_sub(jiff::ToSpan::months(1)).unwrap());
        let mut assets = Vec::new();
        for i in 0..4 {
            let a = shop.asset(&format!("VENT-1{i}")).await;
            shop.schedule(a, 1, ScheduleBasis::Fixed, last.first_day()).await;
            assets.push(a);
        }
        shop.s.generate_pm(&shop.sys, this).await.unwrap();
        shop.s.generate_pm(&shop.sys, last).await.unwrap();
        let due_this = |pms: Vec<htm_domain::work_order::WorkOrder>| {
            pms.into_iter().find(|w| w.pm_period.as_deref() == Some(&this.to_string())).unwrap()
        };
        shop.complete(due_this(shop.pm_of(assets[0]).await).id, PmOutcome::Done).await;
        shop.complete(due_this(shop.pm_of(assets[1]).await).id, PmOutcome::UnableToLocate).await;
        shop.complete(due_this(shop.pm_of(assets[2]).await).id, PmOutcome::InUse).await;
        // Last month's PM of asset 0, done today: late.
        let late = shop
            .pm_of(assets[0])
            .await
            .into_iter()
            .find(|w| w.pm_period.as_deref() == Some(&last.to_string()))
            .unwrap();
        shop.complete(late.id, PmOutcome::Done).await;

        let r = shop.s.pm_compliance(&shop.sys, this).await.unwrap();
        assert_eq!(
            (r.total.scheduled, r.total.completed_on_time, r.total.unable_to_locate, r.total.in_use, r.total.open),
            (4, 1, 1, 1, 1),
            "{}",
            db.name
        );
        assert_eq!(r.total.completion_rate, Some(25.0));
        assert_eq!(r.life_support, r.total, "{}: ventilators are life support", db.name);
        assert_eq!(r.high_risk, r.total);
        assert_eq!(r.other.scheduled, 0);
        assert_eq!(r.departments.len(), 1);
        let r = shop.s.pm_compliance(&shop.sys, last).await.unwrap();
        assert_eq!((r.total.scheduled, r.total.completed_late, r.total.open), (4, 1, 3), "{}", db.name);
        let requester = shop
            .s
            .add_user_as_system(NewUser {
                username: "rn1".into(),
                display_name: "RN".into(),
                role: Role::Requester,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        assert!(
            shop.s.pm_compliance(&Principal { user: requester }, this).await.is_err(),
            "requesters do not see the report"
        );
    }
}

#[tokio::test]
async fn unable_to_locate_reports_the_asset_missing_and_in_use_opens_a_follow_up() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let a = shop.asset("VENT-201").await;
        let b = shop.asset("VENT-202").await;
        let this = Month::of(today());
        shop.schedule(a, 12, ScheduleBasis::Fixed, this.first_day()).await;
        shop.schedule(b, 12, ScheduleBasis::Fixed, this.first_day()).await;
        shop.s.generate_pm(&shop.sys, this).await.unwrap();
        shop.complete(shop.pm_of(a).await[0].id, PmOutcome::UnableToLocate).await;
        assert_eq!(shop.s.get_asset(&shop.sys, a).await.unwrap().status, AssetStatus::Missing, "{}", db.name);
        shop.complete(shop.pm_of(b).await[0].id, PmOutcome::InUse).await;
        let pms = shop.pm_of(b).await;
        assert_eq!(pms.len(), 2, "{}: a follow-up PM was opened", db.name);
        assert!(pms[0].problem.starts_with("Follow-up of WO-"), "{}", pms[0].problem);
        assert_eq!(shop.s.get_asset(&shop.sys, b).await.unwrap().status, AssetStatus::InService);
        let r = shop.s.pm_compliance(&shop.sys, this).await.unwrap();
        assert_eq!(
            (r.total.scheduled, r.total.unable_to_locate, r.total.in_use),
            (2, 1, 1),
            "{}: the follow-up is not a new scheduled PM",
            db.name
        );
    }
}
