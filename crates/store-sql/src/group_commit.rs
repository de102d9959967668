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
//!
//! Checkpoints (copying the WAL back into the database file, with their own fsyncs) are not run by
//! the committing writer: it runs with `wal_autocheckpoint = 0`, and once the WAL has grown past
//! [`CHECKPOINT_AFTER_BYTES`] a checkpoint runs on a connection of its own on a blocking thread, in
//! two steps. A passive checkpoint first copies what it can beside the writer and readers, waiting for
//! neither. A `RESTART` checkpoint follows while the checkpoint holds the write connection (writers
//! queue, their tasks parked): it copies the few frames added meanwhile, syncs the database file and
//! waits up to [`CHECKPOINT_WAIT`] for readers of older snapshots, so that the next commit writes the
//! WAL from its start again. A passive checkpoint alone never catches up with a steady stream of
//! commits, and SQLite starts a WAL over only once every frame was copied: measured under a steady
//! push load, the WAL grew by 200 KiB per push (277 MB after 1 600 pushes), every commit extending the
//! file — a new page-cache page and a block allocation per frame — instead of rewriting pages already
//! there.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The WAL size past which a checkpoint runs: SQLite's default (1000 pages of 4 KiB).
pub const CHECKPOINT_AFTER_BYTES: u64 = 4 << 20;

/// The least time between two checkpoints. The WAL file keeps its size after a checkpoint (SQLite
/// writes it again from the start), so past [`CHECKPOINT_AFTER_BYTES`] its size alone would start a
/// checkpoint after every sync: measured during a GC sweep, 35 000 checkpoints in four minutes, each
/// with its fsyncs, the tail of every push's commit waiting on them.
const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// How long a checkpoint holding the write connection waits for readers of older snapshots (ordinary
/// reads take well under a millisecond), after which it leaves the WAL to grow until the next one: a
/// long read (a storage report, a backup) then costs writers this much once per checkpoint.
const CHECKPOINT_WAIT: std::time::Duration = std::time::Duration::from_millis(10);

/// The connection SQLite writes through, which a checkpoint holds for its `RESTART` step.
pub type Writer = Arc<tokio::sync::Mutex<rusqlite::Connection>>;

/// Tracks commits and the WAL syncs that made them durable.
#[derive(Debug)]
pub struct WalSync {
    wal: PathBuf,
    /// Commits made so far; a commit's ticket is this count just after it.
    committed: AtomicU64,
    /// The highest ticket known durable. Holding the lock is the right to sync.
    durable: tokio::sync::Mutex<u64>,
    syncs: AtomicU64,
    checkpoints: Arc<Checkpoints>,
}

/// The checkpointing connection, opened on first use, and whether a checkpoint is running.
#[derive(Debug)]
struct Checkpoints {
    db_file: PathBuf,
    /// Held while a checkpoint finishes, so that no commit adds frames it cannot copy.
    writer: Option<Writer>,
    /// How long a checkpoint holding the writer waits for readers ([`CHECKPOINT_WAIT`]).
    wait: std::time::Duration,
    running: AtomicBool,
    conn: Mutex<Option<rusqlite::Connection>>,
    done: AtomicU64,
    /// When the last checkpoint ended.
    last: Mutex<Option<std::time::Instant>>,
}

impl WalSync {
    /// Syncs the WAL of the database file `db_file` (`<file>-wal`), whose commits go through
    /// `writer` (`None` in tests that commit on a connection of their own).
    pub fn new(db_file: &Path, writer: Option<Writer>) -> Self {
        Self::waiting_for_readers(db_file, writer, CHECKPOINT_WAIT)
    }

