//! Properties of `Advisory::affects` on generated advisories: it never panics, and a reported fix is
//! always above the installed version.

use arca_vuln::model::{AffectedEntry, Event, Package, Range};
use arca_vuln::{Advisory, order_for};
use proptest::prelude::*;

fn version() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u8..4, 0u8..4, 0u8..4).prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
        (0u8..4, 0u8..4).prop_map(|(a, b)| format!("{a}.{b}")),
        (0u8..4).prop_map(|a| format!("{a}.0.0-rc.1")),
        Just("0".to_owned()),
        Just("*".to_owned()),
        Just("garbage".to_owned()),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        version().prop_map(Event::Introduced),
        version().prop_map(Event::Fixed),
        version().prop_map(Event::LastAffected),
        version().prop_map(Event::Limit),
    ]
}

fn ecosystem() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["npm", "PyPI", "Maven", "RubyGems", "NuGet", "Debian:12", "Alpine:v3.20", "Other"])
}

fn advisory() -> impl Strategy<Value = (Advisory, &'static str)> {
    let range = (prop::sample::select(vec!["SEMVER", "ECOSYSTEM", "GIT"]), prop::collection::vec(event(), 0..6))
        .prop_map(|(kind, events)| Range { kind: kind.to_owned(), repo: None, events });
    (ecosystem(), prop::collection::vec(range, 0..3), prop::collection::vec(version(), 0..3)).prop_map(
        |(ecosystem, ranges, versions)| {
            let entry = AffectedEntry {
                package: Some(Package { ecosystem: ecosystem.to_owned(), name: "p".to_owned(), purl: None }),
                ranges,
                versions,
                ..AffectedEntry::default()
            };
            (Advisory { id: "X".to_owned(), affected: vec![entry], ..Advisory::default() }, ecosystem)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn reported_fix_is_above_the_version((advisory, ecosystem) in advisory(), v in version()) {
        if let Some(hit) = advisory.affects(ecosystem, "p", &v)
            && let Some(fixed) = hit.fixed
        {
            let order = order_for(ecosystem);
            let semver = arca_vuln::VersionOrder::SemVer;
            let above = [order, Some(semver)].into_iter().flatten().any(|o| o.compare(&v, &fixed) == Some(std::cmp::Ordering::Less));
            prop_assert!(above, "fix {} is not above {} ({})", fixed, v, ecosystem);
        }
    }

    #[test]
    fn unrelated_packages_never_match((advisory, ecosystem) in advisory(), v in version()) {
        prop_assert!(advisory.affects(ecosystem, "q", &v).is_none());
    }
}
