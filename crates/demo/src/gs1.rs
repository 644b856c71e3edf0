//! GS1 mod-10 check digits (REFERENCE §5.2): the one implementation lives in the domain core
//! (`htm_domain::udi::gs1`); the demo generator uses it from there.

pub use htm_domain::udi::gs1::{check_digit, gtin14, is_valid_gtin};
