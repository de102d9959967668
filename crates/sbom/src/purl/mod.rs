//! Package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`).
//!
//! Why a purl of our own: every SBOM format names a component's identity with a purl, and the
//! vulnerability matcher indexes components by it, so two spellings of one package must become one
//! value. The parser follows the purl specification's "how to parse" steps (right to left: `#`,
//! `?`, scheme, type, `@`, name, namespace), percent-decodes each part, then applies the per-type
//! rules in [`types`] (pypi names lowercased with `_`/`.` runs as `-`, npm/deb/apk/... lowercased,
//! maven needs a namespace, ...). `Display` writes the canonical form, so
//! `Purl::parse(&p.to_string()) == Ok(p)` for every parsed or built purl.
//!
//! Canonical encoding (purl-spec, current test suite): every byte except ASCII letters, digits,
//! `.-_~` and `:` is percent-encoded (upper-case hex) in namespace segments, the name, the
//! version, qualifier values and subpath segments. So `@scope` is `%40scope`, a `/` inside a
//! qualifier value is `%2F`, and `sha256:abc` stays as is.

mod types;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Longest purl text accepted, in bytes. Real purls are well under 1 KiB; qualifiers such as
/// `download_url` make a few KiB at most.
pub const MAX_PURL_LEN: usize = 16 * 1024;

/// Bytes kept literal in the canonical form: unreserved characters plus `:`.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b':');

/// A parsed, normalised package URL. Build one with [`Purl::parse`] or [`Purl::new`]; the fields
/// are public for reading (a hand-built value that skips normalisation may not round-trip).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Purl {
    /// Lower-case package type (`npm`, `pypi`, `maven`, ...).
    pub ty: String,
    /// Decoded namespace segments joined by `/` (npm scope `@angular`, maven groupId, Go module
    /// path prefix, distro vendor).
    pub namespace: Option<String>,
    /// Decoded name.
    pub name: String,
    /// Decoded version.
    pub version: Option<String>,
    /// Decoded qualifiers with lower-case keys, sorted by key, no empty values, no duplicate keys.
    pub qualifiers: Vec<(String, String)>,
    /// Decoded subpath segments joined by `/` (no empty, `.` or `..` segments).
    pub subpath: Option<String>,
}

/// Why a text is not a purl. Codes are stable (logs, API).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurlError {
    #[error("a purl is at most {MAX_PURL_LEN} bytes")]
    TooLong,
    #[error("a purl starts with the scheme `pkg:`")]
    MissingScheme,
    #[error("purl type {0:?} is missing or invalid (ASCII letters, digits, `.+-`; starts with a letter)")]
    InvalidType(String),
    #[error("a purl needs a name")]
    MissingName,
    #[error("purl namespace is invalid: {0}")]
    InvalidNamespace(String),
    #[error("purl subpath is invalid: {0}")]
    InvalidSubpath(String),
    #[error("purl qualifier is invalid: {0}")]
    InvalidQualifier(String),
    #[error("a percent-encoded purl component is not UTF-8")]
    InvalidEncoding,
}

impl PurlError {
    /// Stable code (for the management API and logs).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLong => "purl_too_long",
            Self::MissingScheme => "purl_missing_scheme",
            Self::InvalidType(_) => "purl_invalid_type",
            Self::MissingName => "purl_missing_name",
            Self::InvalidNamespace(_) => "purl_invalid_namespace",
            Self::InvalidSubpath(_) => "purl_invalid_subpath",
            Self::InvalidQualifier(_) => "purl_invalid_qualifier",
            Self::InvalidEncoding => "purl_invalid_encoding",
        }
    }
}

impl Purl {
    /// Parses and normalises a purl.
    pub fn parse(s: &str) -> Result<Self, PurlError> {
        if s.len() > MAX_PURL_LEN {
            return Err(PurlError::TooLong);
        }
        let (rest, subpath) = match s.rsplit_once('#') {
            Some((rest, sub)) => (rest, Some(decode_segments(sub, true)?)),
            None => (s, None),
        };
        let (rest, qualifiers) = match rest.rsplit_once('?') {
            Some((rest, q)) => (rest, parse_qualifiers(q)?),
            None => (rest, Vec::new()),
        };
        let (scheme, rest) = rest.split_once(':').ok_or(PurlError::MissingScheme)?;
        if !scheme.eq_ignore_ascii_case("pkg") {
            return Err(PurlError::MissingScheme);
        }
        let rest = rest.trim_start_matches('/');
        let (ty, rest) = rest.split_once('/').ok_or_else(|| PurlError::InvalidType(rest.to_owned()))?;
        let (rest, version) = split_version(rest.trim_end_matches('/'))?;
        let (namespace, name) = match rest.rsplit_once('/') {
            Some((ns, name)) => (Some(decode_segments(ns, false)?), decode(name)?),
            None => (None, decode(rest)?),
        };
        let raw = Self { ty: ty.to_owned(), namespace, name, version, qualifiers, subpath };
        raw.normalised()
    }

    /// Builds a purl from decoded parts, applying the same checks and normalisation as
    /// [`Purl::parse`]. `namespace` and `subpath` are split on `/`; qualifiers are validated,
    /// lower-cased, sorted, and empty values dropped.
    pub fn new(
        ty: &str,
        namespace: Option<&str>,
        name: &str,
        version: Option<&str>,
        qualifiers: &[(&str, &str)],
        subpath: Option<&str>,
    ) -> Result<Self, PurlError> {
        let mut q = Vec::with_capacity(qualifiers.len());
        for (k, v) in qualifiers {
            push_qualifier(&mut q, k, v.to_string())?;
        }
        let raw = Self {
            ty: ty.to_owned(),
            namespace: namespace.map(|ns| join_segments(ns.split('/'), false)),
            name: name.to_owned(),
            version: version.map(str::to_owned),
            qualifiers: q,
            subpath: subpath.map(|sp| join_segments(sp.split('/'), true)),
        };
        raw.normalised()
    }

