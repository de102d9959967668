//! The blob index: durable blobs, their sizes, the packages that see them, and stats.

use super::*;

const GIB: u64 = 1 << 30;

pub(super) async fn blob_is_recorded_once(store: &dyn MetaStore) {
    let big = digest("a 10 GiB layer");
    let empty = digest("");
    let long = digest512("a sha512 blob");
    assert_eq!(store.blob_size(&big).await.expect("blob_size"), None, "an unknown blob has no size");

    for _ in 0..2 {
        store.record_blob(&big, 10 * GIB, None, T0).await.expect("record_blob");
        store.record_blob(&empty, 0, None, T0).await.expect("record empty blob");
        store.record_blob(&long, 3, None, T0).await.expect("record sha512 blob");
    }
    assert_eq!(store.blob_size(&big).await.expect("blob_size"), Some(10 * GIB), "sizes beyond 32 bits round-trip");
    assert_eq!(store.blob_size(&empty).await.expect("blob_size"), Some(0), "the empty blob has size 0");
    assert_eq!(store.blob_size(&long).await.expect("blob_size"), Some(3), "sha512 digests are recorded");
    assert_eq!(store.blob_stats().await.expect("blob_stats"), (3, 10 * GIB + 3), "recording twice counts once");
}

pub(super) async fn blob_link_is_per_package(store: &dyn MetaStore) {
    create_repositories(store, &["dev", "prod"]).await;
    let layer = digest("layer");
    let app = oci_name("dev/team/app");
    store.record_blob(&layer, 42, None, T0).await.expect("record_blob");
    assert_eq!(store.linked_blob_size(&app, &layer).await.expect("linked"), None, "an unlinked blob is in no package");
    assert_eq!(catalog(store).await, Vec::<String>::new(), "nor in the catalog");

    for _ in 0..2 {
        store.record_blob(&layer, 42, Some(&app), T0).await.expect("record_blob with link");
    }
    assert_eq!(store.linked_blob_size(&app, &layer).await.expect("linked"), Some(42), "a linked blob is visible");
    for other in ["dev/team/web", "dev/team", "prod/team/app"] {
        assert_eq!(
            store.linked_blob_size(&oci_name(other), &layer).await.expect("linked"),
            None,
            "a blob linked in dev/team/app is not visible in {other}"
        );
    }
    assert_eq!(catalog(store).await, strings(&["dev/team/app"]), "the first link creates the package");
    assert_eq!(tags_of(store, "dev/team/app").await, Vec::<String>::new(), "a package of blobs has no tags");
    assert_eq!(
        store.linked_blob_size(&app, &digest("absent")).await.expect("linked"),
        None,
        "an unknown digest is not linked"
    );
}

pub(super) async fn link_into_unknown_repository_fails(store: &dyn MetaStore) {
    let layer = digest("layer");
    let result = store.record_blob(&layer, 42, Some(&oci_name("nowhere/app")), T0).await;
    let message = expect_error(result, ErrorKind::NameUnknown, "linking into an unknown repository");
    assert!(message.contains("nowhere"), "the error names the repository: {message}");
    assert_eq!(store.blob_size(&layer).await.expect("blob_size"), None, "a failed record records nothing");
    assert_eq!(store.blob_stats().await.expect("blob_stats"), (0, 0), "nothing at all");
    assert_eq!(catalog(store).await, Vec::<String>::new(), "and creates no package");
}

