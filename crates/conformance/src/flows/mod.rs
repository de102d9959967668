//! The test sequences of upstream `run.go`, built from [`crate::api`] operations, and the
//! checks added beyond upstream ([`extras`]).
//!
//! Every public function taking only the registry (and a variant) is one test of
//! `tests/integration.rs`: it uses fresh repositories, records each named check in a [`Report`] and
//! panics at the end if any failed. Check names follow upstream's result tree
//! (`<group>/<sub-test>/<operation>`).

pub mod basics;
pub mod blobs;
pub mod dataset;
pub mod extras;

use crate::api::{self, Flags};
use crate::check::Report;
use crate::client::Registry;
use crate::digest::Digest;

/// Flags for a push or pull under the run's settings (`RequireDigestHeader` in dev).
pub fn flags(reg: &Registry) -> Flags {
    Flags { require_digest_header: reg.settings.digest_header_required(), ..Flags::default() }
}

/// Upstream `TestPushBlobAny`: pushes a blob for a later check. The blob APIs are all
/// checked by their own tests first, so upstream settles on POST+PUT; so does this.
pub async fn push_blob_any(
    reg: &Registry,
    report: &mut Report,
    path: &str,
    repo: &str,
    dig: &Digest,
    body: &[u8],
) -> bool {
    let result = api::blob_post_put(reg, repo, dig, body, flags(reg)).await;
    report.record(&format!("{path}/blob-post-put {dig}"), result)
}

/// Upstream `TestHeadBlob`.
pub async fn head_blob(reg: &Registry, report: &mut Report, path: &str, repo: &str, dig: &Digest, body: &[u8]) {
    let result = api::blob_head_exists(reg, repo, dig, body.len(), reg.settings.digest_header_required()).await;
    report.record(&format!("{path}/blob-head {dig}"), result);
}

/// Upstream `TestPullBlob`.
pub async fn pull_blob(reg: &Registry, report: &mut Report, path: &str, repo: &str, dig: &Digest, body: &[u8]) {
    let result = api::blob_get_exists_full(reg, repo, dig, body, reg.settings.digest_header_required()).await;
    report.record(&format!("{path}/blob-get {dig}"), result);
}

/// Upstream `TestDeleteBlob`: DELETE (202/404), then HEAD must be 404 at once.
pub async fn delete_blob(reg: &Registry, report: &mut Report, path: &str, repo: &str, dig: &Digest) {
    let name = format!("{path}/blob-delete {dig}");
    let deleted = api::blob_delete(reg, repo, dig).await;
    let ok = deleted.is_ok();
    // upstream skips the atomic check after any failed or unsupported delete
    if !report.record(&name, deleted) || !ok {
        report.skip(&format!("{name} atomic"), "the delete failed");
        return;
    }
    let result = match api::blob_head_req(reg, repo, dig).await {
        Ok(ex) => ex.expect_status(&[404]).map_err(|f| f.context("blob head failed")),
        Err(e) => Err(e),
    };
    report.record(&format!("{name} atomic"), result);
}
