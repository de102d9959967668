//! Text encodings shared by every format here: PEM armour and the base64 dialects producers use.
//!
//! DSSE says verifiers MUST accept standard and URL-safe base64; real producers also differ on
//! padding. So decoding is lenient (either alphabet, padded or not) while encoding is always
//! standard base64 with padding, which is what cosign, sigstore-go and proto3 JSON write.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE};
use base64::engine::{DecodePaddingMode, general_purpose};

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Standard base64 with padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard or URL-safe base64, padded or not. `None` if it is neither.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    STD_LENIENT.decode(text).or_else(|_| URL_LENIENT.decode(text)).ok()
}

/// URL-safe base64 with padding (used by tests and fixtures that exercise the other alphabet).
pub fn b64_encode_url(bytes: &[u8]) -> String {
    URL_SAFE.encode(bytes)
}

/// Unpadded standard base64 (for the same reason).
pub fn b64_encode_unpadded(bytes: &[u8]) -> String {
    general_purpose::STANDARD_NO_PAD.encode(bytes)
}

/// One PEM block: its label (`PUBLIC KEY`, `ENCRYPTED SIGSTORE PRIVATE KEY`, …) and body bytes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Pem {
    pub label: String,
    pub body: Vec<u8>,
}

/// Reads the first PEM block in `input`. Text before it is ignored (as Go's `pem.Decode` does);
/// RFC 1421 headers (`Proc-Type: …`) are refused because they mean legacy encryption.
pub(crate) fn pem_decode(input: &[u8]) -> Option<Pem> {
    let text = std::str::from_utf8(input).ok()?;
    let start = text.find("-----BEGIN ")?;
    let after = &text[start + 11..];
    let label_end = after.find("-----")?;
    let label = &after[..label_end];
    let body_and_rest = &after[label_end + 5..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body_and_rest.find(&end_marker)?;
    let body = &body_and_rest[..body_end];
    if body.contains(':') || label.is_empty() || label.len() > 64 {
        return None;
    }
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let body = STANDARD.decode(compact).ok()?;
    Some(Pem { label: label.to_owned(), body })
}

/// Armours `body` as PEM with 64-column lines, as Go's `pem.Encode` writes.
pub(crate) fn pem_encode(label: &str, body: &[u8]) -> String {
    let b64 = STANDARD.encode(body);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_accepts_both_alphabets_with_or_without_padding() {
        let bytes = [0xfb, 0xff, 0xbf, 0x3e, 0x3f];
        for text in ["+/+/Pj8=", "-_-_Pj8=", "+/+/Pj8", "-_-_Pj8"] {
            assert_eq!(b64_decode(text).as_deref(), Some(&bytes[..]), "{text}");
        }
        assert_eq!(b64_encode(&bytes), "+/+/Pj8=");
        assert_eq!(b64_encode_url(&bytes), "-_-_Pj8=");
        assert!(b64_decode("not base64!").is_none());
    }

    #[test]
    fn pem_round_trips_and_refuses_headers() {
        let pem = pem_encode("PUBLIC KEY", &[1u8; 100]);
        assert_eq!(pem_decode(pem.as_bytes()).unwrap().body, vec![1u8; 100]);
        let with_header =
            "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END EC PRIVATE KEY-----\n";
        assert!(pem_decode(with_header.as_bytes()).is_none());
        assert!(pem_decode(b"-----BEGIN X-----\nAAAA\n-----END Y-----\n").is_none());
    }
}
