//! Health, readiness, metrics, request ids and graceful shutdown.

use crate::support::Client;
use arca_server::testing::TestServer;
use std::time::Duration;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    assert_eq!(c.get("/healthz").await.status(), 200);
    assert_eq!(c.get("/readyz").await.status(), 200);
    c.push_blob("dev/app", &[1u8; 1000]).await;
    let r = c.get("/v2/").await;
    assert_eq!(r.headers()["docker-distribution-api-version"], "registry/2.0");
    assert!(r.headers().contains_key("x-request-id"));
    let text = c.get("/metrics").await.text().await.unwrap();
    for line in [
        "arca_http_requests_total{class=\"oci_upload_start\",status=\"201\"} 1",
        "arca_http_requests_total{class=\"oci_base\",status=\"200\"} 1",
        "arca_blobs 1",
        "arca_blob_bytes 1000",
        "arca_uploads_active 0",
        "# TYPE arca_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let received: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("arca_http_bytes_received_total "))
        .and_then(|v| v.parse().ok())
        .expect("bytes received counter");
    assert!(received >= 1000, "bytes received {received}");
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_upload_finish() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let payload = vec![9u8; 3 << 20];
    let digest = crate::support::sha256(&payload);
    // A slow client: the body arrives in pieces while the server is asked to stop.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream(rx));
    let request = c.http.post(c.url(&format!("/v2/dev/app/blobs/uploads/?digest={digest}"))).body(body).send();
    let upload = tokio::spawn(request);
    let chunks: Vec<Vec<u8>> = payload.chunks(1 << 20).map(<[u8]>::to_vec).collect();
    tx.send(Ok(chunks[0].clone())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    for chunk in &chunks[1..] {
        tx.send(Ok(chunk.clone())).await.unwrap();
    }
    drop(tx);
    let response = upload.await.unwrap().expect("in-flight request completes");
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    stopping.await.unwrap();
}

fn tokio_stream(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
