//! Store conformance: every story runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::{AssetPatch, AssetStatus, NewAsset};
use htm_domain::catalog::{FdaClass, NewDeviceModel, NewManufacturer};
use htm_domain::ids::*;
use htm_domain::org::*;
use htm_domain::page::PageRequest;
use htm_domain::user::Role;
use htm_domain::work_order::{NewWorkOrder, Priority, TransitionRequest, WorkOrderStatus, WorkOrderType, WorkResult};
use htm_store::{AssetFilter, ChangeContext, NewUserRecord, Store, StoreError, WorkOrderFilter};
use htm_test_support::{TestDb, stores};
use sqlx::Connection;

fn ctx() -> ChangeContext {
    ChangeContext { actor_id: None, actor: "tester".into(), at: jiff::Timestamp::now(), reason: None }
}

struct Fixture {
    department: DepartmentId,
    location: LocationId,
    model: ModelId,
    tech: UserId,
}

async fn fixture(s: &dyn Store) -> Fixture {
    let c = ctx();
    let site = s
        .insert_site(&c, &NewSite { code: "RGH".into(), name: "Riverside General".into(), address: None })
        .await
        .unwrap();
    let b = s
        .insert_building(&c, &NewBuilding { site_id: site.id, code: "A".into(), name: "Tower A".into() })
        .await
        .unwrap();
    let d = s
        .insert_department(
            &c,
            &NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "Adult ICU".into() },
        )
        .await
        .unwrap();
    let l = s
        .insert_location(&c, &NewLocation { department_id: d.id, name: "ICU Bed 07".into(), floor: Some("3".into()) })
        .await
        .unwrap();
    let m = s.insert_manufacturer(&c, &NewManufacturer { name: "BD".into() }).await.unwrap();
    let model = s
        .insert_model(
            &c,
            &NewDeviceModel {
                fda_product_code: Some("FRN".into()),
                fda_class: Some(FdaClass::II),
                expected_life_years: Some(8),
                high_risk: true,
                ..NewDeviceModel::new(m.id, "8015", "Alaris PC unit", "Infusion pump, large-volume (LVP)")
            },
        )
        .await
        .unwrap();
    let tech = s
        .insert_user(
            &c,
            &NewUserRecord {
                username: "jtech".into(),
                display_name: "J. Tech".into(),
                role: Role::Technician,
                email: None,
                vendor_id: None,
                password_hash: "x".into(),
            },
        )
        .await
        .unwrap();
    Fixture { department: d.id, location: l.id, model: model.id, tech: tech.id }
}

fn new_asset(f: &Fixture, tag: &str) -> NewAsset {
    serde_json::from_value(serde_json::json!({
        "asset_tag": tag, "serial_number": format!("SN-{tag}"), "model_id": f.model.0,
        "department_id": f.department.0, "location_id": f.location.0,
    }))
    .unwrap()
}

#[tokio::test]
async fn both_back_ends_have_the_same_schema() {
    let dbs = stores().await;
    if dbs.len() < 2 {
        return;
    }
    let mut shapes = Vec::new();
    for db in &dbs {
        shapes.push(schema_shape(db).await);
    }
    assert_eq!(shapes[0].0, shapes[1].0, "tables and columns (name, not null) differ");
    assert_eq!(shapes[0].1, shapes[1].1, "index names differ");
}

async fn schema_shape(db: &TestDb) -> (Vec<(String, String, bool)>, Vec<String>) {
    let mut cols: Vec<(String, String, bool)> = Vec::new();
    let mut idx: Vec<String>;
    if db.name == "sqlite" {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        let tables: Vec<(String,)> = sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'").fetch_all(&mut c).await.unwrap();
        for (t,) in tables {
            let rows: Vec<(i64, String, String, i64, Option<String>, i64)> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("PRAGMA table_info('{t}')")))
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
            for r in rows {
                cols.push((t.clone(), r.1, r.3 == 1 || r.5 > 0));
            }
        }
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
                .fetch_all(&mut c)
                .await
                .unwrap();
        idx = rows.into_iter().map(|r| r.0).collect();
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        cols = rows.into_iter().map(|r| (r.0, r.1, r.2 == "NO")).collect();
        let rows: Vec<(String,)> = sqlx::query_as("SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey'").fetch_all(&mut c).await.unwrap();
        idx = rows.into_iter().map(|r| r.0).collect();
    }
    cols.sort();
    idx.sort();
    (cols, idx)
}

