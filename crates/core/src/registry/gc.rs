//! Online garbage collection of blobs: no lock, no read-only window; pushes and pulls run throughout.
//!
//! Deleting content (a manifest, a tag, a retention run) is a metadata transaction that leaves
//! blobs unreferenced. A sweep then, a page at a time in digest order:
//!
//! 1. lists collectable blobs (nothing refers to them, nothing touched them within the grace period:
//!    see [`BlobCollection`]);
//! 2. takes them in one transaction, which checks again and marks them as being collected;
//! 3. deletes their stored copies (one already missing is fine);
//! 4. forgets their rows.
//!
//! Why a push racing the sweep keeps its blob: every write of a blob records it (touching it) in the
//! transaction that links it, so
//! - a push that records before step 2 makes the blob referenced or touched, and step 2 skips it;
//! - a push that records between steps 2 and 4 finds it being collected and is refused as retryable
//!   (`Unavailable`): the client pushes again, after the sweep;
//! - a push that records after step 4 records it anew and checks the stored copy is there before it
//!   commits (`Registry::check_recorded`): steps 3 and 4 are over, so a copy it sees stays.
//!
//! A cross-repository mount is a link: the same record, and a mount refused this way answers "not
//! mounted", so the client uploads. The grace period covers what is recorded before it is
//! referenced: a layer pushed before its manifest, a generic file staged before its commit.
//!
//! A crash between steps 2 and 4 leaves blobs marked: the next run finishes them first. Each page is
//! committed on its own, so a run that stops (crash, cancel) loses no finished work and the next run
//! picks up the rest.
//!
//! Pushes and pulls beside a sweep keep their latency (`bench/gc.sh`) because the sweep is low
//! priority. After each page it rests three times as long as the page took (a quarter of the time at
//! most on the writer, the disk and a core). While this node serves artifact requests
//! ([`crate::traffic`]) it also takes smaller pages (`BUSY_PAGE`) and waits for a pause in the
//! traffic before each, for at most `MAX_YIELD`: beside traffic that never stops it still deletes
//! `BUSY_PAGE` blobs a second, and on an idle node it runs at full speed.

use super::Registry;
use crate::Result;
use crate::audit::{Actor, Outcome};
use crate::blob::BlobStore as _;
use crate::jobs::{Job, RunContext, RunReport};
use arca_types::Digest;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GcReport {
    /// Blobs deleted (stored copy and record).
    pub blobs: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Of those, blobs an earlier, interrupted sweep had taken.
    pub resumed: u64,
    /// Whether the sweep stopped early (cancelled): the next one continues.
    pub cancelled: bool,
}

const PAGE: usize = 100;

/// A page while the node serves traffic: a transaction that holds the metadata writer for a
/// fraction of a push's time.
const BUSY_PAGE: usize = 20;

/// How long a sweep waits at most, after its rest, for this node's traffic to pause.
const MAX_YIELD: Duration = Duration::from_secs(1);

/// How long a sweep rests after each page, in multiples of the time the page took.
const REST_PER_WORK: u32 = 3;

impl Registry {
    /// Deletes every blob collectable now whose last touch is older than `grace` (see the module
    /// docs). `ctx` counts progress and may cancel between pages.
    pub async fn collect_garbage(&self, grace: Duration, actor: &Actor, ctx: &RunContext) -> Result<GcReport> {
        let mut report = GcReport::default();
        self.finish_interrupted(&mut report, ctx).await?;
        let mut after: Option<Digest> = None;
        loop {
            if ctx.is_cancelled() {
                report.cancelled = true;
                break;
            }
            let cutoff = self.now().saturating_sub(crate::clock::millis(grace));
            let page = if self.traffic().busy() { BUSY_PAGE } else { PAGE };
            let candidates = self.ports.collection.collectable_blobs(after.as_ref(), cutoff, page).await?;
            let Some((last, _)) = candidates.last() else { break };
            after = Some(last.clone());
            let digests: Vec<Digest> = candidates.into_iter().map(|(d, _)| d).collect();
            self.sweep_page(&digests, grace, actor, &mut report, Some(ctx)).await?;
        }
        if report.blobs > 0 {
            tracing::info!(blobs = report.blobs, bytes = report.bytes, resumed = report.resumed, "garbage collected");
        }
        // What was verified and matched about artifacts deleted everywhere goes too.
        let orphans = self.ports.attachment_index.forget_orphans().await?;
        if orphans > 0 {
            tracing::info!(rows = orphans, "forgot verdicts, components and findings of deleted artifacts");
        }
        Ok(report)
    }

    /// Takes those of `candidates` still collectable (touched before `grace` ago), deletes their files
    /// and forgets them; then rests [`REST_PER_WORK`] times as long as that took, and waits for a
    /// pause in this node's traffic (at most `MAX_YIELD`).
    pub(super) async fn sweep_page(
        &self,
        candidates: &[Digest],
        grace: Duration,
        actor: &Actor,
        report: &mut GcReport,
        ctx: Option<&RunContext>,
    ) -> Result<()> {
        let started = std::time::Instant::now();
        let now = self.now();
        let cutoff = now.saturating_sub(crate::clock::millis(grace));
        let audit = actor.entry(now, "gc.collect", "blobs", Outcome::Success);
        let taken = self.ports.collection.take_blobs(candidates, cutoff, now, &audit).await?;
        self.delete_taken(&taken, report, ctx).await?;
        tokio::time::sleep(started.elapsed() * REST_PER_WORK).await;
        self.traffic().wait_quiet(MAX_YIELD).await;
        Ok(())
    }

    /// Finishes blobs an interrupted sweep took (their rows are marked; their files may remain).
    async fn finish_interrupted(&self, report: &mut GcReport, ctx: &RunContext) -> Result<()> {
        loop {
            let taken = self.ports.collection.blobs_being_collected(PAGE).await?;
            if taken.is_empty() {
                return Ok(());
            }
            report.resumed += taken.len() as u64;
            self.delete_taken(&taken, report, Some(ctx)).await?;
        }
    }

    /// Deletes the stored copies of taken blobs, then their rows.
    async fn delete_taken(
        &self,
        taken: &[(Digest, u64)],
        report: &mut GcReport,
        ctx: Option<&RunContext>,
    ) -> Result<()> {
        let digests: Vec<Digest> = taken.iter().map(|(d, _)| d.clone()).collect();
        // A copy already missing is fine (deleting an absent blob succeeds). A failure stops the run:
        // the rows stay marked and the next run deletes them.
        self.blobs.delete_many(&digests).await?;
        self.ports.collection.forget_blobs(&digests).await?;
        report.blobs += taken.len() as u64;
        report.bytes += taken.iter().map(|(_, size)| size).sum::<u64>();
        if let Some(ctx) = ctx {
            ctx.advance(taken.len() as u64);
        }
        Ok(())
    }
}

/// The scheduled sweep: the `gc` job.
/// Blobs touched within the registry's `gc_grace` are left for a later run.
pub struct GarbageCollector {
    pub registry: Arc<Registry>,
    pub interval: Duration,
}

/// The job's name, for its lease, its metrics and `arca gc run`.
pub const GC_JOB: &str = "gc";

#[async_trait]
impl Job for GarbageCollector {
    fn name(&self) -> &'static str {
        GC_JOB
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn run_once(&self, ctx: &RunContext) -> Result<RunReport> {
        let report = self.registry.collect_garbage(self.registry.config().gc_grace, &Actor::system(), ctx).await?;
        Ok(RunReport { items: report.blobs })
    }
}
