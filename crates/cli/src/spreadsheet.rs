//! `htm import <kind> FILE [--mapping MAP.toml] [--dry-run] [--errors REPORT.csv] [--format csv|xlsx]`
//! and `htm export <kind> --format csv|xlsx [--out FILE]` (issue 6 §4; README "Spreadsheet
//! migration"). A progress bar is drawn on standard error only when both standard output and
//! standard error are terminals.

use anyhow::{Context, bail};
use clap::ValueEnum;
use htm_domain::spreadsheet::SheetKind;
use htm_service::csv_assets::ImportError;
use htm_service::spreadsheet::{ImportOptions, SheetFormat, parse_mapping, write_error_report};
use htm_service::{Principal, Services};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum SheetFormatArg {
    Csv,
    Xlsx,
}

impl From<SheetFormatArg> for SheetFormat {
    fn from(f: SheetFormatArg) -> Self {
        match f {
            SheetFormatArg::Csv => SheetFormat::Csv,
            SheetFormatArg::Xlsx => SheetFormat::Xlsx,
        }
    }
}

/// `htm export assets` also writes the API's JSON.
#[derive(Clone, Copy, ValueEnum)]
pub enum AssetExportFormat {
    Csv,
    Json,
    Xlsx,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The CSV or XLSX file (format from the extension unless --format)
    pub file: PathBuf,
    /// A column-mapping file (TOML) for a legacy system's export; see docs/spreadsheet-mapping.md
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Check every row and report problems; store nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Also write every problem to this CSV file (row,column,message)
    #[arg(long)]
    pub errors: Option<PathBuf>,
    /// csv or xlsx (default: from the file's extension)
    #[arg(long, value_enum)]
    pub format: Option<SheetFormatArg>,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "csv")]
    pub format: SheetFormatArg,
    /// Write to this file instead of standard output
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn progress_bar() -> ProgressBar {
    let visible = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
    let bar = ProgressBar::with_draw_target(
        None,
        if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
    );
    if let Ok(style) = ProgressStyle::with_template("{prefix:>9} [{bar:40}] {pos}/{len} rows ({elapsed})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn report(bar: &ProgressBar) -> impl Fn(&str, usize, usize) + Send + Sync + '_ {
    move |phase: &str, done: usize, total: usize| {
        bar.set_prefix(phase.to_string());
        if total > 0 {
            bar.set_length(total as u64);
        }
        bar.set_position(done as u64);
    }
}

pub async fn import(s: &Services, kind: SheetKind, a: ImportArgs) -> anyhow::Result<ExitCode> {
    let format = match a.format {
        Some(f) => f.into(),
        None => SheetFormat::from_path(&a.file).unwrap_or(SheetFormat::Csv),
    };
    let mapping = match &a.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            Some(parse_mapping(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    let bytes = std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?;
    let name = a.file.file_name().map(|n| n.to_string_lossy().into_owned());
    let opts = ImportOptions { mapping, dry_run: a.dry_run, source: name };
    let bar = progress_bar();
    let started = std::time::Instant::now();
    let result = s.import_sheet(&Principal::system(), kind, format, &bytes, &opts, &report(&bar)).await;
    bar.finish_and_clear();
    match result {
        Ok(o) if o.stored => {
            s.checkpoint().await?;
            println!(
                "Imported {} {kind} from {} in {:.1} s.",
                o.rows,
                a.file.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Ok(o) => println!("Dry run: all {} {kind} rows in {} are valid; nothing was stored.", o.rows, a.file.display()),
        Err(ImportError::Rows(rows)) => {
            let mut err = std::io::stderr().lock();
            for r in &rows {
                writeln!(err, "{}: {r}", a.file.display())?;
            }
            if let Some(path) = &a.errors {
                let mut f = std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
                );
                write_error_report(&rows, &mut f)?;
                f.flush()?;
                writeln!(err, "The problems are listed in {}.", path.display())?;
            }
            writeln!(err, "{} problem(s) found; nothing was imported.", rows.len())?;
            return Ok(ExitCode::FAILURE);
        }
        Err(ImportError::Service(e)) => bail!("import failed, nothing was imported: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn export(
    s: &Services,
    kind: SheetKind,
    format: AssetExportFormat,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut buf: Box<dyn Write> = match &out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let p = Principal::system();
    let bar = progress_bar();
    let n = match format {
        AssetExportFormat::Json => s.export_assets_json(&p, &htm_store::AssetFilter::default(), &mut buf).await?,
        AssetExportFormat::Csv => s.export_sheet(&p, kind, SheetFormat::Csv, &mut buf, &report(&bar)).await?,
        AssetExportFormat::Xlsx => s.export_sheet(&p, kind, SheetFormat::Xlsx, &mut buf, &report(&bar)).await?,
    };
    bar.finish_and_clear();
    buf.flush().context("writing the export")?;
    drop(buf);
    if let Some(path) = out {
        eprintln!("Exported {n} {kind} to {}.", path.display());
    }
    Ok(())
}

pub fn export_format(f: SheetFormatArg) -> AssetExportFormat {
    match f {
        SheetFormatArg::Csv => AssetExportFormat::Csv,
        SheetFormatArg::Xlsx => AssetExportFormat::Xlsx,
    }
}
