//! Upstream `TestBlobAPIs` (run for sha256 and sha512): every push API, mounts, cancel,
//! missing blob, range requests, well-known contents and bad digests.

use super::{delete_blob, flags, head_blob, pull_blob, push_blob_any};
use crate::Report;
use crate::api::{self, CHUNK_MIN, Flags};
use crate::check::{CheckResult, Failure, FailureKind, join};
use crate::client::Registry;
use crate::digest::Algorithm;
use crate::encode::random_bytes;
use crate::target::unique_repo;
use reqwest::Method;

/// The blob push sub-tests of upstream `TestBlobAPIs`, by upstream name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobApi {
    PostOnly,
    PostPut,
    ChunkedSingle,
    Stream,
    Mount,
    MountAnonymous,
    MountMissing,
    PostCancel,
    ChunkedMulti,
    ChunkedMultiAndPutChunk,
    ChunkedOutOfOrder,
    ChunkedOutOfOrderAndPutChunk,
}

impl BlobApi {
    pub fn name(self) -> &'static str {
        match self {
            BlobApi::PostOnly => "post only",
            BlobApi::PostPut => "post+put",
            BlobApi::ChunkedSingle => "chunked single",
            BlobApi::Stream => "stream",
            BlobApi::Mount => "mount",
            BlobApi::MountAnonymous => "mount anonymous",
            BlobApi::MountMissing => "mount missing",
            BlobApi::PostCancel => "post cancel",
            BlobApi::ChunkedMulti => "chunked multi",
            BlobApi::ChunkedMultiAndPutChunk => "chunked multi and put chunk",
            BlobApi::ChunkedOutOfOrder => "chunked out-of-order",
            BlobApi::ChunkedOutOfOrderAndPutChunk => "chunked out-of-order and put chunk",
        }
    }

    fn multi_chunk(self) -> bool {
        matches!(
            self,
            BlobApi::ChunkedMulti
                | BlobApi::ChunkedMultiAndPutChunk
                | BlobApi::ChunkedOutOfOrder
                | BlobApi::ChunkedOutOfOrderAndPutChunk
        )
    }
}

/// The bad-digest sub-tests of upstream `TestBlobAPIs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadDigest {
    PostOnly,
    PostPut,
    Chunked,
    ChunkedAndPutChunk,
    Stream,
}

impl BadDigest {
    pub fn name(self) -> &'static str {
        match self {
            BadDigest::PostOnly => "bad digest post only",
            BadDigest::PostPut => "bad digest post+put",
            BadDigest::Chunked => "bad digest chunked",
            BadDigest::ChunkedAndPutChunk => "bad digest chunked and put chunk",
            BadDigest::Stream => "bad digest stream",
        }
    }
}

/// Upstream's `minChunkSize`: the larger of `chunkMin` and the registry's
/// `OCI-Chunk-Min-Length`. Upstream reads the header during "chunked single"; a test of
/// its own reads it from a probe session, which it then cancels.
pub async fn min_chunk_size(reg: &Registry, repo: &str) -> usize {
    let url = reg.url(&format!("/v2/{repo}/blobs/uploads/"));
    let Ok(ex) = reg.request(Method::POST, url).body(&[]).send().await else {
        return CHUNK_MIN;
    };
    let min = ex.header("OCI-Chunk-Min-Length").and_then(|m| m.trim().parse::<usize>().ok());
    if let Some(u) = ex.header("Location").and_then(|loc| reg.resolve(&ex.url, loc).ok()) {
        let _ = reg.request(Method::DELETE, u).send().await;
    }
    min.unwrap_or(0).max(CHUNK_MIN)
}

fn group(algo: Algorithm) -> String {
    format!("{} blobs", algo.name())
}

