//! The packument (`GET /<name>`) rendered from what the registry stored: the full document
//! (`application/json`) and the abbreviated "corgi" one pacote asks for when installing
//! (`application/vnd.npm.install-v1+json`). Field names and shapes follow
//! npm/registry `docs/responses/package-metadata.md` and what registry.npmjs.org serves.

mod manifest;

pub use manifest::{readme_of, sanitize_manifest};

use arca_types::SemVer;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Media type of the abbreviated packument.
pub const ABBREVIATED_MEDIA_TYPE: &str = "application/vnd.npm.install-v1+json";

/// The `predicateType` npm's attestations endpoint lists for a provenance statement.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";

/// One published version as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    pub version: String,
    /// The package.json as published, through [`sanitize_manifest`].
    pub manifest: Value,
    /// Absolute URL the client downloads (`<base>/<tarball_path>`).
    pub tarball_url: String,
    pub integrity: String,
    pub shasum: String,
    pub file_count: Option<u64>,
    pub unpacked_size: Option<u64>,
    /// `(keyid, sig)` registry signatures.
    pub signatures: Vec<(String, String)>,
    /// Where `GET` returns the version's attestations (provenance).
    pub attestations_url: Option<String>,
    /// A deprecation message; `None` or empty when not deprecated.
    pub deprecated: Option<String>,
    /// RFC 3339 publish time.
    pub published: String,
    /// The tarball ships npm-shrinkwrap.json.
    pub has_shrinkwrap: bool,
}

/// A package as stored, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Packument {
    pub name: String,
    pub versions: Vec<StoredVersion>,
    pub dist_tags: BTreeMap<String, String>,
    pub created: String,
    pub modified: String,
    /// The readme shown for the package (the latest version's).
    pub readme: Option<String>,
}

/// Fields of a version in the abbreviated document (npm/registry package-metadata.md).
const CORGI_FIELDS: [&str; 17] = [
    "name",
    "version",
    "dependencies",
    "optionalDependencies",
    "devDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "bundleDependencies",
    "acceptDependencies",
    "bin",
    "directories",
    "engines",
    "os",
    "cpu",
    "deprecated",
    "_hasShrinkwrap",
    "hasInstallScript",
];

/// Top-level fields the full document copies from the latest version, as registry.npmjs.org does.
const LATEST_FIELDS: [&str; 9] =
    ["description", "keywords", "homepage", "repository", "bugs", "license", "author", "maintainers", "readmeFilename"];

/// The full packument.
pub fn render_full(p: &Packument) -> Value {
    let versions: Map<String, Value> =
        p.versions.iter().map(|v| (v.version.clone(), full_version(&p.name, v))).collect();
    let mut time = Map::new();
    time.insert("created".into(), json!(p.created));
    time.insert("modified".into(), json!(p.modified));
    for v in &p.versions {
        time.insert(v.version.clone(), json!(v.published));
    }
    let mut doc = Map::new();
    doc.insert("_id".into(), json!(p.name));
    doc.insert("name".into(), json!(p.name));
    doc.insert("dist-tags".into(), json!(p.dist_tags));
    doc.insert("versions".into(), Value::Object(versions));
    doc.insert("time".into(), Value::Object(time));
    if let Some(latest) = latest(p) {
        for field in LATEST_FIELDS {
            if let Some(value) = latest.manifest.get(field) {
                doc.insert(field.into(), value.clone());
            }
        }
    }
    doc.insert("readme".into(), json!(p.readme.clone().unwrap_or_default()));
    let rev = revision(&doc);
    doc.insert("_rev".into(), json!(rev));
    Value::Object(doc)
}

/// The abbreviated packument: only what installing needs.
pub fn render_abbreviated(p: &Packument) -> Value {
    let versions: Map<String, Value> = p
        .versions
        .iter()
        .map(|v| {
            let full = full_version(&p.name, v);
            let mut out: Map<String, Value> =
                CORGI_FIELDS.iter().filter_map(|f| full.get(*f).map(|x| ((*f).to_owned(), x.clone()))).collect();
            out.insert("dist".into(), full["dist"].clone());
            (v.version.clone(), Value::Object(out))
        })
        .collect();
    json!({ "name": p.name, "modified": p.modified, "dist-tags": p.dist_tags, "versions": versions })
}

