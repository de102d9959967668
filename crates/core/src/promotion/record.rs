//! The signed record of a promotion: an in-toto Statement v1 about the promoted manifest, wrapped in
//! a DSSE envelope and attached to it as an OCI referrer. Pure: the key is behind [`Signer`], the
//! time and the verdicts come in the [`PromotionPredicate`].
//!
//! # What is written
//!
//! - [`statement`]: `{"_type": STATEMENT_TYPE, "subject": [{"name", "digest": {"<alg>": "<hex>"}}],
//!   "predicateType": PREDICATE_TYPE, "predicate": PromotionPredicate}` (in-toto attestation spec v1,
//!   `spec/v1/statement.md`). The digest key is the manifest digest's algorithm, `sha256` or `sha512`.
//! - [`release_statement`]: a release's one statement, whose subjects are every artifact it promoted
//!   and whose predicate ([`RELEASE_PREDICATE_TYPE`], [`ReleasePredicate`]) holds each one's source,
//!   target, version and verdicts. One envelope, signed once, is the record of every artifact of the
//!   release: each gets its own referrer manifest, all with that envelope as their layer. (An
//!   envelope per artifact doubled the files a release makes durable, and its time.)
//! - [`envelope`]: `{"payloadType": PAYLOAD_TYPE, "payload": base64(statement), "signatures":
//!   [{"keyid", "sig": base64(sign(PAE))}]}` (DSSE v1, `envelope.md`), standard base64 with padding;
//!   the signature covers [`pae`]`(PAYLOAD_TYPE, statement)`, never the JSON of the envelope.
//! - The referrer: an image manifest with `artifactType` [`ARTIFACT_TYPE`], the empty config, one
//!   layer of [`ENVELOPE_MEDIA_TYPE`] holding the envelope, and `subject` the promoted manifest.
//!
//! A verifier must read the statement from the very bytes it verified (decode `payload`, check the
//! signature over their PAE, then parse them); nothing here is ever re-serialized after signing.

use arca_types::Digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::Verdict;

/// The prefix of an Ed25519 SubjectPublicKeyInfo in DER (RFC 8410): `SEQUENCE { SEQUENCE { OID
/// 1.3.101.112 }, BIT STRING (0 unused bits) … }`, followed by the 32 key bytes.
const ED25519_SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// A raw 32-byte Ed25519 public key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo, RFC 8410), as
/// `openssl pkey -pubin` and `cryptography`'s `load_pem_public_key` read it.
pub fn ed25519_public_key_pem(raw: &[u8]) -> String {
    let mut der = ED25519_SPKI_PREFIX.to_vec();
    der.extend_from_slice(raw);
    // 44 DER bytes are 60 base64 characters: one line, under PEM's 64.
    format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", BASE64.encode(der))
}

/// The predicate type of a promotion statement.
pub const PREDICATE_TYPE: &str = "https://arca.dev/promotion/v1";
/// The predicate type of a release's statement.
pub const RELEASE_PREDICATE_TYPE: &str = "https://arca.dev/release/v1";
/// The `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The DSSE `payloadType` of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The media type of the referrer's one layer: the DSSE envelope's JSON.
pub const ENVELOPE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// The `artifactType` of the referrer manifest, so `GET /v2/<name>/referrers/<digest>?artifactType=`
/// finds the promotion records of a manifest.
pub const ARTIFACT_TYPE: &str = "application/vnd.arca.promotion.v1+json";

/// The key a promotion record is signed with (the server's Ed25519 key; a fake in tests).
pub trait Signer: Send + Sync + 'static {
    /// The envelope's `keyid`: a hint for verifiers, not authenticated by the signature.
    fn key_id(&self) -> &str;
    /// The raw 32-byte Ed25519 public key.
    fn public_key(&self) -> &[u8];
    /// The signature of `message` (for an envelope, the PAE of its payload).
    fn sign(&self, message: &[u8]) -> Vec<u8>;
}

