//! Connections: which database we talk to, its pools, and how its errors become arca errors.

use crate::group_commit::WalSync;
use crate::postgres;
use crate::sql::{AsConn, Conn, FromValue, Query, Row, SqlError, SqlErrorKind, SqlResult, query};
use crate::sqlite::{self, Synchronous};
use arca_core::meta::Millis;
use arca_core::{Error, ErrorKind, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;

/// The SQL dialect behind a URL. Queries are written once in the common subset (`$1` placeholders,
/// `ON CONFLICT`, `CAST(… AS BIGINT)`); the few statements that differ branch on this enum, here and
/// in [`crate::migrate`] only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(Error::new(
                ErrorKind::Unsupported,
                format!("database URL {:?} is neither sqlite://… nor postgres://…", redact(url)),
            ))
        }
    }
}

const SQLITE_READERS: usize = 4;
const POSTGRES_CONNECTIONS: u32 = 16;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The connections of one database.
///
/// With SQLite, every write goes through one connection (SQLite admits one writer at a time; queueing
/// for it beats spinning on `SQLITE_BUSY`), behind an async lock: the task holding it runs its whole
/// transaction's statements in place on its own thread — each is microseconds, there is no fsync in
/// them (group commit, see [`WalSync`]) — so a transaction costs no thread wake-up per statement.
/// Reads use separate read-only connections, which WAL lets run beside the writer, also in place.
/// With PostgreSQL both are one sqlx pool.
///
/// Every write commits through [`Tx::commit`] or [`Db::execute_write`], which return only once the
/// commit is durable: PostgreSQL's commit is; a SQLite file's is once [`WalSync`] synced its WAL.
#[derive(Debug, Clone)]
pub struct Db {
    pub dialect: Dialect,
    backend: Backend,
    /// A SQLite database file and the identity it had when opened (see [`Db::check_file`]).
    file: Option<(PathBuf, FileId)>,
    /// How long a blob's touch stays fresh: recording a blob touched more recently than this does not
    /// write its row again (see `blobs::touch_or_insert`). 0 (the default): always written.
    pub(crate) touch_fresh_for: Millis,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(Arc<SqliteDb>),
    Postgres(PgPool),
}

pub struct SqliteDb {
    writer: Arc<tokio::sync::Mutex<rusqlite::Connection>>,
    /// Idle read-only connections; `None` for `:memory:`, whose reads use the writer (every connection
    /// to `:memory:` is a database of its own).
    readers: Option<std::sync::Mutex<Vec<rusqlite::Connection>>>,
    path: String,
    wal: Option<Arc<WalSync>>,
}

impl std::fmt::Debug for SqliteDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDb").field("path", &self.path).finish_non_exhaustive()
    }
}

/// A file's device and inode: a file deleted (or replaced) under an open connection has another.
type FileId = (u64, u64);

fn file_id(path: &std::path::Path) -> std::io::Result<FileId> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    Ok((meta.dev(), meta.ino()))
}

/// A SQLite connection held for a while: the writer (or, for `:memory:`, the only connection), or a
/// reader that goes back to the idle list when dropped.
pub enum Held {
    Writer(OwnedMutexGuard<rusqlite::Connection>),
    Reader(Option<rusqlite::Connection>, Arc<SqliteDb>),
}

impl Held {
    fn conn(&mut self) -> &mut rusqlite::Connection {
        match self {
            Self::Writer(guard) => guard,
            Self::Reader(conn, _) => conn.as_mut().expect("a held reader has its connection until dropped"),
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Self::Reader(conn, db) = self
            && let (Some(conn), Some(idle)) = (conn.take(), &db.readers)
        {
            let mut idle = idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if idle.len() < SQLITE_READERS {
                idle.push(conn);
            }
        }
    }
}

/// A connection for reads outside a transaction.
pub enum Reader {
    Sqlite(Held),
    Postgres(PgPool),
}

impl AsConn for Reader {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(held) => Conn::Sqlite(held.conn()),
            Self::Postgres(pool) => Conn::PostgresPool(pool),
        }
    }
}

