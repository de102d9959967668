//! Promotion (`arca promote`, `rollback`, `history`, `where`, `approve`, `deploy`):
//!
//! - `POST /api/v1/promotions`: `{"artifact": "dev/app@1.0", "to": "staging", "dry_run": false}`, or a
//!   release `{"release": "r1", "artifacts": […], "to": "staging"}` (all or nothing). The answer is the
//!   checklist: every gate, passed or not, and why. `200` when every gate passed (committed, or a dry
//!   run), `422` with the checklist and an `error` naming the failed gates otherwise.
//! - `GET /api/v1/promotions?repository=prod&package=team/app[&limit=]`: the package's history there.
//! - `POST /api/v1/promotions/rollback`: `{"repository", "package", "tag"?, "to"?: "previous" | digest}`.
//! - `POST /api/v1/promotions/approvals`: `{"artifact", "to"}`, the caller's approval.
//! - `GET /api/v1/promotions/where?package=team/app`: what is current in each stage and environment.
//! - `GET /api/v1/promotions/key`: the public key promotion records are signed with (anyone may read
//!   it: it verifies, it does not grant).
//! - `POST /api/v1/deployments`: `{"environment": "prod-eu", "artifact": "prod/app@sha256:…"}`;
//!   `GET /api/v1/deployments?package=team/app`: the newest deployment to each environment.
//!
//! The routes need an authenticated caller; what each may do is decided by the use case from the
//! body (read on the source, promote on the target), as the repositories are in the body.

use crate::repositories::object_body;
use crate::search::parse_limit;
use crate::users::classed;
use crate::{ApiError, bad_request};
use arca_core::audit::Actor;
use arca_core::auth::Principal;
use arca_core::registry::Registry;
use arca_core::registry::promotion::{ArtifactRef, Caller};
use arca_core::registry::promotion_history::RollbackTo;
use arca_types::{OciName, PackageName, RepoName, Tag};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http::StatusCode;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

pub const PROMOTIONS: &str = "/api/v1/promotions";
pub const ROLLBACK: &str = "/api/v1/promotions/rollback";
pub const APPROVALS: &str = "/api/v1/promotions/approvals";
pub const WHERE: &str = "/api/v1/promotions/where";
pub const DEPLOYMENTS: &str = "/api/v1/deployments";
pub const KEY: &str = "/api/v1/promotions/key";

type Api = State<Arc<Registry>>;
type Who = (Option<Extension<Actor>>, Option<Extension<Principal>>);
type Body = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;
type Params = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

/// The query's parameters, or a `400` in the API's JSON.
fn params_of(params: Params) -> Result<HashMap<String, String>, ApiError> {
    let Query(params) = params.map_err(|e| bad_request(format!("query: {}", e.body_text())))?;
    Ok(params)
}

pub(crate) fn routes() -> Router<Arc<Registry>> {
    Router::new()
        .route(PROMOTIONS, get(history).post(promote))
        .route(ROLLBACK, post(rollback))
        .route(APPROVALS, post(approve))
        .route(WHERE, get(where_is))
        .route(DEPLOYMENTS, get(deployments).post(deploy))
        .route(KEY, get(key))
}

/// Runs `f` with the caller (anonymous and unrestricted when authentication is off).
fn caller<'a>(actor: &'a Actor, principal: &'a Option<Extension<Principal>>) -> Caller<'a> {
    Caller { actor, principal: principal.as_ref().map(|Extension(p)| p) }
}

fn actor_of(actor: Option<Extension<Actor>>) -> Actor {
    actor.map_or_else(Actor::anonymous, |Extension(a)| a)
}

fn body_of<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let Json(value) = body.map_err(|e| bad_request(e.body_text()))?;
    object_body(value)
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PromoteBody {
    to: String,
    #[serde(default)]
    artifact: Option<String>,
    #[serde(default)]
    release: Option<String>,
    #[serde(default)]
    artifacts: Option<Vec<String>>,
    #[serde(default)]
    dry_run: bool,
}

async fn promote(State(registry): Api, (actor, principal): Who, body: Body) -> Result<Response, ApiError> {
    let body: PromoteBody = body_of(body)?;
    let actor = actor_of(actor);
    let caller = caller(&actor, &principal);
    let target = RepoName::parse(&body.to)?;
    let response = match (body.artifact, body.release, body.artifacts) {
        (Some(artifact), None, None) => {
            let checklist = registry.promote(&ArtifactRef::parse(&artifact)?, &target, body.dry_run, caller).await?;
            let failures = checklist.failures();
            verdict_response(serde_json::to_value(&checklist).unwrap_or_default(), &failures)
        }
        (None, Some(release), Some(artifacts)) => {
            let artifacts = artifacts.iter().map(|a| ArtifactRef::parse(a)).collect::<Result<Vec<_>, _>>()?;
            let outcome = registry.promote_release(&release, &artifacts, &target, body.dry_run, caller).await?;
            let failures: Vec<String> = outcome
                .promotions
                .iter()
                .flat_map(|c| c.failures().into_iter().map(move |f| format!("{}: {f}", c.artifact)))
                .collect();
            verdict_response(serde_json::to_value(&outcome).unwrap_or_default(), &failures)
        }
        _ => return Err(bad_request("send either `artifact`, or `release` with `artifacts`")),
    };
    Ok(classed("api_promotions", response))
}

