//! Connections that send nothing, half a request or half a body are closed; connections beyond the
//! cap wait instead of exhausting file descriptors, and the event is counted.

use crate::support::Client;
use arca_server::testing::TestServer;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A bound on waits that must end by themselves (the server's timeouts are 1 s in these tests).
const BOUND: Duration = Duration::from_secs(20);

fn short_timeouts(s: &mut arca_server::Settings) {
    s.connections.header_read_timeout = Duration::from_secs(1);
    s.body_idle_timeout = Duration::from_secs(1);
}

#[tokio::test]
async fn silent_half_sent_and_idle_connections_are_closed() {
    let server = TestServer::start_with(short_timeouts).await;
    // Nothing at all.
    let mut silent = TcpStream::connect(server.host()).await.unwrap();
    crate::support::read_until_closed(&mut silent).await;
    // Half a request head.
    let mut half = TcpStream::connect(server.host()).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    crate::support::read_until_closed(&mut half).await;
    // A whole request, then an idle keep-alive connection.
    let mut idle = TcpStream::connect(server.host()).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answered = crate::support::read_until_closed(&mut idle).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "answered before closing: {answered}");
    // Half a management API body.
    let mut body = TcpStream::connect(server.host()).await.unwrap();
    body.write_all(
        b"POST /api/v1/repositories HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":",
    )
    .await
    .unwrap();
    let answered = crate::support::read_until_closed(&mut body).await;
    assert!(!answered.starts_with("HTTP/1.1 2"), "a stalled body is not accepted: {answered}");
    let text = Client::new(&server).get("/metrics").await.text().await.unwrap();
    let timed_out: u64 = metric(&text, "arca_http_connections_timed_out_total");
    assert!(timed_out >= 3, "closed connections are counted: {timed_out}\n{text}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot_and_are_counted() {
    let server = TestServer::start_with(|s| s.connections.max_connections = 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(server.host()).await.unwrap());
    }
    // Let the server accept all three before the fourth arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let url = format!("{}/healthz", server.url());
    let waiting = tokio::spawn(async move { reqwest::get(url).await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "a fourth connection is not served while three are open");
    drop(held.pop());
    let status = tokio::time::timeout(BOUND, waiting).await.expect("served once a slot frees").unwrap().unwrap();
    assert_eq!(status, 200);
    drop(held);
    let text = Client::new(&server).get("/metrics").await.text().await.unwrap();
    assert!(metric(&text, "arca_http_connection_limit_reached_total") >= 1, "{text}");
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}
