//! Upstream data-set tests: each data set is pushed (blobs, manifests by digest, tags),
//! listed, HEAD'd, pulled, queried for referrers and deleted (`TestPush`, `TestList`,
//! `TestHead`, `TestPull`, `TestReferrers`, `TestDelete`).

use super::{delete_blob, flags, head_blob, pull_blob, push_blob_any};
use crate::Report;
use crate::api::{self, Flags};
use crate::check::{Failure, join};
use crate::client::Registry;
use crate::data::{Descriptor, TestData};
use crate::datasets::DataSet;
use crate::digest::Digest;
use crate::target::unique_repo;

/// Runs the whole sequence for one data set in a fresh repository.
pub async fn run(reg: &Registry, ds: DataSet) {
    let mut report = Report::new(ds.id(), &reg.settings);
    if ds.dev_only() && !reg.settings.tag_param() {
        report.skip(ds.id(), "tag parameters are checked with OCI_VERSION=dev");
        report.finish();
        return;
    }
    let mut td = ds.build();
    let repo = unique_repo(ds.id());
    run_data(reg, &mut report, &mut td, &repo).await;
    report.finish();
}

/// The sequence of upstream `TestAll` for one data set.
pub async fn run_data(reg: &Registry, report: &mut Report, td: &mut TestData, repo: &str) {
    push(reg, report, td, repo).await;
    list(reg, report, td, repo).await;
    head(reg, report, td, repo).await;
    pull(reg, report, td, repo).await;
    referrers(reg, report, td, repo).await;
    delete(reg, report, td, repo).await;
}

fn manifest_flags(reg: &Registry, td: &TestData, dig: &Digest) -> Flags {
    Flags { expect_bad_digest: td.expect_bad_digest.contains(dig), ..flags(reg) }
}

/// Upstream `TestPush`: blobs, then manifests by digest in order (with `?tag=` where the
/// data set says so, expecting `OCI-Tag`), then tags not already pushed.
pub async fn push(reg: &Registry, report: &mut Report, td: &mut TestData, repo: &str) {
    let path = format!("{}/push", td.name);
    for (dig, body) in &td.blobs {
        push_blob_any(reg, report, &path, repo, dig, body).await;
    }
    for dig in td.man_order.clone() {
        let body = &td.manifests[&dig];
        let expect_tags: Vec<String> = if td.tag_param.contains(&dig) {
            td.tags.iter().filter(|(_, d)| **d == dig).map(|(t, _)| t.clone()).collect()
        } else {
            Vec::new()
        };
        let fl = manifest_flags(reg, td, &dig);
        let name = format!("{path}/manifest-by-digest {dig}");
        let result = match api::manifest_put(reg, repo, dig.as_str(), &dig, body, &expect_tags, fl).await {
            Ok(ex) => {
                let mut missing = Vec::new();
                for tag in &expect_tags {
                    let listed = ex.header_values("OCI-Tag").iter().any(|v| v.split(',').any(|t| t.trim() == tag));
                    if listed {
                        td.tag_pushed.insert(tag.clone());
                    } else {
                        missing.push(tag.clone());
                    }
                }
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(Failure::unsupported(format!("header missing OCI-Tag: {missing:?}\n{}", ex.describe())))
                }
            }
            Err(e) => Err(e),
        };
        report.record(&name, result);
    }
    for (tag, dig) in td.tags.clone() {
        if td.tag_pushed.contains(&tag) {
            continue;
        }
        let fl = manifest_flags(reg, td, &dig);
        let result = api::manifest_put(reg, repo, &tag, &dig, &td.manifests[&dig], &[], fl).await;
        if report.record(&format!("{path}/manifest-by-tag {tag}"), result.map(|_| ())) {
            td.tag_pushed.insert(tag);
        }
    }
}

