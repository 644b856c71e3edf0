//! Technician qualifications (REFERENCE §10 "Certifications"; OpenHTM issue 3, scope item 6).
//!
//! - A qualification is a certification (CABT, CBET, CRES, CLES, CHTM from the AAMI Credentials
//!   Institute; CCE from the ACCE Healthcare Technology Foundation; CNES accepted as a code but
//!   unconfirmed) or manufacturer training on one device model, with an optional expiry date. It
//!   is valid through its expiry date and lapses the day after.
//! - A PM procedure version may require a certification and/or manufacturer training on the
//!   asset's model. When a technician records or signs off a PM, or completes any work order on
//!   which a procedure was recorded, without holding the requirement valid that day (UTC), the
//!   asset's site decides: policy `refuse` → the change is refused (HTTP 422,
//!   `unqualified_technician`, naming the technician, what is missing and when theirs expired);
//!   policy `flag` (the default) → the work goes on and the work order's `qualification_flag` says
//!   why, set and audited in the same transaction. The check runs in the store transaction
//!   (`qualification_gate` in `htm_store`), so the procedure it checks is the one recorded.
//! - Who: managers and administrators add and revoke qualifications and set site policies;
//!   engineers and auditors read everyone's; everyone may read their own.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::{SiteId, UserId};
use htm_domain::page::PageRequest;
use htm_domain::qualification::{NewQualification, Qualification, QualificationPolicy};
use htm_domain::user::{Role, User};

/// One person who does maintenance work, with their qualifications (newest first).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TechnicianQualifications {
    pub user: User,
    pub qualifications: Vec<Qualification>,
}

impl Services {
    fn may_read_qualifications_of(&self, p: &Principal, user: UserId) -> ServiceResult<()> {
        if p.user.id == user { Ok(()) } else { p.require(Action::ReadQualifications) }
    }

    /// A user's qualifications, revoked ones included (newest first).
    pub async fn list_qualifications(&self, p: &Principal, user: UserId) -> ServiceResult<Vec<Qualification>> {
        self.may_read_qualifications_of(p, user)?;
        Ok(self.store.list_qualifications(user).await?)
    }

    /// Everyone who does maintenance work (technicians, engineers, managers; not vendor users),
    /// with their qualifications; a user without the right to read others' sees only themselves.
    pub async fn technicians(&self, p: &Principal) -> ServiceResult<Vec<TechnicianQualifications>> {
        let users: Vec<User> = if p.can(Action::ReadQualifications) {
            let mut all = Vec::new();
            let mut page = PageRequest { limit: 1000, after: None };
            loop {
                let got = self.store.list_users(page).await?;
                all.extend(got.items.into_iter().filter(|u| u.role.does_work() && u.role != Role::Vendor));
                match got.next_cursor.as_deref().map(|c| PageRequest::parse(Some(1000), Some(c))) {
                    Some(Ok(next)) if all.len() < 5000 => page = next,
                    _ => break,
                }
            }
            all
        } else {
            vec![self.store.get_user(p.user.id).await?]
        };
        let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
        let mut quals = self.store.list_qualifications_of(&ids).await?;
        Ok(users
            .into_iter()
            .map(|user| {
                let (mine, rest): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut quals).into_iter().partition(|q| q.user_id == user.id);
                quals = rest;
                TechnicianQualifications { user, qualifications: mine }
            })
            .collect())
    }

    /// Adds a qualification to a person who does maintenance work.
    pub async fn add_qualification(
        &self,
        p: &Principal,
        user: UserId,
        n: NewQualification,
    ) -> ServiceResult<Qualification> {
        p.require(Action::ManageQualifications)?;
        let n = n.normalized()?;
        let target = self.store.get_user(user).await?;
        if !target.role.does_work() {
            return Err(ServiceError::invalid(
                "user_id",
                format!(
                    "{} is a {}, who does no maintenance work",
                    target.username,
                    target.role.label().to_lowercase()
                ),
            ));
        }
        Ok(self.store.add_qualification(&self.ctx(p, None), user, &n).await?)
    }

    /// Adds a qualification to the user with this user name (the command line).
    pub async fn add_qualification_by_username(
        &self,
        p: &Principal,
        username: &str,
        n: NewQualification,
    ) -> ServiceResult<Qualification> {
        let Some((user, _)) = self.store.get_user_credentials(username.trim()).await? else {
            return Err(ServiceError::NotFound(format!("user {} not found", username.trim())));
        };
        self.add_qualification(p, user.id, n).await
    }

    /// Revokes a qualification; the reason is required and recorded.
    pub async fn revoke_qualification(
        &self,
        p: &Principal,
        user: UserId,
        id: i64,
        reason: &str,
    ) -> ServiceResult<Qualification> {
        p.require(Action::ManageQualifications)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "say why the qualification is revoked"));
        }
        if reason.chars().count() > 500 {
            return Err(ServiceError::invalid("reason", "must be at most 500 characters"));
        }
        Ok(self.store.revoke_qualification(&self.ctx(p, None), user, id, reason).await?)
    }

    pub async fn qualification_policy(&self, p: &Principal, site: SiteId) -> ServiceResult<QualificationPolicy> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_qualification_policy(site).await?)
    }

    /// Sets what a site does with work by a technician lacking a procedure's requirement.
    pub async fn set_qualification_policy(
        &self,
        p: &Principal,
        site: SiteId,
        policy: QualificationPolicy,
    ) -> ServiceResult<QualificationPolicy> {
        p.require(Action::ManageQualifications)?;
        Ok(self.store.set_qualification_policy(&self.ctx(p, None), site, policy).await?)
    }
}
