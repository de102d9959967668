//! Checks beyond the upstream suite, for behaviour the OCI spec (or arca's issue) asks for
//! that upstream does not exercise: tag and catalog paging with `n` and `Link`, lexical
//! tag order, the spec's error codes in OCI error JSON, upload status, a session opened
//! with `?digest-algorithm=sha512`, the API version header, `Docker-Content-Digest` on
//! manifest PUT.

use super::push_blob_any;
use crate::Report;
use crate::api::{self, Flags, with_query};
use crate::check::{CheckResult, Failure, join};
use crate::client::{Exchange, Registry};
use crate::data::{Gen, MT_OCI_IMAGE, MT_OCTET_STREAM, TestData};
use crate::digest::{Algorithm, Digest};
use crate::encode::{random_bytes, random_suffix};
use crate::target::unique_repo;
use reqwest::{Method, Url};

/// The error codes of the distribution spec.
pub const SPEC_ERROR_CODES: [&str; 14] = [
    "BLOB_UNKNOWN",
    "BLOB_UPLOAD_INVALID",
    "BLOB_UPLOAD_UNKNOWN",
    "DIGEST_INVALID",
    "MANIFEST_BLOB_UNKNOWN",
    "MANIFEST_INVALID",
    "MANIFEST_UNKNOWN",
    "NAME_INVALID",
    "NAME_UNKNOWN",
    "SIZE_INVALID",
    "UNAUTHORIZED",
    "DENIED",
    "UNSUPPORTED",
    "TOOMANYREQUESTS",
];

/// The status is one of `status`, and the body is `{"errors":[{"code","message"}…]}` with
/// spec codes, the first being one of `codes` (any spec code when `codes` is empty).
pub fn expect_error(ex: &Exchange, status: &[u16], codes: &[&str]) -> CheckResult {
    ex.expect_status(status)?;
    let v = ex.json()?;
    let Some(errors) = v.get("errors").and_then(|e| e.as_array()).filter(|e| !e.is_empty()) else {
        return ex.failure("error body has no non-empty \"errors\" array");
    };
    for e in errors {
        let code = e.get("code").and_then(|c| c.as_str()).unwrap_or_default();
        if !SPEC_ERROR_CODES.contains(&code) {
            return ex.failure(&format!("error code {code:?} is not one of the spec's codes"));
        }
        if e.get("message").is_some_and(|m| !m.is_string()) {
            return ex.failure("error \"message\" is not a string");
        }
    }
    let first = errors[0].get("code").and_then(|c| c.as_str()).unwrap_or_default();
    if !codes.is_empty() && !codes.contains(&first) {
        return ex.failure(&format!("error code {first:?}, expected one of {codes:?}"));
    }
    Ok(())
}

/// Pushes a one-layer image and returns its digest and manifest.
async fn push_image(reg: &Registry, report: &mut Report, path: &str, repo: &str) -> Option<(Digest, Vec<u8>)> {
    let mut td = TestData::new(path);
    let dig = td.gen_manifest_full(&Gen::new().layer_count(1));
    for (blob, body) in &td.blobs {
        if !push_blob_any(reg, report, path, repo, blob, body).await {
            return None;
        }
    }
    let body = td.manifests.remove(&dig)?;
    let r = api::manifest_put(reg, repo, dig.as_str(), &dig, &body, &[], Flags::default()).await;
    report.record(&format!("{path}/manifest-by-digest"), r.map(|_| ())).then_some((dig, body))
}

/// The target of a `Link: <url>; rel="next"` header, resolved against the request.
fn next_link(reg: &Registry, ex: &Exchange) -> CheckResult<Option<Url>> {
    let Some(link) = ex.header("Link") else { return Ok(None) };
    if !link.contains("rel=\"next\"") {
        return ex.failure("Link header without rel=\"next\"");
    }
    let (Some(start), Some(end)) = (link.find('<'), link.find('>')) else {
        return ex.failure("Link header is not <url>; rel=\"next\"");
    };
    reg.resolve(&ex.url, &link[start + 1..end]).map(Some)
}

fn string_list(ex: &Exchange, key: &str) -> CheckResult<Vec<String>> {
    let v = ex.json()?;
    Ok(v.get(key)
        .and_then(|t| t.as_array())
        .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
        .unwrap_or_default())
}

