//! DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse v1): the envelope cosign attest,
//! Sigstore bundles and in-toto use to sign a typed payload.
//!
//! Signatures cover `PAE(payloadType, payload)`, never the JSON, so the envelope can be re-encoded
//! freely; consumers must parse the payload from the exact bytes that verified. Base64 may be
//! standard or URL-safe, padded or not (the spec says verifiers MUST accept both alphabets);
//! `keyid` is an unauthenticated hint and is ignored when choosing a key.

use std::collections::BTreeSet;

use arca_types::Verdict;
use serde::{Deserialize, Serialize};

use crate::encoding::{b64_decode, b64_encode};
use crate::keys::{KeyError, PublicKey, SigningKey};

/// The payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A parsed envelope with decoded payload and signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub payload_type: String,
    pub payload: Vec<u8>,
    pub signatures: Vec<Signature>,
}

/// One signature; `keyid` is `""` when absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub keyid: String,
    pub sig: Vec<u8>,
}

/// Why an envelope could not be read. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsseError {
    #[error("envelope is not JSON of the DSSE shape: {0}")]
    Json(String),
    #[error("{0} is not base64")]
    Base64(&'static str),
}

impl DsseError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json(_) => "dsse.json",
            Self::Base64(_) => "dsse.base64",
        }
    }
}

/// The envelope's JSON shape (shared with Sigstore bundles' `dsseEnvelope`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RawEnvelope {
    pub payload: String,
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    #[serde(default)]
    pub signatures: Vec<RawSignature>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RawSignature {
    pub sig: String,
    #[serde(default)]
    pub keyid: Option<String>,
}

impl RawEnvelope {
    pub(crate) fn decode(self) -> Result<Envelope, DsseError> {
        let payload = b64_decode(&self.payload).ok_or(DsseError::Base64("payload"))?;
        let signatures = self
            .signatures
            .into_iter()
            .map(|s| {
                let sig = b64_decode(&s.sig).ok_or(DsseError::Base64("signature"))?;
                Ok(Signature { keyid: s.keyid.unwrap_or_default(), sig })
            })
            .collect::<Result<_, DsseError>>()?;
        Ok(Envelope { payload_type: self.payload_type, payload, signatures })
    }
}

impl From<&Envelope> for RawEnvelope {
    fn from(envelope: &Envelope) -> Self {
        RawEnvelope {
            payload: b64_encode(&envelope.payload),
            payload_type: envelope.payload_type.clone(),
            signatures: envelope
                .signatures
                .iter()
                .map(|s| RawSignature { sig: b64_encode(&s.sig), keyid: Some(s.keyid.clone()) })
                .collect(),
        }
    }
}

impl Envelope {
    /// Reads an envelope's JSON; unknown fields are ignored, as the spec requires.
    pub fn parse(json: &[u8]) -> Result<Self, DsseError> {
        let raw: RawEnvelope = serde_json::from_slice(json).map_err(|e| DsseError::Json(e.to_string()))?;
        raw.decode()
    }

    /// `{"payload":…,"payloadType":…,"signatures":[{"sig":…,"keyid":…}]}`, standard base64.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&RawEnvelope::from(self)).unwrap_or_default()
    }

    /// The bytes every signature covers.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }
}

/// Pre-Authentication Encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in
/// ASCII decimal bytes (of the UTF-8 type, not its characters).
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {} {} ", payload_type.len(), payload_type, payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Signs `payload` into a one-signature envelope with an empty `keyid` (as cosign does).
pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey) -> Result<Envelope, KeyError> {
    let sig = key.sign(&pae(payload_type, payload))?;
    Ok(Envelope {
        payload_type: payload_type.to_owned(),
        payload: payload.to_vec(),
        signatures: vec![Signature { keyid: String::new(), sig }],
    })
}

/// `Valid` with the signing root's fingerprint if any signature verifies under any root. When none
/// does: `Invalid` if roots were given (we cannot tell a stranger's key from tampering, see
/// `simple_signing`), `UntrustedKey` if there were no roots to try.
pub fn verify(envelope: &Envelope, roots: &[PublicKey]) -> Verdict {
    verify_threshold(envelope, roots, 1)
}

/// DSSE's `(t, n)` rule: `Valid` when at least `threshold` *distinct* roots each verify some
/// signature; `signer` lists their fingerprints, comma-separated. A threshold of 0 counts as 1.
pub fn verify_threshold(envelope: &Envelope, roots: &[PublicKey], threshold: usize) -> Verdict {
    if envelope.signatures.is_empty() {
        return Verdict::invalid("envelope has no signatures");
    }
    if roots.is_empty() {
        return Verdict::UntrustedKey { signer: "unknown key".into() };
    }
    let message = envelope.pae();
    let signers: BTreeSet<String> = roots
        .iter()
        .filter(|root| envelope.signatures.iter().any(|s| root.verify(&message, &s.sig)))
        .map(PublicKey::fingerprint)
        .collect();
    if signers.is_empty() {
        return Verdict::invalid("no signature verifies under any trusted key");
    }
    if signers.len() < threshold.max(1) {
        return Verdict::invalid(format!("{} distinct trusted signers, {threshold} required", signers.len()));
    }
    Verdict::Valid { signer: signers.into_iter().collect::<Vec<_>>().join(",") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_spec_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn parse_ignores_unknown_fields_and_defaults_keyid() {
        let env =
            Envelope::parse(br#"{"payload":"aGk","payloadType":"t","signatures":[{"sig":"AQI"}],"x":1}"#).unwrap();
        assert_eq!(env.payload, b"hi");
        assert_eq!(env.signatures, vec![Signature { keyid: String::new(), sig: vec![1, 2] }]);
        assert_eq!(Envelope::parse(br#"{"payload":"!","payloadType":"t"}"#).unwrap_err().code(), "dsse.base64");
        assert_eq!(Envelope::parse(b"{}").unwrap_err().code(), "dsse.json");
    }
}
