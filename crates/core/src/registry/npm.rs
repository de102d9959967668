//! npm packages on the unified model.
//!
//! A version is ONE OCI manifest (`artifactType` [`NPM_ARTIFACT_TYPE`]) tagged with its version
//! (SemVer, `+` spelled `_`): the tarball as a layer and the version's `package.json` (as published,
//! sanitized) as a second layer, with the facts the packument needs in annotations (integrity,
//! shasum, file count, unpacked size, the registry's signature). Dist-tags (`latest`, `next`) are
//! mutable tags of the same package: a dist-tag is never a SemVer version (npm refuses tags that are
//! ranges), so tags that read as versions are versions and the others are dist-tags. A
//! `--provenance` Sigstore bundle is a referrer of the version manifest. Deprecation is the property
//! [`DEPRECATED`].
//!
//! A version is published once: the tarball's name (`<name>-<version>.tgz`) is claimed for good in
//! the repository, so a version is never published again, even after it is gone (npm's rule).

use super::Registry;
use super::blob_reader::BlobReader;
use super::blobs::BlobInfo;
use super::package_manifest::{Layer, PackageManifest};
use crate::audit::{Actor, Outcome};
use crate::blob::BlobStore as _;
use crate::blob::ByteStream;
use crate::hasher::digest_of;
use crate::meta::{FileClaim, FileName, Format, Repository, SearchHit, TagWrite};
use crate::time::rfc3339;
use crate::{Error, ErrorKind, Result};
use arca_npm::{PublishRequest, RegistryKey, StoredVersion, TarballDigests, TarballLimits};
use arca_types::{Digest, DigestAlgorithm, Ecosystem, OciName, PackageId, RepoName, SemVer, Tag};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The `artifactType` of a version's manifest.
pub const NPM_ARTIFACT_TYPE: &str = "application/vnd.arca.npm.v1";
/// The media type of the `package.json` layer.
pub const PACKAGE_JSON_TYPE: &str = "application/vnd.arca.npm.package.v1+json";
/// The media type of a tarball layer.
pub const TARBALL_TYPE: &str = "application/vnd.npm.tarball.v1.tar+gzip";
/// A Sigstore bundle (`npm publish --provenance`), as a referrer.
pub const SIGSTORE_BUNDLE_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The property marking a version deprecated; its value is the message.
pub const DEPRECATED: &str = "npm.deprecated";
const TITLE: &str = "org.opencontainers.image.title";
const CREATED: &str = "org.opencontainers.image.created";
const VERSION: &str = "org.opencontainers.image.version";
const INTEGRITY: &str = "dev.arca.npm.integrity";
const SHASUM: &str = "dev.arca.npm.shasum";
const FILE_COUNT: &str = "dev.arca.npm.file-count";
const UNPACKED_SIZE: &str = "dev.arca.npm.unpacked-size";
const SHRINKWRAP: &str = "dev.arca.npm.has-shrinkwrap";
const SIGNATURE: &str = "dev.arca.npm.signature";
const KEY_ID: &str = "dev.arca.npm.keyid";

/// One `npm publish`: the parsed body, its tarball already stored ([`Registry::stage_npm_tarball`])
/// with the digests computed while it streamed, and the provenance bundle if any.
pub struct NpmPublish<'a> {
    pub repository: &'a RepoName,
    pub request: &'a PublishRequest,
    pub tarball: BlobInfo,
    pub digests: TarballDigests,
    pub sigstore: Option<Vec<u8>>,
    pub actor: &'a Actor,
}

/// A version as stored, with where its tarball is.
#[derive(Debug, Clone)]
pub struct NpmVersion {
    pub digest: Digest,
    pub stored: StoredVersion,
    pub tarball: (Digest, u64),
}

/// A package as stored: its versions (SemVer order), dist-tags, times and readme.
#[derive(Debug, Clone)]
pub struct NpmPackage {
    pub name: String,
    pub versions: Vec<NpmVersion>,
    pub dist_tags: BTreeMap<String, String>,
}

fn bad(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidRequest, message)
}

