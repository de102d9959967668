//! Sigstore bundles: keyed DSSE and message-signature bundles verify offline; keyless ones are
//! named and set aside; malformed ones are refused. Includes cosign v3's own keyless output.

use arca_trust::bundle::{self, Bundle, Content, KeyMaterial, verify, verify_artifact};
use arca_trust::cosign::{SIGN_PREDICATE_TYPE, sign_image, sign_statement};
use arca_trust::dsse::{self, IN_TOTO_PAYLOAD_TYPE};
use arca_trust::encoding::b64_encode;
use arca_trust::{PublicKey, SigningKey};
use arca_types::Verdict;
use sha2::{Digest as _, Sha256};

use crate::{fixture, new_key};

const HEX: &str = "c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";

fn roots(key: &SigningKey) -> Vec<PublicKey> {
    vec![key.public_key().clone()]
}

#[test]
fn cosign_v3_keyless_signatures_are_keyless_not_verifiable_with_their_identity() {
    let bundle = Bundle::parse(&fixture("sigstore-rs/bundle_v03.trimmed.json")).unwrap();
    assert_eq!(bundle.media_type, bundle::BUNDLE_V03_MEDIA_TYPE);
    assert!(matches!(bundle.key_material, KeyMaterial::Certificate { .. }));
    assert_eq!(bundle.tlog_entries.len(), 1);
    let outcome = verify(&bundle, HEX, &roots(&new_key()));
    let identity =
        "https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0";
    assert_eq!(outcome.verdict, Verdict::KeylessNotVerifiable { identity: Some(identity.into()) });
    assert_eq!(outcome.statement, None);
    // What cosign v3 signed: a v1 statement with the sign predicate type and no predicate at all.
    let Content::Dsse(envelope) = &bundle.content else { panic!("dsse") };
    let statement = arca_trust::Statement::parse(&envelope.payload).unwrap();
    assert_eq!(statement.predicate_type, SIGN_PREDICATE_TYPE);
    assert!(statement.covers(HEX) && statement.predicate.is_null());
}

#[test]
fn a_bundle_dsse_with_two_signatures_is_invalid() {
    let bundle = Bundle::parse(&fixture("sigstore-rs/dsse-2sigs.trimmed.json")).unwrap();
    let Verdict::Invalid { reason } = verify(&bundle, HEX, &[]).verdict else { panic!("must be invalid") };
    assert!(reason.contains("exactly one signature"), "{reason}");
    // The same with a key: two signatures by the trusted key are still refused.
    let key = new_key();
    let mut keyed = sign_image(HEX, &key).unwrap();
    let Content::Dsse(envelope) = &mut keyed.content else { panic!("dsse") };
    envelope.signatures.push(envelope.signatures[0].clone());
    assert!(matches!(verify(&keyed, HEX, &roots(&key)).verdict, Verdict::Invalid { .. }));
}

#[test]
fn sigstore_gos_keyed_bundle_parses_but_its_payload_is_not_in_toto() {
    let bundle = Bundle::parse(&fixture("sigstore-go/bundle-public-key.json")).unwrap();
    let key = PublicKey::from_pem(&fixture("sigstore-go/public-key.pem")).unwrap();
    let outcome = verify(&bundle, HEX, &[key]);
    assert!(
        matches!(outcome.verdict, Verdict::Unsupported { ref reason } if reason.contains("text/plain")),
        "{outcome:?}"
    );
}

#[test]
fn cosign_v3_sign_round_trip() {
    let key = new_key();
    let bundle = sign_image(&format!("sha256:{HEX}"), &key).unwrap();
    let json = bundle.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json");
    assert_eq!(value["verificationMaterial"]["publicKey"]["hint"], key.public_key().hint());
    assert_eq!(value["verificationMaterial"]["tlogEntries"], serde_json::json!([]));
    assert_eq!(value["dsseEnvelope"]["payloadType"], IN_TOTO_PAYLOAD_TYPE);
    assert_eq!(value["dsseEnvelope"]["signatures"].as_array().unwrap().len(), 1);

    let parsed = Bundle::parse(json.as_bytes()).unwrap();
    assert_eq!(parsed, bundle);
    let outcome = verify(&parsed, HEX, &roots(&key));
    assert_eq!(outcome.verdict, Verdict::Valid { signer: key.public_key().fingerprint() });
    let statement = outcome.statement.unwrap();
    assert_eq!(statement, sign_statement(HEX));
    assert_eq!(statement.predicate, serde_json::json!({}));
}

