// Login attempt monitoring and lockout: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod login_guard_impl {
    use super::*;
    use crate::{LoginGuardStore, LoginLock};

    async fn lock_of(conn: &mut DbConn, user: UserId) -> StoreResult<LoginLock> {
        let row = sqlx::query("SELECT failed_logins, locked_until FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user}")))?;
        let failed: i32 = row.try_get("failed_logins")?;
        let locked_until = row.try_get::<Option<jiff_sqlx::Timestamp>, _>("locked_until")?.map(|ts| ts.to_jiff());
        Ok(LoginLock { failed_logins: u32::try_from(failed).unwrap_or(0), locked_until })
    }

    #[async_trait]
    impl LoginGuardStore for Impl {
        async fn login_lock(&self, user: UserId) -> StoreResult<LoginLock> {
            let mut conn = self.pool.acquire().await?;
            lock_of(&mut conn, user).await
        }

        async fn record_failed_login(
            &self,
            ctx: &ChangeContext,
            user: UserId,
            threshold: u32,
            lock_until: Timestamp,
        ) -> StoreResult<LoginLock> {
            let mut tx = begin_write(&self.pool).await?;
            let before = lock_of(&mut tx, user).await?;
            let failed = before.failed_logins.saturating_add(1);
            if failed >= threshold.max(1) {
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2")
                    .bind(t(lock_until))
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                let after = serde_json::json!({
                    "failed_logins": failed,
                    "locked_until": lock_until.to_string(),
                })
                .to_string();
                append_audit(&mut tx, ctx, "lock", "user", user.to_string(), None, Some(after)).await?;
            } else {
                sqlx::query("UPDATE users SET failed_logins = $1 WHERE id = $2")
                    .bind(i32::try_from(failed).unwrap_or(i32::MAX))
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
            }
            let now = lock_of(&mut tx, user).await?;
            tx.commit().await?;
            Ok(now)
        }

        async fn record_successful_login(&self, user: UserId) -> StoreResult<()> {
            sqlx::query("UPDATE users SET failed_logins = 0 WHERE id = $1 AND failed_logins <> 0")
                .bind(user.0)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn unlock_user(&self, ctx: &ChangeContext, user: UserId) -> StoreResult<LoginLock> {
            let mut tx = begin_write(&self.pool).await?;
            let before = lock_of(&mut tx, user).await?;
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            let b = serde_json::json!({
                "failed_logins": before.failed_logins,
                "locked_until": before.locked_until.map(|t| t.to_string()),
            })
            .to_string();
            append_audit(&mut tx, ctx, "unlock", "user", user.to_string(), Some(b), None).await?;
            let now = lock_of(&mut tx, user).await?;
            tx.commit().await?;
            Ok(now)
        }
    }
}
