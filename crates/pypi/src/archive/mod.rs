//! Reading the core metadata out of an uploaded distribution, without trusting the archive.
//!
//! - Wheel: the one top-level `*.dist-info` directory (pip refuses wheels with none or several),
//!   named after the filename's project and version, and its `METADATA`.
//! - Sdist (`.tar.gz` or `.zip`): `<top>/PKG-INFO`, exactly one directory deep (deeper copies,
//!   such as setuptools' `src/*.egg-info/PKG-INFO`, are not the sdist's metadata), a regular file.
//!
//! Hostile archives: every bound is in [`Limits`]. A metadata file is read through a limit of
//! `max_metadata_bytes + 1`, so a lying size field or a deflate bomb costs at most that much.
//! A `.tar.gz` is streamed once, entry headers and all, through a counter of decompressed bytes
//! (`max_scanned_bytes`), to its end: a second top-level PKG-INFO, a truncated member or a
//! corrupt gzip trailer is found even after the PKG-INFO. GNU long names and PAX headers are
//! read by this crate, at most [`MAX_EXTENSION_BYTES`] each (the `tar` crate would buffer them
//! whole). A zip's central directory is parsed whole by the `zip` crate before
//! `max_archive_entries` can be checked (and before any entry is read): memory is bounded by the
//! archive's size, about 3x it for an archive made of nothing but empty entries (300 000 entries,
//! 28 MB: 77 MB and 1.4 s), so callers bound the upload's size.

mod targz;
mod zip;

use crate::error::PypiError;
use crate::filename::{ArchiveFormat, DistFilename, DistKind};
use std::io::{Read, Seek};

/// Largest GNU long-name or PAX extended header read from a tar, in bytes.
pub const MAX_EXTENSION_BYTES: u64 = 64 * 1024;

/// Bounds on the work and memory one archive may cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest METADATA / PKG-INFO accepted (default 1 MiB; real ones are a few KiB, the
    /// largest seen on PyPI, descriptions included, well under a MiB).
    pub max_metadata_bytes: u64,
    /// Most entries an archive may have (default 100 000).
    pub max_archive_entries: usize,
    /// Most decompressed bytes read while scanning a `.tar.gz` (default 512 MiB).
    pub max_scanned_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_metadata_bytes: 1024 * 1024, max_archive_entries: 100_000, max_scanned_bytes: 512 * 1024 * 1024 }
    }
}

/// The raw bytes of the distribution's core metadata file: what a registry serves as
/// `<file>.metadata` (PEP 658) and parses with [`crate::CoreMetadata::parse`].
pub fn extract_metadata<R: Read + Seek>(
    file: &DistFilename,
    archive: R,
    limits: &Limits,
) -> Result<Vec<u8>, PypiError> {
    match (file.kind, file.archive) {
        (DistKind::Wheel, _) => zip::wheel_metadata(file, archive, limits),
        (DistKind::Sdist, ArchiveFormat::Zip) => zip::sdist_metadata(archive, limits),
        (DistKind::Sdist, ArchiveFormat::TarGz) => targz::sdist_metadata(archive, limits),
    }
}

/// Reads an entry of `declared` bytes (from its header, perhaps lying) holding at most `max`.
fn read_bounded(entry: impl Read, declared: u64, max: u64, what: &str) -> Result<Vec<u8>, PypiError> {
    if declared > max {
        return Err(too_large(what, max));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    entry
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| PypiError::InvalidArchive(format!("cannot read {what}: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(too_large(what, max));
    }
    Ok(bytes)
}

fn too_large(what: &str, max: u64) -> PypiError {
    PypiError::ArchiveLimit(format!("{what} is larger than {max} bytes"))
}

/// `X/PKG-INFO` with `X` a single, ordinary path component (a leading `./` ignored).
fn is_top_level_pkg_info(path: &[u8]) -> bool {
    let path = path.strip_prefix(b"./").unwrap_or(path);
    path.strip_suffix(b"/PKG-INFO")
        .is_some_and(|dir| !dir.is_empty() && dir != b"." && dir != b".." && !dir.contains(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkg_info_must_be_one_directory_deep() {
        assert!(is_top_level_pkg_info(b"demo-1.0/PKG-INFO"));
        assert!(is_top_level_pkg_info(b"./demo-1.0/PKG-INFO"));
        for path in
            [&b"PKG-INFO"[..], b"/PKG-INFO", b"a/b/PKG-INFO", b"../PKG-INFO", b"demo/PKG-INFO/", b"demo/pkg-info"]
        {
            assert!(!is_top_level_pkg_info(path), "{}", String::from_utf8_lossy(path));
        }
    }

    #[test]
    fn lying_sizes_are_bounded() {
        let data = [b'x'; 100];
        assert!(matches!(read_bounded(&data[..], 10, 50, "X"), Err(PypiError::ArchiveLimit(_))));
        assert!(matches!(read_bounded(&data[..], 100, 50, "X"), Err(PypiError::ArchiveLimit(_))));
        assert_eq!(read_bounded(&data[..], 0, 100, "X").unwrap().len(), 100);
    }
}
