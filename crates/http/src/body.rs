//! Request bodies as the byte streams the use cases take. Stalled bodies are cut by the server's
//! idle timeout (one layer for every route), so protocols only convert.

use axum::body::Body;
use futures_util::StreamExt;
use http::{HeaderMap, header};

/// The body as a stream of chunks; transport errors (a stalled or cut body) become I/O errors.
pub fn stream(body: Body) -> arca_core::blob::ByteStream {
    body.into_data_stream().map(|chunk| chunk.map_err(std::io::Error::other)).boxed()
}

/// Whether the request has no body at all.
pub fn is_empty(body: &Body) -> bool {
    http_body::Body::is_end_stream(body)
}

/// The declared `Content-Length`, if any and valid.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}
