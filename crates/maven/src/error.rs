//! The crate's one error type.
//!
//! Maven prints a refused transfer as `transfer failed for <url>, status: 409 <reason phrase>`
//! (Maven 3.8.7 through wagon; the body is not shown), so every message is one line of printable
//! ASCII, short enough for a reason phrase: `Display` escapes anything else and user input quoted
//! into a message goes through [`quote`], which also truncates it. The protocol crate maps each
//! [`ErrorKind`] to a status once.

use std::fmt;

/// What went wrong, coarsely: what the protocol crate needs to pick a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The path is a trick (`..`, `.`, empty segments, backslashes, encoded separators, control
    /// characters, invalid UTF-8): 400 whatever the method.
    UnsafePath,
    /// The path is safe but names no file of the Maven 2 layout (a directory, an unknown file
    /// name, a bare `maven-metadata.xml`): 404 for reads, 400 for writes.
    NotFound,
    /// The content is malformed: XML, a POM or metadata missing what it must have, a checksum file,
    /// a timestamp, a version: 400.
    Invalid,
    /// The content is refused for safety: a DTD, an entity, nesting past the limit: 400.
    Hostile,
    /// Two things that must agree do not: the version directory and the file name, a POM and its
    /// path, a checksum and the bytes: 400 (409 if the integrator prefers "conflict").
    Mismatch,
    /// Over a size limit: a path (414) or a document (413).
    TooLarge,
}

impl ErrorKind {
    /// Stable code for logs, metrics and the management API. Never reuse one for another meaning.
    pub const fn code(self) -> &'static str {
        match self {
            Self::UnsafePath => "maven_unsafe_path",
            Self::NotFound => "maven_not_found",
            Self::Invalid => "maven_invalid",
            Self::Hostile => "maven_hostile",
            Self::Mismatch => "maven_mismatch",
            Self::TooLarge => "maven_too_large",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a Maven path, document or checksum was refused. `Display` is the message for the person
/// running `mvn` or `gradle`; [`MavenError::kind`] decides the status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", one_line(message))]
pub struct MavenError {
    kind: ErrorKind,
    message: String,
}

impl MavenError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    pub(crate) fn unsafe_path(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::UnsafePath, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    pub(crate) fn hostile(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Hostile, message)
    }

    pub(crate) fn mismatch(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Mismatch, message)
    }

    pub(crate) fn too_large(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::TooLarge, message)
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable code of [`Self::kind`].
    pub fn code(&self) -> &'static str {
        self.kind.code()
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

/// A message made one line of printable ASCII (a library's error may hold anything).
fn one_line(text: &str) -> String {
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
        assert_eq!(quote(&"x".repeat(200)).len(), QUOTE_CHARS + 2 + 3);
    }

    #[test]
    fn messages_are_one_line() {
        let e = MavenError::invalid("bad\r\nthing\u{0}");
        assert_eq!(e.to_string(), r"bad\r\nthing\u{0}");
        assert_eq!(e.code(), "maven_invalid");
    }
}
