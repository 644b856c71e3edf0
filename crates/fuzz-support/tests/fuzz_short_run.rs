//! The CI short run of the `cargo fuzz` targets (issue 7 §7). CI has only a stable toolchain, so
//! these tests feed each target's body (`htm_fuzz_support`) the seeds in `fuzz/seeds/<target>/`
//! and a few thousand deterministic mutations of them (fixed seed; bit flips, interesting bytes,
//! insertions, deletions, truncations, splices), bounded in time. A failure prints the input.
//! The long runs are `cargo +nightly fuzz run <target>` (README, "Fuzzing").

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_fuzz_support::{import, json, mutate, seeds};
use std::time::Duration;

/// Time budget per target (debug build); the iteration count bounds it on fast machines.
const BUDGET: Duration = Duration::from_secs(30);

fn report(target: &str, r: Result<mutate::RunStats, String>) {
    match r {
        Ok(s) => eprintln!("{target}: {} executions in {:.1} s", s.executions, s.elapsed.as_secs_f64()),
        Err(e) => panic!("{target}: {e}"),
    }
}

#[test]
fn fuzz_short_run_import_csv() {
    let seeds = seeds("import_csv");
    assert!(seeds.len() >= 6, "fuzz/seeds/import_csv holds a file per kind");
    report("import_csv", mutate::short_run(&seeds, import::DICTIONARY, 12_000, 0x1C5F, BUDGET, import::import_csv));
}

#[test]
fn fuzz_short_run_import_xlsx() {
    let mut seeds = seeds("import_xlsx");
    assert!(seeds.len() >= 6, "fuzz/seeds/import_xlsx holds a workbook per kind");
    // Raw bytes: mutations of real workbooks (mostly stop at the zip's checks).
    report("import_xlsx", mutate::short_run(&seeds, import::DICTIONARY, 3000, 0x715C, BUDGET / 2, import::import_xlsx));
    // Structure-aware: mutated CSV text and sheet XML inside a valid zip.
    seeds = htm_fuzz_support::seeds("import_xlsx_structured");
    assert!(seeds.len() >= 7, "fuzz/seeds/import_xlsx_structured: the CSV seeds as cells, and raw XML");
    report(
        "import_xlsx_structured",
        mutate::short_run(&seeds, import::DICTIONARY, 3000, 0x5EED, BUDGET / 2, import::import_xlsx_structured),
    );
}

#[test]
fn fuzz_short_run_json_bodies() {
    let h = json::harness().unwrap();
    // Seeds: the example bodies of fuzz/seeds/json_bodies/ (`METHOD /path` then the body), and
    // every operation (as picked by byte 0) with `{}`, `[]`, `null` and an empty body.
    let mut seeds = seeds("json_bodies");
    for i in 0..h.operations.len() {
        for body in [&b"{}"[..], b"[]", b"null", b""] {
            let mut v = vec![i as u8, 0];
            v.extend_from_slice(body);
            seeds.push(v);
        }
    }
    report("json_bodies", mutate::short_run(&seeds, json::DICTIONARY, 20_000, 0x150A, BUDGET, json::json_bodies));
    eprintln!("json_bodies answers by status: {}", h.status_summary());
}

/// Writes `fuzz/seeds/json_bodies/` from the OpenAPI document (run after adding routes:
/// `cargo test -p htm-fuzz-support --test fuzz_short_run -- --ignored write_json_seeds`).
#[test]
#[ignore]
fn write_json_seeds() {
    let dir = htm_fuzz_support::seed_dir("json_bodies");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, content) in json::seed_files() {
        std::fs::write(dir.join(name), content).unwrap();
    }
}

/// Writes `fuzz/seeds/import_xlsx/` from the CSV seeds, through the writer `htm export` uses.
#[test]
#[ignore]
fn write_xlsx_seeds() {
    let dir = htm_fuzz_support::seed_dir("import_xlsx");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(htm_fuzz_support::seed_dir("import_csv")).unwrap() {
        let p = entry.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        std::fs::write(dir.join(format!("{name}.xlsx")), import::xlsx_from_csv(&text).unwrap()).unwrap();
    }
}

/// Every operation the target can pick (one byte picks it, so at most 256).
#[test]
fn json_bodies_covers_every_operation_with_a_json_body() {
    let ops = json::operations();
    assert!(ops.len() > 20 && ops.len() <= 256, "{}", ops.len());
    assert!(ops.iter().any(|o| o.method == "POST" && o.path == "/work-orders"));
    assert!(ops.iter().any(|o| o.method == "PATCH" && o.path == "/assets/{id}"));
    for o in &ops {
        eprintln!("{} {}", o.method, o.path);
    }
}

/// Crashes the fuzzers found, kept as regression tests (their inputs are also seeds).
#[test]
fn fuzz_regressions() {
    // calamine 0.32 overflowed (a panic in debug builds) on a long letter run in a cell
    // reference; the import now reports the file as malformed.
    let input = b"\x01<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>name</t></is></c></row><row r=\"2\"><c r=\"interval_monthsA2\" t=\"inlineStr\"><is><t>Acme</t></is></c></row>";
    import::import_xlsx_structured(input).unwrap();
}
