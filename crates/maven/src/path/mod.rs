//! Every path a Maven or Gradle client requests or deploys below a repository's root, parsed into
//! a [`MavenPath`]: an artifact file (with its sidecars) or a `maven-metadata.xml` (with its
//! checksums).
//!
//! `maven-metadata.xml` paths are ambiguous in the layout itself: `org/example/tool/maven-metadata.xml`
//! is the artifact-level file of `org.example:tool` *or* the group-level file of
//! `org.example.tool`, and `g/a/1.0-SNAPSHOT/maven-metadata.xml` could even be the artifact-level
//! file of `g.a:1.0-SNAPSHOT`. Maven never says which; a repository knows from what it stores.
//! So a [`MetadataPath`] lists the readings that are valid, most specific first
//! ([`MetadataPath::scopes`]), and the integrator picks the one whose package or group exists
//! (or renders one document holding both `versioning` and `plugins`, which the model allows).

mod file;
mod matrix;
mod segment;

pub use file::{ArtifactFile, Sidecar};
pub use matrix::{MAX_MATRIX_PARAMS, split_matrix_params};
pub use segment::{MAX_GROUP_DEPTH, MAX_PATH_LEN, MAX_SEGMENT_LEN};

use crate::checksum::ChecksumAlgorithm;
use crate::error::MavenError;
use crate::snapshot::{Redeploy, SNAPSHOT_SUFFIX, TimestampedVersion, check_version};
use arca_types::{Ecosystem, PackageId};
use segment::{is_artifact_id, is_group_segment};

/// The metadata file's name.
pub const METADATA_FILE: &str = "maven-metadata.xml";

/// A parsed request path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MavenPath {
    /// An artifact file or one of its sidecars.
    File(ArtifactFile),
    /// A `maven-metadata.xml` or one of its checksums.
    Metadata(MetadataPath),
}

impl MavenPath {
    /// Parses `raw`, the request path below the repository root as received (percent-encoded, no
    /// leading `/`, no query). Unsafe paths, paths that name no file of the layout, and files
    /// whose name disagrees with their directories are refused; see [`crate::ErrorKind`] for
    /// which is which. For a read, every refusal but `UnsafePath` and `TooLarge` is a plain 404.
    pub fn parse(raw: &str) -> Result<Self, MavenError> {
        let segments = segment::decode(raw)?;
        let Some((name, dirs)) = segments.split_last() else {
            return Err(MavenError::not_found("the repository root is not a file"));
        };
        if let Some(checksum) = metadata_name(name) {
            let path = MetadataPath { dirs: dirs.to_vec(), checksum };
            if path.scopes().is_empty() {
                return Err(MavenError::not_found(
                    "maven-metadata.xml lives in a <group>, <group>/<artifactId> or <group>/<artifactId>/<X-SNAPSHOT> directory",
                ));
            }
            return Ok(Self::Metadata(path));
        }
        ArtifactFile::parse(&segments).map(Self::File)
    }

    /// The canonical path below the repository root (what [`Self::parse`] read, decoded).
    pub fn path(&self) -> String {
        match self {
            Self::File(file) => file.path(),
            Self::Metadata(metadata) => metadata.path(),
        }
    }

    /// The checksum algorithm, when the path is a checksum sidecar of a file or of metadata.
    pub fn checksum(&self) -> Option<ChecksumAlgorithm> {
        match self {
            Self::File(file) => file.sidecar().and_then(Sidecar::checksum),
            Self::Metadata(metadata) => metadata.checksum,
        }
    }

    pub fn redeploy(&self) -> Redeploy {
        match self {
            Self::File(file) => file.redeploy(),
            Self::Metadata(_) => Redeploy::Metadata,
        }
    }

    /// The `Content-Type` to serve the path with. Maven and Gradle ignore it; browsers, proxies
    /// and scanners do not.
    pub fn content_type(&self) -> &'static str {
        match self {
            Self::Metadata(m) if m.checksum.is_some() => "text/plain",
            Self::Metadata(_) => "application/xml",
            Self::File(file) => match file.sidecar() {
                Some(Sidecar::Checksum(_) | Sidecar::SignatureChecksum(_)) => "text/plain",
                Some(Sidecar::Signature) => "application/pgp-signature",
                None => content_type_of(file.extension()),
            },
        }
    }
}

