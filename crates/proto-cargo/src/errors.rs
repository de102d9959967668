//! Cargo's error dialect, in one place: `{"errors": [{"detail": "…"}]}`, which cargo prints after
//! "the remote server responded with an error" whatever the status. Unknown crates are 404 (what
//! cargo expects of the index); a refused publish is 4xx with the reason; a refused login is 401
//! with `WWW-Authenticate: Cargo login_url=…` (cargo shows the URL).

use crate::route::RouteError;
use arca_cargo::CargoError;
use arca_core::Error;
use arca_http::Refusal;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

pub(crate) type Reply = Result<Response, CargoFailure>;

/// A refusal in Cargo's dialect.
#[derive(Debug)]
pub(crate) struct CargoFailure {
    status: StatusCode,
    message: String,
}

impl CargoFailure {
    pub(crate) fn status(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Self::status(StatusCode::BAD_REQUEST, message)
    }
}

impl From<Error> for CargoFailure {
    fn from(e: Error) -> Self {
        let status = arca_http::status::of_kind(e.kind, StatusCode::CONFLICT);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %e.message, "cargo request failed");
            return Self::status(status, "internal error");
        }
        Self::status(status, e.message)
    }
}

impl From<CargoError> for CargoFailure {
    fn from(e: CargoError) -> Self {
        let status = match e.kind() {
            arca_cargo::ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        tracing::debug!(code = e.code(), "cargo input refused");
        Self::status(status, e.to_string())
    }
}

impl IntoResponse for CargoFailure {
    fn into_response(self) -> Response {
        (self.status, axum::Json(arca_cargo::error_body(&self.message))).into_response()
    }
}

pub(crate) fn route_error(e: RouteError) -> Response {
    match e {
        RouteError::NotFound => CargoFailure::status(StatusCode::NOT_FOUND, "not found"),
        RouteError::MethodNotAllowed => CargoFailure::status(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        RouteError::Invalid(message) => CargoFailure::bad(message),
    }
    .into_response()
}

/// The enforcement point's refusal: 401 with cargo's challenge (where to get a token), 403, 429 or
/// 503, each with the reason in `errors[].detail`.
pub(crate) fn refusal(parts: &Parts, refusal: &Refusal) -> Response {
    let response = CargoFailure::status(refusal.status(), refusal.message()).into_response();
    let mut response = arca_http::finish_refusal(response, refusal);
    if matches!(refusal, Refusal::Unauthenticated { .. }) {
        let login = format!("Cargo login_url=\"{}/api/v1/tokens\"", arca_http::external_base(parts));
        response.headers_mut().insert(http::header::WWW_AUTHENTICATE, arca_http::header_value(&login));
    }
    response
}
