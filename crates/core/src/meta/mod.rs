//! Metadata ports, one trait per aggregate. Each method is one transaction.
//!
//! Every write that changes what the registry holds takes the [`NewAuditEntry`] recording it; the
//! store appends it to the audit log in the same transaction as the change (and only if the change
//! happened: a method returning `false` or an error appends nothing).

use crate::Result;
use crate::audit::{AuditLog, NewAuditEntry};
use crate::auth::AuthStore;
use arca_types::{Digest, OciName, PackageName, RepoName, Tag};
use async_trait::async_trait;

mod trust;
pub use trust::{
    AdvisoryStore, AttachmentIndex, AttachmentVerdict, ComponentHit, ComponentQuery, Finding, IndexedComponent,
    StoredAdvisory, TrustRoot, TrustRootKind, TrustRootStore,
};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// A repository's format: the package ecosystem it hosts (one type for names, versions and policy).
pub use arca_types::Ecosystem as Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepoKind {
    Hosted,
    Remote,
    Virtual,
}

macro_rules! str_enum {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            pub const fn as_str(self) -> &'static str { match self { $(Self::$v => $s),* } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some(Self::$v),)* _ => None } }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
str_enum!(RepoKind { Hosted => "hosted", Remote => "remote", Virtual => "virtual" });

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Repository {
    pub name: RepoName,
    pub format: Format,
    pub kind: RepoKind,
    /// Free-form stage label: dev, staging, prod.
    pub stage: Option<String>,
    /// Glob patterns of tags that may move (`latest`, `dev-*`); every other tag is immutable.
    pub mutable_tags: Vec<String>,
    pub created_at: Millis,
    /// Bytes the repository may reference (each distinct blob once); `None`: no quota.
    #[serde(default)]
    pub quota_bytes: Option<u64>,
    /// Repositories whose versions may be promoted into this one (the promotion path's edges ending
    /// here).
    #[serde(default)]
    pub promote_from: Vec<RepoName>,
    /// Gates a promotion into this repository must pass, as canonical texts
    /// ([`crate::promotion::Gate`]).
    #[serde(default)]
    pub gates: Vec<String>,
    /// Gates a manifest pull from this repository must pass (`signed`, `sbom`, `provenance`,
    /// `max-severity=…`), as canonical texts; referrers and principals who may publish here are exempt.
    #[serde(default)]
    pub pull_gates: Vec<String>,
    /// Whether its format's client may remove published versions (`npm unpublish`); off by default:
    /// versions are immutable.
    #[serde(default)]
    pub allow_unpublish: bool,
}

impl Repository {
    /// Whether `tag` may move to another digest here.
    pub fn is_mutable(&self, tag: &str) -> bool {
        self.mutable_tags.iter().any(|p| crate::registry::glob_match(p, tag))
    }
}

/// Paging through a sorted list: entries strictly after `last`, at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub last: Option<String>,
    pub limit: usize,
}

/// How a manifest refers to other content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Config,
    Layer,
    /// A child of an index.
    Manifest,
}

str_enum!(RefKind { Config => "config", Layer => "layer", Manifest => "manifest" });

/// A manifest about to be recorded (its bytes are already durable in the blob store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewManifest {
    pub name: OciName,
    pub record: ManifestRecord,
    pub references: Vec<(Digest, RefKind)>,
}

/// What the metadata store knows of a stored manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRecord {
    pub digest: Digest,
    pub media_type: String,
    pub size: u64,
    /// `artifactType`, or for image manifests without one, the config media type.
    pub artifact_type: Option<String>,
    pub subject: Option<Digest>,
    /// The manifest's `annotations` object as JSON text, if any.
    pub annotations: Option<String>,
    pub created_at: Millis,
}

/// A tag to point at the manifest being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagWrite {
    pub tag: Tag,
    /// Whether an existing tag may be moved to another digest (from the repository's policy).
    pub mutable: bool,
    /// An immutable tag that may move only from this digest (compare and swap): a PyPI release
    /// grows a file at a time, each upload re-pointing the version at a manifest with one more file;
    /// of two racing uploads, the one whose starting point moved meanwhile gets `TagImmutable`.
    pub replaces: Option<Digest>,
}

