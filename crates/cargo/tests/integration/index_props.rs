//! Index lines of random publishes: the line reads back to the same value and the same bytes,
//! rendering a file changes nothing but `yanked`, features are split without loss, renamed
//! dependencies keep both names.

use arca_cargo::{IndexLine, NewCrate, Pubtime, render_index_file};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn dep() -> impl Strategy<Value = Value> {
    let name = "[a-z_][a-z0-9_-]{0,8}";
    let req = prop_oneof![Just("^1.2"), Just("~0.3.1"), Just(">=1, <2"), Just("*"), Just("=1.0.0-rc.1")];
    let target = proptest::option::of(prop_oneof![
        Just("cfg(windows)"),
        Just("cfg(all(unix, target_os = \"linux\"))"),
        Just("wasm32-unknown-unknown")
    ]);
    let kind = prop_oneof![Just("normal"), Just("build"), Just("dev")];
    let registry = proptest::option::of(Just("https://github.com/rust-lang/crates.io-index"));
    let alias = proptest::option::of("[a-z][a-z0-9_]{0,6}");
    let features = proptest::collection::vec("[a-z][a-z0-9_-]{0,5}", 0..3);
    (name, req, target, kind, registry, alias, features, any::<(bool, bool)>()).prop_map(
        |(name, req, target, kind, registry, alias, features, (optional, default_features))| {
            json!({ "name": name, "version_req": req, "target": target, "kind": kind, "registry": registry,
                "explicit_name_in_toml": alias, "features": features, "optional": optional,
                "default_features": default_features })
        },
    )
}

fn feature_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,5}",
        "[a-z][a-z0-9_]{0,5}".prop_map(|d| format!("dep:{d}")),
        ("[a-z][a-z0-9_]{0,5}", "[a-z][a-z0-9]{0,4}").prop_map(|(d, f)| format!("{d}/{f}")),
        ("[a-z][a-z0-9_]{0,5}", "[a-z][a-z0-9]{0,4}").prop_map(|(d, f)| format!("{d}?/{f}")),
    ]
}

fn new_crate() -> impl Strategy<Value = NewCrate> {
    let version =
        ("[0-9]{1,2}", "[0-9]", "[0-9]", proptest::option::of("[a-z]{1,4}"), proptest::option::of("[a-z0-9]{1,4}"));
    let features =
        proptest::collection::btree_map("[a-z][a-z0-9_]{0,5}", proptest::collection::vec(feature_value(), 0..4), 0..6);
    let links = proptest::option::of("[a-z]{1,8}");
    let rust_version = proptest::option::of(prop_oneof![Just("1.70"), Just("1.85.1"), Just("2")]);
    ("[a-zA-Z][a-zA-Z0-9_-]{0,12}", version, proptest::collection::vec(dep(), 0..6), features, links, rust_version)
        .prop_map(|(name, (major, minor, patch, pre, build), deps, features, links, rust_version)| {
            let number = |n: String| n.trim_start_matches('0').to_owned();
            let major = if number(major.clone()).is_empty() { "0".to_owned() } else { number(major) };
            let mut vers = format!("{major}.{minor}.{patch}");
            if let Some(pre) = pre {
                vers = format!("{vers}-{pre}");
            }
            if let Some(build) = build {
                vers = format!("{vers}+{build}");
            }
            let doc = json!({ "name": name, "vers": vers, "deps": deps, "features": features, "links": links,
                "rust_version": rust_version });
            NewCrate::parse(doc.to_string().as_bytes()).unwrap_or_else(|e| panic!("{doc}: {e}"))
        })
}

proptest! {
    #[test]
    fn lines_read_back_to_the_same_bytes(krate in new_crate(), seconds in 0i64..4_000_000_000, cksum in "[0-9a-f]{64}", with_time in any::<bool>()) {
        let pubtime = with_time.then(|| Pubtime::from_unix_seconds(seconds)).flatten();
        let line = IndexLine::from_publish(&krate, &cksum, pubtime);
        let text = line.to_json();
        let back = IndexLine::parse(&text).unwrap();
        prop_assert_eq!(&back, &line);
        prop_assert_eq!(back.to_json(), text.clone());
        let value: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(value["v"].as_u64().is_some(), value.get("features2").is_some());
        prop_assert_eq!(value.get("pubtime").and_then(Value::as_str).map(str::len), pubtime.map(|_| 20));
    }

    #[test]
    fn rendering_only_changes_yanked(krates in proptest::collection::vec(new_crate(), 1..4), yanked in proptest::collection::vec(any::<bool>(), 4)) {
        let stored: Vec<String> = krates.iter().map(|k| IndexLine::from_publish(k, "00", None).to_json()).collect();
        let file = render_index_file(stored.iter().zip(&yanked).map(|(l, y)| (l.as_str(), *y))).unwrap();
        for ((rendered, stored), y) in file.lines().zip(&stored).zip(&yanked) {
            let mut expected = IndexLine::parse(stored).unwrap();
            expected.yanked = *y;
            prop_assert_eq!(IndexLine::parse(rendered).unwrap(), expected);
            prop_assert_eq!(rendered == stored, !*y);
        }
    }

    #[test]
    fn features_are_split_without_loss_and_deps_keep_both_names(krate in new_crate()) {
        let line = IndexLine::from_publish(&krate, "00", None);
        let mut merged: BTreeMap<String, Vec<String>> = line.features.clone();
        let features2 = line.features2.clone().unwrap_or_default();
        for (name, values) in &features2 {
            prop_assert!(merged.insert(name.clone(), values.clone()).is_none(), "a feature is in one map only");
        }
        prop_assert_eq!(&merged, &krate.features);
        for values in line.features.values() {
            prop_assert!(values.iter().all(|v| !v.starts_with("dep:") && !v.contains("?/") && !features2.contains_key(v)));
        }
        prop_assert_eq!(line.deps.len(), krate.deps.len());
        for dep in &krate.deps {
            let shown = dep.explicit_name_in_toml.as_ref().unwrap_or(&dep.name);
            let package = dep.explicit_name_in_toml.as_ref().map(|_| &dep.name);
            prop_assert!(line.deps.iter().any(|d| &d.name == shown && d.package.as_ref() == package && d.req == dep.version_req));
        }
        prop_assert!(line.deps.windows(2).all(|w| (&w[0].name, w[0].kind) <= (&w[1].name, w[1].kind)));
    }
}
