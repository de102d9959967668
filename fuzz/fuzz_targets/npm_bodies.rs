//! The smaller npm parsers on arbitrary input: never panic, and what they accept is bounded.
//! `BulkRequest::parse` (audit), `CouchUser::parse` (login), `SearchQuery::parse`,
//! `parse_dist_tag_body`, `validate_dist_tag` / `is_semver_range`, `parse_sri`, `parse_shasum`,
//! `wants_abbreviated`. Input: 1 selector byte, then the bytes.
#![no_main]

use arca_npm::search::MAX_SEARCH_SIZE;
use arca_npm::{BulkRequest, CouchUser, SearchQuery, parse_dist_tag_body, parse_shasum, parse_sri, sri_sha512};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(bytes);
    match selector % 6 {
        0 => {
            if let Ok(map) = BulkRequest::parse(bytes) {
                assert!(map.values().all(|v| v.windows(2).all(|w| w[0] < w[1])), "sorted, no duplicates");
            }
        }
        1 => {
            if let Ok(user) = CouchUser::parse(bytes) {
                assert!(!user.name.is_empty());
            }
        }
        2 => {
            let q = SearchQuery::parse(&text);
            assert!((1..=MAX_SEARCH_SIZE).contains(&q.size));
        }
        3 => {
            let _ = parse_dist_tag_body(bytes);
            if arca_npm::validate_dist_tag(&text).is_ok() {
                assert!(!arca_npm::is_semver_range(&text));
            }
        }
        4 => {
            if let Ok(digest) = parse_sri(&text) {
                assert_eq!(parse_sri(&sri_sha512(&digest)), Ok(digest));
            }
            let _ = parse_shasum(&text);
        }
        _ => {
            let _ = arca_npm::wants_abbreviated(Some(&text));
        }
    }
});
