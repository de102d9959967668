//! Scrubbing: re-reading stored blobs to find copies whose bytes no longer match their digest (bit rot,
//! a bad disk, a hand edit), for `arca fsck` and for the background [`Scrubber`] job, which re-hashes
//! the store at a bounded rate and removes damaged copies so they are never served (a pull then
//! answers that the blob is unknown; the next push of the digest writes a sound copy).

use super::Registry;
use crate::Result;
use crate::blob::BlobStore;
use crate::hasher::MultiHasher;
use crate::jobs::{Job, RunContext, RunReport};
use arca_types::{Digest, DigestAlgorithm};
use async_trait::async_trait;
use futures_util::StreamExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a stored copy differs from what is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// The blob store has no copy.
    Missing,
    /// The copy could not be read, or its size or bytes are not the recorded ones.
    Damaged(String),
}

/// Reads the stored copy of `digest` (recorded as `size` bytes) and checks it; `None` when sound.
pub async fn check_stored(store: &dyn BlobStore, digest: &Digest, size: u64) -> Option<Damage> {
    let damaged = |detail: String| Some(Damage::Damaged(detail));
    let content = match store.get(digest, None).await {
        Ok(Some(content)) => content,
        Ok(None) => return Some(Damage::Missing),
        Err(e) => return damaged(format!("unreadable: {e}")),
    };
    if content.size != size {
        return damaged(format!("{} bytes stored, {size} recorded", content.size));
    }
    let mut hasher = MultiHasher::new(digest.algorithm() == DigestAlgorithm::Sha512);
    let mut stream = content.stream;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => hasher.update(&chunk),
            Err(e) => return damaged(format!("unreadable: {e}")),
        }
    }
    match hasher.finish(digest.algorithm()) {
        Some(actual) if actual == *digest => None,
        actual => damaged(format!("its bytes hash to {}", actual.map_or_else(|| "nothing".into(), |d| d.to_string()))),
    }
}

/// The background scrub: each run re-hashes up to `bytes_per_run` of stored blobs, in digest order
/// from where the last run on this node stopped (wrapping around), and removes damaged copies.
pub struct Scrubber {
    pub registry: Arc<Registry>,
    pub interval: Duration,
    pub bytes_per_run: u64,
    /// The last digest checked.
    cursor: Mutex<Option<Digest>>,
}

impl Scrubber {
    pub fn new(registry: Arc<Registry>, interval: Duration, bytes_per_run: u64) -> Self {
        Self { registry, interval, bytes_per_run, cursor: Mutex::new(None) }
    }

    fn cursor(&self) -> std::sync::MutexGuard<'_, Option<Digest>> {
        self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

const PAGE: usize = 100;

#[async_trait]
impl Job for Scrubber {
    fn name(&self) -> &'static str {
        "scrub"
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn run_once(&self, ctx: &RunContext) -> Result<RunReport> {
        let mut report = RunReport::default();
        let mut budget = self.bytes_per_run;
        let registry = &self.registry;
        while budget > 0 && !ctx.is_cancelled() {
            let after = self.cursor().clone();
            let page = registry.ports.blob_index.list_blobs(after.as_ref(), PAGE).await?;
            if page.is_empty() {
                *self.cursor() = None;
                break;
            }
            for (digest, size) in page {
                if budget == 0 || ctx.is_cancelled() {
                    break;
                }
                budget = budget.saturating_sub(size.max(1));
                match check_stored(registry.blobs.as_ref(), &digest, size).await {
                    None => {}
                    Some(Damage::Missing) => {
                        tracing::error!(%digest, "scrub: blob is recorded but missing: push it again to restore it");
                    }
                    Some(Damage::Damaged(detail)) => {
                        registry.blobs.delete(&digest).await?;
                        tracing::error!(%digest, %detail, "scrub: removed a damaged copy: push the blob again to restore it");
                    }
                }
                *self.cursor() = Some(digest);
                report.items += 1;
                ctx.advance(1);
            }
        }
        Ok(report)
    }
}
