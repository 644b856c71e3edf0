//! Device-related incidents and their investigations (see `htm_domain::incident`). Every change
//! is audited; updates are version-checked.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::{AssetId, UserId, WorkOrderId};
use htm_domain::incident::{Incident, IncidentId, IncidentStatus, NewIncident};
use htm_domain::page::{Page, PageRequest};
use jiff::Timestamp;

/// Filters for the incident list (newest first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentFilter {
    pub status: Option<IncidentStatus>,
    pub asset_id: Option<AssetId>,
    /// Occurred at or after.
    pub from: Option<Timestamp>,
    /// Occurred before.
    pub to: Option<Timestamp>,
    /// Only those this user reported (how the service scopes what a requester sees).
    pub reported_by_id: Option<UserId>,
}

/// How an incident changed, as the audit event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentChange {
    Update,
    Close,
}

impl IncidentChange {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentChange::Update => "update",
            IncidentChange::Close => "close",
        }
    }
}

/// Most incidents one period query returns.
pub const MAX_INCIDENTS_IN_PERIOD: u32 = 10_000;

#[async_trait]
pub trait IncidentStore: Send + Sync {
    /// Records a report (number `INC-YYYY-NNNNNN`, reported now by the context's user; audited).
    async fn insert_incident(
        &self,
        ctx: &ChangeContext,
        new: &NewIncident,
        reporter: Option<UserId>,
    ) -> StoreResult<Incident>;
    async fn get_incident(&self, id: IncidentId) -> StoreResult<Incident>;
    /// Keyset page, newest (highest id) first.
    async fn list_incidents(&self, filter: &IncidentFilter, page: PageRequest) -> StoreResult<Page<Incident>>;
    /// Incidents that occurred in `[from, to)`, in order of occurrence, at most `limit`
    /// (≤ [`MAX_INCIDENTS_IN_PERIOD`]).
    async fn incidents_between(&self, from: Timestamp, to: Timestamp, limit: u32) -> StoreResult<Vec<Incident>>;
    /// Writes the new state of an incident (computed by the domain from the version read, which
    /// `updated.version` carries; a stale version is refused) and audits it as `change`.
    async fn update_incident(
        &self,
        ctx: &ChangeContext,
        change: IncidentChange,
        updated: &Incident,
    ) -> StoreResult<Incident>;
    /// Links a work order to an incident (audited; linking twice changes nothing).
    async fn link_incident_work_order(
        &self,
        ctx: &ChangeContext,
        id: IncidentId,
        work_order: WorkOrderId,
    ) -> StoreResult<Incident>;
}
