//! Generic artifacts on the unified model: a version of a package is ONE OCI image manifest
//! (`artifactType` [`GENERIC_ARTIFACT_TYPE`], the empty config, one layer per file titled with its file
//! name) tagged with the version, so the same version is pullable through `/v2/` with oras.
//!
//! Immutability: a version is published once, with all its files, atomically (one manifest put). A
//! single-file PUT to an unknown version publishes a one-file version; a multi-file version is staged
//! in a [`GenericUpload`] and committed in one step. Re-sending a file the version already has with the
//! same bytes succeeds and changes nothing; any other change to a published version is a `Conflict`
//! naming the version. Properties are not part of the manifest: they live in the metadata store,
//! keyed by the manifest digest, and may change (every change audited).

use super::Registry;
use crate::audit::{Actor, Outcome};
use crate::blob::BlobStore as _;
use crate::blob::ByteStream;
use crate::hasher::digest_of;
use crate::meta::{Format, GenericUpload, ManifestRecord, NewManifest, Repository, StagedFile, TagWrite};
use crate::time::rfc3339;
use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, DigestAlgorithm, OciName, Reference, RepoName, Tag};
use futures_util::StreamExt;
use std::collections::BTreeMap;

/// The `artifactType` of a generic version's manifest.
pub const GENERIC_ARTIFACT_TYPE: &str = "application/vnd.arca.generic.v1";
/// The media type of the empty config every generic manifest carries.
pub const EMPTY_CONFIG_TYPE: &str = "application/vnd.oci.empty.v1+json";
pub(super) const EMPTY_CONFIG: &[u8] = b"{}";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The layer annotation carrying a file's name.
pub const TITLE: &str = "org.opencontainers.image.title";
/// The manifest annotation carrying the publication time (RFC 3339, UTC).
pub const CREATED: &str = "org.opencontainers.image.created";
/// Property keys reserved for build metadata (filled by `arca push` from the CI environment).
pub const RESERVED_PROPERTY_KEYS: [&str; 8] = [
    "vcs.revision",
    "vcs.url",
    "vcs.branch",
    "build.id",
    "build.url",
    "build.builder",
    "build.started",
    "build.finished",
];
/// Longest file name accepted, in bytes.
pub const MAX_FILE_NAME: usize = 255;
const MAX_PROPERTY_KEY: usize = 128;
const MAX_PROPERTY_VALUE: usize = 4096;

/// One file of a version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GenericFile {
    pub name: String,
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
}

/// A published version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GenericVersion {
    /// The manifest's digest: the version's identity.
    pub digest: Digest,
    /// `org.opencontainers.image.created`, when present.
    pub created: Option<String>,
    pub files: Vec<GenericFile>,
}

impl GenericVersion {
    pub fn file(&self, name: &str) -> Option<&GenericFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// A version after a publish: whether this request created it, or found it already there, identical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub version: GenericVersion,
    pub created: bool,
}

/// One file PUT.
pub struct FilePut<'a> {
    pub name: &'a OciName,
    pub version: &'a Tag,
    pub file: &'a str,
    /// The request's Content-Type, if it is a plain media type.
    pub media_type: Option<&'a str>,
    /// From `X-Checksum-Sha256`: the bytes must hash to it.
    pub expected: Option<&'a Digest>,
    pub declared_len: Option<u64>,
    pub body: ByteStream,
    pub actor: &'a Actor,
}

/// Checks a file name: printable, at most [`MAX_FILE_NAME`] bytes, no `/`, `\` or `..`.
pub fn check_file_name(name: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::new(ErrorKind::NameInvalid, format!("file name {name:?} {why}")));
    if name.is_empty() || name == "." {
        return bad("is empty");
    }
    if name.len() > MAX_FILE_NAME {
        return bad(&format!("is longer than {MAX_FILE_NAME} bytes"));
    }
    if name.contains("..") || name.contains('/') || name.contains('\\') {
        return bad("may not contain `..`, `/` or `\\`");
    }
    if name.chars().any(char::is_control) {
        return bad("may contain only printable characters");
    }
    Ok(())
}

