//! maven-metadata.xml: generation (Maven's version order, release and latest, the newest build per
//! classifier and extension, plugin prefixes), the exact bytes, and lenient reading.

use crate::fixture;
use arca_maven::{
    ErrorKind, Metadata, Plugin, SnapshotFile, Timestamp, artifact_metadata, group_metadata, snapshot_metadata,
};
use arca_types::{Ecosystem, PackageId};

fn package() -> PackageId {
    PackageId::parse(Ecosystem::Maven, "org.example:demo").unwrap()
}

fn at(dotted: &str) -> Timestamp {
    Timestamp::parse_dotted(dotted).unwrap()
}

#[test]
fn versions_in_maven_order_with_release_and_latest() {
    let stored = [
        "1.10",
        "1.9",
        "1.0",
        "1.0-alpha-1",
        "1.0-rc-1",
        "1.0-SNAPSHOT",
        "1.0.1",
        "2.0-SNAPSHOT",
        "1.10-beta-1",
        "1.0-sp-1",
        "1.9.1-20260101.000000-3",
    ];
    let m = artifact_metadata(&package(), stored, at("20261130.035200"));
    let v = m.versioning.as_ref().unwrap();
    assert_eq!(
        v.versions,
        [
            "1.0-alpha-1",
            "1.0-rc-1",
            "1.0-SNAPSHOT",
            "1.0",
            "1.0-sp-1",
            "1.0.1",
            "1.9",
            "1.9.1-SNAPSHOT",
            "1.10-beta-1",
            "1.10",
            "2.0-SNAPSHOT",
        ]
    );
    assert_eq!(v.latest.as_deref(), Some("2.0-SNAPSHOT"));
    assert_eq!(v.release.as_deref(), Some("1.10"), "pre-releases count as releases; snapshots do not");
    assert_eq!(v.last_updated.as_deref(), Some("20261130035200"));
    assert_eq!(m.model_version, None);

    let only_snapshots = artifact_metadata(&package(), ["1.0-SNAPSHOT"], at("20261130.035200"));
    assert_eq!(only_snapshots.versioning.unwrap().release, None);
    let duplicates =
        artifact_metadata(&package(), ["1.0", "1.0", "1.0-20260101.000000-1", "1.0-SNAPSHOT"], at("20261130.035200"));
    assert_eq!(duplicates.versions(), ["1.0-SNAPSHOT", "1.0"]);
}

#[test]
fn thousands_of_versions_read_back() {
    let versions: Vec<String> = (0..20_000).map(|i| format!("{}.{}.{}", i / 400, i / 20 % 20, i % 20)).collect();
    let m = artifact_metadata(&package(), versions.iter().map(String::as_str), at("20261130.035200"));
    let xml = m.to_xml();
    assert!(xml.len() > 500_000);
    assert_eq!(Metadata::parse(xml.as_bytes()).unwrap(), m);
}

