//! `htm backup FILE`, `htm restore FILE`, `htm copy-db --from URL --to URL` (issue 7 §5). The
//! archive format and the rules live in `htm_service::backup`; this module opens the databases,
//! shows progress on a terminal and sets the exit code.

use crate::config::Settings;
use htm_service::Principal;
use htm_service::backup::Progress;
use htm_store::DatabaseUrl;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

fn spinner(what: &str) -> ProgressBar {
    let visible = std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(
        None,
        if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
    );
    if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix} {pos} rows ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn progress(bar: &ProgressBar) -> Progress {
    let bar = bar.clone();
    Arc::new(move |rows| bar.set_position(rows))
}

fn with_url(settings: &Settings, url: &str) -> Settings {
    Settings { database_url: url.to_string(), ..settings.clone() }
}

fn label(url: &str) -> String {
    DatabaseUrl::parse(url).map(|u| u.to_string()).unwrap_or_else(|_| "(unparsable URL)".into())
}

pub async fn backup_cmd(settings: &Settings, file: &Path) -> anyhow::Result<ExitCode> {
    let s = crate::open(settings).await?;
    let started = Instant::now();
    let bar = spinner("backing up");
    let r = s.backup_to_file(&Principal::system(), file, Some(progress(&bar))).await;
    bar.finish_and_clear();
    let info = r?;
    eprintln!(
        "Backed up {} rows in {} tables (schema version {}) from {} to {} in {:.1} s: {} bytes, sha256 {}",
        info.rows,
        info.tables.len(),
        info.schema_version,
        label(&settings.database_url),
        file.display(),
        started.elapsed().as_secs_f64(),
        info.file_bytes,
        info.file_sha256
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore_cmd(settings: &Settings, file: &Path) -> anyhow::Result<ExitCode> {
    // Opening migrates a new database; no administrator is created: the archive brings its users.
    let s = crate::open(settings).await?;
    let started = Instant::now();
    let bar = spinner("restoring");
    let r = s.restore_from_file(&Principal::system(), file, Some(progress(&bar))).await;
    bar.finish_and_clear();
    let rep = r?;
    eprintln!(
        "Restored {} rows in {} tables from {} into {} in {:.1} s; the audit chain is intact: {} events verified.",
        rep.rows,
        rep.tables,
        file.display(),
        label(&settings.database_url),
        started.elapsed().as_secs_f64(),
        rep.audit_events_verified
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn copy_db_cmd(settings: &Settings, from: &str, to: &str) -> anyhow::Result<ExitCode> {
    let src = crate::open(&with_url(settings, from)).await?;
    let dst = crate::open(&with_url(settings, to)).await?;
    let started = Instant::now();
    let bar = spinner("copying");
    let r = src.copy_database_to(&Principal::system(), &dst, &label(from), Some(progress(&bar))).await;
    bar.finish_and_clear();
    let rep = r?;
    eprintln!(
        "Copied {} rows in {} tables from {} to {} in {:.1} s; the audit chain is intact: {} events verified.",
        rep.rows,
        rep.tables,
        label(from),
        label(to),
        started.elapsed().as_secs_f64(),
        rep.audit_events_verified
    );
    Ok(ExitCode::SUCCESS)
}
