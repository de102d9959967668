//! Request paths: every kind a Maven or Gradle client uses, the ambiguities, every refusal.

use crate::{file, metadata_path};
use arca_maven::{ChecksumAlgorithm, ErrorKind, MavenPath, MetadataScope, Redeploy, Sidecar};
use arca_types::{Ecosystem, PackageId};

fn maven(name: &str) -> PackageId {
    PackageId::parse(Ecosystem::Maven, name).unwrap()
}

fn refused(path: &str) -> ErrorKind {
    match MavenPath::parse(path) {
        Ok(p) => panic!("{path} parsed as {p:?}"),
        Err(e) => {
            assert!(e.to_string().bytes().all(|b| (b' '..=b'~').contains(&b)), "{e}");
            e.kind()
        }
    }
}

#[test]
fn release_files_and_their_sidecars() {
    let jar = file("org/example/tb/tb-demo/0.1.0/tb-demo-0.1.0.jar");
    assert_eq!((jar.group_id(), jar.artifact_id(), jar.version()), ("org.example.tb", "tb-demo", "0.1.0"));
    assert_eq!(jar.package(), &maven("org.example.tb:tb-demo"));
    assert_eq!((jar.classifier(), jar.extension(), jar.sidecar()), (None, "jar", None));
    assert_eq!(jar.redeploy(), Redeploy::Release);
    assert!(!jar.is_snapshot() && jar.timestamped().is_none());

    let sources = file("org/example/tb/tb-demo/0.1.0/tb-demo-0.1.0-sources.jar.sha1");
    assert_eq!(sources.classifier(), Some("sources"));
    assert_eq!(sources.sidecar(), Some(Sidecar::Checksum(ChecksumAlgorithm::Sha1)));
    assert_eq!(sources.with_sidecar(None).file_name(), "tb-demo-0.1.0-sources.jar");
    assert_eq!(sources.listed_extension(), None);

    let signature = file("g/a/1.0/a-1.0.pom.asc");
    assert_eq!((signature.extension(), signature.sidecar()), ("pom", Some(Sidecar::Signature)));
    assert_eq!(signature.listed_extension().as_deref(), Some("pom.asc"));
    let gradle = file("g/a/1.0/a-1.0.jar.asc.sha512");
    assert_eq!(gradle.sidecar(), Some(Sidecar::SignatureChecksum(ChecksumAlgorithm::Sha512)));
    assert_eq!(MavenPath::File(gradle).checksum(), Some(ChecksumAlgorithm::Sha512));
    for algorithm in ChecksumAlgorithm::ALL {
        let f = file(&format!("g/a/1.0/a-1.0.module.{}", algorithm.extension()));
        assert_eq!((f.extension(), f.sidecar()), ("module", Some(Sidecar::Checksum(algorithm))));
    }
}

#[test]
fn compound_extensions_and_classifiers() {
    let tgz = file("org/example/tb/raw-blob/1.1/raw-blob-1.1-linux-x86_64.tar.gz");
    assert_eq!((tgz.classifier(), tgz.extension()), (Some("linux-x86_64"), "tar.gz"));
    let plain = file("g/a/1.0/a-1.0.tar.gz.md5");
    assert_eq!((plain.classifier(), plain.extension()), (None, "tar.gz"));
    assert_eq!(file("g/a/1.0/a-1.0.7z").extension(), "7z");
    assert_eq!(file("g/a/1.0/a-1.0-1.jar").classifier(), Some("1"), "a classifier may be a number");
}

