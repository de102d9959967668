//! The smaller endpoints: dist-tags, `npm login` (legacy CouchDB flow → an arca token), `whoami`,
//! search, `npm audit` (bulk, answered from imported OSV advisories), the registry's keys.

use crate::errors::{NpmFailure, Reply};
use arca_core::audit::Actor;
use arca_core::auth::{AuthService, LoginError, Permission, Role};
use arca_core::registry::Registry;
use arca_npm::{BulkRequest, CouchUser, SearchQuery};
use arca_types::RepoName;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use std::io::Read;
use std::time::Duration;

/// Bodies of the small endpoints (dist-tag, login, audit), at most.
const MAX_BODY: usize = 8 << 20;
/// How long a token from `npm login` lives.
const LOGIN_TOKEN_TTL: Duration = Duration::from_secs(90 * 24 * 3600);

pub(crate) fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn read_body(body: Body) -> Result<Vec<u8>, NpmFailure> {
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| NpmFailure::status(StatusCode::PAYLOAD_TOO_LARGE, "the body is larger than 8 MiB"))?;
    Ok(bytes.to_vec())
}

pub(crate) async fn dist_tags(registry: &Registry, repository: &RepoName, name: &str, parts: &Parts) -> Reply {
    let base = crate::read::base_url(parts, repository);
    let package = registry.npm_package(repository, name, &base).await?;
    Ok(json(StatusCode::OK, serde_json::to_value(&package.dist_tags).unwrap_or_default()))
}

pub(crate) async fn set_dist_tag(
    registry: &Registry,
    repository: &RepoName,
    name: &str,
    tag: &str,
    parts: &Parts,
    body: Body,
) -> Reply {
    let version = arca_npm::parse_dist_tag_body(&read_body(body).await?)?;
    registry.set_npm_dist_tag(repository, name, tag, &version, &arca_http::caller::actor(parts)).await?;
    Ok(json(StatusCode::CREATED, serde_json::json!({ "ok": true })))
}

pub(crate) async fn remove_dist_tag(
    registry: &Registry,
    repository: &RepoName,
    name: &str,
    tag: &str,
    parts: &Parts,
) -> Reply {
    registry.remove_npm_dist_tag(repository, name, tag, &arca_http::caller::actor(parts)).await?;
    Ok(json(StatusCode::OK, serde_json::json!({ "ok": true })))
}

/// `PUT /-/user/org.couchdb.user:<name>`: the password checked like any login, then a token with the
/// user's own rights (its scope is everything; the user's grants bound it).
pub(crate) async fn login(auth: &AuthService, user: &str, parts: &Parts, body: Body) -> Reply {
    let couch = CouchUser::parse(&read_body(body).await?)?;
    couch.check_url_user(user)?;
    let password = couch.password.as_deref().ok_or_else(|| NpmFailure::bad("login: no password"))?;
    let addr = arca_http::caller::actor(parts).addr;
    let principal = match auth.login(&couch.name, password, addr.as_deref()).await {
        Ok(p) => p,
        Err(LoginError::Invalid) => {
            return Err(NpmFailure::status(StatusCode::UNAUTHORIZED, "invalid user name or password"));
        }
        Err(LoginError::LockedOut(wait)) => {
            return Err(NpmFailure::status(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many failed logins: retry in {} s", wait.as_secs().max(1)),
            ));
        }
        Err(LoginError::Store(e)) => return Err(e.into()),
    };
    let owner = principal.name.clone().unwrap_or_else(|| couch.name.clone());
    let actor = Actor { name: owner.clone(), addr };
    let scopes = vec![Permission::role(Role::Admin, "*")];
    let issued = auth.create_token(&actor, &owner, "npm login", scopes, Some(LOGIN_TOKEN_TTL)).await?;
    Ok(json(StatusCode::CREATED, arca_npm::login::login_ok_body(&owner, &issued.text)))
}

pub(crate) fn whoami(parts: &Parts) -> Reply {
    let name = arca_http::caller::principal(parts).and_then(|p| p.name.clone());
    let name = name.ok_or_else(|| NpmFailure::status(StatusCode::UNAUTHORIZED, "not logged in"))?;
    Ok(json(StatusCode::OK, arca_npm::login::whoami_body(&name)))
}

pub(crate) async fn search(registry: &Registry, repository: &RepoName, parts: &Parts) -> Reply {
    let query = SearchQuery::parse(parts.uri.query().unwrap_or_default());
    let (hits, total) = registry.npm_search(repository, &query.text, query.size as usize, query.from as usize).await?;
    let now = arca_core::time::rfc3339(registry.now());
    Ok(json(StatusCode::OK, arca_npm::render_search(&hits, total as u64, &now)))
}

/// `npm audit`: the body arrives gzip-compressed (`Content-Encoding: gzip`), or plain.
pub(crate) async fn audit(registry: &Registry, _repository: &RepoName, parts: &Parts, body: Body) -> Reply {
    let raw = read_body(body).await?;
    let gzipped = parts.headers.get(http::header::CONTENT_ENCODING).is_some_and(|v| v.as_bytes() == b"gzip");
    let json_body = if gzipped {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .take(MAX_BODY as u64 * 8)
            .read_to_end(&mut plain)
            .map_err(|e| NpmFailure::bad(format!("audit body: not gzip: {e}")))?;
        plain
    } else {
        raw
    };
    let request = BulkRequest::parse(&json_body)?;
    let answer = registry.npm_audit(&request).await?;
    Ok(json(StatusCode::OK, arca_npm::render_bulk(answer)))
}

pub(crate) fn keys(registry: &Registry) -> Response {
    let keys: Vec<&arca_npm::RegistryKey> = registry.npm_key().into_iter().collect();
    json(StatusCode::OK, arca_npm::keys_document(&keys))
}
