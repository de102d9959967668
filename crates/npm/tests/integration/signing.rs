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

/// Prints a fresh vector for tests/fixtures/registry-signature.json (then verify it with Node).
#[test]
#[ignore = "generates a fixture"]
fn print_signature_vector() {
    let (key, pkcs8) = RegistryKey::generate().unwrap();
    let (name, version) = ("@arca/demo-scoped", "0.2.0-beta.1");
    let integrity = "sha512-xE3qx/XFaPrOvgY6JGLtA8pfeuM0V4qRSPflyKE8YXQUho+3o3yr4bReFSAkDxV8qgSKGr/f2CqrKkzhXNiuXQ==";
    let vector = serde_json::json!({
        "pkcs8": STANDARD.encode(&pkcs8), "key": STANDARD.encode(key.public_key_spki()), "keyid": key.key_id(),
        "name": name, "version": version, "integrity": integrity,
        "message": signed_message(name, version, integrity), "sig": key.sign(name, version, integrity).unwrap(),
    });
    println!("{}", serde_json::to_string_pretty(&vector).unwrap());
}

/// Writes a packument of the captured `arca-demo@1.1.0`, signed, with the keys document, into
/// `$ARCA_NPM_E2E_DIR` for an end-to-end check with a real npm (`npm install` + `npm audit signatures`).
#[test]
#[ignore = "writes files for a manual end-to-end check"]
fn write_signed_packument() {
    use arca_npm::{
        Packument, PublishDoc, PublishLimits, PublishRequest, StoredVersion, TarballDigests, TarballLimits,
        inspect_tarball, readme_of, render_abbreviated, render_full, sanitize_manifest, tarball_path,
    };
    let dir = std::env::var("ARCA_NPM_E2E_DIR").expect("ARCA_NPM_E2E_DIR");
    let base = std::env::var("ARCA_NPM_E2E_BASE").expect("ARCA_NPM_E2E_BASE");
    let v: Value = serde_json::from_slice(&fixture("registry-signature.json")).unwrap();
    let key = RegistryKey::from_pkcs8(&STANDARD.decode(v["pkcs8"].as_str().unwrap()).unwrap()).unwrap();
    let (doc, attachments) =
        PublishDoc::parse_whole(&fixture("publish-unscoped.json"), PublishLimits::default()).unwrap();
    let req = PublishRequest::from_doc("arca-demo", &doc).unwrap();
    let tarball = &attachments[0].1;
    let digests = TarballDigests::of(tarball);
    let info = inspect_tarball(&tarball[..], &TarballLimits::default()).unwrap();
    let path = tarball_path(&req.name, &req.version);
    let stored = StoredVersion {
        version: req.version.clone(),
        manifest: sanitize_manifest(&req.manifest),
        tarball_url: format!("{base}{path}"),
        integrity: digests.integrity(),
        shasum: digests.shasum(),
        file_count: Some(info.file_count),
        unpacked_size: Some(info.unpacked_size),
        signatures: vec![(key.key_id(), key.sign(&req.name, &req.version, &digests.integrity()).unwrap())],
        attestations_url: None,
        deprecated: None,
        published: "2024-06-01T00:00:00.000Z".into(),
        has_shrinkwrap: info.has_shrinkwrap,
    };
    let p = Packument {
        name: req.name.clone(),
        versions: vec![stored],
        dist_tags: [("latest".to_owned(), req.version.clone())].into(),
        created: "2024-06-01T00:00:00.000Z".into(),
        modified: "2024-06-01T00:00:00.000Z".into(),
        readme: readme_of(&req.manifest),
    };
    let write = |name: &str, bytes: &[u8]| std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
    write("full.json", &serde_json::to_vec(&render_full(&p)).unwrap());
    write("corgi.json", &serde_json::to_vec(&render_abbreviated(&p)).unwrap());
    write("keys.json", &serde_json::to_vec(&keys_document(&[&key])).unwrap());
    write("tarball.tgz", tarball);
    write("tarball-path", path.as_bytes());
}
