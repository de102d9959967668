//! One integration test binary for the crate (linking is the slow part on small machines).

mod archives;
mod attestations;
mod filename;
mod metadata;
mod properties;
mod simple;
mod upload;

use arca_pypi::{DistFilename, Limits, PypiError, extract_metadata};
use std::io::{Cursor, Write};

pub const WHEEL: &str = "arca_demo-1.0.post1-py3-none-any.whl";
pub const SDIST: &str = "arca_demo-1.0.post1.tar.gz";
pub const SDIST_ZIP: &str = "arca_demo-1.0.post1.zip";

/// Reads `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `extract_metadata` of `bytes` uploaded as `filename`, with the default limits.
pub fn extract(filename: &str, bytes: &[u8]) -> Result<Vec<u8>, PypiError> {
    extract_with(filename, bytes, &Limits::default())
}

pub fn extract_with(filename: &str, bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, PypiError> {
    let file = DistFilename::parse(filename).expect("test filenames are valid");
    extract_metadata(&file, Cursor::new(bytes), limits)
}

/// A deflated zip of `(path, content)` entries.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (path, content) in entries {
        zip.start_file(*path, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A gzipped tar written by `build` (GNU headers: long paths get GNU long-name entries).
pub fn tar_gz(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    build(&mut builder);
    gzip(&builder.into_inner().unwrap())
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Appends a regular file.
pub fn add_file(tar: &mut tar::Builder<Vec<u8>>, path: &str, content: &[u8]) {
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    tar.append_data(&mut header, path, content).unwrap();
}

/// A minimal PKG-INFO naming `arca_demo 1.0.post1`.
pub const PKG_INFO: &[u8] = b"Metadata-Version: 2.1\nName: arca_demo\nVersion: 1.0.post1\n";