fn content_type_of(extension: &str) -> &'static str {
    match extension.rsplit('.').next().unwrap_or(extension) {
        "pom" | "xml" => "application/xml",
        "jar" | "war" | "ear" | "aar" => "application/java-archive",
        "module" | "json" => "application/json",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// `Some(None)` for `maven-metadata.xml`, `Some(Some(a))` for its checksum, `None` otherwise.
fn metadata_name(name: &str) -> Option<Option<ChecksumAlgorithm>> {
    let rest = name.strip_prefix(METADATA_FILE)?;
    if rest.is_empty() {
        return Some(None);
    }
    ChecksumAlgorithm::from_extension(rest.strip_prefix('.')?).map(Some)
}

/// A `maven-metadata.xml` path (or its checksum): the directory and the readings it allows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetadataPath {
    dirs: Vec<String>,
    checksum: Option<ChecksumAlgorithm>,
}

/// One reading of a metadata directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MetadataScope {
    /// `g/maven-metadata.xml`: the group's plugin prefixes.
    Group { group_id: String },
    /// `g/a/maven-metadata.xml`: the artifact's versions.
    Artifact { package: PackageId },
    /// `g/a/X-SNAPSHOT/maven-metadata.xml`: the snapshot's latest build per classifier+extension.
    Snapshot { package: PackageId, base_version: String },
}

impl MetadataScope {
    /// The metadata file's path below the repository root, or its checksum's.
    pub fn path(&self, checksum: Option<ChecksumAlgorithm>) -> String {
        let dir = match self {
            Self::Group { group_id } => group_id.replace('.', "/"),
            Self::Artifact { package } => package_dir(package),
            Self::Snapshot { package, base_version } => format!("{}/{base_version}", package_dir(package)),
        };
        let checksum = checksum.map(|a| format!(".{}", a.extension())).unwrap_or_default();
        format!("{dir}/{METADATA_FILE}{checksum}")
    }
}

fn package_dir(package: &PackageId) -> String {
    let (group, artifact) = package.maven_coordinates().unwrap_or(("", package.as_str()));
    format!("{}/{artifact}", group.replace('.', "/"))
}

impl MetadataPath {
    pub fn checksum(&self) -> Option<ChecksumAlgorithm> {
        self.checksum
    }

    /// The same directory's metadata file or another of its checksums.
    pub fn with_checksum(&self, checksum: Option<ChecksumAlgorithm>) -> Self {
        Self { dirs: self.dirs.clone(), checksum }
    }

    pub fn path(&self) -> String {
        let checksum = self.checksum.map(|a| format!(".{}", a.extension())).unwrap_or_default();
        format!("{}/{METADATA_FILE}{checksum}", self.dirs.join("/"))
    }

    /// The valid readings of the directory, most specific first: snapshot (the last directory
    /// is `X-SNAPSHOT` and two come before it), artifact (at least two directories), group.
    /// Never empty for a parsed path.
    pub fn scopes(&self) -> Vec<MetadataScope> {
        let mut scopes = Vec::new();
        if let [group @ .., artifact, base] = self.dirs.as_slice()
            && base.ends_with(SNAPSHOT_SUFFIX)
            && check_version(base).is_ok()
            && TimestampedVersion::parse(base).is_none()
            && let Some(package) = package(group, artifact)
        {
            scopes.push(MetadataScope::Snapshot { package, base_version: base.clone() });
        }
        if let [group @ .., artifact] = self.dirs.as_slice()
            && let Some(package) = package(group, artifact)
        {
            scopes.push(MetadataScope::Artifact { package });
        }
        if !self.dirs.is_empty() && self.dirs.len() <= MAX_GROUP_DEPTH && self.dirs.iter().all(|d| is_group_segment(d))
        {
            scopes.push(MetadataScope::Group { group_id: self.dirs.join(".") });
        }
        scopes
    }
}

fn package(group: &[String], artifact: &str) -> Option<PackageId> {
    let group_ok = !group.is_empty() && group.len() <= MAX_GROUP_DEPTH && group.iter().all(|g| is_group_segment(g));
    if !group_ok || !is_artifact_id(artifact) {
        return None;
    }
    PackageId::parse(Ecosystem::Maven, &format!("{}:{artifact}", group.join("."))).ok()
}
