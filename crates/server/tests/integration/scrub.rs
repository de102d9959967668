//! The background scrub re-hashes stored blobs and removes a copy whose bytes no longer match its
//! digest, so it is never served again; a push of the digest restores it.

use crate::support::{Client, sha256};
use arca_server::testing::TestServer;

#[tokio::test]
async fn the_scrub_removes_a_damaged_copy_and_a_push_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let clock = arca_core::clock::ManualClock::new();
    let seams = arca_server::Seams { clock: Some(clock.clone()), ..Default::default() };
    // Blobs larger than what reads verify, so only the scrub can notice; no GC, which would collect the
    // blob (no manifest uses it) once the clock moves past its grace period.
    let adjust = |s: &mut arca_server::Settings| {
        s.registry.verify_reads_up_to_bytes = 0;
        s.gc_interval_secs = 0;
    };
    let server = TestServer::start_seamed(dir.path(), adjust, seams).await;
    let c = Client::new(&server);
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let digest = c.push_blob("dev/app", &content).await;
    let hex = digest.strip_prefix("sha256:").unwrap();
    let file = dir.path().join("blobs/sha256").join(&hex[..2]).join(hex);
    let mut rotten = std::fs::read(&file).unwrap();
    rotten[50_000] ^= 0x40;
    std::fs::write(&file, &rotten).unwrap();
    let blob = format!("/v2/dev/app/blobs/{digest}");
    assert_eq!(c.get(&blob).await.bytes().await.unwrap().len(), content.len(), "the rot is served until found");

    clock.advance(std::time::Duration::from_secs(3600));
    let mut metrics = String::new();
    for _ in 0..300 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        metrics = c.get("/metrics").await.text().await.unwrap();
        if !file.exists() && metrics.contains("arca_job_items_total{job=\"scrub\"} 1") {
            break;
        }
    }
    assert!(!file.exists(), "the damaged copy is removed");
    assert!(metrics.contains("arca_job_items_total{job=\"scrub\"} 1"), "{metrics}");
    let r = c.get(&blob).await;
    assert_eq!(r.status(), 404, "never served again");
    assert!(r.text().await.unwrap().contains("BLOB_UNKNOWN"));
    assert_eq!(c.push_blob("dev/app", &content).await, sha256(&content));
    assert_eq!(c.get(&blob).await.bytes().await.unwrap().as_ref(), content.as_slice(), "restored by a push");
    server.stop().await;
}
