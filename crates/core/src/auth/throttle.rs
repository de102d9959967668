//! Back-off on failed logins, per user and per client address: after a few failures, further
//! attempts are refused without checking the credentials, for a delay that doubles with each failure.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures of one user allowed before back-off starts (the default).
pub const FREE_FAILURES: u32 = 5;
const MAX_DELAY: Duration = Duration::from_secs(300);
/// Entries kept before old ones are forgotten (bounds memory under a spray of addresses).
const MAX_KEYS: usize = 100_000;

#[derive(Debug)]
pub struct Throttle {
    /// Failures allowed before back-off starts.
    free: u32,
    keys: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub fn new(free_failures: u32) -> Self {
        Self { free: free_failures, keys: Mutex::default() }
    }

    /// How long `key` must still wait, if it is locked out.
    pub fn locked_for(&self, key: &str, now: Instant) -> Option<Duration> {
        let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let (_, until) = keys.get(key)?;
        (*until > now).then(|| *until - now)
    }

    /// Records a failure; returns the lock-out it causes, if any.
    pub fn fail(&self, key: &str, now: Instant) -> Option<Duration> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= MAX_KEYS {
            keys.retain(|_, (_, until)| *until > now);
        }
        let entry = keys.entry(key.to_owned()).or_insert((0, now));
        entry.0 += 1;
        let over = entry.0.saturating_sub(self.free);
        if over == 0 {
            return None;
        }
        let delay = Duration::from_secs(1u64 << over.min(9)).min(MAX_DELAY);
        entry.1 = now + delay;
        Some(delay)
    }

    /// Forgets the failures of `key` (after a successful login).
    pub fn succeed(&self, key: &str) {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_free_ones_lock_out_for_doubling_delays() {
        let t = Throttle::new(FREE_FAILURES);
        let now = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(t.fail("user:a", now), None);
        }
        assert_eq!(t.locked_for("user:a", now), None);
        assert_eq!(t.fail("user:a", now), Some(Duration::from_secs(2)));
        assert_eq!(t.fail("user:a", now), Some(Duration::from_secs(4)));
        assert!(t.locked_for("user:a", now).is_some());
        assert_eq!(t.locked_for("user:a", now + Duration::from_secs(5)), None);
        assert_eq!(t.locked_for("user:b", now), None);
        t.succeed("user:a");
        assert_eq!(t.locked_for("user:a", now), None);
    }
}
