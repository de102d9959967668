//! Maven's repository formats, pure: the protocol crate (`proto-maven`, routes under
//! `/maven/<repo>/`) parses requests and documents with this crate and answers with what it
//! renders; the storage use cases keep what it extracts.
//!
//! Architecture invariant: no async, no network, no filesystem. Every parser of untrusted input
//! (request paths, POMs, `maven-metadata.xml`, plugin descriptors, checksum files, timestamps) is
//! bounded, property-tested and fuzzed (`fuzz/fuzz_targets/maven_*`), and refuses with a
//! [`MavenError`] whose message is one line of ASCII, fit for the HTTP reason phrase Maven prints.
//!
//! - [`path`]: [`MavenPath::parse`] reads `<group>/<artifactId>/<baseVersion>/<file>` (artifact
//!   files, snapshots, `.asc` and checksum sidecars) and `maven-metadata.xml` at its three levels.
//! - [`pom`]: [`Pom`] coordinates with `<parent>` inheritance, checked against the deploy path;
//!   plugin prefixes; [`PluginDescriptor`] (`META-INF/maven/plugin.xml`).
//! - [`metadata`]: [`Metadata`] read leniently from clients, generated from stored versions
//!   ([`artifact_metadata`], [`snapshot_metadata`], [`group_metadata`]), written as Maven writes it.
//! - [`checksum`]: [`ChecksumHasher`] (md5, sha1, sha256, sha512 at once), checksum files, headers.
//! - [`snapshot`]: snapshot versions, the version rules of a path, [`Redeploy`], retention.
//! - [`time`]: `yyyyMMdd.HHmmss` and `yyyyMMddHHmmss`.
//!
//! Versions are ordered by `arca_types`' Maven `ComparableVersion` port; package names are
//! `arca_types::PackageId`s of `Ecosystem::Maven` (`group:artifact`).

pub mod checksum;
mod error;
pub mod metadata;
pub mod path;
pub mod pom;
pub mod snapshot;
pub mod time;
mod xml;

pub use checksum::{ChecksumAlgorithm, ChecksumHasher, FileChecksums, MAX_CHECKSUM_FILE_BYTES, parse_checksum_file};
pub use error::{ErrorKind, MavenError};
pub use metadata::{
    MODEL_VERSION, Metadata, Plugin, Snapshot, SnapshotFile, SnapshotVersion, Versioning, artifact_metadata,
    group_metadata, snapshot_metadata,
};
pub use path::{
    ArtifactFile, MAX_GROUP_DEPTH, MAX_MATRIX_PARAMS, MAX_PATH_LEN, MAX_SEGMENT_LEN, METADATA_FILE, MavenPath,
    MetadataPath, MetadataScope, Sidecar, split_matrix_params,
};
pub use pom::{Parent, PluginDescriptor, Pom, Scm, goal_prefix_from_artifact_id};
pub use snapshot::{
    Redeploy, SNAPSHOT_SUFFIX, TimestampedVersion, base_version, check_version, is_snapshot, snapshots_to_drop,
};
pub use time::Timestamp;
pub use xml::XmlLimits;
