//! A thin HTTP client for the registry under test, and the recorded [`Exchange`] that
//! assertion helpers use to produce clear failure messages.

use crate::check::{CheckResult, Failure, fail};
use crate::settings::Settings;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use std::any::Any;
use std::fmt::Write as _;
use std::time::Duration;

/// The registry under test: a base URL, an HTTP client and, when arca runs in-process,
/// the value that keeps it alive.
pub struct Registry {
    client: reqwest::Client,
    base: Url,
    pub settings: Settings,
    _server: Option<Box<dyn Any>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("base", &self.base.as_str()).finish()
    }
}

impl Registry {
    /// A client for `host` (`host:port`, plain HTTP). `server` is kept alive as long as
    /// the registry value lives.
    pub fn new(host: &str, settings: Settings, server: Option<Box<dyn Any>>) -> Self {
        let base =
            Url::parse(&format!("http://{host}/")).unwrap_or_else(|e| panic!("invalid registry address {host:?}: {e}"));
        // reqwest's TLS asks the process for its crypto provider (arca builds rustls with ring only).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(300))
            .build()
            .expect("building the HTTP client");
        Registry { client, base, settings, _server: server }
    }

    /// The base URL, `http://host:port/`.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// An absolute URL for a path such as `/v2/<name>/tags/list`.
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap_or_else(|e| panic!("bad path {path:?}: {e}"))
    }

    /// Resolves a `Location` (absolute, or relative to `against`).
    pub fn resolve(&self, against: &Url, location: &str) -> CheckResult<Url> {
        against.join(location).map_err(|e| Failure::fail(format!("could not parse location header {location:?}: {e}")))
    }

    /// Starts a request.
    pub fn request(&self, method: Method, url: Url) -> Req<'_> {
        Req { registry: self, method, url, headers: Vec::new(), body: ReqBody::None }
    }
}

enum ReqBody {
    None,
    /// Sent with `Content-Length`.
    Sized(Vec<u8>),
    /// Sent with `Transfer-Encoding: chunked`, as Go sends a body of unknown length.
    Chunked(Vec<u8>),
}

/// A request being built; [`Req::send`] performs it and records the [`Exchange`].
pub struct Req<'a> {
    registry: &'a Registry,
    method: Method,
    url: Url,
    headers: Vec<(String, String)>,
    body: ReqBody,
}

impl Req<'_> {
    /// Adds a header (repeated names are sent as repeated lines).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Appends a query parameter.
    pub fn query(mut self, key: &str, value: &str) -> Self {
        self.url.query_pairs_mut().append_pair(key, value);
        self
    }

    /// A body sent with its `Content-Length` (an empty body sends `Content-Length: 0`).
    pub fn body(mut self, bytes: &[u8]) -> Self {
        self.body = ReqBody::Sized(bytes.to_vec());
        self
    }

    /// A body sent chunked, without `Content-Length`.
    pub fn body_chunked(mut self, bytes: &[u8]) -> Self {
        self.body = ReqBody::Chunked(bytes.to_vec());
        self
    }

    /// Sends the request and reads the whole response.
    pub async fn send(self) -> CheckResult<Exchange> {
        let mut builder = self.registry.client.request(self.method.clone(), self.url.clone());
        for (k, v) in &self.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let sent_body_len = match self.body {
            ReqBody::None => None,
            ReqBody::Sized(bytes) => {
                let len = bytes.len();
                builder = builder.body(bytes);
                Some(len)
            }
            ReqBody::Chunked(bytes) => {
                let len = bytes.len();
                let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(bytes))]);
                builder = builder.body(reqwest::Body::wrap_stream(stream));
                Some(len)
            }
        };
        let what = format!("{} {}", self.method, self.url);
        let resp = builder.send().await.map_err(|e| Failure::fail(format!("{what}: request failed: {e}")))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        // Like upstream, a body that cannot be read fails only the checks that read it
        // (some registries send a wrong Content-Length on error responses).
        let (body, body_error) = match resp.bytes().await {
            Ok(body) => (body, None),
            Err(e) => (Bytes::new(), Some(format!("{what}: reading the response body failed: {e}"))),
        };
        Ok(Exchange {
            method: self.method,
            url: self.url,
            request_headers: self.headers,
            sent_body_len,
            status,
            headers,
            body,
            body_error,
        })
    }
}

