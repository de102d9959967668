//! Storage commands against a server: `gc run`, `retention set|show|plan|apply|rm`, `storage report`.

use super::http::Server;
use super::{Output, OutputFlag, print_json};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum GcCommand {
    /// Delete unreferenced blobs now (online: pushes and pulls go on).
    #[command(
        after_help = "Examples:\n  arca gc run                 # the server's grace period (gc.grace_secs, 1h by default)\n  \
arca gc run --grace 0s      # everything unreferenced now (tests)\n  arca gc run --output json"
    )]
    Run {
        /// Blobs touched (pushed, mounted, linked) this recently stay: `30m`, `1h`, `0s`.
        #[arg(long)]
        grace: Option<String>,
        #[command(flatten)]
        out: OutputFlag,
    },
}

pub async fn gc(server: &Server, command: &GcCommand) -> anyhow::Result<()> {
    let GcCommand::Run { grace, out } = command;
    let body = match grace {
        Some(grace) => json!({ "grace": grace }),
        None => json!({}),
    };
    let rb = server.request(Method::POST, "/api/v1/gc").json(&body);
    let report: serde_json::Value = server.send(rb, "running garbage collection").await?.json().await?;
    match out.output {
        Output::Json => print_json(&report)?,
        Output::Text => println!(
            "deleted {} blobs, {} bytes{}",
            report["blobs"],
            report["bytes"],
            if report["cancelled"] == true { " (stopped early: run it again)" } else { "" }
        ),
    }
    Ok(())
}

#[derive(clap::Subcommand, Debug)]
pub enum RetentionCommand {
    /// Set a repository's policy from a TOML file (rules in order; see the README).
    #[command(
        after_help = "Example policy (the file):\n  [[rule]]\n  select = { version = \"v*\" }\n  keep_last = 10\n  \
[[rule]]\n  select = { untagged = true }\n  delete_after = \"7d\"\n  [[rule]]\n  \
select = { version = [\"dev-*\", \"feature-*\"] }\n  delete_after = \"30d\""
    )]
    Set { repo: String, file: PathBuf },
    /// Print a repository's policy.
    Show { repo: String },
    /// Dry run: what the policy would delete and keep, why, and the bytes it would free.
    Plan {
        repo: String,
        #[command(flatten)]
        out: OutputFlag,
    },
    /// Execute the plan now (and free the bytes of what it deletes).
    Apply {
        repo: String,
        #[command(flatten)]
        out: OutputFlag,
    },
    /// Remove a repository's policy.
    Rm { repo: String },
}

pub async fn retention(server: &Server, command: &RetentionCommand) -> anyhow::Result<()> {
    let path = |repo: &str, rest: &str| format!("/api/v1/repositories/{repo}/retention{rest}");
    match command {
        RetentionCommand::Set { repo, file } => {
            let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let rb = server.request(Method::PUT, &path(repo, "")).header("content-type", "application/toml").body(text);
            server.send(rb, &format!("setting the retention policy of {repo}")).await?;
            println!("retention policy of {repo} set (arca retention plan {repo} shows what it would do)");
        }
        RetentionCommand::Show { repo } => {
            let policy = server.get_json(&path(repo, ""), &format!("reading the retention policy of {repo}")).await?;
            match policy["policy"].as_str() {
                Some(text) => print!("{text}"),
                None => println!("# {repo} has no retention policy: every version is kept"),
            }
        }
        RetentionCommand::Plan { repo, out } => {
            let plan = server.get_json(&path(repo, "/plan"), &format!("planning retention of {repo}")).await?;
            print_plan(&plan, out.output, "would free")?;
        }
        RetentionCommand::Apply { repo, out } => {
            let rb = server.request(Method::POST, &path(repo, "/apply"));
            let applied: Value = server.send(rb, &format!("applying retention to {repo}")).await?.json().await?;
            print_plan(&applied, out.output, "freed")?;
            if out.output == Output::Text {
                println!(
                    "deleted {} tags and {} manifests; {} blobs ({} bytes) removed now",
                    applied["tags_deleted"],
                    applied["manifests_deleted"],
                    applied["gc"]["blobs"],
                    applied["gc"]["bytes"]
                );
            }
        }
        RetentionCommand::Rm { repo } => {
            let rb = server.request(Method::DELETE, &path(repo, ""));
            server.send(rb, &format!("removing the retention policy of {repo}")).await?;
            println!("retention policy of {repo} removed");
        }
    }
    Ok(())
}

/// One line per decision, then the total.
fn print_plan(plan: &Value, output: Output, freed: &str) -> anyhow::Result<()> {
    if output == Output::Json {
        return print_json(plan);
    }
    for item in plan["items"].as_array().into_iter().flatten() {
        let version = match item["version"].as_str() {
            Some(v) => format!(":{v}"),
            None => format!("@{}", item["digest"].as_str().unwrap_or_default()),
        };
        println!(
            "{:<6} {}{version}  {} bytes  {}",
            item["action"].as_str().unwrap_or_default(),
            item["package"].as_str().unwrap_or_default(),
            item["bytes"],
            item["reason"].as_str().unwrap_or_default()
        );
    }
    println!("{freed} {} bytes", plan["bytes_freed"]);
    Ok(())
}

#[derive(clap::Subcommand, Debug)]
pub enum StorageCommand {
    /// Bytes by repository and age, and what GC and the retention policies would free.
    Report {
        #[command(flatten)]
        out: OutputFlag,
    },
}

pub async fn storage(server: &Server, command: &StorageCommand) -> anyhow::Result<()> {
    let StorageCommand::Report { out } = command;
    let report = server.get_json("/api/v1/storage", "reading the storage report").await?;
    if out.output == Output::Json {
        return print_json(&report);
    }
    println!(
        "{} blobs, {} bytes stored; {} bytes unreferenced (the next GC frees them)",
        report["blobs"], report["bytes"], report["unreferenced_bytes"]
    );
    println!(
        "{:<24} {:>14} {:>12} {:>12} {:>12} {:>12} {:>12} {:>16}",
        "repository", "bytes", "<1d", "1-7d", "7-30d", "30-90d", ">=90d", "retention frees"
    );
    for r in report["repositories"].as_array().into_iter().flatten() {
        let age = |k: &str| r["bytes_by_age"][k].as_u64().unwrap_or(0);
        let frees = r["retention_would_free"].as_u64().map_or_else(|| "-".to_owned(), |b| b.to_string());
        println!(
            "{:<24} {:>14} {:>12} {:>12} {:>12} {:>12} {:>12} {:>16}",
            r["repository"].as_str().unwrap_or_default(),
            r["bytes"],
            age("lt_1d"),
            age("1d_7d"),
            age("7d_30d"),
            age("30d_90d"),
            age("ge_90d"),
            frees
        );
    }
    Ok(())
}
