//! Attachments of an artifact (signatures, attestations, SBOMs) found, read and verified against the
//! repository's trust roots; the trust roots themselves.
//!
//! An artifact's attachments are its OCI 1.1 referrers, the manifests of cosign's
//! `sha256-<hex>.sig|att|sbom` tags, and the children of a referrers fallback index (`sha256-<hex>`).
//! Each is verified once per set of trust roots and the verdict cached by digest
//! (`attachment_verdicts`), so a promoted copy carries its verdicts; changing the roots gives a new
//! set and so a new verification. SBOMs found on the way are indexed (their components) and matched
//! against the stored advisories (`vulns`).

use super::Registry;
use crate::attachments::{self, Attachment, Checked, Layer, ProvenanceFacts, Roots, Subject};
use crate::audit::{Actor, Outcome};
use crate::blob::BlobStore as _;
use crate::manifest::Descriptor;
use crate::meta::{AttachmentVerdict, ManifestRecord, Millis, TrustRoot, TrustRootKind};
use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, OciName, Reference, RepoName, Tag, Verdict};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Signature layers (envelopes, bundles) read for verification at most; larger ones are refused.
const MAX_SIGNATURE_LAYER: u64 = 4 << 20;
/// SBOM layers read at most (the SBOM parser's own limit).
const MAX_SBOM_LAYER: u64 = 64 << 20;
/// Layers per attachment read at most.
const MAX_LAYERS: usize = 16;

/// One attachment of an artifact and what verifying it found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttachmentReport {
    pub digest: Digest,
    pub kind: String,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// One line for people.
    pub explanation: String,
    /// Predicate type, provenance, SBOM format and size, as learnt.
    pub facts: serde_json::Value,
}

impl AttachmentReport {
    fn of(v: &AttachmentVerdict) -> Self {
        let verdict: Verdict =
            serde_json::from_str(&v.verdict).unwrap_or_else(|_| Verdict::invalid("the cached verdict is unreadable"));
        Self {
            digest: v.attachment.clone(),
            kind: v.kind.clone(),
            explanation: verdict.explain(),
            verdict,
            facts: serde_json::from_str(&v.facts).unwrap_or(serde_json::Value::Null),
        }
    }

    /// Whether this is a valid signature of the artifact itself.
    pub fn is_valid_signature(&self) -> bool {
        self.verdict.is_valid() && attachment_kind_is_signature(&self.kind)
    }

    /// The verified provenance it carries (a valid attestation stating SLSA provenance).
    pub fn verified_provenance(&self) -> Option<ProvenanceFacts> {
        if !self.verdict.is_valid() {
            return None;
        }
        serde_json::from_value(self.facts.get("provenance")?.clone()).ok()
    }

    /// Whether it carries an SBOM (signed or not).
    pub fn has_sbom(&self) -> bool {
        self.facts.get("sbom").is_some_and(|s| !s.is_null())
    }
}

fn attachment_kind_is_signature(kind: &str) -> bool {
    ["cosign-signature", "sigstore-bundle", "notation"].contains(&kind)
}

impl Registry {
    /// The trust roots of a repository.
    pub async fn trust_roots(&self, repository: &RepoName) -> Result<Vec<TrustRoot>> {
        self.require_repository(repository).await?;
        self.ports.trust_roots.trust_roots(repository).await
    }

