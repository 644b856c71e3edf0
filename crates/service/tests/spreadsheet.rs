//! Spreadsheet migration (issue 6 §4) on both back ends: export → import round trips of every
//! kind through XLSX, a legacy file through a mapping (value maps, date formats, constants), one
//! bad row among many stopping the import with a precise report, and dry runs storing nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use htm_domain::spreadsheet::{Mapping, SheetKind};
use htm_service::csv_assets::ImportError;
use htm_service::spreadsheet::{ImportOptions, SheetFormat, no_progress, parse_mapping, read_table};
use htm_store::AssetFilter;
use htm_test_support::stores;

async fn import(
    shop: &common::Shop,
    kind: SheetKind,
    format: SheetFormat,
    bytes: &[u8],
    mapping: Option<Mapping>,
    dry_run: bool,
) -> Result<usize, ImportError> {
    let opts = ImportOptions { mapping, dry_run, source: Some(format!("test.{kind}")) };
    shop.s.import_sheet(&shop.sys, kind, format, bytes, &opts, &no_progress).await.map(|o| o.rows)
}

async fn export(shop: &common::Shop, kind: SheetKind, format: SheetFormat) -> Vec<u8> {
    let mut out = Vec::new();
    shop.s.export_sheet(&shop.sys, kind, format, &mut out, &no_progress).await.unwrap();
    out
}

/// The exported rows without the database's own columns (ids, versions), sorted.
fn comparable(kind: SheetKind, bytes: &[u8], format: SheetFormat) -> Vec<Vec<String>> {
    let t = read_table(bytes, format, None).unwrap();
    let keep: Vec<usize> =
        t.header.iter().enumerate().filter(|(_, h)| !["id", "version"].contains(&h.as_str())).map(|(i, _)| i).collect();
    assert_eq!(t.header.len(), kind.columns().len());
    let mut rows: Vec<Vec<String>> =
        t.rows.iter().map(|(_, r)| keep.iter().map(|i| r.get(*i).cloned().unwrap_or_default()).collect()).collect();
    rows.sort();
    rows
}

fn rows_err(r: Result<usize, ImportError>) -> Vec<String> {
    match r {
        Err(ImportError::Rows(rows)) => rows.iter().map(ToString::to_string).collect(),
        Err(ImportError::Service(e)) => panic!("service error: {e}"),
        Ok(n) => panic!("imported {n} rows"),
    }
}

const VENDORS: &str = "name,phone,email\nAcme Biomed,555-0100,service@acme.test\nNorth Imaging,,\n";
const LOCATIONS: &str =
    "department_cost_center,name,floor\n6100,ICU Bed 01,3\n6100,ICU Bed 02,3\n6100,Clean utility,\n";
const MODELS: &str = "manufacturer,model_number,name,category,fda_product_code,fda_class,expected_life_years,high_risk,life_support\n\
    Philips,MX800,IntelliVue MX800,\"Monitor, physiologic\",MHX,2,10,yes,no\n\
    Draeger,V500,Evita V500,\"Ventilator, ICU\",CBK,2,10,yes,yes\n";
const ASSETS: &str = "asset_tag,serial_number,manufacturer,model_number,department_cost_center,location,status,acquisition_date,acquisition_cost,vendor,high_risk_override,calibration_due\n\
    BME-1,SN1,Philips,MX800,6100,ICU Bed 01,in_service,2024-02-01,15250.00,Acme Biomed,,\n\
    BME-2,SN2,Draeger,V500,6100,ICU Bed 02,out_of_service,2023-05-17,41000,,no,\n\
    BME-3,SN3,BD,8015,6100,,in_service,,,North Imaging,,2027-01-31\n";
const SCHEDULES: &str = "asset_tag,interval_months,basis,anchor_date,grace_days\nBME-1,12,fixed,2025-03-01,0\nBME-2,6,floating,2025-01-15,7\n";
const WORK_ORDERS: &str = "number,asset_tag,wo_type,priority,status,problem,cause_code,work_performed,result,vendor,opened_at,completed_at,closed_at,technician,labour_minutes\n\
    WO-2023-000042,BME-2,repair,high,closed,Alarm fault,NPF,Replaced alarm speaker,pass,,2023-06-01T08:00:00Z,2023-06-02T15:30:00Z,2023-06-03T09:00:00Z,bmet1,90\n\
    ,BME-1,pm,normal,completed,Annual PM,,PM done,pass,Acme Biomed,2024-03-01,2024-03-01T11:00:00Z,,bmet1,45\n";

