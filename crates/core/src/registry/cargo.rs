//! Rust crates (a Cargo sparse registry) on the unified model.
//!
//! A crate version is ONE OCI manifest (`artifactType` [`CARGO_ARTIFACT_TYPE`]) tagged with its
//! version (SemVer, `+` spelled `_`): the `.crate` as a layer, the `Cargo.toml` cargo normalized into
//! it as a second layer, and the version's index line (written once, at publish, from the metadata,
//! the server's SHA-256 of the `.crate` and the time) in an annotation beside the facts search shows.
//! The index file of a crate is its versions' lines in SemVer order with `yanked` overlaid from the
//! property [`YANKED`]: lines never change except `yanked`. The version's provenance — the commit
//! in the `.crate`'s `.cargo_vcs_info.json` and `package.repository` — becomes its properties
//! `vcs.revision`, `vcs.path`, `vcs.dirty` and `vcs.url`, in the publish's unit of work, so search
//! finds a crate by the commit it was built from.
//!
//! Names and versions collide as on crates.io. A crate is stored under its collision key
//! (`foo_bar` for `Foo-Bar`: `PackageId::normalized`), so every spelling lands on one package, and
//! a publish under a spelling other than the one the crate was first published with is refused.
//! Versions are unique ignoring build metadata: `<key>-<version without build>.crate` is claimed
//! for good in the repository (`UnitOfWork::claim_file_name`) in the publish's unit of work, so
//! `1.0.7+x` after `1.0.7` is refused, even after `1.0.7` is gone, and racing publishes have one
//! winner. The spelling is claimed the same way, so racing first publishes of `Foo` and `foo` have
//! one winner too.
//!
//! Owners (`cargo_owners`): the first publish records its publisher; new versions and yanks need an
//! owner or an administrator of the repository.

use super::Registry;
use super::blob_reader::BlobReader;
use super::blobs::BlobInfo;
use super::cargo_owners::{CrateCaller, record_first_owner};
use super::package_manifest::{Layer, PackageManifest};
use super::rendered::Rendered;
use crate::audit::{Actor, Outcome};
use crate::blob::BlobStore as _;
use crate::blob::ByteStream;
use crate::hasher::digest_of;
use crate::meta::{FileClaim, FileName, Format, Repository, SearchHit, TagWrite, UnitOfWork};
use crate::time::rfc3339;
use crate::{Error, ErrorKind, Result};
use arca_cargo::{CrateLimits, IndexLine, NewCrate, Pubtime};
use arca_types::{Digest, DigestAlgorithm, Ecosystem, OciName, PackageId, RepoName, SemVer, Tag};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The `artifactType` of a crate version's manifest.
pub const CARGO_ARTIFACT_TYPE: &str = "application/vnd.arca.cargo.v1";
/// The media type of the `.crate` layer.
pub const CRATE_TYPE: &str = "application/vnd.rust-lang.crate.v1.tar+gzip";
/// The media type of the `Cargo.toml` layer (as packed in the `.crate`).
pub const CARGO_TOML_TYPE: &str = "application/vnd.arca.cargo.manifest.v1+toml";
/// The property marking a version yanked (value `true`).
pub const YANKED: &str = "cargo.yanked";
const TITLE: &str = "org.opencontainers.image.title";
const CREATED: &str = "org.opencontainers.image.created";
const VERSION: &str = "org.opencontainers.image.version";
const DESCRIPTION: &str = "org.opencontainers.image.description";
/// The crate's name as published (the spelling its index file and downloads use).
const NAME: &str = "dev.arca.cargo.name";
/// The version's index line, as written at publish (`yanked` false).
const INDEX_LINE: &str = "dev.arca.cargo.index-line";
const CKSUM: &str = "dev.arca.cargo.cksum";
const PUBLISHER: &str = "dev.arca.cargo.publisher";
/// The most versions of one crate an index file lists.
const MAX_VERSIONS: usize = 100_000;

