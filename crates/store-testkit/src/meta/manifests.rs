//! Manifests and tags: recording (one transaction, idempotent), lookups, tag policy, listing, deletes.

use super::*;

pub(super) async fn manifest_is_found_by_digest_and_tag(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = manifest("dev/team/app", "app-1");
    put(store, &app, Some(immutable("1.0"))).await;

    assert_eq!(
        by_digest(store, "dev/team/app", &app.record.digest).await,
        Some(app.record.clone()),
        "by digest, every field"
    );
    assert_eq!(by_tag(store, "dev/team/app", "1.0").await, Some(app.record.clone()), "by tag, the same record");
    assert_eq!(by_tag(store, "dev/team/app", "2.0").await, None, "an unknown tag finds nothing");
    assert_eq!(by_digest(store, "dev/team/app", &digest("absent")).await, None, "an unknown digest finds nothing");
    assert_eq!(tags_of(store, "dev/team/app").await, strings(&["1.0"]), "the tag is listed");
    assert_eq!(catalog(store).await, strings(&["dev/team/app"]), "the first manifest creates the package");

    let mut bare = manifest("dev/team/app", "bare");
    bare.record.artifact_type = None;
    bare.record.annotations = None;
    bare.record.subject = None;
    bare.references.clear();
    bare.record.digest = digest512("bare");
    put(store, &bare, None).await;
    assert_eq!(
        by_digest(store, "dev/team/app", &bare.record.digest).await,
        Some(bare.record),
        "optional fields stay absent"
    );
}

pub(super) async fn manifest_put_is_idempotent(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = manifest("dev/app", "app-1");
    put(store, &app, Some(immutable("1.0"))).await;

    let mut again = app.clone();
    again.record.created_at = T0 + 1000;
    put(store, &again, Some(immutable("1.0"))).await;
    put(store, &again, None).await;
    assert_eq!(
        by_digest(store, "dev/app", &app.record.digest).await,
        Some(app.record.clone()),
        "the first record stays"
    );
    assert_eq!(tags_of(store, "dev/app").await, strings(&["1.0"]), "one tag");
    assert_eq!(catalog(store).await, strings(&["dev/app"]), "one package");
    assert_eq!(store.blob_stats().await.expect("blob_stats"), (1, app.record.size), "one blob");

    put(store, &again, Some(immutable("1.0.0"))).await;
    assert_eq!(tags_of(store, "dev/app").await, strings(&["1.0", "1.0.0"]), "re-putting can add a tag");
}

pub(super) async fn manifest_without_tag(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = manifest("dev/app", "app-1");
    put(store, &app, None).await;
    assert_eq!(by_digest(store, "dev/app", &app.record.digest).await, Some(app.record), "found by digest");
    assert_eq!(tags_of(store, "dev/app").await, Vec::<String>::new(), "the package is known and has no tags");
    assert_eq!(catalog(store).await, strings(&["dev/app"]), "and is in the catalog");
}

pub(super) async fn manifest_into_unknown_repository_fails(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = manifest("prod/app", "app-1");
    let result = store.put_manifest(&app, Some(&immutable("1.0")), &audit("put_manifest")).await;
    let message = expect_error(result, ErrorKind::NameUnknown, "putting a manifest into an unknown repository");
    assert!(message.contains("prod"), "the error names the repository: {message}");
    assert_eq!(store.blob_stats().await.expect("blob_stats"), (0, 0), "nothing is recorded");
    assert_eq!(catalog(store).await, Vec::<String>::new(), "no package is created");
    assert_eq!(by_digest(store, "prod/app", &app.record.digest).await, None, "no manifest");
}

