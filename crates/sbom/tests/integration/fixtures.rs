//! One test per fixture document: the exact components extracted.

use crate::{f, fixture, flat};
use arca_sbom::{SbomError, SbomFormat, parse};

fn components(name: &str, declared: Option<&str>) -> (SbomFormat, String, Vec<crate::Flat>) {
    let sbom = parse(&fixture(name), declared).unwrap_or_else(|e| panic!("{name}: {e}"));
    (sbom.format, sbom.spec_version, sbom.components.iter().map(flat).collect())
}

#[test]
fn spdx_2_3_syft() {
    let (format, version, got) = components("spdx-2.3-syft.json", Some("application/spdx+json"));
    assert_eq!((format, version.as_str()), (SbomFormat::Spdx2, "2.3"));
    let apk = "?arch=x86_64&distro=alpine-3.20.3";
    assert_eq!(
        got,
        vec![
            f(
                "alpine-baselayout",
                Some("3.6.5-r0"),
                Some(&format!("pkg:apk/alpine/alpine-baselayout@3.6.5-r0{apk}")),
                &["GPL-2.0-only"], // licenseConcluded NOASSERTION → licenseDeclared
                &["sha1:4c0e4f1a3a1c1a9e6b6b7b0e3f2d5c1a0b9e8d7c"],
            ),
            // The second `musl` entry (PACKAGE_MANAGER, qualifiers reordered, upper-case hex) is
            // the same component after normalisation and is dropped.
            f(
                "musl",
                Some("1.2.5-r0"),
                Some(&format!("pkg:apk/alpine/musl@1.2.5-r0{apk}")),
                &["MIT"],
                &["sha256:9a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809"],
            ),
            f("lodash", Some("4.17.21"), Some("pkg:npm/lodash@4.17.21"), &["MIT"], &[]),
            f("Django", Some("4.2.16"), Some("pkg:pypi/django@4.2.16"), &[], &[]),
            f("busybox", Some("1.36.1-r29"), None, &["GPL-2.0-only"], &[]),
            // The nameless package is skipped.
            f(
                "alpine",
                Some("sha256:91ef0af61f39ece4d6710e465df5ee6ca854c6f5a7bc18bea28e41d19b8b2eaa"),
                Some(
                    "pkg:oci/alpine@sha256:91ef0af61f39ece4d6710e465df5ee6ca854c6f5a7bc18bea28e41d19b8b2eaa?arch=amd64&tag=3.20"
                ),
                &[],
                &["sha256:91ef0af61f39ece4d6710e465df5ee6ca854c6f5a7bc18bea28e41d19b8b2eaa"],
            ),
        ]
    );
}

#[test]
fn spdx_2_2_trivy() {
    let (format, version, got) = components("spdx-2.2-trivy.json", None);
    assert_eq!((format, version.as_str()), (SbomFormat::Spdx2, "2.2"));
    assert_eq!(
        got,
        vec![
            f(
                "org.apache.commons:commons-lang3",
                Some("3.12.0"),
                Some("pkg:maven/org.apache.commons/commons-lang3@3.12.0"),
                &["Apache-2.0"],
                &[],
            ),
            f(
                "com.fasterxml.jackson.core:jackson-databind",
                Some("2.13.4.2"),
                Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.4.2"),
                &[],
                &[],
            ),
        ]
    );
}

#[test]
fn spdx_3_0_1_json_ld() {
    let (format, version, got) = components("spdx-3.0.1.json", Some("application/spdx+json"));
    assert_eq!((format, version.as_str()), (SbomFormat::Spdx3, "3.0.1"));
    assert_eq!(
        got,
        vec![
            f(
                "my-app",
                Some("1.0.0"),
                None,
                &["Apache-2.0 OR MIT"],
                &["sha256:d2a84f4b8b650937ec8f73cd8be2c74add5a911ba64df27458ed8229da804a26"],
            ),
            // Concluded is NoAssertionLicense, so the declared listed licence is used.
            f(
                "requests",
                Some("2.32.3"),
                Some("pkg:pypi/requests@2.32.3"),
                &["Apache-2.0"],
                &[
                    "sha3-256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6",
                    "md5:fa4cd7a9d7d8e6b0b4e4f2b8a8b0c1d2",
                ],
            ),
            // purl from externalIdentifier, normalised per the pypi rules.
            f("typing_extensions", Some("4.12.2"), Some("pkg:pypi/typing-extensions@4.12.2"), &["PSF-2.0"], &[]),
            f(
                "bert-base-uncased",
                Some("86b5e0934494bd15c9632b12f734a8a67f723594"),
                Some("pkg:huggingface/google-bert/bert-base-uncased@86b5e0934494bd15c9632b12f734a8a67f723594"),
                &[],
                &[],
            ),
        ]
    );
}

