//! Connections: which database we talk to, its pools, and how its errors become arca errors.

use crate::group_commit::WalSync;
use arca_core::{Error, ErrorKind, Result};
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions, AnyQueryResult, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Row, Transaction};
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

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

    /// The statement that opens a write transaction. SQLite takes the write lock up front, so a
    /// transaction never fails half-way on upgrading a read lock.
    const fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }
}

/// SQLite's per-connection settings: WAL, enforced foreign keys, and waiting on a busy database rather
/// than failing at once. Durability is set per pool (see [`Synchronous`]).
const SQLITE_PRAGMAS: [&str; 3] =
    ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"];

/// How a SQLite connection makes commits durable.
#[derive(Debug, Clone, Copy)]
enum Synchronous {
    /// `FULL`: each commit fsyncs the WAL itself (readers, which never commit, and `:memory:`).
    Full,
    /// `NORMAL`: commits are made durable by [`WalSync`] after they release the connection (the writer
    /// of a database file).
    GroupCommit,
}

impl Synchronous {
    const fn pragma(self) -> &'static str {
        match self {
            Self::Full => "PRAGMA synchronous = FULL",
            Self::GroupCommit => "PRAGMA synchronous = NORMAL",
        }
    }
}

const SQLITE_READERS: u32 = 4;
const POSTGRES_CONNECTIONS: u32 = 16;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The pools of one database. With SQLite, every write goes through a single connection (SQLite
/// admits one writer at a time; queueing in the pool beats spinning on `SQLITE_BUSY`) and reads use
/// a separate pool of read-only connections, which WAL lets run beside the writer. With PostgreSQL
/// both are the same pool.
///
/// Every write commits through [`WriteTx::commit`] or [`Db::execute_write`], which return only once the
/// commit is durable: PostgreSQL's commit is; a SQLite file's is once [`WalSync`] synced its WAL.
#[derive(Debug, Clone)]
pub struct Db {
    pub dialect: Dialect,
    writer: AnyPool,
    reader: AnyPool,
    wal: Option<Arc<WalSync>>,
    /// A SQLite database file and the identity it had when opened (see [`Db::check_file`]).
    file: Option<(PathBuf, FileId)>,
}

/// A file's device and inode: a file deleted (or replaced) under an open connection has another.
type FileId = (u64, u64);

fn file_id(path: &std::path::Path) -> std::io::Result<FileId> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    Ok((meta.dev(), meta.ino()))
}

/// A write transaction. It rolls back unless committed; statements run on it as on a connection.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    wal: Option<Arc<WalSync>>,
}

