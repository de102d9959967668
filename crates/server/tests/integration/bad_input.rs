//! Bad input gets a clear OCI error and leaves nothing behind.

use crate::support::{Client, OCI_MANIFEST, oci_error, sha256, staged_files};
use arca_server::testing::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn traversal_in_any_spelling_is_refused() {
    let server = TestServer::start().await;
    let paths = [
        "/v2/dev/../etc/manifests/v1",
        "/v2/dev/%2e%2e/etc/manifests/v1",
        "/v2/dev/%252e%252e/etc/manifests/v1",
        "/v2/dev/..%2fetc/manifests/v1",
        "/v2/dev/%2E%2E%2Fetc/tags/list",
        "/v2/dev//app/tags/list",
        "/v2/dev/app/manifests/..",
        "/v2/dev/app/blobs/sha256:..%2f..%2f",
        "/v2/dev/app/blobs/uploads/..%2f..%2fx",
    ];
    for path in paths {
        // Send the path verbatim: an HTTP client library would normalise the dots away.
        let (status, body) =
            raw_request(&server.host(), &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).await;
        assert!((400..=404).contains(&status), "{path}: {status} {body}");
        assert!(body.contains("\"errors\""), "{path}: not an OCI error: {body}");
    }
}

#[tokio::test]
async fn invalid_names_digests_and_tags_name_the_problem() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    assert_eq!(oci_error(c.get("/v2/Dev/App/tags/list").await).await, (400, "NAME_INVALID".into()));
    assert_eq!(oci_error(c.get("/v2/single/tags/list").await).await, (400, "NAME_INVALID".into()));
    assert_eq!(oci_error(c.get("/v2/dev/app/blobs/sha256:1234").await).await, (400, "DIGEST_INVALID".into()));
    assert_eq!(oci_error(c.get("/v2/dev/app/blobs/md5:1234").await).await, (400, "DIGEST_INVALID".into()));
    // Reads of a reference that cannot name a manifest are 404 (the v1.1.1 conformance suite);
    // writes say what is wrong with it.
    assert_eq!(oci_error(c.get("/v2/dev/app/manifests/-bad-tag").await).await, (404, "MANIFEST_UNKNOWN".into()));
    let head = c.http.head(c.url("/v2/dev/app/manifests/-bad-tag")).send().await.unwrap();
    assert_eq!(head.status(), 404);
    assert_eq!(oci_error(c.get("/v2/dev/app/manifests/sha256:12").await).await, (404, "MANIFEST_UNKNOWN".into()));
    assert_eq!(oci_error(c.put_manifest("dev/app", "-bad-tag", "{}").await).await, (400, "TAG_INVALID".into()));
}

#[tokio::test]
async fn digest_mismatch_stores_nothing() {
    let dir = tempfile_dir();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let wrong = sha256(b"something else");
    let r =
        c.http.post(c.url(&format!("/v2/dev/app/blobs/uploads/?digest={wrong}"))).body("payload").send().await.unwrap();
    assert_eq!(oci_error(r).await, (400, "DIGEST_INVALID".into()));
    assert_eq!(c.get(&format!("/v2/dev/app/blobs/{}", sha256(b"payload"))).await.status(), 404);
    assert_eq!(c.get(&format!("/v2/dev/app/blobs/{wrong}")).await.status(), 404);
    assert!(staged_files(dir.path()).is_empty(), "staged bytes left: {:?}", staged_files(dir.path()));
}

