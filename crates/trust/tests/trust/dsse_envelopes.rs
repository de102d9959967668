//! DSSE: the spec's published vectors, sigstore-go's keyed envelope, round trips and tampering.

use arca_trust::dsse::{self, Envelope, IN_TOTO_PAYLOAD_TYPE, pae, verify, verify_threshold};
use arca_trust::encoding::{b64_encode_unpadded, b64_encode_url};
use arca_trust::{PublicKey, Statement};
use arca_types::Verdict;
use serde_json::Value;

use crate::{der_to_raw, fixture, new_key};

fn vector_key(vectors: &Value, name: &str) -> PublicKey {
    let raw: [u8; 32] = hex::decode(vectors["keys"][name]["public"].as_str().unwrap()).unwrap().try_into().unwrap();
    PublicKey::ed25519(&raw)
}

#[test]
fn the_dsse_spec_vectors() {
    let vectors: Value = serde_json::from_slice(&fixture("dsse/vectors.json")).unwrap();
    for vector in vectors["vectors"].as_array().unwrap() {
        let id = vector["id"].as_str().unwrap();
        let envelope = Envelope::parse(vector["envelope"].to_string().as_bytes()).unwrap();
        // `pae` is what was signed; in the swapped vector the envelope claims another type.
        let signed_pae = vector["pae"].as_str().unwrap();
        assert_eq!(hex::encode(envelope.pae()) == signed_pae, id != "payload-type-swapped", "{id}: PAE");
        let roots: Vec<PublicKey> = vector["trustedKeys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| vector_key(&vectors, k.as_str().unwrap()))
            .collect();
        let threshold = vector["threshold"].as_u64().unwrap() as usize;
        let supported = vector["supportedPayloadTypes"].as_array().unwrap().iter().any(|t| t == &envelope.payload_type);
        let accepted = supported && verify_threshold(&envelope, &roots, threshold).is_valid();
        assert_eq!(accepted, vector["expect"] == "accept", "{id}");
    }
}

#[test]
fn the_empty_payload_type_vector_has_a_good_signature_but_no_type() {
    // The "empty-payload-type" vector is rejected for its type, not its signature: callers (bundle
    // verification) must check the type, as `bundle` does.
    let vectors: Value = serde_json::from_slice(&fixture("dsse/vectors.json")).unwrap();
    let vector = vectors["vectors"].as_array().unwrap().iter().find(|v| v["id"] == "empty-payload-type").unwrap();
    let envelope = Envelope::parse(vector["envelope"].to_string().as_bytes()).unwrap();
    assert!(verify(&envelope, &[vector_key(&vectors, "A")]).is_valid());
    assert_eq!(envelope.payload_type, "");
}

#[test]
fn sigstore_gos_keyed_envelope_verifies_with_its_der_signature() {
    let bundle: Value = serde_json::from_slice(&fixture("sigstore-go/bundle-public-key.json")).unwrap();
    let envelope = Envelope::parse(bundle["dsseEnvelope"].to_string().as_bytes()).unwrap();
    assert_eq!(envelope.payload, b"hello, world!");
    let key = PublicKey::from_pem(&fixture("sigstore-go/public-key.pem")).unwrap();
    assert_eq!(verify(&envelope, std::slice::from_ref(&key)), Verdict::Valid { signer: key.fingerprint() });
    let mut tampered = envelope.clone();
    tampered.payload = b"hello, world?".to_vec();
    assert!(matches!(verify(&tampered, &[key]), Verdict::Invalid { .. }));
}

#[test]
fn sign_then_verify_and_reencode() {
    let key = new_key();
    let statement = Statement::v1("app", &"ab".repeat(32), "https://example.com/p/v1", serde_json::json!({}));
    let envelope = dsse::sign(IN_TOTO_PAYLOAD_TYPE, &statement.to_json(), &key).unwrap();
    let roots = [key.public_key().clone()];
    assert_eq!(verify(&envelope, &roots), Verdict::Valid { signer: key.public_key().fingerprint() });
    let again = Envelope::parse(envelope.to_json().as_bytes()).unwrap();
    assert_eq!(again, envelope);
    assert!(matches!(verify(&again, &[new_key().public_key().clone()]), Verdict::Invalid { .. }));
    assert_eq!(verify(&again, &[]), Verdict::UntrustedKey { signer: "unknown key".into() });
}

#[test]
fn url_safe_unpadded_and_raw_signatures_parse_and_verify() {
    let key = new_key();
    let envelope = dsse::sign("text/plain", &[0xfb, 0xff, 0xbf, 0x3e, 0x3f], &key).unwrap();
    let raw = der_to_raw(&envelope.signatures[0].sig, 32);
    for (payload, sig) in [
        (b64_encode_url(&envelope.payload), b64_encode_url(&envelope.signatures[0].sig)),
        (b64_encode_unpadded(&envelope.payload), b64_encode_unpadded(&raw)),
    ] {
        let json = format!(r#"{{"payload":"{payload}","payloadType":"text/plain","signatures":[{{"sig":"{sig}"}}]}}"#);
        let parsed = Envelope::parse(json.as_bytes()).unwrap();
        assert!(verify(&parsed, &[key.public_key().clone()]).is_valid(), "{json}");
    }
}

#[test]
fn tampering_with_type_payload_or_signature_is_invalid() {
    let key = new_key();
    let roots = [key.public_key().clone()];
    let envelope = dsse::sign(IN_TOTO_PAYLOAD_TYPE, b"{}", &key).unwrap();
    let mut other_type = envelope.clone();
    other_type.payload_type = "application/json".into();
    let mut other_payload = envelope.clone();
    other_payload.payload = b"{ }".to_vec();
    let mut no_sigs = envelope.clone();
    no_sigs.signatures.clear();
    for bad in [other_type, other_payload, no_sigs] {
        assert!(matches!(verify(&bad, &roots), Verdict::Invalid { .. }), "{bad:?}");
    }
}

#[test]
fn pae_is_the_spec_encoding() {
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    );
    let body = br#"{"_type":"https://in-toto.io/Statement/v1"}"#;
    assert!(pae(IN_TOTO_PAYLOAD_TYPE, body).starts_with(b"DSSEv1 28 application/vnd.in-toto+json 43 {"));
}
