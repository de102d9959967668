//! Maven's error dialect, in one place. Maven 3 prints a refused transfer as `status: 409 <reason
//! phrase>` and never shows the body, so the message is the reason phrase (one line of ASCII) and
//! also the plain-text body (for curl and logs).

use crate::route::RouteError;
use arca_core::Error;
use arca_http::Refusal;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

pub(crate) use arca_http::status::with_reason_phrase as plain;

pub(crate) type Reply = Result<Response, MavenError>;

/// A use case's error, answered in Maven's dialect.
#[derive(Debug)]
pub(crate) struct MavenError(pub Error);

impl From<Error> for MavenError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for MavenError {
    fn into_response(self) -> Response {
        // A redeployed release, a POM whose coordinates disagree with its path: 409 (Reposilite's
        // answer; Nexus says 400). A wrong checksum, a bad POM, another format's repository: 400.
        arca_http::status::plain_error(&self.0, StatusCode::CONFLICT, "maven")
    }
}

/// A path that is no file of the layout: 404 for a read (400 if it is a trick, 414 if too long);
/// 400 for a deploy.
pub(crate) fn path_error(e: &arca_maven::MavenError, write: bool) -> Response {
    use arca_maven::ErrorKind as K;
    let status = match e.kind() {
        K::UnsafePath => StatusCode::BAD_REQUEST,
        K::TooLarge => StatusCode::URI_TOO_LONG,
        _ if write => StatusCode::BAD_REQUEST,
        _ => StatusCode::NOT_FOUND,
    };
    plain(status, &e.to_string())
}

pub(crate) fn route_error(e: RouteError) -> Response {
    match e {
        RouteError::NotFound => plain(StatusCode::NOT_FOUND, "no such Maven endpoint: repositories are /maven/<repo>/"),
        RouteError::MethodNotAllowed => {
            plain(StatusCode::METHOD_NOT_ALLOWED, "a Maven repository answers GET, HEAD and PUT")
        }
        RouteError::Invalid(message) => plain(StatusCode::BAD_REQUEST, &message),
    }
}

/// The enforcement point's refusal: 401 with a Basic challenge (Maven reads without credentials
/// first and sends its `<server>` credentials after the challenge), 403, 429 or 503.
pub(crate) fn refusal(refusal: &Refusal) -> Response {
    arca_http::finish_refusal(plain(refusal.status(), &refusal.message()), refusal)
}
