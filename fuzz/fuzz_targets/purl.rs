//! `arca_sbom::Purl::parse`: never panics; an accepted purl prints (canonical form) to a text that
//! parses back to an equal purl and prints the same again; `without_version` is itself a purl
//! with the same type, namespace and name and no version, qualifiers or subpath.
#![no_main]

use arca_sbom::Purl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let Ok(p) = Purl::parse(s) else { return };
    let canonical = p.to_string();
    let again = Purl::parse(&canonical).expect("the canonical form parses");
    assert_eq!(again, p, "{s:?} -> {canonical:?}");
    assert_eq!(again.to_string(), canonical);
    let base = Purl::parse(&p.without_version()).expect("without_version parses");
    assert_eq!((&base.ty, &base.namespace, &base.name), (&p.ty, &p.namespace, &p.name));
    assert!(base.version.is_none() && base.qualifiers.is_empty() && base.subpath.is_none());
});
