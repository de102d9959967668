//! Request limits applied before anything else looks at a request. Hyper already refuses more than
//! 100 headers (431) and bodies stream (manifests and API bodies are capped where they are read);
//! this caps the total size of the headers, which hyper only bounds by its ~400 KiB read buffer.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

/// Largest total size of header names and values accepted (nginx's default is 32 KiB too).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

pub async fn headers(request: Request, next: Next) -> Response {
    let size: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if size > MAX_HEADER_BYTES {
        let message = format!("request headers total {size} bytes; the limit is {MAX_HEADER_BYTES}\n");
        return (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, message).into_response();
    }
    let mut response = next.run(request).await;
    // A backend that did not answer (object storage, the database): nothing was recorded, and every
    // protocol's clients may retry; say when, unless the protocol already did.
    if response.status() == StatusCode::SERVICE_UNAVAILABLE && !response.headers().contains_key(header::RETRY_AFTER) {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS));
    }
    response
}

/// `Retry-After` of a 503: long enough for a restarted backend, short enough for a push to go on.
const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// Fails a request body that sends nothing for `idle` (every route: a half-sent JSON body must not
/// hold a connection and a task forever). The protocol crates see the failure as a read error.
pub async fn body_idle(
    axum::extract::State(idle): axum::extract::State<std::time::Duration>,
    request: Request,
    next: Next,
) -> Response {
    next.run(request.map(|body| axum::body::Body::new(IdleTimeout::new(body, idle)))).await
}

struct IdleTimeout {
    inner: axum::body::Body,
    idle: std::time::Duration,
    /// Armed at the first poll, re-armed after each frame.
    deadline: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl IdleTimeout {
    fn new(inner: axum::body::Body, idle: std::time::Duration) -> Self {
        Self { inner, idle, deadline: None }
    }
}

impl http_body::Body for IdleTimeout {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::future::Future;
        use std::task::Poll;
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.deadline = None;
                Poll::Ready(frame)
            }
            Poll::Pending => {
                let idle = this.idle;
                let deadline = this.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                if deadline.as_mut().poll(cx).is_ready() {
                    let stalled =
                        std::io::Error::new(std::io::ErrorKind::TimedOut, format!("no body bytes for {idle:?}"));
                    return Poll::Ready(Some(Err(axum::Error::new(stalled))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
