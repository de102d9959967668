//! Three nodes on one PostgreSQL database and one shared blob storage (issue 16, point 4, on the
//! filesystem store): any node continues any upload, serves what another wrote the moment it is
//! committed, two nodes racing for one immutable tag end with one winner, and an upload closed on one
//! node is refused by all.

use crate::support::{Client, OCI_MANIFEST, sha256};
use arca_server::testing::TestServer;
use arca_store_sql::testing::PgScratch;

async fn three_nodes(db: &PgScratch, data: &std::path::Path) -> Vec<TestServer> {
    let mut nodes = Vec::new();
    for _ in 0..3 {
        let url = db.url.clone();
        nodes.push(TestServer::start_in(data, move |s| s.database = url).await);
    }
    nodes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_share_uploads_tags_and_refusals() {
    let db = PgScratch::create().await;
    let data = tempfile::tempdir().unwrap();
    let nodes = three_nodes(&db, data.path()).await;
    let [a, b, c] = [Client::new(&nodes[0]), Client::new(&nodes[1]), Client::new(&nodes[2])];

    // A chunked upload whose requests alternate between nodes, pulled from the third.
    let chunks: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; 70_000 + usize::from(i)]).collect();
    let whole: Vec<u8> = chunks.concat();
    let digest = sha256(&whole);
    let r = a.http.post(a.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let mut location = r.headers()["location"].to_str().unwrap().to_owned();
    let mut offset = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        let node = [&a, &b][i % 2];
        let range = format!("{offset}-{}", offset + chunk.len() - 1);
        let r = node.http.patch(node.url(&location)).header("content-range", range).body(chunk.clone()).send();
        let r = r.await.unwrap();
        assert_eq!(r.status(), 202, "chunk {i} on node {}", i % 2);
        location = r.headers()["location"].to_str().unwrap().to_owned();
        offset += chunk.len();
    }
    let sep = if location.contains('?') { '&' } else { '?' };
    let r = b.http.put(b.url(&format!("{location}{sep}digest={digest}"))).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(c.get(&format!("/v2/dev/app/blobs/{digest}")).await.bytes().await.unwrap(), whole);

    // A moved tag is seen by every node at once: no node caches tags.
    for (i, writer) in [&a, &b, &c].into_iter().enumerate() {
        let manifest = writer.push_image_parts("dev/app", format!("latest {i}").as_bytes()).await;
        assert_eq!(writer.put_manifest("dev/app", "latest", &manifest).await.status(), 201);
        for reader in [&a, &b, &c] {
            assert_eq!(reader.get("/v2/dev/app/manifests/latest").await.text().await.unwrap(), manifest);
        }
    }

    // Two nodes race for one immutable tag with different content: one wins, the other is refused.
    for round in 0..5 {
        let tag = format!("1.{round}");
        let (ma, mb) = (
            a.push_image_parts("dev/app", format!("a {round}").as_bytes()).await,
            b.push_image_parts("dev/app", format!("b {round}").as_bytes()).await,
        );
        let put = |client: &Client, manifest: String, tag: String| {
            let request = client
                .http
                .put(client.url(&format!("/v2/dev/app/manifests/{tag}")))
                .header("content-type", OCI_MANIFEST)
                .body(manifest);
            async move { request.send().await.unwrap() }
        };
        let (ra, rb) = tokio::join!(put(&a, ma.clone(), tag.clone()), put(&b, mb.clone(), tag.clone()));
        let statuses = [ra.status().as_u16(), rb.status().as_u16()];
        let winner = match statuses {
            [201, 409] => &ma,
            [409, 201] => &mb,
            other => panic!("one winner and one refusal, not {other:?}"),
        };
        let refused = if statuses[0] == 409 { ra } else { rb };
        let said = refused.text().await.unwrap();
        assert!(said.contains("DENIED") && said.contains("immutable"), "a clear refusal: {said}");
        assert_eq!(c.get(&format!("/v2/dev/app/manifests/{tag}")).await.text().await.unwrap(), *winner);
    }

    // An upload id closed on one node is refused by every node: completed (here a monolithic one,
    // which never had a session row) or cancelled.
    let blob = b"closed once".to_vec();
    let r = a.http.post(a.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let sep = if location.contains('?') { '&' } else { '?' };
    let done = a.http.put(a.url(&format!("{location}{sep}digest={}", sha256(&blob)))).body(blob.clone()).send();
    assert_eq!(done.await.unwrap().status(), 201);
    let r = b.http.post(b.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap();
    let cancelled = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(b.http.delete(b.url(&cancelled)).send().await.unwrap().status(), 204);
    for (closed, by) in [(&location, "a"), (&cancelled, "b")] {
        for node in [&a, &b, &c] {
            let r = node.http.patch(node.url(closed)).body(b"more".to_vec()).send().await.unwrap();
            assert_eq!(r.status(), 404, "an upload closed on node {by} is refused everywhere");
            assert!(r.text().await.unwrap().contains("BLOB_UPLOAD_UNKNOWN"));
        }
    }

    for node in nodes {
        node.stop().await;
    }
    db.drop().await;
}

/// Issue 12, point 4, on PostgreSQL: two nodes promoting different digests into one immutable tag at
/// once end with exactly one winner (the other refused with `409 tag_immutable`), the tag pointing at
/// the winner's digest and the history recording only the winner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_promotions_on_two_nodes_have_one_winner() {
    let db = PgScratch::create().await;
    let data = tempfile::tempdir().unwrap();
    let nodes = three_nodes(&db, data.path()).await;
    let [a, b] = [Client::new(&nodes[0]), Client::new(&nodes[1])];
    for body in [
        serde_json::json!({"name": "dev-a"}),
        serde_json::json!({"name": "dev-b"}),
        serde_json::json!({"name": "release", "promote_from": ["dev-a", "dev-b"]}),
    ] {
        let r = a.http.post(a.url("/api/v1/repositories")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
    for n in 0..6 {
        for (node, repo) in [(&a, "dev-a"), (&b, "dev-b")] {
            let manifest = node.push_image_parts(&format!("{repo}/app"), format!("{repo} {n}").as_bytes()).await;
            assert_eq!(node.put_manifest(&format!("{repo}/app"), &format!("{n}.0"), &manifest).await.status(), 201);
        }
    }
    for n in 0..6 {
        let promote = |node: &Client, repo: &str| {
            let body = serde_json::json!({"artifact": format!("{repo}/app@{n}.0"), "to": "release"});
            node.http.post(node.url("/api/v1/promotions")).json(&body).send()
        };
        let (ra, rb) = tokio::join!(promote(&a, "dev-a"), promote(&b, "dev-b"));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        let loser = if ra.status() == 409 { ra } else { rb };
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "exactly one winner of {n}.0");
        let refusal: serde_json::Value = loser.json().await.unwrap();
        assert_eq!(refusal["error"]["code"], "tag_immutable", "{refusal}");
        let history: serde_json::Value =
            a.get("/api/v1/promotions?repository=release&package=app&limit=100").await.json().await.unwrap();
        let recorded: Vec<&serde_json::Value> =
            history["history"].as_array().unwrap().iter().filter(|h| h["version"] == format!("{n}.0")).collect();
        assert_eq!(recorded.len(), 1, "only the winner is recorded: {history}");
        let tagged = b.get(&format!("/v2/release/app/manifests/{n}.0")).await;
        assert_eq!(
            tagged.headers()["docker-content-digest"].to_str().unwrap(),
            recorded[0]["digest"],
            "the tag is the winner's"
        );
    }
    for node in nodes {
        node.stop().await;
    }
    db.drop().await;
}

/// A node that starts on shared storage leaves alone the staged bytes of an upload that has no session
/// row yet: it may be streaming on another node right now (a single-request push). Only bytes idle
/// for an upload session's life are taken for a crash's leftovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starting_node_leaves_other_nodes_uploads_in_flight_alone() {
    use arca_core::blob::BlobStore;
    let db = PgScratch::create().await;
    let data = tempfile::tempdir().unwrap();
    let first = TestServer::start_in(data.path(), {
        let url = db.url.clone();
        move |s| s.database = url
    })
    .await;
    let shared = arca_store_fs::FsBlobStore::open(data.path().to_owned()).unwrap();
    let mut streaming = shared.open_upload("m-streaming-on-another-node", 0).await.unwrap();
    streaming.write(bytes::Bytes::from_static(b"half a layer")).await.unwrap();
    streaming.finish().await.unwrap();
    let second = TestServer::start_in(data.path(), {
        let url = db.url.clone();
        move |s| s.database = url
    })
    .await;
    let staged = shared.staged_uploads(std::time::Duration::ZERO).await.unwrap();
    assert_eq!(staged, ["m-streaming-on-another-node"], "the starting node did not reap it");
    second.stop().await;
    first.stop().await;
    db.drop().await;
}
