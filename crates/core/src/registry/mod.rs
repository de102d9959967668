//! The registry use cases: uploads, blobs, manifests, tags, referrers, deletes, and generic versions
//! ([`generic`]) on the same manifest machinery.
//!
//! Protocol crates call these; they never see storage. Every write goes bytes first (durable in the
//! blob store), metadata second (one transaction), so a crash never leaves a row pointing at nothing.

mod attachments;
mod blob_reader;
mod blobs;
pub mod bodies;
pub mod cargo;
pub mod cargo_owners;
mod content_cache;
pub mod coverage;
pub mod gc;
pub mod generic;
mod glob;
pub mod jobs;
mod locks;
mod manifests;
pub mod maven;
pub mod npm;
pub mod npm_unpublish;
pub mod package_manifest;
mod package_status;
pub mod promotion;
pub mod promotion_history;
mod promotion_record;
pub mod promotion_stats;
mod pull_gates;
mod pulls;
pub mod pypi;
pub mod rendered;
mod repositories;
pub mod retention;
pub mod scrub;
mod search;
pub mod storage;
mod upload_id;
mod uploads;
pub mod vulns;

pub use attachments::AttachmentReport;
pub use blobs::{BlobInfo, BlobRead};
pub use glob::glob_match;
pub use manifests::{ManifestRead, PutManifest, Referrer, StoredManifest};
pub use repositories::NewRepository;
pub use search::SearchPage;
pub use uploads::UploadStatus;

use crate::Result;
use crate::blob::BlobStore;
use crate::meta::{
    AdvisoryStore, AttachmentIndex, BlobCollection, BlobIndex, GenericUploadStore, ManifestStore, MetaHealth,
    MetaStore, Page, PromotionStore, PropertyStore, RepositoryStore, RetentionStore, SearchStore, StorageAccounting,
    Transactions, TrustRootStore, UploadStore,
};
use arca_types::OciName;
use std::sync::Arc;

/// Limits and defaults of the registry use cases.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    /// Largest manifest accepted, in bytes.
    pub max_manifest_bytes: usize,
    /// An upload untouched for this long is expired and reaped.
    pub upload_ttl_ms: i64,
    /// Create a repository on first push to it.
    pub auto_create: bool,
    /// `mutable_tags` of OCI repositories created without any (auto-created, or declared in
    /// configuration without them): see [`NewRepository`].
    pub default_mutable_tags: Vec<String>,
    /// Page size of tag and catalog listings when the client gives no `n`, and the largest allowed.
    pub max_page: usize,
    /// Whole reads of blobs up to this size are hashed while they stream and cut on a mismatch.
    pub verify_reads_up_to_bytes: u64,
    /// GC leaves blobs touched this recently to a later sweep (the default of `arca gc run` too).
    pub gc_grace: std::time::Duration,
    /// Retention keeps what was promoted within this window, so a rollback finds it.
    pub rollback_window_ms: i64,
    /// An approval counts toward an `approvals=<n>` gate for this long (0: for ever).
    pub approval_ttl_ms: i64,
    /// Complete timestamped builds a Maven snapshot version keeps (0: every build).
    pub maven_snapshot_keep: usize,
    /// The same, per repository (`[repositories.<name>] maven_snapshot_keep`).
    pub maven_snapshot_keep_by_repository: std::collections::BTreeMap<String, usize>,
}

impl RegistryConfig {
    /// A blob touched this recently is not touched again when pushed or re-used (no write): half the
    /// GC grace period, so a sweep cannot take it before the push commits, and at most a minute, so
    /// an `arca gc run` with a grace shorter than the configured one is exposed to at most a minute
    /// of re-used blobs (a grace of seconds is exposed to pushes in flight anyway).
    pub fn touch_window(&self) -> std::time::Duration {
        (self.gc_grace / 2).min(std::time::Duration::from_secs(60))
    }

