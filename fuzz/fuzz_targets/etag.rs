//! `arca_http::conditional::{parse, evaluate}` (`If-Match` / `If-None-Match`): never panic; every tag
//! read is spelled in the input and holds only `etagc` bytes; evaluating the field against an ETag
//! proceeds, answers 304, or fails the precondition, nothing else; the ETag's own header value, sent
//! back, always matches it.
//! Input: the field's lines, separated by `\n`.
#![no_main]

use arca_core::ErrorKind;
use arca_http::conditional::{ETag, Outcome, Tags, evaluate, parse};
use arca_types::Digest;
use http::{HeaderMap, HeaderValue, Method, header};
use libfuzzer_sys::fuzz_target;

const DIGEST: &str = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if let Tags::List(tags) = parse(lines.iter().copied()) {
        for tag in tags {
            assert!(tag.opaque.iter().all(|&b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80), "{tag:?}");
            let spelled = tag.opaque.is_empty() || data.windows(tag.opaque.len()).any(|w| w == tag.opaque);
            assert!(spelled, "{tag:?} is not in the input");
        }
    }
    let etag = ETag::of(&Digest::parse(DIGEST).expect("a valid digest"));
    for name in [header::IF_MATCH, header::IF_NONE_MATCH] {
        let mut headers = HeaderMap::new();
        for line in &lines {
            if let Ok(value) = HeaderValue::from_bytes(line) {
                headers.append(name.clone(), value);
            }
        }
        for method in [Method::GET, Method::HEAD, Method::PUT] {
            match evaluate(&method, &headers, &etag) {
                Ok(Outcome::NotModified) => assert!(name == header::IF_NONE_MATCH && method != Method::PUT),
                Ok(Outcome::Proceed) => {}
                Err(e) => assert_eq!(e.kind, ErrorKind::PreconditionFailed),
            }
        }
        // The tag we send, sent back alongside whatever else: If-Match holds, If-None-Match matches.
        headers.append(name.clone(), etag.header_value());
        let expected = if name == header::IF_MATCH { Outcome::Proceed } else { Outcome::NotModified };
        assert_eq!(evaluate(&Method::GET, &headers, &etag), Ok(expected));
    }
});
