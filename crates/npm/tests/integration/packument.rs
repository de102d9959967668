//! Packument rendering: the full and abbreviated documents, tarball names, content negotiation
//! and what of a client's manifest is stored.

use arca_npm::{
    Packument, StoredVersion, readme_of, render_abbreviated, render_full, sanitize_manifest, tarball_file_name,
    tarball_path, wants_abbreviated,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn version(v: &str, manifest: Value) -> StoredVersion {
    StoredVersion {
        version: v.to_owned(),
        manifest,
        tarball_url: format!("http://r/@s/p/-/p-{v}.tgz"),
        integrity: "sha512-AAAA".into(),
        shasum: "00".repeat(20),
        file_count: Some(3),
        unpacked_size: Some(120),
        signatures: vec![("SHA256:k".into(), "MEUC".into())],
        attestations_url: None,
        deprecated: None,
        published: format!("2024-01-0{}T00:00:00.000Z", v.len() % 9),
        has_shrinkwrap: false,
    }
}

fn packument() -> Packument {
    let mut old = version(
        "1.0.0",
        json!({"name": "@s/p", "version": "1.0.0", "description": "old", "dependencies": {"a": "^1"}}),
    );
    old.deprecated = Some("use 2".into());
    let mut new = version(
        "2.0.0",
        json!({"name": "@s/p", "version": "2.0.0", "description": "new", "license": "MIT", "scripts": {"postinstall": "x"},
               "maintainers": [{"name": "u"}], "_nodeVersion": "20", "main": "index.js"}),
    );
    new.attestations_url = Some("http://r/-/npm/v1/attestations/@s/p@2.0.0".into());
    new.has_shrinkwrap = true;
    Packument {
        name: "@s/p".into(),
        versions: vec![old, new],
        dist_tags: BTreeMap::from([("latest".into(), "2.0.0".into()), ("old".into(), "1.0.0".into())]),
        created: "2024-01-01T00:00:00.000Z".into(),
        modified: "2024-02-01T00:00:00.000Z".into(),
        readme: Some("# p".into()),
    }
}

#[test]
fn full_document_has_what_npm_view_and_install_read() {
    let doc = render_full(&packument());
    assert_eq!((doc["_id"].as_str(), doc["name"].as_str()), (Some("@s/p"), Some("@s/p")));
    assert!(doc["_rev"].as_str().unwrap().starts_with("1-"));
    assert_eq!(doc["dist-tags"], json!({"latest": "2.0.0", "old": "1.0.0"}));
    assert_eq!(doc["time"]["created"], "2024-01-01T00:00:00.000Z");
    assert!(doc["time"]["2.0.0"].is_string());
    assert_eq!((doc["description"].as_str(), doc["license"].as_str()), (Some("new"), Some("MIT")));
    assert_eq!(doc["maintainers"], json!([{"name": "u"}]));
    assert_eq!(doc["readme"], "# p");
    let v1 = &doc["versions"]["1.0.0"];
    assert_eq!(v1["_id"], "@s/p@1.0.0");
    assert_eq!(v1["deprecated"], "use 2");
    assert_eq!(v1["dist"]["signatures"], json!([{"keyid": "SHA256:k", "sig": "MEUC"}]));
    assert_eq!((v1["dist"]["fileCount"].as_u64(), v1["dist"]["unpackedSize"].as_u64()), (Some(3), Some(120)));
    let v2 = &doc["versions"]["2.0.0"];
    assert_eq!(v2["dist"]["attestations"]["provenance"]["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!((v2["hasInstallScript"].as_bool(), v2["_hasShrinkwrap"].as_bool()), (Some(true), Some(true)));
}

#[test]
fn the_rev_changes_exactly_when_the_document_does() {
    let p = packument();
    assert_eq!(render_full(&p)["_rev"], render_full(&p.clone())["_rev"]);
    let mut q = p.clone();
    q.versions[0].deprecated = None;
    assert_ne!(render_full(&p)["_rev"], render_full(&q)["_rev"]);
}

#[test]
fn abbreviated_document_has_only_the_corgi_fields() {
    let doc = render_abbreviated(&packument());
    let top: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(top, ["dist-tags", "modified", "name", "versions"]);
    let v1 = doc["versions"]["1.0.0"].as_object().unwrap();
    let keys: Vec<&str> = v1.keys().map(String::as_str).collect();
    assert_eq!(keys, ["dependencies", "deprecated", "dist", "name", "version"]);
    let v2 = doc["versions"]["2.0.0"].as_object().unwrap();
    assert!(v2.contains_key("hasInstallScript") && v2.contains_key("_hasShrinkwrap") && !v2.contains_key("main"));
}

#[test]
fn tarball_names_drop_the_scope_from_the_file_only() {
    assert_eq!(tarball_file_name("@s/p", "1.0.0"), "p-1.0.0.tgz");
    assert_eq!(tarball_path("@s/p", "1.0.0"), "@s/p/-/p-1.0.0.tgz");
    assert_eq!(tarball_path("lodash", "4.17.21"), "lodash/-/lodash-4.17.21.tgz");
}

#[test]
fn content_negotiation_follows_pacote() {
    let corgi = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
    assert!(wants_abbreviated(Some(corgi)));
    assert!(wants_abbreviated(Some("application/vnd.npm.install-v1+json")));
    for full in [None, Some("application/json"), Some("*/*"), Some("application/vnd.npm.install-v1+json;q=0, */*")] {
        assert!(!wants_abbreviated(full), "{full:?}");
    }
    assert!(!wants_abbreviated(Some("application/vnd.npm.install-v1+json;q=0.5, application/json")));
}

#[test]
fn stored_manifests_lose_what_the_registry_owns() {
    let sent = json!({"name": "p", "version": "1.0.0", "_id": "p@1.0.0", "_nodeVersion": "20", "_npmVersion": "11",
        "_resolved": "file:x", "_rev": "1-x", "dist": {"tarball": "evil"}, "readme": "# p", "readmeFilename": "README.md",
        "deprecated": "x", "_hasShrinkwrap": true, "gitHead": "abc"});
    assert_eq!(
        sanitize_manifest(&sent),
        json!({"name": "p", "version": "1.0.0", "_nodeVersion": "20", "_npmVersion": "11", "gitHead": "abc"})
    );
    assert_eq!(readme_of(&sent).as_deref(), Some("# p"));
    assert_eq!(readme_of(&json!({"readme": "ERROR: No README data found!"})), None);
}