#[test]
fn the_directory_decides_where_the_version_ends() {
    // Dashes in the artifactId and in the version: the directories say where each ends.
    let f = file("io/grpc/protoc-gen-grpc-java/1.0.0-rc-1/protoc-gen-grpc-java-1.0.0-rc-1-linux-x86_64.exe");
    assert_eq!((f.artifact_id(), f.version()), ("protoc-gen-grpc-java", "1.0.0-rc-1"));
    assert_eq!((f.classifier(), f.extension()), (Some("linux-x86_64"), "exe"));
    let dotted = file("org/eclipse/sisu/org.eclipse.sisu.plexus/0.3.5/org.eclipse.sisu.plexus-0.3.5.jar");
    assert_eq!(dotted.artifact_id(), "org.eclipse.sisu.plexus");
    // The same name under another version directory is another file, or no file at all.
    assert_eq!(file("g/a/1.0-sources/a-1.0-sources.jar").classifier(), None);
    assert_eq!(refused("g/a/1.0/a-1.0.1.jar"), ErrorKind::Mismatch);
    assert_eq!(refused("g/a/1.0/a-1.1.jar"), ErrorKind::Mismatch);
    assert_eq!(refused("g/a/1.0/b-1.0.jar"), ErrorKind::Mismatch);
    assert_eq!(refused("g/a/1.0/a-1.0"), ErrorKind::NotFound);
}

#[test]
fn timestamped_and_plain_snapshot_files() {
    let f = file("org/example/tb/tb-demo/0.2.0-SNAPSHOT/tb-demo-0.2.0-20261130.035510-2-sources.jar.md5");
    assert_eq!((f.base_version(), f.version()), ("0.2.0-SNAPSHOT", "0.2.0-20261130.035510-2"));
    let t = f.timestamped().unwrap();
    assert_eq!((t.timestamp().dotted().as_str(), t.build_number()), ("20261130.035510", 2));
    assert_eq!((f.classifier(), f.extension()), (Some("sources"), "jar"));
    assert_eq!(f.redeploy(), Redeploy::Snapshot);

    let plain = file("g/a/1.0-SNAPSHOT/a-1.0-SNAPSHOT-sources.jar");
    assert_eq!((plain.version(), plain.classifier(), plain.timestamped()), ("1.0-SNAPSHOT", Some("sources"), None));
    assert_eq!(file("g/a/1.0-SNAPSHOT/a-1.0-SNAPSHOT.pom").extension(), "pom");
    let dashed = file("g/a/1.0-rc-1-SNAPSHOT/a-1.0-rc-1-20260101.000000-10.jar");
    assert_eq!(dashed.timestamped().unwrap().build_number(), 10);
}

#[test]
fn snapshot_directories_must_match_their_files() {
    for path in [
        "g/a/1.0-SNAPSHOT/a-1.0.jar",
        "g/a/1.0-SNAPSHOT/a-1.1-SNAPSHOT.jar",
        "g/a/1.0-SNAPSHOT/a-1.1-20260101.000000-1.jar",
        "g/a/1.0-SNAPSHOT/a-1.0-20260101.000000-01.jar",
        "g/a/1.0-SNAPSHOT/a-1.0-20260132.000000-1.jar",
        "g/a/1.0-SNAPSHOT/a-1.0-20260101.000000-x.jar",
        "g/a/1.0-SNAPSHOT/a-1.0-20260101-000000-1.jar",
        "g/a/1.0/a-1.0-20260101.000000-1.jar",
        "g/a/1.0-20260101.000000-1/a-1.0-20260101.000000-1.jar",
    ] {
        assert!(matches!(refused(path), ErrorKind::Mismatch), "{path}");
    }
    assert_eq!(refused("g/a/1.0-snapshot/a-1.0-snapshot.jar"), ErrorKind::NotFound);
    assert_eq!(refused("g/a/1.0SNAPSHOT/a-1.0SNAPSHOT.jar"), ErrorKind::NotFound);
}

