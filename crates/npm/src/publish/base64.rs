//! Streaming base64 decoding of a tarball attachment.
//!
//! libnpmpublish writes `tarballData.toString('base64')`: the standard alphabet, padded, no line
//! breaks. We accept exactly that, with or without the padding; anything else (whitespace, the
//! URL-safe alphabet, non-zero trailing bits) is refused rather than guessed at.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose};

/// The tail after the padding was stripped: no padding, strict trailing bits.
const TAIL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Decodes base64 text given in pieces; keeps fewer than four characters between pieces.
#[derive(Debug, Default)]
pub(super) struct Base64Stream {
    pending: Vec<u8>,
    padding: usize,
}

/// The text is not base64 as libnpmpublish writes it.
#[derive(Debug)]
pub(super) struct Invalid;

impl Base64Stream {
    /// Decodes as much of `text` as forms whole groups of four, appending the bytes to `out`.
    pub(super) fn push(&mut self, text: &[u8], out: &mut Vec<u8>) -> Result<(), Invalid> {
        let (body, tail) = match text.iter().position(|&c| c == b'=') {
            Some(at) => text.split_at(at),
            None => (text, &[][..]),
        };
        if self.padding > 0 && !body.is_empty() {
            return Err(Invalid);
        }
        self.pad(tail)?;
        self.pending.extend_from_slice(body);
        let whole = self.pending.len() / 4 * 4;
        if whole > 0 {
            STANDARD.decode_vec(&self.pending[..whole], out).map_err(|_| Invalid)?;
            self.pending.drain(..whole);
        }
        Ok(())
    }

    /// Everything from the first `=` on must be `=`, at most two of them.
    fn pad(&mut self, tail: &[u8]) -> Result<(), Invalid> {
        if !tail.iter().all(|&c| c == b'=') {
            return Err(Invalid);
        }
        self.padding += tail.len();
        if self.padding > 2 { Err(Invalid) } else { Ok(()) }
    }

    /// Decodes the last group. Padding, when present, follows a partial group and does not
    /// overrun it (`QQ==` and `QQ=` and `QQ` are one byte).
    pub(super) fn finish(self, out: &mut Vec<u8>) -> Result<(), Invalid> {
        let rest = self.pending.len();
        if self.padding > 0 && (rest < 2 || rest + self.padding > 4) {
            return Err(Invalid);
        }
        if rest == 0 {
            return Ok(());
        }
        TAIL.decode_vec(&self.pending, out).map_err(|_| Invalid)
    }
}

/// The whole-text decoder with the same rules, for tests and for callers holding the text anyway.
pub fn decode_tarball_base64(text: &[u8]) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        general_purpose::PAD.with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn streamed(text: &[u8], cuts: &[usize]) -> Option<Vec<u8>> {
        let mut stream = Base64Stream::default();
        let mut out = Vec::new();
        let mut prev = 0;
        for &cut in cuts.iter().chain([&text.len()]) {
            let cut = cut.clamp(prev, text.len());
            stream.push(&text[prev..cut], &mut out).ok()?;
            prev = cut;
        }
        stream.finish(&mut out).ok()?;
        Some(out)
    }

    proptest! {
        #[test]
        fn decodes_encoded_bytes_in_any_split(bytes in proptest::collection::vec(any::<u8>(), 0..100), cuts in proptest::collection::vec(0usize..140, 0..5), unpadded in any::<bool>()) {
            let mut text = STANDARD.encode(&bytes);
            if unpadded { text = text.trim_end_matches('=').to_owned(); }
            let mut cuts = cuts; cuts.sort_unstable();
            prop_assert_eq!(streamed(text.as_bytes(), &cuts), Some(bytes));
        }

        #[test]
        fn agrees_with_the_whole_text_decoder(text in "[A-Za-z0-9+/=_ -]{0,24}", cuts in proptest::collection::vec(0usize..24, 0..4)) {
            let mut cuts = cuts; cuts.sort_unstable();
            prop_assert_eq!(streamed(text.as_bytes(), &cuts), decode_tarball_base64(text.as_bytes()));
        }
    }

    #[test]
    fn refuses_what_npm_never_writes() {
        for bad in ["QQ=\n", "QUJD\nREVG", "QQ===", "Q", "QQ=x", "-_8=", "QR==", "QUJD="] {
            assert_eq!(streamed(bad.as_bytes(), &[]), None, "{bad:?}");
        }
        assert_eq!(streamed(b"QUJD", &[1, 2]), Some(b"ABC".to_vec()));
    }
}
