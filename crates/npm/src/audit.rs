//! `npm audit`: the bulk advisory endpoint (`POST /-/npm/v1/security/advisories/bulk`).
//!
//! The request maps each installed package name to the versions installed (arborist's
//! `prepareBulkData`; npm sends it gzip-compressed, the HTTP layer inflates it). The answer maps
//! each affected name to its advisories in the shape `@npmcli/metavuln-calculator` reads: `id`,
//! `url`, `title`, `severity`, `vulnerable_versions` (a node-semver range), `cwe`, `cvss`.

use crate::NpmError;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// At most this many packages in one request (a large monorepo has a few thousand).
pub const MAX_BULK_PACKAGES: usize = 20_000;
/// At most this many versions of one package.
pub const MAX_BULK_VERSIONS: usize = 1_000;
/// Longest name or version accepted.
const MAX_TEXT: usize = 256;

/// The request body of the bulk endpoint.
#[derive(Debug)]
pub struct BulkRequest;

impl BulkRequest {
    /// `{"name": ["1.0.0", "1.0.1"], …}`, bounded; duplicate versions are folded.
    pub fn parse(json: &[u8]) -> Result<BTreeMap<String, Vec<String>>, NpmError> {
        let invalid = |why: &str| NpmError::InvalidRequest(format!("audit request: {why}"));
        let raw: BTreeMap<String, Vec<String>> = serde_json::from_slice(json)
            .map_err(|_| invalid("expected an object of package names to arrays of versions"))?;
        if raw.len() > MAX_BULK_PACKAGES {
            return Err(invalid("too many packages"));
        }
        raw.into_iter()
            .map(|(name, mut versions)| {
                if name.is_empty() || name.len() > MAX_TEXT || versions.len() > MAX_BULK_VERSIONS {
                    return Err(invalid("a package name or its version list is out of bounds"));
                }
                if versions.iter().any(|v| v.is_empty() || v.len() > MAX_TEXT) {
                    return Err(invalid("a version is empty or too long"));
                }
                versions.sort();
                versions.dedup();
                Ok((name, versions))
            })
            .collect()
    }
}

/// An advisory's severity, as npm names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Moderate,
    High,
    Critical,
}

/// The CVSS part of an advisory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cvss {
    pub score: f64,
    #[serde(rename = "vectorString")]
    pub vector_string: Option<String>,
}

/// One advisory of the bulk answer. `id` is a number on registry.npmjs.org (GitHub's advisory
/// database id); npm only uses it as a key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkAdvisory {
    pub id: u64,
    pub url: String,
    pub title: String,
    pub severity: Severity,
    pub vulnerable_versions: String,
    pub cwe: Vec<String>,
    pub cvss: Cvss,
}

/// The answer body; names without advisories are simply absent.
pub fn render_bulk(map: BTreeMap<String, Vec<BulkAdvisory>>) -> Value {
    let map: BTreeMap<String, Vec<BulkAdvisory>> = map.into_iter().filter(|(_, a)| !a.is_empty()).collect();
    serde_json::to_value(map).unwrap_or_default()
}

/// One event of an OSV `SEMVER` range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OsvEvent {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    /// Upper bound of the search, not of the vulnerability; npm's ranges have no use for it.
    Limit(String),
}

/// An OSV range's events as a node-semver range: each introduced..fixed interval becomes
/// `>=a <b` (`<b` when introduced at `0`), an interval ending in `last_affected` `>=a <=b`, an
/// open one `>=a`; intervals are joined by ` || `. Events are read in the order given (OSV lists
/// them sorted). No interval at all yields `<0.0.0-0`, node-semver's range matching nothing.
pub fn osv_range_to_npm(events: &[OsvEvent]) -> String {
    let mut intervals = Vec::new();
    let mut open: Option<&str> = None;
    for event in events {
        match event {
            OsvEvent::Introduced(v) => {
                if let Some(start) = open.replace(v) {
                    intervals.push(lower(start).unwrap_or_else(|| ">=0".to_owned()));
                }
            }
            OsvEvent::Fixed(v) => intervals.extend(open.take().map(|s| join(lower(s), format!("<{v}")))),
            OsvEvent::LastAffected(v) => intervals.extend(open.take().map(|s| join(lower(s), format!("<={v}")))),
            OsvEvent::Limit(_) => {}
        }
    }
    if let Some(start) = open {
        intervals.push(lower(start).unwrap_or_else(|| ">=0".to_owned()));
    }
    if intervals.is_empty() { "<0.0.0-0".to_owned() } else { intervals.join(" || ") }
}

/// `>=v`, or nothing for OSV's "from the beginning" (`0`).
fn lower(introduced: &str) -> Option<String> {
    (!matches!(introduced, "0" | "0.0.0" | "")).then(|| format!(">={introduced}"))
}

fn join(lower: Option<String>, upper: String) -> String {
    match lower {
        Some(l) => format!("{l} {upper}"),
        None => upper,
    }
}
