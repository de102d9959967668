//! A file of an artifact version: `<group/path>/<artifactId>/<baseVersion>/<file name>`, where the
//! file name is `<artifactId>-<version>[-<classifier>].<extension>` plus an optional sidecar
//! suffix (`.asc`, a checksum, or a checksum of the `.asc`).
//!
//! The name is read against the directory, never split on its own: the directory gives the
//! artifactId and the base version, so `a-1.0-sources.jar` under `a/1.0/` is classifier `sources`
//! whatever dashes the artifactId or version hold. After the version, a `-` starts a classifier
//! (which runs to the first `.`), a `.` the extension (which may hold dots: `tar.gz`).

use super::segment::{MAX_GROUP_DEPTH, is_artifact_id, is_classifier, is_extension_part, is_group_segment};
use crate::checksum::ChecksumAlgorithm;
use crate::error::{MavenError, quote};
use crate::snapshot::{Redeploy, SNAPSHOT_SUFFIX, TimestampedVersion, check_version};
use crate::time::Timestamp;
use arca_types::{Ecosystem, PackageId, PackageIdError};

/// What follows the artifact's own file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sidecar {
    /// `.md5`, `.sha1`, `.sha256`, `.sha512`.
    Checksum(ChecksumAlgorithm),
    /// `.asc`: an OpenPGP signature (maven-gpg-plugin, Gradle's signing plugin).
    Signature,
    /// `.asc.sha1` and friends: Gradle checksums its signatures too.
    SignatureChecksum(ChecksumAlgorithm),
}

impl Sidecar {
    /// The suffix after the artifact's file name: `.asc.sha256`.
    pub fn suffix(self) -> String {
        match self {
            Self::Checksum(a) => format!(".{}", a.extension()),
            Self::Signature => ".asc".to_owned(),
            Self::SignatureChecksum(a) => format!(".asc.{}", a.extension()),
        }
    }

    /// The algorithm, for checksum sidecars.
    pub fn checksum(self) -> Option<ChecksumAlgorithm> {
        match self {
            Self::Checksum(a) | Self::SignatureChecksum(a) => Some(a),
            Self::Signature => None,
        }
    }
}

/// A parsed artifact file path. Built only by parsing (or [`ArtifactFile::new`], which renders
/// and parses), so every value renders to a path that parses back to itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArtifactFile {
    package: PackageId,
    base_version: String,
    version: String,
    timestamped: Option<TimestampedVersion>,
    classifier: Option<String>,
    extension: String,
    sidecar: Option<Sidecar>,
}

impl ArtifactFile {
    /// The file of `package` (`group:artifact`) at `version` (a release, `X-SNAPSHOT`, or a
    /// timestamped snapshot), with an optional classifier and an extension (`jar`, `tar.gz`).
    pub fn new(
        package: &PackageId,
        version: &str,
        classifier: Option<&str>,
        extension: &str,
    ) -> Result<Self, MavenError> {
        let (group, artifact) = package
            .maven_coordinates()
            .ok_or_else(|| MavenError::invalid(format!("{} is not a Maven package", quote(package.as_str()))))?;
        let base = crate::snapshot::base_version(version);
        let dash_classifier = classifier.map(|c| format!("-{c}")).unwrap_or_default();
        let path =
            format!("{}/{artifact}/{base}/{artifact}-{version}{dash_classifier}.{extension}", group.replace('.', "/"));
        // Render, then parse: what parses back to the same parts is a valid file, and nothing else.
        let wanted = (version, classifier, extension);
        match super::MavenPath::parse(&path)? {
            super::MavenPath::File(file)
                if file.package == *package
                    && (file.version.as_str(), file.classifier.as_deref(), file.extension.as_str()) == wanted =>
            {
                Ok(file)
            }
            _ => Err(MavenError::invalid(format!("{} does not read back as the same artifact file", quote(&path)))),
        }
    }

    pub fn package(&self) -> &PackageId {
        &self.package
    }

    pub fn group_id(&self) -> &str {
        self.package.maven_coordinates().map_or("", |(g, _)| g)
    }

    pub fn artifact_id(&self) -> &str {
        self.package.maven_coordinates().map_or("", |(_, a)| a)
    }

    /// The version directory: a release, or `X-SNAPSHOT`.
    pub fn base_version(&self) -> &str {
        &self.base_version
    }

    /// The version in the file name: the base version, or a timestamped snapshot version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Timestamp and build number, for a timestamped snapshot file.
    pub fn timestamped(&self) -> Option<&TimestampedVersion> {
        self.timestamped.as_ref()
    }

    pub fn is_snapshot(&self) -> bool {
        self.base_version.ends_with(SNAPSHOT_SUFFIX)
    }

    pub fn classifier(&self) -> Option<&str> {
        self.classifier.as_deref()
    }

    /// The artifact's extension (`jar`, `pom`, `tar.gz`, `module`), sidecars excluded.
    pub fn extension(&self) -> &str {
        &self.extension
    }

    pub fn sidecar(&self) -> Option<Sidecar> {
        self.sidecar
    }

