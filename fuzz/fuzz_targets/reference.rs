//! `Reference::parse` (tag or digest): never panics; what it accepts prints back as itself.
#![no_main]

use arca_types::{Reference, Tag};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(r) = Reference::parse(s) {
        assert_eq!(r.to_string(), s);
        assert_eq!(Reference::parse(&r.to_string()).as_ref(), Ok(&r));
        if let Reference::Tag(t) = &r {
            assert!(t.as_str().len() <= 128 && !t.as_str().contains(['/', ':', '%']));
        }
    }
    let _ = Tag::parse(s);
});