/// One `cargo publish`: the checked metadata, and the `.crate` already stored
/// ([`Registry::stage_cargo_crate`]) with the SHA-256 computed while it streamed.
pub struct CargoPublish<'a> {
    pub repository: &'a RepoName,
    pub krate: &'a NewCrate,
    pub blob: BlobInfo,
    /// Lower-case hex SHA-256 of the `.crate`: the index's `cksum`.
    pub cksum: String,
    pub actor: &'a Actor,
    /// Whether the publisher holds `admin` on the repository: the crate's owners do not bind them.
    pub admin: bool,
}

/// A version as stored.
#[derive(Debug, Clone)]
pub struct CargoVersion {
    pub digest: Digest,
    /// The crate's name as published.
    pub name: String,
    pub version: String,
    /// The index line written at publish.
    pub line: String,
    pub yanked: bool,
    pub description: Option<String>,
    pub publisher: Option<String>,
}

fn bad(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidRequest, message)
}

fn cargo_error(e: arca_cargo::CargoError) -> Error {
    let kind = match e.kind() {
        arca_cargo::ErrorKind::TooLarge => ErrorKind::TooLarge,
        _ => ErrorKind::InvalidRequest,
    };
    Error::new(kind, e.to_string())
}

/// The stored name of a crate: its collision key.
pub fn crate_name(repository: &RepoName, name: &PackageId) -> Result<OciName> {
    let package = name.stored_name().map_err(|e| {
        Error::new(ErrorKind::NameInvalid, format!("crate name `{name}` cannot be stored by arca: {e}"))
    })?;
    Ok(OciName { repository: repository.clone(), package })
}

/// A version's tag.
pub fn version_tag(version: &SemVer) -> Result<Tag> {
    Ecosystem::Cargo
        .version_tag(&version.to_string())
        .map_err(|_| bad(format!("version {version} is longer than arca stores")))
}

/// The provenance a crate carries, as the reserved properties `arca push` fills in CI: the commit
/// cargo packaged it from (`.cargo_vcs_info.json`: `vcs.revision`, `vcs.path` below the
/// repository's root, `vcs.dirty` when packaged with uncommitted changes) and `package.repository`
/// (`vcs.url`). Values that are no valid property are left out.
fn crate_provenance(krate: &NewCrate, vcs: Option<&arca_cargo::VcsInfo>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    if let Some(vcs) = vcs {
        found.extend(vcs.sha1.clone().map(|sha1| ("vcs.revision", sha1)));
        found.extend(Some(("vcs.path", vcs.path_in_vcs.clone())).filter(|(_, p)| !p.is_empty()));
        found.extend(vcs.dirty.then(|| ("vcs.dirty", "true".to_owned())));
    }
    found.extend(krate.repository.clone().map(|url| ("vcs.url", url)));
    let mut properties: Vec<(String, String)> = found
        .into_iter()
        .filter(|(key, value)| super::generic::check_property(key, value).is_ok())
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
    properties.sort();
    properties
}

/// Claims the crate's spelling in the publish's unit of work (a name claim whose digest is the
/// spelling's): racing first publishes of `Foo` and `foo` have one winner, as racing versions do.
async fn claim_spelling(
    work: &mut dyn UnitOfWork,
    repository: &RepoName,
    name: &OciName,
    spelling: &PackageId,
    now: crate::meta::Millis,
) -> Result<()> {
    let file = format!("crate name {}", spelling.normalized());
    let digest = digest_of(DigestAlgorithm::Sha256, spelling.as_str().as_bytes());
    let claim = FileName { repository, package: &name.package, file: &file, digest: &digest };
    match work.claim_file_name(&claim, now).await? {
        FileClaim::New | FileClaim::Same => Ok(()),
        FileClaim::Taken(_) => Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "crate `{spelling}` collides with a crate published under another spelling (names equal ignoring case and `-`/`_` are one crate): publish it under that spelling"
            ),
        )),
    }
}

fn not_cargo(repository: &RepoName, format: Format) -> Error {
    Error::new(ErrorKind::Unsupported, format!("repository {repository} holds {format} packages, not cargo crates"))
}