fn npm_error(e: arca_npm::NpmError) -> Error {
    bad(e.to_string())
}

/// The stored name of a package.
pub fn package_name(repository: &RepoName, name: &str) -> Result<OciName> {
    let id = PackageId::parse(Ecosystem::Npm, name).map_err(|e| bad(e.to_string()))?;
    let package = id.stored_name().map_err(|e| {
        Error::new(ErrorKind::NameInvalid, format!("package name {name:?} cannot be stored by arca: {e}"))
    })?;
    Ok(OciName { repository: repository.clone(), package })
}

/// A version's tag.
pub fn version_tag(version: &str) -> Result<Tag> {
    SemVer::parse(version).map_err(|e| bad(format!("version {version:?}: {e}")))?;
    Ecosystem::Npm.version_tag(version).map_err(|_| bad(format!("version {version:?} is longer than arca stores")))
}

/// A dist-tag's tag (never a version: npm refuses tags that read as ranges).
pub fn dist_tag(tag: &str) -> Result<Tag> {
    arca_npm::validate_dist_tag(tag).map_err(npm_error)?;
    let stored = Tag::parse(tag).map_err(|_| bad(format!("dist-tag {tag:?} is not one arca can store")))?;
    if SemVer::parse(&Ecosystem::Npm.tag_version(stored.as_str())).is_ok() {
        return Err(bad(format!("dist-tag {tag:?} reads as a version")));
    }
    Ok(stored)
}

impl Registry {
    async fn npm_repository(&self, name: &RepoName, actor: &Actor) -> Result<Repository> {
        self.repository_for(name, Format::Npm, &[Format::Npm], actor).await
    }

    /// Streams a tarball into storage, unlinked until [`Self::publish_npm_version`] publishes it.
    pub async fn stage_npm_tarball(&self, repository: &RepoName, body: ByteStream, actor: &Actor) -> Result<BlobInfo> {
        self.npm_repository(repository, actor).await?;
        self.put_blob_unlinked(None, None, body).await
    }

    /// Signs every npm version published from now on with `key` (`dist.signatures`).
    pub fn with_npm_key(mut self, key: RegistryKey) -> Self {
        self.npm_key = Some(std::sync::Arc::new(key));
        self
    }

    /// The registry's signing key (`dist.signatures`), if the server gave one.
    pub fn npm_key(&self) -> Option<&RegistryKey> {
        self.npm_key.as_deref()
    }

