//! Generating metadata from what a hosted repository stores, so that concurrent deploys cannot
//! race on a client-merged file and a stale client cannot regress `release` (Nexus and
//! Reposilite regenerate too). Inputs are what the store knows; outputs are deterministic: the
//! same inputs give the same bytes.

use super::{MODEL_VERSION, Metadata, Plugin, Snapshot, SnapshotVersion, Versioning};
use crate::error::{MavenError, quote};
use crate::path::{ArtifactFile, Sidecar};
use crate::snapshot::{SNAPSHOT_SUFFIX, TimestampedVersion, base_version, is_snapshot};
use crate::time::Timestamp;
use arca_types::{PackageId, VersionScheme};
use std::collections::BTreeMap;

/// Artifact-level metadata (`g/a/maven-metadata.xml`) of `package` holding `versions`: base
/// versions (a timestamped version counts as its `X-SNAPSHOT`), listed once each in Maven's
/// order; `latest` the highest of all, `release` the highest non-snapshot, both by Maven's
/// `ComparableVersion` ordering ([`VersionScheme::Maven`]).
///
/// Maven 3 itself writes `latest` only for plugins; repositories (Central, Nexus, Reposilite)
/// always write it, and arca does too: `LATEST` in a dependency means "highest of all".
pub fn artifact_metadata<'a>(
    package: &PackageId,
    versions: impl IntoIterator<Item = &'a str>,
    last_updated: Timestamp,
) -> Metadata {
    let mut versions: Vec<String> = versions.into_iter().map(|v| base_version(v).into_owned()).collect();
    VersionScheme::Maven.sort_by_version(&mut versions, String::as_str);
    versions.dedup();
    let release = versions.iter().rev().find(|v| !is_snapshot(v)).cloned();
    let (group, artifact) = coordinates(package);
    Metadata {
        group_id: Some(group),
        artifact_id: Some(artifact),
        versioning: Some(Versioning {
            latest: versions.last().cloned(),
            release,
            versions,
            last_updated: Some(last_updated.compact()),
            ..Versioning::default()
        }),
        ..Metadata::default()
    }
}

/// One stored file of a snapshot directory, as snapshot-level metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    /// Timestamped (`1.0-20261130.035200-2`) or plain (`1.0-SNAPSHOT`).
    pub version: String,
    pub classifier: Option<String>,
    /// `jar`, `pom`, `tar.gz`, `jar.asc`…
    pub extension: String,
    /// When it was stored. A timestamped file's `<updated>` is its own timestamp, as Maven writes
    /// it, so this only matters for plain `X-SNAPSHOT` files.
    pub uploaded: Timestamp,
}

impl SnapshotFile {
    /// The entry for a stored file of a snapshot directory; `None` for checksums (never listed)
    /// and for release files. Signatures are listed with extension `<ext>.asc`, as
    /// maven-gpg-plugin attaches them.
    pub fn of(file: &ArtifactFile, uploaded: Timestamp) -> Option<Self> {
        if !file.is_snapshot() || matches!(file.sidecar(), Some(Sidecar::Checksum(_) | Sidecar::SignatureChecksum(_))) {
            return None;
        }
        Some(Self {
            version: file.version().to_owned(),
            classifier: file.classifier().map(str::to_owned),
            extension: file.listed_extension()?,
            uploaded,
        })
    }

    /// Newest first: by the version's timestamp and build number (a plain file by its upload
    /// time, build 0), then by upload time.
    fn recency(&self) -> (Timestamp, u32, Timestamp) {
        match TimestampedVersion::parse(&self.version) {
            Some(t) => (t.timestamp(), t.build_number(), self.uploaded),
            None => (self.uploaded, 0, self.uploaded),
        }
    }

    fn updated(&self) -> Timestamp {
        TimestampedVersion::parse(&self.version).map_or(self.uploaded, |t| t.timestamp())
    }
}

/// Snapshot-level metadata (`g/a/X-SNAPSHOT/maven-metadata.xml`) of `base_version` of `package`,
/// from the files stored in its directory: `<snapshot>` is the newest timestamped build (left
/// out when only plain files exist; Maven then asks for `X-SNAPSHOT` files), and
/// `<snapshotVersions>` the newest file of each classifier + extension, ordered by classifier
/// (none first) then extension. Every file must belong to `base_version`.
pub fn snapshot_metadata(
    package: &PackageId,
    base_version: &str,
    files: &[SnapshotFile],
    last_updated: Timestamp,
) -> Result<Metadata, MavenError> {
    if !base_version.ends_with(SNAPSHOT_SUFFIX) {
        return Err(MavenError::invalid(format!("{} is not a snapshot version", quote(base_version))));
    }
    let mut newest: BTreeMap<(Option<&str>, &str), &SnapshotFile> = BTreeMap::new();
    for file in files {
        if crate::snapshot::base_version(&file.version) != base_version {
            return Err(MavenError::mismatch(format!(
                "{} is not a build of {}",
                quote(&file.version),
                quote(base_version)
            )));
        }
        let slot = newest.entry((file.classifier.as_deref(), file.extension.as_str())).or_insert(file);
        if file.recency() > slot.recency() {
            *slot = file;
        }
    }
    let latest_build = files
        .iter()
        .filter_map(|f| TimestampedVersion::parse(&f.version))
        .max_by_key(|t| (t.timestamp(), t.build_number()));
    let (group, artifact) = coordinates(package);
    Ok(Metadata {
        model_version: Some(MODEL_VERSION.to_owned()),
        group_id: Some(group),
        artifact_id: Some(artifact),
        version: Some(base_version.to_owned()),
        versioning: Some(Versioning {
            snapshot: latest_build.map(|t| Snapshot {
                timestamp: Some(t.timestamp().dotted()),
                build_number: t.build_number(),
                local_copy: false,
            }),
            last_updated: Some(last_updated.compact()),
            snapshot_versions: newest
                .values()
                .map(|f| SnapshotVersion {
                    classifier: f.classifier.clone(),
                    extension: f.extension.clone(),
                    value: f.version.clone(),
                    updated: Some(f.updated().compact()),
                })
                .collect(),
            ..Versioning::default()
        }),
        ..Metadata::default()
    })
}

/// Group-level metadata (`g/maven-metadata.xml`): the plugin prefixes of the group's
/// `maven-plugin` artifacts, ordered by prefix. A prefix names one plugin: when two claim it, the
/// one whose artifactId sorts first keeps it (Maven's client merge keeps whichever deployed last,
/// which a server cannot tell apart from a race).
pub fn group_metadata(plugins: impl IntoIterator<Item = Plugin>) -> Metadata {
    let mut plugins: Vec<Plugin> = plugins.into_iter().collect();
    plugins.sort_by(|a, b| (&a.prefix, &a.artifact_id, &a.name).cmp(&(&b.prefix, &b.artifact_id, &b.name)));
    plugins.dedup_by(|later, first| later.prefix == first.prefix);
    Metadata { plugins, ..Metadata::default() }
}

fn coordinates(package: &PackageId) -> (String, String) {
    let (group, artifact) = package.maven_coordinates().unwrap_or(("", package.as_str()));
    (group.to_owned(), artifact.to_owned())
}
