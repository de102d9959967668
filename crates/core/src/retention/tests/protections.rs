//! Protections override the rules, one per test; and what a plan frees.

use super::{decision, manifest, run, run_with, with_action};
use crate::retention::{Action, Item};
use arca_types::VersionScheme;

/// Deletes everything the rules see.
const DELETE_ALL: &str = "[[rule]]\ndelete_after = \"0s\"\n";

fn referrer(digest: &str, days: i64, subject: &str) -> Item {
    let mut m = manifest("app", digest, days, &[]);
    m.subject = Some(subject.to_owned());
    m
}

fn index(digest: &str, days: i64, tags: &[&str], children: &[&str]) -> Item {
    let mut m = manifest("app", digest, days, tags);
    m.children = children.iter().map(|c| (*c).to_owned()).collect();
    m
}

#[test]
fn a_protected_manifest_keeps_every_tag() {
    let mut deployed = manifest("app", "sha256:d", 90, &["v1", "prod"]);
    deployed.protected = Some("recorded as deployed to prod".into());
    let plan = run(DELETE_ALL, &[deployed]);
    assert_eq!(decision(&plan, "sha256:d", Some("v1")), (Action::Keep, "protected: recorded as deployed to prod"));
    assert_eq!(decision(&plan, "sha256:d", Some("prod")).0, Action::Keep);
    assert!(plan.manifests_to_delete().is_empty() && plan.tags_to_delete().is_empty());
}

#[test]
fn a_child_of_a_kept_index_is_kept() {
    let items = [
        index("sha256:idx", 1, &["v1"], &["sha256:amd64", "sha256:arm64"]),
        manifest("app", "sha256:amd64", 90, &[]),
        manifest("app", "sha256:arm64", 90, &["v1-arm64"]),
    ];
    let plan = run("[[rule]]\nselect = { version = \"v1\" }\nkeep = true\n[[rule]]\ndelete_after = \"1d\"\n", &items);
    assert_eq!(decision(&plan, "sha256:amd64", None), (Action::Keep, "child of kept index sha256:idx"));
    // A tagged child keeps its tag too: a protection keeps the whole manifest.
    assert_eq!(decision(&plan, "sha256:arm64", Some("v1-arm64")), (Action::Keep, "child of kept index sha256:idx"));
}

#[test]
fn a_referrer_of_a_kept_subject_is_kept_transitively() {
    // An attestation of the image, and a signature of the attestation.
    let items = [
        manifest("app", "sha256:img", 90, &["v1"]),
        referrer("sha256:att", 90, "sha256:img"),
        referrer("sha256:sig", 90, "sha256:att"),
    ];
    let plan = run("[[rule]]\nselect = { untagged = true }\ndelete_after = \"1d\"\n", &items);
    assert_eq!(decision(&plan, "sha256:att", None), (Action::Keep, "refers to kept sha256:img"));
    assert_eq!(decision(&plan, "sha256:sig", None), (Action::Keep, "refers to kept sha256:att"));
}

#[test]
fn an_untagged_referrer_of_a_deleted_subject_is_deleted() {
    let items = [manifest("app", "sha256:img", 90, &["v1"]), referrer("sha256:sig", 1, "sha256:img")];
    // Rule 2 alone would keep the day-old signature.
    let plan = run("[[rule]]\nselect = { version = \"v*\" }\ndelete_after = \"30d\"\n[[rule]]\nkeep = true\n", &items);
    assert_eq!(decision(&plan, "sha256:sig", None), (Action::Delete, "its subject sha256:img is deleted"));
}

#[test]
fn a_referrer_with_a_kept_tag_stays_when_its_subject_is_deleted() {
    let mut sbom = manifest("app", "sha256:sbom", 1, &["sbom-v1"]);
    sbom.subject = Some("sha256:img".into());
    let items = [manifest("app", "sha256:img", 90, &["v1"]), sbom];
    let plan = run("[[rule]]\nselect = { version = \"v*\" }\ndelete_after = \"30d\"\n", &items);
    assert_eq!(decision(&plan, "sha256:img", Some("v1")).0, Action::Delete);
    assert_eq!(decision(&plan, "sha256:sbom", Some("sbom-v1")), (Action::Keep, "no rule selects it"));
}

