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

/// NIST SP 800-63B-4 §3.1.1.2: a password used as a single authentication factor is at least
/// 15 characters long; at least 64 must be accepted (we accept 256).
pub const MIN_PASSWORD_LEN: usize = 15;
pub const MAX_PASSWORD_LEN: usize = 256;

/// Passwords seen first in every breach corpus that are long enough to pass the length rule;
/// SP 800-63B-4 §3.1.1.2 asks verifiers to refuse commonly used, expected or compromised values.
/// Compared case-insensitively with separators (space, `-`, `_`, `.`) removed.
const COMMON_LONG_PASSWORDS: &[&str] = &[
    "passwordpassword",
    "password1234567",
    "password12345678",
    "password123456789",
    "passwordpassword1",
    "qwertyuiopasdfgh",
    "qwertyuiopasdfghjkl",
    "1q2w3e4r5t6y7u8i",
    "1qaz2wsx3edc4rfv",
    "zaq12wsxcde34rfv",
    "iloveyouiloveyou",
    "letmeinletmein1",
    "welcomewelcome1",
    "administrator1",
    "administrator123",
    "changemechangeme",
    "trustno1trustno1",
    "abc123abc123abc",
    "mypasswordis123",
    "thisismypassword",
    "correcthorsebatterystaple",
    "passw0rdpassw0rd",
    "adminadminadmin",
    "rootrootrootroot",
    "biomedbiomed123",
];

/// The password policy (NIST SP 800-63B-4 §3.1.1.2; 21 CFR Part 11 §11.300 password controls):
/// 15 to 256 characters, no composition rules, and not a value an attacker tries first — the user
/// name or the product's name inside it, one character or one short group repeated, a run of
/// consecutive keys or digits, or a known common password.
pub fn check_password(username: &str, password: &str) -> Result<(), DomainError> {
    let bad = |why: &str| Err(DomainError::field("password", why.to_string()));
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(DomainError::field("password", format!("must be at least {MIN_PASSWORD_LEN} characters")));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(DomainError::field("password", format!("must be at most {MAX_PASSWORD_LEN} characters")));
    }
    let folded: String =
        password.chars().filter(|c| !matches!(c, ' ' | '-' | '_' | '.')).flat_map(char::to_lowercase).collect();
    let user = username.trim().to_lowercase();
    if password.eq_ignore_ascii_case(username) || (user.chars().count() >= 3 && folded.contains(&user)) {
        return bad("must not contain the user name");
    }
    if folded.contains("openhtm") {
        return bad("must not contain the product's name");
    }
    if is_repetition(&folded) {
        return bad("must not repeat one character or one short group of characters");
    }
    if is_sequence(&folded) {
        return bad("must not be a run of consecutive letters, digits or keyboard keys");
    }
    if COMMON_LONG_PASSWORDS.contains(&folded.as_str()) {
        return bad("is a commonly used password; choose another");
    }
    Ok(())
}

/// `aaaa…`, `abcabcabc…`, `12341234…`: the whole string is one group of 1–4 characters repeated.
fn is_repetition(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    (1..=4).any(|k| c.len() >= 2 * k && c.iter().enumerate().all(|(i, ch)| *ch == c[i % k]))
}

/// The whole string is one run along the alphabet, the digits or a keyboard row, up or down.
fn is_sequence(s: &str) -> bool {
    const RUNS: &[&str] = &[
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
        "0123456789012345678901234567890123456789",
        "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    ];
    if s.chars().count() < MIN_PASSWORD_LEN {
        return false;
    }
    let rev: String = s.chars().rev().collect();
    RUNS.iter().any(|r| r.contains(s) || r.contains(rev.as_str()))
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
        // 14 characters is one short of SP 800-63B-4's 15; 15 passes
        assert!(check_password("jsmith", "Tulip-Ladder-9").is_err());
        assert!(check_password("jsmith", "Tulip-Ladder-94").is_ok());
        assert!(check_password("jsmith", &"x".repeat(257)).is_err());
        assert!(check_password("jsmith", &"Tulip-Ladder-9".repeat(18)).is_ok()); // 252 characters
        assert!(check_password("jsmith123456789", "JSMITH123456789").is_err());
        assert!(check_password("jsmith", "My-jsmith-Password-1").is_err());
        assert!(check_password("jsmith", "aaaaaaaaaaaaaaaa").is_err());
        assert!(check_password("jsmith", "abcabcabcabcabcabc").is_err());
        assert!(check_password("jsmith", "1234567890123456").is_err());
        assert!(check_password("jsmith", "qwertyuiopasdfgh").is_err());
        assert!(check_password("jsmith", "ZYXWVUTSRQPONMLK").is_err());
        assert!(check_password("jsmith", "Password-Password").is_err());
        assert!(check_password("jsmith", "openhtm-rocks-2026").is_err());
        assert!(check_password("jsmith", "Correct-Horse-77").is_ok());
        assert!(check_password("jsmith", "Biomed-Demo-2026").is_ok());
    }

    #[test]
    fn roles_parse_from_codes() {
        assert_eq!(Role::parse("technician").unwrap(), Role::Technician);
        assert!(Role::parse("superuser").is_err());
    }
}
