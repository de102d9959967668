//! Sigstore bundles (`dev.sigstore.bundle.v1.Bundle` in proto3 JSON): what cosign v3 stores as an
//! OCI 1.1 referrer, and what GitHub's attest actions and slsa-github-generator publish.
//!
//! Proto3 JSON: lowerCamelCase names (the proto's snake_case names are accepted too), `bytes` as
//! standard base64, `int64` as strings. We read the verification material and content, and keep
//! transparency-log entries and timestamps as opaque JSON: arca verifies *keyed* bundles offline
//! (as `cosign verify --key … --insecure-ignore-tlog` does, and which sigstore-rs cannot do), and
//! reports keyless (Fulcio certificate) bundles as `KeylessNotVerifiable` with the certificate's
//! subjectAltName, since checking them needs Sigstore's trusted root and transparency log.
//!
//! A message-signature bundle signs the artifact bytes themselves (ECDSA hashes them internally),
//! so it can only be verified with those bytes: [`verify_artifact`]. [`verify`], which knows only
//! the digest, checks that the digest matches and then answers `Unsupported`.

use arca_types::Verdict;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::der;
use crate::dsse::{self, Envelope, IN_TOTO_PAYLOAD_TYPE, RawEnvelope};
use crate::encoding::{b64_decode, b64_encode};
use crate::intoto::Statement;
use crate::keys::{KeyError, PublicKey, SigningKey};

/// The v0.3 media type, which cosign v3 writes.
pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Every bundle media type accepted (v0.3 and the older `…bundle+json;version=0.x` forms).
pub const BUNDLE_MEDIA_TYPES: [&str; 4] = [
    BUNDLE_V03_MEDIA_TYPE,
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
];

/// A parsed bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    pub media_type: String,
    pub key_material: KeyMaterial,
    /// `verificationMaterial.tlogEntries`, uninterpreted.
    pub tlog_entries: Vec<Value>,
    pub content: Content,
}

/// Who signed, as the bundle says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    /// A keyed bundle: `publicKey.hint` (conventionally base64(sha256(SPKI)), but free text).
    PublicKey { hint: String },
    /// Keyless: the DER leaf certificate (`certificate.rawBytes`, or the first of
    /// `x509CertificateChain.certificates`).
    Certificate { der: Vec<u8> },
}

/// What was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Dsse(Envelope),
    /// A signature over the artifact bytes; `digest` is the artifact's `algorithm` digest.
    MessageSignature {
        algorithm: String,
        digest: Vec<u8>,
        signature: Vec<u8>,
    },
}

/// Why a bundle could not be read. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("not a Sigstore bundle: {0}")]
    Json(String),
    #[error("unsupported bundle media type {0:?}")]
    MediaType(String),
    #[error("bundle has no public key hint or certificate")]
    NoKeyMaterial,
    #[error("bundle has neither dsseEnvelope nor messageSignature")]
    NoContent,
    #[error("{0} is not base64")]
    Base64(&'static str),
}

impl BundleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json(_) => "bundle.json",
            Self::MediaType(_) => "bundle.media_type",
            Self::NoKeyMaterial => "bundle.no_key_material",
            Self::NoContent => "bundle.no_content",
            Self::Base64(_) => "bundle.base64",
        }
    }
}

/// The outcome of verifying a bundle, with the statement when a DSSE one verified.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleOutcome {
    pub verdict: Verdict,
    pub statement: Option<Statement>,
}