/// `200` with the checklist when every gate passed; `422` with it and an `error` naming the failures.
fn verdict_response(mut checklist: serde_json::Value, failures: &[String]) -> Response {
    if failures.is_empty() {
        return Json(checklist).into_response();
    }
    checklist["error"] = json!({
        "code": "gate_failed",
        "message": format!("promotion refused: {}", failures.join("; ")),
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(checklist)).into_response()
}

async fn history(State(registry): Api, (actor, principal): Who, params: Params) -> Result<Response, ApiError> {
    let params = params_of(params)?;
    let name = package_of(params.get("repository"), params.get("package"))?;
    let limit = parse_limit(params.get("limit").map(String::as_str))?;
    let actor = actor_of(actor);
    let entries = registry.promotion_history(&name, limit, caller(&actor, &principal)).await?;
    Ok(classed(
        "api_promotions",
        Json(json!({ "repository": name.repository, "package": name.package, "history": entries })),
    ))
}

/// `repository` and `package` as one name.
fn package_of(repository: Option<&String>, package: Option<&String>) -> Result<OciName, ApiError> {
    let (Some(repository), Some(package)) = (repository, package) else {
        return Err(bad_request("give `repository` and `package`"));
    };
    Ok(OciName { repository: RepoName::parse(repository)?, package: PackageName::parse(package)? })
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    repository: String,
    package: String,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

async fn rollback(State(registry): Api, (actor, principal): Who, body: Body) -> Result<Response, ApiError> {
    let body: RollbackBody = body_of(body)?;
    let name = package_of(Some(&body.repository), Some(&body.package))?;
    let tag = body.tag.as_deref().map(Tag::parse).transpose()?;
    let to = body.to.as_deref().map_or(Ok(RollbackTo::Previous), RollbackTo::parse)?;
    let actor = actor_of(actor);
    let entry = registry.rollback(&name, tag.as_ref(), &to, caller(&actor, &principal)).await?;
    Ok(classed("api_promotions", Json(entry)))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    artifact: String,
    to: String,
}

async fn approve(State(registry): Api, (actor, principal): Who, body: Body) -> Result<Response, ApiError> {
    let body: ApproveBody = body_of(body)?;
    let artifact = ArtifactRef::parse(&body.artifact)?;
    let target = RepoName::parse(&body.to)?;
    let actor = actor_of(actor);
    let approvals = registry.approve_promotion(&artifact, &target, caller(&actor, &principal)).await?;
    let approvals: Vec<_> =
        approvals.into_iter().map(|(principal, at)| json!({ "principal": principal, "at": at })).collect();
    Ok(classed("api_promotions", Json(json!({ "artifact": body.artifact, "to": body.to, "approvals": approvals }))))
}

async fn where_is(State(registry): Api, (actor, principal): Who, params: Params) -> Result<Response, ApiError> {
    let params = params_of(params)?;
    let package = package_param(&params)?;
    let actor = actor_of(actor);
    Ok(classed("api_promotions", Json(registry.where_is(package.as_str(), caller(&actor, &principal)).await?)))
}

fn package_param(params: &HashMap<String, String>) -> Result<PackageName, ApiError> {
    let package = params.get("package").ok_or_else(|| bad_request("give `package`"))?;
    Ok(PackageName::parse(package)?)
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DeployBody {
    environment: String,
    artifact: String,
}

async fn deploy(State(registry): Api, (actor, principal): Who, body: Body) -> Result<Response, ApiError> {
    let body: DeployBody = body_of(body)?;
    let artifact = ArtifactRef::parse(&body.artifact)?;
    let actor = actor_of(actor);
    let deployment = registry.record_deployment(&body.environment, &artifact, caller(&actor, &principal)).await?;
    Ok(classed("api_deployments", (StatusCode::CREATED, Json(deployment))))
}

async fn deployments(State(registry): Api, (actor, principal): Who, params: Params) -> Result<Response, ApiError> {
    let params = params_of(params)?;
    let package = package_param(&params)?;
    let actor = actor_of(actor);
    let view = registry.where_is(package.as_str(), caller(&actor, &principal)).await?;
    Ok(classed("api_deployments", Json(json!({ "package": view.package, "deployments": view.environments }))))
}

async fn key(State(registry): Api) -> Result<Response, ApiError> {
    use arca_core::promotion::record::{ARTIFACT_TYPE, PREDICATE_TYPE, RELEASE_PREDICATE_TYPE, ed25519_public_key_pem};
    let signer = registry.signer().ok_or_else(|| {
        ApiError(arca_core::Error::new(arca_core::ErrorKind::NotFound, "this server signs no promotion records"))
    })?;
    Ok(classed(
        "api_promotions",
        Json(json!({
            "keyid": signer.key_id(),
            "algorithm": "ed25519",
            "public_key_pem": ed25519_public_key_pem(signer.public_key()),
            "predicate_type": PREDICATE_TYPE,
            "release_predicate_type": RELEASE_PREDICATE_TYPE,
            "artifact_type": ARTIFACT_TYPE,
        })),
    ))
}