async fn load_everything(shop: &common::Shop) {
    for (kind, text) in [
        (SheetKind::Vendors, VENDORS),
        (SheetKind::Locations, LOCATIONS),
        (SheetKind::Models, MODELS),
        (SheetKind::Assets, ASSETS),
        (SheetKind::PmSchedules, SCHEDULES),
        (SheetKind::WorkOrders, WORK_ORDERS),
    ] {
        let n = import(shop, kind, SheetFormat::Csv, text.as_bytes(), None, false)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        assert_eq!(n, text.lines().count() - 1, "{kind}");
    }
}

#[tokio::test]
async fn every_kind_round_trips_through_xlsx_and_csv() {
    let sources = stores().await;
    let targets = stores().await;
    for (src, dst) in sources.into_iter().zip(targets) {
        let a = common::shop(src.store.clone()).await;
        let b = common::shop(dst.store.clone()).await;
        load_everything(&a).await;
        for kind in SheetKind::ALL {
            let xlsx = export(&a, kind, SheetFormat::Xlsx).await;
            assert_eq!(&xlsx[..2], b"PK", "{}: an XLSX is a zip", src.name);
            // The target already has the fixture's model (BD 8015): the XLSX import says so
            // precisely; the rest goes in through a CSV without that row.
            let n = if kind == SheetKind::Models {
                let e = rows_err(import(&b, kind, SheetFormat::Xlsx, &xlsx, None, false).await);
                assert_eq!(
                    e,
                    vec!["row 2, column model_number: '8015' from 'BD' is already in the catalogue"],
                    "{}",
                    src.name
                );
                let t = read_table(&xlsx, SheetFormat::Xlsx, None).unwrap();
                let mut w = csv::Writer::from_writer(vec![]);
                w.write_record(&t.header).unwrap();
                for (_, r) in t.rows.iter().filter(|(_, r)| r[2] != "8015") {
                    w.write_record(r).unwrap();
                }
                import(&b, kind, SheetFormat::Csv, &w.into_inner().unwrap(), None, false).await.unwrap()
            } else {
                import(&b, kind, SheetFormat::Xlsx, &xlsx, None, false)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {kind}: {e:?}", src.name))
            };
            assert!(n > 0 || kind == SheetKind::Models, "{}: {kind}", src.name);
            let csv_a = export(&a, kind, SheetFormat::Csv).await;
            let csv_b = export(&b, kind, SheetFormat::Csv).await;
            assert_eq!(
                comparable(kind, &csv_a, SheetFormat::Csv),
                comparable(kind, &csv_b, SheetFormat::Csv),
                "{}: {kind} round trip",
                src.name
            );
        }
        // Work-order history is audited as imported, with its own dates and numbers.
        let wo = export(&b, SheetKind::WorkOrders, SheetFormat::Csv).await;
        let text = String::from_utf8(wo).unwrap();
        assert!(text.contains("WO-2023-000042"), "{}: {text}", src.name);
        assert!(text.contains("2023-06-02T15:30:00Z"), "{}: {text}", src.name);
        let t = read_table(text.as_bytes(), SheetFormat::Csv, None).unwrap();
        let id = &t.rows[0].1[0];
        let events = dst.store.list_audit_for("work_order", id, 10).await.unwrap();
        assert_eq!(events.len(), 1, "{}", src.name);
        assert_eq!(events[0].action, "import", "{}", src.name);
        assert!(events[0].reason.as_deref().unwrap_or("").contains("spreadsheet import"), "{}", src.name);
        assert!(dst.store.verify_audit_chain().await.unwrap().is_ok(), "{}", src.name);
    }
}

const LEGACY: &str = "Internal ID,Equip No,Mfr,Model,Dept,Status,Purchased,Warranty,Comments\n\
    1,L-0001,Philips,MX800,Intensive Care,ACTIVE,03/07/2024,20270307,first\n\
    2,L-0002,philips,mx800,Intensive Care,Broken,12/31/2023,,second\n\
    3,L-0003,BD,8015,ICU,RETIRED,,,\n";

