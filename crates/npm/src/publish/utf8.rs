//! UTF-8 validation of a byte stream that arrives in arbitrary pieces.
//!
//! The publish parser validates the whole body once, as it arrives, instead of each string: outside
//! strings JSON only allows ASCII, so a valid stream means every string is valid too, including the
//! attachment data that is streamed out without ever being held as one string.

/// Carries the start of a code point that a chunk boundary cut.
#[derive(Debug, Default)]
pub(super) struct Utf8Stream {
    carry: Vec<u8>,
}

impl Utf8Stream {
    /// Checks `chunk` as the continuation of everything seen so far. `Err(index)` is the index in
    /// `chunk` near which the invalid sequence is.
    pub(super) fn feed(&mut self, mut chunk: &[u8]) -> Result<(), usize> {
        let mut base = 0;
        if !self.carry.is_empty() {
            let need = sequence_len(self.carry[0]).saturating_sub(self.carry.len());
            let take = need.min(chunk.len());
            self.carry.extend_from_slice(&chunk[..take]);
            if take < need {
                return check_prefix(&self.carry).map_err(|_| 0);
            }
            if std::str::from_utf8(&self.carry).is_err() {
                return Err(0);
            }
            self.carry.clear();
            chunk = &chunk[take..];
            base = take;
        }
        match std::str::from_utf8(chunk) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                self.carry.extend_from_slice(&chunk[e.valid_up_to()..]);
                Ok(())
            }
            Err(e) => Err(base + e.valid_up_to()),
        }
    }

    /// Whether the stream ended inside a code point.
    pub(super) fn is_complete(&self) -> bool {
        self.carry.is_empty()
    }
}

/// The length of the sequence a leading byte announces (invalid leading bytes say 1, so that
/// `from_utf8` refuses them).
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// An incomplete sequence that can still become valid.
fn check_prefix(bytes: &[u8]) -> Result<(), ()> {
    match std::str::from_utf8(bytes) {
        Err(e) if e.error_len().is_none() && e.valid_up_to() == 0 => Ok(()),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agrees_with_from_utf8_on_any_split(bytes in proptest::collection::vec(any::<u8>(), 0..64), cuts in proptest::collection::vec(0usize..64, 0..6)) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut stream = Utf8Stream::default();
            let mut prev = 0;
            let mut ok = true;
            for cut in cuts.into_iter().chain([bytes.len()]) {
                if stream.feed(&bytes[prev..cut]).is_err() { ok = false; break; }
                prev = cut;
            }
            let ok = ok && stream.is_complete();
            prop_assert_eq!(ok, std::str::from_utf8(&bytes).is_ok());
        }
    }
}
