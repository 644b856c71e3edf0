//! Fuzzes `htm_domain::udi::parse`: no input may panic, and whatever parses must come back
//! unchanged through `format` (parse ∘ format = identity).
#![no_main]

use htm_domain::udi::{format, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let today = jiff::civil::date(2026, 11, 21);
    if let Ok(p) = parse(s, today) {
        let again = parse(&format(&p), today);
        assert_eq!(again.as_ref(), Ok(&p), "round trip of {s:?}");
    }
});
