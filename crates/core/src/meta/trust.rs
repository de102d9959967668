//! The supply-chain ports: trust roots per repository, what verifying each attachment found (cached per
//! set of roots), the components of attached SBOMs, OSV advisories and the findings matching them.
//!
//! Verdicts, components and findings are keyed by digest, not by repository: the same bytes promoted
//! elsewhere carry what was verified about them.

use super::Millis;
use crate::Result;
use crate::audit::NewAuditEntry;
use arca_types::{Digest, RepoName};
use async_trait::async_trait;

/// A key, certificate or policy a repository trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustRoot {
    pub name: String,
    pub kind: TrustRootKind,
    /// PEM (keys, certificates) or JSON (a notation trust policy), as given.
    pub material: String,
    /// `sha256:<hex>` of the key (DER SubjectPublicKeyInfo), certificate (DER) or policy (bytes).
    pub fingerprint: String,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustRootKind {
    /// A cosign public key (ECDSA P-256/P-384, Ed25519, RSA), PEM.
    CosignKey,
    /// A notation trust store certificate (the `ca` store named like the root), PEM.
    NotationCa,
    /// A notation `trustpolicy.json`.
    NotationPolicy,
}

impl TrustRootKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CosignKey => "cosign-key",
            Self::NotationCa => "notation-ca",
            Self::NotationPolicy => "notation-policy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::CosignKey, Self::NotationCa, Self::NotationPolicy].into_iter().find(|k| k.as_str() == s)
    }
}

#[async_trait]
pub trait TrustRootStore: Send + Sync + 'static {
    /// The repository's trust roots, by name.
    async fn trust_roots(&self, repository: &RepoName) -> Result<Vec<TrustRoot>>;
    /// Adds or replaces the root of that name; `true` if it was new or changed.
    async fn put_trust_root(&self, repository: &RepoName, root: &TrustRoot, audit: &NewAuditEntry) -> Result<bool>;
    /// Removes the root of that name; `false` if there was none.
    async fn delete_trust_root(&self, repository: &RepoName, name: &str, audit: &NewAuditEntry) -> Result<bool>;
}

/// What verifying one attachment found under one set of trust roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentVerdict {
    /// The attachment's manifest digest.
    pub attachment: Digest,
    /// The hash naming the set of trust roots it was verified against.
    pub roots: String,
    pub subject: Digest,
    /// `cosign-signature`, `cosign-attestation`, `sigstore-bundle`, `notation`, `sbom`, `other`.
    pub kind: String,
    /// JSON of an [`arca_types::Verdict`].
    pub verdict: String,
    /// JSON object: what else was learnt (predicate type, provenance, SBOM format).
    pub facts: String,
    pub at: Millis,
}

/// One component of an attached SBOM.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IndexedComponent {
    pub name: String,
    pub version: Option<String>,
    /// The package URL without its version (`pkg:npm/lodash`).
    pub purl: Option<String>,
    /// The OSV ecosystem (`npm`, `PyPI`, `Debian:12`) and the package's name there, when known.
    pub ecosystem: Option<String>,
    pub osv_name: Option<String>,
    pub licenses: Vec<String>,
}

/// What a component search asks: every given field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentQuery {
    /// A package URL without version (`pkg:npm/lodash`), or with one to match it exactly.
    pub purl: Option<String>,
    /// The exact version, when `purl` carried one.
    pub version: Option<String>,
    pub name: Option<String>,
    pub license: Option<String>,
    /// Only these repositories (`None`: every one): authorization narrows through this.
    pub repositories: Option<Vec<String>>,
    pub limit: usize,
}

/// A version holding a matching component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentHit {
    pub repository: String,
    pub stage: Option<String>,
    pub package: String,
    pub version: String,
    pub digest: Digest,
    pub component: IndexedComponent,
}

#[async_trait]
pub trait AttachmentIndex: Send + Sync + 'static {
    /// Cached verdicts of the subject's attachments under the set of roots `roots`.
    async fn attachment_verdicts(&self, subject: &Digest, roots: &str) -> Result<Vec<AttachmentVerdict>>;
    /// Caches verdicts (replacing any for the same attachment and roots).
    async fn put_attachment_verdicts(&self, verdicts: &[AttachmentVerdict]) -> Result<()>;
    /// Whether the components of this SBOM attachment of `subject` are indexed.
    async fn sbom_indexed(&self, subject: &Digest, sbom: &Digest) -> Result<bool>;
    /// Indexes (replaces) the components of one SBOM attachment of `subject`.
    async fn put_components(&self, subject: &Digest, sbom: &Digest, components: &[IndexedComponent]) -> Result<()>;
    /// Forgets the components of `subject`'s SBOMs other than `keep`; how many SBOMs were forgotten.
    async fn forget_sboms_except(&self, subject: &Digest, keep: &[Digest]) -> Result<u64>;
    /// Forgets verdicts, components and findings of artifacts no repository holds any more (their
    /// manifest deleted everywhere); how many rows went.
    async fn forget_orphans(&self) -> Result<u64>;
    /// Whether any SBOM attached to `subject` was indexed (even one listing no component).
    async fn has_sbom(&self, subject: &Digest) -> Result<bool>;
    /// The components of every SBOM attached to `subject`, deduplicated.
    async fn components(&self, subject: &Digest) -> Result<Vec<IndexedComponent>>;
    /// Tagged versions holding a component matching the query, newest first.
    async fn find_components(&self, query: &ComponentQuery) -> Result<Vec<ComponentHit>>;
    /// Subjects with a component of this OSV package, and those components.
    async fn components_of_package(&self, ecosystem: &str, name: &str) -> Result<Vec<(Digest, IndexedComponent)>>;
}

/// An advisory as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAdvisory {
    pub id: String,
    pub modified: String,
    /// The OSV record's JSON.
    pub record: String,
    /// (ecosystem base, OSV package name) of each affected package.
    pub packages: Vec<(String, String)>,
}

/// A stored version affected by an advisory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub subject: Digest,
    pub advisory: String,
    /// The component: its purl with version when known, else its name.
    pub package: String,
    pub installed: String,
    pub fixed: Option<String>,
    /// `critical`, `high`, `medium`, `low`, `none`, `unknown`.
    pub severity: String,
    pub score: Option<String>,
    pub found_at: Millis,
}

#[async_trait]
pub trait AdvisoryStore: Send + Sync + 'static {
    /// Stores advisories (new ids, or a newer `modified` of a known one, which is then evaluated
    /// again); how many were new or changed.
    async fn put_advisories(&self, advisories: &[StoredAdvisory], at: Millis) -> Result<usize>;
    /// The records of advisories naming this package (ecosystem base, OSV name).
    async fn advisories_for(&self, ecosystem: &str, name: &str) -> Result<Vec<String>>;
    /// Up to `limit` advisories not yet matched against stored components: (id, record).
    async fn advisories_to_evaluate(&self, limit: usize) -> Result<Vec<(String, String)>>;
    /// Replaces the findings of `advisory` with `findings` and marks it evaluated; the findings that
    /// are new (not recorded before).
    async fn settle_advisory(&self, advisory: &str, findings: &[Finding]) -> Result<Vec<Finding>>;
    /// Replaces the findings of `subject` (after its SBOMs were indexed); the ones that are new.
    async fn replace_findings(&self, subject: &Digest, findings: &[Finding]) -> Result<Vec<Finding>>;
    /// The findings of `subject`, worst first.
    async fn findings(&self, subject: &Digest) -> Result<Vec<Finding>>;
    /// How many advisories are stored.
    async fn advisory_count(&self) -> Result<u64>;
}
