//! Crates and Maven GAVs are versions like any other: promoted from a development repository into a
//! production one (then served by that repository's index and metadata, byte for byte), and deleted
//! by a retention policy whose plan protects what was promoted and the next candidate.

use crate::cargo::body_of;
use crate::maven::{Maven, pom};
use crate::support::Client;
use arca_server::testing::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn create(c: &Client, body: Value) {
    let r = c.http.post(c.url("/api/v1/repositories")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{body}");
}

async fn promote(c: &Client, artifact: &str, to: &str) {
    let r = c.http.post(c.url("/api/v1/promotions")).json(&json!({"artifact": artifact, "to": to})).send().await;
    let r = r.unwrap();
    let status = r.status();
    assert!(status.is_success(), "{artifact} → {to}: {status} {:?}", r.text().await);
}

async fn publish_crate(c: &Client, repo: &str, name: &str, version: &str) {
    let r = c.http.put(c.url(&format!("/cargo/{repo}/api/v1/crates/new"))).body(body_of(name, version)).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::OK, "{name}@{version}");
}

#[tokio::test]
async fn crates_and_gavs_are_promoted_and_retained_like_any_version() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    create(&c, json!({"name": "rs-dev", "format": "cargo"})).await;
    create(&c, json!({"name": "rs-prod", "format": "cargo", "promote_from": ["rs-dev"]})).await;
    create(&c, json!({"name": "mvn-dev", "format": "maven"})).await;
    create(&c, json!({"name": "mvn-prod", "format": "maven", "promote_from": ["mvn-dev"]})).await;

    // Promotion: the production index and metadata list exactly what was promoted.
    for version in ["1.2.0", "1.10.0", "1.9.0"] {
        publish_crate(&c, "rs-dev", "lifecycle", version).await;
    }
    promote(&c, "rs-dev/lifecycle@1.10.0", "rs-prod").await;
    let index = c.get("/cargo/rs-prod/index/li/fe/lifecycle").await.text().await.unwrap();
    assert_eq!(index.lines().count(), 1, "{index}");
    assert!(index.contains("\"vers\":\"1.10.0\""), "{index}");
    let dev = c.get("/cargo/rs-dev/api/v1/crates/lifecycle/1.10.0/download").await.bytes().await.unwrap();
    let prod = c.get("/cargo/rs-prod/api/v1/crates/lifecycle/1.10.0/download").await.bytes().await.unwrap();
    assert_eq!(dev, prod, "the same .crate, never rebuilt");

    let dev_mvn = Maven::new(&server, "mvn-dev");
    for version in ["1.2", "1.10", "1.9"] {
        let dir = format!("org/acme/cycle/{version}");
        dev_mvn.deploy(&format!("{dir}/cycle-{version}.pom"), &pom("org.acme", "cycle", version, "jar")).await;
        dev_mvn.deploy(&format!("{dir}/cycle-{version}.jar"), format!("jar {version}").as_bytes()).await;
    }
    promote(&c, "mvn-dev/org/acme/cycle@1.10", "mvn-prod").await;
    let prod_mvn = Maven::new(&server, "mvn-prod");
    let (_, metadata) = prod_mvn.text("org/acme/cycle/maven-metadata.xml").await;
    assert!(metadata.contains("<version>1.10</version>") && !metadata.contains("<version>1.9</version>"), "{metadata}");
    let jar = prod_mvn.get("org/acme/cycle/1.10/cycle-1.10.jar").await.bytes().await.unwrap();
    assert_eq!(jar.as_ref(), b"jar 1.10");

    // Retention in the development repositories, which promote onward: the plan keeps what was
    // promoted (the rollback target) and the newest push (the next candidate), and deletes the rest.
    let policy = "[[rule]]\nselect = { version = \"*\" }\nkeep_last = 1\n";
    for (repo, deleted, kept) in [("rs-dev", "1.2.0", ["1.9.0", "1.10.0"]), ("mvn-dev", "1.2", ["1.9", "1.10"])] {
        let r = c.http.put(c.url(&format!("/api/v1/repositories/{repo}/retention"))).body(policy).send().await.unwrap();
        assert!(r.status().is_success(), "{repo}: {}", r.status());
        let plan: Value = c.get(&format!("/api/v1/repositories/{repo}/retention/plan")).await.json().await.unwrap();
        let action = |version: &str| {
            let items = plan["items"].as_array().unwrap();
            let item = items.iter().find(|i| i["version"] == version).unwrap_or_else(|| panic!("{version}: {plan:#}"));
            item["action"].as_str().unwrap().to_owned()
        };
        assert_eq!(action(deleted), "delete", "{plan:#}");
        for version in kept {
            assert_eq!(action(version), "keep", "{plan:#}");
        }
        let r = c.http.post(c.url(&format!("/api/v1/repositories/{repo}/retention/apply"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{repo}");
    }
    let index = c.get("/cargo/rs-dev/index/li/fe/lifecycle").await.text().await.unwrap();
    let versions: Vec<&str> = index.lines().filter_map(|l| l.split("\"vers\":\"").nth(1)?.split('"').next()).collect();
    assert_eq!(versions, ["1.9.0", "1.10.0"], "SemVer order, 1.2.0 gone: {index}");
    assert_eq!(c.get("/cargo/rs-dev/api/v1/crates/lifecycle/1.2.0/download").await.status(), StatusCode::NOT_FOUND);
    let (_, metadata) = dev_mvn.text("org/acme/cycle/maven-metadata.xml").await;
    assert!(metadata.contains("<version>1.9</version>") && metadata.contains("<version>1.10</version>"), "{metadata}");
    assert!(!metadata.contains("<version>1.2</version>"), "{metadata}");
    assert_eq!(dev_mvn.get("org/acme/cycle/1.2/cycle-1.2.jar").await.status(), StatusCode::NOT_FOUND);
}
