//! The survey-readiness evidence pack on the demo hospital, on both back ends: its PM figures are
//! the pm-compliance report's, month by month; every high-risk PM not done on time is listed
//! (and only those); the lists hold what they say; and a reader without reports is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::AssetStatus;
use htm_domain::incident::{NewIncident, Severity};
use htm_domain::page::PageRequest;
use htm_domain::pm::Month;
use htm_domain::strategy::{AemCriteria, MaintenanceStrategy, StrategyProposal, StrategyTarget};
use htm_service::survey::SurveyOptions;
use htm_service::{Principal, ServiceError, Services};
use htm_store::AssetFilter;
use htm_test_support::stores;

#[tokio::test]
async fn the_demo_hospitals_pack_agrees_with_the_pm_compliance_report() {
    let today = jiff::civil::date(2026, 11, 21);
    for db in stores().await {
        let s = Services::new(db.store.clone(), Default::default());
        s.seed_demo(today).await.unwrap();
        let p = Principal::system();
        // A manager approves (signs) an AEM strategy for a model that may have one, and an
        // incident is reported on one of its assets.
        let mgr = Principal { user: s.login("mgarcia", htm_service::demo::DEMO_PASSWORD, "api").await.unwrap().user };
        let assets = s.list_assets(&p, &AssetFilter::default(), PageRequest::first(400)).await.unwrap().items;
        // A model with no strategy yet (the demo may seed some), so that the gap moves by its assets.
        let existing: Vec<StrategyTarget> =
            s.list_strategies(&mgr).await.unwrap().into_iter().map(|v| v.record.target).collect();
        let before = s.survey_pack(&p, SurveyOptions { site: None, as_of: Some(today) }).await.unwrap();
        let gap_before = before.inventory.gaps.iter().find(|g| g.key == "no_strategy").unwrap().count;
        let mut chosen = None;
        for a in assets.iter().filter(|a| a.status == AssetStatus::InService) {
            let target = StrategyTarget::Model(a.model.id);
            if existing.contains(&target)
                || assets.iter().any(|b| b.model.id == a.model.id && existing.contains(&StrategyTarget::Asset(b.id)))
            {
                continue;
            }
            let e = s.strategy_eligibility(&mgr, target, MaintenanceStrategy::Aem).await.unwrap();
            if e.refusals.is_empty() {
                chosen = Some((a.clone(), target));
                break;
            }
        }
        let (aem_asset, target) = chosen.expect("a demo model may go on AEM");
        let criteria = AemCriteria {
            use_and_harm: "General ward use; harm from a failure is unlikely".into(),
            failure_consequences: "Low: failures are evident to the user".into(),
            backup_availability: "Spare units in the equipment library".into(),
            incident_history: "No incidents in 3 years".into(),
            maintenance_requirements: "Visual inspection and functional check".into(),
        };
        let proposal = StrategyProposal {
            strategy: MaintenanceStrategy::Aem,
            rationale: "Three years without a failure found at PM".into(),
            aem_group: Some("Survey test group".into()),
            alt_interval_months: Some(24),
            alt_procedure_code: None,
            criteria: Some(criteria),
        };
        let rec = s.propose_strategy(&mgr, target, proposal).await.unwrap();
        s.approve_strategy(&mgr, rec.id, Some(htm_service::demo::DEMO_PASSWORD)).await.unwrap();
        let incident = s
            .create_incident(
                &mgr,
                NewIncident {
                    asset_id: Some(aem_asset.id),
                    department_id: None,
                    occurred_at: "2026-10-05T14:00:00Z".parse().unwrap(),
                    what_happened: "Alarm did not sound during a check".into(),
                    accessories: None,
                    severity: Severity::NoHarm,
                    sequestered: true,
                    sequestered_items: Some("Device and power cord".into()),
                },
                true,
            )
            .await
            .unwrap();
        let pack = s.survey_pack(&p, SurveyOptions { site: None, as_of: Some(today) }).await.unwrap();
        let name = db.name;

        assert_eq!((pack.period_first_month.as_str(), pack.period_last_month.as_str()), ("2025-11", "2026-10"));
        assert_eq!(pack.pm_completion.months.len(), 12);
        let mut hr_sched = 0;
        let mut hr_on_time = 0;
        for m in &pack.pm_completion.months {
            let r = s.pm_compliance(&p, Month::parse(&m.month).unwrap()).await.unwrap();
            assert_eq!(m.total, r.total, "{name} {}", m.month);
            assert_eq!(m.high_risk, r.high_risk, "{name} {}", m.month);
            assert_eq!(m.life_support, r.life_support, "{name} {}", m.month);
            assert_eq!(m.other, r.other, "{name} {}", m.month);
            hr_sched += r.high_risk.scheduled;
            hr_on_time += r.high_risk.completed_on_time;
            // Every high-risk PM of the month not done on time is an exception, and only those.
            let listed = pack.pm_completion.high_risk_exceptions.iter().filter(|e| e.month == m.month).count() as i64;
            assert_eq!(listed, r.high_risk.scheduled - r.high_risk.completed_on_time, "{name} {}", m.month);
            let late = pack
                .pm_completion
                .high_risk_exceptions
                .iter()
                .filter(|e| e.month == m.month && e.standing == "completed_late")
                .count() as i64;
            assert_eq!(late, r.high_risk.completed_late, "{name} {}", m.month);
        }
        assert!(hr_sched > 100, "{name}: {hr_sched} high-risk PMs");
        assert_eq!(pack.pm_completion.high_risk.scheduled, hr_sched);
        assert_eq!(pack.pm_completion.high_risk.completed_on_time, hr_on_time);
        assert_eq!(
            pack.pm_completion.high_risk.completion_rate,
            htm_domain::pm::completion_rate(hr_on_time, hr_sched),
            "{name}"
        );
        assert!(!pack.pm_completion.high_risk_exceptions.is_empty(), "{name}: the demo has late and missed PMs");
        for e in &pack.pm_completion.high_risk_exceptions {
            if e.standing == "completed_late" {
                assert_eq!(e.follow_up.as_ref().unwrap().work_order, e.work_order, "{name}");
            }
        }

        // Inventory: the counts add up to the whole inventory.
        let inv = &pack.inventory;
        assert!(inv.total >= 5000, "{name}");
        assert_eq!(inv.by_status.iter().map(|c| c.count).sum::<i64>(), inv.total);
        assert!(inv.high_risk >= inv.life_support && inv.life_support > 0, "{name}");
        assert_eq!(pack.high_risk.high_risk_assets.len() as i64, inv.high_risk, "{name}: the full list");
        assert_eq!(pack.high_risk.life_support_assets.len() as i64, inv.life_support, "{name}");
        assert!(pack.high_risk.life_support_assets.iter().all(|a| a.life_support));
        let tags: Vec<String> =
            pack.high_risk.high_risk_assets.iter().map(|a| a.asset_tag.to_lowercase()).collect::<Vec<_>>();
        assert!(tags.windows(2).all(|w| w[0] < w[1]), "{name}: in tag order, no repeats");
        assert!(
            pack.high_risk.high_risk_assets.iter().filter(|a| a.last_pm.is_some()).count() * 2
                > pack.high_risk.high_risk_assets.len(),
            "{name}: most high-risk assets have a PM"
        );
        for g in &inv.gaps {
            assert!(g.assets.len() as i64 <= g.count, "{name} {}", g.key);
        }

        // Unable to locate: every missing asset is listed.
        let missing = s
            .list_assets(
                &p,
                &AssetFilter { status: Some(AssetStatus::Missing), ..Default::default() },
                PageRequest::first(1000),
            )
            .await
            .unwrap();
        assert!(!missing.items.is_empty(), "{name}");
        assert_eq!(pack.overdue.missing_assets.len(), missing.items.len(), "{name}");
        assert!(pack.overdue.missing_assets.iter().any(|m| m.last_unable_to_locate_work_order.is_some()), "{name}");
        for o in &pack.overdue.overdue_pms {
            assert!(o.days_overdue > 0, "{name} {}", o.work_order);
        }

        // One site: the same report restricted to the site's departments; the sites add up.
        let sites = s.list_sites(&p).await.unwrap();
        let (mut sum, mut exceptions, mut high_risk, mut inventory) = (0, 0, 0, 0);
        for site in &sites {
            let one = s.survey_pack(&p, SurveyOptions { site: Some(site.id), as_of: Some(today) }).await.unwrap();
            assert_eq!(one.organisation, site.name);
            sum += one.pm_completion.total.scheduled;
            exceptions += one.pm_completion.high_risk_exceptions.len();
            high_risk += one.high_risk.high_risk_assets.len();
            inventory += one.inventory.total;
        }
        assert!(sites.len() > 1, "{name}: the demo has a hospital and a clinic");
        assert_eq!(sum, pack.pm_completion.total.scheduled, "{name}: sites add up");
        assert_eq!(exceptions, pack.pm_completion.high_risk_exceptions.len(), "{name}");
        assert_eq!(high_risk, pack.high_risk.high_risk_assets.len(), "{name}");
        assert_eq!(inventory, inv.total, "{name}");

        // Strategies with their signed approval, the AEM list, and the incident.
        let st = &pack.strategies;
        assert!(st.available, "{name}");
        let line = st.strategies.iter().find(|l| l.id == rec.id).expect("the approved strategy is listed");
        assert_eq!(line.rationale, "Three years without a failure found at PM");
        assert!(
            line.signatures.iter().any(|t| t.starts_with("Signed by Maria Garcia — ") && t.ends_with(" UTC")),
            "{:?}",
            line.signatures
        );
        assert!(st.aem.iter().any(|l| l.id == rec.id), "{name}");
        assert!(
            st.aem_equipment.iter().any(|a| a.asset_tag == aem_asset.asset_tag && a.aem_group == "Survey test group")
        );
        let no_strategy = inv.gaps.iter().find(|g| g.key == "no_strategy").expect("the strategy gap");
        let of_model = s
            .list_assets(
                &p,
                &AssetFilter { model_id: Some(aem_asset.model.id), ..Default::default() },
                PageRequest::first(1000),
            )
            .await
            .unwrap()
            .items;
        let on_model = of_model.iter().filter(|a| a.status.is_active()).count() as i64;
        assert_eq!(no_strategy.count, gap_before - on_model, "{name}: the model's active assets now have a strategy");
        assert!(no_strategy.count < inv.active);
        assert!(pack.incidents.available, "{name}");
        let i = pack.incidents.incidents.iter().find(|i| i.reference == incident.number).expect("the incident");
        assert_eq!(i.asset_tag.as_deref(), Some(aem_asset.asset_tag.as_str()));
        assert_eq!(i.reportable, "not yet decided");

        // JSON carries the contract fields.
        let json = serde_json::to_value(&pack).unwrap();
        assert!(json["pm_completion"]["high_risk"]["completion_rate"].is_number());
        assert!(json["generated_at"].is_string());

        // A requester may not read it.
        let req = s.login("ahernandez", htm_service::demo::DEMO_PASSWORD, "api").await.unwrap();
        assert_eq!(req.user.role, htm_domain::user::Role::Requester);
        let r = s.survey_pack(&Principal { user: req.user }, SurveyOptions::default()).await;
        assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{name}");
    }
}
