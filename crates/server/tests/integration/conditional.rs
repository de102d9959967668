//! Conditional requests (`arca_http::conditional`) over HTTP: a GET or HEAD whose `If-None-Match`
//! names the content's ETag is a `304` without a body, for manifests, blobs and generic files; an
//! `If-Match` naming another tag is a `412` in the protocol's own error format; ranges keep working;
//! and a `304` opens no stored bytes.

use crate::support::{Client, oci_error, sha256};
use arca_server::Seams;
use arca_server::testing::TestServer;
use arca_store_fs::FsBlobStore;
use arca_store_testkit::blob::{Faults, FaultyBlobStore};
use reqwest::{Method, StatusCode};
use std::sync::Arc;

/// An ETag no content has.
const OTHER: &str = "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"";

async fn send(c: &Client, method: Method, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = c.http.request(method, c.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// Pushes an image tagged `1.0` to `dev/app`; returns (manifest digest, layer digest).
async fn push_image(c: &Client, layer: &[u8]) -> (String, String) {
    let manifest = c.push_image_parts("dev/app", layer).await;
    let r = c.put_manifest("dev/app", "1.0", &manifest).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    (sha256(manifest.as_bytes()), sha256(layer))
}

#[tokio::test]
async fn a_manifest_whose_etag_the_client_holds_is_not_sent_again() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let (digest, _) = push_image(&c, b"layer").await;
    let r = send(&c, Method::GET, "/v2/dev/app/manifests/1.0", &[]).await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{digest}\""));

    for reference in ["1.0", digest.as_str()] {
        let path = format!("/v2/dev/app/manifests/{reference}");
        for held in [etag.clone(), format!("W/{etag}"), format!("{OTHER}, {etag}"), "*".to_owned(), digest.clone()] {
            for method in [Method::GET, Method::HEAD] {
                let r = send(&c, method.clone(), &path, &[("if-none-match", &held)]).await;
                assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{method} {path} with If-None-Match: {held}");
                let h = r.headers().clone();
                assert_eq!(h["etag"], etag.as_str());
                assert_eq!(h["docker-content-digest"], digest.as_str());
                assert_eq!(h["content-type"], crate::support::OCI_MANIFEST);
                assert!(r.bytes().await.unwrap().is_empty(), "a 304 has no body");
            }
        }
        let r = send(&c, Method::GET, &path, &[("if-none-match", OTHER)]).await;
        assert_eq!(r.status(), StatusCode::OK, "another tag: the manifest is sent");
        assert_eq!(sha256(&r.bytes().await.unwrap()), digest);
    }

    // A tag that points elsewhere: the ETag the client holds no longer matches.
    let manifest = c.push_image_parts("dev/app", b"another layer").await;
    assert_eq!(c.put_manifest("dev/app", "1.0", &manifest).await.status(), StatusCode::CONFLICT, "1.0 is immutable");
    assert_eq!(c.put_manifest("dev/app", "latest", &manifest).await.status(), StatusCode::CREATED);
    let moved = sha256(manifest.as_bytes());
    let r = send(&c, Method::GET, "/v2/dev/app/manifests/latest", &[("if-none-match", &etag)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], format!("\"{moved}\"").as_str());

    // Preconditions never answer for what is not there.
    let r = send(&c, Method::GET, "/v2/dev/app/manifests/2.0", &[("if-none-match", "*")]).await;
    assert_eq!(oci_error(r).await, (404, "MANIFEST_UNKNOWN".to_owned()));
    // An If-Match naming another tag is a 412, in OCI error JSON.
    let r = send(&c, Method::GET, "/v2/dev/app/manifests/1.0", &[("if-match", OTHER)]).await;
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(oci_error(r).await, (412, "DENIED".to_owned()));
    let r = send(&c, Method::GET, "/v2/dev/app/manifests/1.0", &[("if-match", &etag)]).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_blob_whose_etag_the_client_holds_is_not_sent_again_and_ranges_still_work() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let layer = b"0123456789".to_vec();
    let (_, digest) = push_image(&c, &layer).await;
    let path = format!("/v2/dev/app/blobs/{digest}");
    let etag = format!("\"{digest}\"");

    for method in [Method::GET, Method::HEAD] {
        let r = send(&c, method.clone(), &path, &[("if-none-match", &etag)]).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{method}");
        assert_eq!(r.headers()["etag"], etag.as_str());
        assert_eq!(r.headers()["docker-content-digest"], digest.as_str());
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let r = send(&c, Method::GET, &path, &[("if-none-match", OTHER)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), layer.as_slice());

    // The precondition is decided before the range: a 304 wins over a 206.
    let r = send(&c, Method::GET, &path, &[("if-none-match", &etag), ("range", "bytes=2-4")]).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert!(!r.headers().contains_key("content-range"));
    for held in [OTHER, "garbage"] {
        let r = send(&c, Method::GET, &path, &[("if-none-match", held), ("range", "bytes=2-4")]).await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(r.headers()["content-range"], "bytes 2-4/10");
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"234");
    }
    let r = send(&c, Method::GET, &path, &[("if-match", &etag), ("range", "bytes=8-")]).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"89");

    for method in [Method::GET, Method::HEAD] {
        let r = send(&c, method.clone(), &path, &[("if-match", OTHER)]).await;
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED, "{method}");
    }
    let r = send(&c, Method::GET, &path, &[("if-match", &format!("W/{etag}"))]).await;
    assert_eq!(oci_error(r).await, (412, "DENIED".to_owned()), "If-Match compares strongly");

    let unknown = sha256(b"never pushed");
    let r = send(&c, Method::GET, &format!("/v2/dev/app/blobs/{unknown}"), &[("if-none-match", "*")]).await;
    assert_eq!(oci_error(r).await, (404, "BLOB_UNKNOWN".to_owned()));
    let r = send(&c, Method::GET, &format!("/v2/dev/app/blobs/{unknown}"), &[("if-match", "*")]).await;
    assert_eq!(oci_error(r).await, (404, "BLOB_UNKNOWN".to_owned()));
}

