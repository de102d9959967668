//! The read side: files (with `X-Checksum-*` headers, ranges, ETag), checksum sidecars computed by
//! the server from the stored file, and `maven-metadata.xml` generated from what is stored (and its
//! checksums, computed on the same bytes).

use crate::errors::{MavenError, Reply, plain};
use arca_core::registry::Registry;
use arca_core::registry::maven::MavenFile;
use arca_core::{Error, ErrorKind};
use arca_http::conditional::{self, ETag, Outcome};
use arca_maven::{ArtifactFile, ChecksumHasher, FileChecksums, MavenPath, MetadataPath, Sidecar};
use arca_types::RepoName;
use axum::body::Body;
use axum::response::Response;
use http::request::Parts;
use http::{StatusCode, header};

/// Stored files never change (a snapshot's timestamped file names are unique per build).
const FILE_CACHE: &str = "public, max-age=31536000, immutable";

fn not_found(what: &str) -> MavenError {
    MavenError(Error::new(ErrorKind::NotFound, format!("{what} is not in this repository")))
}

/// The file a checksum sidecar is the checksum of.
fn checksummed(file: &ArtifactFile) -> ArtifactFile {
    match file.sidecar() {
        Some(Sidecar::SignatureChecksum(_)) => file.with_sidecar(Some(Sidecar::Signature)),
        _ => file.with_sidecar(None),
    }
}

pub(crate) async fn file(
    registry: &Registry,
    repository: &RepoName,
    file: &ArtifactFile,
    head: bool,
    parts: &Parts,
) -> Reply {
    let algorithm = file.sidecar().and_then(Sidecar::checksum);
    let target = if algorithm.is_some() { checksummed(file) } else { file.clone() };
    let stored = registry.maven_file(repository, &target).await?.ok_or_else(|| not_found(&file.file_name()))?;
    match algorithm {
        Some(algorithm) => Ok(text(stored.checksums.sidecar_body(algorithm).as_bytes().to_vec(), head)),
        None => serve(registry, &stored, MavenPath::File(file.clone()).content_type(), head, parts).await,
    }
}

pub(crate) async fn metadata(
    registry: &Registry,
    repository: &RepoName,
    path: &MetadataPath,
    head: bool,
    parts: &Parts,
) -> Reply {
    let xml =
        registry.maven_metadata(repository, &path.with_checksum(None)).await?.ok_or_else(|| not_found(&path.path()))?;
    let sums = ChecksumHasher::of(&xml);
    match path.checksum() {
        Some(algorithm) => Ok(text(sums.sidecar_body(algorithm).as_bytes().to_vec(), head)),
        None => {
            let mut response = conditional::document(parts, xml, "application/xml", head).map_err(MavenError)?;
            add_checksums(&mut response, &sums);
            Ok(response)
        }
    }
}

fn text(body: Vec<u8>, head: bool) -> Response {
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::CACHE_CONTROL, "max-age=0, must-revalidate");
    builder.body(if head { Body::empty() } else { Body::from(body) }).expect("valid response")
}

fn add_checksums(response: &mut Response, sums: &FileChecksums) {
    for (name, value) in sums.headers() {
        if let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) {
            response.headers_mut().insert(name, arca_http::header_value(value));
        }
    }
}

async fn serve(
    registry: &Registry,
    stored: &MavenFile,
    content_type: &'static str,
    head: bool,
    parts: &Parts,
) -> Reply {
    let etag = ETag::of(&stored.digest);
    let headers = |status: StatusCode, length: u64| {
        let mut builder = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_LENGTH, length)
            .header(header::ACCEPT_RANGES, "bytes")
            .header(header::ETAG, etag.header_value())
            .header(header::CACHE_CONTROL, FILE_CACHE);
        for (name, value) in stored.checksums.headers() {
            builder = builder.header(name, value);
        }
        builder
    };
    if conditional::evaluate(&parts.method, &parts.headers, &etag).map_err(MavenError)? == Outcome::NotModified {
        return Ok(conditional::not_modified(headers(StatusCode::OK, stored.size)));
    }
    if head {
        return Ok(headers(StatusCode::OK, stored.size).body(Body::empty()).expect("valid response"));
    }
    let range = arca_http::range::requested(&parts.headers);
    let read = match registry.get_blob(&stored.name, &stored.digest, range).await {
        Err(e) if e.kind == ErrorKind::RangeNotSatisfiable => {
            let mut response = plain(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable");
            let (name, value) = arca_http::range::unsatisfiable(stored.size);
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