    /// Adds (or replaces) a trust root after checking its material parses; audited.
    pub async fn put_trust_root(
        &self,
        repository: &RepoName,
        name: &str,
        kind: TrustRootKind,
        material: String,
        actor: &Actor,
    ) -> Result<TrustRoot> {
        self.require_repository(repository).await?;
        check_root_name(name)?;
        let existing = self.ports.trust_roots.trust_roots(repository).await?;
        if kind == TrustRootKind::NotationPolicy && existing.iter().any(|r| r.kind == kind && r.name != name) {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("{repository} has a notation trust policy already: replace it under its name or delete it"),
            ));
        }
        let fingerprint = attachments::fingerprint(kind, material.as_bytes()).map_err(|e| {
            Error::new(ErrorKind::InvalidRequest, format!("trust root {name:?} ({}): {e}", kind.as_str()))
        })?;
        let root = TrustRoot { name: name.to_owned(), kind, material, fingerprint, created_at: self.now() };
        let target = format!("{repository}/trust-roots/{name}");
        let mut audit = actor.entry(self.now(), "trust_root.put", target, Outcome::Success);
        audit.detail = Some(format!("{} {}", kind.as_str(), root.fingerprint));
        self.ports.trust_roots.put_trust_root(repository, &root, &audit).await?;
        Ok(root)
    }

    /// Removes a trust root; audited. `NotFound` if there is none of that name.
    pub async fn delete_trust_root(&self, repository: &RepoName, name: &str, actor: &Actor) -> Result<()> {
        let target = format!("{repository}/trust-roots/{name}");
        let audit = actor.entry(self.now(), "trust_root.delete", target, Outcome::Success);
        if self.ports.trust_roots.delete_trust_root(repository, name, &audit).await? {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::NotFound, format!("{repository} has no trust root named {name:?}")))
        }
    }

    async fn require_repository(&self, repository: &RepoName) -> Result<()> {
        match self.cached_repository(repository).await? {
            Some(_) => Ok(()),
            None => Err(Error::new(ErrorKind::NameUnknown, format!("repository {repository} does not exist"))),
        }
    }

    /// The attachments of `name@reference`, each verified against the trust roots of `roots_of`
    /// (the artifact's own repository when `None`).
    pub async fn attachments(
        &self,
        name: &OciName,
        reference: &Reference,
        roots_of: Option<&RepoName>,
    ) -> Result<(ManifestRecord, Vec<AttachmentReport>)> {
        let subject = self.manifest_record(name, reference).await?;
        let reports = self.verified_attachments(name, &subject, roots_of.unwrap_or(&name.repository)).await?;
        Ok((subject, reports))
    }

    /// Every attachment of `subject` in `name`, verified against `roots_of`'s roots (cached).
    pub(super) async fn verified_attachments(
        &self,
        name: &OciName,
        subject: &ManifestRecord,
        roots_of: &RepoName,
    ) -> Result<Vec<AttachmentReport>> {
        let stored = self.ports.trust_roots.trust_roots(roots_of).await?;
        let (roots, broken) = Roots::of(&stored);
        for b in &broken {
            tracing::warn!(repository = %roots_of, root = %b, "a stored trust root no longer parses");
        }
        let cached = self.ports.attachment_index.attachment_verdicts(&subject.digest, &roots.id).await?;
        let mut cached: BTreeMap<Digest, AttachmentVerdict> =
            cached.into_iter().map(|v| (v.attachment.clone(), v)).collect();
        // Only what is attached now: a replaced cosign tag or a deleted referrer leaves a stale row.
        let mut reports = Vec::new();
        let mut fresh = Vec::new();
        for (record, suffix) in self.attachment_records(name, &subject.digest).await? {
            if let Some(row) = cached.remove(&record.digest) {
                reports.push(AttachmentReport::of(&row));
                continue;
            }
            let attachment = self.read_attachment(&record, suffix).await?;
            let checked = attachments::check(&attachment, &subject_of(name, subject, self.now()), &roots);
            if let Some(sbom) = &checked.sbom {
                self.index_sbom(&subject.digest, &record.digest, sbom).await?;
            }
            let row = cache_row(&record.digest, &roots.id, &subject.digest, &checked, self.now());
            reports.push(AttachmentReport::of(&row));
            fresh.push(row);
        }
        self.ports.attachment_index.put_attachment_verdicts(&fresh).await?;
        // What is left of the cache was attached once and is no more (a deleted referrer, a replaced
        // cosign tag): an SBOM among them no longer lists the artifact's components.
        if cached.values().map(AttachmentReport::of).any(|r| r.has_sbom()) {
            let keep: Vec<Digest> = reports.iter().filter(|r| r.has_sbom()).map(|r| r.digest.clone()).collect();
            self.forget_sboms_except(&subject.digest, &keep).await?;
        }
        Ok(reports)
    }

    /// The manifests attached to `subject` in `name`: referrers, cosign tags, fallback index children;
    /// each once, with its cosign tag suffix when found that way.
    async fn attachment_records(
        &self,
        name: &OciName,
        subject: &Digest,
    ) -> Result<Vec<(ManifestRecord, Option<String>)>> {
        let mut found: HashMap<Digest, (ManifestRecord, Option<String>)> = HashMap::new();
        for r in self.ports.manifests.referrers(name, subject).await? {
            found.entry(r.digest.clone()).or_insert((r, None));
        }
        let base = format!("{}-{}", subject.algorithm().as_str(), subject.hex());
        for suffix in ["sig", "att", "sbom"] {
            let Ok(tag) = Tag::parse(&format!("{base}.{suffix}")) else { continue };
            if let Some(r) = self.ports.manifests.manifest_by_tag(name, &tag).await? {
                found.insert(r.digest.clone(), (r, Some(suffix.to_owned())));
            }
        }
        if let Ok(tag) = Tag::parse(&base)
            && let Some(index) = self.ports.manifests.manifest_by_tag(name, &tag).await?
            && arca_types::media::is_index(&index.media_type)
        {
            let body = self.read_blob(&index.digest, self.config.max_manifest_bytes as u64).await?;
            for child in children(body.as_deref().unwrap_or_default()) {
                if let Some(r) = self.ports.manifests.manifest_by_digest(name, &child).await? {
                    found.entry(r.digest.clone()).or_insert((r, None));
                }
            }
        }
        let mut all: Vec<_> = found.into_values().filter(|(r, _)| r.digest != *subject).collect();
        all.sort_by(|a, b| a.0.digest.cmp(&b.0.digest));
        Ok(all)
    }

    /// An attachment's manifest and layers (each read if small enough).
    async fn read_attachment(&self, record: &ManifestRecord, tag_suffix: Option<String>) -> Result<Attachment> {
        let body = self.read_blob(&record.digest, self.config.max_manifest_bytes as u64).await?.unwrap_or_default();
        let manifest: RawAttachment = serde_json::from_slice(&body).unwrap_or_default();
        let mut layers = Vec::new();
        // oras attaches an SBOM under its artifact type with layers of any media type.
        let artifact_type = manifest.artifact_type.as_deref().or(record.artifact_type.as_deref()).unwrap_or_default();
        let sbom_artifact = arca_sbom::is_sbom_media_type(artifact_type) || tag_suffix.as_deref() == Some("sbom");
        for d in manifest.layers.iter().take(MAX_LAYERS) {
            let limit = if sbom_artifact || arca_sbom::is_sbom_media_type(&d.media_type) {
                MAX_SBOM_LAYER
            } else {
                MAX_SIGNATURE_LAYER
            };
            let bytes = match Digest::parse(&d.digest) {
                Ok(digest) if d.size <= limit => self.read_blob(&digest, limit).await?,
                _ => None,
            };
            let annotations = d.annotations.clone().unwrap_or_default();
            layers.push(Layer { media_type: d.media_type.clone(), annotations, bytes });
        }
        Ok(Attachment {
            digest: Some(record.digest.clone()),
            artifact_type: manifest.artifact_type.or_else(|| record.artifact_type.clone()),
            config_media_type: manifest.config.map(|c| c.media_type),
            tag_suffix,
            layers,
        })
    }

    /// A stored blob's bytes, if present and at most `limit` long.
    pub(super) async fn read_blob(&self, digest: &Digest, limit: u64) -> Result<Option<Bytes>> {
        let Some(content) = self.blobs.get(digest, None).await? else { return Ok(None) };
        if content.size > limit {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(usize::try_from(content.size).unwrap_or(0));
        let mut stream = content.stream;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::new(ErrorKind::Internal, format!("reading {digest}: {e}")))?;
            out.extend_from_slice(&chunk);
            if out.len() as u64 > limit {
                return Ok(None);
            }
        }
        Ok(Some(Bytes::from(out)))
    }
}

