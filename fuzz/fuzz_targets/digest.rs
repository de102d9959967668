//! `Digest::parse`: never panics; what it accepts prints back as itself and has the algorithm's
//! exact lowercase-hex length.
#![no_main]

use arca_types::Digest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(d) = Digest::parse(s) {
        assert_eq!(d.to_string(), s);
        assert_eq!(d.hex().len(), d.algorithm().hex_len());
        assert!(d.hex().bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(Digest::parse(&d.to_string()).as_ref(), Ok(&d));
    }
});