    /// Publishes a version: checks the body, the tarball (integrity, shasum, its package.json) and
    /// that the version is new, then commits the manifest, its tags and its provenance at once.
    pub async fn publish_npm_version(&self, publish: NpmPublish<'_>) -> Result<Digest> {
        let req = publish.request;
        self.npm_repository(publish.repository, publish.actor).await?;
        if !publish.digests.matches_claims(req.claimed_integrity.as_deref(), req.claimed_shasum.as_deref()) {
            return Err(Error::new(
                ErrorKind::DigestInvalid,
                format!("the tarball of {}@{} does not match its integrity or shasum", req.name, req.version),
            ));
        }
        let info = self.inspect_npm_tarball(&publish.tarball).await?;
        arca_npm::check_tarball_agrees(req, &info).map_err(npm_error)?;
        let name = package_name(publish.repository, &req.name)?;
        let tag = version_tag(&req.version)?;
        let dist_tags = req.dist_tags.iter().map(|(t, _)| dist_tag(t)).collect::<Result<Vec<_>>>()?;
        self.check_accepts_uploads(&name).await?;
        if self.package_manifest(&name, &tag).await?.is_some() {
            return Err(cannot_republish(&req.version));
        }
        let now = self.now();
        let integrity = publish.digests.integrity();
        let manifest_json = serde_json::to_vec(&arca_npm::sanitize_manifest(&req.manifest)).unwrap_or_default();
        let package_json = self.store_small(manifest_json).await?;
        let mut annotations = BTreeMap::from([
            (CREATED.to_owned(), rfc3339(now)),
            (VERSION.to_owned(), req.version.clone()),
            (INTEGRITY.to_owned(), integrity.clone()),
            (SHASUM.to_owned(), publish.digests.shasum()),
            (FILE_COUNT.to_owned(), info.file_count.to_string()),
            (UNPACKED_SIZE.to_owned(), info.unpacked_size.to_string()),
            (SHRINKWRAP.to_owned(), info.has_shrinkwrap.to_string()),
        ]);
        if let Some(key) = self.npm_key() {
            annotations.insert(KEY_ID.to_owned(), key.key_id());
            annotations.insert(SIGNATURE.to_owned(), key.sign(&req.name, &req.version, &integrity).map_err(npm_error)?);
        }
        let manifest = PackageManifest {
            artifact_type: NPM_ARTIFACT_TYPE.into(),
            layers: vec![
                Layer {
                    media_type: TARBALL_TYPE.into(),
                    digest: publish.tarball.digest.clone(),
                    size: publish.tarball.size,
                    annotations: BTreeMap::from([(TITLE.into(), arca_npm::tarball_file_name(&req.name, &req.version))]),
                },
                Layer {
                    media_type: PACKAGE_JSON_TYPE.into(),
                    digest: package_json.0,
                    size: package_json.1,
                    annotations: BTreeMap::from([(TITLE.into(), "package.json".into())]),
                },
            ],
            annotations,
            subject: None,
        };
        let sigstore = match &publish.sigstore {
            Some(bundle) => Some(self.store_small(bundle.clone()).await?),
            None => None,
        };
        let mut work = self.ports.transactions.begin().await?;
        let claim = FileName {
            repository: publish.repository,
            package: &name.package,
            file: &req.tarball_key,
            digest: &publish.tarball.digest,
        };
        if work.claim_file_name(&claim, now).await? != FileClaim::New {
            return Err(cannot_republish(&req.version));
        }
        let recorded = self.stage_package_manifest(work.as_mut(), &name, &manifest, now).await?;
        let digest = recorded.record.digest.clone();
        match work.put_manifest(&recorded, Some(&TagWrite::new(tag, false))).await {
            Err(e) if e.kind == ErrorKind::TagImmutable => return Err(cannot_republish(&req.version)),
            other => self.check_recorded(other?, &digest, recorded.record.size).await?,
        }
        // As the public registry does: the first version becomes `latest` whatever tag it came with.
        let mut tags = dist_tags;
        if !tags.iter().any(|t| t.as_str() == "latest") && self.npm_tag_target(&name, "latest").await?.is_none() {
            tags.push(dist_tag("latest")?);
        }
        for t in &tags {
            work.tag_manifest(&name, &TagWrite::new(t.clone(), true), &digest, now).await?;
        }
        if let Some((bundle, size)) = sigstore {
            let referrer = PackageManifest {
                artifact_type: SIGSTORE_BUNDLE_TYPE.into(),
                layers: vec![Layer {
                    media_type: SIGSTORE_BUNDLE_TYPE.into(),
                    digest: bundle,
                    size,
                    annotations: BTreeMap::new(),
                }],
                annotations: BTreeMap::from([(CREATED.into(), rfc3339(now))]),
                subject: Some((digest.clone(), recorded.record.size)),
            };
            let staged = self.stage_package_manifest(work.as_mut(), &name, &referrer, now).await?;
            let stored = work.put_manifest(&staged, None).await?;
            self.check_recorded(stored, &staged.record.digest, staged.record.size).await?;
        }
        let tag_list: Vec<&str> = tags.iter().map(Tag::as_str).collect();
        let target = format!("{name}@{}", req.version);
        let audit = publish.actor.entry(now, "npm.publish", target, Outcome::Success).with_detail(format!(
            "{digest} tarball={} dist-tags={}",
            publish.tarball.digest,
            tag_list.join(",")
        ));
        work.audit(&audit).await?;
        work.commit().await?;
        Ok(digest)
    }

    async fn store_small(&self, bytes: Vec<u8>) -> Result<(Digest, u64)> {
        let digest = digest_of(DigestAlgorithm::Sha256, &bytes);
        let size = bytes.len() as u64;
        self.blobs.put_small(&digest, bytes::Bytes::from(bytes)).await?;
        Ok((digest, size))
    }

