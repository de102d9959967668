//! Blob uploads: POST (session, monolithic, mount), PATCH, PUT, status GET, cancel DELETE.

use crate::{Incoming, Reply, content_length};
use arca_core::auth::{Action, Principal};
use arca_core::registry::{Registry, UploadStatus};
use arca_core::{Error, ErrorKind};
use arca_types::{ByteRange, Digest, OciName};
use axum::body::Body;
use axum::response::Response;
use http::{StatusCode, header, request::Parts};

pub(crate) struct Start {
    pub digest: Option<Digest>,
    pub mount: Option<Digest>,
    pub from: Option<OciName>,
    pub sha512: bool,
}

pub(crate) async fn start(registry: &Registry, name: &OciName, start: Start, parts: &Parts, body: Incoming) -> Reply {
    let actor = arca_http::caller::actor(parts);
    // Without `from`, a mount looks everywhere: only for a caller who may read everywhere (or when
    // there is no authentication at all); anyone else gets an upload session, as the spec allows.
    let may_mount =
        start.from.is_some() || parts.extensions.get::<Principal>().is_none_or(|p| p.allows_everywhere(Action::Read));
    if let Some(mount) = start.mount.as_ref().filter(|_| may_mount)
        && let Some(info) = registry.mount_blob(name, mount, start.from.as_ref(), &actor).await?
    {
        return Ok(blob_created(name, &info.digest));
    }
    if let Some(digest) = &start.digest {
        let info = registry.put_blob(name, digest, content_length(&parts.headers), body.into_stream(), &actor).await?;
        return Ok(blob_created(name, &info.digest));
    }
    let status = registry.start_upload(name, start.sha512, &actor).await?;
    Ok(session_response(StatusCode::ACCEPTED, name, &status))
}

pub(crate) async fn patch(registry: &Registry, name: &OciName, id: &str, parts: &Parts, body: Incoming) -> Reply {
    let (start, declared) = chunk_position(parts)?;
    let status = registry.append_upload(name, id, start, declared, body.into_stream()).await?;
    Ok(session_response(StatusCode::ACCEPTED, name, &status))
}

pub(crate) async fn put(
    registry: &Registry,
    name: &OciName,
    id: &str,
    digest: &Digest,
    parts: &Parts,
    body: Incoming,
) -> Reply {
    let (start, declared) = chunk_position(parts)?;
    let body = (!body.is_empty()).then(|| body.into_stream());
    let info = registry.complete_upload(name, id, digest, start, declared, body).await?;
    Ok(blob_created(name, &info.digest))
}

pub(crate) async fn status(registry: &Registry, name: &OciName, id: &str) -> Reply {
    let status = registry.upload_status(name, id).await?;
    Ok(session_response(StatusCode::NO_CONTENT, name, &status))
}

pub(crate) async fn cancel(registry: &Registry, name: &OciName, id: &str) -> Reply {
    registry.cancel_upload(name, id).await?;
    Ok(Response::builder().status(StatusCode::NO_CONTENT).body(Body::empty()).expect("valid response"))
}

/// The chunk's first byte (from `Content-Range`) and its length (from `Content-Length`).
fn chunk_position(parts: &Parts) -> Result<(Option<u64>, Option<u64>), Error> {
    let declared = content_length(&parts.headers);
    let Some(value) = parts.headers.get(header::CONTENT_RANGE) else { return Ok((None, declared)) };
    let range = value
        .to_str()
        .ok()
        .and_then(|v| ByteRange::parse_content_range(v).ok())
        .ok_or_else(|| Error::new(ErrorKind::UploadRangeInvalid, "Content-Range must be <start>-<end>"))?;
    if declared.is_some_and(|d| d != range.len()) {
        return Err(Error::new(ErrorKind::SizeInvalid, "Content-Range and Content-Length disagree"));
    }
    Ok((Some(range.start), Some(range.len())))
}

fn blob_created(name: &OciName, digest: &Digest) -> Response {
    Response::builder()
        .status(StatusCode::CREATED)
        .header(header::LOCATION, format!("/v2/{name}/blobs/{digest}"))
        .header(header::CONTENT_LENGTH, 0)
        .header("docker-content-digest", digest.as_str())
        .body(Body::empty())
        .expect("valid response")
}

fn session_response(status: StatusCode, name: &OciName, upload: &UploadStatus) -> Response {
    // `Range` is inclusive; an empty upload reports 0-0 as Distribution does, which clients expect.
    let end = upload.offset.saturating_sub(1);
    Response::builder()
        .status(status)
        .header(header::LOCATION, format!("/v2/{name}/blobs/uploads/{}", upload.id))
        .header(header::RANGE, format!("0-{end}"))
        .header(header::CONTENT_LENGTH, 0)
        .header("docker-upload-uuid", upload.id.as_str())
        .body(Body::empty())
        .expect("valid response")
}
