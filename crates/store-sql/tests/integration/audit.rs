//! Tampering with the audit log directly in the database is detected by `verify`, which names the
//! first bad sequence number: a modified, deleted, inserted or reordered row, on both databases.

use crate::fixtures::{PgScratch, SqliteFile, postgres_store, sqlite_store};
use arca_core::audit::{AuditLog, verify};
use arca_store_sql::SqlMetaStore;
use arca_store_testkit::meta::audit;
use sqlx::{Connection, Executor};

/// Each case: SQL that tampers with a log of five entries, and the sequence number verify must name.
const CASES: &[(&str, &[&str], i64)] = &[
    ("modified", &["UPDATE audit_log SET target = 'evil' WHERE seq = 3"], 3),
    ("modified time", &["UPDATE audit_log SET time = time + 1 WHERE seq = 2"], 2),
    ("deleted", &["DELETE FROM audit_log WHERE seq = 2"], 2),
    ("deleted newest", &["DELETE FROM audit_log WHERE seq = 5"], 5),
    (
        "inserted",
        &[
            "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3",
            "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 103",
            "INSERT INTO audit_log (seq, time, actor, client_addr, action, target, outcome, detail, prev_hash, hash) \
             SELECT 3, time, actor, client_addr, 'forged', target, outcome, detail, hash, hash FROM audit_log WHERE seq = 2",
        ],
        3,
    ),
    (
        "appended",
        &["INSERT INTO audit_log (seq, time, actor, client_addr, action, target, outcome, detail, prev_hash, hash) \
           SELECT 6, time, actor, client_addr, action, target, outcome, detail, hash, hash FROM audit_log WHERE seq = 5"],
        6,
    ),
    (
        "reordered",
        &[
            "UPDATE audit_log SET seq = 100 WHERE seq = 2",
            "UPDATE audit_log SET seq = 2 WHERE seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE seq = 100",
        ],
        2,
    ),
];

async fn five_entries(store: &SqlMetaStore) {
    for i in 0..5 {
        let mut e = audit("manifest.put");
        e.target = format!("dev/app:{i}");
        store.append_audit(&e).await.expect("append_audit");
    }
    assert_eq!(verify(store).await.expect("verify"), Ok(5), "untouched, the log verifies");
}

async fn tamper_and_verify(url: &str, store: &SqlMetaStore, sql: &'static [&'static str]) -> Option<i64> {
    let mut conn = crate::fixtures::raw_connection(url).await;
    for statement in sql {
        conn.execute(*statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let _ = conn.close().await;
    verify(store).await.expect("verify").err().map(|b| b.seq)
}

#[tokio::test]
async fn sqlite_tampering_is_detected() {
    for (what, sql, bad) in CASES {
        let file = SqliteFile::new();
        let store = sqlite_store(&file).await;
        five_entries(&store).await;
        assert_eq!(tamper_and_verify(&file.url, &store, sql).await, Some(*bad), "{what}");
        store.close().await;
    }
}

#[tokio::test]
async fn postgres_tampering_is_detected() {
    for (what, sql, bad) in CASES {
        let db = PgScratch::create().await;
        let store = postgres_store(&db).await;
        five_entries(&store).await;
        let found = tamper_and_verify(&db.url, &store, sql).await;
        store.close().await;
        db.drop().await;
        assert_eq!(found, Some(*bad), "{what}");
    }
}