/// Follows `Link` from `first` until `want` entries are read; every page has at most `n`
/// entries, and every page before that has a `Link: <…>; rel="next"`.
async fn follow_pages(reg: &Registry, first: Url, key: &str, n: usize, want: usize) -> CheckResult<Vec<String>> {
    let mut all = Vec::new();
    let mut u = first;
    for _ in 0..20 {
        let ex = reg.request(Method::GET, u).send().await?;
        ex.expect_status(&[200])?;
        let page = string_list(&ex, key)?;
        if page.len() > n {
            return ex.failure(&format!("page of {} entries for n={n}", page.len()));
        }
        all.extend(page);
        if all.len() >= want {
            return Ok(all);
        }
        match next_link(reg, &ex)? {
            Some(next) => u = next,
            None => return ex.failure(&format!("no Link rel=\"next\" after {} of {want} entries", all.len())),
        }
    }
    Err(Failure::fail("more than 20 pages"))
}

/// Tag listing: lexical order, `n` limits a page and sets `Link: <…>; rel="next"`, the
/// link leads through every tag, `n` with `last` starts after `last`.
pub async fn tag_paging(reg: &Registry) {
    let path = "extra/tag-list-paging";
    let mut report = Report::new(path, &reg.settings);
    let repo = unique_repo("tag-paging");
    let Some((dig, body)) = push_image(reg, &mut report, path, &repo).await else {
        report.finish();
        return;
    };
    let tags: Vec<String> = ["tag-3", "tag-0", "tag-4", "tag-1", "tag-2"].map(String::from).to_vec();
    for tag in &tags {
        let r = api::manifest_put(reg, &repo, tag, &dig, &body, &[], Flags::default()).await;
        report.record(&format!("{path}/manifest-by-tag {tag}"), r.map(|_| ()));
    }
    let mut sorted = tags.clone();
    sorted.sort();
    let r = api::tag_list(reg, &repo, &[]).await.and_then(|(got, ex)| {
        if got == sorted { Ok(()) } else { ex.failure(&format!("tags not in lexical order: {got:?}")) }
    });
    report.record(&format!("{path}/sorted"), r);
    let first = with_query(&reg.url(&format!("/v2/{repo}/tags/list")), "n", "2");
    let r = async {
        let ex = reg.request(Method::GET, first.clone()).send().await?;
        let page = string_list(&ex, "tags")?;
        join(vec![
            ex.expect_status(&[200]),
            if page == sorted[..2] { Ok(()) } else { ex.failure(&format!("n=2 gave {page:?}")) },
            ex.expect_header_present("Link"),
        ])
    }
    .await;
    report.record(&format!("{path}/n=2 first page with Link"), r);
    let r = follow_pages(reg, first, "tags", 2, sorted.len()).await.and_then(|all| {
        if all == sorted { Ok(()) } else { Err(Failure::fail(format!("pages gave {all:?}, expected {sorted:?}"))) }
    });
    report.record(&format!("{path}/follow Link"), r);
    let r = api::tag_list(reg, &repo, &[("n", "2"), ("last", "tag-1")]).await.and_then(|(got, ex)| {
        if got == sorted[2..4] { Ok(()) } else { ex.failure(&format!("n=2&last=tag-1 gave {got:?}")) }
    });
    report.record(&format!("{path}/n and last"), r);
    report.finish();
}

/// `_catalog` paging: three fresh repositories read two at a time from just before their
/// common prefix, following `Link`.
pub async fn catalog_paging(reg: &Registry) {
    let path = "extra/catalog-paging";
    let mut report = Report::new(path, &reg.settings);
    let prefix = format!("conformance/catalog-{}-", random_suffix());
    let names: Vec<String> = ["a", "b", "c"].iter().map(|s| format!("{prefix}{s}")).collect();
    for name in &names {
        if push_image(reg, &mut report, path, name).await.is_none() {
            report.finish();
            return;
        }
    }
    let mut first = with_query(&reg.url("/v2/_catalog"), "n", "2");
    first = with_query(&first, "last", &prefix);
    let r = async {
        let ex = reg.request(Method::GET, first.clone()).send().await?;
        ex.expect_status(&[200])?;
        let page = string_list(&ex, "repositories")?;
        join(vec![
            if page == names[..2] { Ok(()) } else { ex.failure(&format!("n=2&last={prefix} gave {page:?}")) },
            ex.expect_header_present("Link"),
        ])
    }
    .await;
    report.record(&format!("{path}/n and last with Link"), r);
    let r = follow_pages(reg, first, "repositories", 2, 3).await.and_then(|all| {
        if all.len() >= 3 && all[..3] == names[..] {
            Ok(())
        } else {
            Err(Failure::fail(format!("pages gave {all:?}, expected to start with {names:?}")))
        }
    });
    report.record(&format!("{path}/follow Link"), r);
    report.finish();
}

