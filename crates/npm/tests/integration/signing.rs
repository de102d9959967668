//! Registry signatures: the key id format of registry.npmjs.org's own key (an SSH fingerprint), sign/verify round trips,
//! and a vector signed here and verified by Node's `crypto.createVerify('SHA256')` exactly as
//! pacote verifies (tests/fixtures/registry-signature.json, see tests/fixtures/README.md).

use crate::support::fixture;
use arca_npm::signing::{KEY_TYPE, key_id_of_spki, signed_message, verify};
use arca_npm::{RegistryKey, keys_document};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

/// registry.npmjs.org's `GET /-/npm/v1/keys` entry (the key that signed tiny-tarball@1.0.0).
const NPM_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1Olb3zMAFFxXKHiIkQO5cJ3Yhl5i6UPp+IhuteBJbuHcA5UogKo0EWtlWwW6KSaKoTNEYL7JlCQiVnkhBktUgg==";
const NPM_KEY_ID: &str = "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA";

#[test]
fn key_ids_are_computed_as_npm_computes_its_own() {
    assert_eq!(key_id_of_spki(&STANDARD.decode(NPM_KEY).unwrap()).as_deref(), Some(NPM_KEY_ID));
    assert_eq!(key_id_of_spki(b"not a key"), None);
}

#[test]
fn npm_registry_signature_of_tiny_tarball_verifies() {
    let spki = STANDARD.decode(NPM_KEY).unwrap();
    let integrity = "sha512-SxmEuEiq4d9L2UjUCyP7g3KHND65MJnsFbEwCbaoMp9NYjHjufAzIUCRaRHB+FNTwzZ1e2xjBoYobBB8pqB5IQ==";
    let sig = "MEUCICguG74eMv+l6RBT6cDoOhWysqtjms2zSXyWwg6LC5XnAiEAq1VSNbCx+D4LT6lgzYx0JGs0PPWKgP9XuQn8tniow2c=";
    assert!(verify(&spki, "tiny-tarball", "1.0.0", integrity, sig));
    assert!(!verify(&spki, "tiny-tarball", "1.0.1", integrity, sig));
}

#[test]
fn signatures_round_trip_and_keys_persist() {
    let (key, pkcs8) = RegistryKey::generate().unwrap();
    let again = RegistryKey::from_pkcs8(&pkcs8).unwrap();
    assert_eq!(again.key_id(), key.key_id());
    let sig = key.sign("@s/p", "1.0.0", "sha512-abc").unwrap();
    assert!(verify(key.public_key_spki(), "@s/p", "1.0.0", "sha512-abc", &sig));
    assert!(!verify(key.public_key_spki(), "@s/p", "1.0.0", "sha512-abd", &sig));
    assert!(RegistryKey::from_pkcs8(b"not a key").is_err());

    let doc = keys_document(&[&key]);
    let entry = &doc["keys"][0];
    assert_eq!(entry["expires"], Value::Null);
    assert_eq!(entry["keyid"], key.key_id());
    assert_eq!((entry["keytype"].as_str(), entry["scheme"].as_str()), (Some(KEY_TYPE), Some(KEY_TYPE)));
    assert_eq!(STANDARD.decode(entry["key"].as_str().unwrap()).unwrap(), key.public_key_spki());
}

#[test]
fn a_signature_made_here_is_verified_by_node() {
    let v: Value = serde_json::from_slice(&fixture("registry-signature.json")).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_owned();
    let key = RegistryKey::from_pkcs8(&STANDARD.decode(s("pkcs8")).unwrap()).unwrap();
    assert_eq!(STANDARD.encode(key.public_key_spki()), s("key"));
    assert_eq!(key.key_id(), s("keyid"));
    assert_eq!(signed_message(&s("name"), &s("version"), &s("integrity")), s("message"));
    assert!(verify(key.public_key_spki(), &s("name"), &s("version"), &s("integrity"), &s("sig")));
}
