//! `MultiHasher::from_bytes` (upload hash state read back after a restart): never panics; an accepted
//! state serialises back to the same bytes and can go on hashing.
#![no_main]

use arca_core::hasher::MultiHasher;
use arca_types::DigestAlgorithm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut h) = MultiHasher::from_bytes(data) else { return };
    let bytes = h.to_bytes();
    let again = MultiHasher::from_bytes(&bytes).expect("a serialised state parses");
    assert_eq!(again.to_bytes(), bytes);
    h.update(data);
    let tracks512 = h.tracks(DigestAlgorithm::Sha512);
    assert!(h.clone().finish(DigestAlgorithm::Sha256).is_some());
    assert_eq!(h.finish(DigestAlgorithm::Sha512).is_some(), tracks512);
});
