//! Vulnerabilities: `arca advisories import` (OSV records from an `all.zip` dump or a directory, to
//! the server in batches) and `arca vulns` (a version's findings).
//!
//! Records are sent as the raw JSON read from disk, not re-serialised from a parsed model, so the
//! server keeps every field (details, references, credits) whatever this client's model knows.
//! Each record is still parsed here first (`arca_vuln::parse_advisory`) so a bad file is named by
//! its path rather than by its position in a batch. Memory stays at one batch of records.

use super::http::Server;
use super::reference::VersionRef;
use super::{Failure, Output, OutputFlag, print_json};
use arca_vuln::model::MAX_RECORD_BYTES;
use reqwest::Method;
use serde_json::Value;
use std::io::{IsTerminal, Read};
use std::path::{Component, Path, PathBuf};

/// Records per request (the server takes at most 1000).
const BATCH: usize = 500;
/// A batch is sent once its records reach this many bytes too (the server takes 16 MiB a request).
const BATCH_BYTES: usize = 4 << 20;

#[derive(clap::Subcommand, Debug)]
pub enum AdvisoriesCommand {
    /// Import OSV advisories from an `all.zip` dump or a directory of `*.json` records; versions
    /// with SBOMs are matched against them at once (retroactively).
    #[command(after_help = "Examples:\n  curl -O https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip\n  \
arca advisories import all.zip\n  arca advisories import ./osv-records/")]
    Import {
        /// An OSV `all.zip` or a directory (searched recursively for `*.json`).
        path: PathBuf,
        #[command(flatten)]
        out: OutputFlag,
    },
}

/// What the server said, summed over the batches.
#[derive(Debug, Default, serde::Serialize)]
struct Totals {
    received: u64,
    stored: u64,
    rejected: Vec<String>,
    evaluated: u64,
}

impl Totals {
    fn add(&mut self, answer: &Value, offset: usize) {
        self.received += answer["received"].as_u64().unwrap_or(0);
        self.stored += answer["stored"].as_u64().unwrap_or(0);
        self.evaluated += answer["evaluated"].as_u64().unwrap_or(0);
        for r in answer["rejected"].as_array().into_iter().flatten() {
            let text = r.as_str().map_or_else(|| r.to_string(), str::to_owned);
            self.rejected.push(shift_position(&text, offset));
        }
    }
}

/// The server numbers rejected records within a batch (`#3: …`); make it the import's position.
fn shift_position(text: &str, offset: usize) -> String {
    let parsed = text.strip_prefix('#').and_then(|rest| rest.split_once(':'));
    match parsed.and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest))) {
        Some((n, rest)) => format!("#{}:{rest}", n + offset),
        None => text.to_owned(),
    }
}

pub async fn advisories(server: &Server, command: &AdvisoriesCommand) -> anyhow::Result<()> {
    let AdvisoriesCommand::Import { path, out } = command;
    let records = Records::open(path)?;
    let mut totals = Totals::default();
    let mut batch: Vec<Value> = Vec::with_capacity(BATCH);
    let mut sent = 0usize;
    let mut bytes = 0usize;
    let chatty = std::io::stderr().is_terminal();
    for record in records {
        match record {
            Ok(value) => {
                bytes += value.to_string().len();
                batch.push(value);
            }
            Err(reason) => totals.rejected.push(reason),
        }
        if batch.len() == BATCH || bytes >= BATCH_BYTES {
            bytes = 0;
            send_batch(server, &mut batch, &mut totals, &mut sent).await?;
            if chatty || sent.is_multiple_of(10_000) {
                eprintln!("{sent} records sent, {} stored", totals.stored);
            }
        }
    }
    if !batch.is_empty() {
        send_batch(server, &mut batch, &mut totals, &mut sent).await?;
    }
    match out.output {
        Output::Json => print_json(&serde_json::to_value(&totals)?)?,
        Output::Text => {
            println!(
                "received {}, stored {}, rejected {}, evaluated {}",
                totals.received,
                totals.stored,
                totals.rejected.len(),
                totals.evaluated
            );
            for r in &totals.rejected {
                println!("  rejected {r}");
            }
        }
    }
    Ok(())
}

async fn send_batch(
    server: &Server,
    batch: &mut Vec<Value>,
    totals: &mut Totals,
    sent: &mut usize,
) -> anyhow::Result<()> {
    let rb = server.request(Method::POST, "/api/v1/advisories").json(&*batch);
    let answer: Value = server.send(rb, "importing advisories").await?.json().await?;
    totals.add(&answer, *sent);
    *sent += batch.len();
    batch.clear();
    Ok(())
}

/// The raw records of a directory tree or a zip, one at a time; an unreadable one is an `Err`
/// naming it, and iteration goes on.
enum Records {
    Dir { stack: Vec<PathBuf>, files: Vec<PathBuf> },
    Zip { archive: Box<zip::ZipArchive<std::io::BufReader<std::fs::File>>>, next: usize },
}

impl Records {
    fn open(path: &Path) -> anyhow::Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
        if meta.is_dir() {
            return Ok(Self::Dir { stack: vec![path.to_path_buf()], files: Vec::new() });
        }
        if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
            return Err(Failure::usage(format!("{}: give an OSV all.zip or a directory of *.json", path.display())));
        }
        let file = std::fs::File::open(path).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
        let archive = zip::ZipArchive::new(std::io::BufReader::new(file))
            .map_err(|e| Failure::usage(format!("{}: not a zip archive: {e}", path.display())))?;
        Ok(Self::Zip { archive: Box::new(archive), next: 0 })
    }
}

impl Iterator for Records {
    type Item = Result<Value, String>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Dir { stack, files } => next_file(stack, files),
            Self::Zip { archive, next } => next_entry(archive, next),
        }
    }
}