impl TagWrite {
    pub fn new(tag: Tag, mutable: bool) -> Self {
        Self { tag, mutable, replaces: None }
    }
}

/// What is recorded of an upload id ([`UploadStore::find_upload`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundUpload {
    /// It has a session row: a chunk left data behind.
    Open(UploadSession),
    /// It was closed (completed or cancelled) and not yet forgotten.
    Closed,
    /// Neither: a minted id no chunk has used yet, or one that never existed.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSession {
    pub id: String,
    pub name: OciName,
    /// Bytes received so far.
    pub offset: u64,
    /// Serialized hash state (see `hasher::MultiHasher`).
    pub hash_state: Vec<u8>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[async_trait]
pub trait RepositoryStore: Send + Sync + 'static {
    /// Creates the repository; `false` if it already existed (left unchanged).
    async fn create_repository(&self, repo: &Repository, audit: &NewAuditEntry) -> Result<bool>;
    async fn get_repository(&self, name: &RepoName) -> Result<Option<Repository>>;
    async fn list_repositories(&self) -> Result<Vec<Repository>>;
    /// Replaces the mutable fields (kind, stage, mutable_tags, quota_bytes); `false` if absent.
    async fn update_repository(&self, repo: &Repository, audit: &NewAuditEntry) -> Result<bool>;
    /// Deletes an empty repository; `Conflict` if it still holds packages; `false` if absent.
    async fn delete_repository(&self, name: &RepoName, audit: &NewAuditEntry) -> Result<bool>;
}

/// What claiming a file name found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileClaim {
    /// The name was never published in the repository: it is now, with this digest.
    New,
    /// The name was published with these same bytes before.
    Same,
    /// The name was published with other bytes (its digest); it can never be reused.
    Taken(Digest),
}

/// A file name published in a repository (see [`UnitOfWork::claim_file_name`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName<'a> {
    pub repository: &'a RepoName,
    pub package: &'a PackageName,
    pub file: &'a str,
    pub digest: &'a Digest,
}

/// Where a package is in its life, as PEP 792 names it (and PyPI's index shows it): set by its
/// maintainers, the same for every version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    /// Maintained: what every package is until told otherwise.
    #[default]
    Active,
    /// Not expected to change again: new uploads are refused.
    Archived,
    /// Unsafe to use (malware, a compromise): its files are hidden and uploads refused.
    Quarantined,
    /// Superseded or obsolete; still served.
    Deprecated,
}

impl Lifecycle {
    pub const ALL: [Self; 4] = [Self::Active, Self::Archived, Self::Quarantined, Self::Deprecated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Archived => "archived",
            Self::Quarantined => "quarantined",
            Self::Deprecated => "deprecated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Whether new versions or files may be published to a package in this state.
    pub fn accepts_uploads(self) -> bool {
        matches!(self, Self::Active | Self::Deprecated)
    }
}

/// A package's lifecycle state and why (shown to clients).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PackageStatus {
    pub status: Lifecycle,
    #[serde(default)]
    pub reason: Option<String>,
}

/// What recording a blob found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The digest was not recorded: this write recorded it. A GC sweep may have deleted a file of
    /// that digest just before, so a writer that did not write the bytes itself checks they are
    /// there before it commits.
    New,
    /// The digest was recorded already (and is now marked touched, so GC leaves it alone).
    Existing,
}