/// The manifest fields an attachment is judged by.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAttachment {
    artifact_type: Option<String>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

/// The digests listed by an index body (`manifests[].digest`).
fn children(body: &[u8]) -> Vec<Digest> {
    #[derive(serde::Deserialize)]
    struct Index {
        #[serde(default)]
        manifests: Vec<Descriptor>,
    }
    let index: Index = serde_json::from_slice(body).unwrap_or(Index { manifests: Vec::new() });
    index.manifests.iter().filter_map(|d| Digest::parse(&d.digest).ok()).collect()
}

fn subject_of<'a>(name: &OciName, subject: &'a ManifestRecord, now: Millis) -> Subject<'a> {
    Subject {
        digest: &subject.digest,
        media_type: &subject.media_type,
        size: subject.size,
        scope: name.to_string(),
        now_secs: now / 1000,
    }
}

fn cache_row(attachment: &Digest, roots: &str, subject: &Digest, checked: &Checked, at: Millis) -> AttachmentVerdict {
    AttachmentVerdict {
        attachment: attachment.clone(),
        roots: roots.to_owned(),
        subject: subject.clone(),
        kind: checked.kind.as_str().to_owned(),
        verdict: serde_json::to_string(&checked.verdict).unwrap_or_default(),
        facts: checked.facts_json(),
        at,
    }
}

