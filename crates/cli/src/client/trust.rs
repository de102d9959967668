//! What a repository trusts and what the server concluded: `arca trust add|ls|rm` (a repository's
//! trust roots: cosign keys, notation CA certificates, a notation trust policy) and
//! `arca attachments` (a version's signatures, attestations and SBOMs with the server's verdicts
//! against those roots, and the provenance that verified).
//!
//! These print what the server says; `arca verify` is the command that trusts nothing but a key.

use super::http::Server;
use super::reference::VersionRef;
use super::{Failure, Output, OutputFlag, print_json};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum TrustCommand {
    /// Add (or replace) a trust root of a repository: exactly one of the material flags.
    #[command(after_help = "Examples:\n  arca trust add releases ci-key --cosign-key cosign.pub\n  \
arca trust add releases corp-ca --notation-ca ca.pem\n  arca trust add releases policy --notation-policy trustpolicy.json")]
    Add {
        /// The repository whose attachments the root verifies.
        repository: String,
        /// The root's name (1–64 of A-Z a-z 0-9 - _ .).
        name: String,
        #[command(flatten)]
        material: Material,
    },
    /// List a repository's trust roots.
    Ls {
        /// The repository.
        repository: String,
        #[command(flatten)]
        out: OutputFlag,
    },
    /// Remove a trust root.
    Rm {
        /// The repository.
        repository: String,
        /// The root's name.
        name: String,
    },
}

#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct Material {
    /// A cosign public key (PEM), e.g. cosign.pub.
    #[arg(long, value_name = "PEM")]
    cosign_key: Option<PathBuf>,
    /// A CA certificate (PEM) for notation signatures.
    #[arg(long, value_name = "PEM")]
    notation_ca: Option<PathBuf>,
    /// A notation trust policy (trustpolicy.json).
    #[arg(long, value_name = "JSON")]
    notation_policy: Option<PathBuf>,
}

impl Material {
    /// The kind the API names and the file.
    fn kind_and_file(&self) -> anyhow::Result<(&'static str, &Path)> {
        match (&self.cosign_key, &self.notation_ca, &self.notation_policy) {
            (Some(f), None, None) => Ok(("cosign-key", f)),
            (None, Some(f), None) => Ok(("notation-ca", f)),
            (None, None, Some(f)) => Ok(("notation-policy", f)),
            _ => Err(Failure::usage("give exactly one of --cosign-key, --notation-ca, --notation-policy")),
        }
    }
}

fn roots_path(repository: &str) -> String {
    format!("/api/v1/repositories/{repository}/trust-roots")
}

pub async fn trust(server: &Server, command: &TrustCommand) -> anyhow::Result<()> {
    match command {
        TrustCommand::Add { repository, name, material } => add(server, repository, name, material).await,
        TrustCommand::Ls { repository, out } => ls(server, repository, *out).await,
        TrustCommand::Rm { repository, name } => {
            let rb = server.request(Method::DELETE, &format!("{}/{name}", roots_path(repository)));
            server.send(rb, &format!("removing trust root {name} of {repository}")).await?;
            println!("removed trust root {name} of {repository}");
            Ok(())
        }
    }
}

async fn add(server: &Server, repository: &str, name: &str, material: &Material) -> anyhow::Result<()> {
    let (kind, file) = material.kind_and_file()?;
    let text = std::fs::read_to_string(file).map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
    if kind == "cosign-key" {
        // Checked here too so a wrong file is a usage error naming the file, not a server 400.
        arca_trust::PublicKey::from_pem(text.as_bytes())
            .map_err(|e| Failure::usage(format!("{}: not a cosign public key: {e}", file.display())))?;
    }
    let rb = server
        .request(Method::PUT, &format!("{}/{name}", roots_path(repository)))
        .json(&json!({ "kind": kind, "material": text }));
    let root: Value = server.send(rb, &format!("adding trust root {name} to {repository}")).await?.json().await?;
    println!("{repository} trusts {name} ({kind} {})", text_of(&root["fingerprint"]));
    Ok(())
}

