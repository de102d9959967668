//! Properties (multi-valued, keyed by manifest digest, every change audited) and multi-file generic
//! uploads (staged files, replaced by name, found stale, deleted with their files).

use super::*;
use arca_core::audit::AuditFilter;
use arca_core::meta::{GenericUpload, StagedFile};

fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

pub(super) async fn properties_are_multi_valued_and_sorted(store: &dyn MetaStore) {
    let m = digest("manifest");
    assert!(store.properties(&m).await.expect("properties").is_empty(), "none at first");
    let add = kv(&[("vcs.revision", "abc"), ("env", "prod"), ("env", "eu"), ("env", "eu")]);
    store.set_properties(&m, Some(&[]), &add, &audit("set_properties")).await.expect("set_properties");
    assert_eq!(
        store.properties(&m).await.expect("properties"),
        kv(&[("env", "eu"), ("env", "prod"), ("vcs.revision", "abc")]),
        "sorted by key then value, duplicates kept once"
    );
    assert!(store.properties(&digest("other")).await.expect("properties").is_empty(), "per manifest");
}

pub(super) async fn setting_properties_replaces_what_it_names_and_is_audited(store: &dyn MetaStore) {
    let m = digest("manifest");
    let initial = kv(&[("a", "1"), ("a", "2"), ("b", "x"), ("c", "y")]);
    store.set_properties(&m, None, &initial, &audit("first")).await.expect("set_properties");
    let keys = ["a".to_owned(), "c".to_owned()];
    store.set_properties(&m, Some(&keys), &kv(&[("a", "3")]), &audit("named")).await.expect("set_properties");
    assert_eq!(store.properties(&m).await.expect("properties"), kv(&[("a", "3"), ("b", "x")]), "a replaced, c removed");
    store.set_properties(&m, None, &kv(&[("z", "1")]), &audit("all")).await.expect("set_properties");
    assert_eq!(store.properties(&m).await.expect("properties"), kv(&[("z", "1")]), "None clears every key");
    let log = store.list_audit(&AuditFilter { limit: 10, ..AuditFilter::default() }).await.expect("list_audit");
    let actions: Vec<&str> = log.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(actions, ["first", "named", "all"], "each change appends its entry");
}

fn generic_upload(id: &str, updated_at: Millis) -> GenericUpload {
    GenericUpload { id: id.into(), name: oci_name("rel/team/tool"), version: tag("1.0"), created_at: T0, updated_at }
}

fn staged(file: &str, seed: &str) -> StagedFile {
    StagedFile { file: file.into(), digest: digest(seed), size: 42, media_type: "application/zip".into() }
}

pub(super) async fn generic_upload_stages_files_by_name(store: &dyn MetaStore) {
    let upload = generic_upload("g1", T0);
    store.create_generic_upload(&upload).await.expect("create_generic_upload");
    assert_eq!(store.generic_upload("g1").await.expect("generic_upload"), Some((upload.clone(), vec![])));
    assert!(store.stage_file("g1", &staged("b.zip", "b"), T0 + 1).await.expect("stage_file"));
    assert!(store.stage_file("g1", &staged("a.zip", "a"), T0 + 2).await.expect("stage_file"));
    assert!(store.stage_file("g1", &staged("b.zip", "b2"), T0 + 3).await.expect("stage_file"));
    let (got, files) = store.generic_upload("g1").await.expect("generic_upload").expect("present");
    assert_eq!(got.updated_at, T0 + 3, "staging touches the upload");
    assert_eq!(files, [staged("a.zip", "a"), staged("b.zip", "b2")], "by name; a re-staged file replaces");
    assert!(!store.stage_file("absent", &staged("a", "a"), T0).await.expect("stage_file"), "unknown upload");
    assert_eq!(store.generic_upload("absent").await.expect("generic_upload"), None);
}

pub(super) async fn generic_uploads_go_stale_and_are_deleted(store: &dyn MetaStore) {
    for (id, at) in [("old", T0), ("new", T0 + 100)] {
        store.create_generic_upload(&generic_upload(id, at)).await.expect("create_generic_upload");
        store.stage_file(id, &staged("f", id), at).await.expect("stage_file");
    }
    assert_eq!(store.stale_generic_uploads(T0 + 50, 10).await.expect("stale"), ["old"]);
    assert!(store.delete_generic_upload("old").await.expect("delete"));
    assert!(!store.delete_generic_upload("old").await.expect("delete again"), "already gone");
    assert_eq!(store.generic_upload("old").await.expect("generic_upload"), None);
    assert!(store.generic_upload("new").await.expect("generic_upload").is_some(), "the other stays");
    store.create_generic_upload(&generic_upload("old", T0)).await.expect("the id is free again, with no files");
    assert_eq!(store.generic_upload("old").await.expect("generic_upload").map(|(_, f)| f.len()), Some(0));
}
