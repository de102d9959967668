//! Deploying: a file PUT streams into storage, hashed once for all four checksums (a POM, bounded,
//! is read whole to check its coordinates against its path), then lands in its GAV: staged while
//! the GAV is incomplete, published with every staged file by the PUT that completes it, added to
//! the published manifest afterwards. A checksum PUT is checked against the stored file; a
//! mismatch withdraws the file (and the version, if that leaves it incomplete): nothing a consumer
//! could resolve keeps bytes that failed their checksum.

use super::layout::{self, MD5, PACKAGING, SCM, SCM_TAG, SHA1, SHA512, TITLE, UPLOADED};
use super::{MAVEN_ARTIFACT_TYPE, gav_tag, maven_error, maven_name};
use crate::audit::{Actor, Outcome};
use crate::blob::ByteStream;
use crate::hasher::digest_of;
use crate::meta::{GenericUpload, Millis, StagedFile, TagWrite};
use crate::registry::Registry;
use crate::registry::package_manifest::{Layer, PackageManifest};
use crate::time::rfc3339;
use crate::{Error, ErrorKind, Result};
use arca_maven::{ArtifactFile, ChecksumHasher, Pom, XmlLimits};
use arca_types::{Digest, DigestAlgorithm, OciName, RepoName, Tag};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const CREATED: &str = "org.opencontainers.image.created";
const VERSION: &str = "org.opencontainers.image.version";
/// Racing deploys to one GAV each build on the other's manifest; this many rounds at most.
const MAX_ATTEMPTS: usize = 8;

/// One file PUT (never a checksum sidecar: see [`Registry::check_maven_checksum`]).
pub struct MavenDeploy<'a> {
    pub repository: &'a RepoName,
    pub file: &'a ArtifactFile,
    pub body: ByteStream,
    pub declared_len: Option<u64>,
    pub actor: &'a Actor,
    /// Properties the request gives the version (Artifactory's matrix parameters), checked here.
    pub properties: &'a [(String, String)],
}

/// The GAV a file belongs to.
struct Gav<'a> {
    name: OciName,
    tag: Tag,
    file: &'a ArtifactFile,
    actor: &'a Actor,
    /// The request's properties for the version.
    properties: &'a [(String, String)],
}

fn retry() -> Error {
    Error::new(ErrorKind::TagImmutable, "the GAV moved meanwhile")
}

fn immutable(gav: &Gav<'_>) -> Error {
    let f = gav.file;
    Error::new(
        ErrorKind::Conflict,
        format!(
            "Release {}:{}:{} is immutable: {} is already deployed with other bytes; deploy a new version",
            f.group_id(),
            f.artifact_id(),
            f.base_version(),
            f.file_name()
        ),
    )
}

impl Registry {
    /// Stores a deployed file in its GAV. `true` if stored, `false` if the GAV already held these
    /// bytes under that name (a retried transfer).
    pub async fn deploy_maven_file(&self, deploy: MavenDeploy<'_>) -> Result<bool> {
        self.maven_repository(deploy.repository, deploy.actor).await?;
        let file = deploy.file;
        let gav = Gav {
            name: maven_name(deploy.repository, file.package())?,
            tag: gav_tag(file.base_version())?,
            file,
            actor: deploy.actor,
            properties: deploy.properties,
        };
        for (key, value) in deploy.properties {
            crate::registry::generic::check_property(key, value)?;
        }
        self.check_accepts_uploads(&gav.name).await?;
        let layer = self.store_maven_file(file, deploy.body, deploy.declared_len).await?;
        for _ in 0..MAX_ATTEMPTS {
            match self.place(&gav, &layer).await {
                Err(e) if e.kind == ErrorKind::TagImmutable => continue,
                done => return done,
            }
        }
        Err(Error::new(ErrorKind::Unavailable, format!("{} is busy: try again", gav.name)))
    }

