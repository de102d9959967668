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
pub mod status;

pub use protocol::{Access, Protocol, Refusal, finish_refusal, parse_once, parsed, serve_all};

use http::HeaderValue;

/// A header value from text that may not be one (replaced by `invalid`, never a panic).
pub fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// A `307 Temporary Redirect` to `url` (a blob store's presigned download): the method and any `Range`
/// header are sent again to the new location, and nothing of the answer is cached.
pub fn temporary_redirect(url: &str) -> http::response::Builder {
    http::Response::builder()
        .status(http::StatusCode::TEMPORARY_REDIRECT)
        .header(http::header::LOCATION, header_value(url))
        .header(http::header::CACHE_CONTROL, "no-store")
        .header(http::header::CONTENT_LENGTH, 0)
}

/// Put in a request's extensions by the server's listener when the request came over TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServedOverTls;

/// The base URL clients reached us at (for token realms and locations): the `Host` header (HTTP/2's
/// `:authority`), with `https` when the request came over TLS or a proxy says it did.
pub fn external_base(parts: &http::request::Parts) -> String {
    let host = parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok());
    let host = host.or_else(|| parts.uri.authority().map(|a| a.as_str())).unwrap_or("localhost");
    let https = parts.extensions.get::<ServedOverTls>().is_some()
        || parts.uri.scheme() == Some(&http::uri::Scheme::HTTPS)
        || parts.headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()) == Some("https");
    format!("{}://{host}", if https { "https" } else { "http" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(request: http::Request<()>) -> http::request::Parts {
        request.into_parts().0
    }

    #[test]
    fn external_base_follows_the_host_and_the_scheme_the_client_used() {
        let plain = parts(http::Request::get("/v2/").header("host", "reg:8080").body(()).unwrap());
        assert_eq!(external_base(&plain), "http://reg:8080");
        let mut tls = parts(http::Request::get("/v2/").header("host", "reg:8443").body(()).unwrap());
        tls.extensions.insert(ServedOverTls);
        assert_eq!(external_base(&tls), "https://reg:8443");
        // HTTP/2: no Host header, the authority and scheme are in the URI.
        let h2 = parts(http::Request::get("https://reg:8443/v2/").body(()).unwrap());
        assert_eq!(external_base(&h2), "https://reg:8443");
        let proxied = parts(
            http::Request::get("/v2/").header("host", "reg").header("x-forwarded-proto", "https").body(()).unwrap(),
        );
        assert_eq!(external_base(&proxied), "https://reg");
        assert_eq!(external_base(&parts(http::Request::get("/").body(()).unwrap())), "http://localhost");
    }
}
