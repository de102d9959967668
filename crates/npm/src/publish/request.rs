//! What a publish body asks for, checked: one version of the package the URL names, its tags, its
//! attachments and the digests the client claims. libnpmpublish's `buildMetadata` is the model of
//! a valid body; anything it would not produce is refused with a message the user can act on.

use super::{AttachmentMeta, PublishDoc};
use crate::{NpmError, integrity, range};
use arca_types::{Ecosystem, PackageId, SemVer};
use serde_json::{Map, Value};

/// What a `PUT /<name>` body is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocKind {
    /// A new version with its tarball.
    Publish,
    /// The stored document sent back changed: `npm deprecate` / `npm undeprecate` (see
    /// [`deprecations`]), or a star.
    MetadataUpdate,
    /// The stored document sent back without these versions (`npm unpublish pkg@v`).
    Unpublish { removed: Vec<String> },
}

/// A checked publish of one version.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishRequest {
    pub name: String,
    pub version: String,
    /// Tag → version, every version being [`Self::version`].
    pub dist_tags: Vec<(String, String)>,
    /// `versions[version]` as sent (see `crate::sanitize_manifest` before storing it).
    pub manifest: Value,
    /// `dist.integrity` as the client computed it.
    pub claimed_integrity: Option<String>,
    /// `dist.shasum` as the client computed it.
    pub claimed_shasum: Option<String>,
    /// `<name>-<version>.tgz`.
    pub tarball_key: String,
    /// `<name>-<version>.sigstore`, sent by `npm publish --provenance`.
    pub sigstore_key: Option<String>,
    /// `public` or `restricted`; npm sends `null` unless `--access` or `publishConfig` says.
    pub access: Option<String>,
}

impl PublishRequest {
    /// Checks a publish body against the package name of its URL (`@scope/name` or
    /// `@scope%2fname`).
    pub fn from_doc(url_name: &str, doc: &PublishDoc) -> Result<Self, NpmError> {
        let root = doc.doc.as_object().ok_or(NpmError::NotAnObject)?;
        let name = checked_name(url_name, root)?;
        let (version, manifest) = single_version(root)?;
        check_manifest(&name, &version, manifest)?;
        let dist_tags = dist_tags(root, &version)?;
        let (tarball_key, sigstore_key) = attachment_keys(&name, &version, &doc.attachments)?;
        let (claimed_integrity, claimed_shasum) = claimed_digests(manifest)?;
        Ok(Self {
            name,
            version,
            dist_tags,
            manifest: manifest.clone(),
            claimed_integrity,
            claimed_shasum,
            tarball_key,
            sigstore_key,
            access: access(root)?,
        })
    }
}

fn str_field<'a>(map: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, NpmError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(NpmError::field(field, "must be a string")),
    }
}

/// `name` (and `_id`, when sent) must be the URL's package, a valid npm name.
fn checked_name(url_name: &str, root: &Map<String, Value>) -> Result<String, NpmError> {
    let expected = url_name.replace("%2f", "/").replace("%2F", "/");
    let name = str_field(root, "name")?.ok_or_else(|| NpmError::field("name", "is required"))?;
    for found in [Some(name), str_field(root, "_id")?].into_iter().flatten() {
        if found != expected {
            return Err(NpmError::NameMismatch { expected: expected.clone(), found: found.to_owned() });
        }
    }
    PackageId::parse(Ecosystem::Npm, name)
        .map_err(|e| NpmError::InvalidName { name: name.to_owned(), reason: e.to_string() })?;
    Ok(name.to_owned())
}

fn single_version(root: &Map<String, Value>) -> Result<(String, &Value), NpmError> {
    let versions = root
        .get("versions")
        .and_then(Value::as_object)
        .ok_or_else(|| NpmError::field("versions", "must be an object"))?;
    let mut entries = versions.iter();
    match (entries.next(), entries.next()) {
        (Some((version, manifest)), None) => Ok((version.clone(), manifest)),
        _ => Err(NpmError::VersionCount(versions.len())),
    }
}

/// The version's own `name`, `version` and `_id` agree with where it sits.
fn check_manifest(name: &str, version: &str, manifest: &Value) -> Result<(), NpmError> {
    SemVer::parse(version)
        .map_err(|e| NpmError::InvalidVersion { version: version.to_owned(), reason: e.to_string() })?;
    let m = manifest.as_object().ok_or_else(|| NpmError::field(format!("versions.{version}"), "must be an object"))?;
    if let Some(found) = str_field(m, "name")?.filter(|n| *n != name) {
        return Err(NpmError::NameMismatch { expected: name.to_owned(), found: found.to_owned() });
    }
    if str_field(m, "version")? != Some(version) {
        return Err(NpmError::field(format!("versions.{version}.version"), "must be the version it is listed under"));
    }
    let id = format!("{name}@{version}");
    if str_field(m, "_id")?.is_some_and(|found| found != id) {
        return Err(NpmError::field(format!("versions.{version}._id"), "must be <name>@<version>"));
    }
    Ok(())
}

