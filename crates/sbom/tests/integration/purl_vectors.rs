//! The purl-spec test-suite vectors (transcribed into `tests/fixtures/purl/vectors.json`).

use crate::fixture;
use arca_sbom::Purl;
use serde_json::Value;

fn vectors(section: &str) -> Vec<Value> {
    let all: Value = serde_json::from_slice(&fixture("purl/vectors.json")).unwrap();
    all[section].as_array().unwrap().clone()
}

fn check_valid(v: &Value) {
    let input = v["input"].as_str().unwrap();
    let p = Purl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
    assert_eq!(p.to_string(), v["canonical"].as_str().unwrap(), "canonical form of {input}");
    assert_eq!(p.ty, v["type"].as_str().unwrap(), "{input}");
    assert_eq!(p.namespace.as_deref(), v["namespace"].as_str(), "{input}");
    assert_eq!(p.name, v["name"].as_str().unwrap(), "{input}");
    assert_eq!(p.version.as_deref(), v["version"].as_str(), "{input}");
    assert_eq!(p.subpath.as_deref(), v["subpath"].as_str(), "{input}");
    let want: Vec<(String, String)> = v["qualifiers"]
        .as_object()
        .map(|q| q.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect())
        .unwrap_or_default();
    assert_eq!(p.qualifiers, want, "{input}");
    // The canonical form is a fixed point.
    assert_eq!(Purl::parse(&p.to_string()).as_ref(), Ok(&p), "{input}");
}

#[test]
fn purl_spec_valid_vectors() {
    let valid = vectors("valid");
    assert!(valid.len() > 30);
    valid.iter().for_each(check_valid);
}

#[test]
fn purl_spec_invalid_vectors() {
    for v in vectors("invalid").iter().chain(&vectors("local_invalid")) {
        let input = v["input"].as_str().unwrap();
        assert!(Purl::parse(input).is_err(), "{input} should fail: {}", v["why"]);
    }
}

#[test]
fn local_vectors() {
    vectors("local").iter().for_each(check_valid);
}

#[test]
fn without_version_drops_version_qualifiers_and_subpath() {
    let p = Purl::parse("pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources#x").unwrap();
    assert_eq!(p.without_version(), "pkg:maven/org.apache.xmlgraphics/batik-anim");
    let p = Purl::parse("pkg:npm/%40angular/animation@12.3.1").unwrap();
    assert_eq!(p.without_version(), "pkg:npm/%40angular/animation");
}
