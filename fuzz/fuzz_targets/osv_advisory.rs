//! OSV advisories (`arca_vuln`): parsing a record, matching a component against it, every ecosystem's
//! version ordering and CVSS scoring never panic. Orderings stay antisymmetric and reflexive on the
//! strings they accept.
//!
//! Input: three lines (ecosystem, package name, version), then the advisory's JSON.
#![no_main]

use arca_vuln::{VersionOrder, cvss, order_for, osv_package, parse_advisory};
use libfuzzer_sys::fuzz_target;
use std::cmp::Ordering;

const ORDERS: [VersionOrder; 7] = [
    VersionOrder::SemVer,
    VersionOrder::Pep440,
    VersionOrder::Maven,
    VersionOrder::RubyGems,
    VersionOrder::NuGet,
    VersionOrder::Debian,
    VersionOrder::Alpine,
];

fn check_orders(parts: &[&str]) {
    for order in ORDERS {
        for a in parts {
            if let Some(same) = order.compare(a, a) {
                assert_eq!(same, Ordering::Equal, "{order:?}: {a:?} is not equal to itself");
            }
            for b in parts {
                let ab = order.compare(a, b);
                assert_eq!(ab, order.compare(b, a).map(Ordering::reverse), "{order:?}: {a:?} vs {b:?}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // The whole input as a record: the parser sees arbitrary bytes too.
    let _ = parse_advisory(data);

    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.splitn(4, '\n');
    let ecosystem = lines.next().unwrap_or("");
    let name = lines.next().unwrap_or("");
    let version = lines.next().unwrap_or("");
    let json = lines.next().unwrap_or("");

    check_orders(&[ecosystem, name, version]);
    let _ = order_for(ecosystem);
    for part in [ecosystem, name, version] {
        let _ = cvss::score(part);
    }
    let qualifiers = [("distro".to_owned(), version.to_owned())];
    let _ = osv_package(ecosystem, Some(name), version, &qualifiers);

    if let Ok(advisory) = parse_advisory(json.as_bytes()) {
        let _ = advisory.severity();
        if let Some(hit) = advisory.affects(ecosystem, name, version) {
            assert!(!advisory.is_withdrawn(), "a withdrawn advisory matched");
            assert_eq!(hit.version_unknown, version.trim().is_empty());
        }
    }
});