    async fn inspect_npm_tarball(&self, blob: &BlobInfo) -> Result<arca_npm::TarballInfo> {
        let reader =
            BlobReader::new(self.blobs.clone(), blob.digest.clone(), blob.size, tokio::runtime::Handle::current());
        tokio::task::spawn_blocking(move || arca_npm::inspect_tarball(reader, &TarballLimits::default()))
            .await
            .map_err(|e| Error::new(ErrorKind::Internal, format!("reading a tarball: {e}")))?
            .map_err(npm_error)
    }

    async fn npm_tag_target(&self, name: &OciName, tag: &str) -> Result<Option<Digest>> {
        let Ok(tag) = Tag::parse(tag) else { return Ok(None) };
        match self.manifest_record(name, &arca_types::Reference::Tag(tag)).await {
            Ok(record) => Ok(Some(record.digest)),
            Err(e) if e.kind == ErrorKind::ManifestUnknown => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A package with every version and dist-tag; `NotFound` when it has no version.
    pub async fn npm_package(&self, repository: &RepoName, name: &str, base_url: &str) -> Result<NpmPackage> {
        let listing = self.npm_listing(repository, name).await?;
        self.npm_package_of(listing, base_url).await
    }

    /// The listing of a package's versions and dist-tags: one query, and the key of what it renders
    /// to ([`NpmListing::key`]).
    pub async fn npm_listing(&self, repository: &RepoName, name: &str) -> Result<NpmListing> {
        let repo = self.get_repository(repository).await?;
        if repo.format != Format::Npm {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("repository {repository} holds {} packages, not npm", repo.format),
            ));
        }
        let stored = package_name(repository, name)?;
        let page = self.versions(&stored, MAX_VERSIONS, None).await?;
        Ok(NpmListing { repository: repository.clone(), name: name.to_owned(), stored, hits: page.hits })
    }

    /// The package a listing found, every version read (parsed documents come from the cache).
    pub async fn npm_package_of(&self, listing: NpmListing, base_url: &str) -> Result<NpmPackage> {
        let NpmListing { repository, name, stored, hits } = listing;
        let (version_hits, tags): (Vec<_>, Vec<_>) =
            hits.into_iter().partition(|hit| SemVer::parse(&Ecosystem::Npm.tag_version(&hit.version)).is_ok());
        let mut versions: Vec<NpmVersion> = futures_util::stream::iter(version_hits)
            .map(|hit| self.npm_listed_version(&stored, &name, hit, base_url))
            .buffered(super::package_manifest::READ_AHEAD)
            .try_filter_map(|version| std::future::ready(Ok(version)))
            .try_collect()
            .await?;
        let by_digest: BTreeMap<&Digest, &str> =
            versions.iter().map(|v| (&v.digest, v.stored.version.as_str())).collect();
        let dist_tags =
            tags.into_iter().filter_map(|hit| Some((hit.version, (*by_digest.get(&hit.digest)?).to_owned()))).collect();
        if versions.is_empty() {
            return Err(Error::new(ErrorKind::NotFound, format!("package {name} has no versions in {repository}")));
        }
        Ecosystem::Npm.version_scheme().sort_by_version(&mut versions, |v| &v.stored.version);
        Ok(NpmPackage { name, versions, dist_tags })
    }

    /// A version a listing of the package found; `None` when its manifest is not an npm version's.
    async fn npm_listed_version(
        &self,
        stored: &OciName,
        name: &str,
        hit: SearchHit,
        base_url: &str,
    ) -> Result<Option<NpmVersion>> {
        let manifest = self.package_manifest_at(stored, &hit.digest).await?;
        if manifest.artifact_type != NPM_ARTIFACT_TYPE {
            return Ok(None);
        }
        let deprecated = hit.properties.iter().find(|(k, _)| k == DEPRECATED).map(|(_, v)| v.clone());
        self.npm_version(stored, name, hit.digest, &manifest, deprecated, base_url).await.map(Some)
    }

