//! A manifest's bytes are kept with its record, not in a file of its own: a push creates no file, and
//! every read (by tag, by digest, after a restart, through the blobs endpoint, with a range), fsck, GC
//! and a later push see them as before. A manifest too large to keep with its record is a file again.

use crate::support::{Client, OCI_MANIFEST, sha256};
use arca_server::Settings;
use arca_server::testing::TestServer;
use serde_json::{Value, json};
use std::path::Path;

fn blob_file(data: &Path, digest: &str) -> std::path::PathBuf {
    let hex = digest.strip_prefix("sha256:").unwrap();
    data.join("blobs/sha256").join(&hex[..2]).join(hex)
}

async fn manifest_of(c: &Client, name: &str, reference: &str) -> (u16, String, Option<String>) {
    let r = c.http.get(c.url(&format!("/v2/{name}/manifests/{reference}"))).header("accept", OCI_MANIFEST).send().await;
    let r = r.unwrap();
    let digest = r.headers().get("docker-content-digest").map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), r.text().await.unwrap(), digest)
}

/// A server on `dir` with dev/app:1.0 pushed: the server, a client, the manifest and its digest.
async fn pushed(dir: &Path) -> (TestServer, Client, String, String) {
    let server = TestServer::start_in(dir, |_| {}).await;
    let c = Client::new(&server);
    let manifest = c.push_image_parts("dev/app", b"a layer").await;
    let digest = sha256(manifest.as_bytes());
    assert_eq!(c.put_manifest("dev/app", "1.0", &manifest).await.status(), 201);
    (server, c, manifest, digest)
}

#[tokio::test]
async fn a_manifest_is_kept_with_its_record_and_read_back_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c, manifest, digest) = pushed(dir.path()).await;
    assert!(!blob_file(dir.path(), &digest).exists(), "no file for the manifest");
    assert_eq!(manifest_of(&c, "dev/app", "1.0").await, (200, manifest.clone(), Some(digest.clone())));
    assert_eq!(manifest_of(&c, "dev/app", &digest).await, (200, manifest.clone(), Some(digest.clone())));
    let head = c.http.head(c.url(&format!("/v2/dev/app/manifests/{digest}"))).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], manifest.len().to_string().as_str());
    // Pushed again (as clients do): the same record, still no file.
    assert_eq!(c.put_manifest("dev/app", "1.1", &manifest).await.status(), 201);
    assert!(!blob_file(dir.path(), &digest).exists());

    // The same bytes pushed as a blob rely on the kept copy (the dedup path), and read as a blob.
    assert_eq!(c.push_blob("dev/app", manifest.as_bytes()).await, digest);
    let blob = c.get(&format!("/v2/dev/app/blobs/{digest}")).await;
    assert_eq!(blob.status(), 200);
    assert_eq!(blob.text().await.unwrap(), manifest);
    let part = c.http.get(c.url(&format!("/v2/dev/app/blobs/{digest}"))).header("range", "bytes=2-14").send().await;
    let part = part.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.text().await.unwrap(), manifest[2..=14]);
    let outside = format!("bytes={}-", manifest.len() + 5);
    let r = c.http.get(c.url(&format!("/v2/dev/app/blobs/{digest}"))).header("range", outside).send().await.unwrap();
    assert_eq!(r.status(), 416);

    server.stop().await;
    let report = arca_server::fsck::check(&Settings::for_tests(dir.path()), false).await.unwrap();
    let report = serde_json::to_value(&report).unwrap();
    assert_eq!(report["problems"], json!([]), "fsck finds the kept manifest whole: {report}");
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    assert_eq!(manifest_of(&c, "dev/app", "1.0").await, (200, manifest, Some(digest)), "durable across a restart");
    server.stop().await;
}

#[tokio::test]
async fn a_collected_manifest_takes_its_body_and_a_later_push_keeps_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c, _, digest) = pushed(dir.path()).await;
    let r = c.http.delete(c.url(&format!("/v2/dev/app/manifests/{digest}"))).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let r = c.http.post(c.url("/api/v1/gc")).json(&json!({ "grace": "0s" })).send().await.unwrap();
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["blobs"], 3, "the manifest, its config and its layer: {report}");

    let manifest = c.push_image_parts("dev/app", b"a layer").await;
    assert_eq!(c.put_manifest("dev/app", "1.0", &manifest).await.status(), 201, "pushed again after the sweep");
    assert_eq!(manifest_of(&c, "dev/app", "1.0").await, (200, manifest, Some(digest)));
    server.stop().await;
}