/// One push sub-test: push with the API, then HEAD and GET the blob (except after a
/// cancel), then delete it (from both repositories after a mount).
pub async fn push_api(reg: &Registry, algo: Algorithm, which: BlobApi) {
    let path = format!("{}/{}", group(algo), which.name());
    let mut report = Report::new(&path, &reg.settings);
    let repo = unique_repo(&format!("blobs-{}", which.name()));
    let repo2 = format!("{repo}-2");
    let size = if which.multi_chunk() { min_chunk_size(reg, &repo).await * 3 - 5 } else { 512 };
    let body = random_bytes(size);
    let dig = algo.digest(&body);
    let mut fl = flags(reg);
    let result: CheckResult = match which {
        BlobApi::PostOnly => {
            let r = api::blob_post_only(reg, &repo, &dig, &body, fl).await;
            rec(&mut report, &path, "blob-post-only", r)
        }
        BlobApi::PostPut => {
            let r = api::blob_post_put(reg, &repo, &dig, &body, fl).await;
            rec(&mut report, &path, "blob-post-put", r)
        }
        BlobApi::ChunkedSingle | BlobApi::ChunkedMulti => {
            let r = api::blob_patch_chunked(reg, &repo, &dig, &body, fl).await;
            rec(&mut report, &path, "blob-patch-chunked", r)
        }
        BlobApi::ChunkedMultiAndPutChunk => {
            fl.put_last_chunk = true;
            let r = api::blob_patch_chunked(reg, &repo, &dig, &body, fl).await;
            rec(&mut report, &path, "blob-patch-chunked", r)
        }
        BlobApi::ChunkedOutOfOrder => {
            fl.out_of_order = true;
            let r = api::blob_patch_chunked(reg, &repo, &dig, &body, fl).await;
            rec(&mut report, &path, "blob-patch-chunked", r)
        }
        BlobApi::ChunkedOutOfOrderAndPutChunk => {
            fl.out_of_order = true;
            fl.put_last_chunk = true;
            let r = api::blob_patch_chunked(reg, &repo, &dig, &body, fl).await;
            rec(&mut report, &path, "blob-patch-chunked", r)
        }
        BlobApi::Stream => {
            let r = api::blob_patch_stream(reg, &repo, &dig, &body, fl).await;
            rec(&mut report, &path, "blob-patch-stream", r)
        }
        BlobApi::PostCancel => {
            if reg.settings.upload_cancel() {
                let r = api::blob_post_cancel(reg, &repo).await;
                rec(&mut report, &path, "blob-post-cancel", r)
            } else {
                report.skip(&format!("{path}/blob-post-cancel"), "upload cancel is checked with OCI_VERSION=dev");
                Err(Failure::fail("disabled"))
            }
        }
        BlobApi::Mount | BlobApi::MountAnonymous => {
            if !push_blob_any(reg, &mut report, &path, &repo2, &dig, &body).await {
                Err(Failure::fail("setup push failed"))
            } else if which == BlobApi::Mount {
                let r = api::blob_mount(reg, &repo, Some(&repo2), &dig, &body, fl).await;
                rec(&mut report, &path, "blob-mount", r)
            } else {
                let r = api::blob_mount(reg, &repo, None, &dig, &body, fl).await;
                rec(&mut report, &path, "blob-mount-anonymous", r)
            }
        }
        BlobApi::MountMissing => {
            // the blob is in neither repository: the registry must open a normal upload
            // session (202), which the client then completes with a PUT
            let r = match api::blob_mount(reg, &repo, Some(&repo2), &dig, &body, fl).await {
                Err(f) if f.kind == FailureKind::Unsupported => Ok(()),
                Ok(()) => Err(Failure::fail("blob mount of missing blob incorrectly succeeded (201)")),
                Err(f) => Err(f),
            };
            rec(&mut report, &path, "blob-mount", r)
        }
    };
    if result.is_ok() && which != BlobApi::PostCancel {
        head_blob(reg, &mut report, &path, &repo, &dig, &body).await;
        pull_blob(reg, &mut report, &path, &repo, &dig, &body).await;
    }
    delete_blob(reg, &mut report, &path, &repo, &dig).await;
    if matches!(which, BlobApi::Mount | BlobApi::MountAnonymous) {
        delete_blob(reg, &mut report, &path, &repo2, &dig).await;
    }
    report.finish();
}

fn rec(report: &mut crate::Report, path: &str, op: &str, r: CheckResult) -> CheckResult {
    if report.record(&format!("{path}/{op}"), r) { Ok(()) } else { Err(Failure::fail("failed")) }
}

/// Upstream "get-missing": GET of a blob never pushed is 404.
pub async fn get_missing(reg: &Registry, algo: Algorithm) {
    let path = format!("{}/get-missing", group(algo));
    let mut report = Report::new(&path, &reg.settings);
    let repo = unique_repo("blobs-get-missing");
    let dig = algo.digest(&random_bytes(512));
    let r = match api::blob_get_req(reg, &repo, &dig, &[]).await {
        Ok(ex) => ex.expect_status(&[404]),
        Err(e) => Err(e),
    };
    report.record(&format!("{path}/blob-get"), r);
    report.finish();
}

