//! arca-maven's readers of client documents on arbitrary bytes: `Pom::parse` (+ `coordinates`,
//! `plugin_entry`, `check_against` the path the POM names), `Metadata::parse` (+ `to_xml`),
//! `PluginDescriptor::parse`, `parse_checksum_file`. Never panics; refusals are one line of
//! printable ASCII; a POM whose coordinates resolve to a valid path agrees with that path;
//! metadata written and read back is stable after one round (the first may trim, normalise line
//! ends and drop control characters) and differs from itself in nothing.
//! Input: 1 selector byte (0 POM, 1 metadata, 2 plugin descriptor, 3 checksum file), then the bytes.
#![no_main]

use arca_maven::{ArtifactFile, ChecksumAlgorithm, MavenError, Metadata, PluginDescriptor, Pom, parse_checksum_file};
use arca_types::{Ecosystem, PackageId};
use libfuzzer_sys::fuzz_target;

fn one_line<T>(result: Result<T, MavenError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            assert!(e.to_string().bytes().all(|b| (b' '..=b'~').contains(&b)), "{e}");
            None
        }
    }
}

fn check_pom(bytes: &[u8]) {
    let Some(pom) = one_line(Pom::parse(bytes)) else { return };
    let _ = pom.plugin_entry();
    let Some((group, artifact, version)) = one_line(pom.coordinates()) else { return };
    let Ok(package) = PackageId::parse(Ecosystem::Maven, &format!("{group}:{artifact}")) else { return };
    if let Ok(file) = ArtifactFile::new(&package, &version, None, "pom") {
        pom.check_against(&file).expect("a POM agrees with the path its own coordinates make");
    }
}

fn check_metadata(bytes: &[u8]) {
    let Some(metadata) = one_line(Metadata::parse(bytes)) else { return };
    assert!(metadata.differences(&metadata).is_empty());
    let once = Metadata::parse(metadata.to_xml().as_bytes()).expect("written metadata reads back");
    let twice = Metadata::parse(once.to_xml().as_bytes()).expect("written metadata reads back");
    assert_eq!(once, twice);
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    match selector % 4 {
        0 => check_pom(bytes),
        1 => check_metadata(bytes),
        2 => {
            if let Some(descriptor) = one_line(PluginDescriptor::parse(bytes)) {
                assert!(!descriptor.plugin_entry().prefix.is_empty());
            }
        }
        _ => {
            for algorithm in ChecksumAlgorithm::ALL {
                if let Some(hex) = one_line(parse_checksum_file(algorithm, bytes)) {
                    assert_eq!(hex.len(), algorithm.hex_len());
                    assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
                }
            }
        }
    }
});
