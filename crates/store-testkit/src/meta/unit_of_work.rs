//! A unit of work: several aggregates and their audit entries commit together, or nothing of them
//! is left — also when the failure comes after earlier writes succeeded.

use super::*;
use arca_core::audit::AuditFilter;

async fn audit_count(store: &dyn MetaStore) -> usize {
    store.list_audit(&AuditFilter { limit: 1000, ..AuditFilter::default() }).await.expect("list_audit").len()
}

pub(super) async fn unit_of_work_leaves_no_trace_when_a_later_write_fails(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let other = manifest("dev/app", "other");
    store.put_manifest(&other, Some(&immutable("taken")), &audit("put")).await.expect("put_manifest");
    let entries = audit_count(store).await;
    let app = manifest("dev/app", "work");
    let file = digest("file");
    let mut work = store.begin().await.expect("begin");
    work.record_blob(&file, 5, Some(&oci_name("dev/lib")), T0).await.expect("first write");
    work.put_manifest(&app, Some(&immutable("1.0"))).await.expect("second write");
    work.audit(&audit("put")).await.expect("audit");
    // The third write is refused (an immutable tag already pointing elsewhere): the use case fails.
    let third = work.tag_manifest(&oci_name("dev/app"), &immutable("taken"), &app.record.digest, T0).await;
    assert_eq!(third.expect_err("an immutable tag elsewhere").kind, arca_core::ErrorKind::TagImmutable);
    drop(work);
    assert_eq!(by_tag(store, "dev/app", "1.0").await, None, "no trace of the second write");
    assert_eq!(store.blob_size(&file).await.expect("blob_size"), None, "no trace of the first");
    assert_eq!(store.linked_blob_size(&oci_name("dev/lib"), &file).await.expect("linked"), None);
    assert_eq!(audit_count(store).await, entries, "nor of its audit entry");
    assert_eq!(by_tag(store, "dev/app", "taken").await, Some(other.record), "what was there is untouched");
}

pub(super) async fn unit_of_work_commits_every_aggregate_at_once(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let entries = audit_count(store).await;
    let app = manifest("dev/app", "work");
    let file = digest("file");
    let mut work = store.begin().await.expect("begin");
    work.record_blob(&file, 5, Some(&oci_name("dev/app")), T0).await.expect("blob");
    work.put_manifest(&app, Some(&immutable("1.0"))).await.expect("manifest");
    work.tag_manifest(&oci_name("dev/app"), &immutable("1"), &app.record.digest, T0).await.expect("second tag");
    let props = vec![("build.id".to_owned(), "42".to_owned())];
    work.set_properties(&app.record.digest, Some(&[]), &props).await.expect("properties");
    work.audit(&audit("publish")).await.expect("audit");
    work.audit(&audit("properties")).await.expect("audit");
    assert_eq!(by_tag(store, "dev/app", "1.0").await, None, "nothing is visible before the commit");
    work.commit().await.expect("commit");
    assert_eq!(by_tag(store, "dev/app", "1.0").await, Some(app.record.clone()));
    assert_eq!(by_tag(store, "dev/app", "1").await, Some(app.record.clone()));
    assert_eq!(store.linked_blob_size(&oci_name("dev/app"), &file).await.expect("linked"), Some(5));
    assert_eq!(store.properties(&app.record.digest).await.expect("properties"), props);
    assert_eq!(audit_count(store).await, entries + 2);
    let verified = arca_core::audit::verify(store).await.expect("verify");
    assert!(verified.is_ok(), "the entries chain: {verified:?}");
}

pub(super) async fn unit_of_work_finds_missing_references_in_the_package(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let (app, lib) = (oci_name("dev/app"), oci_name("dev/lib"));
    let (layer, elsewhere) = (digest("layer"), digest("elsewhere"));
    store.record_blob(&layer, 5, Some(&app), T0).await.expect("record_blob");
    store.record_blob(&elsewhere, 5, Some(&lib), T0).await.expect("record_blob");
    let child = manifest("dev/app", "child");
    store.put_manifest(&child, None, &audit("put")).await.expect("put_manifest");
    let mut work = store.begin().await.expect("begin");
    let present = [(layer.clone(), RefKind::Layer), (child.record.digest.clone(), RefKind::Manifest)];
    assert_eq!(work.missing_reference(&app, &present).await.expect("check"), None);
    assert_eq!(work.missing_reference(&app, &[]).await.expect("check"), None);
    let in_another_package = [(layer.clone(), RefKind::Config), (elsewhere.clone(), RefKind::Layer)];
    assert_eq!(
        work.missing_reference(&app, &in_another_package).await.expect("check"),
        Some((elsewhere, RefKind::Layer)),
        "a blob of another package is not this one's"
    );
    let a_blob_is_not_a_manifest = [(layer.clone(), RefKind::Manifest)];
    assert_eq!(
        work.missing_reference(&app, &a_blob_is_not_a_manifest).await.expect("check"),
        Some((layer.clone(), RefKind::Manifest))
    );
    // Written earlier in the same unit of work counts.
    let fresh = digest("fresh");
    work.record_blob(&fresh, 5, Some(&app), T0).await.expect("record_blob");
    assert_eq!(work.missing_reference(&app, &[(fresh, RefKind::Layer)]).await.expect("check"), None);
}
