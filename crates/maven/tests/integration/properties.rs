//! Property tests: paths round-trip and never panic, generated metadata reads back to itself,
//! timestamps round-trip, readers of client input never panic.

use arca_maven::{
    ArtifactFile, ChecksumAlgorithm, ChecksumHasher, MavenPath, Metadata, Pom, Sidecar, SnapshotFile, Timestamp,
    TimestampedVersion, artifact_metadata, is_snapshot, parse_checksum_file, snapshot_metadata,
};
use arca_types::{Ecosystem, PackageId, VersionScheme};
use proptest::prelude::*;

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800_000).prop_map(Timestamp::from_unix_millis)
}

fn release_version() -> impl Strategy<Value = String> {
    ("[0-9]{1,3}(\\.[0-9]{1,3}){0,2}", proptest::option::of("(alpha|beta|rc|sp|ga|jre|[a-z]{1,5})(-?[0-9]{1,2})?"))
        .prop_map(|(n, q)| q.map_or_else(|| n.clone(), |q| format!("{n}-{q}")))
}

/// `(base version, file version)`: a release, a plain snapshot or a timestamped one.
fn versions() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        release_version().prop_map(|v| (v.clone(), v)),
        release_version().prop_map(|v| (format!("{v}-SNAPSHOT"), format!("{v}-SNAPSHOT"))),
        (release_version(), timestamp(), 1u32..5000).prop_map(|(v, t, n)| {
            let base = format!("{v}-SNAPSHOT");
            let timestamped = TimestampedVersion::new(&base, t, n).unwrap().to_string();
            (base, timestamped)
        }),
    ]
}

fn sidecar() -> impl Strategy<Value = Option<Sidecar>> {
    let algorithm = proptest::sample::select(ChecksumAlgorithm::ALL.to_vec());
    prop_oneof![
        Just(None),
        Just(Some(Sidecar::Signature)),
        algorithm.clone().prop_map(|a| Some(Sidecar::Checksum(a))),
        algorithm.prop_map(|a| Some(Sidecar::SignatureChecksum(a))),
    ]
}

prop_compose! {
    fn artifact_path()(
        group in proptest::collection::vec("[a-z][a-z0-9_-]{0,8}", 1..5),
        artifact in "[a-z][a-z0-9.-]{0,12}",
        (base, version) in versions(),
        classifier in proptest::option::of("[a-z][a-z0-9_-]{0,8}"),
        extension in "[a-z][a-z0-9]{0,4}(\\.[a-z][a-z0-9]{0,2})?",
        sidecar in sidecar(),
    ) -> (String, String, String, String, Option<String>, String, Option<Sidecar>) {
        let suffix = sidecar.map(Sidecar::suffix).unwrap_or_default();
        let c = classifier.as_ref().map(|c| format!("-{c}")).unwrap_or_default();
        let path = format!("{}/{artifact}/{base}/{artifact}-{version}{c}.{extension}{suffix}", group.join("/"));
        (path, group.join("."), artifact, version, classifier, extension, sidecar)
    }
}

/// Path-like strings from the characters that matter: separators, dots, dashes, escapes.
fn path_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("/"),
            Just("."),
            Just(".."),
            Just("-"),
            Just("%2e"),
            Just("%2F"),
            Just("%"),
            Just("\\"),
            Just("a"),
            Just("1.0"),
            Just("SNAPSHOT"),
            Just("-SNAPSHOT"),
            Just("20260101.000000-1"),
            Just(".jar"),
            Just(".sha1"),
            Just(".asc"),
            Just("maven-metadata.xml"),
            Just("g"),
            Just("é"),
            Just("\u{0}")
        ],
        0..16,
    )
    .prop_map(|parts| parts.concat())
}

