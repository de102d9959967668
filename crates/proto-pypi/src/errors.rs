//! PyPI's error dialect, in one place: the status, the message as the HTTP reason phrase (what twine
//! shows, and where `--skip-existing` looks for "already exist") and as a plain-text body.

use crate::route::RouteError;
use arca_core::Error;
use arca_http::Refusal;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

pub(crate) use arca_http::status::with_reason_phrase as plain;

pub(crate) type Reply = Result<Response, PypiError>;

/// A use case's error, answered in PyPI's dialect.
#[derive(Debug)]
pub(crate) struct PypiError(pub Error);

impl From<Error> for PypiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for PypiError {
    fn into_response(self) -> Response {
        // Warehouse answers every refused upload with 400 (a taken file name, a bad form or file);
        // twine's `--skip-existing` needs exactly 400 + "already exist".
        arca_http::status::plain_error(&self.0, StatusCode::BAD_REQUEST, "pypi")
    }
}

pub(crate) fn route_error(e: RouteError) -> Response {
    match e {
        RouteError::NotFound => plain(
            StatusCode::NOT_FOUND,
            "no such PyPI endpoint: the index is /pypi/<repo>/simple/, uploads go to /pypi/<repo>/legacy/",
        ),
        RouteError::MethodNotAllowed => plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this endpoint"),
        RouteError::Invalid(message) => plain(StatusCode::BAD_REQUEST, &message),
    }
}

/// The enforcement point's refusal: 401 with a Basic challenge (pip and twine then send the
/// credentials they were given), 403, 429 or 503, the message as reason phrase and body.
pub(crate) fn refusal(refusal: &Refusal) -> Response {
    arca_http::finish_refusal(plain(refusal.status(), &refusal.message()), refusal)
}