#[test]
fn metadata_at_three_levels() {
    let snapshot = metadata_path("org/example/tb/tb-demo/0.2.0-SNAPSHOT/maven-metadata.xml");
    let tb = maven("org.example.tb:tb-demo");
    assert_eq!(
        snapshot.scopes(),
        [
            MetadataScope::Snapshot { package: tb.clone(), base_version: "0.2.0-SNAPSHOT".into() },
            MetadataScope::Artifact { package: maven("org.example.tb.tb-demo:0.2.0-SNAPSHOT") },
        ],
        "a group directory has no dots, so the group reading is out"
    );
    let artifact = metadata_path("org/example/tb/tb-demo/maven-metadata.xml.sha1");
    assert_eq!(artifact.checksum(), Some(ChecksumAlgorithm::Sha1));
    assert_eq!(
        artifact.scopes(),
        [
            MetadataScope::Artifact { package: tb.clone() },
            MetadataScope::Group { group_id: "org.example.tb.tb-demo".into() },
        ]
    );
    let group = metadata_path("org/apache/maven/plugins/maven-metadata.xml");
    assert_eq!(group.scopes().last(), Some(&MetadataScope::Group { group_id: "org.apache.maven.plugins".into() }));
    assert_eq!(metadata_path("org/maven-metadata.xml").scopes(), [MetadataScope::Group { group_id: "org".into() }]);
    assert_eq!(
        metadata_path("g/a.b/maven-metadata.xml").scopes(),
        [MetadataScope::Artifact { package: maven("g:a.b") }],
        "a dotted directory is an artifactId, never a group"
    );
    // Scopes render back to the path, with or without a checksum.
    assert_eq!(
        MetadataScope::Snapshot { package: tb.clone(), base_version: "0.2.0-SNAPSHOT".into() }
            .path(Some(ChecksumAlgorithm::Md5)),
        "org/example/tb/tb-demo/0.2.0-SNAPSHOT/maven-metadata.xml.md5"
    );
    assert_eq!(MetadataScope::Artifact { package: tb }.path(None), "org/example/tb/tb-demo/maven-metadata.xml");
    assert_eq!(artifact.with_checksum(None).path(), "org/example/tb/tb-demo/maven-metadata.xml");
    assert_eq!(MavenPath::Metadata(artifact).redeploy(), Redeploy::Metadata);
}

#[test]
fn metadata_refusals() {
    assert_eq!(refused("maven-metadata.xml"), ErrorKind::NotFound);
    assert_eq!(refused("g.x/maven-metadata.xml"), ErrorKind::NotFound);
    assert_eq!(refused("g/a/maven-metadata.xml.asc"), ErrorKind::NotFound);
    assert_eq!(refused("g/a/maven-metadata-local.xml"), ErrorKind::NotFound);
    assert_eq!(refused("g/a/maven-metadata.xml.sha3"), ErrorKind::NotFound);
}

#[test]
fn traversal_and_encoding_tricks_are_unsafe() {
    for path in [
        "../etc/passwd",
        "g/../a/1.0/a-1.0.jar",
        "g/./a/1.0/a-1.0.jar",
        "g//a/1.0/a-1.0.jar",
        "/g/a/1.0/a-1.0.jar",
        "g/a/1.0/..%2Fa-1.0.jar",
        "g/a/1.0/%2e%2e",
        "g/a/1.0/%2E%2e/a-1.0.jar",
        "g/a/1.0/a-1.0.jar%00.pom",
        "g\\a/1.0/a-1.0.jar",
        "g/a/1.0/a-1.0.jar%5C",
        "g/a/1.0/a-1.0.jar%0d%0aX:1",
        "g/a/1.0/%252e%252e/a-1.0.jar",
        "g/a/1.0/a-1.0%c0%ae.jar",
    ] {
        assert_eq!(refused(path), ErrorKind::UnsafePath, "{path}");
    }
}

