//! What makes password logins affordable and bounded:
//!
//! - [`VerifiedCredentials`]: a short-lived memory of (user, password) pairs argon2 has accepted,
//!   keyed by an HMAC under a per-process random key (the password itself is never kept). A hit
//!   counts only while the user's stored hash is still the one that was verified, so a password change
//!   or a removed user invalidates it at once — on every node, since the user row is read each time;
//!   grants are always the row's current ones.
//! - [`HashGate`]: at most one argon2 verification per core at a time (each takes ~19 MiB and tens of
//!   milliseconds); beyond a bounded queue, logins are refused with a retry delay instead of piling up.

use crate::meta::Millis;
use hmac::{KeyInit, Mac};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How long a verified password is remembered.
const TTL: Duration = Duration::from_secs(600);
/// Pairs remembered at most (a login storm with valid passwords cannot grow it without bound).
const MAX_ENTRIES: usize = 10_000;

pub struct VerifiedCredentials {
    key: Vec<u8>,
    /// Fingerprint → (the PHC hash that accepted it, when it was verified).
    entries: Mutex<HashMap<[u8; 32], (String, Millis)>>,
}

impl VerifiedCredentials {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key, entries: Mutex::default() }
    }

    /// A keyed hash of the pair; the length prefix keeps `("ab", "c")` and `("a", "bc")` apart.
    pub fn fingerprint(&self, user: &str, password: &str) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(&(user.len() as u64).to_be_bytes());
        mac.update(user.as_bytes());
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Whether `fingerprint` was verified against `phc` (the user's current hash) within the TTL.
    pub fn is_verified(&self, fingerprint: &[u8; 32], phc: &str, now: Millis) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(fingerprint).is_some_and(|(hash, at)| {
            now.saturating_sub(*at) < crate::clock::millis(TTL) && super::secret::ct_eq(hash.as_bytes(), phc.as_bytes())
        })
    }

    pub fn remember(&self, fingerprint: [u8; 32], phc: &str, now: Millis) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (_, at)| now.saturating_sub(*at) < crate::clock::millis(TTL));
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(fingerprint, (phc.to_owned(), now));
    }
}

pub struct HashGate {
    permits: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl HashGate {
    /// One permit per core; up to `max_waiting` logins queue for one.
    pub fn new(max_waiting: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self { permits: Semaphore::new(cores), waiting: AtomicUsize::new(0), max_waiting }
    }

    /// A permit to run one password hash, or `None` when too many logins already wait.
    pub async fn acquire(&self) -> Option<SemaphorePermit<'_>> {
        if let Ok(permit) = self.permits.try_acquire() {
            return Some(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        let permit = self.permits.acquire().await.ok();
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        permit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verified_pair_counts_only_with_the_hash_it_was_verified_against() {
        let cache = VerifiedCredentials::new(b"k".to_vec());
        let now: Millis = 1_000_000;
        let fp = cache.fingerprint("alice", "pw");
        assert_ne!(fp, cache.fingerprint("alic", "epw"));
        assert_ne!(fp, cache.fingerprint("alice", "pw2"));
        assert!(!cache.is_verified(&fp, "$hash1", now));
        cache.remember(fp, "$hash1", now);
        assert!(cache.is_verified(&fp, "$hash1", now));
        assert!(!cache.is_verified(&fp, "$hash2", now), "a changed password invalidates it");
        assert!(!cache.is_verified(&fp, "$hash1", now + crate::clock::millis(TTL)), "and so does time");
    }

    #[tokio::test]
    async fn the_gate_bounds_concurrent_hashes_and_its_queue() {
        let gate = HashGate::new(0);
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let mut held = Vec::new();
        for _ in 0..cores {
            held.push(gate.acquire().await.expect("a permit per core"));
        }
        assert!(gate.acquire().await.is_none(), "no queue: refused at once");
        drop(held);
        assert!(gate.acquire().await.is_some());
    }
}
