//! Reading advisories from disk: a directory tree of `*.json` records or an OSV `all.zip` dump.
//!
//! Records are read and parsed one at a time, so memory stays at one record whatever the archive's
//! size (npm's dump is ~200 MB). Archives are untrusted: entries with absolute or `..` paths are
//! refused, and no entry is decompressed past [`MAX_RECORD_BYTES`] whatever its header claims (a zip
//! bomb stops there). A bad record yields an `Err` item and iteration goes on, so one malformed
//! advisory does not block an import.

use crate::model::MAX_RECORD_BYTES;
use crate::{Advisory, OsvError, parse_advisory};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

/// The advisories of a directory tree or `.zip` file, one record at a time.
pub fn read_advisories(path: &Path) -> Result<Advisories, OsvError> {
    let meta = std::fs::metadata(path).map_err(|e| OsvError::io(path, e))?;
    if meta.is_dir() {
        return Ok(Advisories(Source::Dir { stack: vec![path.to_path_buf()], files: Vec::new() }));
    }
    if meta.is_file() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
        let file = File::open(path).map_err(|e| OsvError::io(path, e))?;
        let archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| OsvError::Zip(e.to_string()))?;
        return Ok(Advisories(Source::Zip { archive: Box::new(archive), next: 0 }));
    }
    Err(OsvError::UnsupportedPath(path.to_path_buf()))
}

/// Iterator over the records of an archive or directory (see [`read_advisories`]).
pub struct Advisories(Source);

impl std::fmt::Debug for Advisories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Advisories")
    }
}

enum Source {
    /// Directories still to list, and files of listed directories still to read (popped from the end).
    Dir {
        stack: Vec<PathBuf>,
        files: Vec<PathBuf>,
    },
    Zip {
        archive: Box<zip::ZipArchive<BufReader<File>>>,
        next: usize,
    },
}

impl Iterator for Advisories {
    type Item = Result<Advisory, OsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            Source::Dir { stack, files } => next_in_dir(stack, files),
            Source::Zip { archive, next } => next_in_zip(archive, next),
        }
    }
}

fn next_in_dir(stack: &mut Vec<PathBuf>, files: &mut Vec<PathBuf>) -> Option<Result<Advisory, OsvError>> {
    loop {
        if let Some(file) = files.pop() {
            return Some(read_file(&file));
        }
        let dir = stack.pop()?;
        if let Err(e) = list_dir(&dir, stack, files) {
            return Some(Err(e));
        }
    }
}

/// Adds `dir`'s subdirectories to `stack` and its `*.json` files to `files`, in reverse name order so
/// popping yields them sorted. Symlinks are not followed (no cycles, nothing outside the tree).
fn list_dir(dir: &Path, stack: &mut Vec<PathBuf>, files: &mut Vec<PathBuf>) -> Result<(), OsvError> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| OsvError::io(dir, e))? {
        let entry = entry.map_err(|e| OsvError::io(dir, e))?;
        let kind = entry.file_type().map_err(|e| OsvError::io(entry.path(), e))?;
        entries.push((entry.path(), kind));
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0));
    for (path, kind) in entries {
        if kind.is_dir() {
            stack.push(path);
        } else if kind.is_file() && is_json(&path) {
            files.push(path);
        }
    }
    Ok(())
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn read_file(path: &Path) -> Result<Advisory, OsvError> {
    let file = File::open(path).map_err(|e| OsvError::io(path, e))?;
    let bytes = read_capped(file).map_err(|e| match e {
        ReadError::Io(e) => OsvError::io(path, e),
        ReadError::TooLarge(size) => OsvError::TooLarge { size, limit: MAX_RECORD_BYTES },
    })?;
    parse_advisory(&bytes)
}

fn next_in_zip(archive: &mut zip::ZipArchive<BufReader<File>>, next: &mut usize) -> Option<Result<Advisory, OsvError>> {
    while *next < archive.len() {
        let index = *next;
        *next += 1;
        let entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(e) => return Some(Err(OsvError::Zip(e.to_string()))),
        };
        let name = match entry.name() {
            Ok(name) => name.into_owned(),
            Err(e) => return Some(Err(OsvError::Zip(e.to_string()))),
        };
        if entry.is_dir() || !is_json(Path::new(&name)) {
            continue;
        }
        if !is_safe_entry_name(&name) {
            return Some(Err(OsvError::UnsafeEntry { name, reason: "absolute path or parent component" }));
        }
        if entry.size() > MAX_RECORD_BYTES {
            return Some(Err(OsvError::TooLarge { size: entry.size(), limit: MAX_RECORD_BYTES }));
        }
        let bytes = read_capped(entry).map_err(|e| match e {
            ReadError::Io(e) => OsvError::Zip(format!("{name}: {e}")),
            ReadError::TooLarge(size) => OsvError::TooLarge { size, limit: MAX_RECORD_BYTES },
        });
        return Some(bytes.and_then(|b| parse_advisory(&b)));
    }
    None
}

/// A relative path made only of normal components (no `..`, no root, no drive prefix).
fn is_safe_entry_name(name: &str) -> bool {
    !name.contains('\\') && Path::new(name).components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

enum ReadError {
    Io(std::io::Error),
    TooLarge(u64),
}

/// Reads at most [`MAX_RECORD_BYTES`] (+1 to detect overflow), whatever the source claims its size is.
fn read_capped(reader: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader.take(MAX_RECORD_BYTES + 1).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > MAX_RECORD_BYTES {
        return Err(ReadError::TooLarge(size));
    }
    Ok(bytes)
}