#[async_trait]
pub trait BlobIndex: Send + Sync + 'static {
    /// Records a durable blob and, with `link`, makes it visible in that package (creating the package
    /// entry), and marks it touched (GC leaves it alone for its grace period). Idempotent. A blob a GC
    /// sweep is collecting is refused with `Unavailable` (push it again in a moment).
    async fn record_blob(&self, digest: &Digest, size: u64, link: Option<&OciName>, now: Millis) -> Result<Recorded>;
    /// Size of a blob known anywhere.
    async fn blob_size(&self, digest: &Digest) -> Result<Option<u64>>;
    /// The bytes of a blob kept with its record ([`UnitOfWork::keep_body`]) instead of in the blob
    /// store; `None` if it has none there.
    async fn blob_body(&self, digest: &Digest) -> Result<Option<bytes::Bytes>>;
    /// For a push about to rely on the stored copy of a blob (instead of writing it): its size, after
    /// marking it touched at `now` (so GC leaves it alone for its grace period) unless it was touched
    /// since `fresh_since` (a read then). `None` if it is not recorded or is being collected.
    async fn touch_blob(&self, digest: &Digest, now: Millis, fresh_since: Millis) -> Result<Option<u64>>;
    /// Size of a blob visible in this package.
    async fn linked_blob_size(&self, name: &OciName, digest: &Digest) -> Result<Option<u64>>;
    /// Removes a blob from a package's view; `false` if it was not linked.
    async fn unlink_blob(&self, name: &OciName, digest: &Digest, audit: &NewAuditEntry) -> Result<bool>;
    /// Number of stored blobs and their total size.
    async fn blob_stats(&self) -> Result<(u64, u64)>;
    /// Recorded blobs with their sizes, in digest order, strictly after `after`, at most `limit`
    /// (backups, fsck and the scrub walk every blob in pages). Blobs a GC sweep has taken are gone
    /// already as far as these are concerned, and are not listed.
    async fn list_blobs(&self, after: Option<&Digest>, limit: usize) -> Result<Vec<(Digest, u64)>>;
    /// Manifest references to content no blob record holds (metadata that lost a blob: for `fsck`), as
    /// (package, manifest digest, missing digest), at most `limit`.
    async fn unrecorded_references(&self, limit: usize) -> Result<Vec<(OciName, Digest, Digest)>>;
}

/// Online garbage collection of blobs (see `registry::gc`). A blob is collectable when no manifest
/// refers to it, none is stored as it, no staged generic file holds it, and nothing touched it (see
/// [`BlobIndex::record_blob`]) since the cutoff; package links do not keep it (a layer pushed and
/// never used by a manifest goes once the grace period is over), and go with it.
#[async_trait]
pub trait BlobCollection: Send + Sync + 'static {
    /// Collectable blobs with their sizes, in digest order after `after`, at most `limit`: candidates
    /// only (a read); [`BlobCollection::take_blobs`] decides.
    async fn collectable_blobs(
        &self,
        after: Option<&Digest>,
        cutoff: Millis,
        limit: usize,
    ) -> Result<Vec<(Digest, u64)>>;
    /// In one transaction: of `candidates`, takes those still collectable — marks them as being
    /// collected at `now` (a push of one is refused as retryable from then on) and removes their
    /// package links — and appends `audit` with the count and bytes taken in its detail, if any were
    /// taken. Returns the ones taken, with their sizes.
    async fn take_blobs(
        &self,
        candidates: &[Digest],
        cutoff: Millis,
        now: Millis,
        audit: &NewAuditEntry,
    ) -> Result<Vec<(Digest, u64)>>;
    /// Blobs taken by a sweep and not yet forgotten (a sweep that crashed before it finished), at
    /// most `limit`.
    async fn blobs_being_collected(&self, limit: usize) -> Result<Vec<(Digest, u64)>>;
    /// Forgets taken blobs whose stored copies are deleted.
    async fn forget_blobs(&self, digests: &[Digest]) -> Result<()>;
}

/// What a repository stores, dedup-aware: each distinct blob it references (linked into one of its
/// packages, or one of its manifests) counts once, in every repository that references it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryUsage {
    pub repository: RepoName,
    pub blobs: u64,
    pub bytes: u64,
    /// Bytes by when each blob was first stored, one per bound of [`AGE_BUCKETS`] and one older.
    pub bytes_by_age: [u64; 5],
}

