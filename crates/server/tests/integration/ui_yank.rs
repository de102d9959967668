//! Yanking from the web UI: a PyPI release, a crate version and an npm version (its deprecation),
//! each after a confirmation page saying what it means for that format, then undone; what the
//! format's own clients read changes with it (the simple index, the sparse index, the packument).
//! Who may: publish on the repository (for a crate, also an owner or an administrator: the use case
//! `cargo yank` calls, tested with it), audited.

use crate::auth::{ADMIN_PASSWORD, USER_PASSWORD, auth_settings, setup};
use crate::pypi::{form, twine_fields, wheel, wheel_name};
use crate::support::{Client, sha256};
use arca_server::auth::credentials::basic;
use arca_server::testing::TestServer;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

/// A client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A confirmation page: its status, body, and the cookie its form's CSRF token is bound to
/// (`cookie` when given, else the nonce cookie the page set).
async fn confirm(http: &reqwest::Client, url: &str, cookie: Option<&str>) -> (StatusCode, String, String) {
    let mut request = http.get(url).header(ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let r = request.send().await.unwrap();
    let nonce = r.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let pair = v.split(';').next()?.trim();
        pair.starts_with("arca_csrf=").then(|| pair.to_owned())
    });
    let binding = cookie.map(str::to_owned).or(nonce).unwrap_or_default();
    let status = r.status();
    (status, r.text().await.unwrap(), binding)
}

/// The hidden `csrf` field of the page's main form, else of its header's (signing out).
fn csrf_of(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let main = &body[body.find("<main>").unwrap_or(0)..];
    let form = if main.contains(marker) { main } else { body };
    let start = form.find(marker).expect("a form with a CSRF token") + marker.len();
    form[start..].split('"').next().unwrap().to_owned()
}

/// Posts a form (`application/x-www-form-urlencoded`) with `cookie`.
async fn post(http: &reqwest::Client, url: &str, cookie: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    let encode = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    http.post(url)
        .header(COOKIE, cookie)
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.join("&"))
        .send()
        .await
        .unwrap()
}

/// Confirms, then posts the confirmation's form with `fields`; the answer must lead back to `back`.
async fn confirm_and_post(http: &reqwest::Client, url: &str, fields: &[(&str, &str)], back: &str) -> String {
    let (status, body, cookie) = confirm(http, url, None).await;
    assert_eq!(status, 200, "{body}");
    let csrf = csrf_of(&body);
    let mut pairs = vec![("csrf", csrf.as_str())];
    pairs.extend_from_slice(fields);
    let r = post(http, url, &cookie, &pairs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()[LOCATION], back);
    body
}

async fn repository(c: &Client, name: &str, format: &str, auth: Option<&str>) {
    let mut r = c.http.post(c.url("/api/v1/repositories")).json(&json!({"name": name, "format": format}));
    if let Some(auth) = auth {
        r = r.header("authorization", auth);
    }
    assert_eq!(r.send().await.unwrap().status(), StatusCode::CREATED);
}

