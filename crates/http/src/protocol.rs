//! The trait a wire protocol implements.

use arca_core::auth::Need;
use async_trait::async_trait;
use axum::Router;
use axum::response::Response;
use http::request::Parts;
use std::time::Duration;

/// What a request needs before its handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Anyone, and credentials are not even looked at (liveness; the token endpoint checks its own).
    Public,
    /// Every need met by the caller's principal. Empty: anyone, but credentials are checked when given
    /// (the handler answers with what the principal may see).
    Needs(Vec<Need>),
    /// No rule covers this route: refused to everyone (deny by default).
    Unruled,
}

/// Why the enforcement point refuses a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No or invalid credentials: 401 with the protocol's challenge. `need` is what was missing, when
    /// known (the OCI challenge names it as a token scope).
    Unauthenticated { need: Option<Need>, message: &'static str },
    /// Valid credentials, not enough rights: 403.
    Forbidden(String),
    /// Too many failed logins: 429 with `Retry-After`.
    LockedOut(Duration),
    /// The credential store is unreachable: 503.
    Unavailable,
}

impl Refusal {
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::Unauthenticated { .. } => http::StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => http::StatusCode::FORBIDDEN,
            Self::LockedOut(_) => http::StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => http::StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The error code as OCI spells it; protocols with lower-case codes lower it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated { .. } => "UNAUTHORIZED",
            Self::Forbidden(_) => "DENIED",
            Self::LockedOut(_) => "TOOMANYREQUESTS",
            Self::Unavailable => "UNAVAILABLE",
        }
    }

    /// What the client is told (never which part of its credentials was wrong).
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated { message, .. } => (*message).to_owned(),
            Self::Forbidden(message) => message.clone(),
            Self::LockedOut(wait) => format!("too many failed logins: retry in {} s", wait.as_secs().max(1)),
            Self::Unavailable => "try again later".to_owned(),
        }
    }

    /// Seconds for a `Retry-After` header.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::LockedOut(wait) => Some(wait.as_secs().max(1)),
            _ => None,
        }
    }
}

#[async_trait]
pub trait Protocol: Send + Sync + 'static {
    /// A short name (logs, tests).
    fn name(&self) -> &'static str;

    /// The routes, already holding their state; the server adds the enforcement point in front.
    fn router(&self) -> Router;

    /// Every route path of [`Self::router`] (the route × principal matrix enumerates them).
    fn paths(&self) -> Vec<&'static str>;

    /// Parses the request once — what the handler needs goes into `parts.extensions`, so it is not
    /// parsed again — and says what it requires. A request that names no endpoint still needs
    /// credentials before it learns so.
    async fn authorize(&self, parts: &mut Parts) -> Access;

    /// A refusal in this protocol's wire format (status, error body, challenge header).
    fn refuse(&self, parts: &Parts, refusal: &Refusal) -> Response;

    /// Whether its requests are artifact traffic — pushes, pulls, publishes, installs — that
    /// background work (GC's sweep) yields to (`arca_core::traffic`). Probes, metrics, the API and the
    /// UI say no.
    fn is_artifact_traffic(&self) -> bool {
        true
    }
}

/// Completes a refusal rendered in a protocol's format with what every protocol sends alike: a Basic
/// challenge on 401 (clients then send the credentials they were given), `Retry-After` when locked
/// out, and the route class `auth_refused` for the metrics.
pub fn finish_refusal(mut response: Response, refusal: &Refusal) -> Response {
    let headers = response.headers_mut();
    if matches!(refusal, Refusal::Unauthenticated { .. }) {
        headers.insert(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Basic realm=\"arca\""));
    }
    if let Some(secs) = refusal.retry_after() {
        headers.insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
    }
    response.extensions_mut().insert(arca_core::observe::RouteClass("auth_refused"));
    response
}

/// A request line's parse, kept in the request's extensions for its handler.
#[derive(Clone)]
struct Parsed<E, R>(Result<E, R>);

/// For protocols whose endpoints come from the request line alone (OCI, generic files): parses once,
/// keeps the result for the handler ([`parsed`]) and derives the needs. A request that names no
/// endpoint still needs credentials before it learns so.
pub fn parse_once<E, R>(
    parts: &mut Parts,
    parse: impl FnOnce(&http::Method, &str, Option<&str>) -> Result<E, R>,
    needs: impl FnOnce(&E) -> Vec<Need>,
) -> Access
where
    E: Clone + Send + Sync + 'static,
    R: Clone + Send + Sync + 'static,
{
    let result = parse(&parts.method, parts.uri.path(), parts.uri.query());
    let needs = result.as_ref().map_or_else(|_| vec![Need::Authenticated], needs);
    parts.extensions.insert(Parsed(result));
    Access::Needs(needs)
}

/// The parse [`parse_once`] kept, or a fresh one when no enforcement point ran before the handler.
pub fn parsed<E, R>(
    parts: &mut Parts,
    parse: impl FnOnce(&http::Method, &str, Option<&str>) -> Result<E, R>,
) -> Result<E, R>
where
    E: Clone + Send + Sync + 'static,
    R: Clone + Send + Sync + 'static,
{
    match parts.extensions.remove::<Parsed<E, R>>() {
        Some(Parsed(result)) => result,
        None => parse(&parts.method, parts.uri.path(), parts.uri.query()),
    }
}

/// A router serving every path in `paths` with the same method router.
pub fn serve_all(paths: &[&'static str], route: axum::routing::MethodRouter) -> Router {
    paths.iter().fold(Router::new(), |router, path| router.route(path, route.clone()))
}
