//! `OciName::parse`: never panics; an accepted name has a repository and a package, round-trips
//! through Display, and no component that could escape a directory or smuggle an encoding.
#![no_main]

use arca_types::OciName;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(n) = OciName::parse(s) {
        assert_eq!(n.to_string(), s);
        assert_eq!(OciName::parse(&n.to_string()).as_ref(), Ok(&n));
        assert!(!n.repository.as_str().contains('/'));
        for c in s.split('/') {
            assert!(!c.is_empty() && c != "." && c != "..", "component {c:?} in {s:?}");
            assert!(!c.contains(['%', '\\', '\0']), "component {c:?} in {s:?}");
        }
    }
});
