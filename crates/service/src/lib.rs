//! The application layer: every use case of OpenHTM (commands and queries), who may perform it,
//! and the transaction boundary around it. The HTTP API, the web UI and the CLI all call these
//! functions, so they cannot disagree on a rule or a permission.
//!
//! Invariants:
//! - Every call that reads or changes data takes a [`Principal`] and is checked against the
//!   permission matrix in [`permissions`] before the store is touched.
//! - Every change reaches the store with a [`htm_store::ChangeContext`] naming the actor, the
//!   time and the reason, which the store writes to the audit chain in the same transaction.

pub mod assets;
pub mod auth;
pub mod csv_assets;
pub mod demo;
pub mod documents;
pub mod error;
pub mod esa;
pub mod esa_import;
pub mod incidents;
pub mod network;
mod network_demo;
pub mod org;
pub mod permissions;
pub mod pm;
pub mod procedures;
pub mod qualifications;
pub mod recalls;
pub mod repair_analytics;
pub mod risk;
pub mod risk_methods;
pub mod strategies;
pub mod survey;
pub mod synthetic;
pub mod test_equipment;
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
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            session_ttl: jiff::SignedDuration::from_hours(12),
            max_document_bytes: htm_domain::document::DEFAULT_MAX_BYTES,
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