    async fn npm_version(
        &self,
        stored: &OciName,
        name: &str,
        digest: Digest,
        manifest: &PackageManifest,
        deprecated: Option<String>,
        base_url: &str,
    ) -> Result<NpmVersion> {
        let corrupt = || Error::new(ErrorKind::Internal, format!("npm version manifest {digest} lacks a layer"));
        let tarball = manifest.layers.iter().find(|l| l.media_type == TARBALL_TYPE).ok_or_else(corrupt)?;
        let package_json = manifest.layers.iter().find(|l| l.media_type == PACKAGE_JSON_TYPE).ok_or_else(corrupt)?;
        let package = self.package_json(stored, &package_json.digest).await?;
        let version = manifest.annotation(VERSION).unwrap_or_default().to_owned();
        let note = |key: &str| manifest.annotation(key).map(str::to_owned);
        let signatures = match (note(KEY_ID), note(SIGNATURE)) {
            (Some(k), Some(s)) => vec![(k, s)],
            _ => Vec::new(),
        };
        let stored_version = StoredVersion {
            tarball_url: format!("{base_url}/{}", arca_npm::tarball_path(name, &version)),
            manifest: (*package).clone(),
            integrity: note(INTEGRITY).unwrap_or_default(),
            shasum: note(SHASUM).unwrap_or_default(),
            file_count: note(FILE_COUNT).and_then(|n| n.parse().ok()),
            unpacked_size: note(UNPACKED_SIZE).and_then(|n| n.parse().ok()),
            signatures,
            attestations_url: None,
            deprecated,
            published: note(CREATED).unwrap_or_default(),
            has_shrinkwrap: note(SHRINKWRAP).as_deref() == Some("true"),
            version,
        };
        Ok(NpmVersion { digest, stored: stored_version, tarball: (tarball.digest.clone(), tarball.size) })
    }

    /// A version's `package.json`, parsed; from the cache when read before. `digest` comes from the
    /// version's manifest, which `stored` holds.
    async fn package_json(&self, stored: &OciName, digest: &Digest) -> Result<Arc<serde_json::Value>> {
        if let Some(document) = self.parsed_documents.get(digest) {
            return Ok(document);
        }
        let read = self.get_blob(stored, digest, None).await?;
        let bytes = super::package_manifest::collect(Some(read.stream)).await?;
        let document: Arc<serde_json::Value> = Arc::new(serde_json::from_slice(&bytes).unwrap_or_default());
        // A JSON tree takes several times its text (a node and a string per value).
        self.parsed_documents.put(digest, document.clone(), 4 * bytes.len());
        Ok(document)
    }

    /// The tarball of a version, by its file name (`<unscoped name>-<version>.tgz`).
    pub async fn npm_tarball(&self, repository: &RepoName, name: &str, file: &str) -> Result<(OciName, Digest, u64)> {
        let unknown = || Error::new(ErrorKind::NotFound, format!("{name} has no tarball {file}"));
        let version = tarball_version(name, file).ok_or_else(unknown)?;
        let stored = package_name(repository, name)?;
        let tag = version_tag(version).map_err(|_| unknown())?;
        let (_, manifest) = self.package_manifest(&stored, &tag).await?.ok_or_else(unknown)?;
        let layer = manifest.layers.iter().find(|l| l.media_type == TARBALL_TYPE).ok_or_else(unknown)?;
        Ok((stored, layer.digest.clone(), layer.size))
    }

