//! Turning a raw request path into safe, decoded segments, and the character classes of the
//! Maven 2 layout's parts.

use crate::error::{MavenError, quote};
use percent_encoding::percent_decode_str;

/// Longest path accepted below the repository root, in bytes, decoded. Maven Central's longest
/// paths are around 250 bytes; this leaves room and stays under common proxy limits.
pub const MAX_PATH_LEN: usize = 1024;
/// Longest segment, in bytes: the usual filesystem limit for one path component.
pub const MAX_SEGMENT_LEN: usize = 255;
/// Most directories a groupId may span (`org/apache/maven/plugins` is 4).
pub const MAX_GROUP_DEPTH: usize = 32;

/// The decoded segments of `raw`, the percent-encoded path below the repository root, without a
/// leading `/` (`org/example/a/1.0/a-1.0.jar`). Each segment is decoded on its own, so `%2F`
/// cannot make a separator, and the decoded text is checked: no `.`/`..`, no empty segment, no
/// `\`, `/`, `%` (double encoding), control character or invalid UTF-8. A trailing `/` asks for
/// a directory listing, which Maven repositories do not serve: [`crate::ErrorKind::NotFound`].
pub(crate) fn decode(raw: &str) -> Result<Vec<String>, MavenError> {
    // Each decoded byte takes at most three encoded ones.
    if raw.len() > MAX_PATH_LEN * 3 {
        return Err(too_long());
    }
    if raw.is_empty() {
        return Err(MavenError::not_found("the repository root is not a file"));
    }
    let raw_segments: Vec<&str> = raw.split('/').collect();
    let last = raw_segments.len() - 1;
    let mut segments = Vec::with_capacity(raw_segments.len());
    let mut total = 0;
    for (i, raw_segment) in raw_segments.into_iter().enumerate() {
        if raw_segment.is_empty() {
            return Err(if i == last && i > 0 {
                MavenError::not_found("directory listings are not served: name a file")
            } else {
                MavenError::unsafe_path("the path has an empty segment ('//' or a leading '/')")
            });
        }
        let segment = decode_segment(raw_segment)?;
        total += segment.len() + 1;
        if total > MAX_PATH_LEN + 1 {
            return Err(too_long());
        }
        segments.push(segment);
    }
    Ok(segments)
}

fn decode_segment(raw: &str) -> Result<String, MavenError> {
    let bytes: Vec<u8> = percent_decode_str(raw).collect();
    let segment = String::from_utf8(bytes)
        .map_err(|_| MavenError::unsafe_path(format!("segment {} is not UTF-8 once decoded", quote(raw))))?;
    if segment == "." || segment == ".." {
        return Err(MavenError::unsafe_path("'.' and '..' segments are refused"));
    }
    if let Some(c) = segment.chars().find(|&c| matches!(c, '/' | '\\' | '%') || c.is_control()) {
        let what = match c {
            '/' => "an encoded '/'",
            '\\' => "a backslash",
            '%' => "a '%' after decoding (double encoding)",
            _ => "a control character",
        };
        return Err(MavenError::unsafe_path(format!("segment {} holds {what}", quote(&segment))));
    }
    if segment.len() > MAX_SEGMENT_LEN {
        return Err(MavenError::too_large(format!("a path segment is at most {MAX_SEGMENT_LEN} bytes")));
    }
    Ok(segment)
}

fn too_long() -> MavenError {
    MavenError::too_large(format!("the path is longer than {MAX_PATH_LEN} bytes"))
}

/// A groupId directory: Maven's id characters but `.`, which separates the directories
/// (`org.example` is `org/example`). A dotted directory could not round-trip.
pub(crate) fn is_group_segment(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// An artifactId: Maven's id pattern `[A-Za-z0-9_\-.]+` (ModelValidator), not starting with `.`.
pub(crate) fn is_artifact_id(s: &str) -> bool {
    !s.is_empty() && !s.starts_with('.') && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
}

/// A classifier: letters, digits, `-` and `_` (`sources`, `linux-x86_64`). No `.`: the first dot
/// after the version starts the extension, so that `tar.gz` stays one extension.
pub(crate) fn is_classifier(s: &str) -> bool {
    is_group_segment(s)
}

/// One dot-separated part of an extension (`tar`, `gz`, `module`, `7z`).
pub(crate) fn is_extension_part(s: &str) -> bool {
    is_group_segment(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn kind(raw: &str) -> ErrorKind {
        decode(raw).expect_err(raw).kind()
    }

    #[test]
    fn decodes_each_segment() {
        assert_eq!(decode("org/ex%61mple/a").unwrap(), ["org", "example", "a"]);
        assert_eq!(decode("a/1.0%2B1").unwrap(), ["a", "1.0+1"]);
    }

    #[test]
    fn tricks_are_unsafe() {
        for raw in [
            "a/../b",
            "a/./b",
            "a/%2e%2e/b",
            "a/%2E/b",
            "a//b",
            "/a/b",
            "a%2Fb/c",
            "a%5Cb",
            "a\\b",
            "a/%00/b",
            "a/%0a/b",
            "a/%252e%252e/b",
            "a/%ff/b",
            "a/b%",
            "a/\u{7f}/b",
        ] {
            assert_eq!(kind(raw), ErrorKind::UnsafePath, "{raw}");
        }
        assert_eq!(kind("a/b/"), ErrorKind::NotFound);
        assert_eq!(kind(""), ErrorKind::NotFound);
    }

    #[test]
    fn limits() {
        assert_eq!(kind(&"a".repeat(256)), ErrorKind::TooLarge);
        let long = vec!["a".repeat(200); 6].join("/");
        assert_eq!(kind(&long), ErrorKind::TooLarge);
        assert_eq!(kind(&"%61".repeat(1100)), ErrorKind::TooLarge);
        assert!(decode(&vec!["a".repeat(200); 5].join("/")).is_ok());
    }
}
