//! `htm user token create|list|revoke`: personal API tokens (issue 7 §2) from the server's
//! command line, acting as the system administrator (audited as `system`). The secret of a new
//! token is printed once on standard output; only its SHA-256 is stored.

use clap::Subcommand;
use htm_domain::api_token::TokenScope;
use htm_service::api_tokens::TokenRequest;
use htm_service::{Principal, Services};
use htm_store::ApiToken;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user and print its secret (shown only this once)
    Create {
        /// The owner's user name
        #[arg(long)]
        user: String,
        /// What the token is for
        #[arg(long)]
        name: String,
        /// read (GET/HEAD only) or write (the owner's full role permissions)
        #[arg(long)]
        scope: String,
        /// Lifetime in days, 1-365 (default 90)
        #[arg(long)]
        days: Option<i64>,
    },
    /// List tokens (tab-separated: id, user, name, scope, prefix, created, expires, last used, state): one user's, or everyone's
    List {
        /// Only this user's tokens
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by id: it stops working at once
    Revoke { id: i64 },
}

fn state(t: &ApiToken, now: jiff::Timestamp) -> &'static str {
    if t.revoked_at.is_some() {
        "revoked"
    } else if t.expires_at <= now {
        "expired"
    } else {
        "active"
    }
}

pub async fn run(s: &Services, cmd: TokenCommand) -> anyhow::Result<()> {
    let sys = Principal::system();
    match cmd {
        TokenCommand::Create { user, name, scope, days } => {
            let scope = TokenScope::parse(&scope)?;
            let c = s
                .create_api_token_for_username(&sys, &user, TokenRequest { name, scope, expires_in_days: days })
                .await?;
            eprintln!(
                "Created API token {} '{}' for {} (scope {}, expires {}). The secret is shown only this once:",
                c.token.id,
                c.token.name,
                c.token.username,
                c.token.scope.as_str(),
                c.token.expires_at
            );
            println!("{}", c.secret);
        }
        TokenCommand::List { user } => {
            let now = jiff::Timestamp::now();
            for t in s.list_api_tokens_by_username(&sys, user.as_deref()).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.username,
                    t.name,
                    t.scope.as_str(),
                    t.prefix,
                    t.created_at,
                    t.expires_at,
                    t.last_used_at.map(|x| x.to_string()).unwrap_or_else(|| "-".into()),
                    state(&t, now)
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let t = s.revoke_api_token(&sys, id).await?;
            println!("Revoked API token {} '{}' of {}.", t.id, t.name, t.username);
        }
    }
    Ok(())
}