    /// The builds a snapshot version of `repository` keeps (0: every build).
    pub fn maven_snapshot_keep_for(&self, repository: &str) -> usize {
        self.maven_snapshot_keep_by_repository.get(repository).copied().unwrap_or(self.maven_snapshot_keep)
    }
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            max_manifest_bytes: 4 << 20,
            upload_ttl_ms: 24 * 3600 * 1000,
            auto_create: true,
            default_mutable_tags: vec!["latest".to_owned()],
            max_page: 1000,
            verify_reads_up_to_bytes: 4 << 20,
            gc_grace: std::time::Duration::from_secs(3600),
            rollback_window_ms: 30 * 24 * 3600 * 1000,
            approval_ttl_ms: 0,
            maven_snapshot_keep: 0,
            maven_snapshot_keep_by_repository: std::collections::BTreeMap::new(),
        }
    }
}

/// One page of a sorted listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub items: Vec<String>,
    /// Whether entries follow this page.
    pub more: bool,
}

impl Listing {
    fn cut(mut items: Vec<String>, limit: usize) -> Self {
        let more = items.len() > limit;
        items.truncate(limit);
        Self { items, more }
    }
}

/// The registry service over its ports.
/// The metadata ports the use cases reach, one per aggregate: each use case names the one it uses
/// (`self.ports.manifests`, …), never the whole store.
struct Ports {
    repositories: Arc<dyn RepositoryStore>,
    blob_index: Arc<dyn BlobIndex>,
    collection: Arc<dyn BlobCollection>,
    accounting: Arc<dyn StorageAccounting>,
    retention: Arc<dyn RetentionStore>,
    manifests: Arc<dyn ManifestStore>,
    uploads: Arc<dyn UploadStore>,
    properties: Arc<dyn PropertyStore>,
    generic_uploads: Arc<dyn GenericUploadStore>,
    search: Arc<dyn SearchStore>,
    promotions: Arc<dyn PromotionStore>,
    trust_roots: Arc<dyn TrustRootStore>,
    attachment_index: Arc<dyn AttachmentIndex>,
    advisories: Arc<dyn AdvisoryStore>,
    audit: Arc<dyn crate::audit::AuditLog>,
    transactions: Arc<dyn Transactions>,
    health: Arc<dyn MetaHealth>,
    sli: Arc<dyn crate::sli::SliStore>,
}

impl Ports {
    fn of(meta: &Arc<dyn MetaStore>) -> Self {
        Self {
            repositories: meta.clone(),
            blob_index: meta.clone(),
            collection: meta.clone(),
            accounting: meta.clone(),
            retention: meta.clone(),
            manifests: meta.clone(),
            uploads: meta.clone(),
            properties: meta.clone(),
            generic_uploads: meta.clone(),
            search: meta.clone(),
            promotions: meta.clone(),
            trust_roots: meta.clone(),
            attachment_index: meta.clone(),
            advisories: meta.clone(),
            audit: meta.clone(),
            transactions: meta.clone(),
            health: meta.clone(),
            sli: meta.clone(),
        }
    }
}

/// Memory each cache of parsed package documents may hold: 10 000 versions' manifests, or their
/// `package.json` documents, with room to spare.
const PARSED_CACHE_BYTES: usize = 32 << 20;

pub struct Registry {
    /// The blob store, and the bodies kept with blob records ([`bodies::WithBodies`]).
    blobs: Arc<bodies::WithBodies>,
    ports: Ports,
    repository_cache: repositories::RepositoryCache,
    config: RegistryConfig,
    upload_locks: locks::KeyedLocks,
    /// Signs upload ids (see `upload_id`); every node serving the same data must share it.
    upload_key: Vec<u8>,
    clock: Arc<dyn crate::clock::Clock>,
    pulls: pulls::PullLog,
    storage_cache: storage::ReportCache,
    promotion_stats: promotion_stats::StatsCell,
    pull_verdicts: pull_gates::VerdictCache,
    finding_events: vulns::FindingEvents,
    coverage_cache: coverage::CoverageCache,
    /// This node's artifact requests in flight: GC's sweep yields to them.
    traffic: Arc<crate::traffic::Traffic>,
    /// Signs promotion records (`with_signer`).
    signer: Option<Arc<dyn crate::promotion::record::Signer>>,
    /// Signs npm versions (`dist.signatures`; `with_npm_key`).
    npm_key: Option<Arc<arca_npm::RegistryKey>>,
    /// Package version manifests by digest (`package_manifest`).
    parsed_manifests: content_cache::ContentCache<package_manifest::PackageManifest>,
    /// npm versions' `package.json` by digest.
    parsed_documents: content_cache::ContentCache<serde_json::Value>,
    /// Packuments by a digest of what they were rendered from (`rendered`).
    rendered_documents: content_cache::ContentCache<rendered::Rendered>,
}

