//! One error type for every use case. Each [`ErrorKind`] has a stable code; each protocol crate maps
//! kinds to its own status and body in exactly one place.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A name (repository, package) is syntactically invalid.
    NameInvalid,
    /// The repository does not exist (and is not auto-created).
    NameUnknown,
    /// A digest is malformed, unsupported, or does not match the content.
    DigestInvalid,
    BlobUnknown,
    BlobUploadUnknown,
    BlobUploadInvalid,
    /// A chunk did not start where the upload ends.
    UploadRangeInvalid,
    /// A read range lies outside the content.
    RangeNotSatisfiable,
    ManifestUnknown,
    ManifestInvalid,
    /// A manifest references a blob or manifest the package does not have.
    ManifestBlobUnknown,
    /// Declared and actual sizes differ.
    SizeInvalid,
    /// Content exceeds a configured limit.
    TooLarge,
    TagInvalid,
    /// A policy forbids moving this tag.
    TagImmutable,
    /// A state conflict (e.g. deleting a non-empty repository).
    Conflict,
    /// A condition the request set on the current state does not hold (HTTP `If-Match`).
    PreconditionFailed,
    Unsupported,
    /// A request that is malformed in a way no more specific kind names (a weak password, a bad scope).
    InvalidRequest,
    /// Something other than OCI content does not exist (a user, a token).
    NotFound,
    Unauthorized,
    Denied,
    /// A backend is temporarily unreachable.
    Unavailable,
    /// The disk or database is full: nothing was stored; retry once space is freed.
    InsufficientStorage,
    Internal,
}

impl ErrorKind {
    /// Stable, protocol-independent code (used by the management API and in logs).
    pub const fn code(self) -> &'static str {
        match self {
            Self::NameInvalid => "name_invalid",
            Self::NameUnknown => "name_unknown",
            Self::DigestInvalid => "digest_invalid",
            Self::BlobUnknown => "blob_unknown",
            Self::BlobUploadUnknown => "blob_upload_unknown",
            Self::BlobUploadInvalid => "blob_upload_invalid",
            Self::UploadRangeInvalid => "upload_range_invalid",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::ManifestUnknown => "manifest_unknown",
            Self::ManifestInvalid => "manifest_invalid",
            Self::ManifestBlobUnknown => "manifest_blob_unknown",
            Self::SizeInvalid => "size_invalid",
            Self::TooLarge => "too_large",
            Self::TagInvalid => "tag_invalid",
            Self::TagImmutable => "tag_immutable",
            Self::Conflict => "conflict",
            Self::PreconditionFailed => "precondition_failed",
            Self::Unsupported => "unsupported",
            Self::InvalidRequest => "invalid_request",
            Self::NotFound => "not_found",
            Self::Unauthorized => "unauthorized",
            Self::Denied => "denied",
            Self::Unavailable => "unavailable",
            Self::InsufficientStorage => "insufficient_storage",
            Self::Internal => "internal",
        }
    }
}

/// An error with its kind and a message fit to show the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// A backend failure: shown to clients only as its kind; the protocol crate that answers with it
    /// logs its cause once (with the request's id, from the request span) — see [`Error::log_if_serious`].
    pub fn internal(context: &str, cause: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Internal, format!("{context}: {cause}"))
    }

    /// An I/O failure: "full" when the disk is (ENOSPC, EDQUOT), internal otherwise.
    pub fn from_io(context: &str, e: std::io::Error) -> Self {
        if is_storage_full(&e) { Self::storage_full(context, e) } else { Self::internal(context, e) }
    }

    /// The disk or database is full.
    pub fn storage_full(context: &str, cause: impl fmt::Display) -> Self {
        Self::new(ErrorKind::InsufficientStorage, format!("insufficient storage: {context}: {cause}"))
    }

    /// Logs an error about to be answered when the client will not see its cause (internal errors)
    /// or an operator must act on it (a full disk). Called once, where an error becomes a response.
    pub fn log_if_serious(&self) {
        match self.kind {
            ErrorKind::Internal => tracing::error!(cause = %self.message, "internal error"),
            ErrorKind::InsufficientStorage | ErrorKind::Unavailable => {
                tracing::error!(cause = %self.message, "{}", self.kind.code())
            }
            _ => {}
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::from_io("storage I/O", e)
    }
}

/// ENOSPC or EDQUOT.
pub fn is_storage_full(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
        || matches!(e.raw_os_error(), Some(28 | 122))
}

impl From<arca_types::NameError> for Error {
    fn from(e: arca_types::NameError) -> Self {
        Self::new(ErrorKind::NameInvalid, e.to_string())
    }
}

impl From<arca_types::DigestError> for Error {
    fn from(e: arca_types::DigestError) -> Self {
        Self::new(ErrorKind::DigestInvalid, e.to_string())
    }
}

impl From<arca_types::ReferenceError> for Error {
    fn from(e: arca_types::ReferenceError) -> Self {
        match e {
            arca_types::ReferenceError::BadTag => Self::new(ErrorKind::TagInvalid, e.to_string()),
            arca_types::ReferenceError::Digest(d) => d.into(),
        }
    }
}
