//! Conditional requests (RFC 9110 §13) as every protocol answers them: a representation's entity tag,
//! and the `If-Match` / `If-None-Match` preconditions of a request, evaluated once here.
//!
//! Everything arca serves is content-addressed, so an entity tag is the content's digest
//! (`"sha256:…"`): strong, and the same on every node. A client that holds the content already asks
//! with `If-None-Match: "<digest>"` and gets `304 Not Modified` without the body (Distribution answers
//! a manifest GET so); an `If-Match` that names no current tag is `412 Precondition Failed`.
//!
//! The preconditions are evaluated only once the representation is known to exist (RFC 9110
//! §13.2.1: a request that would fail without them fails the same with them), and before a `Range` is
//! looked at (§13.2.2: a `304` wins over a `206`).
//!
//! Header values come from clients: [`parse`] never panics, whatever the bytes (tested on hostile
//! input here and fuzzed: `fuzz/fuzz_targets/etag.rs`).

use arca_core::{Error, ErrorKind};
use arca_types::Digest;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};

/// A strong entity tag: a digest, sent quoted (`ETag: "sha256:…"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ETag(String);

impl ETag {
    /// The entity tag of content with this digest.
    pub fn of(digest: &Digest) -> Self {
        Self(digest.as_str().to_owned())
    }

    /// The entity tag of a document rendered for a response (its SHA-256).
    pub fn of_content(content: &[u8]) -> Self {
        Self::of(&arca_core::hasher::digest_of(arca_types::DigestAlgorithm::Sha256, content))
    }

    /// The `ETag` header's value: the tag in double quotes.
    pub fn header_value(&self) -> HeaderValue {
        crate::header_value(&format!("\"{}\"", self.0))
    }

    fn opaque(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// One entity tag of an `If-Match` / `If-None-Match` list, as the client sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityTag<'a> {
    /// Sent with the `W/` prefix.
    pub weak: bool,
    /// The characters between the quotes.
    pub opaque: &'a [u8],
}

impl EntityTag<'_> {
    /// Strong comparison (RFC 9110 §8.8.3.2): neither is weak, and the characters are the same.
    pub fn strong_match(&self, etag: &ETag) -> bool {
        !self.weak && self.opaque == etag.opaque()
    }

    /// Weak comparison: the characters are the same, `W/` or not.
    pub fn weak_match(&self, etag: &ETag) -> bool {
        self.opaque == etag.opaque()
    }
}

/// An `If-Match` / `If-None-Match` field: `*`, or the entity tags it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tags<'a> {
    /// `*`: any current representation.
    Any,
    /// The tags listed (possibly none, when nothing in the field could be read as one).
    List(Vec<EntityTag<'a>>),
}

/// Parses the lines of an `If-Match` / `If-None-Match` field (`"*" / #entity-tag`, a list possibly
/// split over several lines). Never fails; what is not understood counts for nothing:
/// - on a line, the tags before the first malformed element count and the rest of the line is ignored
///   (as Go's `net/http` reads them): for `If-None-Match` the request then proceeds as if the tags
///   were not listed, for `If-Match` nothing unreadable can match;
/// - `*` as an element means any representation;
/// - a line that is one bare token, such as an unquoted `sha256:…`, is read as that tag quoted
///   (Distribution compares the whole value with the digest, quoted or not).
pub fn parse<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Tags<'a> {
    let mut tags = Vec::new();
    for line in lines {
        if parse_line(line, &mut tags) {
            return Tags::Any;
        }
    }
    Tags::List(tags)
}

/// The field `name` of `headers`, parsed; `None` when the request does not carry it.
pub fn field<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<Tags<'a>> {
    let mut lines = headers.get_all(name).iter().map(HeaderValue::as_bytes).peekable();
    lines.peek()?;
    Some(parse(lines))
}