impl Registry {
    async fn cargo_repository(&self, name: &RepoName, actor: &Actor) -> Result<Repository> {
        self.repository_for(name, Format::Cargo, &[Format::Cargo], actor).await
    }

    /// The repository a read of crates goes to: it must exist and hold crates.
    async fn cargo_readable(&self, repository: &RepoName) -> Result<()> {
        let repo = self.get_repository(repository).await?;
        if repo.format != Format::Cargo {
            return Err(not_cargo(repository, repo.format));
        }
        Ok(())
    }

    /// Checks a publish may go to `repository` (created on first use with `auto_create`) before its
    /// body is read.
    pub async fn check_cargo_repository(&self, repository: &RepoName, actor: &Actor) -> Result<()> {
        self.cargo_repository(repository, actor).await.map(drop)
    }

    /// Streams a `.crate` into storage, unlinked until [`Self::publish_cargo_crate`] publishes it.
    pub async fn stage_cargo_crate(
        &self,
        repository: &RepoName,
        declared_len: u64,
        body: ByteStream,
        actor: &Actor,
    ) -> Result<BlobInfo> {
        self.cargo_repository(repository, actor).await?;
        self.put_blob_unlinked(None, Some(declared_len), body).await
    }

    /// Publishes a crate version: checks the `.crate` (its `Cargo.toml` against the metadata), the
    /// name's spelling and that the version is new, then commits the manifest and its tag at once.
    pub async fn publish_cargo_crate(&self, publish: CargoPublish<'_>) -> Result<Digest> {
        let krate = publish.krate;
        self.cargo_repository(publish.repository, publish.actor).await?;
        if publish.blob.digest.as_str() != format!("sha256:{}", publish.cksum) {
            return Err(Error::new(ErrorKind::DigestInvalid, "the stored .crate differs from the one received"));
        }
        let (name_text, vers_text) = (krate.name.as_str().to_owned(), krate.vers.to_string());
        let info = self.inspect_cargo_crate(&publish.blob, &name_text, &vers_text).await?;
        let name = crate_name(publish.repository, &krate.name)?;
        let tag = version_tag(&krate.vers)?;
        self.check_accepts_uploads(&name).await?;
        let owners = self
            .cargo_owner_check(&name, &name_text, CrateCaller { actor: publish.actor, admin: publish.admin })
            .await?;
        self.check_cargo_collisions(&name, krate).await?;
        let now = self.now();
        let pubtime = Pubtime::from_unix_millis(now);
        let line = IndexLine::from_publish(krate, &publish.cksum, pubtime).to_json();
        let toml = bytes::Bytes::from(info.manifest.into_bytes());
        let toml_digest = digest_of(DigestAlgorithm::Sha256, &toml);
        let toml_size = toml.len() as u64;
        self.blobs.put_small(&toml_digest, toml).await?;
        let mut annotations = BTreeMap::from([
            (CREATED.to_owned(), rfc3339(now)),
            (VERSION.to_owned(), vers_text.clone()),
            (NAME.to_owned(), name_text.clone()),
            (INDEX_LINE.to_owned(), line),
            (CKSUM.to_owned(), publish.cksum.clone()),
            (PUBLISHER.to_owned(), publish.actor.name.clone()),
        ]);
        if let Some(description) = &krate.description {
            annotations.insert(DESCRIPTION.to_owned(), description.clone());
        }
        let manifest = PackageManifest {
            artifact_type: CARGO_ARTIFACT_TYPE.into(),
            layers: vec![
                Layer {
                    media_type: CRATE_TYPE.into(),
                    digest: publish.blob.digest.clone(),
                    size: publish.blob.size,
                    annotations: BTreeMap::from([(TITLE.into(), arca_cargo::crate_file_name(&name_text, &vers_text))]),
                },
                Layer {
                    media_type: CARGO_TOML_TYPE.into(),
                    digest: toml_digest,
                    size: toml_size,
                    annotations: BTreeMap::from([(TITLE.into(), "Cargo.toml".into())]),
                },
            ],
            annotations,
            subject: None,
        };
        let mut work = self.ports.transactions.begin().await?;
        claim_spelling(work.as_mut(), publish.repository, &name, &krate.name, now).await?;
        let claimed = format!("{}-{}.crate", krate.name.normalized(), arca_cargo::version_key(&krate.vers));
        let claim = FileName {
            repository: publish.repository,
            package: &name.package,
            file: &claimed,
            digest: &publish.blob.digest,
        };
        if work.claim_file_name(&claim, now).await? != FileClaim::New {
            return Err(already_uploaded(&name_text, &vers_text));
        }
        record_first_owner(work.as_mut(), &name, &owners, publish.actor, now).await?;
        let recorded = self.stage_package_manifest(work.as_mut(), &name, &manifest, now).await?;
        let digest = recorded.record.digest.clone();
        match work.put_manifest(&recorded, Some(&TagWrite::new(tag, false))).await {
            Err(e) if e.kind == ErrorKind::TagImmutable => return Err(already_uploaded(&name_text, &vers_text)),
            other => self.check_recorded(other?, &digest, recorded.record.size).await?,
        }
        let provenance = crate_provenance(krate, info.vcs.as_ref());
        if !provenance.is_empty() {
            work.set_properties(&digest, None, &provenance).await?;
        }
        let mut detail = format!("{digest} crate={} cksum={}", publish.blob.digest, publish.cksum);
        for (key, value) in &provenance {
            detail.push_str(&format!(" {key}={value}"));
        }
        let audit = publish
            .actor
            .entry(now, "cargo.publish", format!("{name}@{vers_text}"), Outcome::Success)
            .with_detail(detail);
        work.audit(&audit).await?;
        work.commit().await?;
        Ok(digest)
    }

