//! The application layer: every use case of OpenHTM (commands and queries), who may perform it,
//! and the transaction boundary around it. The HTTP API, the web UI and the CLI all call these
//! functions, so they cannot disagree on a rule or a permission.
//!
//! Invariants:
//! - Every call that reads or changes data takes a [`Principal`] and is checked against the
//!   permission matrix in [`permissions`] before the store is touched.
//! - Every change reaches the store with a [`htm_store::ChangeContext`] naming the actor, the
//!   time and the reason, which the store writes to the audit chain in the same transaction.

pub mod api_tokens;
pub mod assets;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod contracts;
pub mod csv_assets;
pub mod demo;
mod demo_recalls;
pub mod documents;
pub mod error;
pub mod esa;
pub mod esa_import;
pub mod fhir;
pub mod incidents;
pub mod ldap;
pub mod network;
mod network_demo;
pub mod notifications;
pub mod org;
pub mod permissions;
pub mod pm;
pub mod procedures;
pub mod qualifications;
pub mod recall_bench;
pub mod recalls;
pub mod repair_analytics;
pub mod risk;
pub mod risk_methods;
pub mod route_access;
pub mod spreadsheet;
pub mod strategies;
pub mod survey;
pub mod synthetic;
pub mod test_equipment;
pub mod udi;
pub mod usage;
pub mod users;
pub mod vulnerabilities;
pub mod work_orders;

pub use error::{ServiceError, ServiceResult};
pub use permissions::{Action, Principal};

use htm_store::{ChangeContext, Store};
use jiff::Timestamp;
use std::sync::Arc;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// How long a login lasts.
    pub session_ttl: jiff::SignedDuration,
    /// The largest document upload, in bytes (default 25 MiB).
    pub max_document_bytes: u64,
    /// The hospital's base URI for FHIR identifier systems (REFERENCE §8.3).
    pub fhir_systems: htm_domain::fhir::FhirSystems,
    /// Consecutive failed logins that lock an account (0: never lock).
    pub lockout_threshold: u32,
    /// How long a locked account refuses every password.
    pub lockout_duration: jiff::SignedDuration,
    /// The server's public base URL (e.g. `https://htm.hospital.example`), for links in
    /// notifications and calendar feeds; `None`: links are left out (or taken from the request).
    pub public_url: Option<String>,
    /// Optional LDAP / Active Directory login (`[ldap]`; see [`ldap`]); `None`: local accounts only.
    pub ldap: Option<ldap::LdapConfig>,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            session_ttl: jiff::SignedDuration::from_hours(12),
            max_document_bytes: htm_domain::document::DEFAULT_MAX_BYTES,
            fhir_systems: htm_domain::fhir::FhirSystems::default(),
            lockout_threshold: 10,
            lockout_duration: jiff::SignedDuration::from_mins(15),
            public_url: None,
            ldap: None,
        }
    }
}

/// The use cases, over one store.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub settings: ServiceSettings,
}

impl Services {
    pub fn new(store: Arc<dyn Store>, settings: ServiceSettings) -> Self {
        Services { store, settings }
    }

    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    /// The change context for an action by `p`.
    fn ctx(&self, p: &Principal, reason: Option<String>) -> ChangeContext {
        ChangeContext {
            // The command-line system principal (id 0) is recorded as no user.
            actor_id: (p.user.id.0 != 0).then_some(p.user.id),
            actor: p.user.username.clone(),
            at: self.now(),
            reason: reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()),
        }
    }
}
