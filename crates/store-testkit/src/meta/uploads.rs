//! Upload sessions: persisted, advanced by compare-and-set, found stale, counted.

use super::*;
use arca_core::meta::FoundUpload;

pub(super) async fn upload_round_trips(store: &dyn MetaStore) {
    let mut session = upload("5f0c6f0e-upload", "dev/team/app", T0);
    session.hash_state = (0..=255u8).collect();
    session.offset = 3 << 32;
    session.updated_at = T0 + 5;
    store.create_upload(&session).await.expect("create_upload");
    assert_eq!(store.get_upload(&session.id).await.expect("get_upload"), Some(session), "every field, bytes intact");

    let empty_state = UploadSession { hash_state: vec![], ..upload("u2", "dev/app", T0) };
    store.create_upload(&empty_state).await.expect("create_upload");
    assert_eq!(store.get_upload("u2").await.expect("get_upload"), Some(empty_state), "an empty hash state");
}

pub(super) async fn unknown_upload_is_absent(store: &dyn MetaStore) {
    assert_eq!(store.get_upload("absent").await.expect("get_upload"), None, "an unknown upload is absent");
    assert!(
        !store.advance_upload("absent", 0, 10, b"state", T0).await.expect("advance_upload"),
        "an unknown upload does not advance"
    );
    store.delete_upload("absent").await.expect("deleting an unknown upload is fine");
}

pub(super) async fn upload_advances_by_compare_and_set(store: &dyn MetaStore) {
    let session = upload("u1", "dev/app", T0);
    store.create_upload(&session).await.expect("create_upload");

    assert!(
        store.advance_upload("u1", 0, 10, b"after 10", T0 + 1).await.expect("advance"),
        "advancing from the offset"
    );
    assert!(
        !store.advance_upload("u1", 0, 20, b"stale writer", T0 + 2).await.expect("advance"),
        "a writer that lost the race does not advance"
    );
    let now = store.get_upload("u1").await.expect("get_upload").expect("present");
    assert_eq!(
        (now.offset, now.hash_state.as_slice(), now.updated_at, now.created_at),
        (10, &b"after 10"[..], T0 + 1, T0),
        "the winner's offset, state and time; creation time unchanged"
    );

    assert!(store.advance_upload("u1", 10, 10 + (5 << 30), b"big", T0 + 3).await.expect("advance"), "to beyond 4 GiB");
    assert_eq!(store.get_upload("u1").await.expect("get").expect("present").offset, 10 + (5 << 30), "large offsets");
    assert!(
        store.advance_upload("u1", 10 + (5 << 30), 0, b"", T0 + 4).await.expect("advance"),
        "an offset may go back"
    );
}

pub(super) async fn deleted_upload_is_gone(store: &dyn MetaStore) {
    store.create_upload(&upload("u1", "dev/app", T0)).await.expect("create_upload");
    store.create_upload(&upload("u2", "dev/app", T0)).await.expect("create_upload");
    store.delete_upload("u1").await.expect("delete_upload");
    assert_eq!(store.get_upload("u1").await.expect("get_upload"), None, "a deleted upload is gone");
    assert!(!store.advance_upload("u1", 0, 1, b"", T0).await.expect("advance"), "and cannot advance");
    store.delete_upload("u1").await.expect("deleting twice is fine");
    assert!(store.get_upload("u2").await.expect("get_upload").is_some(), "other uploads stay");
}

