//! Promotion commands against a server: `promote`, `approve`, `rollback`, `history`, `where`,
//! `deployment record|ls`.

use super::http::{Server, query_escape};
use super::{Failure, Output, OutputFlag, print_json};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  arca promote dev/team/app@1.4.2 --to staging\n  \
arca promote staging/team/app@1.4.2 --to prod --dry-run --output json\n  \
arca promote --release release.json --to prod      # {\"name\": \"r42\", \"artifacts\": [\"staging/app@1.0\", …]}\n\
Exit status: 0 promoted (or the dry run passed), 6 a gate failed (the gate and why are printed).")]
pub struct PromoteArgs {
    /// `<repo>/<package>@<version|digest>`.
    #[arg(required_unless_present = "release", conflicts_with = "release")]
    artifact: Option<String>,
    /// The repository to promote into (it must list the source in --promote-from).
    #[arg(long)]
    to: Option<String>,
    /// A release file: `{"name": "…", "artifacts": ["repo/pkg@version", …], "to"?: "…"}`, promoted all
    /// or nothing.
    #[arg(long, value_name = "FILE")]
    release: Option<PathBuf>,
    /// Evaluate the gates and print the checklist without promoting.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    out: OutputFlag,
}

/// Exit status of a promotion refused by a gate.
pub const GATE_FAILED: u8 = 6;

pub async fn promote(server: &Server, args: &PromoteArgs) -> anyhow::Result<()> {
    let body = match (&args.artifact, &args.release) {
        (Some(artifact), _) => {
            let to = args.to.as_deref().ok_or_else(|| Failure::usage("--to <repository> is required"))?;
            json!({ "artifact": artifact, "to": to, "dry_run": args.dry_run })
        }
        (None, Some(file)) => release_body(file, args.to.as_deref(), args.dry_run)?,
        (None, None) => return Err(Failure::usage("give an artifact or --release FILE")),
    };
    let response = server.request(Method::POST, "/api/v1/promotions").json(&body).send().await?;
    let status = response.status();
    if !status.is_success() && status != reqwest::StatusCode::UNPROCESSABLE_ENTITY {
        return Err(super::http::failure(response, "promoting").await.into());
    }
    let answer: Value = response.json().await?;
    match args.out.output {
        Output::Json => print_json(&answer)?,
        Output::Text => print_answer(&answer),
    }
    match answer["error"]["message"].as_str() {
        Some(message) => Err(Failure::new(GATE_FAILED, message.to_owned()).into()),
        None => Ok(()),
    }
}

/// The body of a release promotion from its file (`--to` wins over the file's `to`).
fn release_body(file: &PathBuf, to: Option<&str>, dry_run: bool) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(file).map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
    let release: Value =
        serde_json::from_str(&text).map_err(|e| Failure::usage(format!("{}: not JSON: {e}", file.display())))?;
    let name = release["name"].as_str().ok_or_else(|| Failure::usage(format!("{}: no \"name\"", file.display())))?;
    let to = to.or(release["to"].as_str()).ok_or_else(|| Failure::usage("--to <repository> is required"))?;
    Ok(json!({ "release": name, "artifacts": release["artifacts"], "to": to, "dry_run": dry_run }))
}

fn print_answer(answer: &Value) {
    let promotions = match answer["promotions"].as_array() {
        Some(list) => {
            println!("release {} → {}", text(&answer["release"]), text(&answer["target"]));
            list.clone()
        }
        None => vec![answer.clone()],
    };
    for p in &promotions {
        println!("{} → {} ({})", text(&p["artifact"]), text(&p["target"]), text(&p["digest"]));
        for v in p["verdicts"].as_array().into_iter().flatten() {
            let mark = if v["passed"] == true { "PASS" } else { "FAIL" };
            println!("  {mark} {}: {}", text(&v["gate"]), text(&v["reason"]));
        }
        if p["verdicts"].as_array().is_none_or(Vec::is_empty) {
            println!("  (no gates)");
        }
    }
    let outcome = if answer["error"].is_object() {
        "refused: nothing promoted"
    } else if answer["dry_run"] == true {
        "dry run: every gate passed, nothing promoted"
    } else if promotions.iter().all(|p| p["unchanged"] == true) {
        "already promoted: nothing changed"
    } else {
        "promoted"
    };
    println!("{outcome}");
}

