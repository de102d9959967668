//! The same registry on PostgreSQL metadata (`--database postgres://…`).

use crate::support::Client;
use arca_server::testing::TestServer;
use arca_store_sql::testing::PgScratch;

#[tokio::test]
async fn push_pull_list_and_delete_on_postgres() {
    let db = PgScratch::create().await;
    let url = db.url.clone();
    let server = TestServer::start_with(move |s| s.database = url).await;
    let c = Client::new(&server);
    let manifest = c.push_image_parts("dev/team/app", b"layer on postgres").await;
    let r = c.put_manifest("dev/team/app", "1.0", &manifest).await;
    assert_eq!(r.status(), 201);
    let digest = r.headers()["docker-content-digest"].to_str().unwrap().to_owned();
    assert_eq!(c.get("/v2/dev/team/app/manifests/1.0").await.text().await.unwrap(), manifest);
    let tags: serde_json::Value = c.get("/v2/dev/team/app/tags/list").await.json().await.unwrap();
    assert_eq!(tags["tags"], serde_json::json!(["1.0"]));
    let catalog: serde_json::Value = c.get("/v2/_catalog").await.json().await.unwrap();
    assert_eq!(catalog["repositories"], serde_json::json!(["dev/team/app"]));
    let r = c.http.delete(c.url(&format!("/v2/dev/team/app/manifests/{digest}"))).send().await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(c.get("/v2/dev/team/app/manifests/1.0").await.status(), 404);
    server.stop().await;
    db.drop().await;
}

/// Issue 16, point 5: PostgreSQL going away mid-traffic (every connection cut, new ones refused, as
/// in a restart) fails the writes in flight cleanly — 503 with `Retry-After`, never a 500 — and the
/// node reconnects by itself once the database is back. Every acknowledged image, and every tag
/// that exists at all, pulls whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restarted_mid_traffic_fails_writes_cleanly_and_the_node_reconnects() {
    let db = PgScratch::create().await;
    let (head, rest) = db.url.split_once('@').expect("user@host in the URL");
    let (server_addr, name) = rest.split_once('/').expect("a database name");
    let switch = crate::support::Switch::start(server_addr.to_owned()).await;
    let url = format!("{head}@{}/{name}", switch.endpoint.trim_start_matches("http://"));
    let server = TestServer::start_with(move |s| s.database = url).await;
    let c = Client::new(&server);

    let writer = {
        let c = Client::new(&server);
        tokio::spawn(async move {
            let mut answers = Vec::new();
            let started = std::time::Instant::now();
            let mut i = 0;
            while started.elapsed() < std::time::Duration::from_secs(4) {
                answers.push(push_image(&c, i).await);
                i += 1;
            }
            answers
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    switch.set(false);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let ready = c.get("/readyz").await;
    assert_eq!(ready.status(), 503, "not ready without the database");
    switch.set(true);
    let answers = writer.await.unwrap();

    let failed: Vec<_> = answers.iter().filter(|(_, status, _)| *status != 201).collect();
    assert!(!failed.is_empty(), "some writes met the outage");
    for (tag, status, retry_after) in &failed {
        assert_eq!(*status, 503, "{tag}: a write cut by the outage is 503, not {status}");
        assert!(*retry_after, "{tag}: 503 with Retry-After");
    }
    assert_eq!(answers.last().map(|a| a.1), Some(201), "writes succeed again once the database is back");
    assert_eq!(c.get("/readyz").await.status(), 200);
    for (tag, status, _) in &answers {
        let manifest = c.get(&format!("/v2/dev/app/manifests/{tag}")).await;
        match manifest.status().as_u16() {
            200 => {
                let manifest: serde_json::Value = manifest.json().await.unwrap();
                for blob in [&manifest["config"], &manifest["layers"][0]] {
                    let digest = blob["digest"].as_str().unwrap();
                    assert_eq!(c.get(&format!("/v2/dev/app/blobs/{digest}")).await.status(), 200, "{tag}: {digest}");
                }
            }
            404 => assert_ne!(*status, 201, "{tag} was acknowledged and must exist"),
            other => panic!("{tag}: {other}"),
        }
    }
    server.stop().await;
    db.drop().await;
}

/// Pushes image `i` (tag `t<i>`) without asserting; the first status that is not a success (or the
/// manifest's 201), and whether a 503 carried `Retry-After`.
async fn push_image(c: &Client, i: usize) -> (String, u16, bool) {
    let tag = format!("t{i}");
    let layer = format!("layer {i}").into_bytes();
    let mut digests = Vec::new();
    for content in [b"{}".to_vec(), layer.clone()] {
        let digest = crate::support::sha256(&content);
        let url = c.url(&format!("/v2/dev/app/blobs/uploads/?digest={digest}"));
        match c.http.post(url).body(content).send().await {
            Ok(r) if r.status() == 201 => digests.push(digest),
            Ok(r) => return (tag, r.status().as_u16(), r.headers().contains_key("retry-after")),
            Err(e) => panic!("{tag}: the node dropped the request: {e}"),
        }
    }
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{}","size":{}}}]}}"#,
        crate::support::OCI_MANIFEST,
        digests[0],
        digests[1],
        layer.len()
    );
    let r = c.put_manifest("dev/app", &tag, &manifest).await;
    (tag, r.status().as_u16(), r.headers().contains_key("retry-after"))
}
