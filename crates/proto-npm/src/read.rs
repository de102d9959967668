//! Packuments (full, or abbreviated when the client asks for `application/vnd.npm.install-v1+json`)
//! with an ETag, and tarballs.

use crate::errors::{NpmFailure, Reply};
use arca_core::registry::Registry;
use arca_core::registry::npm::NpmPackage;
use arca_core::{Error, ErrorKind};
use arca_http::conditional::{self, ETag, Outcome};
use arca_npm::Packument;
use arca_types::RepoName;
use axum::body::Body;
use axum::response::Response;
use http::request::Parts;
use http::{StatusCode, header};

/// The base of tarball URLs: the host the client reached, then `/npm/<repo>`.
pub(crate) fn base_url(parts: &Parts, repository: &RepoName) -> String {
    format!("{}/npm/{repository}", arca_http::external_base(parts))
}

fn packument_of(package: NpmPackage) -> Packument {
    let versions: Vec<_> = package.versions.into_iter().map(|v| v.stored).collect();
    let created = versions.iter().map(|v| v.published.clone()).min().unwrap_or_default();
    let modified = versions.iter().map(|v| v.published.clone()).max().unwrap_or_default();
    let latest = package.dist_tags.get("latest").cloned();
    let readme = versions
        .iter()
        .find(|v| Some(&v.version) == latest.as_ref())
        .or_else(|| versions.last())
        .and_then(|v| arca_npm::readme_of(&v.manifest));
    Packument { name: package.name, versions, dist_tags: package.dist_tags, created, modified, readme }
}

pub(crate) async fn packument(
    registry: &Registry,
    repository: &RepoName,
    name: &str,
    head: bool,
    parts: &Parts,
) -> Reply {
    let listing = registry.npm_listing(repository, name).await?;
    let accept = parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let abbreviated = arca_npm::wants_abbreviated(accept);
    let base_url = base_url(parts, repository);
    let (kind, content_type) = if abbreviated { ("abbreviated", ABBREVIATED) } else { ("full", "application/json") };
    let key = listing.key(&format!("{kind}\n{base_url}"));
    let rendered = match registry.rendered(&key) {
        Some(rendered) => rendered,
        None => {
            let packument = packument_of(registry.npm_package_of(listing, &base_url).await?);
            let document =
                if abbreviated { arca_npm::render_abbreviated(&packument) } else { arca_npm::render_full(&packument) };
            let body = serde_json::to_vec(&document).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
            registry.keep_rendered(&key, body)
        }
    };
    Ok(conditional::document_of_digest(parts, rendered.body.clone(), &rendered.digest, content_type, head)?)
}

/// The abbreviated packument's media type.
const ABBREVIATED: &str = "application/vnd.npm.install-v1+json";

pub(crate) async fn tarball(
    registry: &Registry,
    repository: &RepoName,
    name: &str,
    file: &str,
    head: bool,
    parts: &Parts,
) -> Reply {
    let (stored, digest, size) = registry.npm_tarball(repository, name, file).await?;
    let etag = ETag::of(&digest);
    let headers = || {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, size)
            .header(header::ETAG, etag.header_value())
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
    };
    if conditional::evaluate(&parts.method, &parts.headers, &etag).map_err(NpmFailure::from)? == Outcome::NotModified {
        return Ok(conditional::not_modified(headers()));
    }
    if head {
        return Ok(headers().status(StatusCode::OK).body(Body::empty()).expect("valid response"));
    }
    let read = registry.get_blob(&stored, &digest, None).await?;
    Ok(headers().status(StatusCode::OK).body(Body::from_stream(read.stream)).expect("valid response"))
}
