//! MetaStore checks: the contract of [`arca_core::meta`], written once and run against every backend.
//!
//! Each check gets a fresh, empty store and panics with a message naming what broke. Run them all
//! with [`run_all`], or one test per check with [`meta_checks!`](crate::meta_checks):
//!
//! ```ignore
//! macro_rules! sqlite_tests {
//!     ($($check:ident),*) => { $(
//!         #[tokio::test]
//!         async fn $check() { with_fresh_store(arca_store_testkit::meta::check(stringify!($check))).await }
//!     )* };
//! }
//! arca_store_testkit::meta_checks!(sqlite_tests);
//! ```
//!
//! The fixtures below (names, digests, manifests) are ASCII and valid by construction; timestamps
//! count up from [`T0`] so every check is deterministic.

mod audit;
mod auth;
mod blobs;
mod catalog;
mod collection;
mod manifests;
mod promotions;
mod properties;
mod repositories;
mod search;
mod sli;
mod trust;
mod unit_of_work;
mod uploads;

use arca_core::meta::{
    FileClaim, FileName, Format, ManifestRecord, MetaStore, Millis, NewManifest, Page, RefKind, RepoKind, Repository,
    TagWrite, UploadSession,
};
use arca_core::{ErrorKind, Result};
use arca_types::{Digest, DigestAlgorithm, OciName, RepoName, Tag};
use futures_util::future::BoxFuture;
use sha2::Digest as _;
use std::future::Future;

/// One check: gets a fresh, empty store and panics with a message naming what broke.
pub type Check = for<'a> fn(&'a dyn MetaStore) -> BoxFuture<'a, ()>;

/// Calls the macro `$callback` with the names of every MetaStore check, comma-separated, so an
/// implementation's integration test can generate one test per check (see the module docs).
#[macro_export]
macro_rules! meta_checks {
    ($callback:ident) => {
        $callback! {
            repository_is_created_once,
            repository_keeps_every_field,
            repositories_are_listed_by_name,
            repository_update_replaces_the_mutable_fields,
            empty_repository_is_deleted,
            repository_with_content_is_not_deleted,
            blob_is_recorded_once,
            blob_link_is_per_package,
            link_into_unknown_repository_fails,
            unlinked_blob_stays_recorded,
            blob_stats_count_each_digest_once,
            manifest_is_found_by_digest_and_tag,
            manifest_put_is_idempotent,
            manifest_without_tag,
            manifest_into_unknown_repository_fails,
            manifest_is_per_package,
            manifest_bytes_are_a_blob,
            mutable_tag_moves,
            immutable_tag_refuses_to_move_and_changes_nothing,
            immutable_tag_accepts_the_same_digest,
            tags_are_listed_in_byte_order,
            tag_list_pages,
            unknown_package_has_no_tag_list,
            deleting_a_tag_keeps_the_manifest,
            deleting_a_manifest_removes_its_tags,
            deleted_manifest_can_be_pushed_again,
            emptied_package_becomes_unknown,
            catalog_is_in_byte_order_across_repositories,
            catalog_pages,
            catalog_lists_each_package_once,
            referrers_are_in_digest_order,
            referrers_are_per_package_and_subject,
            deleted_referrer_disappears,
            upload_round_trips,
            unknown_upload_is_absent,
            upload_advances_by_compare_and_set,
            deleted_upload_is_gone,
            stale_uploads_are_those_untouched_since,
            uploads_are_counted,
            ping_answers,
            audited_writes_append_in_order_and_verify,
            refused_or_empty_writes_append_nothing,
            audit_log_filters_and_pages,
            standalone_entries_chain_with_the_rest,
            user_round_trips,
            deleting_a_user_deletes_their_tokens,
            token_round_trips_and_revokes_once,
            server_secret_keeps_the_first_value,
            properties_are_multi_valued_and_sorted,
            setting_properties_replaces_what_it_names_and_is_audited,
            generic_upload_stages_files_by_name,
            generic_uploads_go_stale_and_are_deleted,
            search_orders_newest_first_and_filters_by_repository_and_format,
            search_globs_match_package_and_version,
            search_by_properties_has_no_duplicates,
            search_by_digest_of_the_manifest_or_a_file,
            search_by_time_range,
            search_pages_with_a_cursor_stable_under_inserts,
            search_with_a_dense_property_filter,
            unit_of_work_leaves_no_trace_when_a_later_write_fails,
            unit_of_work_commits_every_aggregate_at_once,
            unit_of_work_finds_missing_references_in_the_package,
            file_names_are_claimed_once_for_good,
            an_immutable_tag_moves_only_from_the_digest_it_replaces,
            a_package_status_is_kept_on_the_package,
            crate_owners_are_kept_per_crate_and_written_in_a_unit_of_work,
            blobs_are_listed_in_digest_order_by_page,
            references_to_unrecorded_content_are_found,
            closed_uploads_are_remembered_until_forgotten,
            a_unit_of_work_closes_an_upload_with_its_blob,
            only_unreferenced_blobs_untouched_since_the_cutoff_are_collectable,
            taken_blobs_refuse_pushes_until_forgotten,
            bodies_are_kept_with_their_records_and_forgotten_with_them,
            taking_checks_again_and_skips_what_changed,
            taking_is_audited_once_per_transaction,
            a_push_relying_on_a_stored_blob_touches_it_unless_fresh,
            retention_policies_round_trip_and_are_audited,
            retention_items_describe_each_manifest_and_what_is_shared,
            retention_deletes_only_what_is_still_as_planned,
            a_quota_refuses_growth_past_it_and_counts_each_blob_once,
            copying_an_artifact_brings_its_children_referrers_and_blobs,
            promotions_approvals_and_deployments_round_trip,
            trust_roots_are_kept_per_repository_and_audited,
            attachment_verdicts_are_cached_per_set_of_roots,
            components_are_indexed_per_sbom_and_found_by_purl_name_and_license,
            advisories_are_replaced_by_newer_versions_and_findings_keep_their_first_time,
            forgetting_sboms_keeps_only_those_still_attached,
            facts_of_artifacts_deleted_everywhere_are_forgotten,
            sli_points_are_replaced_per_step_read_in_order_and_pruned,
        }
    };
}

