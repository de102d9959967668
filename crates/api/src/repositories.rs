//! `/api/v1/repositories`: create, list, get, update policy, delete when empty.
//!
//! Listing and reading a repository show only what the caller may read (`read` on it): the route's
//! rule only asks for credentials, the filter is here, as in search.

use crate::search::Reader;
use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::auth::{Action, Principal};
use arca_core::meta::Repository;
use arca_core::observe::RouteClass;
use arca_core::registry::{NewRepository, Registry};
use arca_core::{Error, ErrorKind};
use arca_types::RepoName;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde::{Deserialize, Deserializer};
use std::sync::Arc;

type Api = State<Arc<Registry>>;

/// Who is asking: set by the server's authentication layer; anonymous when auth is off.
type Caller = Option<Extension<Actor>>;

fn actor(caller: Caller) -> Actor {
    caller.map_or_else(Actor::anonymous, |Extension(a)| a)
}

pub(crate) fn routes() -> Router<Arc<Registry>> {
    Router::new()
        .route("/api/v1/repositories", get(list).post(create))
        .route("/api/v1/repositories/{name}", get(show).patch(update).delete(remove))
}

/// A JSON request body as `T`: an object (serde would also read a struct from an array), with the
/// fields `T` accepts.
pub(crate) fn object_body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(bad_request("the body must be a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| bad_request(e.to_string()))
}

/// Body of `POST /api/v1/repositories`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    #[serde(default = "oci")]
    format: String,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    mutable_tags: Vec<String>,
    /// Bytes the repository may hold (each distinct blob once); absent or `null`: no quota.
    #[serde(default)]
    quota_bytes: Option<WholeNumber>,
    /// Repositories whose versions may be promoted into this one.
    #[serde(default)]
    promote_from: Vec<String>,
    /// Gates a promotion into this one must pass.
    #[serde(default)]
    gates: Vec<String>,
    /// Gates a manifest pull from it must pass.
    #[serde(default)]
    pull_gates: Vec<String>,
    /// npm: `npm unpublish` may remove versions.
    #[serde(default)]
    allow_unpublish: bool,
}

/// A non-negative integer as JSON Schema has it: `1000` or `1000.0` (a number with no fraction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WholeNumber(pub u64);

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // At most `i64::MAX`: what the metadata store keeps.
        const MAX: u64 = i64::MAX as u64;
        let number = serde_json::Number::deserialize(d)?;
        if let Some(n) = number.as_u64().filter(|n| *n <= MAX) {
            return Ok(Self(n));
        }
        match number.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 && f < MAX as f64 => Ok(Self(f as u64)),
            _ => Err(serde::de::Error::custom(format!("{number} is not a whole number of bytes up to {MAX}"))),
        }
    }
}

fn oci() -> String {
    "oci".into()
}

/// Body of `PATCH /api/v1/repositories/{name}`: the fields to change (an absent field is unchanged).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyChange {
    /// `null` clears the stage.
    #[serde(default, deserialize_with = "present")]
    stage: Option<Option<String>>,
    /// A list (`null` is refused: `[]` empties it).
    #[serde(default, deserialize_with = "present")]
    mutable_tags: Option<Vec<String>>,
    /// `null` removes the quota.
    #[serde(default, deserialize_with = "present")]
    quota_bytes: Option<Option<WholeNumber>>,
    /// A list (`[]`: no promotion into this repository).
    #[serde(default, deserialize_with = "present")]
    promote_from: Option<Vec<String>>,
    /// A list (`[]`: no gates).
    #[serde(default, deserialize_with = "present")]
    gates: Option<Vec<String>>,
    /// A list (`[]`: no pull gates).
    #[serde(default, deserialize_with = "present")]
    pull_gates: Option<Vec<String>>,
    /// `true` or `false` (`null` is refused).
    #[serde(default, deserialize_with = "present")]
    allow_unpublish: Option<bool>,
}

/// Repository names from a request body.
fn repo_names(names: &[String]) -> Result<Vec<RepoName>, ApiError> {
    names.iter().map(|n| RepoName::parse(n).map_err(ApiError::from)).collect()
}