    /// Streams the body into storage (unlinked), hashing it for every checksum on the way.
    async fn store_maven_file(
        &self,
        file: &ArtifactFile,
        body: ByteStream,
        declared_len: Option<u64>,
    ) -> Result<Layer> {
        let mut annotations = BTreeMap::from([(TITLE.to_owned(), file.file_name())]);
        let is_pom = file.sidecar().is_none() && file.classifier().is_none() && file.extension() == "pom";
        let body = if is_pom {
            let bytes = read_limited(body, XmlLimits::POM.max_bytes).await?;
            let pom = Pom::parse(&bytes).map_err(maven_error)?;
            pom.check_against(file).map_err(maven_error)?;
            annotations.insert(PACKAGING.to_owned(), pom.packaging.clone());
            let scm = pom.scm.unwrap_or_default();
            if let Some(repository) = scm.repository() {
                annotations.insert(SCM.to_owned(), repository.to_owned());
            }
            if let Some(tag) = scm.tag {
                annotations.insert(SCM_TAG.to_owned(), tag);
            }
            futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes::Bytes::from(bytes)) }).boxed()
        } else {
            body
        };
        let hasher = Arc::new(Mutex::new(ChecksumHasher::new()));
        let feed = hasher.clone();
        let body = body
            .map(move |chunk| {
                if let (Ok(bytes), Ok(mut hasher)) = (&chunk, feed.lock()) {
                    hasher.update(bytes);
                }
                chunk
            })
            .boxed();
        let blob = self.put_blob_unlinked(None, declared_len, body).await?;
        let sums = hasher.lock().map_err(|_| Error::internal("hashing", "poisoned"))?.clone().finish();
        annotations.insert(MD5.to_owned(), sums.md5);
        annotations.insert(SHA1.to_owned(), sums.sha1);
        annotations.insert(SHA512.to_owned(), sums.sha512);
        annotations.insert(UPLOADED.to_owned(), self.now().to_string());
        let media_type = arca_maven::MavenPath::File(file.clone()).content_type().to_owned();
        Ok(Layer { media_type, digest: blob.digest, size: blob.size, annotations })
    }

    /// One attempt at putting a stored file in its GAV; `TagImmutable` to try again.
    async fn place(&self, gav: &Gav<'_>, layer: &Layer) -> Result<bool> {
        if let Some(current) = self.gav(&gav.name, gav.file.base_version()).await? {
            return self.add_to_gav(gav, layer, current).await;
        }
        let id = self.maven_staging(&gav.name, &gav.tag).await?;
        let staged = StagedFile {
            file: gav.file.file_name(),
            digest: layer.digest.clone(),
            size: layer.size,
            media_type: layout::staged_media_type(layer),
        };
        if !self.ports.generic_uploads.stage_file(&id, &staged, self.now()).await? {
            return Err(retry());
        }
        // Staged first, then looked for the version: a PUT that raced the one publishing the GAV
        // finds it published (and adds itself), or publishes with its own file among the staged.
        if let Some(current) = self.gav(&gav.name, gav.file.base_version()).await? {
            return self.add_to_gav(gav, layer, current).await;
        }
        let Some((_, files)) = self.ports.generic_uploads.generic_upload(&id).await? else { return Err(retry()) };
        let layers: Vec<Layer> =
            files.into_iter().map(|f| layout::staged_layer(&f.file, f.digest, f.size, &f.media_type)).collect();
        let package = gav.file.package();
        if layout::complete_builds_of(package, gav.file.base_version(), &layers).is_empty() {
            return Ok(true);
        }
        let layers = self.retained(gav, layers);
        let now = self.now();
        let manifest = PackageManifest {
            artifact_type: MAVEN_ARTIFACT_TYPE.into(),
            layers,
            annotations: BTreeMap::from([
                (CREATED.into(), rfc3339(now)),
                (VERSION.into(), gav.file.base_version().to_owned()),
            ]),
            subject: None,
        };
        self.commit_gav(gav, None, &manifest, "maven.publish", now).await?;
        self.ports.generic_uploads.delete_generic_upload(&id).await?;
        Ok(true)
    }

    /// Adds (or, in a snapshot, replaces) a file of a published GAV.
    async fn add_to_gav(
        &self,
        gav: &Gav<'_>,
        layer: &Layer,
        (digest, current): (Digest, Arc<PackageManifest>),
    ) -> Result<bool> {
        let title = gav.file.file_name();
        let mut layers = current.layers.clone();
        if let Some(at) = layers.iter().position(|l| l.annotation(TITLE) == Some(title.as_str())) {
            if layers[at].digest == layer.digest {
                return Ok(false);
            }
            if !gav.file.is_snapshot() {
                return Err(immutable(gav));
            }
            layers.remove(at);
        }
        layers.push(layer.clone());
        let manifest = PackageManifest { layers: self.retained(gav, layers), ..PackageManifest::clone(&current) };
        self.commit_gav(gav, Some(digest), &manifest, "maven.deploy", self.now()).await?;
        Ok(true)
    }

    /// A snapshot's layers once the repository's retention dropped old builds.
    fn retained(&self, gav: &Gav<'_>, layers: Vec<Layer>) -> Vec<Layer> {
        if !gav.file.is_snapshot() {
            return layers;
        }
        let keep = self.config.maven_snapshot_keep_for(gav.name.repository.as_str());
        layout::retain_snapshots(gav.file.package(), gav.file.base_version(), layers, keep)
    }

    /// Points the GAV's tag at `manifest`, moving it only from `replaces` (compare and swap).
    async fn commit_gav(
        &self,
        gav: &Gav<'_>,
        replaces: Option<Digest>,
        manifest: &PackageManifest,
        action: &str,
        now: Millis,
    ) -> Result<()> {
        let mut work = self.ports.transactions.begin().await?;
        let recorded = self.stage_package_manifest(work.as_mut(), &gav.name, manifest, now).await?;
        let digest = recorded.record.digest.clone();
        let tag = TagWrite { replaces: replaces.clone(), ..TagWrite::new(gav.tag.clone(), false) };
        let stored = work.put_manifest(&recorded, Some(&tag)).await?;
        self.check_recorded(stored, &digest, recorded.record.size).await?;
        // A snapshot's replaced manifest goes with the move, so the files of builds retention
        // dropped (or replaced) are referenced by nothing and GC frees them. A release keeps its
        // earlier manifests (each a subset of the current one), as PyPI releases do.
        if gav.file.is_snapshot()
            && let Some(previous) = replaces.as_ref().filter(|p| **p != digest)
        {
            work.delete_unused_manifest(&gav.name, previous).await?;
        }
        let previous = match &replaces {
            Some(previous) => self.ports.properties.properties(previous).await?,
            None => Vec::new(),
        };
        let properties = layout::gav_properties(previous, gav.properties, &manifest.layers);
        if !properties.is_empty() {
            work.set_properties(&digest, None, &properties).await?;
        }
        let mut detail = format!("{digest} file={}", gav.file.file_name());
        for (key, value) in gav.properties {
            detail.push_str(&format!(" {key}={value}"));
        }
        let audit =
            gav.actor.entry(now, action, format!("{}:{}", gav.name, gav.tag), Outcome::Success).with_detail(detail);
        work.audit(&audit).await?;
        work.commit().await
    }

    /// The staged upload holding the files of an incomplete GAV (made if missing or expired).
    async fn maven_staging(&self, name: &OciName, tag: &Tag) -> Result<String> {
        let id = staging_id(name, tag);
        let uploads = &self.ports.generic_uploads;
        match uploads.generic_upload(&id).await? {
            Some((upload, _)) if self.now() - upload.updated_at <= self.config.upload_ttl_ms => return Ok(id),
            Some(_) => {
                uploads.delete_generic_upload(&id).await?;
            }
            None => {}
        }
        let now = self.now();
        let upload = GenericUpload {
            id: id.clone(),
            name: name.clone(),
            version: tag.clone(),
            created_at: now,
            updated_at: now,
        };
        if let Err(e) = uploads.create_generic_upload(&upload).await
            && uploads.generic_upload(&id).await?.is_none()
        {
            return Err(e);
        }
        Ok(id)
    }

    /// Accepts a client's `maven-metadata.xml` (or its checksum) PUT: the body is ignored, since the
    /// server generates metadata from what it stores; only the repository is checked.
    pub async fn accept_maven_metadata(&self, repository: &RepoName, actor: &Actor) -> Result<()> {
        self.maven_repository(repository, actor).await.map(drop)
    }

    /// Checks a checksum sidecar PUT against the stored file it names. On a mismatch the file is
    /// withdrawn (staged: the whole staged GAV; published: the file, and the version if that leaves
    /// it incomplete) and the error says so.
    pub async fn check_maven_checksum(
        &self,
        repository: &RepoName,
        sidecar: &ArtifactFile,
        body: &[u8],
        actor: &Actor,
    ) -> Result<()> {
        self.maven_repository(repository, actor).await?;
        let algorithm = sidecar
            .sidecar()
            .and_then(arca_maven::Sidecar::checksum)
            .ok_or_else(|| Error::new(ErrorKind::InvalidRequest, "not a checksum file"))?;
        let target = layout::checksummed(sidecar);
        let gav = Gav {
            name: maven_name(repository, target.package())?,
            tag: gav_tag(target.base_version())?,
            file: &target,
            actor,
            properties: &[],
        };
        let title = target.file_name();
        for _ in 0..MAX_ATTEMPTS {
            if let Some((digest, manifest)) = self.gav(&gav.name, target.base_version()).await?
                && let Some(layer) = manifest.layers.iter().find(|l| l.annotation(TITLE) == Some(title.as_str()))
            {
                let Err(e) = layout::checksums_of(layer).verify(algorithm, body) else { return Ok(()) };
                match self.withdraw(&gav, (digest, &*manifest)).await {
                    Err(e) if e.kind == ErrorKind::TagImmutable => continue,
                    Err(e) => return Err(e),
                    Ok(()) => return Err(mismatch(&title, e)),
                }
            }
            let id = staging_id(&gav.name, &gav.tag);
            let staged = self.ports.generic_uploads.generic_upload(&id).await?;
            if let Some(file) = staged.as_ref().and_then(|(_, files)| files.iter().find(|f| f.file == title)) {
                let layer = layout::staged_layer(&file.file, file.digest.clone(), file.size, &file.media_type);
                let Err(e) = layout::checksums_of(&layer).verify(algorithm, body) else { return Ok(()) };
                self.ports.generic_uploads.delete_generic_upload(&id).await?;
                return Err(mismatch(&title, e));
            }
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("{title} is not deployed: deploy the file before its checksum"),
            ));
        }
        Err(Error::new(ErrorKind::Unavailable, format!("{} is busy: try again", gav.name)))
    }

    /// Takes a file out of a published GAV after its checksum failed; the version goes with it when
    /// no complete build is left.
    async fn withdraw(&self, gav: &Gav<'_>, (digest, current): (Digest, &PackageManifest)) -> Result<()> {
        let title = gav.file.file_name();
        let layers: Vec<Layer> =
            current.layers.iter().filter(|l| l.annotation(TITLE) != Some(title.as_str())).cloned().collect();
        let now = self.now();
        if layout::complete_builds_of(gav.file.package(), gav.file.base_version(), &layers).is_empty() {
            let mut work = self.ports.transactions.begin().await?;
            if !work.delete_tag_at(&gav.name, &gav.tag, &digest).await? {
                return Err(retry());
            }
            let audit = gav
                .actor
                .entry(now, "maven.withdraw", format!("{}:{}", gav.name, gav.tag), Outcome::Success)
                .with_detail(format!("{digest} checksum of {title} failed: version withdrawn"));
            work.audit(&audit).await?;
            return work.commit().await;
        }
        let manifest = PackageManifest { layers, ..current.clone() };
        self.commit_gav(gav, Some(digest), &manifest, "maven.withdraw", now).await
    }
}

fn mismatch(title: &str, e: arca_maven::MavenError) -> Error {
    let kind =
        if e.kind() == arca_maven::ErrorKind::Mismatch { ErrorKind::DigestInvalid } else { ErrorKind::InvalidRequest };
    Error::new(kind, format!("Checksum failed for {title}: {e}; the file was withdrawn, deploy it again"))
}

/// The staged upload of a GAV: one per version, whoever deploys it.
fn staging_id(name: &OciName, tag: &Tag) -> String {
    let key = digest_of(DigestAlgorithm::Sha256, format!("maven:{name}:{tag}").as_bytes());
    format!("maven{}", &key.hex()[..27])
}

/// The whole body, refused past `limit` bytes.
async fn read_limited(mut body: ByteStream, limit: usize) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Error::from_io("reading the POM", e))?;
        if bytes.len() + chunk.len() > limit {
            return Err(Error::new(ErrorKind::TooLarge, format!("a POM is at most {limit} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