macro_rules! checks {
    ($($name:ident),* $(,)?) => {
        /// Every check, by name.
        pub const CHECKS: &[(&str, Check)] = &[$((stringify!($name), |store| Box::pin($name(store)))),*];
    };
}

meta_checks!(checks);

use audit::*;
use auth::*;
use blobs::*;
use catalog::*;
use collection::*;
use manifests::*;
use promotions::*;
use properties::*;
use repositories::*;
use search::*;
use sli::*;
use trust::*;
use unit_of_work::*;
use uploads::*;

/// Runs every check, each on a fresh store from `make`.
pub async fn run_all<S, Fut>(make: impl Fn() -> Fut)
where
    S: MetaStore,
    Fut: Future<Output = S>,
{
    for (name, check) in CHECKS {
        eprintln!("meta store check: {name}");
        let store = make().await;
        check(&store).await;
    }
}

/// The check called `name`; panics if there is none.
pub fn check(name: &str) -> Check {
    CHECKS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, check)| *check)
        .unwrap_or_else(|| panic!("no MetaStore check is called {name}"))
}

async fn ping_answers(store: &dyn MetaStore) {
    store.ping().await.expect("ping of a healthy store");
}

// ---- fixtures ----

/// An audit entry by `tester` at [`T0`].
pub fn audit(action: &str) -> arca_core::audit::NewAuditEntry {
    arca_core::audit::NewAuditEntry {
        time: T0,
        actor: "tester".into(),
        client_addr: Some("192.0.2.1".into()),
        action: action.into(),
        target: "fixture".into(),
        outcome: arca_core::audit::Outcome::Success,
        detail: None,
    }
}

/// The clock of every check: an arbitrary fixed instant, in milliseconds.
pub const T0: Millis = 1_700_000_000_000;

/// A hosted OCI repository with no stage and no mutable tags, created at [`T0`].
pub fn repository(name: &str) -> Repository {
    Repository {
        name: arca_types::RepoName::parse(name).expect("fixture repository name"),
        format: Format::Oci,
        kind: RepoKind::Hosted,
        stage: None,
        mutable_tags: Vec::new(),
        created_at: T0,
        quota_bytes: None,
        promote_from: Vec::new(),
        gates: Vec::new(),
        pull_gates: Vec::new(),
        allow_unpublish: false,
    }
}

/// Creates hosted repositories; panics if one already existed.
pub async fn create_repositories(store: &dyn MetaStore, names: &[&str]) {
    for name in names {
        assert!(
            store.create_repository(&repository(name), &audit("create_repository")).await.expect("create_repository"),
            "{name} was new"
        );
    }
}

pub fn oci_name(s: &str) -> OciName {
    OciName::parse(s).expect("fixture OCI name")
}

pub fn tag(s: &str) -> Tag {
    Tag::parse(s).expect("fixture tag")
}

