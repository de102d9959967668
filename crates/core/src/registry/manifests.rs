//! Manifests and indexes: put (validated, policy-checked), get, delete, referrers.

use super::Registry;
use crate::audit::{Actor, Outcome};
use crate::blob::BlobStore as _;
use crate::blob::ByteStream;
use crate::hasher::digest_of;
use crate::manifest::{self, ParsedManifest};
use crate::meta::{ManifestRecord, NewManifest, RefKind, Repository, TagWrite};
use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, DigestAlgorithm, OciName, Reference, Tag};
use bytes::Bytes;

/// A manifest PUT.
pub struct PutManifest<'a> {
    pub name: &'a OciName,
    pub reference: &'a Reference,
    pub content_type: Option<&'a str>,
    pub body: Bytes,
    /// Further tags from `?tag=` query parameters.
    pub extra_tags: Vec<Tag>,
    pub actor: &'a Actor,
}

/// The result of a manifest PUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredManifest {
    pub digest: Digest,
    pub subject: Option<Digest>,
    /// Every tag now pointing at it.
    pub tags: Vec<Tag>,
}

/// A manifest being read.
pub struct ManifestRead {
    pub record: ManifestRecord,
    /// The stored bytes, verbatim (absent for HEAD).
    pub body: Option<ByteStream>,
}

/// How an attempt at a manifest PUT ended.
enum Attempt {
    Stored(StoredManifest),
    /// The tag it was pushed by points at a manifest hashed with this algorithm: hash it so, again.
    HashAs(DigestAlgorithm),
}

/// One entry of a referrers listing.
pub type Referrer = ManifestRecord;

fn unknown_manifest(name: &OciName, reference: &impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::ManifestUnknown, format!("manifest {reference} is unknown to {name}"))
}

impl Registry {
    pub async fn get_manifest(&self, name: &OciName, reference: &Reference, with_body: bool) -> Result<ManifestRead> {
        let record = self.manifest_record(name, reference).await?;
        let body = if with_body { Some(self.open_manifest(name, reference, &record).await?) } else { None };
        Ok(ManifestRead { record, body })
    }

    /// What is recorded of a manifest (digest, media type, size), without touching its bytes: enough
    /// for a HEAD, or to answer a conditional GET before opening the body.
    pub async fn manifest_record(&self, name: &OciName, reference: &Reference) -> Result<ManifestRecord> {
        match reference {
            Reference::Tag(tag) => self.ports.manifests.manifest_by_tag(name, tag).await?,
            Reference::Digest(digest) => self.ports.manifests.manifest_by_digest(name, digest).await?,
        }
        .ok_or_else(|| unknown_manifest(name, reference))
    }

    /// The stored bytes of a manifest [`Self::manifest_record`] found under `reference`, verbatim.
    pub async fn open_manifest(
        &self,
        name: &OciName,
        reference: &Reference,
        record: &ManifestRecord,
    ) -> Result<ByteStream> {
        // Kept with its record (every manifest pushed since bodies were): no trip to the blob store.
        if let Some(body) = self.ports.blob_index.blob_body(&record.digest).await? {
            self.note_pull(name, &record.digest).await;
            return Ok(super::bodies::stream_of(body));
        }
        let content = self.blobs.get(&record.digest, None).await?.ok_or_else(|| {
            tracing::error!(digest = %record.digest, "manifest is recorded but missing from the blob store");
            unknown_manifest(name, reference)
        })?;
        self.note_pull(name, &record.digest).await;
        Ok(content.stream)
    }

