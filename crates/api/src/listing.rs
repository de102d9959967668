//! `GET /api/v1/repositories/{name}/packages` (package names, sorted) and
//! `GET /api/v1/repositories/{name}/packages/{package…}/versions` (newest first), both paged with
//! `limit` and an opaque `cursor` (the response's `next_cursor`).

use crate::search::{decode_cursor, decode_name_cursor, encode_cursor, encode_name_cursor, hit_json, parse_limit};
use crate::{ApiError, bad_request};
use arca_core::meta::SearchCursor;
use arca_core::observe::RouteClass;
use arca_core::registry::Registry;
use arca_types::{OciName, RepoName};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub(crate) const PACKAGES: &str = "/api/v1/repositories/{name}/packages";

/// `limit` and `cursor`, nothing else.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// The query string as a page request; `400` naming the parameter otherwise.
pub(crate) fn page_query(raw: Option<&str>) -> Result<PageQuery, ApiError> {
    let refused = |why: String| bad_request(format!("query: {why} (only limit and cursor are accepted)"));
    let uri: http::Uri = format!("/?{}", raw.unwrap_or_default()).parse().map_err(|_| refused("unreadable".into()))?;
    let Query(q) = Query::<PageQuery>::try_from_uri(&uri).map_err(|e| refused(e.body_text()))?;
    Ok(q)
}

fn classed(response: impl IntoResponse, class: &'static str) -> Response {
    let mut response = response.into_response();
    response.extensions_mut().insert(RouteClass(class));
    response
}

/// `{"packages": [{"name": "team/tool"}], "next_cursor": "…" | null}`.
pub(crate) async fn packages(
    State(registry): State<Arc<Registry>>,
    Path(repo): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, ApiError> {
    let q = page_query(raw.as_deref())?;
    let repo = RepoName::parse(&repo)?;
    let limit = parse_limit(q.limit.as_deref())?;
    let last: Option<String> = q.cursor.as_deref().map(decode_name_cursor).transpose()?;
    let listing = registry.packages(&repo, limit, last.as_deref()).await?;
    let next = if listing.more { listing.items.last().map(|name| encode_name_cursor(name)) } else { None };
    let packages: Vec<serde_json::Value> =
        listing.items.iter().map(|name| serde_json::json!({ "name": name })).collect();
    Ok(classed(Json(serde_json::json!({ "packages": packages, "next_cursor": next })), "api_packages"))
}

/// `{"versions": [{"version", "digest", "media_type", "artifact_type", "created_at", "properties"}],
/// "next_cursor": "…" | null}`, newest first.
pub(crate) async fn versions(registry: &Registry, name: &OciName, raw: Option<&str>) -> Result<Response, ApiError> {
    let q = page_query(raw)?;
    let limit = parse_limit(q.limit.as_deref())?;
    let after: Option<SearchCursor> = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let page = registry.versions(name, limit, after).await?;
    let versions: Vec<serde_json::Value> = page
        .hits
        .iter()
        .map(|hit| {
            let mut json = hit_json(hit);
            if let Some(object) = json.as_object_mut() {
                object.remove("repository");
                object.remove("package");
                object.remove("format");
            }
            json
        })
        .collect();
    let next = page.next.as_ref().map(encode_cursor);
    Ok(classed(Json(serde_json::json!({ "versions": versions, "next_cursor": next })), "api_versions"))
}
