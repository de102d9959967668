//! PyPI's error dialect, in one place: the status, the message as the HTTP reason phrase (what twine
//! shows, and where `--skip-existing` looks for "already exist") and as a plain-text body.

use crate::route::RouteError;
use arca_core::{Error, ErrorKind};
use arca_http::Refusal;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

pub(crate) type Reply = Result<Response, PypiError>;

/// A use case's error, answered in PyPI's dialect.
#[derive(Debug)]
pub(crate) struct PypiError(pub Error);

impl From<Error> for PypiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

fn status(kind: ErrorKind) -> StatusCode {
    use ErrorKind as K;
    match kind {
        K::NameUnknown | K::ManifestUnknown | K::BlobUnknown | K::NotFound => StatusCode::NOT_FOUND,
        K::Unauthorized => StatusCode::UNAUTHORIZED,
        K::Denied => StatusCode::FORBIDDEN,
        K::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        K::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        K::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        K::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        K::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
        K::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        // Warehouse answers every refused upload with 400 (a taken file name, a bad form or file, an
        // exceeded quota); twine's `--skip-existing` needs exactly 400 + "already exist".
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A response with `message` as reason phrase (ASCII, one line) and body.
pub(crate) fn plain(status: StatusCode, message: &str) -> Response {
    let reason: String =
        message.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { ' ' }).take(200).collect();
    let mut response =
        (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response();
    if let Ok(phrase) = hyper::ext::ReasonPhrase::try_from(reason.into_bytes()) {
        response.extensions_mut().insert(phrase);
    }
    response
}

impl IntoResponse for PypiError {
    fn into_response(self) -> Response {
        let status = status(self.0.kind);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self.0.message, "pypi request failed");
            return plain(status, "internal error");
        }
        plain(status, &self.0.message)
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
