//! The npm registry over HTTP with bodies npm sent (captured in crates/npm/tests/fixtures): publish,
//! the packument, a `--provenance` bundle kept as a referrer, search, ping, keys, and every refusal
//! (a lying integrity, a tarball that is not one, a name or version that disagrees, path tricks,
//! another format's repository) answered as npm expects and leaving nothing. Real npm: npm_clients.rs.

use crate::support::Client;
use arca_server::testing::TestServer;
use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../npm/tests/fixtures").join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

async fn npm_repo(c: &Client, name: &str) {
    let r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": name, "format": "npm"})).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::CREATED);
}

async fn put(c: &Client, path: &str, body: &Value) -> (StatusCode, Value) {
    let r = c.http.put(c.url(path)).json(body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The captured unscoped publish with its tarball swapped for `tarball`, claims made to match.
fn with_tarball(mut body: Value, tarball: &[u8]) -> Value {
    use sha2::Digest as _;
    let key = body["_attachments"].as_object().unwrap().keys().next().unwrap().clone();
    body["_attachments"][&key]["data"] = json!(base64::engine::general_purpose::STANDARD.encode(tarball));
    body["_attachments"][&key]["length"] = json!(tarball.len());
    let version = body["versions"].as_object().unwrap().keys().next().unwrap().clone();
    let integrity = base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(tarball));
    body["versions"][&version]["dist"]["integrity"] = json!(format!("sha512-{integrity}"));
    body["versions"][&version]["dist"].as_object_mut().unwrap().remove("shasum");
    body
}

#[tokio::test]
async fn a_captured_publish_is_served_and_refusals_leave_nothing() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    npm_repo(&c, "js").await;
    let publish = fixture("publish-unscoped.json");

    // Refused: each answered with npm's {"error": …}, nothing published.
    let mut lying = publish.clone();
    let version = lying["versions"].as_object().unwrap().keys().next().unwrap().clone();
    lying["versions"][&version]["dist"]["integrity"] = json!(format!("sha512-{}", "A".repeat(86) + "=="));
    let not_gzip = with_tarball(publish.clone(), b"not a tarball at all");
    let mut renamed = publish.clone();
    renamed["name"] = json!("other-name");
    let cases = [("integrity", &lying), ("tarball", &not_gzip), ("name", &renamed)];
    for (why, body) in cases {
        let (status, answer) = put(&c, "/npm/js/arca-demo", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {answer}");
        assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()), "{why}: {answer}");
    }
    let (status, _) = put(&c, "/npm/js/arca-demo", &json!({"name": "arca-demo", "versions": "nope"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a malformed document");
    let broken = c.http.put(c.url("/npm/js/arca-demo")).body("{\"name\": \"arca-demo\", \"_attachments\": {").send();
    assert_eq!(broken.await.unwrap().status(), StatusCode::BAD_REQUEST, "a truncated body");
    assert_eq!(c.get("/npm/js/arca-demo").await.status(), StatusCode::NOT_FOUND, "nothing was published");

    // Published, once.
    let (status, answer) = put(&c, "/npm/js/arca-demo", &publish).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = put(&c, "/npm/js/arca-demo", &publish).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(answer["error"].as_str().unwrap().contains("cannot publish over the previously published versions"));

    let first = c.get("/npm/js/arca-demo").await;
    let etag = first.headers()["etag"].clone();
    let full: Value = first.json().await.unwrap();
    assert_eq!(full["dist-tags"]["latest"], version.as_str());
    // Rendered once, then served from memory: the same bytes, the same ETag, and 304 for it.
    let again = c.get("/npm/js/arca-demo").await;
    assert_eq!(again.headers()["etag"], etag);
    assert_eq!(again.json::<Value>().await.unwrap(), full);
    let revalidated = c.http.get(c.url("/npm/js/arca-demo")).header("if-none-match", etag.clone()).send();
    assert_eq!(revalidated.await.unwrap().status(), StatusCode::NOT_MODIFIED);
    // A deprecation (npm re-sends the document) changes what is rendered.
    let mut deprecate = full.clone();
    deprecate["versions"][&version]["deprecated"] = json!("use arca-demo 2");
    assert_eq!(put(&c, "/npm/js/arca-demo", &deprecate).await.0, StatusCode::OK);
    let changed = c.get("/npm/js/arca-demo").await;
    assert_ne!(changed.headers()["etag"], etag);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["versions"][&version]["deprecated"], "use arca-demo 2");
    let full = changed;
    let dist = &full["versions"][&version]["dist"];
    assert_eq!(dist["integrity"], publish["versions"][&version]["dist"]["integrity"]);
    let tarball = dist["tarball"].as_str().unwrap();
    let bytes = c.http.get(tarball).send().await.unwrap().bytes().await.unwrap();
    let sent = publish["_attachments"].as_object().unwrap().values().next().unwrap()["data"].as_str().unwrap();
    assert_eq!(base64::engine::general_purpose::STANDARD.encode(&bytes), sent, "byte for byte");
    let corgi = c.http.get(c.url("/npm/js/arca-demo")).header("accept", "application/vnd.npm.install-v1+json").send();
    let corgi = corgi.await.unwrap();
    assert_eq!(corgi.headers()["content-type"], "application/vnd.npm.install-v1+json");
    let corgi: Value = corgi.json().await.unwrap();
    assert!(corgi.get("readme").is_none() && corgi["versions"][&version]["dist"].is_object(), "{corgi}");

    // Tarball paths with tricks are refused before any lookup.
    assert_eq!(c.get("/npm/js/arca-demo/-/..%2f..%2fsecret.tgz").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(c.get("/npm/js/arca-demo/-/arca-demo-9.9.9.tgz").await.status(), StatusCode::NOT_FOUND);

    // The version is an OCI manifest like any other.
    let manifest: Value = c.get(&format!("/v2/js/arca-demo/manifests/{version}")).await.json().await.unwrap();
    assert_eq!(manifest["artifactType"], "application/vnd.arca.npm.v1");

    // Search, ping, keys.
    let found: Value = c.get("/npm/js/-/v1/search?text=demo").await.json().await.unwrap();
    assert_eq!(found["objects"][0]["package"]["name"], "arca-demo", "{found}");
    assert_eq!(found["total"], 1);
    assert_eq!(c.get("/npm/js/-/ping").await.status(), StatusCode::OK);
    let keys: Value = c.get("/npm/js/-/npm/v1/keys").await.json().await.unwrap();
    assert_eq!(keys["keys"][0]["keyid"], dist["signatures"][0]["keyid"]);
    // Unpublish is refused: versions are immutable.
    let r = c.http.delete(c.url("/npm/js/arca-demo/-rev/1-x")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_provenance_bundle_is_kept_as_a_referrer_and_other_formats_refuse_npm() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    npm_repo(&c, "js").await;
    let mut publish = fixture("publish-scoped.json");
    let name = publish["name"].as_str().unwrap().to_owned();
    let version = publish["versions"].as_object().unwrap().keys().next().unwrap().clone();
    let bundle = json!({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "dsseEnvelope": {}}).to_string();
    publish["_attachments"][format!("{name}-{version}.sigstore")] = json!({"content_type": "application/vnd.dev.sigstore.bundle.v0.3+json", "data": bundle, "length": bundle.len()});
    let path = format!("/npm/js/{}", name.replace('/', "%2f"));
    let (status, answer) = put(&c, &path, &publish).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let stored = name.trim_start_matches('@');
    let manifest = c.get(&format!("/v2/js/{stored}/manifests/{}", version.replace('+', "_"))).await;
    let digest = manifest.headers()["docker-content-digest"].to_str().unwrap().to_owned();
    let referrers: Value = c.get(&format!("/v2/js/{stored}/referrers/{digest}")).await.json().await.unwrap();
    assert_eq!(
        referrers["manifests"][0]["artifactType"], "application/vnd.dev.sigstore.bundle.v0.3+json",
        "{referrers}"
    );

    let r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": "files", "format": "generic"})).send();
    assert_eq!(r.await.unwrap().status(), StatusCode::CREATED);
    let (status, answer) = put(&c, "/npm/files/arca-demo", &fixture("publish-unscoped.json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["error"].as_str().unwrap().contains("generic"), "{answer}");
}

/// An archived package accepts no publish (403, npm's refusal status), before any other check.
#[tokio::test]
async fn an_archived_package_refuses_publishes() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    npm_repo(&c, "js").await;
    let publish = fixture("publish-unscoped.json");
    assert_eq!(put(&c, "/npm/js/arca-demo", &publish).await.0, StatusCode::CREATED);
    let status = c.url("/api/v1/repositories/js/packages/arca-demo/status");
    let r = c.http.put(&status).json(&json!({"status": "archived"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (code, answer) = put(&c, "/npm/js/arca-demo", &publish).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(answer["error"].as_str().unwrap().contains("archived"), "{answer}");
    c.http.put(&status).json(&json!({"status": "active"})).send().await.unwrap();
    let (code, answer) = put(&c, "/npm/js/arca-demo", &publish).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "the version exists");
    assert!(!answer["error"].as_str().unwrap().contains("archived"), "{answer}");
}

/// Unpublish over HTTP (libnpmpublish's requests): refused (405) until the repository allows it
/// (`allow_unpublish`, npm repositories only); a rewrite carrying attachments is refused; the
/// version removed is gone from the packument and its tarball, and never published again.
#[tokio::test]
async fn unpublish_follows_the_repository_policy() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    npm_repo(&c, "js").await;
    let publish = fixture("publish-unscoped.json");
    let version = publish["versions"].as_object().unwrap().keys().next().unwrap().clone();
    assert_eq!(put(&c, "/npm/js/arca-demo", &publish).await.0, StatusCode::CREATED);
    let rewrite = json!({"_id": "arca-demo", "name": "arca-demo", "dist-tags": {}, "versions": {}});

    let (status, answer) = put(&c, "/npm/js/arca-demo/-rev/1-x", &rewrite).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("--allow-unpublish"), "{answer}");
    let policy = |repo: &str| c.http.patch(c.url(&format!("/api/v1/repositories/{repo}")));
    let r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": "files", "format": "generic"})).send();
    assert_eq!(r.await.unwrap().status(), StatusCode::CREATED);
    let r = policy("files").json(&json!({"allow_unpublish": true})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "npm repositories only");
    let r = policy("js").json(&json!({"allow_unpublish": true})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let (status, _) = put(&c, "/npm/js/arca-demo/-rev/1-x", &publish).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a rewrite carries no tarball");
    assert_eq!(c.get("/npm/js/arca-demo").await.status(), StatusCode::OK, "still there");
    let (status, answer) = put(&c, "/npm/js/arca-demo/-rev/1-x", &rewrite).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(c.get("/npm/js/arca-demo").await.status(), StatusCode::NOT_FOUND);
    let tarball = format!("/npm/js/arca-demo/-/arca-demo-{version}.tgz");
    assert_eq!(c.get(&tarball).await.status(), StatusCode::NOT_FOUND);
    let r = c.http.delete(c.url(&format!("{tarball}/-rev/2-x"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the tarball went with its version");
    let (status, answer) = put(&c, "/npm/js/arca-demo", &publish).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "never published again: {answer}");
    let r = c.http.delete(c.url("/npm/js/arca-demo/-rev/3-x")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "nothing left to unpublish");
}