    /// `pkg:type/namespace/name` (canonical encoding), without version, qualifiers or subpath:
    /// the key for "every version of this package" (advisory matching ignores qualifiers and
    /// subpath too).
    pub fn without_version(&self) -> String {
        let mut out = String::with_capacity(8 + self.ty.len() + self.name.len());
        out.push_str("pkg:");
        out.push_str(&self.ty);
        out.push('/');
        if let Some(ns) = &self.namespace {
            push_segments(&mut out, ns);
            out.push('/');
        }
        out.extend(utf8_percent_encode(&self.name, ENCODE));
        out
    }

    /// The value of a qualifier (keys are lower-case).
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn normalised(mut self) -> Result<Self, PurlError> {
        self.ty = validate_type(&self.ty)?;
        self.namespace = self.namespace.filter(|ns| !ns.is_empty());
        self.version = self.version.filter(|v| !v.is_empty());
        self.subpath = self.subpath.filter(|sp| !sp.is_empty());
        if self.namespace.as_deref().is_some_and(|ns| ns.split('/').any(str::is_empty)) {
            return Err(PurlError::InvalidNamespace("empty segment".into()));
        }
        self.qualifiers.sort();
        types::normalise(&mut self)?;
        if self.name.is_empty() {
            return Err(PurlError::MissingName);
        }
        Ok(self)
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.without_version())?;
        if let Some(v) = &self.version {
            write!(f, "@{}", utf8_percent_encode(v, ENCODE))?;
        }
        for (i, (k, v)) in self.qualifiers.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(f, "{sep}{k}={}", utf8_percent_encode(v, ENCODE))?;
        }
        if let Some(sp) = &self.subpath {
            let mut out = String::new();
            push_segments(&mut out, sp);
            write!(f, "#{out}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Purl {
    type Err = PurlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Serialised as the canonical purl string.
impl Serialize for Purl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Purl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Type: ASCII letters, digits, `.`, `+`, `-`; starts with a letter; lower-cased.
fn validate_type(ty: &str) -> Result<String, PurlError> {
    let ok = ty.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && ty.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
    if ok { Ok(ty.to_ascii_lowercase()) } else { Err(PurlError::InvalidType(ty.to_owned())) }
}

/// Splits `namespace/name@version`: the version starts at the last `@` after the last `/`, so
/// an unencoded npm scope (`@babel/core`) is not taken for a version.
fn split_version(rest: &str) -> Result<(&str, Option<String>), PurlError> {
    let name_start = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[name_start..].rfind('@') {
        Some(at) => {
            let at = name_start + at;
            Ok((&rest[..at], Some(decode(&rest[at + 1..])?)))
        }
        None => Ok((rest, None)),
    }
}

fn decode(s: &str) -> Result<String, PurlError> {
    percent_decode_str(s).decode_utf8().map(|c| c.into_owned()).map_err(|_| PurlError::InvalidEncoding)
}

/// Decodes `/`-separated segments and joins them again, dropping empty segments (and `.`/`..`
/// for subpaths). A namespace segment that decodes to something containing `/` is rejected,
/// since it could not be written back unambiguously.
fn decode_segments(s: &str, is_subpath: bool) -> Result<String, PurlError> {
    let mut parts = Vec::new();
    for seg in s.split('/') {
        let d = decode(seg)?;
        if d.contains('/') {
            let msg = format!("segment {d:?} contains '/'");
            return Err(if is_subpath { PurlError::InvalidSubpath(msg) } else { PurlError::InvalidNamespace(msg) });
        }
        parts.push(d);
    }
    Ok(join_segments(parts.iter().map(String::as_str), is_subpath))
}

fn join_segments<'a>(segments: impl Iterator<Item = &'a str>, is_subpath: bool) -> String {
    let keep = |s: &&str| !s.is_empty() && !(is_subpath && (*s == "." || *s == ".."));
    segments.filter(keep).collect::<Vec<_>>().join("/")
}

fn push_segments(out: &mut String, joined: &str) {
    for (i, seg) in joined.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.extend(utf8_percent_encode(seg, ENCODE));
    }
}

fn parse_qualifiers(q: &str) -> Result<Vec<(String, String)>, PurlError> {
    let mut out = Vec::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(|| PurlError::InvalidQualifier(format!("{pair:?} has no '='")))?;
        push_qualifier(&mut out, k, decode(v)?)?;
    }
    Ok(out)
}

/// Keys: ASCII letters, digits, `.-_`, not starting with a digit; lower-cased; unique.
/// Empty values mean "absent".
fn push_qualifier(out: &mut Vec<(String, String)>, key: &str, value: String) -> Result<(), PurlError> {
    let valid = key.chars().next().is_some_and(|c| !c.is_ascii_digit())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !valid {
        return Err(PurlError::InvalidQualifier(format!("key {key:?}")));
    }
    let key = key.to_ascii_lowercase();
    if out.iter().any(|(k, _)| *k == key) {
        return Err(PurlError::InvalidQualifier(format!("duplicate key {key:?}")));
    }
    if !value.is_empty() {
        out.push((key, value));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
