//! What the language registries (PyPI, npm, Cargo, Maven) answer for an [`ErrorKind`], in one
//! place: they agree on everything but a conflict (a version or file published again), which each
//! client expects in its own status; and the plain-text answer whose reason phrase carries the
//! message, for the clients that print nothing else (twine, mvn).

use arca_core::ErrorKind;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

/// The status of an error of `kind`, `conflict` being the protocol's answer to a conflict or an
/// immutable tag (npm: 403, PyPI: 400, Cargo and Maven: 409). Every other refusal is 400.
pub fn of_kind(kind: ErrorKind, conflict: StatusCode) -> StatusCode {
    use ErrorKind as K;
    match kind {
        K::NameUnknown | K::ManifestUnknown | K::BlobUnknown | K::NotFound => StatusCode::NOT_FOUND,
        K::Unauthorized => StatusCode::UNAUTHORIZED,
        K::Denied => StatusCode::FORBIDDEN,
        K::Conflict | K::TagImmutable => conflict,
        K::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        K::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        K::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        K::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        K::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
        K::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A `text/plain` answer with `message` as body and as reason phrase (printable ASCII, at most 200
/// characters): twine and mvn show only the reason phrase of a refusal.
pub fn with_reason_phrase(status: StatusCode, message: &str) -> Response {
    let reason: String =
        message.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { ' ' }).take(200).collect();
    let mut response =
        (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response();
    if let Ok(phrase) = hyper::ext::ReasonPhrase::try_from(reason.into_bytes()) {
        response.extensions_mut().insert(phrase);
    }
    response
}

/// An error answered with [`with_reason_phrase`]: the status of its kind ([`of_kind`]) and its
/// message; an internal error is logged with `protocol` and answered "internal error".
pub fn plain_error(e: &arca_core::Error, conflict: StatusCode, protocol: &str) -> Response {
    let status = of_kind(e.kind, conflict);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e.message, protocol, "request failed");
        return with_reason_phrase(status, "internal error");
    }
    with_reason_phrase(status, &e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_take_the_protocols_status_and_the_rest_agree() {
        assert_eq!(of_kind(ErrorKind::Conflict, StatusCode::FORBIDDEN), StatusCode::FORBIDDEN);
        assert_eq!(of_kind(ErrorKind::TagImmutable, StatusCode::CONFLICT), StatusCode::CONFLICT);
        assert_eq!(of_kind(ErrorKind::ManifestUnknown, StatusCode::CONFLICT), StatusCode::NOT_FOUND);
        assert_eq!(of_kind(ErrorKind::InvalidRequest, StatusCode::CONFLICT), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn the_reason_phrase_is_the_message_made_printable() {
        let response = with_reason_phrase(StatusCode::CONFLICT, "Release a:b:1 is immutable\né");
        let phrase = response.extensions().get::<hyper::ext::ReasonPhrase>().unwrap();
        assert_eq!(phrase.as_bytes(), b"Release a:b:1 is immutable  ");
    }
}
