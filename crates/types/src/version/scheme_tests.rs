use super::*;
use proptest::prelude::*;

fn sorted(scheme: VersionScheme, versions: &[&'static str]) -> Vec<&'static str> {
    let mut v = versions.to_vec();
    v.sort_by(|a, b| scheme.compare(a, b));
    v
}

#[test]
fn names_round_trip() {
    for scheme in VersionScheme::ALL {
        assert_eq!(VersionScheme::parse(scheme.as_str()), Some(scheme));
        // serde names are the `as_str` names (checked through serde's own string deserializer).
        let de = serde::de::IntoDeserializer::<serde::de::value::Error>::into_deserializer(scheme.as_str());
        assert_eq!(<VersionScheme as serde::Deserialize>::deserialize(de).ok(), Some(scheme));
    }
    assert_eq!(VersionScheme::parse("SemVer"), None);
}

#[test]
fn each_scheme_sorts_its_own_versions() {
    assert_eq!(
        sorted(VersionScheme::SemVer, &["1.10.0", "v1.2.0", "1.2.0-rc.1", "1.9.0", "1.2.0"]),
        ["1.2.0-rc.1", "1.2.0", "v1.2.0", "1.9.0", "1.10.0"]
    );
    assert_eq!(
        sorted(VersionScheme::Pep440, &["1.0.post1", "1.0", "1.0rc1", "1.0.dev0", "1!0.1", "0.9"]),
        ["0.9", "1.0.dev0", "1.0rc1", "1.0", "1.0.post1", "1!0.1"]
    );
    assert_eq!(
        sorted(VersionScheme::Maven, &["1.0", "1.0-SNAPSHOT", "1.0-sp1", "1.0.1", "1.0-RC1"]),
        ["1.0-RC1", "1.0-SNAPSHOT", "1.0", "1.0-sp1", "1.0.1"]
    );
    assert_eq!(sorted(VersionScheme::Lexical, &["1.9", "1.10", "1.1"]), ["1.1", "1.10", "1.9"]);
}

#[test]
fn invalid_versions_sort_first_lexically() {
    assert_eq!(
        sorted(VersionScheme::SemVer, &["2.0.0", "latest", "1.0", "1.0.0", "main"]),
        ["1.0", "latest", "main", "1.0.0", "2.0.0"]
    );
    assert_eq!(sorted(VersionScheme::Pep440, &["1.0", "nightly", "0.1"]), ["nightly", "0.1", "1.0"]);
    assert!(!VersionScheme::SemVer.is_valid("latest"));
    assert!(VersionScheme::SemVer.is_valid("v1.0.0"));
    assert!(VersionScheme::Lexical.is_valid(""));
}

#[test]
fn precedence_is_coarser_than_compare() {
    let pep = VersionScheme::Pep440;
    assert_eq!(pep.precedence("1.0", "1.0.0"), Ordering::Equal);
    assert_eq!(pep.compare("1.0", "1.0.0"), Ordering::Less);
    let semver = VersionScheme::SemVer;
    assert_eq!(semver.precedence("1.0.0+b", "1.0.0+a"), Ordering::Equal);
    assert_eq!(semver.precedence("v1.0.0", "1.0.0"), Ordering::Equal);
    assert_eq!(semver.compare("1.0.0+b", "1.0.0+a"), Ordering::Greater);
    assert_eq!(VersionScheme::Maven.precedence("1.0", "1-ga"), Ordering::Equal);
}

#[test]
fn push_time_orders_by_time() {
    let at = |version, ms| Pushed { version, at: PushTime(ms) };
    let scheme = VersionScheme::PushTime;
    assert_eq!(scheme.compare_pushed(at("9.0", 1), at("1.0", 2)), Ordering::Less);
    assert_eq!(scheme.compare_pushed(at("b", 5), at("a", 5)), Ordering::Greater);
    // Other schemes use the version first, the time only between identical strings.
    assert_eq!(VersionScheme::SemVer.compare_pushed(at("2.0.0", 1), at("1.0.0", 2)), Ordering::Greater);
    assert_eq!(VersionScheme::SemVer.compare_pushed(at("1.0.0", 1), at("1.0.0", 2)), Ordering::Less);
}

/// Mostly version-shaped strings, with arbitrary ones mixed in, so both branches of the fallback run.
fn version_ish() -> impl Strategy<Value = String> {
    prop_oneof![
        "v?[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}(-[a-z0-9]{1,3})?(\\+[a-z0-9]{1,2})?",
        "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}((a|b|rc|-SNAPSHOT|\\.post|\\.dev|-sp|\\.Final)[0-9]?)?",
        ".{0,12}",
    ]
}

proptest! {
    #[test]
    fn compare_is_a_total_order_on_strings(a in version_ish(), b in version_ish(), c in version_ish()) {
        for scheme in VersionScheme::ALL {
            let cmp = |x: &str, y: &str| scheme.compare(x, y);
            prop_assert_eq!(cmp(&a, &b), cmp(&b, &a).reverse(), "{} {:?} {:?}", scheme, a, b);
            prop_assert_eq!(cmp(&a, &b) == Ordering::Equal, a == b);
            let mut v = [a.as_str(), b.as_str(), c.as_str()];
            v.sort_by(|x, y| cmp(x, y));
            prop_assert!(cmp(v[0], v[2]) != Ordering::Greater, "{} {:?}", scheme, v);
            for (p, q, r) in [(&a, &b, &c), (&a, &c, &b), (&b, &a, &c), (&b, &c, &a), (&c, &a, &b), (&c, &b, &a)] {
                if cmp(p, q).is_le() && cmp(q, r).is_le() {
                    prop_assert!(cmp(p, r).is_le(), "{}: {:?} <= {:?} <= {:?}", scheme, p, q, r);
                }
                let pre = |x: &str, y: &str| scheme.precedence(x, y);
                if pre(p, q).is_le() && pre(q, r).is_le() {
                    prop_assert!(pre(p, r).is_le(), "{} precedence: {:?} <= {:?} <= {:?}", scheme, p, q, r);
                }
            }
        }
    }

    #[test]
    fn never_panics(a in ".{0,300}", b in ".{0,20}") {
        for scheme in VersionScheme::ALL {
            let _ = scheme.compare(&a, &b);
            let _ = scheme.is_valid(&a);
        }
    }
}
