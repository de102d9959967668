//! arca-trust's integration tests: published vectors (cosign, sigstore-rs, sigstore-go, the DSSE
//! spec), every supply-chain pitfall that touches signing and verification, round trips, and
//! property tests. One binary for the crate; fixtures and their sources: `tests/fixtures/SOURCES.md`.

mod bundles;
mod dsse_envelopes;
mod keys;
mod properties;
mod provenance;
mod simple_signing;

use std::path::PathBuf;

use arca_trust::SigningKey;

/// A fixture's bytes (`tests/fixtures/<name>`).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fresh P-256 key.
pub fn new_key() -> SigningKey {
    SigningKey::generate().expect("generate a key")
}

/// A DER ECDSA signature converted to raw `r‖s` of `width`-byte halves.
pub fn der_to_raw(der: &[u8], width: usize) -> Vec<u8> {
    fn integer(input: &[u8]) -> (&[u8], &[u8]) {
        assert_eq!(input[0], 0x02);
        let len = input[1] as usize;
        (&input[2..2 + len], &input[2 + len..])
    }
    assert_eq!(der[0], 0x30);
    let body = &der[2..];
    let (r, rest) = integer(body);
    let (s, _) = integer(rest);
    let mut out = Vec::new();
    for n in [r, s] {
        let n = if n.len() > width { &n[n.len() - width..] } else { n };
        out.extend(std::iter::repeat_n(0u8, width - n.len()));
        out.extend_from_slice(n);
    }
    out
}
