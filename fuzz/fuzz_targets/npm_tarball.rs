//! `arca_npm::inspect_tarball` on arbitrary archives: never panics, stays within its limits.
//! Input: a gzip stream as is; anything else is gzip-compressed first, so that the fuzzer explores
//! the tar structure rather than the gzip header.
#![no_main]

use arca_npm::{TarballLimits, inspect_tarball};
use flate2::Compression;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

const LIMITS: TarballLimits = TarballLimits { max_package_json: 1 << 14, max_entries: 1000, max_unpacked: 1 << 20 };

fuzz_target!(|data: &[u8]| {
    let gz = if data.starts_with(&[0x1f, 0x8b]) {
        data.to_vec()
    } else {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(data).expect("in memory");
        enc.finish().expect("in memory")
    };
    if let Ok(info) = inspect_tarball(&gz[..], &LIMITS) {
        assert!(info.file_count <= LIMITS.max_entries);
        assert!(info.unpacked_size <= LIMITS.max_unpacked);
        assert!(info.package_json.is_object());
    }
});
