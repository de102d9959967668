//! `arca repo …`: repository administration on the local database (or on a server: `client::query::repo`).

use arca_core::registry::NewRepository;
use arca_server::{App, Settings};
use arca_types::RepoName;
use clap::Subcommand;

use crate::client::{Output, OutputFlag};

#[derive(Subcommand)]
pub enum RepoCommand {
    /// Create a repository.
    Create {
        name: String,
        /// oci, generic, pypi, npm, cargo or maven.
        #[arg(long, default_value = "oci")]
        format: String,
        /// Tag pattern that may be moved (repeatable; `*` and `?` globs). Other tags are immutable.
        #[arg(long = "mutable-tag")]
        mutable_tags: Vec<String>,
        /// Stage label (dev, staging, prod).
        #[arg(long)]
        stage: Option<String>,
        /// Bytes the repository may hold (each distinct blob once); writes past it are refused.
        #[arg(long)]
        quota_bytes: Option<u64>,
    },
    /// List repositories.
    Ls {
        #[command(flatten)]
        out: OutputFlag,
    },
    /// Delete an empty repository.
    Rm { name: String },
}

pub async fn run(command: &RepoCommand, settings: Settings) -> anyhow::Result<()> {
    let app = App::build(&settings).await?;
    let registry = &app.registry;
    match command {
        RepoCommand::Create { name, format, mutable_tags, stage, quota_bytes } => {
            // No `--mutable-tag`: every tag immutable, whatever the format's default.
            let new = NewRepository {
                stage: stage.clone(),
                mutable_tags: Some(mutable_tags.clone()),
                quota_bytes: *quota_bytes,
                ..NewRepository::parse(name, format)?
            };
            let repo = registry.create_repository(new, &arca_core::audit::Actor::system()).await?;
            println!("created repository {name} ({})", repo.format);
        }
        RepoCommand::Ls { out } => {
            let repos = registry.list_repositories().await?;
            if out.output == Output::Json {
                println!("{}", serde_json::to_string_pretty(&repos)?);
            } else {
                for r in repos {
                    let stage = r.stage.as_deref().unwrap_or("-");
                    println!(
                        "{}\t{}\t{}\tstage={stage}\tmutable_tags={}",
                        r.name,
                        r.format,
                        r.kind,
                        r.mutable_tags.join(",")
                    );
                }
            }
        }
        RepoCommand::Rm { name } => {
            registry.delete_repository(&RepoName::parse(name)?, &arca_core::audit::Actor::system()).await?;
            println!("deleted repository {name}");
        }
    }
    Ok(())
}
