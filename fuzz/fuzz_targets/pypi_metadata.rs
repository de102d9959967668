//! `arca_pypi::CoreMetadata::parse` (METADATA / PKG-INFO headers) and `check_agrees`: never
//! panic; what parses has non-empty, trimmed `Metadata-Version`, `Name` and `Version`, and
//! agrees with a filename built from its own name and (normalized) version whenever those are
//! valid.
//! Refusals are one line of printable ASCII.
//! Input: the file's bytes.
#![no_main]

use arca_pypi::{CoreMetadata, DistFilename, check_agrees};
use arca_types::Pep440;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let meta = match CoreMetadata::parse(data) {
        Ok(meta) => meta,
        Err(e) => {
            assert!(e.to_string().bytes().all(|b| (b' '..=b'~').contains(&b)), "{e}");
            return;
        }
    };
    for field in [&meta.metadata_version, &meta.name, &meta.version] {
        assert!(!field.is_empty() && field.trim() == field.as_str(), "{field:?}");
    }
    // The normalized version has no `-`, so the sdist's name splits back at the right dash.
    if let Ok(version) = Pep440::parse(&meta.version)
        && let Ok(file) = DistFilename::parse(&format!("{}-{version}.tar.gz", meta.name))
    {
        check_agrees(&file, &meta).expect("metadata agrees with a filename made of its own name and version");
    }
});