/// A transaction. It rolls back unless committed; statements run on it as on a connection.
pub struct Tx {
    /// `None` once committed.
    inner: Option<TxInner>,
    wal: Option<Arc<WalSync>>,
    /// PostgreSQL: the transaction appended audit entries, to seal once it commits (set by
    /// `audit::append`; see `audit::seal_pending`).
    seal_after_commit: bool,
    /// PostgreSQL: the database the transaction runs on.
    postgres: Option<Db>,
    /// The database's `touch_fresh_for`.
    pub(crate) touch_fresh_for: Millis,
}

enum TxInner {
    Sqlite(Held),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub(crate) fn dialect(&self) -> Dialect {
        if self.postgres.is_some() { Dialect::Postgres } else { Dialect::Sqlite }
    }

    /// Asks for the audit entries pending in `audit_pending` to be sealed once this transaction
    /// committed (PostgreSQL; a no-op on SQLite, which chains in place).
    pub(crate) fn seal_audit_after_commit(&mut self) {
        self.seal_after_commit = self.postgres.is_some();
    }

    /// Commits, and returns once the commit is durable (and, on PostgreSQL, the audit entries it
    /// appended were offered to the chain: see `audit::seal_after_commit`).
    pub async fn commit(self) -> SqlResult<()> {
        let seal = self.seal_after_commit.then(|| self.postgres.clone()).flatten();
        self.commit_durable().await?;
        if let Some(db) = seal {
            crate::audit::seal_after_commit(&db).await;
        }
        Ok(())
    }

    /// Commits, and returns once the commit is durable.
    pub(crate) async fn commit_durable(mut self) -> SqlResult<()> {
        match self.inner.take() {
            Some(TxInner::Sqlite(mut held)) => {
                if let Err(e) = held.conn().execute_batch("COMMIT") {
                    self.inner = Some(TxInner::Sqlite(held));
                    return Err(sqlite::error(e));
                }
                let ticket = self.wal.as_ref().map(|wal| wal.committed());
                // Released before waiting for the sync: the next transaction runs while the WAL syncs.
                drop(held);
                match (&self.wal, ticket) {
                    (Some(wal), Some(ticket)) => wal.wait_durable(ticket).await.map_err(io_error),
                    _ => Ok(()),
                }
            }
            Some(TxInner::Postgres(tx)) => tx.commit().await.map_err(postgres::error),
            None => Ok(()),
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if let Some(TxInner::Sqlite(held)) = &mut self.inner {
            // Statements run in place, so the rollback does too; a transaction SQLite already ended by
            // itself (SQLITE_FULL) fails this harmlessly and the next `begin` sees a clean connection.
            let _ = held.conn().execute_batch("ROLLBACK");
        }
    }
}

impl AsConn for Tx {
    fn conn(&mut self) -> Conn<'_> {
        match self.inner.as_mut().expect("statements run on a transaction before it commits") {
            TxInner::Sqlite(held) => Conn::Sqlite(held.conn()),
            TxInner::Postgres(tx) => Conn::Postgres(tx),
        }
    }
}

fn io_error(e: std::io::Error) -> SqlError {
    let storage_full = arca_core::error::is_storage_full(&e);
    SqlError { kind: SqlErrorKind::Io { storage_full }, code: None, message: e.to_string() }
}

