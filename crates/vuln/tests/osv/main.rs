//! Verdicts on the hand-written fixtures, purl mapping and archive reading: the crate's behaviour as a
//! user of the public API sees it. One test binary for the crate (linking is the slow part).

mod props;

use arca_vuln::{Advisory, Affected, OsvError, Severity, osv_package, parse_advisory, read_advisories};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(name: &str) -> Advisory {
    let bytes = std::fs::read(fixtures().join(name)).expect("fixture exists");
    parse_advisory(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `Some(fixed)` if affected (with `fixed` the reported fix), `None` if not.
fn verdict(advisory: &Advisory, ecosystem: &str, name: &str, version: &str) -> Option<Option<String>> {
    advisory.affects(ecosystem, name, version).map(|a| a.fixed)
}

fn fixed(v: &str) -> Option<Option<String>> {
    Some(Some(v.to_owned()))
}

#[test]
fn multiple_ranges() {
    let a = fixture("multi-range.json");
    assert_eq!(verdict(&a, "npm", "left-pad", "0.0.1"), fixed("1.2.3"));
    assert_eq!(verdict(&a, "npm", "left-pad", "1.2.2"), fixed("1.2.3"));
    assert_eq!(verdict(&a, "npm", "left-pad", "1.2.3"), None, "fixed is exclusive");
    assert_eq!(verdict(&a, "npm", "left-pad", "1.9.9"), None);
    assert_eq!(verdict(&a, "npm", "left-pad", "2.0.0"), fixed("2.1.0"), "unsorted events are sorted");
    assert_eq!(verdict(&a, "npm", "left-pad", "2.1.0"), None);
    assert_eq!(verdict(&a, "npm", "right-pad", "1.0.0"), None);
    assert_eq!(verdict(&a, "crates.io", "left-pad", "1.0.0"), None);
    let hit = a.affects("npm", "left-pad", "1.0.0").expect("affected");
    assert_eq!((hit.severity, hit.score), (Severity::Critical, Some(9.8)));
}

#[test]
fn last_affected_is_inclusive() {
    let a = fixture("last-affected.json");
    assert_eq!(verdict(&a, "crates.io", "tiny_http", "0.9.0"), None);
    assert_eq!(verdict(&a, "crates.io", "tiny_http", "1.0.0"), Some(None));
    assert_eq!(verdict(&a, "crates.io", "tiny_http", "1.4.2"), Some(None));
    assert_eq!(verdict(&a, "crates.io", "tiny_http", "1.4.3"), None);
    assert_eq!(verdict(&a, "crates.io", "tiny-http", "1.1.0"), Some(None), "crates.io folds - and _");
    let hit = a.affects("crates.io", "tiny_http", "1.1.0").expect("affected");
    assert_eq!((hit.severity, hit.score), (Severity::Medium, Some(6.9)), "affected[].severity CVSS v4");
}

#[test]
fn prereleases_follow_semver() {
    let a = fixture("prerelease.json");
    assert_eq!(verdict(&a, "npm", "@scope/widget", "1.0.0-beta.1"), None);
    assert_eq!(verdict(&a, "npm", "@scope/widget", "1.0.0-beta.2"), fixed("1.0.0-rc.1"));
    assert_eq!(verdict(&a, "npm", "@scope/widget", "1.0.0-beta.11"), fixed("1.0.0-rc.1"));
    assert_eq!(verdict(&a, "npm", "@scope/widget", "1.0.0-rc.1"), None);
    assert_eq!(verdict(&a, "npm", "@scope/widget", "1.0.0"), None);
    assert_eq!(a.affects("npm", "@scope/widget", "1.0.0-beta.3").map(|h| h.severity), Some(Severity::Low));
}

#[test]
fn pypi_epochs_and_name_normalisation() {
    let a = fixture("pypi-epoch.json");
    assert_eq!(verdict(&a, "PyPI", "foo-bar-baz", "5.0"), fixed("1!2.0"), "any epoch-0 version < 1!2.0");
    assert_eq!(verdict(&a, "PyPI", "FOO__bar.Baz", "1!1.9"), fixed("1!2.0"));
    assert_eq!(verdict(&a, "PyPI", "foo-bar-baz", "1!2.0"), None);
    assert_eq!(verdict(&a, "PyPI", "foo-bar-baz", "1!2.0.post1"), None);
    assert_eq!(a.affects("PyPI", "foo-bar-baz", "1.0").map(|h| h.severity), Some(Severity::High));
}

#[test]
fn debian_epochs_and_release_suffix() {
    let a = fixture("debian-epoch.json");
    assert_eq!(verdict(&a, "Debian:12", "openssl", "3.0.11-1~deb12u2"), fixed("1:2.0-1"), "epoch 0 < epoch 1");
    assert_eq!(verdict(&a, "Debian:12", "openssl", "1:2.0-1"), None);
    assert_eq!(verdict(&a, "Debian:12", "openssl", "1:2.0-1~deb12u1"), fixed("1:2.0-1"), "~ sorts first");
    assert_eq!(verdict(&a, "Debian:11", "openssl", "1:1.9-1"), None, "Debian 11 has its own fix");
    assert_eq!(verdict(&a, "Debian:11", "openssl", "1:1.8-1"), fixed("1:1.9-1~deb11u1"));
    assert_eq!(verdict(&a, "Debian:13", "openssl", "1.0-1"), None, "no entry for Debian 13");
    // Unknown release: every release's entry applies (fail closed); the smallest fix is reported.
    assert_eq!(verdict(&a, "Debian", "openssl", "1:1.8-1"), fixed("1:1.9-1~deb11u1"));
    let hit = a.affects("Debian:12", "openssl", "1.0-1").expect("affected");
    assert_eq!((hit.severity, hit.score), (Severity::High, Some(7.5)), "CVSS v2 vector");
}

#[test]
fn maven_qualifiers_and_versions_list() {
    let a = fixture("maven-qualifiers.json");
    assert_eq!(verdict(&a, "Maven", "org.example:core", "2.0-alpha1"), fixed("2.0.1"));
    assert_eq!(verdict(&a, "Maven", "org.example:core", "2.0-SNAPSHOT"), fixed("2.0.1"));
    assert_eq!(verdict(&a, "Maven", "org.example:core", "2.0"), fixed("2.0.1"));
    assert_eq!(verdict(&a, "Maven", "org.example:core", "2.0.1"), None);
    assert_eq!(verdict(&a, "Maven", "org.example:core", "1.0"), None);
    // Listed in `versions`; the reported fix is still the smallest `fixed` above it.
    assert_eq!(verdict(&a, "Maven", "org.example:core", "1.0-SNAPSHOT"), fixed("2.0.1"), "listed in versions");
    assert_eq!(verdict(&a, "Maven:https://repo.example", "org.example:core", "2.0"), fixed("2.0.1"));
}

#[test]
fn limit_bounds_the_range() {
    let a = fixture("limit.json");
    assert_eq!(verdict(&a, "Go", "example.com/mod", "v0.9.0"), None);
    assert_eq!(verdict(&a, "Go", "example.com/mod", "v1.5.0"), Some(None));
    assert_eq!(verdict(&a, "Go", "example.com/mod", "v2.0.0"), None);
    assert_eq!(verdict(&a, "Go", "example.com/mod", "v3.0.0"), None);
}

#[test]
fn git_ranges_only_through_versions() {
    let a = fixture("versions-list.json");
    assert_eq!(verdict(&a, "PyPI", "gitpkg", "1.0"), Some(None));
    assert_eq!(verdict(&a, "PyPI", "gitpkg", "1.0.0"), Some(None), "equal under PEP 440");
    assert_eq!(verdict(&a, "PyPI", "gitpkg", "1.1"), Some(None));
    assert_eq!(verdict(&a, "PyPI", "gitpkg", "1.2"), None, "the GIT range itself is not evaluated");
}

#[test]
fn withdrawn_never_matches() {
    let a = fixture("withdrawn.json");
    assert!(a.is_withdrawn());
    assert_eq!(verdict(&a, "npm", "left-pad", "1.0.0"), None);
    assert_eq!(verdict(&a, "npm", "left-pad", ""), None);
}

#[test]
fn ghsa_moderate_and_rubygems() {
    let a = fixture("ghsa-moderate.json");
    assert!(a.aliases.is_empty() && a.summary.is_none(), "null fields read as empty");
    let hit = a.affects("RubyGems", "rack", "2.2.8").expect("affected");
    assert_eq!(
        hit,
        Affected { fixed: Some("2.2.8.1".into()), severity: Severity::Medium, score: None, version_unknown: false }
    );
    assert_eq!(verdict(&a, "RubyGems", "rack", "2.2.8.1"), None);
    assert_eq!(verdict(&a, "RubyGems", "rack", "3.0.0"), fixed("3.0.9.1"));
    assert_eq!(verdict(&a, "RubyGems", "rack", "3.0.0.beta1"), fixed("3.0.9.1"));
    assert_eq!(verdict(&a, "RubyGems", "rack", "3.0.0.alpha"), None, "alpha < beta1");
    assert_eq!(verdict(&a, "RubyGems", "Rack", "2.2.8"), None, "gem names are case-sensitive");
}

#[test]
fn alpine_release_suffix() {
    let a = fixture("alpine.json");
    assert_eq!(verdict(&a, "Alpine:v3.20", "busybox", "1.36.1-r28"), fixed("1.36.1-r29"));
    assert_eq!(verdict(&a, "Alpine:3.20", "busybox", "1.36.1-r28"), fixed("1.36.1-r29"), "v is optional");
    assert_eq!(verdict(&a, "Alpine:v3.20", "busybox", "1.36.1-r29"), None);
    assert_eq!(verdict(&a, "Alpine:v3.19", "busybox", "1.36.1-r1"), None);
}

#[test]
fn unknown_events_are_ignored_and_labels_used() {
    let a = fixture("nuget-unknown-event.json");
    let hit = a.affects("NuGet", "newtonsoft.json", "12.0.3").expect("NuGet names are case-insensitive");
    assert_eq!((hit.fixed.as_deref(), hit.severity, hit.score), (Some("13.0.1"), Severity::Medium, None));
    assert_eq!(verdict(&a, "NuGet", "Newtonsoft.Json", "13.0.1"), None);
}

#[test]
fn missing_version_is_assumed_affected() {
    let a = fixture("multi-range.json");
    let hit = a.affects("npm", "left-pad", "").expect("policy: unknown version is affected");
    assert!(hit.version_unknown);
    assert_eq!(hit.fixed, None);
    assert_eq!(verdict(&a, "npm", "left-pad", "not-a-version"), None, "unparseable versions match only `versions`");
}

#[test]
fn severity_parsing_and_display() {
    assert_eq!("MODERATE".parse::<Severity>(), Ok(Severity::Medium));
    assert_eq!("critical".parse::<Severity>(), Ok(Severity::Critical));
    assert!("bogus".parse::<Severity>().is_err());
    assert_eq!(Severity::High.to_string(), "high");
    assert!(Severity::Unknown < Severity::None && Severity::Low < Severity::Critical);
    assert_eq!(Severity::from_score(0.0), Severity::None);
    assert_eq!(Severity::from_score(3.9), Severity::Low);
    assert_eq!(Severity::from_score(4.0), Severity::Medium);
    assert_eq!(Severity::from_score(9.0), Severity::Critical);
}

#[test]
fn lenient_parsing_and_limits() {
    let minimal =
        parse_advisory(br#"{"id":"X-1","affected":[{"package":{"ecosystem":"Something New:1","name":"p"}}]}"#);
    assert_eq!(
        minimal.map(|a| a.affected[0].package.clone().map(|p| p.ecosystem)).ok().flatten().as_deref(),
        Some("Something New:1")
    );
    assert_eq!(parse_advisory(b"{}").map_err(|e| e.code()).err(), Some("OSV_MISSING_ID"));
    assert_eq!(parse_advisory(b"not json").map_err(|e| e.code()).err(), Some("OSV_INVALID_JSON"));
    let huge = vec![b' '; 8 * 1024 * 1024 + 1];
    assert!(matches!(parse_advisory(&huge), Err(OsvError::TooLarge { .. })));
}

#[test]
fn purl_to_osv_package() {
    let q = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
    let p = |t: &str, ns: Option<&str>, n: &str, quals: &[(String, String)]| osv_package(t, ns, n, quals);
    let pair = |e: &str, n: &str| Some((e.to_owned(), n.to_owned()));
    assert_eq!(p("npm", Some("@scope"), "pkg", &[]), pair("npm", "@scope/pkg"));
    assert_eq!(p("npm", None, "left-pad", &[]), pair("npm", "left-pad"));
    assert_eq!(p("npm", Some("%40scope"), "pkg", &[]), pair("npm", "@scope/pkg"));
    assert_eq!(p("pypi", None, "Django_Rest.Framework", &[]), pair("PyPI", "django-rest-framework"));
    assert_eq!(
        p("maven", Some("org.apache.logging.log4j"), "log4j-core", &[]),
        pair("Maven", "org.apache.logging.log4j:log4j-core")
    );
    assert_eq!(p("maven", None, "log4j-core", &[]), None, "maven needs a groupId");
    assert_eq!(p("cargo", None, "serde", &[]), pair("crates.io", "serde"));
    assert_eq!(p("gem", None, "rack", &[]), pair("RubyGems", "rack"));
    assert_eq!(p("nuget", None, "Newtonsoft.Json", &[]), pair("NuGet", "Newtonsoft.Json"));
    assert_eq!(p("golang", Some("github.com/gorilla"), "mux", &[]), pair("Go", "github.com/gorilla/mux"));
    assert_eq!(p("composer", Some("laravel"), "framework", &[]), pair("Packagist", "laravel/framework"));
    assert_eq!(p("deb", Some("debian"), "openssl", &q("distro", "debian-12")), pair("Debian:12", "openssl"));
    assert_eq!(p("deb", Some("debian"), "openssl", &q("distro", "bookworm")), pair("Debian:12", "openssl"));
    assert_eq!(p("deb", Some("debian"), "openssl", &q("distro", "debian-12.5")), pair("Debian:12", "openssl"));
    assert_eq!(p("deb", Some("debian"), "openssl", &[]), pair("Debian", "openssl"));
    assert_eq!(p("deb", Some("ubuntu"), "openssl", &q("distro", "ubuntu-22.04")), pair("Ubuntu:22.04", "openssl"));
    assert_eq!(p("apk", Some("alpine"), "busybox", &q("distro", "3.20.1")), pair("Alpine:v3.20", "busybox"));
    assert_eq!(p("apk", Some("alpine"), "busybox", &q("distro", "alpine-3.20.3")), pair("Alpine:v3.20", "busybox"));
    assert_eq!(p("oci", None, "image", &[]), None);
    assert_eq!(p("npm", None, "", &[]), None);
}

#[test]
fn reads_a_directory_tree() {
    let ids: Vec<String> = read_advisories(&fixtures()).expect("dir").map(|a| a.expect("parses").id).collect();
    assert_eq!(ids.len(), 12);
    assert!(ids.contains(&"GHSA-arca-test-0010".to_owned()));
}

#[test]
fn reads_a_zip_and_rejects_unsafe_entries() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("all.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for name in ["multi-range.json", "alpine.json"] {
        zip.start_file(name, options).expect("entry");
        zip.write_all(&std::fs::read(fixtures().join(name)).expect("read")).expect("write");
    }
    zip.start_file("../evil.json", options).expect("entry");
    zip.write_all(b"{\"id\":\"EVIL\"}").expect("write");
    zip.start_file("bomb.json", options).expect("entry");
    let zeros = vec![b' '; 1024 * 1024];
    for _ in 0..9 {
        zip.write_all(&zeros).expect("write");
    }
    zip.start_file("notes.txt", options).expect("entry");
    zip.finish().expect("finish");

    let results: Vec<Result<Advisory, OsvError>> = read_advisories(&path).expect("zip").collect();
    let codes: Vec<&str> = results.iter().map(|r| r.as_ref().map_or_else(|e| e.code(), |a| a.id.as_str())).collect();
    assert_eq!(codes, ["ARCA-TEST-0001", "ARCA-TEST-0011", "OSV_UNSAFE_ENTRY", "OSV_RECORD_TOO_LARGE"]);
}

#[test]
fn unsupported_paths_are_refused() {
    let err = read_advisories(&fixtures().join("README.md")).err().map(|e| e.code());
    assert_eq!(err, Some("OSV_UNSUPPORTED_PATH"));
    assert_eq!(read_advisories(Path::new("/nonexistent/arca")).err().map(|e| e.code()), Some("OSV_IO"));
}