/// Every tag of a publish points at the version published (npm sends exactly one).
fn dist_tags(root: &Map<String, Value>, version: &str) -> Result<Vec<(String, String)>, NpmError> {
    let Some(tags) = root.get("dist-tags") else { return Ok(Vec::new()) };
    let tags = tags.as_object().ok_or_else(|| NpmError::field("dist-tags", "must be an object"))?;
    tags.iter()
        .map(|(tag, target)| {
            validate_dist_tag(tag)?;
            match target.as_str() {
                Some(v) if v == version => Ok((tag.clone(), v.to_owned())),
                _ => Err(NpmError::InvalidTag { tag: tag.clone(), reason: "a publish tags the version it publishes" }),
            }
        })
        .collect()
}

/// The `.tgz` attachment is `<name>-<version>.tgz`, the only other one allowed is the provenance
/// bundle `<name>-<version>.sigstore`; the tarball's `length`, when given, is its decoded size.
fn attachment_keys(
    name: &str,
    version: &str,
    attachments: &[AttachmentMeta],
) -> Result<(String, Option<String>), NpmError> {
    let tarball_key = format!("{name}-{version}.tgz");
    let sigstore_key = format!("{name}-{version}.sigstore");
    for a in attachments {
        if a.key != tarball_key && a.key != sigstore_key {
            return Err(NpmError::UnexpectedAttachment(a.key.chars().take(120).collect()));
        }
    }
    let tarball =
        attachments.iter().find(|a| a.key == tarball_key).ok_or(NpmError::MissingTarball(tarball_key.clone()))?;
    if tarball.decoded_len == 0 {
        return Err(NpmError::InvalidAttachment(tarball_key, "is empty"));
    }
    if tarball.length.is_some_and(|len| len != tarball.decoded_len) {
        return Err(NpmError::InvalidAttachment(tarball_key, "length does not match its data"));
    }
    let sigstore = attachments.iter().any(|a| a.key == sigstore_key).then_some(sigstore_key);
    Ok((tarball_key, sigstore))
}

fn claimed_digests(manifest: &Value) -> Result<(Option<String>, Option<String>), NpmError> {
    let Some(dist) = manifest.get("dist") else { return Ok((None, None)) };
    let dist = dist.as_object().ok_or_else(|| NpmError::field("dist", "must be an object"))?;
    let integrity = str_field(dist, "integrity")?;
    let shasum = str_field(dist, "shasum")?;
    if let Some(i) = integrity {
        integrity::parse_sri(i)?;
    }
    if let Some(s) = shasum {
        integrity::parse_shasum(s)?;
    }
    Ok((integrity.map(str::to_owned), shasum.map(str::to_owned)))
}

fn access(root: &Map<String, Value>) -> Result<Option<String>, NpmError> {
    match str_field(root, "access")? {
        None => Ok(None),
        Some(a @ ("public" | "restricted")) => Ok(Some(a.to_owned())),
        Some(_) => Err(NpmError::field("access", "must be public or restricted")),
    }
}

/// A dist-tag npm would send: not empty, at most 256 bytes, no whitespace or control characters,
/// and not a semver range (`1.x`, `^2`, `1.0.0`: npm itself refuses these with "Tag name must not
/// be a valid SemVer range", so that `pkg@<tag>` and `pkg@<range>` never collide).
pub fn validate_dist_tag(tag: &str) -> Result<(), NpmError> {
    let refuse = |reason| Err(NpmError::InvalidTag { tag: tag.chars().take(64).collect(), reason });
    if tag.is_empty() || tag.len() > 256 {
        return refuse("a tag has 1 to 256 bytes");
    }
    if tag.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse("a tag has no whitespace or control characters");
    }
    if range::is_semver_range(tag) {
        return refuse("a tag must not be a valid semver range");
    }
    Ok(())
}

/// `versions[v].deprecated` of every version in a document, in version-key order: `Some(message)`
/// to deprecate, `Some("")` to undeprecate (what `npm undeprecate` sends), `None` when the field is
/// absent or not a string. Compare with the stored state to find what changed.
pub fn deprecations(doc: &Value) -> Vec<(String, Option<String>)> {
    let Some(versions) = doc.get("versions").and_then(Value::as_object) else { return Vec::new() };
    versions.iter().map(|(v, m)| (v.clone(), m.get("deprecated").and_then(Value::as_str).map(str::to_owned))).collect()
}
