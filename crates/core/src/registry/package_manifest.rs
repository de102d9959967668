//! The manifest of a package version of any format: an OCI image manifest with the format's
//! `artifactType`, the empty config and one layer per file, the format's facts in annotations. Built
//! and read here once, so each format's use cases deal in files and annotations, not JSON.

use super::Registry;
use super::generic::{EMPTY_CONFIG, EMPTY_CONFIG_TYPE};
use crate::blob::BlobStore as _;
use crate::hasher::digest_of;
use crate::meta::{ManifestRecord, Millis, NewManifest, UnitOfWork};
use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, DigestAlgorithm, OciName, Reference, Tag};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::sync::Arc;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// Versions read at once while a page of every version is built (a packument, a PyPI project
/// page): a cold read of 10 000 versions waits on the metadata store and the disk for each, and
/// these waits overlap.
pub(super) const READ_AHEAD: usize = 16;

/// One file of a version (or a file the format derives from one, like a wheel's core metadata).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Layer {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Layer {
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }
}

/// A version's manifest, as this module writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageManifest {
    pub artifact_type: String,
    pub layers: Vec<Layer>,
    pub annotations: BTreeMap<String, String>,
    /// The manifest this one describes (a referrer: a provenance document, a signature), and its size.
    pub subject: Option<(Digest, u64)>,
}

#[derive(serde::Deserialize)]
struct WireSubject {
    digest: Digest,
    size: u64,
}

#[derive(serde::Deserialize)]
struct Wire {
    #[serde(default)]
    subject: Option<WireSubject>,
    #[serde(rename = "artifactType", default)]
    artifact_type: Option<String>,
    #[serde(default)]
    layers: Vec<Layer>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

impl PackageManifest {
    /// The manifest's bytes (keys sorted, no whitespace: the same version always hashes the same).
    pub fn to_json(&self) -> Vec<u8> {
        let config = digest_of(DigestAlgorithm::Sha256, EMPTY_CONFIG);
        let mut manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": self.artifact_type,
            "config": { "mediaType": EMPTY_CONFIG_TYPE, "digest": config.as_str(), "size": EMPTY_CONFIG.len() },
            "layers": self.layers,
            "annotations": self.annotations,
        });
        if let Some((digest, size)) = &self.subject {
            manifest["subject"] =
                serde_json::json!({ "mediaType": OCI_MANIFEST, "digest": digest.as_str(), "size": size });
        }
        serde_json::to_vec(&manifest).unwrap_or_default()
    }

    pub fn parse(digest: &Digest, bytes: &[u8]) -> Result<Self> {
        let wire: Wire = serde_json::from_slice(bytes)
            .map_err(|e| Error::new(ErrorKind::ManifestInvalid, format!("version manifest {digest}: {e}")))?;
        Ok(Self {
            artifact_type: wire.artifact_type.unwrap_or_default(),
            layers: wire.layers,
            annotations: wire.annotations,
            subject: wire.subject.map(|s| (s.digest, s.size)),
        })
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }
}

impl Registry {
    /// The manifest a version's tag points at, parsed; `None` if the version does not exist.
    pub(super) async fn package_manifest(
        &self,
        name: &OciName,
        version: &Tag,
    ) -> Result<Option<(Digest, Arc<PackageManifest>)>> {
        let record = match self.manifest_record(name, &Reference::Tag(version.clone())).await {
            Ok(record) => record,
            Err(e) if e.kind == ErrorKind::ManifestUnknown => return Ok(None),
            Err(e) => return Err(e),
        };
        let manifest = self.package_manifest_at(name, &record.digest).await?;
        Ok(Some((record.digest, manifest)))
    }