/// What a promotion did and why it was allowed: the statement's `predicate`. Field names are
/// lowerCamelCase in the JSON (`promotedBy`, `promotedAt`), as in-toto predicates write them; a
/// version or release that is not set is left out rather than written as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionPredicate {
    /// Where the version came from, `<repository>/<package>` (`dev/team/app`).
    pub source: String,
    /// Where it went (`prod/team/app`).
    pub target: String,
    /// The tag promoted, when the promotion named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The release this promotion was part of, in records made before a release had one statement of
    /// its own ([`ReleasePredicate`]); new records leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Every gate of the target and what it said (all passed, or there would be no promotion).
    pub gates: Vec<Verdict>,
    /// The principals whose approvals counted.
    pub approvers: Vec<String>,
    /// The principal who promoted.
    pub promoted_by: String,
    /// When, RFC 3339 (`2026-11-02T10:00:00Z`).
    pub promoted_at: String,
}

/// What a release promoted and why: the predicate of its one statement. Each of `promotions` is
/// also a subject of the statement, named by its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasePredicate {
    /// The release's name.
    pub release: String,
    /// Every artifact of the release, in the order it was asked for.
    pub promotions: Vec<ReleasedArtifact>,
    /// The principal who promoted.
    pub promoted_by: String,
    /// When, RFC 3339.
    pub promoted_at: String,
}

/// One artifact of a release: a [`PromotionPredicate`] without what the release says for all, and
/// with the manifest it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasedArtifact {
    /// The promoted manifest, `<alg>:<hex>`.
    pub digest: String,
    /// Where it came from, `<repository>/<package>`.
    pub source: String,
    /// Where it went; the name of its subject in the statement.
    pub target: String,
    /// The tag promoted, when one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Every gate of the target and what it said.
    pub gates: Vec<Verdict>,
    /// The principals whose approvals counted.
    pub approvers: Vec<String>,
}

#[derive(Serialize)]
struct Statement<'a, P> {
    #[serde(rename = "_type")]
    kind: &'static str,
    subject: Vec<Subject<'a>>,
    #[serde(rename = "predicateType")]
    predicate_type: &'static str,
    predicate: &'a P,
}

#[derive(Serialize)]
struct Subject<'a> {
    name: &'a str,
    digest: BTreeMap<&'static str, &'a str>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "payloadType")]
    payload_type: &'static str,
    payload: String,
    signatures: [Signature<'a>; 1],
}

#[derive(Serialize)]
struct Signature<'a> {
    keyid: &'a str,
    sig: String,
}

/// The in-toto Statement v1 (JSON bytes) saying `predicate` about the manifest `digest`, named
/// `subject_name` (the target's OCI name, `prod/team/app`).
pub fn statement(subject_name: &str, digest: &Digest, predicate: &PromotionPredicate) -> Vec<u8> {
    statement_of(vec![subject(subject_name, digest)], PREDICATE_TYPE, predicate)
}

/// A release's in-toto Statement v1 (JSON bytes): every artifact of `predicate` a subject, named by
/// its target. `digests` are the artifacts' manifests, in the order of `predicate.promotions`.
pub fn release_statement(digests: &[&Digest], predicate: &ReleasePredicate) -> Vec<u8> {
    let subjects = predicate.promotions.iter().zip(digests).map(|(p, digest)| subject(&p.target, digest)).collect();
    statement_of(subjects, RELEASE_PREDICATE_TYPE, predicate)
}

fn subject<'a>(name: &'a str, digest: &'a Digest) -> Subject<'a> {
    Subject { name, digest: BTreeMap::from([(digest.algorithm().as_str(), digest.hex())]) }
}

fn statement_of<P: Serialize>(subject: Vec<Subject<'_>>, predicate_type: &'static str, predicate: &P) -> Vec<u8> {
    let statement = Statement { kind: STATEMENT_TYPE, subject, predicate_type, predicate };
    serde_json::to_vec(&statement).unwrap_or_default() // strings and string-keyed maps only: cannot fail
}

