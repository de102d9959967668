//! Single-range reads (`Range: bytes=…`) as every protocol serves them.

use arca_types::RangeSpec;
use http::{HeaderMap, HeaderValue, header};

/// The requested range. An unparsable `Range` header is ignored (RFC 9110 §14.2): the whole content
/// is served; a parsable but unsatisfiable one is the caller's 416.
pub fn requested(headers: &HeaderMap) -> Option<RangeSpec> {
    headers.get(header::RANGE).and_then(|v| v.to_str().ok()).and_then(|v| RangeSpec::parse_header(v).ok())
}

/// `Content-Range: bytes */<size>`, sent with a 416.
pub fn unsatisfiable(size: u64) -> (header::HeaderName, HeaderValue) {
    (header::CONTENT_RANGE, crate::header_value(&format!("bytes */{size}")))
}

/// `Content-Range: bytes <start>-<end>/<size>`, sent with a 206.
pub fn content_range(range: &arca_types::ByteRange, size: u64) -> HeaderValue {
    crate::header_value(&format!("bytes {}-{}/{size}", range.start, range.end))
}
