//! `arca backup` / `arca restore`: a backup taken while pushes go on restores to a registry that serves
//! everything the backup holds, byte for byte, with an audit log that verifies; bad inputs are refused.

use crate::support::{Client, sha256};
use arca_server::Settings;
use arca_server::backup::{backup, restore};
use arca_server::testing::TestServer;
use std::path::Path;

fn settings(data: &Path) -> Settings {
    Settings::for_tests(data)
}

/// Pushes `n` images `dev/app:v<i>` with distinct layers; returns (tag, manifest, layer) of each.
async fn push_images(c: &Client, prefix: &str, n: usize) -> Vec<(String, String, Vec<u8>)> {
    let mut pushed = Vec::new();
    for i in 0..n {
        let layer = format!("{prefix} layer {i} ").repeat(200 + i).into_bytes();
        let manifest = c.push_image_parts("dev/app", &layer).await;
        let tag = format!("{prefix}{i}");
        assert_eq!(c.put_manifest("dev/app", &tag, &manifest).await.status(), 201);
        pushed.push((tag, manifest, layer));
    }
    pushed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_byte_for_byte() {
    let live = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(live.path(), |_| {}).await;
    let c = Client::new(&server);
    let before = push_images(&c, "v", 8).await;
    let generic = c.http.put(c.url("/generic/rel/tool/1.0/tool.bin")).body("tool bytes").send().await.unwrap();
    assert_eq!(generic.status(), 201);

    // Pushes keep going while the backup runs.
    let load = {
        let c = Client::new(&server);
        tokio::spawn(async move { push_images(&c, "during", 12).await })
    };
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("backup");
    let copied = backup(&settings(live.path()), &target).await.expect("backup");
    load.await.unwrap();
    server.stop().await;
    assert!(copied.blobs >= 17, "every blob of the snapshot: {copied:?}");
    assert!(target.join("arca.db").is_file() && target.join("backup.json").is_file());

    let restored_dir = dir.path().join("restored");
    let restored = restore(&target, &settings(&restored_dir)).await.expect("restore");
    assert_eq!(restored.blobs, copied.blobs);
    assert_eq!(restored.bytes, copied.bytes);
    assert_eq!(restored.audit_entries, copied.audit_entries);

    let server = TestServer::start_in(&restored_dir, |_| {}).await;
    let c = Client::new(&server);
    for (tag, manifest, layer) in &before {
        let got = c.get(&format!("/v2/dev/app/manifests/{tag}")).await;
        assert_eq!(got.status(), 200, "{tag}");
        assert_eq!(got.text().await.unwrap(), *manifest, "{tag}");
        let blob = c.get(&format!("/v2/dev/app/blobs/{}", sha256(layer))).await.bytes().await.unwrap();
        assert_eq!(blob.as_ref(), layer.as_slice(), "{tag}");
    }
    assert_eq!(c.get("/generic/rel/tool/1.0/tool.bin").await.text().await.unwrap(), "tool bytes");
    // Whatever of the concurrent pushes the snapshot caught is whole: each of its tags pulls.
    let tags: serde_json::Value = c.get("/v2/dev/app/tags/list").await.json().await.unwrap();
    for tag in tags["tags"].as_array().unwrap().iter().filter_map(|t| t.as_str()) {
        let manifest: serde_json::Value = c.get(&format!("/v2/dev/app/manifests/{tag}")).await.json().await.unwrap();
        let layer = manifest["layers"][0]["digest"].as_str().unwrap();
        assert_eq!(c.get(&format!("/v2/dev/app/blobs/{layer}")).await.status(), 200, "{tag}");
    }
    server.stop().await;
}

#[tokio::test]
async fn restore_refuses_what_it_must_not_overwrite_or_trust() {
    let live = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(live.path(), |_| {}).await;
    let c = Client::new(&server);
    let pushed = push_images(&c, "v", 2).await;
    server.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("backup");

    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("stray"), b"x").unwrap();
    let e = backup(&settings(live.path()), &target).await.expect_err("a non-empty directory");
    assert!(e.0.contains("not empty"), "{}", e.0);
    std::fs::remove_file(target.join("stray")).unwrap();
    backup(&settings(live.path()), &target).await.expect("backup");

    let e = restore(&target, &settings(live.path())).await.expect_err("an existing registry");
    assert!(e.0.contains("not empty"), "{}", e.0);
    let e = restore(&dir.path().join("nothing"), &settings(&dir.path().join("new"))).await.expect_err("no backup");
    assert!(e.0.contains("no finished backup"), "{}", e.0);

    // A blob damaged in the backup is found while restoring, by name.
    let layer = sha256(&pushed[0].2);
    let hex = layer.strip_prefix("sha256:").unwrap();
    let damaged = target.join("blobs/sha256").join(&hex[..2]).join(hex);
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&damaged, bytes).unwrap();
    let e = restore(&target, &settings(&dir.path().join("new"))).await.expect_err("a damaged blob");
    assert!(e.0.contains(&layer), "{}", e.0);
}

#[tokio::test]
async fn postgres_is_backed_up_with_its_own_tools() {
    let db = arca_store_sql::testing::PgScratch::create().await;
    let data = tempfile::tempdir().unwrap();
    let mut s = settings(data.path());
    s.database = db.url.clone();
    let e = backup(&s, &data.path().join("backup")).await.expect_err("PostgreSQL");
    assert!(e.0.contains("pg_dump"), "{}", e.0);
    let e = restore(data.path(), &s).await.expect_err("PostgreSQL");
    assert!(e.0.contains("no finished backup") || e.0.contains("pg_restore"), "{}", e.0);
    db.drop().await;
}
