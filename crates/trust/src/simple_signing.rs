//! cosign's legacy signatures: a "simple signing" JSON payload (the `.sig` tag's layer blob) and a
//! base64 signature over its exact bytes (the layer's `dev.cosignproject.cosign/signature`).
//!
//! Verification follows `cosign verify --key` (claims checked, tlog ignored): first the signature
//! over the **exact payload bytes**, then — from those same bytes, never a re-serialisation —
//! `critical.image.docker-manifest-digest` must equal the subject. Keys are looked up
//! case-insensitively because cosign writes `docker-manifest-digest` while the containers spec and
//! Go's case-insensitive decoder also produce `Docker-manifest-digest` (and old cosign even
//! `Critical`/`Image`). `critical.identity.docker-reference` is ignored, as cosign ignores it, so
//! mirrors and renamed repositories still verify. `optional` may be `null`.
//!
//! Outcome when no trusted key verifies: with trust roots configured, `Invalid` ("does not verify
//! under any trusted key"). Without the signer's key we cannot tell "signed by a stranger" from
//! "tampered with", and a tampered payload must never look merely untrusted. With *no* roots at
//! all, nothing could have verified, so the answer is `UntrustedKey { signer: "unknown key" }`.

use arca_types::Verdict;
use serde::Serialize;
use serde_json::Value;

use crate::encoding::{b64_decode, b64_encode};
use crate::keys::{KeyError, PublicKey, SigningKey};

/// `critical.type` as cosign writes it.
pub const COSIGN_SIGNATURE_TYPE: &str = "cosign container image signature";

#[derive(Serialize)]
struct Payload<'a> {
    critical: Critical<'a>,
    optional: Option<()>,
}

#[derive(Serialize)]
struct Critical<'a> {
    identity: Identity<'a>,
    image: Image<'a>,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct Identity<'a> {
    #[serde(rename = "docker-reference")]
    docker_reference: &'a str,
}

#[derive(Serialize)]
struct Image<'a> {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: &'a str,
}

/// The payload `cosign sign` writes, byte for byte:
/// `{"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},"type":"cosign container image signature"},"optional":null}`.
pub fn payload(docker_reference: &str, manifest_digest: &str) -> Vec<u8> {
    let payload = Payload {
        critical: Critical {
            identity: Identity { docker_reference },
            image: Image { docker_manifest_digest: manifest_digest },
            kind: COSIGN_SIGNATURE_TYPE,
        },
        optional: None,
    };
    serde_json::to_vec(&payload).unwrap_or_default()
}

/// Signs like `cosign sign --key`: returns the payload and the base64 DER signature annotation.
pub fn sign(docker_reference: &str, manifest_digest: &str, key: &SigningKey) -> Result<(Vec<u8>, String), KeyError> {
    let payload = payload(docker_reference, manifest_digest);
    let signature = key.sign(&payload)?;
    Ok((payload, b64_encode(&signature)))
}

/// What a simple-signing payload claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub docker_reference: Option<String>,
    pub manifest_digest: String,
    pub kind: Option<String>,
    /// `optional` (cosign's `-a k=v` annotations); `Value::Null` when absent or null.
    pub optional: Value,
}

/// Reads the claims of a payload (field names case-insensitive). `None` unless it is a JSON object
/// with `critical.image.docker-manifest-digest` as a string.
pub fn claims(payload: &[u8]) -> Option<Claims> {
    let root: Value = serde_json::from_slice(payload).ok()?;
    let critical = field(&root, "critical")?;
    let manifest_digest = field(field(critical, "image")?, "docker-manifest-digest")?.as_str()?.to_owned();
    let docker_reference = field(critical, "identity")
        .and_then(|i| field(i, "docker-reference"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let kind = field(critical, "type").and_then(Value::as_str).map(str::to_owned);
    let optional = field(&root, "optional").cloned().unwrap_or(Value::Null);
    Some(Claims { docker_reference, manifest_digest, kind, optional })
}

/// A member of a JSON object, the exact name first, else the first case-insensitive match.
fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(name).or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// Verifies a legacy cosign signature for the image whose manifest digest is `subject_digest`
/// (`sha256:<hex>`; bare hex is taken as sha256). See the module docs for the outcomes.
pub fn verify(payload: &[u8], signature_b64: &str, subject_digest: &str, roots: &[PublicKey]) -> Verdict {
    let Some(signature) = b64_decode(signature_b64) else {
        return Verdict::invalid("signature annotation is not base64");
    };
    if signature.is_empty() {
        return Verdict::invalid("signature annotation is empty");
    }
    if roots.is_empty() {
        return Verdict::UntrustedKey { signer: "unknown key".into() };
    }
    let Some(signer) = roots.iter().find(|key| key.verify(payload, &signature)) else {
        return Verdict::invalid("signature does not verify under any trusted key");
    };
    let Some(claims) = claims(payload) else {
        return Verdict::invalid("payload is not a simple-signing document (no critical.image.docker-manifest-digest)");
    };
    if !same_digest(&claims.manifest_digest, subject_digest) {
        return Verdict::invalid(format!(
            "signed for another digest: {} (expected {subject_digest})",
            claims.manifest_digest
        ));
    }
    Verdict::Valid { signer: signer.fingerprint() }
}

/// `sha256:<hex>` equality, case-insensitive in the hex; a bare hex subject means sha256.
fn same_digest(claimed: &str, subject: &str) -> bool {
    let subject = if subject.contains(':') { subject.to_owned() } else { format!("sha256:{subject}") };
    !claimed.is_empty() && claimed.eq_ignore_ascii_case(&subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:87ef60f558bad79beea6425a3b28989f01dd417164150ab3baab98dcbf04def8";

    #[test]
    fn payload_is_cosigns_bytes() {
        let expected = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"registry.example.com/ns/repo"}},"image":{{"docker-manifest-digest":"{DIGEST}"}},"type":"cosign container image signature"}},"optional":null}}"#
        );
        assert_eq!(String::from_utf8(payload("registry.example.com/ns/repo", DIGEST)).unwrap(), expected);
    }

    #[test]
    fn claims_read_capitalised_keys_and_null_optional() {
        let old = format!(
            r#"{{"Critical":{{"Identity":{{"docker-reference":""}},"Image":{{"Docker-manifest-digest":"{DIGEST}"}},"Type":"cosign container image signature"}},"Optional":null}}"#
        );
        let claims = claims(old.as_bytes()).unwrap();
        assert_eq!(claims.manifest_digest, DIGEST);
        assert_eq!(claims.optional, Value::Null);
        assert!(super::claims(b"[]").is_none());
    }

    #[test]
    fn digests_compare_case_insensitively_and_accept_bare_hex() {
        assert!(same_digest(DIGEST, &DIGEST.to_uppercase().replace("SHA256", "sha256")));
        assert!(same_digest(DIGEST, DIGEST.trim_start_matches("sha256:")));
        assert!(!same_digest("", ""));
    }
}
