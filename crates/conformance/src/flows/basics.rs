//! Upstream `TestPing`, `TestEmpty` and `TestManifestErrors`.

use super::{dataset, push_blob_any};
use crate::Report;
use crate::api::{self, Flags};
use crate::client::Registry;
use crate::data::{Gen, TestData};
use crate::digest::{Algorithm, Digest};
use crate::encode::{random_bytes, random_text};
use crate::target::unique_repo;

/// Upstream "ping": `GET /v2/` answers (upstream accepts any status).
pub async fn ping(reg: &Registry) {
    let mut report = Report::new("ping", &reg.settings);
    report.record("ping", api::ping(reg).await.map(|_| ()));
    report.finish();
}

/// Upstream "empty/tag list": the tag list of a repository never pushed is 200 or 404.
pub async fn empty_tag_list(reg: &Registry) {
    let mut report = Report::new("empty/tag list", &reg.settings);
    let repo = unique_repo("empty");
    report.record("empty/tag list", api::tag_list(reg, &repo, &[]).await.map(|_| ()));
    report.finish();
}

/// Upstream "empty/referrers": referrers of an unknown digest are an empty OCI index
/// (200, not 404).
pub async fn empty_referrers(reg: &Registry) {
    let mut report = Report::new("empty/referrers", &reg.settings);
    let repo = unique_repo("empty");
    let subject = Algorithm::Sha256.digest(random_text().as_bytes());
    let r = api::referrers_list(reg, &repo, &subject, None).await.and_then(|list| {
        if list.manifests.is_empty() {
            Ok(())
        } else {
            list.exchange.failure("referrers of an unknown digest are not empty")
        }
    });
    report.record("empty/referrers", r);
    report.finish();
}

/// Upstream "missing-manifest/by-digest": GET of an unknown manifest digest is 404.
pub async fn missing_manifest_by_digest(reg: &Registry) {
    let mut report = Report::new("missing-manifest/by-digest", &reg.settings);
    let repo = unique_repo("missing-manifest");
    let dig = Algorithm::Sha256.digest(&random_bytes(1024));
    let r = api::manifest_get_req(reg, &repo, dig.as_str()).await.and_then(|ex| ex.expect_status(&[404]));
    report.record("missing-manifest/by-digest", r);
    report.finish();
}

/// Upstream "missing-manifest/by-tag": GET of an unknown tag is 404.
pub async fn missing_manifest_by_tag(reg: &Registry) {
    let mut report = Report::new("missing-manifest/by-tag", &reg.settings);
    let repo = unique_repo("missing-manifest");
    let tag = format!("missing-{}", &random_text().to_lowercase()[..20]);
    let r = api::manifest_get_req(reg, &repo, &tag).await.and_then(|ex| ex.expect_status(&[404]));
    report.record("missing-manifest/by-tag", r);
    report.finish();
}

/// Upstream "invalid-digest-format": with the blobs of a one-layer image pushed, PUT of
/// the manifest to `sha256:baddigeststring` is 400 and GET of it is 404 or 400; then the
/// data set is cleaned up like any other.
pub async fn invalid_digest_format(reg: &Registry) {
    let path = "invalid-digest-format";
    let mut report = Report::new(path, &reg.settings);
    let repo = unique_repo(path);
    let mut td = TestData::new("invalid-manifest-digest");
    let dig = td.gen_manifest_full(&Gen::new().layer_count(1));
    for (blob, body) in &td.blobs {
        push_blob_any(reg, &mut report, path, &repo, blob, body).await;
    }
    let bad = "sha256:baddigeststring";
    let fl = Flags { expect_bad_digest: true, ..Flags::default() };
    let r = api::manifest_put(reg, &repo, bad, &dig, &td.manifests[&dig], &[], fl).await;
    report.record(&format!("{path}/manifest-put"), r.map(|_| ()));
    let r = api::manifest_get_req(reg, &repo, bad).await.and_then(|ex| ex.expect_status(&[404, 400]));
    report.record(&format!("{path}/manifest-get"), r);
    dataset::delete(reg, &mut report, &td, &repo).await;
    report.finish();
}

/// An unknown digest for error checks.
pub fn unknown_digest() -> Digest {
    Algorithm::Sha256.digest(&random_bytes(64))
}