impl Db {
    pub async fn connect(url: &str) -> Result<Self> {
        let dialect = Dialect::of_url(url)?;
        let unavailable =
            |e: SqlError| Error::new(ErrorKind::Unavailable, format!("cannot connect to {}: {e}", redact(url)));
        match dialect {
            Dialect::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(postgres::error).map_err(unavailable)?;
                let pool = PgPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    .before_acquire(|conn, _| Box::pin(async move { Ok(is_clean(conn)) }))
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(postgres::error)
                    .map_err(unavailable)?;
                Ok(Self { dialect, backend: Backend::Postgres(pool), file: None, touch_fresh_for: 0 })
            }
            Dialect::Sqlite => {
                let target = SqliteTarget::parse(url);
                let writer = tokio::task::spawn_blocking({
                    let target = target.clone();
                    move || target.open_writer()
                })
                .await
                .map_err(|e| Error::internal("opening the database", e))?
                .map_err(unavailable)?;
                if target.memory {
                    let db = SqliteDb {
                        writer: Arc::new(tokio::sync::Mutex::new(writer)),
                        readers: None,
                        path: target.path,
                        wal: None,
                    };
                    return Ok(Self {
                        dialect,
                        backend: Backend::Sqlite(Arc::new(db)),
                        file: None,
                        touch_fresh_for: 0,
                    });
                }
                let path = PathBuf::from(writer.path().unwrap_or(&target.path));
                let id = file_id(&path).map_err(|e| Error::from_io("the database file", e))?;
                let writer = Arc::new(tokio::sync::Mutex::new(writer));
                let db = SqliteDb {
                    writer: writer.clone(),
                    readers: Some(std::sync::Mutex::new(Vec::new())),
                    path: target.path,
                    wal: Some(Arc::new(WalSync::new(&path, Some(writer)))),
                };
                Ok(Self { dialect, backend: Backend::Sqlite(Arc::new(db)), file: Some((path, id)), touch_fresh_for: 0 })
            }
        }
    }

    /// For a SQLite file: an error when the file the connections have open is no longer the one at
    /// its path (deleted or replaced while running: the writes would go to a file nobody will read).
    pub fn check_file(&self) -> Result<()> {
        let Some((path, opened)) = &self.file else { return Ok(()) };
        match file_id(path) {
            Ok(now) if now == *opened => Ok(()),
            Ok(_) => Err(Error::new(
                ErrorKind::Unavailable,
                format!("the database file {} was replaced while arca had it open", path.display()),
            )),
            Err(e) => Err(Error::new(
                ErrorKind::Unavailable,
                format!("the database file {} is gone ({e}): restore it from a backup and restart", path.display()),
            )),
        }
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<Reader> {
        match &self.backend {
            Backend::Postgres(pool) => Ok(Reader::Postgres(pool.clone())),
            Backend::Sqlite(db) => Ok(Reader::Sqlite(held_reader(db).await.map_err(db_err("opening a reader"))?)),
        }
    }

    /// Runs one write statement in a transaction of its own; returns once it is durable.
    pub async fn execute_write(&self, query: Query) -> SqlResult<u64> {
        let mut tx = self.begin(true).await?;
        let done = query.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Opens a write transaction; it rolls back unless committed.
    pub async fn write(&self) -> Result<Tx> {
        self.begin(true).await.map_err(db_err("begin transaction"))
    }

    /// Opens a transaction for reads that must see one snapshot.
    pub async fn read_tx(&self) -> Result<Tx> {
        self.begin(false).await.map_err(db_err("begin transaction"))
    }

    async fn begin(&self, write: bool) -> SqlResult<Tx> {
        match &self.backend {
            Backend::Postgres(pool) => {
                let tx = pool.begin().await.map_err(postgres::error)?;
                Ok(Tx {
                    inner: Some(TxInner::Postgres(tx)),
                    wal: None,
                    seal_after_commit: false,
                    postgres: Some(self.clone()),
                    touch_fresh_for: self.touch_fresh_for,
                })
            }
            Backend::Sqlite(db) => {
                let mut held = if write { held_writer(db).await? } else { held_reader(db).await? };
                let conn = held.conn();
                if !conn.is_autocommit() {
                    // The database ended a transaction by itself (SQLite rolls back on SQLITE_FULL or
                    // SQLITE_IOERR, so the client's ROLLBACK failed): close it before the next.
                    tracing::warn!("rolling back a transaction a failed write left open");
                    conn.execute_batch("ROLLBACK").map_err(sqlite::error)?;
                }
                // A writer takes the write lock up front, so a transaction never fails half-way on
                // upgrading a read lock.
                let statement = if write { "BEGIN IMMEDIATE" } else { "BEGIN" };
                conn.execute_batch(statement).map_err(sqlite::error)?;
                let wal = if write { db.wal.clone() } else { None };
                Ok(Tx {
                    inner: Some(TxInner::Sqlite(held)),
                    wal,
                    seal_after_commit: false,
                    postgres: None,
                    touch_fresh_for: self.touch_fresh_for,
                })
            }
        }
    }

    /// Writes a consistent copy of a SQLite database to `path` (which must not exist) while writes go
    /// on: `VACUUM INTO` runs in one read transaction on a connection of its own, on a blocking thread.
    /// PostgreSQL has its own tools (`pg_dump`): `Unsupported`.
    pub async fn snapshot_into(&self, path: &std::path::Path) -> Result<()> {
        let Backend::Sqlite(db) = &self.backend else {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "a PostgreSQL database is backed up with pg_dump (README: Backup and restore); `arca backup` copies SQLite",
            ));
        };
        let target =
            path.to_str().ok_or_else(|| Error::new(ErrorKind::InvalidRequest, "a backup path must be UTF-8"))?;
        let vacuum = query("VACUUM INTO $1").bind(target);
        let snapshot = db_err("snapshotting the database");
        if db.readers.is_none() {
            // `:memory:`: only the writer's connection sees the database.
            let mut held = held_writer(db).await.map_err(db_err("snapshotting the database"))?;
            return sqlite::run(held.conn(), &vacuum, crate::sql::Fetch::Count).map(drop).map_err(snapshot);
        }
        let source = db.path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = sqlite::open(&source, false, Synchronous::Full, false)?;
            sqlite::run(&conn, &vacuum, crate::sql::Fetch::Count).map(drop)
        })
        .await
        .map_err(|e| Error::internal("snapshotting the database", e))?
        .map_err(snapshot)
    }

    pub async fn close(&self) {
        match &self.backend {
            Backend::Postgres(pool) => pool.close().await,
            Backend::Sqlite(db) => {
                if let Some(idle) = &db.readers {
                    idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
                }
            }
        }
    }

    #[cfg(test)]
    fn sqlite(&self) -> &SqliteDb {
        match &self.backend {
            Backend::Sqlite(db) => db,
            Backend::Postgres(_) => panic!("not SQLite"),
        }
    }
}

