//! Storage that breaks, through the fault-injecting blob store (`arca-store-testkit`) plugged in as
//! the app's store: uploads, generic publishes and jobs fail cleanly, leave nothing half-visible, and
//! work again once the store does.

use crate::support::{Client, sha256};
use arca_server::Seams;
use arca_server::testing::TestServer;
use arca_store_fs::FsBlobStore;
use arca_store_testkit::blob::{Faults, FaultyBlobStore};
use std::sync::Arc;

fn faulty(dir: &std::path::Path) -> Arc<FaultyBlobStore<FsBlobStore>> {
    Arc::new(FaultyBlobStore::new(FsBlobStore::open(dir.to_owned()).expect("blob store")))
}

#[tokio::test]
async fn an_upload_whose_commit_fails_records_nothing_and_can_be_pushed_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = faulty(dir.path());
    let seams = Seams { blobs: Some(store.clone()), ..Default::default() };
    let server = TestServer::start_seamed(dir.path(), |_| {}, seams).await;
    let c = Client::new(&server);
    let content = b"bytes that meet a failing commit".to_vec();
    let digest = sha256(&content);
    store.set_faults(Faults { fail_commit: true, ..Faults::default() });
    let r = c.http.post(c.url(&format!("/v2/dev/app/blobs/uploads/?digest={digest}"))).body(content.clone()).send();
    assert!(r.await.unwrap().status().is_server_error());
    assert_eq!(c.get(&format!("/v2/dev/app/blobs/{digest}")).await.status(), 404, "nothing recorded");
    store.set_faults(Faults::default());
    assert_eq!(c.push_blob("dev/app", &content).await, digest);
    let back = c.get(&format!("/v2/dev/app/blobs/{digest}")).await.bytes().await.unwrap();
    assert_eq!(back.as_ref(), content.as_slice());
}

#[tokio::test]
async fn a_generic_publish_whose_manifest_cannot_be_stored_leaves_no_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = faulty(dir.path());
    let seams = Seams { blobs: Some(store.clone()), ..Default::default() };
    let server = TestServer::start_seamed(dir.path(), |_| {}, seams).await;
    let c = Client::new(&server);
    let path = "/generic/rel/tool/1.0/tool.bin";
    store.set_faults(Faults { fail_put: true, ..Faults::default() });
    let r = c.http.put(c.url(path)).header("x-arca-property", "build.id=1").body("payload").send().await.unwrap();
    assert!(r.status().is_server_error(), "{}", r.status());
    assert_eq!(c.get(path).await.status(), 404, "no version");
    assert_eq!(c.get("/v2/rel/tool/manifests/1.0").await.status(), 404, "not over OCI either");
    store.set_faults(Faults::default());
    let r = c.http.put(c.url(path)).header("x-arca-property", "build.id=1").body("payload").send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(c.get(path).await.text().await.unwrap(), "payload");
}

#[tokio::test]
async fn a_job_run_that_fails_is_counted_and_the_next_one_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let store = faulty(dir.path());
    let clock = arca_core::clock::ManualClock::new();
    let mut settings = arca_server::Settings::for_tests(dir.path());
    settings.registry.upload_ttl_ms = 60_000;
    let seams = Seams { blobs: Some(store.clone()), clock: Some(clock.clone()), ..Default::default() };
    let app = arca_server::App::build_with(&settings, seams).await.expect("build");
    let name = arca_types::OciName::parse("dev/app").unwrap();
    let started = app.registry.start_upload(&name, false, &arca_core::audit::Actor::system()).await.unwrap();
    let chunk: arca_core::blob::ByteStream =
        Box::pin(futures_util::stream::iter([Ok(bytes::Bytes::from_static(b"abc"))]));
    app.registry.append_upload(&name, &started.id, None, None, chunk).await.expect("a chunk");
    clock.advance(std::time::Duration::from_secs(61));
    store.set_faults(Faults { unavailable: true, ..Faults::default() });
    assert!(app.jobs.run_now("upload-reaper").await.is_err(), "the store is down");
    assert_eq!(app.jobs.stats()["upload-reaper"].runs_failed, 1);
    store.set_faults(Faults::default());
    let report = app.jobs.run_now("upload-reaper").await.expect("runs").expect("claimed");
    assert_eq!(report.items, 1, "the expired upload is reaped once the store is back");
    assert_eq!(app.jobs.stats()["upload-reaper"].runs_ok, 1);
}