pub(super) async fn stale_uploads_are_those_untouched_since(store: &dyn MetaStore) {
    assert_eq!(store.stale_uploads(T0, 10).await.expect("stale"), Vec::<String>::new(), "no uploads, none stale");
    for (id, at) in [("old", T0 + 100), ("older", T0 + 50), ("new", T0 + 300), ("mid", T0 + 200)] {
        store.create_upload(&upload(id, "dev/app", at)).await.expect("create_upload");
    }
    let stale = |before: Millis, limit: usize| async move {
        let mut ids = store.stale_uploads(before, limit).await.expect("stale_uploads");
        ids.sort();
        ids
    };
    assert_eq!(stale(T0 + 250, 10).await, strings(&["mid", "old", "older"]), "untouched since `before`");
    assert_eq!(stale(T0 + 200, 10).await, strings(&["old", "older"]), "touched exactly at `before` is not stale");
    assert_eq!(stale(T0, 10).await, Vec::<String>::new(), "none before the first");
    assert_eq!(stale(T0 + 1000, 2).await.len(), 2, "at most `limit`");
    assert_eq!(stale(T0 + 1000, 0).await, Vec::<String>::new(), "limit 0");

    store.advance_upload("older", 0, 1, b"", T0 + 400).await.expect("advance");
    assert_eq!(stale(T0 + 250, 10).await, strings(&["mid", "old"]), "advancing touches an upload");
}

pub(super) async fn uploads_are_counted(store: &dyn MetaStore) {
    assert_eq!(store.count_uploads().await.expect("count"), 0, "a new store has no uploads");
    for id in ["a", "b", "c"] {
        store.create_upload(&upload(id, "dev/app", T0)).await.expect("create_upload");
    }
    assert_eq!(store.count_uploads().await.expect("count"), 3, "three uploads");
    store.delete_upload("b").await.expect("delete_upload");
    assert_eq!(store.count_uploads().await.expect("count"), 2, "a deleted upload is not counted");
}

pub(super) async fn closed_uploads_are_remembered_until_forgotten(store: &dyn MetaStore) {
    let session = upload("open-one", "dev/app", T0);
    store.create_upload(&session).await.expect("create_upload");
    assert!(!store.is_closed("open-one").await.expect("is_closed"));
    assert_eq!(store.find_upload("open-one").await.expect("find_upload"), FoundUpload::Open(session.clone()));
    assert_eq!(store.find_upload("never-seen").await.expect("find_upload"), FoundUpload::Unknown);
    store.close_upload("open-one", T0 + 10).await.expect("close_upload");
    assert_eq!(store.get_upload("open-one").await.expect("get_upload"), None, "the session goes");
    assert!(store.is_closed("open-one").await.expect("is_closed"));
    assert_eq!(store.find_upload("open-one").await.expect("find_upload"), FoundUpload::Closed);
    // An id that never had a session (a monolithic upload) is remembered too, and closing twice is fine.
    store.close_upload("minted-only", T0 + 20).await.expect("close_upload");
    store.close_upload("minted-only", T0 + 30).await.expect("closing again");
    assert!(store.is_closed("minted-only").await.expect("is_closed"));
    assert_eq!(store.forget_closed_uploads(T0 + 15).await.expect("forget"), 1, "only those closed before");
    assert!(!store.is_closed("open-one").await.expect("is_closed"));
    assert!(store.is_closed("minted-only").await.expect("is_closed"));
}

pub(super) async fn a_unit_of_work_closes_an_upload_with_its_blob(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    store.create_upload(&upload("u-commit", "dev/app", T0)).await.expect("create_upload");
    let blob = digest("uploaded");
    let mut work = store.begin().await.expect("begin");
    work.record_blob(&blob, 7, Some(&oci_name("dev/app")), T0).await.expect("record_blob");
    work.close_upload("u-commit", T0).await.expect("close_upload");
    drop(work);
    assert!(!store.is_closed("u-commit").await.expect("is_closed"), "rolled back with the blob");
    assert!(store.get_upload("u-commit").await.expect("get_upload").is_some());
    let mut work = store.begin().await.expect("begin");
    work.record_blob(&blob, 7, Some(&oci_name("dev/app")), T0).await.expect("record_blob");
    work.close_upload("u-commit", T0).await.expect("close_upload");
    work.commit().await.expect("commit");
    assert!(store.is_closed("u-commit").await.expect("is_closed"));
    assert_eq!(store.get_upload("u-commit").await.expect("get_upload"), None);
    assert_eq!(store.linked_blob_size(&oci_name("dev/app"), &blob).await.expect("linked"), Some(7));
}
