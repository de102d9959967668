//! Builders shared by the tests: tar archives written by hand (so that hostile ones can be made),
//! gzip, fixtures.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A ustar header block for `path` (at most 100 bytes) of `size` bytes and type `flag`.
pub fn header(path: &str, size: u64, flag: u8) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..path.len()].copy_from_slice(path.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = flag;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

/// An entry: header, data, padding.
pub fn entry(path: &str, data: &[u8], flag: u8) -> Vec<u8> {
    let mut out = header(path, data.len() as u64, flag).to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

/// A pax extended header setting `path`.
pub fn pax_path(path: &str) -> Vec<u8> {
    let body = |len: usize| format!("{len} path={path}\n");
    let mut len = body(0).len();
    while body(len).len() != len {
        len = body(len).len();
    }
    entry("PaxHeader", body(len).as_bytes(), b'x')
}

/// A gzip-compressed archive of `entries`, with the two end blocks.
pub fn tgz(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut tar: Vec<u8> = entries.concat();
    tar.extend_from_slice(&[0u8; 1024]);
    gzip(&tar)
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes).expect("in memory");
    gz.finish().expect("in memory")
}