const LEGACY_MAP: &str = r#"
kind = "assets"
date_format = "%m/%d/%Y"
skip = ["Internal ID"]

[columns]
"Equip No" = "asset_tag"
"Mfr" = "manufacturer"
"Model" = "model_number"
"Dept" = "department"
"Status" = "status"
"Purchased" = "acquisition_date"
"Warranty" = "warranty_end"
"Comments" = "notes"

[constants]
currency = "EUR"

[values.status]
ACTIVE = "in_service"
Broken = "out_of_service"
RETIRED = "retired"

[values.department]
"Intensive Care" = "Adult ICU"
ICU = "Adult ICU"

[date_formats]
warranty_end = "%Y%m%d"
"#;

#[tokio::test]
async fn a_legacy_file_imports_through_a_mapping() {
    for db in stores().await {
        let shop = common::shop(db.store.clone()).await;
        import(&shop, SheetKind::Models, SheetFormat::Csv, MODELS.as_bytes(), None, false).await.unwrap();
        let map = parse_mapping(LEGACY_MAP).unwrap();
        let n = import(&shop, SheetKind::Assets, SheetFormat::Csv, LEGACY.as_bytes(), Some(map), false).await.unwrap();
        assert_eq!(n, 3, "{}", db.name);
        let a = shop.s.get_asset_by_tag(&shop.sys, "L-0001").await.unwrap();
        assert_eq!(a.status.as_str(), "in_service");
        assert_eq!(a.acquisition_date.unwrap().to_string(), "2024-03-07");
        assert_eq!(a.warranty_end.unwrap().to_string(), "2027-03-07");
        assert_eq!(a.currency, "EUR");
        assert_eq!(a.department.name, "Adult ICU");
        assert_eq!(a.notes.as_deref(), Some("first"));
        let b = shop.s.get_asset_by_tag(&shop.sys, "L-0002").await.unwrap();
        assert_eq!(b.status.as_str(), "out_of_service");
        assert_eq!(b.acquisition_date.unwrap().to_string(), "2023-12-31");
        let c = shop.s.get_asset_by_tag(&shop.sys, "L-0003").await.unwrap();
        assert_eq!(c.status.as_str(), "retired");
    }
}

#[tokio::test]
async fn one_bad_row_among_many_stops_the_import_with_a_precise_report() {
    for db in stores().await {
        let shop = common::shop(db.store.clone()).await;
        import(&shop, SheetKind::Models, SheetFormat::Csv, MODELS.as_bytes(), None, false).await.unwrap();
        let map = parse_mapping(LEGACY_MAP).unwrap();
        let mut text = String::from("Internal ID,Equip No,Mfr,Model,Dept,Status,Purchased,Warranty,Comments\n");
        for i in 0..3000 {
            let date = if i == 2345 { "02/30/2024".to_string() } else { format!("{:02}/15/2020", i % 12 + 1) };
            text.push_str(&format!("{i},L-{i:05},Philips,MX800,ICU,ACTIVE,{date},,\n"));
        }
        // Dry run of the bad file: the same report, nothing stored.
        for dry_run in [true, false] {
            let e = rows_err(
                import(&shop, SheetKind::Assets, SheetFormat::Csv, text.as_bytes(), Some(map.clone()), dry_run).await,
            );
            assert_eq!(
                e,
                vec!["row 2347, column Purchased: '02/30/2024' does not match the date format %m/%d/%Y".to_string()],
                "{}",
                db.name
            );
        }
        let page = shop
            .s
            .list_assets(&shop.sys, &AssetFilter::default(), htm_domain::page::PageRequest::first(10))
            .await
            .unwrap();
        assert!(page.items.is_empty(), "{}: nothing stored", db.name);
        // A clean file in a dry run: valid, still nothing stored; then for real.
        let good = text.replace("02/30/2024", "02/29/2024");
        let opts = ImportOptions { mapping: Some(map.clone()), dry_run: true, source: None };
        let o = shop
            .s
            .import_sheet(&shop.sys, SheetKind::Assets, SheetFormat::Csv, good.as_bytes(), &opts, &no_progress)
            .await
            .unwrap();
        assert!(!o.stored && o.rows == 3000, "{}: {o:?}", db.name);
        let page = shop
            .s
            .list_assets(&shop.sys, &AssetFilter::default(), htm_domain::page::PageRequest::first(10))
            .await
            .unwrap();
        assert!(page.items.is_empty(), "{}: a dry run stores nothing", db.name);
        let n = import(&shop, SheetKind::Assets, SheetFormat::Csv, good.as_bytes(), Some(map.clone()), false)
            .await
            .unwrap();
        assert_eq!(n, 3000, "{}", db.name);
        // Importing it again: every row already in the inventory, reported by the file's column name.
        let e = rows_err(import(&shop, SheetKind::Assets, SheetFormat::Csv, good.as_bytes(), Some(map), false).await);
        assert_eq!(e.len(), 3000, "{}", db.name);
        assert_eq!(e[0], "row 2, column Equip No: 'L-00000' is already in the inventory", "{}", db.name);
        assert!(db.store.verify_audit_chain().await.unwrap().is_ok(), "{}", db.name);
    }
}

