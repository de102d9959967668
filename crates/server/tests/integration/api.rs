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