#[test]
fn cyclonedx_1_4_trivy() {
    let (format, version, got) = components("cyclonedx-1.4-trivy.json", Some("application/vnd.cyclonedx+json"));
    assert_eq!((format, version.as_str()), (SbomFormat::CycloneDx, "1.4"));
    let digest = "5f0e4a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7";
    assert_eq!(
        got,
        vec![
            f(
                "python:3.12-slim",
                None,
                Some(&format!("pkg:oci/python@sha256:{digest}?repository_url=index.docker.io%2Flibrary%2Fpython")),
                &[],
                &[],
            ),
            f(
                "libssl3",
                Some("3.0.15-1~deb12u1"),
                Some("pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12.8"),
                &["Apache-2.0"],
                &[],
            ),
            f("pip", Some("24.3.1"), Some("pkg:pypi/pip@24.3.1"), &["MIT"], &[]),
            f("debian", Some("12.8"), None, &[], &[]),
        ]
    );
}

#[test]
fn cyclonedx_1_5_syft() {
    let (format, version, got) = components("cyclonedx-1.5-syft.json", None);
    assert_eq!((format, version.as_str()), (SbomFormat::CycloneDx, "1.5"));
    assert_eq!(
        got,
        vec![
            f("/app", None, None, &[], &[]),
            f(
                "@angular/core",
                Some("17.3.12"),
                Some("pkg:npm/%40angular/core@17.3.12"),
                &["MIT"],
                &[
                    "sha512:0d4a1c2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80"
                ],
            ),
            f("express", Some("4.21.1"), Some("pkg:npm/express@4.21.1"), &["MIT", "Custom: see LICENSE"], &[]),
            // Nested under express.
            f("body-parser", Some("1.20.3"), Some("pkg:npm/body-parser@1.20.3"), &["MIT"], &[]),
            // The nameless component is skipped.
        ]
    );
}

#[test]
fn cyclonedx_1_6_syft() {
    let (format, version, got) =
        components("cyclonedx-1.6-syft.json", Some("application/vnd.cyclonedx+json; version=1.6"));
    assert_eq!((format, version.as_str()), (SbomFormat::CycloneDx, "1.6"));
    assert_eq!(
        got,
        vec![
            f("billing-service", Some("2.4.0"), None, &[], &[]),
            f(
                "org.apache.commons:commons-lang3",
                Some("3.14.0"),
                Some("pkg:maven/org.apache.commons/commons-lang3@3.14.0"),
                &["Apache-2.0"],
                &["sha1:1ed471194b02f2c6cb734a0cd6f6f107c673afae"],
            ),
            f(
                "serde",
                Some("1.0.215"),
                Some("pkg:cargo/serde@1.0.215"),
                &["MIT OR Apache-2.0"],
                &["sha256:6513c1ad0b11a9376da888e3e0baa0077f1aed55c17f50e7b2397136129fb88f"],
            ),
            // golang purls are lower-cased per the type definition; the non-hex hash is dropped.
            f(
                "github.com/Azure/azure-sdk-for-go/sdk/azcore",
                Some("v1.16.0"),
                Some("pkg:golang/github.com/azure/azure-sdk-for-go/sdk/azcore@v1.16.0"),
                &[],
                &[],
            ),
        ]
    );
}

