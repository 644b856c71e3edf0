//! A valid zip holding a workbook whose sheet comes from the input (cells, or raw sheet XML),
//! read as every import kind (`htm_fuzz_support::import::workbook_from`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(why) = htm_fuzz_support::import::import_xlsx_structured(data) {
        panic!("{why}");
    }
});
