//! Errors with stable codes, and `parse` never panicking on arbitrary bytes or JSON.

use arca_sbom::{MAX_COMPONENTS, MAX_SBOM_BYTES, SbomError, SbomFormat, parse};
use proptest::prelude::*;
use serde_json::{Value, json};

fn code(bytes: &[u8], declared: Option<&str>) -> &'static str {
    parse(bytes, declared).map(|s| panic!("parsed: {s:?}")).unwrap_or_else(|e: SbomError| e.code())
}

#[test]
fn refusals_have_stable_codes() {
    assert_eq!(code(&vec![b' '; MAX_SBOM_BYTES + 1], None), "sbom_too_large");
    assert_eq!(code(b"{\"bomFormat\": ", None), "sbom_invalid_json");
    assert_eq!(
        code(b"<?xml version=\"1.0\"?><bom/>", Some("application/vnd.cyclonedx+xml")),
        "sbom_unsupported_encoding"
    );
    assert_eq!(code(b"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", Some("text/spdx")), "sbom_unsupported_encoding");
    assert_eq!(code(b"{}", None), "sbom_unknown_format");
    assert_eq!(code(b"[1, 2]", None), "sbom_unknown_format");
    let dsse = json!({"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": []});
    assert_eq!(code(dsse.to_string().as_bytes(), None), "sbom_signed_envelope");
    let bundle = json!({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "dsseEnvelope": {}});
    assert_eq!(code(bundle.to_string().as_bytes(), None), "sbom_signed_envelope");
    let slsa = json!({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1", "predicate": {}});
    assert_eq!(code(slsa.to_string().as_bytes(), None), "sbom_not_an_sbom_predicate");
}

#[test]
fn too_many_components_is_an_error_not_a_hang() {
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    doc.push_str(&vec!["{}"; MAX_COMPONENTS + 1].join(","));
    doc.push_str("]}");
    assert_eq!(code(doc.as_bytes(), None), "sbom_too_many_components");
}

#[test]
fn string_and_cosign_data_predicates_are_parsed() {
    let inner =
        json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "a"}]});
    for predicate in [Value::String(inner.to_string()), json!({"Data": inner.to_string()})] {
        let st = json!({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://cyclonedx.org/bom", "predicate": predicate});
        let sbom = parse(st.to_string().as_bytes(), None).unwrap();
        assert_eq!((sbom.format, sbom.components.len()), (SbomFormat::CycloneDx, 1));
    }
}

#[test]
fn a_utf8_byte_order_mark_is_tolerated() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(br#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"a"}]}"#);
    assert_eq!(parse(&bytes, None).unwrap().components.len(), 1);
}

#[test]
fn components_serialise_with_the_purl_as_a_string() {
    let sbom = parse(br#"{"bomFormat":"CycloneDX","components":[{"name":"a","purl":"pkg:NPM/a@1"}]}"#, None).unwrap();
    let json = serde_json::to_value(&sbom).unwrap();
    assert_eq!(json["components"][0]["purl"], "pkg:npm/a@1");
    assert_eq!(serde_json::from_value::<arca_sbom::Sbom>(json).unwrap(), sbom);
}

/// Arbitrary JSON, biased towards the keys the readers look at.
fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("name"),
        Just("version"),
        Just("versionInfo"),
        Just("purl"),
        Just("licenses"),
        Just("license"),
        Just("expression"),
        Just("id"),
        Just("hashes"),
        Just("alg"),
        Just("content"),
        Just("components"),
        Just("group"),
        Just("externalRefs"),
        Just("referenceType"),
        Just("referenceLocator"),
        Just("checksums"),
        Just("algorithm"),
        Just("checksumValue"),
        Just("licenseConcluded"),
        Just("type"),
        Just("spdxId"),
        Just("from"),
        Just("to"),
        Just("relationshipType"),
        Just("software_packageUrl"),
        Just("verifiedUsing"),
        Just("hashValue"),
        Just("externalIdentifier"),
        Just("identifier"),
        Just("packages"),
        Just("@graph"),
        Just("predicate"),
        Just("predicateType"),
        Just("_type"),
        Just("x"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("purl".to_owned()),
            Just("pkg:npm/a@1".to_owned()),
            Just("NOASSERTION".to_owned()),
            Just("software_Package".to_owned()),
            Just("hasDeclaredLicense".to_owned()),
            Just("SHA-256".to_owned()),
            Just("https://in-toto.io/Statement/v1".to_owned()),
            Just("https://cyclonedx.org/bom".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    #[test]
    fn parse_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(&bytes, None);
        let _ = arca_sbom::sniff(&bytes);
    }

    #[test]
    fn parse_never_panics_on_json_in_each_format(body in arb_json(), items in proptest::collection::vec(arb_json(), 0..4)) {
        let docs = [
            body.clone(),
            json!({"bomFormat": "CycloneDX", "specVersion": "1.7", "metadata": {"component": body.clone()}, "components": items.clone()}),
            json!({"spdxVersion": "SPDX-2.3", "packages": items.clone()}),
            json!({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": items.clone()}),
            json!({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://spdx.dev/Document", "predicate": body}),
        ];
        for doc in docs {
            let bytes = doc.to_string();
            for declared in [None, Some("application/vnd.cyclonedx+json"), Some("application/spdx+json")] {
                if let Ok(sbom) = parse(bytes.as_bytes(), declared) {
                    for c in &sbom.components {
                        prop_assert!(!c.name.trim().is_empty());
                        prop_assert!(c.licenses.iter().all(|l| l != "NOASSERTION" && l != "NONE"));
                        prop_assert!(c.hashes.iter().all(|h| h.value.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())));
                        if let Some(p) = &c.purl {
                            prop_assert_eq!(arca_sbom::Purl::parse(&p.to_string()), Ok(p.clone()));
                        }
                    }
                    let unique: std::collections::HashSet<_> = sbom.components.iter().collect();
                    prop_assert_eq!(unique.len(), sbom.components.len());
                }
            }
        }
    }
}
