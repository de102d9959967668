//! `arca audit …`: verify the hash chain, list entries, export JSON lines — on the local database.

use anyhow::Context;
use arca_core::audit::{AuditEntry, AuditFilter, Outcome, verify};
use arca_server::{App, Settings};
use clap::{Args, Subcommand};
use std::io::Write;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exits non-zero and names the first bad entry if it is broken.
    Verify,
    /// List entries (oldest first).
    Ls(Filter),
    /// Write entries as JSON lines (to standard output or --output).
    Export {
        #[command(flatten)]
        filter: Filter,
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Args)]
pub struct Filter {
    #[arg(long)]
    actor: Option<String>,
    /// Exact action, or a prefix ending in `.` (`manifest.`).
    #[arg(long)]
    action: Option<String>,
    /// Targets starting with this.
    #[arg(long)]
    target: Option<String>,
    /// success, denied or failed.
    #[arg(long)]
    outcome: Option<String>,
    /// Entries after this sequence number.
    #[arg(long)]
    after: Option<i64>,
    /// At most this many entries (ls: 100 by default; export: all).
    #[arg(long)]
    limit: Option<usize>,
}

impl Filter {
    fn to_filter(&self) -> anyhow::Result<AuditFilter> {
        let outcome = self
            .outcome
            .as_deref()
            .map(|o| Outcome::parse(o).with_context(|| format!("outcome {o:?}: success, denied or failed")))
            .transpose()?;
        Ok(AuditFilter {
            actor: self.actor.clone(),
            action: self.action.clone(),
            target_prefix: self.target.clone(),
            outcome,
            after_seq: self.after,
            ..AuditFilter::default()
        })
    }
}

pub async fn run(command: &AuditCommand, settings: Settings) -> anyhow::Result<()> {
    let app = App::build(&settings).await?;
    let log = app.auth.audit_log();
    match command {
        AuditCommand::Verify => match verify(log).await? {
            Ok(n) => println!("audit log intact: {n} entries, hash chain verified"),
            Err(broken) => anyhow::bail!("audit log BROKEN at entry {}: {}", broken.seq, broken.reason),
        },
        AuditCommand::Ls(filter) => {
            let f = AuditFilter { limit: filter.limit.unwrap_or(100), ..filter.to_filter()? };
            for e in log.list_audit(&f).await? {
                println!("{}", line(&e));
            }
        }
        AuditCommand::Export { filter, output } => {
            let mut out: Box<dyn Write> = match output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut f = AuditFilter { limit: 1000, ..filter.to_filter()? };
            let mut left = filter.limit.unwrap_or(usize::MAX);
            while left > 0 {
                f.limit = left.min(1000);
                let page = log.list_audit(&f).await?;
                for e in &page {
                    serde_json::to_writer(&mut out, e)?;
                    out.write_all(b"\n")?;
                }
                left -= page.len();
                match page.last() {
                    Some(last) if page.len() == f.limit => f.after_seq = Some(last.seq),
                    _ => break,
                }
            }
            out.flush()?;
        }
    }
    Ok(())
}

fn line(e: &AuditEntry) -> String {
    let x = &e.entry;
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        e.seq,
        x.time,
        x.actor,
        x.client_addr.as_deref().unwrap_or("-"),
        x.action,
        x.target,
        x.outcome.as_str(),
        x.detail.as_deref().unwrap_or("")
    )
}
