//! A quarantined crate or Maven artifact is withheld, as a quarantined PyPI project is: its index
//! file, downloads, files and metadata answer 404 until it is active again.

use crate::cargo::{cargo_repo, gzip_tar, publish_body};
use crate::maven::{Maven, pom};
use crate::support::Client;
use arca_server::testing::TestServer;
use reqwest::StatusCode;
use serde_json::json;

async fn set_status(c: &Client, repo: &str, package: &str, status: &str) {
    let url = c.url(&format!("/api/v1/repositories/{repo}/packages/{package}/status"));
    let r = c.http.put(url).json(&json!({"status": status, "reason": "under review"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
}

fn small_crate() -> Vec<u8> {
    let toml = b"[package]\nname = \"held\"\nversion = \"1.0.0\"\nedition = \"2021\"\n";
    gzip_tar(&[("held-1.0.0/Cargo.toml", toml), ("held-1.0.0/src/lib.rs", b"")])
}

#[tokio::test]
async fn quarantined_crates_and_maven_artifacts_are_withheld() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    cargo_repo(&c, "rs").await;
    let metadata = json!({"name": "held", "vers": "1.0.0", "deps": [], "features": {}, "authors": [],
        "description": null, "keywords": [], "categories": [], "badges": {}, "links": null});
    let body = publish_body(metadata.to_string().as_bytes(), &small_crate());
    let r = c.http.put(c.url("/cargo/rs/api/v1/crates/new")).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": "libs", "format": "maven"})).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::CREATED);
    let mvn = Maven::new(&server, "libs");
    mvn.deploy("org/acme/held/1.0/held-1.0.pom", &pom("org.acme", "held", "1.0", "jar")).await;
    mvn.deploy("org/acme/held/1.0/held-1.0.jar", b"jar").await;

    let reads = [
        "/cargo/rs/index/he/ld/held",
        "/cargo/rs/api/v1/crates/held/1.0.0/download",
        "/maven/libs/org/acme/held/1.0/held-1.0.jar",
        "/maven/libs/org/acme/held/1.0/held-1.0.jar.sha1",
        "/maven/libs/org/acme/held/maven-metadata.xml",
    ];
    for path in reads {
        assert_eq!(c.get(path).await.status(), StatusCode::OK, "{path} while active");
    }
    set_status(&c, "rs", "held", "quarantined").await;
    set_status(&c, "libs", "org/acme/held", "quarantined").await;
    for path in reads {
        assert_eq!(c.get(path).await.status(), StatusCode::NOT_FOUND, "{path} while quarantined");
    }
    set_status(&c, "rs", "held", "active").await;
    set_status(&c, "libs", "org/acme/held", "active").await;
    for path in reads {
        assert_eq!(c.get(path).await.status(), StatusCode::OK, "{path} active again");
    }
}
