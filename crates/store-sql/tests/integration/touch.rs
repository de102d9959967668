//! Recording a blob touched within the store's touch window writes nothing (`with_touch_window`): the
//! row keeps its `touched_at`, and on PostgreSQL two pushes re-using one blob (a shared config, a base
//! layer) no longer queue on its row lock. A stale touch is written, a blob being collected is still
//! refused, and without a window every record writes, as before.

use crate::fixtures::{PgScratch, SqliteFile, postgres_store, sqlite_store};
use arca_core::ErrorKind;
use arca_core::meta::{BlobIndex, Recorded, Transactions};
use arca_store_sql::SqlMetaStore;
use arca_store_testkit::meta::{create_repositories, digest, oci_name};
use sqlx::{Connection, Executor, Row};
use std::time::Duration;

const WINDOW: Duration = Duration::from_secs(60);
const T0: i64 = 1_000_000;

async fn touched_at(url: &str, seed: &str) -> i64 {
    let mut conn = crate::fixtures::raw_connection(url).await;
    let sql = format!("SELECT touched_at FROM blobs WHERE digest = '{}'", digest(seed));
    let row = conn.fetch_one(sqlx::AssertSqlSafe(sql)).await.expect("read touched_at");
    let _ = conn.close().await;
    row.get::<i64, _>(0)
}

async fn fresh_touches_are_skipped(url: &str, store: SqlMetaStore) {
    let windowed = store.with_touch_window(WINDOW);
    let link = oci_name("dev/app");
    create_repositories(&windowed, &["dev"]).await;
    let recorded = windowed.record_blob(&digest("config"), 10, Some(&link), T0).await.expect("record");
    assert_eq!(recorded, Recorded::New);
    let within = T0 + 59_000;
    assert_eq!(
        windowed.record_blob(&digest("config"), 10, Some(&link), within).await.expect("again"),
        Recorded::Existing
    );
    assert_eq!(touched_at(url, "config").await, T0, "a touch within the window is not written again");
    let stale = T0 + 61_000;
    windowed.record_blob(&digest("config"), 10, Some(&link), stale).await.expect("stale");
    assert_eq!(touched_at(url, "config").await, stale, "a touch older than the window is written");

    let mut conn = crate::fixtures::raw_connection(url).await;
    let sql = format!("UPDATE blobs SET collecting_at = {stale} WHERE digest = '{}'", digest("config"));
    conn.execute(sqlx::AssertSqlSafe(sql)).await.expect("mark as collecting");
    let _ = conn.close().await;
    let refused = windowed.record_blob(&digest("config"), 10, Some(&link), stale + 1).await.expect_err("collecting");
    assert_eq!(refused.kind, ErrorKind::Unavailable, "a blob being collected is refused, fresh or not: {refused}");

    let plain = windowed.with_touch_window(Duration::ZERO);
    plain.record_blob(&digest("layer"), 10, Some(&link), T0).await.expect("record");
    plain.record_blob(&digest("layer"), 10, Some(&link), T0 + 1).await.expect("again");
    assert_eq!(touched_at(url, "layer").await, T0 + 1, "without a window every record writes");
    plain.close().await;
}

#[tokio::test]
async fn sqlite_fresh_touches_are_not_written() {
    let file = SqliteFile::new();
    fresh_touches_are_skipped(&file.url, sqlite_store(&file).await).await;
}

#[tokio::test]
async fn postgres_fresh_touches_are_not_written() {
    let db = PgScratch::create().await;
    fresh_touches_are_skipped(&db.url, postgres_store(&db).await).await;
    db.drop().await;
}

/// Whether a second push of `config`, into another package, finishes while a first one holds its
/// transaction open (both record the blob, as a push's unit of work does).
async fn second_push_finishes_beside_first(store: &SqlMetaStore) -> bool {
    let first_link = oci_name("dev/one");
    let mut first = store.begin().await.expect("begin");
    first.record_blob(&digest("config"), 10, Some(&first_link), T0 + 1_000).await.expect("first record");
    let second = async {
        let mut second = store.begin().await.expect("begin");
        second.record_blob(&digest("config"), 10, Some(&oci_name("dev/two")), T0 + 1_000).await.expect("record");
        second.commit().await.expect("second commit");
    };
    // A push waiting on the row lock waits until the first commits, however long: a second says so.
    let finished = tokio::time::timeout(Duration::from_secs(1), second).await.is_ok();
    first.commit().await.expect("first commit");
    finished
}

#[tokio::test]
async fn postgres_pushes_re_using_a_blob_do_not_wait_on_each_other() {
    let db = PgScratch::create().await;
    let store = postgres_store(&db).await;
    create_repositories(&store, &["dev"]).await;
    store.record_blob(&digest("config"), 10, Some(&oci_name("dev/base")), T0).await.expect("first push");
    // Without a window the second waits (the row lock): what this test would catch coming back.
    let control = SqlMetaStore::connect(&db.url).await.expect("connect");
    assert!(!second_push_finishes_beside_first(&control).await, "without a window the second push waits");
    let windowed = SqlMetaStore::connect(&db.url).await.expect("connect").with_touch_window(WINDOW);
    assert!(second_push_finishes_beside_first(&windowed).await, "with a window neither waits");
    for store in [store, control, windowed] {
        store.close().await;
    }
    db.drop().await;
}
