//! The `arca` binary.

mod audit;
mod backup;
mod client;
mod repo;
mod users;

use anyhow::Context;
use arca_server::{RawConfig, Settings};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(name = "arca", version, about = "A universal artifact registry in one binary.")]
#[command(
    after_help = "Examples:\n  arca serve                          # http://127.0.0.1:8080, data in ./arca-data\n  arca serve --data /srv/arca --listen 127.0.0.1:5000\n  arca serve --tls-cert cert.pem --tls-key key.pem   # https (kill -HUP reloads the files)\n  arca config show                    # effective configuration and where each value came from\n  arca repo create prod --format oci --mutable-tag latest\n\n\
Client:\n  arca login http://arca.internal:8080 --username alice --password-stdin\n  \
arca push releases/tool@1.4.0 dist/tool.tar.gz dist/tool.zip --property channel=stable\n  \
arca search --property vcs.revision=3f1c2ab --output json\n  \
arca pull releases/tool@1.4.0 -o ./tool\n\n\
Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 denied or unauthenticated, 5 verification failed."
)]
struct Cli {
    #[command(flatten)]
    config: ConfigFlags,
    #[command(flatten)]
    client: client::ClientFlags,
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
    /// Blob storage: file://DIR or s3://BUCKET/PREFIX (endpoint and keys: s3.* or AWS_* variables) [default: the data directory].
    #[arg(long, global = true)]
    storage: Option<String>,
    /// Serve beyond loopback without authentication (dangerous).
    #[arg(long, global = true)]
    insecure_no_auth: bool,
    /// Require users and tokens (auth.enabled = true). The first start creates user admin with the
    /// password in ARCA_ADMIN_PASSWORD, or prints a random one once.
    #[arg(long, global = true)]
    auth: bool,
    /// Log lines as `text` or `json` (log.format).
    #[arg(long, global = true, value_parser = ["text", "json"])]
    log_format: Option<String>,
    /// Serve HTTPS with this PEM certificate chain (http.tls_cert; with --tls-key). Reloaded on SIGHUP
    /// and when the file changes.
    #[arg(long, global = true, value_name = "FILE")]
    tls_cert: Option<String>,
    /// The PEM private key of --tls-cert: PKCS#8, RSA or SEC1 EC (http.tls_key).
    #[arg(long, global = true, value_name = "FILE")]
    tls_key: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the registry server.
    Serve,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Save credentials for a server (checked first) and make it the default.
    Login(client::query::LoginArgs),
    /// Forget the saved credentials of a server (--server, or the default).
    Logout,
    /// Publish a version: one or more files, with properties (and provenance in CI).
    Push(client::push::PushArgs),
    /// Download a version's files, verifying every digest.
    Pull(client::pull::PullArgs),
    /// List a repository's packages, or a package's versions.
    Ls(client::query::LsArgs),
    /// Show a version: digest, size, files, properties, referrers.
    Info(client::query::InfoArgs),
    /// Find versions by repository, package, version, property, digest or time.
    Search(client::query::SearchArgs),
    /// Manage repositories: on a server with --server/ARCA_SERVER (or a saved login when no local
    /// --data/--database/--config is given), else on the local database.
    #[command(
        subcommand,
        after_help = "Examples:\n  arca repo create prod --format oci --mutable-tag latest\n  \
arca --server http://arca.internal:8080 repo create releases --format generic\n  arca repo ls --output json"
    )]
    Repo(repo::RepoCommand),
    /// Manage users and their grants: on a server (admin on every repository there) as `repo` decides,
    /// else on the local database.
    #[command(
        subcommand,
        after_help = "Examples:\n  arca user add alice --grant 'dev-*:publisher' --grant 'prod:reader'   # prints a password once\n  \
arca --server http://arca.internal:8080 user add ci --service-account --grant dev:publisher\n  \
arca user passwd alice --password-stdin < password.txt\n  arca user ls --output json"
    )]
    User(users::UserCommand),
    /// Manage API tokens: on a server (your own; anyone's as an administrator) as `repo` decides, else on
    /// the local database.
    #[command(
        subcommand,
        after_help = "Examples:\n  arca token create --scope 'dev:read,publish' --expires-in 30d --description laptop\n  \
arca token create --user ci --scope 'dev:publisher'      # someone else's: admin on every repository\n  \
arca token ls; arca token revoke <id>"
    )]
    Token(users::TokenCommand),
    /// Who the credentials are on the server, and what they may do.
    Whoami(client::OutputFlag),
    /// Verify, list and export the audit log (on the local database).
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Back up the local registry (its SQLite database and every blob it records) into DIR, which must
    /// be empty or new; the registry may keep serving meanwhile.
    Backup { dir: PathBuf },
    /// Make a new registry (--data must be empty or new) from a backup made by `arca backup`.
    Restore { dir: PathBuf },
    /// Check the local registry: every recorded blob present, of its size and hashing to its digest,
    /// every manifest reference recorded. Exits 1 when something is wrong.
    Fsck {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Remove damaged blob copies, so they are never served; pushing a blob again restores it.
        #[arg(long)]
        repair: bool,
    },
    /// Garbage collection of unreferenced blobs (on the server).
    #[command(subcommand)]
    Gc(client::storage::GcCommand),
    /// Retention policies: which versions a repository keeps (on the server).
    #[command(subcommand)]
    Retention(client::storage::RetentionCommand),
    /// The storage report (on the server).
    #[command(subcommand)]
    Storage(client::storage::StorageCommand),
    /// Promote a version (or a release) into the next stage after its gates pass (on the server).
    Promote(client::promote::PromoteArgs),
    /// Approve a version's promotion into a repository (for its `approvals=<n>` gate).
    Approve(client::promote::ApproveArgs),
    /// Yank a PyPI release (pip skips it unless pinned), or un-yank it with --undo.
    Yank(client::packages::YankArgs),
    /// Show or set a package's lifecycle state: active, archived, quarantined, deprecated (PEP 792).
    PackageStatus(client::packages::PackageStatusArgs),
    /// Make an earlier promoted digest current again in a repository.
    Rollback(client::promote::RollbackArgs),
    /// A package's promotions and rollbacks in a repository, newest first.
    History(client::promote::HistoryArgs),
    /// Where a package runs: the current digest in each stage and each environment.
    Where(client::promote::WhereArgs),
    /// Deployments reported by CD systems.
    #[command(subcommand)]
    Deployment(client::promote::DeploymentCommand),
    /// Make a cosign key pair (cosign.key, encrypted with COSIGN_PASSWORD or a prompt, and cosign.pub).
    Keygen(client::sign::KeygenArgs),
    /// Sign a version with a cosign key (a `sha256-<hex>.sig` signature, or a Sigstore bundle).
    Sign(client::sign::SignArgs),
    /// Verify a version's cosign signatures and Sigstore bundles with a public key, on this machine.
    Verify(client::sign::VerifyArgs),
    /// Attach a signed in-toto attestation (SLSA provenance, an SBOM, …) to a version.
    Attest(client::sign::AttestArgs),
    /// SBOMs of versions.
    #[command(subcommand)]
    Sbom(client::sign::SbomCommand),
    /// OSV advisories on the server.
    #[command(subcommand)]
    Advisories(client::vulns::AdvisoriesCommand),
    /// The known vulnerabilities of a version (from its SBOMs and the imported advisories).
    Vulns(client::vulns::VulnsArgs),
    /// A repository's trust roots: the keys and certificates its attachments are verified against.
    #[command(subcommand)]
    Trust(client::trust::TrustCommand),
    /// A version's signatures, attestations and SBOMs, with the server's verdicts and provenance.
    Attachments(client::trust::AttachmentsArgs),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration and the source of each value (secrets masked).
    Show,
}