    /// As [`WalSync::new`], with checkpoints that wait `wait` for readers.
    fn waiting_for_readers(db_file: &Path, writer: Option<Writer>, wait: std::time::Duration) -> Self {
        let mut wal = db_file.as_os_str().to_owned();
        wal.push("-wal");
        let checkpoints = Arc::new(Checkpoints {
            db_file: db_file.to_owned(),
            writer,
            wait,
            running: AtomicBool::new(false),
            conn: Mutex::new(None),
            done: 0.into(),
            last: Mutex::new(None),
        });
        Self {
            wal: wal.into(),
            committed: AtomicU64::new(0),
            durable: tokio::sync::Mutex::new(0),
            syncs: 0.into(),
            checkpoints,
        }
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
        let wal_bytes = tokio::task::spawn_blocking(move || sync_wal(&wal)).await.map_err(io::Error::other)??;
        self.syncs.fetch_add(1, Ordering::Relaxed);
        *durable = covered;
        drop(durable);
        if wal_bytes > CHECKPOINT_AFTER_BYTES {
            self.checkpoints.start();
        }
        Ok(())
    }

    /// How many WAL syncs were made (for tests).
    #[cfg(test)]
    pub fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// How many checkpoints ran (for tests).
    #[cfg(test)]
    pub fn checkpoints(&self) -> u64 {
        self.checkpoints.done.load(Ordering::Relaxed)
    }
}

impl Checkpoints {
    /// Starts a passive checkpoint on a blocking thread unless one is running or the last one ended
    /// less than [`CHECKPOINT_INTERVAL`] ago. A failed checkpoint is logged and retried after a later
    /// sync: the WAL keeps every commit meanwhile.
    fn start(self: &Arc<Self>) {
        let last = *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_some_and(|at| at.elapsed() < CHECKPOINT_INTERVAL) {
            return;
        }
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.run().await {
                tracing::warn!(error = %e, "checkpointing the SQLite WAL failed; will retry");
            }
            *this.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::time::Instant::now());
            this.running.store(false, Ordering::Release);
        });
    }

    /// A passive checkpoint, then a `RESTART` one holding the writer. Even a passive checkpoint that
    /// copied every frame leaves the WAL to grow once a commit lands before the next writer starts,
    /// which under steady writes is always.
    async fn run(self: &Arc<Self>) -> io::Result<()> {
        let passive = self.clone();
        blocking(move || passive.checkpoint("PASSIVE")).await?;
        // Taken first, so that no commit waits in SQLite's busy loop on a runtime thread.
        let writer = match &self.writer {
            Some(writer) => Some(writer.clone().lock_owned().await),
            None => None,
        };
        let restart = self.clone();
        let (frames, copied) = blocking(move || restart.checkpoint("RESTART")).await?;
        drop(writer);
        if copied < frames {
            tracing::debug!(
                frames,
                copied,
                "readers kept a WAL checkpoint from finishing; the WAL grows until the next"
            );
        }
        self.done.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Runs a checkpoint in `mode`: the WAL's frames and how many of them are copied.
    fn checkpoint(&self, mode: &str) -> rusqlite::Result<(i64, i64)> {
        let mut conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if conn.is_none() {
            let opened = rusqlite::Connection::open(&self.db_file)?;
            opened.busy_timeout(self.wait)?;
            opened.execute_batch("PRAGMA synchronous = FULL;")?;
            *conn = Some(opened);
        }
        let conn = conn.as_ref().expect("opened above");
        // One row: whether it was kept from finishing, the WAL's frames, the frames copied.
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| Ok((r.get(1)?, r.get(2)?)))
    }
}

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> rusqlite::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(io::Error::other)?.map_err(io::Error::other)
}

