//! What Maven 3.8.7 really sent (tests/fixtures/deploy, captured as tests/fixtures/README.md
//! tells): every request path parses, every checksum it PUT matches the bytes it PUT, every POM
//! matches its path, and the metadata it wrote is what arca generates.

use crate::fixture;
use arca_maven::{
    ArtifactFile, ChecksumHasher, MavenPath, Metadata, MetadataScope, Pom, Redeploy, Sidecar, SnapshotFile, Timestamp,
    artifact_metadata, snapshot_metadata,
};
use arca_types::{Ecosystem, PackageId};
use std::collections::BTreeMap;

struct Request {
    repo: String,
    method: String,
    status: u16,
    /// The path below the repository (the capture server's first segment, `releases` or
    /// `snapshots`, is the repository).
    path: String,
    body: Option<Vec<u8>>,
}

fn requests(name: &str) -> Vec<Request> {
    let text = String::from_utf8(fixture(&format!("deploy/{name}"))).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let (repo, path) = cols[3].split_once('/').unwrap();
            Request {
                repo: repo.to_owned(),
                method: cols[1].to_owned(),
                status: cols[2].parse().unwrap(),
                path: path.to_owned(),
                body: cols
                    .get(4)
                    .filter(|b| !["-", "yes", "no"].contains(*b))
                    .map(|b| fixture(&format!("deploy/bodies/{b}"))),
            }
        })
        .collect()
}

/// The bytes PUT at each `(repository, path)` (the last PUT wins, as in a repository).
fn stored() -> BTreeMap<(String, String), Vec<u8>> {
    requests("requests.tsv").into_iter().filter_map(|r| Some(((r.repo, r.path), r.body?))).collect()
}

fn at<'a>(stored: &'a BTreeMap<(String, String), Vec<u8>>, repo: &str, path: &str) -> &'a [u8] {
    &stored[&(repo.to_owned(), path.to_owned())]
}

