//! Maven repositories (the Maven 2 layout under `/maven/<repo>/`) on the unified model.
//!
//! A GAV — one version of `groupId:artifactId` with all its files (POM, jar, sources, javadoc,
//! Gradle `.module`, `.asc` signatures, classified files) — is ONE OCI manifest (`artifactType`
//! [`MAVEN_ARTIFACT_TYPE`]) of the package stored under the layout path `group/path/artifactId`,
//! tagged with its base version (`1.0`, `1.0-SNAPSHOT`): one layer per file, titled with its file
//! name and carrying its MD5, SHA-1 and SHA-512 (SHA-256 is the digest) so checksums are served
//! without reading the file again.
//!
//! Visibility (as Nexus documents it): Maven PUTs a GAV one file at a time, POM first. Until the
//! GAV is complete — its POM and the main artifact its packaging implies are stored (see
//! [`layout`]) — its files are staged (a staged upload, nothing visible: no tag, not in
//! `maven-metadata.xml`, not in `/api/v1`); the PUT that completes it publishes every staged file
//! as the version at once. Later files (sources, javadoc, signatures) are added to the published
//! manifest, each PUT re-pointing the version at a manifest with one more file, compare-and-swap,
//! so racing PUTs lose nothing. A snapshot's timestamped builds live in its `X-SNAPSHOT` version;
//! `maven-metadata.xml` lists only complete builds, and the repository keeps the newest
//! `maven_snapshot_keep` of them.
//!
//! `maven-metadata.xml` is generated from what is stored, never taken from a client.
//!
//! A quarantined artifact (its package status) is withheld: its files and metadata answer 404.
//!
//! Provenance: the version's properties are the matrix parameters of its deploy requests
//! (`/maven/libs;vcs.revision=3f1c2ab/…`, as Artifactory takes them; a later request's value of a
//! key replaces the earlier ones) and, for the keys those leave unset, what the newest POM's
//! `<scm>` declares (`vcs.url`, `vcs.tag`).

mod deploy;
mod layout;

pub use deploy::MavenDeploy;

use super::Registry;
use super::package_manifest::{Layer, PackageManifest};
use crate::meta::{Format, Repository};
use crate::{Error, ErrorKind, Result};
use arca_maven::{ArtifactFile, FileChecksums, MetadataPath, MetadataScope, SnapshotFile, Timestamp};
use arca_types::{Digest, Ecosystem, OciName, PackageId, PackageName, RepoName, Tag};
use std::sync::Arc;

/// The `artifactType` of a GAV's manifest.
pub const MAVEN_ARTIFACT_TYPE: &str = "application/vnd.arca.maven.gav.v1";
/// Most versions of one artifact its metadata lists.
const MAX_VERSIONS: usize = 100_000;
/// Pages of 1000 packages group-level metadata reads at most.
const MAX_GROUP_PAGES: usize = 10;

/// A stored file of a visible GAV: where its bytes are and its checksums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MavenFile {
    pub name: OciName,
    pub digest: Digest,
    pub size: u64,
    pub checksums: FileChecksums,
}

fn bad(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidRequest, message)
}

pub(super) fn maven_error(e: arca_maven::MavenError) -> Error {
    let kind = match e.kind() {
        arca_maven::ErrorKind::NotFound => ErrorKind::NotFound,
        arca_maven::ErrorKind::TooLarge => ErrorKind::TooLarge,
        arca_maven::ErrorKind::Mismatch => ErrorKind::Conflict,
        _ => ErrorKind::InvalidRequest,
    };
    Error::new(kind, e.to_string())
}

/// The package a Maven name is stored under: `group/path/artifactId` in `repository`.
pub fn maven_name(repository: &RepoName, package: &PackageId) -> Result<OciName> {
    let stored = package.stored_name().map_err(|e| {
        bad(format!("{} has no spelling arca can store (lowercase letters, digits, . _ -): {e}", package.as_str()))
    })?;
    Ok(OciName { repository: repository.clone(), package: stored })
}

