//! What a held-out attack pass broke, each as a regression test: percent-encoded names past a
//! glob grant, login storms, lockouts of valid credentials, tokens for another service, damaged
//! blobs served as good, sha512 content pushed twice, a database deleted under a running server.

use crate::auth::{ADMIN_PASSWORD, USER_PASSWORD, auth_settings, setup};
use crate::support::Client;
use arca_core::audit::Actor;
use arca_core::auth::Permission;
use arca_server::auth::credentials::basic;
use arca_server::testing::TestServer;
use reqwest::{Method, StatusCode};
use std::path::Path;

/// A user granted `dev-???:admin` reaches `dev-abc`, never `dev-a` by spelling it `dev-%61`: every
/// route family decides on the name its handler acts on.
#[tokio::test]
async fn percent_encoded_names_do_not_slip_past_a_glob_grant() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = setup(dir.path()).await;
    let grant = vec![Permission::parse("dev-???:admin").unwrap()];
    app.auth.add_user(&Actor::system(), "globber", Some(USER_PASSWORD), grant).await.unwrap();
    drop(app);
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let http = reqwest::Client::new();
    let as_admin = |m: Method, path: &str| {
        http.request(m, format!("{}{path}", server.url())).header("authorization", basic("admin", ADMIN_PASSWORD))
    };
    for (name, format) in [("dev-a", "generic"), ("dev-abc", "generic")] {
        let body = serde_json::json!({ "name": name, "format": format, "mutable_tags": [] });
        let r = as_admin(Method::POST, "/api/v1/repositories").json(&body).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let r = as_admin(Method::PUT, &format!("/generic/{name}/tool/1.0/a.txt")).body("x").send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    let as_globber = |m: Method, path: &str| {
        http.request(m, format!("{}{path}", server.url())).header("authorization", basic("globber", USER_PASSWORD))
    };
    // The grant works for what it names.
    let r = as_globber(Method::GET, "/api/v1/repositories/dev-abc/packages").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let patch = serde_json::json!({ "mutable_tags": ["*"] });
    for spelling in ["dev-%61", "dev%2Da", "%64ev-a"] {
        let attempts = [
            as_globber(Method::PATCH, &format!("/api/v1/repositories/{spelling}")).json(&patch),
            as_globber(Method::DELETE, &format!("/api/v1/repositories/{spelling}")),
            as_globber(Method::GET, &format!("/api/v1/repositories/{spelling}/packages")),
            as_globber(Method::GET, &format!("/api/v1/repositories/{spelling}/packages/tool/versions/1.0")),
            as_globber(Method::DELETE, &format!("/api/v1/repositories/{spelling}/packages/tool/versions/1.0")),
            as_globber(Method::GET, &format!("/generic/{spelling}/tool/1.0/a.txt")),
            as_globber(Method::DELETE, &format!("/generic/{spelling}/tool/1.0/a.txt")),
            as_globber(Method::GET, &format!("/v2/{spelling}/tool/manifests/1.0")),
            as_globber(Method::DELETE, &format!("/v2/{spelling}/tool/manifests/1.0")),
        ];
        for attempt in attempts {
            let r = attempt.send().await.unwrap();
            let (status, url) = (r.status(), r.url().clone());
            // 403 where the name is read as `dev-a`; 400 where it is no valid name at all.
            assert!(status == 403 || status == 400, "{url}: {status}");
        }
    }
    let r = as_admin(Method::GET, "/generic/dev-a/tool/1.0/a.txt").send().await.unwrap();
    assert_eq!(r.status(), 200, "dev-a's version is still there");
    let repo: serde_json::Value =
        as_admin(Method::GET, "/api/v1/repositories/dev-a").send().await.unwrap().json().await.unwrap();
    assert_eq!(repo["mutable_tags"], serde_json::json!([]), "and its policy unchanged: {repo}");
}

