//! Which format a document is, decided from its content.
//!
//! Why not trust the media type: producers mislabel. CycloneDX arrives as `application/spdx+json`,
//! cosign's legacy `.sbom` layers say `text/spdx+json`, Harbor's accessory says
//! `application/vnd.goharbor.harbor.sbom.v1` for either format, the trivy plugin says
//! `application/json`. The declared type is only a tie-breaker for documents that lack their
//! format marker (`bomFormat`, `spdxVersion`, an SPDX `@context`).
//!
//! in-toto Statements (`_type` v0.1 or v1, as `cosign attest --type spdxjson|cyclonedx` writes
//! them) are unwrapped to their predicate. Signed wrappers (DSSE envelopes, Sigstore bundles) are
//! refused: the caller must verify the signature and pass the verified payload, never let this
//! crate read unverified bytes as if they were attested.

use crate::json::str_field;
use crate::{SbomError, SbomFormat, spdx3};
use serde_json::Value;
use std::borrow::Cow;

/// Media types that carry an SBOM (parameters such as `;version=1.6` and case are ignored).
const SBOM_MEDIA_TYPES: &[&str] = &[
    "application/spdx+json",
    "application/spdx+xml",
    "text/spdx",
    "text/spdx+json",
    "text/spdx+xml",
    "application/vnd.cyclonedx",
    "application/vnd.cyclonedx+json",
    "application/vnd.cyclonedx+xml",
    "application/vnd.syft+json",
    "application/vnd.goharbor.harbor.sbom.v1",
    "application/vnd.dev.cosign.artifact.sbom.v1+json",
];

/// Predicate type prefixes of SBOM attestations (versioned or not).
const SBOM_PREDICATE_PREFIXES: &[&str] = &["https://spdx.dev/Document", "https://cyclonedx.org/bom"];

/// Is `media_type` one of the types SBOMs are stored under? Parameters and case are ignored.
pub fn is_sbom_media_type(media_type: &str) -> bool {
    SBOM_MEDIA_TYPES.contains(&essence(media_type).as_str())
}

/// Is `predicate_type` an SBOM predicate (`https://spdx.dev/Document`, `…/Document/v2.3`,
/// `https://cyclonedx.org/bom`, `…/bom/v1.5`, …)? Matched by prefix at a path boundary.
pub fn is_sbom_predicate_type(predicate_type: &str) -> bool {
    predicate_format(predicate_type).is_some()
}

/// The format an SBOM predicate type names (SPDX 2 unless it says v3).
fn predicate_format(predicate_type: &str) -> Option<SbomFormat> {
    let t = predicate_type.trim();
    let prefix = SBOM_PREDICATE_PREFIXES.iter().find(|p| {
        t.strip_prefix(**p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
    })?;
    Some(match *prefix {
        "https://cyclonedx.org/bom" => SbomFormat::CycloneDx,
        _ if t.contains("/v3") => SbomFormat::Spdx3,
        _ => SbomFormat::Spdx2,
    })
}

/// `Application/SPDX+JSON; charset=utf-8` → `application/spdx+json`.
fn essence(media_type: &str) -> String {
    media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// The format a declared media type suggests, if it says.
fn media_type_format(media_type: &str) -> Option<SbomFormat> {
    let m = essence(media_type);
    if m.contains("cyclonedx") {
        Some(SbomFormat::CycloneDx)
    } else if m.contains("spdx") {
        Some(SbomFormat::Spdx2)
    } else {
        None
    }
}

/// Cheap content sniffing over the raw bytes: looks for each format's marker keys. Does not
/// parse, so it can be wrong on adversarial input; [`crate::parse`] decides on the parsed JSON.
pub fn sniff(bytes: &[u8]) -> Option<SbomFormat> {
    let has = |needle: &str| contains(bytes, needle.as_bytes());
    if has("\"bomFormat\"") && has("CycloneDX") {
        Some(SbomFormat::CycloneDx)
    } else if has("\"spdxVersion\"") && has("SPDX-2") {
        Some(SbomFormat::Spdx2)
    } else if has("\"@graph\"") && has("spdx.org/rdf/3") {
        Some(SbomFormat::Spdx3)
    } else {
        None
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Rejects non-JSON serialisations we recognise, with a useful error.
pub(crate) fn reject_non_json(bytes: &[u8], declared: Option<&str>) -> Result<(), SbomError> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).map_or(&[][..], |i| &bytes[i..]);
    let declared_xml = declared.is_some_and(|m| essence(m).ends_with("+xml"));
    if start.starts_with(b"<") || (declared_xml && !start.starts_with(b"{")) {
        return Err(SbomError::UnsupportedEncoding("XML"));
    }
    if start.starts_with(b"SPDXVersion:") || start.starts_with(b"##") {
        return Err(SbomError::UnsupportedEncoding("SPDX tag-value"));
    }
    Ok(())
}

/// The SBOM document inside `v` (the predicate of an in-toto Statement, or `v` itself) and the
/// format its wrapper or the caller suggested.
pub(crate) fn unwrap<'a>(
    v: &'a Value,
    declared: Option<&str>,
) -> Result<(Cow<'a, Value>, Option<SbomFormat>), SbomError> {
    if v.get("payloadType").is_some() && v.get("payload").is_some() {
        return Err(SbomError::SignedEnvelope("DSSE envelope"));
    }
    if str_field(v, "mediaType").is_some_and(|m| m.starts_with("application/vnd.dev.sigstore.bundle")) {
        return Err(SbomError::SignedEnvelope("Sigstore bundle"));
    }
    let hint = declared.and_then(media_type_format);
    if !str_field(v, "_type").is_some_and(|t| t.starts_with("https://in-toto.io/Statement/")) {
        return Ok((Cow::Borrowed(v), hint));
    }
    let predicate_type = str_field(v, "predicateType").unwrap_or_default();
    let Some(format) = predicate_format(predicate_type) else {
        return Err(SbomError::NotAnSbomPredicate(predicate_type.chars().take(200).collect()));
    };
    Ok((predicate_document(v.get("predicate").unwrap_or(&Value::Null))?, Some(format)))
}

/// The predicate as a document: an object as is; a string (or cosign's `{"Data": "..."}` for
/// predicates it could not parse) parsed as JSON.
fn predicate_document(p: &Value) -> Result<Cow<'_, Value>, SbomError> {
    let text = match p {
        Value::String(s) => s.as_str(),
        Value::Object(o) if o.len() == 1 && o.get("Data").is_some_and(Value::is_string) => {
            o.get("Data").and_then(Value::as_str).unwrap_or_default()
        }
        _ => return Ok(Cow::Borrowed(p)),
    };
    serde_json::from_str(text).map(Cow::Owned).map_err(SbomError::InvalidJson)
}

