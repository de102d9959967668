//! Online garbage collection: which blobs are collectable, taking them (re-checked in the taking
//! transaction), refusing pushes of blobs being collected, and forgetting them.

use super::*;
use arca_core::audit::AuditFilter;
use arca_core::meta::{GenericUpload, Recorded, StagedFile};

/// Collectable blobs listed with a cutoff.
async fn collectable(store: &dyn MetaStore, cutoff: Millis) -> Vec<Digest> {
    let listed = store.collectable_blobs(None, cutoff, 100).await.expect("collectable_blobs");
    listed.into_iter().map(|(d, _)| d).collect()
}

async fn take(store: &dyn MetaStore, candidates: &[Digest], cutoff: Millis) -> Vec<(Digest, u64)> {
    store.take_blobs(candidates, cutoff, cutoff + 1, &audit("gc.collect")).await.expect("take_blobs")
}

pub(super) async fn only_unreferenced_blobs_untouched_since_the_cutoff_are_collectable(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = oci_name("dev/app");
    let image = manifest("dev/app", "image");
    for (d, _) in &image.references {
        store.record_blob(d, 5, Some(&app), T0).await.expect("record a layer");
    }
    put(store, &image, Some(immutable("1.0"))).await;
    let pushed_alone = digest("a layer whose manifest never came");
    store.record_blob(&pushed_alone, 7, Some(&app), T0).await.expect("record");
    let staged = digest("a staged generic file");
    store.record_blob(&staged, 9, None, T0).await.expect("record");
    let upload = GenericUpload { id: "g".into(), name: app.clone(), version: tag("1"), created_at: T0, updated_at: T0 };
    store.create_generic_upload(&upload).await.expect("create_generic_upload");
    let file = StagedFile { file: "f".into(), digest: staged, size: 9, media_type: "x".into() };
    assert!(store.stage_file("g", &file, T0).await.expect("stage_file"));
    let recent = digest("touched after the cutoff");
    store.record_blob(&recent, 3, None, T0 + 10).await.expect("record");

    assert_eq!(
        collectable(store, T0 + 5).await,
        vec![pushed_alone.clone()],
        "the manifest, its layers, the staged file and the blob touched after the cutoff stay"
    );
    assert_eq!(collectable(store, T0 + 10).await.len(), 2, "with a later cutoff the recent blob is collectable too");
    store.delete_manifest(&app, &image.record.digest, &audit("delete")).await.expect("delete_manifest");
    assert_eq!(collectable(store, T0 + 5).await.len(), 4, "a deleted manifest frees its bytes and its blobs");
}

pub(super) async fn taken_blobs_refuse_pushes_until_forgotten(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = oci_name("dev/app");
    let layer = digest("layer");
    assert_eq!(store.record_blob(&layer, 5, Some(&app), T0).await.expect("record"), Recorded::New);
    assert_eq!(store.record_blob(&layer, 5, Some(&app), T0).await.expect("record"), Recorded::Existing);

    assert_eq!(take(store, std::slice::from_ref(&layer), T0).await, vec![(layer.clone(), 5)]);
    assert_eq!(store.linked_blob_size(&app, &layer).await.expect("linked"), None, "its links go with it");
    assert_eq!(collectable(store, T0 + 100).await, Vec::<Digest>::new(), "a taken blob is not listed again");
    assert_eq!(store.list_blobs(None, 10).await.expect("list_blobs"), vec![], "nor walked by fsck and backups");
    let refused = store.record_blob(&layer, 5, Some(&app), T0 + 2).await;
    let message = expect_error(refused, ErrorKind::Unavailable, "pushing a blob being collected");
    assert!(message.contains("garbage-collected"), "the refusal says why: {message}");
    let mut work = store.begin().await.expect("begin");
    expect_error(work.record_blob(&layer, 5, None, T0 + 2).await, ErrorKind::Unavailable, "in a unit of work too");
    drop(work);
    assert_eq!(store.blobs_being_collected(10).await.expect("being collected"), vec![(layer.clone(), 5)]);

    store.forget_blobs(std::slice::from_ref(&layer)).await.expect("forget_blobs");
    assert_eq!(store.blob_size(&layer).await.expect("blob_size"), None, "forgotten");
    assert_eq!(store.blobs_being_collected(10).await.expect("being collected"), vec![]);
    assert_eq!(
        store.record_blob(&layer, 5, Some(&app), T0 + 3).await.expect("pushed again"),
        Recorded::New,
        "pushed again after the sweep: a new record"
    );
}

