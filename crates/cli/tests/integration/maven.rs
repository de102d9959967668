//! A Maven GAV through the CLI against `arca serve`: deployed file by file as mvn PUTs it, then
//! seen by `arca ls` (its package `group/path/artifactId`), `arca info` (its files) and `arca
//! search` (its artifact type) like any other version; found by the provenance its deploy URL and
//! POM gave it, which `arca search` shows.

use crate::harness::{Registry, arca, http};
use std::process::Output;

fn client(registry: &Registry, args: &[&str]) -> Output {
    arca().arg("--server").arg(registry.url()).args(args).output().expect("run arca")
}

fn ok(registry: &Registry, args: &[&str]) -> String {
    let out = client(registry, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "arca {args:?}: {}\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn a_maven_gav_is_listed_shown_and_searched_by_the_cli() {
    let registry = Registry::serve(&[]);
    ok(&registry, &["repo", "create", "libs", "--format", "maven"]);
    let pom = "<project><modelVersion>4.0.0</modelVersion><groupId>org.example</groupId>\
               <artifactId>tool</artifactId><version>1.0</version></project>";
    let dir = "/maven/libs/org/example/tool/1.0";
    for (file, body) in [("tool-1.0.pom", pom.as_bytes()), ("tool-1.0.jar", b"a jar".as_slice())] {
        let (status, head, _) = http(registry.host(), "PUT", &format!("{dir}/{file}"), &[], body);
        assert_eq!(status, 201, "{file}: {head}");
    }
    assert!(ok(&registry, &["ls", "libs"]).contains("org/example/tool"), "the package is listed");
    let info = ok(&registry, &["info", "libs/org/example/tool@1.0"]);
    assert!(info.contains("tool-1.0.jar") && info.contains("tool-1.0.pom"), "{info}");
    let found = ok(&registry, &["search", "--package", "org/example/*", "--output", "json"]);
    assert!(found.contains("application/vnd.arca.maven.gav.v1"), "{found}");
}

#[test]
fn a_gav_is_found_by_its_provenance_and_shows_it() {
    let registry = Registry::serve(&[]);
    ok(&registry, &["repo", "create", "libs", "--format", "maven"]);
    let pom = "<project><modelVersion>4.0.0</modelVersion><groupId>org.example</groupId>\
               <artifactId>tool</artifactId><version>2.0</version>\
               <scm><url>https://git.example/tool</url></scm></project>";
    let dir = "/maven/libs;vcs.revision=c0ffee;build.id=12/org/example/tool/2.0";
    for (file, body) in [("tool-2.0.pom", pom.as_bytes()), ("tool-2.0.jar", b"a jar".as_slice())] {
        let (status, head, _) = http(registry.host(), "PUT", &format!("{dir}/{file}"), &[], body);
        assert_eq!(status, 201, "{file}: {head}");
    }
    let found = ok(&registry, &["search", "--property", "vcs.revision=c0ffee"]);
    let line = found.lines().next().unwrap_or_default();
    assert!(line.starts_with("libs/org/example/tool@2.0\tsha256:"), "{found}");
    assert!(
        line.ends_with("\tbuild.id=12 vcs.revision=c0ffee vcs.url=https://git.example/tool"),
        "the provenance is the last column: {found}"
    );
}
