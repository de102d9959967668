//! `GET /api/v1/search`: versions (generic versions and OCI tags alike) across the repositories the
//! caller may read, filtered, newest first, paged with an opaque cursor.

use crate::{ApiError, bad_request};
use arca_core::auth::{Action, Principal};
use arca_core::meta::{Format, SearchCursor, SearchHit, SearchQuery};
use arca_core::observe::RouteClass;
use arca_core::registry::Registry;
use arca_core::time::{parse_rfc3339, rfc3339};
use arca_types::{Digest, RepoName};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) const PATH: &str = "/api/v1/search";
pub(crate) const DEFAULT_LIMIT: usize = 100;
pub(crate) const MAX_LIMIT: usize = 1000;

/// Who is asking: set by the server's authentication layer; absent when auth is off (everyone reads
/// everything).
pub type Reader = Option<Extension<Principal>>;

/// The repositories `reader` may read, or `None` for every one.
pub async fn readable(registry: &Registry, reader: &Reader) -> Result<Option<Vec<String>>, ApiError> {
    let Some(Extension(principal)) = reader else { return Ok(None) };
    if principal.allows_everywhere(Action::Read) {
        return Ok(None);
    }
    let repos = registry.list_repositories().await?;
    Ok(Some(
        repos.into_iter().map(|r| r.name.as_str().to_owned()).filter(|r| principal.allows(Action::Read, r)).collect(),
    ))
}

/// `limit`: default 100, at most 1000 (larger asks, up to `u64::MAX`, are cut to 1000).
pub(crate) fn parse_limit(value: Option<&str>) -> Result<usize, ApiError> {
    match value {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => match v.parse::<u64>() {
            Ok(0) | Err(_) => Err(bad_request(format!("limit must be a number from 1 to {MAX_LIMIT}, not {v:?}"))),
            Ok(n) => Ok(usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT)),
        },
    }
}

// Cursors are opaque to clients, but any well-formed one is a position in the order (the sort key of
// the last result seen, whether or not it exists), so every cursor the OpenAPI document's pattern
// describes is accepted: a page after that position.

/// Lowercase hex bytes, none of them 0 (the text of a cursor field).
const HEX_TEXT: &str = "([1-9a-f][0-9a-f]|0[1-9a-f])";

/// The pattern of a package listing's cursor: the hex of the last name.
pub(crate) fn name_cursor_pattern() -> String {
    format!("^{HEX_TEXT}+$")
}

/// The pattern of a version listing's or a search's cursor: the last result's creation time (16 hex
/// digits: the `i64` milliseconds' bits), then its repository, package and version in hex, joined by `.`.
pub(crate) fn search_cursor_pattern() -> String {
    format!("^[0-9a-f]{{16}}(\\.{HEX_TEXT}*){{3}}$")
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The text of [`hex`] (invalid UTF-8 replaced: the position stays well defined), if `text` is that.
fn unhex(text: &str) -> Option<String> {
    let digits = text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !digits || !text.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Vec<u8> =
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16)).collect::<Result<_, _>>().ok()?;
    // No NUL: PostgreSQL text cannot hold one.
    (!bytes.contains(&0)).then(|| String::from_utf8_lossy(&bytes).into_owned())
}

fn invalid_cursor() -> ApiError {
    bad_request("cursor is not a cursor this server returned (pass next_cursor as it is)")
}

pub(crate) fn encode_name_cursor(name: &str) -> String {
    hex(name)
}

pub(crate) fn decode_name_cursor(text: &str) -> Result<String, ApiError> {
    unhex(text).filter(|name| !name.is_empty()).ok_or_else(invalid_cursor)
}

pub fn encode_cursor(c: &SearchCursor) -> String {
    let time = u64::from_be_bytes(c.created_at.to_be_bytes());
    format!("{time:016x}.{}.{}.{}", hex(&c.repository), hex(&c.package), hex(&c.version))
}

