//! "Now", as a port: every use case asks its [`Clock`], so tests move time instead of sleeping
//! (upload expiry, login back-off, token lifetimes, job schedules).
//!
//! Invariant (checked by `server`'s architecture test): outside this module, `core`, `api` and
//! `server` never read the system clock themselves.

use crate::meta::Millis;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Millis;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX))
    }
}

/// The system clock as the shared default.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// Starts at the system's now, so stored times look ordinary.
    pub fn new() -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(SystemClock.now())))
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(Millis::try_from(by.as_millis()).unwrap_or(Millis::MAX), Ordering::SeqCst);
    }

    pub fn set(&self, at: Millis) {
        self.0.store(at, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// `d` in milliseconds, saturating.
pub fn millis(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::new();
        let start = clock.now();
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(2));
        assert_eq!(clock.now(), start + 2000);
        clock.set(5);
        assert_eq!(clock.now(), 5);
        assert!(SystemClock.now() > 1_700_000_000_000);
    }
}
