//! The catalog (`repo/package` names, paged) and referrers.

use super::*;

/// Packages whose byte order differs from (repository, package) order: `-` and `.` sort before `/`.
const PACKAGES: [&str; 7] = ["a/x", "a/x-y", "a/x/y", "a/x.y", "a-b/c", "a0/a", "b/a"];
const IN_BYTE_ORDER: [&str; 7] = ["a-b/c", "a/x", "a/x-y", "a/x.y", "a/x/y", "a0/a", "b/a"];

async fn fill_catalog(store: &dyn MetaStore) {
    create_repositories(store, &["a", "a-b", "a0", "b", "empty"]).await;
    for (i, name) in PACKAGES.iter().enumerate() {
        if i % 2 == 0 {
            put(store, &manifest(name, "m"), Some(immutable("1.0"))).await;
        } else {
            store.record_blob(&digest("layer"), 1, Some(&oci_name(name)), T0).await.expect("record_blob");
        }
    }
}

pub(super) async fn catalog_is_in_byte_order_across_repositories(store: &dyn MetaStore) {
    assert_eq!(catalog(store).await, Vec::<String>::new(), "a new store has an empty catalog");
    fill_catalog(store).await;
    assert_eq!(catalog(store).await, strings(&IN_BYTE_ORDER), "full names sort by bytes, across repositories");
    let mut sorted = strings(&PACKAGES);
    sorted.sort();
    assert_eq!(catalog(store).await, sorted, "which is Rust's string order");
}

pub(super) async fn catalog_pages(store: &dyn MetaStore) {
    fill_catalog(store).await;
    let list = |last: Option<&'static str>, limit: usize| async move {
        store.list_packages(&page(last, limit)).await.expect("list_packages")
    };
    assert_eq!(list(None, 2).await, strings(&["a-b/c", "a/x"]), "the first page");
    assert_eq!(list(Some("a/x"), 2).await, strings(&["a/x-y", "a/x.y"]), "strictly after last");
    assert_eq!(list(Some("a/x/y"), 2).await, strings(&["a0/a", "b/a"]), "across a repository boundary");
    assert_eq!(list(Some("b/a"), 2).await, Vec::<String>::new(), "after the last package, an empty page");
    assert_eq!(list(Some("zzz/z"), 2).await, Vec::<String>::new(), "last past the end, an empty page");
    assert_eq!(list(Some("a/"), 1).await, strings(&["a/x"]), "last need not be a package");
    assert_eq!(list(Some("a"), 1).await, strings(&["a-b/c"]), "a bare repository name as last");
    assert_eq!(list(None, 0).await, Vec::<String>::new(), "limit 0 is an empty page");
    assert_eq!(list(None, 7).await, strings(&IN_BYTE_ORDER), "a limit of exactly the count");

    let mut pages = Vec::new();
    let mut last: Option<String> = None;
    loop {
        let chunk = store.list_packages(&Page { last: last.clone(), limit: 3 }).await.expect("list_packages");
        if chunk.is_empty() {
            break;
        }
        last = chunk.last().cloned();
        pages.push(chunk);
    }
    assert_eq!(pages.len(), 3, "seven packages in pages of three: {pages:?}");
    assert_eq!(pages.concat(), strings(&IN_BYTE_ORDER), "paging visits every package once, in order");
}

pub(super) async fn catalog_lists_each_package_once(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    for seed in ["one", "two", "three"] {
        put(store, &manifest("dev/app", seed), Some(immutable(seed))).await;
        store.record_blob(&digest(seed), 1, Some(&oci_name("dev/app")), T0).await.expect("record_blob");
    }
    assert_eq!(catalog(store).await, strings(&["dev/app"]), "one entry per package, whatever it holds");
}

pub(super) async fn referrers_are_in_digest_order(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let image = manifest("dev/app", "image");
    put(store, &image, Some(immutable("1.0"))).await;
    let subject = &image.record.digest;
    assert_eq!(store.referrers(&image.name, subject).await.expect("referrers"), vec![], "no referrers yet");

    let sig = referrer("dev/app", "signature", subject, "application/vnd.dev.cosign.artifact.sig.v1+json");
    let sbom = referrer("dev/app", "sbom", subject, "application/spdx+json");
    let mut attestation = referrer("dev/app", "attestation", subject, "application/vnd.in-toto+json");
    attestation.record.annotations = Some(r#"{"org.opencontainers.image.created":"2026-11-22T10:00:00Z"}"#.to_owned());
    for r in [&sig, &sbom, &attestation] {
        put(store, r, None).await;
    }
    let mut expected = vec![sig.record, sbom.record, attestation.record];
    expected.sort_by(|a, b| a.digest.as_str().cmp(b.digest.as_str()));
    assert_eq!(store.referrers(&image.name, subject).await.expect("referrers"), expected, "full records, by digest");
}

pub(super) async fn referrers_are_per_package_and_subject(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let (image, other) = (manifest("dev/app", "image"), manifest("dev/app", "other"));
    put(store, &image, None).await;
    put(store, &other, None).await;
    let subject = &image.record.digest;
    let sig = referrer("dev/app", "sig", subject, "application/example");
    put(store, &sig, None).await;
    put(store, &referrer("dev/app", "sig-of-other", &other.record.digest, "application/example"), None).await;
    put(store, &referrer("dev/web", "sig-elsewhere", subject, "application/example"), None).await;

    let found = store.referrers(&image.name, subject).await.expect("referrers");
    assert_eq!(found, vec![sig.record.clone()], "only referrers of this subject in this package");

    let orphan_subject = digest("not pushed yet");
    let early = referrer("dev/app", "early", &orphan_subject, "application/example");
    put(store, &early, None).await;
    assert_eq!(
        store.referrers(&image.name, &orphan_subject).await.expect("referrers"),
        vec![early.record],
        "a referrer may arrive before its subject"
    );
    assert_eq!(
        store.referrers(&oci_name("dev/absent"), subject).await.expect("referrers"),
        vec![],
        "an unknown package"
    );
}

pub(super) async fn deleted_referrer_disappears(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let image = manifest("dev/app", "image");
    put(store, &image, None).await;
    let subject = &image.record.digest;
    let (a, b) =
        (referrer("dev/app", "a", subject, "application/a"), referrer("dev/app", "b", subject, "application/b"));
    put(store, &a, None).await;
    put(store, &b, None).await;
    store.delete_manifest(&a.name, &a.record.digest, &audit("delete_manifest")).await.expect("delete referrer");
    assert_eq!(
        store.referrers(&image.name, subject).await.expect("referrers"),
        vec![b.record],
        "a deleted referrer is gone"
    );

    store.delete_manifest(&image.name, subject, &audit("delete_manifest")).await.expect("delete subject");
    assert_eq!(
        store.referrers(&image.name, subject).await.expect("referrers").len(),
        1,
        "referrers outlive their subject (the core decides what to cascade)"
    );
}