/// The writer, waited for at most [`ACQUIRE_TIMEOUT`] (then `Unavailable`: worth retrying).
async fn held_writer(db: &Arc<SqliteDb>) -> SqlResult<Held> {
    match tokio::time::timeout(ACQUIRE_TIMEOUT, db.writer.clone().lock_owned()).await {
        Ok(guard) => Ok(Held::Writer(guard)),
        Err(_) => Err(SqlError {
            kind: SqlErrorKind::Unavailable,
            code: None,
            message: format!("the database writer stayed busy for {} s", ACQUIRE_TIMEOUT.as_secs()),
        }),
    }
}

/// An idle reader, or a new one; a reader that cannot be opened is `Unavailable`.
async fn held_reader(db: &Arc<SqliteDb>) -> SqlResult<Held> {
    let Some(idle) = &db.readers else { return held_writer(db).await };
    let pooled = idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
    let conn = match pooled {
        Some(conn) => conn,
        None => sqlite::open(&db.path, false, Synchronous::Full, true).map_err(|e| SqlError {
            kind: SqlErrorKind::Unavailable,
            code: e.code,
            message: format!("opening a database reader: {}", e.message),
        })?,
    };
    Ok(Held::Reader(Some(conn), db.clone()))
}

/// Where a `sqlite:` URL points and how to open it.
#[derive(Debug, Clone)]
pub struct SqliteTarget {
    path: String,
    memory: bool,
    create: bool,
}

