//! The OCI Distribution v1.1 protocol.
//!
//! Shape: [`route::parse`] turns the request line into a typed [`route::Endpoint`] (pure, fuzzed),
//! then one handler per variant calls `arca_core::registry::Registry` and renders the wire format.
//! Errors become OCI error JSON in one place ([`errors`]).
//!
//! Architecture invariant: only this crate knows OCI URLs, headers and JSON; it reaches storage only
//! through `arca-core`.

mod blobs;
pub mod errors;
mod listing;
mod manifests;
pub mod route;
mod uploads;

use arca_core::registry::Registry;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use errors::OciError;
use futures_util::TryStreamExt;
use http::{HeaderMap, HeaderValue, header, request::Parts};
use route::Endpoint;
use std::sync::Arc;

/// Route class stored in response extensions, for metrics and request logs.
#[derive(Debug, Clone, Copy)]
pub struct RouteClass(pub &'static str);

type Reply = Result<Response, OciError>;

/// The `/v2` routes.
pub fn router(registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/v2", any(handle))
        .route("/v2/", any(handle))
        .route("/v2/{*rest}", any(handle))
        .with_state(registry)
}

async fn handle(State(registry): State<Arc<Registry>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let endpoint = route::parse(&parts.method, parts.uri.path(), parts.uri.query());
    let class = endpoint.as_ref().map_or("oci_invalid", Endpoint::class);
    let mut response = match endpoint {
        Ok(endpoint) => dispatch(&registry, endpoint, &parts, body).await.unwrap_or_else(IntoResponse::into_response),
        Err(e) => OciError::from(e).into_response(),
    };
    response.headers_mut().insert("docker-distribution-api-version", HeaderValue::from_static("registry/2.0"));
    response.extensions_mut().insert(RouteClass(class));
    response
}

async fn dispatch(registry: &Registry, endpoint: Endpoint, parts: &Parts, body: Body) -> Reply {
    use Endpoint as E;
    match endpoint {
        E::Base => Ok(json_response(http::StatusCode::OK, "{}".into())),
        E::Catalog { n, last } => listing::catalog(registry, n, last).await,
        E::ListTags { name, n, last } => listing::tags(registry, &name, n, last).await,
        E::Referrers { name, digest, artifact_type } => {
            listing::referrers(registry, &name, &digest, artifact_type).await
        }
        E::GetManifest { name, reference, head } => manifests::get(registry, &name, &reference, head).await,
        E::PutManifest { name, reference, tags } => {
            manifests::put(registry, &name, &reference, tags, parts, body).await
        }
        E::DeleteManifest { name, reference } => manifests::delete(registry, &name, &reference).await,
        E::GetBlob { name, digest, head } => blobs::get(registry, &name, &digest, head, &parts.headers).await,
        E::DeleteBlob { name, digest } => blobs::delete(registry, &name, &digest).await,
        E::StartUpload { name, digest, mount, from, sha512 } => {
            uploads::start(registry, &name, uploads::Start { digest, mount, from, sha512 }, parts, body).await
        }
        E::UploadStatus { name, id } => uploads::status(registry, &name, &id).await,
        E::PatchUpload { name, id } => uploads::patch(registry, &name, &id, parts, body).await,
        E::PutUpload { name, id, digest } => uploads::put(registry, &name, &id, &digest, parts, body).await,
        E::CancelUpload { name, id } => uploads::cancel(registry, &name, &id).await,
    }
}

fn json_response(status: http::StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn body_stream(body: Body) -> arca_core::blob::ByteStream {
    Box::pin(body.into_data_stream().map_err(std::io::Error::other))
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}
