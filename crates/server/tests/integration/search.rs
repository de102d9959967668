//! Search and listings over HTTP: generic versions and OCI images found by each filter, paged with
//! cursors, filtered by what the caller may read; the OpenAPI document is served.

use crate::auth::{Cred, auth_settings, setup};
use crate::support::{Client, sha256};
use arca_server::testing::TestServer;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

fn now_millis() -> i64 {
    arca_core::now_millis()
}

/// Publishes a one-file generic version with properties.
async fn publish(c: &Client, cred: &Cred, path: &str, body: &[u8], properties: &[&str]) {
    let mut r = cred.apply(c.http.put(c.url(&format!("/generic/{path}")))).body(body.to_vec());
    for p in properties {
        r = r.header("x-arca-property", *p);
    }
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "publish {path}: {}", r.text().await.unwrap());
    // Distinct creation times, so the newest-first order is known.
    tokio::time::sleep(Duration::from_millis(3)).await;
}

async fn get_json(c: &Client, cred: &Cred, path: &str) -> (StatusCode, Value) {
    let r = cred.apply(c.http.get(c.url(path))).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `repo/package:version` of each result.
fn names(body: &Value) -> Vec<String> {
    let list = body["results"].as_array().or_else(|| body["versions"].as_array()).expect("results");
    list.iter()
        .map(|h| match h["repository"].as_str() {
            Some(repo) => format!("{repo}/{}:{}", h["package"].as_str().unwrap(), h["version"].as_str().unwrap()),
            None => h["version"].as_str().unwrap().to_owned(),
        })
        .collect()
}

async fn search(c: &Client, cred: &Cred, query: &str) -> Vec<String> {
    let (status, body) = get_json(c, cred, &format!("/api/v1/search?{query}")).await;
    assert_eq!(status, StatusCode::OK, "search {query}: {body}");
    names(&body)
}

async fn push_image(c: &Client, name: &str, tags: &[&str], layer: &[u8]) {
    let manifest = c.push_image_parts(name, layer).await;
    // Each tag in a millisecond of its own: "newest first" needs distinct times.
    for tag in tags {
        let r = c.put_manifest(name, tag, &manifest).await;
        assert_eq!(r.status(), StatusCode::CREATED, "push {name}:{tag}");
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
}

#[tokio::test]
async fn search_finds_generic_versions_and_images_by_each_filter() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let any = Cred::Anonymous;
    publish(&c, &any, "rel/team/tool/1.0.0/tool.bin", b"one", &["env=dev", "env=prod", "build.id=1"]).await;
    publish(&c, &any, "rel/team/tool/1.1.0/tool.bin", b"two", &["env=dev", "build.id=2"]).await;
    let middle = now_millis();
    tokio::time::sleep(Duration::from_millis(3)).await;
    publish(&c, &any, "rel/team/cli/2.0.0/cli.bin", b"three", &[]).await;
    push_image(&c, "dev/app", &["1.0", "latest"], b"layer-a").await;

    let all = ["dev/app:latest", "dev/app:1.0", "rel/team/cli:2.0.0", "rel/team/tool:1.1.0", "rel/team/tool:1.0.0"];
    assert_eq!(search(&c, &any, "").await, all, "newest first, images and generic versions alike");
    assert_eq!(search(&c, &any, "repository=dev").await, all[..2]);
    assert_eq!(search(&c, &any, "format=oci").await, all[..2]);
    assert_eq!(search(&c, &any, "format=generic").await, all[2..]);
    assert_eq!(search(&c, &any, "package=team/*").await, all[2..]);
    assert_eq!(search(&c, &any, "package=*tool&version=1.1.*").await, ["rel/team/tool:1.1.0"]);
    assert_eq!(search(&c, &any, "version=?.0").await, ["dev/app:1.0"]);
    assert_eq!(search(&c, &any, "property=env%3Dprod").await, ["rel/team/tool:1.0.0"]);
    assert_eq!(search(&c, &any, "property=env=dev").await, all[3..], "multi-valued: each version once");
    assert_eq!(search(&c, &any, "property=env=dev&property=build.id=2").await, ["rel/team/tool:1.1.0"]);
    assert_eq!(search(&c, &any, "has_property=build.id").await, all[3..]);
    assert_eq!(search(&c, &any, &format!("digest={}", sha256(b"two"))).await, ["rel/team/tool:1.1.0"], "file");
    assert_eq!(search(&c, &any, &format!("digest={}", sha256(b"layer-a"))).await, all[..2], "layer");
    assert_eq!(search(&c, &any, &format!("created_after={middle}")).await, all[..3]);
    assert_eq!(search(&c, &any, &format!("created_before={middle}")).await, all[3..]);
    assert_eq!(
        search(&c, &any, "created_after=2000-01-01T00:00:00Z&created_before=2000-01-02T00:00:00Z").await.len(),
        0
    );
    assert_eq!(search(&c, &any, "created_after=2000-01-01T00:00:00Z").await.len(), 5, "RFC 3339");

    let (_, body) = get_json(&c, &any, "/api/v1/search?property=build.id=1").await;
    let hit = &body["results"][0];
    assert_eq!(hit["format"], "generic");
    assert_eq!(hit["artifact_type"], "application/vnd.arca.generic.v1");
    assert_eq!(hit["media_type"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(hit["properties"], serde_json::json!({ "build.id": ["1"], "env": ["dev", "prod"] }));
    assert!(hit["created_at"].as_str().unwrap().ends_with('Z'), "RFC 3339: {hit}");
    let manifest = hit["digest"].as_str().unwrap();
    assert_eq!(search(&c, &any, &format!("digest={manifest}")).await, ["rel/team/tool:1.0.0"], "manifest digest");
    assert_eq!(body["next_cursor"], Value::Null, "one page");

    // Paging: every version once, in order, then no cursor.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = cursor.as_ref().map_or_else(|| "limit=2".to_owned(), |c| format!("limit=2&cursor={c}"));
        let (status, body) = get_json(&c, &any, &format!("/api/v1/search?{query}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body["results"].as_array().unwrap().len() <= 2);
        seen.extend(names(&body));
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, all);

    for (query, param) in [
        ("format=zip", "format"),
        ("limit=0", "limit"),
        ("cursor=nonsense", "cursor"),
        ("digest=md5:00", "digest"),
        ("property=novalue", "property"),
        ("created_after=yesterday", "created_after"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = get_json(&c, &any, &format!("/api/v1/search?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["error"]["code"], "invalid_request", "{query}");
        assert!(body["error"]["message"].as_str().unwrap().contains(param), "{query}: {body}");
    }
}

#[tokio::test]
async fn packages_and_versions_are_listed_and_paged() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let any = Cred::Anonymous;
    publish(&c, &any, "rel/team/tool/1.0.0/tool.bin", b"one", &["env=dev"]).await;
    publish(&c, &any, "rel/team/tool/1.1.0/tool.bin", b"two", &[]).await;
    publish(&c, &any, "rel/cli/2.0.0/cli.bin", b"three", &[]).await;
    publish(&c, &any, "rel2/other/1/a.bin", b"four", &[]).await;

    let (status, body) = get_json(&c, &any, "/api/v1/repositories/rel/packages").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        serde_json::json!({ "packages": [{ "name": "cli" }, { "name": "team/tool" }], "next_cursor": null })
    );
    let (_, first) = get_json(&c, &any, "/api/v1/repositories/rel/packages?limit=1").await;
    assert_eq!(first["packages"], serde_json::json!([{ "name": "cli" }]));
    let next = first["next_cursor"].as_str().expect("more follow");
    let (_, second) = get_json(&c, &any, &format!("/api/v1/repositories/rel/packages?limit=1&cursor={next}")).await;
    assert_eq!(second, serde_json::json!({ "packages": [{ "name": "team/tool" }], "next_cursor": null }));
    let (status, _) = get_json(&c, &any, "/api/v1/repositories/nope/packages").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = get_json(&c, &any, "/api/v1/repositories/rel/packages/team/tool/versions").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["1.1.0", "1.0.0"], "newest first");
    assert_eq!(body["versions"][1]["digest"].as_str().map(|d| d.starts_with("sha256:")), Some(true));
    assert_eq!(body["versions"][1]["properties"], serde_json::json!({ "env": ["dev"] }));
    assert!(body["versions"][0]["created_at"].is_string());
    let (_, page) = get_json(&c, &any, "/api/v1/repositories/rel/packages/team/tool/versions?limit=1").await;
    let next = page["next_cursor"].as_str().expect("more follow");
    let path = format!("/api/v1/repositories/rel/packages/team/tool/versions?limit=1&cursor={next}");
    assert_eq!(names(&get_json(&c, &any, &path).await.1), ["1.0.0"]);
    let (status, body) = get_json(&c, &any, "/api/v1/repositories/rel/packages/team/tool/versions?n=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, doc) = get_json(&c, &any, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/search"]["get"].is_object());
}

#[tokio::test]
async fn search_shows_only_what_the_caller_may_read() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), |s| {
        auth_settings(s);
        s.auth_anonymous_read = vec!["public".into()];
    })
    .await;
    let c = Client::new(&server);
    let admin = Cred::Password("admin");
    for repo in ["dev", "prod", "public"] {
        publish(&c, &admin, &format!("{repo}/tool/1.0/tool.bin"), repo.as_bytes(), &["env=x"]).await;
    }
    let everything = ["public/tool:1.0", "prod/tool:1.0", "dev/tool:1.0"];
    assert_eq!(search(&c, &admin, "property=env=x").await, everything);
    assert_eq!(search(&c, &Cred::Password("reader"), "property=env=x").await, ["dev/tool:1.0"], "reader of dev");
    assert_eq!(search(&c, &Cred::Password("reader"), "repository=prod").await.len(), 0, "not readable: no result");
    assert_eq!(search(&c, &Cred::Anonymous, "").await, ["public/tool:1.0"], "anonymous read of public");
    let (status, _) = get_json(&c, &Cred::Token("arca_bogus_token".into()), "/api/v1/search").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "bad credentials are refused, not treated as anonymous");
    let (status, doc) = get_json(&c, &Cred::Anonymous, "/api/v1/openapi.json").await;
    assert_eq!((status, doc["openapi"].as_str()), (StatusCode::OK, Some("3.1.0")), "the document is public");
}

