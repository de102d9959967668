use super::*;
use proptest::prelude::*;

/// Runs `a <|=|> b` vectors; returns the lines that did not hold (or did not parse).
fn failures(order: VersionOrder, vectors: &str) -> Vec<String> {
    let mut failed = Vec::new();
    for line in vectors.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let [a, op, b] = parts[..] else { panic!("bad vector line {line:?}") };
        let expected = match op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => panic!("bad operator in {line:?}"),
        };
        if order.compare(a, b) != Some(expected) || order.compare(b, a) != Some(expected.reverse()) {
            failed.push(format!("{line} (got {:?})", order.compare(a, b)));
        }
    }
    failed
}

fn assert_vectors(order: VersionOrder, vectors: &str, known: &[&str]) {
    let failed: Vec<String> = failures(order, vectors)
        .into_iter()
        .filter(|f| !known.iter().any(|k| f.starts_with(&format!("{k} "))))
        .collect();
    assert!(failed.is_empty(), "{order:?} vectors failed:\n{}", failed.join("\n"));
}

#[test]
fn debian_vectors() {
    assert_vectors(VersionOrder::Debian, include_str!("../../tests/vectors/debian-versions.txt"), &[]);
}

#[test]
fn rubygems_vectors() {
    assert_vectors(VersionOrder::RubyGems, include_str!("../../tests/vectors/rubygems-versions.txt"), &[]);
}

#[test]
fn nuget_vectors() {
    assert_vectors(VersionOrder::NuGet, include_str!("../../tests/vectors/nuget-versions.txt"), &[]);
}

#[test]
fn alpine_vectors() {
    assert_vectors(VersionOrder::Alpine, include_str!("../../tests/vectors/alpine-versions.txt"), ALPINE_KNOWN);
}

/// Lines of osv-scalibr's alpine vectors this port does not reproduce. Every one involves a version apk
/// itself calls invalid (double dots, upper-case letters, a bare `_`, `--r`), whose order is an artefact
/// of the reference's regexes; no real package version looks like these.
const ALPINE_KNOWN: &[&str] = &["1.. > 1.0", "1.2.0A > 1.2.0d", "1.2.0D > 1.2.0d", "1.2 < 1.2_", "1-ruff2 < 1--ruff1"];

#[test]
fn pypi_vectors() {
    assert_vectors(VersionOrder::Pep440, include_str!("../../tests/vectors/pypi-versions.txt"), &[]);
}

#[test]
fn maven_vectors() {
    assert_vectors(VersionOrder::Maven, include_str!("../../tests/vectors/maven-versions.txt"), &[]);
}

/// arca's SemVer is strict where osv-scalibr's is lenient: numbers past u64 and more than three
/// components do not parse (compare gives `None`, never a wrong answer).
#[test]
fn semver_vectors() {
    assert_vectors(
        VersionOrder::SemVer,
        include_str!("../../tests/vectors/semver-versions.txt"),
        &[
            "999999999999999999999999999991",
            "999999999999999999999999999991.999999999999999999999999999991.999999999999999999999999999991",
            "1.1.3.4.5",
        ],
    );
}

#[test]
fn order_for_ecosystems() {
    let cases = [
        ("npm", Some(VersionOrder::SemVer)),
        ("crates.io", Some(VersionOrder::SemVer)),
        ("Go", Some(VersionOrder::SemVer)),
        ("PyPI", Some(VersionOrder::Pep440)),
        ("Maven", Some(VersionOrder::Maven)),
        ("Maven:https://maven.google.com", Some(VersionOrder::Maven)),
        ("RubyGems", Some(VersionOrder::RubyGems)),
        ("NuGet", Some(VersionOrder::NuGet)),
        ("Packagist", Some(VersionOrder::SemVer)),
        ("Pub", Some(VersionOrder::SemVer)),
        ("Hex", Some(VersionOrder::SemVer)),
        ("Debian:12", Some(VersionOrder::Debian)),
        ("Ubuntu:22.04:LTS", Some(VersionOrder::Debian)),
        ("Alpine:v3.20", Some(VersionOrder::Alpine)),
        ("Red Hat", None),
        ("", None),
    ];
    for (ecosystem, expected) in cases {
        assert_eq!(order_for(ecosystem), expected, "{ecosystem}");
    }
}

