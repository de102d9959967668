//! Online garbage collection (`POST /api/v1/gc`, `arca gc run`): what a deleted manifest no longer
//! needs goes, what anything still uses stays, and pushes and mounts racing a sweep end with their
//! blob present (or a retryable refusal, never a recorded blob without bytes).

use crate::support::{Client, oci_error, sha256};
use arca_server::Seams;
use arca_server::testing::TestServer;
use arca_store_fs::FsBlobStore;
use arca_store_testkit::blob::{Faults, FaultyBlobStore, Gate};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

async fn gc(c: &Client, grace: &str) -> Value {
    let r = c.http.post(c.url("/api/v1/gc")).json(&json!({ "grace": grace })).send().await.unwrap();
    assert_eq!(r.status(), 200, "gc");
    r.json().await.unwrap()
}

fn blob_file(data: &Path, digest: &str) -> std::path::PathBuf {
    let hex = digest.strip_prefix("sha256:").unwrap();
    data.join("blobs/sha256").join(&hex[..2]).join(hex)
}

#[tokio::test]
async fn a_sweep_deletes_what_deleted_manifests_no_longer_need_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let shared_layer = b"a layer both images use".to_vec();
    let own_layer = b"a layer only the deleted image uses".to_vec();
    let kept = c.push_image_parts("dev/kept", &shared_layer).await;
    assert_eq!(c.put_manifest("dev/kept", "1.0", &kept).await.status(), 201);
    let doomed = c.push_image_parts("dev/doomed", &own_layer).await;
    c.push_blob("dev/doomed", &shared_layer).await;
    let r = c.put_manifest("dev/doomed", "1.0", &doomed).await;
    assert_eq!(r.status(), 201);
    let doomed_digest = sha256(doomed.as_bytes());
    let before = gc(&c, "0s").await;
    assert_eq!(before["blobs"], 0, "nothing is unreferenced yet: {before}");

    let r = c.http.delete(c.url(&format!("/v2/dev/doomed/manifests/{doomed_digest}"))).send().await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(gc(&c, "1h").await["blobs"], 0, "within the grace period nothing goes");
    let report: Value = c.get("/api/v1/storage").await.json().await.unwrap();
    assert_eq!(report["unreferenced_bytes"], (doomed.len() + own_layer.len()) as u64, "{report}");
    let report = gc(&c, "0s").await;
    // The manifest and its own layer; the config (`{}`) and the shared layer are used by dev/kept.
    assert_eq!(report["blobs"], 2, "{report}");
    assert_eq!(report["bytes"], (doomed.len() + own_layer.len()) as u64, "{report}");
    assert!(!blob_file(dir.path(), &sha256(&own_layer)).exists(), "the file is gone");
    assert!(!blob_file(dir.path(), &doomed_digest).exists());
    let r = c.get(&format!("/v2/dev/doomed/blobs/{}", sha256(&own_layer))).await;
    assert_eq!(r.status(), 404);
    let pulled = c.get(&format!("/v2/dev/kept/blobs/{}", sha256(&shared_layer))).await.bytes().await.unwrap();
    assert_eq!(pulled.as_ref(), shared_layer.as_slice(), "what the kept image uses stays");
    assert_eq!(c.get("/v2/dev/kept/manifests/1.0").await.status(), 200);
    assert_eq!(gc(&c, "0s").await["blobs"], 0, "a second sweep finds nothing");
    let report: Value = c.get("/api/v1/storage").await.json().await.unwrap();
    assert_eq!(report["unreferenced_bytes"], 0, "{report}");
    let names: Vec<&str> =
        report["repositories"].as_array().unwrap().iter().map(|r| r["repository"].as_str().unwrap()).collect();
    assert_eq!(names, ["dev"], "{report}");
    let audit: Value = c.get("/api/v1/audit?action=gc.collect").await.json().await.unwrap();
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1, "the sweep is audited: {audit}");
    server.stop().await;
}