/// Adds the tags of one line to `tags`; `true` when the line holds `*`.
fn parse_line<'a>(line: &'a [u8], tags: &mut Vec<EntityTag<'a>>) -> bool {
    let mut rest = trim_ows(line);
    if !rest.is_empty() && rest != b"*" && rest.iter().all(|&b| is_etagc(b) && b != b',') {
        tags.push(EntityTag { weak: false, opaque: rest });
        return false;
    }
    loop {
        // Empty list elements (`, ,`) are allowed and skipped (RFC 9110 §5.6.1.2).
        while let [b',' | b' ' | b'\t', tail @ ..] = rest {
            rest = tail;
        }
        if rest.is_empty() {
            return false;
        }
        if let [b'*', tail @ ..] = rest
            && ends_element(tail)
        {
            return true;
        }
        let (weak, quoted) = match rest {
            [b'W', b'/', tail @ ..] => (true, tail),
            _ => (false, rest),
        };
        let [b'"', inner @ ..] = quoted else { return false };
        let Some(end) = inner.iter().position(|&b| b == b'"') else { return false };
        let opaque = &inner[..end];
        let tail = &inner[end + 1..];
        if !opaque.iter().all(|&b| is_etagc(b)) || !ends_element(tail) {
            return false;
        }
        tags.push(EntityTag { weak, opaque });
        rest = tail;
    }
}

/// Whether what follows an element ends it: nothing, or whitespace up to a comma or the end.
fn ends_element(tail: &[u8]) -> bool {
    matches!(trim_ows(tail), [] | [b',', ..])
}

/// `etagc = %x21 / %x23-7E / obs-text`: visible characters but `"`, and bytes past ASCII.
fn is_etagc(b: u8) -> bool {
    b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', tail @ ..] = s {
        s = tail;
    }
    while let [head @ .., b' ' | b'\t'] = s {
        s = head;
    }
    s
}

/// What a request's preconditions decide once they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No precondition, or all hold: answer as usual.
    Proceed,
    /// A GET or HEAD whose `If-None-Match` names the current tag: `304`, no body ([`not_modified`]).
    NotModified,
}

/// Evaluates the request's preconditions against the current representation's `etag` (RFC 9110
/// §13.2.2): `If-Match` first (strong comparison; `*` holds), then `If-None-Match` (weak comparison;
/// `*` matches). A precondition that fails is a `PreconditionFailed` error (`412`), except a matching
/// `If-None-Match` on a GET or HEAD, which is [`Outcome::NotModified`].
///
/// Call it only once the representation is known to exist: the answer to a request for nothing is
/// the `404` it would be without preconditions.
pub fn evaluate(method: &Method, headers: &HeaderMap, etag: &ETag) -> Result<Outcome, Error> {
    if let Some(tags) = field(headers, &header::IF_MATCH) {
        let holds = match &tags {
            Tags::Any => true,
            Tags::List(list) => list.iter().any(|t| t.strong_match(etag)),
        };
        if !holds {
            return Err(failed("If-Match", etag));
        }
    }
    if let Some(tags) = field(headers, &header::IF_NONE_MATCH) {
        let matches = match &tags {
            Tags::Any => true,
            Tags::List(list) => list.iter().any(|t| t.weak_match(etag)),
        };
        if matches {
            return if method == Method::GET || method == Method::HEAD {
                Ok(Outcome::NotModified)
            } else {
                Err(failed("If-None-Match", etag))
            };
        }
    }
    Ok(Outcome::Proceed)
}

fn failed(field: &str, etag: &ETag) -> Error {
    Error::new(
        ErrorKind::PreconditionFailed,
        format!("precondition {field} does not hold: the current entity tag is \"{}\"", etag.0),
    )
}

/// The `304 Not Modified` of a GET or HEAD, from the headers its `200` would carry (`builder`): those
/// describing the representation stay (`ETag`, `Cache-Control`, `Content-Type`,
/// `Docker-Content-Digest`…), those framing a body go (`Content-Length`, `Content-Range`), and there
/// is no body.
pub fn not_modified(mut builder: http::response::Builder) -> Response {
    if let Some(headers) = builder.headers_mut() {
        headers.remove(header::CONTENT_LENGTH);
        headers.remove(header::CONTENT_RANGE);
    }
    builder.status(StatusCode::NOT_MODIFIED).body(Body::empty()).expect("valid response")
}

