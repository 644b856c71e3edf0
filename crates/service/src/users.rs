//! User accounts, and the first administrator of a new installation.

use crate::auth::{hash_password_async, random_password};
use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::UserId;
use htm_domain::page::{Page, PageRequest};
use htm_domain::user::{NewUser, Role, User, UserPatch, check_password};
use htm_store::{ChangeContext, NewUserRecord};

/// The outcome of making sure an administrator exists.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminBootstrap {
    /// An `admin` account already existed; nothing changed.
    Existing,
    /// Created with the password the operator supplied.
    Created,
    /// Created with this random password, to be shown once.
    CreatedWithRandomPassword(String),
}

impl Services {
    pub async fn list_users(&self, p: &Principal, page: PageRequest) -> ServiceResult<Page<User>> {
        p.require(Action::ReadUsers)?;
        Ok(self.store.list_users(page).await?)
    }

    pub async fn get_user(&self, p: &Principal, id: UserId) -> ServiceResult<User> {
        if p.user.id != id {
            p.require(Action::ReadUsers)?;
        }
        Ok(self.store.get_user(id).await?)
    }

    pub async fn create_user(&self, p: &Principal, n: NewUser) -> ServiceResult<User> {
        p.require(Action::ManageUsers)?;
        self.insert_user(&self.ctx(p, None), n).await
    }

    async fn insert_user(&self, ctx: &ChangeContext, n: NewUser) -> ServiceResult<User> {
        let n = n.normalized()?;
        let password_hash = hash_password_async(n.password.clone()).await?;
        let rec = NewUserRecord {
            username: n.username,
            display_name: n.display_name,
            role: n.role,
            email: n.email,
            vendor_id: n.vendor_id,
            password_hash,
        };
        Ok(self.store.insert_user(ctx, &rec).await?)
    }

    /// Changes an account. Users may change their own password; everything else is for admins.
    pub async fn update_user(&self, p: &Principal, id: UserId, patch: UserPatch) -> ServiceResult<User> {
        let own_password_only = p.user.id == id
            && patch.display_name.is_none()
            && patch.role.is_none()
            && patch.email.is_none()
            && patch.active.is_none();
        if !own_password_only {
            p.require(Action::ManageUsers)?;
        }
        if p.user.id == id
            && (patch.active == Some(false)
                || patch.role.is_some_and(|r| r != Role::Admin) && p.user.role == Role::Admin)
        {
            return Err(ServiceError::invalid("role", "you may not demote or deactivate your own account"));
        }
        let hash = match &patch.password {
            Some(pw) => {
                let target = self.store.get_user(id).await?;
                if self.store.user_auth_source(id).await? == htm_store::AuthSource::Ldap {
                    return Err(ServiceError::invalid(
                        "password",
                        "this account signs in with the directory (LDAP): change the password there",
                    ));
                }
                check_password(&target.username, pw)?;
                Some(hash_password_async(pw.clone()).await?)
            }
            None => None,
        };
        Ok(self.store.update_user(&self.ctx(p, patch.reason.clone()), id, &patch, hash).await?)
    }

    /// Creates the `admin` account on first start if it does not exist, with `password` or a
    /// random one.
    pub async fn ensure_admin(&self, password: Option<String>) -> ServiceResult<AdminBootstrap> {
        if self.store.get_user_credentials("admin").await?.is_some() {
            return Ok(AdminBootstrap::Existing);
        }
        let (password, random) = match password.filter(|p| !p.is_empty()) {
            Some(p) => (p, false),
            None => (random_password(), true),
        };
        let ctx = ChangeContext::system(self.now(), "first start: administrator account created");
        let n = NewUser {
            username: "admin".into(),
            display_name: "Administrator".into(),
            role: Role::Admin,
            email: None,
            vendor_id: None,
            password: password.clone(),
        };
        self.insert_user(&ctx, n).await?;
        Ok(if random { AdminBootstrap::CreatedWithRandomPassword(password) } else { AdminBootstrap::Created })
    }

    /// Adds a user from the command line (acting as the system).
    pub async fn add_user_as_system(&self, n: NewUser) -> ServiceResult<User> {
        let ctx = ChangeContext::system(self.now(), "user added from the command line");
        self.insert_user(&ctx, n).await
    }
}