    /// The extension a `<snapshotVersion>` lists for this file: the artifact's, or with `.asc`
    /// for a signature (maven-gpg-plugin attaches signatures as artifacts of extension `jar.asc`).
    /// `None` for checksums, which metadata never lists.
    pub fn listed_extension(&self) -> Option<String> {
        match self.sidecar {
            None => Some(self.extension.clone()),
            Some(Sidecar::Signature) => Some(format!("{}.asc", self.extension)),
            Some(Sidecar::Checksum(_) | Sidecar::SignatureChecksum(_)) => None,
        }
    }

    /// The same artifact with another sidecar (`None`: the artifact itself).
    pub fn with_sidecar(&self, sidecar: Option<Sidecar>) -> Self {
        Self { sidecar, ..self.clone() }
    }

    /// `<artifactId>-<version>[-<classifier>].<extension>[<sidecar>]`.
    pub fn file_name(&self) -> String {
        let classifier = self.classifier.as_ref().map(|c| format!("-{c}")).unwrap_or_default();
        let sidecar = self.sidecar.map(Sidecar::suffix).unwrap_or_default();
        format!("{}-{}{classifier}.{}{sidecar}", self.artifact_id(), self.version, self.extension)
    }

    /// The path below the repository root.
    pub fn path(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.group_id().replace('.', "/"),
            self.artifact_id(),
            self.base_version,
            self.file_name()
        )
    }

    pub fn redeploy(&self) -> Redeploy {
        if self.is_snapshot() { Redeploy::Snapshot } else { Redeploy::Release }
    }

    /// Parses `<group…>/<artifactId>/<baseVersion>/<name>` given as decoded segments (at least 4).
    pub(crate) fn parse(segments: &[String]) -> Result<Self, MavenError> {
        let [group @ .., artifact, base, name] = segments else {
            return Err(MavenError::not_found("an artifact path is <group>/<artifactId>/<version>/<file>"));
        };
        if group.is_empty() {
            return Err(MavenError::not_found("an artifact path is <group>/<artifactId>/<version>/<file>"));
        }
        let package = package(group, artifact)?;
        check_base_version(base)?;
        let (main, sidecar) = split_sidecar(name);
        let rest = main.strip_prefix(artifact.as_str()).and_then(|r| r.strip_prefix('-')).ok_or_else(|| {
            MavenError::mismatch(format!("file name {} does not start with '{artifact}-'", quote(name)))
        })?;
        let (version, timestamped, tail) = split_version(base, rest, name)?;
        let (classifier, extension) = split_tail(tail, name)?;
        Ok(Self { package, base_version: base.clone(), version, timestamped, classifier, extension, sidecar })
    }
}

fn package(group: &[String], artifact: &str) -> Result<PackageId, MavenError> {
    if group.len() > MAX_GROUP_DEPTH {
        return Err(MavenError::too_large(format!("a groupId spans at most {MAX_GROUP_DEPTH} directories")));
    }
    if let Some(bad) = group.iter().find(|s| !is_group_segment(s)) {
        return Err(MavenError::not_found(format!(
            "groupId directory {} must be ASCII letters, digits, '-' or '_'",
            quote(bad)
        )));
    }
    if !is_artifact_id(artifact) {
        return Err(MavenError::not_found(format!(
            "artifactId {} must be ASCII letters, digits, '-', '_' or '.'",
            quote(artifact)
        )));
    }
    PackageId::parse(Ecosystem::Maven, &format!("{}:{artifact}", group.join("."))).map_err(|e| match e {
        PackageIdError::TooLong { .. } => MavenError::too_large(e.to_string()),
        _ => MavenError::not_found(e.to_string()),
    })
}

/// The directory holds a release or `X-SNAPSHOT`, never a timestamped version.
fn check_base_version(base: &str) -> Result<(), MavenError> {
    check_version(base).map_err(|e| MavenError::not_found(e.to_string()))?;
    if TimestampedVersion::parse(base).is_some() {
        return Err(MavenError::mismatch(format!(
            "version directory {} is timestamped: a snapshot's files live in its X-SNAPSHOT directory",
            quote(base)
        )));
    }
    Ok(())
}

/// Splits a trailing `.asc`, checksum, or `.asc` + checksum off `name`.
fn split_sidecar(name: &str) -> (&str, Option<Sidecar>) {
    let checksum = ChecksumAlgorithm::ALL.into_iter().find_map(|a| {
        let rest = name.strip_suffix(a.extension())?.strip_suffix('.')?;
        Some((rest, a))
    });
    let (rest, algorithm) = match checksum {
        Some((rest, a)) => (rest, Some(a)),
        None => (name, None),
    };
    match (rest.strip_suffix(".asc"), algorithm) {
        (Some(main), Some(a)) => (main, Some(Sidecar::SignatureChecksum(a))),
        (Some(main), None) => (main, Some(Sidecar::Signature)),
        (None, Some(a)) => (rest, Some(Sidecar::Checksum(a))),
        (None, None) => (name, None),
    }
}