pub(super) async fn bodies_are_kept_with_their_records_and_forgotten_with_them(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = oci_name("dev/app");
    let image = manifest("dev/app", "image");
    for (d, _) in &image.references {
        store.record_blob(d, 5, Some(&app), T0).await.expect("record a layer");
    }
    let body = br#"{"schemaVersion":2}"#;
    let mut work = store.begin().await.expect("begin");
    work.put_manifest(&image, None).await.expect("put_manifest");
    work.keep_body(&image.record.digest, body).await.expect("keep_body");
    work.keep_body(&image.record.digest, body).await.expect("keeping it again changes nothing");
    drop(work);
    let kept = &image.record.digest;
    assert_eq!(store.blob_body(kept).await.expect("blob_body"), None, "rolled back with its unit of work");

    let mut work = store.begin().await.expect("begin");
    work.put_manifest(&image, None).await.expect("put_manifest");
    work.keep_body(kept, body).await.expect("keep_body");
    work.commit().await.expect("commit");
    let read = store.blob_body(kept).await.expect("blob_body");
    assert_eq!(read.as_deref(), Some(&body[..]), "committed with the manifest, byte for byte");
    assert_eq!(store.blob_body(&digest("never kept")).await.expect("blob_body"), None);

    store.delete_manifest(&app, kept, &audit("delete")).await.expect("delete_manifest");
    assert_eq!(take(store, std::slice::from_ref(kept), T0 + 5).await.len(), 1, "the unused manifest is taken");
    store.forget_blobs(std::slice::from_ref(kept)).await.expect("forget_blobs");
    assert_eq!(store.blob_body(kept).await.expect("blob_body"), None, "the body goes with its record");
}

pub(super) async fn taking_checks_again_and_skips_what_changed(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = oci_name("dev/app");
    let image = manifest("dev/app", "image");
    let (touched, referenced) = (digest("touched"), image.references[1].0.clone());
    for (d, _) in &image.references {
        store.record_blob(d, 5, Some(&app), T0).await.expect("record");
    }
    store.record_blob(&touched, 5, Some(&app), T0).await.expect("record");
    let listed = collectable(store, T0).await;
    assert!(listed.contains(&touched) && listed.contains(&referenced), "both are candidates: {listed:?}");

    // Between the listing and the taking: a dedup push touches one, a manifest starts using the other.
    store.record_blob(&touched, 5, Some(&app), T0 + 50).await.expect("dedup push");
    put(store, &image, Some(immutable("1.0"))).await;
    assert_eq!(take(store, &listed, T0).await, vec![], "neither is taken");
    assert_eq!(store.linked_blob_size(&app, &touched).await.expect("linked"), Some(5), "links stay");
}

pub(super) async fn taking_is_audited_once_per_transaction(store: &dyn MetaStore) {
    let (a, b) = (digest("a"), digest("b"));
    store.record_blob(&a, 5, None, T0).await.expect("record");
    store.record_blob(&b, 6, None, T0).await.expect("record");
    assert_eq!(take(store, &[digest("unknown")], T0).await, vec![], "nothing to take");
    assert_eq!(take(store, &[a.clone(), b.clone()], T0).await, vec![(a, 5), (b, 6)]);
    let log = store.list_audit(&AuditFilter { limit: 10, ..AuditFilter::default() }).await.expect("list_audit");
    assert_eq!(log.len(), 1, "one entry for the transaction that took something, none for the empty one");
    let detail = log[0].entry.detail.clone().unwrap_or_default();
    assert!(detail.starts_with("2 blobs, 11 bytes"), "the entry counts what was taken: {detail}");
}

