//! Choosing HTML or JSON for a simple API request (PEP 691 content negotiation).
//!
//! Three types are served: `application/vnd.pypi.simple.v1+json`, `…v1+html` and `text/html`
//! (an alias of v1+html). `…latest+json` / `…latest+html` ask for the newest version, which is
//! answered with the concrete v1 type. The offer with the highest quality wins; on a tie, the
//! one the client named explicitly beats one matched by a wildcard. Among types named
//! explicitly with equal quality, JSON is preferred (the spec recommends the most expressive
//! format); among wildcard matches, `text/html` (PyPI's answer to `*/*`). No `Accept` header
//! is answered `text/html`, as PyPI does; a header that admits none of the three gets
//! [`NotAcceptable`] (406, the spec's recommendation; never 300).
//!
//! `?format=<content type>` overrides the header, as the spec suggests; an unsupported value
//! is [`NotAcceptable`]. A space in it is read as `+`, since form-decoding turns an unescaped
//! `+` into a space.

use super::SimpleFormat;

pub const CONTENT_TYPE_JSON: &str = "application/vnd.pypi.simple.v1+json";
pub const CONTENT_TYPE_HTML: &str = "application/vnd.pypi.simple.v1+html";
pub const CONTENT_TYPE_TEXT_HTML: &str = "text/html";

const LATEST_JSON: &str = "application/vnd.pypi.simple.latest+json";
const LATEST_HTML: &str = "application/vnd.pypi.simple.latest+html";

/// Media ranges looked at in one `Accept` header; real clients send three.
const MAX_RANGES: usize = 64;

/// None of the requested types is served (HTTP 406).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "none of the requested content types is served; accepted: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, text/html"
)]
pub struct NotAcceptable;

/// What we serve: format, Content-Type, and the offer's rank among wildcard matches.
const OFFERS: [(SimpleFormat, &str); 3] = [
    (SimpleFormat::Html, CONTENT_TYPE_TEXT_HTML),
    (SimpleFormat::Html, CONTENT_TYPE_HTML),
    (SimpleFormat::Json, CONTENT_TYPE_JSON),
];

/// The format to answer and its `Content-Type`, from the `Accept` header and the `format` query
/// parameter.
pub fn negotiate(
    accept: Option<&str>,
    format_query: Option<&str>,
) -> Result<(SimpleFormat, &'static str), NotAcceptable> {
    if let Some(format) = format_query.map(str::trim).filter(|f| !f.is_empty()) {
        let format = format.replace(' ', "+").to_ascii_lowercase();
        return OFFERS.into_iter().find(|(_, ct)| names(&format, ct)).ok_or(NotAcceptable);
    }
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok((SimpleFormat::Html, CONTENT_TYPE_TEXT_HTML));
    };
    let ranges: Vec<Range> = accept.split(',').take(MAX_RANGES).filter_map(Range::parse).collect();
    OFFERS
        .into_iter()
        .enumerate()
        .filter_map(|(rank, offer)| {
            let (quality, specificity) = best_match(&ranges, offer.1)?;
            // Explicit matches prefer JSON (the last offer), wildcard matches text/html (the first).
            let preference = if specificity == EXACT { rank } else { OFFERS.len() - rank };
            (quality > 0).then_some(((quality, specificity, preference), offer))
        })
        .max_by_key(|(score, _)| *score)
        .map(|(_, offer)| offer)
        .ok_or(NotAcceptable)
}

/// Whether a requested type names the offered one (`latest` names v1).
fn names(requested: &str, offered: &str) -> bool {
    requested == offered
        || (requested == LATEST_JSON && offered == CONTENT_TYPE_JSON)
        || (requested == LATEST_HTML && offered == CONTENT_TYPE_HTML)
}

const EXACT: u8 = 3;

/// The quality (thousandths) and specificity of the most specific range matching `offered`.
fn best_match(ranges: &[Range], offered: &str) -> Option<(u16, u8)> {
    let (offered_type, _) = offered.split_once('/')?;
    ranges
        .iter()
        .filter_map(|r| {
            let specificity = if r.essence == "*/*" {
                1
            } else if r.essence.strip_suffix("/*") == Some(offered_type) {
                2
            } else if names(&r.essence, offered) {
                EXACT
            } else {
                return None;
            };
            Some((specificity, r.quality))
        })
        .max_by_key(|(specificity, _)| *specificity)
        .map(|(specificity, quality)| (quality, specificity))
}

/// One media range of an `Accept` header: `type/subtype` lower-cased, quality in thousandths.
struct Range {
    essence: String,
    quality: u16,
}

impl Range {
    /// `None` for a malformed range, which is ignored.
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(';');
        let essence = parts.next()?.trim().to_ascii_lowercase();
        let (kind, subtype) = essence.split_once('/')?;
        let token =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && !b"/()<>@,;:\\\"[]?={}".contains(&b));
        if !token(kind) || !token(subtype) || (kind == "*" && subtype != "*") {
            return None;
        }
        let mut quality = 1000;
        for param in parts {
            let Some((key, value)) = param.split_once('=') else { continue };
            if key.trim().eq_ignore_ascii_case("q") {
                quality = parse_quality(value.trim())?;
                break; // parameters after q are accept-extensions
            }
        }
        Some(Self { essence, quality })
    }
}

/// RFC 9110 `qvalue`: `0(.ddd)?` or `1(.000)?`, in thousandths.
fn parse_quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualities_parse_as_rfc_9110_says() {
        assert_eq!(parse_quality("0.2"), Some(200));
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.001"), Some(1));
        assert_eq!(parse_quality("0."), Some(0));
        for bad in ["1.5", "2", "-0", "0.0001", "", "x", ".5"] {
            assert_eq!(parse_quality(bad), None, "{bad}");
        }
    }
}