/// 200 concurrent wrong passwords for one user: only the free failures are evaluated (and audited);
/// the rest are refused before hashing. A spray of unknown users from one address likewise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_storms_are_refused_before_hashing() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), |s| {
        auth_settings(s);
        s.auth_login_limits.per_address = 30;
    })
    .await;
    let http = reqwest::Client::new();
    let url = format!("{}/v2/", server.url());
    let storm = |user: String| {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move {
            http.get(url).header("authorization", basic(&user, "wrong")).send().await.unwrap().status()
        })
    };
    let statuses: Vec<StatusCode> = futures_util::future::join_all((0..200).map(|_| storm("reader".into())))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let evaluated = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(evaluated + refused, 200, "{statuses:?}");
    assert!(evaluated <= arca_core::auth::throttle::FREE_FAILURES as usize + 1, "{evaluated} evaluated");
    let spray: Vec<StatusCode> = futures_util::future::join_all((0..300).map(|i| storm(format!("nobody{i}"))))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let evaluated = spray.iter().filter(|s| **s == 401).count();
    assert!(evaluated <= 31, "{evaluated} unknown users evaluated from one address");
    let audit = http
        .get(format!("{}/api/v1/audit?action=login&limit=1000", server.url()))
        .header("authorization", basic("admin", ADMIN_PASSWORD))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let failures = audit["entries"].as_array().unwrap().len();
    assert!(failures <= 6 + 31, "only evaluated attempts are audited: {failures}");
}

/// Forged secrets naming a real token's id do not lock the real token out, nor do failures from its
/// address; a repeatedly presented bad secret is throttled by itself.
#[tokio::test]
async fn forged_secrets_do_not_lock_out_the_real_token() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = setup(dir.path()).await;
    let scope = vec![Permission::parse("dev:read").unwrap()];
    let token = app.auth.create_token(&Actor::system(), "reader", "ci", scope, None).await.unwrap();
    drop(app);
    let server = TestServer::start_in(dir.path(), |s| {
        auth_settings(s);
        s.auth_login_limits.per_address = 5;
    })
    .await;
    let http = reqwest::Client::new();
    let get = |bearer: String| http.get(format!("{}/v2/", server.url())).bearer_auth(bearer).send();
    let id = &token.token.id;
    for i in 0..40 {
        let forged = format!("arca_{id}_{:048x}", i);
        assert_ne!(get(forged).await.unwrap().status(), 200);
    }
    assert_eq!(get(token.text.clone()).await.unwrap().status(), 200, "the real token still works");
    let r = http.get(format!("{}/v2/", server.url())).header("authorization", basic("reader", &token.text));
    assert_eq!(r.send().await.unwrap().status(), 200, "as a Basic password too");
}

#[tokio::test]
async fn registry_tokens_are_only_issued_and_accepted_for_this_service() {
    let server = TestServer::start_with(auth_settings).await;
    let http = reqwest::Client::new();
    let token = |service: &str| {
        http.get(format!("{}/token?service={service}&scope=repository:dev/app:pull", server.url()))
            .header("authorization", basic("admin", ADMIN_PASSWORD))
            .send()
    };
    assert_eq!(token("not-arca").await.unwrap().status(), 400);
    let ok: serde_json::Value = token("arca").await.unwrap().json().await.unwrap();
    let jwt = ok["token"].as_str().unwrap();
    let r = http.get(format!("{}/v2/", server.url())).bearer_auth(jwt).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// The file of a blob, by the filesystem store's layout.
fn blob_file(data: &Path, digest: &str) -> std::path::PathBuf {
    let hex = digest.strip_prefix("sha256:").unwrap();
    data.join("blobs").join("sha256").join(&hex[..2]).join(hex)
}

/// Bit flips, truncation and deletion of stored blobs: never served as good, and pushing the blob
/// again repairs it.
#[tokio::test]
async fn damaged_blobs_are_never_served_as_good_and_a_push_repairs_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let digest = c.push_blob("dev/app", &content).await;
    let file = blob_file(dir.path(), &digest);
    let path = format!("/v2/dev/app/blobs/{digest}");

    // A flipped bit: the transfer fails instead of completing with wrong bytes.
    let mut flipped = content.clone();
    flipped[1000] ^= 1;
    std::fs::write(&file, &flipped).unwrap();
    let r = c.get(&path).await;
    let body = r.bytes().await;
    assert!(
        body.is_err() || body.as_deref().is_ok_and(|b| b != flipped.as_slice()),
        "flipped bytes were served as good"
    );
    c.push_blob("dev/app", &content).await;
    assert_eq!(c.get(&path).await.bytes().await.unwrap().as_ref(), content.as_slice(), "repaired by a push");

    // Truncated: an error, not a short body under a 200.
    std::fs::write(&file, &content[..1000]).unwrap();
    let r = c.get(&path).await;
    assert_eq!(r.status(), 500, "a truncated blob is an error");
    assert_eq!(c.http.head(c.url(&path)).send().await.unwrap().status(), 500, "for HEAD too");
    c.push_blob("dev/app", &content).await;
    assert_eq!(c.get(&path).await.bytes().await.unwrap().as_ref(), content.as_slice(), "repaired by a push");

    // Deleted: HEAD and GET agree it is gone; pushing again brings it back.
    std::fs::remove_file(&file).unwrap();
    assert!(!c.get(&path).await.status().is_success());
    assert_eq!(c.http.head(c.url(&path)).send().await.unwrap().status(), 404, "HEAD agrees with GET");
    c.push_blob("dev/app", &content).await;
    assert_eq!(c.get(&path).await.bytes().await.unwrap().as_ref(), content.as_slice(), "repaired by a push");
}

