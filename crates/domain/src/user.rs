//! People who use OpenHTM and the role each one plays.

use crate::DomainError;
use crate::ids::{UserId, VendorId};
use crate::text_enum;
use serde::{Deserialize, Serialize};

text_enum!(
    /// What a person may do. Permissions per role live in the service layer's matrix.
    Role, "role" {
        Admin => "admin": "Administrator",
        Manager => "manager": "HTM manager",
        Engineer => "engineer": "Clinical engineer",
        Technician => "technician": "Technician (BMET)",
        Requester => "requester": "Requester (clinical staff)",
        Auditor => "auditor": "Auditor (read-only)",
        Vendor => "vendor": "Vendor service",
    }
);

impl Role {
    /// Roles that do maintenance work and can be assigned work orders.
    pub fn does_work(self) -> bool {
        matches!(self, Role::Technician | Role::Engineer | Role::Manager | Role::Vendor)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub email: Option<String>,
    /// For vendor users: the company whose work orders they may see.
    pub vendor_id: Option<VendorId>,
    pub active: bool,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub vendor_id: Option<VendorId>,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPatch {
    pub version: i64,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A login name: 2–40 characters of lower-case letters, digits and `._-`.
pub fn parse_username(s: &str) -> Result<String, DomainError> {
    let t = s.trim().to_ascii_lowercase();
    if !(2..=40).contains(&t.len()) {
        return Err(DomainError::field("username", "must be 2 to 40 characters"));
    }
    if !t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)) {
        return Err(DomainError::field("username", "may hold only letters, digits and . _ -"));
    }
    Ok(t)
}

pub const MIN_PASSWORD_LEN: usize = 10;

/// The password policy: at least 10 characters, not the user name, not one repeated character.
pub fn check_password(username: &str, password: &str) -> Result<(), DomainError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(DomainError::field("password", format!("must be at least {MIN_PASSWORD_LEN} characters")));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(DomainError::field("password", "must not be the user name"));
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(DomainError::field("password", "must not repeat one character"));
    }
    Ok(())
}

impl NewUser {
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        self.username = parse_username(&self.username)?;
        self.display_name = self.display_name.trim().to_string();
        if self.display_name.is_empty() {
            self.display_name = self.username.clone();
        }
        if self.role == Role::Vendor && self.vendor_id.is_none() {
            return Err(DomainError::field("vendor_id", "a vendor user must belong to a vendor company"));
        }
        check_password(&self.username, &self.password)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(parse_username(" JSmith ").unwrap(), "jsmith");
        assert!(parse_username("j smith").is_err());
        assert!(parse_username("j").is_err());
    }

    #[test]
    fn the_password_policy_refuses_weak_passwords() {
        assert!(check_password("jsmith", "short").is_err());
        assert!(check_password("jsmith12345", "JSMITH12345").is_err());
        assert!(check_password("jsmith", "aaaaaaaaaaaa").is_err());
        assert!(check_password("jsmith", "Correct-Horse-7").is_ok());
    }

    #[test]
    fn roles_parse_from_codes() {
        assert_eq!(Role::parse("technician").unwrap(), Role::Technician);
        assert!(Role::parse("superuser").is_err());
    }
}