/// Trust root names: what a path segment and a notation store name can hold.
fn check_root_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidRequest,
            format!("trust root name {name:?}: 1 to 64 of A-Z a-z 0-9 - _ . (not starting with .)"),
        ))
    }
}

impl Registry {
    /// What gates judge an artifact by: its signatures and provenance verified against `roots_of`'s
    /// trust roots, its SBOMs, and the findings of their components.
    pub(super) async fn artifact_facts(
        &self,
        name: &OciName,
        subject: &ManifestRecord,
        roots_of: &RepoName,
    ) -> Result<crate::promotion::Facts> {
        use crate::promotion::{Finding, Severity, VerifiedProvenance, VerifiedSignature};
        let reports = self.verified_attachments(name, subject, roots_of).await?;
        let signatures = (reports.iter())
            .filter(|r| r.is_valid_signature())
            .filter_map(|r| match &r.verdict {
                Verdict::Valid { signer } => Some(VerifiedSignature { key_id: signer.clone() }),
                _ => None,
            })
            .collect();
        let provenance = (reports.iter())
            .filter_map(AttachmentReport::verified_provenance)
            .map(|p| VerifiedProvenance { builder_id: p.builder_id, source_repository: p.source_repository })
            .collect();
        let referrers = self.ports.manifests.referrers(name, &subject.digest).await?;
        let mut sboms = super::pull_gates::sboms(&referrers);
        for r in reports.iter().filter(|r| r.has_sbom()) {
            let format = r.facts.pointer("/sbom/format").and_then(|f| f.as_str()).unwrap_or("sbom");
            sboms.push(format!("{format} ({})", r.digest));
        }
        let findings = (self.findings_of(&subject.digest).await?.into_iter())
            .filter_map(|f| Some(Finding { severity: Severity::parse(&f.severity)?, id: f.advisory }))
            .collect();
        Ok(crate::promotion::Facts {
            now: self.now(),
            signatures,
            sboms,
            provenance,
            findings,
            scanned: self.scanned(&subject.digest).await?,
            ..crate::promotion::Facts::default()
        })
    }
}

impl Registry {
    /// After an attachment arrives (a referrer, or a cosign `sha256-<hex>.sig|att|sbom` tag), verifies
    /// its subject's attachments and indexes SBOMs, so verdicts, components and findings are there
    /// before anyone asks. Best effort: the push has succeeded; a failure here is logged and the work
    /// is done again when the verdicts are next asked for.
    pub(super) async fn verify_on_arrival(&self, name: &OciName, subject: Option<&Digest>, tags: &[Tag]) {
        let from_tag = tags.iter().find_map(|t| cosign_subject(t.as_str()));
        let Some(subject) = subject.cloned().or(from_tag) else { return };
        let record = match self.ports.manifests.manifest_by_digest(name, &subject).await {
            Ok(Some(record)) => record,
            Ok(None) => return,
            Err(e) => return tracing::warn!(%name, %subject, error = %e, "verifying attachments on arrival"),
        };
        if let Err(e) = self.verified_attachments(name, &record, &name.repository).await {
            tracing::warn!(%name, %subject, error = %e, "verifying attachments on arrival");
        }
    }
}

/// The subject digest a cosign tag (`sha256-<hex>`, with `.sig`, `.att` or `.sbom`) names.
pub(super) fn cosign_subject(tag: &str) -> Option<Digest> {
    let base = ["sig", "att", "sbom"].iter().find_map(|s| tag.strip_suffix(&format!(".{s}"))).unwrap_or(tag);
    let (algorithm, hex) = base.split_once('-')?;
    Digest::parse(&format!("{algorithm}:{hex}")).ok()
}
