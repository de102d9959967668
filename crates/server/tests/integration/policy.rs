//! Repositories and tag immutability.

use crate::support::{Client, oci_error};
use arca_server::config::RepositoryConfig;
use arca_server::testing::TestServer;

#[tokio::test]
async fn tags_are_immutable_unless_a_pattern_allows_moving_them() {
    let server = TestServer::start_with(|s| {
        let repo = RepositoryConfig {
            format: "oci".into(),
            stage: Some("dev".into()),
            mutable_tags: Some(vec!["latest".into(), "dev-*".into()]),
            quota_bytes: None,
            promote_from: Vec::new(),
            gates: Vec::new(),
            pull_gates: Vec::new(),
            anonymous_read: false,
            allow_unpublish: false,
            maven_snapshot_keep: None,
        };
        s.repositories.insert("dev".into(), repo);
    })
    .await;
    let c = Client::new(&server);
    let first = c.push_image_parts("dev/app", b"one").await;
    let second = c.push_image_parts("dev/app", b"two").await;
    for tag in ["v1", "latest", "dev-42"] {
        assert_eq!(c.put_manifest("dev/app", tag, &first).await.status(), 201, "{tag}");
    }
    // Identical content: idempotent.
    assert_eq!(c.put_manifest("dev/app", "v1", &first).await.status(), 201);
    // Different content: refused for the immutable tag, with a message naming the rule.
    let r = c.put_manifest("dev/app", "v1", &second).await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.unwrap();
    assert!(body.contains("DENIED") && body.contains("immutable") && body.contains("v1"), "{body}");
    let current = c.get("/v2/dev/app/manifests/v1").await.text().await.unwrap();
    assert_eq!(current, first, "the refused push changed the tag");
    // Mutable patterns move.
    for tag in ["latest", "dev-42"] {
        assert_eq!(c.put_manifest("dev/app", tag, &second).await.status(), 201, "{tag}");
        assert_eq!(c.get(&format!("/v2/dev/app/manifests/{tag}")).await.text().await.unwrap(), second);
    }
}

#[tokio::test]
async fn auto_created_repositories_let_only_latest_move() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let first = c.push_image_parts("fresh/app", b"one").await;
    let second = c.push_image_parts("fresh/app", b"two").await;
    assert_eq!(c.put_manifest("fresh/app", "latest", &first).await.status(), 201);
    assert_eq!(c.put_manifest("fresh/app", "latest", &second).await.status(), 201);
    assert_eq!(c.put_manifest("fresh/app", "1.0", &first).await.status(), 201);
    assert_eq!(c.put_manifest("fresh/app", "1.0", &second).await.status(), 409);
}

#[tokio::test]
async fn without_auto_create_unknown_repositories_are_refused() {
    let server = TestServer::start_with(|s| s.registry.auto_create = false).await;
    let c = Client::new(&server);
    let r = c.http.post(c.url("/v2/nope/app/blobs/uploads/")).send().await.unwrap();
    let (status, code) = oci_error(r).await;
    assert_eq!((status, code.as_str()), (404, "NAME_UNKNOWN"));
}

/// Every way a repository comes to exist makes it in one place (`NewRepository`): a policy left out
/// is the format's default — OCI lets the configured `default_mutable_tags` move, generic nothing —
/// and the creation is audited with the policy it got.
#[tokio::test]
async fn repositories_get_their_formats_default_policy_however_they_are_made() {
    let server = TestServer::start_with(|s| {
        s.registry.default_mutable_tags = vec!["latest".into(), "nightly-*".into()];
        for (name, format) in [("declared-oci", "oci"), ("declared-generic", "generic")] {
            let repo = RepositoryConfig {
                format: format.into(),
                stage: None,
                mutable_tags: None,
                quota_bytes: None,
                promote_from: Vec::new(),
                gates: Vec::new(),
                pull_gates: Vec::new(),
                anonymous_read: false,
                allow_unpublish: false,
                maven_snapshot_keep: None,
            };
            s.repositories.insert(name.into(), repo);
        }
    })
    .await;
    let c = Client::new(&server);
    c.push_blob("auto-oci/app", b"x").await;
    let r = c.http.put(c.url("/generic/auto-generic/tool/1.0/a.txt")).body("a").send().await.unwrap();
    assert_eq!(r.status(), 201);
    // Through the API, an absent `mutable_tags` is `[]`: every tag immutable.
    let r = c.http.post(c.url("/api/v1/repositories")).json(&serde_json::json!({ "name": "api-oci" })).send();
    assert_eq!(r.await.unwrap().status(), 201);

    let moving = serde_json::json!(["latest", "nightly-*"]);
    let none = serde_json::json!([]);
    for (name, format, tags) in [
        ("declared-oci", "oci", &moving),
        ("declared-generic", "generic", &none),
        ("auto-oci", "oci", &moving),
        ("auto-generic", "generic", &none),
        ("api-oci", "oci", &none),
    ] {
        let repo: serde_json::Value = c.get(&format!("/api/v1/repositories/{name}")).await.json().await.unwrap();
        assert_eq!(
            (&repo["format"], &repo["kind"], &repo["mutable_tags"]),
            (&format.into(), &"hosted".into(), tags),
            "{name}"
        );
    }

    let audit: serde_json::Value = c.get("/api/v1/audit?limit=500").await.json().await.unwrap();
    let created = |name: &str| {
        let entries = audit["entries"].as_array().unwrap();
        let entry = entries.iter().find(|e| e["action"] == "repository.create" && e["target"] == name);
        entry.unwrap_or_else(|| panic!("no repository.create of {name} in {audit:#}"))["detail"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        created("declared-generic"),
        "format=generic kind=hosted stage=- mutable_tags= quota_bytes=- promote_from= gates="
    );
    assert_eq!(
        created("auto-oci"),
        "format=oci kind=hosted stage=- mutable_tags=latest,nightly-* quota_bytes=- promote_from= gates=; auto-created on first write"
    );
    assert_eq!(created("api-oci"), "format=oci kind=hosted stage=- mutable_tags= quota_bytes=- promote_from= gates=");
}