/// Upstream "range requests": a 2048-byte blob read with six `Range` headers. A 200 with
/// the full blob is upstream's "range request unsupported".
pub async fn range_requests(reg: &Registry, algo: Algorithm) {
    let path = format!("{}/range requests", group(algo));
    let mut report = Report::new(&path, &reg.settings);
    let repo = unique_repo("blobs-range");
    let len = 2048usize;
    let body = random_bytes(len);
    let dig = algo.digest(&body);
    if !push_blob_any(reg, &mut report, &path, &repo, &dig, &body).await {
        report.finish();
        return;
    }
    // (name, Range header, expected first and last byte, or None for 416)
    type Case = (&'static str, &'static str, Option<(usize, usize)>);
    let cases: [Case; 6] = [
        ("range 500-1499", "bytes=500-1499", Some((500, 1499))),
        ("range 500-", "bytes=500-", Some((500, len - 1))),
        ("range -500", "bytes=-500", Some((len - 500, len - 1))),
        ("range 2000-5000", "bytes=2000-5000", Some((2000, len - 1))),
        ("range 500-0", "bytes=500-0", None),
        ("range 5000-10000", "bytes=5000-10000", None),
    ];
    for (name, range, want) in cases {
        let r = match api::blob_get_req(reg, &repo, &dig, &[("Range", range)]).await {
            Ok(ex) => {
                let expected = match want {
                    Some((a, b)) => join(vec![
                        ex.expect_status(&[206]),
                        ex.expect_body(&body[a..=b]),
                        ex.expect_header("Content-Length", &(b - a + 1).to_string()),
                        ex.expect_header("Content-Range", &format!("bytes {a}-{b}/{len}"))
                            .or_else(|_| ex.expect_header("Content-Range", &format!("bytes {a}-{b}/*"))),
                    ]),
                    None => ex.expect_status(&[416]),
                };
                let full_blob = ex.status.as_u16() == 200
                    && ex.body.as_ref() == body.as_slice()
                    && ex.header("Content-Length") == Some(&len.to_string());
                match expected {
                    Err(_) if full_blob => Err(Failure::unsupported(format!(
                        "range request unsupported, full blob returned\n{}",
                        ex.describe()
                    ))),
                    other => other,
                }
            }
            Err(e) => Err(e),
        };
        report.record(&format!("{path}/{name}"), r);
    }
    delete_blob(reg, &mut report, &path, &repo, &dig).await;
    report.finish();
}

/// Upstream "empty" and "emptyJSON": push, HEAD, GET and delete a well-known blob.
pub async fn well_known(reg: &Registry, algo: Algorithm, name: &str, contents: &[u8]) {
    let path = format!("{}/{name}", group(algo));
    let mut report = Report::new(&path, &reg.settings);
    let repo = unique_repo(&format!("blobs-{name}"));
    let dig = algo.digest(contents);
    push_blob_any(reg, &mut report, &path, &repo, &dig, contents).await;
    head_blob(reg, &mut report, &path, &repo, &dig, contents).await;
    pull_blob(reg, &mut report, &path, &repo, &dig, contents).await;
    delete_blob(reg, &mut report, &path, &repo, &dig).await;
    report.finish();
}

/// Upstream bad-digest sub-tests: `minChunkSize*3-5` random bytes plus "oh no" sent under
/// the digest of the random bytes; the closing request must be 400.
pub async fn bad_digest(reg: &Registry, algo: Algorithm, which: BadDigest) {
    let path = format!("{}/{}", group(algo), which.name());
    let mut report = Report::new(&path, &reg.settings);
    let repo = unique_repo("blobs-bad-digest");
    let good = random_bytes(min_chunk_size(reg, &repo).await * 3 - 5);
    let dig = algo.digest(&good);
    let mut body = good;
    body.extend_from_slice(b"oh no");
    let fl = Flags { expect_bad_digest: true, ..flags(reg) };
    // upstream runs "chunked and put chunk" with the same options as "chunked"
    let (op, r) = match which {
        BadDigest::PostOnly => ("blob-post-only", api::blob_post_only(reg, &repo, &dig, &body, fl).await),
        BadDigest::PostPut => ("blob-post-put", api::blob_post_put(reg, &repo, &dig, &body, fl).await),
        BadDigest::Chunked | BadDigest::ChunkedAndPutChunk => {
            ("blob-patch-chunked", api::blob_patch_chunked(reg, &repo, &dig, &body, fl).await)
        }
        BadDigest::Stream => ("blob-patch-stream", api::blob_patch_stream(reg, &repo, &dig, &body, fl).await),
    };
    report.record(&format!("{path}/{op}"), r);
    report.finish();
}