#[tokio::test]
async fn cause_codes_are_the_reference_list() {
    for db in stores().await {
        let codes = db.store.list_cause_codes().await.unwrap();
        let want: Vec<String> = {
            let mut v: Vec<String> =
                htm_domain::work_order::DEFAULT_CAUSE_CODES.iter().map(|c| c.code.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(codes.into_iter().map(|c| c.0).collect::<Vec<_>>(), want, "{}", db.name);
    }
}

#[tokio::test]
async fn an_asset_is_found_by_tag_serial_model_manufacturer_and_location() {
    for db in stores().await {
        let s = db.store.as_ref();
        let f = fixture(s).await;
        let a = s.insert_asset(&ctx(), &new_asset(&f, "BME-000001")).await.unwrap();
        assert_eq!(a.version, 1);
        assert_eq!(a.model.manufacturer, "BD");
        assert!(a.high_risk, "inherits the model's high-risk flag");
        assert_eq!(s.get_asset_by_tag("bme-000001").await.unwrap().id, a.id, "{}: tag lookup ignores case", db.name);
        for q in ["000001", "sn-bme", "8015", "alaris", "bd", "icu bed", "INFUSION"] {
            let page = s
                .list_assets(&AssetFilter { q: Some(q.into()), ..Default::default() }, PageRequest::first(10))
                .await
                .unwrap();
            assert_eq!(page.items.len(), 1, "{}: search '{q}'", db.name);
        }
        let none = s
            .list_assets(&AssetFilter { q: Some("100%_".into()), ..Default::default() }, PageRequest::first(10))
            .await
            .unwrap();
        assert!(none.items.is_empty(), "{}: wildcards in q are literal", db.name);
    }
}

#[tokio::test]
async fn keyset_pages_visit_every_asset_once() {
    for db in stores().await {
        let s = db.store.as_ref();
        let f = fixture(s).await;
        let assets: Vec<NewAsset> = (0..25).map(|i| new_asset(&f, &format!("T-{i:03}"))).collect();
        s.import_assets(&ctx(), &assets).await.unwrap();
        let mut seen = Vec::new();
        let mut page = PageRequest::first(10);
        loop {
            let p = s.list_assets(&AssetFilter::default(), page).await.unwrap();
            seen.extend(p.items.iter().map(|a| a.asset_tag.clone()));
            match p.next_cursor {
                Some(c) => page = PageRequest::parse(Some(10), Some(&c)).unwrap(),
                None => break,
            }
        }
        assert_eq!(seen.len(), 25, "{}", db.name);
        seen.dedup();
        assert_eq!(seen.len(), 25, "{}", db.name);
    }
}

#[tokio::test]
async fn a_stale_patch_is_refused_and_changes_nothing() {
    for db in stores().await {
        let s = db.store.as_ref();
        let f = fixture(s).await;
        let a = s.insert_asset(&ctx(), &new_asset(&f, "BME-000002")).await.unwrap();
        let p = AssetPatch { version: 1, notes: Some(Some("first".into())), ..Default::default() };
        let a2 = s.update_asset(&ctx(), a.id, &p).await.unwrap();
        assert_eq!(a2.version, 2);
        let stale = AssetPatch { version: 1, notes: Some(Some("second".into())), ..Default::default() };
        assert!(matches!(s.update_asset(&ctx(), a.id, &stale).await, Err(StoreError::Stale(_))), "{}", db.name);
        assert_eq!(s.get_asset(a.id).await.unwrap().notes.as_deref(), Some("first"));
    }
}

#[tokio::test]
async fn asset_tags_are_unique_ignoring_case() {
    for db in stores().await {
        let s = db.store.as_ref();
        let f = fixture(s).await;
        s.insert_asset(&ctx(), &new_asset(&f, "BME-000003")).await.unwrap();
        match s.insert_asset(&ctx(), &new_asset(&f, "bme-000003")).await {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "asset_tag", "{}", db.name),
            other => panic!("{}: {other:?}", db.name),
        }
    }
}

#[tokio::test]
async fn a_failed_import_writes_nothing() {
    for db in stores().await {
        let s = db.store.as_ref();
        let f = fixture(s).await;
        let mut assets: Vec<NewAsset> = (0..5).map(|i| new_asset(&f, &format!("IMP-{i}"))).collect();
        assets[3].model_id = ModelId(9999);
        let (i, e) = s.import_assets(&ctx(), &assets).await.unwrap_err();
        assert_eq!(i, 3, "{}", db.name);
        assert!(e.to_string().contains("model"), "{}: {e}", db.name);
        let page = s.list_assets(&AssetFilter::default(), PageRequest::first(100)).await.unwrap();
        assert!(page.items.is_empty(), "{}: nothing imported", db.name);
        assert_eq!(s.verify_audit_chain().await.unwrap(), Ok(7), "{}: only the fixture's events", db.name);
    }
}

#[tokio::test]
async fn a_repair_takes_the_asset_out_of_service_until_it_completes() {
    for db in stores().await {
        let s = db.store.as_ref();
        let f = fixture(s).await;
        let a = s.insert_asset(&ctx(), &new_asset(&f, "BME-000004")).await.unwrap();
        assert_eq!(a.status, AssetStatus::InService);
        let new = NewWorkOrder {
            wo_type: WorkOrderType::Repair,
            priority: Priority::High,
            asset_id: Some(a.id),
            problem: "Occlusion alarm with no occlusion".into(),
            requester_contact: Some("x4417".into()),
            assigned_to: None,
            vendor_id: None,
            due_date: None,
        };
        let wo = s.insert_work_order(&ctx(), &new, None).await.unwrap();
        let year = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).year();
        assert_eq!(wo.number, format!("WO-{year}-000001"), "{}", db.name);
        assert!(wo.took_out_of_service);
        assert_eq!(s.get_asset(a.id).await.unwrap().status, AssetStatus::OutOfService, "{}", db.name);
        let wo2 = s.insert_work_order(&ctx(), &new, None).await.unwrap();
        assert_eq!(wo2.number, format!("WO-{year}-000002"));
        assert!(!wo2.took_out_of_service, "the asset was already out of service");

        let go = |to: &str| TransitionRequest { to: to.into(), assigned_to: Some(f.tech), ..Default::default() };
        s.transition_work_order(&ctx(), wo.id, &go("in_progress")).await.unwrap();
        let complete = TransitionRequest {
            to: "completed".into(),
            cause_code: Some("ACC".into()),
            work_performed: Some("Replaced the pressure sensor cable".into()),
            result: Some(WorkResult::Pass),
            ..Default::default()
        };
        let done = s.transition_work_order(&ctx(), wo.id, &complete).await.unwrap();
        assert_eq!(done.status, WorkOrderStatus::Completed);
        assert!(done.downtime_end.is_some());
        assert_eq!(s.get_asset(a.id).await.unwrap().status, AssetStatus::InService, "{}", db.name);

        let closed = s
            .transition_work_order(&ctx(), wo.id, &TransitionRequest { to: "closed".into(), ..Default::default() })
            .await
            .unwrap();
        let again = s.transition_work_order(&ctx(), wo.id, &go("in_progress")).await;
        assert!(matches!(again, Err(StoreError::Domain(_))), "{}: closed is final", db.name);
        assert_eq!(s.get_work_order(wo.id).await.unwrap().version, closed.version);

        let bad = TransitionRequest { cause_code: Some("ZZZ".into()), ..complete.clone() };
        s.transition_work_order(&ctx(), wo2.id, &go("in_progress")).await.unwrap();
        assert!(s.transition_work_order(&ctx(), wo2.id, &bad).await.is_err(), "{}: unknown cause code", db.name);

        let open = s
            .list_work_orders(&WorkOrderFilter { open_only: true, ..Default::default() }, PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(open.items.len(), 1);
        let stats = s.work_order_stats(jiff::Timestamp::now()).await.unwrap();
        assert_eq!(stats.by_age[0], 1);
        assert_eq!(s.verify_audit_chain().await.unwrap().map(|n| n > 10), Ok(true), "{}", db.name);
        let history = s.list_audit_for("asset", &a.id.to_string(), 50).await.unwrap();
        assert_eq!(history.len(), 3, "{}: created, out of service, back in service", db.name);
    }
}

#[tokio::test]
async fn altering_any_audit_event_breaks_the_chain() {
    for db in stores().await {
        let s = db.store.as_ref();
        fixture(s).await;
        assert_eq!(s.verify_audit_chain().await.unwrap(), Ok(7));
        let sql = "UPDATE audit_events SET after_json = replace(after_json, 'ICU', 'ICX') WHERE seq = 4";
        db.execute_raw(sql, None).await;
        let broken = s.verify_audit_chain().await.unwrap().unwrap_err();
        assert_eq!(broken, htm_domain::audit::ChainBreak::Altered { seq: 4 }, "{}", db.name);
    }
}

#[tokio::test]
async fn concurrent_writers_with_the_same_version_lose_no_update() {
    for db in stores().await {
        let f = fixture(db.store.as_ref()).await;
        let a = db.store.insert_asset(&ctx(), &new_asset(&f, "BME-000009")).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..12 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                let p = AssetPatch { version: 1, notes: Some(Some(format!("writer {i}"))), ..Default::default() };
                store.update_asset(&ctx(), a.id, &p).await
            }));
        }
        let mut ok = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(a) => ok.push(a),
                Err(StoreError::Stale(_)) => {}
                Err(e) => panic!("{}: {e}", db.name),
            }
        }
        assert_eq!(ok.len(), 1, "{}: exactly one writer wins", db.name);
        let now = db.store.get_asset(a.id).await.unwrap();
        assert_eq!((now.version, now.notes), (2, ok[0].notes.clone()), "{}", db.name);
        assert_eq!(db.store.list_audit_for("asset", &a.id.to_string(), 50).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn matching_units_are_read_in_bulk_by_page_model_and_udi_di() {
    use htm_domain::recall::AssetUnit;
    use htm_store::UnitQuery;
    for db in stores().await {
        let s = db.store.as_ref();
        let f = fixture(s).await;
        let mut assets: Vec<NewAsset> = (0..7).map(|i| new_asset(&f, &format!("T-{i:03}"))).collect();
        // No serial number of its own: the UDI's serial stands in; a tag with quotes and a
        // backslash survives the JSON transfer.
        assets.push(
            serde_json::from_value(serde_json::json!({
                "asset_tag": "T-\"7\"\\", "model_id": f.model.0, "department_id": f.department.0,
                "udi": {"di": "00884838012345", "serial": "U-1", "lot": "L-9"},
            }))
            .unwrap(),
        );
        s.import_assets(&ctx(), &assets).await.unwrap();
        let sql = "UPDATE assets SET status = 'disposed' WHERE asset_tag = 'T-003'";
        db.execute_raw(sql, None).await;
        let models = s.matching_models().await.unwrap();
        assert_eq!(models.iter().find(|m| m.model_id == f.model.0).map(|m| m.assets), Some(8), "{}", db.name);

        // Pages of 3 in id order visit every unit not disposed once.
        let (mut after, mut paged): (i64, Vec<AssetUnit>) = (0, Vec::new());
        loop {
            let page = s.matching_units(UnitQuery::Page { after, limit: 3 }).await.unwrap();
            assert!(page.len() <= 3);
            let Some(last) = page.last() else { break };
            after = last.asset_id;
            paged.extend(page);
        }
        let tags: Vec<&str> = paged.iter().map(|u| u.asset_tag.as_str()).collect();
        assert_eq!(tags, ["T-000", "T-001", "T-002", "T-004", "T-005", "T-006", "T-\"7\"\\"], "{}", db.name);
        assert_eq!(paged[0].serial.as_deref(), Some("SN-T-000"));
        assert_eq!((paged[0].udi_di.as_deref(), paged[0].lot.as_deref()), (None, None));
        let udi = &paged[6];
        assert_eq!(
            (udi.udi_di.as_deref(), udi.serial.as_deref(), udi.lot.as_deref(), udi.model_id),
            (Some("00884838012345"), Some("U-1"), Some("L-9"), f.model.0),
            "{}",
            db.name
        );

        let mut by_model = s.matching_units(UnitQuery::Models(&[f.model.0, 999_999])).await.unwrap();
        by_model.sort_by_key(|u| u.asset_id);
        assert_eq!(by_model, paged, "{}", db.name);
        assert!(s.matching_units(UnitQuery::Models(&[999_999])).await.unwrap().is_empty());
        let by_di = s.matching_units(UnitQuery::UdiDis(&["00884838012345".into(), "1".into()])).await.unwrap();
        assert_eq!(by_di, std::slice::from_ref(udi), "{}", db.name);
    }
}
