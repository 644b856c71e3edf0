//! `htm import kev FILE` and `htm import sbom --model ID --version V FILE` (SQLite).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
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

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(path)
}

#[tokio::test]
async fn import_kev_twice_then_sbom_and_a_bad_file() {
    let db = htm_test_support::sqlite().await;
    let s = Services::new(db.store.clone(), Default::default());
    let sys = Principal::system();
    let m = s.create_manufacturer(&sys, NewManufacturer { name: "Acme".into() }).await.unwrap();
    let model = s.create_model(&sys, NewDeviceModel::new(m.id, "VDM-1", "Editor", "Test")).await.unwrap();
    let dir = htm_test_support::temp_dir("htm-vulns");
    let kev = shared("cisa_kev/kev_subset_for_tests.json");
    let kev = kev.to_str().unwrap();

    let o = htm(&db, &dir, &["import", "kev", kev]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("inserted 22, updated 0, unchanged 0"), "{}", text(&o));
    let o = htm(&db, &dir, &["import", "kev", kev]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("inserted 0, updated 0, unchanged 22"), "{}", text(&o));

    let bom = shared("sbom/cyclonedx_cern-lhc-vdm-editor_bom.json");
    let id = model.id.0.to_string();
    let o = htm(&db, &dir, &["import", "sbom", "--model", &id, "--version", "1.0", bom.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("created: 43 components"), "{}", text(&o));

    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"vulnerabilities":[{"cveID":"CVE-1","vendorProject":"X","product":"Y"}]}"#).unwrap();
    let o = htm(&db, &dir, &["import", "kev", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("vulnerabilities[0].cveID") && err.contains("vulnerabilities[0].dateAdded"), "{err}");
}
