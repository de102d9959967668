//! arca-cargo's integration tests: one binary, one module per area. Fixtures are what cargo 1.95
//! sent to a throwaway registry (`tests/fixtures/README.md`).

mod api;
mod crate_file;
mod index;
mod index_props;
mod metadata;
mod publish;
mod publish_props;

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;

/// The publish body of `arca_demo` 0.3.0: renamed, target-specific, dev and build dependencies,
/// one from this registry, `dep:` and `?/` features, `links`, `rust-version`, a readme.
pub const DEMO_BODY: &str = "publish-arca_demo-0.3.0.bin";
pub const DEMO_CRATE: &str = "arca_demo-0.3.0.crate";
/// The publish body of `Arca-Min` 0.1.0+build.5: nothing but a name and a version.
pub const MIN_BODY: &str = "publish-Arca-Min-0.1.0+build.5.bin";
pub const MIN_CRATE: &str = "Arca-Min-0.1.0+build.5.crate";
/// SHA-256 of the two `.crate` files (`sha256sum`).
pub const DEMO_CKSUM: &str = "99a0bef3db319a7ce3e4435b1fc153fa1a8cb694f64852f7595f635ebae48a3c";
pub const MIN_CKSUM: &str = "27e71fd3881499b48aab0f85137d68f7cea672c42691e87e81da4e70c416e593";

/// Reads `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A GNU header block, as cargo writes them, for `path` (at most 100 bytes) of `size` bytes and
/// type `flag`; `link` is the link target.
pub fn header(path: &str, size: u64, flag: u8, link: &str) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..path.len()].copy_from_slice(path.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = flag;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..265].copy_from_slice(b"ustar  \0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

/// A regular file entry: header, data, padding.
pub fn file(path: &str, data: &[u8]) -> Vec<u8> {
    entry(path, data, b'0', "")
}

pub fn entry(path: &str, data: &[u8], flag: u8, link: &str) -> Vec<u8> {
    let mut out = header(path, data.len() as u64, flag, link).to_vec();
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
    entry("PaxHeader", body(len).as_bytes(), b'x', "")
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

/// The smallest normalized manifest naming `name` `version`.
pub fn manifest(name: &str, version: &str) -> Vec<u8> {
    format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n").into_bytes()
}

/// Splits a publish body into its metadata JSON and `.crate` bytes (trusting the lengths).
pub fn split_body(body: &[u8]) -> (&[u8], &[u8]) {
    let json_len = u32::from_le_bytes(body[..4].try_into().unwrap()) as usize;
    let json = &body[4..4 + json_len];
    (json, &body[8 + json_len..])
}
