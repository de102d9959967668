//! Checksums: the four algorithms Maven and Gradle write as sidecar files, one hasher that computes
//! all four while the bytes stream in, reading a checksum file as maven-resolver reads it, and the
//! `X-Checksum-*` response headers.
//!
//! Maven 3.8 PUTs and GETs `.sha1` and `.md5` only (captured: tests/fixtures/README.md); Gradle 6+
//! and Maven 3.9+ (on request) add `.sha256` and `.sha512`.

use crate::error::{MavenError, quote};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha512};
use std::fmt;

/// A checksum algorithm with a sidecar file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChecksumAlgorithm {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl ChecksumAlgorithm {
    pub const ALL: [Self; 4] = [Self::Md5, Self::Sha1, Self::Sha256, Self::Sha512];

    /// The sidecar's extension, without the dot: `sha1` for `a-1.0.jar.sha1`.
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.extension() == extension)
    }

    /// Length of the hex digest.
    pub const fn hex_len(self) -> usize {
        match self {
            Self::Md5 => 32,
            Self::Sha1 => 40,
            Self::Sha256 => 64,
            Self::Sha512 => 128,
        }
    }

    /// The response header carrying this checksum. maven-resolver (1.8+, "Remote Included"
    /// strategy) reads `x-checksum-sha1` and `x-checksum-md5` only; the SHA-2 ones are what
    /// Artifactory and Nexus 3 also send, for other clients.
    pub const fn header_name(self) -> &'static str {
        match self {
            Self::Md5 => "X-Checksum-Md5",
            Self::Sha1 => "X-Checksum-Sha1",
            Self::Sha256 => "X-Checksum-Sha256",
            Self::Sha512 => "X-Checksum-Sha512",
        }
    }
}

impl fmt::Display for ChecksumAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// Computes every [`ChecksumAlgorithm`] of a stream at once, chunk by chunk, so a file is hashed
/// while it is written and never read twice.
#[derive(Clone, Default)]
pub struct ChecksumHasher {
    md5: Md5,
    sha1: Sha1,
    sha256: Sha256,
    sha512: Sha512,
    size: u64,
}

impl fmt::Debug for ChecksumHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChecksumHasher").field("size", &self.size).finish_non_exhaustive()
    }
}

impl ChecksumHasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, chunk: &[u8]) {
        self.md5.update(chunk);
        self.sha1.update(chunk);
        self.sha256.update(chunk);
        self.sha512.update(chunk);
        self.size += chunk.len() as u64;
    }

    /// Bytes seen so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn finish(self) -> FileChecksums {
        FileChecksums {
            size: self.size,
            md5: hex::encode(self.md5.finalize()),
            sha1: hex::encode(self.sha1.finalize()),
            sha256: hex::encode(self.sha256.finalize()),
            sha512: hex::encode(self.sha512.finalize()),
        }
    }

    /// The checksums of `bytes` (small documents: metadata, checksum files).
    pub fn of(bytes: &[u8]) -> FileChecksums {
        let mut hasher = Self::new();
        hasher.update(bytes);
        hasher.finish()
    }
}

/// A file's size and checksums, lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileChecksums {
    pub size: u64,
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
    pub sha512: String,
}

impl FileChecksums {
    pub fn get(&self, algorithm: ChecksumAlgorithm) -> &str {
        match algorithm {
            ChecksumAlgorithm::Md5 => &self.md5,
            ChecksumAlgorithm::Sha1 => &self.sha1,
            ChecksumAlgorithm::Sha256 => &self.sha256,
            ChecksumAlgorithm::Sha512 => &self.sha512,
        }
    }

    /// The body of the `.<algorithm>` sidecar, as Maven writes it: the lowercase hex and nothing
    /// else, no newline (checked against the `.sha1`/`.md5` files `mvn deploy` PUT).
    pub fn sidecar_body(&self, algorithm: ChecksumAlgorithm) -> &str {
        self.get(algorithm)
    }

    /// `(name, value)` of every `X-Checksum-*` header for a GET or HEAD of the file.
    pub fn headers(&self) -> [(&'static str, &str); 4] {
        ChecksumAlgorithm::ALL.map(|a| (a.header_name(), self.get(a)))
    }

    /// Whether a client's checksum file (see [`parse_checksum_file`]) matches these bytes.
    pub fn verify(&self, algorithm: ChecksumAlgorithm, body: &[u8]) -> Result<(), MavenError> {
        let claimed = parse_checksum_file(algorithm, body)?;
        if claimed == self.get(algorithm) {
            Ok(())
        } else {
            Err(MavenError::mismatch(format!(
                "{algorithm} checksum {} does not match the file's {}",
                claimed,
                self.get(algorithm)
            )))
        }
    }
}

/// Longest checksum file read: a digest, a file name and some spaces fit many times over.
pub const MAX_CHECKSUM_FILE_BYTES: usize = 4096;

/// The checksum a client's checksum file holds, lowercased, read as maven-resolver's
/// `ChecksumUtils.read` reads it: the first non-blank line, trimmed; if it looks like
/// `<anything>= <hex>` (BSD `SHA1 (file) = <hex>`) the part after the last space, otherwise the
/// part before the first space (GNU `<hex>  <file>`, `<hex> *<file>`). Maven then compares
/// case-insensitively; here the result must also be hex of the algorithm's length.
pub fn parse_checksum_file(algorithm: ChecksumAlgorithm, body: &[u8]) -> Result<String, MavenError> {
    if body.len() > MAX_CHECKSUM_FILE_BYTES {
        return Err(MavenError::too_large(format!("a checksum file is at most {MAX_CHECKSUM_FILE_BYTES} bytes")));
    }
    let text = std::str::from_utf8(body).map_err(|_| MavenError::invalid("a checksum file must be UTF-8 text"))?;
    // Java's readLine ends lines at \n, \r or \r\n; trim() drops every char <= U+0020.
    let line = text.split(['\n', '\r']).map(|l| l.trim_matches(|c| c <= ' ')).find(|l| !l.is_empty()).unwrap_or("");
    let token = if bsd_style(line) {
        line.rsplit_once(' ').map_or(line, |(_, hex)| hex)
    } else {
        line.split_once(' ').map_or(line, |(hex, _)| hex)
    };
    if token.len() != algorithm.hex_len() || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(MavenError::invalid(format!(
            "the {algorithm} checksum file holds {}, not {} hex digits",
            quote(token),
            algorithm.hex_len()
        )));
    }
    Ok(token.to_ascii_lowercase())
}

/// `.+= [0-9A-Fa-f]+`, matched against the whole line.
fn bsd_style(line: &str) -> bool {
    match line.rfind("= ") {
        Some(at) => at > 0 && line[at + 2..].bytes().all(|b| b.is_ascii_hexdigit()) && line.len() > at + 2,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_digests() {
        let sums = ChecksumHasher::of(b"");
        assert_eq!(sums.md5, "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(sums.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sums.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert!(sums.sha512.starts_with("cf83e1357eefb8bd") && sums.size == 0);
    }

    #[test]
    fn chunks_make_no_difference() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut hasher = ChecksumHasher::new();
        for chunk in data.chunks(333) {
            hasher.update(chunk);
        }
        assert_eq!(hasher.size(), 10_000);
        assert_eq!(hasher.finish(), ChecksumHasher::of(&data));
    }

    #[test]
    fn algorithms_by_extension() {
        for a in ChecksumAlgorithm::ALL {
            assert_eq!(ChecksumAlgorithm::from_extension(a.extension()), Some(a));
        }
        assert_eq!(ChecksumAlgorithm::from_extension("asc"), None);
    }
}