/// Checks a property: key `[a-z0-9._-]+` (at most 128 bytes), value printable (at most 4 KiB).
pub fn check_property(key: &str, value: &str) -> Result<()> {
    let key_ok = !key.is_empty()
        && key.len() <= MAX_PROPERTY_KEY
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if !key_ok {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!("property key {key:?} is invalid: use 1 to {MAX_PROPERTY_KEY} of a-z 0-9 . _ -"),
        ));
    }
    if value.len() > MAX_PROPERTY_VALUE || value.chars().any(char::is_control) {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!("value of property {key} must be printable and at most {MAX_PROPERTY_VALUE} bytes"),
        ));
    }
    Ok(())
}

/// Parses `key=value` (as in `X-Arca-Property: vcs.revision=abc123`).
pub fn parse_property(s: &str) -> Result<(String, String)> {
    let (key, value) = s
        .split_once('=')
        .ok_or_else(|| Error::new(ErrorKind::InvalidRequest, format!("property {s:?} is not key=value")))?;
    let (key, value) = (key.trim(), value.trim());
    check_property(key, value)?;
    Ok((key.to_owned(), value.to_owned()))
}

fn version_target(name: &OciName, version: &Tag) -> String {
    format!("{name}:{version}")
}

fn unknown_version(name: &OciName, version: &Tag) -> Error {
    Error::new(ErrorKind::ManifestUnknown, format!("version {} does not exist", version_target(name, version)))
}

fn unknown_upload(id: &str) -> Error {
    Error::new(ErrorKind::BlobUploadUnknown, format!("upload {id} is unknown, expired or for another version"))
}

impl Registry {
    /// The generic repository a write goes to, created (format generic, nothing mutable) on first use
    /// when `auto_create` is on.
    async fn generic_repository(&self, name: &RepoName, actor: &Actor) -> Result<Repository> {
        self.repository_for(name, Format::Generic, &[Format::Generic], actor).await
    }

