//! Repository quotas: a push past `quota_bytes` is refused in the protocol's own error format with a
//! message naming the quota, and nothing of it is stored; usage and quota show in the storage report
//! and on `/metrics`; removing the quota lets the push through.

use crate::support::{Client, oci_error, sha256};
use arca_server::testing::TestServer;
use serde_json::{Value, json};

#[tokio::test]
async fn pushes_past_the_quota_are_refused_with_a_message_naming_it() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let body = json!({ "name": "small", "quota_bytes": 1000, "mutable_tags": ["latest"] });
    let r = c.http.post(c.url("/api/v1/repositories")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["quota_bytes"], 1000);

    let first = vec![1u8; 600];
    c.push_blob("small/app", &first).await;
    c.push_blob("small/other", &first).await; // the same blob: counted once
    let second = vec![2u8; 600];
    let r =
        c.http.post(c.url(&format!("/v2/small/app/blobs/uploads/?digest={}", sha256(&second)))).body(second.clone());
    let r = r.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("DENIED") && text.contains("quota_bytes is 1000"), "OCI error naming the quota: {text}");
    assert_eq!(c.get(&format!("/v2/small/app/blobs/{}", sha256(&second))).await.status(), 404, "nothing stored");

    let body = json!({ "name": "files", "format": "generic", "quota_bytes": 100 });
    assert_eq!(c.http.post(c.url("/api/v1/repositories")).json(&body).send().await.unwrap().status(), 201);
    let r = c.http.put(c.url("/generic/files/tool/1.0/a.bin")).body(second.clone()).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let refusal: Value = r.json().await.unwrap();
    assert!(refusal["error"]["message"].as_str().unwrap().contains("quota"), "{refusal}");

    let report: Value = c.get("/api/v1/storage").await.json().await.unwrap();
    let small = report["repositories"].as_array().unwrap().iter().find(|r| r["repository"] == "small").unwrap().clone();
    assert_eq!((small["bytes"].as_u64(), small["quota_bytes"].as_u64()), (Some(600), Some(1000)), "{report}");
    let metrics = c.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("arca_storage_repository_quota_bytes{repository=\"small\"} 1000"), "{metrics}");

    let r = c.http.patch(c.url("/api/v1/repositories/small")).json(&json!({ "quota_bytes": null })).send().await;
    assert_eq!(r.unwrap().status(), 200);
    c.push_blob("small/app", &second).await;
    let r = c.http.patch(c.url("/api/v1/repositories/small")).json(&json!({ "quota_bytes": 10 })).send().await;
    assert_eq!(r.unwrap().status(), 200, "a quota below the usage is accepted: it stops growth only");
    let third = vec![3u8; 10];
    let r = c.http.post(c.url(&format!("/v2/small/app/blobs/uploads/?digest={}", sha256(&third)))).body(third);
    assert_eq!(oci_error(r.send().await.unwrap()).await, (403, "DENIED".into()));
    server.stop().await;
}
