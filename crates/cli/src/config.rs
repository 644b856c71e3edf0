//! Configuration: command-line flags, then environment (`HTM_*`), then an optional TOML file
//! (`--config FILE`, or `htm.toml` in the working directory), then defaults — read once at
//! start-up into a [`Settings`] value that is passed down.

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `HTM_DATABASE_URL` / `database_url` / `--db`.
    pub database_url: String,
    /// `HTM_ADDR` / `addr` / `--addr`.
    pub addr: String,
    /// How long a login lasts, in hours (`HTM_SESSION_HOURS`).
    pub session_hours: i64,
    /// Mark cookies `Secure` (when served over HTTPS, e.g. behind a TLS proxy).
    pub secure_cookies: bool,
    /// The largest document upload in MiB (`HTM_MAX_DOCUMENT_MIB`, default 25).
    pub max_document_mib: u64,
    /// Base URI of the hospital's FHIR identifier systems (`HTM_FHIR_SYSTEM_BASE`, REFERENCE §8.3).
    pub fhir_system_base: String,
    /// Consecutive failed logins that lock an account (`HTM_LOCKOUT_THRESHOLD`, default 10; 0 never locks).
    pub lockout_threshold: u32,
    /// How long a locked account refuses every password, in minutes (`HTM_LOCKOUT_MINUTES`, default 15).
    pub lockout_minutes: i64,
    /// The server's public base URL for links in e-mails and calendar feeds (`HTM_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// SMTP server for notification e-mail (`HTM_SMTP_HOST`); unset: e-mails are queued, not sent.
    pub smtp_host: Option<String>,
    /// `HTM_SMTP_PORT` (default 587).
    pub smtp_port: u16,
    /// The From address (`HTM_SMTP_FROM`).
    pub smtp_from: String,
    /// `HTM_SMTP_USERNAME` / `HTM_SMTP_PASSWORD`: log in when both are set.
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// `starttls` (default), `tls` (implicit, port 465) or `none` (`HTM_SMTP_SECURITY`).
    pub smtp_security: String,
    /// Run the notification worker inside `htm serve` (`HTM_NOTIFY_WORKER`, default true).
    pub notify_worker: bool,
    /// How clients reach the server: TLS served directly or behind a TLS proxy (`[server]`).
    pub server: ServerSettings,
    /// Seconds between worker passes (`HTM_NOTIFY_POLL_SECONDS`, default 30).
    pub notify_poll_seconds: u64,
    /// First retry delay in seconds, doubled per attempt (`HTM_NOTIFY_RETRY_BASE_SECONDS`, default 30).
    pub notify_retry_base_seconds: u64,
    /// Optional LDAP / Active Directory login: the `[ldap]` table (README, "LDAP / Active
    /// Directory"); `HTM_LDAP_BIND_PASSWORD` overrides its `bind_password`.
    pub ldap: Option<htm_service::ldap::LdapConfig>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://htm.db".into(),
            addr: "127.0.0.1:8080".into(),
            session_hours: 12,
            secure_cookies: false,
            max_document_mib: 25,
            fhir_system_base: htm_domain::fhir::DEFAULT_SYSTEM_BASE.into(),
            lockout_threshold: 10,
            lockout_minutes: 15,
            public_url: None,
            smtp_host: None,
            smtp_port: 587,
            smtp_from: "OpenHTM <openhtm@localhost>".into(),
            smtp_username: None,
            smtp_password: None,
            smtp_security: "starttls".into(),
            notify_worker: true,
            server: ServerSettings::default(),
            notify_poll_seconds: 30,
            notify_retry_base_seconds: 30,
            ldap: None,
        }
    }
}

/// The `[server]` table of the TOML file (see README, "TLS and reverse proxies").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// PEM certificate chain for HTTPS served directly (`--tls-cert`, `HTM_TLS_CERT`).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert` (`--tls-key`, `HTM_TLS_KEY`).
    pub tls_key: Option<PathBuf>,
    /// Plain HTTP from a TLS-terminating reverse proxy (`HTM_BEHIND_TLS_PROXY`): cookies get
    /// `Secure`, and the proxy's `X-Forwarded-For` / `X-Forwarded-Proto` are trusted.
    pub behind_tls_proxy: bool,
}

/// Flags that override the file and the environment.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub addr: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