/// Upper bounds of the storage report's age buckets (days), youngest first: under 1 day, 1–7, 7–30,
/// 30–90, and (the fifth bucket) 90 days or more.
pub const AGE_BUCKETS: [(&str, i64); 4] = [("lt_1d", 1), ("1d_7d", 7), ("7d_30d", 30), ("30d_90d", 90)];

/// Storage accounting for the storage report.
#[async_trait]
pub trait StorageAccounting: Send + Sync + 'static {
    /// Every repository's usage (ages counted back from `now`), by name.
    async fn repository_usage(&self, now: Millis) -> Result<Vec<RepositoryUsage>>;
    /// Blobs nothing refers to (what GC would free, grace aside): count and bytes.
    async fn unreferenced_blobs(&self) -> Result<(u64, u64)>;
}

/// A repository's retention policy as stored: its text (verbatim), when it was set, when its
/// schedule last applied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    pub repository: RepoName,
    pub policy: String,
    pub updated_at: Millis,
    pub last_run_at: Option<Millis>,
}

/// Retention policies, and the facts the retention planner reads.
#[async_trait]
pub trait RetentionStore: Send + Sync + 'static {
    /// Sets (replaces) a repository's policy; `NameUnknown` if the repository does not exist.
    async fn set_retention_policy(
        &self,
        repo: &RepoName,
        policy: &str,
        now: Millis,
        audit: &NewAuditEntry,
    ) -> Result<()>;
    async fn retention_policy(&self, repo: &RepoName) -> Result<Option<StoredPolicy>>;
    /// `false` if the repository had none.
    async fn delete_retention_policy(&self, repo: &RepoName, audit: &NewAuditEntry) -> Result<bool>;
    /// Every stored policy, by repository.
    async fn retention_policies(&self) -> Result<Vec<StoredPolicy>>;
    /// Records that the schedule applied the policy at `at`.
    async fn retention_ran(&self, repo: &RepoName, at: Millis) -> Result<()>;
    /// Records when manifests were last pulled (a later time replaces an earlier one). Telemetry for
    /// `keep_pulled_within`, not a change: not audited.
    async fn record_pulls(&self, pulls: &[(OciName, Digest, Millis)]) -> Result<()>;
    /// The repository's manifests as the planner sees them (not protected; pulled as recorded), and the
    /// digests among the blobs they store that something outside the repository uses too (another
    /// repository's manifest, a staged generic file).
    async fn retention_items(
        &self,
        repo: &RepoName,
    ) -> Result<(Vec<crate::retention::Item>, std::collections::HashSet<String>)>;
}

#[async_trait]
pub trait ManifestStore: Send + Sync + 'static {
    /// Records a manifest (idempotent), links it and its bytes into the package, and points `tag` at
    /// it, all in one transaction. An immutable tag already pointing elsewhere fails with
    /// `TagImmutable` and changes nothing.
    async fn put_manifest(&self, manifest: &NewManifest, tag: Option<&TagWrite>, audit: &NewAuditEntry) -> Result<()>;
    async fn manifest_by_digest(&self, name: &OciName, digest: &Digest) -> Result<Option<ManifestRecord>>;
    async fn manifest_by_tag(&self, name: &OciName, tag: &Tag) -> Result<Option<ManifestRecord>>;
    /// Tags of a package in lexical order; `None` if the package is unknown.
    async fn list_tags(&self, name: &OciName, page: &Page) -> Result<Option<Vec<String>>>;
    /// Full OCI names (`repo/package`) in lexical order.
    async fn list_packages(&self, page: &Page) -> Result<Vec<String>>;
    /// Manifests of this package whose `subject` is `subject`, ordered by digest.
    async fn referrers(&self, name: &OciName, subject: &Digest) -> Result<Vec<ManifestRecord>>;
    /// The package's lifecycle state (active when never set); `None` if the package is unknown.
    async fn package_status(&self, name: &OciName) -> Result<Option<PackageStatus>>;
    /// The logins owning a crate (`name`'s package is its stored name), in byte order; empty when
    /// none were recorded.
    async fn crate_owners(&self, name: &OciName) -> Result<Vec<String>>;
    /// `false` if the tag did not exist.
    async fn delete_tag(&self, name: &OciName, tag: &Tag, audit: &NewAuditEntry) -> Result<bool>;
    /// Deletes a manifest and every tag pointing at it; `false` if it did not exist.
    async fn delete_manifest(&self, name: &OciName, digest: &Digest, audit: &NewAuditEntry) -> Result<bool>;
}