    /// A published version, read from its manifest; `None` if the version does not exist.
    pub async fn generic_version(&self, name: &OciName, version: &Tag) -> Result<Option<GenericVersion>> {
        let read = match self.get_manifest(name, &Reference::Tag(version.clone()), true).await {
            Ok(read) => read,
            Err(e) if e.kind == ErrorKind::ManifestUnknown => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut bytes = Vec::new();
        if let Some(mut body) = read.body {
            while let Some(chunk) = body.next().await {
                bytes.extend_from_slice(&chunk?);
            }
        }
        Ok(Some(version_of(read.record.digest, &bytes)?))
    }

    /// The version and one of its files; `ManifestUnknown`/`BlobUnknown` when absent. Its bytes are
    /// the blob of its digest ([`Registry::get_blob`], whole or one range).
    pub async fn generic_file(&self, name: &OciName, version: &Tag, file: &str) -> Result<GenericFile> {
        let v = self.generic_version(name, version).await?.ok_or_else(|| unknown_version(name, version))?;
        v.file(file).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::BlobUnknown,
                format!("version {} has no file {file:?}", version_target(name, version)),
            )
        })
    }

    /// PUT of one file: publishes a one-file version, or succeeds unchanged when the version already
    /// has this file with these bytes; any other change of a published version is a `Conflict`.
    pub async fn put_generic_file(&self, put: FilePut<'_>, properties: &[(String, String)]) -> Result<Published> {
        check_file_name(put.file)?;
        self.generic_repository(&put.name.repository, put.actor).await?;
        let blob = self.put_blob_unlinked(put.expected, put.declared_len, put.body).await?;
        let file = GenericFile {
            name: put.file.to_owned(),
            digest: blob.digest,
            size: blob.size,
            media_type: put.media_type.unwrap_or("application/octet-stream").to_owned(),
        };
        self.publish(put.name, put.version, vec![file], properties, put.actor).await
    }

    /// Publishes `files` as the version, unless it exists (then: unchanged, or `Conflict`).
    async fn publish(
        &self,
        name: &OciName,
        version: &Tag,
        files: Vec<GenericFile>,
        properties: &[(String, String)],
        actor: &Actor,
    ) -> Result<Published> {
        if let Some(current) = self.generic_version(name, version).await? {
            return unchanged(name, version, current, &files);
        }
        let now = self.now();
        let config = digest_of(DigestAlgorithm::Sha256, EMPTY_CONFIG);
        self.blobs.put_small(&config, bytes::Bytes::from_static(EMPTY_CONFIG)).await?;
        let body = manifest_json(&config, &files, &rfc3339(now));
        let digest = digest_of(DigestAlgorithm::Sha256, &body);
        let parsed = crate::manifest::parse(&body, Some(OCI_MANIFEST))?;
        let body = bytes::Bytes::from(body);
        let kept = self.put_body_unless_kept(&digest, &body).await?;
        let new = NewManifest {
            name: name.clone(),
            record: ManifestRecord {
                digest: digest.clone(),
                media_type: parsed.media_type,
                size: body.len() as u64,
                artifact_type: parsed.artifact_type,
                subject: None,
                annotations: parsed.annotations.as_ref().and_then(|a| serde_json::to_string(a).ok()),
                created_at: now,
            },
            references: parsed.required,
        };
        let tag = TagWrite::new(version.clone(), false);
        let file_list: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        let audit = actor
            .entry(now, "generic.publish", version_target(name, version), Outcome::Success)
            .with_detail(format!("{digest} files={}", file_list.join(",")));
        // Files, config, manifest, version tag, properties and their audit entries: one unit of work, so
        // a version appears whole (with its properties) or not at all.
        let mut work = self.ports.transactions.begin().await?;
        for f in &files {
            self.record_in(work.as_mut(), &f.digest, f.size, Some(name), now).await?;
        }
        self.record_in(work.as_mut(), &config, EMPTY_CONFIG.len() as u64, Some(name), now).await?;
        match work.put_manifest(&new, Some(&tag)).await {
            Ok(recorded) => self.keep_or_check_body(work.as_mut(), kept, recorded, &digest, &body).await?,
            // Another request published the version first: compare with what it published.
            Err(e) if e.kind == ErrorKind::TagImmutable => {
                drop(work);
                let current = self.generic_version(name, version).await?.ok_or(e)?;
                return unchanged(name, version, current, &files);
            }
            Err(e) => return Err(e),
        }
        work.audit(&audit).await?;
        if !properties.is_empty() {
            work.set_properties(&digest, Some(&[]), properties).await?;
            work.audit(&property_audit(now, actor, name, version, &digest, properties)).await?;
        }
        work.commit().await?;
        let version = version_of(digest, &body)?;
        Ok(Published { version, created: true })
    }

    /// Deletes a whole version (its manifest and tag); its files stay stored until garbage collection.
    pub async fn delete_generic_version(&self, name: &OciName, version: &Tag, actor: &Actor) -> Result<()> {
        let v = self.generic_version(name, version).await?.ok_or_else(|| unknown_version(name, version))?;
        let audit = actor
            .entry(self.now(), "generic.delete", version_target(name, version), Outcome::Success)
            .with_detail(v.digest.as_str());
        if self.ports.manifests.delete_manifest(name, &v.digest, &audit).await? {
            Ok(())
        } else {
            Err(unknown_version(name, version))
        }
    }

    /// DELETE of a file: versions are immutable, so this deletes the version when the file is its only
    /// one, and is a `Conflict` otherwise.
    pub async fn delete_generic_file(&self, name: &OciName, version: &Tag, file: &str, actor: &Actor) -> Result<()> {
        let v = self.generic_version(name, version).await?.ok_or_else(|| unknown_version(name, version))?;
        if v.file(file).is_none() {
            return Err(Error::new(
                ErrorKind::BlobUnknown,
                format!("version {} has no file {file:?}", version_target(name, version)),
            ));
        }
        if v.files.len() > 1 {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "version {} is immutable and has {} files: delete the whole version instead",
                    version_target(name, version),
                    v.files.len()
                ),
            ));
        }
        self.delete_generic_version(name, version, actor).await
    }

    /// Opens a multi-file upload for a version that does not exist yet.
    pub async fn start_generic_upload(&self, name: &OciName, version: &Tag, actor: &Actor) -> Result<String> {
        self.generic_repository(&name.repository, actor).await?;
        if self.generic_version(name, version).await?.is_some() {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("version {} is already published and immutable", version_target(name, version)),
            ));
        }
        let now = self.now();
        let upload = GenericUpload {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name: name.clone(),
            version: version.clone(),
            created_at: now,
            updated_at: now,
        };
        self.ports.generic_uploads.create_generic_upload(&upload).await?;
        Ok(upload.id)
    }

    async fn generic_session(&self, id: &str, name: &OciName, version: &Tag) -> Result<Vec<StagedFile>> {
        let (upload, files) = self.ports.generic_uploads.generic_upload(id).await?.ok_or_else(|| unknown_upload(id))?;
        let expired = self.now() - upload.updated_at > self.config.upload_ttl_ms;
        if &upload.name != name || &upload.version != version || expired {
            return Err(unknown_upload(id));
        }
        Ok(files)
    }

    /// Streams a file into a multi-file upload (replacing a staged file of the same name). Nothing of
    /// it is visible until the upload is committed.
    pub async fn stage_generic_file(&self, id: &str, put: FilePut<'_>) -> Result<GenericFile> {
        check_file_name(put.file)?;
        self.generic_session(id, put.name, put.version).await?;
        let blob = self.put_blob_unlinked(put.expected, put.declared_len, put.body).await?;
        let staged = StagedFile {
            file: put.file.to_owned(),
            digest: blob.digest,
            size: blob.size,
            media_type: put.media_type.unwrap_or("application/octet-stream").to_owned(),
        };
        if !self.ports.generic_uploads.stage_file(id, &staged, self.now()).await? {
            return Err(unknown_upload(id));
        }
        Ok(GenericFile { name: staged.file, digest: staged.digest, size: staged.size, media_type: staged.media_type })
    }

    /// Publishes every staged file of the upload as the version, in one manifest put.
    pub async fn commit_generic_upload(
        &self,
        id: &str,
        name: &OciName,
        version: &Tag,
        properties: &[(String, String)],
        actor: &Actor,
    ) -> Result<Published> {
        let staged = self.generic_session(id, name, version).await?;
        if staged.is_empty() {
            return Err(Error::new(ErrorKind::InvalidRequest, format!("upload {id} has no files to publish")));
        }
        let files = staged
            .into_iter()
            .map(|s| GenericFile { name: s.file, digest: s.digest, size: s.size, media_type: s.media_type })
            .collect();
        let published = self.publish(name, version, files, properties, actor).await;
        if !matches!(&published, Err(e) if matches!(e.kind, ErrorKind::Internal | ErrorKind::Unavailable)) {
            self.ports.generic_uploads.delete_generic_upload(id).await?;
        }
        published
    }

    /// Abandons a multi-file upload: nothing of it was ever visible.
    pub async fn abort_generic_upload(&self, id: &str, name: &OciName, version: &Tag) -> Result<()> {
        self.generic_session(id, name, version).await?;
        self.ports.generic_uploads.delete_generic_upload(id).await?;
        Ok(())
    }

    /// Removes multi-file uploads untouched for the upload TTL. Returns how many.
    pub async fn reap_expired_generic_uploads(&self) -> Result<usize> {
        let stale =
            self.ports.generic_uploads.stale_generic_uploads(self.now() - self.config.upload_ttl_ms, 1000).await?;
        for id in &stale {
            self.ports.generic_uploads.delete_generic_upload(id).await?;
        }
        Ok(stale.len())
    }

    /// A version's properties, sorted by key then value.
    pub async fn version_properties(&self, digest: &Digest) -> Result<Vec<(String, String)>> {
        self.ports.properties.properties(digest).await
    }

    /// Changes a version's properties in one audited transaction: removes the values of the keys in
    /// `clear` (of every key when `None`), then adds `add`. Returns the properties after the change.
    pub async fn set_version_properties(
        &self,
        name: &OciName,
        version: &Tag,
        clear: Option<&[String]>,
        add: &[(String, String)],
        actor: &Actor,
    ) -> Result<Vec<(String, String)>> {
        for key in clear.unwrap_or_default() {
            check_property(key, "")?;
        }
        for (k, v) in add {
            check_property(k, v)?;
        }
        let v = self.generic_version(name, version).await?.ok_or_else(|| unknown_version(name, version))?;
        let mut audit = property_audit(self.now(), actor, name, version, &v.digest, add);
        if let Some(detail) = audit.detail.as_mut() {
            match clear {
                None => detail.push_str(" (replacing all)"),
                Some(keys) => detail.push_str(&format!(" (replacing {})", keys.join(","))),
            }
        }
        self.ports.properties.set_properties(&v.digest, clear, add, &audit).await?;
        self.ports.properties.properties(&v.digest).await
    }
}

