//! `/api/v1/repositories`: create, list, get, update policy, delete when empty.

use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::meta::{Format, RepoKind, Repository};
use arca_core::observe::RouteClass;
use arca_core::registry::Registry;
use arca_types::RepoName;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
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

/// Body of `POST /api/v1/repositories`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRepository {
    name: String,
    #[serde(default = "oci")]
    format: String,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    mutable_tags: Vec<String>,
}

fn oci() -> String {
    "oci".into()
}

/// Body of `PATCH /api/v1/repositories/{name}`: the fields to change.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyChange {
    #[serde(default)]
    stage: Option<Option<String>>,
    #[serde(default)]
    mutable_tags: Option<Vec<String>>,
}

fn classed(class: &'static str, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.extensions_mut().insert(RouteClass(class));
    response
}

async fn list(State(registry): Api) -> Result<Response, ApiError> {
    let repos = registry.list_repositories().await?;
    Ok(classed("api_repositories", Json(serde_json::json!({ "repositories": repos }))))
}

async fn create(
    State(registry): Api,
    caller: Caller,
    body: Result<Json<NewRepository>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(new) = body.map_err(|e| bad_request(e.body_text()))?;
    let format = Format::parse(&new.format).ok_or_else(|| bad_request(format!("unknown format {:?}", new.format)))?;
    let repo = Repository {
        name: RepoName::parse(&new.name)?,
        format,
        kind: RepoKind::Hosted,
        stage: new.stage,
        mutable_tags: new.mutable_tags,
        created_at: registry.now(),
    };
    registry.create_repository(&repo, &actor(caller)).await?;
    Ok(classed("api_repositories", (StatusCode::CREATED, Json(registry.get_repository(&repo.name).await?))))
}

async fn show(State(registry): Api, Path(name): Path<String>) -> Result<Response, ApiError> {
    let repo = registry.get_repository(&RepoName::parse(&name)?).await?;
    Ok(classed("api_repositories", Json(repo)))
}

async fn update(
    State(registry): Api,
    caller: Caller,
    Path(name): Path<String>,
    body: Result<Json<PolicyChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(change) = body.map_err(|e| bad_request(e.body_text()))?;
    let mut repo = registry.get_repository(&RepoName::parse(&name)?).await?;
    if let Some(stage) = change.stage {
        repo.stage = stage;
    }
    if let Some(tags) = change.mutable_tags {
        repo.mutable_tags = tags;
    }
    registry.declare_repository(repo.clone(), &actor(caller)).await?;
    Ok(classed("api_repositories", Json(registry.get_repository(&repo.name).await?)))
}

async fn remove(State(registry): Api, caller: Caller, Path(name): Path<String>) -> Result<Response, ApiError> {
    registry.delete_repository(&RepoName::parse(&name)?, &actor(caller)).await?;
    Ok(classed("api_repositories", StatusCode::NO_CONTENT))
}