#[async_trait]
pub trait UploadStore: Send + Sync + 'static {
    async fn create_upload(&self, session: &UploadSession) -> Result<()>;
    async fn get_upload(&self, id: &str) -> Result<Option<UploadSession>>;
    /// Advances an upload if it is still at `expected_offset` (compare-and-set); `false` otherwise.
    async fn advance_upload(
        &self,
        id: &str,
        expected_offset: u64,
        offset: u64,
        hash_state: &[u8],
        now: Millis,
    ) -> Result<bool>;
    async fn delete_upload(&self, id: &str) -> Result<()>;
    /// Ends an upload for good, in one transaction: its session (if any) is deleted and its id
    /// remembered as closed, so that no node accepts it again (see [`UploadStore::is_closed`]).
    async fn close_upload(&self, id: &str, now: Millis) -> Result<()>;
    /// Whether the id was closed (and not yet forgotten).
    async fn is_closed(&self, id: &str) -> Result<bool>;
    /// [`UploadStore::get_upload`] and [`UploadStore::is_closed`] at once (one read where the store
    /// can: every blob PUT asks both).
    async fn find_upload(&self, id: &str) -> Result<FoundUpload> {
        if let Some(session) = self.get_upload(id).await? {
            return Ok(FoundUpload::Open(session));
        }
        Ok(if self.is_closed(id).await? { FoundUpload::Closed } else { FoundUpload::Unknown })
    }
    /// Forgets ids closed before `before` (by then expired anyway); how many.
    async fn forget_closed_uploads(&self, before: Millis) -> Result<u64>;
    /// Ids of uploads not touched since `before`.
    async fn stale_uploads(&self, before: Millis, limit: usize) -> Result<Vec<String>>;
    async fn count_uploads(&self) -> Result<u64>;
}

/// A multi-file generic upload: files staged for one version until a commit publishes them together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericUpload {
    pub id: String,
    pub name: OciName,
    pub version: Tag,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// One file staged in a [`GenericUpload`] (its bytes are durable, recorded but linked nowhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    pub file: String,
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
}

/// Properties: multi-valued `key=value` metadata of a manifest, keyed by its digest.
#[async_trait]
pub trait PropertyStore: Send + Sync + 'static {
    /// The manifest's properties, sorted by key, then value.
    async fn properties(&self, manifest: &Digest) -> Result<Vec<(String, String)>>;
    /// In one transaction: removes the values of the keys in `clear` (of every key when `None`), then
    /// adds `add` (duplicates are kept once).
    async fn set_properties(
        &self,
        manifest: &Digest,
        clear: Option<&[String]>,
        add: &[(String, String)],
        audit: &NewAuditEntry,
    ) -> Result<()>;
}

/// Multi-file generic uploads in progress.
#[async_trait]
pub trait GenericUploadStore: Send + Sync + 'static {
    async fn create_generic_upload(&self, upload: &GenericUpload) -> Result<()>;
    /// The upload and its staged files (by file name); `None` if unknown.
    async fn generic_upload(&self, id: &str) -> Result<Option<(GenericUpload, Vec<StagedFile>)>>;
    /// Records a staged file (replacing one of the same name) and touches the upload; `false` if the
    /// upload is unknown.
    async fn stage_file(&self, id: &str, file: &StagedFile, now: Millis) -> Result<bool>;
    /// Removes the upload and its staged files; `false` if it was unknown.
    async fn delete_generic_upload(&self, id: &str) -> Result<bool>;
    /// Ids of uploads not touched since `before`.
    async fn stale_generic_uploads(&self, before: Millis, limit: usize) -> Result<Vec<String>>;
}