pub fn decode_cursor(text: &str) -> Result<SearchCursor, ApiError> {
    let mut parts = text.split('.');
    let (Some(time), Some(repository), Some(package), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid_cursor());
    };
    let hex_digits = time.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let bits = u64::from_str_radix(time, 16).ok().filter(|_| hex_digits && time.len() == 16);
    let created_at = i64::from_be_bytes(bits.ok_or_else(invalid_cursor)?.to_be_bytes());
    let text = |part: &str| unhex(part).ok_or_else(invalid_cursor);
    Ok(SearchCursor { created_at, repository: text(repository)?, package: text(package)?, version: text(version)? })
}

/// A time filter: RFC 3339 or milliseconds since the epoch.
fn parse_time(param: &str, value: &str) -> Result<i64, ApiError> {
    if let Ok(millis) = value.parse::<i64>() {
        return Ok(millis);
    }
    parse_rfc3339(value).ok_or_else(|| {
        bad_request(format!(
            "{param} must be an RFC 3339 time (2026-11-23T10:00:00Z) or epoch milliseconds, not {value:?}"
        ))
    })
}

/// Properties as JSON: each key with its values, sorted.
pub(crate) fn properties_json(list: &[(String, String)]) -> BTreeMap<&str, Vec<&str>> {
    let mut map: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in list {
        map.entry(k).or_default().push(v);
    }
    map
}

pub(crate) fn hit_json(hit: &SearchHit) -> serde_json::Value {
    serde_json::json!({
        "repository": hit.repository,
        "format": hit.format,
        "package": hit.package,
        "version": hit.version,
        "digest": hit.digest.as_str(),
        "media_type": hit.media_type,
        "artifact_type": hit.artifact_type,
        "created_at": rfc3339(hit.created_at),
        "properties": properties_json(&hit.properties),
    })
}

/// The query string as a search (and the one repository it names, if any); every error names its
/// parameter. The web UI reads its search form with it too.
pub fn parse_query(params: Vec<(String, String)>) -> Result<(SearchQuery, Option<String>), ApiError> {
    let mut q = SearchQuery { limit: DEFAULT_LIMIT, ..SearchQuery::default() };
    let mut repository = None;
    let mut limit = None;
    let mut once = BTreeMap::new();
    for (key, value) in params {
        let repeatable = matches!(key.as_str(), "property" | "has_property");
        if !repeatable && once.insert(key.clone(), ()).is_some() {
            return Err(bad_request(format!("{key} is given more than once")));
        }
        match key.as_str() {
            "repository" => {
                RepoName::parse(&value).map_err(|e| bad_request(format!("repository: {e}")))?;
                repository = Some(value);
            }
            "format" => {
                let format = Format::parse(&value).ok_or_else(|| {
                    bad_request(format!("format must be oci, generic, pypi, npm, cargo or maven, not {value:?}"))
                })?;
                q.format = Some(format);
            }
            "package" => q.package = Some(value),
            "version" => q.version = Some(value),
            "property" => {
                let (k, v) = value
                    .split_once('=')
                    .filter(|(k, _)| !k.is_empty())
                    .ok_or_else(|| bad_request(format!("property must be key=value, not {value:?}")))?;
                q.properties.push((k.to_owned(), v.to_owned()));
            }
            "has_property" if !value.is_empty() => q.has_properties.push(value),
            "has_property" => return Err(bad_request("has_property must name a key")),
            "digest" => {
                q.digest = Some(Digest::parse(&value).map_err(|e| bad_request(format!("digest: {e}")))?);
            }
            "created_after" => q.created_after = Some(parse_time("created_after", &value)?),
            "created_before" => q.created_before = Some(parse_time("created_before", &value)?),
            "limit" => limit = Some(value),
            "cursor" => q.after = Some(decode_cursor(&value)?),
            other => return Err(bad_request(format!("unknown parameter {other:?}"))),
        }
    }
    q.limit = parse_limit(limit.as_deref())?;
    Ok((q, repository))
}

