//! Foreground traffic on this node: the artifact requests in flight (pushes, pulls, publishes,
//! installs — the server counts every request of an artifact protocol, from its first byte until its
//! response body is dropped). Background work that competes with them for the metadata writer, the
//! disk and the cores — GC's sweep — asks [`Traffic::busy`] and yields while there is any, so a sweep
//! beside steady traffic costs that traffic little and runs at full speed when the node is idle.
//!
//! It sees this node only: with several nodes, traffic on the others is invisible here, which is why
//! the sweep also keeps its fixed rest between pages.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A request that ended this recently still counts: a client's next request is usually on its way.
pub const QUIET_AFTER: Duration = Duration::from_millis(50);

/// How often a waiting sweep looks again.
const POLL: Duration = Duration::from_millis(10);

#[derive(Debug)]
pub struct Traffic {
    in_flight: AtomicUsize,
    /// When the last request ended, in milliseconds since `epoch`.
    last_end_ms: AtomicU64,
    epoch: Instant,
    quiet_after: Duration,
}

impl Default for Traffic {
    fn default() -> Self {
        Self::with_quiet_after(QUIET_AFTER)
    }
}

impl Traffic {
    /// A request that ended within `quiet_after` still counts as traffic.
    pub fn with_quiet_after(quiet_after: Duration) -> Self {
        Self { in_flight: AtomicUsize::new(0), last_end_ms: AtomicU64::new(0), epoch: Instant::now(), quiet_after }
    }

    /// Counts a request until the guard is dropped.
    pub fn enter(self: &Arc<Self>) -> TrafficGuard {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        TrafficGuard(self.clone())
    }

    /// A request is in flight, or one ended within the quiet period ([`QUIET_AFTER`]).
    pub fn busy(&self) -> bool {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return true;
        }
        let last_end = self.last_end_ms.load(Ordering::Relaxed);
        last_end > 0 && u128::from(self.now_ms().saturating_sub(last_end)) < self.quiet_after.as_millis()
    }

    /// Waits until the node is quiet, or `at_most` has passed (so work that yields still progresses
    /// under traffic that never stops). How long it waited.
    pub async fn wait_quiet(&self, at_most: Duration) -> Duration {
        let started = Instant::now();
        while self.busy() && started.elapsed() < at_most {
            tokio::time::sleep(POLL.min(at_most.saturating_sub(started.elapsed()))).await;
        }
        started.elapsed()
    }

    fn now_ms(&self) -> u64 {
        // Starts at 1, so 0 means "no request ended yet".
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX).max(1)
    }
}

/// One request being counted (see [`Traffic::enter`]).
#[derive(Debug)]
pub struct TrafficGuard(Arc<Traffic>);

impl Drop for TrafficGuard {
    fn drop(&mut self) {
        self.0.last_end_ms.store(self.0.now_ms(), Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_in_flight_or_just_ended_is_traffic() {
        let traffic = Arc::new(Traffic::with_quiet_after(Duration::from_secs(3600)));
        assert!(!traffic.busy(), "nothing yet");
        let first = traffic.enter();
        let second = traffic.enter();
        assert!(traffic.busy());
        drop(first);
        assert!(traffic.busy(), "one still in flight");
        drop(second);
        assert!(traffic.busy(), "just ended: the client's next request is on its way");

        let traffic = Arc::new(Traffic::with_quiet_after(Duration::from_millis(10)));
        drop(traffic.enter());
        std::thread::sleep(Duration::from_millis(30));
        assert!(!traffic.busy(), "quiet once the quiet period passed");
    }

    #[tokio::test]
    async fn waiting_for_quiet_ends_when_the_requests_do_or_at_the_limit() {
        let traffic = Arc::new(Traffic::default());
        let held = traffic.enter();
        let waited = traffic.wait_quiet(Duration::from_millis(30)).await;
        assert!(waited >= Duration::from_millis(30), "still busy: waits the whole limit ({waited:?})");
        let ends = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(held);
        });
        let waited = traffic.wait_quiet(Duration::from_secs(60)).await;
        assert!(waited < Duration::from_secs(60), "quiet once the request ended and the quiet period passed");
        assert!(!traffic.busy());
        ends.await.expect("request task");
    }
}
