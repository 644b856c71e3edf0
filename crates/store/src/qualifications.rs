//! Technician qualifications (REFERENCE §10): certifications and manufacturer training per user,
//! each site's policy for work by a technician lacking a procedure's requirement, and (in
//! `qualifications_sql.rs`) the gate that enforces it inside the PM-recording and completion
//! transactions.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::{SiteId, UserId};
use htm_domain::qualification::{NewQualification, Qualification, QualificationPolicy};

#[async_trait]
pub trait QualificationStore: Send + Sync {
    /// A user's qualifications (revoked ones too), newest first; at most 500.
    async fn list_qualifications(&self, user: UserId) -> StoreResult<Vec<Qualification>>;
    /// The qualifications of several users at once (the technicians page), newest first.
    async fn list_qualifications_of(&self, users: &[UserId]) -> StoreResult<Vec<Qualification>>;
    /// Adds a qualification (audited as `create` on `qualification`).
    async fn add_qualification(
        &self,
        ctx: &ChangeContext,
        user: UserId,
        new: &NewQualification,
    ) -> StoreResult<Qualification>;
    /// Revokes a qualification of `user` (audited as `revoke`); revoking twice is refused.
    async fn revoke_qualification(
        &self,
        ctx: &ChangeContext,
        user: UserId,
        id: i64,
        reason: &str,
    ) -> StoreResult<Qualification>;
    async fn get_qualification_policy(&self, site: SiteId) -> StoreResult<QualificationPolicy>;
    /// Sets a site's policy (audited as `update` on `site`).
    async fn set_qualification_policy(
        &self,
        ctx: &ChangeContext,
        site: SiteId,
        policy: QualificationPolicy,
    ) -> StoreResult<QualificationPolicy>;
}
