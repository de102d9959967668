//! Scrubbing: re-reading stored blobs to find copies whose bytes no longer match their digest (bit rot,
//! a bad disk, a hand edit), for `arca fsck` and for the background [`Scrubber`] job, which re-hashes
//! the store at a bounded rate and removes damaged copies so they are never served (a pull then
//! answers that the blob is unknown; the next push of the digest writes a sound copy).

use super::Registry;
use crate::Result;
use crate::blob::BlobStore;
use crate::hasher::MultiHasher;
use crate::jobs::{Job, RunContext, RunReport};
use crate::meta::BlobIndex;
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

/// Checks the stored copy of `digest` like [`check_stored`] and, with `repair`, removes a damaged one
/// (it is then never served; the next push of the digest writes a sound copy). A missing copy is left
/// to be pushed again.
pub async fn scrub_blob(store: &dyn BlobStore, digest: &Digest, size: u64, repair: bool) -> Result<Option<Damage>> {
    let damage = check_stored(store, digest, size).await;
    if let (true, Some(Damage::Damaged(detail))) = (repair, &damage) {
        store.delete(digest).await?;
        tracing::error!(%digest, %detail, "removed a damaged blob copy: push the blob again to restore it");
    }
    Ok(damage)
}

/// Every recorded blob with its size, a page at a time in digest order.
pub struct RecordedBlobs<'a> {
    index: &'a dyn BlobIndex,
    after: Option<Digest>,
    page: usize,
}

impl<'a> RecordedBlobs<'a> {
    /// From the first digest after `after` (from the start when `None`), `page` at a time.
    pub fn new(index: &'a dyn BlobIndex, after: Option<Digest>, page: usize) -> Self {
        Self { index, after, page }
    }

    /// The next page; empty once every blob was listed.
    pub async fn next_page(&mut self) -> Result<Vec<(Digest, u64)>> {
        let page = self.index.list_blobs(self.after.as_ref(), self.page).await?;
        if let Some((last, _)) = page.last() {
            self.after = Some(last.clone());
        }
        Ok(page)
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
        let mut blobs = RecordedBlobs::new(registry.ports.blob_index.as_ref(), self.cursor().clone(), PAGE);
        while budget > 0 && !ctx.is_cancelled() {
            let page = blobs.next_page().await?;
            if page.is_empty() {
                *self.cursor() = None;
                break;
            }
            for (digest, size) in page {
                if budget == 0 || ctx.is_cancelled() {
                    break;
                }
                budget = budget.saturating_sub(size.max(1));
                if let Some(Damage::Missing) = scrub_blob(registry.blobs.as_ref(), &digest, size, true).await? {
                    tracing::error!(%digest, "scrub: blob is recorded but missing: push it again to restore it");
                }
                *self.cursor() = Some(digest);
                report.items += 1;
                ctx.advance(1);
            }
        }
        Ok(report)
    }
}
