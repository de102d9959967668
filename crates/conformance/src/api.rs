//! One function per operation of upstream `api.go`, with the same requests, the same
//! accepted statuses and the same fallbacks. Each returns `Ok(())` when upstream would
//! count the operation as passed, [`FailureKind::Unsupported`](crate::check::FailureKind)
//! where upstream returns `errRegUnsupported`, and a failure otherwise.

use crate::check::{CheckResult, Failure, fail, join};
use crate::client::{Exchange, Registry};
use crate::data::{Descriptor, MT_OCI_IMAGE, MT_OCI_INDEX, MT_OCTET_STREAM, detect_media_type, detect_subject};
use crate::digest::Digest;
use reqwest::{Method, Url};

/// Upstream `chunkMin`: the smallest chunk the suite sends.
pub const CHUNK_MIN: usize = 1024;

/// Upstream request flags (`apiWithFlag`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags {
    /// `ExpectBadDigest`: the body does not match the digest; the final request must 400.
    pub expect_bad_digest: bool,
    /// `PutLastChunk`: send the last chunk in the closing PUT.
    pub put_last_chunk: bool,
    /// `OutOfOrderChunks`: before each chunk send a wrong one (416) and recover with GET.
    pub out_of_order: bool,
    /// `RequireDigestHeader`: `Docker-Content-Digest` must be present (dev).
    pub require_digest_header: bool,
}

fn uploads_url(reg: &Registry, repo: &str) -> Url {
    reg.url(&format!("/v2/{repo}/blobs/uploads/"))
}

fn blob_url(reg: &Registry, repo: &str, dig: &Digest) -> Url {
    reg.url(&format!("/v2/{repo}/blobs/{dig}"))
}

fn manifest_url(reg: &Registry, repo: &str, reference: &str) -> Url {
    reg.url(&format!("/v2/{repo}/manifests/{reference}"))
}

/// `url` with query parameter `key` replaced by `value` (Go's `Query().Set`).
pub fn with_query(url: &Url, key: &str, value: &str) -> Url {
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != key).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let mut out = url.clone();
    out.set_query(None);
    {
        let mut q = out.query_pairs_mut();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        q.append_pair(key, value);
    }
    out
}

/// Upstream `VerifyDigest`: a `Docker-Content-Digest` header, when present (or required),
/// must equal `dig`.
pub fn verify_digest(ex: &Exchange, dig: &Digest, require: bool) -> CheckResult {
    match ex.header("Docker-Content-Digest") {
        None | Some("") if require => ex.failure("registry did not return a Docker-Content-Digest header"),
        Some(h) if !h.is_empty() && h != dig.as_str() => {
            ex.failure(&format!("Docker-Content-Digest header value expected {:?}, received {h:?}", dig.as_str()))
        }
        _ => Ok(()),
    }
}

/// Upstream `BlobVerifyLocation`: GET the returned location gives the blob.
pub async fn blob_verify_location(reg: &Registry, against: &Url, loc: &str, body: &[u8]) -> CheckResult {
    let u = reg.resolve(against, loc)?;
    let ex = reg.request(Method::GET, u).send().await?;
    join(vec![ex.expect_status(&[200]), ex.expect_body(body)])
        .map_err(|f| f.context("failed to verify returned location"))
}

/// Sends the closing `PUT <location>?digest=` of an upload and checks its status.
async fn put_digest(reg: &Registry, u: Url, dig: &Digest, body: &[u8], flags: Flags) -> CheckResult<Exchange> {
    let u = with_query(&u, "digest", dig.as_str());
    let ex = reg.request(Method::PUT, u).header("Content-Type", MT_OCTET_STREAM).body(body).send().await?;
    let want: &[u16] = if flags.expect_bad_digest { &[400] } else { &[201] };
    ex.expect_status(want).map_err(|f| f.context("blob put failed"))?;
    Ok(ex)
}

