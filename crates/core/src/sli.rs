//! The history of the seed SLIs, kept by the server itself: a job samples the figures every minute
//! into the metadata store ([`SliStore`]), at two resolutions — one point a minute kept for a day, one
//! an hour (the hour's last sample) kept for 90 days — and deletes what is older, so the history stays
//! bounded (at most 1 440 + 2 160 points a series). The dashboard draws it.
//!
//! The figures are what `/metrics` shows at that moment (counters since the sampling node started,
//! percentages, latency quantiles, bytes): the HTTP ones come from the server through [`Figures`],
//! the supply-chain coverage and storage from the registry.

use crate::Result;
use crate::jobs::{Job, RunContext, RunReport};
use crate::meta::Millis;
use crate::registry::Registry;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// How finely a series is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Minute,
    Hour,
}

impl Resolution {
    pub const ALL: [Resolution; 2] = [Resolution::Minute, Resolution::Hour];

    /// Its name in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Minute => "minute",
            Resolution::Hour => "hour",
        }
    }

    /// The length of one step, in milliseconds.
    pub fn step_ms(self) -> Millis {
        match self {
            Resolution::Minute => 60_000,
            Resolution::Hour => 3_600_000,
        }
    }

    /// How long points are kept, in milliseconds.
    pub fn kept_ms(self) -> Millis {
        match self {
            Resolution::Minute => 24 * 3_600_000,
            Resolution::Hour => 90 * 24 * 3_600_000,
        }
    }

    /// The start of the step `at` falls in.
    pub fn floor(self, at: Millis) -> Millis {
        at - at.rem_euclid(self.step_ms())
    }
}

/// One point of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct SliPoint {
    pub series: String,
    pub at: Millis,
    pub value: f64,
}

/// Where the history is kept (the metadata store).
#[async_trait]
pub trait SliStore: Send + Sync + 'static {
    /// Sets each series' point at `at` (a point already there is replaced: the step's last sample
    /// wins).
    async fn record_sli(&self, resolution: Resolution, at: Millis, values: &[(String, f64)]) -> Result<()>;
    /// The points at or after `since`, by series, then oldest first.
    async fn sli_points(&self, resolution: Resolution, since: Millis) -> Result<Vec<SliPoint>>;
    /// Deletes the points before `before`; how many.
    async fn prune_sli(&self, resolution: Resolution, before: Millis) -> Result<u64>;
}

/// The series sampled, in the order the dashboard shows them: (name, title, unit).
pub const SERIES: [(&str, &str, &str); 11] = [
    ("publishes", "Publishes", "count"),
    ("publish_success", "Publish success rate", "%"),
    ("pulls", "Pulls", "count"),
    ("pull_p50_ms", "Retrieval latency p50", "ms"),
    ("pull_p99_ms", "Retrieval latency p99", "ms"),
    ("signed", "Signing coverage", "%"),
    ("sbom", "SBOM coverage", "%"),
    ("provenance", "Provenance coverage", "%"),
    ("scan_pass", "Scan pass rate", "%"),
    ("promotions", "Promotions", "count"),
    ("storage_bytes", "Storage", "bytes"),
];

/// The server's HTTP figures now: `publishes`, `publish_success`, `pulls`, `pull_p50_ms`,
/// `pull_p99_ms`, `promotions` (a series without a value now is left out).
pub type Figures = Arc<dyn Fn() -> Vec<(String, f64)> + Send + Sync>;

/// The job that samples the figures every minute, downsamples and prunes.
pub struct SliSampler {
    pub registry: Arc<Registry>,
    pub figures: Figures,
}

impl SliSampler {
    /// Every figure now: the server's, then coverage (over every repository) and storage.
    async fn sample(&self) -> Result<Vec<(String, f64)>> {
        let mut values = (self.figures)();
        let coverage = self.registry.coverage().await?;
        let versions: u64 = coverage.iter().map(|c| c.versions).sum();
        if versions > 0 {
            let share = |count: u64| count as f64 * 100.0 / versions as f64;
            for (series, count) in [
                ("signed", coverage.iter().map(|c| c.signed).sum::<u64>()),
                ("sbom", coverage.iter().map(|c| c.with_sbom).sum()),
                ("provenance", coverage.iter().map(|c| c.with_provenance).sum()),
                ("scan_pass", coverage.iter().map(|c| c.free_of_high).sum()),
            ] {
                values.push((series.to_owned(), share(count)));
            }
        }
        let (_, bytes, _) = self.registry.stats().await?;
        values.push(("storage_bytes".to_owned(), bytes as f64));
        Ok(values)
    }
}

#[async_trait]
impl Job for SliSampler {
    fn name(&self) -> &'static str {
        "sli-sampler"
    }
    fn interval(&self) -> Duration {
        Duration::from_secs(60)
    }
    async fn run_once(&self, _ctx: &RunContext) -> Result<RunReport> {
        let values = self.sample().await?;
        let now = self.registry.now();
        let store = self.registry.sli_store();
        let mut report = RunReport::default();
        for resolution in Resolution::ALL {
            store.record_sli(resolution, resolution.floor(now), &values).await?;
            report.items += store.prune_sli(resolution, now - resolution.kept_ms()).await?;
        }
        Ok(report)
    }
}

impl Registry {
    /// The SLI history at `resolution` over the time it is kept, by series then oldest first.
    pub async fn sli_history(&self, resolution: Resolution) -> Result<Vec<SliPoint>> {
        self.sli_store().sli_points(resolution, self.now() - resolution.kept_ms()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_floor_to_the_minute_and_the_hour() {
        assert_eq!(Resolution::Minute.floor(3_600_000 + 61_500), 3_660_000);
        assert_eq!(Resolution::Hour.floor(3_600_000 + 61_500), 3_600_000);
        assert_eq!(Resolution::Minute.kept_ms() / Resolution::Minute.step_ms(), 1_440);
        assert_eq!(Resolution::Hour.kept_ms() / Resolution::Hour.step_ms(), 2_160);
    }
}
