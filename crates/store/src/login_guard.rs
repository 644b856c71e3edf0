//! Login attempt monitoring and account lockout (21 CFR Part 11 §11.300(d); NIST SP 800-63B-4
//! §3.2.2): consecutive failed logins are counted per account, and the account is locked for a
//! while when they reach the threshold. The rule (threshold, duration) belongs to the service.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::ids::UserId;
use jiff::Timestamp;

/// Where an account stands: consecutive failed logins and the lock, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginLock {
    pub failed_logins: u32,
    pub locked_until: Option<Timestamp>,
}

#[async_trait]
pub trait LoginGuardStore: Send + Sync {
    /// The account's consecutive failed logins and lock.
    async fn login_lock(&self, user: UserId) -> StoreResult<LoginLock>;
    /// Counts one more failed login. When the count reaches `threshold`, locks the account until
    /// `lock_until`, restarts the count and records a `lock` audit event, all in one transaction.
    /// Returns the account's state afterwards.
    async fn record_failed_login(
        &self,
        ctx: &ChangeContext,
        user: UserId,
        threshold: u32,
        lock_until: Timestamp,
    ) -> StoreResult<LoginLock>;
    /// A successful login: the count of failures starts again (no write when it is already 0).
    async fn record_successful_login(&self, user: UserId) -> StoreResult<()>;
    /// Lifts a lock before it runs out (an administrator's decision, audited as `unlock`).
    async fn unlock_user(&self, ctx: &ChangeContext, user: UserId) -> StoreResult<LoginLock>;
}
