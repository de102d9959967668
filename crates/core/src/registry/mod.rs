//! The registry use cases: uploads, blobs, manifests, tags, referrers, deletes, and generic versions
//! ([`generic`]) on the same manifest machinery.
//!
//! Protocol crates call these; they never see storage. Every write goes bytes first (durable in the
//! blob store), metadata second (one transaction), so a crash never leaves a row pointing at nothing.

mod blobs;
pub mod generic;
mod glob;
pub mod jobs;
mod locks;
mod manifests;
mod search;
mod upload_id;
mod uploads;

pub use blobs::{BlobInfo, BlobRead};
pub use glob::glob_match;
pub use manifests::{ManifestRead, PutManifest, Referrer, StoredManifest};
pub use search::SearchPage;
pub use uploads::UploadStatus;

use crate::audit::{Actor, Outcome};
use crate::blob::BlobStore;
use crate::meta::{Format, MetaStore, Page, RepoKind, Repository};
use crate::{Error, ErrorKind, Result};
use arca_types::{OciName, RepoName};
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
    /// `mutable_tags` of auto-created repositories.
    pub default_mutable_tags: Vec<String>,
    /// Page size of tag and catalog listings when the client gives no `n`, and the largest allowed.
    pub max_page: usize,
    /// Whole reads of blobs up to this size are hashed while they stream and cut on a mismatch.
    pub verify_reads_up_to_bytes: u64,
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
pub struct Registry {
    blobs: Arc<dyn BlobStore>,
    meta: Arc<dyn MetaStore>,
    config: RegistryConfig,
    upload_locks: locks::KeyedLocks,
    /// Signs upload ids (see `upload_id`); every node serving the same data must share it.
    upload_key: Vec<u8>,
    closed_uploads: upload_id::ClosedIds,
    clock: Arc<dyn crate::clock::Clock>,
}

impl Registry {
    pub fn new(blobs: Arc<dyn BlobStore>, meta: Arc<dyn MetaStore>, config: RegistryConfig) -> Self {
        let upload_key = uuid::Uuid::new_v4().as_bytes().to_vec();
        let (upload_locks, closed_uploads) = (locks::KeyedLocks::default(), upload_id::ClosedIds::default());
        let clock = crate::clock::system();
        Self { blobs, meta, config, upload_locks, upload_key, closed_uploads, clock }
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

    /// Uses a persistent key for upload ids, so uploads survive restarts and span nodes.
    pub fn with_upload_key(mut self, key: Vec<u8>) -> Self {
        self.upload_key = key;
        self
    }

    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// The repository a write of `format` content goes to — created on first use when `auto_create`
    /// is on (the one place repositories are auto-created) — provided it holds one of `accepts`.
    async fn repository_for(
        &self,
        name: &RepoName,
        format: Format,
        accepts: &[Format],
        actor: &Actor,
    ) -> Result<Repository> {
        let repo = match self.meta.get_repository(name).await? {
            Some(repo) => repo,
            None if self.config.auto_create => {
                // Generic versions are immutable whole; OCI repositories let the configured tags move.
                let mutable_tags =
                    if format == Format::Oci { self.config.default_mutable_tags.clone() } else { Vec::new() };
                let repo = Repository {
                    name: name.clone(),
                    format,
                    kind: RepoKind::Hosted,
                    stage: None,
                    mutable_tags,
                    created_at: self.now(),
                };
                let audit = actor
                    .entry(self.now(), "repository.create", name.as_str(), Outcome::Success)
                    .with_detail(format!("format={format} auto-created on first write"));
                self.meta.create_repository(&repo, &audit).await?;
                self.meta.get_repository(name).await?.unwrap_or(repo)
            }
            None => {
                return Err(Error::new(
                    ErrorKind::NameUnknown,
                    format!(
                        "repository {name} does not exist: create it with `arca repo create {name} --format {format}`"
                    ),
                ));
            }
        };
        if !accepts.contains(&repo.format) {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("repository {name} holds {} packages, not {format} content", repo.format),
            ));
        }
        Ok(repo)
    }

    /// The repository of an OCI write (generic repositories take OCI content too: their versions are
    /// OCI manifests).
    async fn oci_repository(&self, name: &OciName, actor: &Actor) -> Result<Repository> {
        self.repository_for(&name.repository, Format::Oci, &[Format::Oci, Format::Generic], actor).await
    }

    /// Tag names of a package, sorted, after `last`; `None` if the package is unknown.
    pub async fn list_tags(&self, name: &OciName, n: Option<usize>, last: Option<String>) -> Result<Option<Listing>> {
        let (limit, page) = self.page(n, last);
        Ok(self.meta.list_tags(name, &page).await?.map(|items| Listing::cut(items, limit)))
    }

    /// OCI names (`repo/package`), sorted, after `last`.
    pub async fn catalog(&self, n: Option<usize>, last: Option<String>) -> Result<Listing> {
        let (limit, page) = self.page(n, last);
        Ok(Listing::cut(self.meta.list_packages(&page).await?, limit))
    }

    /// The page to ask the store for: one more than wanted, to learn whether more follow.
    fn page(&self, n: Option<usize>, last: Option<String>) -> (usize, Page) {
        let limit = n.unwrap_or(self.config.max_page).min(self.config.max_page);
        (limit, Page { last, limit: limit + 1 })
    }

    /// Readiness: both backends answer.
    pub async fn ping(&self) -> Result<()> {
        self.meta.ping().await?;
        self.blobs.ping().await
    }

    /// Gauges for metrics: (blob count, bytes stored, active uploads).
    pub async fn stats(&self) -> Result<(u64, u64, u64)> {
        let (count, bytes) = self.meta.blob_stats().await?;
        Ok((count, bytes, self.meta.count_uploads().await?))
    }
}

