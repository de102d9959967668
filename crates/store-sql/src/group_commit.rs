//! Group commit for SQLite: many transactions made durable by one `fdatasync` of the WAL.
//!
//! With `synchronous = FULL` every commit fsyncs the WAL while holding the single write connection,
//! so concurrent pushes queue behind one another's fsyncs. Instead the writer runs with
//! `synchronous = NORMAL` — SQLite then appends commits to the WAL without syncing, and syncs the
//! WAL before every checkpoint and the database file after it — and every commit waits, *after* it
//! has released the write connection, until a WAL sync that started after it completed. Whichever
//! waiter syncs covers every commit made before its sync began, so ten concurrent commits cost one or
//! two fsyncs instead of ten, and the next transaction runs while the fsync is in flight.
//!
//! A commit is acknowledged only once it is durable: that is what [`WalSync::wait_durable`] returns.
//! Recovery replays the WAL's frames up to the last valid commit frame, so synced frames are enough.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Tracks commits and the WAL syncs that made them durable.
#[derive(Debug)]
pub struct WalSync {
    wal: PathBuf,
    /// Commits made so far; a commit's ticket is this count just after it.
    committed: AtomicU64,
    /// The highest ticket known durable. Holding the lock is the right to sync.
    durable: tokio::sync::Mutex<u64>,
    syncs: AtomicU64,
}

impl WalSync {
    /// Syncs the WAL of the database file `db_file` (`<file>-wal`).
    pub fn new(db_file: &Path) -> Self {
        let mut wal = db_file.as_os_str().to_owned();
        wal.push("-wal");
        Self { wal: wal.into(), committed: AtomicU64::new(0), durable: tokio::sync::Mutex::new(0), syncs: 0.into() }
    }

    /// Records a commit that has just returned; the ticket to wait on.
    pub fn committed(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Returns once the commit with `ticket` is on disk, syncing the WAL if no one else has yet.
    pub async fn wait_durable(&self, ticket: u64) -> io::Result<()> {
        let mut durable = self.durable.lock().await;
        if *durable >= ticket {
            return Ok(());
        }
        // Every commit counted here has written its frames to the WAL: the sync below covers it.
        let covered = self.committed.load(Ordering::SeqCst);
        let wal = self.wal.clone();
        tokio::task::spawn_blocking(move || sync_wal(&wal)).await.map_err(io::Error::other)??;
        self.syncs.fetch_add(1, Ordering::Relaxed);
        *durable = covered;
        Ok(())
    }

    /// How many WAL syncs were made (for tests).
    #[cfg(test)]
    pub fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }
}

/// Syncs the WAL by path, opened afresh each time: SQLite deletes the WAL when its last connection
/// closes (after a checkpoint that synced everything into the database file) and a later connection
/// creates a new one, so a kept descriptor could point at a deleted file.
fn sync_wal(wal: &Path) -> io::Result<()> {
    match std::fs::OpenOptions::new().write(true).open(wal) {
        Ok(file) => file.sync_data(),
        // No WAL: the last connection checkpointed (and synced) it into the database and removed it.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn one_sync_covers_every_commit_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("meta.db");
        std::fs::write(dir.path().join("meta.db-wal"), b"frames").unwrap();
        let sync = WalSync::new(&db);
        let tickets: Vec<u64> = (0..5).map(|_| sync.committed()).collect();
        assert_eq!(tickets, [1, 2, 3, 4, 5]);
        sync.wait_durable(3).await.unwrap();
        assert_eq!(sync.syncs(), 1);
        for ticket in tickets {
            sync.wait_durable(ticket).await.unwrap();
        }
        assert_eq!(sync.syncs(), 1, "the first sync covered all five commits");
        let later = sync.committed();
        sync.wait_durable(later).await.unwrap();
        assert_eq!(sync.syncs(), 2, "a commit after the sync needs another");
    }

    #[tokio::test]
    async fn concurrent_waiters_share_syncs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("meta.db-wal"), b"frames").unwrap();
        let sync = Arc::new(WalSync::new(&dir.path().join("meta.db")));
        let waiters: Vec<_> = (0..50)
            .map(|_| {
                let sync = sync.clone();
                tokio::spawn(async move {
                    let ticket = sync.committed();
                    sync.wait_durable(ticket).await
                })
            })
            .collect();
        for waiter in waiters {
            waiter.await.unwrap().unwrap();
        }
        assert!((1..=50).contains(&sync.syncs()), "{}", sync.syncs());
        assert_eq!(*sync.durable.lock().await, 50, "every commit is durable");
    }

    #[tokio::test]
    async fn a_missing_wal_was_checkpointed_and_needs_no_sync() {
        let dir = tempfile::tempdir().unwrap();
        let sync = WalSync::new(&dir.path().join("meta.db"));
        let ticket = sync.committed();
        sync.wait_durable(ticket).await.unwrap();
    }

    #[tokio::test]
    async fn sync_failures_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the WAL should be: opening it for writing fails.
        std::fs::create_dir(dir.path().join("meta.db-wal")).unwrap();
        let sync = WalSync::new(&dir.path().join("meta.db"));
        let ticket = sync.committed();
        assert!(sync.wait_durable(ticket).await.is_err());
        assert!(sync.wait_durable(ticket).await.is_err(), "a failed sync leaves the commit not durable");
    }
}
