//! `arca_maven::MavenPath::parse` on arbitrary request paths: never panics; a refusal is one line
//! of printable ASCII; what parses is canonical (its rendered path parses back equal, has no
//! empty, `.`, `..`, `%` or `\` segment and is at most `MAX_PATH_LEN` bytes); an artifact file's
//! name is `<artifactId>-<version>…` inside `<baseVersion>/`, its version belongs to that
//! directory, and `ArtifactFile::new` rebuilds it from its parts; every metadata reading renders a
//! path that parses back to a metadata path offering that reading.
//! Input: the path (percent-encoded, below the repository root).
#![no_main]

use arca_maven::{ArtifactFile, MAX_PATH_LEN, MavenPath, base_version};
use libfuzzer_sys::fuzz_target;

fn check_file(file: &ArtifactFile) {
    assert!(file.file_name().starts_with(&format!("{}-{}", file.artifact_id(), file.version())));
    assert_eq!(base_version(file.version()), file.base_version());
    if let Some(t) = file.timestamped() {
        assert_eq!(t.base_version(), file.base_version());
        assert_eq!(t.to_string(), file.version());
    }
    let rebuilt = ArtifactFile::new(file.package(), file.version(), file.classifier(), file.extension())
        .expect("a parsed file's parts rebuild it");
    assert_eq!(rebuilt, file.with_sidecar(None));
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let parsed = match MavenPath::parse(raw) {
        Ok(parsed) => parsed,
        Err(e) => {
            assert!(e.to_string().bytes().all(|b| (b' '..=b'~').contains(&b)), "{e}");
            return;
        }
    };
    let canonical = parsed.path();
    assert!(canonical.len() <= MAX_PATH_LEN, "{canonical}");
    assert!(!canonical.split('/').any(|s| s.is_empty() || s == "." || s == ".." || s.contains(['%', '\\'])));
    assert_eq!(MavenPath::parse(&canonical).as_ref(), Ok(&parsed), "{canonical}");
    match &parsed {
        MavenPath::File(file) => check_file(file),
        MavenPath::Metadata(metadata) => {
            let scopes = metadata.scopes();
            assert!(!scopes.is_empty());
            for scope in scopes {
                match MavenPath::parse(&scope.path(metadata.checksum())) {
                    Ok(MavenPath::Metadata(again)) => assert!(again.scopes().contains(&scope), "{scope:?}"),
                    other => panic!("{scope:?} renders to {other:?}"),
                }
            }
        }
    }
});
