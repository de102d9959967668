//! The one place where arca errors become OCI error responses.

use crate::route::RouteError;
use arca_core::{Error, ErrorKind};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

/// An error rendered as `{"errors":[{"code","message","detail"}]}`.
#[derive(Debug)]
pub struct OciError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl OciError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }
}

impl From<Error> for OciError {
    fn from(e: Error) -> Self {
        use ErrorKind as K;
        let (status, code) = match e.kind {
            K::NameInvalid => (StatusCode::BAD_REQUEST, "NAME_INVALID"),
            K::NameUnknown => (StatusCode::NOT_FOUND, "NAME_UNKNOWN"),
            K::DigestInvalid => (StatusCode::BAD_REQUEST, "DIGEST_INVALID"),
            K::BlobUnknown => (StatusCode::NOT_FOUND, "BLOB_UNKNOWN"),
            K::BlobUploadUnknown => (StatusCode::NOT_FOUND, "BLOB_UPLOAD_UNKNOWN"),
            K::BlobUploadInvalid => (StatusCode::BAD_REQUEST, "BLOB_UPLOAD_INVALID"),
            K::UploadRangeInvalid => (StatusCode::RANGE_NOT_SATISFIABLE, "BLOB_UPLOAD_INVALID"),
            K::RangeNotSatisfiable => (StatusCode::RANGE_NOT_SATISFIABLE, "SIZE_INVALID"),
            K::ManifestUnknown => (StatusCode::NOT_FOUND, "MANIFEST_UNKNOWN"),
            K::ManifestInvalid => (StatusCode::BAD_REQUEST, "MANIFEST_INVALID"),
            K::ManifestBlobUnknown => (StatusCode::BAD_REQUEST, "MANIFEST_BLOB_UNKNOWN"),
            K::SizeInvalid => (StatusCode::BAD_REQUEST, "SIZE_INVALID"),
            K::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "SIZE_INVALID"),
            K::TagInvalid => (StatusCode::BAD_REQUEST, "TAG_INVALID"),
            // Harbor and Artifactory refuse an immutable tag with a client error that names the rule;
            // 409 says "your request conflicts with the state", DENIED says it is policy, not a bug.
            K::TagImmutable | K::Conflict => (StatusCode::CONFLICT, "DENIED"),
            // No OCI code says "precondition": the status does, and DENIED says the request's own
            // condition refused it (the message names the current entity tag).
            K::PreconditionFailed => (StatusCode::PRECONDITION_FAILED, "DENIED"),
            K::Unsupported => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED"),
            K::InvalidRequest => (StatusCode::BAD_REQUEST, "UNSUPPORTED"),
            K::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            K::Unauthorized => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
            K::Denied => (StatusCode::FORBIDDEN, "DENIED"),
            K::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE"),
            // No OCI code says "full"; UNKNOWN with 507 and a message that does (Distribution answers 500).
            K::InsufficientStorage => (StatusCode::INSUFFICIENT_STORAGE, "UNKNOWN"),
            K::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN"),
        };
        e.log_if_serious();
        let message = if e.kind == K::Internal { "internal error (see the server log)".to_owned() } else { e.message };
        Self::new(status, code, message)
    }
}

impl From<RouteError> for OciError {
    fn from(e: RouteError) -> Self {
        match e {
            RouteError::NotFound => Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such OCI endpoint"),
            RouteError::MethodNotAllowed => {
                Self::new(StatusCode::METHOD_NOT_ALLOWED, "UNSUPPORTED", "method not allowed on this endpoint")
            }
            RouteError::Name(m) => Self::new(StatusCode::BAD_REQUEST, "NAME_INVALID", m),
            RouteError::Digest(m) => Self::new(StatusCode::BAD_REQUEST, "DIGEST_INVALID", m),
            RouteError::Tag(m) => Self::new(StatusCode::BAD_REQUEST, "TAG_INVALID", m),
            RouteError::Query(m) => Self::new(StatusCode::BAD_REQUEST, "UNSUPPORTED", m),
            RouteError::ManifestUnknown(m) => Self::new(StatusCode::NOT_FOUND, "MANIFEST_UNKNOWN", m),
        }
    }
}

impl IntoResponse for OciError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "errors": [{ "code": self.code, "message": self.message, "detail": null }] });
        let mut response = (self.status, body.to_string()).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}
