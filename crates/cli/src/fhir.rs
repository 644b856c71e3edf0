//! `htm export fhir`: every Device (or DeviceDefinition) as FHIR bulk NDJSON, one resource per
//! line, streamed in keyset pages so memory stays flat however many assets there are.

use anyhow::Context;
use clap::ValueEnum;
use htm_service::fhir::FhirExportType;
use htm_service::{Principal, Services};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

/// The resource type to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResourceType {
    #[value(name = "Device")]
    Device,
    #[value(name = "DeviceDefinition")]
    DeviceDefinition,
}

/// Writes the export to `out` (standard output when `None`); progress on a terminal's stderr.
pub async fn export(s: &Services, kind: ResourceType, out: Option<PathBuf>) -> anyhow::Result<()> {
    let mut buf: Box<dyn Write> = match &out {
        Some(path) => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let kind = match kind {
        ResourceType::Device => FhirExportType::Device,
        ResourceType::DeviceDefinition => FhirExportType::DeviceDefinition,
    };
    let tty = std::io::stderr().is_terminal();
    let start = Instant::now();
    let n = s
        .export_fhir_ndjson(&Principal::system(), kind, &mut buf, |n| {
            if tty {
                eprint!("\r{n} resources written");
            }
        })
        .await?;
    buf.flush().context("writing the export")?;
    drop(buf);
    if tty {
        eprintln!();
    }
    let secs = start.elapsed().as_secs_f64();
    let what = if kind == FhirExportType::Device { "Device" } else { "DeviceDefinition" };
    match out {
        Some(path) => eprintln!("Exported {n} {what} resources to {} in {secs:.1} s.", path.display()),
        None => eprintln!("Exported {n} {what} resources in {secs:.1} s."),
    }
    Ok(())
}
