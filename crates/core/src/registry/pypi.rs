//! Python packages (PEP 503/691 index, legacy upload) on the unified model.
//!
//! A release — one version of a project — is ONE OCI manifest (`artifactType` [`PYPI_ARTIFACT_TYPE`])
//! tagged with its version (PEP 440, normalized, spelled as a tag by `Ecosystem::version_tag`): one
//! layer per distribution file (title = its file name, with its upload time, `Requires-Python`,
//! filetype and pyversion as annotations), and beside each one a layer holding the core metadata
//! extracted from it at upload (PEP 658: served at `<file>.metadata`). So `/v2/`, promotion,
//! retention, referrers and search see a release like any version.
//!
//! A release's files arrive one upload at a time (twine uploads the sdist and each wheel separately):
//! each upload points the version at a new manifest holding one more file, moving the tag only from
//! the manifest it grew from (compare and swap, so of two racing uploads neither file is lost: the
//! loser builds again on the winner's). A file name is claimed in the repository for good when it is
//! first published: the same bytes again answer success and change nothing, other bytes are refused
//! ("File already exists"), even after the file is deleted, as PyPI does.
//!
//! PEP 740 attestations sent with a file are checked (shape, and that each names the file and its
//! SHA-256 as subject; their Sigstore signatures are keyless, so not verifiable offline) and kept as
//! the file's provenance object: a layer of the release (served at `<file>.provenance`) and a
//! referrer of the release manifest (artifact type [`PROVENANCE_TYPE`]), made again for each new
//! manifest of the release so `/v2/…/referrers` and promotion always find them.
//!
//! Yanking (PEP 592) is the property [`YANKED`] of the release (value: the reason, maybe empty); the
//! properties follow the release to each new manifest of it.

use super::Registry;
use super::blob_reader::BlobReader;
use super::blobs::BlobInfo;
use super::package_manifest::{Layer, PackageManifest};
use crate::audit::{Actor, Outcome};
use crate::blob::BlobStore as _;
use crate::blob::ByteStream;
use crate::hasher::digest_of;
use crate::meta::{FileClaim, FileName, Format, Lifecycle, Millis, PackageStatus, Repository, TagWrite};
use crate::time::rfc3339;
use crate::{Error, ErrorKind, Result};
use arca_pypi::{CoreMetadata, DistFilename, Limits, UploadForm};
use arca_types::{Digest, DigestAlgorithm, Ecosystem, OciName, PackageId, Pep440, RepoName, Tag};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::BTreeMap;

/// The `artifactType` of a release's manifest.
pub const PYPI_ARTIFACT_TYPE: &str = "application/vnd.arca.pypi.v1";
/// The media type of a core-metadata layer (a wheel's `METADATA`, an sdist's `PKG-INFO`).
pub const CORE_METADATA_TYPE: &str = "application/vnd.arca.pypi.core-metadata.v1";
/// The media type of a PEP 740 provenance object (a file's attestations), as PyPI serves it; also
/// the `artifactType` of the referrer that carries it.
pub const PROVENANCE_TYPE: &str = "application/vnd.pypi.integrity.v1+json";
/// The property that marks a release yanked; its value is the reason (may be empty).
pub const YANKED: &str = "pypi.yanked";
const TITLE: &str = "org.opencontainers.image.title";
const CREATED: &str = "org.opencontainers.image.created";
const VERSION: &str = "org.opencontainers.image.version";
const UPLOADED: &str = "dev.arca.pypi.upload-time";
const REQUIRES_PYTHON: &str = "dev.arca.pypi.requires-python";
const FILETYPE: &str = "dev.arca.pypi.filetype";
const PYVERSION: &str = "dev.arca.pypi.pyversion";
const METADATA_OF: &str = "dev.arca.pypi.metadata-of";
const PROVENANCE_OF: &str = "dev.arca.pypi.provenance-of";
/// Racing uploads to one release each build on the other's manifest; this many rounds at most.
const MAX_ATTEMPTS: usize = 8;

/// A distribution file of a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PypiFile {
    pub filename: String,
    pub digest: Digest,
    pub size: u64,
    /// RFC 3339 with microseconds, as PEP 700 spells `upload-time`.
    pub upload_time: String,
    pub requires_python: Option<String>,
    /// The core metadata layer extracted from the file, if any.
    pub metadata: Option<(Digest, u64)>,
    /// Its PEP 740 provenance (the attestations uploaded with it), if any.
    pub provenance: Option<(Digest, u64)>,
}

