//! The bodies of the `cargo fuzz` targets in `fuzz/` (issue 7 §7), as a library: the fuzz
//! targets call these functions on nightly with libFuzzer, and the stable test suite calls the
//! same functions on the seeds in `fuzz/seeds/<target>/` and a few thousand deterministic
//! mutations of them ([`mutate::short_run`]), which is the short fuzz run CI does.
//!
//! - [`import`]: `import_csv`, `import_xlsx` (raw bytes and a structure-aware workbook built
//!   from the input): the whole parse-and-check path of `htm import <kind>` for every kind,
//!   without a database.
//! - [`json`]: `json_bodies`: every operation of the OpenAPI document with a JSON request body,
//!   through the real router over a seeded SQLite database.
//!
//! Every function returns `Err(why)` when the property fails; a panic inside the product is a
//! panic. The fuzz targets turn an `Err` into a panic (a crash libFuzzer records).

pub mod import;
pub mod json;
pub mod mutate;

use std::path::PathBuf;

/// `fuzz/seeds/<target>/`, the seed inputs of a target (read by the fuzz runs and the CI run).
pub fn seed_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(target)
}

/// Every file in a seed directory, sorted by name (no directory: none).
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(seed_dir(target)) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}
