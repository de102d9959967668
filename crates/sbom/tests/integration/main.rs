//! One integration test binary for the crate (linking is the slow part on small machines).

mod fixtures;
mod properties;
mod purl_vectors;

use arca_sbom::Component;

/// Reads `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A component as plain strings, so expectations read as a table.
#[derive(Debug, PartialEq, Eq)]
pub struct Flat {
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub licenses: Vec<String>,
    pub hashes: Vec<String>,
}

pub fn flat(c: &Component) -> Flat {
    Flat {
        name: c.name.clone(),
        version: c.version.clone(),
        purl: c.purl.as_ref().map(ToString::to_string),
        licenses: c.licenses.clone(),
        hashes: c.hashes.iter().map(|h| format!("{}:{}", h.algorithm, h.value)).collect(),
    }
}

/// Shorthand constructor: `f("name", Some("1.0"), Some("pkg:..."), &["MIT"], &["sha256:ab"])`.
pub fn f(name: &str, version: Option<&str>, purl: Option<&str>, licenses: &[&str], hashes: &[&str]) -> Flat {
    Flat {
        name: name.into(),
        version: version.map(Into::into),
        purl: purl.map(Into::into),
        licenses: licenses.iter().map(|s| s.to_string()).collect(),
        hashes: hashes.iter().map(|s| s.to_string()).collect(),
    }
}
