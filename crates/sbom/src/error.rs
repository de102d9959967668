//! Why a byte string yielded no SBOM. Codes are stable: the API returns them and logs index them.

use crate::{MAX_COMPONENTS, MAX_SBOM_BYTES};

/// Why [`crate::parse`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error("the SBOM is {len} bytes; at most {MAX_SBOM_BYTES} are accepted")]
    TooLarge { len: usize },
    #[error("the SBOM is not valid JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
    /// XML or SPDX tag-value: recognised, but only JSON serialisations are read.
    #[error("the SBOM is {0}; only JSON serialisations are supported")]
    UnsupportedEncoding(&'static str),
    /// A DSSE envelope or Sigstore bundle: verify and unwrap it first, then pass the payload.
    #[error("the document is a signed envelope ({0}); verify it and pass the payload")]
    SignedEnvelope(&'static str),
    #[error("the in-toto statement's predicate is not an SBOM: {0}")]
    NotAnSbomPredicate(String),
    #[error("the JSON is not an SPDX 2, SPDX 3 or CycloneDX document")]
    UnknownFormat,
    #[error("the SBOM lists more than {MAX_COMPONENTS} components")]
    TooManyComponents,
}

impl SbomError {
    /// Stable code (for the management API and logs).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "sbom_too_large",
            Self::InvalidJson(_) => "sbom_invalid_json",
            Self::UnsupportedEncoding(_) => "sbom_unsupported_encoding",
            Self::SignedEnvelope(_) => "sbom_signed_envelope",
            Self::NotAnSbomPredicate(_) => "sbom_not_an_sbom_predicate",
            Self::UnknownFormat => "sbom_unknown_format",
            Self::TooManyComponents => "sbom_too_many_components",
        }
    }
}
