// Personal API tokens: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod api_token_impl {
    use super::*;
    use crate::{ApiToken, ApiTokenStore, NewApiToken};
    use htm_domain::api_token::{TokenScope, needs_touch};

    const TOKEN_COLUMNS: &str = "k.id, k.user_id, u.username, k.name, k.scope, k.prefix, k.created_at, k.created_by, \
         k.expires_at, k.last_used_at, k.revoked_at";

    fn token_from(r: &DbRow) -> Result<ApiToken, sqlx::Error> {
        Ok(ApiToken {
            id: r.try_get("id")?,
            user_id: UserId(r.try_get("user_id")?),
            username: r.try_get("username")?,
            name: r.try_get("name")?,
            scope: get_enum(r, "scope", TokenScope::parse)?,
            prefix: r.try_get("prefix")?,
            created_at: get_ts(r, "created_at")?,
            created_by: r.try_get("created_by")?,
            expires_at: get_ts(r, "expires_at")?,
            last_used_at: get_ots(r, "last_used_at")?,
            revoked_at: get_ots(r, "revoked_at")?,
        })
    }

    async fn fetch_token(conn: &mut DbConn, id: i64) -> StoreResult<ApiToken> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens k JOIN users u ON u.id = k.user_id WHERE k.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("API token {id}")))?;
        Ok(token_from(&r)?)
    }

    /// Revokes every live token of a user inside the caller's transaction, one audited `revoke`
    /// each (called by `update_user` when the user is deactivated or gets a new password).
    pub(super) async fn revoke_all_for_user(conn: &mut DbConn, ctx: &ChangeContext, user: UserId) -> StoreResult<()> {
        let rows = sqlx::query("SELECT id FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id")
            .bind(user.0)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let before = fetch_token(conn, id).await?;
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
                .bind(t(ctx.at))
                .bind(id)
                .execute(&mut *conn)
                .await?;
            let after = fetch_token(conn, id).await?;
            append_audit(
                conn,
                ctx,
                "revoke",
                "api_token",
                id.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
        }
        Ok(())
    }

    #[async_trait]
    impl ApiTokenStore for Impl {
        async fn insert_api_token(&self, ctx: &ChangeContext, n: &NewApiToken) -> StoreResult<ApiToken> {
            let mut tx = begin_write(&self.pool).await?;
            fetch_user(&mut tx, n.user_id)
                .await
                .map_err(|_| invalid("user_id", format!("no user with id {}", n.user_id)))?;
            let id: i64 = sqlx::query(
                "INSERT INTO api_tokens (user_id, name, scope, token_hash, prefix, created_at, created_by, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(n.user_id.0)
            .bind(&n.name)
            .bind(n.scope.as_str())
            .bind(&n.token_hash)
            .bind(&n.prefix)
            .bind(t(ctx.at))
            .bind(&ctx.actor)
            .bind(t(n.expires_at))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_db_err)?
            .try_get("id")?;
            let token = fetch_token(&mut tx, id).await?;
            append_audit(&mut tx, ctx, "create", "api_token", id.to_string(), None, Some(snapshot(&token))).await?;
            tx.commit().await?;
            Ok(token)
        }

        async fn list_api_tokens(&self, user: Option<UserId>) -> StoreResult<Vec<ApiToken>> {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens k JOIN users u ON u.id = k.user_id \
                 WHERE ($1 IS NULL OR k.user_id = $1) ORDER BY k.id DESC LIMIT 500"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user.map(|u| u.0)).fetch_all(&self.pool).await?;
            Ok(rows.iter().map(token_from).collect::<Result<_, _>>()?)
        }

        async fn get_api_token(&self, id: i64) -> StoreResult<ApiToken> {
            let mut c = self.pool.acquire().await?;
            fetch_token(&mut c, id).await
        }

        async fn revoke_api_token(&self, ctx: &ChangeContext, id: i64) -> StoreResult<ApiToken> {
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_token(&mut tx, id).await?;
            if before.revoked_at.is_some() {
                return Ok(before);
            }
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(t(ctx.at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let after = fetch_token(&mut tx, id).await?;
            append_audit(
                &mut tx,
                ctx,
                "revoke",
                "api_token",
                id.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn api_token_user(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<(ApiToken, User)>> {
            let user_cols = USER_COLUMNS.split(", ").map(|c| format!("u.{c} AS u_{c}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT {TOKEN_COLUMNS}, {user_cols} FROM api_tokens k JOIN users u ON u.id = k.user_id \
                 WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND k.expires_at > $2 AND u.active = TRUE"
            );
            let Some(r) =
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).bind(t(now)).fetch_optional(&self.pool).await?
            else {
                return Ok(None);
            };
            let mut token = token_from(&r)?;
            let user = User {
                id: UserId(r.try_get("u_id")?),
                username: r.try_get("u_username")?,
                display_name: r.try_get("u_display_name")?,
                role: get_enum(&r, "u_role", Role::parse)?,
                email: r.try_get("u_email")?,
                vendor_id: r.try_get::<Option<i64>, _>("u_vendor_id")?.map(VendorId),
                active: r.try_get("u_active")?,
                version: r.try_get("u_version")?,
            };
            if needs_touch(token.last_used_at, now) {
                // Conditional, so concurrent requests in the same minute write once at most.
                let stale_before = now.checked_sub(htm_domain::api_token::TOUCH_INTERVAL).unwrap_or(now);
                let touched = sqlx::query(
                    "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
                )
                .bind(t(now))
                .bind(token.id)
                .bind(t(stale_before))
                .execute(&self.pool)
                .await;
                // Best effort: a busy database must not turn a valid token away.
                match touched {
                    Ok(_) => token.last_used_at = Some(now.round(jiff::Unit::Second).unwrap_or(now)),
                    Err(e) => tracing::warn!(token = token.id, error = %e, "could not record the API token's last use"),
                }
            }
            Ok(Some((token, user)))
        }
    }
}