#[test]
fn semver_short_forms_and_go_prefix() {
    let o = VersionOrder::SemVer;
    assert_eq!(o.compare("v1.2.3", "1.2.3"), Some(Ordering::Equal));
    assert_eq!(o.compare("1.2", "1.2.0"), Some(Ordering::Equal));
    assert_eq!(o.compare("1", "1.0.1"), Some(Ordering::Less));
    assert_eq!(o.compare("1.2-beta", "1.2.0"), Some(Ordering::Less));
    assert_eq!(o.compare("v0.0.0-20200101000000-abcdef123456", "v0.1.0"), Some(Ordering::Less));
    assert_eq!(o.compare("not a version", "1.0.0"), None);
    assert_eq!(o.compare("1.2.3.4", "1.0.0"), None);
}

#[test]
fn too_long_versions_do_not_parse() {
    let long = "1".repeat(MAX_VERSION_LEN + 1);
    for order in ALL {
        assert_eq!(order.compare(&long, "1"), None, "{order:?}");
    }
}

const ALL: [VersionOrder; 7] = [
    VersionOrder::SemVer,
    VersionOrder::Pep440,
    VersionOrder::Maven,
    VersionOrder::RubyGems,
    VersionOrder::NuGet,
    VersionOrder::Debian,
    VersionOrder::Alpine,
];

/// Versions built from pieces every ecosystem uses: numbers, dots, dashes, pre-release words, tildes,
/// epochs and build suffixes.
fn version() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        (0u32..20).prop_map(|n| n.to_string()),
        Just(".".to_owned()),
        Just("-".to_owned()),
        Just("~".to_owned()),
        Just("+".to_owned()),
        Just("_".to_owned()),
        Just(":".to_owned()),
        prop::sample::select(vec!["a", "b", "rc", "alpha", "beta", "pre", "p", "r", "SNAPSHOT", "dev", "post"])
            .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 1..8).prop_map(|pieces| pieces.concat())
}

fn check_total(order: VersionOrder, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let (Some(ab), Some(bc), Some(ac)) = (order.compare(a, b), order.compare(b, c), order.compare(a, c)) else {
        return Ok(());
    };
    prop_assert_eq!(order.compare(b, a), Some(ab.reverse()), "antisymmetry {:?}: {} vs {}", order, a, b);
    prop_assert_eq!(order.compare(a, a), Some(Ordering::Equal));
    if ab.is_le() && bc.is_le() {
        prop_assert!(ac.is_le(), "transitivity {:?}: {} <= {} <= {}", order, a, b, c);
    }
    if ab.is_ge() && bc.is_ge() {
        prop_assert!(ac.is_ge(), "transitivity {:?}: {} >= {} >= {}", order, a, b, c);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn orderings_are_total(a in version(), b in version(), c in version()) {
        for order in ALL {
            // Alpine orders two invalid versions by text but mixed pairs structurally, which is not
            // transitive (as in apk and osv-scalibr); the law holds on versions apk calls valid.
            if order == VersionOrder::Alpine && [&a, &b, &c].iter().any(|v| !alpine_valid(v)) {
                continue;
            }
            check_total(order, &a, &b, &c)?;
        }
    }

    #[test]
    fn compare_never_panics(a in "\\PC{0,40}", b in "\\PC{0,40}") {
        for order in ALL {
            let _ = order.compare(&a, &b);
        }
    }
}

fn alpine_valid(v: &str) -> bool {
    AlpineVersion::parse(v).is_some_and(|p| p.is_valid())
}