/// One request and its response, kept for assertions and failure messages.
#[derive(Debug)]
pub struct Exchange {
    pub method: Method,
    pub url: Url,
    pub request_headers: Vec<(String, String)>,
    pub sent_body_len: Option<usize>,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Set when the response body could not be read.
    pub body_error: Option<String>,
}

impl Exchange {
    /// The first value of a response header, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of a response header.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect()
    }

    /// Passes when the status is one of `allowed`.
    pub fn expect_status(&self, allowed: &[u16]) -> CheckResult {
        if allowed.contains(&self.status.as_u16()) {
            return Ok(());
        }
        self.failure(&format!("unexpected status code, expected one of {allowed:?}, received {}", self.status.as_u16()))
    }

    /// Passes when one value of header `name` equals `value` exactly (upstream
    /// `apiExpectHeader`).
    pub fn expect_header(&self, name: &str, value: &str) -> CheckResult {
        let values = self.header_values(name);
        if values.contains(&value) {
            return Ok(());
        }
        self.failure(&format!("header value mismatch for {name:?}, expected {value:?}, received {values:?}"))
    }

    /// Passes when header `name` is present (upstream `apiExpectHeader(name, "")`).
    pub fn expect_header_present(&self, name: &str) -> CheckResult {
        if self.headers.contains_key(name) {
            return Ok(());
        }
        self.failure(&format!("missing header {name:?}"))
    }

    /// Passes when the body equals `expected`.
    pub fn expect_body(&self, expected: &[u8]) -> CheckResult {
        if let Some(e) = &self.body_error {
            return self.failure(e);
        }
        if self.body.as_ref() == expected {
            return Ok(());
        }
        self.failure(&format!(
            "body contents mismatch, expected {}, received {}",
            show_body(expected),
            show_body(&self.body)
        ))
    }

    /// The `Location` header, required.
    pub fn location(&self) -> CheckResult<String> {
        match self.header("Location") {
            Some(loc) if !loc.is_empty() => Ok(loc.to_string()),
            _ => self.failure("response did not return a Location header"),
        }
    }

    /// Parses the body as JSON.
    pub fn json(&self) -> CheckResult<serde_json::Value> {
        if let Some(e) = &self.body_error {
            return self.failure(e);
        }
        serde_json::from_slice(&self.body).or_else(|e| self.failure(&format!("response body is not JSON: {e}")))
    }

    /// A failure whose message describes this exchange.
    pub fn failure<T>(&self, problem: &str) -> CheckResult<T> {
        fail(format!("{problem}\n{}", self.describe()))
    }

    /// Method, URL, request headers, status, response headers and (truncated) body.
    pub fn describe(&self) -> String {
        let mut s = format!("  request:  {} {}\n", self.method, self.url);
        for (k, v) in &self.request_headers {
            let _ = writeln!(s, "            {k}: {v}");
        }
        if let Some(len) = self.sent_body_len {
            let _ = writeln!(s, "            ({len} body bytes)");
        }
        let _ = writeln!(s, "  response: {}", self.status);
        let mut names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let _ = writeln!(s, "            {name}: {:?}", self.header_values(name));
        }
        match &self.body_error {
            Some(e) => {
                let _ = write!(s, "            body: <unreadable: {e}>");
            }
            None => {
                let _ = write!(s, "            body: {}", show_body(&self.body));
            }
        }
        s
    }
}

/// A body for a message: text up to 2 KiB, otherwise its size.
pub fn show_body(body: &[u8]) -> String {
    const LIMIT: usize = 2048;
    if body.is_empty() {
        return "<empty>".to_string();
    }
    match std::str::from_utf8(body) {
        Ok(text) if text.len() <= LIMIT => format!("{text:?}"),
        Ok(text) => {
            let mut end = LIMIT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            format!("{:?}… ({} bytes)", &text[..end], body.len())
        }
        Err(_) => format!("<{} bytes of binary>", body.len()),
    }
}