/// Liveness of the metadata backend (for readiness).
/// A unit of work: several aggregate writes and their audit entries in one transaction, all or
/// nothing. Dropped without [`UnitOfWork::commit`], nothing of it happened. The checks of each write
/// (tag immutability, the repository existing) run inside the transaction.
///
/// The single-aggregate port methods (`ManifestStore::put_manifest`, …) are each one unit of work;
/// a use case that writes more than one aggregate (a generic publish: files, manifest, tag,
/// properties) opens one with [`Transactions::begin`] instead.
#[async_trait]
pub trait UnitOfWork: Send {
    /// Records a blob, linked into `link`'s package if given (see [`BlobIndex::record_blob`]).
    async fn record_blob(
        &mut self,
        digest: &Digest,
        size: u64,
        link: Option<&OciName>,
        now: Millis,
    ) -> Result<Recorded>;
    /// The first of `references` the package does not hold (a blob linked into it, a manifest of it),
    /// or `None`. What it finds stays until this unit of work ends: a concurrent unlink or delete of
    /// it waits for the commit (PostgreSQL: `FOR SHARE`; SQLite: the single writer).
    async fn missing_reference(
        &mut self,
        name: &OciName,
        references: &[(Digest, RefKind)],
    ) -> Result<Option<(Digest, RefKind)>>;
    /// Records a manifest and points `tag` at it (see [`ManifestStore::put_manifest`]); what recording
    /// its own blob found.
    async fn put_manifest(&mut self, manifest: &NewManifest, tag: Option<&TagWrite>) -> Result<Recorded>;
    /// Keeps the bytes of a blob recorded in this unit of work with its record, instead of in the blob
    /// store (small content: manifests). They are committed with it and deleted with it. Idempotent.
    async fn keep_body(&mut self, digest: &Digest, body: &[u8]) -> Result<()>;
    /// Closes an upload (see [`UploadStore::close_upload`]) with the blob it produced.
    async fn close_upload(&mut self, id: &str, now: Millis) -> Result<()>;
    /// Points one more tag at a manifest recorded in this package.
    async fn tag_manifest(&mut self, name: &OciName, tag: &TagWrite, digest: &Digest, now: Millis) -> Result<()>;
    /// Changes properties (see [`PropertyStore::set_properties`]).
    async fn set_properties(
        &mut self,
        manifest: &Digest,
        clear: Option<&[String]>,
        add: &[(String, String)],
    ) -> Result<()>;
    /// Deletes a tag if it still points at `digest`; `false` otherwise (moved or gone).
    async fn delete_tag_at(&mut self, name: &OciName, tag: &Tag, digest: &Digest) -> Result<bool>;
    /// Deletes a manifest no tag points at and no other manifest of the package lists as a child;
    /// `false` if it is tagged, a child, or gone.
    async fn delete_unused_manifest(&mut self, name: &OciName, digest: &Digest) -> Result<bool>;
    /// Appends an audit entry, chained in this transaction.
    async fn audit(&mut self, entry: &NewAuditEntry) -> Result<()>;
    /// The digest `tag` points at in the package, read in this transaction.
    async fn tag_target(&mut self, name: &OciName, tag: &Tag) -> Result<Option<Digest>>;
    /// The digest of the newest promotion or rollback into the package, read in this transaction.
    async fn promoted_digest(&mut self, target: &OciName) -> Result<Option<Digest>>;
    /// Copies the manifest `digest` of `from` into `to` with what travels with it: its index children,
    /// its referrers (transitively), their references (blob links) and the `sha256-…` tags of
    /// referrers (cosign's tag scheme) — pointers only, no bytes. `NotFound` if `from` lacks it.
    async fn copy_artifact(&mut self, from: &OciName, to: &OciName, digest: &Digest, now: Millis) -> Result<Copied>;
    /// Claims a file name in its repository for good: names are never reused, even after their file is
    /// deleted (PyPI's rule; npm's for versions). Racing claims of one name have one winner.
    async fn claim_file_name(&mut self, name: &FileName<'_>, now: Millis) -> Result<FileClaim>;
    /// Sets a package's lifecycle state; `false` if the package is unknown.
    async fn set_package_status(&mut self, name: &OciName, status: &PackageStatus) -> Result<bool>;
    /// Makes `logins` owners of a crate (those already owners stay as they are); how many were new.
    async fn add_crate_owners(&mut self, name: &OciName, logins: &[String], now: Millis) -> Result<u64>;
    /// Removes `logins` from a crate's owners; the owners left, in byte order.
    async fn remove_crate_owners(&mut self, name: &OciName, logins: &[String]) -> Result<Vec<String>>;
    /// Records a promotion or rollback with its audit entry; its id (unique, increasing in record order).
    async fn record_promotion(&mut self, promotion: &NewPromotion, audit: &NewAuditEntry) -> Result<u64>;
    /// Makes everything durable at once.
    async fn commit(self: Box<Self>) -> Result<()>;
}

/// A promotion or a rollback, as recorded in a repository's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromotionKind {
    Promote,
    Rollback,
}
str_enum!(PromotionKind { Promote => "promote", Rollback => "rollback" });