    /// Points a dist-tag at a version (audited).
    pub async fn set_npm_dist_tag(
        &self,
        repository: &RepoName,
        name: &str,
        tag: &str,
        version: &str,
        actor: &Actor,
    ) -> Result<()> {
        let stored = package_name(repository, name)?;
        let target = self
            .package_manifest(&stored, &version_tag(version)?)
            .await?
            .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("{name} has no version {version}")))?;
        let now = self.now();
        let mut work = self.ports.transactions.begin().await?;
        work.tag_manifest(&stored, &TagWrite::new(dist_tag(tag)?, true), &target.0, now).await?;
        work.audit(
            &actor.entry(now, "npm.dist-tag.set", format!("{stored}:{tag}"), Outcome::Success).with_detail(version),
        )
        .await?;
        work.commit().await
    }

    /// Removes a dist-tag (`latest` stays: npm refuses to remove it too).
    pub async fn remove_npm_dist_tag(&self, repository: &RepoName, name: &str, tag: &str, actor: &Actor) -> Result<()> {
        if tag == "latest" {
            return Err(bad("the latest dist-tag cannot be removed"));
        }
        let stored = package_name(repository, name)?;
        let tag_name = dist_tag(tag)?;
        let digest = self
            .npm_tag_target(&stored, tag)
            .await?
            .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("{name} has no dist-tag {tag}")))?;
        let now = self.now();
        let mut work = self.ports.transactions.begin().await?;
        work.delete_tag_at(&stored, &tag_name, &digest).await?;
        work.audit(&actor.entry(now, "npm.dist-tag.remove", format!("{stored}:{tag}"), Outcome::Success)).await?;
        work.commit().await
    }

    /// Deprecates versions (a message) or un-deprecates them (an empty one), as `npm deprecate` asks.
    pub async fn deprecate_npm_versions(
        &self,
        repository: &RepoName,
        name: &str,
        changes: &[(String, String)],
        actor: &Actor,
    ) -> Result<usize> {
        let stored = package_name(repository, name)?;
        let keys = [DEPRECATED.to_owned()];
        let mut changed = 0;
        for (version, message) in changes {
            let add: Vec<(String, String)> =
                (!message.is_empty()).then(|| (DEPRECATED.to_owned(), message.clone())).into_iter().collect();
            self.set_version_properties(&stored, &version_tag(version)?, Some(&keys), &add, actor).await?;
            changed += 1;
        }
        Ok(changed)
    }

    /// `npm audit`'s bulk answer from imported OSV advisories: for each package, the advisories
    /// affecting at least one of the versions asked about.
    pub async fn npm_audit(
        &self,
        request: &BTreeMap<String, Vec<String>>,
    ) -> Result<BTreeMap<String, Vec<arca_npm::BulkAdvisory>>> {
        let mut answer = BTreeMap::new();
        for (name, versions) in request {
            let records = self.ports.advisories.advisories_for("npm", name).await?;
            let mut found = Vec::new();
            for record in records {
                let Ok(advisory) = arca_vuln::parse_advisory(record.as_bytes()) else { continue };
                let hits: Vec<_> = versions.iter().filter_map(|v| advisory.affects("npm", name, v)).collect();
                if let Some(affected) = hits.first() {
                    found.push(bulk_advisory(&advisory, name, affected));
                }
            }
            answer.insert(name.clone(), found);
        }
        Ok(answer)
    }
}

/// The version a tarball's file name (`<unscoped name>-<version>.tgz`) stands for.
pub fn tarball_version<'a>(name: &str, file: &'a str) -> Option<&'a str> {
    let unscoped = name.rsplit('/').next().unwrap_or(name);
    file.strip_prefix(unscoped).and_then(|r| r.strip_prefix('-')).and_then(|r| r.strip_suffix(".tgz"))
}

/// What one query found of a package: its versions and dist-tags as listed.
#[derive(Debug)]
pub struct NpmListing {
    repository: RepoName,
    name: String,
    stored: OciName,
    hits: Vec<SearchHit>,
}

impl NpmListing {
    /// The key of the document this listing renders to, `context` saying how (see
    /// [`super::rendered`]).
    pub fn key(&self, context: &str) -> Digest {
        super::rendered::listing_key(&self.hits, context)
    }
}

/// The most versions of one package a packument lists.
pub(super) const MAX_VERSIONS: usize = 100_000;

fn cannot_republish(version: &str) -> Error {
    Error::new(ErrorKind::Conflict, format!("You cannot publish over the previously published versions: {version}"))
}

