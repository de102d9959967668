//! Vectors from Maven's `ComparableVersionTest` (maven-artifact, maven-3.9.x branch), plus the cycles
//! Maven leaves and how this order breaks them.

use super::*;
use crate::version::laws;
use proptest::prelude::*;

fn v(s: &str) -> MavenVersion {
    MavenVersion::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn assert_same(a: &str, b: &str) {
    assert_eq!(v(a).cmp(&v(b)), Ordering::Equal, "{a} == {b}");
    assert_eq!(v(a), v(b), "{a} == {b}");
}

/// `VERSIONS_QUALIFIER` (testVersionsQualifier).
#[test]
fn versions_qualifier() {
    laws::assert_ascending(
        &[
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ],
        v,
    );
}

/// `VERSIONS_NUMBER` (testVersionsNumber), in its 3.9 order: `2.0.a` is `2-a`, below `2-1` (MNG-7644).
#[test]
fn versions_number() {
    laws::assert_ascending(
        &[
            "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2",
            "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m",
        ],
        v,
    );
}

/// testVersionsEqual and testLocaleIndependent.
#[test]
fn versions_equal() {
    for (a, b) in [
        ("1", "1"),
        ("1", "1.0"),
        ("1", "1.0.0"),
        ("1.0", "1.0.0"),
        ("1", "1-0"),
        ("1", "1.0-0"),
        ("1.0", "1.0-0"),
        // no separator between number and character
        ("1a", "1-a"),
        ("1a", "1.0-a"),
        ("1a", "1.0.0-a"),
        ("1.0a", "1-a"),
        ("1.0.0a", "1-a"),
        ("1x", "1-x"),
        ("1x", "1.0-x"),
        ("1x", "1.0.0-x"),
        ("1.0x", "1-x"),
        ("1.0.0x", "1-x"),
        // aliases
        ("1ga", "1"),
        ("1release", "1"),
        ("1final", "1"),
        ("1cr", "1rc"),
        // special "aliases" a, b and m for alpha, beta and milestone
        ("1a1", "1-alpha-1"),
        ("1b2", "1-beta-2"),
        ("1m3", "1-milestone-3"),
        // case insensitive
        ("1X", "1x"),
        ("1A", "1a"),
        ("1B", "1b"),
        ("1M", "1m"),
        ("1Ga", "1"),
        ("1GA", "1"),
        ("1RELEASE", "1"),
        ("1release", "1"),
        ("1RELeaSE", "1"),
        ("1Final", "1"),
        ("1FinaL", "1"),
        ("1FINAL", "1"),
        ("1Cr", "1Rc"),
        ("1cR", "1rC"),
        ("1m3", "1Milestone3"),
        ("1m3", "1MileStone3"),
        ("1m3", "1MILESTONE3"),
        ("1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    ] {
        assert_same(a, b);
    }
}

/// testVersionComparing, then the MNG-5568, MNG-6572 and MNG-6964 regression tests.
#[test]
fn versions_comparing() {
    for (low, high) in [
        ("1", "2"),
        ("1.5", "2"),
        ("1", "2.5"),
        ("1.0", "1.1"),
        ("1.1", "1.2"),
        ("1.0.0", "1.1"),
        ("1.0.1", "1.1"),
        ("1.1", "1.2.0"),
        ("1.0-alpha-1", "1.0"),
        ("1.0-alpha-1", "1.0-alpha-2"),
        ("1.0-alpha-1", "1.0-beta-1"),
        ("1.0-beta-1", "1.0-SNAPSHOT"),
        ("1.0-SNAPSHOT", "1.0"),
        ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"),
        ("1.0", "1.0-1"),
        ("1.0-1", "1.0-2"),
        ("1.0.0", "1.0-1"),
        ("2.0-1", "2.0.1"),
        ("2.0.1-klm", "2.0.1-lmn"),
        ("2.0.1", "2.0.1-xyz"),
        ("2.0.1", "2.0.1-123"),
        ("2.0.1-xyz", "2.0.1-123"),
        // MNG-5568: was not transitive before the fix
        ("6.1.0rc3", "6.1.0"),
        ("6.1.0rc3", "6.1H.5-beta"),
        ("6.1.0", "6.1H.5-beta"),
        // MNG-6572: numbers past int and long
        ("20190126.230843", "1234567890.12345"),
        ("1234567890.12345", "123456789012345.1H.5-beta"),
        ("20190126.230843", "123456789012345.1H.5-beta"),
        ("123456789012345.1H.5-beta", "12345678901234567890.1H.5-beta"),
        ("1234567890.12345", "12345678901234567890.1H.5-beta"),
        ("20190126.230843", "12345678901234567890.1H.5-beta"),
        // MNG-6964: a sub-list starting with 0 is compared as a whole against a missing item
        ("1-0.alpha", "1"),
        ("1-0.beta", "1"),
        ("1-0.alpha", "1-0.beta"),
    ] {
        laws::assert_ascending(&[low, high], v);
    }
}

/// testVersionEqualWithLeadingZeroes and testVersionZeroEqualWithLeadingZeroes (MNG-6572).
#[test]
fn leading_zeros() {
    for digit in ["1", "0"] {
        for len in 1..20 {
            assert_same(&format!("{digit:0>len$}"), digit);
        }
    }
}

/// testMng7644: `1.0.0.X1 < 1.0.0-X2`, and `2-X1 == 2.0.X1 == 2.0.0.X1`, for any qualifier X.
#[test]
fn dot_qualifier_is_dash_qualifier() {
    for x in ["abc", "alpha", "a", "beta", "b", "def", "milestone", "m", "RC"] {
        laws::assert_ascending(&[&format!("1.0.0.{x}1"), &format!("1.0.0-{x}2")], v);
        assert_same(&format!("2-{x}1"), &format!("2.0.{x}1"));
        assert_same(&format!("2-{x}1"), &format!("2.0.0.{x}1"));
        assert_same(&format!("2.0.{x}1"), &format!("2.0.0.{x}1"));
    }
}

/// The POM reference's "Version Order Specification" example of the parsing rules (a letter/digit
/// transition is a `-`, an empty item is `0`), and the MNG-7644 reading of a trailing `.X`.
#[test]
fn pom_reference_equivalences() {
    assert_same("1-1.foo-bar1baz-.1", "1-1.foo-bar-1-baz-0.1");
    assert_same("1.0.0.x", "1-x");
    assert_same("2.0.a", "2.0.0.a");
    assert_same("2.0.a", "2-a");
    assert_same("1.0.0.RELEASE", "1");
}

/// Every triple of strings chosen to hit Maven's edge cases (nulls before sub-lists, `0` before a
/// qualifier, aliases in the middle, empty items) obeys the order laws, not only random ones.
#[test]
fn order_laws_hold_on_edge_cases() {
    let tricky = [
        "1",
        "1.0",
        "1-1",
        "1.0.1",
        "1-alpha",
        "1-sp",
        "1-ga-1",
        "1.0.alpha-1",
        "1.0.alpha.1",
        "1.sp.1",
        "1.ga.1",
        "1-0.alpha",
        "1-0.1",
        "0A0",
        "A",
        "0a",
        "1-",
        "1..1",
        "1--1",
        "-1",
        ".1",
        "1.x",
        "1x.1",
        "6.1H.5-beta",
        "1-1.foo-bar1baz-.1",
        "1.0.0.x",
        "sp",
        "1-sp.1",
        "1.0.sp-1",
        "1-release.1",
        "1.final.0.1",
        "0",
        "00",
        "0.0.1",
        "alpha",
        "1-a1",
        "1a-1",
        "1.0.0.Final-redhat-1",
        "1.0-SNAPSHOT",
        "1.0.0-rc-1",
        "1.0.0.rc1",
        "1-1-1",
        "1.0.0.RC-1",
        "1.0.ga.0.rc-1",
        "1.ga.0.rc-1",
        "1.0.0.sp-1",
        "1.ga.rc-1",
        "1-0-milestone",
        "1.0.RC.5",
    ];
    let versions: Vec<MavenVersion> = tricky.iter().map(|s| v(s)).collect();
    for a in &versions {
        for b in &versions {
            for c in &versions {
                if let Err(e) = laws::check_total_order(a, b, c) {
                    panic!("{e}");
                }
            }
        }
    }
}

#[test]
fn canonical_forms() {
    // As maven-artifact 3.9's `main` prints them.
    for (raw, canonical) in
        [("1.0-sp1", "1-sp-1"), ("1.0.RELEASE", "1"), ("1.0", "1"), ("2.18.4", "2.18.4"), ("1.0-ALPHA1", "1-alpha-1")]
    {
        assert_eq!(v(raw).canonical(), canonical, "{raw}");
    }
    assert_eq!(v("1.0-SNAPSHOT").to_string(), "1.0-SNAPSHOT");
}

#[test]
fn prereleases() {
    for pre in ["1.0-SNAPSHOT", "2.0-rc-1", "1.0-alpha-1-sp", "3.0.0-M1"] {
        assert!(v(pre).is_prerelease(), "{pre}");
    }
    for release in ["1.0", "1.0-sp1", "1.0.Final", "2.1-1", "1.0-jre"] {
        assert!(!v(release).is_prerelease(), "{release}");
    }
}

/// Where Maven's comparison is cyclic, this order picks one consistent answer (see the module docs).
#[test]
fn maven_cycles_are_broken_consistently() {
    // Maven: 1.0.0.RC-1 < 1 < 1-1, yet 1.0.0.RC-1 > 1-1 (a 0 beats a sub-list).
    laws::assert_ascending(&["1.0.0.RC-1", "1.0.0.RC-2", "1", "1-1", "1.0.1"], v);
    // Maven: 1.0.alpha.1 < 1 < 1.sp.1, yet 1.0.alpha.1 > 1.sp.1.
    laws::assert_ascending(&["1.0.alpha.1", "1", "1.sp.1"], v);
    // Maven: 1-0-milestone < 1 < 1-a, yet 1-0-milestone > 1-a (a sub-list beats a qualifier).
    laws::assert_ascending(&["1-0-milestone", "1", "1-a"], v);
}

#[test]
fn refuses_empty_long_and_blank() {
    for bad in ["", " 1.0", "1.0\n", "1 0", "1.0\0"] {
        assert!(MavenVersion::parse(bad).is_err(), "{bad:?}");
    }
    assert!(MavenVersion::parse(&"1".repeat(MAX_VERSION_LEN + 1)).is_err());
    // Deep nesting within the length bound stays cheap and recursion-safe.
    let deep = "1-".repeat(MAX_VERSION_LEN / 2);
    assert!(v(&deep) > v("1"));
}

/// Version-like strings with every kind of item Maven distinguishes.
fn maven_text() -> impl Strategy<Value = String> {
    const WORDS: [&str; 14] =
        ["alpha", "a", "beta", "b", "m", "rc", "cr", "snapshot", "ga", "final", "release", "sp", "x", "jre"];
    let token = prop_oneof![
        "[0-9]{1,2}",
        Just("0".to_owned()),
        prop::sample::select(&WORDS[..]).prop_map(str::to_owned),
        "[A-Za-z]{1,2}[0-9]",
    ];
    let sep = prop_oneof![Just(""), Just("."), Just("-")];
    (token.clone(), prop::collection::vec((sep, token), 0..5))
        .prop_map(|(first, rest)| rest.into_iter().fold(first, |acc, (sep, token)| format!("{acc}{sep}{token}")))
}

proptest! {
    #[test]
    fn never_panics(s in ".{0,40}") {
        if let Ok(version) = MavenVersion::parse(&s) {
            let _ = version.canonical();
            let _ = version.cmp(&v("1"));
        }
    }

    #[test]
    fn order_laws(a in maven_text(), b in maven_text(), c in maven_text()) {
        laws::check_total_order(&v(&a), &v(&b), &v(&c))?;
    }

    #[test]
    fn case_never_matters(s in maven_text()) {
        prop_assert_eq!(v(&s.to_uppercase()), v(&s));
    }

    #[test]
    fn text_round_trips(s in maven_text()) {
        prop_assert_eq!(v(&s).to_string(), s);
    }
}