/// A field that is present: `Some` of its value, `null` included when `T` accepts it (serde's own
/// `Option<Option<T>>` reads `null` as absent, and `Option<Vec<T>>` accepts `null`).
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

fn classed(class: &'static str, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.extensions_mut().insert(RouteClass(class));
    response
}

/// The repositories `principal` may read (every one without authentication).
fn visible(mut repos: Vec<Repository>, principal: Option<&Principal>) -> Vec<Repository> {
    if let Some(p) = principal.filter(|p| !p.allows_everywhere(Action::Read)) {
        repos.retain(|r| p.allows(Action::Read, r.name.as_str()));
    }
    repos
}

/// A repository `reader` may not read does not exist for them, as it is absent from the list: the
/// same `404` as for a repository that does not exist (checked before looking it up, so the answer
/// tells nothing of its existence).
fn check_readable(reader: &Reader, name: &RepoName) -> Result<(), ApiError> {
    match reader {
        Some(Extension(p)) if !p.allows(Action::Read, name.as_str()) => {
            Err(ApiError(Error::new(ErrorKind::NameUnknown, format!("repository {name} does not exist"))))
        }
        _ => Ok(()),
    }
}

async fn list(State(registry): Api, reader: Reader) -> Result<Response, ApiError> {
    let repos = visible(registry.list_repositories().await?, reader.as_ref().map(|Extension(p)| p));
    Ok(classed("api_repositories", Json(serde_json::json!({ "repositories": repos }))))
}

async fn create(
    State(registry): Api,
    caller: Caller,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| bad_request(e.body_text()))?;
    let body: CreateBody = object_body(body)?;
    // An absent `mutable_tags` is `[]` here (every tag immutable), not the format's default.
    let new = NewRepository {
        stage: body.stage,
        mutable_tags: Some(body.mutable_tags),
        quota_bytes: body.quota_bytes.map(|q| q.0),
        promote_from: repo_names(&body.promote_from)?,
        gates: body.gates,
        pull_gates: body.pull_gates,
        allow_unpublish: body.allow_unpublish,
        ..NewRepository::parse(&body.name, &body.format)?
    };
    let repo = registry.create_repository(new, &actor(caller)).await?;
    Ok(classed("api_repositories", (StatusCode::CREATED, Json(repo))))
}

async fn show(State(registry): Api, reader: Reader, Path(name): Path<String>) -> Result<Response, ApiError> {
    let name = RepoName::parse(&name)?;
    check_readable(&reader, &name)?;
    let repo = registry.get_repository(&name).await?;
    Ok(classed("api_repositories", Json(repo)))
}

async fn update(
    State(registry): Api,
    caller: Caller,
    Path(name): Path<String>,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| bad_request(e.body_text()))?;
    let change: PolicyChange = object_body(body)?;
    let mut repo = NewRepository::from(registry.get_repository(&RepoName::parse(&name)?).await?);
    if let Some(stage) = change.stage {
        repo.stage = stage;
    }
    if let Some(tags) = change.mutable_tags {
        repo.mutable_tags = Some(tags);
    }
    if let Some(quota) = change.quota_bytes {
        repo.quota_bytes = quota.map(|q| q.0);
    }
    if let Some(from) = change.promote_from {
        repo.promote_from = repo_names(&from)?;
    }
    if let Some(gates) = change.gates {
        repo.gates = gates;
    }
    if let Some(gates) = change.pull_gates {
        repo.pull_gates = gates;
    }
    if let Some(allow) = change.allow_unpublish {
        repo.allow_unpublish = allow;
    }
    registry.declare_repository(repo.clone(), &actor(caller)).await?;
    Ok(classed("api_repositories", Json(registry.get_repository(&repo.name).await?)))
}