/// The tag of a GAV: its base version.
pub fn gav_tag(base_version: &str) -> Result<Tag> {
    Ecosystem::Maven
        .version_tag(base_version)
        .map_err(|_| bad(format!("version {base_version} has no spelling arca can store (letters, digits, . _ -)")))
}

impl Registry {
    pub(super) async fn maven_repository(&self, name: &RepoName, actor: &crate::audit::Actor) -> Result<Repository> {
        self.repository_for(name, Format::Maven, &[Format::Maven], actor).await
    }

    async fn existing_maven_repository(&self, name: &RepoName) -> Result<()> {
        let repo = self.get_repository(name).await?;
        if repo.format != Format::Maven {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("repository {name} holds {} packages, not maven", repo.format),
            ));
        }
        Ok(())
    }

    /// The manifest of a visible GAV, if any.
    async fn gav(&self, name: &OciName, base_version: &str) -> Result<Option<(Digest, Arc<PackageManifest>)>> {
        let Ok(tag) = gav_tag(base_version) else { return Ok(None) };
        match self.package_manifest(name, &tag).await? {
            Some((digest, manifest)) if manifest.artifact_type == MAVEN_ARTIFACT_TYPE => Ok(Some((digest, manifest))),
            _ => Ok(None),
        }
    }

    /// A file of a visible GAV (checksum sidecars are the caller's: it asks for their file); `None`
    /// if not stored or not visible yet.
    pub async fn maven_file(&self, repository: &RepoName, file: &ArtifactFile) -> Result<Option<MavenFile>> {
        self.existing_maven_repository(repository).await?;
        let Ok(name) = maven_name(repository, file.package()) else { return Ok(None) };
        if self.is_quarantined(&name).await? {
            return Ok(None);
        }
        let Some((_, manifest)) = self.gav(&name, file.base_version()).await? else { return Ok(None) };
        let title = file.file_name();
        let Some(layer) = manifest.layers.iter().find(|l| l.annotation(layout::TITLE) == Some(title.as_str())) else {
            return Ok(None);
        };
        Ok(Some(MavenFile {
            name,
            digest: layer.digest.clone(),
            size: layer.size,
            checksums: layout::checksums_of(layer),
        }))
    }

    /// `maven-metadata.xml` of a directory, generated from what is stored: the first reading of the
    /// path ([`MetadataPath::scopes`]) that has content. `None`: nothing there.
    pub async fn maven_metadata(&self, repository: &RepoName, path: &MetadataPath) -> Result<Option<Vec<u8>>> {
        self.existing_maven_repository(repository).await?;
        for scope in path.scopes() {
            let found = match &scope {
                MetadataScope::Artifact { package } => self.artifact_metadata(repository, package).await?,
                MetadataScope::Snapshot { package, base_version } => {
                    self.snapshot_metadata(repository, package, base_version).await?
                }
                MetadataScope::Group { group_id } => self.group_metadata(repository, group_id).await?,
            };
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    async fn artifact_metadata(&self, repository: &RepoName, package: &PackageId) -> Result<Option<Vec<u8>>> {
        let Ok(name) = maven_name(repository, package) else { return Ok(None) };
        if self.is_quarantined(&name).await? {
            return Ok(None);
        }
        let page = self.versions(&name, MAX_VERSIONS, None).await?;
        let hits: Vec<_> =
            page.hits.iter().filter(|h| h.artifact_type.as_deref() == Some(MAVEN_ARTIFACT_TYPE)).collect();
        let Some(newest) = hits.iter().map(|h| h.created_at).max() else { return Ok(None) };
        let versions: Vec<String> = hits.iter().map(|h| Ecosystem::Maven.tag_version(&h.version)).collect();
        let metadata = arca_maven::artifact_metadata(
            package,
            versions.iter().map(String::as_str),
            Timestamp::from_unix_millis(newest),
        );
        Ok(Some(metadata.to_xml().into_bytes()))
    }

    /// Group-level metadata: the plugin prefixes of the group's `maven-plugin` artifacts, each read
    /// from the POM of its newest version; `None` when the group has none.
    async fn group_metadata(&self, repository: &RepoName, group_id: &str) -> Result<Option<Vec<u8>>> {
        let prefix = format!("{}/", group_id.replace('.', "/"));
        let mut plugins = Vec::new();
        let mut last = prefix.clone();
        for _ in 0..MAX_GROUP_PAGES {
            let page = self.packages(repository, 1000, Some(&last)).await?;
            let in_group: Vec<&String> = page.items.iter().take_while(|p| p.starts_with(&prefix)).collect();
            for stored in &in_group {
                if stored[prefix.len()..].contains('/') {
                    continue;
                }
                if let Some(plugin) = self.plugin_of(repository, stored).await? {
                    plugins.push(plugin);
                }
            }
            match page.items.last() {
                Some(next) if page.more && in_group.len() == page.items.len() => last = next.clone(),
                _ => break,
            }
        }
        if plugins.is_empty() {
            return Ok(None);
        }
        Ok(Some(arca_maven::group_metadata(plugins).to_xml().into_bytes()))
    }

    /// The plugin-prefix entry of a stored package whose newest version is a `maven-plugin`.
    async fn plugin_of(&self, repository: &RepoName, stored: &str) -> Result<Option<arca_maven::Plugin>> {
        let Ok(package) = PackageName::parse(stored) else { return Ok(None) };
        let name = OciName { repository: repository.clone(), package };
        let Some(newest) = self.versions(&name, 1, None).await?.hits.into_iter().next() else { return Ok(None) };
        let manifest = self.package_manifest_at(&name, &newest.digest).await?;
        let is_plugin_pom = |l: &&Layer| {
            l.annotation(layout::PACKAGING) == Some("maven-plugin")
                && l.annotation(layout::TITLE).is_some_and(|t| t.ends_with(".pom"))
        };
        let Some(pom) = manifest.layers.iter().find(is_plugin_pom) else { return Ok(None) };
        let read = self.get_blob(&name, &pom.digest, None).await?;
        let bytes = super::package_manifest::collect(Some(read.stream)).await?;
        Ok(arca_maven::Pom::parse(&bytes).ok().and_then(|p| p.plugin_entry()))
    }

    async fn snapshot_metadata(
        &self,
        repository: &RepoName,
        package: &PackageId,
        base_version: &str,
    ) -> Result<Option<Vec<u8>>> {
        let Ok(name) = maven_name(repository, package) else { return Ok(None) };
        if self.is_quarantined(&name).await? {
            return Ok(None);
        }
        let Some((_, manifest)) = self.gav(&name, base_version).await? else { return Ok(None) };
        let files = snapshot_files(package, base_version, &manifest.layers);
        let Some(newest) = files.iter().map(|f| f.uploaded).max() else { return Ok(None) };
        let metadata = arca_maven::snapshot_metadata(package, base_version, &files, newest)
            .map_err(|e| Error::internal("generating snapshot metadata", e))?;
        Ok(Some(metadata.to_xml().into_bytes()))
    }
}

/// The files of complete builds, as snapshot-level metadata lists them.
fn snapshot_files(package: &PackageId, base_version: &str, layers: &[Layer]) -> Vec<SnapshotFile> {
    let complete = layout::complete_builds_of(package, base_version, layers);
    layers
        .iter()
        .filter_map(|layer| {
            let file = layout::file_of(package, base_version, layer)?;
            if !complete.contains(file.version()) {
                return None;
            }
            let uploaded = layer.annotation(layout::UPLOADED).and_then(|u| u.parse().ok()).unwrap_or(0);
            SnapshotFile::of(&file, Timestamp::from_unix_millis(uploaded))
        })
        .collect()
}