/// The version `latest` points at, else the highest semver version, else the last stored.
fn latest(p: &Packument) -> Option<&StoredVersion> {
    let tagged = p.dist_tags.get("latest").and_then(|l| p.versions.iter().find(|v| &v.version == l));
    tagged
        .or_else(|| {
            p.versions
                .iter()
                .filter_map(|v| SemVer::parse(&v.version).ok().map(|s| (s, v)))
                .max_by(|a, b| a.0.cmp(&b.0))
                .map(|(_, v)| v)
        })
        .or(p.versions.last())
}

/// A version's manifest with the fields the registry owns.
fn full_version(name: &str, v: &StoredVersion) -> Value {
    let mut m = match &v.manifest {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    m.insert("name".into(), json!(name));
    m.insert("version".into(), json!(v.version));
    m.insert("_id".into(), json!(format!("{name}@{}", v.version)));
    m.remove("deprecated");
    if let Some(message) = v.deprecated.as_deref().filter(|d| !d.is_empty()) {
        m.insert("deprecated".into(), json!(message));
    }
    m.remove("_hasShrinkwrap");
    if v.has_shrinkwrap {
        m.insert("_hasShrinkwrap".into(), json!(true));
    }
    m.remove("hasInstallScript");
    if manifest::has_install_script(&v.manifest) {
        m.insert("hasInstallScript".into(), json!(true));
    }
    m.insert("dist".into(), dist(v));
    Value::Object(m)
}

fn dist(v: &StoredVersion) -> Value {
    let mut d = Map::new();
    d.insert("tarball".into(), json!(v.tarball_url));
    d.insert("shasum".into(), json!(v.shasum));
    d.insert("integrity".into(), json!(v.integrity));
    if let Some(n) = v.file_count {
        d.insert("fileCount".into(), json!(n));
    }
    if let Some(n) = v.unpacked_size {
        d.insert("unpackedSize".into(), json!(n));
    }
    if !v.signatures.is_empty() {
        let sigs: Vec<Value> = v.signatures.iter().map(|(keyid, sig)| json!({ "keyid": keyid, "sig": sig })).collect();
        d.insert("signatures".into(), Value::Array(sigs));
    }
    if let Some(url) = &v.attestations_url {
        d.insert("attestations".into(), json!({ "url": url, "provenance": { "predicateType": SLSA_PROVENANCE_V1 } }));
    }
    Value::Object(d)
}

/// A CouchDB-style revision (`1-<32 hex>`) that changes exactly when the document does, so the
/// `/-rev/<rev>` of an unpublish can be checked against the current state without storing revs.
fn revision(doc: &Map<String, Value>) -> String {
    let canonical = serde_json::to_vec(doc).unwrap_or_default();
    let digest = Sha256::digest(&canonical);
    format!("1-{}", hex::encode(&digest[..16]))
}

/// `<unscoped-name>-<version>.tgz`: the file name npm's own registry serves.
pub fn tarball_file_name(name: &str, version: &str) -> String {
    let unscoped = name.rsplit_once('/').map_or(name, |(_, bare)| bare);
    format!("{unscoped}-{version}.tgz")
}

/// `<name>/-/<unscoped-name>-<version>.tgz`, relative to the registry's base URL (the scope's `/`
/// is not escaped in tarball URLs).
pub fn tarball_path(name: &str, version: &str) -> String {
    format!("{name}/-/{}", tarball_file_name(name, version))
}

/// Whether an `Accept` header prefers the abbreviated document: `application/vnd.npm.install-v1+json`
/// listed with a q-value above 0 and at least that of `application/json` (pacote sends
/// `application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*`). No header, `*/*` or
/// `application/json` get the full document, which every client understands.
pub fn wants_abbreviated(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    let (mut corgi, mut json) = (None::<f32>, 0.0f32);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, v)| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            ABBREVIATED_MEDIA_TYPE => corgi = Some(corgi.map_or(q, |c| c.max(q))),
            "application/json" => json = json.max(q),
            _ => {}
        }
    }
    corgi.is_some_and(|c| c > 0.0 && c >= json)
}
