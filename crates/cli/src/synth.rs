//! `htm gen` (a deterministic synthetic hospital for benchmarks) and `htm bench` (timing PM
//! generation and the PM completion report). See BENCHMARKS.md.

use anyhow::Context;
use clap::ValueEnum;
use htm_domain::pm::Month;
use htm_service::{Principal, Services};

#[derive(Clone, Copy, ValueEnum)]
pub enum BenchWhat {
    /// `htm pm generate`, each run on a fresh month
    PmGenerate,
    /// The PM completion report
    PmCompliance,
    /// `htm recalls match` over every open recall (load them first with `htm gen-recalls`)
    RecallMatch,
}

fn month_or(arg: Option<&str>, default: Month) -> anyhow::Result<Month> {
    match arg {
        Some(m) => Ok(Month::parse(m)?),
        None => Ok(default),
    }
}

/// The current month (UTC) and the one before.
fn this_and_last_month() -> (Month, Month) {
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    (Month::of(today), htm_demo_end(today))
}

fn htm_demo_end(today: jiff::civil::Date) -> Month {
    if today.month() == 1 {
        Month { year: today.year() - 1, month: 12 }
    } else {
        Month { year: today.year(), month: today.month() - 1 }
    }
}

pub async fn gen_cmd(s: &Services, assets: u64, years: u32, seed: u64, end: Option<&str>) -> anyhow::Result<()> {
    if assets == 0 || years == 0 {
        anyhow::bail!("--assets and --years must be at least 1");
    }
    let end = month_or(end, this_and_last_month().1)?;
    let spec = htm_service::synthetic::SyntheticSpec { assets, years, seed, end };
    let progress = |m: &str| eprintln!("{m}");
    let sum = s.generate_synthetic(&Principal::system(), spec, &progress).await.context("htm gen")?;
    println!("{}", serde_json::to_string_pretty(&sum)?);
    Ok(())
}

pub async fn bench_cmd(s: &Services, what: BenchWhat, month: Option<&str>, runs: u32) -> anyhow::Result<()> {
    let (this, last) = this_and_last_month();
    let p = Principal::system();
    let r = match what {
        BenchWhat::PmGenerate => s.bench_pm_generate(&p, month_or(month, this)?, runs).await?,
        BenchWhat::PmCompliance => s.bench_pm_compliance(&p, month_or(month, last)?, runs).await?,
        BenchWhat::RecallMatch => s.bench_recall_match(&p, runs).await?,
    };
    println!("{}", serde_json::to_string(&r)?);
    Ok(())
}