impl WriteTx {
    /// Commits, and returns once the commit is durable.
    pub async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.commit().await?;
        made_durable(self.wal.as_deref()).await
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// Waits until the commit that just returned is durable.
async fn made_durable(wal: Option<&WalSync>) -> std::result::Result<(), sqlx::Error> {
    match wal {
        Some(wal) => wal.wait_durable(wal.committed()).await.map_err(sqlx::Error::Io),
        None => Ok(()),
    }
}

impl Db {
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of_url(url)?;
        let unavailable =
            |e: sqlx::Error| Error::new(ErrorKind::Unavailable, format!("cannot connect to {}: {e}", redact(url)));
        match dialect {
            Dialect::Postgres => {
                let options = AnyConnectOptions::from_str(url).map_err(unavailable)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    .before_acquire(|conn, _| Box::pin(async move { Ok(is_clean(conn)) }))
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(unavailable)?;
                Ok(Self { dialect, writer: pool.clone(), reader: pool, wal: None, file: None })
            }
            Dialect::Sqlite => {
                let url = sqlite_url(url);
                let options = AnyConnectOptions::from_str(&url).map_err(unavailable)?;
                if is_sqlite_memory(&url) {
                    // Every connection to `:memory:` is a database of its own: keep exactly one.
                    let pool = sqlite_pool(1, Synchronous::Full, false)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                        .connect_with(options)
                        .await
                        .map_err(unavailable)?;
                    return Ok(Self { dialect, writer: pool.clone(), reader: pool, wal: None, file: None });
                }
                let writer = sqlite_pool(1, Synchronous::GroupCommit, false)
                    .before_acquire(|conn, _| Box::pin(async move { Ok(is_clean(conn)) }))
                    .connect_with(options.clone())
                    .await
                    .map_err(unavailable)?;
                let path = sqlite_file(&writer).await?;
                let id = file_id(&path).map_err(|e| Error::from_io("the database file", e))?;
                let wal = Some(Arc::new(WalSync::new(&path)));
                // Opening the writer created the file; readers may now open it.
                let reader = sqlite_pool(SQLITE_READERS, Synchronous::Full, true)
                    .connect_with(options)
                    .await
                    .map_err(unavailable)?;
                Ok(Self { dialect, writer, reader, wal, file: Some((path, id)) })
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

    /// The pool for reads.
    pub fn read(&self) -> &AnyPool {
        &self.reader
    }

    /// Runs one write statement in a transaction of its own; returns once it is durable.
    pub async fn execute_write<'q>(
        &self,
        query: Query<'q, Any, AnyArguments>,
    ) -> std::result::Result<AnyQueryResult, sqlx::Error> {
        let done = query.execute(&self.writer).await?;
        made_durable(self.wal.as_deref()).await?;
        Ok(done)
    }

    /// Opens a write transaction; it rolls back unless committed.
    pub async fn write(&self) -> Result<WriteTx> {
        let tx = self.writer.begin_with(self.dialect.begin_write()).await.map_err(db_err("begin transaction"))?;
        Ok(WriteTx { tx, wal: self.wal.clone() })
    }

    /// Opens a transaction on the read pool, for reads that must see one snapshot.
    pub async fn read_tx(&self) -> Result<Transaction<'static, Any>> {
        self.reader.begin().await.map_err(db_err("begin transaction"))
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Whether a pooled connection may be reused: not when a transaction is still open on it. That
/// happens when the database ended a transaction by itself (SQLite rolls back on `SQLITE_FULL` or
/// `SQLITE_IOERR`, so the client's ROLLBACK fails): reused, every later write would fail with
/// "begin at non-zero transaction depth" until a restart. Such a connection is closed and replaced.
fn is_clean(conn: &AnyConnection) -> bool {
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("replacing a database connection left inside a failed transaction");
    }
    clean
}

fn sqlite_pool(max: u32, synchronous: Synchronous, read_only: bool) -> AnyPoolOptions {
    AnyPoolOptions::new().max_connections(max).acquire_timeout(ACQUIRE_TIMEOUT).after_connect(move |conn, _| {
        Box::pin(async move {
            for pragma in SQLITE_PRAGMAS.into_iter().chain([synchronous.pragma()]) {
                conn.execute(pragma).await?;
            }
            if read_only {
                conn.execute("PRAGMA query_only = ON").await?;
            }
            Ok(())
        })
    })
}

/// The path of the database file the pool writes to, as SQLite resolved it.
async fn sqlite_file(pool: &AnyPool) -> Result<PathBuf> {
    let row = sqlx::query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .fetch_one(pool)
        .await
        .map_err(db_err("locating the database file"))?;
    let file: String = col(&row, 0)?;
    if file.is_empty() {
        return Err(Error::internal("locating the database file", "SQLite reports no file for a file database"));
    }
    Ok(PathBuf::from(file))
}

/// `sqlite://path` opens the file read-write and creates it if missing, unless the URL says otherwise.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || is_sqlite_memory(url) {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

fn is_sqlite_memory(url: &str) -> bool {
    url.starts_with("sqlite::memory:") || url.contains("mode=memory")
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
/// (worth retrying), constraint races `Conflict`, anything else `Internal`.
pub fn db_err(context: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    // Not logged here: the protocol crate answering with it logs what is serious, once, with the
    // request's id (`Error::log_if_serious`); conflicts are expected answers.
    move |e| match classify(&e) {
        ErrorKind::Internal => Error::internal(context, e),
        ErrorKind::InsufficientStorage => Error::storage_full(context, e),
        kind => Error::new(kind, format!("{context}: {e}")),
    }
}

fn classify(e: &sqlx::Error) -> ErrorKind {
    use sqlx::error::ErrorKind as DbKind;
    match e {
        sqlx::Error::Io(io) if arca_core::error::is_storage_full(io) => ErrorKind::InsufficientStorage,
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => ErrorKind::Unavailable,
        sqlx::Error::Database(db) => match db.kind() {
            DbKind::UniqueViolation | DbKind::ForeignKeyViolation => ErrorKind::Conflict,
            _ if db.code().is_some_and(|code| is_storage_full_code(&code)) => ErrorKind::InsufficientStorage,
            _ if db.code().is_some_and(|code| is_transient(&code)) => ErrorKind::Unavailable,
            _ => ErrorKind::Internal,
        },
        _ => ErrorKind::Internal,
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
pub fn col<'r, T>(row: &'r AnyRow, index: usize) -> Result<T>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(index).map_err(db_err("decoding a row"))
}

/// A stored value that does not parse back is corruption (or a newer arca's data).
pub fn corrupt(what: &str, value: &str, cause: impl std::fmt::Display) -> Error {
    Error::internal("reading metadata", format!("stored {what} {value:?} is invalid: {cause}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn sqlite_files_are_created_unless_the_url_chooses_a_mode() {
        assert_eq!(sqlite_url("sqlite://data/meta.db"), "sqlite://data/meta.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite://data/meta.db?cache=shared"), "sqlite://data/meta.db?cache=shared&mode=rwc");
        assert_eq!(sqlite_url("sqlite://data/meta.db?mode=ro"), "sqlite://data/meta.db?mode=ro");
        assert_eq!(sqlite_url("sqlite::memory:"), "sqlite::memory:");
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
        assert_eq!(classify(&sqlx::Error::PoolTimedOut), ErrorKind::Unavailable);
        assert_eq!(classify(&sqlx::Error::RowNotFound), ErrorKind::Internal);
    }

    #[test]
    fn numbers_convert_without_wrapping() {
        assert_eq!(to_i64(u64::MAX), i64::MAX);
        assert_eq!(to_i64(42), 42);
        assert_eq!(to_u64(-1), 0);
        assert_eq!(limit(usize::MAX), i64::MAX);
        assert_eq!(limit(0), 0);
    }

    async fn pragma(pool: &AnyPool, name: &'static str) -> String {
        let row = sqlx::query(name).fetch_one(pool).await.expect(name);
        row.try_get::<String, _>(0).or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string())).expect(name)
    }

