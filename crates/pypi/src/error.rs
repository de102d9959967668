//! The crate's one error type.
//!
//! twine shows PyPI's refusals from the HTTP reason phrase, so every message is a single line of
//! printable ASCII: `Display` escapes anything else ([`one_line`]), and user input quoted into a
//! message goes through [`quote`], which also truncates it.

/// Why a PyPI artifact, form or document was refused. `Display` is the message for the user;
/// [`PypiError::code`] the stable code for logs and the management API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PypiError {
    /// The distribution's filename is malformed or unsafe.
    #[error("invalid distribution filename {}: {}", one_line(filename), one_line(reason))]
    InvalidFilename { filename: String, reason: String },
    /// The filename ends in an extension PyPI does not accept (any more).
    #[error("invalid file extension {}: {}", one_line(filename), one_line(reason))]
    UnsupportedExtension { filename: String, reason: String },
    /// The core metadata (METADATA / PKG-INFO) could not be read.
    #[error("invalid core metadata: {}", one_line(.0))]
    InvalidMetadata(String),
    /// The archive is not a readable wheel/sdist (truncated, corrupt, not an archive at all).
    #[error("invalid archive: {}", one_line(.0))]
    InvalidArchive(String),
    /// The archive exceeds a [`crate::Limits`] bound.
    #[error("archive refused: {}", one_line(.0))]
    ArchiveLimit(String),
    /// The archive has no metadata file where the format puts it, or several.
    #[error("missing core metadata: {}", one_line(.0))]
    MissingMetadata(String),
    /// Filename, metadata and upload form disagree on the project, version or file type.
    #[error("{}", one_line(.0))]
    Mismatch(String),
    /// The legacy upload form is malformed.
    #[error("invalid upload form: {}", one_line(.0))]
    InvalidForm(String),
    /// The form asks for an action other than `file_upload`.
    #[error("{}", one_line(.0))]
    UnsupportedAction(String),
    /// A PEP 740 attestation is malformed or does not name the uploaded file.
    #[error("invalid attestation: {}", one_line(.0))]
    InvalidAttestation(String),
}

impl PypiError {
    /// Stable code (for logs and the management API).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidFilename { .. } => "pypi_invalid_filename",
            Self::UnsupportedExtension { .. } => "pypi_unsupported_extension",
            Self::InvalidMetadata(_) => "pypi_invalid_metadata",
            Self::InvalidArchive(_) => "pypi_invalid_archive",
            Self::ArchiveLimit(_) => "pypi_archive_limit",
            Self::MissingMetadata(_) => "pypi_missing_metadata",
            Self::Mismatch(_) => "pypi_mismatch",
            Self::InvalidForm(_) => "pypi_invalid_form",
            Self::UnsupportedAction(_) => "pypi_unsupported_action",
            Self::InvalidAttestation(_) => "pypi_invalid_attestation",
        }
    }

    pub(crate) fn filename(filename: &str, reason: impl Into<String>) -> Self {
        Self::InvalidFilename { filename: quote(filename), reason: reason.into() }
    }
}

/// Longest piece of user input quoted into a message, in characters.
const QUOTE_CHARS: usize = 80;

/// `'text'` for a message: printable ASCII kept, everything else escaped (`\n`, `\u{e9}`), cut
/// after [`QUOTE_CHARS`] characters with `...`.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::from("'");
    for (i, c) in text.chars().enumerate() {
        if i == QUOTE_CHARS {
            out.push_str("...");
            break;
        }
        match c {
            '\'' | '\\' => out.extend(c.escape_default()),
            ' '..='~' => out.push(c),
            _ => out.extend(c.escape_default()),
        }
    }
    out.push('\'');
    out
}

/// A message from elsewhere (a library's error) made one line of printable ASCII.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, ' '..='~') {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_truncates() {
        assert_eq!(quote("a\nb'é"), r"'a\nb\'\u{e9}'");
        let long = "x".repeat(200);
        assert_eq!(quote(&long).len(), QUOTE_CHARS + 2 + 3);
    }

    #[test]
    fn one_line_is_printable_ascii() {
        assert_eq!(one_line("bad\r\nthing\u{0}"), r"bad\r\nthing\u{0}");
    }
}