pub(super) async fn unlinked_blob_stays_recorded(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let (layer, app, web) = (digest("layer"), oci_name("dev/app"), oci_name("dev/web"));
    store.record_blob(&layer, 42, Some(&app), T0).await.expect("link in app");
    store.record_blob(&layer, 42, Some(&web), T0).await.expect("link in web");

    assert!(
        store.unlink_blob(&app, &layer, &audit("unlink_blob")).await.expect("unlink"),
        "unlinking a linked blob is true"
    );
    assert!(
        !store.unlink_blob(&app, &layer, &audit("unlink_blob")).await.expect("unlink again"),
        "unlinking it again is false"
    );
    assert!(
        !store.unlink_blob(&app, &digest("absent"), &audit("unlink_blob")).await.expect("unlink absent"),
        "unlinking an unknown blob is false"
    );
    assert_eq!(store.linked_blob_size(&app, &layer).await.expect("linked"), None, "an unlinked blob is not visible");
    assert_eq!(store.linked_blob_size(&web, &layer).await.expect("linked"), Some(42), "other packages keep their link");
    assert_eq!(store.blob_size(&layer).await.expect("blob_size"), Some(42), "the bytes stay until garbage collection");
    assert_eq!(catalog(store).await, strings(&["dev/web"]), "a package left empty leaves the catalog");
}

pub(super) async fn blob_stats_count_each_digest_once(store: &dyn MetaStore) {
    assert_eq!(store.blob_stats().await.expect("blob_stats"), (0, 0), "a new store holds nothing");
    create_repositories(store, &["dev", "prod"]).await;
    let layer = digest("layer");
    for name in ["dev/a", "dev/b", "prod/a"] {
        store.record_blob(&layer, 1000, Some(&oci_name(name)), T0).await.expect("record_blob");
    }
    store.record_blob(&digest("other"), 24, None, T0).await.expect("record_blob");
    assert_eq!(store.blob_stats().await.expect("blob_stats"), (2, 1024), "a blob linked thrice is stored once");

    let m = manifest("dev/a", "m");
    put(store, &m, None).await;
    let mut same_in_prod = m.clone();
    same_in_prod.name = oci_name("prod/a");
    put(store, &same_in_prod, None).await;
    assert_eq!(
        store.blob_stats().await.expect("blob_stats"),
        (3, 1024 + m.record.size),
        "a manifest's bytes count once, however many packages hold it"
    );
}

pub(super) async fn blobs_are_listed_in_digest_order_by_page(store: &dyn MetaStore) {
    assert!(store.list_blobs(None, 10).await.expect("list_blobs").is_empty());
    create_repositories(store, &["dev"]).await;
    let mut all: Vec<(Digest, u64)> = (0..5u64).map(|i| (digest(&format!("blob {i}")), 10 + i)).collect();
    for (d, size) in &all {
        store.record_blob(d, *size, Some(&oci_name("dev/app")), T0).await.expect("record_blob");
    }
    all.sort();
    assert_eq!(store.list_blobs(None, 10).await.expect("list_blobs"), all, "every blob with its size, sorted");
    let first = store.list_blobs(None, 2).await.expect("list_blobs");
    assert_eq!(first, all[..2]);
    let next = store.list_blobs(Some(&first[1].0), 2).await.expect("list_blobs");
    assert_eq!(next, all[2..4], "the next page starts after the last digest seen");
    assert!(store.list_blobs(Some(&all[4].0), 2).await.expect("list_blobs").is_empty());
}

pub(super) async fn references_to_unrecorded_content_are_found(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let m = manifest("dev/app", "m");
    put(store, &m, None).await;
    let mut missing: Vec<Digest> = m.references.iter().map(|(d, _)| d.clone()).collect();
    missing.sort();
    missing.dedup();
    let found = store.unrecorded_references(100).await.expect("unrecorded_references");
    assert_eq!(found.iter().map(|(_, _, d)| d.clone()).collect::<Vec<_>>(), missing, "none of its blobs is recorded");
    assert!(found.iter().all(|(name, manifest, _)| *name == oci_name("dev/app") && *manifest == m.record.digest));
    for d in &missing {
        store.record_blob(d, 1, Some(&oci_name("dev/app")), T0).await.expect("record_blob");
    }
    assert!(store.unrecorded_references(100).await.expect("unrecorded_references").is_empty());
}
