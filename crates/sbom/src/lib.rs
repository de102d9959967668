//! SBOMs (SPDX 2.2/2.3 JSON, SPDX 3.0 JSON-LD, CycloneDX 1.4–1.7 JSON) read into one component
//! model, plus package URLs.
//!
//! Why one lenient reader instead of the format crates: `cyclonedx-bom` stops at spec 1.5 while
//! syft writes 1.7, `spdx-rs` has no SPDX 3, and real documents bend every schema (missing
//! versions, `NOASSERTION` licences, both SPDX 2 `referenceCategory` spellings). The registry needs
//! only name, version, purl, licences and hashes per component, so each reader pulls those from a
//! `serde_json::Value` and ignores everything else.
//!
//! Architecture invariant: no I/O, no async, no signature checks. Callers verify DSSE envelopes
//! and Sigstore bundles themselves and pass the verified payload (an in-toto Statement whose
//! predicate is the SBOM, or the SBOM itself).
//!
//! Hostile input: documents over [`MAX_SBOM_BYTES`] are refused before parsing; JSON nesting is
//! bounded by serde_json's recursion limit (128); at most [`MAX_COMPONENTS`] component entries are
//! visited. Memory is roughly 5–10× the document size while the JSON tree is alive (a 64 MiB
//! SBOM may need ~600 MiB), so callers that accept many concurrent uploads should bound
//! concurrency. Real SBOMs are far smaller: a large container image's syft SBOM is a few MiB.

mod cyclonedx;
mod detect;
mod error;
mod json;
mod model;
pub mod purl;
mod spdx2;
mod spdx3;

pub use detect::{is_sbom_media_type, is_sbom_predicate_type, sniff};
pub use error::SbomError;
pub use model::{Component, Hash, Sbom, SbomFormat};
pub use purl::{Purl, PurlError};

/// Largest document [`parse`] accepts, in bytes (64 MiB).
pub const MAX_SBOM_BYTES: usize = 64 * 1024 * 1024;

/// Most component entries [`parse`] visits (nested CycloneDX components included) before it
/// gives up with [`SbomError::TooManyComponents`].
pub const MAX_COMPONENTS: usize = 1_000_000;

/// Parses an SBOM. The format comes from the content; `declared_media_type` only breaks ties for
/// documents without a format marker. Components without a name are skipped, identical
/// components are kept once, `NOASSERTION`/`NONE` licences are dropped, purls that do not parse
/// become `None`.
pub fn parse(bytes: &[u8], declared_media_type: Option<&str>) -> Result<Sbom, SbomError> {
    if bytes.len() > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge { len: bytes.len() });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    detect::reject_non_json(bytes, declared_media_type)?;
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(SbomError::InvalidJson)?;
    let (doc, hint) = detect::unwrap(&value, declared_media_type)?;
    let format = detect::classify(&doc, hint).ok_or(SbomError::UnknownFormat)?;
    let (spec_version, components) = match format {
        SbomFormat::Spdx2 => (spdx2::spec_version(&doc), spdx2::components(&doc)?),
        SbomFormat::Spdx3 => (spdx3::spec_version(&doc), spdx3::components(&doc)?),
        SbomFormat::CycloneDx => (cyclonedx::spec_version(&doc), cyclonedx::components(&doc)?),
    };
    Ok(Sbom { format, spec_version, components })
}