/// A release: a version of a project and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PypiRelease {
    pub digest: Digest,
    /// Normalized PEP 440.
    pub version: String,
    pub files: Vec<PypiFile>,
    /// `Some(reason)` when yanked (the reason may be empty).
    pub yanked: Option<String>,
}

impl PypiRelease {
    pub fn file(&self, filename: &str) -> Option<&PypiFile> {
        self.files.iter().find(|f| f.filename == filename)
    }
}

/// A project's page: its status and its releases.
#[derive(Debug, Clone)]
pub struct PypiProject {
    pub status: PackageStatus,
    pub releases: Vec<PypiRelease>,
}

/// One upload: a file already stored ([`Registry::stage_pypi_file`]) and the form that came with it.
pub struct PypiUpload<'a> {
    pub repository: &'a RepoName,
    pub form: &'a UploadForm,
    pub filename: &'a str,
    pub blob: BlobInfo,
    pub actor: &'a Actor,
}

/// What an upload did: published the file, or found it there already with the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PypiPublished {
    pub release: Digest,
    pub created: bool,
}

fn bad(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidRequest, message)
}

fn pypi_error(e: arca_pypi::PypiError) -> Error {
    bad(e.to_string())
}

fn already_exists(filename: &str, why: &str) -> Error {
    Error::new(ErrorKind::Conflict, format!("File already exists ({filename}): {why}"))
}

/// The stored name of a project (PEP 503 key) and its display for errors.
pub fn project_name(repository: &RepoName, project: &str) -> Result<OciName> {
    let id = PackageId::parse(Ecosystem::Pypi, project).map_err(|e| bad(e.to_string()))?;
    let package = id.stored_name().map_err(|e| bad(format!("project name {project:?}: {e}")))?;
    Ok(OciName { repository: repository.clone(), package })
}

/// A version's normalized PEP 440 spelling and its tag.
pub fn release_tag(version: &str) -> Result<(String, Tag)> {
    let normalized = Pep440::parse(version).map_err(|e| bad(format!("version {version:?}: {e}")))?.to_string();
    let tag = Ecosystem::Pypi
        .version_tag(&normalized)
        .map_err(|_| bad(format!("version {normalized:?} is longer than arca stores")))?;
    Ok((normalized, tag))
}

/// PEP 700's `upload-time`: RFC 3339 with six fraction digits.
fn upload_time(now: Millis) -> String {
    let seconds = rfc3339(now);
    let micros = now.rem_euclid(1000) * 1000;
    format!("{}.{micros:06}Z", seconds.trim_end_matches('Z'))
}

impl Registry {
    async fn pypi_repository(&self, name: &RepoName, actor: &Actor) -> Result<Repository> {
        self.repository_for(name, Format::Pypi, &[Format::Pypi], actor).await
    }

    /// Streams an uploaded file into storage (hashed while it arrives, checked against
    /// `expected_sha256`), unlinked until [`Self::publish_pypi_file`] publishes it.
    pub async fn stage_pypi_file(
        &self,
        repository: &RepoName,
        expected_sha256: Option<&Digest>,
        declared_len: Option<u64>,
        body: ByteStream,
        actor: &Actor,
    ) -> Result<BlobInfo> {
        self.pypi_repository(repository, actor).await?;
        self.put_blob_unlinked(expected_sha256, declared_len, body).await
    }

    /// Publishes an uploaded file into its release (created with it if new): checks the file name,
    /// the form and the core metadata inside the file agree, extracts that metadata, and commits.
    pub async fn publish_pypi_file(&self, upload: PypiUpload<'_>) -> Result<PypiPublished> {
        self.pypi_repository(upload.repository, upload.actor).await?;
        let file = DistFilename::parse(upload.filename).map_err(pypi_error)?;
        upload.form.check_file(&file).map_err(pypi_error)?;
        if let Some(expected) = upload.form.sha256_digest.as_deref()
            && upload.blob.digest.as_str() != format!("sha256:{expected}")
        {
            return Err(Error::new(
                ErrorKind::DigestInvalid,
                format!("sha256_digest {expected} does not match the uploaded file ({})", upload.blob.digest),
            ));
        }
        let name = project_name(upload.repository, &upload.form.name)?;
        self.check_accepts_uploads(&name).await?;
        let (version, tag) = release_tag(&upload.form.version)?;
        let metadata = self.extract_core_metadata(&file, &upload.blob).await?;
        let parsed = CoreMetadata::parse(&metadata).map_err(pypi_error)?;
        arca_pypi::check_agrees(&file, &parsed).map_err(pypi_error)?;
        let metadata_digest = digest_of(DigestAlgorithm::Sha256, &metadata);
        let metadata_layer = Layer {
            media_type: CORE_METADATA_TYPE.into(),
            digest: metadata_digest.clone(),
            size: metadata.len() as u64,
            annotations: BTreeMap::from([
                (TITLE.into(), format!("{}.metadata", upload.filename)),
                (METADATA_OF.into(), upload.filename.to_owned()),
            ]),
        };
        self.blobs.put_small(&metadata_digest, bytes::Bytes::from(metadata)).await?;
        let mut derived = vec![metadata_layer];
        if let Some(layer) = self.provenance_layer(&upload, &file).await? {
            derived.push(layer);
        }
        let requires_python =
            parsed.requires_python.clone().or_else(|| upload.form.requires_python().map(str::to_owned));
        let new = NewFile { upload: &upload, name: &name, version: &version, tag: &tag, file: &file, requires_python };
        for _ in 0..MAX_ATTEMPTS {
            match self.add_to_release(&new, &derived).await {
                Err(e) if e.kind == ErrorKind::TagImmutable => continue,
                done => return done,
            }
        }
        Err(Error::new(ErrorKind::Unavailable, format!("release {version} of {name} is busy: try again")))
    }

