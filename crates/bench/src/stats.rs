//! Latency summaries and the server's CPU time and memory, read from `/proc/<pid>`.

use serde::Serialize;
use std::time::Duration;

/// Percentiles over per-iteration latencies, in milliseconds.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Summary {
    pub count: usize,
    pub min: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Summary {
    pub fn of(samples: &[Duration]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        // Nearest rank, like zb's sort-and-index.
        let at = |p: f64| ms[(((p / 100.0) * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
        Self {
            count: ms.len(),
            min: ms[0],
            p50: at(50.0),
            p75: at(75.0),
            p90: at(90.0),
            p99: at(99.0),
            max: ms[ms.len() - 1],
            mean: ms.iter().sum::<f64>() / ms.len() as f64,
        }
    }
}

/// What the server process spent during the timed part of a test.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ServerUse {
    /// user + system CPU seconds
    pub cpu_s: f64,
    /// CPU milliseconds per iteration
    pub cpu_ms_per_op: f64,
    /// peak resident set during the test (VmHWM, reset before it), KiB
    pub peak_rss_kib: u64,
    /// resident set after the test, KiB
    pub rss_kib: u64,
}

/// A server process to watch.
#[derive(Debug, Clone, Copy)]
pub struct ServerProc {
    pub pid: u32,
}

impl ServerProc {
    /// user + system CPU seconds so far (all threads).
    pub fn cpu_seconds(self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(ticks as f64 / clock_ticks())
    }

    /// Resets the peak RSS counter (`echo 5 > clear_refs`); false where not allowed.
    pub fn reset_peak(self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok()
    }

    /// A `/proc/<pid>/status` field in KiB (`VmHWM`, `VmRSS`).
    pub fn status_kib(self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
        line[field.len() + 1..].split_whitespace().next()?.parse().ok()
    }
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = Summary::of(&samples);
        assert_eq!((s.count, s.min, s.p50, s.p90, s.p99, s.max), (100, 1.0, 50.0, 90.0, 99.0, 100.0));
        assert_eq!(Summary::of(&[]).count, 0);
    }

    #[test]
    fn reads_own_process() {
        let me = ServerProc { pid: std::process::id() };
        assert!(me.cpu_seconds().is_some());
        assert!(me.status_kib("VmRSS").unwrap() > 0);
    }
}
