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
            anonymous_read: false,
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
