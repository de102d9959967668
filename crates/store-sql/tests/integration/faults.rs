//! A transaction that fails at any statement — including one the database rolls back on its own, as
//! SQLite does on `SQLITE_FULL` — leaves no trace, and the next write works: the connection goes back
//! to the pool clean (or is replaced), never stuck "at non-zero transaction depth".

use crate::fixtures::{PgScratch, SqliteFile, postgres_store, sqlite_store};
use arca_core::meta::MetaStore;
use arca_store_testkit::meta::{audit, by_tag, create_repositories, immutable, manifest};
use sqlx::{AnyConnection, Connection, Executor, Row};

/// The tables a manifest put writes to, or may.
async fn tables(conn: &mut AnyConnection, sql: &str) -> Vec<String> {
    let rows = conn.fetch_all(sqlx::AssertSqlSafe(sql.to_owned())).await.expect("list tables");
    rows.iter().map(|r| r.get::<String, _>(0)).filter(|t| t != "schema_migrations").collect()
}

/// For each table and write kind: a fault injected there fails the put (or not, if the put never
/// writes there); either way nothing of a failed put is visible, the audit chain verifies, and the
/// same put then succeeds once the fault is gone.
async fn faults_at_every_statement(
    store: &dyn MetaStore,
    conn: &mut AnyConnection,
    tables: &[String],
    inject: impl Fn(&str, &str) -> Vec<String>,
    remove: impl Fn(&str, &str) -> Vec<String>,
) {
    create_repositories(store, &["dev"]).await;
    let mut failed = 0;
    for (i, table) in tables.iter().enumerate() {
        for event in ["INSERT", "UPDATE"] {
            let tag = format!("t{i}-{}", event.to_lowercase());
            let app = manifest("dev/app", &tag);
            for statement in inject(table, event) {
                let sql = sqlx::AssertSqlSafe(statement.clone());
                conn.execute(sql).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
            }
            let result = store.put_manifest(&app, Some(&immutable(&tag)), &audit("put")).await;
            for statement in remove(table, event) {
                let sql = sqlx::AssertSqlSafe(statement.clone());
                conn.execute(sql).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
            }
            if result.is_err() {
                failed += 1;
                assert_eq!(by_tag(store, "dev/app", &tag).await, None, "a failed put left its tag ({table} {event})");
            }
            store
                .put_manifest(&app, Some(&immutable(&tag)), &audit("put"))
                .await
                .unwrap_or_else(|e| panic!("writes resume after a fault at {table} {event}: {e}"));
            assert_eq!(by_tag(store, "dev/app", &tag).await, Some(app.record), "{table} {event}");
        }
    }
    assert!(failed >= 3, "the faults reached the put's statements ({failed} failed)");
    let verified = arca_core::audit::verify(store).await.expect("audit verify");
    assert!(verified.is_ok(), "no partial audit entry: {verified:?}");
}

#[tokio::test]
async fn sqlite_writes_resume_after_a_transaction_the_database_rolled_back() {
    let file = SqliteFile::new();
    let store = sqlite_store(&file).await;
    let mut conn = crate::fixtures::raw_connection(&file.url).await;
    let sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
    let tables = tables(&mut conn, sql).await;
    // RAISE(ROLLBACK) ends the whole transaction inside SQLite, as SQLITE_FULL and SQLITE_IOERR may:
    // the client's own ROLLBACK then finds no transaction.
    let inject = |table: &str, event: &str| {
        vec![format!(
            "CREATE TRIGGER fault_{table}_{event} BEFORE {event} ON {table} BEGIN SELECT RAISE(ROLLBACK, 'injected fault'); END"
        )]
    };
    let remove = |table: &str, event: &str| vec![format!("DROP TRIGGER fault_{table}_{event}")];
    faults_at_every_statement(&store, &mut conn, &tables, inject, remove).await;
    let _ = conn.close().await;
    store.close().await;
}

#[tokio::test]
async fn postgres_writes_resume_after_a_failed_transaction() {
    let db = PgScratch::create().await;
    let store = postgres_store(&db).await;
    let mut conn = crate::fixtures::raw_connection(&db.url).await;
    conn.execute("CREATE FUNCTION injected_fault() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql")
        .await
        .expect("fault function");
    let sql = "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = 'public'";
    let tables = tables(&mut conn, sql).await;
    let inject = |table: &str, event: &str| {
        vec![format!(
            "CREATE TRIGGER fault_{table}_{event} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION injected_fault()"
        )]
    };
    let remove = |table: &str, event: &str| vec![format!("DROP TRIGGER fault_{table}_{event} ON {table}")];
    faults_at_every_statement(&store, &mut conn, &tables, inject, remove).await;
    let _ = conn.close().await;
    store.close().await;
    db.drop().await;
}
