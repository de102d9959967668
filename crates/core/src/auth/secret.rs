//! Secrets: argon2id password hashes, random tokens stored as SHA-256 hashes, constant-time comparison.

use crate::{Error, ErrorKind, Result};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

/// Every API token starts with this, so a token is recognised wherever a password may be given.
pub const TOKEN_PREFIX: &str = "arca_";

/// `count` random bytes from the operating system.
pub fn random_bytes(count: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; count];
    getrandom::fill(&mut bytes).map_err(|e| Error::internal("generating random bytes", e))?;
    Ok(bytes)
}

/// A random password or secret of `bytes` bytes of entropy, as hex.
pub fn random_hex(bytes: usize) -> Result<String> {
    Ok(hex::encode(random_bytes(bytes)?))
}

/// An argon2id hash in PHC string form (`$argon2id$v=19$…`), salted at random.
pub fn hash_password(password: &str) -> Result<String> {
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::internal("hashing a password", e))
}

/// Whether `password` matches a PHC hash (argon2 compares in constant time).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match argon2::password_hash::phc::PasswordHash::new(phc) {
        Ok(hash) => argon2::Argon2::default().verify_password(password.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
}

/// A hash that costs as much to check as a real one, for unknown users (no timing oracle).
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("arca-dummy-password").unwrap_or_default())
}

/// `hex(sha256(text))`: how tokens are stored.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Constant-time equality.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// A new token `arca_<id>_<secret>`: its id (public, for listing and revoking) and the full text
/// (shown once).
pub fn new_token() -> Result<(String, String)> {
    let id = random_hex(8)?;
    let secret = random_hex(24)?;
    Ok((id.clone(), format!("{TOKEN_PREFIX}{id}_{secret}")))
}

/// The id of a token text, if it has a token's shape.
pub fn token_id(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && !secret.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// Checks a password is worth having.
pub fn check_password_strength(password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(Error::new(ErrorKind::InvalidRequest, "a password needs at least 8 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsf", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(hash, hash_password("correct horse").unwrap(), "salted");
    }

    #[test]
    fn tokens_are_random_and_carry_their_id() {
        let (id, text) = new_token().unwrap();
        assert_eq!(token_id(&text), Some(id.as_str()));
        assert_ne!(new_token().unwrap().1, text);
        assert_eq!(token_id("arca_zz_secret"), None);
        assert_eq!(token_id("hunter2"), None);
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
