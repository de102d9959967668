//! arca's metadata store ([`arca_core::meta::MetaStore`]) on SQLite (through rusqlite) and PostgreSQL
//! (through sqlx).
//!
//! Architecture invariant: only this crate writes SQL. Every other crate reaches metadata through the
//! ports in `arca_core::meta`; table and column names, rows and SQL errors never leave this crate.
//!
//! Code map:
//! - `sql` — statements written once (`sql::query` with `$N` placeholders) run on a `sql::Conn`;
//!   `sqlite` and `postgres` run them on each database and classify its errors.
//! - `db` — the dialect, the connections (SQLite: one writer connection behind an async lock and
//!   read-only connections, statements run in place, WAL, group commit and checkpoints off the writer,
//!   see `group_commit`; PostgreSQL: one pool), transactions (`db::Tx`) and the mapping of database
//!   errors to arca errors.
//! - `migrate` — versioned schema migrations, one SQL file per dialect under `migrations/`.
//! - `repositories`, `blobs`, `manifests`, `uploads`, `auth` (users, tokens, server secrets) — one port
//!   each, one transaction per method;
//!   `packages` — the catalog rows they share (a package is present while it holds a manifest or a blob);
//!   `owners` — the owners of Cargo crates (read through `ManifestStore`, written in a unit of work);
//!   `audit` — the hash-chained audit log, appended inside the transaction of each audited write.
//! - `search` — versions found by filters: one query walking `tags_by_time` in result order (`0004_search`).
//!
//! Every query is written once, in the subset both databases share (`$1` placeholders,
//! `ON CONFLICT`, i64/text/bytes columns, timestamps as i64 milliseconds); what truly differs
//! branches on [`Dialect`] in `db` and `migrate` only.

mod audit;
mod auth;
mod blobs;
mod collection;
mod db;
mod group_commit;
mod jobs;
mod manifests;
mod migrate;
mod owners;
mod packages;
mod postgres;
mod promotions;
mod properties;
mod quota;
mod repositories;
mod retention;
mod search;
mod sli;
mod sql;
mod sqlite;
mod trust;
mod unit_of_work;
mod uploads;

use arca_core::Result;
use arca_core::meta::MetaHealth;
use async_trait::async_trait;
use db::{Db, db_err};

pub use db::Dialect;

#[cfg(feature = "testing")]
pub mod testing;

/// The metadata store on a SQL database. Cheap to clone (the pools are shared).
#[derive(Debug, Clone)]
pub struct SqlMetaStore {
    db: Db,
}

impl SqlMetaStore {
    /// Connects to `sqlite://path` (the file is created if missing; `sqlite::memory:` also works, for
    /// tests) or `postgres://…`, and migrates the schema to the newest version. An unreachable
    /// database is `Unavailable`; a schema newer than this build knows is `Unsupported`.
    pub async fn connect(url: &str) -> Result<Self> {
        let db = Db::connect(url).await?;
        let applied = migrate::run(&db).await?;
        tracing::debug!(url = %db::redact(url), ?applied, "metadata store ready");
        Ok(Self { db })
    }

    /// Recording a blob touched less than `window` ago does not write its row again (see
    /// `blobs::touch_or_insert`). Keep `window` at most half the GC grace period.
    pub fn with_touch_window(mut self, window: std::time::Duration) -> Self {
        self.db.touch_fresh_for = arca_core::clock::millis(window);
        self
    }

    pub fn dialect(&self) -> Dialect {
        self.db.dialect
    }

    /// The database file a `sqlite://PATH` URL names; `None` for `:memory:` and PostgreSQL.
    pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
        db::SqliteTarget::file_of(url)
    }

    /// Writes a consistent snapshot of a SQLite database to the new file `path` while the store is in
    /// use (`VACUUM INTO`); `Unsupported` on PostgreSQL, which is backed up with `pg_dump`.
    pub async fn snapshot_to(&self, path: &std::path::Path) -> Result<()> {
        self.db.snapshot_into(path).await
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.db.close().await;
    }
}

#[async_trait]
impl MetaHealth for SqlMetaStore {
    /// Ready when the database file is the one opened, its schema is there and a write commits
    /// (a full disk, a read-only file or a lost connection all fail one of these).
    async fn ping(&self) -> Result<()> {
        self.db.check_file()?;
        sql::query("SELECT COUNT(*) FROM schema_migrations")
            .fetch_one(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading the schema"))?;
        let probe = sql::query(
            "INSERT INTO readiness_probe (id, checked_at) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
        )
        .bind(arca_core::now_millis());
        self.db.execute_write(probe).await.map_err(db_err("a probe write"))?;
        Ok(())
    }
}
