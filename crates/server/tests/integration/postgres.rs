//! The same registry on PostgreSQL metadata (`--database postgres://…`).

use crate::support::Client;
use arca_server::testing::TestServer;
use arca_store_sql::testing::PgScratch;

#[tokio::test]
async fn push_pull_list_and_delete_on_postgres() {
    let db = PgScratch::create().await;
    let url = db.url.clone();
    let server = TestServer::start_with(move |s| s.database = url).await;
    let c = Client::new(&server);
    let manifest = c.push_image_parts("dev/team/app", b"layer on postgres").await;
    let r = c.put_manifest("dev/team/app", "1.0", &manifest).await;
    assert_eq!(r.status(), 201);
    let digest = r.headers()["docker-content-digest"].to_str().unwrap().to_owned();
    assert_eq!(c.get("/v2/dev/team/app/manifests/1.0").await.text().await.unwrap(), manifest);
    let tags: serde_json::Value = c.get("/v2/dev/team/app/tags/list").await.json().await.unwrap();
    assert_eq!(tags["tags"], serde_json::json!(["1.0"]));
    let catalog: serde_json::Value = c.get("/v2/_catalog").await.json().await.unwrap();
    assert_eq!(catalog["repositories"], serde_json::json!(["dev/team/app"]));
    let r = c.http.delete(c.url(&format!("/v2/dev/team/app/manifests/{digest}"))).send().await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(c.get("/v2/dev/team/app/manifests/1.0").await.status(), 404);
    server.stop().await;
    db.drop().await;
}
