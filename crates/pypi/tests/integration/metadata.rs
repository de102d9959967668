//! Core metadata parsing and its agreement with the filename.

use crate::{WHEEL, fixture};
use arca_pypi::{CoreMetadata, DistFilename, check_agrees};

fn meta(text: &str) -> CoreMetadata {
    CoreMetadata::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_real_wheel_metadata_reads_fully() {
    let bytes = crate::extract(WHEEL, &fixture(WHEEL)).unwrap();
    let m = CoreMetadata::parse(&bytes).unwrap();
    assert_eq!(
        m,
        CoreMetadata {
            metadata_version: "2.4".into(),
            name: "Arca_Demo".into(),
            version: "1.0.post1".into(),
            summary: Some("A tiny demo package for arca's PyPI tests".into()),
            requires_python: Some(">=3.8".into()),
            requires_dist: vec![r#"packaging>=20; python_version >= "3.8""#.into()],
            license: Some("Apache-2.0".into()),
            license_expression: None,
            author: Some("Arca Tests".into()),
            home_page: None,
            project_urls: vec!["Homepage, https://example.invalid/arca-demo".into()],
            classifiers: vec![
                "Programming Language :: Python :: 3".into(),
                "License :: OSI Approved :: Apache Software License".into()
            ],
            description_content_type: Some("text/x-rst".into()),
            dynamic: vec![],
        }
    );
    check_agrees(&DistFilename::parse(WHEEL).unwrap(), &m).unwrap();
}

#[test]
fn headers_read_as_pythons_email_parser_reads_them() {
    let m = meta(
        "metadata-version: 2.2\r\nNAME:demo\r\nVersion: 1.0 \r\nLicense: MIT\r\n        Copyright (c) 2024\r\n\
         Dynamic: Requires-Dist\r\nDynamic: Summary\r\nSummary: first\r\nSummary: second\r\n\
         License-Expression: MIT OR Apache-2.0\r\n\r\nClassifier: in the body, ignored\r\n",
    );
    assert_eq!((m.name.as_str(), m.version.as_str()), ("demo", "1.0"));
    assert_eq!(m.license.as_deref(), Some("MIT\n        Copyright (c) 2024"));
    assert_eq!(m.dynamic, ["Requires-Dist", "Summary"]);
    assert_eq!(m.summary.as_deref(), Some("first"), "Message.get answers the first");
    assert_eq!(m.license_expression.as_deref(), Some("MIT OR Apache-2.0"));
    assert!(m.classifiers.is_empty());
    assert_eq!(meta("\u{feff}Metadata-Version: 1.0\nName: a\nVersion: 1\n").name, "a");
}

#[test]
fn identity_fields_are_required_once() {
    for (text, why) in [
        ("Name: a\nVersion: 1\n", "Metadata-Version field is missing"),
        ("Metadata-Version: 2.1\nVersion: 1\n", "Name field is missing"),
        ("Metadata-Version: 2.1\nName: a\nVersion:   \n", "Version field is missing"),
        ("Metadata-Version: 2.1\nName: a\nname: b\nVersion: 1\n", "Name field appears twice"),
        ("Metadata-Version: 2.1\nName: a\nVersion: 1\nVersion: 2\n", "Version field appears twice"),
        ("Metadata-Version: 2.1\nbroken line\nName: a\nVersion: 1\n", "Name field is missing"),
    ] {
        let e = CoreMetadata::parse(text.as_bytes()).unwrap_err();
        assert_eq!(e.code(), "pypi_invalid_metadata");
        assert!(e.to_string().contains(why), "{text:?}: {e}");
    }
    let e = CoreMetadata::parse(b"Metadata-Version: 2.1\nName: caf\xe9\nVersion: 1\n").unwrap_err();
    assert!(e.to_string().contains("not UTF-8"), "{e}");
}

#[test]
fn metadata_must_name_the_files_project_and_version() {
    let file = DistFilename::parse("arca_demo-1.0.post1.tar.gz").unwrap();
    let agrees = |name: &str, version: &str| {
        check_agrees(&file, &meta(&format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")))
    };
    agrees("Arca.Demo", "1.0.0-1").unwrap();
    agrees("ARCA--demo", "v1.0.post1").unwrap();
    assert_eq!(agrees("arca-demo2", "1.0.post1").unwrap_err().code(), "pypi_mismatch");
    assert_eq!(agrees("arca-demo", "1.0.post2").unwrap_err().code(), "pypi_mismatch");
    assert_eq!(agrees("arca demo", "1.0.post1").unwrap_err().code(), "pypi_invalid_metadata");
    assert_eq!(agrees("arca-demo", "one").unwrap_err().code(), "pypi_invalid_metadata");
}