/// Checks the digest header and the location after a successful blob push.
async fn verify_pushed(reg: &Registry, ex: &Exchange, dig: &Digest, body: &[u8], flags: Flags) -> CheckResult {
    verify_digest(ex, dig, flags.require_digest_header)?;
    let loc = ex.location()?;
    blob_verify_location(reg, &ex.url, &loc, body).await
}

/// POST to open a session (202 + `Location`), then PUT the whole blob with `?digest=`
/// (201, or 400 for a bad digest) (upstream `BlobPostPut`).
pub async fn blob_post_put(reg: &Registry, repo: &str, dig: &Digest, body: &[u8], flags: Flags) -> CheckResult {
    let ex = reg.request(Method::POST, uploads_url(reg, repo)).body(&[]).send().await?;
    ex.expect_status(&[202]).map_err(|f| f.context("blob post failed"))?;
    let u = reg.resolve(&ex.url, &ex.location()?)?;
    let put = put_digest(reg, u, dig, body, flags).await?;
    if flags.expect_bad_digest {
        return Ok(());
    }
    verify_pushed(reg, &put, dig, body, flags).await
}

/// Monolithic POST with `?digest=` and the body (201, or 400 for a bad digest); a 202
/// falls back to a PUT and counts as unsupported (upstream `BlobPostOnly`).
pub async fn blob_post_only(reg: &Registry, repo: &str, dig: &Digest, body: &[u8], flags: Flags) -> CheckResult {
    let u = with_query(&uploads_url(reg, repo), "digest", dig.as_str());
    let ex = reg.request(Method::POST, u).header("Content-Type", MT_OCTET_STREAM).body(body).send().await?;
    if flags.expect_bad_digest {
        ex.expect_status(&[400, 202]).map_err(|f| f.context("blob post failed"))?;
    } else {
        join(vec![ex.expect_status(&[201, 202]), ex.expect_header_present("Location")])
            .map_err(|f| f.context("blob post failed"))?;
    }
    if ex.status.as_u16() == 202 {
        let u = reg.resolve(&ex.url, &ex.location()?)?;
        put_digest(reg, u, dig, body, flags).await?;
        return Err(Failure::unsupported(format!(
            "registry does not support content in the POST, fallback to PUT\n{}",
            ex.describe()
        )));
    }
    if flags.expect_bad_digest {
        return Ok(());
    }
    verify_pushed(reg, &ex, dig, body, flags).await
}

