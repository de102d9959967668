//! `/api/v1/repositories/{name}/packages/{package}/versions[/{version}[/properties]]`: a package's
//! versions; a version with its files, digests, sizes and properties; deleting it; reading and editing
//! its properties.
//!
//! The package may contain `/`, so the path after `packages/` is read from its end:
//! `<package…>/versions` (a `GET` of a path ending so lists versions), `<package…>/versions/<version>`
//! or `<package…>/versions/<version>/properties`.

use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::observe::RouteClass;
use arca_core::registry::Registry;
use arca_types::{OciName, RepoName, Tag};
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use http::{Method, StatusCode};
use std::collections::BTreeMap;
use std::sync::Arc;

type Api = State<Arc<Registry>>;
type Caller = Option<Extension<Actor>>;

/// The route path (one wildcard: packages may contain `/`).
pub(crate) const PATH: &str = "/api/v1/repositories/{name}/packages/{*rest}";

pub(crate) fn routes() -> Router<Arc<Registry>> {
    Router::new().route(PATH, get(handle).head(handle).put(handle).patch(handle).delete(handle))
}

/// What the path after `packages/` addresses.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Versions(OciName),
    Version(OciName, Tag),
    Properties(OciName, Tag),
}

fn parse_target(repo: &str, rest: &str, method: &Method) -> Result<Target, ApiError> {
    if let Some(package) = rest.strip_suffix("/versions").filter(|_| matches!(*method, Method::GET | Method::HEAD)) {
        RepoName::parse(repo)?;
        return Ok(Target::Versions(OciName::parse(&format!("{repo}/{package}"))?));
    }
    let not_found = || ApiError(arca_core::Error::new(arca_core::ErrorKind::NotFound, "no such management endpoint"));
    let (rest, properties) = match rest.strip_suffix("/properties") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let (package, version) = rest.rsplit_once("/versions/").ok_or_else(not_found)?;
    RepoName::parse(repo)?;
    let name = OciName::parse(&format!("{repo}/{package}"))?;
    let version = Tag::parse(version)?;
    Ok(if properties { Target::Properties(name, version) } else { Target::Version(name, version) })
}

/// Properties as JSON: each key with its values, sorted.
fn properties_json(list: Vec<(String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in list {
        map.entry(k).or_default().push(v);
    }
    map
}

/// Body of `PUT`/`PATCH …/properties`: `{"properties": {"key": ["v1", "v2"] | "v" | null}}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PropertyBody {
    properties: BTreeMap<String, Values>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum Values {
    One(String),
    Many(Vec<String>),
    None(()),
}

fn classed(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.extensions_mut().insert(RouteClass("api_versions"));
    response
}

async fn handle(
    State(registry): Api,
    caller: Caller,
    method: Method,
    Path((repo, rest)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let actor = caller.map_or_else(Actor::anonymous, |Extension(a)| a);
    let not_allowed = || {
        let mut r =
            ApiError(arca_core::Error::new(arca_core::ErrorKind::Unsupported, "method not allowed")).into_response();
        *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        r
    };
    match (parse_target(&repo, &rest, &method)?, method) {
        (Target::Versions(name), _) => crate::listing::versions(&registry, &name, query.as_deref()).await,
        (Target::Version(name, version), Method::GET | Method::HEAD) => {
            let v = registry.generic_version(&name, &version).await?.ok_or_else(|| unknown(&name, &version))?;
            let properties = properties_json(registry.version_properties(&v.digest).await?);
            let referrers: Vec<_> = registry
                .referrers(&name, &v.digest, None)
                .await?
                .into_iter()
                .map(|r| {
                    serde_json::json!({ "digest": r.digest.as_str(), "media_type": r.media_type,
                                        "artifact_type": r.artifact_type, "size": r.size })
                })
                .collect();
            Ok(classed(Json(serde_json::json!({
                "repository": name.repository.as_str(),
                "package": name.package.as_str(),
                "version": version.as_str(),
                "digest": v.digest.as_str(),
                "created": v.created,
                "size": v.files.iter().map(|f| f.size).sum::<u64>(),
                "files": v.files,
                "properties": properties,
                "referrers": referrers,
            }))))
        }
        (Target::Version(name, version), Method::DELETE) => {
            registry.delete_generic_version(&name, &version, &actor).await?;
            Ok(classed(StatusCode::NO_CONTENT))
        }
        (Target::Properties(name, version), Method::GET | Method::HEAD) => {
            let v = registry.generic_version(&name, &version).await?.ok_or_else(|| unknown(&name, &version))?;
            let properties = properties_json(registry.version_properties(&v.digest).await?);
            Ok(classed(Json(serde_json::json!({ "digest": v.digest.as_str(), "properties": properties }))))
        }
        (Target::Properties(name, version), method @ (Method::PUT | Method::PATCH)) => {
            let change: PropertyBody = serde_json::from_slice(&body).map_err(|e| bad_request(e.to_string()))?;
            let keys: Vec<String> = change.properties.keys().cloned().collect();
            let mut add = Vec::new();
            for (key, values) in change.properties {
                match values {
                    Values::One(v) => add.push((key, v)),
                    Values::Many(vs) => add.extend(vs.into_iter().map(|v| (key.clone(), v))),
                    Values::None(()) => {}
                }
            }
            // PUT replaces every property; PATCH only the keys it names (null or [] removes one).
            let clear = if method == Method::PUT { None } else { Some(keys.as_slice()) };
            let now = registry.set_version_properties(&name, &version, clear, &add, &actor).await?;
            Ok(classed(Json(serde_json::json!({ "properties": properties_json(now) }))))
        }
        _ => Ok(not_allowed()),
    }
}

fn unknown(name: &OciName, version: &Tag) -> ApiError {
    ApiError(arca_core::Error::new(
        arca_core::ErrorKind::ManifestUnknown,
        format!("version {name}:{version} does not exist"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_from_the_end() {
        let get = Method::GET;
        let t = parse_target("rel", "team/tool/versions/1.0", &get).unwrap();
        assert!(matches!(t, Target::Version(ref n, ref v) if n.to_string() == "rel/team/tool" && v.as_str() == "1.0"));
        let t = parse_target("rel", "versions/versions/2/properties", &get).unwrap();
        assert!(matches!(t, Target::Properties(ref n, _) if n.to_string() == "rel/versions"));
        assert!(parse_target("rel", "tool", &get).is_err());
        assert!(parse_target("rel", "../x/versions/1", &get).is_err());
        assert!(parse_target("Rel", "tool/versions/1", &get).is_err());
        let t = parse_target("rel", "team/versions/tool/versions", &get).unwrap();
        assert!(matches!(t, Target::Versions(ref n) if n.to_string() == "rel/team/versions/tool"));
        assert!(parse_target("rel", "tool/versions", &Method::DELETE).is_err(), "only read");
    }
}