/// A server on a fault-injecting store with a clock the test moves.
async fn seamed(dir: &Path) -> (TestServer, Arc<FaultyBlobStore<FsBlobStore>>, Arc<arca_core::clock::ManualClock>) {
    let store = Arc::new(FaultyBlobStore::new(FsBlobStore::open(dir.to_owned()).unwrap()));
    let clock = arca_core::clock::ManualClock::new();
    let seams = Seams { blobs: Some(store.clone()), clock: Some(clock.clone()), ..Default::default() };
    (TestServer::start_seamed(dir, |_| {}, seams).await, store, clock)
}

/// A blob pushed long ago into `dev/old` and used by no manifest: collectable.
async fn forgotten_layer(c: &Client, clock: &arca_core::clock::ManualClock) -> Vec<u8> {
    let layer = b"a layer pushed long ago and never used".to_vec();
    c.push_blob("dev/old", &layer).await;
    clock.advance(Duration::from_secs(2 * 3600));
    layer
}

fn post_blob(c: &Client, name: &str, bytes: &[u8]) -> tokio::task::JoinHandle<reqwest::Response> {
    let request =
        c.http.post(c.url(&format!("/v2/{name}/blobs/uploads/?digest={}", sha256(bytes)))).body(bytes.to_vec());
    tokio::spawn(async move { request.send().await.unwrap() })
}

/// A monolithic push of `layer` (stored already) into `dev/new`, held right after it found the stored
/// copy; the gate lets it go on.
async fn held_push(
    c: &Client,
    store: &FaultyBlobStore<FsBlobStore>,
    layer: &[u8],
) -> (Gate, tokio::task::JoinHandle<reqwest::Response>) {
    let gate = Gate::default();
    store.set_faults(Faults { hold_stat: Some(gate.clone()), ..Faults::default() });
    let push = post_blob(c, "dev/new", layer);
    gate.reached().await;
    (gate, push)
}

#[tokio::test]
async fn a_dedup_push_racing_a_sweep_keeps_its_blob() {
    let dir = tempfile::tempdir().unwrap();
    let (server, store, clock) = seamed(dir.path()).await;
    let c = Client::new(&server);
    let layer = forgotten_layer(&c, &clock).await;
    // The push finds the content stored and relies on it (hashing the body only)...
    let (gate, push) = held_push(&c, &store, &layer).await;
    // ...while a sweep with a one-minute grace runs: the push touched the blob first.
    assert_eq!(gc(&c, "1m").await["blobs"], 0, "the blob a push relies on is not taken");
    gate.release();
    assert_eq!(push.await.unwrap().status(), 201);
    let pulled = c.get(&format!("/v2/dev/new/blobs/{}", sha256(&layer))).await.bytes().await.unwrap();
    assert_eq!(pulled.as_ref(), layer.as_slice(), "present, byte for byte");
    server.stop().await;
}

#[tokio::test]
async fn a_push_held_past_the_grace_period_is_refused_as_retryable_and_the_retry_stores_it() {
    let dir = tempfile::tempdir().unwrap();
    let (server, store, clock) = seamed(dir.path()).await;
    let c = Client::new(&server);
    let layer = forgotten_layer(&c, &clock).await;
    let (gate, push) = held_push(&c, &store, &layer).await;
    // No grace at all: the sweep takes the blob the push relies on and deletes its file.
    assert_eq!(gc(&c, "0s").await["blobs"], 1);
    gate.release();
    assert_eq!(oci_error(push.await.unwrap()).await, (503, "UNAVAILABLE".into()), "refused, retryable");
    let blob = format!("/v2/dev/new/blobs/{}", sha256(&layer));
    assert_eq!(c.get(&blob).await.status(), 404, "nothing recorded without its bytes");
    c.push_blob("dev/new", &layer).await;
    assert_eq!(c.get(&blob).await.bytes().await.unwrap().as_ref(), layer.as_slice(), "the retry stores it");
    server.stop().await;
}

