//! The registry's background jobs: reaping expired uploads (OCI sessions and multi-file generic
//! uploads; each run handles what expired, in batches, until none is left or it is cancelled), and
//! chaining audit entries a node left unchained.

use super::Registry;
use crate::Result;
use crate::jobs::{Job, RunContext, RunReport};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// Removes upload sessions untouched for `upload_ttl` and their staged bytes.
pub struct UploadReaper {
    pub registry: Arc<Registry>,
    pub interval: Duration,
}

/// Removes multi-file generic uploads never committed.
pub struct GenericUploadReaper {
    pub registry: Arc<Registry>,
    pub interval: Duration,
}

/// Which uploads a reaper removes.
#[derive(Clone, Copy)]
enum Uploads {
    Oci,
    Generic,
}

/// Reaps batches of expired uploads until none is left (or the run is cancelled).
async fn drain(registry: &Registry, uploads: Uploads, ctx: &RunContext) -> Result<RunReport> {
    let mut report = RunReport::default();
    if matches!(uploads, Uploads::Oci) {
        // Staged bytes no session owns (a crash mid-request on any node), once idle for a session's life.
        let orphans = registry.reap_orphan_staging(registry.upload_ttl()).await?;
        report.items += orphans as u64;
        ctx.advance(orphans as u64);
    }
    while !ctx.is_cancelled() {
        let n = match uploads {
            Uploads::Oci => registry.reap_expired_uploads().await?,
            Uploads::Generic => registry.reap_expired_generic_uploads().await?,
        };
        if n == 0 {
            break;
        }
        report.items += n as u64;
        ctx.advance(n as u64);
    }
    Ok(report)
}

#[async_trait]
impl Job for UploadReaper {
    fn name(&self) -> &'static str {
        "upload-reaper"
    }
    fn interval(&self) -> Duration {
        self.interval
    }
    async fn run_once(&self, ctx: &RunContext) -> Result<RunReport> {
        drain(&self.registry, Uploads::Oci, ctx).await
    }
}

#[async_trait]
impl Job for GenericUploadReaper {
    fn name(&self) -> &'static str {
        "generic-upload-reaper"
    }
    fn interval(&self) -> Duration {
        self.interval
    }
    async fn run_once(&self, ctx: &RunContext) -> Result<RunReport> {
        drain(&self.registry, Uploads::Generic, ctx).await
    }
}

/// Chains audit entries committed but not yet chained: a store that chains after the commit (see
/// [`crate::audit::AuditLog::seal_audit`]) does so at once, unless the node died in between; this job
/// bounds how long such an entry waits outside the chain.
pub struct AuditSealer {
    pub registry: Arc<Registry>,
}

#[async_trait]
impl Job for AuditSealer {
    fn name(&self) -> &'static str {
        "audit-sealer"
    }
    fn interval(&self) -> Duration {
        Duration::from_secs(10)
    }
    async fn run_once(&self, ctx: &RunContext) -> Result<RunReport> {
        let sealed = self.registry.ports.audit.seal_audit().await?;
        ctx.advance(sealed);
        Ok(RunReport { items: sealed })
    }
}
