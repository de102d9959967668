//! The server's promotion signing key: Ed25519 through `ring` (already built for rustls), behind
//! `arca_core`'s [`Signer`] so the core stays free of crypto libraries.
//!
//! The 32-byte seed is the server secret [`PROMOTION_KEY_SECRET`] (random, kept in the metadata
//! store on first use), so every node and every restart signs with the same key. Its public half is
//! published as a PEM ([`Ed25519Signer::public_key_pem`]) for anyone verifying a promotion record
//! outside arca (openssl, securesystemslib, cosign-like tools).

use arca_core::promotion::record::Signer;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest as _, Sha256};
use std::fmt::{self, Write as _};

/// The name of the server secret holding the promotion key's seed.
pub const PROMOTION_KEY_SECRET: &str = "promotion-signing-key";

/// An Ed25519 key signing promotion records.
///
/// Its key id is `arca-promotion:` followed by the first 16 hex digits (8 bytes) of SHA-256 of the
/// raw 32-byte public key: stable for a key, different across keys, and short enough to read in an
/// envelope. (DSSE key ids are hints, not authenticated; verifiers pick the key they trust.)
pub struct Ed25519Signer {
    pair: Ed25519KeyPair,
    key_id: String,
}

impl Ed25519Signer {
    /// The key whose RFC 8032 private key (seed) is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        // `ring` refuses a seed only for its length, which the type fixes.
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).expect("a 32-byte seed is an Ed25519 private key");
        let hash = Sha256::digest(pair.public_key().as_ref());
        let key_id = hash[..8].iter().fold(String::from("arca-promotion:"), |mut id, b| {
            let _ = write!(id, "{b:02x}");
            id
        });
        Self { pair, key_id }
    }

    /// The public key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo, RFC 8410), as `openssl pkey -pubin`
    /// and `cryptography`'s `load_pem_public_key` read it.
    pub fn public_key_pem(&self) -> String {
        arca_core::promotion::record::ed25519_public_key_pem(self.public_key())
    }
}

impl Signer for Ed25519Signer {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    fn public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

impl fmt::Debug for Ed25519Signer {
    /// The key id only: nothing of the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519Signer").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

/// Whether `signature` is a valid Ed25519 signature of `message` by the raw 32-byte `public_key`.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ED25519, public_key).verify(message, signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// RFC 8032, section 7.1, TEST 2 (a one-byte message).
    #[test]
    fn signs_as_rfc_8032_says() {
        let seed: [u8; 32] =
            unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb").try_into().unwrap();
        let signer = Ed25519Signer::from_seed(&seed);
        assert_eq!(signer.public_key(), unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"));
        let expected = unhex(
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
             085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        );
        assert_eq!(signer.sign(&[0x72]), expected);
        assert!(verify(signer.public_key(), &[0x72], &expected));
    }

    #[test]
    fn verify_refuses_another_message_key_or_signature() {
        let signer = Ed25519Signer::from_seed(&[7; 32]);
        let other = Ed25519Signer::from_seed(&[8; 32]);
        let sig = signer.sign(b"promoted");
        assert!(verify(signer.public_key(), b"promoted", &sig));
        assert!(!verify(signer.public_key(), b"promoted!", &sig));
        assert!(!verify(other.public_key(), b"promoted", &sig));
        let mut flipped = sig.clone();
        flipped[0] ^= 1;
        assert!(!verify(signer.public_key(), b"promoted", &flipped));
        assert!(!verify(signer.public_key(), b"promoted", &sig[..63]));
        assert!(!verify(&signer.public_key()[..31], b"promoted", &sig));
    }

    #[test]
    fn key_id_is_a_prefix_of_the_public_key_hash() {
        let signer = Ed25519Signer::from_seed(&[7; 32]);
        let hash = Sha256::digest(signer.public_key());
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(signer.key_id(), format!("arca-promotion:{}", &hex[..16]));
        assert_eq!(signer.key_id(), Ed25519Signer::from_seed(&[7; 32]).key_id(), "stable for a seed");
        assert_ne!(signer.key_id(), Ed25519Signer::from_seed(&[8; 32]).key_id());
    }

    #[test]
    fn public_key_pem_is_the_subject_public_key_info() {
        let signer = Ed25519Signer::from_seed(&[7; 32]);
        let pem = signer.public_key_pem();
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines.len(), 3, "{pem}");
        assert_eq!(lines[0], "-----BEGIN PUBLIC KEY-----");
        assert_eq!(lines[2], "-----END PUBLIC KEY-----");
        assert!(pem.ends_with("-----\n"));
        assert_eq!(lines[1].len(), 60);
        let der = BASE64.decode(lines[1]).unwrap();
        assert_eq!(der.len(), 44);
        assert_eq!(der[..12], [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
        assert_eq!(&der[12..], signer.public_key());
        // Every Ed25519 SPKI starts with the same 16 base64 characters (12 bytes).
        assert!(lines[1].starts_with("MCowBQYDK2VwAyEA"), "{}", lines[1]);
    }

    #[test]
    fn debug_shows_no_key_material() {
        let signer = Ed25519Signer::from_seed(&[7; 32]);
        let text = format!("{signer:?}");
        assert!(text.contains(signer.key_id()), "{text}");
        assert!(!text.contains("public") && !text.contains("seed"), "{text}");
    }
}
