//! `.tar.gz` sdists, streamed once: tar entries are read raw, so long names and PAX headers
//! are bounded here rather than buffered whole by the `tar` crate.

use super::{Limits, MAX_EXTENSION_BYTES, is_top_level_pkg_info, read_bounded};
use crate::error::{PypiError, quote};
use flate2::read::GzDecoder;
use std::io::{self, BufReader, Read};
use tar::{Archive, Entry, PaxExtensions};

pub(super) fn sdist_metadata<R: Read>(reader: R, limits: &Limits) -> Result<Vec<u8>, PypiError> {
    let counted =
        Counted { inner: GzDecoder::new(BufReader::new(reader)), remaining: limits.max_scanned_bytes, exceeded: false };
    let mut archive = Archive::new(counted);
    let scanned = scan(&mut archive, limits);
    let mut counted = archive.into_inner();
    // Read to the end of the gzip member, so a corrupt or truncated trailer (CRC, size) is found.
    let drained = scanned.and_then(|found| {
        io::copy(&mut counted, &mut io::sink()).map_err(|e| unreadable(&e))?;
        Ok(found)
    });
    if counted.exceeded {
        return Err(PypiError::ArchiveLimit(format!(
            "the sdist decompresses to more than {} bytes",
            limits.max_scanned_bytes
        )));
    }
    drained?.ok_or_else(|| PypiError::MissingMetadata("the sdist has no PKG-INFO in its top-level directory".into()))
}

/// Walks every entry; answers the content of the one top-level PKG-INFO, if any.
fn scan<R: Read>(archive: &mut Archive<R>, limits: &Limits) -> Result<Option<Vec<u8>>, PypiError> {
    let mut found = None;
    let mut long_name: Option<Vec<u8>> = None;
    let mut pax_path: Option<Vec<u8>> = None;
    let entries = archive.entries().map_err(|e| unreadable(&e))?.raw(true);
    for (count, entry) in entries.enumerate() {
        if count >= limits.max_archive_entries {
            return Err(PypiError::ArchiveLimit(format!(
                "the archive has more than {} entries",
                limits.max_archive_entries
            )));
        }
        let mut entry = entry.map_err(|e| unreadable(&e))?;
        let kind = entry.header().entry_type();
        if kind.is_gnu_longname() {
            long_name = Some(extension(&mut entry)?);
            continue;
        }
        if kind.is_pax_local_extensions() {
            pax_path = pax_path_of(&extension(&mut entry)?);
            continue;
        }
        if kind.is_gnu_longlink() || kind.is_pax_global_extensions() {
            extension(&mut entry)?;
            continue;
        }
        // The tar crate's order: a GNU long name, then a PAX path, then the header's own.
        let path = match (long_name.take(), pax_path.take()) {
            (Some(name), _) => trim_nul(name),
            (None, Some(path)) => path,
            (None, None) => entry.header().path_bytes().into_owned(),
        };
        if !is_top_level_pkg_info(&path) {
            continue;
        }
        let shown = quote(&String::from_utf8_lossy(&path));
        if found.is_some() {
            return Err(PypiError::MissingMetadata(format!(
                "the sdist has several top-level PKG-INFO files ({shown})"
            )));
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(PypiError::InvalidArchive(format!("{shown} is not a regular file (a link or a directory)")));
        }
        let declared = entry.header().size().map_err(|e| unreadable(&e))?;
        found = Some(read_bounded(&mut entry, declared, limits.max_metadata_bytes, &shown)?);
    }
    Ok(found)
}

/// The data of a GNU long-name or PAX entry, refused past [`MAX_EXTENSION_BYTES`].
fn extension<R: Read>(entry: &mut Entry<'_, R>) -> Result<Vec<u8>, PypiError> {
    let declared = entry.header().size().map_err(|e| unreadable(&e))?;
    read_bounded(entry, declared, MAX_EXTENSION_BYTES, "a tar extended header")
}

fn pax_path_of(data: &[u8]) -> Option<Vec<u8>> {
    PaxExtensions::new(data).flatten().find(|ext| ext.key_bytes() == b"path").map(|ext| ext.value_bytes().to_vec())
}

/// GNU long names end in a NUL.
fn trim_nul(mut name: Vec<u8>) -> Vec<u8> {
    while name.last() == Some(&0) {
        name.pop();
    }
    name
}

fn unreadable(e: &io::Error) -> PypiError {
    PypiError::InvalidArchive(format!("not a readable .tar.gz: {e}"))
}

/// Counts decompressed bytes; past `remaining` every read fails and `exceeded` is set.
struct Counted<R> {
    inner: R,
    remaining: u64,
    exceeded: bool,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            // Ending exactly at the limit is fine; one more byte is not.
            if self.inner.read(&mut [0u8])? == 0 {
                return Ok(0);
            }
            self.exceeded = true;
            return Err(io::Error::other("decompressed size limit reached"));
        }
        let max = buf.len().min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}
