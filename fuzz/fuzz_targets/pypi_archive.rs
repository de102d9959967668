//! `arca_pypi::extract_metadata` on arbitrary archives: never panics, never returns more than
//! `max_metadata_bytes`; refusals are one line of printable ASCII. Small limits, so bombs and
//! long scans hit them quickly.
//! Input: 1 selector byte (0 wheel, 1 `.tar.gz` sdist, 2 `.zip` sdist), then the archive.
#![no_main]

use arca_pypi::{DistFilename, Limits, extract_metadata};
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;

const NAMES: [&str; 3] = ["arca_demo-1.0.post1-py3-none-any.whl", "arca_demo-1.0.post1.tar.gz", "arca_demo-1.0.post1.zip"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, archive)) = data.split_first() else { return };
    let file = DistFilename::parse(NAMES[usize::from(selector) % NAMES.len()]).unwrap();
    let limits = Limits { max_metadata_bytes: 64 * 1024, max_archive_entries: 1000, max_scanned_bytes: 4 * 1024 * 1024 };
    match extract_metadata(&file, Cursor::new(archive), &limits) {
        Ok(metadata) => assert!(metadata.len() as u64 <= limits.max_metadata_bytes),
        Err(e) => assert!(e.to_string().bytes().all(|b| (b' '..=b'~').contains(&b)), "{e}"),
    }
});