pub(super) async fn a_push_relying_on_a_stored_blob_touches_it_unless_fresh(store: &dyn MetaStore) {
    let layer = digest("layer");
    assert_eq!(store.touch_blob(&layer, T0, T0).await.expect("touch_blob"), None, "unknown");
    store.record_blob(&layer, 5, None, T0).await.expect("record");
    assert_eq!(store.touch_blob(&layer, T0 + 100, T0 - 10).await.expect("touch_blob"), Some(5), "fresh: a read");
    assert_eq!(collectable(store, T0 + 50).await, vec![layer.clone()], "so it was not touched");
    assert_eq!(store.touch_blob(&layer, T0 + 100, T0 + 10).await.expect("touch_blob"), Some(5), "stale: touched");
    assert_eq!(collectable(store, T0 + 50).await, Vec::<Digest>::new(), "so GC leaves it alone");
    assert_eq!(take(store, std::slice::from_ref(&layer), T0 + 100).await.len(), 1);
    assert_eq!(store.touch_blob(&layer, T0 + 200, T0 + 200).await.expect("touch_blob"), None, "being collected");
}

// ---- retention: policies, the planner's facts, conditional deletes ----

pub(super) async fn retention_policies_round_trip_and_are_audited(store: &dyn MetaStore) {
    let dev = arca_types::RepoName::parse("dev").expect("name");
    let refused = store.set_retention_policy(&dev, "[[rule]]", T0, &audit("retention.set")).await;
    expect_error(refused, ErrorKind::NameUnknown, "a policy for an unknown repository");
    create_repositories(store, &["dev"]).await;
    assert_eq!(store.retention_policy(&dev).await.expect("read"), None);
    store.set_retention_policy(&dev, "first", T0, &audit("retention.set")).await.expect("set");
    store.set_retention_policy(&dev, "second", T0 + 1, &audit("retention.set")).await.expect("replace");
    store.retention_ran(&dev, T0 + 5).await.expect("ran");
    let stored = store.retention_policy(&dev).await.expect("read").expect("stored");
    assert_eq!((stored.policy.as_str(), stored.updated_at, stored.last_run_at), ("second", T0 + 1, Some(T0 + 5)));
    assert_eq!(store.retention_policies().await.expect("list"), vec![stored]);
    assert!(store.delete_retention_policy(&dev, &audit("retention.delete_policy")).await.expect("delete"));
    assert!(!store.delete_retention_policy(&dev, &audit("retention.delete_policy")).await.expect("again"));
    let log = store.list_audit(&AuditFilter { limit: 10, ..AuditFilter::default() }).await.expect("list_audit");
    let actions: Vec<&str> = log.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(actions, ["create_repository", "retention.set", "retention.set", "retention.delete_policy"]);
    store.set_retention_policy(&dev, "third", T0, &audit("retention.set")).await.expect("set");
    assert!(store.delete_repository(&dev, &audit("delete")).await.expect("delete"), "its policy goes with it");
}

pub(super) async fn retention_items_describe_each_manifest_and_what_is_shared(store: &dyn MetaStore) {
    create_repositories(store, &["dev", "prod"]).await;
    let image = manifest("dev/app", "image");
    let mut index = manifest("dev/app", "index");
    index.references = vec![(image.record.digest.clone(), RefKind::Manifest)];
    let signature = referrer("dev/app", "signature", &image.record.digest, "application/x-sig");
    let elsewhere = manifest("prod/app", "image"); // the same layers, in another repository
    for m in [&image, &signature, &elsewhere] {
        for (d, _) in &m.references {
            store.record_blob(d, 5, Some(&m.name), T0).await.expect("record");
        }
    }
    put(store, &image, Some(immutable("1.0"))).await;
    store.put_manifest(&index, Some(&immutable("multi")), &audit("put")).await.expect("index");
    put(store, &signature, None).await;
    put(store, &elsewhere, Some(immutable("1.0"))).await;
    store.set_properties(&image.record.digest, None, &[("k".into(), "v".into())], &audit("p")).await.expect("props");

    let dev = arca_types::RepoName::parse("dev").expect("name");
    let (items, shared) = store.retention_items(&dev).await.expect("retention_items");
    assert_eq!(items.len(), 3, "{items:?}");
    let of = |d: &Digest| items.iter().find(|i| i.digest == d.as_str()).expect("item").clone();
    let img = of(&image.record.digest);
    assert_eq!((img.package.as_str(), img.pushed_at), ("app", T0));
    assert_eq!(img.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["1.0"]);
    assert_eq!(img.properties, vec![("k".to_owned(), "v".to_owned())]);
    assert_eq!(img.blobs.len(), 3, "its own bytes, config and layer, each once: {:?}", img.blobs);
    assert_eq!(of(&index.record.digest).children, vec![image.record.digest.to_string()]);
    assert_eq!(of(&signature.record.digest).subject.as_deref(), Some(image.record.digest.as_str()));
    let expected: std::collections::HashSet<String> = [image.record.digest.to_string()]
        .into_iter()
        .chain(image.references.iter().map(|(d, _)| d.to_string()))
        .collect();
    assert_eq!(shared, expected, "what prod's manifest also uses");
}