async fn upload_demo_wheel(c: &Client, repo: &str, auth: Option<&str>) {
    let bytes = wheel("demo", "1.0", "x = 1\n");
    let sha = sha256(&bytes)["sha256:".len()..].to_owned();
    let (content_type, body) = form(&twine_fields("demo", "1.0", &sha, false), &wheel_name("demo", "1.0"), &bytes);
    let mut r = c.http.post(c.url(&format!("/pypi/{repo}/legacy/"))).header("content-type", content_type);
    if let Some(auth) = auth {
        r = r.header("authorization", auth);
    }
    let r = r.body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

/// The `yanked` of the release's first file in the simple index (JSON).
async fn pypi_yanked(c: &Client) -> Value {
    let r = c.http.get(c.url("/pypi/py/simple/demo/")).header(ACCEPT, "application/vnd.pypi.simple.v1+json");
    let page: Value = r.send().await.unwrap().json().await.unwrap();
    page["files"][0]["yanked"].clone()
}

/// The `yanked` of the crate's index line.
async fn cargo_yanked(c: &Client) -> Value {
    let file = c.get("/cargo/rs/index/ar/ca/arca_demo").await.text().await.unwrap();
    serde_json::from_str::<Value>(file.trim_end()).unwrap()["yanked"].clone()
}

/// The `deprecated` of the npm version in the packument.
async fn npm_deprecated(c: &Client) -> Value {
    let packument: Value = c.get("/npm/js/arca-demo").await.json().await.unwrap();
    packument["versions"]["1.1.0"]["deprecated"].clone()
}

#[tokio::test]
async fn pypi_cargo_and_npm_versions_are_yanked_and_unyanked_after_a_confirmation() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let http = browser();
    let base = server.url();
    repository(&c, "py", "pypi", None).await;
    upload_demo_wheel(&c, "py", None).await;
    repository(&c, "rs", "cargo", None).await;
    let r = c.http.put(c.url("/cargo/rs/api/v1/crates/new")).body(crate::cargo::body_of("arca_demo", "0.3.0"));
    assert_eq!(r.send().await.unwrap().status(), StatusCode::OK, "crate published");
    repository(&c, "js", "npm", None).await;
    let r = c.http.put(c.url("/npm/js/arca-demo")).json(&crate::npm::fixture("publish-unscoped.json"));
    assert_eq!(r.send().await.unwrap().status(), StatusCode::CREATED, "npm package published");

    // PyPI: the version page links to the yank; the confirmation says what it means; the reason is
    // what the index then shows.
    let version = "/ui/repositories/py/packages/demo/versions/1.0";
    let (_, page, _) = confirm(&http, &format!("{base}{version}"), None).await;
    assert!(page.contains("href=\"/ui/yank/py/demo/1.0\">Yank…</a>"), "{page}");
    let yank = format!("{base}/ui/yank/py/demo/1.0");
    let asked = confirm_and_post(&http, &yank, &[("reason", "broken <build>")], version).await;
    assert!(asked.contains("PEP 592") && asked.contains("pinned") && asked.contains("not yanked"), "{asked}");
    assert_eq!(pypi_yanked(&c).await, "broken <build>");
    let (_, page, _) = confirm(&http, &format!("{base}{version}"), None).await;
    assert!(page.contains("<dt>Yanked</dt><dd><strong>yes</strong> broken &lt;build&gt;</dd>"), "{page}");
    assert!(page.contains(">Un-yank…</a>"), "{page}");
    let asked = confirm_and_post(&http, &yank, &[("undo", "1")], version).await;
    assert!(asked.contains("is <strong>yanked</strong>: broken &lt;build&gt;"), "{asked}");
    assert_eq!(pypi_yanked(&c).await, false, "un-yanked");

    // Cargo: yanked in the sparse index, and back.
    let version = "/ui/repositories/rs/packages/arca_demo/versions/0.3.0";
    let yank = format!("{base}/ui/yank/rs/arca_demo/0.3.0");
    let asked = confirm_and_post(&http, &yank, &[], version).await;
    assert!(asked.contains("Cargo.lock") && !asked.contains("name=\"reason\""), "{asked}");
    assert_eq!(cargo_yanked(&c).await, true);
    confirm_and_post(&http, &yank, &[("undo", "1")], version).await;
    assert_eq!(cargo_yanked(&c).await, false);

    // npm: a deprecation with its message (required), and its undoing.
    let version = "/ui/repositories/js/packages/arca-demo/versions/1.1.0";
    let yank = format!("{base}/ui/yank/js/arca-demo/1.1.0");
    let (_, page, _) = confirm(&http, &format!("{base}{version}"), None).await;
    assert!(page.contains("href=\"/ui/yank/js/arca-demo/1.1.0\">Deprecate…</a>"), "{page}");
    let (_, asked, cookie) = confirm(&http, &yank, None).await;
    assert!(asked.contains("npm has no yank") && asked.contains("name=\"reason\" required"), "{asked}");
    let r = post(&http, &yank, &cookie, &[("csrf", &csrf_of(&asked)), ("reason", " ")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a deprecation needs a message");
    assert_eq!(npm_deprecated(&c).await, Value::Null);
    confirm_and_post(&http, &yank, &[("reason", "use 2.0")], version).await;
    assert_eq!(npm_deprecated(&c).await, "use 2.0");
    confirm_and_post(&http, &yank, &[("undo", "1")], version).await;
    assert_eq!(npm_deprecated(&c).await, Value::Null);

    // Every change is audited as the property change the format's own client makes.
    let audit = c.get("/api/v1/audit?action=properties.set").await.text().await.unwrap();
    for target in ["py/demo", "rs/arca_demo", "js/arca-demo"] {
        assert!(audit.contains(target), "{target}: {audit}");
    }

    // A POST without the form's token changes nothing; formats without a yank offer none.
    let r = post(&http, &format!("{base}/ui/yank/py/demo/1.0"), "", &[("reason", "x")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(pypi_yanked(&c).await, false);
    let r = c.http.put(c.url("/generic/gen/tool/1.0/tool.bin")).body("x").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, page, _) = confirm(&http, &format!("{base}/ui/repositories/gen/packages/tool/versions/1.0"), None).await;
    assert!(page.contains("Promote…") && !page.contains("/ui/yank/"), "{page}");
    let (status, page, _) = confirm(&http, &format!("{base}/ui/yank/gen/tool/1.0"), None).await;
    assert!(status.is_client_error() && page.contains("generic versions have no yank"), "{status} {page}");
}

#[tokio::test]
async fn yanking_needs_publish_on_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let c = Client::new(&server);
    let admin = basic("admin", ADMIN_PASSWORD);
    // `dev` is where the test users hold their roles: a PyPI repository here.
    repository(&c, "dev", "pypi", Some(&admin)).await;
    upload_demo_wheel(&c, "dev", Some(&admin)).await;
    let (http, base) = (browser(), server.url());
    let yank = format!("{base}/ui/yank/dev/demo/1.0");

    let reader = crate::ui::sign_in(&http, &base, "reader", USER_PASSWORD).await;
    let (status, page, _) = confirm(&http, &yank, Some(&reader)).await;
    assert_eq!(status, 403, "read is not enough: {page}");
    let (_, home, _) = confirm(&http, &format!("{base}/ui/"), Some(&reader)).await;
    let r = post(&http, &yank, &reader, &[("csrf", &csrf_of(&home)), ("reason", "x")]).await;
    assert_eq!(r.status(), 403);

    let publisher = crate::ui::sign_in(&http, &base, "publisher", USER_PASSWORD).await;
    let (status, page, _) = confirm(&http, &yank, Some(&publisher)).await;
    assert_eq!(status, 200, "{page}");
    let r = post(&http, &yank, &publisher, &[("csrf", &csrf_of(&page)), ("reason", "bad")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let r = c.http.get(c.url("/api/v1/audit?action=properties.set")).header("authorization", &admin).send().await;
    let audit = r.unwrap().text().await.unwrap();
    assert!(audit.contains("publisher") && audit.contains("dev/demo"), "audited under the publisher's name: {audit}");
}