/// OCI error JSON with the spec's codes for the common failures.
pub async fn error_codes(reg: &Registry) {
    let path = "extra/error-codes";
    let mut report = Report::new(path, &reg.settings);
    let repo = unique_repo("error-codes");
    let Some((_, manifest)) = push_image(reg, &mut report, path, &repo).await else {
        report.finish();
        return;
    };
    let missing = Algorithm::Sha256.digest(&random_bytes(64));

    let r = api::blob_get_req(reg, &repo, &missing, &[]).await;
    report.record(&format!("{path}/blob unknown"), r.and_then(|ex| expect_error(&ex, &[404], &["BLOB_UNKNOWN"])));

    let r = api::manifest_get_req(reg, &repo, "no-such-tag").await;
    report
        .record(&format!("{path}/manifest unknown"), r.and_then(|ex| expect_error(&ex, &[404], &["MANIFEST_UNKNOWN"])));

    let r = api::manifest_get_req(reg, &unique_repo("never-pushed"), "latest").await;
    let codes = ["NAME_UNKNOWN", "MANIFEST_UNKNOWN"];
    report.record(&format!("{path}/name unknown"), r.and_then(|ex| expect_error(&ex, &[404], &codes)));

    let body = random_bytes(100);
    let r = async {
        let ex = reg.request(Method::POST, reg.url(&format!("/v2/{repo}/blobs/uploads/"))).body(&[]).send().await?;
        ex.expect_status(&[202])?;
        let u = with_query(&reg.resolve(&ex.url, &ex.location()?)?, "digest", missing.as_str());
        let ex = reg.request(Method::PUT, u).header("Content-Type", MT_OCTET_STREAM).body(&body).send().await?;
        expect_error(&ex, &[400], &["DIGEST_INVALID"])
    }
    .await;
    report.record(&format!("{path}/digest invalid"), r);

    let mut v: serde_json::Value = serde_json::from_slice(&manifest).expect("own manifest is JSON");
    v["layers"][0]["digest"] = serde_json::json!(missing.as_str());
    let dangling = serde_json::to_vec(&v).expect("serializing");
    let r = put_raw_manifest(reg, &repo, "dangling", &dangling).await;
    report.record(
        &format!("{path}/manifest blob unknown"),
        r.and_then(|ex| expect_error(&ex, &[400], &["MANIFEST_BLOB_UNKNOWN"])),
    );

    let r = put_raw_manifest(reg, &repo, "junk", b"{ this is not json").await;
    report
        .record(&format!("{path}/manifest invalid"), r.and_then(|ex| expect_error(&ex, &[400], &["MANIFEST_INVALID"])));

    let r = put_raw_manifest(reg, &repo, "sha256:baddigeststring", &manifest).await;
    report.record(&format!("{path}/bad reference digest"), r.and_then(|ex| expect_error(&ex, &[400], &[])));

    let r = async {
        let ex = reg.request(Method::POST, reg.url(&format!("/v2/{repo}/blobs/uploads/"))).body(&[]).send().await?;
        ex.expect_status(&[202])?;
        let mut u = reg.resolve(&ex.url, &ex.location()?)?;
        u.set_query(None);
        let unknown = format!("{}", uuid::Uuid::new_v4());
        u.path_segments_mut().map_err(|_| Failure::fail("location cannot be a base"))?.pop().push(&unknown);
        let ex = reg.request(Method::GET, u).send().await?;
        expect_error(&ex, &[404], &["BLOB_UPLOAD_UNKNOWN"])
    }
    .await;
    report.record(&format!("{path}/upload unknown"), r);
    report.finish();
}

async fn put_raw_manifest(reg: &Registry, repo: &str, reference: &str, body: &[u8]) -> CheckResult<Exchange> {
    reg.request(Method::PUT, reg.url(&format!("/v2/{repo}/manifests/{reference}")))
        .header("Content-Type", MT_OCI_IMAGE)
        .body(body)
        .send()
        .await
}

