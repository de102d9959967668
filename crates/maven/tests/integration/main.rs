//! arca-maven's integration tests: one binary, one module per area. Fixtures are real: what
//! `mvn deploy` PUT (tests/fixtures/deploy, see tests/fixtures/README.md), POMs from Debian's
//! Maven repository and from published jars, plugin descriptors.

mod checksums;
mod deploy;
mod hostile;
mod metadata;
mod paths;
mod poms;
mod properties;

use arca_maven::{ArtifactFile, MavenPath, MetadataPath};

/// Reads `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).expect("fixtures are UTF-8")
}

/// `path` parsed as an artifact file, or a panic saying why not.
pub fn file(path: &str) -> ArtifactFile {
    match MavenPath::parse(path) {
        Ok(MavenPath::File(file)) => file,
        other => panic!("{path}: {other:?}"),
    }
}

/// `path` parsed as a metadata path, or a panic saying why not.
pub fn metadata_path(path: &str) -> MetadataPath {
    match MavenPath::parse(path) {
        Ok(MavenPath::Metadata(m)) => m,
        other => panic!("{path}: {other:?}"),
    }
}
