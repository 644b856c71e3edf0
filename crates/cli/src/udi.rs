//! `htm udi parse STRING`: prints the parsed UDI as JSON (REFERENCE §5); exits 1 with the
//! reason (where and why) on invalid input. Needs no database.

use clap::Subcommand;
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UdiCommand {
    /// Parse a UDI (GS1 with GS = ASCII 29 or in (AI) form, HIBCC `+…`, ISBT 128 `=…`; a scanner's
    /// symbology identifier such as `]d2` is stripped) and print JSON {issuer, di, lot, serial,
    /// expiry, manufactured, …}; `-` reads one UDI per line from standard input (JSON lines)
    Parse {
        /// The UDI as scanned, or `-` for standard input
        udi: String,
    },
}

fn parse_one(raw: &str, today: jiff::civil::Date) -> Result<String, String> {
    let p = htm_service::udi::parse(raw, today).map_err(|e| match e {
        htm_service::ServiceError::Validation(f) => f.into_iter().map(|f| f.message).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    })?;
    serde_json::to_string(&p).map_err(|e| e.to_string())
}

pub fn run(cmd: UdiCommand) -> ExitCode {
    let today = jiff::Zoned::now().date();
    match cmd {
        UdiCommand::Parse { udi } if udi == "-" => {
            let mut failed = false;
            for (n, line) in std::io::stdin().lock().lines().enumerate() {
                let Ok(line) = line else {
                    eprintln!("error: standard input is not UTF-8 text");
                    return ExitCode::FAILURE;
                };
                match parse_one(&line, today) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        failed = true;
                        eprintln!("line {}: invalid UDI: {e}", n + 1);
                        println!("{}", serde_json::json!({"error": e}));
                    }
                }
            }
            if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        UdiCommand::Parse { udi } => match parse_one(&udi, today) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: invalid UDI: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