/// A time in milliseconds (as the API gives it) in RFC 3339.
fn time_of(v: &Value) -> String {
    v.as_i64().map_or_else(|| "-".to_owned(), arca_core::time::rfc3339)
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

#[derive(clap::Args, Debug)]
pub struct ApproveArgs {
    /// `<repo>/<package>@<version|digest>`: the version to approve.
    artifact: String,
    /// The repository it is to be promoted into (you need promote there).
    #[arg(long)]
    to: String,
}

pub async fn approve(server: &Server, args: &ApproveArgs) -> anyhow::Result<()> {
    let rb = server.request(Method::POST, "/api/v1/promotions/approvals").json(&json!({
        "artifact": args.artifact, "to": args.to,
    }));
    let answer: Value = server.send(rb, "approving").await?.json().await?;
    let who: Vec<String> =
        answer["approvals"].as_array().into_iter().flatten().map(|a| text(&a["principal"])).collect();
    println!("approved {} for {} (approvals: {})", args.artifact, args.to, who.join(", "));
    Ok(())
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  arca rollback prod/team/app                 # back to the digest current before\n  \
arca rollback prod/team/app:current --to sha256:…   # and move the mutable tag `current`"
)]
pub struct RollbackArgs {
    /// `<repo>/<package>[:tag]`: the tag (mutable in that repository) moves too.
    target: String,
    /// `previous` (the default) or a digest promoted into it before.
    #[arg(long, default_value = "previous")]
    to: String,
    #[command(flatten)]
    out: OutputFlag,
}

pub async fn rollback(server: &Server, args: &RollbackArgs) -> anyhow::Result<()> {
    let (name, tag) = split_tag(&args.target);
    let (repository, package) = split_repo(name)?;
    let mut body = json!({ "repository": repository, "package": package, "to": args.to });
    if let Some(tag) = tag {
        body["tag"] = json!(tag);
    }
    let rb = server.request(Method::POST, "/api/v1/promotions/rollback").json(&body);
    let entry: Value = server.send(rb, &format!("rolling back {}", args.target)).await?.json().await?;
    match args.out.output {
        Output::Json => print_json(&entry)?,
        Output::Text => println!("{} rolled back: {} → {}", name, text(&entry["previous"]), text(&entry["digest"])),
    }
    Ok(())
}

/// `name[:tag]`; a `:` inside the last path segment only.
fn split_tag(target: &str) -> (&str, Option<&str>) {
    let last = target.rfind('/').map_or(0, |i| i + 1);
    match target[last..].find(':') {
        Some(i) => (&target[..last + i], Some(&target[last + i + 1..])),
        None => (target, None),
    }
}

fn split_repo(name: &str) -> anyhow::Result<(&str, &str)> {
    name.split_once('/').ok_or_else(|| Failure::usage(format!("{name:?}: expected <repo>/<package>")))
}

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// `<repo>/<package>`.
    name: String,
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    out: OutputFlag,
}

