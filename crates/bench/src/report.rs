//! Tables: one run's results, and the side-by-side comparison of several runs (median of the rounds).

use crate::meta::MetaResult;
use crate::workloads::TestResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What one invocation writes with `--json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunFile {
    /// the registry's name in comparisons (`arca`, `distribution`, `nginx`)
    pub label: String,
    #[serde(default)]
    pub tests: Vec<TestResult>,
    #[serde(default)]
    pub meta: Vec<MetaResult>,
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One run as a text table.
pub fn table(results: &[TestResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:>5} {:>3} {:>5} {:>4} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>9} {:>8}",
        "test",
        "n",
        "c",
        "ok",
        "err",
        "RPS",
        "MiB/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "min ms",
        "max ms",
        "ttfb50 ms",
        "srv ms/op",
        "peak MiB"
    );
    for r in results {
        let ttfb = r.ttfb_ms.get("layer").map_or("-".into(), |s| format!("{:.2}", s.p50));
        let (cpu, rss) = r.server.as_ref().map_or(("-".into(), "-".into()), |s| {
            (format!("{:.2}", s.cpu_ms_per_op), format!("{:.1}", mib(s.peak_rss_kib)))
        });
        let l = &r.latency_ms;
        let _ = writeln!(
            out,
            "{:<34} {:>5} {:>3} {:>5} {:>4} {:>9.1} {:>8.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>10} {:>9} {:>8}",
            r.name, r.n, r.c, r.ok, r.errors, r.rps, r.mib_s, l.p50, l.p90, l.p99, l.min, l.max, ttfb, cpu, rss
        );
        if let Some(e) = &r.first_error {
            let _ = writeln!(out, "    first error: {e}");
        }
    }
    out
}

/// The median (by RPS) of the rounds of one test on one registry.
fn median(mut runs: Vec<&TestResult>) -> &TestResult {
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    runs[runs.len() / 2]
}

/// Physical-limit references measured outside arca-bench.
#[derive(Debug, Clone, Default)]
pub struct References {
    /// `dd … conv=fsync` of the 1 GiB blob to the registries' filesystem, MiB/s
    pub dd_mib_s: Option<f64>,
}

/// Side-by-side comparison of `a` (arca) and `b` (the peer) as a Markdown table, plus the references
/// and the metadata-scaling rows.
pub fn compare(files: &[RunFile], a: &str, b: &str, refs: &References) -> String {
    let mut by: BTreeMap<(&str, &str), Vec<&TestResult>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for f in files {
        for t in &f.tests {
            if !order.contains(&t.name.as_str()) {
                order.push(&t.name);
            }
            by.entry((f.label.as_str(), t.name.as_str())).or_default().push(t);
        }
    }
    // zb's order (a unique-layer run right after its test), then anything else
    let rank = |name: &str| {
        let base = name.strip_suffix(crate::workloads::UNIQUE_SUFFIX);
        let position = crate::workloads::TESTS.iter().position(|t| t.name == base.unwrap_or(name));
        (position.unwrap_or(usize::MAX), base.is_some())
    };
    order.sort_by_key(|name| rank(name));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| test | {a} RPS | {b} RPS | RPS {a}/{b} | {a} p99 ms | {b} p99 ms | {a} CPU ms/op | {b} CPU ms/op | CPU {a}/{b} | {a} peak RSS MiB | {b} peak RSS MiB | rounds | errors |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for name in &order {
        let (Some(ra), Some(rb)) = (by.get(&(a, *name)), by.get(&(b, *name))) else { continue };
        let errors: usize = ra.iter().chain(rb.iter()).map(|r| r.errors).sum();
        let rounds = ra.len().min(rb.len());
        let (x, y) = (median(ra.clone()), median(rb.clone()));
        let cpu = |r: &TestResult| r.server.as_ref().map(|s| s.cpu_ms_per_op);
        let rss = |r: &TestResult| r.server.as_ref().map_or("-".into(), |s| format!("{:.1}", mib(s.peak_rss_kib)));
        let fmt = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}"));
        let cpu_ratio = match (cpu(x), cpu(y)) {
            (Some(p), Some(q)) if q > 0.0 => format!("{:.2}", p / q),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "| {name} | {:.1} | {:.1} | **{:.2}** | {:.1} | {:.1} | {} | {} | {cpu_ratio} | {} | {} | {rounds} | {errors} |",
            x.rps,
            y.rps,
            x.rps / y.rps,
            x.latency_ms.p99,
            y.latency_ms.p99,
            fmt(cpu(x)),
            fmt(cpu(y)),
            rss(x),
            rss(y),
        );
    }

    // Physical-limit references: 1 GiB push vs dd conv=fsync, 1 GiB pull vs nginx sendfile.
    let throughput = |label: &str, test: &str| by.get(&(label, test)).map(|r| median(r.clone()).mib_s);
    let mut refs_out = String::new();
    if let Some(dd) = refs.dd_mib_s {
        for label in [a, b] {
            if let Some(t) = throughput(label, "Push Monolith 1GB") {
                let _ = writeln!(
                    refs_out,
                    "| 1 GiB push, {label} | {t:.0} MiB/s | dd conv=fsync {dd:.0} MiB/s | **{:.0} %** |",
                    100.0 * t / dd
                );
            }
        }
    }
    if let Some(nginx) = throughput("nginx", "GET 1GB") {
        for label in [a, b] {
            if let Some(t) = throughput(label, "Pull 1GB") {
                let _ = writeln!(
                    refs_out,
                    "| 1 GiB pull, {label} | {t:.0} MiB/s | nginx sendfile {nginx:.0} MiB/s | **{:.0} %** |",
                    100.0 * t / nginx
                );
            }
        }
    }
    if !refs_out.is_empty() {
        let _ = writeln!(
            out,
            "\n| physical limit | registry | reference | registry/reference |\n|---|---:|---:|---:|\n{refs_out}"
        );
    }

    // Metadata scaling: latency at the largest count vs the smallest, per query and registry.
    let mut meta_out = String::new();
    for f in files.iter().filter(|f| !f.meta.is_empty()) {
        let mut queries: Vec<&str> = Vec::new();
        for m in &f.meta {
            if !queries.contains(&m.what.as_str()) {
                queries.push(&m.what);
            }
        }
        for q in queries {
            let rows: Vec<&MetaResult> = f.meta.iter().filter(|m| m.what == q).collect();
            let (first, last) = (rows[0], rows[rows.len() - 1]);
            let _ = writeln!(
                meta_out,
                "| {} | {q} | {:.2} ms @ {} | {:.2} ms @ {} | **{:.2}** | {:.2} / {:.2} |",
                f.label,
                first.latency_ms.p50,
                first.entries,
                last.latency_ms.p50,
                last.entries,
                last.latency_ms.p50 / first.latency_ms.p50,
                first.latency_ms.p99,
                last.latency_ms.p99,
            );
        }
    }
    if !meta_out.is_empty() {
        let _ = writeln!(
            out,
            "\n| registry | query (n=100) | p50 small | p50 large | large/small | p99 small / large ms |\n|---|---|---:|---:|---:|---:|\n{meta_out}"
        );
    }
    out
}