#[tokio::test]
async fn pushes_and_mounts_during_a_sweep_of_their_blob_end_with_it_present() {
    let dir = tempfile::tempdir().unwrap();
    let (server, store, clock) = seamed(dir.path()).await;
    let c = Client::new(&server);
    let layer = forgotten_layer(&c, &clock).await;
    let digest = sha256(&layer);
    let gate = Gate::default();
    store.set_faults(Faults { hold_delete: Some(gate.clone()), ..Faults::default() });
    let sweep = {
        let request = c.http.post(c.url("/api/v1/gc")).json(&json!({ "grace": "0s" }));
        tokio::spawn(async move { request.send().await.unwrap() })
    };
    gate.reached().await;
    // Taken, its file not yet deleted: a mount is not made (the client uploads instead)...
    for from in ["?from=dev/old&", "?"] {
        let url = c.url(&format!("/v2/dev/mounted/blobs/uploads/{from}mount={digest}"));
        let r = c.http.post(url).send().await.unwrap();
        assert_eq!(r.status(), 202, "mount {from}: not mounted, an upload starts");
    }
    // ...and a push is refused as retryable.
    assert_eq!(oci_error(post_blob(&c, "dev/pushed", &layer).await.unwrap()).await, (503, "UNAVAILABLE".into()));
    gate.release();
    assert_eq!(sweep.await.unwrap().status(), 200);
    for name in ["dev/mounted", "dev/pushed"] {
        c.push_blob(name, &layer).await;
        let pulled = c.get(&format!("/v2/{name}/blobs/{digest}")).await.bytes().await.unwrap();
        assert_eq!(pulled.as_ref(), layer.as_slice(), "{name}: present after the retry");
    }
    server.stop().await;
}

/// `arca_job_progress_items{job="gc"}` on `/metrics`: blobs the sweep in progress has deleted.
async fn gc_progress(c: &Client) -> u64 {
    let text = c.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("arca_job_progress_items{job=\"gc\"} "))
        .map_or(0, |v| v.trim().parse::<f64>().unwrap() as u64)
}

/// A sweep beside an artifact request in flight takes small pages and waits for a pause between them
/// (at most a second); once the traffic stops it finishes at full speed.
#[tokio::test]
async fn a_sweep_yields_to_requests_in_flight() {
    use tokio::io::AsyncWriteExt;
    const SEEDED: u64 = 100;
    let server = TestServer::start().await;
    let c = Client::new(&server);
    for i in 0..SEEDED {
        c.push_blob("dev/seed", format!("unused blob {i}").as_bytes()).await;
    }
    // An upload whose body is still arriving: a request in flight until the socket closes.
    let r = c.http.post(c.url("/v2/dev/held/blobs/uploads/")).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let mut held = tokio::net::TcpStream::connect(server.host()).await.unwrap();
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n"
    );
    held.write_all(head.as_bytes()).await.unwrap();
    held.write_all(&[0; 10]).await.unwrap();

    let sweep = tokio::spawn({
        let c = Client::new(&server);
        async move { gc(&c, "0s").await }
    });
    let mut seen = Vec::new();
    let started = tokio::time::Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        let progress = gc_progress(&c).await;
        if seen.last() != Some(&progress) {
            seen.push(progress);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen.iter().all(|p| p % 20 == 0), "pages of 20 while a request is in flight: {seen:?}");
    assert!(!sweep.is_finished(), "a page a second at most while the request lasts: {seen:?}");
    assert!(seen.last().is_some_and(|p| *p < SEEDED), "{seen:?}");
    drop(held);
    let report = tokio::time::timeout(Duration::from_secs(30), sweep).await.expect("the sweep ends").unwrap();
    assert_eq!(report["blobs"], SEEDED, "{report}");
}
