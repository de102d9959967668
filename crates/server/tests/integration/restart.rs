//! Upload sessions survive a restart between two chunks.

use crate::support::{Client, sha256};
use arca_server::testing::TestServer;

#[tokio::test]
async fn a_restart_between_chunks_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let r = c.http.post(c.url("/v2/dev/app/blobs/uploads/?digest-algorithm=sha512")).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let path = r.headers()["location"].to_str().unwrap().to_owned();
    let first = vec![1u8; 1 << 20];
    let r = c
        .http
        .patch(c.url(&path))
        .header("content-range", format!("0-{}", first.len() - 1))
        .body(first.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    server.stop().await;

    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let r = c.get(&path).await;
    assert_eq!(r.status(), 204, "upload status after restart");
    assert_eq!(r.headers()["range"], format!("0-{}", first.len() - 1));
    let second = vec![2u8; 1000];
    let whole = [first.clone(), second.clone()].concat();
    for digest in [sha256(&whole)] {
        let r = c.http.put(c.url(&format!("{path}?digest={digest}"))).body(second.clone()).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let got = c.get(&format!("/v2/dev/app/blobs/{digest}")).await.bytes().await.unwrap();
        assert!(got == whole, "content differs after a restart");
    }
}
