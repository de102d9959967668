//! Manifest GET/HEAD, PUT and DELETE.

use crate::{Incoming, Reply, header_value};
use arca_core::registry::{PutManifest, Registry};
use arca_http::conditional::{self, ETag, Outcome};
use arca_types::{OciName, Reference, Tag};
use axum::body::Body;
use axum::response::Response;
use http::{StatusCode, header, request::Parts};

/// A GET or HEAD; a conditional one (`If-None-Match: "<digest>"`) is answered from the record alone,
/// without opening the stored bytes.
pub(crate) async fn get(
    registry: &Registry,
    name: &OciName,
    reference: &Reference,
    head: bool,
    parts: &Parts,
) -> Reply {
    let record = registry.manifest_record(name, reference).await?;
    if !head {
        // The repository's pull gates (a HEAD only shows the digest: signers need it).
        registry.check_pull(name, &record, parts.extensions.get::<arca_core::auth::Principal>()).await?;
    }
    let etag = ETag::of(&record.digest);
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, header_value(&record.media_type))
        .header(header::CONTENT_LENGTH, record.size)
        .header(header::ETAG, etag.header_value())
        .header("docker-content-digest", record.digest.as_str());
    if conditional::evaluate(&parts.method, &parts.headers, &etag)? == Outcome::NotModified {
        return Ok(conditional::not_modified(builder));
    }
    let body =
        if head { Body::empty() } else { Body::from_stream(registry.open_manifest(name, reference, &record).await?) };
    Ok(builder.body(body).expect("valid response"))
}

pub(crate) async fn put(
    registry: &Registry,
    name: &OciName,
    reference: &Reference,
    tags: Vec<Tag>,
    parts: &Parts,
    body: Incoming,
) -> Reply {
    let has_query_tags = !tags.is_empty();
    let body = body.collect(registry.config().max_manifest_bytes).await?;
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let actor = arca_http::caller::actor(parts);
    let put = PutManifest { name, reference, content_type, body, extra_tags: tags, actor: &actor };
    let stored = registry.put_manifest(put).await?;
    let mut builder = Response::builder()
        .status(StatusCode::CREATED)
        .header(header::LOCATION, format!("/v2/{name}/manifests/{}", stored.digest))
        .header(header::CONTENT_LENGTH, 0)
        .header("docker-content-digest", stored.digest.as_str());
    // `OCI-Tag` confirms each tag applied through `?tag=`.
    if has_query_tags {
        for tag in &stored.tags {
            builder = builder.header("oci-tag", tag.as_str());
        }
    }
    if let Some(subject) = &stored.subject {
        builder = builder.header("oci-subject", subject.as_str());
    }
    Ok(builder.body(Body::empty()).expect("valid response"))
}

pub(crate) async fn delete(registry: &Registry, name: &OciName, reference: &Reference, parts: &Parts) -> Reply {
    registry.delete_manifest(name, reference, &arca_http::caller::actor(parts)).await?;
    Ok(Response::builder()
        .status(StatusCode::ACCEPTED)
        .header(header::CONTENT_LENGTH, 0)
        .body(Body::empty())
        .expect("valid response"))
}
