//! Generic files: round trips of any size, checksums, immutability (409, idempotent re-sends), ranges,
//! multi-file versions committed atomically, properties, and the same version through `/v2/`.

use crate::support::{Client, sha256, staged_files};
use arca_server::testing::TestServer;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest as _;

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

async fn put(c: &Client, path: &str, body: Vec<u8>) -> reqwest::Response {
    c.http.put(c.url(&format!("/generic/{path}"))).body(body).send().await.unwrap()
}

async fn error_code(r: reqwest::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    let code = body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body}")).to_owned();
    (status, code, body["error"]["message"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn files_of_0_b_and_1_kib_round_trip_with_their_headers() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    for (version, data) in [("0.0.0", vec![]), ("1.0.0", bytes(1024, 7))] {
        let r = put(&c, &format!("rel/team/tool/{version}/tool%20linux.bin"), data.clone()).await;
        assert_eq!(r.status(), StatusCode::CREATED, "publish {version}");
        let digest = sha256(&data);
        assert_eq!(r.headers()["x-checksum-sha256"], &digest["sha256:".len()..]);
        let published: Value = r.json().await.unwrap();
        assert_eq!(published["file"]["digest"], digest.as_str());
        assert_eq!(published["file"]["size"], data.len());

        let r = c.get(&format!("/generic/rel/team/tool/{version}/tool%20linux.bin")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let h = r.headers().clone();
        assert_eq!(h["etag"], format!("\"{digest}\"").as_str());
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(h["x-checksum-sha256"], &digest["sha256:".len()..]);
        assert_eq!(h["content-length"], data.len().to_string().as_str());
        let disposition = h["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"tool linux.bin\""), "{disposition}");
        assert_eq!(r.bytes().await.unwrap().as_ref(), data.as_slice(), "byte for byte");

        let head = c.http.head(c.url(&format!("/generic/rel/team/tool/{version}/tool%20linux.bin"))).send().await;
        let head = head.unwrap();
        assert_eq!(
            (head.status(), head.headers()["content-length"].to_str().unwrap()),
            (StatusCode::OK, &*data.len().to_string())
        );
    }
    let repo: Value = c.get("/api/v1/repositories/rel").await.json().await.unwrap();
    assert_eq!(repo["format"], "generic", "auto-created as a generic repository");
}

#[tokio::test]
async fn a_large_file_streams_in_and_out() {
    const SIZE: usize = 64 << 20;
    const CHUNK: usize = 1 << 20;
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let chunk = |i: usize| bytes(CHUNK, i as u8);
    let mut expected = sha2::Sha256::new();
    (0..SIZE / CHUNK).for_each(|i| expected.update(chunk(i)));
    let expected = hex::encode(expected.finalize());
    let body = futures_util::stream::iter((0..SIZE / CHUNK).map(move |i| Ok::<_, std::io::Error>(chunk(i))));
    let r = c
        .http
        .put(c.url("/generic/rel/big/1.0/model.bin"))
        .header("x-checksum-sha256", &expected)
        .header("content-length", SIZE)
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());

    let r = c.get("/generic/rel/big/1.0/model.bin").await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut stream = r.bytes_stream();
    let (mut hasher, mut n) = (sha2::Sha256::new(), 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        n += chunk.len();
        hasher.update(&chunk);
    }
    assert_eq!((n, hex::encode(hasher.finalize())), (SIZE, expected));
}

#[tokio::test]
async fn a_checksum_mismatch_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let data = bytes(4096, 1);
    let wrong = hex::encode(sha2::Sha256::digest(b"something else"));
    let r = c
        .http
        .put(c.url("/generic/rel/tool/1.0/a.bin"))
        .header("x-checksum-sha256", &wrong)
        .body(data.clone())
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_code(r).await;
    assert_eq!((status, code.as_str()), (400, "digest_invalid"));
    let actual = sha256(&data);
    let hex = &actual["sha256:".len()..];
    assert!(!dir.path().join(format!("blobs/sha256/{}/{hex}", &hex[..2])).exists(), "no blob stored");
    assert!(staged_files(dir.path()).is_empty(), "nothing staged left");
    assert_eq!(c.get("/generic/rel/tool/1.0/a.bin").await.status(), 404);
    assert_eq!(c.get("/v2/rel/tool/manifests/1.0").await.status(), 404, "no version");

    let r = c.http.put(c.url("/generic/rel/tool/1.0/a.bin")).header("x-checksum-sha256", "xyz").body("x").send();
    let (status, code, _) = error_code(r.await.unwrap()).await;
    assert_eq!((status, code.as_str()), (400, "digest_invalid"));
    let r = c.http.put(c.url("/generic/rel/tool/1.0/a.bin")).header("x-checksum-sha256", hex).body(data).send();
    assert_eq!(r.await.unwrap().status(), StatusCode::CREATED, "the right checksum is accepted");
}