fn parse(path: &str) -> MavenPath {
    MavenPath::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn tb_demo() -> PackageId {
    PackageId::parse(Ecosystem::Maven, "org.example.tb:tb-demo").unwrap()
}

#[test]
fn every_captured_path_parses_and_renders_back() {
    for name in ["requests.tsv", "requests-409.tsv", "requests-401.tsv"] {
        let requests = requests(name);
        assert!(requests.len() >= 5, "{name}");
        for r in requests {
            let parsed = parse(&r.path);
            assert_eq!(parsed.path(), r.path);
            let is_metadata = r.path.contains("/maven-metadata.xml");
            assert_eq!(matches!(parsed, MavenPath::Metadata(_)), is_metadata, "{}", r.path);
        }
    }
}

#[test]
fn every_checksum_maven_put_matches_the_bytes_it_put() {
    let stored = stored();
    let mut verified = 0;
    for ((repo, path), body) in &stored {
        let (algorithm, main_path) = match parse(path) {
            MavenPath::File(f) => match f.sidecar() {
                Some(Sidecar::Checksum(a)) => (a, f.with_sidecar(None).path()),
                _ => continue,
            },
            MavenPath::Metadata(m) => match m.checksum() {
                Some(a) => (a, m.with_checksum(None).path()),
                None => continue,
            },
        };
        let sums = ChecksumHasher::of(at(&stored, repo, &main_path));
        sums.verify(algorithm, body).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(sums.sidecar_body(algorithm).as_bytes(), body.as_slice(), "Maven writes the bare hex: {path}");
        verified += 1;
    }
    assert_eq!(verified, 2 * 17, "md5 and sha1 of 17 files: 9 in releases, 8 in snapshots");
}

#[test]
fn maven_3_8_sends_md5_and_sha1_only() {
    for r in requests("requests.tsv") {
        let checksum = parse(&r.path).checksum();
        assert!(checksum.is_none() || matches!(checksum.unwrap().extension(), "md5" | "sha1"), "{}", r.path);
        assert!(r.method == "PUT" || r.method == "GET", "no HEAD, no MKCOL: {}", r.method);
    }
}

#[test]
fn every_deployed_pom_matches_its_path() {
    let mut poms = 0;
    for ((_, path), body) in stored() {
        if let MavenPath::File(f) = parse(&path)
            && f.extension() == "pom"
            && f.sidecar().is_none()
        {
            let pom = Pom::parse(&body).unwrap_or_else(|e| panic!("{path}: {e}"));
            pom.check_against(&f).unwrap_or_else(|e| panic!("{path}: {e}"));
            poms += 1;
            let other = ArtifactFile::new(&f.package().clone(), "9.9", None, "pom").unwrap();
            assert!(pom.check_against(&other).is_err());
        }
    }
    assert_eq!(poms, 5, "tb-demo 0.1.0, two snapshot builds, raw-blob 1.0 and 1.1");
}

#[test]
fn the_release_deploy_sequence() {
    let release: Vec<String> = requests("requests.tsv")
        .iter()
        .take(13)
        .map(|r| format!("{} {} {}", r.method, r.status, r.path.rsplit('/').next().unwrap()))
        .collect();
    assert_eq!(
        release,
        [
            "PUT 201 tb-demo-0.1.0.pom",
            "PUT 201 tb-demo-0.1.0.pom.sha1",
            "PUT 201 tb-demo-0.1.0.pom.md5",
            "PUT 201 tb-demo-0.1.0.jar",
            "PUT 201 tb-demo-0.1.0.jar.sha1",
            "PUT 201 tb-demo-0.1.0.jar.md5",
            "PUT 201 tb-demo-0.1.0-sources.jar",
            "PUT 201 tb-demo-0.1.0-sources.jar.sha1",
            "PUT 201 tb-demo-0.1.0-sources.jar.md5",
            "GET 404 maven-metadata.xml",
            "PUT 201 maven-metadata.xml",
            "PUT 201 maven-metadata.xml.sha1",
            "PUT 201 maven-metadata.xml.md5",
        ]
    );
}

#[test]
fn a_snapshot_deploy_reads_the_snapshot_metadata_first() {
    let requests = requests("requests.tsv");
    let first_snapshot = requests.iter().position(|r| r.path.contains("-SNAPSHOT/")).unwrap();
    let r = &requests[first_snapshot];
    assert_eq!((r.method.as_str(), r.status), ("GET", 404));
    assert!(r.path.ends_with("0.2.0-SNAPSHOT/maven-metadata.xml"));
    // Only metadata is ever written twice; files are new names every build.
    let mut seen = BTreeMap::new();
    for r in requests.iter().filter(|r| r.method == "PUT") {
        let redeploy = parse(&r.path).redeploy();
        if *seen.entry(r.path.clone()).and_modify(|n| *n += 1).or_insert(1) > 1 {
            assert_eq!(redeploy, Redeploy::Metadata, "{}", r.path);
        }
    }
}

#[test]
fn artifact_metadata_matches_what_maven_wrote_byte_for_byte() {
    let stored = stored();
    let written = at(&stored, "releases", "org/example/tb/raw-blob/maven-metadata.xml");
    let client = Metadata::parse(written).unwrap();
    let last_updated =
        Timestamp::parse_compact(client.versioning.as_ref().unwrap().last_updated.as_deref().unwrap()).unwrap();
    let raw_blob = PackageId::parse(Ecosystem::Maven, "org.example.tb:raw-blob").unwrap();
    let mut generated = artifact_metadata(&raw_blob, ["1.1", "1.0"], last_updated);
    assert!(client.differences(&generated).is_empty(), "{:?}", client.differences(&generated));
    // Maven 3 leaves `latest` out but for plugins; with it removed the bytes are Maven's.
    generated.versioning.as_mut().unwrap().latest = None;
    assert_eq!(generated.to_xml().as_bytes(), written);

    for (repo, version) in [("releases", "0.1.0"), ("snapshots", "0.2.0-SNAPSHOT")] {
        let written = at(&stored, repo, "org/example/tb/tb-demo/maven-metadata.xml");
        let client = Metadata::parse(written).unwrap();
        let last_updated = client.versioning.as_ref().unwrap().last_updated.as_deref().unwrap();
        let mut generated = artifact_metadata(&tb_demo(), [version], Timestamp::parse_compact(last_updated).unwrap());
        assert!(client.differences(&generated).is_empty(), "{:?}", client.differences(&generated));
        generated.versioning.as_mut().unwrap().latest = None;
        assert_eq!(generated.to_xml().as_bytes(), written, "{repo}");
    }
}

#[test]
fn snapshot_metadata_agrees_with_what_maven_wrote() {
    let stored = stored();
    let dir = "org/example/tb/tb-demo/0.2.0-SNAPSHOT/";
    let files: Vec<SnapshotFile> = stored
        .keys()
        .filter_map(|(_, path)| match parse(path) {
            MavenPath::File(f) if path.starts_with(dir) => SnapshotFile::of(&f, Timestamp::from_unix_millis(0)),
            _ => None,
        })
        .collect();
    assert_eq!(files.len(), 6, "pom, jar and sources jar of two builds");
    let client = Metadata::parse(at(&stored, "snapshots", &format!("{dir}maven-metadata.xml"))).unwrap();
    let versioning = client.versioning.clone().unwrap();
    let last_updated = Timestamp::parse_compact(versioning.last_updated.as_deref().unwrap()).unwrap();
    let generated = snapshot_metadata(&tb_demo(), "0.2.0-SNAPSHOT", &files, last_updated).unwrap();
    assert!(client.differences(&generated).is_empty(), "{:?}", client.differences(&generated));
    assert_eq!(client.model_version, generated.model_version);
    let mut theirs = versioning.snapshot_versions.clone();
    let mut ours = generated.versioning.clone().unwrap().snapshot_versions;
    theirs.sort_by(|a, b| (&a.classifier, &a.extension).cmp(&(&b.classifier, &b.extension)));
    ours.sort_by(|a, b| (&a.classifier, &a.extension).cmp(&(&b.classifier, &b.extension)));
    assert_eq!(ours, theirs);
    // Debian's Maven writes the elements in another order than the model; the content is equal.
    assert_eq!(Metadata::parse(generated.to_xml().as_bytes()).unwrap(), generated);
    let scope = MetadataScope::Snapshot { package: tb_demo(), base_version: "0.2.0-SNAPSHOT".into() };
    assert_eq!(scope.path(None), format!("{dir}maven-metadata.xml"));
}

#[test]
fn a_refused_jar_leaves_its_pom_behind() {
    // Answered 409 to every .jar: Maven went on to the next artifact, then stopped before any
    // checksum or metadata, with the POM already stored.
    let log: Vec<(String, u16)> = requests("requests-409.tsv")
        .into_iter()
        .map(|r| (r.path.rsplit('/').next().unwrap().to_owned(), r.status))
        .collect();
    assert_eq!(log[..3].iter().map(|(_, s)| *s).collect::<Vec<_>>(), [201, 201, 201]);
    assert_eq!(log[3..], [("tb-demo-0.1.0.jar".to_owned(), 409), ("tb-demo-0.1.0-sources.jar".to_owned(), 409)]);
}

#[test]
fn reads_go_anonymous_first_and_retry_after_a_challenge() {
    let requests = requests("requests-401.tsv");
    let first = &requests[0];
    assert_eq!((first.method.as_str(), first.status), ("GET", 401));
    let retry = &requests[1];
    assert_eq!((retry.path.as_str(), retry.status), (first.path.as_str(), 404));
    assert!(requests.iter().filter(|r| r.method == "PUT").all(|r| r.status == 201), "PUTs carry credentials up front");
}