/// A promotion or rollback to record (the store gives it an id, unique and increasing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPromotion {
    pub kind: PromotionKind,
    /// The release it is part of, if any.
    pub release: Option<String>,
    /// Where it came from (`None` for a rollback).
    pub source: Option<RepoName>,
    /// The target repository and package.
    pub target: OciName,
    /// The tag (version) pointed at it in the target, if any.
    pub version: Option<String>,
    pub digest: Digest,
    /// The digest current in the target package before.
    pub previous: Option<Digest>,
    pub actor: String,
    /// The gates' verdicts, JSON (an array of `{gate, passed, reason}`).
    pub verdicts: String,
    pub approvers: Vec<String>,
    pub at: Millis,
}

/// A recorded promotion or rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRecord {
    pub id: u64,
    pub promotion: NewPromotion,
}

/// A digest recorded as deployed to an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub id: u64,
    pub environment: String,
    pub name: OciName,
    pub digest: Digest,
    pub actor: String,
    pub at: Millis,
}

/// Promotion history, approvals and deployments.
#[async_trait]
pub trait PromotionStore: Send + Sync + 'static {
    /// The history of a repository's package (promotions and rollbacks), newest first, at most `limit`.
    async fn promotions(&self, target: &OciName, limit: usize) -> Result<Vec<PromotionRecord>>;
    /// The newest promotion or rollback into each repository holding a package of this name.
    async fn current_promotions(&self, package: &str) -> Result<Vec<PromotionRecord>>;
    /// Promotions out of or into `repository` since `since` (retention's rollback window).
    async fn promotions_touching(&self, repository: &RepoName, since: Millis) -> Result<Vec<PromotionRecord>>;
    /// When `digest` was last promoted (or rolled back) into `target`, if ever.
    async fn arrived(&self, target: &OciName, digest: &Digest) -> Result<Option<Millis>>;
    /// Who approved promoting `digest` into `target`, and when.
    async fn approvals(&self, target: &OciName, digest: &Digest) -> Result<Vec<(String, Millis)>>;
    /// Records `principal`'s approval (again: its time moves on, so an approval that expired can be
    /// renewed); `false` if it was there already at that time or later.
    async fn approve(
        &self,
        target: &OciName,
        digest: &Digest,
        principal: &str,
        at: Millis,
        audit: &NewAuditEntry,
    ) -> Result<bool>;
    /// Records a deployment; its id.
    async fn record_deployment(
        &self,
        environment: &str,
        name: &OciName,
        digest: &Digest,
        audit: &NewAuditEntry,
    ) -> Result<u64>;
    /// The newest deployment to each environment of packages of this name (any repository).
    async fn current_deployments(&self, package: &str) -> Result<Vec<Deployment>>;
    /// The newest deployment to each environment of `repository`'s packages.
    async fn deployments_in(&self, repository: &RepoName) -> Result<Vec<Deployment>>;
}

