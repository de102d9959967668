//! Provenance of language packages, found by search: a crate's `.cargo_vcs_info.json` commit and
//! `package.repository`, a Maven GAV's deploy-URL matrix parameters (as Artifactory takes them) and
//! its POM's `<scm>`, all as the version's reserved `vcs.*`/`build.*` properties.

use crate::cargo::{cargo_repo, gzip_tar, publish_body};
use crate::maven::Maven;
use crate::support::Client;
use arca_server::testing::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

const REVISION: &str = "3f1c2ab4d5e6f708192a3b4c5d6e7f8091a2b3c4";

async fn search(c: &Client, query: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/search?{query}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["results"].as_array().unwrap().clone()
}

/// A `.crate` packaged from a git checkout, as `cargo package` writes it.
fn crate_with_vcs_info(name: &str, version: &str, vcs_info: &str) -> Vec<u8> {
    let root = format!("{name}-{version}");
    let toml = format!(
        "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\nrepository = \"https://git.example/acme/{name}\"\n"
    );
    gzip_tar(&[
        (&format!("{root}/.cargo_vcs_info.json"), vcs_info.as_bytes()),
        (&format!("{root}/Cargo.toml"), toml.as_bytes()),
        (&format!("{root}/src/lib.rs"), b""),
    ])
}

fn crate_metadata(name: &str, version: &str) -> Vec<u8> {
    json!({"name": name, "vers": version, "deps": [], "features": {}, "authors": [], "description": null,
           "keywords": [], "categories": [], "badges": {}, "links": null, "rust_version": null,
           "repository": format!("https://git.example/acme/{name}")})
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a_crate_is_found_by_the_commit_it_was_packaged_from() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    cargo_repo(&c, "rs").await;
    let vcs = format!(r#"{{"git": {{"sha1": "{REVISION}", "dirty": true}}, "path_in_vcs": "crates/core"}}"#);
    let body = publish_body(&crate_metadata("acme-core", "1.2.0"), &crate_with_vcs_info("acme-core", "1.2.0", &vcs));
    let r = c.http.put(c.url("/cargo/rs/api/v1/crates/new")).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);

    let hits = search(&c, &format!("property=vcs.revision={REVISION}")).await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!((hits[0]["repository"].as_str(), hits[0]["format"].as_str()), (Some("rs"), Some("cargo")));
    assert_eq!(
        hits[0]["properties"],
        json!({"vcs.dirty": ["true"], "vcs.path": ["crates/core"], "vcs.revision": [REVISION],
               "vcs.url": ["https://git.example/acme/acme-core"]})
    );
    // A crate packaged outside git: only its repository.
    let plain =
        publish_body(&crate_metadata("acme-util", "0.1.0"), &crate_with_vcs_info("acme-util", "0.1.0", "not json"));
    let r = c.http.put(c.url("/cargo/rs/api/v1/crates/new")).body(plain).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "an unreadable .cargo_vcs_info.json is no information, not an error");
    let hits = search(&c, "property=vcs.url=https://git.example/acme/acme-util").await;
    assert_eq!(hits[0]["properties"], json!({"vcs.url": ["https://git.example/acme/acme-util"]}));
}

fn pom_with_scm(version: &str) -> Vec<u8> {
    format!(
        "<project><modelVersion>4.0.0</modelVersion><groupId>org.acme</groupId><artifactId>lib</artifactId>\
         <version>{version}</version><scm><connection>scm:git:https://git.example/acme/lib.git</connection>\
         <tag>v{version}</tag></scm></project>"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_maven_deploy_takes_matrix_parameters_and_the_pom_scm_as_provenance() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": "libs", "format": "maven"})).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::CREATED);
    let deploy_url = format!("libs;vcs.revision={REVISION};build.id=41;os=linux,darwin");
    let mvn = Maven::new(&server, &deploy_url);

    // A key arca does not take is refused before anything is stored.
    let bad = Maven::new(&server, "libs;buildNumber=7");
    let r = bad.put("org/acme/lib/1.0/lib-1.0.pom", pom_with_scm("1.0")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("property key"), "the reason names the key");

    mvn.deploy("org/acme/lib/1.0/lib-1.0.pom", &pom_with_scm("1.0")).await;
    assert!(search(&c, &format!("property=vcs.revision={REVISION}")).await.is_empty(), "not visible before its jar");
    mvn.deploy("org/acme/lib/1.0/lib-1.0.jar", b"jar bytes").await;
    let hits = search(&c, &format!("property=vcs.revision={REVISION}")).await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!((hits[0]["package"].as_str(), hits[0]["version"].as_str()), (Some("org/acme/lib"), Some("1.0")));
    assert_eq!(
        hits[0]["properties"],
        json!({"build.id": ["41"], "os": ["darwin", "linux"], "vcs.revision": [REVISION],
               "vcs.tag": ["v1.0"], "vcs.url": ["https://git.example/acme/lib.git"]})
    );
    // A later file without parameters keeps them; one with a new value of a key replaces that key.
    Maven::new(&server, "libs").deploy("org/acme/lib/1.0/lib-1.0-sources.jar", b"sources").await;
    Maven::new(&server, "libs;build.id=42").deploy("org/acme/lib/1.0/lib-1.0-javadoc.jar", b"docs").await;
    let hits = search(&c, &format!("property=vcs.revision={REVISION}")).await;
    assert_eq!(hits[0]["properties"]["build.id"], json!(["42"]));
    assert_eq!(hits[0]["properties"]["vcs.tag"], json!(["v1.0"]));
    // Reads ignore matrix parameters.
    assert_eq!(mvn.get("org/acme/lib/1.0/lib-1.0.jar").await.bytes().await.unwrap().as_ref(), b"jar bytes");
}
