//! Optional LDAP / Active Directory login (issue 7 §2).
//!
//! When `[ldap]` is configured, a person without a local account signs in with their directory
//! user name and password: the service account finds their entry (the user name escaped per
//! RFC 4515 §3 in `user_filter`), OpenHTM binds as that entry with the password (RFC 4513 §5.1.2:
//! an empty password would be an *unauthenticated* bind that many servers answer with success, so
//! it is refused before the directory is asked), reads the person's groups (an attribute such as
//! `memberOf`, or a group search) and maps them to a role through `role_map`. The local account is
//! then created or brought in line (just-in-time provisioning, audited with the reason
//! "LDAP login") and a session is granted exactly as for a local login.
//!
//! Precedence: an account is either *local* (its argon2id hash decides) or *ldap* (only the
//! directory decides; `users.auth_source`). A user name that has a local account is never sent to
//! the directory, so the administrator can always sign in during a directory outage, and a
//! directory entry can never take over a local account. Lockout (the failed-login count of the
//! account) and the per-address throttle of the web edge apply to directory logins too; the
//! password policy does not (the directory owns those passwords).

use crate::auth::{LoginGrant, new_token, token_hash};
use crate::{ServiceError, ServiceResult, Services};
use htm_domain::user::{Role, User, parse_username};
use htm_store::{AuthSource, ChangeContext, DirectoryUserRecord};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// The `[ldap]` section of the configuration file.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS (RFC 4513 §3) before anything is sent.
    #[serde(default)]
    pub starttls: bool,
    /// The service account that searches for people (`None`: search anonymously).
    #[serde(default)]
    pub bind_dn: Option<String>,
    #[serde(default)]
    pub bind_password: Option<String>,
    /// Where people are searched (whole subtree).
    pub base_dn: String,
    /// `{username}` is replaced by the escaped user name. OpenLDAP: `(uid={username})`;
    /// Active Directory: `(sAMAccountName={username})`.
    #[serde(default = "default_user_filter")]
    pub user_filter: String,
    /// An attribute of the person's entry that lists the DNs of their groups (Active Directory and
    /// OpenLDAP's memberof overlay: `memberOf`).
    #[serde(default)]
    pub group_attribute: Option<String>,
    /// Or a group search under this base, with `group_filter` (`{dn}`: the person's escaped DN,
    /// `{username}`: the escaped user name). Both may be set; the groups found are merged.
    #[serde(default)]
    pub group_base_dn: Option<String>,
    #[serde(default = "default_group_filter")]
    pub group_filter: String,
    /// Group DN → role. DNs compare case-insensitively, ignoring spaces around `,` and `=`.
    /// A person in several mapped groups gets the most capable role
    /// (admin > manager > engineer > technician > auditor > requester).
    #[serde(default)]
    pub role_map: BTreeMap<String, Role>,
    /// The role of a person in no mapped group; `None` refuses them.
    #[serde(default)]
    pub default_role: Option<Role>,
    /// Seconds to wait for the directory (connect and each operation), 1–60.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_user_filter() -> String {
    "(uid={username})".into()
}
fn default_group_filter() -> String {
    "(member={dn})".into()
}
fn default_timeout() -> u64 {
    5
}

impl std::fmt::Debug for LdapConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapConfig")
            .field("url", &self.url)
            .field("starttls", &self.starttls)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password", &self.bind_password.as_ref().map(|_| "***"))
            .field("base_dn", &self.base_dn)
            .field("user_filter", &self.user_filter)
            .field("group_attribute", &self.group_attribute)
            .field("group_base_dn", &self.group_base_dn)
            .field("group_filter", &self.group_filter)
            .field("role_map", &self.role_map)
            .field("default_role", &self.default_role)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

impl LdapConfig {
    /// A configuration with the defaults (OpenLDAP-style `uid` filter, group search `member`).
    pub fn new(url: impl Into<String>, base_dn: impl Into<String>) -> Self {
        LdapConfig {
            url: url.into(),
            starttls: false,
            bind_dn: None,
            bind_password: None,
            base_dn: base_dn.into(),
            user_filter: default_user_filter(),
            group_attribute: None,
            group_base_dn: None,
            group_filter: default_group_filter(),
            role_map: BTreeMap::new(),
            default_role: None,
            timeout_seconds: default_timeout(),
        }
    }