#[test]
fn shapes_that_are_no_maven_file() {
    for path in [
        "",
        "g/a/1.0/",
        "a-1.0.jar",
        "a/1.0/a-1.0.jar",
        "g.x/a/1.0/a-1.0.jar",
        "g/a b/1.0/a b-1.0.jar",
        "g/.a/1.0/.a-1.0.jar",
        "g/a/1 0/a-1 0.jar",
        "g/a/1.0/a-1.0.",
        "g/a/1.0/a-1.0.jar.",
        "g/a/1.0/a-1.0..jar",
        "g/a/1.0/a-1.0-.jar",
        "g/a/1.0/a-1.0-sources",
        "g/a/1.0/a-1.0.jar.sha1.md5",
        "g/a/1.0/a-1.0.jar.asc.asc",
        "g/a/1.0/a-1.0.asc",
        "g/a/1.0/a-1.0-sources.x.jar%20",
        "g/a/%C3%A9/a-%C3%A9.jar",
        "g/a/1.0/a-1.0.j%C3%A1r",
    ] {
        assert_eq!(refused(path), ErrorKind::NotFound, "{path}");
    }
}

#[test]
fn limits() {
    let deep = format!("{}/a/1.0/a-1.0.jar", vec!["g"; 33].join("/"));
    assert_eq!(refused(&deep), ErrorKind::TooLarge);
    assert!(MavenPath::parse(&format!("{}/a/1.0/a-1.0.jar", vec!["g"; 32].join("/"))).is_ok());
    let long_artifact = "a".repeat(255);
    assert_eq!(refused(&format!("g/{long_artifact}/1.0/{long_artifact}-1.0.jar")), ErrorKind::TooLarge);
    assert_eq!(refused(&format!("g/a/1.0/a-1.0.{}", "x".repeat(300))), ErrorKind::TooLarge);
    assert_eq!(refused(&"g/".repeat(600)), ErrorKind::TooLarge);
}

#[test]
fn percent_encoded_paths_decode_to_the_same_file() {
    // `+build` after the directory's version is a longer version, not a classifier or extension.
    assert_eq!(refused("org/example/tb/tb-demo/0.1.0/tb-demo-0.1.0%2Bbuild.jar"), ErrorKind::Mismatch);
    let v = file("g/a/1.0%2Bbuild.5/a-1.0+build.5.jar");
    assert_eq!((v.version(), v.path().as_str()), ("1.0+build.5", "g/a/1.0+build.5/a-1.0+build.5.jar"));
}

#[test]
fn files_built_from_coordinates() {
    let tb = maven("org.example.tb:tb-demo");
    let f = arca_maven::ArtifactFile::new(&tb, "0.2.0-20261130.035510-2", Some("sources"), "jar").unwrap();
    assert_eq!(f.path(), "org/example/tb/tb-demo/0.2.0-SNAPSHOT/tb-demo-0.2.0-20261130.035510-2-sources.jar");
    assert_eq!(arca_maven::ArtifactFile::new(&tb, "1.0", None, "tar.gz").unwrap().file_name(), "tb-demo-1.0.tar.gz");
    assert!(arca_maven::ArtifactFile::new(&tb, "1.0", Some("a.b"), "jar").is_err());
    assert!(arca_maven::ArtifactFile::new(&tb, "1.0/../x", None, "jar").is_err());
    let npm = PackageId::parse(Ecosystem::Npm, "left-pad").unwrap();
    assert!(arca_maven::ArtifactFile::new(&npm, "1.0", None, "jar").is_err());
}

#[test]
fn content_types() {
    let types: Vec<&str> = [
        "g/a/1.0/a-1.0.pom",
        "g/a/1.0/a-1.0-sources.jar",
        "g/a/1.0/a-1.0.module",
        "g/a/1.0/a-1.0.tar.gz",
        "g/a/1.0/a-1.0.bin",
        "g/a/1.0/a-1.0.jar.sha1",
        "g/a/1.0/a-1.0.jar.asc",
        "g/a/maven-metadata.xml",
        "g/a/maven-metadata.xml.md5",
    ]
    .iter()
    .map(|p| MavenPath::parse(p).unwrap().content_type())
    .collect();
    assert_eq!(
        types,
        [
            "application/xml",
            "application/java-archive",
            "application/json",
            "application/gzip",
            "application/octet-stream",
            "text/plain",
            "application/pgp-signature",
            "application/xml",
            "text/plain",
        ]
    );
}
