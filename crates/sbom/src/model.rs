//! The one component model every SBOM format is read into, and the normalisation that makes
//! components from different producers comparable (hash algorithm names, hex case, licence
//! placeholders, duplicate entries).
//!
//! Why normalise here: the vulnerability matcher and the policy engine compare components across
//! documents (an SPDX and a CycloneDX SBOM of the same image must agree), so every reader funnels
//! its raw fields through [`RawComponent::build`] and [`Collector::push`].

use crate::{MAX_COMPONENTS, Purl, SbomError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Which specification a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SbomFormat {
    /// SPDX 2.2 / 2.3 JSON.
    Spdx2,
    /// SPDX 3.0.x JSON-LD.
    Spdx3,
    /// CycloneDX 1.x JSON (1.4 to 1.7 tested).
    CycloneDx,
}

/// A parsed SBOM: its format, the version it declares, and its components (deduplicated, in
/// document order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sbom {
    pub format: SbomFormat,
    /// As declared: `2.3`, `3.0.1`, `1.6`; empty when the document does not say.
    pub spec_version: String,
    pub components: Vec<Component>,
}

/// One package the SBOM lists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Component {
    /// Never empty. For CycloneDX with a `group`: `group/name` when the group is an npm scope
    /// (`@angular/core`), else `group:name` (Maven `org.apache.commons:commons-lang3`).
    pub name: String,
    pub version: Option<String>,
    /// `None` when absent or not a valid purl.
    pub purl: Option<Purl>,
    /// SPDX expressions or licence names, in document order, without `NOASSERTION`/`NONE`.
    pub licenses: Vec<String>,
    pub hashes: Vec<Hash>,
}

/// A checksum of the component's artifact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hash {
    /// Normalised: `md5`, `sha1`, `sha256`, `sha512`, `sha3-256`, `blake2b-256`, `blake3`, ...
    pub algorithm: String,
    /// Lower-case hex.
    pub value: String,
}

/// A component as a reader found it, before normalisation.
#[derive(Debug, Default)]
pub(crate) struct RawComponent<'a> {
    pub name: Option<&'a str>,
    /// Replaces `name` when a reader had to build the name (CycloneDX `group` + `name`).
    pub joined_name: Option<String>,
    pub version: Option<&'a str>,
    pub purl: Option<&'a str>,
    pub licenses: Vec<String>,
    pub hashes: Vec<(&'a str, &'a str)>,
}

impl RawComponent<'_> {
    /// Normalises; `None` when the component has no name.
    pub fn build(self) -> Option<Component> {
        let name = self.joined_name.as_deref().or(self.name).map(str::trim).filter(|n| !n.is_empty())?.to_owned();
        let version = self.version.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let purl = self.purl.and_then(|p| Purl::parse(p.trim()).ok());
        let mut licenses: Vec<String> = Vec::with_capacity(self.licenses.len());
        for l in self.licenses {
            let l = l.trim();
            if is_license_placeholder(l) || licenses.iter().any(|seen| seen == l) {
                continue;
            }
            licenses.push(l.to_owned());
        }
        let mut hashes: Vec<Hash> = Vec::with_capacity(self.hashes.len());
        for h in self.hashes.into_iter().filter_map(|(alg, value)| normalise_hash(alg, value)) {
            if !hashes.contains(&h) {
                hashes.push(h);
            }
        }
        Some(Component { name, version, purl, licenses, hashes })
    }
}

/// `NOASSERTION`, `NONE` and empty strings say "no licence information", not a licence.
pub(crate) fn is_license_placeholder(l: &str) -> bool {
    let l = l.trim();
    l.is_empty() || l.eq_ignore_ascii_case("NOASSERTION") || l.eq_ignore_ascii_case("NONE")
}

/// Maps every spelling (`SHA-256`, `SHA256`, `sha256`, SPDX 3 `sha3_256`, `BLAKE2b-256`) to one
/// name; drops values that are not hex (a few producers write base64, which we cannot compare).
pub(crate) fn normalise_hash(algorithm: &str, value: &str) -> Option<Hash> {
    let value = value.trim().to_ascii_lowercase();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let key: String =
        algorithm.trim().chars().filter(|c| !matches!(c, '-' | '_' | ' ')).flat_map(char::to_lowercase).collect();
    let algorithm = match key.as_str() {
        "" => return None,
        "sha1" | "sha224" | "sha256" | "sha384" | "sha512" | "md2" | "md4" | "md5" | "md6" | "adler32" | "blake3" => {
            key
        }
        "sha3256" => "sha3-256".into(),
        "sha3384" => "sha3-384".into(),
        "sha3512" => "sha3-512".into(),
        "blake2b256" => "blake2b-256".into(),
        "blake2b384" => "blake2b-384".into(),
        "blake2b512" => "blake2b-512".into(),
        _ => algorithm.trim().to_lowercase(),
    };
    Some(Hash { algorithm, value })
}

/// Accumulates components in document order, dropping exact duplicates, and bounds the work a
/// hostile document can cause.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    seen: HashSet<Component>,
    out: Vec<Component>,
    visited: usize,
}

impl Collector {
    /// Counts every entry visited (named or not) against [`MAX_COMPONENTS`].
    pub fn push(&mut self, raw: RawComponent<'_>) -> Result<(), SbomError> {
        self.visited += 1;
        if self.visited > MAX_COMPONENTS {
            return Err(SbomError::TooManyComponents);
        }
        if let Some(c) = raw.build()
            && self.seen.insert(c.clone())
        {
            self.out.push(c);
        }
        Ok(())
    }

    pub fn finish(self) -> Vec<Component> {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_spellings_become_one_name() {
        for alg in ["SHA-256", "SHA256", "sha256", "sha_256"] {
            assert_eq!(
                normalise_hash(alg, " ABCDEF01 ").unwrap(),
                Hash { algorithm: "sha256".into(), value: "abcdef01".into() }
            );
        }
        assert_eq!(normalise_hash("sha3_256", "00").unwrap().algorithm, "sha3-256");
        assert_eq!(normalise_hash("BLAKE2b-512", "00").unwrap().algorithm, "blake2b-512");
        assert_eq!(normalise_hash("Streebog", "00").unwrap().algorithm, "streebog");
        assert!(normalise_hash("SHA-256", "not hex").is_none());
        assert!(normalise_hash("SHA-256", "").is_none());
        assert!(normalise_hash("", "00").is_none());
    }

    #[test]
    fn placeholders_and_nameless_components_are_dropped() {
        let raw = RawComponent {
            name: Some(" x "),
            version: Some(""),
            purl: Some("not a purl"),
            licenses: vec!["NOASSERTION".into(), "MIT".into(), "none".into(), "MIT".into()],
            hashes: vec![("SHA1", "AA"), ("sha-1", "aa")],
            ..Default::default()
        };
        let c = raw.build().unwrap();
        assert_eq!((c.name.as_str(), c.version, c.purl), ("x", None, None));
        assert_eq!(c.licenses, vec!["MIT".to_owned()]);
        assert_eq!(c.hashes.len(), 1);
        assert!(RawComponent { name: Some("  "), ..Default::default() }.build().is_none());
    }
}