pub(super) async fn manifest_is_per_package(store: &dyn MetaStore) {
    create_repositories(store, &["dev", "prod"]).await;
    let app = manifest("dev/team/app", "app-1");
    put(store, &app, Some(mutable("latest"))).await;
    for other in ["dev/team/web", "dev/team", "dev/team/app/sub", "prod/team/app"] {
        assert_eq!(by_digest(store, other, &app.record.digest).await, None, "not in {other} by digest");
        assert_eq!(by_tag(store, other, "latest").await, None, "not in {other} by tag");
    }

    let mut in_prod = app.clone();
    in_prod.name = oci_name("prod/team/app");
    put(store, &in_prod, None).await;
    store.delete_manifest(&app.name, &app.record.digest, &audit("delete_manifest")).await.expect("delete in dev");
    assert_eq!(by_digest(store, "prod/team/app", &app.record.digest).await, Some(app.record), "prod keeps its copy");
}

pub(super) async fn manifest_bytes_are_a_blob(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let app = manifest("dev/app", "app-1");
    put(store, &app, None).await;
    assert_eq!(
        store.blob_size(&app.record.digest).await.expect("blob_size"),
        Some(app.record.size),
        "a manifest's bytes are a known blob"
    );
}

pub(super) async fn mutable_tag_moves(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let (one, two) = (manifest("dev/app", "one"), manifest("dev/app", "two"));
    put(store, &one, Some(mutable("latest"))).await;
    put(store, &two, Some(mutable("latest"))).await;
    assert_eq!(
        by_tag(store, "dev/app", "latest").await.map(|r| r.digest),
        Some(two.record.digest.clone()),
        "a mutable tag moves"
    );
    assert_eq!(
        by_digest(store, "dev/app", &one.record.digest).await,
        Some(one.record.clone()),
        "the old manifest stays"
    );
    assert_eq!(tags_of(store, "dev/app").await, strings(&["latest"]), "still one tag");

    put(store, &one, Some(mutable("latest"))).await;
    assert_eq!(by_tag(store, "dev/app", "latest").await.map(|r| r.digest), Some(one.record.digest), "and moves back");
}

pub(super) async fn immutable_tag_refuses_to_move_and_changes_nothing(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let one = manifest("dev/app", "one");
    put(store, &one, Some(mutable("1.0"))).await;
    let stats = store.blob_stats().await.expect("blob_stats");

    // Whether a tag may move is decided by the write, from the repository's policy at that time.
    let subject = one.record.digest.clone();
    let two = referrer("dev/app", "two", &subject, "application/vnd.example.sbom");
    let result = store.put_manifest(&two, Some(&immutable("1.0")), &audit("put_manifest")).await;
    let message = expect_error(result, ErrorKind::TagImmutable, "moving an immutable tag");
    for part in ["1.0", "dev/app", "immutable", one.record.digest.as_str()] {
        assert!(message.contains(part), "the error says {part:?}: {message}");
    }

    assert_eq!(
        by_tag(store, "dev/app", "1.0").await.map(|r| r.digest),
        Some(one.record.digest.clone()),
        "the tag did not move"
    );
    assert_eq!(by_digest(store, "dev/app", &two.record.digest).await, None, "the refused manifest is not recorded");
    assert_eq!(store.blob_size(&two.record.digest).await.expect("blob_size"), None, "nor are its bytes");
    assert_eq!(store.blob_stats().await.expect("blob_stats"), stats, "blob stats are unchanged");
    assert_eq!(store.referrers(&two.name, &subject).await.expect("referrers"), vec![], "it is no referrer");
    assert_eq!(tags_of(store, "dev/app").await, strings(&["1.0"]), "the tags are unchanged");

    let mut elsewhere = two.clone();
    elsewhere.name = oci_name("dev/web");
    put(store, &elsewhere, Some(immutable("1.0"))).await;
    assert_eq!(
        by_tag(store, "dev/web", "1.0").await.map(|r| r.digest),
        Some(two.record.digest),
        "the same tag name in another package is another tag"
    );
    assert_eq!(catalog(store).await, strings(&["dev/app", "dev/web"]), "and the refused write left no package behind");
}

