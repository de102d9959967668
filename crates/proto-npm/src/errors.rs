//! npm's error dialect, in one place: `{"error": "…"}` (what npm prints) with the status the public
//! registry uses (a version published again: 403; unknown: 404).

use crate::route::RouteError;
use arca_core::Error;
use arca_http::Refusal;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

pub(crate) type Reply = Result<Response, NpmFailure>;

/// A refusal in npm's dialect.
#[derive(Debug)]
pub(crate) struct NpmFailure {
    status: StatusCode,
    message: String,
}

impl NpmFailure {
    pub(crate) fn status(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Self::status(StatusCode::BAD_REQUEST, message)
    }
}

impl From<Error> for NpmFailure {
    fn from(e: Error) -> Self {
        let status = arca_http::status::of_kind(e.kind, StatusCode::FORBIDDEN);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %e.message, "npm request failed");
            return Self::status(status, "internal error");
        }
        Self::status(status, e.message)
    }
}

impl From<arca_npm::NpmError> for NpmFailure {
    fn from(e: arca_npm::NpmError) -> Self {
        Self::bad(e.to_string())
    }
}

impl IntoResponse for NpmFailure {
    fn into_response(self) -> Response {
        (self.status, axum::Json(arca_npm::error_body(&self.message))).into_response()
    }
}

pub(crate) fn route_error(e: RouteError) -> Response {
    match e {
        RouteError::NotFound => NpmFailure::status(StatusCode::NOT_FOUND, "Not found"),
        RouteError::MethodNotAllowed => NpmFailure::status(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        RouteError::Invalid(message) => NpmFailure::bad(message),
    }
    .into_response()
}

/// The enforcement point's refusal: 401 with a Basic challenge, 403, 429 or 503.
pub(crate) fn refusal(refusal: &Refusal) -> Response {
    arca_http::finish_refusal(NpmFailure::status(refusal.status(), refusal.message()).into_response(), refusal)
}
