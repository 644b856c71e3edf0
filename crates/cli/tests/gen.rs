//! `htm gen`: the same seed gives the same data, a different seed different data, the record
//! verifies, and a second `htm gen` into the same database is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

fn htm(url: &str, args: &[&str]) -> Output {
    let dir = htm_test_support::temp_dir("htm-gen");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_htm"))
        .args(args)
        .arg("--db")
        .arg(url)
        .current_dir(&dir)
        .env_remove("HTM_DATABASE_URL")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

const GEN: &[&str] = &["gen", "--assets", "300", "--years", "2", "--end", "2026-06"];

/// Generates into a fresh SQLite file and returns (url, the asset export CSV).
fn generate(dir: &std::path::Path, name: &str, seed: &str) -> (String, String) {
    let url = format!("sqlite://{}", dir.join(name).display());
    let mut args = GEN.to_vec();
    args.extend(["--seed", seed]);
    let o = htm(&url, &args);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["assets"], 300);
    assert_eq!(summary["schedules"], 300);
    let wos = summary["work_orders"].as_u64().unwrap();
    assert!((900..=1500).contains(&wos), "{wos} work orders for 300 assets over 2 years");
    let export = htm(&url, &["export", "assets", "--format", "csv"]);
    assert!(export.status.success(), "{}", text(&export));
    (url, String::from_utf8(export.stdout).unwrap())
}

#[test]
fn the_same_seed_gives_the_same_inventory_and_the_record_verifies() {
    let dir = htm_test_support::temp_dir("htm-gen-db");
    let (url_a, a) = generate(&dir, "a.db", "7");
    let (url_b, b) = generate(&dir, "b.db", "7");
    let (_, c) = generate(&dir, "c.db", "8");
    assert_eq!(a.lines().count(), 301, "a header and 300 assets");
    assert!(a.contains("SYN-0000300"));
    assert_eq!(a, b, "same seed, same export");
    assert_ne!(a, c, "another seed, other data");

    for url in [&url_a, &url_b] {
        let v = htm(url, &["audit", "verify"]);
        assert!(v.status.success(), "{}", text(&v));
        assert!(text(&v).contains("intact"), "{}", text(&v));
    }

    // A second gen into the same database is refused and changes nothing.
    let mut args = GEN.to_vec();
    args.extend(["--seed", "7"]);
    let again = htm(&url_a, &args);
    assert!(!again.status.success());
    assert!(text(&again).contains("not empty"), "{}", text(&again));
    let export = htm(&url_a, &["export", "assets", "--format", "csv"]);
    assert_eq!(String::from_utf8(export.stdout).unwrap(), a);

    // The benchmark harness prints its JSON figures.
    let bench = htm(&url_a, &["bench", "pm-compliance", "--month", "2026-05", "--runs", "2"]);
    assert!(bench.status.success(), "{}", text(&bench));
    let r: serde_json::Value = serde_json::from_slice(&bench.stdout).unwrap();
    assert_eq!(r["name"], "pm-compliance");
    assert_eq!(r["backend"], "sqlite");
    assert_eq!(r["runs"], 2);
    assert!(r["rows"].as_i64().unwrap() > 0);
    assert!(r["median_ms"].as_f64().unwrap() >= r["min_ms"].as_f64().unwrap());
    let bench = htm(&url_a, &["bench", "pm-generate", "--month", "2026-07", "--runs", "2"]);
    assert!(bench.status.success(), "{}", text(&bench));
    let r: serde_json::Value = serde_json::from_slice(&bench.stdout).unwrap();
    assert_eq!(r["name"], "pm-generate");
    assert_eq!(r["per_run"][0][0], "2026-07");
    assert_eq!(r["per_run"][1][0], "2026-08");
    let _ = std::fs::remove_dir_all(&dir);
}