pub(super) async fn retention_deletes_only_what_is_still_as_planned(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = oci_name("dev/app");
    let image = manifest("dev/app", "image");
    let mut index = manifest("dev/app", "index");
    index.references = vec![(image.record.digest.clone(), RefKind::Manifest)];
    for (d, _) in &image.references {
        store.record_blob(d, 5, Some(&app), T0).await.expect("record");
    }
    put(store, &image, Some(mutable("latest"))).await;
    store.put_manifest(&index, None, &audit("put")).await.expect("index");

    let mut work = store.begin().await.expect("begin");
    assert!(!work.delete_tag_at(&app, &tag("latest"), &index.record.digest).await.expect("moved"), "points elsewhere");
    assert!(!work.delete_unused_manifest(&app, &image.record.digest).await.expect("tagged"), "still tagged");
    assert!(work.delete_tag_at(&app, &tag("latest"), &image.record.digest).await.expect("tag"));
    assert!(!work.delete_unused_manifest(&app, &image.record.digest).await.expect("child"), "an index lists it");
    assert!(work.delete_unused_manifest(&app, &index.record.digest).await.expect("index"));
    assert!(work.delete_unused_manifest(&app, &image.record.digest).await.expect("now unused"));
    assert!(!work.delete_unused_manifest(&app, &image.record.digest).await.expect("gone"), "already gone");
    work.commit().await.expect("commit");
    assert_eq!(by_digest(store, "dev/app", &image.record.digest).await, None);
    assert_eq!(tags_of(store, "dev/app").await, Vec::<String>::new());
}

// ---- quotas ----

pub(super) async fn a_quota_refuses_growth_past_it_and_counts_each_blob_once(store: &dyn MetaStore) {
    let limited = Repository { quota_bytes: Some(100), ..repository("dev") };
    store.create_repository(&limited, &audit("create_repository")).await.expect("create");
    create_repositories(store, &["free"]).await;
    let (app, web) = (oci_name("dev/app"), oci_name("dev/web"));
    let (a, b) = (digest("sixty bytes"), digest("sixty more"));
    store.record_blob(&a, 60, Some(&app), T0).await.expect("within the quota");
    store.record_blob(&a, 60, Some(&web), T0).await.expect("the same blob again counts once");
    let refused = store.record_blob(&b, 60, Some(&app), T0).await;
    let message = expect_error(refused, ErrorKind::Denied, "past the quota");
    assert!(message.contains("quota_bytes is 100") && message.contains("120"), "names the quota: {message}");
    assert_eq!(store.linked_blob_size(&app, &b).await.expect("linked"), None, "nothing of it stays");
    assert_eq!(store.blob_size(&b).await.expect("blob_size"), None);

    let mut work = store.begin().await.expect("begin");
    work.record_blob(&b, 30, Some(&web), T0).await.expect("in a unit of work the check waits for the commit");
    let m = manifest("dev/web", "image");
    for (d, _) in &m.references {
        work.record_blob(d, 1, Some(&web), T0).await.expect("record");
    }
    work.put_manifest(&m, None).await.expect("put");
    let message = expect_error(work.commit().await, ErrorKind::Denied, "a unit of work past the quota");
    assert!(message.contains("repository dev"), "{message}");
    assert_eq!(by_digest(store, "dev/web", &m.record.digest).await, None, "none of it committed");

    for i in 0..3 {
        let big = digest(&format!("big {i}"));
        store.record_blob(&big, 1 << 40, Some(&oci_name("free/app")), T0).await.expect("no quota, no limit");
    }
}
