//! Index lines from the real publish bodies, spelled as crates.io spells them (and as cargo 1.95
//! resolved, fetched and checksummed them: `tests/fixtures/README.md`), index files with the
//! yanked overlay, stored lines read back, paths and `config.json`.

use crate::{DEMO_BODY, DEMO_CKSUM, MIN_BODY, MIN_CKSUM, fixture};
use arca_cargo::index::split_features;
use arca_cargo::{
    CargoError, DepKind, IndexConfig, IndexLine, PublishLimits, Pubtime, index_path, parse_index_path,
    parse_publish_body, render_index_file,
};
use std::collections::BTreeMap;

fn line_of(body: &str, cksum: &str, pubtime: Option<Pubtime>) -> IndexLine {
    let (krate, _, published) = parse_publish_body(&fixture(body), PublishLimits::default()).unwrap();
    assert_eq!(published.cksum(), cksum);
    IndexLine::from_publish(&krate, &published.cksum(), pubtime)
}

const CRATES_IO: &str = r#""registry":"https://github.com/rust-lang/crates.io-index""#;

fn dep(name: &str, req: &str, rest: &str) -> String {
    format!(r#"{{"name":"{name}","req":"{req}",{rest}}}"#)
}

#[test]
fn the_demo_line_is_spelled_field_for_field() {
    let pubtime = Pubtime::parse("2026-11-30T03:50:45Z");
    let line = line_of(DEMO_BODY, DEMO_CKSUM, pubtime).to_json();
    let plain = r#""features":[],"optional":false,"default_features":true,"target":null"#;
    let deps = [
        dep(
            "arca-base",
            "^1.2",
            r#""features":["std"],"optional":false,"default_features":true,"target":null,"kind":"normal""#,
        ),
        dep("cc", "~1.0", &format!(r#"{plain},"kind":"build",{CRATES_IO}"#)),
        dep("hex", "^0.4", &format!(r#"{plain},"kind":"dev",{CRATES_IO}"#)),
        dep(
            "libc",
            "^0.2",
            &format!(
                r#""features":[],"optional":false,"default_features":false,"target":"x86_64-unknown-linux-gnu","kind":"normal",{CRATES_IO}"#
            ),
        ),
        dep(
            "log",
            "^0.4",
            &format!(
                r#""features":[],"optional":true,"default_features":true,"target":null,"kind":"normal",{CRATES_IO}"#
            ),
        ),
        dep("rng", "^0.6", &format!(r#"{plain},"kind":"normal",{CRATES_IO},"package":"rand_core""#)),
        dep(
            "serde",
            "^1.0.100",
            &format!(
                r#""features":["derive"],"optional":true,"default_features":false,"target":null,"kind":"normal",{CRATES_IO}"#
            ),
        ),
        dep(
            "winapi-util",
            "^0.1",
            &format!(
                r#""features":[],"optional":false,"default_features":true,"target":"cfg(windows)","kind":"normal",{CRATES_IO}"#
            ),
        ),
    ];
    let expected = format!(
        concat!(
            r#"{{"name":"arca_demo","vers":"0.3.0","deps":[{deps}],"cksum":"{cksum}","#,
            r#""features":{{"default":["std"],"plain":["std"],"std":[]}},"#,
            r#""features2":{{"logging":["dep:log"],"serde":["dep:serde","log?/std"]}},"#,
            r#""yanked":false,"links":"arcademo","rust_version":"1.70","pubtime":"2026-11-30T03:50:45Z","v":2}}"#
        ),
        deps = deps.join(","),
        cksum = DEMO_CKSUM
    );
    assert_eq!(line, expected);
}

#[test]
fn the_minimal_line_omits_what_it_does_not_have() {
    let line = line_of(MIN_BODY, MIN_CKSUM, None).to_json();
    let expected = format!(
        r#"{{"name":"Arca-Min","vers":"0.1.0+build.5","deps":[],"cksum":"{MIN_CKSUM}","features":{{}},"yanked":false}}"#
    );
    assert_eq!(line, expected);
}

#[test]
fn stored_lines_read_back_and_render_with_the_yanked_overlay() {
    let demo = line_of(DEMO_BODY, DEMO_CKSUM, Pubtime::from_unix_seconds(1_800_000_000)).to_json();
    let min = line_of(MIN_BODY, MIN_CKSUM, None).to_json();
    assert_eq!(IndexLine::parse(&demo).unwrap().to_json(), demo, "a stored line reads back to the same bytes");
    assert_eq!(IndexLine::parse(&format!("{min}\n")).unwrap().to_json(), min, "its newline is ignored");

    let file = render_index_file([(demo.as_str(), false), (min.as_str(), true)]).unwrap();
    let lines: Vec<&str> = file.lines().collect();
    assert!(file.ends_with('\n') && lines.len() == 2);
    assert_eq!(lines[0], demo, "an unyanked line is served as stored");
    assert_eq!(lines[1], min.replace(r#""yanked":false"#, r#""yanked":true"#), "only `yanked` changes");
    let back = render_index_file(lines.iter().map(|l| (*l, false))).unwrap();
    assert_eq!(back, format!("{demo}\n{min}\n"), "unyanking restores the stored bytes");
    assert_eq!(render_index_file([]).unwrap(), "");
    let err = render_index_file([(demo.as_str(), false), ("{not json", false)]).unwrap_err();
    assert!(matches!(err, CargoError::InvalidIndexLine(_)), "a bad stored line is an error, not a lost version");
}

#[test]
fn lines_in_the_shapes_cargo_documents_read() {
    // cargo's registry-index.md example (trailing commas removed), and an old line with `null`s.
    let documented = r#"{"name":"foo","vers":"0.1.0","deps":[{"name":"rand","req":"^0.6","features":["i128_support"],
        "optional":false,"default_features":true,"target":null,"kind":"normal","registry":null,"package":null}],
        "cksum":"d867001db0e2b6e0496f9fac96930e2d42233ecd3ca0413e0753d4c7695d289c","features":{"extras":["rand/simd_support"]},
        "yanked":false,"links":null,"v":2,"features2":{"serde":["dep:serde","rand?/serde"]},"rust_version":"1.60"}"#;
    let line = IndexLine::parse(documented).unwrap();
    assert_eq!((line.v, line.rust_version.as_deref(), line.deps[0].kind), (Some(2), Some("1.60"), DepKind::Normal));
    let old = r#"{"name":"a","vers":"0.0.1","deps":[{"name":"b","req":"*","features":[],"optional":false,
        "default_features":true,"target":null,"kind":null}],"cksum":"bae3","features":{},"yanked":null}"#;
    let line = IndexLine::parse(old).unwrap();
    assert!(!line.yanked && line.deps[0].kind == DepKind::Normal && line.pubtime.is_none());
    let bad_time = r#"{"name":"a","vers":"0.0.1","deps":[],"cksum":"","features":{},"pubtime":"2025-11-12 19:30:12Z"}"#;
    assert!(IndexLine::parse(bad_time).is_err(), "cargo drops such a line: it is never read as valid");
}

#[test]
fn features_depending_on_features2_move_with_them() {
    let features: BTreeMap<String, Vec<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["dep:foo"]),
        ("d", vec!["foo/x"]),
        ("e", vec![]),
        ("f", vec!["e", "d"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    let (features, features2) = split_features(&features);
    assert_eq!(features.keys().collect::<Vec<_>>(), ["d", "e", "f"]);
    assert_eq!(features2.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
}

#[test]
fn index_paths_of_the_fixtures() {
    assert_eq!(index_path("arca_demo"), "ar/ca/arca_demo");
    assert_eq!(index_path("Arca-Min"), "ar/ca/arca-min");
    // What cargo 1.95 requested for them.
    assert_eq!(parse_index_path("ar/ca/arca_demo").unwrap().normalized(), "arca_demo");
    let requested = parse_index_path("ar/ca/arca-min").unwrap();
    assert_eq!((requested.as_str(), requested.normalized()), ("arca-min", "arca_min"));
    assert!(matches!(parse_index_path("ar/cb/arca_demo"), Err(CargoError::InvalidIndexPath(_))));
}

#[test]
fn config_json_without_api_or_auth() {
    let config =
        IndexConfig { dl: "http://127.0.0.1:1/dl/{crate}/{version}".to_owned(), api: None, auth_required: false };
    assert_eq!(config.to_json(), r#"{"auth-required":false,"dl":"http://127.0.0.1:1/dl/{crate}/{version}"}"#);
}
