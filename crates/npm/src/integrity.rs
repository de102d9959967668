//! The two digests npm puts in `dist`: `integrity`, a Subresource Integrity string
//! (`sha512-<base64>`), which clients check, and `shasum`, the SHA-1 in hex that old clients check.
//! The registry computes both while the tarball streams in ([`TarballHasher`]) and compares them
//! with what the client claimed.

use crate::NpmError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::Sha1;
use sha2::{Digest, Sha512};

/// `sha512-<base64>` of a SHA-512 digest.
pub fn sri_sha512(digest: &[u8; 64]) -> String {
    format!("sha512-{}", STANDARD.encode(digest))
}

/// The SHA-512 digest in an SRI string. ssri writes several hashes separated by whitespace, each
/// `alg-base64[?options]`; the sha512 one is taken (npm publishes with sha512 only), the others
/// are ignored as ssri ignores algorithms it does not pick.
pub fn parse_sri(s: &str) -> Result<[u8; 64], NpmError> {
    let invalid = || NpmError::InvalidIntegrity(s.chars().take(120).collect());
    let hash = s.split_whitespace().find_map(|h| h.strip_prefix("sha512-")).ok_or_else(invalid)?;
    let b64 = hash.split_once('?').map_or(hash, |(b64, _options)| b64);
    let bytes = STANDARD.decode(b64).map_err(|_| invalid())?;
    bytes.try_into().map_err(|_| invalid())
}

/// Lower-case hex of a SHA-1 digest: `dist.shasum`.
pub fn shasum_hex(digest: &[u8; 20]) -> String {
    hex::encode(digest)
}

/// The SHA-1 digest of a `dist.shasum` (hex, either case).
pub fn parse_shasum(s: &str) -> Result<[u8; 20], NpmError> {
    let invalid = || NpmError::InvalidShasum(s.chars().take(60).collect());
    let bytes = hex::decode(s).map_err(|_| invalid())?;
    bytes.try_into().map_err(|_| invalid())
}

/// Both digests of a tarball, fed in pieces as the attachment decodes.
#[derive(Clone, Default)]
pub struct TarballHasher {
    sha1: Sha1,
    sha512: Sha512,
    len: u64,
}

impl std::fmt::Debug for TarballHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TarballHasher").field("len", &self.len).finish_non_exhaustive()
    }
}

/// A tarball's digests and length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarballDigests {
    pub sha1: [u8; 20],
    pub sha512: [u8; 64],
    pub len: u64,
}

impl TarballHasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.sha1.update(bytes);
        self.sha512.update(bytes);
        self.len += bytes.len() as u64;
    }

    pub fn finish(self) -> TarballDigests {
        TarballDigests { sha1: self.sha1.finalize().into(), sha512: self.sha512.finalize().into(), len: self.len }
    }
}

impl TarballDigests {
    pub fn of(bytes: &[u8]) -> Self {
        let mut hasher = TarballHasher::new();
        hasher.update(bytes);
        hasher.finish()
    }

    /// `dist.integrity`.
    pub fn integrity(&self) -> String {
        sri_sha512(&self.sha512)
    }

    /// `dist.shasum`.
    pub fn shasum(&self) -> String {
        shasum_hex(&self.sha1)
    }

    /// Whether the client's claims (either may be absent) match these digests. A claim that does
    /// not parse does not match.
    pub fn matches_claims(&self, integrity: Option<&str>, shasum: Option<&str>) -> bool {
        integrity.is_none_or(|i| parse_sri(i).is_ok_and(|d| d == self.sha512))
            && shasum.is_none_or(|s| parse_shasum(s).is_ok_and(|d| d == self.sha1))
    }
}