    /// The core metadata of a stored distribution file, read from its archive on a blocking thread.
    async fn extract_core_metadata(&self, file: &DistFilename, blob: &BlobInfo) -> Result<Vec<u8>> {
        let reader =
            BlobReader::new(self.blobs.clone(), blob.digest.clone(), blob.size, tokio::runtime::Handle::current());
        let file = file.clone();
        tokio::task::spawn_blocking(move || arca_pypi::extract_metadata(&file, reader, &Limits::default()))
            .await
            .map_err(|e| Error::new(ErrorKind::Internal, format!("reading core metadata: {e}")))?
            .map_err(pypi_error)
    }

    /// One attempt at adding a file to its release; `TagImmutable` when another upload moved the
    /// release meanwhile (the caller tries again on the new manifest).
    async fn add_to_release(&self, new: &NewFile<'_>, derived: &[Layer]) -> Result<PypiPublished> {
        let upload = new.upload;
        let current = self.package_manifest(new.name, new.tag).await?;
        if let Some((digest, manifest)) = &current
            && let Some(have) = manifest.layers.iter().find(|l| l.annotation(TITLE) == Some(upload.filename))
        {
            if have.digest == upload.blob.digest {
                return Ok(PypiPublished { release: digest.clone(), created: false });
            }
            return Err(already_exists(upload.filename, "this release has other bytes under that name"));
        }
        let now = self.now();
        let mut manifest =
            current.as_ref().map(|(_, m)| PackageManifest::clone(m)).unwrap_or_else(|| PackageManifest {
                artifact_type: PYPI_ARTIFACT_TYPE.into(),
                layers: Vec::new(),
                annotations: BTreeMap::from([(CREATED.into(), rfc3339(now)), (VERSION.into(), new.version.to_owned())]),
                subject: None,
            });
        manifest.layers.push(new.layer(now));
        manifest.layers.extend(derived.iter().cloned());
        let mut work = self.ports.transactions.begin().await?;
        let claim = FileName {
            repository: upload.repository,
            package: &new.name.package,
            file: upload.filename,
            digest: &upload.blob.digest,
        };
        match work.claim_file_name(&claim, now).await? {
            FileClaim::New => {}
            FileClaim::Same | FileClaim::Taken(_) => {
                return Err(already_exists(upload.filename, "a file name can be used only once, even after deletion"));
            }
        }
        let recorded = self.stage_package_manifest(work.as_mut(), new.name, &manifest, now).await?;
        let digest = recorded.record.digest.clone();
        let tag =
            TagWrite { replaces: current.as_ref().map(|(d, _)| d.clone()), ..TagWrite::new(new.tag.clone(), false) };
        let stored = work.put_manifest(&recorded, Some(&tag)).await?;
        self.check_recorded(stored, &digest, recorded.record.size).await?;
        self.refer_provenance(work.as_mut(), new.name, &manifest, (&digest, recorded.record.size), now).await?;
        if let Some((previous, _)) = &current {
            let properties = self.ports.properties.properties(previous).await?;
            if !properties.is_empty() {
                work.set_properties(&digest, Some(&[]), &properties).await?;
            }
        }
        let target = format!("{}:{}", new.name, new.version);
        let audit = upload
            .actor
            .entry(now, "pypi.upload", target, Outcome::Success)
            .with_detail(format!("{digest} file={} {}", upload.filename, upload.blob.digest));
        work.audit(&audit).await?;
        work.commit().await?;
        Ok(PypiPublished { release: digest, created: true })
    }

