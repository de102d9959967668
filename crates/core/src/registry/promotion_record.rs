//! The signed record every promotion leaves on what it promoted: an in-toto statement (predicate
//! `https://arca.dev/promotion/v1`: source, target, version, release, each gate's verdict, approvers,
//! who and when) in a DSSE envelope signed by the server's key, attached in the target as an OCI
//! referrer of the promoted manifest — so the evidence travels with the artifact to the next stage.
//! A release signs one statement about all its artifacts (predicate `https://arca.dev/release/v1`),
//! and each artifact's referrer carries that one envelope.
//!
//! The envelope, the empty config and the referrer manifests are made durable while the promotion's
//! unit of work is written, and it commits only once they are (and each blob it recorded as new is
//! there); a promotion that does not commit leaves them unreferenced, for garbage collection.

use super::Registry;
use crate::Result;
use crate::hasher::digest_of;
use crate::meta::{ManifestRecord, Millis, NewManifest, Recorded, UnitOfWork};
use crate::promotion::Verdict;
use crate::promotion::record::{
    ARTIFACT_TYPE, ENVELOPE_MEDIA_TYPE, PromotionPredicate, ReleasePredicate, ReleasedArtifact, Signer, envelope,
    release_statement, statement,
};
use crate::time::rfc3339;
use arca_types::{Digest, DigestAlgorithm, OciName};
use bytes::Bytes;
use std::sync::Arc;

use super::generic::{EMPTY_CONFIG, EMPTY_CONFIG_TYPE};
use arca_types::media::OCI_MANIFEST;

/// What one promotion's record says.
pub(super) struct RecordInput<'a> {
    pub source: &'a OciName,
    pub target: &'a OciName,
    /// The promoted manifest.
    pub subject: &'a ManifestRecord,
    pub version: Option<&'a str>,
    pub verdicts: &'a [Verdict],
    pub approvers: &'a [String],
}

/// A record whose bytes are stored, to be recorded in the promotion's unit of work.
pub(super) struct StoredRecord {
    manifest: NewManifest,
    /// The envelope's digest and size (the config is the empty one).
    envelope: (Digest, u64),
}