    pub async fn put_manifest(&self, put: PutManifest<'_>) -> Result<StoredManifest> {
        if put.body.len() > self.config.max_manifest_bytes {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("manifest is {} bytes; the limit is {}", put.body.len(), self.config.max_manifest_bytes),
            ));
        }
        // A push by tag is hashed as the manifest its tag points at was (same bytes, same digest:
        // re-pushing by tag what was pushed by a sha512 digest is idempotent). A manifest kept with its
        // record assumes SHA-256 and checks in its transaction; a second attempt follows the tag.
        let mut algorithm = match put.reference {
            Reference::Digest(expected) => Some(expected.algorithm()),
            Reference::Tag(_) if super::bodies::kept_with_record(put.body.len()) => None,
            Reference::Tag(tag) => {
                let current = self.ports.manifests.manifest_by_tag(put.name, tag).await?;
                Some(current.map_or(DigestAlgorithm::Sha256, |m| m.digest.algorithm()))
            }
        };
        loop {
            match self.put_manifest_as(&put, algorithm).await? {
                Attempt::Stored(stored) => return Ok(stored),
                Attempt::HashAs(tagged) => algorithm = Some(tagged),
            }
        }
    }

    /// One attempt at a manifest PUT, its digest by `algorithm` (`None`: SHA-256 unless the tag it is
    /// pushed by points at a manifest of another algorithm, found in the transaction: then nothing is
    /// written and the attempt says which).
    async fn put_manifest_as(&self, put: &PutManifest<'_>, algorithm: Option<DigestAlgorithm>) -> Result<Attempt> {
        let name = put.name;
        let digest = digest_of(algorithm.unwrap_or(DigestAlgorithm::Sha256), &put.body);
        if let Reference::Digest(expected) = put.reference
            && &digest != expected
        {
            return Err(Error::new(ErrorKind::DigestInvalid, format!("manifest digest is {digest}, not {expected}")));
        }
        let parsed = manifest::parse(&put.body, put.content_type)?;
        // The transaction that records the manifest checks its references. They are checked before it
        // too when something would be stored first: a large manifest's file, or the repository a first
        // write auto-creates.
        if !super::bodies::kept_with_record(put.body.len()) || self.cached_repository(&name.repository).await?.is_none()
        {
            self.check_references(name, &parsed).await?;
        }
        let repo = self.oci_repository(name, put.actor).await?;
        let tags = tag_writes(&repo, put.reference, put.extra_tags.clone());

        // A manifest's bytes are kept with its record, in the transaction below (no file to write and
        // sync); only an unusually large one goes to the blob store first.
        let kept = self.put_body_unless_kept(&digest, &put.body).await?;
        let new = new_manifest(name, &digest, put.body.len() as u64, &parsed, self.now());
        let audit = |tag: Option<&TagWrite>| {
            let target = match tag {
                Some(t) => format!("{name}:{}", t.tag),
                None => format!("{name}@{digest}"),
            };
            put.actor.entry(self.now(), "manifest.put", target, Outcome::Success).with_detail(digest.to_string())
        };
        // The manifest and every tag (`?tag=` may name several) in one unit of work: all or none.
        let mut work = self.ports.transactions.begin().await?;
        if let (None, Reference::Tag(tag)) = (algorithm, put.reference)
            && let Some(current) = work.tag_target(name, tag).await?
            && current.algorithm() != digest.algorithm()
        {
            return Ok(Attempt::HashAs(current.algorithm()));
        }
        if let Some((digest, kind)) = work.missing_reference(name, &new.references).await? {
            return Err(missing_reference(name, &digest, kind));
        }
        let recorded = work.put_manifest(&new, tags.first()).await?;
        self.keep_or_check_body(work.as_mut(), kept, recorded, &digest, &put.body).await?;
        work.audit(&audit(tags.first())).await?;
        for tag in tags.iter().skip(1) {
            work.tag_manifest(name, tag, &digest, new.record.created_at).await?;
            work.audit(&audit(Some(tag))).await?;
        }
        work.commit().await?;
        let tags: Vec<Tag> = tags.into_iter().map(|t| t.tag).collect();
        self.verify_on_arrival(name, parsed.subject.as_ref(), &tags).await;
        Ok(Attempt::Stored(StoredManifest { digest, subject: parsed.subject, tags }))
    }

    /// Every blob and child manifest a manifest needs must already be in the package. An early refusal,
    /// before anything is stored; the check that counts runs in the transaction that records it
    /// (`UnitOfWork::missing_reference`).
    async fn check_references(&self, name: &OciName, parsed: &ParsedManifest) -> Result<()> {
        for (digest, kind) in &parsed.required {
            let present = match kind {
                RefKind::Manifest => self.ports.manifests.manifest_by_digest(name, digest).await?.is_some(),
                RefKind::Config | RefKind::Layer => {
                    self.ports.blob_index.linked_blob_size(name, digest).await?.is_some()
                }
            };
            if !present {
                return Err(missing_reference(name, digest, *kind));
            }
        }
        Ok(())
    }

    /// Deletes a tag (by tag) or a manifest and all its tags (by digest).
    pub async fn delete_manifest(&self, name: &OciName, reference: &Reference, actor: &Actor) -> Result<()> {
        let deleted = match reference {
            Reference::Tag(tag) => {
                let audit = actor.entry(self.now(), "tag.delete", format!("{name}:{tag}"), Outcome::Success);
                self.ports.manifests.delete_tag(name, tag, &audit).await?
            }
            Reference::Digest(digest) => {
                let audit = actor.entry(self.now(), "manifest.delete", format!("{name}@{digest}"), Outcome::Success);
                self.ports.manifests.delete_manifest(name, digest, &audit).await?
            }
        };
        if deleted { Ok(()) } else { Err(unknown_manifest(name, reference)) }
    }

    /// Manifests in `name` whose subject is `subject`, optionally only those of one artifact type.
    pub async fn referrers(
        &self,
        name: &OciName,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Referrer>> {
        let mut all = self.ports.manifests.referrers(name, subject).await?;
        if let Some(wanted) = artifact_type {
            all.retain(|r| r.artifact_type.as_deref() == Some(wanted));
        }
        Ok(all)
    }
}

fn tag_writes(repo: &Repository, reference: &Reference, extra: Vec<Tag>) -> Vec<TagWrite> {
    let mut tags: Vec<Tag> = match reference {
        Reference::Tag(t) => vec![t.clone()],
        Reference::Digest(_) => vec![],
    };
    for t in extra {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags.into_iter()
        .map(|tag| {
            // cosign's `sha256-<hex>.sig|att|sbom` tags and the referrers fallback index `sha256-<hex>`
            // move by design (cosign adds a signature by pushing the tag's manifest again with one
            // more layer), so tag immutability never holds them.
            let mutable = repo.is_mutable(tag.as_str()) || super::attachments::cosign_subject(tag.as_str()).is_some();
            TagWrite::new(tag, mutable)
        })
        .collect()
}

fn missing_reference(name: &OciName, digest: &Digest, kind: RefKind) -> Error {
    Error::new(
        ErrorKind::ManifestBlobUnknown,
        format!("manifest references {kind} {digest}, which {name} does not have: push it first"),
    )
}

fn new_manifest(
    name: &OciName,
    digest: &Digest,
    size: u64,
    parsed: &ParsedManifest,
    now: crate::meta::Millis,
) -> NewManifest {
    NewManifest {
        name: name.clone(),
        record: ManifestRecord {
            digest: digest.clone(),
            media_type: parsed.media_type.clone(),
            size,
            artifact_type: parsed.artifact_type.clone(),
            subject: parsed.subject.clone(),
            annotations: parsed.annotations.as_ref().and_then(|a| serde_json::to_string(a).ok()),
            created_at: now,
        },
        references: parsed.required.clone(),
    }
}