    /// The provenance layer of an upload's PEP 740 attestations (stored), or `None` without any.
    async fn provenance_layer(&self, upload: &PypiUpload<'_>, file: &DistFilename) -> Result<Option<Layer>> {
        let Some(json) = upload.form.attestations.as_deref() else { return Ok(None) };
        let attestations = arca_pypi::parse_attestations(json).map_err(pypi_error)?;
        arca_pypi::check_attestation_subjects(&attestations, file, upload.blob.digest.hex()).map_err(pypi_error)?;
        let document = arca_pypi::provenance_document(None, &attestations);
        let bytes = serde_json::to_vec(&document).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        let digest = digest_of(DigestAlgorithm::Sha256, &bytes);
        let size = bytes.len() as u64;
        self.blobs.put_small(&digest, bytes::Bytes::from(bytes)).await?;
        Ok(Some(Layer {
            media_type: PROVENANCE_TYPE.into(),
            digest,
            size,
            annotations: BTreeMap::from([
                (TITLE.into(), format!("{}.provenance", upload.filename)),
                (PROVENANCE_OF.into(), upload.filename.to_owned()),
            ]),
        }))
    }

    /// One referrer of the release manifest per provenance layer it holds (in `work`).
    async fn refer_provenance(
        &self,
        work: &mut dyn crate::meta::UnitOfWork,
        name: &OciName,
        release: &PackageManifest,
        (digest, size): (&Digest, u64),
        now: Millis,
    ) -> Result<()> {
        for layer in release.layers.iter().filter(|l| l.annotation(PROVENANCE_OF).is_some()) {
            let referrer = PackageManifest {
                artifact_type: PROVENANCE_TYPE.into(),
                layers: vec![layer.clone()],
                annotations: BTreeMap::from([(CREATED.into(), rfc3339(now))]),
                subject: Some((digest.clone(), size)),
            };
            let recorded = self.stage_package_manifest(work, name, &referrer, now).await?;
            let stored = work.put_manifest(&recorded, None).await?;
            self.check_recorded(stored, &recorded.record.digest, recorded.record.size).await?;
        }
        Ok(())
    }

    /// A release of a project; `None` if the project has no such version, or is quarantined.
    pub async fn pypi_release(
        &self,
        repository: &RepoName,
        project: &str,
        version: &str,
    ) -> Result<Option<PypiRelease>> {
        let name = project_name(repository, project)?;
        let (_, tag) = release_tag(version)?;
        if self.is_quarantined(&name).await? {
            return Ok(None);
        }
        let Some((digest, manifest)) = self.package_manifest(&name, &tag).await? else {
            return Ok(None);
        };
        let properties = self.ports.properties.properties(&digest).await?;
        Ok(Some(release_of(digest, &manifest, &properties)))
    }

    /// A project's status (PEP 792) and every release, in PEP 440 order: none for a quarantined
    /// project (its files are not offered); `NotFound` for a project never published.
    pub async fn pypi_project(&self, repository: &RepoName, project: &str) -> Result<PypiProject> {
        let repo = self.get_repository(repository).await?;
        if repo.format != Format::Pypi {
            return Err(not_pypi(repository, repo.format));
        }
        let name = project_name(repository, project)?;
        let unknown = || Error::new(ErrorKind::NotFound, format!("project {project} has no releases in {repository}"));
        let status = self.ports.manifests.package_status(&name).await?.ok_or_else(unknown)?;
        if status.status == Lifecycle::Quarantined {
            return Ok(PypiProject { status, releases: Vec::new() });
        }
        let releases = self.pypi_releases(&name).await?;
        if releases.is_empty() && status.status == Lifecycle::Active {
            return Err(unknown());
        }
        Ok(PypiProject { status, releases })
    }

    async fn pypi_releases(&self, name: &OciName) -> Result<Vec<PypiRelease>> {
        let page = self.versions(name, MAX_RELEASES, None).await?;
        let mut releases: Vec<PypiRelease> = futures_util::stream::iter(page.hits)
            .map(|hit| async move {
                let manifest = self.package_manifest_at(name, &hit.digest).await?;
                let release = manifest.artifact_type == PYPI_ARTIFACT_TYPE;
                Ok::<_, Error>(release.then(|| release_of(hit.digest, &manifest, &hit.properties)))
            })
            .buffered(super::package_manifest::READ_AHEAD)
            .try_filter_map(|release| std::future::ready(Ok(release)))
            .try_collect()
            .await?;
        Ecosystem::Pypi.version_scheme().sort_by_version(&mut releases, |r| &r.version);
        Ok(releases)
    }