fn property_audit(
    now: crate::meta::Millis,
    actor: &Actor,
    name: &OciName,
    version: &Tag,
    digest: &Digest,
    properties: &[(String, String)],
) -> crate::audit::NewAuditEntry {
    let list: Vec<String> = properties.iter().map(|(k, v)| format!("{k}={v}")).collect();
    actor
        .entry(now, "properties.set", version_target(name, version), Outcome::Success)
        .with_detail(format!("{digest} {}", list.join(" ")))
}

/// The outcome of publishing `files` to a version that exists: unchanged if it has each of them with
/// the same bytes, else a `Conflict` naming the version.
fn unchanged(name: &OciName, version: &Tag, current: GenericVersion, files: &[GenericFile]) -> Result<Published> {
    let target = version_target(name, version);
    for f in files {
        match current.file(&f.name) {
            Some(have) if have.digest == f.digest => {}
            Some(have) => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "version {target} is published and immutable: its {} is {}, not {}",
                        f.name, have.digest, f.digest
                    ),
                ));
            }
            None => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "version {target} is published and immutable: it has no file {:?}; publish a new version",
                        f.name
                    ),
                ));
            }
        }
    }
    Ok(Published { version: current, created: false })
}

/// The manifest of a version (canonical: keys sorted, no whitespace).
fn manifest_json(config: &Digest, files: &[GenericFile], created: &str) -> Vec<u8> {
    let layers: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            serde_json::json!({
                "mediaType": f.media_type, "digest": f.digest.as_str(), "size": f.size,
                "annotations": { TITLE: f.name },
            })
        })
        .collect();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": GENERIC_ARTIFACT_TYPE,
        "config": { "mediaType": EMPTY_CONFIG_TYPE, "digest": config.as_str(), "size": EMPTY_CONFIG.len() },
        "layers": layers,
        "annotations": { CREATED: created },
    });
    serde_json::to_vec(&manifest).unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct WireManifest {
    #[serde(default)]
    layers: Vec<WireLayer>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(serde::Deserialize)]
