//! An npm registry under `/npm/<repo>/`: packuments (full and abbreviated), tarballs, `npm publish`
//! (the body parsed as it streams, the tarball stored without being held), dist-tags, deprecate,
//! unpublish where the repository allows it, `npm login` (the legacy CouchDB flow, issuing an arca
//! token), `whoami`, `ping`, search, `npm audit` answered from imported OSV advisories, and the
//! registry's signing keys.
//!
//! Shape: [`route::parse`] (pure, fuzzed) → [`route::Endpoint`] → one handler per variant calling
//! `arca_core::registry::Registry` (module `npm`). Errors are npm's `{"error": "…"}` with the status
//! the public registry uses.
//!
//! Architecture invariant: only this crate knows the npm URLs and bodies; it reaches storage only
//! through `arca-core`.

mod errors;
mod misc;
mod publish;
mod read;
pub mod route;
mod unpublish;

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
pub const PATHS: [&str; 1] = ["/npm/{repo}/{*rest}"];

#[derive(Clone)]
struct Npm {
    registry: Arc<Registry>,
    auth: Arc<AuthService>,
}

/// The npm registry under `/npm`.
pub struct NpmProtocol {
    state: Npm,
}

impl NpmProtocol {
    pub fn new(registry: Arc<Registry>, auth: Arc<AuthService>) -> Self {
        Self { state: Npm { registry, auth } }
    }
}

#[async_trait]
impl Protocol for NpmProtocol {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn router(&self) -> Router {
        arca_http::serve_all(&PATHS, any(handle).with_state(self.state.clone()))
    }

    fn paths(&self) -> Vec<&'static str> {
        PATHS.to_vec()
    }

    async fn authorize(&self, parts: &mut Parts) -> Access {
        let parsed = route::parse(&parts.method, parts.uri.path(), parts.uri.query());
        // `npm login` presents the password in its body: the handler checks it, like the token endpoint.
        if let Ok(Endpoint::Login { .. }) = parsed {
            return Access::Public;
        }
        arca_http::parse_once(parts, route::parse, |e| vec![need(e)])
    }

    fn refuse(&self, _: &Parts, refusal: &Refusal) -> Response {
        errors::refusal(refusal)
    }
}

/// What an endpoint needs on its repository.
pub fn need(endpoint: &Endpoint) -> Need {
    use Endpoint as E;
    let repository = endpoint.repository().as_str();
    match endpoint {
        E::Whoami { .. } => Need::Authenticated,
        E::Ping { .. } | E::Login { .. } => Need::on(Action::Read, repository),
        E::Publish { .. } | E::SetDistTag { .. } | E::RemoveDistTag { .. } => Need::on(Action::Publish, repository),
        E::Unpublish { .. } => Need::on(Action::Delete, repository),
        E::Packument { .. }
        | E::Tarball { .. }
        | E::DistTags { .. }
        | E::Search { .. }
        | E::Audit { .. }
        | E::Keys { .. } => Need::on(Action::Read, repository),
    }
}

async fn handle(State(npm): State<Npm>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let endpoint = arca_http::parsed(&mut parts, route::parse);
    let class = endpoint.as_ref().map_or("npm_invalid", Endpoint::class);
    let mut response = match endpoint {
        Ok(endpoint) => dispatch(&npm, endpoint, &parts, body).await.unwrap_or_else(IntoResponse::into_response),
        Err(e) => errors::route_error(e),
    };
    response.extensions_mut().insert(RouteClass(class));
    response
}

async fn dispatch(npm: &Npm, endpoint: Endpoint, parts: &Parts, body: axum::body::Body) -> errors::Reply {
    use Endpoint as E;
    let registry = &npm.registry;
    match endpoint {
        E::Packument { repository, name, head } => read::packument(registry, &repository, &name, head, parts).await,
        E::Tarball { repository, name, file, head } => {
            read::tarball(registry, &repository, &name, &file, head, parts).await
        }
        E::Publish { repository, name } => {
            publish::publish(npm.registry.clone(), &repository, &name, parts, body).await
        }
        E::Unpublish { repository, name, what } => {
            unpublish::unpublish(registry, &repository, &name, what, parts, body).await
        }
        E::DistTags { repository, name } => misc::dist_tags(registry, &repository, &name, parts).await,
        E::SetDistTag { repository, name, tag } => {
            misc::set_dist_tag(registry, &repository, &name, &tag, parts, body).await
        }
        E::RemoveDistTag { repository, name, tag } => {
            misc::remove_dist_tag(registry, &repository, &name, &tag, parts).await
        }
        E::Login { user, .. } => misc::login(&npm.auth, &user, parts, body).await,
        E::Whoami { .. } => misc::whoami(parts),
        E::Ping { .. } => Ok(misc::json(http::StatusCode::OK, arca_npm::login::ping_body())),
        E::Search { repository } => misc::search(registry, &repository, parts).await,
        E::Audit { repository } => misc::audit(registry, &repository, parts, body).await,
        E::Keys { .. } => Ok(misc::keys(registry)),
    }
}