/// Repository administration.
impl Registry {
    /// Creates a repository; `Conflict` if one of that name exists.
    pub async fn create_repository(&self, repo: &Repository, actor: &Actor) -> Result<()> {
        if self.meta.create_repository(repo, &repository_audit(self.now(), actor, "repository.create", repo)).await? {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::Conflict, format!("repository {} already exists", repo.name)))
        }
    }

    /// Creates a repository declared in configuration, or brings an existing one's policy in line.
    pub async fn declare_repository(&self, repo: Repository, actor: &Actor) -> Result<()> {
        match self.meta.get_repository(&repo.name).await? {
            None => {
                self.meta
                    .create_repository(&repo, &repository_audit(self.now(), actor, "repository.create", &repo))
                    .await?;
            }
            Some(existing) if existing.format != repo.format => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!("repository {} exists with format {}, not {}", repo.name, existing.format, repo.format),
                ));
            }
            Some(existing) => {
                let updated = Repository { created_at: existing.created_at, ..repo };
                if updated != existing {
                    self.meta
                        .update_repository(
                            &updated,
                            &repository_audit(self.now(), actor, "repository.update", &updated),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    pub async fn list_repositories(&self) -> Result<Vec<Repository>> {
        self.meta.list_repositories().await
    }

    pub async fn get_repository(&self, name: &RepoName) -> Result<Repository> {
        self.meta
            .get_repository(name)
            .await?
            .ok_or_else(|| Error::new(ErrorKind::NameUnknown, format!("repository {name} does not exist")))
    }

    /// Deletes an empty repository.
    pub async fn delete_repository(&self, name: &RepoName, actor: &Actor) -> Result<()> {
        let audit = actor.entry(self.now(), "repository.delete", name.as_str(), Outcome::Success);
        if self.meta.delete_repository(name, &audit).await? {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::NameUnknown, format!("repository {name} does not exist")))
        }
    }
}

/// The audit entry of a repository change, with its policy as detail.
fn repository_audit(
    now: crate::meta::Millis,
    actor: &Actor,
    action: &str,
    repo: &Repository,
) -> crate::audit::NewAuditEntry {
    let stage = repo.stage.as_deref().unwrap_or("-");
    let detail =
        format!("format={} kind={} stage={stage} mutable_tags={}", repo.format, repo.kind, repo.mutable_tags.join(","));
    actor.entry(now, action, repo.name.as_str(), Outcome::Success).with_detail(detail)
}
