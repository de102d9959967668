//! `/api/v1/repositories/{name}/packages/{package}/versions[/{version}[/properties]]`: a package's
//! versions; a version with its files, digests, sizes and properties; deleting it; reading and editing
//! its properties. `…/packages/{package}/status`: the package's lifecycle state (PEP 792).
//!
//! The package may contain `/`, so the path after `packages/` is read from its end:
//! `<package…>/versions` (a `GET` of a path ending so lists versions), `<package…>/versions/<version>`
//! or `<package…>/versions/<version>/properties`.

use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::meta::{Lifecycle, PackageStatus};
use arca_core::observe::RouteClass;
use arca_core::registry::Registry;
use arca_types::{OciName, PackageName, RepoName, Tag};
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Json, Router};
use http::{HeaderValue, Method, StatusCode, header};
use std::collections::BTreeMap;
use std::sync::Arc;

type Api = State<Arc<Registry>>;
type Caller = Option<Extension<Actor>>;

/// The route path (one wildcard: packages may contain `/`).
pub(crate) const PATH: &str = "/api/v1/repositories/{name}/packages/{*rest}";

/// Every method reaches [`handle`], which answers the ones its target has no use for with `405` and
/// the `Allow` of that target (the route serves three kinds of resource).
pub(crate) fn routes() -> Router<Arc<Registry>> {
    Router::new().route(PATH, any(handle))
}

/// What the path after `packages/` addresses.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Versions(OciName),
    Version(OciName, Tag),
    Properties(OciName, Tag),
    /// The package's lifecycle state (`<package…>/status`; PEP 792 for PyPI).
    Status(OciName),
    /// What is attached to a version (tag or digest), verified: `attachments`, `components` or
    /// `vulnerabilities`.
    Trust(OciName, arca_types::Reference, Aspect),
}

use crate::trust::Aspect;

impl Target {
    /// The methods this kind of resource answers (`Allow`).
    fn allow(&self) -> &'static str {
        match self {
            Self::Versions(_) => "GET, HEAD",
            Self::Version(..) => "GET, HEAD, DELETE",
            Self::Properties(..) => "GET, HEAD, PUT, PATCH",
            Self::Status(_) => "GET, HEAD, PUT",
            Self::Trust(..) => "GET, HEAD",
        }
    }
}

/// A `GET` of `<package…>/versions` lists versions; any other path (and method) is a version or its
/// properties, else, when it ends in `/versions`, the listing again (which then answers `405`): so a
/// version named `versions` can still be deleted or have properties.
fn parse_target(repo: &str, rest: &str, method: &Method) -> Result<Target, ApiError> {
    let listing = |package: &str| Ok(Target::Versions(oci_name(repo, package)?));
    let listed = rest.strip_suffix("/versions");
    if let Some(package) = listed.filter(|_| matches!(*method, Method::GET | Method::HEAD)) {
        return listing(package);
    }
    let not_found = || ApiError(arca_core::Error::new(arca_core::ErrorKind::NotFound, "no such management endpoint"));
    if let Some((path, aspect)) = Aspect::ALL.iter().find_map(|(suffix, a)| Some((rest.strip_suffix(suffix)?, *a)))
        && let Some((package, version)) = path.rsplit_once("/versions/")
    {
        let reference = arca_types::Reference::parse(version).map_err(|e| bad_request(e.to_string()))?;
        return Ok(Target::Trust(oci_name(repo, package)?, reference, aspect));
    }
    // `<package…>/versions/status` stays a version named `status`.
    if let Some(package) =
        rest.strip_suffix("/status").filter(|p| !p.contains("/versions/") && !p.ends_with("/versions"))
    {
        return Ok(Target::Status(oci_name(repo, package)?));
    }
    let (path, properties) = match rest.strip_suffix("/properties") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let Some((package, version)) = path.rsplit_once("/versions/") else {
        return listed.map_or_else(|| Err(not_found()), listing);
    };
    let name = oci_name(repo, package)?;
    let version = match (Tag::parse(version), listed) {
        (Ok(version), _) => version,
        (Err(_), Some(package)) => return listing(package),
        (Err(e), None) => return Err(e.into()),
    };
    Ok(if properties { Target::Properties(name, version) } else { Target::Version(name, version) })
}