/// Chunked upload: POST (202, `OCI-Chunk-Min-Length` honoured), PATCHes with
/// `Content-Range` (202 each), closing PUT (201); optionally the last chunk in the PUT and
/// an out-of-order chunk before each chunk (416, then GET of the session: 204 with
/// `Range: 0-<last>`) (upstream `BlobPatchChunked`).
pub async fn blob_patch_chunked(reg: &Registry, repo: &str, dig: &Digest, body: &[u8], flags: Flags) -> CheckResult {
    let ex = reg.request(Method::POST, uploads_url(reg, repo)).body(&[]).send().await?;
    ex.expect_status(&[202]).map_err(|f| f.context("blob post failed"))?;
    let mut loc = ex.header("Location").unwrap_or_default().to_string();
    let mut chunk = body.len() / 3 + 1;
    if let Some(min) = ex.header("OCI-Chunk-Min-Length") {
        let min: usize = min
            .trim()
            .parse()
            .or_else(|e| ex.failure(&format!("parsing OCI-Chunk-Min-Length size {min:?} failed: {e}")))?;
        chunk = chunk.max(min);
    }
    chunk = chunk.max(CHUNK_MIN).min(body.len());
    let len = body.len();
    let mut u = ex.url.clone();
    let mut last: Option<usize> = None;
    let mut closing: Option<Exchange> = None;
    let next_start = |last: Option<usize>| last.map_or(0, |l| l + 1);
    while next_start(last) < len {
        if flags.out_of_order {
            if loc.is_empty() {
                return fail("blob request did not return a location");
            }
            u = reg.resolve(&u, &loc)?;
            let mut bad_start = next_start(last) + chunk;
            if bad_start >= len {
                bad_start = 0;
            }
            let bad_last = (bad_start + chunk - 1).min(len - 1);
            let mut method = Method::PATCH;
            if flags.put_last_chunk && bad_last == len - 1 {
                method = Method::PUT;
                u = with_query(&u, "digest", dig.as_str());
            }
            let ex = reg
                .request(method, u.clone())
                .header("Content-Type", MT_OCTET_STREAM)
                .header("Content-Range", &format!("{bad_start}-{bad_last}"))
                .body(&body[bad_start..=bad_last])
                .send()
                .await?;
            ex.expect_status(&[416]).map_err(|f| f.context("blob out of order chunk"))?;
            if let Some(l) = ex.header("Location").filter(|l| !l.is_empty()) {
                loc = l.to_string();
            }
            // recover with a GET of the session to learn the location and range
            let ex = reg.request(Method::GET, u.clone()).send().await?;
            ex.expect_status(&[204]).map_err(|f| f.context("blob chunked upload get request"))?;
            if let Some(l) = ex.header("Location").filter(|l| !l.is_empty()) {
                loc = l.to_string();
            }
            let range = ex.header("Range").unwrap_or_default();
            let Some(end) = range.strip_prefix("0-") else {
                return ex.failure(&format!("content-range header is missing the 0- prefix: {range:?}"));
            };
            let end: i64 =
                end.parse().or_else(|_| ex.failure(&format!("content-range header could not be parsed: {range:?}")))?;
            if let Some(l) = last.filter(|l| end != *l as i64) {
                return ex.failure(&format!("content-range unexpected, received {range:?}, expected \"0-{l}\""));
            }
        }
        if loc.is_empty() {
            return fail("blob request did not return a location");
        }
        u = reg.resolve(&u, &loc)?;
        let start = next_start(last);
        let end = (start + chunk - 1).min(len - 1);
        last = Some(end);
        let range = format!("{start}-{end}");
        if flags.put_last_chunk && end == len - 1 {
            u = with_query(&u, "digest", dig.as_str());
            let ex = reg
                .request(Method::PUT, u.clone())
                .header("Content-Type", MT_OCTET_STREAM)
                .header("Content-Range", &range)
                .body(&body[start..=end])
                .send()
                .await?;
            let want: &[u16] = if flags.expect_bad_digest { &[400] } else { &[201] };
            ex.expect_status(want).map_err(|f| f.context("blob patch failed"))?;
            if let Some(l) = ex.header("Location").filter(|l| !l.is_empty()) {
                loc = l.to_string();
            }
            closing = Some(ex);
        } else {
            let ex = reg
                .request(Method::PATCH, u.clone())
                .header("Content-Type", MT_OCTET_STREAM)
                .header("Content-Range", &range)
                .body(&body[start..=end])
                .send()
                .await?;
            ex.expect_status(&[202]).map_err(|f| f.context("blob patch failed"))?;
            if let Some(l) = ex.header("Location").filter(|l| !l.is_empty()) {
                loc = l.to_string();
            }
        }
    }
    if !flags.put_last_chunk {
        if loc.is_empty() {
            return fail("blob patch did not return a location");
        }
        u = reg.resolve(&u, &loc)?;
        closing = Some(put_digest(reg, u, dig, &[], flags).await?);
    }
    if flags.expect_bad_digest {
        return Ok(());
    }
    let Some(closing) = closing else {
        return fail("no closing request was sent");
    };
    verify_pushed(reg, &closing, dig, body, flags).await
}

/// Streamed upload: POST (202), one PATCH with the whole body and no `Content-Length`
/// (202), closing PUT with an empty body (201 + `Location`) (upstream `BlobPatchStream`).
pub async fn blob_patch_stream(reg: &Registry, repo: &str, dig: &Digest, body: &[u8], flags: Flags) -> CheckResult {
    let ex = reg.request(Method::POST, uploads_url(reg, repo)).body(&[]).send().await?;
    ex.expect_status(&[202]).map_err(|f| f.context("blob post failed"))?;
    let u = reg.resolve(&ex.url, &ex.location()?)?;
    let ex = reg.request(Method::PATCH, u).header("Content-Type", MT_OCTET_STREAM).body_chunked(body).send().await?;
    ex.expect_status(&[202]).map_err(|f| f.context("blob patch failed"))?;
    let u = reg.resolve(&ex.url, &ex.location()?)?;
    let put = put_digest(reg, u, dig, &[], flags).await?;
    if flags.expect_bad_digest {
        return Ok(());
    }
    put.expect_header_present("Location").map_err(|f| f.context("blob put failed"))?;
    verify_pushed(reg, &put, dig, body, flags).await
}