/// DSSE v1 Pre-Authentication Encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, the
/// lengths in bytes as ASCII decimal. What a DSSE signature signs.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let head = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len());
    let mut out = Vec::with_capacity(head.len() + payload.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// The DSSE envelope (JSON bytes) carrying `payload` as an in-toto statement ([`PAYLOAD_TYPE`]),
/// with one signature by `signer` over [`pae`]`(PAYLOAD_TYPE, payload)`.
pub fn envelope(payload: &[u8], signer: &dyn Signer) -> Vec<u8> {
    let sig = BASE64.encode(signer.sign(&pae(PAYLOAD_TYPE, payload)));
    let envelope = Envelope {
        payload_type: PAYLOAD_TYPE,
        payload: BASE64.encode(payload),
        signatures: [Signature { keyid: signer.key_id(), sig }],
    };
    serde_json::to_vec(&envelope).unwrap_or_default() // strings only: cannot fail
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_types::DigestAlgorithm;
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use sha2::Digest as _;

    /// "Signs" with SHA-256 of key id and message: enough to see what was signed.
    struct FakeSigner;

    impl Signer for FakeSigner {
        fn key_id(&self) -> &str {
            "fake-key"
        }
        fn public_key(&self) -> &[u8] {
            &[0; 32]
        }
        fn sign(&self, message: &[u8]) -> Vec<u8> {
            sha2::Sha256::new().chain_update(b"fake-key").chain_update(message).finalize().to_vec()
        }
    }

    fn predicate() -> PromotionPredicate {
        PromotionPredicate {
            source: "dev/team/app".into(),
            target: "prod/team/app".into(),
            version: Some("1.2.3".into()),
            release: None,
            gates: vec![Verdict { gate: "approvals=1".into(), passed: true, reason: "approved by alice".into() }],
            approvers: vec!["alice".into()],
            promoted_by: "ci".into(),
            promoted_at: "2026-11-02T10:00:00Z".into(),
        }
    }

    fn digest() -> Digest {
        Digest::from_hash(DigestAlgorithm::Sha256, &sha2::Sha256::digest(b"manifest"))
    }

    #[test]
    fn pae_matches_the_dsse_spec_test_vector() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn pae_of_empty_parts_keeps_every_separator() {
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn pae_counts_bytes_not_characters() {
        assert_eq!(pae("t", "é".as_bytes()), "DSSEv1 1 t 2 é".as_bytes());
    }

    #[test]
    fn statement_is_an_in_toto_statement_v1_about_the_digest() {
        let d = digest();
        let s: Value = serde_json::from_slice(&statement("prod/team/app", &d, &predicate())).unwrap();
        assert_eq!(
            s,
            json!({
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [{"name": "prod/team/app", "digest": {"sha256": d.hex()}}],
                "predicateType": "https://arca.dev/promotion/v1",
                "predicate": {
                    "source": "dev/team/app",
                    "target": "prod/team/app",
                    "version": "1.2.3",
                    "gates": [{"gate": "approvals=1", "passed": true, "reason": "approved by alice"}],
                    "approvers": ["alice"],
                    "promotedBy": "ci",
                    "promotedAt": "2026-11-02T10:00:00Z",
                },
            })
        );
    }

    #[test]
    fn statement_fields_come_in_the_spec_order() {
        let text = String::from_utf8(statement("prod/team/app", &digest(), &predicate())).unwrap();
        assert!(text.starts_with(
            r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"prod/team/app","digest":{"sha256":""#
        ));
        assert!(
            text.contains(r#""predicateType":"https://arca.dev/promotion/v1","predicate":{"source":"dev/team/app""#)
        );
    }

    #[test]
    fn a_sha512_manifest_is_named_by_its_sha512() {
        let d = Digest::from_hash(DigestAlgorithm::Sha512, &sha2::Sha512::digest(b"manifest"));
        let s: Value = serde_json::from_slice(&statement("prod/team/app", &d, &predicate())).unwrap();
        assert_eq!(s["subject"][0]["digest"], json!({"sha512": d.hex()}));
    }

    #[test]
    fn the_predicate_reads_back() {
        let p = PromotionPredicate { version: None, release: Some("2026.11".into()), ..predicate() };
        let s: Value = serde_json::from_slice(&statement("prod/team/app", &digest(), &p)).unwrap();
        assert_eq!(s["predicate"].get("version"), None, "an unset version is left out, not null");
        assert_eq!(serde_json::from_value::<PromotionPredicate>(s["predicate"].clone()).unwrap(), p);
    }

    #[test]
    fn a_release_statement_names_every_artifact_as_a_subject() {
        let (a, b) = (digest(), Digest::from_hash(DigestAlgorithm::Sha512, &sha2::Sha512::digest(b"other")));
        let artifact = |digest: &Digest, target: &str| ReleasedArtifact {
            digest: digest.to_string(),
            source: "dev/team/app".into(),
            target: target.into(),
            version: None,
            gates: vec![],
            approvers: vec![],
        };
        let predicate = ReleasePredicate {
            release: "r42".into(),
            promotions: vec![artifact(&a, "prod/team/api"), artifact(&b, "prod/team/web")],
            promoted_by: "ci".into(),
            promoted_at: "2026-11-02T10:00:00Z".into(),
        };
        let s: Value = serde_json::from_slice(&release_statement(&[&a, &b], &predicate)).unwrap();
        assert_eq!(s["_type"], STATEMENT_TYPE);
        assert_eq!(s["predicateType"], "https://arca.dev/release/v1");
        assert_eq!(
            s["subject"],
            json!([
                {"name": "prod/team/api", "digest": {"sha256": a.hex()}},
                {"name": "prod/team/web", "digest": {"sha512": b.hex()}},
            ])
        );
        assert_eq!(
            s["predicate"]["promotions"][1],
            json!({"digest": b.as_str(), "source": "dev/team/app",
            "target": "prod/team/web", "gates": [], "approvers": []})
        );
        assert_eq!(serde_json::from_value::<ReleasePredicate>(s["predicate"].clone()).unwrap(), predicate);
    }

    #[test]
    fn envelope_signs_the_pae_of_the_payload() {
        let payload = statement("prod/team/app", &digest(), &predicate());
        let e: Value = serde_json::from_slice(&envelope(&payload, &FakeSigner)).unwrap();
        assert_eq!(
            e,
            json!({
                "payloadType": "application/vnd.in-toto+json",
                "payload": BASE64.encode(&payload),
                "signatures": [{"keyid": "fake-key", "sig": BASE64.encode(FakeSigner.sign(&pae(PAYLOAD_TYPE, &payload)))}],
            })
        );
        let text = String::from_utf8(envelope(&payload, &FakeSigner)).unwrap();
        assert!(text.starts_with(r#"{"payloadType":"application/vnd.in-toto+json","payload":""#), "{text}");
    }

    proptest! {
        #[test]
        fn pae_tells_different_inputs_apart(
            t1 in "[ -~]{0,12}", b1 in prop::collection::vec(any::<u8>(), 0..24),
            t2 in "[ -~]{0,12}", b2 in prop::collection::vec(any::<u8>(), 0..24),
        ) {
            prop_assume!((&t1, &b1) != (&t2, &b2));
            prop_assert_ne!(pae(&t1, &b1), pae(&t2, &b2));
        }

        #[test]
        fn pae_ends_with_the_body_after_its_header(t in "\\PC{0,12}", b in prop::collection::vec(any::<u8>(), 0..64)) {
            let encoded = pae(&t, &b);
            let header = format!("DSSEv1 {} {t} {} ", t.len(), b.len());
            prop_assert!(encoded.starts_with(header.as_bytes()));
            prop_assert_eq!(&encoded[header.len()..], &b[..]);
        }

        #[test]
        fn envelope_carries_the_payload_and_its_signature(payload in prop::collection::vec(any::<u8>(), 0..256)) {
            let e: Value = serde_json::from_slice(&envelope(&payload, &FakeSigner)).unwrap();
            prop_assert_eq!(&e["payloadType"], PAYLOAD_TYPE);
            let decoded = BASE64.decode(e["payload"].as_str().unwrap()).unwrap();
            prop_assert_eq!(&decoded, &payload);
            let signatures = e["signatures"].as_array().unwrap();
            prop_assert_eq!(signatures.len(), 1);
            prop_assert_eq!(&signatures[0]["keyid"], "fake-key");
            let sig = BASE64.decode(signatures[0]["sig"].as_str().unwrap()).unwrap();
            prop_assert_eq!(sig, FakeSigner.sign(&pae(PAYLOAD_TYPE, &decoded)));
        }
    }
}
