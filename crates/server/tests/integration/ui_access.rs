//! Who gets which answer from the web UI beyond signing in (ui.rs): a signed-in user refused a page
//! is told who they are (not offered to sign in); anonymous visitors browse what `auth.anonymous_read`
//! opens, and only that; the icon every page links to is served to anyone.

use crate::auth::{ADMIN_PASSWORD, USER_PASSWORD, auth_settings, setup};
use crate::support::{Client, sha256};
use crate::ui::sign_in;
use arca_server::auth::credentials::basic;
use arca_server::testing::TestServer;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, LOCATION};

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A navigation (`Accept: text/html`), with a session cookie or none.
async fn navigate(http: &reqwest::Client, url: String, cookie: Option<&str>) -> reqwest::Response {
    let mut request = http.get(url).header(ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

/// Pushes `dev/team/app:1.0` (an image) and publishes `rel/team/tool/1.0.0/tool.bin`, as the admin.
async fn publish(c: &Client) {
    let admin = basic("admin", ADMIN_PASSWORD);
    let (config, layer) = (b"{}".to_vec(), b"access-layer".to_vec());
    for bytes in [&config, &layer] {
        let url = c.url(&format!("/v2/dev/team/app/blobs/uploads/?digest={}", sha256(bytes)));
        let r = c.http.post(url).header("authorization", &admin).body(bytes.clone()).send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{}","size":{}}}]}}"#,
        sha256(&config),
        sha256(&layer),
        layer.len()
    );
    let r = c.http.put(c.url("/v2/dev/team/app/manifests/1.0")).header("authorization", &admin);
    let r = r.header(CONTENT_TYPE, "application/vnd.oci.image.manifest.v1+json").body(manifest).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = c.http.put(c.url("/generic/rel/team/tool/1.0.0/tool.bin")).header("authorization", &admin);
    assert_eq!(r.body("tool").send().await.unwrap().status(), 201);
}

#[tokio::test]
async fn a_signed_in_user_refused_a_page_is_told_who_they_are_and_may_sign_out() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let c = Client::new(&server);
    publish(&c).await;
    let (http, base) = (browser(), server.url());
    let reader = sign_in(&http, &base, "reader", USER_PASSWORD).await;
    for path in ["/ui/repositories/rel", "/ui/audit"] {
        let r = navigate(&http, format!("{base}{path}"), Some(&reader)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("signed in as <strong>reader</strong>, who may not see this page"), "{path}: {body}");
        assert!(!body.contains("href=\"/ui/login\"") && !body.contains(">Sign in<"), "no sign-in offered: {body}");
        assert!(body.contains("href=\"/ui/\"") && body.contains("action=\"/ui/logout\""), "home, sign out: {body}");
    }
    // Its sign-out form works (its CSRF token is the session's).
    let body = navigate(&http, format!("{base}/ui/repositories/rel"), Some(&reader)).await.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let main = &body[body.find("<main>").unwrap()..];
    let start = main.find(marker).unwrap() + marker.len();
    let csrf = main[start..].split('"').next().unwrap();
    let r = http
        .post(format!("{base}/ui/logout"))
        .header(COOKIE, &reader)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!((r.status(), r.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/ui/login"));
    // Without a session, a refusal is still the sign-in form (a browser) or a 401 (anything else).
    let r = navigate(&http, format!("{base}/ui/repositories/rel"), None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn anonymous_visitors_browse_what_anonymous_read_opens_and_sign_in_for_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), |s| {
        auth_settings(s);
        s.auth_anonymous_read = vec!["dev".into()];
    })
    .await;
    let c = Client::new(&server);
    publish(&c).await;
    let (http, base) = (browser(), server.url());
    let get = |path: &str| navigate(&http, format!("{base}{path}"), None);

    let r = get("/ui/").await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("/ui/repositories/dev") && !body.contains("/ui/repositories/rel"), "{body}");
    assert!(body.contains("href=\"/ui/login\"") && !body.contains("Sign out"), "offered a sign-in: {body}");
    for path in [
        "/ui/repositories/dev",
        "/ui/repositories/dev/packages/team/app",
        "/ui/repositories/dev/packages/team/app/versions/1.0",
        "/ui/history/dev/team/app",
    ] {
        let r = get(path).await;
        assert_eq!(r.status(), 200, "{path}: {}", r.text().await.unwrap());
    }
    let body = get("/ui/search?package=team%2F*").await.text().await.unwrap();
    assert!(body.contains("dev/team/app:1.0") && !body.contains("rel/team/tool"), "{body}");
    // What anonymous may not read, the node's counters and every action: the sign-in form first.
    for path in [
        "/ui/repositories/rel",
        "/ui/repositories/rel/packages/team/tool/versions/1.0.0",
        "/ui/dashboard",
        "/ui/tokens",
        "/ui/promote/dev/team/app/1.0",
        "/ui/approve/dev/team/app/1.0",
        "/ui/properties/dev/team/app/1.0",
        "/ui/yank/dev/team/app/1.0",
    ] {
        let r = get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(r.headers()[LOCATION].to_str().unwrap().starts_with("/ui/login?next="), "{path}");
    }
    // Signed in, a user sees what they may read as before.
    let session = sign_in(&http, &base, "admin", ADMIN_PASSWORD).await;
    let body = navigate(&http, format!("{base}/ui/"), Some(&session)).await.text().await.unwrap();
    assert!(body.contains("/ui/repositories/rel") && body.contains("Sign out"), "{body}");

    // Without `auth.anonymous_read`, nothing is open to anonymous visitors.
    let closed = TestServer::start_with(auth_settings).await;
    for path in ["/ui/", "/ui/search", "/ui/repositories/dev"] {
        let r = navigate(&http, format!("{}{path}", closed.url()), None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(r.headers()[LOCATION].to_str().unwrap().starts_with("/ui/login?next="), "{path}");
    }
}

#[tokio::test]
async fn every_page_links_the_icon_served_to_anyone() {
    let server = TestServer::start_with(auth_settings).await;
    let http = browser();
    let r = http.get(format!("{}/ui/favicon.svg", server.url())).send().await.unwrap();
    assert_eq!(r.status(), 200, "no session needed");
    assert_eq!(r.headers()[CONTENT_TYPE], "image/svg+xml");
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    assert!(r.text().await.unwrap().starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    let login = navigate(&http, format!("{}/ui/login", server.url()), None).await.text().await.unwrap();
    assert!(login.contains("<link rel=\"icon\" href=\"/ui/favicon.svg\" type=\"image/svg+xml\">"), "{login}");
}
