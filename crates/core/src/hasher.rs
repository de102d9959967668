//! Hashing while bytes stream through, with a state that survives a restart.

use crate::{Error, ErrorKind, Result};
use arca_types::{Digest, DigestAlgorithm};
use sha2::digest::common::hazmat::SerializableState;
use sha2::{Digest as _, Sha256, Sha512};

/// SHA-256 always, SHA-512 when the upload asked for it up front (`?digest-algorithm=sha512`).
/// Hashing both on every byte would halve throughput for the common case; a final digest in an
/// algorithm that was not tracked is computed by re-reading the staged bytes instead.
#[derive(Clone)]
pub struct MultiHasher {
    sha256: Sha256,
    sha512: Option<Sha512>,
}

const VERSION: u8 = 1;

impl MultiHasher {
    pub fn new(with_sha512: bool) -> Self {
        Self { sha256: Sha256::new(), sha512: with_sha512.then(Sha512::new) }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        if let Some(h) = &mut self.sha512 {
            h.update(bytes);
        }
    }

    /// The digest in `algorithm`, if that algorithm was tracked.
    pub fn finish(self, algorithm: DigestAlgorithm) -> Option<Digest> {
        match algorithm {
            DigestAlgorithm::Sha256 => Some(Digest::from_hash(algorithm, &self.sha256.finalize())),
            DigestAlgorithm::Sha512 => self.sha512.map(|h| Digest::from_hash(algorithm, &h.finalize())),
        }
    }

    pub fn tracks(&self, algorithm: DigestAlgorithm) -> bool {
        algorithm == DigestAlgorithm::Sha256 || self.sha512.is_some()
    }

    /// `[version, has_sha512, sha256 state, sha512 state?]`
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![VERSION, u8::from(self.sha512.is_some())];
        out.extend_from_slice(&self.sha256.serialize());
        if let Some(h) = &self.sha512 {
            out.extend_from_slice(&h.serialize());
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = || Error::new(ErrorKind::Internal, "corrupt upload hash state");
        let [VERSION, has512, rest @ ..] = bytes else { return Err(bad()) };
        let n256 = Sha256::new().serialize().len();
        let (s256, s512) = rest.split_at_checked(n256).ok_or_else(bad)?;
        // sha2 trusts the block count it is handed and overflows computing the bit length from an absurd
        // one; no upload comes near 2^40 blocks (64 TiB), so anything larger is corruption.
        if !plausible_block_count(s256.get(32..40)) || (!s512.is_empty() && !plausible_block_count(s512.get(64..80))) {
            return Err(bad());
        }
        let sha256 = Sha256::deserialize(s256.try_into().map_err(|_| bad())?).map_err(|_| bad())?;
        let sha512 = match has512 {
            0 if s512.is_empty() => None,
            1 => Some(Sha512::deserialize(s512.try_into().map_err(|_| bad())?).map_err(|_| bad())?),
            _ => return Err(bad()),
        };
        Ok(Self { sha256, sha512 })
    }
}

/// The little-endian block counter of a serialized sha2 core state, checked against 2^40.
fn plausible_block_count(counter: Option<&[u8]>) -> bool {
    counter.is_some_and(|c| c.iter().enumerate().all(|(i, &b)| i < 5 || b == 0))
}

/// Digest of a complete in-memory value (manifests).
pub fn digest_of(algorithm: DigestAlgorithm, bytes: &[u8]) -> Digest {
    match algorithm {
        DigestAlgorithm::Sha256 => Digest::from_hash(algorithm, &Sha256::digest(bytes)),
        DigestAlgorithm::Sha512 => Digest::from_hash(algorithm, &Sha512::digest(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn state_survives_serialization(a in proptest::collection::vec(any::<u8>(), 0..300),
                                        b in proptest::collection::vec(any::<u8>(), 0..300),
                                        with512 in any::<bool>()) {
            let mut h = MultiHasher::new(with512);
            h.update(&a);
            let mut resumed = MultiHasher::from_bytes(&h.to_bytes()).unwrap();
            resumed.update(&b);
            let whole = [a, b].concat();
            prop_assert_eq!(resumed.clone().finish(DigestAlgorithm::Sha256), Some(digest_of(DigestAlgorithm::Sha256, &whole)));
            let expect512 = with512.then(|| digest_of(DigestAlgorithm::Sha512, &whole));
            prop_assert_eq!(resumed.finish(DigestAlgorithm::Sha512), expect512);
        }

        #[test]
        fn corrupt_state_is_an_error_not_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(mut h) = MultiHasher::from_bytes(&bytes) {
                h.update(b"more");
                let _ = h.finish(DigestAlgorithm::Sha256);
            }
        }
    }

    #[test]
    fn huge_block_counts_are_rejected() {
        // Found by fuzzing: a state whose counter overflows sha2's bit-length arithmetic.
        let mut state = MultiHasher::new(false).to_bytes();
        state[2 + 32..2 + 40].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(MultiHasher::from_bytes(&state).is_err());
        let mut state = MultiHasher::new(true).to_bytes();
        let sha512_start = 2 + 104;
        state[sha512_start + 64..sha512_start + 80].copy_from_slice(&u128::MAX.to_le_bytes());
        assert!(MultiHasher::from_bytes(&state).is_err());
    }

    proptest! {
        #[test]
        fn valid_states_stay_valid(len in 0usize..10_000) {
            let mut h = MultiHasher::new(true);
            h.update(&vec![0u8; len]);
            prop_assert!(MultiHasher::from_bytes(&h.to_bytes()).is_ok());
        }
    }
}
