//! Keys: cosign's published key files (encrypted and plain), generation, the encrypted format's
//! round trip, fingerprints and hints, and ECDSA signatures in DER and raw form.

use arca_trust::encoding::b64_encode;
use arca_trust::{KeyAlgorithm, KeyError, PublicKey, SigningKey};
use sha2::{Digest as _, Sha256};

use crate::{der_to_raw, fixture, new_key};

fn signs_and_verifies(key: &SigningKey) {
    let sig = key.sign(b"payload").unwrap();
    assert!(key.public_key().verify(b"payload", &sig), "{key:?}");
    assert!(!key.public_key().verify(b"payloaD", &sig), "{key:?}");
}

#[test]
fn cosigns_encrypted_sigstore_key_decrypts_with_its_password() {
    let pem = fixture("cosign/sigstore_labeled_hello.key");
    let key = SigningKey::from_encrypted_pem(&pem, b"hello").unwrap();
    assert_eq!(key.public_key().algorithm(), KeyAlgorithm::EcdsaP256);
    signs_and_verifies(&key);
    assert_eq!(SigningKey::from_encrypted_pem(&pem, b"wrong").unwrap_err(), KeyError::WrongPassword);
}

#[test]
fn a_cosign_generated_key_with_an_empty_password_decrypts() {
    let pem = fixture("sigstore-rs/cosign_generated_encrypted_empty_private.key");
    let key = SigningKey::from_encrypted_pem(&pem, b"").unwrap();
    signs_and_verifies(&key);
    assert_eq!(SigningKey::from_encrypted_pem(&pem, b"x").unwrap_err().code(), "key.wrong_password");
}

#[test]
fn old_cosign_labels_and_sec1_plaintexts_are_read() {
    let key = SigningKey::from_encrypted_pem(&fixture("cosign/cosign_labeled_ec_hello.key"), b"hello").unwrap();
    assert_eq!(key.public_key().algorithm(), KeyAlgorithm::EcdsaP256);
    signs_and_verifies(&key);
}

#[test]
fn cosigns_old_label_with_a_pkcs8_plaintext_decrypts() {
    // keys_test.go calls this one "COSIGN labeled RSA key"; its plaintext is in fact a P-256 key.
    let key = SigningKey::from_encrypted_pem(&fixture("cosign/cosign_labeled_hello.key"), b"hello").unwrap();
    assert_eq!(key.public_key().algorithm(), KeyAlgorithm::EcdsaP256);
    signs_and_verifies(&key);
}

#[test]
fn rsa_private_keys_cannot_sign() {
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n";
    assert_eq!(SigningKey::from_pem(pem.as_bytes()).unwrap_err().code(), "key.unsupported");
}

#[test]
fn unencrypted_private_keys_of_each_supported_kind() {
    for (file, algorithm) in [
        ("cosign/ec_p256.key", KeyAlgorithm::EcdsaP256),
        ("cosign/ec_p384.key", KeyAlgorithm::EcdsaP384),
        ("cosign/ec_p256_pkcs8.key", KeyAlgorithm::EcdsaP256),
        ("cosign/ed25519_pkcs8.key", KeyAlgorithm::Ed25519),
    ] {
        let key = SigningKey::from_pem(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.public_key().algorithm(), algorithm, "{file}");
        signs_and_verifies(&key);
    }
    let p521 = SigningKey::from_pem(&fixture("cosign/ec_p521.key")).unwrap_err();
    assert_eq!(p521.code(), "key.unsupported");
}

#[test]
fn generated_keys_survive_cosigns_encrypted_format() {
    let key = new_key();
    let pem = key.to_encrypted_pem(b"correct horse").unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    let json =
        arca_trust::encoding::b64_decode(&pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>()).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["kdf"]["params"], serde_json::json!({"N": 32768, "r": 8, "p": 1}));
    assert_eq!(json["cipher"]["name"], "nacl/secretbox");
    let again = SigningKey::from_encrypted_pem(pem.as_bytes(), b"correct horse").unwrap();
    assert_eq!(again.public_key(), key.public_key());
    assert_eq!(SigningKey::from_encrypted_pem(pem.as_bytes(), b"").unwrap_err(), KeyError::WrongPassword);
}

#[test]
fn debug_never_shows_the_secret() {
    let key = SigningKey::from_pem(&fixture("cosign/ec_p256.key")).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("EcdsaP256") && debug.contains("sha256:"), "{debug}");
    // The private scalar of the fixture, in hex, must not appear.
    assert!(!debug.to_lowercase().contains("81a1726088e45ec1"), "{debug}");
}

#[test]
fn fingerprint_and_hint_name_the_der_spki() {
    let pem = fixture("sigstore-go/public-key.pem");
    let key = PublicKey::from_pem(&pem).unwrap();
    let digest = Sha256::digest(key.spki_der());
    assert_eq!(key.fingerprint(), format!("sha256:{}", hex::encode(digest)));
    assert_eq!(key.hint(), b64_encode(&digest));
    assert_eq!(PublicKey::from_pem(key.to_pem().as_bytes()).unwrap(), key);
}

#[test]
fn rsa_public_keys_parse() {
    let key = PublicKey::from_pem(&fixture("cosign/rsa2048.pub")).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::Rsa);
    assert!(!key.verify(b"m", &[0u8; 256]));
}

#[test]
fn ecdsa_signatures_verify_in_der_and_raw_form() {
    for (file, width) in [("cosign/ec_p256.key", 32), ("cosign/ec_p384.key", 48)] {
        let key = SigningKey::from_pem(&fixture(file)).unwrap();
        let der = key.sign(b"message").unwrap();
        let raw = der_to_raw(&der, width);
        assert_eq!(raw.len(), 2 * width);
        let public = key.public_key();
        assert!(public.verify(b"message", &der) && public.verify(b"message", &raw), "{file}");
        let mut bad = raw.clone();
        bad[5] ^= 1;
        assert!(!public.verify(b"message", &bad));
        assert!(!public.verify(b"message", &raw[1..]));
    }
}

#[test]
fn a_key_never_verifies_another_keys_signature() {
    let (a, b) = (new_key(), new_key());
    let sig = a.sign(b"m").unwrap();
    assert!(!b.public_key().verify(b"m", &sig));
}