/// The sha256 digest of `seed`: distinct seeds, distinct digests.
pub fn digest(seed: &str) -> Digest {
    Digest::from_hash(DigestAlgorithm::Sha256, &sha2::Sha256::digest(seed.as_bytes()))
}

/// The sha512 digest of `seed`.
pub fn digest512(seed: &str) -> Digest {
    Digest::from_hash(DigestAlgorithm::Sha512, &sha2::Sha512::digest(seed.as_bytes()))
}

/// An image manifest in package `name` (`repo/package`) whose content is named by `seed`: a config
/// and two layers (one of them twice), created at [`T0`].
pub fn manifest(name: &str, seed: &str) -> NewManifest {
    let config = digest(&format!("{seed}/config"));
    let layer = digest(&format!("{seed}/layer"));
    NewManifest {
        name: oci_name(name),
        record: ManifestRecord {
            digest: digest(seed),
            media_type: "application/vnd.oci.image.manifest.v1+json".to_owned(),
            size: 100 + seed.len() as u64,
            artifact_type: Some("application/vnd.oci.image.config.v1+json".to_owned()),
            subject: None,
            annotations: Some(format!(r#"{{"org.opencontainers.image.title":"{seed}"}}"#)),
            created_at: T0,
        },
        // A layer listed twice and the empty config reused as a layer are both legal.
        references: vec![
            (config.clone(), RefKind::Config),
            (layer.clone(), RefKind::Layer),
            (layer, RefKind::Layer),
            (config, RefKind::Layer),
        ],
    }
}

/// An artifact manifest in `name` whose `subject` is `subject`, of type `artifact_type`.
pub fn referrer(name: &str, seed: &str, subject: &Digest, artifact_type: &str) -> NewManifest {
    let mut m = manifest(name, seed);
    m.record.subject = Some(subject.clone());
    m.record.artifact_type = Some(artifact_type.to_owned());
    m.record.annotations = None;
    m
}

pub fn mutable(t: &str) -> TagWrite {
    TagWrite::new(tag(t), true)
}

pub fn immutable(t: &str) -> TagWrite {
    TagWrite::new(tag(t), false)
}

pub fn page(last: Option<&str>, limit: usize) -> Page {
    Page { last: last.map(str::to_owned), limit }
}

/// Every page: no `last`, no practical limit.
pub fn everything() -> Page {
    page(None, usize::MAX)
}

/// Records a manifest, optionally tagged; panics on failure.
pub async fn put(store: &dyn MetaStore, manifest: &NewManifest, tag: Option<TagWrite>) {
    store.put_manifest(manifest, tag.as_ref(), &audit("put_manifest")).await.unwrap_or_else(|e| {
        panic!("put_manifest {}@{} (tag {:?}): {e}", manifest.name, manifest.record.digest, tag.map(|t| t.tag))
    });
}

/// The tags of a package, which must be known.
pub async fn tags_of(store: &dyn MetaStore, name: &str) -> Vec<String> {
    store
        .list_tags(&oci_name(name), &everything())
        .await
        .expect("list_tags")
        .unwrap_or_else(|| panic!("package {name} is unknown"))
}

/// The whole catalog.
pub async fn catalog(store: &dyn MetaStore) -> Vec<String> {
    store.list_packages(&everything()).await.expect("list_packages")
}

/// The record a tag points at, if any.
pub async fn by_tag(store: &dyn MetaStore, name: &str, t: &str) -> Option<ManifestRecord> {
    store.manifest_by_tag(&oci_name(name), &tag(t)).await.expect("manifest_by_tag")
}

pub async fn by_digest(store: &dyn MetaStore, name: &str, digest: &Digest) -> Option<ManifestRecord> {
    store.manifest_by_digest(&oci_name(name), digest).await.expect("manifest_by_digest")
}

pub fn upload(id: &str, name: &str, at: Millis) -> UploadSession {
    UploadSession {
        id: id.to_owned(),
        name: oci_name(name),
        offset: 0,
        hash_state: vec![0, 1, 2, 255],
        created_at: at,
        updated_at: at,
    }
}

/// Asserts that `result` failed with `kind`; returns the error message.
#[track_caller]
pub fn expect_error<T: std::fmt::Debug>(result: Result<T>, kind: ErrorKind, what: &str) -> String {
    match result {
        Ok(v) => panic!("{what}: succeeded with {v:?}, expected {}", kind.code()),
        Err(e) => {
            assert_eq!(e.kind, kind, "{what}: wrong error kind ({e})");
            e.message
        }
    }
}

/// Strings as owned, for comparisons with listings.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
