//! The smaller web API endpoints: yank and unyank, owners, search.
//!
//! Owners, as on crates.io: the first publish of a crate makes its publisher the owner; `cargo owner
//! --add`/`--remove` (`PUT`/`DELETE …/owners`, `{"users": [...]}`, the `publish` right) add arca users
//! and remove owners, never the last one; `--list` lists them (a crate published before owners were
//! kept lists its publishers). Only an owner, or an administrator of the repository (the `admin`
//! action on it), publishes a new version, yanks or changes owners; others are refused 403 with the
//! owners' names. Authentication off, everyone acts as an administrator.

use crate::errors::{CargoFailure, Reply};
use crate::route::OwnersOp;
use arca_cargo::{Owner, SearchHit, SearchQuery};
use arca_core::auth::{Action, AuthService, Principal};
use arca_core::registry::Registry;
use arca_core::registry::cargo_owners::{CrateCaller, OwnerChange};
use arca_core::{Error, ErrorKind};
use arca_types::{PackageId, RepoName, SemVer};
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

/// Bodies of the small endpoints (owners), at most.
const MAX_BODY: usize = 64 << 10;

fn json(body: serde_json::Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// Whether the caller holds `admin` on the repository (everyone does with authentication off: the
/// enforcement point then names no principal).
pub(crate) fn is_admin(parts: &Parts, repository: &RepoName) -> bool {
    parts.extensions.get::<Principal>().is_none_or(|p| p.allows(Action::Admin, repository.as_str()))
}

pub(crate) async fn yank(
    registry: &Registry,
    repository: &RepoName,
    name: &PackageId,
    version: &SemVer,
    yanked: bool,
    parts: &Parts,
) -> Reply {
    let actor = arca_http::caller::actor(parts);
    let caller = CrateCaller { actor: &actor, admin: is_admin(parts, repository) };
    registry.yank_cargo_version(repository, name, version, yanked, caller).await?;
    Ok(json(arca_cargo::ok_body()))
}

pub(crate) async fn owners(
    registry: &Registry,
    auth: &AuthService,
    repository: &RepoName,
    name: &PackageId,
    op: OwnersOp,
    parts: &Parts,
    body: Body,
) -> Reply {
    let change = match op {
        OwnersOp::List => {
            let logins = registry.cargo_owners(repository, name).await?;
            let owners: Vec<Owner> = logins
                .into_iter()
                .enumerate()
                .map(|(i, login)| Owner { id: u32::try_from(i + 1).unwrap_or(u32::MAX), login, name: None })
                .collect();
            return Ok(json(arca_cargo::owners_body(&owners)));
        }
        OwnersOp::Add => OwnerChange::Add,
        OwnersOp::Remove => OwnerChange::Remove,
    };
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| CargoFailure::status(StatusCode::PAYLOAD_TOO_LARGE, "the owners body is larger than 64 KiB"))?;
    let logins = arca_cargo::parse_owners_request(&body)?;
    let actor = arca_http::caller::actor(parts);
    let caller = CrateCaller { actor: &actor, admin: is_admin(parts, repository) };
    // Who is not an owner learns no more than that (not which logins exist).
    registry.check_cargo_owner(repository, name, caller).await?;
    if change == OwnerChange::Add {
        for login in &logins {
            match auth.user(login).await {
                Ok(_) => {}
                Err(Error { kind: ErrorKind::NotFound, .. }) => {
                    return Err(CargoFailure::status(
                        StatusCode::NOT_FOUND,
                        format!("could not find user with login `{login}`"),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    registry.change_cargo_owners(repository, name, change, &logins, caller).await?;
    let msg = match change {
        OwnerChange::Add => logins
            .iter()
            .map(|login| format!("user {login} has been added as an owner of crate {name}"))
            .collect::<Vec<_>>()
            .join(". "),
        OwnerChange::Remove => "owners successfully removed".to_owned(),
    };
    Ok(json(arca_cargo::owners_ok_body(&msg)))
}

pub(crate) async fn search(registry: &Registry, repository: &RepoName, query: &SearchQuery) -> Reply {
    let offset = usize::try_from(query.offset()).unwrap_or(usize::MAX);
    let (found, total) = registry.cargo_search(repository, &query.q, query.per_page as usize, offset).await?;
    let hits: Vec<SearchHit> = found
        .into_iter()
        .map(|v| SearchHit { name: v.name, max_version: v.version, description: v.description })
        .collect();
    Ok(json(arca_cargo::search_body(&hits, total as u64)))
}
