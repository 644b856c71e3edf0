//! `htm notify run-once` and the notification worker of `htm serve` (issue 6 §6): the SMTP and
//! retry settings from the configuration, one delivery pass, or a pass every few seconds.

use crate::config::Settings;
use htm_service::Services;
use htm_service::notifications::{Deliverer, NotifyConfig, SmtpConfig, SmtpSecurity};
use std::sync::Arc;
use std::time::Duration;

/// The delivery settings from the configuration.
pub fn notify_config(s: &Settings) -> anyhow::Result<NotifyConfig> {
    let security = match s.smtp_security.trim().to_ascii_lowercase().as_str() {
        "starttls" => SmtpSecurity::Starttls,
        "tls" => SmtpSecurity::Tls,
        "none" => SmtpSecurity::None,
        other => anyhow::bail!("smtp_security must be starttls, tls or none, not '{other}'"),
    };
    anyhow::ensure!((1..=86_400).contains(&s.notify_retry_base_seconds), "notify_retry_base_seconds must be 1–86400");
    let smtp = s.smtp_host.as_deref().map(str::trim).filter(|h| !h.is_empty()).map(|host| SmtpConfig {
        host: host.to_string(),
        port: s.smtp_port,
        from: s.smtp_from.clone(),
        username: s.smtp_username.clone().filter(|u| !u.is_empty()),
        password: s.smtp_password.clone(),
        security,
    });
    Ok(NotifyConfig {
        smtp,
        retry_base: jiff::SignedDuration::from_secs(s.notify_retry_base_seconds as i64),
        ..NotifyConfig::default()
    })
}

/// One pass: report overdue PMs and expiring contracts, deliver what is due; prints the report as JSON.
pub async fn run_once(svc: &Services, s: &Settings) -> anyhow::Result<()> {
    let d = Deliverer::new(notify_config(s)?)?;
    let r = svc.run_notifications_once(&d).await?;
    println!("{}", serde_json::to_string(&r)?);
    Ok(())
}

/// Starts the worker of `htm serve` (unless `notify_worker` is false): a pass every
/// `notify_poll_seconds`; errors are logged and the next pass tries again.
pub fn spawn_worker(svc: Arc<Services>, s: &Settings) -> anyhow::Result<()> {
    if !s.notify_worker {
        return Ok(());
    }
    let d = Deliverer::new(notify_config(s)?)?;
    let every = Duration::from_secs(s.notify_poll_seconds.clamp(1, 3600));
    tokio::spawn(async move {
        loop {
            match svc.run_notifications_once(&d).await {
                Ok(r) if r.attempted > 0 || r.overdue_pms > 0 || r.expiring_contracts > 0 => tracing::info!(
                    sent = r.sent,
                    retrying = r.retrying,
                    failed = r.failed,
                    overdue_pms = r.overdue_pms,
                    expiring_contracts = r.expiring_contracts,
                    "notifications delivered"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!("notification worker: {e}"),
            }
            tokio::time::sleep(every).await;
        }
    });
    Ok(())
}
