//! The protocol seam and the HTTP helpers every protocol shares.
//!
//! A wire protocol (OCI, generic files, the management API, later PyPI, npm, Cargo, Maven) is a crate
//! with a [`Protocol`]: the routes it serves, [`Protocol::authorize`] — which parses a request once
//! into the protocol's typed endpoint (kept in the request for its handler) and says what it needs —
//! and [`Protocol::refuse`], which renders a refusal in the protocol's own wire format. The server
//! holds a list of protocols and one enforcement point that checks the needs; it names no protocol's
//! endpoints or paths. Adding a protocol is a crate plus one line in the server's list.
//!
//! Architecture invariant: no storage crate; this crate knows HTTP, not where bytes live.

pub mod body;
pub mod caller;
pub mod conditional;
mod protocol;
pub mod range;

pub use protocol::{Access, Protocol, Refusal, parse_once, parsed, serve_all};

use http::{HeaderMap, HeaderValue};

/// A header value from text that may not be one (replaced by `invalid`, never a panic).
pub fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// The base URL clients reached us at (for token realms and locations): the `Host` header, with
/// `https` when a proxy says so.
pub fn external_base(headers: &HeaderMap) -> String {
    let host = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let https = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()) == Some("https");
    format!("{}://{host}", if https { "https" } else { "http" })
}