#[tokio::test]
async fn published_versions_are_immutable_and_resending_is_idempotent() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    assert_eq!(put(&c, "rel/tool/1.0/a.bin", b"one".to_vec()).await.status(), StatusCode::CREATED);
    let again = put(&c, "rel/tool/1.0/a.bin", b"one".to_vec()).await;
    assert_eq!(again.status(), StatusCode::OK, "identical content: success, unchanged");

    let (status, code, message) = error_code(put(&c, "rel/tool/1.0/a.bin", b"two".to_vec()).await).await;
    assert_eq!((status, code.as_str()), (409, "conflict"));
    assert!(message.contains("rel/tool:1.0"), "names the version: {message}");
    let (status, _, message) = error_code(put(&c, "rel/tool/1.0/b.bin", b"more".to_vec()).await).await;
    assert_eq!(status, 409, "adding a file to a published version");
    assert!(message.contains("rel/tool:1.0") && message.contains("b.bin"), "{message}");
    let body = c.get("/generic/rel/tool/1.0/a.bin").await.bytes().await.unwrap();
    assert_eq!(body.as_ref(), b"one", "unchanged");
    assert_eq!(c.get("/generic/rel/tool/1.0/b.bin").await.status(), 404);

    // Deleting the only file deletes the version; then the version can be published anew.
    let r = c.http.delete(c.url("/generic/rel/tool/1.0/a.bin")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(c.get("/generic/rel/tool/1.0/a.bin").await.status(), 404);
    assert_eq!(put(&c, "rel/tool/1.0/b.bin", b"new".to_vec()).await.status(), StatusCode::CREATED);

    let oci = c.http.put(c.url("/generic/dev/x/1.0/a")).body("x");
    assert_eq!(oci.send().await.unwrap().status(), 201);
    let image = crate::support::Client::new(&server).push_image_parts("img/app", b"layer").await;
    assert_eq!(c.put_manifest("img/app", "1", &image).await.status(), 201);
    let (status, code, _) = error_code(put(&c, "img/app/1.0/a", b"x".to_vec()).await).await;
    assert_eq!((status, code.as_str()), (422, "unsupported"), "an OCI repository takes no generic files");
}

#[tokio::test]
async fn single_ranges_are_served() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let data = bytes(1000, 3);
    put(&c, "rel/tool/1.0/a.bin", data.clone()).await;
    let url = c.url("/generic/rel/tool/1.0/a.bin");
    let r = c.http.get(&url).header("range", "bytes=10-19").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-range"], "bytes 10-19/1000");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[10..20]);
    let r = c.http.get(&url).header("range", "bytes=-5").send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[995..]);
    let r = c.http.get(&url).header("range", "bytes=5000-").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(r.headers()["content-range"], "bytes */1000");
}

#[tokio::test]
async fn bad_paths_are_refused_with_stable_codes() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    for (path, status, code) in [
        // (`%2e%2e` is resolved away by the client's URL parser; the route parser's tests cover it.)
        ("rel/tool/1.0/x..y", 400, "name_invalid"),
        ("rel/tool/1.0/a%2Fb", 400, "name_invalid"),
        ("rel/tool/-bad/a", 400, "tag_invalid"),
        ("Rel/tool/1.0/a", 400, "name_invalid"),
        ("rel/1.0/a", 404, "not_found"),
    ] {
        let (s, c2, _) = error_code(put(&c, path, b"x".to_vec()).await).await;
        assert_eq!((s, c2.as_str()), (status, code), "{path}");
    }
    let (s, code, _) = error_code(c.get("/generic/rel/tool/9.9/a").await).await;
    assert_eq!((s, code.as_str()), (404, "manifest_unknown"));
}

