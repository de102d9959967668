//! `arca_cargo::inspect_crate` on arbitrary archives: never panics, stays within its limits, and
//! what it accepts is a package whose every file sat under `<name>-<vers>/`.
//! Input: a first line `<name> <vers>` (what the publish metadata names), then a gzip stream as is;
//! anything else is gzip-compressed first, so that the fuzzer explores the tar structure rather
//! than the gzip header.
#![no_main]

use arca_cargo::{CrateLimits, inspect_crate};
use flate2::Compression;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

const LIMITS: CrateLimits = CrateLimits { max_entries: 1000, max_unpacked: 1 << 20, max_manifest: 1 << 14 };

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (first, rest) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let first = String::from_utf8_lossy(first);
    let (name, vers) = first.split_once(' ').unwrap_or(("demo", "1.0.0"));
    let gz = if rest.starts_with(&[0x1f, 0x8b]) {
        rest.to_vec()
    } else {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(rest).expect("in memory");
        enc.finish().expect("in memory")
    };
    if let Ok(info) = inspect_crate(&gz[..], name, vers, &LIMITS) {
        assert!(info.file_count <= LIMITS.max_entries);
        assert!(info.unpacked_size <= LIMITS.max_unpacked);
        assert!(info.manifest.len() as u64 <= LIMITS.max_manifest);
        assert!(info.file_count >= 1, "Cargo.toml at least");
    }
});