pub async fn history(server: &Server, args: &HistoryArgs) -> anyhow::Result<()> {
    let (repository, package) = split_repo(&args.name)?;
    let mut path =
        format!("/api/v1/promotions?repository={}&package={}", query_escape(repository), query_escape(package));
    if let Some(limit) = args.limit {
        path.push_str(&format!("&limit={limit}"));
    }
    let answer = server.get_json(&path, &format!("reading the history of {}", args.name)).await?;
    if args.out.output == Output::Json {
        return print_json(&answer);
    }
    for e in answer["history"].as_array().into_iter().flatten() {
        let from = e["source"].as_str().map_or_else(|| "rollback".to_owned(), |s| format!("from {s}"));
        let verdicts: Vec<String> = e["verdicts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| format!("{}={}", text(&v["gate"]), if v["passed"] == true { "pass" } else { "fail" }))
            .collect();
        println!(
            "#{}\t{}\t{}\t{}\t{}\t{}\tby {}\t{}",
            e["id"],
            text(&e["kind"]),
            time_of(&e["at"]),
            e["version"].as_str().unwrap_or("-"),
            text(&e["digest"]),
            from,
            text(&e["actor"]),
            verdicts.join(" ")
        );
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct WhereArgs {
    /// The package name (`team/app`), in every repository.
    package: String,
    #[command(flatten)]
    out: OutputFlag,
}

pub async fn where_is(server: &Server, args: &WhereArgs) -> anyhow::Result<()> {
    let path = format!("/api/v1/promotions/where?package={}", query_escape(&args.package));
    let view = server.get_json(&path, &format!("finding where {} runs", args.package)).await?;
    if args.out.output == Output::Json {
        return print_json(&view);
    }
    println!("STAGE\tREPOSITORY\tVERSION\tDIGEST\tSINCE\tFROM");
    for s in view["stages"].as_array().into_iter().flatten() {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            s["stage"].as_str().unwrap_or("-"),
            text(&s["repository"]),
            s["version"].as_str().unwrap_or("-"),
            text(&s["digest"]),
            time_of(&s["since"]),
            s["from"].as_str().unwrap_or("(rollback)")
        );
    }
    let environments = view["environments"].as_array().cloned().unwrap_or_default();
    if !environments.is_empty() {
        println!("\nENVIRONMENT\tREPOSITORY\tDIGEST\tSINCE\tBY");
        for d in &environments {
            println!(
                "{}\t{}\t{}\t{}\t{}",
                text(&d["environment"]),
                text(&d["repository"]),
                text(&d["digest"]),
                time_of(&d["at"]),
                text(&d["actor"])
            );
        }
    }
    Ok(())
}

#[derive(clap::Subcommand, Debug)]
pub enum DeploymentCommand {
    /// Record that a version runs in an environment now (for CD systems; needs promote on its
    /// repository).
    #[command(after_help = "Example:\n  arca deployment record prod/team/app@sha256:… --env prod-eu")]
    Record {
        /// `<repo>/<package>@<version|digest>`.
        artifact: String,
        #[arg(long = "env")]
        environment: String,
    },
    /// The newest deployment to each environment of a package.
    Ls {
        package: String,
        #[command(flatten)]
        out: OutputFlag,
    },
}

pub async fn deployment(server: &Server, command: &DeploymentCommand) -> anyhow::Result<()> {
    match command {
        DeploymentCommand::Record { artifact, environment } => {
            let rb = server
                .request(Method::POST, "/api/v1/deployments")
                .json(&json!({ "artifact": artifact, "environment": environment }));
            let d: Value = server.send(rb, "recording a deployment").await?.json().await?;
            println!(
                "recorded {}/{}@{} in {}",
                text(&d["repository"]),
                text(&d["package"]),
                text(&d["digest"]),
                environment
            );
        }
        DeploymentCommand::Ls { package, out } => {
            let path = format!("/api/v1/deployments?package={}", query_escape(package));
            let answer = server.get_json(&path, "listing deployments").await?;
            if out.output == Output::Json {
                return print_json(&answer);
            }
            for d in answer["deployments"].as_array().into_iter().flatten() {
                println!(
                    "{}\t{}\t{}\t{}",
                    text(&d["environment"]),
                    text(&d["repository"]),
                    text(&d["digest"]),
                    time_of(&d["at"])
                );
            }
        }
    }
    Ok(())
}