fn next_file(stack: &mut Vec<PathBuf>, files: &mut Vec<PathBuf>) -> Option<Result<Value, String>> {
    loop {
        if let Some(file) = files.pop() {
            let name = file.display().to_string();
            let read = std::fs::File::open(&file).map_err(|e| e.to_string()).and_then(read_capped);
            return Some(read.and_then(|bytes| record(&bytes)).map_err(|e| format!("{name}: {e}")));
        }
        let dir = stack.pop()?;
        let mut entries: Vec<(PathBuf, std::fs::FileType)> = match std::fs::read_dir(&dir) {
            Ok(read) => read.filter_map(Result::ok).filter_map(|e| Some((e.path(), e.file_type().ok()?))).collect(),
            Err(e) => return Some(Err(format!("{}: {e}", dir.display()))),
        };
        entries.sort_by(|a, b| b.0.cmp(&a.0));
        for (path, kind) in entries {
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() && is_json(&path) {
                files.push(path);
            }
        }
    }
}

fn next_entry(
    archive: &mut zip::ZipArchive<std::io::BufReader<std::fs::File>>,
    next: &mut usize,
) -> Option<Result<Value, String>> {
    while *next < archive.len() {
        let index = *next;
        *next += 1;
        let entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(e) => return Some(Err(format!("zip entry {index}: {e}"))),
        };
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("zip entry {index}"));
        if entry.is_dir() || !is_json(Path::new(&name)) {
            continue;
        }
        if name.contains('\\') || !Path::new(&name).components().all(|c| matches!(c, Component::Normal(_))) {
            return Some(Err(format!("{name}: refused (absolute path or ..)")));
        }
        return Some(read_capped(entry).and_then(|bytes| record(&bytes)).map_err(|e| format!("{name}: {e}")));
    }
    None
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// At most [`MAX_RECORD_BYTES`], whatever the source claims (a zip bomb stops there).
fn read_capped(reader: impl Read) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader.take(MAX_RECORD_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(format!("over {MAX_RECORD_BYTES} bytes"));
    }
    Ok(bytes)
}

/// The raw JSON of a record that parses as an OSV advisory.
fn record(bytes: &[u8]) -> Result<Value, String> {
    arca_vuln::parse_advisory(bytes).map_err(|e| e.to_string())?;
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// vulns

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  arca vulns releases/tool@1.4.0\n  arca vulns prod/app@sha256:… --output json\n\n\
Findings come from the version's SBOMs (arca sbom attach, or SBOM attestations) matched against the \
advisories imported with `arca advisories import`.")]
pub struct VulnsArgs {
    /// `<repo>/<package>@<version|sha256:…>`.
    reference: String,
    #[command(flatten)]
    out: OutputFlag,
}

pub async fn vulns(server: &Server, args: &VulnsArgs) -> anyhow::Result<()> {
    let r = VersionRef::parse(&args.reference)?;
    let path = super::trust::version_path(&r, "vulnerabilities");
    let view = server.get_json(&path, &format!("reading the findings of {}", args.reference)).await?;
    if args.out.output == Output::Json {
        return print_json(&view);
    }
    let mut findings = view["findings"].as_array().cloned().unwrap_or_default();
    findings.sort_by(|a, b| {
        let key = |f: &Value| (severity_rank(f["severity"].as_str().unwrap_or("")), score(&f["score"]).unwrap_or(0.0));
        let (ra, sa) = key(a);
        let (rb, sb) = key(b);
        rb.cmp(&ra).then(sb.total_cmp(&sa)).then_with(|| text(&a["advisory"]).cmp(&text(&b["advisory"])))
    });
    println!("{}@{} {}", r.name(), r.reference, text(&view["digest"]));
    if view["scanned"] == false {
        println!("not scanned: no SBOM attached");
        return Ok(());
    }
    if findings.is_empty() {
        println!("no known vulnerabilities");
        return Ok(());
    }
    println!("ADVISORY\tPACKAGE\tINSTALLED\tFIXED\tSEVERITY");
    for f in &findings {
        let severity = match score(&f["score"]) {
            Some(score) => format!("{} ({score:.1})", text(&f["severity"])),
            None => text(&f["severity"]),
        };
        println!(
            "{}\t{}\t{}\t{}\t{}",
            text(&f["advisory"]),
            text(&f["package"]),
            text(&f["installed"]),
            f["fixed"].as_str().unwrap_or("-"),
            severity
        );
    }
    Ok(())
}

/// A CVSS base score, which the API gives as text (`"9.8"`) or a number.
fn score(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str()?.parse().ok())
}

/// Worst first: critical 5 … none 1, unknown 0.
fn severity_rank(severity: &str) -> u8 {
    match severity.to_ascii_lowercase().as_str() {
        "critical" => 5,
        "high" => 4,
        "medium" | "moderate" => 3,
        "low" => 2,
        "none" => 1,
        _ => 0,
    }
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| if v.is_null() { "-".to_owned() } else { v.to_string() }, str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rejected_positions_are_shifted_to_the_import() {
        assert_eq!(shift_position("#3: no id", 500), "#503: no id");
        assert_eq!(shift_position("GHSA-x: bad", 500), "GHSA-x: bad");
        let mut totals = Totals::default();
        totals.add(&json!({"received": 2, "stored": 1, "rejected": ["#1: bad"], "evaluated": 1}), 10);
        assert_eq!((totals.received, totals.stored, totals.evaluated), (2, 1, 1));
        assert_eq!(totals.rejected, ["#11: bad"]);
    }

    #[test]
    fn severities_rank_worst_first() {
        assert!(severity_rank("CRITICAL") > severity_rank("high") && severity_rank("low") > severity_rank("x"));
    }
}
