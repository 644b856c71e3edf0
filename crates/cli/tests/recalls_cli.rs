//! `htm import recalls FILE` and `htm recalls match --json` (SQLite).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::asset::NewAsset;
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::org::{NewBuilding, NewDepartment, NewSite};
use htm_service::{Principal, Services};
use htm_test_support::TestDb;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn htm(db: &TestDb, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_htm"))
        .args(args)
        .arg("--db")
        .arg(&db.url)
        .current_dir(dir)
        .env_remove("HTM_ADMIN_PASSWORD")
        .env_remove("HTM_DATABASE_URL")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../service/tests/fixtures/recalls_synthetic.json")
}

#[tokio::test]
async fn import_recalls_then_match_prints_the_candidates_as_json() {
    let db = htm_test_support::sqlite().await;
    let s = Services::new(db.store.clone(), Default::default());
    let sys = Principal::system();
    let site =
        s.create_site(&sys, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
    let b =
        s.create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "A".into() }).await.unwrap();
    let d = s
        .create_department(&sys, NewDepartment { building_id: b.id, cost_center: "6100".into(), name: "ICU".into() })
        .await
        .unwrap();
    let m = s.create_manufacturer(&sys, NewManufacturer { name: "BD".into() }).await.unwrap();
    let model = s
        .create_model(
            &sys,
            NewDeviceModel {
                fda_product_code: Some("FRN".into()),
                high_risk: true,
                ..NewDeviceModel::new(m.id, "8015", "Alaris PC unit", "Pump, infusion")
            },
        )
        .await
        .unwrap();
    let n: NewAsset = serde_json::from_value(
        serde_json::json!({"asset_tag": "IP-1", "model_id": model.id.0, "department_id": d.id.0}),
    )
    .unwrap();
    s.create_asset(&sys, n).await.unwrap();

    let dir = htm_test_support::temp_dir("htm-recalls");
    let file = fixture();
    let f = file.to_str().unwrap();
    let o = htm(&db, &dir, &["import", "recalls", f]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "inserted 3, updated 0, unchanged 0");
    let o = htm(&db, &dir, &["import", "recalls", f]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "inserted 0, updated 0, unchanged 3");

    // A bad file: exit 1, every bad record on stderr, nothing stored.
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"results":[{"product_res_number":"Z-1"},{"recall_number":"Z-0002-2026","report_date":"2026"}]}"#,
    )
    .unwrap();
    let o = htm(&db, &dir, &["import", "recalls", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("results[0].product_res_number") && err.contains("results[1].report_date"), "{err}");

    let o = htm(&db, &dir, &["recalls", "match", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    let c = list[0].as_object().unwrap();
    let mut keys: Vec<&str> = c.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["asset_tag", "confidence", "reasons", "recall"]);
    assert_eq!(c["recall"], "Z-9901-2026");
    assert_eq!(c["asset_tag"], "IP-1");
    assert_eq!(c["confidence"], 60);
    assert!(c["reasons"].as_array().unwrap().iter().any(|r| r == "product code FRN"));
}