#[tokio::test]
async fn a_generic_file_whose_etag_the_client_holds_is_not_sent_again() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let path = "/generic/rel/team/tool/1.0.0/tool.bin";
    let data = b"generic bytes".to_vec();
    let r = c.http.put(c.url(path)).body(data.clone()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let etag = format!("\"{}\"", sha256(&data));

    for method in [Method::GET, Method::HEAD] {
        let r = send(&c, method.clone(), path, &[("if-none-match", &etag)]).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{method}");
        assert_eq!(r.headers()["etag"], etag.as_str());
        assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let r = send(&c, Method::GET, path, &[("if-none-match", OTHER)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), data.as_slice());

    // If-Match: a 412 in the API's error JSON when it names another tag; a range when it holds.
    let r = send(&c, Method::GET, path, &[("if-match", OTHER)]).await;
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "precondition_failed");
    assert!(body["error"]["message"].as_str().unwrap().contains(&etag), "names the current tag: {body}");
    let r = send(&c, Method::GET, path, &[("if-match", &etag), ("range", "bytes=0-6")]).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"generic");

    let r = send(&c, Method::GET, "/generic/rel/team/tool/1.0.0/other.bin", &[("if-none-match", "*")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// A `304` reads the record only: with every read of the blob store failing, a conditional GET of a
/// manifest or a blob still answers it, while a plain GET cannot. It is counted as a 304, not as a
/// pull (a 200).
#[tokio::test]
async fn a_304_opens_no_stored_bytes_and_is_not_counted_as_a_pull() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FaultyBlobStore::new(FsBlobStore::open(dir.path().to_owned()).expect("blob store")));
    let seams = Seams { blobs: Some(store.clone()), ..Default::default() };
    let server = TestServer::start_seamed(dir.path(), |_| {}, seams).await;
    let c = Client::new(&server);
    // A manifest too large to be kept with its record, so that its bytes are in the failing store.
    let mut image: serde_json::Value =
        serde_json::from_str(&c.push_image_parts("dev/app", b"layer bytes").await).unwrap();
    image["annotations"] =
        serde_json::json!({ "padding": "x".repeat(arca_core::registry::bodies::KEPT_WITH_RECORD_UP_TO) });
    let body = serde_json::to_string(&image).unwrap();
    assert_eq!(c.put_manifest("dev/app", "1.0", &body).await.status(), StatusCode::CREATED);
    let (manifest, layer) = (sha256(body.as_bytes()), sha256(b"layer bytes"));
    store.set_faults(Faults { fail_reads: true, ..Faults::default() });
    let blob = format!("/v2/dev/app/blobs/{layer}");
    for (path, digest) in [("/v2/dev/app/manifests/1.0", &manifest), (&blob, &layer)] {
        let r = send(&c, Method::GET, path, &[("if-none-match", &format!("\"{digest}\""))]).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert!(send(&c, Method::GET, path, &[]).await.status().is_server_error(), "{path}: the bytes are unreadable");
    }
    store.set_faults(Faults::default());
    let metrics = c.get("/metrics").await.text().await.unwrap();
    for class in ["oci_manifest_get", "oci_blob_get"] {
        assert!(
            metrics.contains(&format!("arca_http_requests_total{{class=\"{class}\",status=\"304\"}} 1")),
            "{metrics}"
        );
    }
    // The manifest was never sent: no 200 is counted for it.
    assert!(!metrics.contains("arca_http_requests_total{class=\"oci_manifest_get\",status=\"200\"}"), "{metrics}");
}
