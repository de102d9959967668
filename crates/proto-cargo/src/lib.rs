//! A Cargo sparse registry under `/cargo/<repo>/`: `index/config.json`, the index files (one line per
//! version, `yanked` overlaid, with an ETag so cargo's revalidations are 304s), `.crate` downloads,
//! and the web API: `cargo publish` (the length-prefixed body parsed as it streams, the `.crate`
//! hashed and stored without being held), yank and unyank, owners, search.
//!
//! Shape: [`route::parse`] (pure, fuzzed) → [`route::Endpoint`] → one handler per variant calling
//! `arca_core::registry::Registry` (module `cargo`). Errors are Cargo's `{"errors":[{"detail":…}]}`
//! ([`errors`]).
//!
//! Architecture invariant: only this crate knows the Cargo registry's URLs and bodies; it reaches
//! storage only through `arca-core`.

mod api;
mod errors;
mod publish;
mod read;
pub mod route;

use arca_core::auth::{Action, AuthService, Need};
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
pub const PATHS: [&str; 1] = ["/cargo/{repo}/{*rest}"];

#[derive(Clone)]
struct Cargo {
    registry: Arc<Registry>,
    auth: Arc<AuthService>,
    /// Whether the server checks credentials at all (`auth.enabled`): `config.json`'s
    /// `auth-required` says whether cargo must send its token on index and download requests.
    auth_enabled: bool,
}

/// The Cargo registry under `/cargo`.
pub struct CargoProtocol {
    state: Cargo,
}

impl CargoProtocol {
    pub fn new(registry: Arc<Registry>, auth: Arc<AuthService>, auth_enabled: bool) -> Self {
        Self { state: Cargo { registry, auth, auth_enabled } }
    }
}

#[async_trait]
impl Protocol for CargoProtocol {
    fn name(&self) -> &'static str {
        "cargo"
    }

    fn router(&self) -> Router {
        arca_http::serve_all(&PATHS, any(handle).with_state(self.state.clone()))
    }

    fn paths(&self) -> Vec<&'static str> {
        PATHS.to_vec()
    }

    async fn authorize(&self, parts: &mut Parts) -> Access {
        arca_http::parse_once(parts, route::parse, |e| vec![need(e)])
    }

    fn refuse(&self, parts: &Parts, refusal: &Refusal) -> Response {
        errors::refusal(parts, refusal)
    }
}

/// What an endpoint needs on its repository. `config.json` needs reading too: cargo asks for it
/// without a token first and, on a 401, again with one.
pub fn need(endpoint: &Endpoint) -> Need {
    use Endpoint as E;
    use route::OwnersOp;
    let repository = endpoint.repository().as_str();
    match endpoint {
        E::Publish { .. } | E::Yank { .. } | E::Owners { op: OwnersOp::Add | OwnersOp::Remove, .. } => {
            Need::on(Action::Publish, repository)
        }
        E::Config { .. } | E::Index { .. } | E::Download { .. } | E::Owners { .. } | E::Search { .. } => {
            Need::on(Action::Read, repository)
        }
    }
}

async fn handle(State(cargo): State<Cargo>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let endpoint = arca_http::parsed(&mut parts, route::parse);
    let class = endpoint.as_ref().map_or("cargo_invalid", Endpoint::class);
    let mut response = match endpoint {
        Ok(endpoint) => dispatch(&cargo, endpoint, &parts, body).await.unwrap_or_else(IntoResponse::into_response),
        Err(e) => errors::route_error(e),
    };
    response.extensions_mut().insert(RouteClass(class));
    response
}

async fn dispatch(cargo: &Cargo, endpoint: Endpoint, parts: &Parts, body: axum::body::Body) -> errors::Reply {
    use Endpoint as E;
    let registry = &cargo.registry;
    match endpoint {
        E::Config { repository, head } => {
            let auth_required = cargo.auth_enabled && !cargo.auth.anonymous().allows(Action::Read, repository.as_str());
            read::config(registry, &repository, auth_required, head, parts).await
        }
        E::Index { repository, name, head } => read::index_file(registry, &repository, &name, head, parts).await,
        E::Download { repository, name, version, head } => {
            read::download(registry, &repository, &name, &version, head, parts).await
        }
        E::Publish { repository } => publish::publish(registry.clone(), &repository, parts, body).await,
        E::Yank { repository, name, version, yanked } => {
            api::yank(registry, &repository, &name, &version, yanked, parts).await
        }
        E::Owners { repository, name, op } => {
            api::owners(registry, &cargo.auth, &repository, &name, op, parts, body).await
        }
        E::Search { repository, query } => api::search(registry, &repository, &query).await,
    }
}