/// Syncs the WAL by path, opened afresh each time: SQLite deletes the WAL when its last connection
/// closes (after a checkpoint that synced everything into the database file) and a later connection
/// creates a new one, so a kept descriptor could point at a deleted file.
/// Returns the WAL's size.
fn sync_wal(wal: &Path) -> io::Result<u64> {
    match std::fs::OpenOptions::new().write(true).open(wal) {
        Ok(file) => {
            file.sync_data()?;
            Ok(file.metadata()?.len())
        }
        // No WAL: the last connection checkpointed (and synced) it into the database and removed it.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
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
        let sync = WalSync::new(&db, None);
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
        let sync = Arc::new(WalSync::new(&dir.path().join("meta.db"), None));
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_grown_wal_is_checkpointed_by_a_connection_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("meta.db");
        let writer =
            crate::sqlite::open(db.to_str().unwrap(), true, crate::sqlite::Synchronous::GroupCommit, false).unwrap();
        writer.execute_batch("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (b BLOB)").unwrap();
        let sync = WalSync::new(&db, None);
        let wal = dir.path().join("meta.db-wal");
        for _ in 0..(CHECKPOINT_AFTER_BYTES / 65536 + 2) {
            writer.execute("INSERT INTO t (b) VALUES (zeroblob(65536))", []).unwrap();
        }
        assert!(std::fs::metadata(&wal).unwrap().len() > CHECKPOINT_AFTER_BYTES, "the writer does not checkpoint");
        let ticket = sync.committed();
        sync.wait_durable(ticket).await.unwrap();
        for _ in 0..200 {
            if sync.checkpoints() > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(sync.checkpoints(), 1, "one checkpoint ran");
        // The next write starts the WAL over: the checkpoint copied every frame.
        writer.execute("INSERT INTO t (b) VALUES (x'00')", []).unwrap();
        let count: i64 = writer.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(count as u64, CHECKPOINT_AFTER_BYTES / 65536 + 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_checkpoint_waits_for_readers_and_starts_the_wal_over() {
        use crate::sqlite::Synchronous;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("meta.db");
        let path = db.to_str().unwrap();
        let conn = crate::sqlite::open(path, true, Synchronous::GroupCommit, false).unwrap();
        conn.execute_batch("CREATE TABLE t (b BLOB)").unwrap();
        let writer: Writer = Arc::new(tokio::sync::Mutex::new(conn));
        // Long enough for this test to see the checkpoint take the writer and end the read.
        let sync = WalSync::waiting_for_readers(&db, Some(writer.clone()), std::time::Duration::from_secs(10));
        for _ in 0..(CHECKPOINT_AFTER_BYTES / 65536 + 2) {
            writer.lock().await.execute("INSERT INTO t (b) VALUES (zeroblob(65536))", []).unwrap();
        }
        // A reader's snapshot misses the last commit: a passive checkpoint could not copy that commit.
        let reader = crate::sqlite::open(path, false, Synchronous::Full, true).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let _: i64 = reader.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        writer.lock().await.execute("INSERT INTO t (b) VALUES (zeroblob(65536))", []).unwrap();
        let ticket = sync.committed();
        sync.wait_durable(ticket).await.unwrap();
        // The passive checkpoint stops at the reader's snapshot, the `RESTART` one takes the writer and
        // waits for the reader, which then finishes.
        for _ in 0..500 {
            if writer.try_lock().is_err() || sync.checkpoints() > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        reader.execute_batch("COMMIT").unwrap();
        for _ in 0..500 {
            if sync.checkpoints() > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(sync.checkpoints(), 1, "one checkpoint ran");
        // Every frame was copied and no reader uses the WAL: the next commit writes it from its start.
        let writer = writer.lock().await;
        writer.execute("INSERT INTO t (b) VALUES (x'00')", []).unwrap();
        let frames: i64 = writer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)).unwrap();
        assert!(frames <= 4, "the WAL holds only the last commit's frames, not {frames}");
    }

    #[tokio::test]
    async fn a_missing_wal_was_checkpointed_and_needs_no_sync() {
        let dir = tempfile::tempdir().unwrap();
        let sync = WalSync::new(&dir.path().join("meta.db"), None);
        let ticket = sync.committed();
        sync.wait_durable(ticket).await.unwrap();
    }

    #[tokio::test]
    async fn sync_failures_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the WAL should be: opening it for writing fails.
        std::fs::create_dir(dir.path().join("meta.db-wal")).unwrap();
        let sync = WalSync::new(&dir.path().join("meta.db"), None);
        let ticket = sync.committed();
        assert!(sync.wait_durable(ticket).await.is_err());
        assert!(sync.wait_durable(ticket).await.is_err(), "a failed sync leaves the commit not durable");
    }
}
