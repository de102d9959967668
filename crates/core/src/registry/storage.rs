//! The storage report: bytes by repository (dedup-aware: a blob counts once in each repository that
//! references it), by age, what garbage collection and the current retention policies would free.
//! For the API, the CLI and `/metrics` (storage growth is one of the artifact SLIs); `/metrics` reads
//! a copy at most a minute old, since a report reads every blob's record.

use super::Registry;
use crate::Result;
use crate::meta::{AGE_BUCKETS, Millis};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StorageReport {
    /// When it was made (epoch milliseconds).
    pub generated_at: Millis,
    /// Every blob stored, once.
    pub blobs: u64,
    pub bytes: u64,
    /// Blobs nothing refers to: what the next GC sweeps (once their grace period is over).
    pub unreferenced_blobs: u64,
    pub unreferenced_bytes: u64,
    pub repositories: Vec<RepositoryStorage>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RepositoryStorage {
    pub repository: String,
    pub blobs: u64,
    pub bytes: u64,
    /// Bytes by when the blob was first stored: `lt_1d`, `1d_7d`, `7d_30d`, `30d_90d`, `ge_90d`.
    pub bytes_by_age: BTreeMap<&'static str, u64>,
    /// What the repository's retention policy would free now (`None`: no policy).
    pub retention_would_free: Option<u64>,
    /// Its quota (`None`: none): `bytes` may not grow past it.
    pub quota_bytes: Option<u64>,
}

/// The last report (for `/metrics` and the UI), and whether a new one is being made in the background.
#[derive(Default)]
pub(super) struct ReportCache {
    last: Mutex<Option<StorageReport>>,
    refreshing: AtomicBool,
}

impl ReportCache {
    fn get(&self) -> Option<StorageReport> {
        self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn set(&self, report: StorageReport) {
        *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report);
    }
}

/// Clears the in-flight flag when the background refresh ends, however it ends (even by a panic).
struct Refreshing(Arc<Registry>);

impl Drop for Refreshing {
    fn drop(&mut self) {
        self.0.storage_cache.refreshing.store(false, Ordering::Release);
    }
}

/// How old a cached report `/metrics` shows may be.
const CACHE_MS: Millis = 60_000;

impl Registry {
    /// Measures the registry now.
    pub async fn storage_report(&self) -> Result<StorageReport> {
        let now = self.now();
        let (blobs, bytes) = self.ports.blob_index.blob_stats().await?;
        let (unreferenced_blobs, unreferenced_bytes) = self.ports.accounting.unreferenced_blobs().await?;
        let policies: BTreeSet<String> =
            self.ports.retention.retention_policies().await?.into_iter().map(|p| p.repository.to_string()).collect();
        let quotas: BTreeMap<String, Option<u64>> = self
            .ports
            .repositories
            .list_repositories()
            .await?
            .into_iter()
            .map(|r| (r.name.to_string(), r.quota_bytes))
            .collect();
        let mut repositories = Vec::new();
        for usage in self.ports.accounting.repository_usage(now).await? {
            let names = AGE_BUCKETS.iter().map(|(name, _)| *name).chain(["ge_90d"]);
            let bytes_by_age = names.zip(usage.bytes_by_age).collect();
            let retention_would_free = match policies.contains(usage.repository.as_str()) {
                true => Some(self.retention_plan(&usage.repository).await?.bytes_freed),
                false => None,
            };
            let repository = usage.repository.to_string();
            let quota_bytes = quotas.get(&repository).copied().flatten();
            repositories.push(RepositoryStorage {
                quota_bytes,
                repository,
                blobs: usage.blobs,
                bytes: usage.bytes,
                bytes_by_age,
                retention_would_free,
            });
        }
        let report =
            StorageReport { generated_at: now, blobs, bytes, unreferenced_blobs, unreferenced_bytes, repositories };
        self.storage_cache.set(report.clone());
        Ok(report)
    }

    /// The last report computed, however old, without computing one: `None` before the first. For
    /// pages that must not wait the seconds a report takes at scale (see `bench/RESULTS.md`).
    pub fn cached_storage_report(&self) -> Option<StorageReport> {
        self.storage_cache.get()
    }

    /// Whether the cached report is missing or older than a minute.
    pub fn storage_report_is_stale(&self) -> bool {
        self.cached_storage_report().is_none_or(|r| self.now() - r.generated_at >= CACHE_MS)
    }

    /// The last report if it is at most a minute old, else a new one made off the runtime's workers
    /// (for `/metrics`).
    pub async fn recent_storage_report(self: &Arc<Self>) -> Result<StorageReport> {
        match self.storage_cache.get() {
            Some(report) if self.now() - report.generated_at < CACHE_MS => Ok(report),
            _ => self.storage_report_off_workers().await,
        }
    }

    /// A new report, made on a blocking thread (for requests that wait for one: the API, a stale
    /// `/metrics`; and for [`Self::refresh_storage_report`]). Its SQLite statements run in place
    /// (seconds over 100 000 blobs) and retention plans are CPU work: on a runtime worker it would
    /// hold that worker for the whole report, and a 2-core node has two.
    pub async fn storage_report_off_workers(self: &Arc<Self>) -> Result<StorageReport> {
        let registry = Arc::clone(self);
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || runtime.block_on(registry.storage_report()))
            .await
            .map_err(|e| crate::Error::internal("making a storage report", e))?
    }

    /// Starts a new report in the background when the cached one is missing or stale, unless one is
    /// already being made; returns at once (see `bench/RESULTS.md`, stop 28). Off the runtime's
    /// workers, like every report: a task spawned by a request lands on that request's own worker
    /// (tokio's LIFO slot), where every view of a stale page once made one more report in place —
    /// two views and both workers of a 2-core node were busy for seconds.
    pub fn refresh_storage_report(self: &Arc<Self>) {
        if !self.storage_report_is_stale() || self.storage_cache.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let guard = Refreshing(Arc::clone(self));
        tokio::spawn(async move {
            if let Err(e) = guard.0.storage_report_off_workers().await {
                tracing::warn!(error = %e, "storage report unavailable");
            }
            drop(guard);
        });
    }
}
