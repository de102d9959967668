//! Legacy cosign signatures (`.sig`): what `cosign verify --key` accepts and what it must refuse.

use arca_trust::encoding::{b64_encode, b64_encode_unpadded, b64_encode_url};
use arca_trust::simple_signing::{self, payload, verify};
use arca_trust::{PublicKey, SigningKey};
use arca_types::Verdict;

use crate::{der_to_raw, new_key};

const DIGEST: &str = "sha256:97fc0b0f5e5ab0c8a2b44e1c35d0ee3a0dd1ab5dd6ed1d5d5d6c6a0c6e1c4e36";
const OTHER: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
const REPO: &str = "registry.example.com/ns/app";

fn signed(key: &SigningKey, payload: &[u8]) -> String {
    b64_encode(&key.sign(payload).unwrap())
}

fn roots(key: &SigningKey) -> Vec<PublicKey> {
    vec![key.public_key().clone()]
}

#[test]
fn a_cosign_signature_verifies_and_names_its_key() {
    let key = new_key();
    let (payload, sig) = simple_signing::sign(REPO, DIGEST, &key).unwrap();
    let verdict = verify(&payload, &sig, DIGEST, &roots(&key));
    assert_eq!(verdict, Verdict::Valid { signer: key.public_key().fingerprint() });
    // A mirror or renamed repository: docker-reference is not checked.
    let mirrored = simple_signing::payload("mirror.example.org/app", DIGEST);
    assert!(verify(&mirrored, &signed(&key, &mirrored), DIGEST, &roots(&key)).is_valid());
}

#[test]
fn the_signer_is_whichever_root_verifies() {
    let (a, b) = (new_key(), new_key());
    let payload = payload(REPO, DIGEST);
    let trusted = vec![a.public_key().clone(), b.public_key().clone()];
    assert_eq!(
        verify(&payload, &signed(&b, &payload), DIGEST, &trusted),
        Verdict::Valid { signer: b.public_key().fingerprint() }
    );
}

#[test]
fn a_tampered_payload_is_invalid() {
    let key = new_key();
    let payload = payload(REPO, DIGEST);
    let sig = signed(&key, &payload);
    let mut tampered = payload.clone();
    tampered.push(b' ');
    assert!(matches!(verify(&tampered, &sig, DIGEST, &roots(&key)), Verdict::Invalid { .. }));
    let swapped = String::from_utf8(payload).unwrap().replace(DIGEST, OTHER);
    assert!(matches!(verify(swapped.as_bytes(), &sig, OTHER, &roots(&key)), Verdict::Invalid { .. }));
}

#[test]
fn the_wrong_key_is_invalid_and_no_key_is_untrusted() {
    let (signer, stranger) = (new_key(), new_key());
    let payload = payload(REPO, DIGEST);
    let sig = signed(&signer, &payload);
    let verdict = verify(&payload, &sig, DIGEST, &roots(&stranger));
    assert_eq!(verdict, Verdict::invalid("signature does not verify under any trusted key"));
    assert_eq!(verify(&payload, &sig, DIGEST, &[]), Verdict::UntrustedKey { signer: "unknown key".into() });
}

#[test]
fn a_signature_for_another_digest_is_invalid() {
    let key = new_key();
    let payload = payload(REPO, OTHER);
    let verdict = verify(&payload, &signed(&key, &payload), DIGEST, &roots(&key));
    let Verdict::Invalid { reason } = verdict else { panic!("{verdict:?}") };
    assert!(reason.starts_with("signed for another digest") && reason.contains(OTHER), "{reason}");
}

#[test]
fn capitalised_keys_and_annotations_are_accepted() {
    let key = new_key();
    for payload in [
        format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"{REPO}"}},"image":{{"Docker-manifest-digest":"{DIGEST}"}},"type":"atomic container signature"}},"optional":null}}"#
        ),
        format!(
            r#"{{"Critical":{{"Identity":{{"docker-reference":""}},"Image":{{"Docker-manifest-digest":"{DIGEST}"}},"Type":"cosign container image signature"}},"Optional":null}}"#
        ),
        format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"{REPO}"}},"image":{{"docker-manifest-digest":"{DIGEST}"}},"type":"cosign container image signature"}},"optional":{{"env":"prod"}}}}"#
        ),
        format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"{REPO}"}},"image":{{"docker-manifest-digest":"{DIGEST}"}},"type":"cosign container image signature"}}}}"#
        ),
    ] {
        let verdict = verify(payload.as_bytes(), &signed(&key, payload.as_bytes()), DIGEST, &roots(&key));
        assert!(verdict.is_valid(), "{payload}: {verdict:?}");
    }
    let claims = simple_signing::claims(&payload(REPO, DIGEST)).unwrap();
    assert_eq!((claims.docker_reference.as_deref(), claims.optional.is_null()), (Some(REPO), true));
}

#[test]
fn a_signed_document_without_the_digest_claim_is_invalid() {
    let key = new_key();
    let payload = br#"{"critical":{"image":{}},"optional":null}"#;
    let verdict = verify(payload, &signed(&key, payload), DIGEST, &roots(&key));
    assert!(matches!(verdict, Verdict::Invalid { ref reason } if reason.contains("simple-signing")), "{verdict:?}");
}

#[test]
fn signatures_in_every_base64_dialect_and_raw_ecdsa() {
    let key = new_key();
    let payload = payload(REPO, DIGEST);
    let der = key.sign(&payload).unwrap();
    let raw = der_to_raw(&der, 32);
    for sig in [b64_encode(&der), b64_encode_url(&der), b64_encode_unpadded(&der), b64_encode(&raw)] {
        assert!(verify(&payload, &sig, DIGEST, &roots(&key)).is_valid(), "{sig}");
    }
    for bad in ["", "%%%", "AAAA"] {
        assert!(matches!(verify(&payload, bad, DIGEST, &roots(&key)), Verdict::Invalid { .. }), "{bad:?}");
    }
}

#[test]
fn the_payload_is_byte_identical_to_cosigns() {
    let expected = r#"{"critical":{"identity":{"docker-reference":"127.0.0.1:5003/alpine"},"image":{"docker-manifest-digest":"sha256:33735bd63cf84d7e388d9f6d297d348c523c044410f553bd878c6d7829612735"},"type":"cosign container image signature"},"optional":null}"#;
    let digest = "sha256:33735bd63cf84d7e388d9f6d297d348c523c044410f553bd878c6d7829612735";
    assert_eq!(String::from_utf8(payload("127.0.0.1:5003/alpine", digest)).unwrap(), expected);
}