async fn remove(State(registry): Api, caller: Caller, Path(name): Path<String>) -> Result<Response, ApiError> {
    registry.delete_repository(&RepoName::parse(&name)?, &actor(caller)).await?;
    Ok(classed("api_repositories", StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_core::auth::{Permission, Role};
    use arca_core::meta::{Format, RepoKind};

    fn repo(name: &str) -> Repository {
        Repository {
            name: RepoName::parse(name).unwrap(),
            format: Format::Oci,
            kind: RepoKind::Hosted,
            stage: None,
            mutable_tags: Vec::new(),
            created_at: 0,
            quota_bytes: None,
            promote_from: Vec::new(),
            gates: Vec::new(),
            pull_gates: Vec::new(),
            allow_unpublish: false,
        }
    }

    fn names(repos: &[Repository]) -> Vec<&str> {
        repos.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn the_list_shows_what_the_caller_may_read() {
        let all = || vec![repo("dev"), repo("dev-eu"), repo("prod"), repo("public")];
        assert_eq!(names(&visible(all(), None)), ["dev", "dev-eu", "prod", "public"], "auth off: everything");
        let admin = Principal::user("admin", vec![Permission::role(Role::Admin, "*")]);
        assert_eq!(visible(all(), Some(&admin)).len(), 4);
        let alice = Principal::user(
            "alice",
            vec![Permission::role(Role::Publisher, "dev-*"), Permission::new("public", &[Action::Read])],
        );
        assert_eq!(names(&visible(all(), Some(&alice))), ["dev-eu", "public"]);
        let pusher = Principal::user("ci", vec![Permission::new("*", &[Action::Publish])]);
        assert!(visible(all(), Some(&pusher)).is_empty(), "publish alone is no read");
        let token = Principal::token(
            "alice",
            vec![Permission::role(Role::Admin, "*")],
            vec![Permission::role(Role::Reader, "prod")],
        );
        assert_eq!(names(&visible(all(), Some(&token))), ["prod"], "a token never beyond its scopes");
        let nobody = Principal::user("bob", Vec::new());
        assert!(visible(all(), Some(&nobody)).is_empty());
    }

    #[test]
    fn reading_one_repository_needs_read_on_it() {
        let dev = RepoName::parse("dev").unwrap();
        assert!(check_readable(&None, &dev).is_ok(), "auth off");
        let reader = |grants| Some(Extension(Principal::user("alice", grants)));
        assert!(check_readable(&reader(vec![Permission::role(Role::Reader, "d*")]), &dev).is_ok());
        let hidden = check_readable(&reader(vec![Permission::role(Role::Reader, "prod")]), &dev).unwrap_err();
        assert_eq!(hidden.0.kind, ErrorKind::NameUnknown, "answered like a repository that does not exist");
        assert_eq!(hidden.0.message, "repository dev does not exist");
    }

    #[test]
    fn bodies_are_objects_with_the_documented_fields() {
        use serde_json::json;
        let change: PolicyChange = object_body(json!({ "stage": null })).unwrap();
        assert_eq!(change.stage, Some(None), "null clears the stage");
        let change: PolicyChange = object_body(json!({})).unwrap();
        assert!(change.stage.is_none() && change.mutable_tags.is_none(), "absent: unchanged");
        let change: PolicyChange = object_body(json!({ "stage": "prod", "mutable_tags": [] })).unwrap();
        assert_eq!((change.stage, change.mutable_tags), (Some(Some("prod".into())), Some(Vec::new())));
        for refused in [
            json!({ "mutable_tags": null }),
            json!({ "mutable_tags": "latest" }),
            json!({ "colour": "red" }),
            json!([null, ["latest"]]),
            json!(null),
        ] {
            assert!(object_body::<PolicyChange>(refused.clone()).is_err(), "{refused} is refused");
        }
        assert!(object_body::<CreateBody>(json!(["dev"])).is_err(), "an array is no object");
        assert!(object_body::<CreateBody>(json!({ "name": "dev", "mutable_tags": null })).is_err());
        let new: CreateBody = object_body(json!({ "name": "dev", "stage": null })).unwrap();
        assert_eq!((new.name.as_str(), new.format.as_str(), new.stage), ("dev", "oci", None));
    }
}
