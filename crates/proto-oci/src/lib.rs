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

use arca_core::auth::{Action, Need};
use arca_core::registry::Registry;
use arca_http::body::content_length;
use arca_http::header_value;
use arca_http::{Access, Protocol, Refusal};
use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use errors::OciError;
use futures_util::StreamExt;
use http::{HeaderValue, StatusCode, header, request::Parts};
use route::Endpoint;
use std::sync::Arc;

pub use arca_core::observe::RouteClass;

type Reply = Result<Response, OciError>;

/// The paths this protocol serves: every request under them is parsed by [`route::parse`].
pub const PATHS: [&str; 3] = ["/v2", "/v2/", "/v2/{*rest}"];

/// The OCI Distribution protocol under `/v2`.
pub struct OciProtocol {
    registry: Arc<Registry>,
}

impl OciProtocol {
    pub fn new(registry: Arc<Registry>) -> Self {
        Self { registry }
    }
}

#[async_trait]
impl Protocol for OciProtocol {
    fn name(&self) -> &'static str {
        "oci"
    }

    fn router(&self) -> Router {
        arca_http::serve_all(&PATHS, any(handle).with_state(self.registry.clone()))
    }

    fn paths(&self) -> Vec<&'static str> {
        PATHS.to_vec()
    }

    async fn authorize(&self, parts: &mut Parts) -> Access {
        arca_http::parse_once(parts, route::parse, needs)
    }

    fn refuse(&self, parts: &Parts, refusal: &Refusal) -> Response {
        refuse(parts, refusal)
    }
}

/// What an endpoint needs of the caller.
pub fn needs(endpoint: &Endpoint) -> Vec<Need> {
    use Endpoint as E;
    let on = |action, name: &arca_types::OciName| Need::On {
        action,
        repository: name.repository.as_str().to_owned(),
        name: name.to_string(),
    };
    match endpoint {
        E::Base => vec![Need::Authenticated],
        E::Catalog { .. } => vec![Need::Everywhere(Action::Read)],
        E::ListTags { name, .. }
        | E::GetManifest { name, .. }
        | E::GetBlob { name, .. }
        | E::Referrers { name, .. } => {
            vec![on(Action::Read, name)]
        }
        E::StartUpload { name, from, .. } => {
            let mut needs = vec![on(Action::Publish, name)];
            needs.extend(from.iter().map(|from| on(Action::Read, from)));
            needs
        }
        E::PutManifest { name, .. }
        | E::UploadStatus { name, .. }
        | E::PatchUpload { name, .. }
        | E::PutUpload { name, .. }
        | E::CancelUpload { name, .. } => vec![on(Action::Publish, name)],
        E::DeleteManifest { name, .. } | E::DeleteBlob { name, .. } => vec![on(Action::Delete, name)],
    }
}

/// The Docker token scope that would grant `need` (`repository:dev/app:pull,push`).
pub fn docker_scope(need: &Need) -> Option<String> {
    match need {
        Need::Authenticated => None,
        Need::On { action, name, .. } => {
            let actions = match action {
                Action::Read => "pull",
                Action::Publish => "pull,push",
                Action::Delete => "delete",
                Action::Promote | Action::Admin => "*",
            };
            Some(format!("repository:{name}:{actions}"))
        }
        Need::Everywhere(_) => Some("registry:catalog:*".into()),
    }
}

/// A refusal as docker, podman and skopeo expect it: OCI error JSON, and for a missing credential a
/// `Bearer` challenge naming the token realm and the scope to ask for.
fn refuse(parts: &Parts, refusal: &Refusal) -> Response {
    let mut response = OciError::new(refusal.status(), refusal.code(), refusal.message()).into_response();
    let headers = response.headers_mut();
    if let Refusal::Unauthenticated { need, .. } = refusal {
        let base = arca_http::external_base(parts);
        let scope = need.as_ref().and_then(docker_scope).map(|s| format!(",scope=\"{s}\"")).unwrap_or_default();
        let challenge = format!("Bearer realm=\"{base}/token\",service=\"{SERVICE}\"{scope}");
        headers.insert(header::WWW_AUTHENTICATE, arca_http::header_value(&challenge));
    }
    if let Some(secs) = refusal.retry_after() {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    headers.insert("docker-distribution-api-version", HeaderValue::from_static("registry/2.0"));
    response.extensions_mut().insert(RouteClass("auth_refused"));
    response
}

/// The service name in challenges and registry tokens.
pub const SERVICE: &str = "arca";

async fn handle(State(registry): State<Arc<Registry>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let body = Incoming { body };
    let endpoint = arca_http::parsed(&mut parts, route::parse);
    let class = endpoint.as_ref().map_or("oci_invalid", Endpoint::class);
    let mut response = match endpoint {
        Ok(endpoint) => dispatch(&registry, endpoint, &parts, body).await.unwrap_or_else(IntoResponse::into_response),
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
        E::GetManifest { name, reference, head } => manifests::get(registry, &name, &reference, head, parts).await,
        E::PutManifest { name, reference, tags } => {
            manifests::put(registry, &name, &reference, tags, parts, body).await
        }
        E::DeleteManifest { name, reference } => manifests::delete(registry, &name, &reference, parts).await,
        E::GetBlob { name, digest, head } => blobs::get(registry, &name, &digest, head, parts).await,
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

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A request body (stalls are cut by the server's idle timeout).
pub(crate) struct Incoming {
    body: Body,
}

impl Incoming {
    fn is_empty(&self) -> bool {
        arca_http::body::is_empty(&self.body)
    }

    fn into_stream(self) -> arca_core::blob::ByteStream {
        arca_http::body::stream(self.body)
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
