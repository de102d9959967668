//! `arca_pypi::parse_attestations`, `check_attestation_subjects` and `provenance_document`:
//! never panic; an accepted list has 1 to `MAX_ATTESTATIONS` attestations, is returned as sent,
//! and its provenance object holds it in one bundle; refusals are one line of printable ASCII.
//! Input: 64 hex digits (the file's sha256), then the attestations' JSON.
#![no_main]

use arca_pypi::{DistFilename, MAX_ATTESTATIONS, check_attestation_subjects, parse_attestations, provenance_document};
use libfuzzer_sys::fuzz_target;

fn ascii_line(message: &str) -> bool {
    message.bytes().all(|b| (b' '..=b'~').contains(&b))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some((sha256, json)) = text.split_at_checked(64) else { return };
    let list = match parse_attestations(json) {
        Ok(list) => list,
        Err(e) => {
            assert!(ascii_line(&e.to_string()), "{e}");
            return;
        }
    };
    assert!((1..=MAX_ATTESTATIONS).contains(&list.len()));
    let file = DistFilename::parse("arca_demo-1.0.post1.tar.gz").unwrap();
    if let Err(e) = check_attestation_subjects(&list, &file, sha256) {
        assert!(ascii_line(&e.to_string()), "{e}");
    }
    let doc = provenance_document(None, &list);
    assert_eq!(doc["attestation_bundles"][0]["attestations"].as_array(), Some(&list));
});