fn bulk_advisory(advisory: &arca_vuln::Advisory, name: &str, affected: &arca_vuln::Affected) -> arca_npm::BulkAdvisory {
    use arca_npm::{OsvEvent, Severity as S};
    let events: Vec<OsvEvent> = advisory
        .affected
        .iter()
        .filter(|a| a.package.as_ref().is_some_and(|p| p.ecosystem.starts_with("npm") && p.name == name))
        .flat_map(|a| a.ranges.iter().flat_map(|r| r.events.iter()))
        .filter_map(|e| match e {
            arca_vuln::model::Event::Introduced(v) => Some(OsvEvent::Introduced(v.clone())),
            arca_vuln::model::Event::Fixed(v) => Some(OsvEvent::Fixed(v.clone())),
            arca_vuln::model::Event::LastAffected(v) => Some(OsvEvent::LastAffected(v.clone())),
            arca_vuln::model::Event::Limit(v) => Some(OsvEvent::Limit(v.clone())),
            arca_vuln::model::Event::Other(_) => None,
        })
        .collect();
    let severity = match affected.severity.as_str() {
        "critical" => S::Critical,
        "high" => S::High,
        "medium" => S::Moderate,
        _ => S::Low,
    };
    let digits: String = advisory.id.chars().filter(char::is_ascii_digit).collect();
    arca_npm::BulkAdvisory {
        id: digits.parse().unwrap_or(0),
        url: format!("https://osv.dev/vulnerability/{}", advisory.id),
        title: advisory.summary.clone().unwrap_or_else(|| advisory.id.clone()),
        severity,
        vulnerable_versions: arca_npm::osv_range_to_npm(&events),
        cwe: Vec::new(),
        cvss: arca_npm::Cvss { score: affected.score.map_or(0.0, f64::from), vector_string: None },
    }
}

impl Registry {
    /// Packages of an npm repository whose name contains `text`, each at its highest version, for
    /// `/-/v1/search`: one page of them and how many there are.
    pub async fn npm_search(
        &self,
        repository: &RepoName,
        text: &str,
        size: usize,
        from: usize,
    ) -> Result<(Vec<arca_npm::SearchHit>, usize)> {
        let needle: String = text.chars().filter(|c| !matches!(c, '*' | '?')).collect::<String>().to_lowercase();
        let query = crate::meta::SearchQuery {
            repositories: Some(vec![repository.as_str().to_owned()]),
            format: Some(Format::Npm),
            package: Some(format!("*{}*", needle.trim_start_matches('@'))),
            limit: MAX_VERSIONS,
            ..crate::meta::SearchQuery::default()
        };
        let mut newest: BTreeMap<String, crate::meta::SearchHit> = BTreeMap::new();
        for hit in self.search(&query).await?.hits {
            let version = Ecosystem::Npm.tag_version(&hit.version);
            if SemVer::parse(&version).is_err() {
                continue;
            }
            let newer = newest.get(&hit.package).is_none_or(|best| {
                Ecosystem::Npm.version_scheme().compare(&version, &Ecosystem::Npm.tag_version(&best.version)).is_gt()
            });
            if newer {
                newest.insert(hit.package.clone(), hit);
            }
        }
        let total = newest.len();
        let mut hits = Vec::new();
        for (package, hit) in newest.into_iter().skip(from).take(size) {
            let name = Ecosystem::Npm.package_from_stored(&package);
            let stored = OciName { repository: repository.clone(), package: arca_types::PackageName::parse(&package)? };
            let manifest = self.package_manifest_at(&stored, &hit.digest).await?;
            let v = self.npm_version(&stored, &name, hit.digest.clone(), &manifest, None, "").await?;
            let field = |k: &str| v.stored.manifest.get(k).cloned();
            hits.push(arca_npm::SearchHit {
                description: field("description").and_then(|d| d.as_str().map(str::to_owned)),
                keywords: field("keywords")
                    .and_then(|k| k.as_array().cloned())
                    .map(|k| k.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
                date: v.stored.published.clone(),
                publisher: None,
                link: None,
                version: v.stored.version,
                name,
            });
        }
        Ok((hits, total))
    }
}
