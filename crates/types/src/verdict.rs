//! The outcome of checking one signature, attestation or signed bundle against a set of trust roots.
//!
//! Shared by every verifier (cosign keys, DSSE, Sigstore bundles, notation) so that the registry
//! stores, caches and explains them the same way whatever produced them.

use serde::{Deserialize, Serialize};

/// What verifying one attachment found. `Valid` is the only outcome a gate counts as "signed".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The signature verifies under a trusted key and covers the subject. `signer` names the key
    /// (`sha256:<hex of the DER SubjectPublicKeyInfo>`) or the certificate identity that signed.
    Valid { signer: String },
    /// The signature is malformed, does not verify, or covers something else; `reason` says which.
    Invalid { reason: String },
    /// Well-formed, but signed by a key or certificate no configured trust root holds.
    UntrustedKey { signer: String },
    /// A kind arca cannot verify (an unknown envelope, algorithm or layout); `reason` says what.
    Unsupported { reason: String },
    /// Keyless (Fulcio certificate, Rekor entry): not verifiable without the public-good instance.
    KeylessNotVerifiable { identity: Option<String> },
}

impl Verdict {
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self::Invalid { reason: reason.into() }
    }

    pub fn unsupported(reason: impl Into<String>) -> Self {
        Self::Unsupported { reason: reason.into() }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid { .. })
    }

    /// One line for people: `valid (signed by sha256:…)`, `invalid: signature does not verify`, …
    pub fn explain(&self) -> String {
        match self {
            Self::Valid { signer } => format!("valid (signed by {signer})"),
            Self::Invalid { reason } => format!("invalid: {reason}"),
            Self::UntrustedKey { signer } => format!("untrusted key: {signer}"),
            Self::Unsupported { reason } => format!("unsupported: {reason}"),
            Self::KeylessNotVerifiable { identity: Some(id) } => format!("keyless ({id}): not verifiable offline"),
            Self::KeylessNotVerifiable { identity: None } => "keyless: not verifiable offline".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_serialize_with_a_tag() {
        let v = Verdict::invalid("wrong digest");
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"verdict":"invalid","reason":"wrong digest"}"#);
        assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), v);
        assert!(Verdict::Valid { signer: "k".into() }.is_valid());
        assert_eq!(Verdict::KeylessNotVerifiable { identity: None }.explain(), "keyless: not verifiable offline");
    }
}