impl BundleOutcome {
    fn of(verdict: Verdict) -> Self {
        Self { verdict, statement: None }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle {
    #[serde(alias = "media_type")]
    media_type: String,
    #[serde(alias = "verification_material")]
    verification_material: RawMaterial,
    #[serde(alias = "dsse_envelope", default, skip_serializing_if = "Option::is_none")]
    dsse_envelope: Option<RawEnvelope>,
    #[serde(alias = "message_signature", default, skip_serializing_if = "Option::is_none")]
    message_signature: Option<RawMessageSignature>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawMaterial {
    #[serde(alias = "public_key", default, skip_serializing_if = "Option::is_none")]
    public_key: Option<RawHint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    certificate: Option<RawCert>,
    #[serde(alias = "x509_certificate_chain", default, skip_serializing_if = "Option::is_none")]
    x509_certificate_chain: Option<RawChain>,
    #[serde(alias = "tlog_entries", default)]
    tlog_entries: Option<Vec<Value>>,
}

#[derive(Serialize, Deserialize)]
struct RawHint {
    #[serde(default)]
    hint: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    #[serde(alias = "raw_bytes")]
    raw_bytes: String,
}

#[derive(Serialize, Deserialize)]
struct RawChain {
    #[serde(default)]
    certificates: Vec<RawCert>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessageSignature {
    #[serde(alias = "message_digest", default)]
    message_digest: Option<RawDigest>,
    signature: String,
}

#[derive(Serialize, Deserialize)]
struct RawDigest {
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    digest: Option<String>,
}

impl Bundle {
    /// Reads a bundle's JSON. Unknown fields are ignored.
    pub fn parse(json: &[u8]) -> Result<Self, BundleError> {
        let raw: RawBundle = serde_json::from_slice(json).map_err(|e| BundleError::Json(e.to_string()))?;
        if !BUNDLE_MEDIA_TYPES.contains(&raw.media_type.as_str()) {
            return Err(BundleError::MediaType(raw.media_type));
        }
        let material = raw.verification_material;
        let key_material = key_material(&material)?;
        let content = match (raw.dsse_envelope, raw.message_signature) {
            (Some(envelope), _) => Content::Dsse(envelope.decode().map_err(|_| BundleError::Base64("dsseEnvelope"))?),
            (None, Some(message)) => message_content(message)?,
            (None, None) => return Err(BundleError::NoContent),
        };
        Ok(Self {
            media_type: raw.media_type,
            key_material,
            tlog_entries: material.tlog_entries.unwrap_or_default(),
            content,
        })
    }

    /// A keyed v0.3 bundle of a DSSE-signed in-toto statement, with no tlog entries: what
    /// `cosign attest`/`sign --key --tlog-upload=false` would produce, accepted by
    /// `cosign verify --key … --insecure-ignore-tlog`.
    pub fn keyed_dsse(statement_json: &[u8], key: &SigningKey) -> Result<Self, KeyError> {
        let envelope = dsse::sign(IN_TOTO_PAYLOAD_TYPE, statement_json, key)?;
        Ok(Self {
            media_type: BUNDLE_V03_MEDIA_TYPE.into(),
            key_material: KeyMaterial::PublicKey { hint: key.public_key().hint() },
            tlog_entries: Vec::new(),
            content: Content::Dsse(envelope),
        })
    }

    /// Proto3 JSON (camelCase, base64 bytes).
    pub fn to_json(&self) -> String {
        let mut material = RawMaterial { tlog_entries: Some(self.tlog_entries.clone()), ..RawMaterial::default() };
        match &self.key_material {
            KeyMaterial::PublicKey { hint } => material.public_key = Some(RawHint { hint: Some(hint.clone()) }),
            KeyMaterial::Certificate { der } => material.certificate = Some(RawCert { raw_bytes: b64_encode(der) }),
        }
        let (dsse_envelope, message_signature) = match &self.content {
            Content::Dsse(envelope) => (Some(RawEnvelope::from(envelope)), None),
            Content::MessageSignature { algorithm, digest, signature } => (
                None,
                Some(RawMessageSignature {
                    message_digest: Some(RawDigest {
                        algorithm: Some(algorithm.clone()),
                        digest: Some(b64_encode(digest)),
                    }),
                    signature: b64_encode(signature),
                }),
            ),
        };
        let raw = RawBundle {
            media_type: self.media_type.clone(),
            verification_material: material,
            dsse_envelope,
            message_signature,
        };
        serde_json::to_string(&raw).unwrap_or_default()
    }
}

fn key_material(material: &RawMaterial) -> Result<KeyMaterial, BundleError> {
    let cert = material
        .certificate
        .as_ref()
        .or_else(|| material.x509_certificate_chain.as_ref().and_then(|c| c.certificates.first()));
    if let Some(cert) = cert {
        let der = b64_decode(&cert.raw_bytes).ok_or(BundleError::Base64("certificate"))?;
        return Ok(KeyMaterial::Certificate { der });
    }
    match &material.public_key {
        Some(key) => Ok(KeyMaterial::PublicKey { hint: key.hint.clone().unwrap_or_default() }),
        None => Err(BundleError::NoKeyMaterial),
    }
}

fn message_content(message: RawMessageSignature) -> Result<Content, BundleError> {
    let digest = message.message_digest.unwrap_or(RawDigest { algorithm: None, digest: None });
    Ok(Content::MessageSignature {
        algorithm: digest.algorithm.unwrap_or_default(),
        digest: b64_decode(digest.digest.as_deref().unwrap_or_default()).ok_or(BundleError::Base64("messageDigest"))?,
        signature: b64_decode(&message.signature).ok_or(BundleError::Base64("signature"))?,
    })
}

/// Verifies a bundle for the artifact whose sha256 is `subject_sha256_hex` (a `sha256:` prefix is
/// allowed): keyed DSSE bundles fully; keyless ones → `KeylessNotVerifiable`; message signatures
/// → see [`verify_artifact`].
pub fn verify(bundle: &Bundle, subject_sha256_hex: &str, roots: &[PublicKey]) -> BundleOutcome {
    // Structure first: a malformed bundle is Invalid whoever signed it.
    if let Content::Dsse(envelope) = &bundle.content
        && envelope.signatures.len() != 1
    {
        let n = envelope.signatures.len();
        return BundleOutcome::of(Verdict::invalid(format!(
            "a bundle's DSSE envelope must have exactly one signature, found {n}"
        )));
    }
    let hint = match &bundle.key_material {
        KeyMaterial::Certificate { der } => {
            return BundleOutcome::of(Verdict::KeylessNotVerifiable { identity: der::certificate_san(der) });
        }
        KeyMaterial::PublicKey { hint } => hint,
    };
    let subject = subject_sha256_hex.strip_prefix("sha256:").unwrap_or(subject_sha256_hex).to_ascii_lowercase();
    match &bundle.content {
        Content::Dsse(envelope) => verify_dsse(envelope, hint, &subject, roots),
        Content::MessageSignature { algorithm, digest, .. } => {
            match check_message_digest(algorithm, digest, &subject) {
                Err(verdict) => BundleOutcome::of(verdict),
                Ok(()) => BundleOutcome::of(Verdict::unsupported(
                    "a message-signature bundle signs the artifact bytes: verify it with the artifact (verify_artifact)",
                )),
            }
        }
    }
}

/// Like [`verify`], given the artifact's bytes, so message-signature bundles verify too.
pub fn verify_artifact(bundle: &Bundle, artifact: &[u8], roots: &[PublicKey]) -> BundleOutcome {
    let subject = hex::encode(Sha256::digest(artifact));
    let Content::MessageSignature { algorithm, digest, signature } = &bundle.content else {
        return verify(bundle, &subject, roots);
    };
    let KeyMaterial::PublicKey { hint } = &bundle.key_material else {
        return verify(bundle, &subject, roots);
    };
    if let Err(verdict) = check_message_digest(algorithm, digest, &subject) {
        return BundleOutcome::of(verdict);
    }
    match find_signer(roots, hint, artifact, signature) {
        Ok(signer) => BundleOutcome::of(Verdict::Valid { signer }),
        Err(verdict) => BundleOutcome::of(verdict),
    }
}

fn check_message_digest(algorithm: &str, digest: &[u8], subject_hex: &str) -> Result<(), Verdict> {
    if algorithm != "SHA2_256" {
        return Err(Verdict::unsupported(format!("message digest algorithm {algorithm:?}")));
    }
    if hex::encode(digest) != subject_hex {
        return Err(Verdict::invalid(format!("signed for another digest: sha256:{}", hex::encode(digest))));
    }
    Ok(())
}

fn verify_dsse(envelope: &Envelope, hint: &str, subject_hex: &str, roots: &[PublicKey]) -> BundleOutcome {
    let [signature] = envelope.signatures.as_slice() else {
        let n = envelope.signatures.len();
        return BundleOutcome::of(Verdict::invalid(format!(
            "a bundle's DSSE envelope must have exactly one signature, found {n}"
        )));
    };
    if !signature.keyid.is_empty() && !hint.is_empty() && signature.keyid != hint {
        return BundleOutcome::of(Verdict::invalid("DSSE keyid does not match the bundle's public key hint"));
    }
    if !is_in_toto(&envelope.payload_type) {
        return BundleOutcome::of(Verdict::unsupported(format!(
            "DSSE payload type {:?} is not in-toto",
            envelope.payload_type
        )));
    }
    let signer = match find_signer(roots, hint, &envelope.pae(), &signature.sig) {
        Ok(signer) => signer,
        Err(verdict) => return BundleOutcome::of(verdict),
    };
    let statement = match Statement::parse(&envelope.payload) {
        Ok(statement) => statement,
        Err(e) => {
            return BundleOutcome::of(Verdict::invalid(format!("signed payload is not an in-toto statement: {e}")));
        }
    };
    if !statement.covers(subject_hex) {
        return BundleOutcome {
            verdict: Verdict::invalid(format!("statement does not cover sha256:{subject_hex}")),
            statement: Some(statement),
        };
    }
    BundleOutcome { verdict: Verdict::Valid { signer }, statement: Some(statement) }
}

/// Names the key a hint points at: `sha256:<hex>` when the hint is the conventional
/// base64(sha256(SPKI)) (so it reads like a fingerprint), else the hint itself.
fn hint_as_signer(hint: &str) -> String {
    match b64_decode(hint) {
        Some(hash) if hash.len() == 32 => format!("sha256:{}", hex::encode(hash)),
        _ if hint.is_empty() => "unknown key".into(),
        _ => hint.to_owned(),
    }
}

fn is_in_toto(payload_type: &str) -> bool {
    payload_type == IN_TOTO_PAYLOAD_TYPE
        || (payload_type.starts_with("application/vnd.in-toto.") && payload_type.ends_with("+json"))
}

/// The fingerprint of the root that verifies, trying the hinted key first (the hint is only a
/// hint: cosign itself ignores it). Same outcome rules as `simple_signing::verify`.
fn find_signer(roots: &[PublicKey], hint: &str, message: &[u8], signature: &[u8]) -> Result<String, Verdict> {
    if roots.is_empty() {
        return Err(Verdict::UntrustedKey { signer: hint_as_signer(hint) });
    }
    let (hinted, others): (Vec<&PublicKey>, Vec<&PublicKey>) = roots.iter().partition(|k| k.hint() == hint);
    hinted
        .into_iter()
        .chain(others)
        .find(|key| key.verify(message, signature))
        .map(PublicKey::fingerprint)
        .ok_or_else(|| Verdict::invalid("signature does not verify under any trusted key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_and_missing_parts_are_errors() {
        let bad = br#"{"mediaType":"application/json","verificationMaterial":{}}"#;
        assert_eq!(Bundle::parse(bad).unwrap_err().code(), "bundle.media_type");
        let no_key = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{}}"#;
        assert_eq!(Bundle::parse(no_key).unwrap_err().code(), "bundle.no_key_material");
        let no_content =
            br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"x"}}}"#;
        assert_eq!(Bundle::parse(no_content).unwrap_err().code(), "bundle.no_content");
    }

    #[test]
    fn in_toto_payload_types() {
        assert!(is_in_toto("application/vnd.in-toto+json"));
        assert!(is_in_toto("application/vnd.in-toto.provenance+json"));
        assert!(!is_in_toto("text/plain") && !is_in_toto(""));
    }
}
