//! `arca user …` and `arca token …`: principals, on the local database (as `system`, audited).

use anyhow::{Context, bail};
use arca_core::audit::Actor;
use arca_core::auth::{Permission, Token};
use arca_server::{App, Settings};
use clap::Subcommand;
use std::io::BufRead;
use std::time::Duration;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user (or, with --service-account, an identity reached only through tokens).
    Add {
        name: String,
        /// PATTERN:ROLE or PATTERN:ACTION[,ACTION…], repeatable: `dev-*:publisher`, `*:admin`, `prod:read`.
        /// Roles: reader, publisher, promoter, admin.
        #[arg(long = "grant")]
        grants: Vec<String>,
        /// Read the password from the first line of standard input (otherwise a random one is printed).
        #[arg(long)]
        password_stdin: bool,
        /// No password: the account acts only through its tokens (for CI).
        #[arg(long, conflicts_with = "password_stdin")]
        service_account: bool,
    },
    /// List users and their grants.
    Ls,
    /// Remove a user and their tokens.
    Rm { name: String },
    /// Set a user's password (from standard input with --password-stdin, otherwise a random one).
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Replace a user's grants.
    Grant {
        name: String,
        #[arg(long = "grant", required = true)]
        grants: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; it is printed once and stored only as a hash.
    Create {
        /// The user the token acts for (it never exceeds their grants).
        #[arg(long)]
        user: String,
        /// PATTERN:ACTION[,ACTION…] (actions: read, publish, delete, promote, admin) or PATTERN:ROLE, repeatable.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Lifetime: 30d, 12h, 90m, 3600s. Without it the token lives until revoked.
        #[arg(long)]
        expires_in: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List tokens (never their secrets).
    Ls {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by id.
    Revoke { id: String },
}

pub async fn run_user(command: &UserCommand, settings: Settings) -> anyhow::Result<()> {
    let app = App::build(&settings).await?;
    let auth = &app.auth;
    let system = Actor::system();
    match command {
        UserCommand::Add { name, grants, password_stdin, service_account } => {
            let grants = parse_permissions(grants)?;
            let (password, generated) = match (*service_account, *password_stdin) {
                (true, _) => (None, false),
                (false, true) => (Some(read_password()?), false),
                (false, false) => (Some(arca_core::auth::secret::random_hex(16)?), true),
            };
            auth.add_user(&system, name, password.as_deref(), grants).await?;
            println!("added user {name}");
            if generated {
                println!("password (shown once): {}", password.unwrap_or_default());
            }
        }
        UserCommand::Ls => {
            for user in auth.list_users().await? {
                let kind = if user.password_hash.is_some() { "user" } else { "service-account" };
                println!("{}\t{kind}\t{}", user.name, permissions_text(&user.grants));
            }
        }
        UserCommand::Rm { name } => {
            auth.remove_user(&system, name).await?;
            println!("removed user {name} and their tokens");
        }
        UserCommand::Passwd { name, password_stdin } => {
            let password = if *password_stdin { read_password()? } else { arca_core::auth::secret::random_hex(16)? };
            auth.set_password(&system, name, &password).await?;
            println!("password of {name} changed");
            if !password_stdin {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::Grant { name, grants } => {
            auth.set_grants(&system, name, parse_permissions(grants)?).await?;
            println!("grants of {name} replaced");
        }
    }
    Ok(())
}

pub async fn run_token(command: &TokenCommand, settings: Settings) -> anyhow::Result<()> {
    let app = App::build(&settings).await?;
    let auth = &app.auth;
    match command {
        TokenCommand::Create { user, scopes, expires_in, description } => {
            let ttl = expires_in.as_deref().map(parse_duration).transpose()?;
            let issued =
                auth.create_token(&Actor::system(), user, description, parse_permissions(scopes)?, ttl).await?;
            println!("created token {} for {user}; it is shown only this once:", issued.token.id);
            println!("{}", issued.text);
        }
        TokenCommand::Ls { user } => {
            let now = arca_core::now_millis();
            for t in auth.list_tokens(user.as_deref()).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.owner,
                    state(&t, now),
                    permissions_text(&t.scopes),
                    t.description
                );
            }
        }
        TokenCommand::Revoke { id } => {
            auth.revoke_token(&Actor::system(), id).await?;
            println!("revoked token {id}");
        }
    }
    Ok(())
}

fn state(t: &Token, now: i64) -> String {
    match (t.revoked_at, t.expires_at) {
        (Some(_), _) => "revoked".into(),
        (None, Some(at)) if at <= now => "expired".into(),
        (None, Some(at)) => format!("expires-in={}s", (at - now) / 1000),
        (None, None) => "live".into(),
    }
}

fn parse_permissions(texts: &[String]) -> anyhow::Result<Vec<Permission>> {
    texts
        .iter()
        .map(|t| {
            Permission::parse(t).with_context(|| {
                format!("{t:?}: use PATTERN:ROLE (reader, publisher, promoter, admin) or PATTERN:ACTION[,ACTION…]")
            })
        })
        .collect()
}

fn permissions_text(permissions: &[Permission]) -> String {
    permissions.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

/// `30d`, `12h`, `90m`, `3600s`, or plain seconds.
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().with_context(|| format!("duration {text:?}: use 30d, 12h, 90m or 3600s"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => bail!("duration {text:?}: use 30d, 12h, 90m or 3600s"),
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30d").unwrap(), Duration::from_secs(30 * 86400));
        assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("15").unwrap(), Duration::from_secs(15));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3w").is_err());
    }
}