/// Reads the version at the start of `rest` (the name after `<artifactId>-`) against the
/// directory's `base`: `(version, timestamp if any, what follows)`.
fn split_version<'a>(
    base: &str,
    rest: &'a str,
    name: &str,
) -> Result<(String, Option<TimestampedVersion>, &'a str), MavenError> {
    match base.strip_suffix(SNAPSHOT_SUFFIX) {
        Some(prefix) => split_snapshot_version(base, prefix, rest, name),
        None => split_release_version(base, rest, name).map(|tail| (base.to_owned(), None, tail)),
    }
}

fn split_release_version<'a>(base: &str, rest: &'a str, name: &str) -> Result<&'a str, MavenError> {
    let tail = rest.strip_prefix(base).ok_or_else(|| version_mismatch(name, base, "the version"))?;
    if tail.is_empty() {
        return Err(no_extension(name));
    }
    if !tail.starts_with(['.', '-']) {
        return Err(version_mismatch(name, base, "the version"));
    }
    // `a-1.0-20260101.000000-1.jar` in `1.0/` is a snapshot build outside its directory.
    if let Some((stamp, _)) = tail.strip_prefix('-').and_then(|t| t.split_once('-'))
        && Timestamp::parse_dotted(stamp).is_ok()
    {
        return Err(MavenError::mismatch(format!(
            "file name {} is a timestamped snapshot: it belongs in a X-SNAPSHOT directory",
            quote(name)
        )));
    }
    Ok(tail)
}

/// In `X-SNAPSHOT/`, the version is `X-SNAPSHOT` or `X-<yyyyMMdd.HHmmss>-<build>`.
fn split_snapshot_version<'a>(
    base: &str,
    prefix: &str,
    rest: &'a str,
    name: &str,
) -> Result<(String, Option<TimestampedVersion>, &'a str), MavenError> {
    let mismatch = || version_mismatch(name, base, "version X-SNAPSHOT or X-<yyyyMMdd.HHmmss>-<build>");
    let after = rest.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')).ok_or_else(mismatch)?;
    if after == "SNAPSHOT" {
        return Err(no_extension(name));
    }
    if let Some(tail) = after.strip_prefix("SNAPSHOT").filter(|t| t.starts_with(['.', '-'])) {
        return Ok((base.to_owned(), None, tail));
    }
    // `yyyyMMdd.HHmmss-` (16 bytes), then the build number's digits.
    let digits = after.get(16..).map_or(0, |b| b.bytes().take_while(u8::is_ascii_digit).count());
    let end = 16 + digits;
    let version = format!("{prefix}-{}", after.get(..end).ok_or_else(mismatch)?);
    let tail = &after[end..];
    match TimestampedVersion::parse(&version) {
        Some(_) if tail.is_empty() => Err(no_extension(name)),
        Some(t) if tail.starts_with(['.', '-']) && t.base_version() == base => Ok((version, Some(t), tail)),
        _ => Err(mismatch()),
    }
}

fn version_mismatch(name: &str, base: &str, expected: &str) -> MavenError {
    MavenError::mismatch(format!(
        "file name {} does not carry {expected} of its directory {}",
        quote(name),
        quote(base)
    ))
}

fn no_extension(name: &str) -> MavenError {
    MavenError::not_found(format!("file name {} has no extension", quote(name)))
}

/// `-<classifier>.<extension>` or `.<extension>`.
fn split_tail(tail: &str, name: &str) -> Result<(Option<String>, String), MavenError> {
    let (classifier, extension) = match tail.strip_prefix('-') {
        Some(c) => {
            let (classifier, extension) = c.split_once('.').ok_or_else(|| no_extension(name))?;
            if !is_classifier(classifier) {
                return Err(MavenError::not_found(format!(
                    "classifier {} must be ASCII letters, digits, '-' or '_'",
                    quote(classifier)
                )));
            }
            (Some(classifier.to_owned()), extension)
        }
        None => (None, tail.strip_prefix('.').unwrap_or(tail)),
    };
    check_extension(extension, name)?;
    Ok((classifier, extension.to_owned()))
}

fn check_extension(extension: &str, name: &str) -> Result<(), MavenError> {
    let parts: Vec<&str> = extension.split('.').collect();
    if extension.is_empty() || !parts.iter().all(|p| is_extension_part(p)) {
        return Err(MavenError::not_found(format!(
            "file name {} needs an extension of ASCII letters, digits, '-', '_' and dots",
            quote(name)
        )));
    }
    // `a-1.0.1.jar` in `1.0/`: the file belongs to another version, whatever a lax parser says.
    if parts[0].bytes().all(|b| b.is_ascii_digit()) {
        return Err(MavenError::mismatch(format!(
            "file name {} carries a longer version than its directory",
            quote(name)
        )));
    }
    let last = parts[parts.len() - 1];
    if last == "asc" || ChecksumAlgorithm::from_extension(last).is_some() {
        return Err(MavenError::not_found(format!(
            "file name {}: signatures and checksums are not signed or checksummed again",
            quote(name)
        )));
    }
    Ok(())
}
