//! PEP 740 attestations and provenance.

use arca_pypi::{DistFilename, check_attestation_subjects, parse_attestations, provenance_document};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const SHA: &str = "fb25d013a542d4f4bcc1abc285c5d97885ffa15d41033691bb5e0f45ffd48bdd";
const PUBLISH: &str = "https://docs.pypi.org/attestations/publish/v1";
const SLSA: &str = "https://slsa.dev/provenance/v1";

fn statement(subjects: Value, predicate_type: &str) -> Value {
    json!({"_type": "https://in-toto.io/Statement/v1", "subject": subjects, "predicateType": predicate_type, "predicate": null})
}

fn subject(name: &str, sha256: &str) -> Value {
    json!([{"name": name, "digest": {"sha256": sha256}}])
}

/// An attestation shaped as `pypi-attestations` writes it (certificate and signature are
/// placeholders: nothing here verifies them).
fn attestation(statement: &Value) -> Value {
    json!({
        "version": 1,
        "verification_material": {
            "certificate": STANDARD.encode(b"0\x82\x02\xec certificate DER"),
            "transparency_entries": [{"logIndex": "200170367", "kindVersion": {"kind": "dsse", "version": "0.0.1"}}],
        },
        "envelope": {"statement": STANDARD.encode(statement.to_string()), "signature": STANDARD.encode(b"0E\x02!signature")},
    })
}

fn publish_for(name: &str) -> Value {
    attestation(&statement(subject(name, SHA), PUBLISH))
}

fn sdist() -> DistFilename {
    DistFilename::parse(crate::SDIST).unwrap()
}

fn refusal(json: &str) -> String {
    let e = parse_attestations(json).unwrap_err();
    assert_eq!(e.code(), "pypi_invalid_attestation");
    e.to_string()
}

#[test]
fn well_formed_attestations_are_kept_verbatim() {
    let list = json!([publish_for(crate::SDIST), attestation(&statement(subject(crate::SDIST, SHA), SLSA))]);
    let parsed = parse_attestations(&list.to_string()).unwrap();
    assert_eq!(Value::Array(parsed.clone()), list);
    check_attestation_subjects(&parsed, &sdist(), SHA).unwrap();
    check_attestation_subjects(&parsed, &sdist(), &SHA.to_ascii_uppercase()).unwrap();
}

#[test]
fn the_subject_must_be_the_uploaded_file() {
    // PEP 740: names are compared as parsed distributions, so another spelling is the same file.
    let renamed = parse_attestations(&json!([publish_for("Arca.Demo-1.0.0.post1.tar.gz")]).to_string()).unwrap();
    check_attestation_subjects(&renamed, &sdist(), SHA).unwrap();
    for other in ["arca_demo-1.0.post2.tar.gz", "arca_demo-1.0.post1.zip", "not a filename"] {
        let list = parse_attestations(&json!([publish_for(other)]).to_string()).unwrap();
        let e = check_attestation_subjects(&list, &sdist(), SHA).unwrap_err();
        assert!(e.to_string().contains("is about"), "{other}: {e}");
    }
    let list = parse_attestations(&json!([publish_for(crate::SDIST)]).to_string()).unwrap();
    let e = check_attestation_subjects(&list, &sdist(), &"0".repeat(64)).unwrap_err();
    assert!(e.to_string().contains("sha256"), "{e}");
}

#[test]
fn malformed_attestations_say_what_is_wrong() {
    let ok = publish_for(crate::SDIST);
    let edit = |path: &[&str], value: Value| {
        let mut a = ok.clone();
        let mut at = &mut a;
        for key in &path[..path.len() - 1] {
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = value;
        json!([a]).to_string()
    };
    let cases = [
        ("{}".to_string(), "must be a JSON array"),
        ("[".to_string(), "not JSON"),
        ("[]".to_string(), "expected 1 to 8"),
        (edit(&["version"], json!(2)), "unsupported version 2"),
        (edit(&["version"], json!("1")), "invalid type"),
        (edit(&["verification_material", "certificate"], json!("***")), "invalid base64"),
        (edit(&["verification_material", "certificate"], json!("")), "certificate is empty"),
        (edit(&["verification_material", "transparency_entries"], json!([])), "no transparency log entry"),
        (edit(&["envelope", "signature"], Value::Null), "invalid type"),
        (edit(&["envelope", "statement"], json!(STANDARD.encode("not json"))), "not an in-toto statement"),
    ];
    for (json, why) in cases {
        let message = refusal(&json);
        assert!(message.contains(why), "{json}: {message}");
    }
    let two_subjects = json!([{"name": "a-1.0.tar.gz", "digest": {"sha256": SHA}}, {"name": "b-1.0.tar.gz", "digest": {"sha256": SHA}}]);
    for (statement, why) in [
        (statement(two_subjects, PUBLISH), "exactly one subject"),
        (statement(subject(crate::SDIST, "abc"), PUBLISH), "no hex sha256"),
        (statement(subject(crate::SDIST, SHA), "https://example.com/predicate"), "unsupported predicate type"),
        (
            json!({"_type": "https://in-toto.io/Statement/v0.1", "subject": subject(crate::SDIST, SHA), "predicateType": PUBLISH}),
            "_type",
        ),
    ] {
        let message = refusal(&json!([attestation(&statement)]).to_string());
        assert!(message.contains(why), "{message}");
    }
    assert!(refusal(&json!([ok.clone(), ok.clone()]).to_string()).contains("same predicate type"));
    assert!(refusal(&Value::Array(vec![ok; 9]).to_string()).contains("expected 1 to 8 attestations, got 9"));
}

#[test]
fn the_provenance_object_has_pep_740s_shape() {
    let attestations = vec![publish_for(crate::SDIST)];
    let publisher = json!({"kind": "GitHub", "claims": {}, "repository": "acme/demo", "workflow": "release.yml"});
    let doc = provenance_document(Some(publisher.clone()), &attestations);
    assert_eq!(
        doc,
        json!({"version": 1, "attestation_bundles": [{"publisher": publisher, "attestations": attestations}]})
    );
    let anonymous = provenance_document(None, &attestations);
    assert_eq!(anonymous["attestation_bundles"][0]["publisher"], json!({"kind": "unverified", "claims": {}}));
}