struct WireLayer {
    #[serde(rename = "mediaType")]
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// A version as its manifest describes it: every layer with a title is a file.
fn version_of(digest: Digest, manifest: &[u8]) -> Result<GenericVersion> {
    let wire: WireManifest = serde_json::from_slice(manifest)
        .map_err(|e| Error::new(ErrorKind::ManifestInvalid, format!("version manifest {digest}: {e}")))?;
    let mut files = Vec::new();
    for layer in wire.layers {
        if let Some(name) = layer.annotations.get(TITLE) {
            files.push(GenericFile {
                name: name.clone(),
                digest: Digest::parse(&layer.digest)?,
                size: layer.size,
                media_type: layer.media_type,
            });
        }
    }
    Ok(GenericVersion { digest, created: wire.annotations.get(CREATED).cloned(), files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_checked() {
        for ok in ["tool-linux-amd64", "docs.zip", "a b.txt", "é.bin", ".hidden"] {
            assert!(check_file_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a\\b", "x..y", "tab\there", &"x".repeat(256)] {
            assert!(check_file_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn properties_are_key_value() {
        assert_eq!(parse_property("vcs.revision=abc=1").unwrap(), ("vcs.revision".into(), "abc=1".into()));
        assert_eq!(parse_property("empty=").unwrap(), ("empty".into(), String::new()));
        for bad in ["novalue", "Upper=1", "=v", "sp ace=1", "k=\u{7}"] {
            assert!(parse_property(bad).is_err(), "{bad}");
        }
        for key in RESERVED_PROPERTY_KEYS {
            assert!(check_property(key, "x").is_ok(), "{key}");
        }
    }

    #[test]
    fn manifests_round_trip_their_files() {
        let file = |n: &str| GenericFile {
            name: n.into(),
            digest: digest_of(DigestAlgorithm::Sha256, n.as_bytes()),
            size: 3,
            media_type: "application/zip".into(),
        };
        let config = digest_of(DigestAlgorithm::Sha256, EMPTY_CONFIG);
        let body = manifest_json(&config, &[file("a"), file("b")], "2026-11-22T10:00:00Z");
        let parsed = crate::manifest::parse(&body, Some(OCI_MANIFEST)).unwrap();
        assert_eq!(parsed.artifact_type.as_deref(), Some(GENERIC_ARTIFACT_TYPE));
        let v = version_of(digest_of(DigestAlgorithm::Sha256, &body), &body).unwrap();
        assert_eq!(v.files, [file("a"), file("b")]);
        assert_eq!(v.created.as_deref(), Some("2026-11-22T10:00:00Z"));
    }
}