/// The repository and the package, each checked on its own: two valid names too long together (over
/// 255 characters) name no package that can exist, so they are answered like any other unknown one
/// (an empty listing, `404`) rather than refused as invalid.
fn oci_name(repo: &str, package: &str) -> Result<OciName, ApiError> {
    Ok(OciName::new(RepoName::parse(repo)?, PackageName::parse(package)?))
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
    let target = parse_target(&repo, &rest, &method)?;
    let not_allowed = |allow: &'static str, method: &Method| {
        let message = format!("method {method} not allowed here (allowed: {allow})");
        let mut r = ApiError(arca_core::Error::new(arca_core::ErrorKind::Unsupported, message)).into_response();
        *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
        classed(r)
    };
    match (target, method) {
        (Target::Versions(name), Method::GET | Method::HEAD) => {
            crate::listing::versions(&registry, &name, query.as_deref()).await
        }
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
            let body = serde_json::from_slice(&body).map_err(|e| bad_request(e.to_string()))?;
            let change: PropertyBody = crate::repositories::object_body(body)?;
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
        (Target::Status(name), Method::GET | Method::HEAD) => {
            Ok(classed(Json(status_json(&name, &registry.package_status(&name).await?))))
        }
        (Target::Status(name), Method::PUT) => {
            let body = serde_json::from_slice(&body).map_err(|e| bad_request(e.to_string()))?;
            let status: StatusBody = crate::repositories::object_body(body)?;
            let status = PackageStatus { status: status.status, reason: status.reason.filter(|r| !r.is_empty()) };
            registry.set_package_status(&name, &status, &actor).await?;
            Ok(classed(Json(status_json(&name, &status))))
        }
        (Target::Trust(name, reference, aspect), Method::GET | Method::HEAD) => {
            Ok(classed(Json(crate::trust::version_view(&registry, &name, &reference, aspect).await?)))
        }
        (target, method) => Ok(not_allowed(target.allow(), &method)),
    }
}

/// Body of `PUT …/status`: `{"status": "archived", "reason": "…"}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: Lifecycle,
    #[serde(default)]
    reason: Option<String>,
}

fn status_json(name: &OciName, status: &PackageStatus) -> serde_json::Value {
    serde_json::json!({
        "repository": name.repository.as_str(),
        "package": name.package.as_str(),
        "status": status.status,
        "reason": status.reason,
    })
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
        let t = parse_target("rel", "tool/versions", &Method::DELETE).unwrap();
        assert!(matches!(t, Target::Versions(_)), "a listing, whatever the method (answered 405)");
        let t = parse_target("rel", "tool/versions/versions", &Method::DELETE).unwrap();
        assert!(matches!(t, Target::Version(ref n, ref v) if n.to_string() == "rel/tool" && v.as_str() == "versions"));
        let t = parse_target("rel", "tool/versions/versions", &get).unwrap();
        assert!(matches!(t, Target::Versions(ref n) if n.to_string() == "rel/tool/versions"), "GET lists");
        assert!(parse_target("rel", "tool/versions/a:b", &Method::DELETE).is_err(), "invalid version");
        assert!(parse_target("rel", "tool", &Method::DELETE).is_err());
        assert_eq!(
            parse_target("rel", "t/versions/1/properties", &Method::POST).unwrap().allow(),
            "GET, HEAD, PUT, PATCH"
        );
        let t = parse_target("rel", "team/tool/status", &Method::PUT).unwrap();
        assert!(matches!(t, Target::Status(ref n) if n.to_string() == "rel/team/tool"));
        let t = parse_target("rel", "tool/versions/status", &Method::PUT).unwrap();
        assert!(matches!(t, Target::Version(_, ref v) if v.as_str() == "status"), "a version named status");
    }
}
