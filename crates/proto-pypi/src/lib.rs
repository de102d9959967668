//! A PyPI index under `/pypi/<repo>/`: the simple API (PEP 503 HTML and PEP 691 JSON, API version
//! 1.4, with PEP 700 sizes and upload times and PEP 658/714 core metadata), file downloads, and the
//! legacy upload twine uses (`POST …/legacy/`, multipart).
//!
//! Shape: [`route::parse`] (pure, fuzzed) → [`route::Endpoint`] → one handler per variant calling
//! `arca_core::registry::Registry` (module `pypi`). Errors speak PyPI's dialect: a status, the message
//! as the HTTP reason phrase (twine prints it, and `--skip-existing` looks for "already exist" there)
//! and as a plain-text body.
//!
//! Architecture invariant: only this crate knows the PyPI URLs and the upload form; it reaches
//! storage only through `arca-core`.

mod errors;
mod pages;
pub mod route;
mod upload;

use arca_core::auth::{Action, Need};
use arca_core::registry::Registry;
use arca_http::{Access, Protocol, Refusal};
use async_trait::async_trait;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http::request::Parts;
use route::Endpoint;
use std::sync::Arc;

pub use arca_core::observe::RouteClass;

/// The paths this protocol serves: every request under them is parsed by [`route::parse`].
pub const PATHS: [&str; 2] = ["/pypi/{repo}", "/pypi/{repo}/{*rest}"];

/// The PyPI index and upload under `/pypi`.
pub struct PypiProtocol {
    registry: Arc<Registry>,
}

impl PypiProtocol {
    pub fn new(registry: Arc<Registry>) -> Self {
        Self { registry }
    }
}

#[async_trait]
impl Protocol for PypiProtocol {
    fn name(&self) -> &'static str {
        "pypi"
    }

    fn router(&self) -> Router {
        arca_http::serve_all(&PATHS, any(handle).with_state(self.registry.clone()))
    }

    fn paths(&self) -> Vec<&'static str> {
        PATHS.to_vec()
    }

    async fn authorize(&self, parts: &mut Parts) -> Access {
        arca_http::parse_once(parts, route::parse, |e| vec![need(e)])
    }

    fn refuse(&self, _: &Parts, refusal: &Refusal) -> Response {
        errors::refusal(refusal)
    }
}

/// What an endpoint needs: reading the repository, or publishing into it.
pub fn need(endpoint: &Endpoint) -> Need {
    let action = match endpoint {
        Endpoint::Upload { .. } => Action::Publish,
        _ => Action::Read,
    };
    Need::on(action, endpoint.repository().as_str())
}

async fn handle(State(registry): State<Arc<Registry>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let endpoint = arca_http::parsed(&mut parts, route::parse);
    let class = endpoint.as_ref().map_or("pypi_invalid", Endpoint::class);
    let mut response = match endpoint {
        Ok(endpoint) => dispatch(&registry, endpoint, &parts, body).await.unwrap_or_else(IntoResponse::into_response),
        Err(e) => errors::route_error(e),
    };
    response.extensions_mut().insert(RouteClass(class));
    response
}

async fn dispatch(registry: &Registry, endpoint: Endpoint, parts: &Parts, body: axum::body::Body) -> errors::Reply {
    match endpoint {
        Endpoint::Index { repository, head } => pages::index(registry, &repository, head, parts).await,
        Endpoint::Project { repository, project, head } => {
            pages::project(registry, &repository, &project, head, parts).await
        }
        Endpoint::Redirect { location, .. } => Ok(pages::redirect(&location)),
        Endpoint::File { repository, project, version, file, part, head } => {
            let file =
                pages::FileRequest { repository: &repository, project: &project, version: &version, file: &file };
            pages::file(registry, &file, part, head, parts).await
        }
        Endpoint::Upload { repository } => upload::upload(registry, &repository, parts, body).await,
    }
}
