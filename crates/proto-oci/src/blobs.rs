//! Blob GET/HEAD (with single ranges) and DELETE.

use crate::Reply;
use arca_core::blob::DownloadHeaders;
use arca_core::registry::Registry;
use arca_http::conditional::{self, ETag, Outcome};
use arca_types::{Digest, OciName};
use axum::body::Body;
use axum::response::Response;
use http::{StatusCode, header, request::Parts};

/// A GET or HEAD. A blob's entity tag is the digest in its URL, so the preconditions are decided
/// before any lookup; a conditional request is then answered from the recorded size alone.
pub(crate) async fn get(registry: &Registry, name: &OciName, digest: &Digest, head: bool, parts: &Parts) -> Reply {
    let etag = ETag::of(digest);
    let outcome = conditional::evaluate(&parts.method, &parts.headers, &etag);
    if head || outcome != Ok(Outcome::Proceed) {
        // The blob must be there (and visible in this package) before any precondition is answered.
        let size =
            if head { registry.head_blob(name, digest).await? } else { registry.stat_blob(name, digest).await? };
        let builder = blob_headers(StatusCode::OK, &etag, digest, size);
        return Ok(match outcome? {
            Outcome::NotModified => conditional::not_modified(builder),
            Outcome::Proceed => builder.body(Body::empty()).expect("valid response"),
        });
    }
    // Object storage set to redirect: the client fetches the bytes (and its range) from there, as
    // Distribution's redirecting storage middleware does; every client follows a 307 for a blob.
    let headers = DownloadHeaders { content_type: "application/octet-stream".into(), content_disposition: None };
    if let Some(url) = registry.blob_download_url(name, digest, &headers).await? {
        return Ok(arca_http::temporary_redirect(&url)
            .header("docker-content-digest", digest.as_str())
            .body(Body::empty())
            .expect("valid response"));
    }
    // An unparsable Range header is ignored (RFC 9110); a parsable but unsatisfiable one is a 416.
    let range = arca_http::range::requested(&parts.headers);
    let read = match registry.get_blob(name, digest, range).await {
        Err(e) if e.kind == arca_core::ErrorKind::RangeNotSatisfiable => {
            let size = registry.stat_blob(name, digest).await?;
            let mut r = crate::errors::OciError::from(e);
            r.message = format!("range not satisfiable for a blob of {size} bytes");
            let mut response = axum::response::IntoResponse::into_response(r);
            let (name, value) = arca_http::range::unsatisfiable(size);
            response.headers_mut().insert(name, value);
            return Ok(response);
        }
        other => other?,
    };
    let builder = match read.range {
        Some(r) => blob_headers(StatusCode::PARTIAL_CONTENT, &etag, digest, r.len())
            .header(header::CONTENT_RANGE, arca_http::range::content_range(&r, read.size)),
        None => blob_headers(StatusCode::OK, &etag, digest, read.size),
    };
    Ok(builder.body(Body::from_stream(read.stream)).expect("valid response"))
}

fn blob_headers(status: StatusCode, etag: &ETag, digest: &Digest, length: u64) -> http::response::Builder {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, length)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, etag.header_value())
        .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
        .header("docker-content-digest", digest.as_str())
}

pub(crate) async fn delete(registry: &Registry, name: &OciName, digest: &Digest, parts: &Parts) -> Reply {
    registry.delete_blob(name, digest, &arca_http::caller::actor(parts)).await?;
    Ok(Response::builder()
        .status(StatusCode::ACCEPTED)
        .header(header::CONTENT_LENGTH, 0)
        .body(Body::empty())
        .expect("valid response"))
}
