//! Version orderings: every scheme's parser never panics; what it accepts prints to a form that
//! parses back to an equal version; `Ord` is antisymmetric, consistent with `Eq`, and transitive on
//! three versions cut from the input; `VersionScheme::compare` is a total order on the raw strings.
#![no_main]

use arca_types::{MavenVersion, Pep440, SemVer, VersionScheme};
use libfuzzer_sys::fuzz_target;
use std::cmp::Ordering;

fn check_order<T: Ord + std::fmt::Debug>(v: &[T]) {
    for a in v {
        for b in v {
            assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a:?} vs {b:?}");
            assert_eq!(a == b, a.cmp(b) == Ordering::Equal, "{a:?} vs {b:?}");
            for c in v {
                if a <= b && b <= c {
                    assert!(a <= c, "{a:?} <= {b:?} <= {c:?}");
                }
            }
        }
    }
}

fuzz_target!(|s: &str| {
    // Three versions from one input: split on the first two newlines.
    let parts: Vec<&str> = s.splitn(3, '\n').collect();

    let semver: Vec<SemVer> = parts.iter().filter_map(|p| SemVer::parse(p).ok()).collect();
    for v in &semver {
        assert_eq!(SemVer::parse(&v.to_string()).as_ref(), Ok(v));
    }
    check_order(&semver);

    let pep440: Vec<Pep440> = parts.iter().filter_map(|p| Pep440::parse(p).ok()).collect();
    for v in &pep440 {
        let normal = v.to_string();
        let again = Pep440::parse(&normal).expect("the normal form parses");
        assert_eq!(&again, v);
        assert_eq!(again.to_string(), normal);
    }
    check_order(&pep440);

    let maven: Vec<MavenVersion> = parts.iter().filter_map(|p| MavenVersion::parse(p).ok()).collect();
    for v in &maven {
        assert_eq!(v.to_string(), v.as_str());
        let _ = v.canonical();
    }
    check_order(&maven);

    for scheme in VersionScheme::ALL {
        for a in &parts {
            for b in &parts {
                let ab = scheme.compare(a, b);
                assert_eq!(ab, scheme.compare(b, a).reverse());
                assert_eq!(ab == Ordering::Equal, a == b);
                for c in &parts {
                    if ab.is_le() && scheme.compare(b, c).is_le() {
                        assert!(scheme.compare(a, c).is_le(), "{scheme}: {a:?} <= {b:?} <= {c:?}");
                    }
                }
            }
        }
    }
});
