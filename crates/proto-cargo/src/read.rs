//! The read side: `config.json`, index files (with an ETag: cargo revalidates with
//! `If-None-Match`, and polls after a publish, so the tag is the hash of what is served and changes
//! the moment a version is published or yanked; rendered once per listing by core) and `.crate`
//! downloads.

use crate::errors::{CargoFailure, Reply};
use arca_cargo::IndexConfig;
use arca_core::registry::Registry;
use arca_http::conditional::{self, ETag, Outcome};
use arca_types::{PackageId, RepoName, SemVer};
use axum::body::Body;
use axum::response::Response;
use http::request::Parts;
use http::{StatusCode, header};

/// The web API's base for cargo (`api`): the host the client reached, then `/cargo/<repo>`.
pub(crate) fn api_base(parts: &Parts, repository: &RepoName) -> String {
    format!("{}/cargo/{repository}", arca_http::external_base(parts))
}

pub(crate) async fn config(
    registry: &Registry,
    repository: &RepoName,
    auth_required: bool,
    head: bool,
    parts: &Parts,
) -> Reply {
    let repo = registry.get_repository(repository).await?;
    if repo.format != arca_core::meta::Format::Cargo {
        return Err(CargoFailure::status(
            StatusCode::NOT_FOUND,
            format!("repository {repository} holds {} packages, not cargo crates", repo.format),
        ));
    }
    let api = api_base(parts, repository);
    let config = IndexConfig { dl: format!("{api}/api/v1/crates"), api: Some(api), auth_required };
    Ok(conditional::document(parts, config.to_json().into_bytes(), "application/json", head)?)
}

pub(crate) async fn index_file(
    registry: &Registry,
    repository: &RepoName,
    name: &PackageId,
    head: bool,
    parts: &Parts,
) -> Reply {
    let file = registry.cargo_index_file(repository, name).await?;
    let content_type = "text/plain; charset=utf-8";
    Ok(conditional::document_of_digest(parts, file.body.clone(), &file.digest, content_type, head)?)
}

pub(crate) async fn download(
    registry: &Registry,
    repository: &RepoName,
    name: &PackageId,
    version: &SemVer,
    head: bool,
    parts: &Parts,
) -> Reply {
    let (stored, digest, size) = registry.cargo_download(repository, name, version).await?;
    let etag = ETag::of(&digest);
    let headers = || {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/x-tar")
            .header(header::CONTENT_LENGTH, size)
            .header(header::ETAG, etag.header_value())
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
    };
    if conditional::evaluate(&parts.method, &parts.headers, &etag).map_err(CargoFailure::from)? == Outcome::NotModified
    {
        return Ok(conditional::not_modified(headers()));
    }
    if head {
        return Ok(headers().status(StatusCode::OK).body(Body::empty()).expect("valid response"));
    }
    let read = registry.get_blob(&stored, &digest, None).await?;
    Ok(headers().status(StatusCode::OK).body(Body::from_stream(read.stream)).expect("valid response"))
}