    /// Checks the configuration at start-up; every problem is listed.
    pub fn validate(&self) -> Result<(), String> {
        let mut bad = Vec::new();
        let url = self.url.trim().to_ascii_lowercase();
        let ldaps = url.starts_with("ldaps://");
        if !(url.starts_with("ldap://") || ldaps) {
            bad.push("url must start with ldap:// or ldaps://".to_string());
        }
        if ldaps && self.starttls {
            bad.push("starttls is for ldap:// URLs (ldaps:// is TLS already)".into());
        }
        if self.base_dn.trim().is_empty() {
            bad.push("base_dn is required".into());
        }
        if !self.user_filter.contains("{username}") {
            bad.push("user_filter must contain {username}".into());
        }
        if !(self.user_filter.starts_with('(') && self.user_filter.ends_with(')')) {
            bad.push("user_filter must be a parenthesised LDAP filter".into());
        }
        if self.bind_dn.is_some() != self.bind_password.is_some() {
            bad.push("bind_dn and bind_password go together (neither: anonymous search)".into());
        }
        if self.bind_password.as_deref() == Some("") {
            bad.push("bind_password must not be empty (an empty password is an unauthenticated bind)".into());
        }
        if self.group_attribute.is_none() && self.group_base_dn.is_none() && !self.role_map.is_empty() {
            bad.push("role_map needs group_attribute or group_base_dn to find a person's groups".into());
        }
        if self.role_map.is_empty() && self.default_role.is_none() {
            bad.push("role_map is empty and there is no default_role: nobody could sign in".into());
        }
        for (dn, role) in
            self.role_map.iter().map(|(d, r)| (d, *r)).chain(self.default_role.map(|r| (&self.base_dn, r)))
        {
            if role == Role::Vendor {
                bad.push(format!("{dn}: the vendor role needs a vendor company and cannot come from the directory"));
            }
        }
        if !(1..=60).contains(&self.timeout_seconds) {
            bad.push("timeout_seconds must be between 1 and 60".into());
        }
        if bad.is_empty() { Ok(()) } else { Err(bad.join("; ")) }
    }

    /// The role for a person in `groups` (DNs): the most capable mapped role, else `default_role`.
    pub fn role_for(&self, groups: &[String]) -> Option<Role> {
        let map: BTreeMap<String, Role> = self.role_map.iter().map(|(dn, r)| (normalize_dn(dn), *r)).collect();
        groups
            .iter()
            .filter_map(|g| map.get(&normalize_dn(g)).copied())
            .max_by_key(|r| role_rank(*r))
            .or(self.default_role)
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds.clamp(1, 60))
    }
}

/// Escapes a value for an LDAP search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL become
/// `\2a`, `\28`, `\29`, `\5c` and `\00`, so a user name can never change the filter's structure.
pub fn escape_filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            c => out.push(c),
        }
    }
    out
}

/// A DN in a form for comparison: lower case, no spaces around the separators `,` and `=`
/// (escaped commas `\,` stay inside their value).
pub fn normalize_dn(dn: &str) -> String {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            cur.push(c);
            escaped = true;
        } else if c == ',' {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
        .iter()
        .map(|rdn| match rdn.split_once('=') {
            Some((a, v)) => format!("{}={}", a.trim(), v.trim()),
            None => rdn.trim().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

fn role_rank(r: Role) -> u8 {
    match r {
        Role::Admin => 6,
        Role::Manager => 5,
        Role::Engineer => 4,
        Role::Technician => 3,
        Role::Auditor => 2,
        Role::Requester => 1,
        Role::Vendor => 0,
    }
}

/// A person the directory authenticated.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryPerson {
    pub dn: String,
    pub display_name: String,
    pub email: Option<String>,
    /// DNs of the person's groups.
    pub groups: Vec<String>,
}

/// The directory's answer to a user name and password.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectoryAnswer {
    Authenticated(DirectoryPerson),
    /// Unknown user name, several entries for it, or a wrong password (the why is for the log only).
    Rejected(String),
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> ServiceError {
    tracing::error!(error = %e, "LDAP directory: {what}");
    ServiceError::DirectoryUnavailable(format!(
        "the sign-in directory cannot be reached or refused the service account ({what}); try again later or ask your administrator"
    ))
}

fn attr_first(e: &SearchEntry, name: &str) -> Option<String> {
    e.attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first().cloned())
        .filter(|v| !v.trim().is_empty())
}

fn attr_all(e: &SearchEntry, name: &str) -> Vec<String> {
    e.attrs.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).flat_map(|(_, v)| v.iter().cloned()).collect()
}

/// A connection to the configured directory.
pub struct DirectoryClient<'a> {
    cfg: &'a LdapConfig,
}

impl<'a> DirectoryClient<'a> {
    pub fn new(cfg: &'a LdapConfig) -> Self {
        DirectoryClient { cfg }
    }