/// POST (202 + `Location`), then DELETE of the session (204) (upstream `BlobPostCancel`).
pub async fn blob_post_cancel(reg: &Registry, repo: &str) -> CheckResult {
    let ex = reg.request(Method::POST, uploads_url(reg, repo)).body(&[]).send().await?;
    ex.expect_status(&[202]).map_err(|f| f.context("blob post failed"))?;
    let u = reg.resolve(&ex.url, &ex.location()?)?;
    let ex = reg.request(Method::DELETE, u).body(&[]).send().await?;
    ex.expect_status(&[204]).map_err(|f| f.context("blob cancel failed"))
}

/// POST `?mount=<digest>[&from=<source>]`: 201 with `Location`, or 202 which falls back to
/// a PUT of the blob and counts as unsupported (upstream `BlobMount`).
pub async fn blob_mount(
    reg: &Registry,
    repo: &str,
    source: Option<&str>,
    dig: &Digest,
    body: &[u8],
    flags: Flags,
) -> CheckResult {
    let mut u = with_query(&uploads_url(reg, repo), "mount", dig.as_str());
    if let Some(from) = source {
        u = with_query(&u, "from", from);
    }
    let ex = reg.request(Method::POST, u).body(&[]).send().await?;
    ex.expect_status(&[201, 202]).map_err(|f| f.context("blob post failed"))?;
    let loc = ex.location().map_err(|f| f.context("blob post did not return a location"))?;
    if ex.status.as_u16() == 202 {
        let u = reg.resolve(&ex.url, &loc)?;
        let put = put_digest(reg, u, dig, body, flags).await?;
        verify_pushed(reg, &put, dig, body, flags).await?;
        return Err(Failure::unsupported(format!(
            "registry returned status 202, fell back to blob POST+PUT\n{}",
            ex.describe()
        )));
    }
    verify_pushed(reg, &ex, dig, body, flags).await
}

/// GET a blob with extra request headers; the caller checks the response.
pub async fn blob_get_req(reg: &Registry, repo: &str, dig: &Digest, headers: &[(&str, &str)]) -> CheckResult<Exchange> {
    let mut req = reg.request(Method::GET, blob_url(reg, repo, dig));
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.send().await
}

/// HEAD a blob; the caller checks the response.
pub async fn blob_head_req(reg: &Registry, repo: &str, dig: &Digest) -> CheckResult<Exchange> {
    reg.request(Method::HEAD, blob_url(reg, repo, dig)).send().await
}

/// GET gives 200 with the body and its `Content-Length` (upstream `BlobGetExistsFull`).
pub async fn blob_get_exists_full(reg: &Registry, repo: &str, dig: &Digest, body: &[u8], require: bool) -> CheckResult {
    let ex = blob_get_req(reg, repo, dig, &[]).await?;
    join(vec![
        ex.expect_status(&[200]),
        ex.expect_body(body),
        ex.expect_header("Content-Length", &body.len().to_string()),
        verify_digest(&ex, dig, require),
    ])
}

/// HEAD gives 200, no body, and the blob's `Content-Length` (upstream `BlobHeadExists`).
pub async fn blob_head_exists(reg: &Registry, repo: &str, dig: &Digest, size: usize, require: bool) -> CheckResult {
    let ex = blob_head_req(reg, repo, dig).await?;
    join(vec![
        ex.expect_status(&[200]),
        ex.expect_body(&[]),
        ex.expect_header("Content-Length", &size.to_string()),
        verify_digest(&ex, dig, require),
    ])
}

