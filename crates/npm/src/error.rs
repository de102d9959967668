//! Why an npm body, tarball or key was refused. One enum for the crate: the protocol crate maps each
//! variant to an HTTP status once, shows [`NpmError`]'s one-line message to the npm client (which
//! prints a body's `error` field, see [`error_body`]) and logs [`NpmError::code`], which is stable.

use serde_json::{Value, json};

/// Everything this crate refuses. Messages are one line, addressed to the person running `npm`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpmError {
    #[error("invalid JSON at byte {offset}: {reason}")]
    InvalidJson { offset: u64, reason: &'static str },
    #[error("invalid JSON number {0:?}")]
    InvalidNumber(String),
    #[error("the body ended before the JSON document did")]
    Truncated,
    #[error("the JSON document nests deeper than {0} levels")]
    TooDeep(usize),
    #[error("the JSON document (without attachment data) is larger than {0} bytes")]
    DocumentTooLarge(u64),
    #[error("duplicate key {0:?} in a JSON object")]
    DuplicateKey(String),
    #[error("the body must be a JSON object")]
    NotAnObject,
    #[error("more than {0} attachments")]
    TooManyAttachments(usize),
    #[error("attachment {0:?} is larger than {1} bytes")]
    AttachmentTooLarge(String, u64),
    #[error("attachment {0:?}: {1}")]
    InvalidAttachment(String, &'static str),
    #[error("attachment {0:?}: invalid base64 data")]
    InvalidBase64(String),
    #[error("invalid package name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("the document names {found:?}, the URL {expected:?}")]
    NameMismatch { expected: String, found: String },
    #[error("invalid version {version:?}: {reason}")]
    InvalidVersion { version: String, reason: String },
    #[error("a publish carries exactly one version, this one has {0}")]
    VersionCount(usize),
    #[error("invalid dist-tag {tag:?}: {reason}")]
    InvalidTag { tag: String, reason: &'static str },
    #[error("field {field:?}: {reason}")]
    InvalidField { field: String, reason: &'static str },
    #[error("a publish needs the tarball attachment {0:?}")]
    MissingTarball(String),
    #[error("unexpected attachment {0:?}")]
    UnexpectedAttachment(String),
    #[error("invalid integrity {0:?}: expected sha512-<base64>")]
    InvalidIntegrity(String),
    #[error("invalid shasum {0:?}: expected 40 hex digits")]
    InvalidShasum(String),
    #[error("the tarball is not a gzip-compressed tar archive: {0}")]
    InvalidTarball(String),
    #[error("tarball entry {0:?} escapes the package directory")]
    UnsafePath(String),
    #[error("the tarball exceeds a limit: {0}")]
    TarballTooLarge(&'static str),
    #[error("the tarball has no package.json")]
    MissingPackageJson,
    #[error("the tarball's package.json is invalid: {0}")]
    InvalidPackageJson(String),
    #[error("the tarball's package.json says {field} {found:?}, the publish {expected:?}")]
    TarballMismatch { field: &'static str, expected: String, found: String },
    #[error("invalid signing key: {0}")]
    InvalidKey(&'static str),
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl NpmError {
    /// Stable code (logs, metrics, the management API). Never reuse a code for another meaning.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidJson { .. } => "npm_invalid_json",
            Self::InvalidNumber(_) => "npm_invalid_number",
            Self::Truncated => "npm_truncated",
            Self::TooDeep(_) => "npm_too_deep",
            Self::DocumentTooLarge(_) => "npm_document_too_large",
            Self::DuplicateKey(_) => "npm_duplicate_key",
            Self::NotAnObject => "npm_not_an_object",
            Self::TooManyAttachments(_) => "npm_too_many_attachments",
            Self::AttachmentTooLarge(..) => "npm_attachment_too_large",
            Self::InvalidAttachment(..) => "npm_invalid_attachment",
            Self::InvalidBase64(_) => "npm_invalid_base64",
            Self::InvalidName { .. } => "npm_invalid_name",
            Self::NameMismatch { .. } => "npm_name_mismatch",
            Self::InvalidVersion { .. } => "npm_invalid_version",
            Self::VersionCount(_) => "npm_version_count",
            Self::InvalidTag { .. } => "npm_invalid_tag",
            Self::InvalidField { .. } => "npm_invalid_field",
            Self::MissingTarball(_) => "npm_missing_tarball",
            Self::UnexpectedAttachment(_) => "npm_unexpected_attachment",
            Self::InvalidIntegrity(_) => "npm_invalid_integrity",
            Self::InvalidShasum(_) => "npm_invalid_shasum",
            Self::InvalidTarball(_) => "npm_invalid_tarball",
            Self::UnsafePath(_) => "npm_unsafe_path",
            Self::TarballTooLarge(_) => "npm_tarball_too_large",
            Self::MissingPackageJson => "npm_missing_package_json",
            Self::InvalidPackageJson(_) => "npm_invalid_package_json",
            Self::TarballMismatch { .. } => "npm_tarball_mismatch",
            Self::InvalidKey(_) => "npm_invalid_key",
            Self::InvalidRequest(_) => "npm_invalid_request",
        }
    }

    pub(crate) fn field(field: impl Into<String>, reason: &'static str) -> Self {
        Self::InvalidField { field: field.into(), reason }
    }
}

/// The body of an error answer: `{"error": message}`. npm-registry-fetch appends a body's `error`
/// to the status line it prints (`npm error 403 403 Forbidden - PUT http://…/pkg - <message>`,
/// checked with npm 11.19.1), and ignores `reason` and `message`, so the message goes there.
pub fn error_body(message: &str) -> Value {
    json!({ "error": message })
}
