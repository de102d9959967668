//! Repositories: created once, listed by name, updated in their mutable fields, deleted when empty.

use super::*;
use arca_types::RepoName;

pub(super) async fn repository_is_created_once(store: &dyn MetaStore) {
    let dev = repository("dev");
    assert!(
        store.create_repository(&dev, &audit("create_repository")).await.expect("create"),
        "a new repository is created"
    );

    let mut again = repository("dev");
    again.format = Format::Generic;
    again.created_at = T0 + 1;
    assert!(
        !store.create_repository(&again, &audit("create_repository")).await.expect("create again"),
        "an existing repository is not created again"
    );
    assert_eq!(
        store.get_repository(&dev.name).await.expect("get"),
        Some(dev),
        "creating an existing repository leaves it unchanged"
    );

    let absent = RepoName::parse("absent").unwrap();
    assert_eq!(store.get_repository(&absent).await.expect("get absent"), None, "an unknown repository is absent");
}

pub(super) async fn repository_keeps_every_field(store: &dyn MetaStore) {
    let formats = [Format::Oci, Format::Generic, Format::Pypi, Format::Npm, Format::Cargo, Format::Maven];
    let kinds = [RepoKind::Hosted, RepoKind::Remote, RepoKind::Virtual];
    for (i, format) in formats.into_iter().enumerate() {
        let repo = Repository {
            name: RepoName::parse(&format!("repo{i}")).unwrap(),
            format,
            kind: kinds[i % kinds.len()],
            stage: (i % 2 == 0).then(|| format!("stage-{i}")),
            mutable_tags: (0..i).map(|n| format!("dev-{n}-*")).collect(),
            created_at: T0 + i as i64,
            quota_bytes: (i % 3 == 1).then_some((5 << 30) + i as u64),
            promote_from: (0..i).map(|n| RepoName::parse(&format!("repo{n}")).unwrap()).collect(),
            gates: (0..i).map(|n| format!("approvals={}", n + 1)).collect(),
            pull_gates: (0..i % 2).map(|_| "sbom".to_owned()).collect(),
            allow_unpublish: i % 2 == 0,
        };
        store.create_repository(&repo, &audit("create_repository")).await.expect("create");
        assert_eq!(store.get_repository(&repo.name).await.expect("get"), Some(repo.clone()), "every field round-trips");
    }
}

pub(super) async fn repositories_are_listed_by_name(store: &dyn MetaStore) {
    assert_eq!(store.list_repositories().await.expect("list"), vec![], "a new store has no repositories");
    create_repositories(store, &["prod", "dev", "dev-eu", "dev.b", "dev0", "a"]).await;
    let names: Vec<String> =
        store.list_repositories().await.expect("list").into_iter().map(|r| r.name.to_string()).collect();
    assert_eq!(names, strings(&["a", "dev", "dev-eu", "dev.b", "dev0", "prod"]), "repositories in byte order");
}

pub(super) async fn repository_update_replaces_the_mutable_fields(store: &dyn MetaStore) {
    let dev = repository("dev");
    assert!(
        !store.update_repository(&dev, &audit("update_repository")).await.expect("update absent"),
        "updating an absent repository is false"
    );
    assert_eq!(store.get_repository(&dev.name).await.expect("get"), None, "an update does not create");

    store.create_repository(&dev, &audit("create_repository")).await.expect("create");
    let mut changed = dev.clone();
    changed.kind = RepoKind::Remote;
    changed.stage = Some("staging".to_owned());
    changed.mutable_tags = strings(&["latest", "dev-*"]);
    changed.format = Format::Npm;
    changed.created_at = T0 + 99;
    assert!(
        store.update_repository(&changed, &audit("update_repository")).await.expect("update"),
        "updating a repository is true"
    );

    let stored = store.get_repository(&dev.name).await.expect("get").expect("still there");
    assert_eq!(
        (stored.kind, stored.stage.as_deref(), stored.mutable_tags.clone()),
        (RepoKind::Remote, Some("staging"), strings(&["latest", "dev-*"])),
        "kind, stage and mutable tags are replaced"
    );
    assert_eq!((stored.format, stored.created_at), (Format::Oci, T0), "format and creation time never change");

    changed.stage = None;
    changed.mutable_tags.clear();
    store.update_repository(&changed, &audit("update_repository")).await.expect("update");
    let stored = store.get_repository(&dev.name).await.expect("get").expect("still there");
    assert_eq!((stored.stage, stored.mutable_tags), (None, vec![]), "stage and patterns can be cleared");
}

pub(super) async fn empty_repository_is_deleted(store: &dyn MetaStore) {
    create_repositories(store, &["dev", "prod"]).await;
    let dev = RepoName::parse("dev").unwrap();
    assert!(
        store.delete_repository(&dev, &audit("delete_repository")).await.expect("delete"),
        "deleting an empty repository is true"
    );
    assert_eq!(store.get_repository(&dev).await.expect("get"), None, "a deleted repository is gone");
    assert!(
        !store.delete_repository(&dev, &audit("delete_repository")).await.expect("delete again"),
        "deleting it again is false"
    );
    let names: Vec<_> = store.list_repositories().await.expect("list").into_iter().map(|r| r.name).collect();
    assert_eq!(names, vec![RepoName::parse("prod").unwrap()], "other repositories stay");
}

pub(super) async fn repository_with_content_is_not_deleted(store: &dyn MetaStore) {
    create_repositories(store, &["dev"]).await;
    let dev = RepoName::parse("dev").unwrap();
    let app = manifest("dev/team/app", "app-1");
    put(store, &app, Some(immutable("1.0"))).await;
    let blob = digest("a blob");
    store.record_blob(&blob, 7, Some(&oci_name("dev/lib")), T0).await.expect("record_blob");

    let message = expect_error(
        store.delete_repository(&dev, &audit("delete_repository")).await,
        ErrorKind::Conflict,
        "deleting a repository with packages",
    );
    assert!(message.contains("dev"), "the conflict names the repository: {message}");
    assert!(store.get_repository(&dev).await.expect("get").is_some(), "a refused delete leaves the repository");
    assert_eq!(catalog(store).await, strings(&["dev/lib", "dev/team/app"]), "and its packages");

    store.delete_manifest(&app.name, &app.record.digest, &audit("delete_manifest")).await.expect("delete_manifest");
    expect_error(
        store.delete_repository(&dev, &audit("delete_repository")).await,
        ErrorKind::Conflict,
        "deleting a repository holding a blob",
    );

    store.unlink_blob(&oci_name("dev/lib"), &blob, &audit("unlink_blob")).await.expect("unlink_blob");
    assert!(
        store.delete_repository(&dev, &audit("delete_repository")).await.expect("delete"),
        "a repository whose packages were emptied is deleted"
    );
    assert_eq!(store.get_repository(&dev).await.expect("get"), None, "and is gone");

    create_repositories(store, &["dev"]).await;
    assert_eq!(catalog(store).await, Vec::<String>::new(), "a re-created repository starts empty");
    assert_eq!(store.list_tags(&app.name, &everything()).await.expect("list_tags"), None, "with no packages");
}