    async fn connect(&self) -> ServiceResult<Ldap> {
        let settings = LdapConnSettings::new().set_conn_timeout(self.cfg.timeout()).set_starttls(self.cfg.starttls);
        let (conn, ldap) = LdapConnAsync::with_settings(settings, self.cfg.url.trim())
            .await
            .map_err(|e| unavailable("connecting", e))?;
        ldap3::drive!(conn);
        Ok(ldap)
    }

    /// Connects and binds as the service account (or stays anonymous).
    async fn connect_as_service(&self) -> ServiceResult<Ldap> {
        let mut ldap = self.connect().await?;
        if let (Some(dn), Some(pw)) = (&self.cfg.bind_dn, &self.cfg.bind_password) {
            let r = ldap.with_timeout(self.cfg.timeout()).simple_bind(dn, pw).await;
            match r {
                Ok(res) if res.rc == 0 => {}
                Ok(res) => return Err(unavailable("service account bind", format!("rc {}: {}", res.rc, res.text))),
                Err(e) => return Err(unavailable("service account bind", e)),
            }
        }
        Ok(ldap)
    }

    /// The entries `user_filter` finds for `username` (escaped per RFC 4515), as the service
    /// account. Public so that the tests can show that a crafted name matches nobody.
    pub async fn find_user(&self, username: &str) -> ServiceResult<Vec<SearchEntry>> {
        let mut ldap = self.connect_as_service().await?;
        let found = self.search_user(&mut ldap, username).await;
        let _ = ldap.unbind().await;
        found
    }

    async fn search_user(&self, ldap: &mut Ldap, username: &str) -> ServiceResult<Vec<SearchEntry>> {
        let filter = self.cfg.user_filter.replace("{username}", &escape_filter_value(username));
        let mut attrs = vec!["displayName", "cn", "mail"];
        if let Some(a) = &self.cfg.group_attribute {
            attrs.push(a.as_str());
        }
        let r = ldap
            .with_timeout(self.cfg.timeout())
            .search(&self.cfg.base_dn, Scope::Subtree, &filter, attrs)
            .await
            .map_err(|e| unavailable("searching for the person", e))?;
        let (entries, _) = r.success().map_err(|e| unavailable("searching for the person", e))?;
        Ok(entries.into_iter().map(SearchEntry::construct).collect())
    }

    async fn search_groups(&self, ldap: &mut Ldap, username: &str, dn: &str) -> ServiceResult<Vec<String>> {
        let Some(base) = &self.cfg.group_base_dn else { return Ok(Vec::new()) };
        let filter = self
            .cfg
            .group_filter
            .replace("{dn}", &escape_filter_value(dn))
            .replace("{username}", &escape_filter_value(username));
        let r = ldap
            .with_timeout(self.cfg.timeout())
            .search(base, Scope::Subtree, &filter, vec!["1.1"])
            .await
            .map_err(|e| unavailable("searching for groups", e))?;
        let (entries, _) = r.success().map_err(|e| unavailable("searching for groups", e))?;
        Ok(entries.into_iter().map(|e| SearchEntry::construct(e).dn).collect())
    }

    /// Checks `username` / `password` against the directory. `DirectoryUnavailable` when it
    /// cannot be asked; an empty password is rejected without contacting it (RFC 4513 §5.1.2).
    pub async fn authenticate(&self, username: &str, password: &str) -> ServiceResult<DirectoryAnswer> {
        if password.is_empty() {
            return Ok(DirectoryAnswer::Rejected("empty password (an unauthenticated bind) refused".into()));
        }
        let mut ldap = self.connect_as_service().await?;
        let answer = self.authenticate_on(&mut ldap, username, password).await;
        let _ = ldap.unbind().await;
        answer
    }

    async fn authenticate_on(&self, ldap: &mut Ldap, username: &str, password: &str) -> ServiceResult<DirectoryAnswer> {
        let mut entries = self.search_user(ldap, username).await?;
        let entry = match entries.len() {
            0 => return Ok(DirectoryAnswer::Rejected("no directory entry for this user name".into())),
            1 => entries.remove(0),
            n => return Ok(DirectoryAnswer::Rejected(format!("{n} directory entries for this user name"))),
        };
        if entry.dn.trim().is_empty() {
            return Ok(DirectoryAnswer::Rejected("the directory entry has an empty DN".into()));
        }
        // groups first, while the connection is still the service account's
        let mut groups = match &self.cfg.group_attribute {
            Some(a) => attr_all(&entry, a),
            None => Vec::new(),
        };
        groups.extend(self.search_groups(ldap, username, &entry.dn).await?);
        match ldap.with_timeout(self.cfg.timeout()).simple_bind(&entry.dn, password).await {
            Ok(r) if r.rc == 0 => {}
            // 49 invalidCredentials (also for a locked or expired directory account on AD)
            Ok(r) => return Ok(DirectoryAnswer::Rejected(format!("bind refused: rc {} {}", r.rc, r.text))),
            Err(e @ LdapError::LdapResult { .. }) => {
                return Ok(DirectoryAnswer::Rejected(format!("bind refused: {e}")));
            }
            Err(e) => return Err(unavailable("binding as the person", e)),
        }
        let display_name = attr_first(&entry, "displayName")
            .or_else(|| attr_first(&entry, "cn"))
            .unwrap_or_else(|| username.to_string());
        Ok(DirectoryAnswer::Authenticated(DirectoryPerson {
            dn: entry.dn.clone(),
            display_name: display_name.trim().to_string(),
            email: attr_first(&entry, "mail").map(|m| m.trim().to_string()),
            groups,
        }))
    }
}

