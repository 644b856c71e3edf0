//! Any bytes as an XLSX file of every import kind (calamine reading): never a panic, always
//! valid rows or row/column problems (`htm_fuzz_support::import`). Most inputs stop at the zip
//! header; `import_xlsx_structured` gets past it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(why) = htm_fuzz_support::import::import_xlsx(data) {
        panic!("{why}");
    }
});