    #[tokio::test]
    async fn sqlite_writes_go_through_one_durable_connection_and_reads_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("meta.db").display())).await.unwrap();
        assert!(dir.path().join("meta.db").exists(), "the database file is created");
        assert_eq!(db.writer.options().get_max_connections(), 1, "one writer");
        assert!(db.reader.options().get_max_connections() > 1, "several readers");
        for pool in [&db.writer, &db.reader] {
            assert_eq!(pragma(pool, "PRAGMA journal_mode").await, "wal");
            assert_eq!(pragma(pool, "PRAGMA foreign_keys").await, "1");
            assert_eq!(pragma(pool, "PRAGMA busy_timeout").await, "5000");
        }
        assert_eq!(pragma(&db.writer, "PRAGMA synchronous").await, "1", "NORMAL: group commit syncs the WAL");
        assert_eq!(pragma(&db.reader, "PRAGMA synchronous").await, "2", "FULL");
        assert_eq!(pragma(&db.writer, "PRAGMA query_only").await, "0", "the writer writes");
        assert_eq!(pragma(&db.reader, "PRAGMA query_only").await, "1", "readers cannot write");
        db.close().await;
    }

    #[tokio::test]
    async fn every_sqlite_commit_returns_after_a_wal_sync() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("meta.db").display())).await.unwrap();
        let wal = db.wal.clone().expect("a database file has a WAL to sync");
        db.execute_write(sqlx::query("CREATE TABLE t (n BIGINT)")).await.unwrap();
        assert_eq!(wal.syncs(), 1, "a single statement is synced");
        let mut tx = db.write().await.unwrap();
        sqlx::query("INSERT INTO t (n) VALUES (1)").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(wal.syncs(), 2, "a transaction is synced");
        let writes = (0..20).map(|n| {
            let db = db.clone();
            async move {
                let mut tx = db.write().await.unwrap();
                sqlx::query("INSERT INTO t (n) VALUES ($1)").bind(n).execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }
        });
        futures_util::future::join_all(writes).await;
        assert!((3..=22).contains(&wal.syncs()), "concurrent commits share syncs: {}", wal.syncs());
        let rolled_back = db.write().await.unwrap();
        drop(rolled_back);
        let rows = sqlx::query("SELECT COUNT(*) FROM t").fetch_one(db.read()).await.unwrap();
        assert_eq!(rows.try_get::<i64, _>(0).unwrap(), 21);
        db.close().await;
    }

    #[tokio::test]
    async fn memory_databases_and_postgres_need_no_wal_sync() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        assert!(db.wal.is_none());
        db.execute_write(sqlx::query("CREATE TABLE t (n BIGINT)")).await.unwrap();
    }
}
