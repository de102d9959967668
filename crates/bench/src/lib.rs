//! arca-bench: zot's `zb` workload (push monolith / streamed, pull, catalog, mixed) against any OCI
//! registry, metadata scaling, and the side-by-side comparison tables. See `bench/README.md`.

pub mod data;
pub mod meta;
pub mod registry;
pub mod report;
pub mod stats;
pub mod workloads;

use anyhow::Result;
use std::sync::Arc;
use std::time::{Duration, Instant};
use workloads::{Options, TestResult};

/// Runs `tests` one after another with the same data set.
pub async fn run_tests(
    opts: &Options,
    tests: &[workloads::Test],
    mut each: impl FnMut(&TestResult),
) -> Result<Vec<TestResult>> {
    let data = Arc::new(data::DataSet::new(opts.data_dir.clone()));
    let mut out = Vec::new();
    for test in tests {
        let result = workloads::run_test(opts, &data, test).await?;
        each(&result);
        out.push(result);
    }
    Ok(out)
}

/// The smoke mode: tiny n, 1 MiB only, every kind of request; what CI runs so the bench keeps working.
pub async fn smoke(url: &str, repo_prefix: &str) -> Result<Vec<TestResult>> {
    let opts = Options {
        url: url.into(),
        n: 4,
        c: 2,
        repo_prefix: repo_prefix.into(),
        skip_cleanup: false,
        server: None,
        data_dir: None,
        unique: false,
    };
    run_tests(&opts, workloads::SMOKE, |_| {}).await
}

/// `n` sequential GETs of `url`, bodies drained (the nginx reference for the 1 GiB pull).
pub async fn fetch(url: &str, n: usize, name: &str) -> Result<TestResult> {
    let reg = registry::Registry::new(url)?;
    let target = reqwest::Url::parse(url)?;
    let mut latencies = Vec::new();
    let mut ttfb: Vec<Duration> = Vec::new();
    let mut bytes = 0;
    let start = Instant::now();
    for _ in 0..n.max(1) {
        let t0 = Instant::now();
        let (first, got) = reg.get_drain(target.clone(), None).await?;
        latencies.push(t0.elapsed());
        ttfb.push(first);
        bytes += got;
    }
    let wall = start.elapsed().as_secs_f64();
    Ok(TestResult {
        name: name.into(),
        n: latencies.len(),
        c: 1,
        ok: latencies.len(),
        errors: 0,
        first_error: None,
        wall_s: wall,
        rps: latencies.len() as f64 / wall,
        mib_s: bytes as f64 / (1024.0 * 1024.0) / wall,
        latency_ms: stats::Summary::of(&latencies),
        ttfb_ms: [("layer".to_string(), stats::Summary::of(&ttfb))].into(),
        server: None,
    })
}
