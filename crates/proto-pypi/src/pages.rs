//! The read side: the project list, a project's page (HTML or JSON by content negotiation, with an
//! ETag so pip and uv revalidate for the price of a 304), files and their core metadata.

use crate::errors::{PypiError, Reply, plain};
use crate::route::FilePart;
use arca_core::meta::{Lifecycle, PackageStatus};
use arca_core::registry::Registry;
use arca_core::registry::pypi::{PypiFile, PypiRelease};
use arca_core::{Error, ErrorKind};
use arca_http::conditional::{self, ETag, Outcome};
use arca_pypi::simple::{self, ProjectFile, ProjectList, ProjectPage, ProjectStatus, SimpleFormat};
use arca_types::{Digest, OciName, RepoName};
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{StatusCode, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters a path segment of a file URL may keep as they are.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'!');

/// Files never change.
const FILE_CACHE: &str = "public, max-age=31536000, immutable";

/// The format the client accepts and its Content-Type; `None`: answer [`not_acceptable`].
fn format_of(parts: &Parts) -> Option<(SimpleFormat, &'static str)> {
    let accept = parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let query = parts.uri.query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("format="))
            .map(|v| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    });
    simple::negotiate(accept, query.as_deref()).ok()
}

fn not_acceptable() -> Response {
    plain(
        StatusCode::NOT_ACCEPTABLE,
        "acceptable: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, text/html",
    )
}

/// A rendered page with its ETag, or a 304 when the client has it.
fn page(body: Vec<u8>, content_type: &'static str, head: bool, parts: &Parts) -> Reply {
    Ok(conditional::document(parts, body, content_type, head)?)
}

pub(crate) async fn index(registry: &Registry, repository: &RepoName, head: bool, parts: &Parts) -> Reply {
    let Some((format, content_type)) = format_of(parts) else { return Ok(not_acceptable()) };
    let projects = registry.pypi_projects(repository).await?;
    page(simple::render_index(&ProjectList { projects }, format), content_type, head, parts)
}

pub(crate) async fn project(
    registry: &Registry,
    repository: &RepoName,
    project: &str,
    head: bool,
    parts: &Parts,
) -> Reply {
    let Some((format, content_type)) = format_of(parts) else { return Ok(not_acceptable()) };
    let found = registry.pypi_project(repository, project).await?;
    let page_of = project_page(project, &found.releases, &found.status);
    page(simple::render_project(&page_of, format), content_type, head, parts)
}

/// A project page; file URLs are relative to it (`/pypi/<repo>/simple/<project>/`), so the index
/// answers the same whatever host or proxy the client reached it through.
fn project_page(project: &str, releases: &[PypiRelease], status: &PackageStatus) -> ProjectPage {
    let files = releases
        .iter()
        .flat_map(|release| release.files.iter().map(move |f| project_file(project, release, f)))
        .collect();
    ProjectPage {
        name: project.to_owned(),
        versions: releases.iter().map(|r| r.version.clone()).collect(),
        files,
        // Active is what a page without a status means (PEP 792): said only when it is not.
        status: (status.status != Lifecycle::Active)
            .then(|| ProjectStatus { status: status.status.as_str().to_owned(), reason: status.reason.clone() }),
    }
}

fn project_file(project: &str, release: &PypiRelease, f: &PypiFile) -> ProjectFile {
    let encode = |s: &str| utf8_percent_encode(s, SEGMENT).to_string();
    ProjectFile {
        filename: f.filename.clone(),
        url: format!("../../files/{}/{}/{}", encode(project), encode(&release.version), encode(&f.filename)),
        sha256: f.digest.hex().to_owned(),
        size: f.size,
        upload_time: f.upload_time.clone(),
        requires_python: f.requires_python.clone(),
        yanked: release.yanked.clone(),
        core_metadata_sha256: f.metadata.as_ref().map(|(d, _)| d.hex().to_owned()),
        gpg_sig: None,
        provenance_url: f.provenance.as_ref().map(|_| {
            format!("../../files/{}/{}/{}.provenance", encode(project), encode(&release.version), encode(&f.filename))
        }),
    }
}

pub(crate) fn redirect(location: &str) -> Response {
    (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, arca_http::header_value(location))]).into_response()
}

pub(crate) struct FileRequest<'a> {
    pub repository: &'a RepoName,
    pub project: &'a str,
    pub version: &'a str,
    pub file: &'a str,
}

/// A distribution file or its core metadata: preconditions on its digest, then a range if asked.
pub(crate) async fn file(
    registry: &Registry,
    req: &FileRequest<'_>,
    part: FilePart,
    head: bool,
    parts: &Parts,
) -> Reply {
    let unknown = || Error::new(ErrorKind::NotFound, format!("{} has no file {}", req.project, req.file));
    let release = registry.pypi_release(req.repository, req.project, req.version).await?.ok_or_else(unknown)?;
    let f = release.file(req.file).ok_or_else(unknown)?;
    let (digest, size, content_type) = match part {
        FilePart::Distribution => (f.digest.clone(), f.size, "application/octet-stream"),
        FilePart::Metadata => {
            let (digest, size) = f.metadata.clone().ok_or_else(unknown)?;
            (digest, size, "text/plain; charset=utf-8")
        }
        FilePart::Provenance => {
            let (digest, size) = f.provenance.clone().ok_or_else(unknown)?;
            (digest, size, arca_core::registry::pypi::PROVENANCE_TYPE)
        }
    };
    let name = arca_core::registry::pypi::project_name(req.repository, req.project)?;
    serve_blob(registry, &name, &digest, size, content_type, head, parts).await
}

async fn serve_blob(
    registry: &Registry,
    name: &OciName,
    digest: &Digest,
    size: u64,
    content_type: &'static str,
    head: bool,
    parts: &Parts,
) -> Reply {
    let etag = ETag::of(digest);
    let headers = |status: StatusCode, length: u64| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_LENGTH, length)
            .header(header::ACCEPT_RANGES, "bytes")
            .header(header::ETAG, etag.header_value())
            .header(header::CACHE_CONTROL, FILE_CACHE)
    };
    if conditional::evaluate(&parts.method, &parts.headers, &etag).map_err(PypiError)? == Outcome::NotModified {
        return Ok(conditional::not_modified(headers(StatusCode::OK, size)));
    }
    if head {
        return Ok(headers(StatusCode::OK, size).body(Body::empty()).expect("valid response"));
    }
    let range = arca_http::range::requested(&parts.headers);
    let read = match registry.get_blob(name, digest, range).await {
        Err(e) if e.kind == ErrorKind::RangeNotSatisfiable => {
            let mut response = plain(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable");
            let (name, value) = arca_http::range::unsatisfiable(size);
            response.headers_mut().insert(name, value);
            return Ok(response);
        }
        other => other?,
    };
    let builder = match read.range {
        Some(r) => headers(StatusCode::PARTIAL_CONTENT, r.len())
            .header(header::CONTENT_RANGE, arca_http::range::content_range(&r, read.size)),
        None => headers(StatusCode::OK, read.size),
    };
    Ok(builder.body(Body::from_stream(read.stream)).expect("valid response"))
}