#[test]
fn keyed_bundles_for_another_subject_key_or_nobody() {
    let key = new_key();
    let bundle = sign_image(HEX, &key).unwrap();
    let other_subject = verify(&bundle, &"0".repeat(64), &roots(&key));
    assert!(matches!(other_subject.verdict, Verdict::Invalid { ref reason } if reason.contains("does not cover")));
    let wrong_key = verify(&bundle, HEX, &roots(&new_key()));
    assert_eq!(wrong_key.verdict, Verdict::invalid("signature does not verify under any trusted key"));
    let nobody = verify(&bundle, HEX, &[]);
    // With no roots the hint names the key, in fingerprint form.
    assert_eq!(nobody.verdict, Verdict::UntrustedKey { signer: key.public_key().fingerprint() });
    // The hint only orders the search: another trusted key listed first does not matter.
    let both = vec![new_key().public_key().clone(), key.public_key().clone()];
    assert!(verify(&bundle, HEX, &both).verdict.is_valid());
}

#[test]
fn a_signed_payload_that_is_not_a_statement_is_invalid() {
    let key = new_key();
    let bundle = Bundle::keyed_dsse(b"not json", &key).unwrap();
    assert!(
        matches!(verify(&bundle, HEX, &roots(&key)).verdict, Verdict::Invalid { ref reason } if reason.contains("in-toto"))
    );
}

#[test]
fn a_keyid_that_contradicts_the_hint_is_invalid() {
    let key = new_key();
    let mut bundle = sign_image(HEX, &key).unwrap();
    let Content::Dsse(envelope) = &mut bundle.content else { panic!("dsse") };
    envelope.signatures[0].keyid = "someone else".into();
    assert!(matches!(verify(&bundle, HEX, &roots(&key)).verdict, Verdict::Invalid { .. }));
}

fn message_bundle(key: &SigningKey, artifact: &[u8]) -> Vec<u8> {
    let digest = Sha256::digest(artifact);
    format!(
        r#"{{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.2",
            "verificationMaterial":{{"publicKey":{{"hint":"{}"}},"tlogEntries":[]}},
            "messageSignature":{{"messageDigest":{{"algorithm":"SHA2_256","digest":"{}"}},"signature":"{}"}}}}"#,
        key.public_key().hint(),
        b64_encode(&digest),
        b64_encode(&key.sign(artifact).unwrap())
    )
    .into_bytes()
}

#[test]
fn message_signature_bundles_need_the_artifact() {
    let key = new_key();
    let artifact = br#"{"schemaVersion":2}"#;
    let hex = hex::encode(Sha256::digest(artifact));
    let bundle = Bundle::parse(&message_bundle(&key, artifact)).unwrap();
    assert!(matches!(verify(&bundle, &hex, &roots(&key)).verdict, Verdict::Unsupported { .. }));
    assert!(
        matches!(verify(&bundle, HEX, &roots(&key)).verdict, Verdict::Invalid { ref reason } if reason.contains("another digest"))
    );
    assert_eq!(
        verify_artifact(&bundle, artifact, &roots(&key)).verdict,
        Verdict::Valid { signer: key.public_key().fingerprint() }
    );
    assert!(matches!(verify_artifact(&bundle, b"other", &roots(&key)).verdict, Verdict::Invalid { .. }));
    assert!(matches!(verify_artifact(&bundle, artifact, &roots(&new_key())).verdict, Verdict::Invalid { .. }));
}

#[test]
fn every_bundle_media_type_is_accepted_and_int64_strings_are_kept() {
    let key = new_key();
    let envelope = dsse::sign(IN_TOTO_PAYLOAD_TYPE, &sign_statement(HEX).to_json(), &key).unwrap();
    for media_type in bundle::BUNDLE_MEDIA_TYPES {
        let json = format!(
            r#"{{"mediaType":"{media_type}","verificationMaterial":{{"publicKey":{{"hint":"{}"}},
                "tlogEntries":[{{"logIndex":"1261105807","integratedTime":"1775719409"}}]}},"dsseEnvelope":{}}}"#,
            key.public_key().hint(),
            envelope.to_json()
        );
        let bundle = Bundle::parse(json.as_bytes()).unwrap_or_else(|e| panic!("{media_type}: {e}"));
        assert_eq!(bundle.tlog_entries[0]["logIndex"], "1261105807");
        assert!(verify(&bundle, HEX, &roots(&key)).verdict.is_valid(), "{media_type}");
    }
}