/// Starts a multi-file upload; returns its id.
async fn start_upload(c: &Client, version_path: &str) -> String {
    let r = c.http.post(c.url(&format!("/generic/{version_path}?uploads"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    body["uploadId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_multi_file_version_is_invisible_until_committed_then_published_at_once() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let id = start_upload(&c, "rel/tool/2.0").await;
    for (file, data) in [("tool-linux-amd64", b"elf".as_slice()), ("docs.zip", b"zip".as_slice())] {
        let r = c.http.put(c.url(&format!("/generic/rel/tool/2.0/{file}?uploadId={id}"))).body(data.to_vec());
        assert_eq!(r.send().await.unwrap().status(), StatusCode::CREATED, "stage {file}");
        // Half-staged: nothing of the version is visible anywhere.
        assert_eq!(c.get(&format!("/generic/rel/tool/2.0/{file}")).await.status(), 404);
        assert_eq!(c.get("/v2/rel/tool/manifests/2.0").await.status(), 404);
        assert_eq!(c.get(&format!("/v2/rel/tool/blobs/{}", sha256(data))).await.status(), 404);
        assert_eq!(c.get("/api/v1/repositories/rel/packages/tool/versions/2.0").await.status(), 404);
    }
    let r = c
        .http
        .post(c.url(&format!("/generic/rel/tool/2.0?uploadId={id}")))
        .header("x-arca-property", "vcs.revision=abc123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let published: Value = r.json().await.unwrap();
    let names: Vec<&str> = published["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["docs.zip", "tool-linux-amd64"]);
    assert_eq!(c.get("/generic/rel/tool/2.0/docs.zip").await.bytes().await.unwrap().as_ref(), b"zip");

    let manifest: Value = c.get("/v2/rel/tool/manifests/2.0").await.json().await.unwrap();
    assert_eq!(manifest["artifactType"], "application/vnd.arca.generic.v1");
    assert_eq!(manifest["config"]["mediaType"], "application/vnd.oci.empty.v1+json");
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 2);
    assert!(manifest["annotations"]["org.opencontainers.image.created"].is_string());

    let again = c.http.post(c.url(&format!("/generic/rel/tool/2.0?uploadId={id}"))).send().await.unwrap();
    assert_eq!(again.status(), 404, "a committed upload is gone");
    let (status, ..) = error_code(c.http.post(c.url("/generic/rel/tool/2.0?uploads")).send().await.unwrap()).await;
    assert_eq!(status, 409, "no upload into a published version");
    let r = c.http.delete(c.url("/generic/rel/tool/2.0/docs.zip")).send().await.unwrap();
    assert_eq!(error_code(r).await.0, 409, "a file of a multi-file version is not deleted alone");
    let r = c.http.delete(c.url("/api/v1/repositories/rel/packages/tool/versions/2.0")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "the whole version is");
    assert_eq!(c.get("/generic/rel/tool/2.0/docs.zip").await.status(), 404);
}

#[tokio::test]
async fn an_abandoned_or_expired_upload_leaves_nothing_visible() {
    let server = TestServer::start_with(|s| s.registry.upload_ttl_ms = 1).await;
    let c = Client::new(&server);
    let id = start_upload(&c, "rel/tool/3.0").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let r = c.http.put(c.url(&format!("/generic/rel/tool/3.0/a.bin?uploadId={id}"))).body("a").send().await.unwrap();
    assert_eq!(r.status(), 404, "expired after 1 ms: {}", r.text().await.unwrap());
    assert_eq!(c.get("/generic/rel/tool/3.0/a.bin").await.status(), 404);

    let server = TestServer::start().await;
    let c = Client::new(&server);
    let id = start_upload(&c, "rel/tool/3.0").await;
    let r = c.http.put(c.url(&format!("/generic/rel/tool/3.0/a.bin?uploadId={id}"))).body("a").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = c.http.delete(c.url(&format!("/generic/rel/tool/3.0?uploadId={id}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(c.get("/generic/rel/tool/3.0/a.bin").await.status(), 404);
    assert_eq!(c.get("/v2/rel/tool/tags/list").await.status(), 404, "the package has no version");
    let commit = c.http.post(c.url(&format!("/generic/rel/tool/3.0?uploadId={id}"))).send().await.unwrap();
    assert_eq!(commit.status(), 404, "an abandoned upload cannot be committed");
}

#[tokio::test]
async fn properties_are_set_at_publish_read_and_edited_with_audit() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let r = c
        .http
        .put(c.url("/generic/rel/team/tool/1.0/a.bin"))
        .header("x-arca-property", "vcs.revision=abc123")
        .header("x-arca-property", "env=dev")
        .header("x-arca-property", "env=test")
        .body("a")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let url = c.url("/api/v1/repositories/rel/packages/team/tool/versions/1.0");
    let v: Value = c.http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["properties"], json!({"env": ["dev", "test"], "vcs.revision": ["abc123"]}));
    assert_eq!(v["files"][0]["name"], "a.bin");
    assert_eq!(v["files"][0]["size"], 1);
    assert_eq!(v["files"][0]["digest"], sha256(b"a").as_str());
    assert!(v["digest"].as_str().unwrap().starts_with("sha256:"));

    let patch = json!({"properties": {"env": "prod", "build.id": ["42"], "vcs.revision": null}});
    let r = c.http.patch(format!("{url}/properties")).json(&patch).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let now: Value = r.json().await.unwrap();
    assert_eq!(now["properties"], json!({"build.id": ["42"], "env": ["prod"]}));
    let r = c.http.put(format!("{url}/properties")).json(&json!({"properties": {"k": ["1", "2"]}})).send().await;
    let now: Value = r.unwrap().json().await.unwrap();
    assert_eq!(now["properties"], json!({"k": ["1", "2"]}), "PUT replaces every property");

    let bad = c.http.patch(format!("{url}/properties")).json(&json!({"properties": {"Bad Key": "x"}})).send();
    assert_eq!(error_code(bad.await.unwrap()).await.0, 400);
    let bad = c.http.put(c.url("/generic/rel/t/1/a")).header("x-arca-property", "novalue").body("x").send();
    assert_eq!(error_code(bad.await.unwrap()).await.0, 400);
    assert_eq!(c.get("/generic/rel/t/1/a").await.status(), 404, "a bad property publishes nothing");

    let audit: Value = c.get("/api/v1/audit?action=properties.&limit=10").await.json().await.unwrap();
    let entries = audit["entries"].as_array().unwrap_or_else(|| panic!("{audit}"));
    assert_eq!(entries.len(), 3, "set at publish, patched, replaced: {audit}");
    assert!(entries.iter().all(|e| e["target"] == "rel/team/tool:1.0"));
}

#[tokio::test]
async fn the_reaper_discards_expired_uploads() {
    use arca_core::audit::Actor;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = arca_server::Settings::for_tests(dir.path());
    settings.registry.upload_ttl_ms = 50_000;
    let clock = arca_core::clock::ManualClock::new();
    let seams = arca_server::Seams { clock: Some(clock.clone()), ..Default::default() };
    let app = arca_server::App::build_with(&settings, seams).await.expect("build");
    let (registry, actor) = (&app.registry, Actor::system());
    let name = arca_types::OciName::parse("rel/tool").unwrap();
    let version = arca_types::Tag::parse("1.0").unwrap();
    let id = registry.start_generic_upload(&name, &version, &actor).await.expect("start");
    let reap = || app.jobs.run_now("generic-upload-reaper");
    assert_eq!(reap().await.expect("reap").map(|r| r.items), Some(0), "a fresh upload stays");
    clock.advance(std::time::Duration::from_secs(51));
    assert_eq!(reap().await.expect("reap").map(|r| r.items), Some(1));
    let commit = registry.commit_generic_upload(&id, &name, &version, &[], &actor).await;
    assert_eq!(commit.expect_err("reaped").kind, arca_core::ErrorKind::BlobUploadUnknown);
    assert!(registry.generic_version(&name, &version).await.expect("read").is_none(), "nothing visible");
    assert_eq!(app.jobs.stats()["generic-upload-reaper"].items_total, 1, "the run is counted");
}