#[tokio::test]
async fn repositories_show_only_what_the_caller_may_read() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let c = Client::new(&server);
    let admin = Cred::Password("admin");
    for repo in ["dev", "prod"] {
        publish(&c, &admin, &format!("{repo}/tool/1.0/tool.bin"), repo.as_bytes(), &[]).await;
    }
    let listed = |body: &Value| -> Vec<String> {
        let list = body["repositories"].as_array().expect("repositories");
        list.iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect()
    };
    let (status, body) = get_json(&c, &admin, "/api/v1/repositories").await;
    assert_eq!((status, listed(&body)), (StatusCode::OK, vec!["dev".to_owned(), "prod".to_owned()]));
    let (status, body) = get_json(&c, &Cred::Password("reader"), "/api/v1/repositories").await;
    assert_eq!((status, listed(&body)), (StatusCode::OK, vec!["dev".to_owned()]), "reader of dev only");
    let (status, body) = get_json(&c, &Cred::Password("reader"), "/api/v1/repositories/prod").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an unreadable repository is not shown: {body}");
    let (_, missing) = get_json(&c, &Cred::Password("reader"), "/api/v1/repositories/nope").await;
    assert_eq!(body, missing.to_string().replace("nope", "prod").parse::<Value>().unwrap(), "same answer as none");
    let (status, body) = get_json(&c, &Cred::Password("reader"), "/api/v1/repositories/dev").await;
    assert_eq!((status, body["name"].as_str()), (StatusCode::OK, Some("dev")));
    let (status, _) = get_json(&c, &Cred::Anonymous, "/api/v1/repositories").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "listing still needs credentials");
}