    /// The projects of a PyPI repository (their PEP 503 names), sorted.
    pub async fn pypi_projects(&self, repository: &RepoName) -> Result<Vec<String>> {
        let repo = self.get_repository(repository).await?;
        if repo.format != Format::Pypi {
            return Err(not_pypi(repository, repo.format));
        }
        let mut projects = Vec::new();
        let mut last: Option<String> = None;
        loop {
            let listing = self.packages(repository, 1000, last.as_deref()).await?;
            last = listing.items.last().cloned();
            projects.extend(listing.items);
            if !listing.more {
                return Ok(projects);
            }
        }
    }

    /// Marks a release yanked (PEP 592) with a reason, or un-yanks it (`None`); audited.
    pub async fn yank_pypi_release(
        &self,
        repository: &RepoName,
        project: &str,
        version: &str,
        reason: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        let name = project_name(repository, project)?;
        let (_, tag) = release_tag(version)?;
        let keys = [YANKED.to_owned()];
        let add: Vec<(String, String)> = reason.map(|r| (YANKED.to_owned(), r.to_owned())).into_iter().collect();
        self.set_version_properties(&name, &tag, Some(&keys), &add, actor).await.map(drop)
    }
}

/// The most releases of one project a page of the index lists.
const MAX_RELEASES: usize = 100_000;

fn not_pypi(repository: &RepoName, format: Format) -> Error {
    Error::new(ErrorKind::Unsupported, format!("repository {repository} holds {format} packages, not pypi"))
}

struct NewFile<'a> {
    upload: &'a PypiUpload<'a>,
    name: &'a OciName,
    version: &'a str,
    tag: &'a Tag,
    file: &'a DistFilename,
    requires_python: Option<String>,
}

impl NewFile<'_> {
    fn layer(&self, now: Millis) -> Layer {
        let mut annotations = BTreeMap::from([
            (TITLE.to_owned(), self.upload.filename.to_owned()),
            (UPLOADED.to_owned(), upload_time(now)),
            (FILETYPE.to_owned(), self.upload.form.filetype.filetype().to_owned()),
            (PYVERSION.to_owned(), self.file.pyversion().to_owned()),
        ]);
        if let Some(requires) = &self.requires_python {
            annotations.insert(REQUIRES_PYTHON.to_owned(), requires.clone());
        }
        Layer {
            media_type: "application/octet-stream".into(),
            digest: self.upload.blob.digest.clone(),
            size: self.upload.blob.size,
            annotations,
        }
    }
}

/// A release as its manifest and properties describe it.
fn release_of(digest: Digest, manifest: &PackageManifest, properties: &[(String, String)]) -> PypiRelease {
    let derived = |key: &str| -> BTreeMap<&str, (Digest, u64)> {
        manifest.layers.iter().filter_map(|l| l.annotation(key).map(|of| (of, (l.digest.clone(), l.size)))).collect()
    };
    let (metadata, provenance) = (derived(METADATA_OF), derived(PROVENANCE_OF));
    let files = manifest
        .layers
        .iter()
        .filter(|l| l.annotation(METADATA_OF).is_none() && l.annotation(PROVENANCE_OF).is_none())
        .filter_map(|l| {
            let filename = l.annotation(TITLE)?.to_owned();
            let metadata = metadata.get(filename.as_str()).cloned();
            let provenance = provenance.get(filename.as_str()).cloned();
            Some(PypiFile {
                digest: l.digest.clone(),
                size: l.size,
                upload_time: l.annotation(UPLOADED).unwrap_or_default().to_owned(),
                requires_python: l.annotation(REQUIRES_PYTHON).map(str::to_owned),
                metadata,
                provenance,
                filename,
            })
        })
        .collect();
    PypiRelease {
        digest,
        version: manifest.annotation(VERSION).unwrap_or_default().to_owned(),
        files,
        yanked: properties.iter().find(|(k, _)| k == YANKED).map(|(_, v)| v.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_times_have_microseconds() {
        assert_eq!(upload_time(1_700_000_000_123), "2023-11-14T22:13:20.123000Z");
    }

    #[test]
    fn versions_are_normalized_before_they_become_tags() {
        assert_eq!(release_tag("1.0-1").unwrap().0, "1.0.post1");
        assert_eq!(release_tag("1!2.0+Local").unwrap().1.as_str(), "1-2.0_local");
        assert!(release_tag("not a version").is_err());
    }
}