/// Upstream `TestList`: every tag listed; with two or more tags, `?last=` set to the
/// middle one returns exactly the tags after it.
pub async fn list(reg: &Registry, report: &mut Report, td: &TestData, repo: &str) {
    let name = format!("{}/tag-list", td.name);
    let tags = match api::tag_list(reg, repo, &[]).await {
        Ok((tags, _)) => tags,
        Err(e) => {
            report.record(&name, Err(e));
            return;
        }
    };
    let mut problems = Vec::new();
    for tag in td.tags.keys() {
        if !tags.contains(tag) {
            problems.push(format!("missing tag {tag:?} from listing {tags:?}"));
        }
    }
    if tags.len() >= 2 {
        let mut sorted = tags.clone();
        sorted.sort();
        let end = sorted.len() / 2;
        let last = &sorted[end - 1];
        match api::tag_list(reg, repo, &[("last", last)]).await {
            Ok((partial, _)) => {
                for tag in &sorted[..end] {
                    if partial.contains(tag) {
                        problems.push(format!("tag {tag:?} returned when last set to {last:?}"));
                    }
                }
                for tag in &sorted[end..] {
                    if !partial.contains(tag) {
                        problems.push(format!("tag {tag:?} missing when last set to {last:?}"));
                    }
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    let result = if problems.is_empty() { Ok(()) } else { Err(Failure::fail(problems.join("\n"))) };
    report.record(&name, result);
}

/// Upstream `TestHead`: manifests by tag and by digest, then blobs.
pub async fn head(reg: &Registry, report: &mut Report, td: &TestData, repo: &str) {
    let path = format!("{}/head", td.name);
    let require = reg.settings.digest_header_required();
    for (tag, dig) in &td.tags {
        if td.skip_pull.contains(dig) {
            continue;
        }
        let r = api::manifest_head_exists(reg, repo, tag, dig, &td.manifests[dig], require).await;
        report.record(&format!("{path}/manifest-head-by-tag {tag}"), r);
    }
    for dig in &td.man_order {
        if td.skip_pull.contains(dig) {
            continue;
        }
        let r = api::manifest_head_exists(reg, repo, dig.as_str(), dig, &td.manifests[dig], require).await;
        report.record(&format!("{path}/manifest-head-by-digest {dig}"), r);
    }
    for (dig, body) in &td.blobs {
        head_blob(reg, report, &path, repo, dig, body).await;
    }
}

/// Upstream `TestPull`: manifests by tag and by digest, then blobs.
pub async fn pull(reg: &Registry, report: &mut Report, td: &TestData, repo: &str) {
    let path = format!("{}/pull", td.name);
    let require = reg.settings.digest_header_required();
    for (tag, dig) in &td.tags {
        if td.skip_pull.contains(dig) {
            continue;
        }
        let r = api::manifest_get_exists(reg, repo, tag, dig, &td.manifests[dig], require).await;
        report.record(&format!("{path}/manifest-by-tag {tag}"), r);
    }
    for dig in &td.man_order {
        if td.skip_pull.contains(dig) {
            continue;
        }
        let r = api::manifest_get_exists(reg, repo, dig.as_str(), dig, &td.manifests[dig], require).await;
        report.record(&format!("{path}/manifest-by-digest {dig}"), r);
    }
    for (dig, body) in &td.blobs {
        pull_blob(reg, report, &path, repo, dig, body).await;
    }
}

fn same_referrer(got: &Descriptor, goal: &Descriptor) -> bool {
    got.digest == goal.digest
        && got.media_type == goal.media_type
        && got.size == goal.size
        && got.artifact_type == goal.artifact_type
        && goal.annotations.iter().all(|(k, v)| got.annotations.get(k) == Some(v))
}

/// Upstream `TestReferrers`: each subject lists every referrer (digest, media type, size,
/// artifact type, annotations pulled up); filtering by each artifact type sets
/// `OCI-Filters-Applied: artifactType` and returns only matching referrers.
pub async fn referrers(reg: &Registry, report: &mut Report, td: &TestData, repo: &str) {
    let path = format!("{}/referrers", td.name);
    for (subject, goals) in &td.referrers {
        let mut results = Vec::new();
        match api::referrers_list(reg, repo, subject, None).await {
            Ok(list) => {
                for goal in goals {
                    if !list.manifests.iter().any(|d| same_referrer(d, goal)) {
                        results.push(list.exchange.failure(&format!(
                            "entry missing from referrers list, subject {subject}, referrer {goal:?}"
                        )));
                    }
                }
            }
            Err(e) => results.push(Err(e)),
        }
        let mut types: Vec<&str> = goals.iter().map(|g| g.artifact_type.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        for at in types {
            let list = match api::referrers_list(reg, repo, subject, Some(at)).await {
                Ok(list) => list,
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
            };
            let applied = list
                .exchange
                .header("OCI-Filters-Applied")
                .is_some_and(|h| h.split(',').any(|f| f.trim() == "artifactType"));
            if !applied {
                results.push(Err(Failure::unsupported(format!(
                    "registry does not set the expected OCI-Filters-Applied header for the artifactType\n{}",
                    list.exchange.describe()
                ))));
            }
            for goal in goals {
                if (!applied || goal.artifact_type == at) && !list.manifests.iter().any(|d| same_referrer(d, goal)) {
                    results.push(list.exchange.failure(&format!(
                        "entry missing from referrers list filtered by {at:?}, subject {subject}, referrer {goal:?}"
                    )));
                }
            }
            if applied {
                for d in &list.manifests {
                    if d.artifact_type != at {
                        results.push(
                            list.exchange
                                .failure(&format!("referrers filter for artifactType {at} included descriptor {d:?}")),
                        );
                    }
                }
            }
        }
        report.record(&format!("{path} {subject}"), join(results));
    }
}

/// Upstream `TestDelete`: pushed tags (then HEAD by tag is 404), manifests in reverse push
/// order (then HEAD by digest is 404), then blobs (then HEAD is 404).
pub async fn delete(reg: &Registry, report: &mut Report, td: &TestData, repo: &str) {
    let path = format!("{}/delete", td.name);
    for tag in td.tags.keys() {
        if td.tag_pushed.contains(tag) {
            delete_manifest(reg, report, &format!("{path}/tag-delete {tag}"), repo, tag).await;
        }
    }
    for dig in td.man_order.iter().rev() {
        delete_manifest(reg, report, &format!("{path}/manifest-delete {dig}"), repo, dig.as_str()).await;
    }
    for dig in td.blobs.keys() {
        delete_blob(reg, report, &path, repo, dig).await;
    }
}

async fn delete_manifest(reg: &Registry, report: &mut Report, name: &str, repo: &str, reference: &str) {
    let deleted = api::manifest_delete(reg, repo, reference).await;
    let ok = deleted.is_ok();
    // upstream skips the atomic check after any failed or unsupported delete
    if !report.record(name, deleted) || !ok {
        report.skip(&format!("{name} atomic"), "the delete failed");
        return;
    }
    let r = match api::manifest_head_req(reg, repo, reference).await {
        Ok(ex) => ex.expect_status(&[404]).map_err(|f| f.context("manifest head failed")),
        Err(e) => Err(e),
    };
    report.record(&format!("{name} atomic"), r);
}