pub(super) async fn immutable_tag_accepts_the_same_digest(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let one = manifest("dev/app", "one");
    put(store, &one, Some(immutable("1.0"))).await;
    put(store, &one, Some(immutable("1.0"))).await;
    assert_eq!(
        by_tag(store, "dev/app", "1.0").await,
        Some(one.record.clone()),
        "re-pushing identical content is idempotent"
    );

    put(store, &one, Some(immutable("stable"))).await;
    assert_eq!(tags_of(store, "dev/app").await, strings(&["1.0", "stable"]), "a digest may carry several tags");
}

pub(super) async fn tags_are_listed_in_byte_order(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let names = ["v1", "V2", "latest", "1.0", "1.0-rc", "1.0.1", "1.0_1", "_x", "a-b", "a.b", "A"];
    for (i, t) in names.iter().enumerate() {
        put(store, &manifest("dev/app", &format!("m{}", i % 3)), Some(immutable(t))).await;
    }
    let mut expected = strings(&names);
    expected.sort();
    assert_eq!(
        tags_of(store, "dev/app").await,
        strings(&["1.0", "1.0-rc", "1.0.1", "1.0_1", "A", "V2", "_x", "a-b", "a.b", "latest", "v1"]),
        "tags sort by bytes: digits, uppercase, underscore, lowercase"
    );
    assert_eq!(tags_of(store, "dev/app").await, expected, "which is Rust's string order");
}

pub(super) async fn tag_list_pages(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    for t in ["a", "b", "c", "d", "e"] {
        put(store, &manifest("dev/app", t), Some(immutable(t))).await;
    }
    put(store, &manifest("dev/other", "z"), Some(immutable("aa"))).await;
    let app = oci_name("dev/app");
    let list = |last: Option<&'static str>, limit: usize| {
        let page = page(last, limit);
        let app = app.clone();
        async move { store.list_tags(&app, &page).await.expect("list_tags").expect("known package") }
    };
    assert_eq!(list(None, 2).await, strings(&["a", "b"]), "the first page");
    assert_eq!(list(Some("b"), 2).await, strings(&["c", "d"]), "the next page starts strictly after last");
    assert_eq!(list(Some("d"), 2).await, strings(&["e"]), "the last page is short");
    assert_eq!(list(Some("e"), 2).await, Vec::<String>::new(), "after the last tag, an empty page");
    assert_eq!(list(Some("zzz"), 2).await, Vec::<String>::new(), "last past the end, an empty page");
    assert_eq!(list(Some("bb"), 10).await, strings(&["c", "d", "e"]), "last need not be a tag");
    assert_eq!(list(Some("0"), 1).await, strings(&["a"]), "last before every tag");
    assert_eq!(list(None, 0).await, Vec::<String>::new(), "limit 0 is an empty page of a known package");
    assert_eq!(list(None, 5).await, strings(&["a", "b", "c", "d", "e"]), "a limit of exactly the count");
    assert_eq!(list(None, usize::MAX).await, strings(&["a", "b", "c", "d", "e"]), "a huge limit");
    assert_eq!(
        store.list_tags(&oci_name("dev/absent"), &page(None, 0)).await.expect("list_tags"),
        None,
        "limit 0 of an unknown package is still unknown"
    );
}

pub(super) async fn unknown_package_has_no_tag_list(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    put(store, &manifest("dev/team/app", "one"), Some(immutable("1.0"))).await;
    for unknown in ["dev/team", "dev/team/app/sub", "dev/web", "nowhere/team/app"] {
        assert_eq!(
            store.list_tags(&oci_name(unknown), &everything()).await.expect("list_tags"),
            None,
            "{unknown} is unknown"
        );
    }
}

