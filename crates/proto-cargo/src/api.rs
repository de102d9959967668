//! The smaller web API endpoints: yank and unyank, owners, search.
//!
//! Owners: arca grants rights per repository (roles and tokens), not per crate, so a crate's
//! owners are who published its versions (read from the versions themselves); adding or removing
//! owners is refused with the way to grant rights in arca instead.

use crate::errors::{CargoFailure, Reply};
use crate::route::OwnersOp;
use arca_cargo::{Owner, SearchHit, SearchQuery};
use arca_core::registry::Registry;
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

pub(crate) async fn yank(
    registry: &Registry,
    repository: &RepoName,
    name: &PackageId,
    version: &SemVer,
    yanked: bool,
    parts: &Parts,
) -> Reply {
    registry.yank_cargo_version(repository, name, version, yanked, &arca_http::caller::actor(parts)).await?;
    Ok(json(arca_cargo::ok_body()))
}

pub(crate) async fn owners(
    registry: &Registry,
    repository: &RepoName,
    name: &PackageId,
    op: OwnersOp,
    body: Body,
) -> Reply {
    let versions = registry.cargo_crate(repository, name).await?;
    if op != OwnersOp::List {
        let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
            CargoFailure::status(StatusCode::PAYLOAD_TOO_LARGE, "the owners body is larger than 64 KiB")
        })?;
        let logins = arca_cargo::parse_owners_request(&body)?;
        return Err(CargoFailure::bad(format!(
            "arca does not keep crate owners: who may publish to `{name}` is decided by grants on the repository \
             {repository} (ask an administrator to grant {} `{repository}:publish` with `arca user grant <user> --grant {repository}:publish`)",
            logins.join(", ")
        )));
    }
    let mut logins: Vec<String> = versions.into_iter().filter_map(|v| v.publisher).collect();
    logins.sort();
    logins.dedup();
    let owners: Vec<Owner> = logins
        .into_iter()
        .enumerate()
        .map(|(i, login)| Owner { id: u32::try_from(i + 1).unwrap_or(u32::MAX), login, name: None })
        .collect();
    Ok(json(arca_cargo::owners_body(&owners)))
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
