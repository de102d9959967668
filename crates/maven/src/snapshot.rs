//! Version rules: which versions are snapshots, the timestamped form a deployed snapshot file
//! takes, how a path's version is checked, and which old snapshot builds retention may drop.
//!
//! Maven calls a version a snapshot when it ends with `SNAPSHOT` or is timestamped
//! (`^(.*-)?([0-9]{8}\.[0-9]{6}-[0-9]+)$`, maven-resolver's `DefaultArtifact`); the *base version*
//! of `1.0-20261130.035200-2` is `1.0-SNAPSHOT`. Maven's own two readings disagree on case
//! (maven-core's `ArtifactUtils` ignores it, the resolver does not), so arca accepts exactly
//! `<X>-SNAPSHOT` and refuses every other spelling ending in `snapshot` (`1.0SNAPSHOT`,
//! `1.0-snapshot`): one client could otherwise deploy as mutable what another reads as a release.

use crate::error::{MavenError, quote};
use crate::time::Timestamp;
use arca_types::MavenVersion;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// What a snapshot base version ends with.
pub const SNAPSHOT_SUFFIX: &str = "-SNAPSHOT";

/// A timestamped snapshot version, `<X>-<yyyyMMdd.HHmmss>-<buildNumber>`: the version in the file
/// names of a snapshot deployed by Maven or Gradle, inside the `<X>-SNAPSHOT/` directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimestampedVersion {
    /// `X`, the base version without `-SNAPSHOT`.
    prefix: String,
    timestamp: Timestamp,
    build_number: u32,
}

impl TimestampedVersion {
    /// The build `build_number` of `base_version` (`X-SNAPSHOT`) deployed at `timestamp`.
    pub fn new(base_version: &str, timestamp: Timestamp, build_number: u32) -> Result<Self, MavenError> {
        check_version(base_version)?;
        match base_version.strip_suffix(SNAPSHOT_SUFFIX) {
            Some(prefix) => Ok(Self { prefix: prefix.to_owned(), timestamp, build_number }),
            None => Err(MavenError::invalid(format!("{} is not a snapshot version", quote(base_version)))),
        }
    }

    /// `Some` when `version` is `<X>-<yyyyMMdd.HHmmss>-<N>` with a non-empty `X`, a real date and
    /// a build number without leading zeros (as Maven writes it, so that the text round-trips).
    pub fn parse(version: &str) -> Option<Self> {
        let (rest, build) = version.rsplit_once('-')?;
        let canonical = !build.is_empty() && build.bytes().all(|b| b.is_ascii_digit()) && !build.starts_with('0');
        let build_number = build.parse().ok().filter(|_| canonical)?;
        let (prefix, stamp) = rest.rsplit_once('-')?;
        if prefix.is_empty() || stamp.len() != 15 {
            return None;
        }
        let timestamp = Timestamp::parse_dotted(stamp).ok()?;
        Some(Self { prefix: prefix.to_owned(), timestamp, build_number })
    }

    /// `X-SNAPSHOT`: the directory this version's files live in.
    pub fn base_version(&self) -> String {
        format!("{}{SNAPSHOT_SUFFIX}", self.prefix)
    }

    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    pub fn build_number(&self) -> u32 {
        self.build_number
    }
}

impl fmt::Display for TimestampedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.prefix, self.timestamp.dotted(), self.build_number)
    }
}

/// Whether Maven treats `version` as a snapshot: `X-SNAPSHOT` or timestamped.
pub fn is_snapshot(version: &str) -> bool {
    version.ends_with(SNAPSHOT_SUFFIX) || TimestampedVersion::parse(version).is_some()
}

/// The base version: `X-SNAPSHOT` for a timestamped version, the version itself otherwise.
pub fn base_version(version: &str) -> Cow<'_, str> {
    match TimestampedVersion::parse(version) {
        Some(t) => Cow::Owned(t.base_version()),
        None => Cow::Borrowed(version),
    }
}

/// Whether a character may appear in a version of a path: what Maven versions use in practice
/// (`1.0`, `2.0.0-rc.1`, `1.0+build.5`, `1_0~beta`), all of them unreserved in a URL but `+`.
pub(crate) fn version_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'+' | b'~')
}

/// A version arca accepts as a directory or file-name version: Maven's ordering can read it (not
/// empty, at most 256 bytes), it starts with neither `.` nor `-`, uses ASCII letters, digits and `. - _ + ~` only,
/// and spells a snapshot `X-SNAPSHOT` (see the module docs).
pub fn check_version(version: &str) -> Result<(), MavenError> {
    if let Err(e) = MavenVersion::parse(version) {
        return Err(MavenError::invalid(format!("invalid version {}: {e}", quote(version))));
    }
    if version.starts_with(['.', '-']) {
        return Err(MavenError::invalid(format!("invalid version {}: it starts with '.' or '-'", quote(version))));
    }
    if !version.bytes().all(version_char) {
        return Err(MavenError::invalid(format!(
            "invalid version {}: use ASCII letters, digits and . - _ + ~",
            quote(version)
        )));
    }
    let upper = version.to_ascii_uppercase();
    if upper.ends_with("SNAPSHOT") && !version.ends_with(SNAPSHOT_SUFFIX) {
        return Err(MavenError::invalid(format!("invalid version {}: spell a snapshot X-SNAPSHOT", quote(version))));
    }
    Ok(())
}