pub fn load(config_file: Option<&Path>, flags: &Overrides) -> anyhow::Result<Settings> {
    let mut fig = Figment::from(Serialized::defaults(Settings::default()));
    match config_file {
        Some(path) => {
            anyhow::ensure!(path.exists(), "configuration file {} does not exist", path.display());
            fig = fig.merge(Toml::file(path));
        }
        None => fig = fig.merge(Toml::file("htm.toml")),
    }
    fig = fig.merge(Env::prefixed("HTM_").only(&[
        "database_url",
        "addr",
        "session_hours",
        "secure_cookies",
        "max_document_mib",
        "fhir_system_base",
        "lockout_threshold",
        "lockout_minutes",
        "public_url",
        "smtp_host",
        "smtp_port",
        "smtp_from",
        "smtp_username",
        "smtp_password",
        "smtp_security",
        "notify_worker",
        "notify_poll_seconds",
        "notify_retry_base_seconds",
    ]));
    fig = fig.merge(
        Env::prefixed("HTM_").only(&["tls_cert", "tls_key", "behind_tls_proxy"]).map(|k| format!("server.{k}").into()),
    );
    let mut s: Settings = fig.extract().context("reading the configuration")?;
    if let Some(db) = &flags.database_url {
        s.database_url = db.clone();
    }
    if let Some(a) = &flags.addr {
        s.addr = a.clone();
    }
    if let Some(c) = &flags.tls_cert {
        s.server.tls_cert = Some(c.clone());
    }
    if let Some(k) = &flags.tls_key {
        s.server.tls_key = Some(k.clone());
    }
    anyhow::ensure!(
        s.server.tls_cert.is_some() == s.server.tls_key.is_some(),
        "tls_cert and tls_key go together: give both (--tls-cert FILE --tls-key FILE) or neither"
    );
    anyhow::ensure!(
        !(s.server.tls_cert.is_some() && s.server.behind_tls_proxy),
        "serve TLS directly (tls_cert, tls_key) or behind a TLS proxy (behind_tls_proxy), not both"
    );
    if let Some(l) = &mut s.ldap {
        if let Ok(pw) = std::env::var("HTM_LDAP_BIND_PASSWORD") {
            l.bind_password = Some(pw);
        }
        l.validate().map_err(|e| anyhow::anyhow!("[ldap]: {e}"))?;
    }
    anyhow::ensure!(s.session_hours > 0, "session_hours must be positive");
    anyhow::ensure!((1..=10_080).contains(&s.lockout_minutes), "lockout_minutes must be between 1 and 10080");
    anyhow::ensure!((1..=1024).contains(&s.max_document_mib), "max_document_mib must be between 1 and 1024");
    Ok(s)
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closure signature
mod tests {
    use super::*;

    #[test]
    fn flags_beat_environment_beat_file_beat_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "htm.toml",
                "database_url = \"sqlite://file.db\"\naddr = \"0.0.0.0:9000\"\nsession_hours = 8\n",
            )?;
            let s = load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(s.database_url, "sqlite://file.db");
            assert_eq!(s.session_hours, 8);
            jail.set_env("HTM_DATABASE_URL", "sqlite://env.db");
            let s = load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(s.database_url, "sqlite://env.db");
            assert_eq!(s.addr, "0.0.0.0:9000");
            let flags = Overrides { database_url: Some("sqlite://flag.db".into()), ..Overrides::default() };
            let s = load(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(s.database_url, "sqlite://flag.db");
            Ok(())
        });
    }

    #[test]
    fn the_server_table_environment_and_flags_set_tls() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "htm.toml",
                "[server]\ntls_cert = \"/etc/htm/cert.pem\"\ntls_key = \"/etc/htm/key.pem\"\n",
            )?;
            let s = load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(s.server.tls_cert.as_deref(), Some(Path::new("/etc/htm/cert.pem")));
            assert_eq!(s.server.tls_key.as_deref(), Some(Path::new("/etc/htm/key.pem")));
            jail.set_env("HTM_TLS_KEY", "/env/key.pem");
            let flags = Overrides { tls_cert: Some("/flag/cert.pem".into()), ..Overrides::default() };
            let s = load(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(s.server.tls_cert.as_deref(), Some(Path::new("/flag/cert.pem")));
            assert_eq!(s.server.tls_key.as_deref(), Some(Path::new("/env/key.pem")));
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.create_file("htm.toml", "[server]\ntls_cert = \"/etc/htm/cert.pem\"\n")?;
            let e = load(None, &Overrides::default()).unwrap_err().to_string();
            assert!(e.contains("go together"), "{e}");
            jail.create_file("htm.toml", "[server]\nbehind_tls_proxy = true\n")?;
            let s = load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert!(s.server.behind_tls_proxy);
            jail.set_env("HTM_BEHIND_TLS_PROXY", "false");
            let s = load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert!(!s.server.behind_tls_proxy);
            let both =
                Overrides { tls_cert: Some("c.pem".into()), tls_key: Some("k.pem".into()), ..Overrides::default() };
            jail.set_env("HTM_BEHIND_TLS_PROXY", "true");
            let e = load(None, &both).unwrap_err().to_string();
            assert!(e.contains("not both"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn the_ldap_table_is_read_checked_and_its_password_can_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "htm.toml",
                "[ldap]\nurl = \"ldap://127.0.0.1:38999\"\nbase_dn = \"dc=hospital,dc=test\"\n\
                 bind_dn = \"cn=svc,dc=hospital,dc=test\"\nbind_password = \"From-The-File-1\"\n\
                 group_base_dn = \"ou=groups,dc=hospital,dc=test\"\n\
                 [ldap.role_map]\n\"cn=techs,ou=groups,dc=hospital,dc=test\" = \"technician\"\n",
            )?;
            let s = load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            let l = s.ldap.clone().ok_or("no [ldap]")?;
            assert_eq!(l.bind_password.as_deref(), Some("From-The-File-1"));
            assert_eq!(l.user_filter, "(uid={username})");
            jail.set_env("HTM_LDAP_BIND_PASSWORD", "From-The-Env-1");
            let s = load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(s.ldap.and_then(|l| l.bind_password).as_deref(), Some("From-The-Env-1"));
            jail.create_file("htm.toml", "[ldap]\nurl = \"http://x\"\nbase_dn = \"dc=x\"\n")?;
            let e = load(None, &Overrides::default()).unwrap_err().to_string();
            assert!(e.contains("[ldap]") && e.contains("ldap://"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        figment::Jail::expect_with(|_jail| {
            let s = load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(s, Settings::default());
            Ok(())
        });
    }
}
