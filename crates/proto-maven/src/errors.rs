//! Maven's error dialect, in one place. Maven 3 prints a refused transfer as `status: 409 <reason
//! phrase>` and never shows the body, so the message is the reason phrase (one line of ASCII) and
//! also the plain-text body (for curl and logs).

use crate::route::RouteError;
use arca_core::{Error, ErrorKind};
use arca_http::Refusal;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

pub(crate) type Reply = Result<Response, MavenError>;

/// A use case's error, answered in Maven's dialect.
#[derive(Debug)]
pub(crate) struct MavenError(pub Error);

impl From<Error> for MavenError {
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
        // A redeployed release (Reposilite's answer; Nexus says 400), a POM whose coordinates
        // disagree with its path.
        K::Conflict | K::TagImmutable => StatusCode::CONFLICT,
        K::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        K::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        K::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        K::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        K::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
        K::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        // A wrong checksum, a bad POM, a path that is no file of the layout, a repository of
        // another format.
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

impl IntoResponse for MavenError {
    fn into_response(self) -> Response {
        let status = status(self.0.kind);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self.0.message, "maven request failed");
            return plain(status, "internal error");
        }
        plain(status, &self.0.message)
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
