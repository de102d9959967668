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
use axum::routing::{MethodRouter, any};
use errors::OciError;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use route::Endpoint;
use std::sync::Arc;
use std::time::Duration;

pub use arca_core::observe::RouteClass;

type Reply = Result<Response, OciError>;

/// HTTP-level limits of the OCI endpoints.
#[derive(Debug, Clone)]
pub struct OciOptions {
    /// A request body that sends nothing for this long fails (a stalled or abandoned upload), and
    /// what it had staged is discarded.
    pub body_idle_timeout: Duration,
}

impl Default for OciOptions {
    fn default() -> Self {
        Self { body_idle_timeout: Duration::from_secs(60) }
    }
}

struct OciState {
    registry: Arc<Registry>,
    options: OciOptions,
}

/// The paths of [`routes`]: every request under them is parsed by [`route::parse`].
pub const PATHS: [&str; 3] = ["/v2", "/v2/", "/v2/{*rest}"];

/// The `/v2` routes, path by path (the server attaches an authorization rule to each).
pub fn routes(registry: Arc<Registry>, options: OciOptions) -> Vec<(&'static str, MethodRouter)> {
    let state = Arc::new(OciState { registry, options });
    PATHS.into_iter().map(|path| (path, any(handle).with_state(state.clone()))).collect()
}

/// The `/v2` routes as one router.
pub fn router(registry: Arc<Registry>, options: OciOptions) -> Router {
    routes(registry, options).into_iter().fold(Router::new(), |router, (path, route)| router.route(path, route))
}

async fn handle(State(state): State<Arc<OciState>>, request: Request) -> Response {
    let registry = &state.registry;
    let (parts, body) = request.into_parts();
    let body = Incoming { body, idle_timeout: state.options.body_idle_timeout };
    let endpoint = route::parse(&parts.method, parts.uri.path(), parts.uri.query());
    let class = endpoint.as_ref().map_or("oci_invalid", Endpoint::class);
    let mut response = match endpoint {
        Ok(endpoint) => dispatch(registry, endpoint, &parts, body).await.unwrap_or_else(IntoResponse::into_response),
        Err(e) => OciError::from(e).into_response(),
    };
    response.headers_mut().insert("docker-distribution-api-version", HeaderValue::from_static("registry/2.0"));
    response.extensions_mut().insert(RouteClass(class));
    response
}

async fn dispatch(registry: &Registry, endpoint: Endpoint, parts: &Parts, body: Incoming) -> Reply {
    use Endpoint as E;
    match endpoint {
        E::Base => Ok(json_response(StatusCode::OK, "{}".into())),
        E::Catalog { n, last } => listing::catalog(registry, n, last).await,
        E::ListTags { name, n, last } => listing::tags(registry, &name, n, last).await,
        E::Referrers { name, digest, artifact_type } => {
            listing::referrers(registry, &name, &digest, artifact_type).await
        }
        E::GetManifest { name, reference, head } => manifests::get(registry, &name, &reference, head).await,
        E::PutManifest { name, reference, tags } => {
            manifests::put(registry, &name, &reference, tags, parts, body).await
        }
        E::DeleteManifest { name, reference } => manifests::delete(registry, &name, &reference, parts).await,
        E::GetBlob { name, digest, head } => blobs::get(registry, &name, &digest, head, &parts.headers).await,
        E::DeleteBlob { name, digest } => blobs::delete(registry, &name, &digest, parts).await,
        E::StartUpload { name, digest, mount, from, sha512 } => {
            uploads::start(registry, &name, uploads::Start { digest, mount, from, sha512 }, parts, body).await
        }
        E::UploadStatus { name, id } => uploads::status(registry, &name, &id).await,
        E::PatchUpload { name, id } => uploads::patch(registry, &name, &id, parts, body).await,
        E::PutUpload { name, id, digest } => uploads::put(registry, &name, &id, &digest, parts, body).await,
        E::CancelUpload { name, id } => uploads::cancel(registry, &name, &id).await,
    }
}

/// Who the request acts as, as the server's authentication put it in the request extensions.
fn actor(parts: &Parts) -> arca_core::audit::Actor {
    parts.extensions.get::<arca_core::audit::Actor>().cloned().unwrap_or_else(arca_core::audit::Actor::anonymous)
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A request body and how long it may stall.
pub(crate) struct Incoming {
    body: Body,
    idle_timeout: Duration,
}

impl Incoming {
    fn is_empty(&self) -> bool {
        http_body::Body::is_end_stream(&self.body)
    }

    /// The body as a stream that fails if no bytes arrive for the idle timeout.
    fn into_stream(self) -> arca_core::blob::ByteStream {
        let idle = self.idle_timeout;
        let chunks = self.body.into_data_stream();
        Box::pin(futures_util::stream::unfold(chunks, move |mut chunks| async move {
            match tokio::time::timeout(idle, chunks.next()).await {
                Ok(Some(chunk)) => Some((chunk.map_err(std::io::Error::other), chunks)),
                Ok(None) => None,
                Err(_) => {
                    let stalled =
                        std::io::Error::new(std::io::ErrorKind::TimedOut, format!("no body bytes for {idle:?}"));
                    Some((Err(stalled), chunks))
                }
            }
        }))
    }

    /// The whole body, for small payloads (manifests), capped at `limit` bytes.
    async fn collect(self, limit: usize) -> Result<bytes::Bytes, OciError> {
        let mut out = bytes::BytesMut::new();
        let mut chunks = self.into_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| {
                OciError::new(StatusCode::BAD_REQUEST, "MANIFEST_INVALID", format!("reading the body: {e}"))
            })?;
            if out.len() + chunk.len() > limit {
                return Err(OciError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "SIZE_INVALID",
                    format!("manifest is larger than {limit} bytes"),
                ));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}