impl Services {
    /// The directory's part of [`Services::login`]: `Ok(None)` when the directory does not decide
    /// for this user name (no `[ldap]` configured, or a local account has it), otherwise the
    /// grant or the refusal. `existing` is the account with this user name, if any; the caller
    /// has checked its lock already.
    pub(crate) async fn directory_login(
        &self,
        existing: Option<&User>,
        username: &str,
        password: &str,
        kind: &str,
    ) -> ServiceResult<Option<LoginGrant>> {
        let Some(cfg) = &self.settings.ldap else { return Ok(None) };
        if let Some(u) = existing
            && self.store.user_auth_source(u.id).await? == AuthSource::Local
        {
            return Ok(None);
        }
        let wrong = || ServiceError::Unauthenticated("wrong user name or password".into());
        // Local user names are 2–40 of [a-z0-9._-]; anything else cannot become an account.
        let Ok(name) = parse_username(username) else {
            tracing::warn!("directory login refused: the user name is not a valid OpenHTM user name");
            return Err(wrong());
        };
        let now = self.now();
        let answer = DirectoryClient::new(cfg).authenticate(&name, password).await?;
        let person = match answer {
            DirectoryAnswer::Authenticated(p) => p,
            DirectoryAnswer::Rejected(why) => {
                tracing::warn!(user = %name, %why, "directory login refused");
                if let Some(u) = existing {
                    self.count_failed_login(u).await?;
                }
                return Err(wrong());
            }
        };
        if existing.is_some_and(|u| !u.active) {
            tracing::warn!(user = %name, "directory login refused: the OpenHTM account is deactivated");
            return Err(wrong());
        }
        let Some(role) = cfg.role_for(&person.groups) else {
            tracing::warn!(user = %name, dn = %person.dn, "directory login refused: in no mapped group");
            return Err(ServiceError::Forbidden(
                "your directory account is in no group that OpenHTM maps to a role; ask your administrator".into(),
            ));
        };
        let ctx = ChangeContext { actor_id: None, actor: "system".into(), at: now, reason: Some("LDAP login".into()) };
        let rec = DirectoryUserRecord {
            username: name.clone(),
            display_name: person.display_name,
            email: person.email,
            role,
        };
        let user = self.store.provision_directory_user(&ctx, &rec).await?;
        if !user.active {
            return Err(wrong());
        }
        self.store.record_successful_login(user.id).await?;
        let token = new_token();
        let expires_at = now.checked_add(self.settings.session_ttl).unwrap_or(now);
        self.store.insert_session(user.id, &token_hash(&token), kind, now, expires_at).await?;
        tracing::info!(user = %user.username, role = %user.role.as_str(), "directory login");
        Ok(Some(LoginGrant { token, expires_at, user }))
    }

    /// For an electronic signature (21 CFR Part 11 §11.200(a)): whether `password` is the
    /// directory password of the directory account `user`; `None` for a local account (its hash
    /// decides). Without `[ldap]` a directory account cannot sign (`Some(false)`).
    pub(crate) async fn directory_password_matches(&self, user: &User, password: &str) -> ServiceResult<Option<bool>> {
        if self.store.user_auth_source(user.id).await? == AuthSource::Local {
            return Ok(None);
        }
        let Some(cfg) = &self.settings.ldap else { return Ok(Some(false)) };
        match DirectoryClient::new(cfg).authenticate(&user.username, password).await? {
            DirectoryAnswer::Authenticated(_) => Ok(Some(true)),
            DirectoryAnswer::Rejected(why) => {
                tracing::warn!(user = %user.username, %why, "directory refused a signing password");
                Ok(Some(false))
            }
        }
    }

