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

pub(super) async fn file_names_are_claimed_once_for_good(store: &dyn MetaStore) {
    create_repositories(store, &["py"]).await;
    let (repo, package) = (arca_types::RepoName::parse("py").unwrap(), arca_types::PackageName::parse("demo").unwrap());
    let claim = |file: &'static str, d: &'static str| {
        let (repo, package) = (repo.clone(), package.clone());
        async move {
            let digest = digest(d);
            let name = FileName { repository: &repo, package: &package, file, digest: &digest };
            let mut work = store.begin().await.expect("begin");
            let claimed = work.claim_file_name(&name, T0).await.expect("claim");
            work.commit().await.expect("commit");
            claimed
        }
    };
    assert_eq!(claim("demo-1.0.tar.gz", "a").await, FileClaim::New);
    assert_eq!(claim("demo-1.0.tar.gz", "a").await, FileClaim::Same, "the same bytes again");
    assert_eq!(claim("demo-1.0.tar.gz", "b").await, FileClaim::Taken(digest("a")), "other bytes: never");
    assert_eq!(claim("demo-1.0-py3-none-any.whl", "b").await, FileClaim::New);
    // A claim rolled back claims nothing.
    let (digest_c, file) = (digest("c"), "demo-2.0.tar.gz");
    let mut work = store.begin().await.expect("begin");
    let name = FileName { repository: &repo, package: &package, file, digest: &digest_c };
    assert_eq!(work.claim_file_name(&name, T0).await.expect("claim"), FileClaim::New);
    drop(work);
    assert_eq!(claim(file, "d").await, FileClaim::New);
}

pub(super) async fn an_immutable_tag_moves_only_from_the_digest_it_replaces(store: &dyn MetaStore) {
    create_repositories(store, &["py"]).await;
    let (first, second, third) = (manifest("py/demo", "one"), manifest("py/demo", "two"), manifest("py/demo", "three"));
    store.put_manifest(&first, Some(&immutable("1.0")), &audit("put")).await.expect("first");
    let from = |d: &Digest| TagWrite { replaces: Some(d.clone()), ..immutable("1.0") };
    store.put_manifest(&second, Some(&from(&first.record.digest)), &audit("put")).await.expect("moves from first");
    assert_eq!(by_tag(store, "py/demo", "1.0").await, Some(second.record.clone()));
    // A writer that started from `first` lost the race: the tag is at `second` now.
    let stale = store.put_manifest(&third, Some(&from(&first.record.digest)), &audit("put")).await;
    assert_eq!(stale.expect_err("moved meanwhile").kind, arca_core::ErrorKind::TagImmutable);
    assert_eq!(by_tag(store, "py/demo", "1.0").await, Some(second.record));
}

pub(super) async fn a_package_status_is_kept_on_the_package(store: &dyn MetaStore) {
    use arca_core::meta::{Lifecycle, PackageStatus};
    create_repositories(store, &["py"]).await;
    let (demo, unknown) = (oci_name("py/demo"), oci_name("py/nothing"));
    store.put_manifest(&manifest("py/demo", "one"), Some(&immutable("1.0")), &audit("put")).await.expect("put");
    assert_eq!(store.package_status(&demo).await.expect("status"), Some(PackageStatus::default()), "active");
    assert_eq!(store.package_status(&unknown).await.expect("status"), None);
    let archived = PackageStatus { status: Lifecycle::Archived, reason: Some("use demo2".into()) };
    let set = |name: OciName, status: PackageStatus| async move {
        let mut work = store.begin().await.expect("begin");
        let found = work.set_package_status(&name, &status).await.expect("set");
        work.commit().await.expect("commit");
        found
    };
    assert!(set(demo.clone(), archived.clone()).await);
    assert_eq!(store.package_status(&demo).await.expect("status"), Some(archived.clone()));
    assert!(!set(unknown.clone(), archived.clone()).await, "a state is set on a known package only");
    assert_eq!(store.package_status(&unknown).await.expect("status"), None);
    // A change rolled back changes nothing; active again clears the reason.
    let mut work = store.begin().await.expect("begin");
    work.set_package_status(&demo, &PackageStatus::default()).await.expect("set");
    drop(work);
    assert_eq!(store.package_status(&demo).await.expect("status"), Some(archived));
    assert!(set(demo.clone(), PackageStatus::default()).await);
    assert_eq!(store.package_status(&demo).await.expect("status"), Some(PackageStatus::default()));
}

pub(super) async fn crate_owners_are_kept_per_crate_and_written_in_a_unit_of_work(store: &dyn MetaStore) {
    create_repositories(store, &["crates", "other"]).await;
    let (demo, elsewhere) = (oci_name("crates/demo"), oci_name("other/demo"));
    let logins = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<String>>();
    let owners = |name: OciName| async move { store.crate_owners(&name).await.expect("crate_owners") };
    assert!(owners(demo.clone()).await.is_empty(), "none until recorded");
    let mut work = store.begin().await.expect("begin");
    assert_eq!(work.add_crate_owners(&demo, &logins(&["carol", "alice"]), T0).await.expect("add"), 2);
    assert_eq!(work.add_crate_owners(&demo, &logins(&["alice", "bob"]), T0).await.expect("add"), 1, "alice stays once");
    work.commit().await.expect("commit");
    assert_eq!(owners(demo.clone()).await, logins(&["alice", "bob", "carol"]), "in byte order");
    assert!(owners(elsewhere.clone()).await.is_empty(), "owners are per repository");
    // A removal says who is left, and rolled back it removes nothing.
    let mut work = store.begin().await.expect("begin");
    let left = work.remove_crate_owners(&demo, &logins(&["alice", "carol", "nobody"])).await.expect("remove");
    assert_eq!(left, logins(&["bob"]));
    drop(work);
    assert_eq!(owners(demo.clone()).await, logins(&["alice", "bob", "carol"]));
    let mut work = store.begin().await.expect("begin");
    assert_eq!(work.remove_crate_owners(&demo, &logins(&["bob"])).await.expect("remove"), logins(&["alice", "carol"]));
    work.commit().await.expect("commit");
    assert_eq!(owners(demo.clone()).await, logins(&["alice", "carol"]));
    // A crate of an unknown repository has no owners to record.
    let mut work = store.begin().await.expect("begin");
    let unknown = work.add_crate_owners(&oci_name("nowhere/demo"), &logins(&["alice"]), T0).await;
    assert_eq!(unknown.expect_err("unknown repository").kind, arca_core::ErrorKind::NameUnknown);
    drop(work);
    // Owners go with their repository.
    let other = arca_types::RepoName::parse("other").expect("name");
    let mut work = store.begin().await.expect("begin");
    work.add_crate_owners(&elsewhere, &logins(&["dave"]), T0).await.expect("add");
    work.commit().await.expect("commit");
    assert!(store.delete_repository(&other, &audit("delete_repository")).await.expect("delete"));
    create_repositories(store, &["other"]).await;
    assert!(owners(elsewhere).await.is_empty(), "a repository created again starts without owners");
}
