//! What only a SQL store promises: files that persist, migrations that run once (and refuse a newer
//! schema), and transactions that serialize concurrent writers on both databases.

use crate::fixtures::{PgScratch, SqliteFile, postgres_store, sqlite_store};
use arca_core::ErrorKind;
use arca_core::meta::{BlobIndex, ManifestStore, RepositoryStore, UploadStore};
use arca_store_sql::{Dialect, SqlMetaStore};
use arca_store_testkit::meta::{
    T0, audit, by_tag, catalog, create_repositories, immutable, manifest, oci_name, upload,
};
use sqlx::{Connection, Executor};

#[tokio::test]
async fn sqlite_file_is_created_and_survives_reopening() {
    let file = SqliteFile::new();
    let store = sqlite_store(&file).await;
    assert_eq!(store.dialect(), Dialect::Sqlite);
    create_repositories(&store, &["dev"]).await;
    let app = manifest("dev/app", "one");
    store.put_manifest(&app, Some(&immutable("1.0")), &audit("put")).await.expect("put_manifest");
    store.close().await;

    let reopened = sqlite_store(&file).await;
    assert_eq!(by_tag(&reopened, "dev/app", "1.0").await, Some(app.record), "committed data survives reopening");
    assert_eq!(catalog(&reopened).await, vec!["dev/app".to_owned()], "and the catalog with it");
}

#[tokio::test]
async fn sqlite_in_memory_serves_reads_and_writes() {
    let store = SqlMetaStore::connect("sqlite::memory:").await.expect("connect");
    create_repositories(&store, &["dev"]).await;
    assert!(store.get_repository(&"dev".to_owned().try_into().unwrap()).await.unwrap().is_some(), "reads see writes");
}

#[tokio::test]
async fn other_urls_are_refused() {
    let err = SqlMetaStore::connect("mysql://root@localhost/arca").await.expect_err("mysql is not supported");
    assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let file = SqliteFile::new();
    sqlite_store(&file).await.close().await;
    let mut conn = crate::fixtures::raw_connection(&file.url).await;
    conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)")
        .await
        .expect("pretend a newer arca migrated");
    let _ = conn.close().await;
    let err = SqlMetaStore::connect(&file.url).await.expect_err("a newer schema");
    assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
    assert!(err.message.contains("9999"), "the message names the version: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_starting_together_migrate_once() {
    let db = PgScratch::create().await;
    let (a, b, c) = tokio::join!(postgres_store(&db), postgres_store(&db), postgres_store(&db));
    assert_eq!(a.dialect(), Dialect::Postgres);
    create_repositories(&a, &["dev"]).await;
    assert!(c.get_repository(&"dev".to_owned().try_into().unwrap()).await.unwrap().is_some(), "one database");
    for store in [&a, &b, &c] {
        store.close().await;
    }
    let mut conn = crate::fixtures::raw_connection(&db.url).await;
    let applied: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM schema_migrations")
        .fetch_one(&mut conn)
        .await
        .expect("count migrations");
    let _ = conn.close().await;
    db.drop().await;
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres")).unwrap().count();
    assert_eq!(applied, shipped as i64, "each migration is applied once");
}

/// Eight pushes of different manifests under one immutable tag, at once: exactly one wins, and the
/// others leave nothing behind.
async fn one_immutable_tag_admits_one_push(store: SqlMetaStore) {
    create_repositories(&store, &["dev"]).await;
    let pushes: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let m = manifest("dev/app", &format!("candidate-{i}"));
                let result = store.put_manifest(&m, Some(&immutable("1.0")), &audit("put")).await;
                (m, result)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for push in pushes {
        let (m, result) = push.await.expect("push task");
        match result {
            Ok(()) => winners.push(m),
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::TagImmutable, "a losing push is refused as immutable: {e}");
                let absent = store.manifest_by_digest(&m.name, &m.record.digest).await.expect("manifest_by_digest");
                assert_eq!(absent, None, "a refused push records nothing");
            }
        }
    }
    assert_eq!(winners.len(), 1, "exactly one push wins");
    let tagged = by_tag(&store, "dev/app", "1.0").await.map(|r| r.digest);
    assert_eq!(tagged, Some(winners[0].record.digest.clone()), "the tag points at the winner");
    assert_eq!(store.blob_stats().await.expect("blob_stats").0, 1, "only the winner's bytes are recorded");
    let checked = arca_core::audit::verify(&store).await.expect("verify");
    assert_eq!(checked, Ok(2), "the repository and the winning push are audited, chained in order");
}

/// Eight writers advance one upload from the same offset: exactly one succeeds.
async fn one_upload_offset_admits_one_writer(store: SqlMetaStore) {
    store.create_upload(&upload("u1", "dev/app", T0)).await.expect("create_upload");
    let writers: Vec<_> = (0..8u64)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.advance_upload("u1", 0, 10 + i, &[i as u8], T0 + 1).await })
        })
        .collect();
    let mut advanced = 0;
    for writer in writers {
        advanced += usize::from(writer.await.expect("writer task").expect("advance_upload"));
    }
    assert_eq!(advanced, 1, "compare-and-set admits one writer");
    let session = store.get_upload("u1").await.expect("get_upload").expect("present");
    assert_eq!(session.hash_state, vec![(session.offset - 10) as u8], "offset and state come from the same writer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_serializes_concurrent_writers() {
    let file = SqliteFile::new();
    one_immutable_tag_admits_one_push(sqlite_store(&file).await).await;
    let file = SqliteFile::new();
    one_upload_offset_admits_one_writer(sqlite_store(&file).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_serializes_concurrent_writers() {
    let db = PgScratch::create().await;
    let store = postgres_store(&db).await;
    one_immutable_tag_admits_one_push(store.clone()).await;
    one_upload_offset_admits_one_writer(store.clone()).await;
    store.close().await;
    db.drop().await;
}

#[tokio::test]
async fn postgres_orders_names_byte_wise_whatever_the_locale() {
    // An ICU English collation sorts `_` before `-` before `.`, and ignores punctuation at first;
    // the schema's COLLATE "C" must win over the database default.
    let db = PgScratch::create_with("TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'").await;
    let store = postgres_store(&db).await;
    create_repositories(&store, &["a", "a-b"]).await;
    for name in ["a/x", "a-b/c", "a/x_y", "a/x-y", "a/x.y", "a/x0"] {
        let digest = arca_store_testkit::meta::digest(name);
        store.record_blob(&digest, 1, Some(&oci_name(name)), T0).await.expect("record_blob");
        store
            .put_manifest(&manifest("a/x", name), Some(&immutable(&name.replace('/', "_"))), &audit("put"))
            .await
            .expect("put");
    }
    let packages = catalog(&store).await;
    let tags = arca_store_testkit::meta::tags_of(&store, "a/x").await;
    store.close().await;
    db.drop().await;
    assert_eq!(packages, ["a-b/c", "a/x", "a/x-y", "a/x.y", "a/x0", "a/x_y"], "packages in byte order");
    assert_eq!(tags, ["a-b_c", "a_x", "a_x-y", "a_x.y", "a_x0", "a_x_y"], "tags in byte order");
}