impl Registry {
    /// Signs promotion records with `signer` (without one, promotions attach no record).
    pub fn with_signer(mut self, signer: Arc<dyn Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// The key promotion records are signed with, if any.
    pub fn signer(&self) -> Option<&Arc<dyn Signer>> {
        self.signer.as_ref()
    }

    /// Signs the records of promotions about to commit — one promotion's, or a release's (one
    /// envelope for all): what the unit of work records (`None` each without a signer), and the
    /// bytes to make durable before it commits.
    pub(super) fn make_records(
        &self,
        inputs: &[RecordInput<'_>],
        release: Option<&str>,
        actor: &str,
        now: Millis,
    ) -> Result<(Vec<Option<StoredRecord>>, Vec<Blob>)> {
        let Some(signer) = &self.signer else { return Ok((inputs.iter().map(|_| None).collect(), Vec::new())) };
        let payload = match (release, inputs) {
            (Some(release), _) => release_payload(inputs, release, actor, now),
            (None, [input]) => promotion_payload(input, actor, now),
            (None, _) => return Err(crate::Error::internal("recording promotions", "several without a release")),
        };
        let signed = envelope(&payload, signer.as_ref());
        let envelope = (digest_of(DigestAlgorithm::Sha256, &signed), signed.len() as u64);
        let config = digest_of(DigestAlgorithm::Sha256, EMPTY_CONFIG);
        let mut blobs = Vec::with_capacity(inputs.len() + 2);
        blobs.push((config.clone(), Bytes::from_static(EMPTY_CONFIG)));
        blobs.push((envelope.0.clone(), Bytes::from(signed)));
        let mut records = Vec::with_capacity(inputs.len());
        for input in inputs {
            let (record, manifest) = referrer(input, &envelope, &config, now)?;
            blobs.push(manifest);
            records.push(Some(record));
        }
        Ok((records, blobs))
    }

    /// Records a record in the promotion's unit of work. Its bytes may still be on their way to the
    /// blob store: what this recorded as new is returned, for [`Registry::check_records`] to check
    /// once they are stored, before the unit of work commits.
    pub(super) async fn record_record(
        &self,
        work: &mut dyn UnitOfWork,
        record: &StoredRecord,
        now: Millis,
    ) -> Result<Vec<(Digest, u64)>> {
        let name = &record.manifest.name;
        let config = digest_of(DigestAlgorithm::Sha256, EMPTY_CONFIG);
        let manifest = (record.manifest.record.digest.clone(), record.manifest.record.size);
        let mut new = Vec::new();
        for (digest, size) in [(config, EMPTY_CONFIG.len() as u64), record.envelope.clone()] {
            if work.record_blob(&digest, size, Some(name), now).await? == Recorded::New {
                new.push((digest, size));
            }
        }
        if work.put_manifest(&record.manifest, None).await? == Recorded::New {
            new.push(manifest);
        }
        Ok(new)
    }

    /// After the records' bytes are stored: each blob the unit of work recorded as new is there.
    pub(super) async fn check_records(&self, recorded_new: &[(Digest, u64)]) -> Result<()> {
        for (digest, size) in recorded_new {
            self.check_recorded(Recorded::New, digest, *size).await?;
        }
        Ok(())
    }
}

/// A blob to store: its digest and bytes.
type Blob = (Digest, Bytes);

/// The statement of one promotion.
fn promotion_payload(input: &RecordInput<'_>, actor: &str, now: Millis) -> Vec<u8> {
    let predicate = PromotionPredicate {
        source: input.source.to_string(),
        target: input.target.to_string(),
        version: input.version.map(str::to_owned),
        release: None,
        gates: input.verdicts.to_vec(),
        approvers: input.approvers.to_vec(),
        promoted_by: actor.to_owned(),
        promoted_at: rfc3339(now),
    };
    statement(&input.target.to_string(), &input.subject.digest, &predicate)
}

/// The one statement of a release's promotions.
fn release_payload(inputs: &[RecordInput<'_>], release: &str, actor: &str, now: Millis) -> Vec<u8> {
    let promotions = inputs
        .iter()
        .map(|input| ReleasedArtifact {
            digest: input.subject.digest.to_string(),
            source: input.source.to_string(),
            target: input.target.to_string(),
            version: input.version.map(str::to_owned),
            gates: input.verdicts.to_vec(),
            approvers: input.approvers.to_vec(),
        })
        .collect();
    let predicate = ReleasePredicate {
        release: release.to_owned(),
        promotions,
        promoted_by: actor.to_owned(),
        promoted_at: rfc3339(now),
    };
    let digests: Vec<&Digest> = inputs.iter().map(|input| &input.subject.digest).collect();
    release_statement(&digests, &predicate)
}

/// The referrer manifest attaching the stored `envelope` (digest, size) to one promoted artifact:
/// what the unit of work records, and the manifest's bytes to store first.
fn referrer(
    input: &RecordInput<'_>,
    envelope: &(Digest, u64),
    config: &Digest,
    now: Millis,
) -> Result<(StoredRecord, Blob)> {
    let (envelope_digest, envelope_size) = envelope;
    let body = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": ARTIFACT_TYPE,
        "config": { "mediaType": EMPTY_CONFIG_TYPE, "digest": config.as_str(), "size": EMPTY_CONFIG.len() },
        "layers": [{ "mediaType": ENVELOPE_MEDIA_TYPE, "digest": envelope_digest.as_str(), "size": envelope_size }],
        "subject": { "mediaType": input.subject.media_type, "digest": input.subject.digest.as_str(),
            "size": input.subject.size },
        "annotations": { "org.opencontainers.image.created": rfc3339(now) },
    }))
    .map_err(|e| crate::Error::internal("writing a promotion record", e))?;
    let parsed = crate::manifest::parse(&body, Some(OCI_MANIFEST))?;
    let digest = digest_of(DigestAlgorithm::Sha256, &body);
    let record = ManifestRecord {
        digest: digest.clone(),
        media_type: OCI_MANIFEST.to_owned(),
        size: body.len() as u64,
        artifact_type: Some(ARTIFACT_TYPE.to_owned()),
        subject: Some(input.subject.digest.clone()),
        annotations: parsed.annotations.as_ref().and_then(|a| serde_json::to_string(a).ok()),
        created_at: now,
    };
    let manifest = NewManifest { name: input.target.clone(), record, references: parsed.required };
    let stored = StoredRecord { manifest, envelope: envelope.clone() };
    Ok((stored, (digest, Bytes::from(body))))
}