/// DELETE a blob: 202 or 404; 405 counts as unsupported (upstream `BlobDelete`).
pub async fn blob_delete(reg: &Registry, repo: &str, dig: &Digest) -> CheckResult {
    let ex = reg.request(Method::DELETE, blob_url(reg, repo, dig)).send().await?;
    ex.expect_status(&[202, 404, 405]).map_err(|f| f.context("blob delete failed"))?;
    if ex.status.as_u16() == 405 {
        return Err(Failure::unsupported(format!("registry returned status 405\n{}", ex.describe())));
    }
    Ok(())
}

/// PUT a manifest (body sent chunked, `Content-Type` from its `mediaType`) with optional
/// `?tag=` parameters: 201 (400 for a bad digest), `OCI-Subject` when it has a subject, a
/// matching `Docker-Content-Digest` if present, and a `Location` that serves it (upstream
/// `ManifestPut`). Returns the PUT exchange for the `OCI-Tag` check.
pub async fn manifest_put(
    reg: &Registry,
    repo: &str,
    reference: &str,
    dig: &Digest,
    body: &[u8],
    tag_params: &[String],
    flags: Flags,
) -> CheckResult<Exchange> {
    let media_type = detect_media_type(body);
    let mut u = manifest_url(reg, repo, reference);
    for tag in tag_params {
        u.query_pairs_mut().append_pair("tag", tag);
    }
    let ex = reg.request(Method::PUT, u).header("Content-Type", &media_type).body_chunked(body).send().await?;
    let mut checks = Vec::new();
    if flags.expect_bad_digest {
        checks.push(ex.expect_status(&[400]));
    } else {
        checks.push(ex.expect_status(&[201]));
    }
    if let Some(subject) = detect_subject(body) {
        checks.push(ex.expect_header("OCI-Subject", subject.as_str()));
    }
    if flags.expect_bad_digest {
        join(checks).map_err(|f| f.context("manifest put failed"))?;
        return Ok(ex);
    }
    join(checks).map_err(|f| f.context("manifest put failed"))?;
    verify_digest(&ex, dig, false)?;
    let loc = ex.location().map_err(|f| f.context("manifest put did not return a location"))?;
    let u = reg.resolve(&ex.url, &loc)?;
    let got = reg.request(Method::GET, u).header("Accept", MT_OCI_INDEX).header("Accept", MT_OCI_IMAGE).send().await?;
    join(vec![
        got.expect_status(&[200]),
        got.expect_header("Content-Type", &media_type),
        got.expect_header("Content-Length", &body.len().to_string()),
        got.expect_body(body),
    ])
    .map_err(|f| f.context("failed to verify returned location"))?;
    Ok(ex)
}

/// GET a manifest accepting the OCI index and image types; the caller checks it.
pub async fn manifest_get_req(reg: &Registry, repo: &str, reference: &str) -> CheckResult<Exchange> {
    reg.request(Method::GET, manifest_url(reg, repo, reference))
        .header("Accept", MT_OCI_INDEX)
        .header("Accept", MT_OCI_IMAGE)
        .send()
        .await
}

/// HEAD a manifest accepting the OCI index and image types; the caller checks it.
pub async fn manifest_head_req(reg: &Registry, repo: &str, reference: &str) -> CheckResult<Exchange> {
    reg.request(Method::HEAD, manifest_url(reg, repo, reference))
        .header("Accept", MT_OCI_INDEX)
        .header("Accept", MT_OCI_IMAGE)
        .send()
        .await
}

/// GET gives 200 with the exact body, `Content-Type` and `Content-Length` (upstream
/// `ManifestGetExists`).
pub async fn manifest_get_exists(
    reg: &Registry,
    repo: &str,
    reference: &str,
    dig: &Digest,
    body: &[u8],
    require: bool,
) -> CheckResult {
    let ex = manifest_get_req(reg, repo, reference).await?;
    join(vec![
        ex.expect_status(&[200]),
        ex.expect_body(body),
        ex.expect_header("Content-Type", &detect_media_type(body)),
        ex.expect_header("Content-Length", &body.len().to_string()),
        verify_digest(&ex, dig, require),
    ])
}

