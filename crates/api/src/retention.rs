//! A repository's retention policy (`arca retention set|show|plan|apply`):
//!
//! - `GET /api/v1/repositories/{name}/retention`: the policy text and when it was set and last run;
//! - `PUT …/retention`: sets it from the TOML body (validated: a policy with an error is refused with
//!   the rule and what is wrong); `DELETE …/retention` removes it;
//! - `GET …/retention/plan`: the dry run, every version with "delete"/"keep" and why, and the bytes;
//! - `POST …/retention/apply`: executes the same plan and sweeps what it freed.

use crate::ApiError;
use arca_core::audit::Actor;
use arca_core::registry::Registry;
use arca_types::RepoName;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use std::sync::Arc;

pub const POLICY: &str = "/api/v1/repositories/{name}/retention";
pub const PLAN: &str = "/api/v1/repositories/{name}/retention/plan";
pub const APPLY: &str = "/api/v1/repositories/{name}/retention/apply";

type Api = State<Arc<Registry>>;
type Caller = Option<Extension<Actor>>;

pub(crate) fn routes() -> Router<Arc<Registry>> {
    Router::new().route(POLICY, get(show).put(set).delete(remove)).route(PLAN, get(plan)).route(APPLY, post(apply))
}

fn actor(caller: Caller) -> Actor {
    caller.map_or_else(Actor::anonymous, |Extension(a)| a)
}

fn classed(response: impl IntoResponse) -> Response {
    crate::users::classed("api_retention", response)
}

async fn show(State(registry): Api, Path(name): Path<String>) -> Result<Response, ApiError> {
    policy_json(&registry, &RepoName::parse(&name)?).await
}

/// The policy; without one, `policy` is `null` (every version is kept).
async fn policy_json(registry: &Registry, name: &RepoName) -> Result<Response, ApiError> {
    let stored = registry.retention_policy(name).await?;
    Ok(classed(Json(serde_json::json!({
        "repository": name.as_str(),
        "policy": stored.as_ref().map(|s| s.policy.as_str()),
        "updated_at": stored.as_ref().map(|s| s.updated_at),
        "last_run_at": stored.as_ref().and_then(|s| s.last_run_at),
    }))))
}

async fn set(
    State(registry): Api,
    caller: Caller,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let name = RepoName::parse(&name)?;
    if body.is_empty() {
        return Err(crate::bad_request("send the policy's TOML text as the body (DELETE removes the policy)"));
    }
    let text = std::str::from_utf8(&body).map_err(|_| crate::bad_request("the policy must be UTF-8 TOML"))?;
    registry.set_retention_policy(&name, text, &actor(caller)).await?;
    policy_json(&registry, &name).await
}

async fn remove(State(registry): Api, caller: Caller, Path(name): Path<String>) -> Result<Response, ApiError> {
    registry.delete_retention_policy(&RepoName::parse(&name)?, &actor(caller)).await?;
    Ok(classed(StatusCode::NO_CONTENT))
}

async fn plan(State(registry): Api, Path(name): Path<String>) -> Result<Response, ApiError> {
    Ok(classed(Json(registry.retention_plan(&RepoName::parse(&name)?).await?)))
}

async fn apply(State(registry): Api, caller: Caller, Path(name): Path<String>) -> Result<Response, ApiError> {
    Ok(classed(Json(registry.apply_retention(&RepoName::parse(&name)?, &actor(caller)).await?)))
}