/// A rendered document that changes with what it lists (an index page, a packument): its ETag is its
/// hash, clients keep it but revalidate (`max-age=0, must-revalidate`), and one that has it gets a
/// 304 without the body. `head`: the headers only.
pub fn document(
    parts: &http::request::Parts,
    body: Vec<u8>,
    content_type: &'static str,
    head: bool,
) -> Result<axum::response::Response, Error> {
    let digest = arca_core::hasher::digest_of(arca_types::DigestAlgorithm::Sha256, &body);
    document_of_digest(parts, bytes::Bytes::from(body), &digest, content_type, head)
}

/// [`document`] for a body whose SHA-256 is known (a document kept rendered).
pub fn document_of_digest(
    parts: &http::request::Parts,
    body: bytes::Bytes,
    digest: &Digest,
    content_type: &'static str,
    head: bool,
) -> Result<axum::response::Response, Error> {
    let etag = ETag::of(digest);
    let builder = axum::response::Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ETAG, etag.header_value())
        .header(header::CACHE_CONTROL, "max-age=0, must-revalidate")
        .header(header::VARY, "Accept");
    if evaluate(&parts.method, &parts.headers, &etag)? == Outcome::NotModified {
        return Ok(not_modified(builder));
    }
    let builder = builder.header(header::CONTENT_LENGTH, body.len());
    let body = if head { axum::body::Body::empty() } else { axum::body::Body::from(body) };
    Ok(builder.body(body).expect("valid response"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

    fn etag() -> ETag {
        ETag::of(&Digest::parse(DIGEST).unwrap())
    }

    fn tags(line: &[u8]) -> Tags<'_> {
        parse([line])
    }

    fn list(tags: &[(bool, &'static str)]) -> Tags<'static> {
        Tags::List(tags.iter().map(|&(weak, opaque)| EntityTag { weak, opaque: opaque.as_bytes() }).collect())
    }

    fn request(fields: &[(HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in fields {
            headers.append(name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn the_tag_is_the_quoted_digest() {
        assert_eq!(etag().header_value(), format!("\"{DIGEST}\"").as_str());
    }

    #[test]
    fn lists_parse_as_rfc_9110_spells_them() {
        assert_eq!(tags(b"*"), Tags::Any);
        assert_eq!(tags(b" * "), Tags::Any);
        assert_eq!(tags(br#""a""#), list(&[(false, "a")]));
        assert_eq!(tags(br#"W/"a""#), list(&[(true, "a")]));
        assert_eq!(tags(br#""a", W/"b" ,"c""#), list(&[(false, "a"), (true, "b"), (false, "c")]));
        assert_eq!(tags(br#", ,"a",,"#), list(&[(false, "a")]), "empty elements are skipped");
        assert_eq!(tags(br#""""#), list(&[(false, "")]), "an empty opaque tag is a tag");
        assert_eq!(tags(br#""a,b""#), list(&[(false, "a,b")]), "a comma inside the quotes is part of the tag");
        assert_eq!(parse([&br#""a""#[..], br#"W/"b""#]), list(&[(false, "a"), (true, "b")]), "over two lines");
        assert_eq!(parse([&br#""a""#[..], b"*"]), Tags::Any);
    }

    #[test]
    fn an_unquoted_value_is_read_as_distribution_reads_it() {
        assert_eq!(tags(DIGEST.as_bytes()), list(&[(false, DIGEST)]));
        assert_eq!(tags(format!(" {DIGEST}\t").as_bytes()), list(&[(false, DIGEST)]));
        assert_eq!(tags(b"*a"), list(&[(false, "*a")]), "a bare token, not *");
        // Anything else unquoted is malformed, not a bare tag.
        assert_eq!(tags(b"a, b"), list(&[]));
        assert_eq!(tags(b"a b"), list(&[]));
    }

    #[test]
    fn malformed_elements_end_the_line() {
        for (line, expected) in [
            (&br#""a", b, "c""#[..], list(&[(false, "a")])),
            (br#""a" "b""#, list(&[])),
            (br#""a"b"#, list(&[])),
            (br#""unterminated"#, list(&[])),
            (br#"w/"a""#, list(&[])),
            (br#"W/ "a""#, list(&[])),
            (br#""a b""#, list(&[])),
            (b"\"a\x7fb\"", list(&[])),
            (br#""a", *x"#, list(&[(false, "a")])),
            (b"", list(&[])),
            (b"   ", list(&[])),
            (b",", list(&[])),
        ] {
            assert_eq!(tags(line), expected, "{:?}", String::from_utf8_lossy(line));
        }
        // Bytes past ASCII are `obs-text`: allowed inside the quotes.
        assert_eq!(tags(b"\"\xff\x80\""), Tags::List(vec![EntityTag { weak: false, opaque: b"\xff\x80" }]));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let quoted = format!("\"{DIGEST}\"");
        for (value, outcome) in [
            (quoted.clone(), Outcome::NotModified),
            (format!("W/{quoted}"), Outcome::NotModified),
            (format!("\"sha256:other\", {quoted}"), Outcome::NotModified),
            ("*".to_owned(), Outcome::NotModified),
            (DIGEST.to_owned(), Outcome::NotModified),
            ("\"sha256:other\"".to_owned(), Outcome::Proceed),
            (format!("\"{}\"", DIGEST.to_uppercase()), Outcome::Proceed),
            ("garbage, \"".to_owned(), Outcome::Proceed),
            (format!("junk {quoted}"), Outcome::Proceed),
        ] {
            let headers = request(&[(header::IF_NONE_MATCH, &value)]);
            assert_eq!(evaluate(&Method::GET, &headers, &etag()), Ok(outcome), "{value}");
            assert_eq!(evaluate(&Method::HEAD, &headers, &etag()), Ok(outcome), "{value}");
        }
        assert_eq!(evaluate(&Method::GET, &HeaderMap::new(), &etag()), Ok(Outcome::Proceed));
    }

    #[test]
    fn if_none_match_on_other_methods_fails() {
        let headers = request(&[(header::IF_NONE_MATCH, "*")]);
        let e = evaluate(&Method::PUT, &headers, &etag()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::PreconditionFailed);
    }

    #[test]
    fn if_match_compares_strongly() {
        let quoted = format!("\"{DIGEST}\"");
        for (value, holds) in [
            (quoted.clone(), true),
            ("*".to_owned(), true),
            (format!("\"x\", {quoted}"), true),
            (format!("W/{quoted}"), false),
            ("\"sha256:other\"".to_owned(), false),
            ("garbage".to_owned(), false),
            ("\"".to_owned(), false),
        ] {
            let headers = request(&[(header::IF_MATCH, &value)]);
            let result = evaluate(&Method::GET, &headers, &etag());
            match holds {
                true => assert_eq!(result, Ok(Outcome::Proceed), "{value}"),
                false => assert_eq!(result.unwrap_err().kind, ErrorKind::PreconditionFailed, "{value}"),
            }
        }
    }

    #[test]
    fn if_match_is_evaluated_before_if_none_match() {
        let quoted = format!("\"{DIGEST}\"");
        let both = request(&[(header::IF_MATCH, "\"other\""), (header::IF_NONE_MATCH, &quoted)]);
        assert_eq!(evaluate(&Method::GET, &both, &etag()).unwrap_err().kind, ErrorKind::PreconditionFailed);
        let both = request(&[(header::IF_MATCH, &quoted), (header::IF_NONE_MATCH, &quoted)]);
        assert_eq!(evaluate(&Method::GET, &both, &etag()), Ok(Outcome::NotModified));
    }

    #[test]
    fn a_304_keeps_the_representation_headers_but_no_body_framing() {
        let builder = Response::builder()
            .header(header::ETAG, etag().header_value())
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, 42)
            .header(header::CONTENT_RANGE, "bytes 0-41/42")
            .header("docker-content-digest", DIGEST);
        let response = not_modified(builder);
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        let headers = response.headers();
        assert_eq!(headers[header::ETAG], etag().header_value());
        assert_eq!(headers["docker-content-digest"], DIGEST);
        assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
        assert!(!headers.contains_key(header::CONTENT_LENGTH) && !headers.contains_key(header::CONTENT_RANGE));
    }

    /// A small deterministic generator (xorshift), so the hostile-input tests need no dependency.
    struct Bytes(u64);

    impl Bytes {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// Bytes that make up the grammar, and some that break it.
        fn hostile(&mut self) -> Vec<u8> {
            const PIECES: &[&[u8]] = &[
                b"\"", b"W/", b"w/", b",", b" ", b"\t", b"*", b"a", b"sha256:", b"\x7f", b"\x80", b"\xff", b"/", b"W",
            ];
            (0..self.below(24)).flat_map(|_| PIECES[self.below(PIECES.len())].to_vec()).collect()
        }
    }

    #[test]
    fn hostile_input_never_panics_and_yields_only_tags_it_contains() {
        let mut rng = Bytes(0x9e37_79b9_7f4a_7c15);
        for _ in 0..50_000 {
            let (a, b) = (rng.hostile(), rng.hostile());
            let Tags::List(list) = parse([&a[..], &b[..]]) else { continue };
            for tag in list {
                assert!(tag.opaque.iter().all(|&b| is_etagc(b)), "{tag:?}");
                let inside = |line: &[u8]| line.windows(tag.opaque.len()).any(|w| w == tag.opaque);
                assert!(tag.opaque.is_empty() || inside(&a) || inside(&b), "{tag:?} is not in the input");
            }
            // Evaluating any such field is an answer, never a panic.
            for name in [header::IF_MATCH, header::IF_NONE_MATCH] {
                let mut headers = HeaderMap::new();
                for line in [&a, &b] {
                    if let Ok(value) = HeaderValue::from_bytes(line) {
                        headers.append(name.clone(), value);
                    }
                }
                let _ = evaluate(&Method::GET, &headers, &etag());
            }
        }
    }

    #[test]
    fn any_list_of_well_formed_tags_reads_back() {
        let mut rng = Bytes(0x2545_f491_4f6c_dd1d);
        let etagc: Vec<u8> = (0..=255u8).filter(|&b| is_etagc(b)).collect();
        for _ in 0..20_000 {
            let expected: Vec<(bool, Vec<u8>)> = (0..1 + rng.below(4))
                .map(|_| (rng.below(2) == 0, (0..rng.below(12)).map(|_| etagc[rng.below(etagc.len())]).collect()))
                .collect();
            let ows = |rng: &mut Bytes| [&b""[..], b" ", b"\t", b"  "][rng.below(4)].to_vec();
            let mut line = ows(&mut rng);
            for (i, (weak, opaque)) in expected.iter().enumerate() {
                if i > 0 {
                    line.extend(ows(&mut rng));
                    line.push(b',');
                    line.extend(ows(&mut rng));
                }
                if *weak {
                    line.extend(b"W/");
                }
                line.push(b'"');
                line.extend(opaque);
                line.push(b'"');
            }
            line.extend(ows(&mut rng));
            let got = match tags(&line) {
                Tags::List(list) => list.into_iter().map(|t| (t.weak, t.opaque.to_vec())).collect::<Vec<_>>(),
                Tags::Any => panic!("{line:?} read as *"),
            };
            assert_eq!(got, expected, "{:?}", String::from_utf8_lossy(&line));
        }
    }
}