#[tokio::test]
async fn bad_rows_of_every_kind_are_reported_by_row_and_column() {
    for db in stores().await {
        let shop = common::shop(db.store.clone()).await;
        load_everything(&shop).await;
        let cases: [(SheetKind, &str, &[&str]); 5] = [
            (
                SheetKind::Vendors,
                "name,phone\nAcme Biomed,1\n,2\n",
                &["row 2, column name: a vendor named 'Acme Biomed' already exists", "row 3, column name:"],
            ),
            (
                SheetKind::Locations,
                "department,name\nAdult ICU,Bay 9\nNowhere,Bay 1\n",
                &["row 3, column department: no department named 'Nowhere'"],
            ),
            (
                SheetKind::Models,
                "manufacturer,model_number,name,category,fda_class\nX,1,n,c,IV\n",
                &["row 2, column fda_class:"],
            ),
            (
                SheetKind::PmSchedules,
                "asset_tag,interval_months,anchor_date\nBME-1,0,2025-01-01\nNOPE,12,2025-01-01\n",
                &["row 2, column interval_months:", "row 3, column asset_tag: no asset 'NOPE' in the inventory"],
            ),
            (
                SheetKind::WorkOrders,
                "asset_tag,wo_type,status,problem,opened_at,completed_at,technician,labour_minutes\n\
                 BME-1,repair,open,x,2024-01-02,2024-01-03,,\n\
                 BME-1,repair,closed,x,2024-01-05,2024-01-03,ghost,30\n",
                &[
                    "row 2, column status: history must be completed or closed, not open",
                    "row 3, column completed_at:",
                    "row 3, column technician: no active user named 'ghost'",
                ],
            ),
        ];
        for (kind, text, expected) in cases {
            let e = rows_err(import(&shop, kind, SheetFormat::Csv, text.as_bytes(), None, false).await);
            for x in expected {
                assert!(e.iter().any(|l| l.starts_with(x)), "{}: {kind}: missing '{x}' in {e:?}", db.name);
            }
        }
    }
}

#[test]
fn the_shipped_example_maps_cleanly() {
    let map = parse_mapping(include_str!("../../../docs/examples/legacy-mapping.toml")).unwrap();
    let csv = include_str!("../../../docs/examples/legacy-assets.csv");
    let t = read_table(csv.as_bytes(), SheetFormat::Csv, None).unwrap();
    let plan = map.plan(SheetKind::Assets, &t.header).unwrap();
    let rows: Vec<_> = t
        .rows
        .iter()
        .map(|(n, r)| {
            let (m, e) = plan.map_row(*n, r);
            assert!(e.is_empty(), "{e:?}");
            m
        })
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0].get("status"), Some("in_service"));
    assert_eq!(rows[0].get("acquisition_date"), Some("2019-03-07"));
    assert_eq!(rows[0].get("warranty_end"), Some("2024-03-07"));
    assert_eq!(rows[0].get("department"), Some("Adult ICU"));
    assert_eq!(rows[1].get("status"), Some("out_of_service"));
    assert_eq!(rows[3].get("status"), Some("retired"));
    assert_eq!(rows[3].get("currency"), Some("USD"));
}
