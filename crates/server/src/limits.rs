//! Request limits applied before anything else looks at a request. Hyper already refuses more than
//! 100 headers (431) and bodies stream (manifests and API bodies are capped where they are read);
//! this caps the total size of the headers, which hyper only bounds by its ~400 KiB read buffer.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

/// Largest total size of header names and values accepted (nginx's default is 32 KiB too).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

pub async fn headers(request: Request, next: Next) -> Response {
    let size: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if size > MAX_HEADER_BYTES {
        let message = format!("request headers total {size} bytes; the limit is {MAX_HEADER_BYTES}\n");
        return (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, message).into_response();
    }
    next.run(request).await
}
