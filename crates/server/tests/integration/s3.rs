//! arca on object storage (issue 16, points 1–3 and 5): blobs in an S3-compatible server on loopback
//! (moto, `ARCA_TEST_S3`), pushed in chunks larger and smaller than a part, pulled through the node and
//! by presigned redirect (skopeo follows it), and a bucket that stops answering: 503 with
//! `Retry-After`, nothing recorded, the node up and serving again once the bucket is back.

use crate::support::{Client, Switch, oci_error, sha256};
use arca_server::testing::{TestServer, on_s3, s3_endpoint, s3_storage};
use std::sync::Arc;

const MIB: usize = 1024 * 1024;

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed) ^ (i >> 11) as u8).collect()
}

/// Pushes `content` to `name` in chunks of the given sizes (POST, PATCHes, PUT); returns the digest.
async fn push_in_chunks(client: &Client, name: &str, content: &[u8], sizes: &[usize]) -> String {
    let digest = sha256(content);
    let r = client.http.post(client.url(&format!("/v2/{name}/blobs/uploads/"))).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let mut location = r.headers()["location"].to_str().unwrap().to_owned();
    let mut offset = 0;
    for size in sizes {
        let chunk = content[offset..offset + size].to_vec();
        let range = format!("{offset}-{}", offset + size - 1);
        let r =
            client.http.patch(client.url(&location)).header("content-range", range).body(chunk).send().await.unwrap();
        assert_eq!(r.status(), 202, "chunk at {offset}");
        location = r.headers()["location"].to_str().unwrap().to_owned();
        offset += size;
    }
    assert_eq!(offset, content.len());
    let sep = if location.contains('?') { '&' } else { '?' };
    let r = client.http.put(client.url(&format!("{location}{sep}digest={digest}"))).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    digest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_pushed_in_chunks_are_served_through_the_node_and_by_presigned_redirect() {
    // Two nodes on one metadata database and one bucket; the second redirects downloads.
    let s3 = s3_storage(&s3_endpoint()).await;
    let data = tempfile::tempdir().unwrap();
    let streamed = TestServer::start_in(data.path(), |s| on_s3(s, &s3)).await;
    let redirecting = {
        let mut s3 = s3.clone();
        s3.redirect = Some(std::time::Duration::from_secs(120));
        TestServer::start_in(data.path(), move |s| on_s3(s, &s3)).await
    };
    let client = Client::new(&streamed);
    // 13 MiB in chunks of 3, 6 and 4 MiB: parts of 5 MiB cut across chunk boundaries.
    let layer = pattern(13 * MIB, 1);
    let digest = push_in_chunks(&client, "dev/app", &layer, &[3 * MIB, 6 * MIB, 4 * MIB]).await;
    let got = client.get(&format!("/v2/dev/app/blobs/{digest}")).await;
    assert_eq!(got.status(), 200, "streamed through the node");
    assert!(got.bytes().await.unwrap() == layer, "byte for byte");
    let ranged =
        client.http.get(client.url(&format!("/v2/dev/app/blobs/{digest}"))).header("range", "bytes=5242878-5242881");
    let ranged = ranged.send().await.unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().await.unwrap(), layer[5_242_878..=5_242_881]);

    // The second node, on the same bucket, redirects downloads to presigned URLs.
    let no_follow = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = format!("{}/v2/dev/app/blobs/{digest}", redirecting.url());
    let redirect = no_follow.get(&url).send().await.unwrap();
    assert_eq!(redirect.status(), 307);
    assert_eq!(redirect.headers()["docker-content-digest"], digest.as_str());
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&s3_endpoint()) && location.contains("X-Amz-Signature"), "{location}");
    assert!(
        reqwest::get(&location).await.unwrap().bytes().await.unwrap() == layer,
        "the presigned URL serves the blob"
    );
    let followed = reqwest::Client::new().get(&url).header("range", "bytes=10-19").send().await.unwrap();
    assert_eq!(followed.status(), 206, "a Range survives the redirect");
    assert_eq!(followed.bytes().await.unwrap(), layer[10..20]);
    assert_eq!(no_follow.head(&url).send().await.unwrap().status(), 200, "a HEAD is answered by the node");
    let unknown = no_follow.get(format!("{}/v2/dev/app/blobs/{}", redirecting.url(), sha256(b"never"))).send().await;
    assert_eq!(oci_error(unknown.unwrap()).await, (404, "BLOB_UNKNOWN".into()), "no URL for what the package lacks");

    // A generic file too.
    let put = client.http.put(client.url("/generic/tools/cli/1.0/cli.bin")).body(pattern(6 * MIB, 2)).send().await;
    assert_eq!(put.unwrap().status(), 201);
    let file = no_follow.get(format!("{}/generic/tools/cli/1.0/cli.bin", redirecting.url())).send().await.unwrap();
    assert_eq!(file.status(), 307);
    let location = file.headers()["location"].to_str().unwrap().to_owned();
    let fetched = reqwest::get(&location).await.unwrap();
    let disposition = fetched.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("cli.bin"), "saved under the file's name: {disposition}");
    assert!(fetched.bytes().await.unwrap() == pattern(6 * MIB, 2));

    // skopeo pulls an image through the redirects and checks every digest.
    let manifest = {
        let config = client.push_blob("dev/app", b"{}").await;
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{digest}","size":{}}}]}}"#,
            layer.len()
        )
    };
    assert_eq!(client.put_manifest("dev/app", "1.0", &manifest).await.status(), 201);
    let dir = tempfile::tempdir().unwrap();
    let src = format!("docker://{}/dev/app:1.0", redirecting.host());
    let dest = format!("dir:{}", dir.path().join("pulled").display());
    let mut skopeo = std::process::Command::new("skopeo");
    skopeo.env("HOME", dir.path()).args(["copy", "--src-tls-verify=false", &src, &dest]);
    let out = crate::support::run(skopeo).await;
    assert!(out.status.success(), "skopeo copy through redirects: {}", crate::support::text(&out));
    let pulled = std::fs::read(dir.path().join("pulled").join(digest.trim_start_matches("sha256:"))).unwrap();
    assert!(pulled == layer, "skopeo got the layer byte for byte");
    redirecting.stop().await;
    streamed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_storage_that_stops_answering_gets_503_with_retry_after_and_nothing_is_recorded() {
    let switch = Arc::new(Switch::start(s3_endpoint().trim_start_matches("http://").to_owned()).await);
    let s3 = s3_storage(&switch.endpoint).await;
    let server = TestServer::start_with(|s| on_s3(s, &s3)).await;
    let client = Client::new(&server);
    let stored = client.push_blob("dev/app", b"stored before the outage").await;

    switch.set(false);
    let lost = pattern(2 * MIB, 3);
    let r = client.http.post(client.url(&format!("/v2/dev/app/blobs/uploads/?digest={}", sha256(&lost))));
    let r = r.body(lost.clone()).send().await.unwrap();
    assert!(r.headers().contains_key("retry-after"), "503 says when to retry");
    assert_eq!(oci_error(r).await, (503, "UNAVAILABLE".into()), "a monolithic push");
    let chunked = client.http.post(client.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap();
    let location = chunked.headers()["location"].to_str().unwrap().to_owned();
    let patch = client.http.patch(client.url(&location)).header("content-range", "0-5").body(b"chunk!".to_vec());
    assert_eq!(oci_error(patch.send().await.unwrap()).await, (503, "UNAVAILABLE".into()), "a chunk");
    assert_eq!(client.get(&format!("/v2/dev/app/blobs/{stored}")).await.status(), 503, "a pull");
    let generic = client.http.put(client.url("/generic/tools/cli/1.0/cli.bin")).body(b"tool".to_vec()).send().await;
    assert_eq!(generic.unwrap().status(), 503, "a generic publish");
    let ready = client.get("/readyz").await;
    assert_eq!(ready.status(), 503, "not ready while the bucket is away");

    switch.set(true);
    assert_eq!(client.get("/readyz").await.status(), 200, "ready again");
    let head = client.http.head(client.url(&format!("/v2/dev/app/blobs/{}", sha256(&lost)))).send().await.unwrap();
    assert_eq!(head.status(), 404, "the failed push recorded nothing");
    assert_eq!(client.get("/generic/tools/cli/1.0/cli.bin").await.status(), 404, "nor did the generic one");
    assert_eq!(
        client.get(&format!("/v2/dev/app/blobs/{stored}")).await.bytes().await.unwrap(),
        &b"stored before the outage"[..]
    );
    let patch = client.http.patch(client.url(&location)).header("content-range", "0-5").body(b"chunk!".to_vec());
    assert_eq!(patch.send().await.unwrap().status(), 202, "the chunked upload goes on where it was");
    assert_eq!(client.push_blob("dev/app", &lost).await, sha256(&lost), "the lost push succeeds when retried");
    server.stop().await;
}
