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

async fn pending_rows(url: &str) -> i64 {
    use sqlx::Row;
    let mut conn = crate::fixtures::raw_connection(url).await;
    let row = conn.fetch_one("SELECT COUNT(*) FROM audit_pending").await.expect("count pending");
    let n: i64 = row.try_get(0).expect("a count");
    let _ = conn.close().await;
    n
}

/// Three nodes on one PostgreSQL append at once, each entry in its own transaction: every entry ends
/// up chained exactly once, in one gap-free chain that verifies, and none is left pending.
#[tokio::test]
async fn postgres_writers_on_several_nodes_all_end_up_in_one_chain() {
    let db = PgScratch::create().await;
    let nodes = [postgres_store(&db).await, postgres_store(&db).await, postgres_store(&db).await];
    let writes = nodes.iter().enumerate().flat_map(|(n, node)| {
        (0..40).map(move |i| async move {
            let mut e = audit("manifest.put");
            e.target = format!("node{n}/app:{i}");
            node.append_audit(&e).await.expect("append_audit");
        })
    });
    futures_util::future::join_all(writes).await;
    let all =
        nodes[2].list_audit(&arca_core::audit::AuditFilter { limit: 1000, ..Default::default() }).await.expect("list");
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=120).collect::<Vec<_>>(), "one gap-free chain");
    let mut targets: Vec<&str> = all.iter().map(|e| e.entry.target.as_str()).collect();
    targets.sort_unstable();
    targets.dedup();
    assert_eq!(targets.len(), 120, "each entry exactly once");
    assert_eq!(verify(&nodes[0]).await.expect("verify"), Ok(120));
    assert_eq!(pending_rows(&db.url).await, 0, "nothing left pending");
    for node in nodes {
        node.close().await;
    }
    db.drop().await;
}

/// An entry committed by a node that died before chaining it (written here straight into
/// `audit_pending`) is chained by the next reader of the log, or by the job's `seal_audit`.
#[tokio::test]
async fn postgres_entries_a_dead_node_left_pending_are_chained_later() {
    let db = PgScratch::create().await;
    let store = postgres_store(&db).await;
    five_entries(&store).await;
    let leave_pending = "INSERT INTO audit_pending (time, actor, client_addr, action, target, outcome, detail) \
                         VALUES (1, 'alice', NULL, 'manifest.put', 'dev/app:left', 'success', NULL)";
    let mut conn = crate::fixtures::raw_connection(&db.url).await;
    conn.execute(leave_pending).await.expect("insert pending");
    assert_eq!(store.seal_audit().await.expect("seal"), 1, "the job's call chains it");
    assert_eq!(store.seal_audit().await.expect("seal"), 0, "once");
    conn.execute(leave_pending).await.expect("insert pending");
    let _ = conn.close().await;
    let head = store.audit_head().await.expect("head");
    assert_eq!(head.seq, 7, "a reader chains it before it reads");
    assert_eq!(verify(&store).await.expect("verify"), Ok(7));
    assert_eq!(pending_rows(&db.url).await, 0);
    store.close().await;
    db.drop().await;
}

/// SQLite chains in place: an audited write leaves nothing pending.
#[tokio::test]
async fn sqlite_chains_in_place() {
    let file = SqliteFile::new();
    let store = sqlite_store(&file).await;
    five_entries(&store).await;
    assert_eq!(pending_rows(&file.url).await, 0);
    assert_eq!(store.seal_audit().await.expect("seal"), 0);
    store.close().await;
}
