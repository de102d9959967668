//! `ByteRange::parse_content_range` (upload chunks): never panics; an accepted range is not inverted.
#![no_main]

use arca_types::ByteRange;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(r) = ByteRange::parse_content_range(s) {
        assert!(r.start <= r.end, "{s:?} gave {r:?}");
        let _ = r.len();
    }
});
