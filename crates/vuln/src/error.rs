//! Errors of advisory parsing and archive reading, each with a stable code for logs and API bodies.

use std::path::PathBuf;

/// Why an advisory record or archive could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OsvError {
    #[error("advisory record is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: u64, limit: u64 },
    #[error("advisory record is not valid OSV JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("advisory record has no id")]
    MissingId,
    #[error("reading {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("reading zip archive: {0}")]
    Zip(String),
    #[error("archive entry {name:?} rejected: {reason}")]
    UnsafeEntry { name: String, reason: &'static str },
    #[error("{0} is neither a directory nor a .zip file")]
    UnsupportedPath(PathBuf),
}

impl OsvError {
    /// A stable, machine-readable code: never renamed once released.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "OSV_RECORD_TOO_LARGE",
            Self::Json(_) => "OSV_INVALID_JSON",
            Self::MissingId => "OSV_MISSING_ID",
            Self::Io { .. } => "OSV_IO",
            Self::Zip(_) => "OSV_INVALID_ZIP",
            Self::UnsafeEntry { .. } => "OSV_UNSAFE_ENTRY",
            Self::UnsupportedPath(_) => "OSV_UNSUPPORTED_PATH",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
