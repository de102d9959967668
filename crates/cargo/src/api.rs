//! The web API's smaller bodies, in the shapes crates-io (the client library inside cargo) reads:
//! publish warnings, yank and unyank, owners, search. The refusal body is [`crate::error_body`].
//!
//! cargo reads every answer as JSON and first looks for `errors[].detail`: a body with `errors` is
//! a refusal even on a 200. On success it reads `ok` where it expects it: an answer without it is
//! an "invalid response" to cargo, and `"ok": false` makes cargo panic rather than report.

use crate::CargoError;
use arca_types::QueryParams;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What a publish ignored, shown by cargo as warnings. arca has no category or badge list, so the
/// first two stay empty unless a policy fills them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublishWarnings {
    pub invalid_categories: Vec<String>,
    pub invalid_badges: Vec<String>,
    pub other: Vec<String>,
}

/// The answer to a successful publish: `{"warnings": {...}}`.
pub fn publish_ok_body(warnings: &PublishWarnings) -> Value {
    json!({ "warnings": warnings })
}

/// The answer to a yank or unyank: `{"ok": true}`.
pub fn ok_body() -> Value {
    json!({ "ok": true })
}

/// One owner in `GET /api/v1/crates/<name>/owners`. cargo reads `id` as a `u32` and prints
/// `login (name)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    pub id: u32,
    pub login: String,
    pub name: Option<String>,
}

/// `{"users": [{"id", "login", "name"}]}`.
pub fn owners_body(owners: &[Owner]) -> Value {
    json!({ "users": owners })
}

/// The answer to adding or removing owners: `{"ok": true, "msg": ...}`. cargo prints `msg` after
/// an add and requires it, unused, after a removal.
pub fn owners_ok_body(msg: &str) -> Value {
    json!({ "ok": true, "msg": msg })
}

/// Most logins one request may name.
pub const MAX_OWNERS_PER_REQUEST: usize = 100;
/// Longest login accepted.
const MAX_LOGIN: usize = 100;

#[derive(Deserialize)]
struct OwnersRequest {
    users: Vec<String>,
}

/// The logins of `PUT`/`DELETE /api/v1/crates/<name>/owners` (`{"users": ["login", ...]}`).
/// cargo 1.95 sends `cargo owner --add a,b` as the single string `"a,b"`, so every entry is split
/// on commas; logins are trimmed and kept once each, in order.
pub fn parse_owners_request(body: &[u8]) -> Result<Vec<String>, CargoError> {
    let invalid = |reason: &str| CargoError::InvalidRequest(reason.to_owned());
    let request: OwnersRequest =
        serde_json::from_slice(body).map_err(|_| invalid("an owners body is {\"users\": [\"login\", ...]}"))?;
    let mut logins: Vec<String> = Vec::new();
    for login in request.users.iter().flat_map(|entry| entry.split(',')).map(str::trim) {
        if login.is_empty() {
            continue;
        }
        if login.len() > MAX_LOGIN || login.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(invalid("a login is at most 100 characters, without spaces"));
        }
        if !logins.iter().any(|l| l == login) {
            logins.push(login.to_owned());
        }
    }
    match logins.len() {
        0 => Err(invalid("name at least one login")),
        n if n > MAX_OWNERS_PER_REQUEST => Err(invalid("at most 100 logins per request")),
        _ => Ok(logins),
    }
}

/// The most results one page may ask for: crates.io's bound, and cargo's (`--limit` above 100 is
/// lowered to 100).
pub const MAX_PER_PAGE: u32 = 100;
const DEFAULT_PER_PAGE: u32 = 10;

/// `GET /api/v1/crates?q=&per_page=` (cargo sends both; `page` is crates.io's, for other clients).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub q: String,
    /// 1 to [`MAX_PER_PAGE`].
    pub per_page: u32,
    /// From 1.
    pub page: u32,
}

impl SearchQuery {
    /// Reads a raw query string. Never fails: a missing or unreadable number takes its default, a
    /// `per_page` out of bounds is brought within them.
    pub fn parse(query: &str) -> Self {
        let params = QueryParams::parse(query);
        let number = |key: &str| params.get(key).and_then(|v| v.trim().parse::<u32>().ok());
        Self {
            q: params.get("q").unwrap_or_default().chars().take(256).collect(),
            per_page: number("per_page").unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE),
            page: number("page").unwrap_or(1).max(1),
        }
    }

    /// How many results the pages before this one hold.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }
}

/// One search result. cargo prints `name = "max_version"    # description`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchHit {
    pub name: String,
    pub max_version: String,
    pub description: Option<String>,
}

/// `{"crates": [...], "meta": {"total": N}}`; cargo reads `total` as a `u32` (and says how many
/// more there are), so a larger count is capped.
pub fn search_body(hits: &[SearchHit], total: u64) -> Value {
    json!({ "crates": hits, "meta": { "total": total.min(u64::from(u32::MAX)) } })
}
