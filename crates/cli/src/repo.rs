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
        #[command(flatten)]
        policy: PolicyFlags,
    },
    /// Change a repository's policy: only what is given changes (a list flag replaces the list).
    #[command(
        after_help = "Examples:\n  arca repo update prod --promote-from staging --gate signed --gate approvals=2 --gate soak=24h\n  \
arca repo update prod --no-gates            # promotions into prod pass without gates"
    )]
    Update {
        name: String,
        #[command(flatten)]
        policy: PolicyFlags,
        /// Remove every gate.
        #[arg(long, conflicts_with = "gates")]
        no_gates: bool,
        /// Remove every pull gate.
        #[arg(long, conflicts_with = "pull_gates")]
        no_pull_gates: bool,
    },
    /// List repositories.
    Ls {
        #[command(flatten)]
        out: OutputFlag,
    },
    /// Delete an empty repository.
    Rm { name: String },
}

/// A repository's policy, as `repo create` sets it and `repo update` changes it (what is not given
/// stays as it is; a list flag replaces the list).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PolicyFlags {
    /// Tag pattern that may be moved (repeatable; `*` and `?` globs). Other tags are immutable.
    #[arg(long = "mutable-tag")]
    pub mutable_tags: Vec<String>,
    /// Stage label (dev, staging, prod).
    #[arg(long)]
    pub stage: Option<String>,
    /// Bytes the repository may hold (each distinct blob once); writes past it are refused.
    #[arg(long)]
    pub quota_bytes: Option<u64>,
    #[command(flatten)]
    pub promotion: PromotionFlags,
    /// npm repositories: let `npm unpublish` remove versions (`--allow-unpublish=false` turns it
    /// off again). Off by default: versions are immutable.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub allow_unpublish: Option<bool>,
}

/// Where versions are promoted into a repository from, and the gates they pass on the way.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PromotionFlags {
    /// A repository whose versions may be promoted into this one (repeatable; `arca promote`).
    #[arg(long = "promote-from", value_name = "REPO")]
    pub promote_from: Vec<String>,
    /// A gate promotions into it must pass (repeatable): signed, sbom, provenance,
    /// max-severity=<critical|high|medium|low>, approvals=<n>, soak=<duration>, cel=<expression>
    /// (docs/cel.md).
    #[arg(long = "gate", value_name = "GATE")]
    pub gates: Vec<String>,
    /// A gate a manifest pull from it must pass (repeatable): signed, sbom, provenance,
    /// max-severity=<…>. Referrers, and callers who may publish there, are exempt.
    #[arg(long = "pull-gate", value_name = "GATE")]
    pub pull_gates: Vec<String>,
}

impl PromotionFlags {
    fn sources(&self) -> anyhow::Result<Vec<RepoName>> {
        Ok(self.promote_from.iter().map(|r| RepoName::parse(r)).collect::<Result<_, _>>()?)
    }
}

pub async fn run(command: &RepoCommand, settings: Settings) -> anyhow::Result<()> {
    let app = App::build(&settings).await?;
    let registry = &app.registry;
    match command {
        RepoCommand::Create { name, format, policy } => {
            let PolicyFlags { mutable_tags, stage, quota_bytes, promotion, allow_unpublish } = policy;
            // No `--mutable-tag`: every tag immutable, whatever the format's default.
            let new = NewRepository {
                stage: stage.clone(),
                mutable_tags: Some(mutable_tags.clone()),
                quota_bytes: *quota_bytes,
                promote_from: promotion.sources()?,
                gates: promotion.gates.clone(),
                pull_gates: promotion.pull_gates.clone(),
                allow_unpublish: allow_unpublish.unwrap_or(false),
                ..NewRepository::parse(name, format)?
            };
            let repo = registry.create_repository(new, &arca_core::audit::Actor::system()).await?;
            println!("created repository {name} ({})", repo.format);
        }
        RepoCommand::Update { name, policy, no_gates, no_pull_gates } => {
            let PolicyFlags { mutable_tags, stage, quota_bytes, promotion, allow_unpublish } = policy;
            let mut repo = NewRepository::from(registry.get_repository(&RepoName::parse(name)?).await?);
            if !mutable_tags.is_empty() {
                repo.mutable_tags = Some(mutable_tags.clone());
            }
            if stage.is_some() {
                repo.stage = stage.clone();
            }
            if quota_bytes.is_some() {
                repo.quota_bytes = *quota_bytes;
            }
            if !promotion.promote_from.is_empty() {
                repo.promote_from = promotion.sources()?;
            }
            if *no_gates || !promotion.gates.is_empty() {
                repo.gates = promotion.gates.clone();
            }
            if *no_pull_gates || !promotion.pull_gates.is_empty() {
                repo.pull_gates = promotion.pull_gates.clone();
            }
            if let Some(allow) = allow_unpublish {
                repo.allow_unpublish = *allow;
            }
            registry.declare_repository(repo, &arca_core::audit::Actor::system()).await?;
            println!("updated repository {name}");
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