/// Upload status: after a 100-byte chunk, PATCH and GET of the session report
/// `Range: 0-99` (GET with 204 and `Location`); the upload then completes.
pub async fn upload_status(reg: &Registry) {
    let path = "extra/upload-status";
    let mut report = Report::new(path, &reg.settings);
    let repo = unique_repo("upload-status");
    let body = random_bytes(300);
    let dig = Algorithm::Sha256.digest(&body);
    let r = async {
        let ex = reg.request(Method::POST, reg.url(&format!("/v2/{repo}/blobs/uploads/"))).body(&[]).send().await?;
        ex.expect_status(&[202])?;
        let u = reg.resolve(&ex.url, &ex.location()?)?;
        let ex = reg
            .request(Method::PATCH, u)
            .header("Content-Type", MT_OCTET_STREAM)
            .header("Content-Range", "0-99")
            .body(&body[..100])
            .send()
            .await?;
        join(vec![ex.expect_status(&[202]), ex.expect_header("Range", "0-99")])?;
        let u = reg.resolve(&ex.url, &ex.location()?)?;
        let ex = reg.request(Method::GET, u.clone()).send().await?;
        join(vec![ex.expect_status(&[204]), ex.expect_header("Range", "0-99"), ex.expect_header_present("Location")])?;
        let u = with_query(&reg.resolve(&u, &ex.location()?)?, "digest", dig.as_str());
        let ex = reg
            .request(Method::PUT, u)
            .header("Content-Type", MT_OCTET_STREAM)
            .header("Content-Range", "100-299")
            .body(&body[100..])
            .send()
            .await?;
        ex.expect_status(&[201])?;
        api::blob_get_exists_full(reg, &repo, &dig, &body, false).await
    }
    .await;
    report.record(&format!("{path}/status after a chunk"), r);
    report.finish();
}

/// A session opened with `?digest-algorithm=sha512` completes with a sha512 digest.
pub async fn digest_algorithm_sha512(reg: &Registry) {
    let path = "extra/digest-algorithm-sha512";
    let mut report = Report::new(path, &reg.settings);
    let repo = unique_repo("digest-algorithm");
    let body = random_bytes(512);
    let dig = Algorithm::Sha512.digest(&body);
    let r = async {
        let u = with_query(&reg.url(&format!("/v2/{repo}/blobs/uploads/")), "digest-algorithm", "sha512");
        let ex = reg.request(Method::POST, u).body(&[]).send().await?;
        ex.expect_status(&[202])?;
        let u = with_query(&reg.resolve(&ex.url, &ex.location()?)?, "digest", dig.as_str());
        let ex = reg.request(Method::PUT, u).header("Content-Type", MT_OCTET_STREAM).body(&body).send().await?;
        join(vec![ex.expect_status(&[201]), ex.expect_header("Docker-Content-Digest", dig.as_str())])?;
        api::blob_get_exists_full(reg, &repo, &dig, &body, true).await
    }
    .await;
    report.record(&format!("{path}/post, put, get"), r);
    report.finish();
}

/// `GET /v2/` is 200 with `Docker-Distribution-API-Version: registry/2.0`.
pub async fn api_version(reg: &Registry) {
    let path = "extra/api-version";
    let mut report = Report::new(path, &reg.settings);
    let r = api::ping(reg).await.and_then(|ex| {
        join(vec![ex.expect_status(&[200]), ex.expect_header("Docker-Distribution-API-Version", "registry/2.0")])
    });
    report.record(path, r);
    report.finish();
}

/// Manifest PUT answers with `Docker-Content-Digest` (upstream means to require it in dev
/// but checks a misspelt flag, so never does).
pub async fn manifest_put_digest_header(reg: &Registry) {
    let path = "extra/manifest-put-digest-header";
    let mut report = Report::new(path, &reg.settings);
    let repo = unique_repo("put-digest-header");
    let mut td = TestData::new(path);
    let dig = td.gen_manifest_full(&Gen::new().layer_count(1));
    for (blob, body) in &td.blobs {
        push_blob_any(reg, &mut report, path, &repo, blob, body).await;
    }
    let r = put_raw_manifest(reg, &repo, "v1", &td.manifests[&dig])
        .await
        .and_then(|ex| join(vec![ex.expect_status(&[201]), ex.expect_header("Docker-Content-Digest", dig.as_str())]));
    report.record(&format!("{path}/by tag"), r);
    report.finish();
}