impl Registry {
    pub fn new(blobs: Arc<dyn BlobStore>, meta: Arc<dyn MetaStore>, config: RegistryConfig) -> Self {
        let upload_key = uuid::Uuid::new_v4().as_bytes().to_vec();
        let upload_locks = locks::KeyedLocks::default();
        let clock = crate::clock::system();
        let ports = Ports::of(&meta);
        let blobs = bodies::WithBodies::wrap(blobs, ports.blob_index.clone());
        let repository_cache = repositories::RepositoryCache::default();
        Self {
            blobs,
            ports,
            repository_cache,
            config,
            upload_locks,
            upload_key,
            clock,
            pulls: pulls::PullLog::default(),
            storage_cache: storage::ReportCache::default(),
            promotion_stats: promotion_stats::StatsCell::default(),
            pull_verdicts: pull_gates::VerdictCache::default(),
            finding_events: vulns::FindingEvents::default(),
            coverage_cache: coverage::CoverageCache::default(),
            traffic: Arc::default(),
            signer: None,
            npm_key: None,
            parsed_manifests: content_cache::ContentCache::new(PARSED_CACHE_BYTES),
            parsed_documents: content_cache::ContentCache::new(PARSED_CACHE_BYTES),
            rendered_documents: content_cache::ContentCache::new(rendered::RENDERED_CACHE_BYTES),
        }
    }

    /// This node's foreground traffic: the server counts artifact requests here (see
    /// [`crate::traffic`]).
    pub fn traffic(&self) -> &Arc<crate::traffic::Traffic> {
        &self.traffic
    }

    /// Reads "now" from `clock` (tests move time instead of sleeping).
    pub fn with_clock(mut self, clock: Arc<dyn crate::clock::Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Now, by this registry's clock.
    pub fn now(&self) -> crate::meta::Millis {
        self.clock.now()
    }

    /// Where the SLI history is kept (the sampler job writes it).
    pub(crate) fn sli_store(&self) -> &Arc<dyn crate::sli::SliStore> {
        &self.ports.sli
    }

    /// Uses a persistent key for upload ids, so uploads survive restarts and span nodes.
    pub fn with_upload_key(mut self, key: Vec<u8>) -> Self {
        self.upload_key = key;
        self
    }

    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// Tag names of a package, sorted, after `last`; `None` if the package is unknown.
    pub async fn list_tags(&self, name: &OciName, n: Option<usize>, last: Option<String>) -> Result<Option<Listing>> {
        let (limit, page) = self.page(n, last);
        Ok(self.ports.manifests.list_tags(name, &page).await?.map(|items| Listing::cut(items, limit)))
    }

    /// OCI names (`repo/package`), sorted, after `last`.
    pub async fn catalog(&self, n: Option<usize>, last: Option<String>) -> Result<Listing> {
        let (limit, page) = self.page(n, last);
        Ok(Listing::cut(self.ports.manifests.list_packages(&page).await?, limit))
    }

    /// The page to ask the store for: one more than wanted, to learn whether more follow.
    fn page(&self, n: Option<usize>, last: Option<String>) -> (usize, Page) {
        let limit = n.unwrap_or(self.config.max_page).min(self.config.max_page);
        (limit, Page { last, limit: limit + 1 })
    }

    /// What this node's promotions did (for metrics).
    pub fn promotion_stats(&self) -> promotion_stats::PromotionStats {
        self.promotion_stats.snapshot()
    }

    /// Readiness: both backends answer.
    pub async fn ping(&self) -> Result<()> {
        self.ports.health.ping().await?;
        self.blobs.ping().await
    }

    /// Gauges for metrics: (blob count, bytes stored, active uploads).
    pub async fn stats(&self) -> Result<(u64, u64, u64)> {
        let (count, bytes) = self.ports.blob_index.blob_stats().await?;
        Ok((count, bytes, self.ports.uploads.count_uploads().await?))
    }
}
