//! `arca-bench`: see `bench/README.md`.

use anyhow::{Context as _, Result};
use arca_bench::report::{References, RunFile};
use arca_bench::stats::ServerProc;
use arca_bench::workloads::{self, Options};
use arca_bench::{data, meta};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "arca-bench", about = "zot's zb workload against any OCI registry, and side-by-side comparisons")]
struct Cli {
    /// tokio worker threads of the client
    #[arg(long, global = true, default_value_t = 2)]
    threads: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// zb's tests: push monolith / streamed, pull, catalog, mixed
    Run {
        /// registry base URL, e.g. http://127.0.0.1:8080; several comma-separated for the nodes of one
        /// registry (worker i talks to node i mod nodes)
        url: String,
        /// concurrent workers (closed loop, one keep-alive client each)
        #[arg(short = 'c', default_value_t = 10)]
        concurrency: usize,
        /// iterations per test (rounded down to a multiple of -c)
        #[arg(short = 'n', default_value_t = 100)]
        requests: usize,
        /// only tests whose name matches this regex (the 1 GiB tests run only when named)
        #[arg(short = 't')]
        tests: Option<String>,
        /// repository prefix: arca needs `<repository>/<package>` names
        #[arg(short = 'r', default_value = "bench")]
        repo_prefix: String,
        #[arg(long)]
        skip_cleanup: bool,
        /// the server's pid: report its CPU seconds and peak RSS per test
        #[arg(long)]
        server_pid: Option<u32>,
        /// tiny n, 1 MiB only, a handful of tests (what CI runs)
        #[arg(long)]
        smoke: bool,
        /// keep the blobs' random 4 KiB heads here and reuse them, so that several invocations push
        /// the same data (zb makes one data set per run); default: new data per invocation
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// push a new random layer every time (the write path), not zb's same layer again and again
        /// (which a content-addressed registry only hashes and checks)
        #[arg(long)]
        unique: bool,
        #[command(flatten)]
        out: Out,
    },
    /// catalog and tag-list latency (n=100 pages) at growing numbers of repositories and tags
    Meta {
        url: String,
        /// counts to measure at, ascending
        #[arg(long, value_delimiter = ',', default_value = "100,10000")]
        counts: Vec<usize>,
        /// sequential requests per measurement
        #[arg(long, default_value_t = 200)]
        iters: usize,
        /// workers while populating
        #[arg(short = 'c', default_value_t = 10)]
        concurrency: usize,
        #[arg(short = 'r', default_value = "bench")]
        repo_prefix: String,
        #[command(flatten)]
        out: Out,
    },
    /// n sequential GETs of a URL, bodies drained (the nginx reference)
    Fetch {
        url: String,
        #[arg(short = 'n', default_value_t = 3)]
        requests: usize,
        /// the result's test name
        #[arg(long, default_value = "GET 1GB")]
        name: String,
        #[command(flatten)]
        out: Out,
    },
    /// writes a zb blob (4 KiB random, then zeros) of SIZE bytes to FILE and prints its digest
    Gen {
        #[arg(long, default_value_t = data::GIB)]
        size: u64,
        file: PathBuf,
        /// the same bytes `run --data-dir DIR` pushes
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// prints the names of the tests -t selects (all of zb's without -t), one a line
    List {
        #[arg(short = 't')]
        tests: Option<String>,
    },
    /// side-by-side Markdown table of JSON files written with --json
    Report {
        files: Vec<PathBuf>,
        #[arg(long, default_value = "arca")]
        a: String,
        #[arg(long, default_value = "distribution")]
        b: String,
        /// dd conv=fsync throughput of the 1 GiB blob, MiB/s
        #[arg(long)]
        dd_mib_s: Option<f64>,
    },
}

#[derive(clap::Args)]
struct Out {
    /// the registry's name in comparisons
    #[arg(long, default_value = "registry")]
    label: String,
    /// also write the results as JSON to this file
    #[arg(long)]
    json: Option<PathBuf>,
}

impl Out {
    fn write(&self, mut file: RunFile) -> Result<()> {
        if let Some(path) = &self.json {
            file.label = self.label.clone();
            std::fs::write(path, serde_json::to_vec_pretty(&file)?)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(cli.threads.max(1)).enable_all().build()?;
    rt.block_on(run(cli.command))
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Run {
            url,
            concurrency,
            requests,
            tests,
            repo_prefix,
            skip_cleanup,
            server_pid,
            smoke,
            data_dir,
            unique,
            out,
        } => {
            let filter = tests.as_deref().map(regex_lite::Regex::new).transpose().context("-t")?;
            let (list, n, c) = if smoke {
                (workloads::select(workloads::SMOKE, filter.as_ref()), 4, 2)
            } else {
                (workloads::select(workloads::TESTS, filter.as_ref()), requests, concurrency)
            };
            let server = server_pid.map(|pid| ServerProc { pid });
            let opts = Options { url, n, c, repo_prefix, skip_cleanup, server, data_dir, unique };
            let results = arca_bench::run_tests(&opts, &list, |r| {
                eprint!("{}", arca_bench::report::table(std::slice::from_ref(r)))
            })
            .await?;
            println!("{}", arca_bench::report::table(&results));
            let failed = results.iter().any(|r| r.errors > 0);
            out.write(RunFile { tests: results, ..Default::default() })?;
            anyhow::ensure!(!failed, "some iterations failed");
        }
        Command::Meta { url, counts, iters, concurrency, repo_prefix, out } => {
            let opts = meta::MetaOptions { url, counts, iters, c: concurrency, repo_prefix };
            let rows = meta::run(&opts).await?;
            for r in &rows {
                let l = &r.latency_ms;
                println!("{:<22} {:>6} entries  p50 {:>8.2} ms  p99 {:>8.2} ms", r.what, r.entries, l.p50, l.p99);
            }
            out.write(RunFile { meta: rows, ..Default::default() })?;
        }
        Command::Fetch { url, requests, name, out } => {
            let result = arca_bench::fetch(&url, requests, &name).await?;
            println!("{}", arca_bench::report::table(std::slice::from_ref(&result)));
            out.write(RunFile { tests: vec![result], ..Default::default() })?;
        }
        Command::List { tests } => {
            let filter = tests.as_deref().map(regex_lite::Regex::new).transpose().context("-t")?;
            for t in workloads::select(workloads::TESTS, filter.as_ref()) {
                println!("{}", t.name);
            }
        }
        Command::Gen { size, file, data_dir } => {
            let blob = match data_dir {
                Some(dir) => data::Blob::stored_head(size, &dir)?,
                None => data::Blob::random_head(size),
            };
            blob.write_to(&file)?;
            println!("{}", blob.digest);
        }
        Command::Report { files, a, b, dd_mib_s } => {
            let runs = files
                .iter()
                .map(|p| Ok(serde_json::from_slice(&std::fs::read(p).with_context(|| p.display().to_string())?)?))
                .collect::<Result<Vec<RunFile>>>()?;
            print!("{}", arca_bench::report::compare(&runs, &a, &b, &References { dd_mib_s }));
        }
    }
    Ok(())
}