/// Upstream conformance (dev): sha512 content already stored, pushed again by POST then PUT with the
/// body and no `digest-algorithm` hint.
#[tokio::test]
async fn sha512_content_already_stored_is_accepted_by_post_then_put() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let content = b"sha512 content pushed twice";
    let digest = format!("sha512:{}", hex::encode(<sha2::Sha512 as sha2::Digest>::digest(content)));
    let r = c.http.post(c.url(&format!("/v2/dev/app/blobs/uploads/?digest={digest}"))).body(&content[..]).send();
    assert_eq!(r.await.unwrap().status(), 201);
    let r = c.http.post(c.url("/v2/dev/other/blobs/uploads/")).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let sep = if location.contains('?') { '&' } else { '?' };
    let put = c.http.put(c.url(&format!("{location}{sep}digest={digest}"))).body(&content[..]).send().await.unwrap();
    assert_eq!(put.status(), 201, "{}", put.text().await.unwrap());
    let back = c.get(&format!("/v2/dev/other/blobs/{digest}")).await.bytes().await.unwrap();
    assert_eq!(back.as_ref(), content);
}

/// A metadata database deleted under a running server: not ready; and a restart on blobs without
/// their database refuses to start (instead of serving an empty registry).
#[tokio::test]
async fn a_lost_database_is_noticed_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let c = Client::new(&server);
    c.push_blob("dev/app", b"precious").await;
    assert_eq!(c.get("/readyz").await.status(), 200);
    for file in ["arca.db", "arca.db-wal", "arca.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(file));
    }
    let r = c.get("/readyz").await;
    assert_eq!(r.status(), 503, "{}", r.text().await.unwrap());
    server.stop().await;
    let settings = arca_server::Settings::for_tests(dir.path());
    let err = arca_server::App::build(&settings).await.err().expect("a data directory with blobs and no database");
    assert!(err.0.to_lowercase().contains("restore"), "the message says how to recover: {}", err.0);
}

/// Back-off ends when its time is up, by the server's clock (moved by the test, not slept through).
#[tokio::test]
async fn a_back_off_ends_when_its_time_is_up() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let clock = arca_core::clock::ManualClock::new();
    let seams = arca_server::Seams { clock: Some(clock.clone()), ..Default::default() };
    let server = TestServer::start_seamed(dir.path(), auth_settings, seams).await;
    let http = reqwest::Client::new();
    let get = |password: &str| {
        http.get(format!("{}/v2/", server.url())).header("authorization", basic("reader", password)).send()
    };
    for _ in 0..=arca_core::auth::throttle::FREE_FAILURES {
        assert_eq!(get("wrong").await.unwrap().status(), 401);
    }
    assert_eq!(get(USER_PASSWORD).await.unwrap().status(), 429, "backing off for 2 s");
    clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(get(USER_PASSWORD).await.unwrap().status(), 429, "still");
    clock.advance(std::time::Duration::from_secs(2));
    assert_eq!(get(USER_PASSWORD).await.unwrap().status(), 200, "the back-off is over");
}