    /// The manifest of a digest `name` holds, parsed; from the cache when a caller read it before.
    /// The cache is consulted before asking whether `name` holds the digest, so callers pass only
    /// digests they found under `name` (by a tag, in a listing).
    pub(super) async fn package_manifest_at(&self, name: &OciName, digest: &Digest) -> Result<Arc<PackageManifest>> {
        if let Some(manifest) = self.parsed_manifests.get(digest) {
            return Ok(manifest);
        }
        let read = self.get_manifest(name, &Reference::Digest(digest.clone()), true).await?;
        let bytes = collect(read.body).await?;
        let manifest = Arc::new(PackageManifest::parse(digest, &bytes)?);
        // Parsed, a manifest takes about twice its JSON (strings, map nodes).
        self.parsed_manifests.put(digest, manifest.clone(), 2 * bytes.len());
        Ok(manifest)
    }

    /// Stores the manifest's bytes and its config (durable before any row names them) and records
    /// both, and every layer, in `work`; what `put_manifest` then records.
    pub(super) async fn stage_package_manifest(
        &self,
        work: &mut dyn UnitOfWork,
        name: &OciName,
        manifest: &PackageManifest,
        now: Millis,
    ) -> Result<NewManifest> {
        let config = digest_of(DigestAlgorithm::Sha256, EMPTY_CONFIG);
        let body = manifest.to_json();
        let digest = digest_of(DigestAlgorithm::Sha256, &body);
        let parsed = crate::manifest::parse(&body, Some(OCI_MANIFEST))?;
        self.blobs
            .put_small_many(vec![
                (config.clone(), bytes::Bytes::from_static(EMPTY_CONFIG)),
                (digest.clone(), bytes::Bytes::from(body.clone())),
            ])
            .await?;
        for layer in &manifest.layers {
            self.record_in(work, &layer.digest, layer.size, Some(name), now).await?;
        }
        self.record_in(work, &config, EMPTY_CONFIG.len() as u64, Some(name), now).await?;
        Ok(NewManifest {
            name: name.clone(),
            record: ManifestRecord {
                digest,
                media_type: parsed.media_type,
                size: body.len() as u64,
                artifact_type: parsed.artifact_type,
                subject: parsed.subject,
                annotations: parsed.annotations.as_ref().and_then(|a| serde_json::to_string(a).ok()),
                created_at: now,
            },
            references: parsed.required,
        })
    }
}

pub(super) async fn collect(body: Option<crate::blob::ByteStream>) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Some(mut body) = body {
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk?);
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_round_trip_layers_and_annotations() {
        let layer = |n: &str| Layer {
            media_type: "application/zip".into(),
            digest: digest_of(DigestAlgorithm::Sha256, n.as_bytes()),
            size: 3,
            annotations: BTreeMap::from([("org.opencontainers.image.title".into(), n.into())]),
        };
        let manifest = PackageManifest {
            artifact_type: "application/vnd.arca.pypi.v1".into(),
            layers: vec![layer("a.whl"), layer("a.tar.gz")],
            annotations: BTreeMap::from([("org.opencontainers.image.version".into(), "1.0".into())]),
            subject: None,
        };
        let referrer =
            PackageManifest { subject: Some((digest_of(DigestAlgorithm::Sha256, b"x"), 9)), ..manifest.clone() };
        let body = referrer.to_json();
        let parsed = crate::manifest::parse(&body, Some(OCI_MANIFEST)).unwrap();
        assert_eq!(parsed.subject, referrer.subject.as_ref().map(|(d, _)| d.clone()));
        assert_eq!(PackageManifest::parse(&digest_of(DigestAlgorithm::Sha256, &body), &body).unwrap(), referrer);
        let body = manifest.to_json();
        let parsed = crate::manifest::parse(&body, Some(OCI_MANIFEST)).unwrap();
        assert_eq!(parsed.artifact_type.as_deref(), Some("application/vnd.arca.pypi.v1"));
        let digest = digest_of(DigestAlgorithm::Sha256, &body);
        assert_eq!(PackageManifest::parse(&digest, &body).unwrap(), manifest);
    }
}
