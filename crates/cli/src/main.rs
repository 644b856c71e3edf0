//! `htm` — the OpenHTM command line: serve the application, seed the demo hospital, migrate,
//! import and export the inventory, add users and verify the audit record. The only place
//! that knows argv, terminals and exit codes.

mod backup;
mod config;
mod fhir;
mod notify;
mod recall_bench;
mod spreadsheet;
mod synth;
mod tls;
mod tokens;
mod udi;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use htm_service::users::AdminBootstrap;
use htm_service::{Principal, ServiceSettings, Services};
use htm_store::DatabaseUrl;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "htm", version, about = "OpenHTM — Healthcare Technology Management")]
struct Cli {
    /// Database URL: sqlite://FILE (default sqlite://htm.db) or postgres://USER:PASS@HOST/DB [env: HTM_DATABASE_URL]
    #[arg(long, global = true)]
    db: Option<String>,
    /// TOML configuration file (default: htm.toml in the working directory, if present)
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the API
    Serve {
        /// Address to listen on (default 127.0.0.1:8080) [env: HTM_ADDR]
        #[arg(long)]
        addr: Option<String>,
        #[command(flatten)]
        tls: tls::TlsArgs,
    },
    /// Seed the demo hospital into an empty database, then serve it
    Demo {
        #[arg(long)]
        addr: Option<String>,
        #[command(flatten)]
        tls: tls::TlsArgs,
        /// Seed only; do not serve
        #[arg(long)]
        no_serve: bool,
    },
    /// Apply pending database migrations
    Migrate,
    /// Import records from a file (all or nothing)
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Export records
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Manage user accounts
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// Planned maintenance
    Pm {
        #[command(subcommand)]
        what: PmCommand,
    },
    /// Reports
    Report {
        #[command(subcommand)]
        what: ReportCommand,
    },
    /// Electrical safety testing
    Esa {
        #[command(subcommand)]
        what: EsaCommand,
    },
    /// Fill an EMPTY database with a deterministic synthetic hospital for benchmarks (see BENCHMARKS.md)
    Gen {
        /// Number of assets (≈ 2 work orders per asset-year of history)
        #[arg(long)]
        assets: u64,
        /// Years of history, ending last month
        #[arg(long)]
        years: u32,
        /// Random seed: the same seed gives the same data
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Last month of history, YYYY-MM (default: last month)
        #[arg(long)]
        end: Option<String>,
    },
    /// Load deterministic synthetic openFDA-shaped recalls for the recall-matching benchmark (see BENCHMARKS.md)
    GenRecalls {
        /// Number of recalls
        #[arg(long, default_value_t = 20_000)]
        count: u32,
        /// Random seed: the same seed over the same device models gives the same recalls
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Time a benchmark and print JSON {name, backend, runs, median_ms, min_ms, max_ms, rows}
    Bench {
        #[arg(value_enum)]
        what: synth::BenchWhat,
        /// pm-generate: the first month (default: this month; each run takes the next month);
        /// pm-compliance: the month reported (default: last month)
        #[arg(long)]
        month: Option<String>,
        #[arg(long, default_value_t = 5)]
        runs: u32,
    },
    /// The audit record
    Audit {
        #[command(subcommand)]
        what: AuditCommand,
    },
    /// Recalls and hazard alerts
    Recalls {
        #[command(subcommand)]
        what: RecallsCommand,
    },
    /// Unique Device Identifiers: parse what a scanner reads
    Udi {
        #[command(subcommand)]
        what: udi::UdiCommand,
    },
    /// Notifications: deliver queued e-mails and webhook calls
    Notify {
        #[command(subcommand)]
        what: NotifyCommand,
    },
    /// Write a consistent archive of the whole database to FILE (online: the server may keep writing)
    Backup { file: PathBuf },
    /// Load an archive into an EMPTY database (--db; a new one is created and migrated)
    Restore { file: PathBuf },
    /// Move everything from one database into another, empty one (SQLite ⇄ PostgreSQL)
    CopyDb {
        /// Source database URL
        #[arg(long)]
        from: String,
        /// Target database URL (empty; a new one is created and migrated)
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum RecallsCommand {
    /// Re-run matching of open recalls against the inventory and print the undecided candidates
    Match {
        /// Print a JSON list of {recall, asset_tag, confidence, reasons}
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// Import assets from a CSV or XLSX file (columns: see the README), all or nothing
    Assets(spreadsheet::ImportArgs),
    /// Import device models (manufacturers are created as needed) from CSV or XLSX
    Models(spreadsheet::ImportArgs),
    /// Import locations (rooms/areas of departments) from CSV or XLSX
    Locations(spreadsheet::ImportArgs),
    /// Import vendors from CSV or XLSX
    Vendors(spreadsheet::ImportArgs),
    /// Import PM schedules from CSV or XLSX
    PmSchedules(spreadsheet::ImportArgs),
    /// Import work-order history (completed/closed work orders, audited as imported) from CSV or XLSX
    WorkOrders(spreadsheet::ImportArgs),
    /// Import openFDA device recall or device enforcement JSON (the API response as published)
    Recalls { file: PathBuf },
    /// Import the CISA Known Exploited Vulnerabilities catalogue (JSON as CISA publishes it)
    Kev { file: PathBuf },
    /// Import a CycloneDX JSON SBOM for a device model's software version
    Sbom {
        /// The device model id
        #[arg(long)]
        model: i64,
        /// The software version the SBOM describes
        #[arg(long = "version")]
        sw_version: String,
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Json,
}

#[derive(Subcommand)]
enum ExportWhat {
    /// Export every asset
    Assets {
        #[arg(long, value_enum, default_value = "csv")]
        format: spreadsheet::AssetExportFormat,
        /// Write to this file instead of standard output
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Export every device model as CSV or XLSX
    Models(spreadsheet::ExportArgs),
    /// Export every location as CSV or XLSX
    Locations(spreadsheet::ExportArgs),
    /// Export every vendor as CSV or XLSX
    Vendors(spreadsheet::ExportArgs),
    /// Export every PM schedule as CSV or XLSX
    PmSchedules(spreadsheet::ExportArgs),
    /// Export the work-order history (completed and closed work orders) as CSV or XLSX
    WorkOrders(spreadsheet::ExportArgs),
    /// Export every Device (or DeviceDefinition) as FHIR R4 bulk NDJSON, one resource per line
    Fhir {
        /// Write to this file (e.g. devices.ndjson) instead of standard output
        #[arg(long)]
        out: Option<PathBuf>,
        /// The resource type: Device (every asset) or DeviceDefinition (every model)
        #[arg(long = "type", value_enum, default_value = "Device")]
        resource_type: fhir::ResourceType,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password comes from HTM_NEW_USER_PASSWORD or is generated and printed once
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// For role vendor: the vendor company's id
        #[arg(long)]
        vendor_id: Option<i64>,
    },
    /// Record a technician's certification (CABT, CBET, CRES, CLES, CHTM, CCE) or, with
    /// --model-id, manufacturer training on a device model
    Qualify {
        #[arg(long)]
        username: String,
        /// Certification code; omit with --model-id for manufacturer training
        #[arg(long)]
        cert: Option<String>,
        /// Manufacturer training on this device model
        #[arg(long)]
        model_id: Option<i64>,
        /// Last valid day, YYYY-MM-DD (omit: does not expire)
        #[arg(long)]
        expires: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        issued: Option<String>,
        /// Certificate number
        #[arg(long)]
        reference: Option<String>,
        /// Issuer (default for a certification: its awarding body)
        #[arg(long)]
        issuer: Option<String>,
    },
    /// Personal API tokens: create (prints the secret once), list, revoke
    Token {
        #[command(subcommand)]
        what: tokens::TokenCommand,
    },
}

#[derive(Subcommand)]
enum PmCommand {
    /// Open the PM work orders due in a month for every in-service asset (idempotent)
    Generate {
        /// YYYY-MM
        #[arg(long)]
        month: String,
    },
    /// Import an analyzer's electrical safety readings (CSV; columns: see the README) into a PM in progress
    ImportEsa {
        /// The PM work order: its number (WO-YYYY-NNNNNN) or id
        #[arg(long)]
        work_order: String,
        /// The analyzer's export file
        #[arg(long)]
        file: PathBuf,
        /// The limit set to judge against: iec62353 or nfpa99
        #[arg(long, default_value = "iec62353")]
        standard: String,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// PM completion for a month (REFERENCE §2.5): totals, high_risk, life_support, other, per department
    PmCompliance {
        /// YYYY-MM
        #[arg(long)]
        month: String,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// The survey-readiness evidence pack as a PDF (TJC EC.02.04.01/.03): inventory, high-risk and life-support lists, strategies and AEM, 12 months of PM completion with every high-risk exception, overdue and unable-to-locate follow-up, incidents
    SurveyPack {
        /// Write the PDF to this file
        #[arg(long)]
        out: PathBuf,
        /// One site (its id); every site when absent
        #[arg(long)]
        site: Option<i64>,
        /// The day the pack describes, YYYY-MM-DD (default: today, UTC)
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Repair analytics for a period (REFERENCE §3): costs, downtime, uptime, MTBF, NPF and use-error rates, root causes, repeat repairs
    Repairs {
        /// First day, YYYY-MM-DD (UTC)
        #[arg(long)]
        from: String,
        /// Last day (included), YYYY-MM-DD
        #[arg(long)]
        to: String,
        /// department, model or asset
        #[arg(long, default_value = "department")]
        group_by: String,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
}

#[derive(Subcommand)]
enum EsaCommand {
    /// Print, as JSON, the limits that apply to a device: {test, method, condition, limit, unit, comparator, source, …}
    Limits {
        /// iec62353 or nfpa99
        #[arg(long)]
        standard: String,
        /// Protection class: I, II or internal
        #[arg(long)]
        class: String,
        /// none, B, BF or CF
        #[arg(long, default_value = "none")]
        applied_part: String,
    },
}

#[derive(Subcommand)]
enum NotifyCommand {
    /// Report overdue PMs and deliver every message due now (one pass), then print a JSON summary
    RunOnce,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 0 if intact, 1 naming the first bad event
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=error,tower_http=warn".into()),
        )
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(settings: &config::Settings) -> anyhow::Result<Services> {
    let url = DatabaseUrl::parse(&settings.database_url).map_err(anyhow::Error::msg)?;
    let store = htm_store::open(&url).await.with_context(|| format!("opening the database {url}"))?;
    let svc = ServiceSettings {
        session_ttl: jiff::SignedDuration::from_hours(settings.session_hours),
        max_document_bytes: settings.max_document_mib * 1024 * 1024,
        fhir_systems: htm_domain::fhir::FhirSystems::new(&settings.fhir_system_base)
            .map_err(|e| anyhow::anyhow!("fhir_system_base: {e}"))?,
        lockout_threshold: settings.lockout_threshold,
        lockout_duration: jiff::SignedDuration::from_mins(settings.lockout_minutes),
        public_url: settings.public_url.clone().filter(|u| !u.trim().is_empty()),
        ldap: settings.ldap.clone(),
    };
    Ok(Services::new(store, svc))
}

/// Creates the `admin` account on first start and tells the operator how to sign in.
async fn bootstrap_admin(s: &Services) -> anyhow::Result<()> {
    match s.ensure_admin(std::env::var("HTM_ADMIN_PASSWORD").ok()).await? {
        AdminBootstrap::Existing => {}
        AdminBootstrap::Created => {
            eprintln!("Created the administrator account 'admin' with the password from HTM_ADMIN_PASSWORD.")
        }
        AdminBootstrap::CreatedWithRandomPassword(pw) => {
            eprintln!("Created the administrator account 'admin' with the password: {pw}");
            eprintln!("(shown only this once — sign in and change it)");
        }
    }
    Ok(())
}

async fn serve(s: Services, settings: &config::Settings, transport: Transport) -> anyhow::Result<()> {
    let addr: SocketAddr = settings.addr.parse().with_context(|| format!("'{}' is not HOST:PORT", settings.addr))?;
    let (transport, tls) = transport;
    let mut state = htm_web::AppState::new(s);
    state.secure_cookies = settings.secure_cookies || transport.is_secure();
    state.transport = transport;
    notify::spawn_worker(state.services.clone(), settings)?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    eprintln!("OpenHTM is serving at {scheme}://{addr}/ (API at {scheme}://{addr}/api/v1, Ctrl-C to stop)");
    match tls {
        Some(config) => htm_web::tls::serve_tls_on(state, listener, config).await.context("serving")?,
        None => htm_web::serve_on(state, listener).await.context("serving")?,
    }
    Ok(())
}

/// The transport to serve with and, for TLS served directly, its rustls configuration.
type Transport = (htm_web::tls::Transport, Option<std::sync::Arc<htm_web::tls::ServerConfig>>);

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let (addr_flag, tls_flags) = match &cli.command {
        Command::Serve { addr, tls } | Command::Demo { addr, tls, .. } => (addr.clone(), tls.clone()),
        _ => (None, tls::TlsArgs::default()),
    };
    let overrides = config::Overrides {
        database_url: cli.db.clone(),
        addr: addr_flag,
        tls_cert: tls_flags.tls_cert,
        tls_key: tls_flags.tls_key,
    };
    let settings = config::load(cli.config.as_deref(), &overrides)?;
    let transport = match &cli.command {
        Command::Serve { .. } | Command::Demo { no_serve: false, .. } => match tls::prepare(&settings) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        },
        _ => (htm_web::tls::Transport::Plain, None),
    };
    match cli.command {
        Command::Serve { .. } => {
            let s = open(&settings).await?;
            bootstrap_admin(&s).await?;
            serve(s, &settings, transport).await?;
        }
        Command::Demo { no_serve, .. } => {
            let s = open(&settings).await?;
            bootstrap_admin(&s).await?;
            if s.store.is_empty().await? {
                let started = std::time::Instant::now();
                let today = jiff::Zoned::now().date();
                let sum = s.seed_demo(today).await?;
                eprintln!(
                    "Seeded the demo hospital in {:.1} s: {} sites, {} departments, {} device models, {} assets, {} work orders.",
                    started.elapsed().as_secs_f64(),
                    sum.sites,
                    sum.departments,
                    sum.models,
                    sum.assets,
                    sum.work_orders
                );
                let names: Vec<String> = sum.users.iter().take(6).map(|(u, r)| format!("{u} ({r})")).collect();
                eprintln!(
                    "Sign in as 'admin' (password from HTM_ADMIN_PASSWORD, or the one printed above), or as a demo user with the password '{}': {}, …",
                    htm_service::demo::DEMO_PASSWORD,
                    names.join(", ")
                );
            } else {
                eprintln!("The database already holds an inventory; not seeding the demo again.");
            }
            if !no_serve {
                let scheme = if transport.1.is_some() { "https" } else { "http" };
                eprintln!("Open {scheme}://{}/ in a browser.", settings.addr);
                serve(s, &settings, transport).await?;
            }
        }
        Command::Migrate => {
            let s = open(&settings).await?;
            bootstrap_admin(&s).await?;
            eprintln!("The database is up to date.");
        }
        Command::Import {
            what:
                what @ (ImportWhat::Assets(_)
                | ImportWhat::Models(_)
                | ImportWhat::Locations(_)
                | ImportWhat::Vendors(_)
                | ImportWhat::PmSchedules(_)
                | ImportWhat::WorkOrders(_)),
        } => {
            let s = open(&settings).await?;
            let Some((kind, args)) = spreadsheet_import_args(what) else { bail!("not a spreadsheet import") };
            return spreadsheet::import(&s, kind, args).await;
        }
        Command::Import { what: ImportWhat::Recalls { file } } => {
            let s = open(&settings).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            match s.import_recalls(&Principal::system(), &bytes).await {
                Ok(n) => println!("inserted {}, updated {}, unchanged {}", n.inserted, n.updated, n.unchanged),
                Err(htm_service::ServiceError::Validation(fields)) => {
                    for f in &fields {
                        eprintln!("{}: {}: {}", file.display(), f.field, f.message);
                    }
                    eprintln!("{} problem(s) found; nothing was imported.", fields.len());
                    return Ok(ExitCode::FAILURE);
                }
                Err(e) => bail!("import failed, nothing was imported: {e}"),
            }
        }
        Command::Import { what: ImportWhat::Kev { file } } => {
            let s = open(&settings).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            match s.import_kev(&Principal::system(), &bytes).await {
                Ok(n) => println!("inserted {}, updated {}, unchanged {}", n.inserted, n.updated, n.unchanged),
                Err(htm_service::ServiceError::Validation(fields)) => {
                    for f in &fields {
                        eprintln!("{}: {}: {}", file.display(), f.field, f.message);
                    }
                    eprintln!("{} problem(s) found; nothing was imported.", fields.len());
                    return Ok(ExitCode::FAILURE);
                }
                Err(e) => bail!("import failed, nothing was imported: {e}"),
            }
        }
        Command::Import { what: ImportWhat::Sbom { model, sw_version, file } } => {
            let s = open(&settings).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            match s.import_sbom(&Principal::system(), model, &sw_version, &bytes).await {
                Ok(r) => println!(
                    "{}: {} components (model {model}, version {sw_version})",
                    r.outcome.as_str(),
                    r.sbom.component_count
                ),
                Err(htm_service::ServiceError::Validation(fields)) => {
                    for f in &fields {
                        eprintln!("{}: {}: {}", file.display(), f.field, f.message);
                    }
                    eprintln!("{} problem(s) found; nothing was imported.", fields.len());
                    return Ok(ExitCode::FAILURE);
                }
                Err(e) => bail!("import failed, nothing was imported: {e}"),
            }
        }
        Command::Udi { what } => return Ok(udi::run(what)),
        Command::Backup { file } => return backup::backup_cmd(&settings, &file).await,
        Command::Restore { file } => return backup::restore_cmd(&settings, &file).await,
        Command::CopyDb { from, to } => return backup::copy_db_cmd(&settings, &from, &to).await,
        Command::Notify { what: NotifyCommand::RunOnce } => {
            notify::run_once(&open(&settings).await?, &settings).await?
        }
        Command::Recalls { what: RecallsCommand::Match { json } } => {
            let s = open(&settings).await?;
            let candidates = s.match_recalls(&Principal::system()).await?;
            if json {
                let list: Vec<serde_json::Value> = candidates
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "recall": c.recall, "asset_tag": c.asset_tag,
                            "confidence": c.confidence, "reasons": c.reasons,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for c in &candidates {
                    println!("{}\t{}\t{}\t{}", c.recall, c.asset_tag, c.confidence, c.reasons.join("; "));
                }
                eprintln!("{} candidate match(es) to decide.", candidates.len());
            }
        }
        Command::Export { what: ExportWhat::Fhir { out, resource_type } } => {
            fhir::export(&open(&settings).await?, resource_type, out).await?
        }
        Command::Export { what: ExportWhat::Assets { format, out } } => {
            let s = open(&settings).await?;
            spreadsheet::export(&s, htm_domain::spreadsheet::SheetKind::Assets, format, out).await?;
        }
        Command::Export {
            what:
                what @ (ExportWhat::Models(_)
                | ExportWhat::Locations(_)
                | ExportWhat::Vendors(_)
                | ExportWhat::PmSchedules(_)
                | ExportWhat::WorkOrders(_)),
        } => {
            use htm_domain::spreadsheet::SheetKind;
            let (kind, a) = match what {
                ExportWhat::Models(a) => (SheetKind::Models, a),
                ExportWhat::Locations(a) => (SheetKind::Locations, a),
                ExportWhat::Vendors(a) => (SheetKind::Vendors, a),
                ExportWhat::PmSchedules(a) => (SheetKind::PmSchedules, a),
                ExportWhat::WorkOrders(a) => (SheetKind::WorkOrders, a),
                _ => bail!("not a spreadsheet export"),
            };
            let s = open(&settings).await?;
            spreadsheet::export(&s, kind, spreadsheet::export_format(a.format), a.out).await?;
        }
        Command::User { what: UserCommand::Add { name, role, display_name, email, vendor_id } } => {
            let s = open(&settings).await?;
            let role = htm_domain::user::Role::parse(&role)?;
            let (password, generated) = match std::env::var("HTM_NEW_USER_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (htm_service::auth::random_password(), true),
            };
            let u = s
                .add_user_as_system(htm_domain::user::NewUser {
                    username: name.clone(),
                    display_name: display_name.unwrap_or_else(|| name.clone()),
                    role,
                    email,
                    vendor_id: vendor_id.map(htm_domain::ids::VendorId),
                    password: password.clone(),
                })
                .await?;
            println!("Added user '{}' ({}).", u.username, u.role.as_str());
            if generated {
                println!("Password: {password}  (shown only this once)");
            }
        }
        Command::User { what: UserCommand::Token { what } } => tokens::run(&open(&settings).await?, what).await?,
        Command::User {
            what: UserCommand::Qualify { username, cert, model_id, expires, issued, reference, issuer },
        } => {
            let date = |s: Option<String>, what: &str| -> anyhow::Result<Option<jiff::civil::Date>> {
                s.map(|d| d.trim().parse().with_context(|| format!("--{what} '{d}' is not a date YYYY-MM-DD")))
                    .transpose()
            };
            let n = htm_domain::qualification::NewQualification {
                certification: cert.as_deref().map(htm_domain::qualification::Certification::parse).transpose()?,
                model_id: model_id.map(htm_domain::ids::ModelId),
                reference,
                issuer,
                issued_on: date(issued, "issued")?,
                expires_on: date(expires, "expires")?,
            };
            let s = open(&settings).await?;
            let q = s.add_qualification_by_username(&Principal::system(), &username, n).await?;
            println!("{}", serde_json::to_string_pretty(&q)?);
        }
        Command::Pm { what: PmCommand::Generate { month } } => {
            let month = htm_domain::pm::Month::parse(&month)?;
            let s = open(&settings).await?;
            let g = s.generate_pm(&Principal::system(), month).await?;
            s.checkpoint().await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "month": month.to_string(), "schedules": g.schedules, "created": g.created, "already_open": g.already_open
                }))?
            );
        }
        Command::Pm { what: PmCommand::ImportEsa { work_order, file, standard } } => {
            let standard = htm_domain::esa::EsaStandard::parse(&standard)?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let s = open(&settings).await?;
            let sys = Principal::system();
            let id = find_work_order(&s, &sys, &work_order).await?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            match s.import_esa_csv(&sys, id, standard, name.as_deref(), &bytes).await {
                Ok(out) => println!("{}", serde_json::to_string_pretty(&out)?),
                Err(htm_service::csv_assets::ImportError::Rows(rows)) => {
                    for r in &rows {
                        eprintln!("{r}");
                    }
                    bail!("{} problem(s) found in {}; nothing was imported.", rows.len(), file.display());
                }
                Err(htm_service::csv_assets::ImportError::Service(e)) => {
                    bail!("import failed, nothing was imported: {e}")
                }
            }
        }
        Command::Report { what: ReportCommand::Repairs { from, to, group_by, format } } => {
            let period = htm_domain::repair_analytics::Period::parse(&from, &to)?;
            let group_by = htm_domain::repair_analytics::RepairGroupBy::parse(&group_by)?;
            let s = open(&settings).await?;
            let r = s.repair_report(&Principal::system(), period, group_by).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                Format::Csv => {
                    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
                    w.write_record(htm_service::repair_analytics::RepairReport::CSV_HEADER)?;
                    for row in r.csv_rows() {
                        w.write_record(row)?;
                    }
                    w.flush()?;
                }
            }
        }
        Command::Report { what: ReportCommand::SurveyPack { out, site, as_of } } => {
            let o =
                htm_web::api::survey::options(site, as_of.as_deref()).map_err(|e| anyhow::anyhow!(e.body.message))?;
            let s = open(&settings).await?;
            let pack = s.survey_pack(&Principal::system(), o).await?;
            let (pack, bytes) = htm_web::api::survey::render_pdf(pack).await?;
            std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "Survey pack for {} as of {} written to {} ({} bytes); high-risk PM completion {} to {}: {}",
                pack.organisation,
                pack.as_of,
                out.display(),
                bytes.len(),
                pack.period_first_month,
                pack.period_last_month,
                pack.pm_completion
                    .high_risk
                    .completion_rate
                    .map(|r| format!("{r:.1} %"))
                    .unwrap_or_else(|| "none scheduled".into())
            );
        }
        Command::Report { what: ReportCommand::PmCompliance { month, format } } => {
            let month = htm_domain::pm::Month::parse(&month)?;
            let s = open(&settings).await?;
            let r = s.pm_compliance(&Principal::system(), month).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                Format::Csv => {
                    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
                    w.write_record([
                        "month",
                        "group",
                        "department",
                        "cost_center",
                        "scheduled",
                        "completed_on_time",
                        "completed_late",
                        "open",
                        "unable_to_locate",
                        "in_use",
                        "completion_rate",
                    ])?;
                    let mut rows: Vec<(&str, String, String, &htm_service::pm::PmCounts)> = vec![
                        ("total", String::new(), String::new(), &r.total),
                        ("high_risk", String::new(), String::new(), &r.high_risk),
                        ("life_support", String::new(), String::new(), &r.life_support),
                        ("other", String::new(), String::new(), &r.other),
                    ];
                    for d in &r.departments {
                        rows.push(("department", d.department.clone(), d.cost_center.clone(), &d.counts));
                    }
                    for (group, dept, cc, c) in rows {
                        w.write_record([
                            r.month.clone(),
                            group.to_string(),
                            dept,
                            cc,
                            c.scheduled.to_string(),
                            c.completed_on_time.to_string(),
                            c.completed_late.to_string(),
                            c.open.to_string(),
                            c.unable_to_locate.to_string(),
                            c.in_use.to_string(),
                            c.completion_rate.map(|x| format!("{x:.1}")).unwrap_or_default(),
                        ])?;
                    }
                    w.flush()?;
                }
            }
        }
        Command::Esa { what: EsaCommand::Limits { standard, class, applied_part } } => {
            let (standard, class, ap) = htm_web::api::esa_choice(&standard, &class, &applied_part)?;
            let s = open(&settings).await?;
            let limits: Vec<htm_web::api::EsaLimitOut> =
                s.esa_limits(standard, class, ap).await?.into_iter().map(Into::into).collect();
            println!("{}", serde_json::to_string_pretty(&limits)?);
        }
        Command::Gen { assets, years, seed, end } => {
            let s = open(&settings).await?;
            synth::gen_cmd(&s, assets, years, seed, end.as_deref()).await?;
        }
        Command::GenRecalls { count, seed } => {
            recall_bench::gen_recalls_cmd(&open(&settings).await?, count, seed).await?
        }
        Command::Bench { what, month, runs } => {
            let s = open(&settings).await?;
            synth::bench_cmd(&s, what, month.as_deref(), runs).await?;
        }
        Command::Audit { what: AuditCommand::Verify } => {
            let s = open(&settings).await?;
            match s.verify_audit().await? {
                Ok(n) => println!("The audit chain is intact: {n} events verified."),
                Err(b) => {
                    eprintln!("The audit chain is BROKEN at {b}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The kind of a spreadsheet import (`htm import assets|models|…`), if it is one.
fn spreadsheet_import(what: &ImportWhat) -> Option<htm_domain::spreadsheet::SheetKind> {
    use htm_domain::spreadsheet::SheetKind;
    Some(match what {
        ImportWhat::Assets(_) => SheetKind::Assets,
        ImportWhat::Models(_) => SheetKind::Models,
        ImportWhat::Locations(_) => SheetKind::Locations,
        ImportWhat::Vendors(_) => SheetKind::Vendors,
        ImportWhat::PmSchedules(_) => SheetKind::PmSchedules,
        ImportWhat::WorkOrders(_) => SheetKind::WorkOrders,
        _ => return None,
    })
}

fn spreadsheet_import_args(what: ImportWhat) -> Option<(htm_domain::spreadsheet::SheetKind, spreadsheet::ImportArgs)> {
    let kind = spreadsheet_import(&what)?;
    match what {
        ImportWhat::Assets(a)
        | ImportWhat::Models(a)
        | ImportWhat::Locations(a)
        | ImportWhat::Vendors(a)
        | ImportWhat::PmSchedules(a)
        | ImportWhat::WorkOrders(a) => Some((kind, a)),
        _ => None,
    }
}

/// A work order named by its number (`WO-YYYY-NNNNNN`) or its id.
async fn find_work_order(
    s: &htm_service::Services,
    p: &Principal,
    name: &str,
) -> anyhow::Result<htm_domain::ids::WorkOrderId> {
    let name = name.trim();
    if let Ok(id) = name.parse::<i64>() {
        return Ok(htm_domain::ids::WorkOrderId(id));
    }
    let f = htm_store::WorkOrderFilter { q: Some(name.to_string()), ..Default::default() };
    let page = s.list_work_orders(p, f, htm_domain::page::PageRequest { limit: 20, after: None }).await?;
    page.items
        .into_iter()
        .find(|w| w.number.eq_ignore_ascii_case(name))
        .map(|w| w.id)
        .ok_or_else(|| anyhow::anyhow!("no work order {name}"))
}
