//! `npm search`: `GET /-/v1/search?text=&size=&from=`, answered in the shape libnpmsearch reads
//! (`objects[].package`, with `score` and `searchScore` that npm displays nothing of but expects).

use arca_types::QueryParams;
use serde_json::{Value, json};

/// The most results one page may ask for, as on registry.npmjs.org.
pub const MAX_SEARCH_SIZE: u32 = 250;
const DEFAULT_SEARCH_SIZE: u32 = 20;

/// A search request's parameters. The ranking weights (`quality`, `popularity`, `maintenance`) are
/// accepted and ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: String,
    pub size: u32,
    pub from: u64,
}

impl SearchQuery {
    /// Reads a raw query string. Never fails: a missing or unreadable `size`/`from` takes its
    /// default, a `size` above [`MAX_SEARCH_SIZE`] is lowered to it.
    pub fn parse(query: &str) -> Self {
        let params = QueryParams::parse(query);
        let text = params.get("text").unwrap_or_default();
        let size = params.get("size").and_then(|s| s.parse::<u32>().ok()).unwrap_or(DEFAULT_SEARCH_SIZE);
        let from = params.get("from").and_then(|s| s.parse().ok()).unwrap_or(0);
        Self { text: text.chars().take(1024).collect(), size: size.clamp(1, MAX_SEARCH_SIZE), from }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub name: String,
    pub version: String,
    pub description: Option<String>,
    pub keywords: Vec<String>,
    /// RFC 3339 time of the version.
    pub date: String,
    /// The publisher's user name.
    pub publisher: Option<String>,
    /// The package's page, when the registry has one (`links.npm`).
    pub link: Option<String>,
}

/// The answer body; `time` is when it was computed (RFC 3339), given by the caller so that this
/// crate never reads the clock.
pub fn render_search(results: &[SearchHit], total: u64, time: &str) -> Value {
    let objects: Vec<Value> = results.iter().map(object).collect();
    json!({ "objects": objects, "total": total, "time": time })
}

fn object(hit: &SearchHit) -> Value {
    let mut package = json!({
        "name": hit.name,
        "version": hit.version,
        "description": hit.description.clone().unwrap_or_default(),
        "keywords": hit.keywords,
        "date": hit.date,
        "links": hit.link.as_ref().map_or_else(|| json!({}), |l| json!({ "npm": l })),
    });
    if let Some(scope) = hit.name.strip_prefix('@').and_then(|s| s.split_once('/')).map(|(scope, _)| scope) {
        package["scope"] = json!(scope);
    } else {
        package["scope"] = json!("unscoped");
    }
    if let Some(user) = &hit.publisher {
        package["publisher"] = json!({ "username": user });
        package["maintainers"] = json!([{ "username": user }]);
    }
    json!({
        "package": package,
        "score": { "final": 1.0, "detail": { "quality": 1.0, "popularity": 1.0, "maintenance": 1.0 } },
        "searchScore": 1.0,
    })
}