async fn ls(server: &Server, repository: &str, out: OutputFlag) -> anyhow::Result<()> {
    let answer = server.get_json(&roots_path(repository), &format!("listing the trust roots of {repository}")).await?;
    if out.output == Output::Json {
        return print_json(&answer);
    }
    let roots = answer["trust_roots"].as_array().cloned().unwrap_or_default();
    if roots.is_empty() {
        println!("{repository} has no trust roots: every signature is reported as untrusted");
        return Ok(());
    }
    println!("NAME\tKIND\tFINGERPRINT\tCREATED");
    for r in &roots {
        println!(
            "{}\t{}\t{}\t{}",
            text_of(&r["name"]),
            text_of(&r["kind"]),
            text_of(&r["fingerprint"]),
            text_of(&r["created"])
        );
    }
    Ok(())
}

/// `/api/v1/repositories/<repo>/packages/<package>/versions/<reference>/<aspect>`.
pub fn version_path(r: &VersionRef, aspect: &str) -> String {
    format!("/api/v1/repositories/{}/packages/{}/versions/{}/{aspect}", r.repo, r.package, r.reference)
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  arca attachments releases/tool@1.4.0\n  arca attachments prod/app@sha256:… --output json\n\n\
Verdicts are the server's, against the repository's trust roots (`arca trust ls`); `arca verify --key` \
checks signatures on this machine instead."
)]
pub struct AttachmentsArgs {
    /// `<repo>/<package>@<version|sha256:…>`.
    reference: String,
    #[command(flatten)]
    out: OutputFlag,
}

pub async fn attachments(server: &Server, args: &AttachmentsArgs) -> anyhow::Result<()> {
    let r = VersionRef::parse(&args.reference)?;
    let view = server
        .get_json(&version_path(&r, "attachments"), &format!("reading the attachments of {}", args.reference))
        .await?;
    if args.out.output == Output::Json {
        return print_json(&view);
    }
    println!("{}@{} {}", r.name(), r.reference, text_of(&view["digest"]));
    let attachments = view["attachments"].as_array().cloned().unwrap_or_default();
    if attachments.is_empty() {
        println!("no attachments");
    } else {
        println!("KIND\tVERDICT\tATTACHMENT\tEXPLANATION");
        for a in &attachments {
            let facts = facts_of(&a["facts"]);
            println!(
                "{}\t{}\t{}\t{}{facts}",
                text_of(&a["kind"]),
                text_of(&a["verdict"]),
                text_of(&a["digest"]),
                text_of(&a["explanation"])
            );
        }
    }
    let mut signers: Vec<String> = view["signed_by"].as_array().into_iter().flatten().map(text_of).collect();
    signers.sort();
    signers.dedup();
    if !signers.is_empty() {
        println!("signed by: {}", signers.join(", "));
    }
    for p in view["provenance"].as_array().into_iter().flatten() {
        print_provenance(p);
    }
    Ok(())
}

/// What the server learnt from an attachment, in brackets: its predicate type, its SBOM.
fn facts_of(facts: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(p) = facts["predicate_type"].as_str() {
        parts.push(p.to_owned());
    }
    if facts["sbom"].is_object() {
        let sbom = &facts["sbom"];
        let n = sbom["components"].as_u64().unwrap_or(0);
        let s = if n == 1 { "" } else { "s" };
        parts.push(format!("{} {}, {n} component{s}", text_of(&sbom["format"]), text_of(&sbom["spec_version"])));
    }
    if parts.is_empty() { String::new() } else { format!(" [{}]", parts.join("; ")) }
}

fn print_provenance(p: &Value) {
    println!("provenance (SLSA {}, verified):", text_of(&p["slsa_version"]));
    let fields = [
        ("builder id", "builder_id"),
        ("build type", "build_type"),
        ("source repository", "source_repository"),
        ("source ref", "source_ref"),
        ("commit", "commit"),
        ("entry point", "entry_point"),
        ("invocation id", "invocation_id"),
        ("started", "started_on"),
        ("finished", "finished_on"),
    ];
    for (label, key) in fields {
        if let Some(value) = p[key].as_str() {
            println!("  {label}: {value}");
        }
    }
}

fn text_of(v: &Value) -> String {
    v.as_str().map_or_else(|| if v.is_null() { "-".to_owned() } else { v.to_string() }, str::to_owned)
}
