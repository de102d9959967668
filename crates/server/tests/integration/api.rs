//! The management API's repository endpoints.

use crate::support::Client;
use arca_server::testing::TestServer;
use serde_json::{Value, json};

#[tokio::test]
async fn repositories_are_created_listed_updated_and_deleted() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let url = c.url("/api/v1/repositories");
    let created = c
        .http
        .post(&url)
        .json(&json!({"name": "prod", "format": "oci", "stage": "prod", "mutable_tags": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let repo: Value = created.json().await.unwrap();
    assert_eq!(
        (repo["name"].as_str(), repo["stage"].as_str(), repo["format"].as_str()),
        (Some("prod"), Some("prod"), Some("oci"))
    );

    let again = c.http.post(&url).json(&json!({"name": "prod"})).send().await.unwrap();
    assert_eq!(again.status(), 409);
    let error: Value = again.json().await.unwrap();
    assert_eq!(error["error"]["code"], "conflict");

    let bad = c.http.post(&url).json(&json!({"name": "Not Valid"})).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let unknown_field = c.http.post(&url).json(&json!({"name": "x", "colour": "red"})).send().await.unwrap();
    assert_eq!(unknown_field.status(), 400);

    let list: Value = c.get("/api/v1/repositories").await.json().await.unwrap();
    assert_eq!(list["repositories"].as_array().unwrap().len(), 1);

    let patched = c
        .http
        .patch(c.url("/api/v1/repositories/prod"))
        .json(&json!({"mutable_tags": ["nightly-*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let repo: Value = patched.json().await.unwrap();
    assert_eq!(repo["mutable_tags"], json!(["nightly-*"]));

    // A repository with content cannot be deleted; an empty one can.
    c.push_blob("prod/app", b"content").await;
    assert_eq!(c.http.delete(c.url("/api/v1/repositories/prod")).send().await.unwrap().status(), 409);
    c.http.post(&url).json(&json!({"name": "empty"})).send().await.unwrap();
    assert_eq!(c.http.delete(c.url("/api/v1/repositories/empty")).send().await.unwrap().status(), 204);
    assert_eq!(c.get("/api/v1/repositories/empty").await.status(), 404);
}

#[tokio::test]
async fn server_info_and_a_versions_referrers() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let info: Value = c.get("/api/v1/info").await.json().await.unwrap();
    assert_eq!((info["name"].as_str(), info["api"].as_str()), (Some("arca"), Some("v1")));

    let put = c.http.put(c.url("/generic/rel/tool/1.0/tool.bin")).body("binary").send().await.unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let head = c.http.head(c.url("/v2/rel/tool/manifests/1.0")).send().await.unwrap();
    let subject = head.headers()["docker-content-digest"].to_str().unwrap().to_owned();
    let size: u64 = head.headers()["content-length"].to_str().unwrap().parse().unwrap();
    let empty = c.push_blob("rel/tool", b"{}").await;
    let statement = c.push_blob("rel/tool", br#"{"_type":"https://in-toto.io/Statement/v1"}"#).await;
    let referrer = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI}","artifactType":"application/vnd.in-toto+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{empty}","size":2}},"layers":[{{"mediaType":"application/vnd.in-toto+json","digest":"{statement}","size":43}}],"subject":{{"mediaType":"{OCI}","digest":"{subject}","size":{size}}}}}"#,
        OCI = crate::support::OCI_MANIFEST
    );
    let digest = crate::support::sha256(referrer.as_bytes());
    assert_eq!(c.put_manifest("rel/tool", &digest, &referrer).await.status(), 201);

    let version: Value = c.get("/api/v1/repositories/rel/packages/tool/versions/1.0").await.json().await.unwrap();
    assert_eq!(version["digest"], subject.as_str());
    assert_eq!(version["referrers"][0]["digest"], digest.as_str());
    assert_eq!(version["referrers"][0]["artifact_type"], "application/vnd.in-toto+json");
}
