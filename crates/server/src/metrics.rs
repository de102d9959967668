//! Prometheus metrics in the text exposition format. Hand-rolled: `prometheus-client` writes
//! OpenMetrics (other label order, `_total` appended, `# EOF`), not these exact lines, for ~150 lines
//! of rendering (measured in ARCHITECTURE.md, "Hand-written or library").

use arca_core::jobs::JobStat;
use arca_core::registry::coverage::Coverage;
use arca_core::registry::promotion_stats::{LEAD_TIME_BUCKETS, PromotionStats};
use arca_core::registry::storage::{RepositoryStorage, StorageReport};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    /// Connections being served.
    pub connections_open: AtomicU64,
    /// Times a connection had to wait because `http.max_connections` were open.
    pub connection_limit_reached: AtomicU64,
    /// Connections closed because no request head arrived in time (silent, slow or idle clients).
    pub connections_timed_out: AtomicU64,
}

/// Values read from the stores at scrape time.
pub struct Gauges {
    pub blobs: u64,
    pub blob_bytes: u64,
    pub uploads: u64,
    /// The storage report (at most a minute old), when it could be made.
    pub storage: Option<StorageReport>,
}

/// Promotions on this node: by target and outcome, refusals by gate, rollbacks, lead time from publish
/// to each stage.
pub fn render_promotions(out: &mut String, s: &PromotionStats) {
    out.push_str("# HELP arca_promotions_total Promotions into a repository on this node, by outcome (promoted, unchanged, refused, dry_run).\n# TYPE arca_promotions_total counter\n");
    for ((target, outcome), n) in &s.promotions {
        let _ = writeln!(out, "arca_promotions_total{{target=\"{target}\",outcome=\"{outcome}\"}} {n}");
    }
    out.push_str("# HELP arca_promotion_refusals_total Promotions a gate refused, by target and gate.\n# TYPE arca_promotion_refusals_total counter\n");
    for ((target, gate), n) in &s.refusals_by_gate {
        let _ = writeln!(out, "arca_promotion_refusals_total{{target=\"{target}\",gate=\"{gate}\"}} {n}");
    }
    out.push_str(
        "# HELP arca_rollbacks_total Rollbacks in a repository on this node.\n# TYPE arca_rollbacks_total counter\n",
    );
    for (repository, n) in &s.rollbacks {
        let _ = writeln!(out, "arca_rollbacks_total{{repository=\"{repository}\"}} {n}");
    }
    let name = "arca_promotion_lead_time_seconds";
    let _ = writeln!(
        out,
        "# HELP {name} Time from publishing a version to its promotion into a stage.\n# TYPE {name} histogram"
    );
    for (target, h) in &s.lead_time {
        for (bound, n) in LEAD_TIME_BUCKETS.iter().zip(h.counts) {
            let _ = writeln!(out, "{name}_bucket{{target=\"{target}\",le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "{name}_bucket{{target=\"{target}\",le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "{name}_sum{{target=\"{target}\"}} {}", h.sum);
        let _ = writeln!(out, "{name}_count{{target=\"{target}\"}} {}", h.count);
    }
}

/// One coverage series: name, help, and its value for a repository.
type CoverageSeries = (&'static str, &'static str, fn(&Coverage) -> u64);

/// Supply-chain coverage per repository, and findings that appeared on versions in a stage.
pub fn render_coverage(out: &mut String, coverage: &[Coverage], new_findings: u64) {
    let series: [CoverageSeries; 5] = [
        ("arca_versions", "Versions in a repository (the newest 10 000 are looked at).", |c| c.versions),
        ("arca_versions_signed", "Versions signed by a key the repository trusts.", |c| c.signed),
        ("arca_versions_with_sbom", "Versions with an SBOM attached.", |c| c.with_sbom),
        ("arca_versions_with_provenance", "Versions with provenance verified by a trusted key.", |c| c.with_provenance),
        ("arca_versions_free_of_high", "Scanned versions without a critical or high finding.", |c| c.free_of_high),
    ];
    for (name, help, value) in series {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for c in coverage {
            let _ = writeln!(out, "{name}{{repository=\"{}\"}} {}", c.repository, value(c));
        }
    }
    counter(
        out,
        "arca_findings_new_total",
        "Findings that appeared on versions already in a stage (new advisories or SBOMs), on this node.",
        new_findings,
    );
}

impl Metrics {
    pub fn observe(&self, class: &'static str, status: u16, elapsed: Duration) {
        *lock(&self.requests).entry((class, status)).or_default() += 1;
        let secs = elapsed.as_secs_f64();
        let mut latency = lock(&self.latency);
        let h = latency.entry(class).or_default();
        h.count += 1;
        h.sum += secs;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
    }

    pub fn render(&self, gauges: Option<Gauges>, jobs: &BTreeMap<&'static str, JobStat>) -> String {
        let mut out = String::new();
        out.push_str("# HELP arca_http_requests_total HTTP requests by route class and status.\n# TYPE arca_http_requests_total counter\n");
        for ((class, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(out, "arca_http_requests_total{{class=\"{class}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP arca_http_request_duration_seconds Time to response headers by route class.\n# TYPE arca_http_request_duration_seconds histogram\n");
        for (class, h) in lock(&self.latency).iter() {
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ =
                    writeln!(out, "arca_http_request_duration_seconds_bucket{{class=\"{class}\",le=\"{bound}\"}} {n}");
            }
            let _ =
                writeln!(out, "arca_http_request_duration_seconds_bucket{{class=\"{class}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "arca_http_request_duration_seconds_sum{{class=\"{class}\"}} {}", h.sum);
            let _ = writeln!(out, "arca_http_request_duration_seconds_count{{class=\"{class}\"}} {}", h.count);
        }
        counter(
            &mut out,
            "arca_http_bytes_received_total",
            "Request body bytes received.",
            self.bytes_in.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "arca_http_bytes_sent_total",
            "Response body bytes sent.",
            self.bytes_out.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "arca_http_connections_open",
            "Connections being served.",
            self.connections_open.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "arca_http_connection_limit_reached_total",
            "Times a new connection waited because http.max_connections were open.",
            self.connection_limit_reached.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "arca_http_connections_timed_out_total",
            "Connections closed because no request head arrived within http.header_read_timeout_secs.",
            self.connections_timed_out.load(Ordering::Relaxed),
        );
        if let Some(g) = gauges {
            gauge(&mut out, "arca_blobs", "Blobs stored.", g.blobs);
            gauge(&mut out, "arca_blob_bytes", "Bytes stored in blobs.", g.blob_bytes);
            gauge(&mut out, "arca_uploads_active", "Upload sessions in progress.", g.uploads);
            if let Some(report) = &g.storage {
                render_storage(&mut out, report);
            }
        }
        render_jobs(&mut out, jobs);
        out
    }
}

/// One per-job series: name, type, help, and its value for a job (absent when unknown).
type PerJob = (&'static str, &'static str, &'static str, fn(&JobStat) -> Option<f64>);

/// Runs, items, progress and the last run of each background job on this node.
fn render_jobs(out: &mut String, jobs: &BTreeMap<&'static str, JobStat>) {
    out.push_str("# HELP arca_job_runs_total Runs of a background job on this node, by outcome.\n# TYPE arca_job_runs_total counter\n");
    for (job, s) in jobs {
        let _ = writeln!(out, "arca_job_runs_total{{job=\"{job}\",outcome=\"ok\"}} {}", s.runs_ok);
        let _ = writeln!(out, "arca_job_runs_total{{job=\"{job}\",outcome=\"failed\"}} {}", s.runs_failed);
    }
    let per_job: [PerJob; 4] = [
        ("arca_job_items_total", "counter", "Items handled by a job's runs on this node.", |s| {
            Some(s.items_total as f64)
        }),
        ("arca_job_running", "gauge", "1 while a job runs on this node.", |s| Some(f64::from(u8::from(s.running)))),
        ("arca_job_progress_items", "gauge", "Items handled so far by the run in progress.", |s| {
            Some(s.progress as f64)
        }),
        ("arca_job_last_run_duration_seconds", "gauge", "How long a job's last run on this node took.", |s| {
            s.last_duration.map(|d| d.as_secs_f64())
        }),
    ];
    for (name, kind, help, value) in per_job {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (job, s) in jobs {
            if let Some(v) = value(s) {
                let _ = writeln!(out, "{name}{{job=\"{job}\"}} {v}");
            }
        }
    }
    let _ = writeln!(
        out,
        "# HELP arca_job_last_run_timestamp_seconds When a job last started on this node.\n# TYPE arca_job_last_run_timestamp_seconds gauge"
    );
    for (job, s) in jobs {
        if let Some(at) = s.last_started_at {
            let _ = writeln!(out, "arca_job_last_run_timestamp_seconds{{job=\"{job}\"}} {}", at as f64 / 1000.0);
        }
    }
}

fn counter(out: &mut String, name: &str, help: &str, v: u64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
}

/// The storage report as gauges: bytes per repository (by age too), what GC and retention would free.
fn render_storage(out: &mut String, report: &StorageReport) {
    gauge(
        out,
        "arca_storage_unreferenced_bytes",
        "Bytes of blobs nothing refers to (the next GC's).",
        report.unreferenced_bytes,
    );
    let name = "arca_storage_repository_bytes";
    let help = "Bytes a repository references (a shared blob counts in each), by age.";
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    for r in &report.repositories {
        for (age, bytes) in &r.bytes_by_age {
            let _ = writeln!(out, "{name}{{repository=\"{}\",age=\"{age}\"}} {bytes}", r.repository);
        }
    }
    let per_repository: [PerRepository; 3] = [
        ("arca_storage_repository_blobs", "Blobs a repository references.", |r| Some(r.blobs)),
        ("arca_storage_repository_quota_bytes", "A repository's quota (repositories with one).", |r| r.quota_bytes),
        ("arca_storage_retention_reclaimable_bytes", "Bytes the repository's retention policy would free now.", |r| {
            r.retention_would_free
        }),
    ];
    for (name, help, value) in per_repository {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for r in &report.repositories {
            if let Some(v) = value(r) {
                let _ = writeln!(out, "{name}{{repository=\"{}\"}} {v}", r.repository);
            }
        }
    }
}

/// One per-repository series of the storage report: name, help, and its value (absent: not shown).
type PerRepository = (&'static str, &'static str, fn(&RepositoryStorage) -> Option<u64>);

fn gauge(out: &mut String, name: &str, help: &str, v: u64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.observe("oci_blob_get", 200, Duration::from_millis(3));
        m.observe("oci_blob_get", 200, Duration::from_millis(300));
        let mut jobs = BTreeMap::new();
        jobs.insert(
            "upload-reaper",
            JobStat { runs_ok: 2, items_total: 7, last_started_at: Some(1_500), ..JobStat::default() },
        );
        let text = m.render(Some(Gauges { blobs: 2, blob_bytes: 10, uploads: 1, storage: None }), &jobs);
        assert!(text.contains("arca_http_requests_total{class=\"oci_blob_get\",status=\"200\"} 2"));
        assert!(text.contains("arca_http_request_duration_seconds_bucket{class=\"oci_blob_get\",le=\"0.005\"} 1"));
        assert!(text.contains("arca_http_request_duration_seconds_bucket{class=\"oci_blob_get\",le=\"+Inf\"} 2"));
        assert!(text.contains("arca_blobs 2"));
        assert!(text.contains("arca_uploads_active 1"));
        assert!(text.contains("arca_job_runs_total{job=\"upload-reaper\",outcome=\"ok\"} 2"), "{text}");
        assert!(text.contains("arca_job_items_total{job=\"upload-reaper\"} 7"), "{text}");
        assert!(text.contains("arca_job_last_run_timestamp_seconds{job=\"upload-reaper\"} 1.5"), "{text}");
    }
}