fn maven(name: &str) -> PackageId {
    PackageId::parse(Ecosystem::Maven, name).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn artifact_paths_round_trip((path, group, artifact, version, classifier, extension, sidecar) in artifact_path()) {
        let file = match MavenPath::parse(&path) {
            Ok(MavenPath::File(f)) => f,
            other => return Err(TestCaseError::fail(format!("{path}: {other:?}"))),
        };
        prop_assert_eq!(file.path(), path.clone());
        prop_assert_eq!((file.group_id(), file.artifact_id(), file.version()), (group.as_str(), artifact.as_str(), version.as_str()));
        prop_assert_eq!((file.classifier(), file.extension(), file.sidecar()), (classifier.as_deref(), extension.as_str(), sidecar));
        prop_assert_eq!(file.timestamped().is_some(), TimestampedVersion::parse(&version).is_some());
        let rebuilt = ArtifactFile::new(file.package(), &version, classifier.as_deref(), &extension).unwrap();
        prop_assert_eq!(rebuilt, file.with_sidecar(None));
    }

    #[test]
    fn any_string_parses_or_is_refused_and_what_parses_is_canonical(raw in prop_oneof![any::<String>(), path_like()]) {
        if let Ok(parsed) = MavenPath::parse(&raw) {
            let canonical = parsed.path();
            prop_assert_eq!(MavenPath::parse(&canonical).unwrap(), parsed);
            prop_assert!(!canonical.split('/').any(|s| s.is_empty() || s == "." || s == ".."));
        }
    }

    #[test]
    fn generated_artifact_metadata_reads_back(versions in proptest::collection::vec(versions(), 0..30), at in timestamp()) {
        let stored: Vec<&str> = versions.iter().map(|(_, v)| v.as_str()).collect();
        let generated = artifact_metadata(&maven("org.example:demo"), stored, at);
        prop_assert_eq!(Metadata::parse(generated.to_xml().as_bytes()).unwrap(), generated.clone());
        let listed = generated.versions();
        prop_assert!(listed.windows(2).all(|w| VersionScheme::Maven.compare(&w[0], &w[1]).is_lt()), "{:?}", listed);
        let versioning = generated.versioning.clone().unwrap();
        prop_assert_eq!(versioning.latest.as_ref(), listed.last());
        prop_assert!(versioning.release.iter().all(|r| !is_snapshot(r)));
        let bases: std::collections::BTreeSet<&str> = versions.iter().map(|(b, _)| b.as_str()).collect();
        prop_assert_eq!(listed.len(), bases.len());
    }

    #[test]
    fn generated_snapshot_metadata_reads_back(
        builds in proptest::collection::vec((timestamp(), 1u32..100, proptest::option::of("[a-z]{1,6}"), "(jar|pom|module|tar\\.gz)"), 1..12),
        at in timestamp(),
    ) {
        let files: Vec<SnapshotFile> = builds.iter().map(|(t, n, classifier, extension)| SnapshotFile {
            version: TimestampedVersion::new("1.0-SNAPSHOT", *t, *n).unwrap().to_string(),
            classifier: classifier.clone(),
            extension: extension.clone(),
            uploaded: at,
        }).collect();
        let generated = snapshot_metadata(&maven("org.example:demo"), "1.0-SNAPSHOT", &files, at).unwrap();
        prop_assert_eq!(Metadata::parse(generated.to_xml().as_bytes()).unwrap(), generated.clone());
        let newest = files.iter().map(|f| TimestampedVersion::parse(&f.version).unwrap())
            .max_by_key(|t| (t.timestamp(), t.build_number())).unwrap();
        let snapshot = generated.versioning.unwrap().snapshot.unwrap();
        prop_assert_eq!(snapshot.timestamp, Some(newest.timestamp().dotted()));
        prop_assert_eq!(snapshot.build_number, newest.build_number());
    }

    #[test]
    fn timestamps_round_trip(millis in any::<i64>()) {
        let t = Timestamp::from_unix_millis(millis);
        prop_assert_eq!(Timestamp::parse_dotted(&t.dotted()).unwrap(), t);
        prop_assert_eq!(Timestamp::parse_compact(&t.compact()).unwrap(), t);
        prop_assert_eq!(t.dotted().len(), 15);
    }

    #[test]
    fn hashing_in_chunks_is_hashing_whole(data in proptest::collection::vec(any::<u8>(), 0..3000), cut in 1usize..700) {
        let mut hasher = ChecksumHasher::new();
        for chunk in data.chunks(cut) {
            hasher.update(chunk);
        }
        let sums = hasher.finish();
        prop_assert_eq!(&sums, &ChecksumHasher::of(&data));
        for a in ChecksumAlgorithm::ALL {
            prop_assert_eq!(parse_checksum_file(a, sums.get(a).as_bytes()).unwrap(), sums.get(a));
        }
    }

    #[test]
    fn readers_of_client_input_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), text in "[<>/a-z&;#!\\[\\]\"'= ?x0-9-]{0,200}") {
        for input in [bytes.as_slice(), text.as_bytes()] {
            let _ = Pom::parse(input);
            let _ = Metadata::parse(input);
            let _ = arca_maven::PluginDescriptor::parse(input);
            for a in ChecksumAlgorithm::ALL {
                let _ = parse_checksum_file(a, input);
            }
            if let Ok(s) = std::str::from_utf8(input) {
                let _ = Timestamp::parse_dotted(s);
                let _ = Timestamp::parse_compact(s);
                let _ = TimestampedVersion::parse(s);
            }
        }
    }
}