#[tokio::test]
async fn content_already_stored_is_checked_not_trusted() {
    let dir = tempfile_dir();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let digest = c.push_blob("dev/first", b"stored bytes").await;
    // Same digest, other bytes of the same length, into another package: refused, nothing linked.
    for body in [&b"STORED BYTES"[..], b"stored", b"stored bytes and more"] {
        let url = c.url(&format!("/v2/dev/second/blobs/uploads/?digest={digest}"));
        let r = c.http.post(url).body(body).send().await.unwrap();
        assert_eq!(oci_error(r).await, (400, "DIGEST_INVALID".into()), "{body:?}");
        // The same through POST, then PUT with the whole body.
        let r = c.http.post(c.url("/v2/dev/second/blobs/uploads/")).send().await.unwrap();
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let r = c.http.put(c.url(&format!("{location}?digest={digest}"))).body(body).send().await.unwrap();
        assert_eq!(oci_error(r).await, (400, "DIGEST_INVALID".into()), "{body:?}");
        assert_eq!(c.get(&format!("/v2/dev/second/blobs/{digest}")).await.status(), 404);
    }
    // The right bytes link it without storing a second copy.
    let r = c.http.post(c.url("/v2/dev/third/blobs/uploads/")).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let r = c.http.put(c.url(&format!("{location}?digest={digest}"))).body("stored bytes").send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(c.get(&format!("/v2/dev/third/blobs/{digest}")).await.bytes().await.unwrap(), &b"stored bytes"[..]);
    assert_eq!(c.push_blob("dev/second", b"stored bytes").await, digest);
    let r = c.get(&format!("/v2/dev/second/blobs/{digest}")).await;
    assert_eq!(r.bytes().await.unwrap(), &b"stored bytes"[..]);
    assert!(staged_files(dir.path()).is_empty(), "staged bytes left: {:?}", staged_files(dir.path()));
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_stores_nothing() {
    let dir = tempfile_dir();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let digest = sha256(&[7u8; 100]);
    let head =
        format!("POST /v2/dev/app/blobs/uploads/?digest={digest} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
    let mut stream = tokio::net::TcpStream::connect(server.host()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[7u8; 10]).await.unwrap();
    drop(stream); // the client gives up mid-body
    let c = Client::new(&server);
    // The server is done with the request once it is counted (the handler has returned).
    let mut handled = false;
    for _ in 0..250 {
        let metrics = c.get("/metrics").await.text().await.unwrap();
        if metrics.contains("class=\"oci_upload_start\"") {
            handled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(handled, "the server never finished the abandoned request");
    assert_eq!(c.get(&format!("/v2/dev/app/blobs/{digest}")).await.status(), 404);
    assert!(staged_files(dir.path()).is_empty(), "staged bytes left: {:?}", staged_files(dir.path()));
}

#[tokio::test]
async fn a_stalled_upload_times_out_and_stores_nothing() {
    let dir = tempfile_dir();
    let server =
        TestServer::start_in(dir.path(), |s| s.body_idle_timeout = std::time::Duration::from_millis(300)).await;
    let digest = sha256(&[7u8; 100]);
    let head =
        format!("POST /v2/dev/app/blobs/uploads/?digest={digest} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
    let mut stream = tokio::net::TcpStream::connect(server.host()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[7u8; 10]).await.unwrap();
    // The client stalls but keeps the connection open: the server gives up on its own.
    let mut response = String::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_string(&mut response)).await;
    assert!(read.is_ok(), "the server kept waiting for a stalled body");
    assert!(response.is_empty() || response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(staged_files(dir.path()).is_empty(), "staged bytes left: {:?}", staged_files(dir.path()));
    assert_eq!(Client::new(&server).get(&format!("/v2/dev/app/blobs/{digest}")).await.status(), 404);
}

#[tokio::test]
async fn out_of_order_chunks_get_416_and_the_upload_survives() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let r = c.http.post(c.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let location = c.url(r.headers()["location"].to_str().unwrap());
    let chunk = |range: &str, body: &'static [u8]| {
        c.http.patch(&location).header("content-range", range).header("content-length", body.len()).body(body).send()
    };
    assert_eq!(chunk("0-2", b"abc").await.unwrap().status(), 202);
    let r = chunk("5-7", b"fgh").await.unwrap();
    assert_eq!(oci_error(r).await.0, 416);
    let r = chunk("3-4", b"de").await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["range"], "0-4");
    let digest = sha256(b"abcde");
    let r = c.http.put(format!("{location}?digest={digest}")).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(c.get(&format!("/v2/dev/app/blobs/{digest}")).await.bytes().await.unwrap(), &b"abcde"[..]);
}

#[tokio::test]
async fn bytes_of_a_failed_chunk_never_reach_the_blob() {
    let dir = tempfile_dir();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let r = c.http.post(c.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let r = c.http.patch(c.url(&location)).header("content-range", "0-2").body("abc").send().await.unwrap();
    assert_eq!(r.status(), 202);
    // A second chunk of which 3 MiB of a declared 4 MiB arrive before the client gives up.
    let head =
        format!("PATCH {location} HTTP/1.1\r\nHost: x\r\nContent-Range: 3-4194306\r\nContent-Length: 4194304\r\n\r\n");
    let mut stream = tokio::net::TcpStream::connect(server.host()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'x'; 3 << 20]).await.unwrap();
    drop(stream);
    wait_until_handled(&c, "oci_upload_patch", 2).await;
    // Closing the upload without a body commits the three acknowledged bytes, nothing else.
    let digest = sha256(b"abc");
    let r = c.http.put(c.url(&format!("{location}?digest={digest}"))).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let blob = c.get(&format!("/v2/dev/app/blobs/{digest}")).await;
    assert_eq!(blob.headers()["content-length"], "3");
    assert_eq!(blob.bytes().await.unwrap(), &b"abc"[..]);
    assert!(staged_files(dir.path()).is_empty(), "staged bytes left: {:?}", staged_files(dir.path()));
}

/// Waits until the server has finished `count` requests of a route class.
async fn wait_until_handled(c: &Client, class: &str, count: u32) {
    let label = format!("class=\"{class}\"");
    for _ in 0..250 {
        let metrics = c.get("/metrics").await.text().await.unwrap();
        let done: u32 = metrics
            .lines()
            .filter(|l| l.starts_with("arca_http_requests_total") && l.contains(&label))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u32>().ok())
            .sum();
        if done >= count {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the server never finished {count} {class} requests");
}

#[tokio::test]
async fn manifests_are_checked_before_anything_is_stored() {
    let server = TestServer::start_with(|s| s.registry.max_manifest_bytes = 1024).await;
    let c = Client::new(&server);
    let big = format!(r#"{{"schemaVersion":2,"pad":"{}"}}"#, "x".repeat(2000));
    assert_eq!(oci_error(c.put_manifest("dev/app", "v1", &big).await).await, (413, "SIZE_INVALID".into()));

    let missing = sha256(b"never pushed");
    let m = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{missing}","size":2}},"layers":[]}}"#
    );
    assert_eq!(oci_error(c.put_manifest("dev/app", "v1", &m).await).await, (400, "MANIFEST_BLOB_UNKNOWN".into()));
    assert_eq!(oci_error(c.put_manifest("dev/app", "v1", "{not json").await).await, (400, "MANIFEST_INVALID".into()));
    let r = c
        .http
        .put(c.url("/v2/dev/app/manifests/v1"))
        .header("content-type", "application/vnd.docker.distribution.manifest.v1+prettyjws")
        .body(r#"{"schemaVersion":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(oci_error(r).await, (415, "UNSUPPORTED".into()));
    assert_eq!(c.get("/v2/dev/app/manifests/v1").await.status(), 404);

    let good = c.push_image_parts("dev/app", b"layer").await;
    let wrong_digest = sha256(b"not this manifest");
    let r = c.put_manifest("dev/app", &wrong_digest, &good).await;
    assert_eq!(oci_error(r).await, (400, "DIGEST_INVALID".into()));
}

#[tokio::test]
async fn unknown_uploads_and_ranges_past_the_end() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    assert_eq!(
        oci_error(c.get("/v2/dev/app/blobs/uploads/nosuchupload").await).await,
        (404, "BLOB_UPLOAD_UNKNOWN".into())
    );
    let digest = c.push_blob("dev/app", b"0123456789").await;
    let r =
        c.http.get(c.url(&format!("/v2/dev/app/blobs/{digest}"))).header("range", "bytes=20-30").send().await.unwrap();
    assert_eq!(r.headers()["content-range"], "bytes */10");
    assert_eq!(oci_error(r).await.0, 416);
    // Another package cannot read the blob by digest: blobs are linked per package.
    assert_eq!(oci_error(c.get(&format!("/v2/dev/other/blobs/{digest}")).await).await, (404, "BLOB_UNKNOWN".into()));
}

async fn raw_request(host: &str, request: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, response)
}

pub fn tempfile_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[tokio::test]
async fn upload_ids_are_bound_to_their_package_and_die_when_closed() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let start = || async { c.http.post(c.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap() };
    let location = start().await.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(c.get(&location).await.status(), 204, "a fresh upload answers its status");
    // Another package cannot use it, and a forged id is unknown.
    let elsewhere = location.replace("/v2/dev/app/", "/v2/dev/other/");
    assert_eq!(oci_error(c.get(&elsewhere).await).await, (404, "BLOB_UPLOAD_UNKNOWN".into()));
    let forged = format!("{}0", location.trim_end_matches(|ch: char| ch != '-'));
    assert_eq!(oci_error(c.get(&forged).await).await, (404, "BLOB_UPLOAD_UNKNOWN".into()));
    // Completed: the id is dead.
    let digest = sha256(b"abc");
    assert_eq!(
        c.http.put(c.url(&format!("{location}?digest={digest}"))).body("abc").send().await.unwrap().status(),
        201
    );
    assert_eq!(oci_error(c.get(&location).await).await, (404, "BLOB_UPLOAD_UNKNOWN".into()));
    // Cancelled: dead too.
    let location = start().await.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(c.http.delete(c.url(&location)).send().await.unwrap().status(), 204);
    assert_eq!(oci_error(c.get(&location).await).await, (404, "BLOB_UPLOAD_UNKNOWN".into()));
    let r = c.http.put(c.url(&format!("{location}?digest={digest}"))).body("abc").send().await.unwrap();
    assert_eq!(oci_error(r).await, (404, "BLOB_UPLOAD_UNKNOWN".into()));
}