#[test]
fn artifact_metadata_bytes() {
    let m = artifact_metadata(&package(), ["1.0", "1.1-SNAPSHOT"], at("20261130.035200"));
    assert_eq!(
        m.to_xml(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n  <groupId>org.example</groupId>\n  \
         <artifactId>demo</artifactId>\n  <versioning>\n    <latest>1.1-SNAPSHOT</latest>\n    <release>1.0</release>\n    \
         <versions>\n      <version>1.0</version>\n      <version>1.1-SNAPSHOT</version>\n    </versions>\n    \
         <lastUpdated>20261130035200</lastUpdated>\n  </versioning>\n</metadata>\n"
    );
}

fn snapshot_file(version: &str, classifier: Option<&str>, extension: &str) -> SnapshotFile {
    SnapshotFile {
        version: version.to_owned(),
        classifier: classifier.map(str::to_owned),
        extension: extension.to_owned(),
        uploaded: at("20260601.000000"),
    }
}

#[test]
fn snapshot_metadata_lists_the_newest_build_per_classifier_and_extension() {
    let files = [
        snapshot_file("1.0-20260101.000000-1", None, "jar"),
        snapshot_file("1.0-20260101.000000-1", None, "pom"),
        snapshot_file("1.0-20260101.000000-1", Some("sources"), "jar"),
        snapshot_file("1.0-20260102.000000-2", None, "jar"),
        snapshot_file("1.0-20260102.000000-2", None, "pom"),
        snapshot_file("1.0-20260102.000000-2", None, "jar.asc"),
        snapshot_file("1.0-SNAPSHOT", Some("javadoc"), "jar"),
    ];
    let m = snapshot_metadata(&package(), "1.0-SNAPSHOT", &files, at("20260102.000001")).unwrap();
    assert_eq!(
        m.to_xml(),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>org.example</groupId>
  <artifactId>demo</artifactId>
  <version>1.0-SNAPSHOT</version>
  <versioning>
    <snapshot>
      <timestamp>20260102.000000</timestamp>
      <buildNumber>2</buildNumber>
    </snapshot>
    <lastUpdated>20260102000001</lastUpdated>
    <snapshotVersions>
      <snapshotVersion>
        <extension>jar</extension>
        <value>1.0-20260102.000000-2</value>
        <updated>20260102000000</updated>
      </snapshotVersion>
      <snapshotVersion>
        <extension>jar.asc</extension>
        <value>1.0-20260102.000000-2</value>
        <updated>20260102000000</updated>
      </snapshotVersion>
      <snapshotVersion>
        <extension>pom</extension>
        <value>1.0-20260102.000000-2</value>
        <updated>20260102000000</updated>
      </snapshotVersion>
      <snapshotVersion>
        <classifier>javadoc</classifier>
        <extension>jar</extension>
        <value>1.0-SNAPSHOT</value>
        <updated>20260601000000</updated>
      </snapshotVersion>
      <snapshotVersion>
        <classifier>sources</classifier>
        <extension>jar</extension>
        <value>1.0-20260101.000000-1</value>
        <updated>20260101000000</updated>
      </snapshotVersion>
    </snapshotVersions>
  </versioning>
</metadata>
"#
    );
    // The same files in another order make the same document.
    let mut reversed = files.to_vec();
    reversed.reverse();
    assert_eq!(snapshot_metadata(&package(), "1.0-SNAPSHOT", &reversed, at("20260102.000001")).unwrap(), m);
}

#[test]
fn snapshot_metadata_refusals_and_plain_snapshots() {
    let wrong = [snapshot_file("1.1-20260101.000000-1", None, "jar")];
    assert_eq!(
        snapshot_metadata(&package(), "1.0-SNAPSHOT", &wrong, at("20260101.000000")).unwrap_err().kind(),
        ErrorKind::Mismatch
    );
    assert_eq!(
        snapshot_metadata(&package(), "1.0", &[], at("20260101.000000")).unwrap_err().kind(),
        ErrorKind::Invalid
    );
    let plain = [snapshot_file("1.0-SNAPSHOT", None, "jar")];
    let m = snapshot_metadata(&package(), "1.0-SNAPSHOT", &plain, at("20260101.000000")).unwrap();
    assert_eq!(m.versioning.as_ref().unwrap().snapshot, None, "no timestamped build, no <snapshot>");
    // A build number breaks ties between builds of the same second.
    let same_second =
        [snapshot_file("1.0-20260101.000000-9", None, "jar"), snapshot_file("1.0-20260101.000000-10", None, "jar")];
    let m = snapshot_metadata(&package(), "1.0-SNAPSHOT", &same_second, at("20260101.000000")).unwrap();
    assert_eq!(m.versioning.unwrap().snapshot_versions[0].value, "1.0-20260101.000000-10");
}

#[test]
fn group_metadata_maps_prefixes() {
    let plugin = |prefix: &str, artifact: &str| Plugin {
        name: format!("{artifact} name"),
        prefix: prefix.into(),
        artifact_id: artifact.into(),
    };
    let m = group_metadata([
        plugin("greet", "greet-maven-plugin"),
        plugin("deploy", "maven-deploy-plugin"),
        plugin("greet", "a-greet-plugin"),
    ]);
    assert_eq!(
        m.to_xml(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n  <plugins>\n    <plugin>\n      \
         <name>maven-deploy-plugin name</name>\n      <prefix>deploy</prefix>\n      <artifactId>maven-deploy-plugin</artifactId>\n    \
         </plugin>\n    <plugin>\n      <name>a-greet-plugin name</name>\n      <prefix>greet</prefix>\n      \
         <artifactId>a-greet-plugin</artifactId>\n    </plugin>\n  </plugins>\n</metadata>\n"
    );
    assert_eq!(Metadata::parse(m.to_xml().as_bytes()).unwrap(), m);
}

#[test]
fn a_client_that_deployed_an_older_line_last_regresses_release() {
    // Captured: deploy-file of 0.9 after 1.0, 1.1 and 1.10-beta-1. Maven set release to 0.9 and
    // appended it last; arca's generated metadata puts both right, and says how they differ.
    let client = Metadata::parse(&fixture("metadata/client-release-regression.xml")).unwrap();
    let v = client.versioning.as_ref().unwrap();
    assert_eq!((v.release.as_deref(), v.versions.last().map(String::as_str)), (Some("0.9"), Some("0.9")));
    let raw_blob = PackageId::parse(Ecosystem::Maven, "org.example.tb:raw-blob").unwrap();
    let generated = artifact_metadata(&raw_blob, v.versions.iter().map(String::as_str), at("20261130.035252"));
    let g = generated.versioning.as_ref().unwrap();
    assert_eq!(g.versions, ["0.9", "1.0", "1.1", "1.10-beta-1"]);
    assert_eq!(g.release.as_deref(), Some("1.10-beta-1"));
    assert_eq!(client.differences(&generated), ["release: client Some(\"0.9\"), server Some(\"1.10-beta-1\")"]);
    let fewer = artifact_metadata(&raw_blob, ["1.0"], at("20261130.035252"));
    let diff = client.differences(&fewer);
    assert!(diff.contains(&"version 0.9 is listed by the client only".to_owned()), "{diff:?}");
}

#[test]
fn lenient_reading() {
    let doc = br#"<?xml version="1.0"?>
        <m:metadata xmlns:m="http://maven.apache.org/METADATA/1.1.0" modelVersion="1.1.0">
          <m:groupId> g </m:groupId><extra><nested/></extra>
          <m:versioning><m:versions><m:version>1</m:version><m:version></m:version></m:versions>
            <m:snapshot><m:buildNumber>x</m:buildNumber><m:localCopy>true</m:localCopy></m:snapshot>
          </m:versioning>
          <m:plugins><m:plugin><m:prefix>p</m:prefix></m:plugin></m:plugins>
        </m:metadata>"#;
    let m = Metadata::parse(doc).unwrap();
    assert_eq!(
        (m.model_version.as_deref(), m.group_id.as_deref(), m.artifact_id.as_deref()),
        (Some("1.1.0"), Some("g"), None)
    );
    assert_eq!(m.versions(), ["1"]);
    let snapshot = m.versioning.unwrap().snapshot.unwrap();
    assert_eq!((snapshot.build_number, snapshot.local_copy), (0, true));
    assert_eq!(m.plugins[0].prefix, "p");
    assert_eq!(Metadata::parse(b"<project/>").unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(Metadata::parse(b"<metadata/>").unwrap(), Metadata::default());
}

#[test]
fn rendering_escapes_what_clients_sent() {
    let m = Metadata { group_id: Some("a&b<c>".into()), model_version: Some("1\"".into()), ..Metadata::default() };
    let xml = m.to_xml();
    assert!(xml.contains("<groupId>a&amp;b&lt;c&gt;</groupId>") && xml.contains("modelVersion=\"1&quot;\""), "{xml}");
    assert_eq!(Metadata::parse(xml.as_bytes()).unwrap(), m);
}
