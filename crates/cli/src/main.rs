//! The `arca` binary.

mod audit;
mod repo;
mod users;

use anyhow::Context;
use arca_server::{RawConfig, Settings};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "arca", version, about = "A universal artifact registry in one binary.")]
#[command(
    after_help = "Examples:\n  arca serve                          # http://127.0.0.1:8080, data in ./arca-data\n  arca serve --data /srv/arca --listen 127.0.0.1:5000\n  arca config show                    # effective configuration and where each value came from\n  arca repo create prod --format oci --mutable-tag latest"
)]
struct Cli {
    #[command(flatten)]
    config: ConfigFlags,
    #[command(subcommand)]
    command: Command,
}

/// Flags that override the configuration file and the environment.
#[derive(Args)]
struct ConfigFlags {
    /// TOML configuration file.
    #[arg(long, global = true, env = "ARCA_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, global = true)]
    listen: Option<String>,
    /// Data directory [default: ./arca-data].
    #[arg(long, global = true)]
    data: Option<String>,
    /// Metadata database: sqlite://PATH or postgres://… [default: sqlite under the data directory].
    #[arg(long, global = true)]
    database: Option<String>,
    /// Blob storage: file://DIR [default: the data directory].
    #[arg(long, global = true)]
    storage: Option<String>,
    /// Serve beyond loopback without authentication (dangerous).
    #[arg(long, global = true)]
    insecure_no_auth: bool,
    /// Require users and tokens (auth.enabled = true). The first start creates user admin with the
    /// password in ARCA_ADMIN_PASSWORD, or prints a random one once.
    #[arg(long, global = true)]
    auth: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the registry server.
    Serve,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage repositories (on the local database).
    #[command(subcommand)]
    Repo(repo::RepoCommand),
    /// Manage users and their grants (on the local database).
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage API tokens (on the local database).
    #[command(subcommand)]
    Token(users::TokenCommand),
    /// Verify, list and export the audit log (on the local database).
    #[command(subcommand)]
    Audit(audit::AuditCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration and the source of each value (secrets masked).
    Show,
}

impl ConfigFlags {
    fn raw(&self) -> anyhow::Result<RawConfig> {
        let mut flags: Vec<(&'static str, String)> = Vec::new();
        let pairs =
            [("listen", &self.listen), ("data", &self.data), ("database", &self.database), ("storage", &self.storage)];
        for (key, value) in pairs {
            if let Some(v) = value {
                flags.push((key, v.clone()));
            }
        }
        if self.insecure_no_auth {
            flags.push(("insecure_no_auth", "true".into()));
        }
        if self.auth {
            flags.push(("auth.enabled", "true".into()));
        }
        Ok(RawConfig::load(self.config.as_deref(), std::env::vars(), &flags)?)
    }

    fn settings(&self) -> anyhow::Result<Settings> {
        Ok(Settings::from_raw(&self.raw()?)?)
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(async {
        match &cli.command {
            Command::Serve => serve(cli.config.settings()?).await,
            Command::Config(ConfigCommand::Show) => {
                print!("{}", cli.config.raw()?.show()?);
                Ok(())
            }
            Command::Repo(command) => repo::run(command, cli.config.settings()?).await,
            Command::User(command) => users::run_user(command, cli.config.settings()?).await,
            Command::Token(command) => users::run_token(command, cli.config.settings()?).await,
            Command::Audit(command) => audit::run(command, cli.config.settings()?).await,
        }
    })
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    arca_server::init_logging(&settings);
    let data = settings.data.clone();
    arca_server::run(settings, arca_server::shutdown_signal(), |addr| {
        // Scripts and tests wait for this exact line.
        println!("arca listening on http://{addr} (data in {})", data.display());
    })
    .await?;
    Ok(())
}
