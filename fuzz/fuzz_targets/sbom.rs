//! `arca_sbom::parse` on arbitrary bytes: never panics, whatever the declared media type; what it
//! accepts has named components only, no `NOASSERTION`/`NONE` licences, lower-case hex hashes,
//! no duplicates, purls whose canonical text parses back to themselves; the label never changes
//! the result for a document that carries its own format marker (`sniff` finds one).
//! Input: 1 selector byte (declared media type), then the document.
#![no_main]

use arca_sbom::{Purl, parse, sniff};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

const DECLARED: [Option<&str>; 6] = [
    None,
    Some("application/spdx+json"),
    Some("application/vnd.cyclonedx+json; version=1.6"),
    Some("text/spdx+json"),
    Some("application/vnd.goharbor.harbor.sbom.v1"),
    Some("application/vnd.cyclonedx+xml"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, doc)) = data.split_first() else { return };
    let declared = DECLARED[usize::from(selector) % DECLARED.len()];
    let _ = sniff(doc);
    let Ok(sbom) = parse(doc, declared) else { return };
    let mut seen = HashSet::new();
    for c in &sbom.components {
        assert!(!c.name.trim().is_empty());
        assert!(c.licenses.iter().all(|l| !l.eq_ignore_ascii_case("NOASSERTION") && !l.eq_ignore_ascii_case("NONE")));
        for h in &c.hashes {
            assert!(!h.value.is_empty() && h.value.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        }
        if let Some(p) = &c.purl {
            assert_eq!(Purl::parse(&p.to_string()).as_ref(), Ok(p));
        }
        assert!(seen.insert(c), "duplicate component {c:?}");
    }
    if declared.is_some()
        && sniff(doc) == Some(sbom.format)
        && let Ok(unlabelled) = parse(doc, None)
    {
        assert_eq!(unlabelled, sbom);
    }
});