/// `{"results": [...], "next_cursor": "…" | null}`.
pub(crate) async fn search(
    State(registry): State<Arc<Registry>>,
    reader: Reader,
    params: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| bad_request(format!("query: {}", e.body_text())))?;
    let (mut query, repository) = parse_query(params)?;
    query.repositories = match (readable(&registry, &reader).await?, repository) {
        (None, None) => None,
        (None, Some(one)) => Some(vec![one]),
        (Some(all), None) => Some(all),
        (Some(all), Some(one)) => Some(all.into_iter().filter(|r| *r == one).collect()),
    };
    let page = registry.search(&query).await?;
    let results: Vec<serde_json::Value> = page.hits.iter().map(hit_json).collect();
    let next = page.next.as_ref().map(encode_cursor);
    let mut response = Json(serde_json::json!({ "results": results, "next_cursor": next })).into_response();
    response.extensions_mut().insert(RouteClass("api_search"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn error(pairs: &[(&str, &str)]) -> String {
        parse_query(params(pairs)).expect_err("refused").0.message
    }

    #[test]
    fn every_parameter_is_parsed() {
        let (q, repo) = parse_query(params(&[
            ("repository", "rel"),
            ("format", "generic"),
            ("package", "team/*"),
            ("version", "1.?"),
            ("property", "env=prod"),
            ("property", "note=a=b"),
            ("has_property", "build.id"),
            ("created_after", "2026-11-22T10:00:00Z"),
            ("created_before", "1795341600001"),
            ("limit", "5000"),
        ]))
        .unwrap();
        assert_eq!(repo.as_deref(), Some("rel"));
        assert_eq!(q.format, Some(Format::Generic));
        assert_eq!(q.properties, [("env".into(), "prod".into()), ("note".into(), "a=b".into())]);
        assert_eq!(q.has_properties, ["build.id"]);
        assert_eq!((q.created_after, q.created_before), (Some(1_795_341_600_000), Some(1_795_341_600_001)));
        assert_eq!(q.limit, MAX_LIMIT);
        assert_eq!(parse_query(Vec::new()).unwrap().0.limit, DEFAULT_LIMIT);
    }

    #[test]
    fn errors_name_the_parameter() {
        for (pairs, param) in [
            (&[("format", "zip")][..], "format"),
            (&[("property", "novalue")], "property"),
            (&[("digest", "sha256:xyz")], "digest"),
            (&[("created_after", "yesterday")], "created_after"),
            (&[("limit", "0")], "limit"),
            (&[("cursor", "zz")], "cursor"),
            (&[("repository", "Bad!")], "repository"),
            (&[("colour", "red")], "colour"),
            (&[("package", "a"), ("package", "b")], "package"),
        ] {
            let message = error(pairs);
            assert!(message.contains(param), "{message:?} names {param}");
        }
    }

    #[test]
    fn cursors_round_trip() {
        for created_at in [5, 0, -1, i64::MAX, i64::MIN] {
            let c = SearchCursor { created_at, repository: "r".into(), package: "p/q".into(), version: "1".into() };
            assert_eq!(decode_cursor(&encode_cursor(&c)).unwrap(), c);
        }
        assert_eq!(decode_name_cursor(&encode_name_cursor("team/tool")).unwrap(), "team/tool");
    }

    #[test]
    fn every_cursor_of_the_documented_pattern_is_a_position() {
        assert!(decode_cursor("0000000000000005...").is_ok(), "empty fields");
        let c = decode_cursor("ffffffffffffffff.ff..41").unwrap();
        assert_eq!(
            (c.created_at, c.repository.as_str(), c.package.as_str(), c.version.as_str()),
            (-1, "\u{fffd}", "", "A")
        );
        assert_eq!(decode_name_cursor("c3").unwrap(), "\u{fffd}", "invalid UTF-8 is still a position");
        for bad in [
            "",
            "0",
            "zz",
            "00000000000000000000",
            "0000000000000005.00..",
            "5.61.61.61",
            "000000000000000A...",
            "0000000000000005.6.61.61",
            "0000000000000005....",
        ] {
            assert!(decode_cursor(bad).is_err(), "{bad:?} is no search cursor");
        }
        for bad in ["", "6", "00", "6100", "4A", "zz"] {
            assert!(decode_name_cursor(bad).is_err(), "{bad:?} is no name cursor");
        }
    }
}
