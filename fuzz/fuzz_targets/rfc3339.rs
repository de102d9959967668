//! `arca_core::time::parse_rfc3339` (search's `created_after`/`created_before`): never panics; an
//! accepted time formats and parses back to itself, to the second.
#![no_main]

use arca_core::time::{parse_rfc3339, rfc3339};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Some(millis) = parse_rfc3339(s) {
        if let Some(back) = parse_rfc3339(&rfc3339(millis)) {
            assert_eq!(back, millis.div_euclid(1000) * 1000, "{s:?}");
        }
    }
});
