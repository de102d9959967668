use super::*;
use proptest::prelude::*;

#[test]
fn parses_parts_and_prints_canonical() {
    let p = Purl::parse("pkg:NPM/%40Scope/Pkg@1.0.0?b=2&A=1#/src/./lib/").unwrap();
    assert_eq!(p.ty, "npm");
    assert_eq!(p.namespace.as_deref(), Some("@scope"));
    assert_eq!(p.name, "pkg");
    assert_eq!(p.version.as_deref(), Some("1.0.0"));
    assert_eq!(p.qualifiers, vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
    assert_eq!(p.subpath.as_deref(), Some("src/lib"));
    assert_eq!(p.to_string(), "pkg:npm/%40scope/pkg@1.0.0?a=1&b=2#src/lib");
    assert_eq!(p.without_version(), "pkg:npm/%40scope/pkg");
    assert_eq!(p.qualifier("a"), Some("1"));
}

#[test]
fn new_normalises_like_parse() {
    let built = Purl::new("PyPI", None, "Foo_Bar", Some("1.0"), &[("Arch", "x86"), ("empty", "")], None).unwrap();
    assert_eq!(built, Purl::parse("pkg:pypi/foo-bar@1.0?arch=x86").unwrap());
    assert_eq!(
        Purl::new("npm", Some("//a//b/"), "n", None, &[], Some("./x/..")).unwrap().namespace.as_deref(),
        Some("a/b")
    );
    assert_eq!(Purl::new("npm", None, "", None, &[], None), Err(PurlError::MissingName));
    assert!(matches!(Purl::new("npm", None, "a", None, &[("1x", "v")], None), Err(PurlError::InvalidQualifier(_))));
}

#[test]
fn version_at_sign_is_only_after_the_last_slash() {
    let p = Purl::parse("pkg:npm/@babel/core").unwrap();
    assert_eq!((p.namespace.as_deref(), p.name.as_str(), p.version.as_deref()), (Some("@babel"), "core", None));
    let p = Purl::parse("pkg:generic/name@v@1").unwrap();
    assert_eq!((p.name.as_str(), p.version.as_deref()), ("name@v", Some("1")));
}

#[test]
fn errors_have_stable_codes() {
    assert_eq!(Purl::parse("npm/a").unwrap_err().code(), "purl_missing_scheme");
    assert_eq!(Purl::parse("pkg:1a/b").unwrap_err().code(), "purl_invalid_type");
    assert_eq!(Purl::parse("pkg:npm/").unwrap_err().code(), "purl_missing_name");
    assert_eq!(Purl::parse(&format!("pkg:npm/{}", "a".repeat(MAX_PURL_LEN))).unwrap_err().code(), "purl_too_long");
}

#[test]
fn serde_uses_the_canonical_string() {
    let p = Purl::parse("pkg:PYPI/Django_X@1").unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(json, "\"pkg:pypi/django-x@1\"");
    assert_eq!(serde_json::from_str::<Purl>(&json).unwrap(), p);
    assert!(serde_json::from_str::<Purl>("\"nope\"").is_err());
}

fn segment() -> impl Strategy<Value = String> {
    // Printable ASCII (all the separators included) plus a few non-ASCII letters.
    proptest::string::string_regex("[ -~éÅßİ]{1,4}|\\PC{1,8}").unwrap()
}

fn ty() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("npm".to_owned()),
        Just("pypi".to_owned()),
        Just("maven".to_owned()),
        Just("cargo".to_owned()),
        Just("gem".to_owned()),
        Just("nuget".to_owned()),
        Just("golang".to_owned()),
        Just("deb".to_owned()),
        Just("apk".to_owned()),
        Just("generic".to_owned()),
        Just("oci".to_owned()),
        proptest::string::string_regex("[a-zA-Z][a-zA-Z0-9.+-]{0,6}").unwrap(),
    ]
}

prop_compose! {
    fn built_purl()(
        ty in ty(),
        ns in proptest::option::of(proptest::collection::vec(segment(), 1..3)),
        name in segment(),
        version in proptest::option::of(segment()),
        qualifiers in proptest::collection::btree_map("[a-zA-Z._-][a-zA-Z0-9._-]{0,5}", segment(), 0..3),
        subpath in proptest::option::of(proptest::collection::vec(segment(), 1..3)),
    ) -> Result<Purl, PurlError> {
        let q: Vec<(&str, &str)> = qualifiers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let ns = ns.map(|s| s.join("/"));
        let sp = subpath.map(|s| s.join("/"));
        Purl::new(&ty, ns.as_deref(), &name, version.as_deref(), &q, sp.as_deref())
    }
}

proptest! {
    #[test]
    fn display_parses_back_to_the_same_purl(p in built_purl()) {
        // Invalid parts (maven without namespace, ...) are skipped; `generated_purls_are_mostly_valid`
        // keeps this property from being vacuous.
        let Ok(p) = p else { return Ok(()) };
        let text = p.to_string();
        prop_assert_eq!(Purl::parse(&text), Ok(p.clone()), "{}", text);
        prop_assert_eq!(Purl::parse(&text).map(|q| q.to_string()), Ok(text.clone()));
    }

    #[test]
    fn parse_never_panics_and_is_idempotent(s in "pkg:[ -~é]{0,40}") {
        if let Ok(p) = Purl::parse(&s) {
            let text = p.to_string();
            prop_assert_eq!(Purl::parse(&text), Ok(p.clone()), "{} -> {}", s, text);
        }
    }
}

#[test]
fn generated_purls_are_mostly_valid() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let ok = (0..1000).filter(|_| built_purl().new_tree(&mut runner).is_ok_and(|t| t.current().is_ok())).count();
    assert!(ok > 800, "only {ok} of 1000 generated purls are valid");
}