/// The format of a parsed document: its own marker first, then the hint for documents that lack
/// one but have the format's component list.
pub(crate) fn classify(doc: &Value, hint: Option<SbomFormat>) -> Option<SbomFormat> {
    if str_field(doc, "bomFormat").is_some_and(|f| f.eq_ignore_ascii_case("CycloneDX")) {
        return Some(SbomFormat::CycloneDx);
    }
    if str_field(doc, "spdxVersion").is_some_and(|v| v.trim_start().starts_with("SPDX-2")) {
        return Some(SbomFormat::Spdx2);
    }
    let spdx3_context = spdx3::contexts(doc).iter().any(|c| c.contains("spdx.org/rdf/3"));
    if spdx3_context || (doc.get("@graph").is_some_and(Value::is_array) && hint.is_some()) {
        return Some(SbomFormat::Spdx3);
    }
    match hint? {
        SbomFormat::CycloneDx if doc.get("components").is_some_and(Value::is_array) => Some(SbomFormat::CycloneDx),
        SbomFormat::Spdx2 | SbomFormat::Spdx3 if doc.get("packages").is_some_and(Value::is_array) => {
            Some(SbomFormat::Spdx2)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_ignore_parameters_and_case() {
        assert!(is_sbom_media_type("application/vnd.cyclonedx+json; version=1.6"));
        assert!(is_sbom_media_type("Application/SPDX+JSON"));
        assert!(is_sbom_media_type("text/spdx+json"));
        assert!(is_sbom_media_type("application/vnd.goharbor.harbor.sbom.v1"));
        assert!(!is_sbom_media_type("application/json"));
        assert!(!is_sbom_media_type("application/vnd.oci.image.manifest.v1+json"));
    }

    #[test]
    fn predicate_types_match_by_prefix_at_a_boundary() {
        for t in [
            "https://spdx.dev/Document",
            "https://spdx.dev/Document/v2.3",
            "https://spdx.dev/Document/v3",
            "https://cyclonedx.org/bom",
            "https://cyclonedx.org/bom/v1.5",
        ] {
            assert!(is_sbom_predicate_type(t), "{t}");
        }
        assert!(!is_sbom_predicate_type("https://spdx.dev/Documentary"));
        assert!(!is_sbom_predicate_type("https://slsa.dev/provenance/v1"));
        assert_eq!(predicate_format("https://spdx.dev/Document/v3"), Some(SbomFormat::Spdx3));
        assert_eq!(predicate_format("https://cyclonedx.org/bom/v1.6"), Some(SbomFormat::CycloneDx));
    }

    #[test]
    fn sniff_finds_markers() {
        assert_eq!(sniff(br#"{"bomFormat": "CycloneDX"}"#), Some(SbomFormat::CycloneDx));
        assert_eq!(sniff(br#"{"spdxVersion":"SPDX-2.3"}"#), Some(SbomFormat::Spdx2));
        assert_eq!(
            sniff(br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}"#),
            Some(SbomFormat::Spdx3)
        );
        assert_eq!(sniff(b"{}"), None);
        assert_eq!(sniff(b""), None);
    }
}
