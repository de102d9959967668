//! Blob GET/HEAD (with single ranges) and DELETE.

use crate::{Reply, header_value};
use arca_core::registry::Registry;
use arca_types::{Digest, OciName};
use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, StatusCode, header};

pub(crate) async fn get(
    registry: &Registry,
    name: &OciName,
    digest: &Digest,
    head: bool,
    headers: &HeaderMap,
) -> Reply {
    // An unparsable Range header is ignored (RFC 9110); a parsable but unsatisfiable one is a 416.
    let range = arca_http::range::requested(headers);
    if head {
        let size = registry.head_blob(name, digest).await?;
        return Ok(blob_headers(StatusCode::OK, digest, size).body(Body::empty()).expect("valid response"));
    }
    let read = match registry.get_blob(name, digest, range).await {
        Err(e) if e.kind == arca_core::ErrorKind::RangeNotSatisfiable => {
            let size = registry.stat_blob(name, digest).await?;
            let mut r = crate::errors::OciError::from(e);
            r.message = format!("range not satisfiable for a blob of {size} bytes");
            let mut response = axum::response::IntoResponse::into_response(r);
            response.headers_mut().insert(header::CONTENT_RANGE, header_value(&format!("bytes */{size}")));
            return Ok(response);
        }
        other => other?,
    };
    let builder = match read.range {
        Some(r) => blob_headers(StatusCode::PARTIAL_CONTENT, digest, r.len())
            .header(header::CONTENT_RANGE, format!("bytes {}-{}/{}", r.start, r.end, read.size)),
        None => blob_headers(StatusCode::OK, digest, read.size),
    };
    Ok(builder.body(Body::from_stream(read.stream)).expect("valid response"))
}

fn blob_headers(status: StatusCode, digest: &Digest, length: u64) -> http::response::Builder {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, length)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, format!("\"{digest}\""))
        .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
        .header("docker-content-digest", digest.as_str())
}

pub(crate) async fn delete(
    registry: &Registry,
    name: &OciName,
    digest: &Digest,
    parts: &http::request::Parts,
) -> Reply {
    registry.delete_blob(name, digest, &arca_http::caller::actor(parts)).await?;
    Ok(Response::builder()
        .status(StatusCode::ACCEPTED)
        .header(header::CONTENT_LENGTH, 0)
        .body(Body::empty())
        .expect("valid response"))
}
