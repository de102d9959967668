//! The publish metadata: read leniently in its shape (what older and newer cargo send), checked
//! strictly in what the index line will carry.

use arca_cargo::{CargoError, DepKind, ErrorKind, NewCrate};
use serde_json::{Value, json};

fn parse(doc: &Value) -> Result<NewCrate, CargoError> {
    NewCrate::parse(doc.to_string().as_bytes())
}

fn with_dep(dep: Value) -> Value {
    json!({ "name": "demo", "vers": "1.0.0", "deps": [dep] })
}

fn dep(overrides: Value) -> Value {
    let mut d = json!({ "name": "serde", "version_req": "^1", "features": [], "optional": false,
        "default_features": true, "target": null, "kind": "normal" });
    for (k, v) in overrides.as_object().unwrap() {
        d[k] = v.clone();
    }
    d
}

#[test]
fn missing_and_null_fields_take_their_defaults() {
    let minimal = parse(&json!({ "name": "demo", "vers": "1.0.0" })).unwrap();
    assert!(minimal.deps.is_empty() && minimal.features.is_empty() && minimal.keywords.is_empty());
    let nulls = parse(&json!({
        "name": "demo", "vers": "1.0.0", "deps": null, "features": null, "authors": null, "keywords": null,
        "categories": null, "badges": null, "description": null, "links": null, "rust_version": null,
        "some_future_field": {"x": 1},
    }))
    .unwrap();
    assert_eq!(nulls, minimal);
    // An old cargo's dependency: no kind, no default_features, null features.
    let old = parse(&with_dep(json!({ "name": "serde", "version_req": "^1", "features": null }))).unwrap();
    let d = &old.deps[0];
    assert_eq!((d.kind, d.default_features, d.optional, d.features.len()), (DepKind::Normal, true, false, 0));
    // A newer cargo's: `lib`, `bindep_target` and `artifact: null` are read and ignored.
    let newer = dep(json!({ "lib": false, "bindep_target": null, "artifact": null, "public": true }));
    assert!(parse(&with_dep(newer)).is_ok());
}

#[test]
fn names_and_versions_follow_crates_io_and_semver() {
    for name in ["1abc", "", "a b", "é", &"a".repeat(65), "-x", "_x"] {
        let err = parse(&json!({ "name": name, "vers": "1.0.0" })).unwrap_err();
        assert!(matches!(err, CargoError::InvalidName { .. }), "{name}: {err}");
    }
    assert_eq!(
        parse(&json!({ "name": "a b", "vers": "1.0.0" })).unwrap_err().to_string(),
        "invalid crate name `a b`: use ASCII letters, digits, '-' and '_'"
    );
    for vers in ["1.0", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0+a+b", ""] {
        let err = parse(&json!({ "name": "demo", "vers": vers })).unwrap_err();
        assert!(matches!(err, CargoError::InvalidVersion { .. }), "{vers}: {err}");
    }
    let err = parse(&json!({ "name": "demo" })).unwrap_err();
    assert_eq!(err.to_string(), "invalid publish metadata: missing field `vers` at line 1 column 15");
    assert!(matches!(parse(&json!({ "name": "demo", "vers": 1 })), Err(CargoError::InvalidMetadata(_))));
    let dup = br#"{"name":"demo","vers":"1.0.0","vers":"2.0.0"}"#;
    assert!(matches!(NewCrate::parse(dup), Err(CargoError::InvalidMetadata(_))), "duplicate fields are refused");
    assert!(matches!(NewCrate::parse(b"[]"), Err(CargoError::InvalidMetadata(_))));
    assert!(matches!(NewCrate::parse(b"\xff"), Err(CargoError::InvalidMetadata(_))));
}

#[test]
fn dependencies_are_checked() {
    let refused = [
        dep(json!({ "name": "1x" })),
        dep(json!({ "explicit_name_in_toml": "a.b" })),
        dep(json!({ "version_req": "1.0 || 2.0" })),
        dep(json!({ "version_req": "" })),
        dep(json!({ "kind": "test" })),
        dep(json!({ "features": ["a b"] })),
        dep(json!({ "target": "cfg(unix" })),
        dep(json!({ "target": "" })),
        dep(json!({ "registry": "" })),
        dep(json!({ "artifact": ["bin"] })),
    ];
    for d in refused {
        let err = parse(&with_dep(d.clone())).unwrap_err();
        assert!(matches!(err, CargoError::InvalidDependency { .. }), "{d}: {err}");
        assert_eq!(err.kind(), ErrorKind::Invalid);
    }
    let err = parse(&with_dep(dep(json!({ "version_req": "=>1", "explicit_name_in_toml": "json" })))).unwrap_err();
    assert_eq!(err.to_string(), "invalid dependency `json`: version requirement `=>1`: expected a version number");
    for ok in [
        dep(json!({ "name": "_private", "version_req": ">= 1.2, < 1.5" })),
        dep(json!({ "target": "cfg(all(unix, target_os = \"linux\"))", "kind": "build" })),
        dep(json!({ "registry": "sparse+https://other.example/index/", "features": ["derive", "std"] })),
        dep(json!({ "version_req": "*" })),
    ] {
        assert!(parse(&with_dep(ok.clone())).is_ok(), "{ok}");
    }
}

#[test]
fn features_links_and_rust_version_are_checked() {
    let base = |field: &str, value: Value| {
        let mut doc = json!({ "name": "demo", "vers": "1.0.0" });
        doc[field] = value;
        parse(&doc)
    };
    assert!(base("features", json!({ "std": [], "serde": ["dep:serde", "log?/std", "other/x"] })).is_ok());
    for bad in [json!({ "": [] }), json!({ "-x": [] }), json!({ "a": ["dep:"] }), json!({ "a": ["x/"] })] {
        let err = base("features", bad.clone()).unwrap_err();
        assert!(matches!(err, CargoError::InvalidField { field: "features", .. }), "{bad}: {err}");
    }
    assert!(matches!(base("features", json!({ "a": "b" })), Err(CargoError::InvalidMetadata(_))));
    assert!(base("links", json!("z")).is_ok());
    assert!(matches!(base("links", json!("a b")), Err(CargoError::InvalidField { field: "links", .. })));
    assert!(base("rust_version", json!("1.70.0")).is_ok());
    let err = base("rust_version", json!("1.70-nightly")).unwrap_err();
    assert_eq!(err.to_string(), "invalid `rust_version`: expected a Rust version like `1.70` or `1.70.0`");
}

#[test]
fn long_user_input_is_shortened_in_messages() {
    let name = format!("a{}", " ".repeat(500));
    let message = parse(&json!({ "name": name, "vers": "1.0.0" })).unwrap_err().to_string();
    assert!(message.len() < 200, "{message}");
}
