//! `arca user …` and `arca token …`: principals, on the local database (as `system`, audited), or on
//! a server (`client::users`).

use anyhow::{Context, bail};
use arca_core::audit::Actor;
use arca_core::auth::Permission;
use arca_server::{App, Settings};
use clap::Subcommand;

use crate::client::{Failure, Output, OutputFlag};
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
    Ls {
        #[command(flatten)]
        out: OutputFlag,
    },
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
        /// The user the token acts for (it never exceeds their grants). On a server: yourself by
        /// default (someone else needs admin on every repository); required on the local database.
        #[arg(long)]
        user: Option<String>,
        /// PATTERN:ACTION[,ACTION…] (actions: read, publish, delete, promote, admin) or PATTERN:ROLE, repeatable.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Lifetime: 30d, 12h, 90m, 3600s. Without it the token lives until revoked.
        #[arg(long)]
        expires_in: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List tokens (never their secrets). On a server: your own, or an administrator's choice.
    Ls {
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        out: OutputFlag,
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
        UserCommand::Ls { out } => {
            let users = auth.list_users().await?;
            if out.output == Output::Json {
                let users: Vec<serde_json::Value> = users
                    .iter()
                    .map(|u| {
                        serde_json::json!({ "name": u.name, "service_account": u.password_hash.is_none(),
                            "grants": permission_texts(&u.grants), "created_at": u.created_at })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&users)?);
            }
            for user in users.iter().filter(|_| out.output == Output::Text) {
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
            let user = user.as_deref().ok_or_else(|| Failure::usage("--user: whose token (on the local database)"))?;
            let ttl = expires_in.as_deref().map(parse_duration).transpose()?;
            let issued =
                auth.create_token(&Actor::system(), user, description, parse_permissions(scopes)?, ttl).await?;
            println!("created token {} for {user}; it is shown only this once:", issued.token.id);
            println!("{}", issued.text);
        }
        TokenCommand::Ls { user, out } => {
            let now = arca_core::now_millis();
            let tokens = auth.list_tokens(user.as_deref()).await?;
            if out.output == Output::Json {
                let tokens: Vec<serde_json::Value> = tokens
                    .iter()
                    .map(|t| {
                        serde_json::json!({ "id": t.id, "owner": t.owner, "description": t.description,
                            "scopes": permission_texts(&t.scopes), "created_at": t.created_at,
                            "expires_at": t.expires_at, "revoked_at": t.revoked_at })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&tokens)?);
            }
            for t in tokens.iter().filter(|_| out.output == Output::Text) {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.owner,
                    state(t.revoked_at, t.expires_at, now),
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

/// `revoked`, `expired`, `expires-in=Ns` or `live`.
pub fn state(revoked_at: Option<i64>, expires_at: Option<i64>, now: i64) -> String {
    match (revoked_at, expires_at) {
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

fn permission_texts(permissions: &[Permission]) -> Vec<String> {
    permissions.iter().map(ToString::to_string).collect()
}

fn permissions_text(permissions: &[Permission]) -> String {
    permissions.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

pub fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

/// `30d`, `12h`, `90m`, `3600s`, or plain seconds, 1 to 99 999 999 units: the grammar of the API's
/// `expires_in` (`arca_api`'s `parse_lifetime`, which the server applies to `token create` on a server).
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    if number.len() > 8 || number.starts_with('0') {
        bail!("duration {text:?}: 1 to 99999999 d, h, m or s");
    }
    let n: u64 = number.parse().with_context(|| format!("duration {text:?}: use 30d, 12h, 90m or 3600s"))?;
    let unit = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => bail!("duration {text:?}: use 30d, 12h, 90m or 3600s"),
    };
    Ok(Duration::from_secs(n * unit))
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
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("999999999d").is_err(), "at most 8 digits: no overflow");
    }
}
