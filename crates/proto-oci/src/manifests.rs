//! Manifest GET/HEAD, PUT and DELETE.

use crate::errors::OciError;
use crate::{Reply, header_value};
use arca_core::registry::{PutManifest, Registry};
use arca_types::{OciName, Reference, Tag};
use axum::body::Body;
use axum::response::Response;
use http::{StatusCode, header, request::Parts};
use http_body_util::BodyExt;

pub(crate) async fn get(registry: &Registry, name: &OciName, reference: &Reference, head: bool) -> Reply {
    let read = registry.get_manifest(name, reference, !head).await?;
    let record = &read.record;
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, header_value(&record.media_type))
        .header(header::CONTENT_LENGTH, record.size)
        .header(header::ETAG, format!("\"{}\"", record.digest))
        .header("docker-content-digest", record.digest.as_str());
    let body = read.body.map_or_else(Body::empty, Body::from_stream);
    Ok(builder.body(body).expect("valid response"))
}

pub(crate) async fn put(
    registry: &Registry,
    name: &OciName,
    reference: &Reference,
    tags: Vec<Tag>,
    parts: &Parts,
    body: Body,
) -> Reply {
    let limit = registry.config().max_manifest_bytes;
    let body = http_body_util::Limited::new(body, limit).collect().await.map_err(|e| {
        let too_large = e.is::<http_body_util::LengthLimitError>();
        let status = if too_large { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::BAD_REQUEST };
        OciError::new(
            status,
            if too_large { "SIZE_INVALID" } else { "MANIFEST_INVALID" },
            format!("reading manifest (limit {limit} bytes): {e}"),
        )
    })?;
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let stored = registry
        .put_manifest(PutManifest { name, reference, content_type, body: body.to_bytes(), extra_tags: tags })
        .await?;
    let mut builder = Response::builder()
        .status(StatusCode::CREATED)
        .header(header::LOCATION, format!("/v2/{name}/manifests/{}", stored.digest))
        .header(header::CONTENT_LENGTH, 0)
        .header("docker-content-digest", stored.digest.as_str());
    if let Some(subject) = &stored.subject {
        builder = builder.header("oci-subject", subject.as_str());
    }
    Ok(builder.body(Body::empty()).expect("valid response"))
}

pub(crate) async fn delete(registry: &Registry, name: &OciName, reference: &Reference) -> Reply {
    registry.delete_manifest(name, reference).await?;
    Ok(Response::builder()
        .status(StatusCode::ACCEPTED)
        .header(header::CONTENT_LENGTH, 0)
        .body(Body::empty())
        .expect("valid response"))
}
