//! Fresh stores: a SQLite file in a temporary directory, or a scratch PostgreSQL database.

use arca_store_sql::SqlMetaStore;
pub use arca_store_sql::testing::PgScratch;
use arca_store_testkit::meta::Check;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;

/// A SQLite database file that lives as long as this value.
pub struct SqliteFile {
    pub url: String,
    _dir: tempfile::TempDir,
}

impl SqliteFile {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("meta.db").display());
        Self { url, _dir: dir }
    }
}

pub async fn sqlite_store(file: &SqliteFile) -> SqlMetaStore {
    SqlMetaStore::connect(&file.url).await.unwrap_or_else(|e| panic!("connecting to {}: {e}", file.url))
}

pub async fn postgres_store(db: &PgScratch) -> SqlMetaStore {
    SqlMetaStore::connect(&db.url).await.unwrap_or_else(|e| panic!("connecting to {}: {e}", db.url))
}

/// Runs `check` on a fresh SQLite store.
pub async fn on_sqlite(check: Check) {
    let file = SqliteFile::new();
    let store = sqlite_store(&file).await;
    check(&store).await;
    store.close().await;
}

/// Runs `check` on a fresh PostgreSQL store, dropping its database afterwards even if it fails.
pub async fn on_postgres(check: Check) {
    let db = PgScratch::create().await;
    let store = postgres_store(&db).await;
    let outcome = AssertUnwindSafe(check(&store)).catch_unwind().await;
    store.close().await;
    db.drop().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A plain sqlx connection to the same database, for tests that reach around the store.
pub async fn raw_connection(url: &str) -> sqlx::AnyConnection {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url).await.unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}