impl SqliteTarget {
    /// `sqlite://path` or `sqlite:path`, with an optional `?mode=ro|rw|rwc|memory` (default `rwc`:
    /// the file is created if missing); `sqlite::memory:` is a private in-memory database.
    fn parse(url: &str) -> Self {
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
        let mode = params.split('&').find_map(|p| p.strip_prefix("mode=")).unwrap_or("rwc");
        let memory = path == ":memory:" || mode == "memory";
        Self { path: if memory { ":memory:".to_owned() } else { path.to_owned() }, memory, create: mode == "rwc" }
    }

    /// The database file a `sqlite:` URL names; `None` for `:memory:` or another scheme.
    pub fn file_of(url: &str) -> Option<PathBuf> {
        if Dialect::of_url(url).ok()? != Dialect::Sqlite {
            return None;
        }
        let target = Self::parse(url);
        (!target.memory && !target.path.is_empty()).then(|| PathBuf::from(target.path))
    }

    fn open_writer(&self) -> SqlResult<rusqlite::Connection> {
        let synchronous = if self.memory { Synchronous::Full } else { Synchronous::GroupCommit };
        sqlite::open(&self.path, self.create || self.memory, synchronous, false)
    }
}

/// Whether a pooled PostgreSQL connection may be reused: not when a transaction is still open on it
/// (the server ended it, the client's ROLLBACK failed). Such a connection is closed and replaced.
fn is_clean(conn: &sqlx::PgConnection) -> bool {
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("replacing a database connection left inside a failed transaction");
    }
    clean
}

/// The URL without its password, fit for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Maps a database error to an arca error: connection trouble and contention are `Unavailable`
/// (worth retrying), constraint races `Conflict`, a full disk `InsufficientStorage`, anything else
/// `Internal`.
pub fn db_err(context: &'static str) -> impl FnOnce(SqlError) -> Error {
    // Not logged here: the protocol crate answering with it logs what is serious, once, with the
    // request's id (`Error::log_if_serious`); conflicts are expected answers.
    move |e| match classify(&e) {
        ErrorKind::Internal => Error::internal(context, e),
        ErrorKind::InsufficientStorage => Error::storage_full(context, e),
        kind => Error::new(kind, format!("{context}: {e}")),
    }
}

fn classify(e: &SqlError) -> ErrorKind {
    match e.kind {
        SqlErrorKind::Io { storage_full: true } => ErrorKind::InsufficientStorage,
        SqlErrorKind::Io { storage_full: false } | SqlErrorKind::Unavailable => ErrorKind::Unavailable,
        SqlErrorKind::UniqueViolation | SqlErrorKind::ForeignKeyViolation => ErrorKind::Conflict,
        SqlErrorKind::Database => match e.code.as_deref() {
            Some(code) if is_storage_full_code(code) => ErrorKind::InsufficientStorage,
            Some(code) if is_transient(code) => ErrorKind::Unavailable,
            _ => ErrorKind::Internal,
        },
        SqlErrorKind::Other => ErrorKind::Internal,
    }
}

/// SQLite `SQLITE_FULL` (13); PostgreSQL `disk_full` (53100).
fn is_storage_full_code(code: &str) -> bool {
    code == "53100" || (code.len() < 5 && code.parse::<u32>().is_ok_and(|sqlite| sqlite & 0xff == 13))
}

/// SQLite `BUSY`/`LOCKED` (with extended codes); PostgreSQL connection exceptions (08), insufficient
/// resources (53), operator intervention (57P), serialization failures and deadlocks. A PostgreSQL
/// SQLSTATE has five characters (and may be all digits); SQLite codes have at most four digits.
fn is_transient(code: &str) -> bool {
    if code.len() == 5 {
        return ["08", "53", "57P", "40001", "40P01"].iter().any(|prefix| code.starts_with(prefix));
    }
    code.parse::<u32>().is_ok_and(|sqlite| matches!(sqlite & 0xff, 5 | 6))
}

