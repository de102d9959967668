//! When manifests were last pulled, for retention's `keep_pulled_within`. A pull (a manifest's body
//! read, a generic file downloaded) is noted in memory; the notes are written to the metadata store at
//! most once a minute, by the pull that finds them due (one small write a minute, not one per pull),
//! and before a retention plan reads them. A crash loses at most a minute of pull times.

use super::Registry;
use crate::Result;
use crate::meta::Millis;
use arca_types::{Digest, OciName};
use std::collections::HashMap;
use std::sync::Mutex;

/// How often noted pulls are written.
const FLUSH_EVERY_MS: Millis = 60_000;

#[derive(Default)]
pub(super) struct PullLog {
    state: Mutex<Notes>,
}

#[derive(Default)]
struct Notes {
    latest: HashMap<(OciName, Digest), Millis>,
    flushed_at: Millis,
}

impl PullLog {
    /// Notes a pull; the notes to write now if they are due.
    fn note(&self, name: &OciName, digest: &Digest, now: Millis) -> Option<Vec<(OciName, Digest, Millis)>> {
        let mut notes = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        notes.latest.insert((name.clone(), digest.clone()), now);
        (now - notes.flushed_at >= FLUSH_EVERY_MS).then(|| notes.drain(now))
    }

    /// Every note, to write now.
    fn take(&self, now: Millis) -> Vec<(OciName, Digest, Millis)> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).drain(now)
    }
}

impl Notes {
    fn drain(&mut self, now: Millis) -> Vec<(OciName, Digest, Millis)> {
        self.flushed_at = now;
        self.latest.drain().map(|((n, d), at)| (n, d, at)).collect()
    }
}

impl Registry {
    /// Notes that `name@digest` was pulled now.
    pub(super) async fn note_pull(&self, name: &OciName, digest: &Digest) {
        let Some(due) = self.pulls.note(name, digest, self.now()) else { return };
        // Pull times are best effort: a failure to write them never fails the pull.
        if let Err(e) = self.ports.retention.record_pulls(&due).await {
            tracing::warn!(error = %e, "recording pull times");
        }
    }

    /// Writes the pulls noted on this node now (before a retention plan reads them).
    pub(super) async fn flush_pulls(&self) -> Result<()> {
        let due = self.pulls.take(self.now());
        if due.is_empty() {
            return Ok(());
        }
        self.ports.retention.record_pulls(&due).await
    }
}
