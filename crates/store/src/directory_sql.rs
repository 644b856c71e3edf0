// Directory (LDAP) accounts: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod directory_impl {
    use super::*;
    use crate::{AuthSource, DIRECTORY_PASSWORD_HASH, DirectoryUserRecord, DirectoryUserStore};

    #[async_trait]
    impl DirectoryUserStore for Impl {
        async fn user_auth_source(&self, user: UserId) -> StoreResult<AuthSource> {
            let src: String = sqlx::query_scalar("SELECT auth_source FROM users WHERE id = $1")
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("user {user}")))?;
            AuthSource::parse(&src).ok_or_else(|| {
                StoreError::Database(sqlx::Error::Decode(format!("user {user}: auth_source '{src}'").into()))
            })
        }

        async fn provision_directory_user(&self, ctx: &ChangeContext, rec: &DirectoryUserRecord) -> StoreResult<User> {
            let mut tx = begin_write(&self.pool).await?;
            let username = rec.username.trim().to_lowercase();
            let existing = sqlx::query("SELECT id, auth_source FROM users WHERE username = $1")
                .bind(&username)
                .fetch_optional(&mut *tx)
                .await?;
            let user = match existing {
                None => {
                    let r = sqlx::query(
                        "INSERT INTO users (username, display_name, role, email, vendor_id, active, password_hash, \
                         auth_source, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, NULL, TRUE, $5, 'ldap', 1, $6, $6) RETURNING id",
                    )
                    .bind(&username)
                    .bind(&rec.display_name)
                    .bind(rec.role.as_str())
                    .bind(&rec.email)
                    .bind(DIRECTORY_PASSWORD_HASH)
                    .bind(t(ctx.at))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_db_err)?;
                    let u = fetch_user(&mut tx, UserId(r.try_get("id")?)).await?;
                    append_audit(&mut tx, ctx, "create", "user", u.id.to_string(), None, Some(snapshot(&u))).await?;
                    u
                }
                Some(row) => {
                    let id = UserId(row.try_get("id")?);
                    let src: String = row.try_get("auth_source")?;
                    if src != AuthSource::Ldap.as_str() {
                        return Err(StoreError::Conflict {
                            field: "username".into(),
                            message: format!("{username} is a local account: the directory does not sign it in"),
                        });
                    }
                    let before = fetch_user(&mut tx, id).await?;
                    if !before.active
                        || (before.display_name == rec.display_name
                            && before.email == rec.email
                            && before.role == rec.role)
                    {
                        return Ok(before);
                    }
                    sqlx::query(
                        "UPDATE users SET display_name = $1, email = $2, role = $3, version = version + 1, updated_at = $4 \
                         WHERE id = $5",
                    )
                    .bind(&rec.display_name)
                    .bind(&rec.email)
                    .bind(rec.role.as_str())
                    .bind(t(ctx.at))
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                    let after = fetch_user(&mut tx, id).await?;
                    append_audit(
                        &mut tx,
                        ctx,
                        "update",
                        "user",
                        id.to_string(),
                        Some(snapshot(&before)),
                        Some(snapshot(&after)),
                    )
                    .await?;
                    after
                }
            };
            tx.commit().await?;
            Ok(user)
        }
    }
}
