//! The management REST API under `/api/v1`: repositories, packages and versions, search, the audit
//! log, users and tokens (`users`, `tokens`, `whoami`).
//!
//! Errors are `{"error": {"code": "<stable code>", "message": "…"}}` with the codes of
//! `arca_core::ErrorKind::code`, mapped to HTTP statuses in [`ApiError`] only.
//!
//! Architecture invariant: calls `arca-core`, never a storage crate.

mod audit;
mod gc;
mod listing;
pub mod openapi;
mod promotions;
mod protocol;
mod repositories;
mod retention;
mod search;
mod tokens;
mod trust;
mod users;
mod versions;

use arca_core::auth::AuthService;
use arca_core::jobs::JobRunner;
use arca_core::registry::Registry;
use arca_core::{Error, ErrorKind};
use axum::Router;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use std::sync::Arc;

pub use audit::{AuditQuery, audit_filter};
pub use protocol::{ApiProtocol, access};
pub use search::{Reader, decode_cursor, encode_cursor, parse_query as parse_search_query, readable};
pub use tokens::parse_lifetime;
pub use users::permissions as parse_permissions;

/// Every route path of this API, for the server's authorization rules (each must have one).
pub const PATHS: [&str; 29] = [
    "/api/v1/repositories",
    "/api/v1/repositories/{name}",
    listing::PACKAGES,
    versions::PATH,
    search::PATH,
    "/api/v1/audit",
    openapi::PATH,
    INFO_PATH,
    users::USERS,
    users::USER,
    users::WHOAMI,
    tokens::TOKENS,
    tokens::TOKEN,
    gc::PATH,
    gc::STORAGE,
    retention::POLICY,
    retention::PLAN,
    retention::APPLY,
    promotions::PROMOTIONS,
    promotions::ROLLBACK,
    promotions::APPROVALS,
    promotions::WHERE,
    promotions::DEPLOYMENTS,
    promotions::KEY,
    trust::TRUST_ROOTS,
    trust::TRUST_ROOT,
    trust::COMPONENTS,
    trust::ADVISORIES,
    trust::COVERAGE,
];

/// `GET /api/v1/info`: what this server is and speaks.
pub const INFO_PATH: &str = "/api/v1/info";

async fn info() -> Response {
    let body = serde_json::json!({
        "name": "arca",
        "version": env!("CARGO_PKG_VERSION"),
        "api": "v1",
        "protocols": { "oci": "/v2/", "generic": "/generic/" },
        "formats": ["oci", "generic"],
    });
    let mut response = axum::Json(body).into_response();
    response.extensions_mut().insert(arca_core::observe::RouteClass("api_info"));
    response
}

/// The `/api/v1` routes.
pub fn router(registry: Arc<Registry>, auth: Arc<AuthService>, jobs: Arc<JobRunner>) -> Router {
    let gc = Router::new()
        .route(gc::PATH, axum::routing::post(gc::run))
        .route(gc::STORAGE, axum::routing::get(gc::storage))
        .with_state(gc::Gc { registry: registry.clone(), jobs: jobs.clone() });
    let advisories = trust::advisory_routes(trust::Advisories { registry: registry.clone(), jobs });
    let audit = Router::new()
        .route("/api/v1/audit", axum::routing::get(audit::audit))
        .merge(users::routes())
        .merge(tokens::routes())
        .with_state(auth);
    Router::new()
        .merge(repositories::routes())
        .merge(versions::routes())
        .merge(retention::routes())
        .merge(promotions::routes())
        .merge(trust::routes())
        .route(listing::PACKAGES, axum::routing::get(listing::packages))
        .route(search::PATH, axum::routing::get(search::search))
        .with_state(registry)
        .merge(audit)
        .merge(gc)
        .merge(advisories)
        .route(openapi::PATH, axum::routing::get(openapi::serve))
        .route(INFO_PATH, axum::routing::get(info))
}

/// An error rendered as management-API JSON.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        use ErrorKind as K;
        let status = match self.0.kind {
            K::InvalidRequest
            | K::NameInvalid
            | K::DigestInvalid
            | K::TagInvalid
            | K::ManifestInvalid
            | K::SizeInvalid
            | K::BlobUploadInvalid => StatusCode::BAD_REQUEST,
            K::NotFound
            | K::NameUnknown
            | K::BlobUnknown
            | K::BlobUploadUnknown
            | K::ManifestUnknown
            | K::ManifestBlobUnknown => StatusCode::NOT_FOUND,
            K::UploadRangeInvalid | K::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
            K::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            K::TagImmutable | K::Conflict => StatusCode::CONFLICT,
            K::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            K::Unsupported => StatusCode::UNPROCESSABLE_ENTITY,
            K::Unauthorized => StatusCode::UNAUTHORIZED,
            K::Denied => StatusCode::FORBIDDEN,
            K::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            K::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
            K::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        self.0.log_if_serious();
        let message =
            if self.0.kind == K::Internal { "internal error (see the server log)".to_owned() } else { self.0.message };
        let body = serde_json::json!({ "error": { "code": self.0.kind.code(), "message": message } });
        (status, axum::Json(body)).into_response()
    }
}

/// A refusal of the enforcement point in the API's JSON (`{"error":{"code","message"}}`), with a
/// `Basic` challenge for a missing credential and `Retry-After` for a back-off. Generic files answer
/// the same way.
pub fn refusal(refusal: &arca_http::Refusal) -> Response {
    let code = refusal.code().to_ascii_lowercase();
    let body = serde_json::json!({ "error": { "code": code, "message": refusal.message() } });
    arca_http::finish_refusal((refusal.status(), axum::Json(body)).into_response(), refusal)
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError(Error::new(ErrorKind::InvalidRequest, message))
}
