//! Any bytes as a CSV file of every import kind (`htm import <kind>`): the whole parse-and-check
//! path must never panic and must answer valid rows or row/column problems
//! (`htm_fuzz_support::import`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(why) = htm_fuzz_support::import::import_csv(data) {
        panic!("{why}");
    }
});