    /// Counts a failed login of `u` and locks the account at the threshold (as local logins do).
    async fn count_failed_login(&self, u: &User) -> ServiceResult<()> {
        if self.settings.lockout_threshold == 0 {
            return Ok(());
        }
        let now = self.now();
        let until = now.checked_add(self.settings.lockout_duration).unwrap_or(now);
        let ctx = ChangeContext {
            actor_id: None,
            actor: "system".into(),
            at: now,
            reason: Some(format!(
                "{} consecutive failed logins lock the account for {}",
                self.settings.lockout_threshold, self.settings.lockout_duration
            )),
        };
        self.store.record_failed_login(&ctx, u.id, self.settings.lockout_threshold, until).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_are_escaped_per_rfc4515() {
        assert_eq!(escape_filter_value("tbiomed"), "tbiomed");
        assert_eq!(escape_filter_value("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
        assert_eq!(escape_filter_value("a\\b\0c"), "a\\5cb\\00c");
        assert_eq!(escape_filter_value("José"), "José");
    }

    #[test]
    fn dns_compare_without_case_and_spaces() {
        assert_eq!(
            normalize_dn("CN=HTM-Techs, OU=Groups,DC=Hospital, DC=test"),
            "cn=htm-techs,ou=groups,dc=hospital,dc=test"
        );
        assert_eq!(normalize_dn("cn=Smith\\, J,dc=x"), "cn=smith\\, j,dc=x");
    }

    fn cfg() -> LdapConfig {
        let mut c = LdapConfig::new("ldap://127.0.0.1:389", "dc=hospital,dc=test");
        c.group_base_dn = Some("ou=groups,dc=hospital,dc=test".into());
        c.role_map.insert("cn=techs,ou=groups,dc=hospital,dc=test".into(), Role::Technician);
        c.role_map.insert("cn=engineers,ou=groups,dc=hospital,dc=test".into(), Role::Engineer);
        c.role_map.insert("cn=nurses,ou=groups,dc=hospital,dc=test".into(), Role::Requester);
        c
    }

    #[test]
    fn the_most_capable_mapped_role_wins_and_unmapped_people_get_the_default_or_nothing() {
        let mut c = cfg();
        let g = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(c.role_for(&g(&["CN=Techs,OU=Groups,DC=hospital,DC=test"])), Some(Role::Technician));
        assert_eq!(
            c.role_for(&g(&[
                "cn=nurses,ou=groups,dc=hospital,dc=test",
                "cn=engineers, ou=groups, dc=hospital, dc=test"
            ])),
            Some(Role::Engineer)
        );
        assert_eq!(c.role_for(&g(&["cn=other,ou=groups,dc=hospital,dc=test"])), None);
        c.default_role = Some(Role::Requester);
        assert_eq!(c.role_for(&[]), Some(Role::Requester));
    }

    #[test]
    fn configurations_are_checked() {
        assert_eq!(cfg().validate(), Ok(()));
        let mut c = cfg();
        c.url = "http://dir".into();
        c.user_filter = "uid=x".into();
        c.bind_dn = Some("cn=svc".into());
        let e = c.validate().unwrap_err();
        assert!(e.contains("ldap://") && e.contains("{username}") && e.contains("bind_password"), "{e}");
        let mut c = cfg();
        c.url = "ldaps://dir".into();
        c.starttls = true;
        c.role_map.insert("cn=v".into(), Role::Vendor);
        let e = c.validate().unwrap_err();
        assert!(e.contains("starttls") && e.contains("vendor"), "{e}");
        let mut c = cfg();
        c.group_base_dn = None;
        assert!(c.validate().unwrap_err().contains("group_attribute"));
        let c = LdapConfig::new("ldap://x", "dc=x");
        assert!(c.validate().unwrap_err().contains("nobody"));
    }

    #[test]
    fn the_service_password_stays_out_of_logs() {
        let mut c = cfg();
        c.bind_password = Some("Service-Secret-9".into());
        assert!(!format!("{c:?}").contains("Service-Secret-9"));
    }

    #[test]
    fn configuration_reads_from_toml() {
        let c: LdapConfig = toml::from_str(
            r#"url = "ldap://dc1.hospital.example"
               base_dn = "dc=hospital,dc=example"
               user_filter = "(sAMAccountName={username})"
               group_attribute = "memberOf"
               default_role = "requester"
               [role_map]
               "CN=HTM Techs,OU=Groups,DC=hospital,DC=example" = "technician""#,
        )
        .unwrap();
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.role_for(&["cn=htm techs,ou=groups,dc=hospital,dc=example".into()]), Some(Role::Technician));
        assert_eq!(c.timeout_seconds, 5);
    }
}