/// What re-deploying a path means. arca-maven only classifies; the integrator decides (e.g. refuse
/// a release file whose bytes differ, accept an identical one as a client retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Redeploy {
    /// `maven-metadata.xml` and its checksums: every deploy GETs, merges and re-PUTs them, and
    /// the server regenerates them anyway, so a re-PUT is always accepted, even in an immutable
    /// repository (Reposilite and Nexus do the same).
    Metadata,
    /// A file of a snapshot directory. Timestamped names are unique per build, so a second PUT is
    /// a retry; plain `X-SNAPSHOT` names (sbt, `uniqueVersion=false`) are overwritten by design.
    Snapshot,
    /// A release file: immutable once stored (Nexus answers 400, Reposilite 409 to a redeploy).
    Release,
}

impl Redeploy {
    /// Whether a PUT may replace what is stored at the path, given whether the bytes are identical:
    /// metadata and snapshot files always; a release file only with the same bytes (a retried
    /// transfer, or a re-run CI job deploying what is already there, changes nothing).
    pub fn allows_overwrite(self, identical: bool) -> bool {
        match self {
            Self::Metadata | Self::Snapshot => true,
            Self::Release => identical,
        }
    }
}

/// Snapshot retention: of the timestamped `versions` given (others are ignored), those to drop so
/// that only the newest `keep` builds of each base version remain. Builds are ordered by
/// timestamp, then build number; duplicates count once. The result is sorted by base version,
/// oldest build first. Keep at least 1: the newest build is the one the metadata points at.
pub fn snapshots_to_drop<'a>(versions: impl IntoIterator<Item = &'a str>, keep: usize) -> Vec<String> {
    let mut by_base: BTreeMap<String, Vec<TimestampedVersion>> = BTreeMap::new();
    for version in versions {
        if let Some(t) = TimestampedVersion::parse(version) {
            by_base.entry(t.base_version()).or_default().push(t);
        }
    }
    let mut drop = Vec::new();
    for builds in by_base.values_mut() {
        builds.sort_by_key(|t| (t.timestamp, t.build_number));
        builds.dedup();
        let old = builds.len().saturating_sub(keep);
        drop.extend(builds[..old].iter().map(ToString::to_string));
    }
    drop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamped_versions_round_trip() {
        let t = TimestampedVersion::parse("0.2.0-20261130.035200-2").unwrap();
        assert_eq!((t.base_version().as_str(), t.build_number()), ("0.2.0-SNAPSHOT", 2));
        assert_eq!(t.timestamp().compact(), "20261130035200");
        assert_eq!(t.to_string(), "0.2.0-20261130.035200-2");
        let with_dash = TimestampedVersion::parse("1.0-rc-1-20261130.035200-13").unwrap();
        assert_eq!(with_dash.base_version(), "1.0-rc-1-SNAPSHOT");
        let built = TimestampedVersion::new("1.0-SNAPSHOT", t.timestamp(), 7).unwrap();
        assert_eq!(built.to_string(), "1.0-20261130.035200-7");
        assert!(TimestampedVersion::new("1.0", t.timestamp(), 1).is_err());
    }

    #[test]
    fn near_misses_are_not_timestamped() {
        for v in [
            "1.0",
            "1.0-SNAPSHOT",
            "20261130.035200-1",
            "1.0-20261130.035200-",
            "1.0-20261130.035200-01",
            "1.0-20261130.035200-x",
            "1.0-20261130035200-1",
            "1.0-20261131.035200-1",
            "1.0-20261130.035200-99999999999",
        ] {
            assert!(TimestampedVersion::parse(v).is_none(), "{v}");
        }
    }

    #[test]
    fn snapshot_and_base_versions() {
        assert!(is_snapshot("1.0-SNAPSHOT") && is_snapshot("1.0-20261130.035200-2"));
        assert!(!is_snapshot("1.0") && !is_snapshot("1.0-snapshot-1"));
        assert_eq!(base_version("1.0-20261130.035200-2"), "1.0-SNAPSHOT");
        assert_eq!(base_version("1.0"), "1.0");
    }

    #[test]
    fn versions_in_paths() {
        for ok in ["1.0", "1.0-SNAPSHOT", "2.0.0-rc.1", "1.0+build.5", "r09", "1_0~beta"] {
            assert!(check_version(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".1", "-1", "1.0 ", "1/0", "1%2e0", "1.0SNAPSHOT", "1.0-snapshot", "SNAPSHOT", "-SNAPSHOT"] {
            assert!(check_version(bad).is_err(), "{bad:?}");
        }
        assert!(check_version(&"1".repeat(257)).is_err());
    }

    #[test]
    fn only_releases_refuse_different_bytes() {
        assert!(Redeploy::Metadata.allows_overwrite(false) && Redeploy::Snapshot.allows_overwrite(false));
        assert!(Redeploy::Release.allows_overwrite(true) && !Redeploy::Release.allows_overwrite(false));
    }

    #[test]
    fn retention_keeps_the_newest_builds_of_each_base() {
        let versions = [
            "1.0-20260101.000000-1",
            "1.0-20260102.000000-2",
            "1.0-20260103.000000-3",
            "1.0-20260103.000000-3",
            "2.0-20260101.000000-1",
            "2.0-SNAPSHOT",
            "1.0",
        ];
        assert_eq!(snapshots_to_drop(versions, 1), ["1.0-20260101.000000-1", "1.0-20260102.000000-2"]);
        assert_eq!(snapshots_to_drop(versions, 2), ["1.0-20260101.000000-1"]);
        assert!(snapshots_to_drop(versions, 3).is_empty());
        assert_eq!(snapshots_to_drop(versions, 0).len(), 4);
    }
}