impl ConfigFlags {
    fn raw(&self) -> anyhow::Result<RawConfig> {
        let mut flags: Vec<(&'static str, String)> = Vec::new();
        let pairs = [
            ("listen", &self.listen),
            ("data", &self.data),
            ("database", &self.database),
            ("storage", &self.storage),
            ("log.format", &self.log_format),
            ("http.tls_cert", &self.tls_cert),
            ("http.tls_key", &self.tls_key),
        ];
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

/// A closed pipe (`arca … | head`) ends the program quietly, with the status a shell gives a command
/// killed by SIGPIPE (141), as other command-line tools end. Rust ignores SIGPIPE, so a `println!`
/// into a closed pipe panics instead ("failed printing to stdout: Broken pipe").
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload_as_str().unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(client::exit_code(&e))
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(async {
        let remote = || client::http::Server::from_flags(&cli.client);
        match &cli.command {
            Command::Serve => serve(cli.config.settings()?).await,
            Command::Config(ConfigCommand::Show) => {
                print!("{}", cli.config.raw()?.show()?);
                Ok(())
            }
            Command::Login(args) => client::query::login(args, &cli.client).await,
            Command::Logout => client::query::logout(&cli.client),
            Command::Push(args) => client::push::run(&remote()?, args).await,
            Command::Pull(args) => client::pull::run(&remote()?, args).await,
            Command::Ls(args) => client::query::ls(&remote()?, args).await,
            Command::Info(args) => client::query::info(&remote()?, args).await,
            Command::Search(args) => client::query::search(&remote()?, args).await,
            Command::Repo(command) if cli.repo_is_remote()? => client::query::repo(&remote()?, command).await,
            Command::Repo(command) => repo::run(command, cli.config.settings()?).await,
            Command::User(command) if cli.repo_is_remote()? => client::users::user(&remote()?, command).await,
            Command::User(command) => users::run_user(command, cli.config.settings()?).await,
            Command::Token(command) if cli.repo_is_remote()? => client::users::token(&remote()?, command).await,
            Command::Token(command) => users::run_token(command, cli.config.settings()?).await,
            Command::Whoami(out) => client::users::whoami(&remote()?, out).await,
            Command::Audit(command) => audit::run(command, cli.config.settings()?).await,
            Command::Backup { dir } => backup::backup(dir, cli.config.settings()?).await,
            Command::Restore { dir } => backup::restore(dir, cli.config.settings()?).await,
            Command::Fsck { json, repair } => backup::fsck(*json, *repair, cli.config.settings()?).await,
            Command::Gc(command) => client::storage::gc(&remote()?, command).await,
            Command::Retention(command) => client::storage::retention(&remote()?, command).await,
            Command::Storage(command) => client::storage::storage(&remote()?, command).await,
            Command::Promote(args) => client::promote::promote(&remote()?, args).await,
            Command::Approve(args) => client::promote::approve(&remote()?, args).await,
            Command::Yank(args) => client::packages::yank(&remote()?, args).await,
            Command::PackageStatus(args) => client::packages::package_status(&remote()?, args).await,
            Command::Rollback(args) => client::promote::rollback(&remote()?, args).await,
            Command::History(args) => client::promote::history(&remote()?, args).await,
            Command::Where(args) => client::promote::where_is(&remote()?, args).await,
            Command::Deployment(command) => client::promote::deployment(&remote()?, command).await,
            Command::Keygen(args) => client::sign::keygen(args),
            Command::Sign(args) => client::sign::sign(&remote()?, args).await,
            Command::Verify(args) => client::sign::verify(&remote()?, args).await,
            Command::Attest(args) => client::sign::attest(&remote()?, args).await,
            Command::Sbom(command) => client::sign::sbom(&remote()?, command).await,
            Command::Advisories(command) => client::vulns::advisories(&remote()?, command).await,
            Command::Vulns(args) => client::vulns::vulns(&remote()?, args).await,
            Command::Trust(command) => client::trust::trust(&remote()?, command).await,
            Command::Attachments(args) => client::trust::attachments(&remote()?, args).await,
        }
    })
}

impl Cli {
    /// `arca repo`, `user` and `token` talk to a server when one is named, or when a login is saved and
    /// nothing points at a local database.
    fn repo_is_remote(&self) -> anyhow::Result<bool> {
        if self.client.server.is_some() {
            return Ok(true);
        }
        let local = self.config.config.is_some() || self.config.data.is_some() || self.config.database.is_some();
        Ok(!local && client::http::Server::configured(&self.client)?)
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    arca_server::init_logging(&settings);
    let data = settings.data.clone();
    arca_server::run(settings, arca_server::shutdown_signal(), |listening| {
        // Scripts and tests wait for this exact line.
        println!("arca listening on {} (data in {})", listening.url(), data.display());
    })
    .await?;
    Ok(())
}
