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

/// The upload reaper as the server schedules it: time moves by the test's clock (no waiting out a
/// TTL); the job's loop ticks every second of real time.
#[tokio::test]
async fn expired_uploads_are_reaped_with_their_staged_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = arca_core::clock::ManualClock::new();
    let seams = arca_server::Seams { clock: Some(clock.clone()), ..Default::default() };
    let server = TestServer::start_seamed(
        dir.path(),
        |s| {
            s.registry.upload_ttl_ms = 3_600_000;
            s.upload_reap_interval_secs = 1;
        },
        seams,
    )
    .await;
    let c = Client::new(&server);
    let r = c.http.post(c.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap();
    let path = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(c.http.patch(c.url(&path)).body(vec![1u8; 4096]).send().await.unwrap().status(), 202);
    assert_eq!(crate::support::staged_files(dir.path()).len(), 1);
    clock.advance(std::time::Duration::from_secs(3601));
    // Generous: under a loaded CI machine the 1 s job loop can lag well behind. The run is counted
    // after it removed the files, so wait for both.
    let counted = "arca_job_items_total{job=\"upload-reaper\"} 1";
    let mut metrics = String::new();
    for _ in 0..300 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        metrics = c.get("/metrics").await.text().await.unwrap();
        if crate::support::staged_files(dir.path()).is_empty() && metrics.contains(counted) {
            break;
        }
    }
    assert!(crate::support::staged_files(dir.path()).is_empty(), "staged bytes of an expired upload were not reaped");
    assert!(metrics.contains(counted), "{metrics}");
    assert_eq!(c.get(&path).await.status(), 404);
    let metrics = c.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("arca_uploads_active 0"), "{metrics}");
}

/// A crash after a chunked upload's bytes were moved into place but before they were recorded leaves
/// the session and the blob file without its staged copy: the client's retried PUT finishes it.
#[tokio::test]
async fn an_upload_moved_into_place_before_a_crash_can_still_be_finished() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let content = vec![7u8; 100_000];
    let digest = crate::support::sha256(&content);
    let r = c.http.post(c.url("/v2/dev/app/blobs/uploads/")).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(c.http.patch(c.url(&location)).body(content.clone()).send().await.unwrap().status(), 202);
    server.stop().await;
    // What the crash left: the staged file renamed to its digest's place, no blob row.
    let staged = crate::support::staged_files(dir.path());
    assert_eq!(staged.len(), 1, "{staged:?}");
    let hex = digest.strip_prefix("sha256:").unwrap();
    let target = dir.path().join("blobs/sha256").join(&hex[..2]);
    std::fs::create_dir_all(&target).unwrap();
    std::fs::rename(dir.path().join("uploads").join(&staged[0]), target.join(hex)).unwrap();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let sep = if location.contains('?') { '&' } else { '?' };
    let r = c.http.put(c.url(&format!("{location}{sep}digest={digest}"))).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let back = c.get(&format!("/v2/dev/app/blobs/{digest}")).await.bytes().await.unwrap();
    assert_eq!(back.as_ref(), content.as_slice());
}