    /// crates.io's rules before anything is written: the crate keeps the spelling it was first
    /// published with, and a version is new ignoring build metadata (the claim in the unit of work
    /// settles races; this gives the clearer message).
    async fn check_cargo_collisions(&self, name: &OciName, krate: &NewCrate) -> Result<()> {
        // The listing alone says which versions exist (their tags); one manifest says the spelling,
        // which every version shares. Reading every version's manifest made publishing quadratic
        // in the crate's versions.
        let hits = self.versions(name, MAX_VERSIONS, None).await?.hits;
        let crates: Vec<SearchHit> =
            hits.into_iter().filter(|h| h.artifact_type.as_deref() == Some(CARGO_ARTIFACT_TYPE)).collect();
        if let Some(first) = crates.first()
            && let Some(existing) = self.cargo_listed_version(name, first.clone()).await?
            && existing.name != krate.name.as_str()
        {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "crate `{}` collides with the existing crate `{}` (names equal ignoring case and `-`/`_` are one crate): publish it as `{}`",
                    krate.name, existing.name, existing.name
                ),
            ));
        }
        let key = arca_cargo::version_key(&krate.vers);
        for hit in &crates {
            let version = Ecosystem::Cargo.tag_version(&hit.version);
            if SemVer::parse(&version).is_ok_and(|v| arca_cargo::version_key(&v) == key) {
                return Err(already_uploaded(krate.name.as_str(), &version));
            }
        }
        Ok(())
    }

    async fn inspect_cargo_crate(&self, blob: &BlobInfo, name: &str, vers: &str) -> Result<arca_cargo::CrateInfo> {
        let reader =
            BlobReader::new(self.blobs.clone(), blob.digest.clone(), blob.size, tokio::runtime::Handle::current());
        let (name, vers) = (name.to_owned(), vers.to_owned());
        tokio::task::spawn_blocking(move || arca_cargo::inspect_crate(reader, &name, &vers, &CrateLimits::default()))
            .await
            .map_err(|e| Error::new(ErrorKind::Internal, format!("reading a .crate: {e}")))?
            .map_err(cargo_error)
    }

    /// A quarantined crate's index and `.crate` files are withheld (404, saying why), as a
    /// quarantined PyPI project's files are.
    async fn check_not_quarantined(&self, name: &OciName) -> Result<()> {
        if self.is_quarantined(name).await? {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("crate {name} is quarantined: its files are withheld"),
            ));
        }
        Ok(())
    }

    /// Every version of a stored crate, in SemVer order.
    async fn cargo_versions(&self, name: &OciName) -> Result<Vec<CargoVersion>> {
        let page = self.versions(name, MAX_VERSIONS, None).await?;
        self.cargo_versions_of(name, page.hits).await
    }

    /// The crate versions a listing of `name` found, in SemVer order.
    async fn cargo_versions_of(&self, name: &OciName, hits: Vec<SearchHit>) -> Result<Vec<CargoVersion>> {
        let mut versions: Vec<CargoVersion> = futures_util::stream::iter(hits)
            .map(|hit| self.cargo_listed_version(name, hit))
            .buffered(super::package_manifest::READ_AHEAD)
            .try_filter_map(|version| std::future::ready(Ok(version)))
            .try_collect()
            .await?;
        Ecosystem::Cargo.version_scheme().sort_by_version(&mut versions, |v| &v.version);
        Ok(versions)
    }

    /// A version a listing found; `None` when its manifest is not a crate version's.
    async fn cargo_listed_version(&self, name: &OciName, hit: SearchHit) -> Result<Option<CargoVersion>> {
        let manifest = self.package_manifest_at(name, &hit.digest).await?;
        if manifest.artifact_type != CARGO_ARTIFACT_TYPE {
            return Ok(None);
        }
        let note = |key: &str| manifest.annotation(key).map(str::to_owned);
        let (Some(crate_name), Some(version), Some(line)) = (note(NAME), note(VERSION), note(INDEX_LINE)) else {
            return Ok(None);
        };
        Ok(Some(CargoVersion {
            digest: hit.digest,
            name: crate_name,
            version,
            line,
            yanked: hit.properties.iter().any(|(k, v)| k == YANKED && v == "true"),
            description: note(DESCRIPTION),
            publisher: note(PUBLISHER),
        }))
    }

    /// The index file of the crate an index path names (`requested`, lower case): its versions'
    /// lines in SemVer order with `yanked` overlaid, kept by its listing ([`super::rendered`]: a
    /// publish or a yank changes the key), so a 10 000-version crate is not rendered per request.
    /// `NotFound` unless the crate was published under a spelling that, lower-cased, is the one
    /// requested (cargo asks for `ar/ca/arca-demo` and `ar/ca/arca_demo` as two names; crates.io
    /// serves one of them).
    pub async fn cargo_index_file(&self, repository: &RepoName, requested: &PackageId) -> Result<Arc<Rendered>> {
        self.cargo_readable(repository).await?;
        let unknown = || Error::new(ErrorKind::NotFound, format!("crate `{requested}` does not exist in {repository}"));
        let name = crate_name(repository, requested).map_err(|_| unknown())?;
        self.check_not_quarantined(&name).await?;
        let hits = self.versions(&name, MAX_VERSIONS, None).await?.hits;
        let key = super::rendered::listing_key(&hits, &format!("cargo index file of {requested}"));
        if let Some(kept) = self.rendered(&key) {
            return Ok(kept);
        }
        let versions = self.cargo_versions_of(&name, hits).await?;
        match versions.first() {
            Some(first) if first.name.to_ascii_lowercase() == requested.as_str() => {}
            _ => return Err(unknown()),
        }
        let file = arca_cargo::render_index_file(versions.iter().map(|v| (v.line.as_str(), v.yanked)))
            .map_err(|e| Error::new(ErrorKind::Internal, format!("a stored index line of {requested}: {e}")))?;
        Ok(self.keep_rendered(&key, file.into_bytes()))
    }

    /// Every version of a crate, under any spelling of its name; `NotFound` when it has none.
    pub async fn cargo_crate(&self, repository: &RepoName, name: &PackageId) -> Result<Vec<CargoVersion>> {
        self.cargo_readable(repository).await?;
        let unknown = || Error::new(ErrorKind::NotFound, format!("crate `{name}` does not exist in {repository}"));
        let stored = crate_name(repository, name).map_err(|_| unknown())?;
        let versions = self.cargo_versions(&stored).await?;
        if versions.is_empty() {
            return Err(unknown());
        }
        Ok(versions)
    }

    /// Where a version's `.crate` is: its stored name, digest and size.
    pub async fn cargo_download(
        &self,
        repository: &RepoName,
        name: &PackageId,
        version: &SemVer,
    ) -> Result<(OciName, Digest, u64)> {
        self.cargo_readable(repository).await?;
        let unknown = || Error::new(ErrorKind::NotFound, format!("crate `{name}` has no version {version}"));
        let stored = crate_name(repository, name).map_err(|_| unknown())?;
        let tag = version_tag(version).map_err(|_| unknown())?;
        self.check_not_quarantined(&stored).await?;
        let (_, manifest) = self.package_manifest(&stored, &tag).await?.ok_or_else(unknown)?;
        if manifest.artifact_type != CARGO_ARTIFACT_TYPE {
            return Err(unknown());
        }
        let layer = manifest.layers.iter().find(|l| l.media_type == CRATE_TYPE).ok_or_else(unknown)?;
        Ok((stored, layer.digest.clone(), layer.size))
    }

    /// Yanks a version (`cargo yank`) or un-yanks it (`--undo`), for an owner or an administrator;
    /// audited as a property change.
    pub async fn yank_cargo_version(
        &self,
        repository: &RepoName,
        name: &PackageId,
        version: &SemVer,
        yanked: bool,
        caller: CrateCaller<'_>,
    ) -> Result<()> {
        let actor = caller.actor;
        let (stored, _, _) = self.cargo_download(repository, name, version).await?;
        self.cargo_owner_check(&stored, name.as_str(), caller).await?;
        let tag = version_tag(version)?;
        let keys = [YANKED.to_owned()];
        let add: Vec<(String, String)> = yanked.then(|| (YANKED.to_owned(), "true".to_owned())).into_iter().collect();
        self.set_version_properties(&stored, &tag, Some(&keys), &add, actor).await.map(drop)
    }

    /// Crates of a repository whose name contains every word of `text` (case, `-` and `_` folded),
    /// each at its highest version not yanked (or its highest, when all are): one page of them,
    /// sorted by name, and how many there are.
    pub async fn cargo_search(
        &self,
        repository: &RepoName,
        text: &str,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<CargoVersion>, usize)> {
        self.cargo_readable(repository).await?;
        let words: Vec<String> = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|w| w.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect::<String>())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_ascii_lowercase().replace('-', "_"))
            .collect();
        let query = crate::meta::SearchQuery {
            repositories: Some(vec![repository.as_str().to_owned()]),
            format: Some(Format::Cargo),
            package: Some(format!("*{}*", words.join("*"))),
            limit: MAX_VERSIONS,
            ..crate::meta::SearchQuery::default()
        };
        let mut packages: BTreeMap<String, Vec<SearchHit>> = BTreeMap::new();
        for hit in self.search(&query).await?.hits {
            if words.iter().all(|w| hit.package.contains(w.as_str())) {
                packages.entry(hit.package.clone()).or_default().push(hit);
            }
        }
        let total = packages.len();
        let mut found = Vec::new();
        for (package, hits) in packages.into_iter().skip(offset).take(limit) {
            let stored = OciName { repository: repository.clone(), package: arca_types::PackageName::parse(&package)? };
            let mut versions = Vec::new();
            for hit in hits {
                versions.extend(self.cargo_listed_version(&stored, hit).await?);
            }
            Ecosystem::Cargo.version_scheme().sort_by_version(&mut versions, |v| &v.version);
            let best = versions.iter().rposition(|v| !v.yanked).or_else(|| versions.len().checked_sub(1));
            if let Some(best) = best {
                found.push(versions.swap_remove(best));
            }
        }
        Ok((found, total))
    }
}

fn already_uploaded(name: &str, version: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!(
            "crate version `{name}@{version}` is already uploaded (versions differing only in build metadata are one version)"
        ),
    )
}