pub(super) async fn deleting_a_tag_keeps_the_manifest(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let one = manifest("dev/app", "one");
    put(store, &one, Some(immutable("1.0"))).await;
    let (app, t) = (oci_name("dev/app"), tag("1.0"));
    assert!(store.delete_tag(&app, &t, &audit("delete_tag")).await.expect("delete_tag"), "deleting a tag is true");
    assert!(
        !store.delete_tag(&app, &t, &audit("delete_tag")).await.expect("delete_tag again"),
        "deleting it again is false"
    );
    assert!(
        !store.delete_tag(&oci_name("dev/web"), &t, &audit("delete_tag")).await.expect("delete_tag elsewhere"),
        "a tag of no package"
    );
    assert_eq!(by_tag(store, "dev/app", "1.0").await, None, "the tag is gone");
    assert_eq!(by_digest(store, "dev/app", &one.record.digest).await, Some(one.record.clone()), "the manifest stays");
    assert_eq!(tags_of(store, "dev/app").await, Vec::<String>::new(), "the package is known without tags");

    let two = manifest("dev/app", "two");
    put(store, &two, Some(immutable("1.0"))).await;
    assert_eq!(
        by_tag(store, "dev/app", "1.0").await.map(|r| r.digest),
        Some(two.record.digest),
        "a deleted tag can be reused"
    );
}

pub(super) async fn deleting_a_manifest_removes_its_tags(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let (one, two) = (manifest("dev/app", "one"), manifest("dev/app", "two"));
    put(store, &one, Some(immutable("1.0"))).await;
    put(store, &one, Some(mutable("latest"))).await;
    put(store, &two, Some(immutable("2.0"))).await;
    let mut in_web = one.clone();
    in_web.name = oci_name("dev/web");
    put(store, &in_web, Some(immutable("1.0"))).await;

    assert!(
        store.delete_manifest(&one.name, &one.record.digest, &audit("delete_manifest")).await.expect("delete"),
        "deleting a manifest is true"
    );
    assert!(
        !store.delete_manifest(&one.name, &one.record.digest, &audit("delete_manifest")).await.expect("delete again"),
        "deleting it again is false"
    );
    assert!(
        !store.delete_manifest(&one.name, &digest("absent"), &audit("delete_manifest")).await.expect("delete absent"),
        "an unknown manifest"
    );
    assert_eq!(by_digest(store, "dev/app", &one.record.digest).await, None, "the manifest is gone");
    assert_eq!(by_tag(store, "dev/app", "1.0").await, None, "and every tag pointing at it");
    assert_eq!(tags_of(store, "dev/app").await, strings(&["2.0"]), "other tags stay");
    assert_eq!(tags_of(store, "dev/web").await, strings(&["1.0"]), "the same digest in another package stays");
    assert_eq!(
        store.blob_size(&one.record.digest).await.expect("blob_size"),
        Some(one.record.size),
        "the bytes stay until GC"
    );
}

pub(super) async fn deleted_manifest_can_be_pushed_again(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let one = manifest("dev/app", "one");
    put(store, &one, Some(immutable("1.0"))).await;
    store.delete_manifest(&one.name, &one.record.digest, &audit("delete_manifest")).await.expect("delete");
    put(store, &one, Some(immutable("1.0"))).await;
    assert_eq!(by_tag(store, "dev/app", "1.0").await, Some(one.record), "a deleted manifest is recorded anew");
}

pub(super) async fn emptied_package_becomes_unknown(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let one = manifest("dev/app", "one");
    put(store, &one, Some(immutable("1.0"))).await;
    let layer = digest("layer");
    store.record_blob(&layer, 5, Some(&one.name), T0).await.expect("record_blob");

    store.delete_manifest(&one.name, &one.record.digest, &audit("delete_manifest")).await.expect("delete");
    assert_eq!(tags_of(store, "dev/app").await, Vec::<String>::new(), "a package still holding a blob is known");
    assert_eq!(catalog(store).await, strings(&["dev/app"]), "and listed");

    store.unlink_blob(&one.name, &layer, &audit("unlink_blob")).await.expect("unlink");
    assert_eq!(
        store.list_tags(&one.name, &everything()).await.expect("list_tags"),
        None,
        "an emptied package is unknown"
    );
    assert_eq!(catalog(store).await, Vec::<String>::new(), "and leaves the catalog");

    store.record_blob(&layer, 5, Some(&one.name), T0).await.expect("record_blob");
    assert_eq!(catalog(store).await, strings(&["dev/app"]), "content brings it back");
}
