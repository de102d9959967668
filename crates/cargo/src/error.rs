//! Why a publish body, `.crate`, index path or API body was refused. One enum for the crate: the
//! protocol crate maps each [`ErrorKind`] to an HTTP status once, answers with [`error_body`] of the
//! message, and logs [`CargoError::code`], which is stable.
//!
//! cargo prints a refusal as `the remote server responded with an error (status 400 Bad Request):
//! <detail>`, so every message is one line addressed to the person running `cargo publish`, and
//! user input quoted into it goes through [`quote`] (escaped, shortened).

use serde_json::{Value, json};

/// How the protocol crate should answer, whatever the precise reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Malformed input: JSON, metadata fields, archive structure, paths (400).
    Invalid,
    /// Over a configured limit (413).
    TooLarge,
    /// The body ended before the lengths it declared (400).
    Truncated,
    /// The `.crate` disagrees with the publish metadata (400).
    Mismatch,
    /// An archive entry that could write outside the package directory when unpacked (400).
    Unsafe,
}

/// Which length-prefixed part of a publish body a length refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyPart {
    MetadataLength,
    Metadata,
    CrateLength,
    Crate,
}

impl BodyPart {
    const fn describe(self) -> &'static str {
        match self {
            Self::MetadataLength => "the metadata length",
            Self::Metadata => "the metadata JSON",
            Self::CrateLength => "the .crate length",
            Self::Crate => "the .crate",
        }
    }
}

/// Everything this crate refuses. Messages are one line, addressed to the person running cargo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CargoError {
    #[error("the publish metadata is {len} bytes, over this registry's limit of {max} bytes")]
    MetadataTooLarge { len: u64, max: u64 },
    #[error("the .crate is {len} bytes, over this registry's limit of {max} bytes")]
    CrateTooLarge { len: u64, max: u64 },
    #[error("the publish body ended inside {}: {received} of {expected} bytes arrived", .part.describe())]
    Truncated { part: BodyPart, expected: u64, received: u64 },
    #[error("the publish body continues after the {crate_len}-byte .crate it declared")]
    TrailingBytes { crate_len: u64 },
    #[error("the publish body declares an empty .crate")]
    EmptyCrate,
    #[error("invalid publish metadata: {0}")]
    InvalidMetadata(String),
    #[error("invalid crate name {name}: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("invalid version {version}: {reason}")]
    InvalidVersion { version: String, reason: String },
    #[error("invalid `{field}`: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("invalid dependency {dep}: {reason}")]
    InvalidDependency { dep: String, reason: String },
    #[error("the .crate is not a readable gzip-compressed tar archive: {0}")]
    InvalidCrate(String),
    #[error("the .crate entry {path} {reason}")]
    UnsafeEntry { path: String, reason: String },
    #[error("the .crate exceeds this registry's limit on {what} ({max})")]
    CrateLimit { what: &'static str, max: u64 },
    #[error("the .crate has no {0}")]
    MissingManifest(String),
    #[error("the .crate's Cargo.toml is invalid: {0}")]
    InvalidManifest(String),
    #[error("the .crate's Cargo.toml says {field} {manifest}, the publish metadata {metadata}")]
    ManifestMismatch { field: &'static str, metadata: String, manifest: String },
    #[error("not an index file path: {0}")]
    InvalidIndexPath(String),
    #[error("invalid index line: {0}")]
    InvalidIndexLine(String),
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl CargoError {
    /// How to answer: see [`ErrorKind`].
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::MetadataTooLarge { .. } | Self::CrateTooLarge { .. } | Self::CrateLimit { .. } => ErrorKind::TooLarge,
            Self::Truncated { .. } => ErrorKind::Truncated,
            Self::ManifestMismatch { .. } => ErrorKind::Mismatch,
            Self::UnsafeEntry { .. } => ErrorKind::Unsafe,
            Self::TrailingBytes { .. }
            | Self::EmptyCrate
            | Self::InvalidMetadata(_)
            | Self::InvalidName { .. }
            | Self::InvalidVersion { .. }
            | Self::InvalidField { .. }
            | Self::InvalidDependency { .. }
            | Self::InvalidCrate(_)
            | Self::MissingManifest(_)
            | Self::InvalidManifest(_)
            | Self::InvalidIndexPath(_)
            | Self::InvalidIndexLine(_)
            | Self::InvalidRequest(_) => ErrorKind::Invalid,
        }
    }

    /// Stable code (logs, metrics, the management API). Never reuse a code for another meaning.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::MetadataTooLarge { .. } => "cargo_metadata_too_large",
            Self::CrateTooLarge { .. } => "cargo_crate_too_large",
            Self::Truncated { .. } => "cargo_truncated",
            Self::TrailingBytes { .. } => "cargo_trailing_bytes",
            Self::EmptyCrate => "cargo_empty_crate",
            Self::InvalidMetadata(_) => "cargo_invalid_metadata",
            Self::InvalidName { .. } => "cargo_invalid_name",
            Self::InvalidVersion { .. } => "cargo_invalid_version",
            Self::InvalidField { .. } => "cargo_invalid_field",
            Self::InvalidDependency { .. } => "cargo_invalid_dependency",
            Self::InvalidCrate(_) => "cargo_invalid_crate",
            Self::UnsafeEntry { .. } => "cargo_unsafe_entry",
            Self::CrateLimit { .. } => "cargo_crate_limit",
            Self::MissingManifest(_) => "cargo_missing_manifest",
            Self::InvalidManifest(_) => "cargo_invalid_manifest",
            Self::ManifestMismatch { .. } => "cargo_manifest_mismatch",
            Self::InvalidIndexPath(_) => "cargo_invalid_index_path",
            Self::InvalidIndexLine(_) => "cargo_invalid_index_line",
            Self::InvalidRequest(_) => "cargo_invalid_request",
        }
    }

    pub(crate) fn field(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidField { field, reason: reason.into() }
    }

    pub(crate) fn unsafe_entry(path: &str, reason: &'static str) -> Self {
        Self::UnsafeEntry { path: quote(path), reason: reason.to_owned() }
    }
}

/// The body of every refusal: `{"errors":[{"detail": message}]}`. cargo shows each `detail`, on a
/// 200 as well as on an error status.
pub fn error_body(message: &str) -> Value {
    json!({ "errors": [{ "detail": message }] })
}

/// Longest piece of user input quoted into a message, in characters.
const QUOTE_CHARS: usize = 80;

/// `` `text` `` for a message, as cargo quotes names: control characters, backticks and
/// backslashes escaped, cut after [`QUOTE_CHARS`] characters with `...`.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::from("`");
    for (i, c) in text.chars().enumerate() {
        if i == QUOTE_CHARS {
            out.push_str("...");
            break;
        }
        match c {
            '`' => out.push_str("\\`"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('`');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_truncates() {
        assert_eq!(quote("a\nb`é"), r"`a\nb\`é`");
        assert_eq!(quote(&"x".repeat(200)).chars().count(), QUOTE_CHARS + 2 + 3);
    }

    #[test]
    fn messages_name_the_part_and_lengths() {
        let e = CargoError::Truncated { part: BodyPart::Crate, expected: 10, received: 4 };
        assert_eq!(e.to_string(), "the publish body ended inside the .crate: 4 of 10 bytes arrived");
        assert_eq!((e.kind(), e.code()), (ErrorKind::Truncated, "cargo_truncated"));
        assert_eq!(error_body("no"), json!({"errors": [{"detail": "no"}]}));
    }
}