#[test]
fn a_referrer_whose_subject_is_not_given_keeps_its_own_decision() {
    let plan = run("[[rule]]\ndelete_after = \"7d\"\n", &[referrer("sha256:sig", 1, "sha256:elsewhere")]);
    assert_eq!(decision(&plan, "sha256:sig", None), (Action::Keep, "pushed 24 hours ago, younger than rule 1's 7d"));
}

#[test]
fn an_untagged_child_of_a_deleted_index_is_deleted() {
    let items = [index("sha256:idx", 90, &["v1"], &["sha256:amd64"]), manifest("app", "sha256:amd64", 1, &[])];
    // Rule 2 alone would keep the child.
    let plan = run("[[rule]]\nselect = { version = \"v*\" }\ndelete_after = \"30d\"\n[[rule]]\nkeep = true\n", &items);
    assert_eq!(decision(&plan, "sha256:amd64", None), (Action::Delete, "child of deleted index sha256:idx"));
}

#[test]
fn a_child_of_a_kept_and_a_deleted_index_is_kept() {
    let items = [
        index("sha256:old", 90, &["old"], &["sha256:shared"]),
        index("sha256:new", 1, &["new"], &["sha256:shared"]),
        manifest("app", "sha256:shared", 90, &[]),
    ];
    let plan = run("[[rule]]\ndelete_after = \"30d\"\n", &items);
    assert_eq!(decision(&plan, "sha256:old", Some("old")).0, Action::Delete);
    assert_eq!(decision(&plan, "sha256:shared", None), (Action::Keep, "child of kept index sha256:new"));
}

#[test]
fn a_tagged_child_of_a_deleted_index_keeps_its_own_decision() {
    let items = [index("sha256:idx", 90, &["v1"], &["sha256:amd64"]), manifest("app", "sha256:amd64", 1, &["amd"])];
    let plan = run("[[rule]]\ndelete_after = \"30d\"\n", &items);
    assert_eq!(
        decision(&plan, "sha256:amd64", Some("amd")),
        (Action::Keep, "pushed 24 hours ago, younger than rule 1's 30d")
    );
}

#[test]
fn a_cycle_of_referrers_keeps_its_own_decisions() {
    // Content addressing cannot make this, but the input can: nothing outside decides them.
    let items = [referrer("sha256:a", 1, "sha256:b"), referrer("sha256:b", 90, "sha256:a")];
    let plan = run("[[rule]]\ndelete_after = \"30d\"\n", &items);
    assert_eq!(decision(&plan, "sha256:a", None).0, Action::Keep);
    assert_eq!(decision(&plan, "sha256:b", None), (Action::Keep, "refers to kept sha256:a"));
}

#[test]
fn a_blob_is_freed_once_when_every_manifest_storing_it_is_deleted() {
    let mut a = manifest("app", "sha256:a", 90, &["a"]);
    let mut b = manifest("app", "sha256:b", 80, &["b"]);
    a.blobs.push(("sha256:layer".into(), 1000));
    b.blobs.extend([("sha256:layer".into(), 1000), ("sha256:layer".into(), 1000)]);
    let plan = run(DELETE_ALL, &[a, b]);
    // `b` is first in plan order (newer tag first under SemVer's byte order: `b` > `a`).
    assert_eq!(plan.items.iter().map(|i| i.bytes).collect::<Vec<_>>(), [1100, 100]);
    assert_eq!(plan.bytes_freed, 1200);
}

#[test]
fn a_blob_a_kept_manifest_stores_is_not_freed() {
    let mut old = manifest("app", "sha256:old", 90, &["old"]);
    let mut new = manifest("app", "sha256:new", 1, &["new"]);
    old.blobs.push(("sha256:layer".into(), 1000));
    new.blobs.push(("sha256:layer".into(), 1000));
    let plan = run("[[rule]]\ndelete_after = \"30d\"\n", &[old, new]);
    assert_eq!(plan.bytes_freed, 100);
}

#[test]
fn a_shared_blob_is_never_freed() {
    let mut m = manifest("app", "sha256:m", 90, &["v1"]);
    m.blobs.push(("sha256:base".into(), 1000));
    let plan = run_with(DELETE_ALL, &[m], VersionScheme::SemVer, &["sha256:base"]);
    assert_eq!(with_action(&plan, Action::Delete), ["v1"]);
    assert_eq!(plan.bytes_freed, 100);
}