#[test]
fn cyclonedx_1_7_syft() {
    let (format, version, got) = components("cyclonedx-1.7-syft.json", None);
    assert_eq!((format, version.as_str()), (SbomFormat::CycloneDx, "1.7"));
    assert_eq!(
        got,
        vec![
            f(
                "registry.example.com/team/api",
                Some("sha256:3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a"),
                None,
                &[],
                &[],
            ),
            f("rack", Some("3.1.8"), Some("pkg:gem/rack@3.1.8"), &["MIT"], &[]),
            f("rack-session", Some("2.0.0"), Some("pkg:gem/rack-session@2.0.0"), &[], &[]),
            f("base64", Some("0.2.0"), Some("pkg:gem/base64@0.2.0"), &["Ruby OR BSD-2-Clause"], &[]),
            f(
                "Newtonsoft.Json",
                Some("13.0.3"),
                Some("pkg:nuget/Newtonsoft.Json@13.0.3"),
                &[], // NOASSERTION dropped
                &[
                    "sha3-256:a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f",
                    "blake2b-256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                ],
            ),
            // The second `rack` is identical and dropped.
            f(
                "openssl",
                Some("3.3.2"),
                Some(
                    "pkg:generic/openssl@3.3.2?download_url=https:%2F%2Fwww.openssl.org%2Fsource%2Fopenssl-3.3.2.tar.gz"
                ),
                &["Apache-2.0"],
                &[],
            ),
        ]
    );
}

#[test]
fn intoto_v0_1_statement_with_spdx_predicate() {
    // cosign `attest --type spdxjson`, stored by cosign's legacy `.sbom` path as text/spdx+json.
    let (format, version, got) = components("intoto-v0.1-spdx.json", Some("text/spdx+json"));
    assert_eq!((format, version.as_str()), (SbomFormat::Spdx2, "2.3"));
    assert_eq!(
        got,
        vec![f(
            "zlib",
            Some("1.3.1-r1"),
            Some("pkg:apk/alpine/zlib@1.3.1-r1?arch=aarch64&distro=alpine-3.20.3"),
            &["Zlib"],
            &[]
        )]
    );
}

#[test]
fn intoto_v1_statement_with_cyclonedx_predicate() {
    let (format, version, got) = components("intoto-v1-cyclonedx.json", Some("application/vnd.in-toto+json"));
    assert_eq!((format, version.as_str()), (SbomFormat::CycloneDx, "1.6"));
    assert_eq!(got, vec![f("flask", Some("3.1.0"), Some("pkg:pypi/flask@3.1.0"), &["BSD-3-Clause"], &[])]);
}

#[test]
fn mislabelled_documents_are_read_by_content() {
    let cases = [
        ("cyclonedx-1.6-syft.json", "application/spdx+json", SbomFormat::CycloneDx),
        ("cyclonedx-1.7-syft.json", "application/vnd.goharbor.harbor.sbom.v1", SbomFormat::CycloneDx),
        ("cyclonedx-1.4-trivy.json", "application/json", SbomFormat::CycloneDx),
        ("spdx-2.3-syft.json", "application/vnd.cyclonedx+json", SbomFormat::Spdx2),
        ("spdx-2.3-syft.json", "text/spdx+json", SbomFormat::Spdx2),
        ("spdx-3.0.1.json", "application/json", SbomFormat::Spdx3),
        ("spdx-3.0.1.json", "application/vnd.cyclonedx+json", SbomFormat::Spdx3),
        ("intoto-v1-cyclonedx.json", "application/spdx+json", SbomFormat::CycloneDx),
    ];
    for (name, declared, want) in cases {
        let sbom = parse(&fixture(name), Some(declared)).unwrap_or_else(|e| panic!("{name} as {declared}: {e}"));
        assert_eq!(sbom.format, want, "{name} as {declared}");
        assert_eq!(sbom, parse(&fixture(name), None).unwrap(), "{name}: the label changes nothing");
    }
}

#[test]
fn a_document_without_its_marker_needs_the_declared_type() {
    let bytes = fixture("cyclonedx-no-bomformat.json");
    let sbom = parse(&bytes, Some("application/vnd.cyclonedx+json; version=1.5")).unwrap();
    assert_eq!((sbom.format, sbom.spec_version.as_str()), (SbomFormat::CycloneDx, "1.5"));
    assert_eq!(
        sbom.components.iter().map(flat).collect::<Vec<_>>(),
        vec![f("left-pad", Some("1.3.0"), Some("pkg:npm/left-pad@1.3.0"), &["WTFPL"], &[])]
    );
    for declared in [None, Some("application/json"), Some("application/vnd.goharbor.harbor.sbom.v1")] {
        assert!(matches!(parse(&bytes, declared), Err(SbomError::UnknownFormat)), "{declared:?}");
    }
}

#[test]
fn sniff_agrees_with_parse_on_every_fixture() {
    for (name, want) in [
        ("spdx-2.3-syft.json", SbomFormat::Spdx2),
        ("spdx-2.2-trivy.json", SbomFormat::Spdx2),
        ("spdx-3.0.1.json", SbomFormat::Spdx3),
        ("cyclonedx-1.4-trivy.json", SbomFormat::CycloneDx),
        ("cyclonedx-1.5-syft.json", SbomFormat::CycloneDx),
        ("cyclonedx-1.6-syft.json", SbomFormat::CycloneDx),
        ("cyclonedx-1.7-syft.json", SbomFormat::CycloneDx),
        ("intoto-v0.1-spdx.json", SbomFormat::Spdx2),
        ("intoto-v1-cyclonedx.json", SbomFormat::CycloneDx),
    ] {
        assert_eq!(arca_sbom::sniff(&fixture(name)), Some(want), "{name}");
        assert_eq!(parse(&fixture(name), None).unwrap().format, want, "{name}");
    }
    assert_eq!(arca_sbom::sniff(&fixture("cyclonedx-no-bomformat.json")), None);
}
