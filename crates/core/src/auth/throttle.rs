//! Back-off on failed logins, per user and per client address: after a few failures, further
//! attempts are refused without checking the credentials, for a delay that doubles with each failure.

use crate::meta::Millis;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Failures of one user allowed before back-off starts (the default).
pub const FREE_FAILURES: u32 = 5;
const MAX_DELAY: Duration = Duration::from_secs(300);
/// Entries kept before old ones are forgotten (bounds memory under a spray of addresses).
const MAX_KEYS: usize = 100_000;

/// The state of one key: failures so far, attempts being evaluated now, and the end of its back-off.
#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    pending: u32,
    until: Millis,
}

#[derive(Debug)]
pub struct Throttle {
    /// Failures allowed before back-off starts.
    free: u32,
    keys: Mutex<HashMap<String, Entry>>,
}

impl Throttle {
    pub fn new(free_failures: u32) -> Self {
        Self { free: free_failures, keys: Mutex::default() }
    }

    /// How long `key` must still wait, if it is locked out.
    pub fn locked_for(&self, key: &str, now: Millis) -> Option<Duration> {
        let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let entry = keys.get(key)?;
        (entry.until > now).then(|| wait(entry.until - now))
    }

    /// Reserves the right to evaluate one attempt for `key`, or says how long to wait. The decision
    /// counts attempts still being evaluated, so concurrent attempts cannot overshoot the free
    /// failures (200 parallel guesses get `free` evaluations, not 200); once back-off has started,
    /// one attempt at a time. Every reservation ends with [`Self::fail`] or [`Self::release`].
    pub fn begin(&self, key: &str, now: Millis) -> Result<(), Duration> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= MAX_KEYS {
            keys.retain(|_, e| e.until > now || e.pending > 0);
        }
        let entry = keys.entry(key.to_owned()).or_insert(Entry { failures: 0, pending: 0, until: now });
        if entry.until > now {
            return Err(wait(entry.until - now));
        }
        if entry.pending > 0 && entry.failures.saturating_add(entry.pending) >= self.free {
            return Err(Duration::from_secs(1));
        }
        entry.pending += 1;
        Ok(())
    }

    /// Records a failure, ending its reservation if `reserved`; returns the lock-out it causes.
    pub fn failure(&self, key: &str, now: Millis, reserved: bool) -> Option<Duration> {
        if reserved { self.fail(key, now) } else { self.count_failure(key, now) }
    }

    /// Records the failure of a reserved attempt, ending its reservation; returns the lock-out it causes.
    pub fn fail(&self, key: &str, now: Millis) -> Option<Duration> {
        self.release(key);
        self.count_failure(key, now)
    }

    /// Records a failure of an attempt that held no reservation; returns the lock-out it causes.
    pub fn count_failure(&self, key: &str, now: Millis) -> Option<Duration> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= MAX_KEYS {
            keys.retain(|_, e| e.until > now || e.pending > 0);
        }
        let entry = keys.entry(key.to_owned()).or_insert(Entry { failures: 0, pending: 0, until: now });
        entry.failures += 1;
        let over = entry.failures.saturating_sub(self.free);
        if over == 0 {
            return None;
        }
        let delay = Duration::from_secs(1u64 << over.min(9)).min(MAX_DELAY);
        entry.until = now.saturating_add(crate::clock::millis(delay));
        Some(delay)
    }

    /// Ends a reservation without a failure (the attempt succeeded, or was not evaluated).
    pub fn release(&self, key: &str) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = keys.get_mut(key) {
            entry.pending = entry.pending.saturating_sub(1);
        }
    }

    /// Forgets the failures of `key` (after a successful login), ending its reservation.
    pub fn succeed(&self, key: &str) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = keys.get_mut(key) {
            // (An unreserved success, such as a token's, has no reservation to end: pending stays 0.)
            entry.pending = entry.pending.saturating_sub(1);
            entry.failures = 0;
            if entry.pending == 0 {
                keys.remove(key);
            }
        }
    }
}

fn wait(ms: Millis) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_free_ones_lock_out_for_doubling_delays() {
        let t = Throttle::new(FREE_FAILURES);
        let now: Millis = 1_000_000;
        for _ in 0..FREE_FAILURES {
            assert_eq!(t.count_failure("user:a", now), None);
        }
        assert_eq!(t.locked_for("user:a", now), None);
        assert_eq!(t.count_failure("user:a", now), Some(Duration::from_secs(2)));
        assert_eq!(t.count_failure("user:a", now), Some(Duration::from_secs(4)));
        assert!(t.locked_for("user:a", now).is_some());
        assert_eq!(t.locked_for("user:a", now + 5000), None);
        assert_eq!(t.locked_for("user:b", now), None);
        t.succeed("user:a");
        assert_eq!(t.locked_for("user:a", now), None);
    }

    #[test]
    fn concurrent_attempts_cannot_overshoot_the_free_failures() {
        let t = Throttle::new(FREE_FAILURES);
        let now: Millis = 1_000_000;
        let admitted = (0..200).filter(|_| t.begin("user:a", now).is_ok()).count();
        assert_eq!(admitted, FREE_FAILURES as usize, "only as many evaluations as free failures");
        for _ in 0..admitted {
            t.fail("user:a", now);
        }
        assert!(t.begin("user:a", now).is_ok(), "past the free failures, one attempt at a time");
        assert!(t.begin("user:a", now).is_err());
        assert_eq!(t.fail("user:a", now), Some(Duration::from_secs(2)));
        assert!(t.begin("user:a", now).is_err(), "then locked out");
        let later = now + 3000;
        assert!(t.begin("user:a", later).is_ok(), "one attempt once the back-off ends");
        assert!(t.begin("user:a", later).is_err(), "but only one at a time");
        t.release("user:a");
        assert!(t.begin("user:a", later).is_ok());
        t.succeed("user:a");
        assert_eq!(t.locked_for("user:a", later), None);
        assert!(t.begin("user:a", later).is_ok(), "a success forgets the failures");
    }
}