/// HEAD gives 200, no body, and the manifest's `Content-Type` and `Content-Length`
/// (upstream `ManifestHeadExists`).
pub async fn manifest_head_exists(
    reg: &Registry,
    repo: &str,
    reference: &str,
    dig: &Digest,
    body: &[u8],
    require: bool,
) -> CheckResult {
    let ex = manifest_head_req(reg, repo, reference).await?;
    join(vec![
        ex.expect_status(&[200]),
        ex.expect_body(&[]),
        ex.expect_header("Content-Type", &detect_media_type(body)),
        ex.expect_header("Content-Length", &body.len().to_string()),
        verify_digest(&ex, dig, require),
    ])
}

/// DELETE a manifest or tag: 202 or 404; 400 and 405 count as unsupported (upstream
/// `ManifestDelete`).
pub async fn manifest_delete(reg: &Registry, repo: &str, reference: &str) -> CheckResult {
    let ex = reg.request(Method::DELETE, manifest_url(reg, repo, reference)).send().await?;
    ex.expect_status(&[202, 404, 400, 405]).map_err(|f| f.context("manifest delete failed"))?;
    if matches!(ex.status.as_u16(), 400 | 405) {
        return Err(Failure::unsupported(format!(
            "registry returned status {}\n{}",
            ex.status.as_u16(),
            ex.describe()
        )));
    }
    Ok(())
}

/// GET `/v2/` (upstream `PingReq` accepts any answer).
pub async fn ping(reg: &Registry) -> CheckResult<Exchange> {
    reg.request(Method::GET, reg.url("/v2/")).send().await
}

/// A referrers response: its descriptors and the exchange (for headers).
#[derive(Debug)]
pub struct Referrers {
    pub manifests: Vec<Descriptor>,
    pub exchange: Exchange,
}

/// GET `/v2/<name>/referrers/<digest>[?artifactType=]`: 200, `Content-Type` exactly the
/// OCI index type, a body that is an OCI index (upstream `ReferrersList`).
pub async fn referrers_list(
    reg: &Registry,
    repo: &str,
    dig: &Digest,
    artifact_type: Option<&str>,
) -> CheckResult<Referrers> {
    let mut u = reg.url(&format!("/v2/{repo}/referrers/{dig}"));
    if let Some(at) = artifact_type {
        u.query_pairs_mut().append_pair("artifactType", at);
    }
    let ex = reg.request(Method::GET, u).send().await?;
    join(vec![ex.expect_status(&[200]), ex.expect_header("Content-Type", MT_OCI_INDEX)])?;
    let v = ex.json()?;
    if v.get("mediaType").and_then(|m| m.as_str()) != Some(MT_OCI_INDEX)
        || v.get("schemaVersion").and_then(|s| s.as_u64()) != Some(2)
    {
        return ex.failure("referrers response is not a valid OCI index (media type and schema version)");
    }
    let manifests = v
        .get("manifests")
        .and_then(|m| m.as_array())
        .map(|a| a.iter().filter_map(Descriptor::from_json).collect())
        .unwrap_or_default();
    Ok(Referrers { manifests, exchange: ex })
}

/// GET `/v2/<name>/tags/list` with query parameters: 200 with a tag list, or 404 (read as
/// empty) (upstream `TagList`).
pub async fn tag_list(reg: &Registry, repo: &str, query: &[(&str, &str)]) -> CheckResult<(Vec<String>, Exchange)> {
    let mut u = reg.url(&format!("/v2/{repo}/tags/list"));
    for (k, v) in query {
        u.query_pairs_mut().append_pair(k, v);
    }
    let ex = reg.request(Method::GET, u).send().await?;
    ex.expect_status(&[200, 404])?;
    if ex.status.as_u16() == 404 {
        return Ok((Vec::new(), ex));
    }
    let v = ex.json()?;
    let tags = v
        .get("tags")
        .and_then(|t| t.as_array())
        .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    Ok((tags, ex))
}
