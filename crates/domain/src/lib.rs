//! The pure domain core of OpenHTM: the field's vocabulary (asset, device model, work order,
//! audit event, …) and its rules (work-order workflow, asset status effects, identifier formats,
//! the audit hash chain).
//!
//! Invariant: no I/O, no clock, no randomness. Callers pass `now` and every input; every
//! function here is deterministic and can be tested with plain values.

pub mod api_token;
pub mod asset;
pub mod audit;
pub mod catalog;
pub mod contract;
pub mod document;
pub mod error;
pub mod esa;
pub mod esa_import;
pub mod fhir;
pub mod ical;
pub mod ids;
pub mod incident;
pub mod network;
pub mod notify;
pub mod org;
pub mod page;
pub mod phi;
pub mod pm;
pub mod procedure;
pub mod qualification;
pub mod recall;
pub mod repair_analytics;
pub mod risk;
pub mod seed;
pub mod signature;
pub mod spreadsheet;
pub mod strategy;
pub mod test_equipment;
pub mod text_enum;
pub mod udi;
pub mod usage;
pub mod user;
pub mod vulnerability;
pub mod weighted_risk;
pub mod work_order;

pub use error::{DomainError, FieldError};