#[tokio::test]
async fn a_manifest_too_large_to_keep_with_its_record_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let image: Value = serde_json::from_str(&c.push_image_parts("dev/app", b"a layer").await).unwrap();
    let mut large = image.clone();
    large["annotations"] = json!({ "padding": "x".repeat(arca_core::registry::bodies::KEPT_WITH_RECORD_UP_TO) });
    let large = serde_json::to_string(&large).unwrap();
    let digest = sha256(large.as_bytes());
    assert_eq!(c.put_manifest("dev/app", "large", &large).await.status(), 201);
    assert!(blob_file(dir.path(), &digest).exists(), "a file, as before");
    assert_eq!(manifest_of(&c, "dev/app", "large").await, (200, large, Some(digest)));
    server.stop().await;
}

#[tokio::test]
async fn a_generic_version_keeps_its_manifest_with_its_record_and_its_file_as_a_blob() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let path = "/generic/rel/tool/1.0/tool.bin";
    let r = c.http.put(c.url(path)).header("x-arca-property", "build.id=1").body("payload").send().await.unwrap();
    assert_eq!(r.status(), 201);
    let (status, _, digest) = manifest_of(&c, "rel/tool", "1.0").await;
    assert_eq!(status, 200);
    assert!(!blob_file(dir.path(), &digest.unwrap()).exists(), "no file for the version's manifest");
    assert!(blob_file(dir.path(), &sha256(b"payload")).exists(), "the published file is a blob");
    assert_eq!(c.get(path).await.text().await.unwrap(), "payload");
    server.stop().await;
}

#[tokio::test]
async fn a_manifest_missing_a_blob_is_refused_in_its_transaction_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c, manifest, _) = pushed(dir.path()).await;
    // The repository exists: only the transaction checks the references now.
    let missing = sha256(b"never pushed");
    let mut dangling: Value = serde_json::from_str(&manifest).unwrap();
    dangling["layers"][0]["digest"] = json!(missing);
    let dangling = serde_json::to_string(&dangling).unwrap();
    let r = c.put_manifest("dev/app", "2.0", &dangling).await;
    assert_eq!(crate::support::oci_error(r).await, (400, "MANIFEST_BLOB_UNKNOWN".into()));
    assert_eq!(manifest_of(&c, "dev/app", "2.0").await.0, 404);
    assert_eq!(manifest_of(&c, "dev/app", &sha256(dangling.as_bytes())).await.0, 404, "nothing recorded");
    // A repository that does not exist yet is not created by a refused manifest.
    let r = c.put_manifest("new/app", "1.0", &dangling).await;
    assert_eq!(crate::support::oci_error(r).await, (400, "MANIFEST_BLOB_UNKNOWN".into()));
    let repositories: Value = c.get("/api/v1/repositories").await.json().await.unwrap();
    assert!(repositories.to_string().contains("\"dev\""), "{repositories}");
    assert!(!repositories.to_string().contains("\"new\""), "{repositories}");
    server.stop().await;
}

#[tokio::test]
async fn a_push_by_tag_is_hashed_as_the_manifest_its_tag_points_at() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c, _, _) = pushed(dir.path()).await;
    let manifest = c.push_image_parts("dev/app", b"another layer").await;
    let sha512 = format!("sha512:{}", hex::encode(<sha2::Sha512 as sha2::Digest>::digest(manifest.as_bytes())));
    let put = |reference: String| {
        c.http
            .put(c.url(&format!("/v2/dev/app/manifests/{reference}")))
            .header("content-type", OCI_MANIFEST)
            .body(manifest.clone())
            .send()
    };
    let r = put(format!("{sha512}?tag=v1")).await.unwrap();
    assert_eq!(r.status(), 201);
    // The same bytes again by the tag: the tag's manifest, not a SHA-256 twin of it (twice: the first
    // attempt hashes with SHA-256 and learns otherwise in its transaction).
    for _ in 0..2 {
        let r = put("v1".into()).await.unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["docker-content-digest"], sha512.as_str());
        assert_eq!(manifest_of(&c, "dev/app", "v1").await, (200, manifest.clone(), Some(sha512.clone())));
    }
    let sha256 = sha256(manifest.as_bytes());
    assert_eq!(manifest_of(&c, "dev/app", &sha256).await.0, 404, "no SHA-256 record of it");
    // A new tag hashes with SHA-256.
    let r = put("v2".into()).await.unwrap();
    assert_eq!(r.headers()["docker-content-digest"], sha256.as_str());
    server.stop().await;
}
