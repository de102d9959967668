//! The audit log: every audited write appends one entry in its own transaction, chained and in order;
//! a write that changes nothing appends nothing.

use super::*;
use arca_core::audit::{AuditFilter, Outcome, verify};

async fn actions(store: &dyn MetaStore) -> Vec<String> {
    let all = store.list_audit(&AuditFilter { limit: 1000, ..AuditFilter::default() }).await.expect("list_audit");
    all.into_iter().map(|e| e.entry.action).collect()
}

pub(super) async fn audited_writes_append_in_order_and_verify(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = manifest("dev/app", "one");
    put(store, &app, Some(mutable("latest"))).await;
    store.delete_tag(&app.name, &tag("latest"), &audit("delete_tag")).await.expect("delete_tag");
    store.delete_manifest(&app.name, &app.record.digest, &audit("delete_manifest")).await.expect("delete_manifest");
    assert_eq!(actions(store).await, ["create_repository", "put_manifest", "delete_tag", "delete_manifest"]);
    let entries = store.list_audit(&AuditFilter { limit: 10, ..AuditFilter::default() }).await.expect("list");
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4], "sequence numbers count from 1 without gaps");
    assert_eq!(entries[0].entry, audit("create_repository"), "every field round-trips");
    let head = store.audit_head().await.expect("audit_head");
    assert_eq!((head.seq, head.hash.as_str()), (4, entries[3].hash.as_str()), "the head is the newest entry");
    assert_eq!(verify(store).await.expect("verify"), Ok(4), "an untouched log verifies");
}

pub(super) async fn refused_or_empty_writes_append_nothing(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    assert!(!store.create_repository(&repository("dev"), &audit("again")).await.expect("create again"));
    let one = manifest("dev/app", "one");
    let two = manifest("dev/app", "two");
    put(store, &one, Some(immutable("1.0"))).await;
    let moved = store.put_manifest(&two, Some(&immutable("1.0")), &audit("refused")).await;
    assert_eq!(moved.expect_err("immutable tag").kind, ErrorKind::TagImmutable);
    assert!(!store.delete_tag(&one.name, &tag("absent"), &audit("absent tag")).await.expect("delete_tag"));
    assert!(!store.delete_manifest(&one.name, &digest("absent"), &audit("absent")).await.expect("delete"));
    assert!(!store.unlink_blob(&one.name, &digest("absent"), &audit("absent blob")).await.expect("unlink"));
    assert!(!store.delete_repository(&repository("nope").name, &audit("absent repo")).await.expect("delete repo"));
    assert_eq!(actions(store).await, ["create_repository", "put_manifest"]);
}

pub(super) async fn audit_log_filters_and_pages(store: &dyn MetaStore) {
    for (actor, action, target, outcome) in [
        ("alice", "manifest.put", "dev/app:1", Outcome::Success),
        ("bob", "manifest.put", "prod/app:1", Outcome::Success),
        ("alice", "tag.delete", "dev/app:1", Outcome::Success),
        ("mallory", "login", "user mallory", Outcome::Failed),
        ("alice", "manifest.delete", "dev_x/app", Outcome::Success),
    ] {
        let mut e = audit(action);
        (e.actor, e.target, e.outcome) = (actor.into(), target.into(), outcome);
        store.append_audit(&e).await.expect("append_audit");
    }
    let seqs = |f: AuditFilter| async move {
        let f = AuditFilter { limit: if f.limit == 0 { 100 } else { f.limit }, ..f };
        store.list_audit(&f).await.expect("list_audit").iter().map(|e| e.seq).collect::<Vec<_>>()
    };
    assert_eq!(seqs(AuditFilter { actor: Some("alice".into()), ..Default::default() }).await, [1, 3, 5]);
    assert_eq!(seqs(AuditFilter { action: Some("manifest.".into()), ..Default::default() }).await, [1, 2, 5]);
    assert_eq!(seqs(AuditFilter { action: Some("manifest.put".into()), ..Default::default() }).await, [1, 2]);
    assert_eq!(
        seqs(AuditFilter { target_prefix: Some("dev_".into()), ..Default::default() }).await,
        [5],
        "_ is literal"
    );
    assert_eq!(seqs(AuditFilter { outcome: Some(Outcome::Failed), ..Default::default() }).await, [4]);
    assert_eq!(seqs(AuditFilter { after_seq: Some(2), limit: 2, ..Default::default() }).await, [3, 4]);
    assert_eq!(seqs(AuditFilter { since: Some(T0), until: Some(T0 + 1), ..Default::default() }).await.len(), 5);
    assert!(seqs(AuditFilter { since: Some(T0 + 1), ..Default::default() }).await.is_empty());
}

pub(super) async fn standalone_entries_chain_with_the_rest(store: &dyn MetaStore) {
    store.append_audit(&audit("login")).await.expect("append");
    create_repositories(store, &["dev"]).await;
    store.append_audit(&audit("request")).await.expect("append");
    let entries = store.list_audit(&AuditFilter { limit: 10, ..AuditFilter::default() }).await.expect("list");
    let chained: Vec<(i64, &str)> = entries.iter().map(|e| (e.seq, e.entry.action.as_str())).collect();
    assert_eq!(chained, [(1, "login"), (2, "create_repository"), (3, "request")]);
    assert_eq!(entries[0].prev_hash, arca_core::audit::GENESIS);
    assert_eq!(verify(store).await.expect("verify"), Ok(3));
}
