//! Every JSON request body of the API through the real router over a seeded SQLite database:
//! byte 0 picks the operation, byte 1 its path ids, the rest is the body. No panic, no 5xx, every
//! 4xx in the error envelope (`htm_fuzz_support::json`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(why) = htm_fuzz_support::json::json_bodies(data) {
        panic!("{why}");
    }
});