/// A size or offset as stored (BIGINT). Sizes beyond `i64::MAX` bytes do not occur; saturate rather
/// than wrap if one ever did.
pub fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A stored size or offset; a negative value would be corruption, read as 0.
pub fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A page limit as a SQL `LIMIT`.
pub fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Column `index` of a row.
pub fn col<T: FromValue>(row: &Row, index: usize) -> Result<T> {
    row.get(index).map_err(db_err("decoding a row"))
}

/// A stored value that does not parse back is corruption (or a newer arca's data).
pub fn corrupt(what: &str, value: &str, cause: impl std::fmt::Display) -> Error {
    Error::internal("reading metadata", format!("stored {what} {value:?} is invalid: {cause}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::query;

    #[test]
    fn dialect_follows_the_url_scheme() {
        assert_eq!(Dialect::of_url("sqlite://arca-data/meta.db").unwrap(), Dialect::Sqlite);
        assert_eq!(Dialect::of_url("sqlite::memory:").unwrap(), Dialect::Sqlite);
        assert_eq!(Dialect::of_url("postgres://u@h/db").unwrap(), Dialect::Postgres);
        assert_eq!(Dialect::of_url("postgresql://u@h/db").unwrap(), Dialect::Postgres);
        let err = Dialect::of_url("mysql://u:secret@h/db").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unsupported);
        assert!(!err.message.contains("secret"), "{}", err.message);
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://arca:s3cret@db:5432/arca"), "postgres://arca:***@db:5432/arca");
        assert_eq!(redact("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact("sqlite://data/meta.db"), "sqlite://data/meta.db");
        assert_eq!(redact("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn contention_and_lost_connections_are_unavailable() {
        for code in ["5", "517", "6", "262", "08006", "57P01", "53300", "40001", "40P01"] {
            assert!(is_transient(code), "{code}");
        }
        for code in ["1", "19", "787", "2067", "23505", "42P01", "XX000"] {
            assert!(!is_transient(code), "{code}");
        }
        assert_eq!(classify(&postgres::error(sqlx::Error::PoolTimedOut)), ErrorKind::Unavailable);
        assert_eq!(classify(&postgres::error(sqlx::Error::RowNotFound)), ErrorKind::Internal);
    }

    #[test]
    fn numbers_convert_without_wrapping() {
        assert_eq!(to_i64(u64::MAX), i64::MAX);
        assert_eq!(to_i64(42), 42);
        assert_eq!(to_u64(-1), 0);
        assert_eq!(limit(usize::MAX), i64::MAX);
        assert_eq!(limit(0), 0);
    }

    fn pragma(conn: &rusqlite::Connection, name: &str) -> String {
        conn.query_row(name, [], |row| row.get::<_, String>(0).or_else(|_| row.get::<_, i64>(0).map(|n| n.to_string())))
            .expect(name)
    }

    #[tokio::test]
    async fn sqlite_writes_go_through_one_durable_connection_and_reads_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("meta.db").display())).await.unwrap();
        assert!(dir.path().join("meta.db").exists(), "the database file is created");
        let writer = db.sqlite().writer.clone();
        let writer = writer.lock().await;
        let Reader::Sqlite(mut reader) = db.read().await.unwrap() else { panic!("a SQLite reader") };
        let reader = reader.conn();
        for conn in [&*writer, &*reader] {
            assert_eq!(pragma(conn, "PRAGMA journal_mode"), "wal");
            assert_eq!(pragma(conn, "PRAGMA foreign_keys"), "1");
            assert_eq!(pragma(conn, "PRAGMA busy_timeout"), "5000");
        }
        assert_eq!(pragma(&writer, "PRAGMA synchronous"), "1", "NORMAL: group commit syncs the WAL");
        assert_eq!(pragma(reader, "PRAGMA synchronous"), "2", "FULL");
        assert_eq!(pragma(&writer, "PRAGMA query_only"), "0", "the writer writes");
        assert_eq!(pragma(reader, "PRAGMA query_only"), "1", "readers cannot write");
        drop(writer);
        db.close().await;
    }

    #[tokio::test]
    async fn every_sqlite_commit_returns_after_a_wal_sync() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("meta.db").display())).await.unwrap();
        let wal = db.sqlite().wal.clone().expect("a database file has a WAL to sync");
        db.execute_write(query("CREATE TABLE t (n BIGINT)")).await.unwrap();
        assert_eq!(wal.syncs(), 1, "a single statement is synced");
        let mut tx = db.write().await.unwrap();
        query("INSERT INTO t (n) VALUES (1)").execute(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(wal.syncs(), 2, "a transaction is synced");
        let writes = (0..20).map(|n| {
            let db = db.clone();
            async move {
                let mut tx = db.write().await.unwrap();
                query("INSERT INTO t (n) VALUES ($1)").bind(n as i64).execute(&mut tx).await.unwrap();
                tx.commit().await.unwrap();
            }
        });
        futures_util::future::join_all(writes).await;
        assert!((3..=22).contains(&wal.syncs()), "concurrent commits share syncs: {}", wal.syncs());
        let mut rolled_back = db.write().await.unwrap();
        query("INSERT INTO t (n) VALUES (99)").execute(&mut rolled_back).await.unwrap();
        drop(rolled_back);
        let rows = query("SELECT COUNT(*) FROM t").fetch_one(&mut db.read().await.unwrap()).await.unwrap();
        assert_eq!(rows.get::<i64>(0).unwrap(), 21, "a dropped transaction rolled back");
        db.close().await;
    }

    #[tokio::test]
    async fn a_transaction_sqlite_ended_by_itself_does_not_wedge_the_writer() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        db.execute_write(query("CREATE TABLE t (n BIGINT)")).await.unwrap();
        db.execute_write(query(
            "CREATE TRIGGER boom BEFORE INSERT ON t WHEN NEW.n = 13 BEGIN SELECT RAISE(ROLLBACK, 'no'); END",
        ))
        .await
        .unwrap();
        let mut tx = db.write().await.unwrap();
        query("INSERT INTO t (n) VALUES (1)").execute(&mut tx).await.unwrap();
        assert!(query("INSERT INTO t (n) VALUES (13)").execute(&mut tx).await.is_err());
        drop(tx);
        db.execute_write(query("INSERT INTO t (n) VALUES (2)")).await.unwrap();
        let rows = query("SELECT n FROM t").fetch_all(&mut db.read().await.unwrap()).await.unwrap();
        assert_eq!(rows.len(), 1, "only the later write is there");
    }

    #[tokio::test]
    async fn memory_databases_and_postgres_need_no_wal_sync() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        assert!(db.sqlite().wal.is_none());
        db.execute_write(query("CREATE TABLE t (n BIGINT)")).await.unwrap();
        let mut reader = db.read().await.unwrap();
        query("SELECT COUNT(*) FROM t").fetch_one(&mut reader).await.expect("reads see the writer's database");
    }

    #[test]
    fn sqlite_urls_name_a_file_or_memory() {
        let t = SqliteTarget::parse("sqlite://data/meta.db");
        assert_eq!((t.path.as_str(), t.memory, t.create), ("data/meta.db", false, true));
        let t = SqliteTarget::parse("sqlite:///abs/meta.db?mode=rw");
        assert_eq!((t.path.as_str(), t.memory, t.create), ("/abs/meta.db", false, false));
        assert!(SqliteTarget::parse("sqlite::memory:").memory);
        assert!(SqliteTarget::parse("sqlite://x?mode=memory").memory);
    }
}