/// What copying an artifact into another package did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Copied {
    /// Manifests copied (the artifact, its index children, its referrers).
    pub manifests: usize,
    /// Of those, how many the target did not hold yet.
    pub new: usize,
}

#[async_trait]
pub trait Transactions: Send + Sync + 'static {
    /// Opens a unit of work (a write transaction).
    async fn begin(&self) -> Result<Box<dyn UnitOfWork>>;
}

#[async_trait]
pub trait MetaHealth: Send + Sync + 'static {
    async fn ping(&self) -> Result<()>;
}

/// Everything the metadata backend provides, as one object.
pub trait MetaStore:
    RepositoryStore
    + BlobIndex
    + BlobCollection
    + StorageAccounting
    + RetentionStore
    + ManifestStore
    + UploadStore
    + PropertyStore
    + GenericUploadStore
    + SearchStore
    + PromotionStore
    + TrustRootStore
    + AttachmentIndex
    + AdvisoryStore
    + AuthStore
    + AuditLog
    + MetaHealth
    + Transactions
    + crate::jobs::JobClaims
    + crate::sli::SliStore
{
}
impl<
    T: RepositoryStore
        + BlobIndex
        + BlobCollection
        + StorageAccounting
        + RetentionStore
        + ManifestStore
        + UploadStore
        + PropertyStore
        + GenericUploadStore
        + SearchStore
        + PromotionStore
        + TrustRootStore
        + AttachmentIndex
        + AdvisoryStore
        + AuthStore
        + AuditLog
        + MetaHealth
        + Transactions
        + crate::jobs::JobClaims
        + crate::sli::SliStore,
> MetaStore for T
{
}

/// A search over versions: tagged manifests (generic versions and OCI tags alike). Every given field
/// narrows the result (AND). Results are sorted by (created_at desc, repository, package, version).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Only these repositories (`None`: every one). Authorization narrows searches through this.
    pub repositories: Option<Vec<String>>,
    pub format: Option<Format>,
    /// Glob on the package name: `*` any run of characters (`/` included), `?` one character.
    pub package: Option<String>,
    /// Glob on the version (tag).
    pub version: Option<String>,
    /// `key = value` pairs the version's properties must all hold.
    pub properties: Vec<(String, String)>,
    /// Keys the version must have a property for.
    pub has_properties: Vec<String>,
    /// The version's manifest digest, or the digest of anything it refers to (a file, a layer).
    pub digest: Option<Digest>,
    /// Created at or after (inclusive).
    pub created_after: Option<Millis>,
    /// Created before (exclusive).
    pub created_before: Option<Millis>,
    /// Results strictly after this one in the sort order.
    pub after: Option<SearchCursor>,
    pub limit: usize,
}

/// A position in the search order: the sort key of the last result seen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SearchCursor {
    pub created_at: Millis,
    pub repository: String,
    pub package: String,
    pub version: String,
}

/// One version found by a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub repository: String,
    pub format: Format,
    pub package: String,
    pub version: String,
    pub digest: Digest,
    pub media_type: String,
    pub artifact_type: Option<String>,
    /// When the version (tag) was last written.
    pub created_at: Millis,
    /// Sorted by key, then value.
    pub properties: Vec<(String, String)>,
}

impl SearchHit {
    pub fn cursor(&self) -> SearchCursor {
        SearchCursor {
            created_at: self.created_at,
            repository: self.repository.clone(),
            package: self.package.clone(),
            version: self.version.clone(),
        }
    }
}

/// Searching versions across repositories.
#[async_trait]
pub trait SearchStore: Send + Sync + 'static {
    /// At most `query.limit` versions matching `query`, in the search order, with their properties.
    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>>;
}
