//! The web UI in a real browser: Debian's headless chromium driven through chromedriver over the
//! WebDriver protocol (a minimal client below: JSON calls with reqwest). Every main page loads without
//! console errors and without serious or critical accessibility violations (axe-core, injected);
//! sign-in and sign-out through the form; repository → package → version → referrer by clicking
//! links; a promotion through its gate checklist and into the history; a yank of a PyPI release; a
//! denied page for a user without read; a screenshot of each main
//! page under `<target>/ui-screenshots/`. Needs chromium, chromedriver and `.ci/axe` (`.ci/run`
//! installs them).

use crate::auth::{ADMIN_PASSWORD, USER_PASSWORD, auth_settings, setup};
use crate::support::sha256;
use arca_server::auth::credentials::basic;
use arca_server::testing::TestServer;
use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver process on a free loopback port; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (installed by .ci/run: chromium-driver)");
        let driver = Self { child, url: format!("http://127.0.0.1:{port}") };
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{}/status", driver.url)).send().await {
                let status: Value = r.json().await.unwrap();
                if status["value"]["ready"] == true {
                    return driver;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not become ready");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session (a fresh profile: no cookies).
struct Browser {
    http: reqwest::Client,
    session: String,
}

/// An element reference returned by `find`.
struct Element(String);

impl Browser {
    async fn open(driver: &Driver) -> Self {
        let http = reqwest::Client::new();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1000", "--no-first-run", "--disable-extensions"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let r = http.post(format!("{}/session", driver.url)).json(&capabilities).send().await.unwrap();
        let created: Value = r.json().await.unwrap();
        let session = created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("new session: {created}"));
        let browser = Self { http, session: format!("{}/session/{session}", driver.url) };
        browser.call("POST", "/timeouts", json!({"script": 30_000, "pageLoad": 30_000})).await;
        browser
    }

    /// A WebDriver command; its `value`, or a panic with the driver's error.
    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.session);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let r = request.send().await.unwrap();
        let status = r.status();
        let reply: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {reply}");
        reply["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url })).await;
    }

    async fn current_url(&self) -> String {
        self.call("GET", "/url", Value::Null).await.as_str().unwrap().to_owned()
    }

    /// The current URL once it starts with `prefix` (a form's submission may still be navigating when
    /// the click returns, on a loaded machine), or the last one after 10 s.
    async fn url_once(&self, prefix: &str) -> String {
        for _ in 0..100 {
            let url = self.current_url().await;
            if url.starts_with(prefix) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.current_url().await
    }

    /// The current URL once it is `expected` (see [`Self::url_once`]), or the last one after 10 s.
    async fn url_when(&self, expected: &str) -> String {
        for _ in 0..100 {
            let url = self.current_url().await;
            if url == expected {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.current_url().await
    }

    async fn source(&self) -> String {
        self.call("GET", "/source", Value::Null).await.as_str().unwrap().to_owned()
    }

    async fn find(&self, css: &str) -> Element {
        let found = self.call("POST", "/element", json!({"using": "css selector", "value": css})).await;
        // The W3C element reference is the one value of the object (its key is a fixed UUID).
        let id = found.as_object().and_then(|o| o.values().next()).and_then(Value::as_str);
        Element(id.unwrap_or_else(|| panic!("{css}: {found}")).to_owned())
    }

    async fn click(&self, css: &str) {
        let Element(id) = self.find(css).await;
        self.call("POST", &format!("/element/{id}/click"), json!({})).await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let Element(id) = self.find(css).await;
        self.call("POST", &format!("/element/{id}/value"), json!({ "text": text })).await;
    }

    async fn script(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", json!({"script": script, "args": []})).await
    }

    /// A script with one argument (`arguments[0]`).
    async fn script_with(&self, script: &str, arg: &str) -> Value {
        self.call("POST", "/execute/sync", json!({"script": script, "args": [arg]})).await
    }

    async fn script_async(&self, script: &str) -> Value {
        self.call("POST", "/execute/async", json!({"script": script, "args": []})).await
    }

    /// The browser's console entries since the last call (chromedriver's log endpoint).
    async fn console(&self) -> Vec<Value> {
        self.call("POST", "/se/log", json!({"type": "browser"})).await.as_array().cloned().unwrap_or_default()
    }

    /// Writes a PNG of the viewport to `file`.
    async fn screenshot(&self, file: &Path) {
        let png = self.call("GET", "/screenshot", Value::Null).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        assert_eq!(&bytes[..4], b"\x89PNG", "a PNG");
        std::fs::write(file, bytes).unwrap();
    }

    async fn close(self) {
        self.call("DELETE", "", Value::Null).await;
    }
}

/// Where the screenshots go: `<target>/ui-screenshots/` (kept in the CI output).
fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// axe-core's browser build, installed by `.ci/run` under `.ci/axe`.
fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bash .ci/run installs axe-core)", path.display()))
}

/// The serious and critical accessibility violations axe-core finds on the current page.
async fn serious_violations(browser: &Browser, axe: &str) -> Vec<String> {
    browser.script(&format!("{axe}\n;return typeof axe;")).await;
    let found = browser
        .script_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, {resultTypes: ['violations']})\
               .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,\
                 nodes: v.nodes.map(n => n.html)}))))\
               .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));",
        )
        .await;
    let all = found.as_array().cloned().unwrap_or_else(|| panic!("axe answered {found}"));
    all.iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| format!("{} ({}): {} {}", v["id"], v["impact"], v["help"], v["nodes"]))
        .collect()
}

/// Console errors (level SEVERE) of the entries read: a failed request of the page's (its icon
/// included) is one.
fn console_errors(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Pushes `dev/team/app:1.0` with an SBOM referring to it, and publishes
/// `rel/team/tool/1.0.0/tool.bin`, as the administrator; returns the image's and the SBOM's digests.
async fn publish(base: &str) -> (String, String) {
    let http = reqwest::Client::new();
    let admin = basic("admin", ADMIN_PASSWORD);
    let blob = |bytes: Vec<u8>| {
        let url = format!("{base}/v2/dev/team/app/blobs/uploads/?digest={}", sha256(&bytes));
        http.post(url).header("authorization", &admin).body(bytes).send()
    };
    let manifest = |reference: &str, body: String| {
        http.put(format!("{base}/v2/dev/team/app/manifests/{reference}"))
            .header("authorization", &admin)
            .header("content-type", "application/vnd.oci.image.manifest.v1+json")
            .body(body)
            .send()
    };
    let (config, layer, sbom) = (b"{}".to_vec(), b"browser-layer".to_vec(), br#"{"spdxVersion":"SPDX-2.3"}"#.to_vec());
    for bytes in [&config, &layer, &sbom] {
        assert_eq!(blob(bytes.clone()).await.unwrap().status(), 201, "push blob");
    }
    let image = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{}","size":{}}}]}}"#,
        sha256(&config),
        sha256(&layer),
        layer.len()
    );
    let image_digest = sha256(image.as_bytes());
    assert_eq!(manifest("1.0", image.clone()).await.unwrap().status(), 201, "push image");
    let referrer = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/spdx+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/spdx+json","digest":"{}","size":{}}}],"subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{image_digest}","size":{}}}}}"#,
        sha256(&config),
        sha256(&sbom),
        sbom.len(),
        image.len()
    );
    let referrer_digest = sha256(referrer.as_bytes());
    assert_eq!(manifest(&referrer_digest, referrer).await.unwrap().status(), 201, "push SBOM");
    let r = http
        .put(format!("{base}/generic/rel/team/tool/1.0.0/tool.bin"))
        .header("authorization", &admin)
        .body("generic tool bytes")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "publish generic file");
    (image_digest, referrer_digest)
}

/// The dashboard's count after `<dt>{label}</dt><dd>`.
fn counted(page: &str, label: &str) -> u64 {
    let after = page.split(&format!("<dt>{label}</dt><dd>")).nth(1).unwrap_or_default();
    after.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// A PyPI repository `py` with the release `demo 1.0` (a wheel), as the administrator.
async fn publish_wheel(base: &str) {
    use crate::pypi::{form, twine_fields, wheel, wheel_name};
    let http = reqwest::Client::new();
    let admin = basic("admin", ADMIN_PASSWORD);
    let r = http.post(format!("{base}/api/v1/repositories")).header("authorization", &admin);
    let r = r.json(&json!({"name": "py", "format": "pypi"})).send().await.unwrap();
    assert_eq!(r.status(), 201, "a PyPI repository");
    let bytes = wheel("demo", "1.0", "x = 1\n");
    let sha = sha256(&bytes)["sha256:".len()..].to_owned();
    let (content_type, body) = form(&twine_fields("demo", "1.0", &sha, false), &wheel_name("demo", "1.0"), &bytes);
    let r = http.post(format!("{base}/pypi/py/legacy/")).header("authorization", &admin);
    let r = r.header("content-type", content_type).body(body).send().await.unwrap();
    assert_eq!(r.status(), 200, "wheel uploaded");
}

/// Signs in through the form, as a person would.
async fn sign_in(browser: &Browser, base: &str, user: &str, password: &str) {
    browser.go(&format!("{base}/ui/")).await;
    assert!(browser.current_url().await.starts_with(&format!("{base}/ui/login")), "sent to the sign-in form");
    browser.type_into("input[name=username]", user).await;
    browser.type_into("input[name=password]", password).await;
    browser.click("form button[type=submit]").await;
    assert_eq!(browser.url_when(&format!("{base}/ui/")).await, format!("{base}/ui/"), "back on the page asked for");
    assert!(browser.source().await.contains("Sign out"), "signed in as {user}");
}

#[tokio::test]
async fn the_ui_works_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let base = server.url();
    let (image, referrer) = publish(&base).await;
    let prod = reqwest::Client::new()
        .post(format!("{base}/api/v1/repositories"))
        .header("authorization", basic("admin", ADMIN_PASSWORD))
        .json(&json!({"name": "prod", "format": "oci", "stage": "prod", "promote_from": ["dev"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(prod.status(), 201, "a repository promoted into from dev");
    let driver = Driver::start().await;
    let axe = axe_source();
    let shots = screenshot_dir();
    let browser = Browser::open(&driver).await;

    // The sign-in form is a main page too.
    browser.go(&format!("{base}/ui/login")).await;
    assert_eq!(serious_violations(&browser, &axe).await, Vec::<String>::new(), "/ui/login");
    browser.screenshot(&shots.join("login.png")).await;
    sign_in(&browser, &base, "admin", ADMIN_PASSWORD).await;

    // Repository → package → version, by clicking links.
    browser.click("a[href='/ui/repositories/dev']").await;
    assert_eq!(browser.url_when(&format!("{base}/ui/repositories/dev")).await, format!("{base}/ui/repositories/dev"));
    browser.click("a[href='/ui/repositories/dev/packages/team/app']").await;
    assert_eq!(
        browser.url_when(&format!("{base}/ui/repositories/dev/packages/team/app")).await,
        format!("{base}/ui/repositories/dev/packages/team/app")
    );
    browser.click("a[href='/ui/repositories/dev/packages/team/app/versions/1.0']").await;
    assert_eq!(
        browser.url_when(&format!("{base}/ui/repositories/dev/packages/team/app/versions/1.0")).await,
        format!("{base}/ui/repositories/dev/packages/team/app/versions/1.0")
    );
    let version = browser.source().await;
    assert!(version.contains(&image), "the digest: {version}");
    assert!(version.contains(&referrer) && version.contains("<td>SBOM</td>"), "the referrer: {version}");
    let shown = browser
        .script_with(
            "return [...document.querySelectorAll('td code')].some(c => c.textContent === arguments[0])",
            &referrer,
        )
        .await;
    assert_eq!(shown, true, "the referrer's digest is a rendered table cell");
    browser.console().await;

    // … → the referrer: its own page, naming the version it refers to.
    let hex = referrer.trim_start_matches("sha256:");
    browser.click(&format!("main a[href$='{hex}']")).await;
    assert!(
        browser
            .url_once(&format!("{base}/ui/repositories/dev/packages/team/app/versions/sha256"))
            .await
            .starts_with(&format!("{base}/ui/repositories/dev/packages/team/app/versions/sha256"))
    );
    let page = browser.source().await;
    assert!(page.contains("Subject") && page.contains(&image), "the referrer names its subject: {page}");
    assert!(page.contains(&format!("@{referrer}")) && page.contains("oras pull"), "{page}");
    assert_eq!(console_errors(&browser.console().await), Vec::<String>::new(), "the referrer's page");
    browser.screenshot(&shots.join("referrer.png")).await;
    browser.go(&format!("{base}/ui/repositories/dev/packages/team/app/versions/1.0")).await;

    // A promotion done from the UI: the version page's Promote link, the target, the gate checklist,
    // the confirmation; the promotion then shows in the history.
    browser.click("a[href='/ui/promote/dev/team/app/1.0']").await;
    browser.click("main form.filters button[type=submit]").await;
    assert_eq!(
        browser.url_when(&format!("{base}/ui/promote/dev/team/app/1.0?to=prod")).await,
        format!("{base}/ui/promote/dev/team/app/1.0?to=prod")
    );
    let checklist = browser.source().await;
    assert!(checklist.contains("Every gate passes"), "the checklist comes first: {checklist}");
    assert_eq!(serious_violations(&browser, &axe).await, Vec::<String>::new(), "the promotion page");
    browser.screenshot(&shots.join("promote.png")).await;
    browser.click("main form[method=post] button[type=submit]").await;
    assert_eq!(
        browser.url_when(&format!("{base}/ui/history/prod/team/app")).await,
        format!("{base}/ui/history/prod/team/app")
    );
    let history = browser.source().await;
    assert!(history.contains(&image) && history.contains("dev"), "the promotion is in the history: {history}");
    assert_eq!(console_errors(&browser.console().await), Vec::<String>::new(), "the history page");

    // A yank from the UI: the PyPI release's page, its Yank link, what it means, a reason, the button.
    publish_wheel(&base).await;
    browser.go(&format!("{base}/ui/repositories/py/packages/demo/versions/1.0")).await;
    browser.click("a[href='/ui/yank/py/demo/1.0']").await;
    assert!(browser.source().await.contains("PEP 592"), "what yanking means comes first");
    assert_eq!(serious_violations(&browser, &axe).await, Vec::<String>::new(), "the yank page");
    browser.screenshot(&shots.join("yank.png")).await;
    browser.type_into("main input[name=reason]", "broken build").await;
    browser.click("main form[method=post] button[type=submit]").await;
    let version = format!("{base}/ui/repositories/py/packages/demo/versions/1.0");
    assert_eq!(browser.url_when(&version).await, version);
    let yanked = browser.source().await;
    assert!(yanked.contains("<dt>Yanked</dt>") && yanked.contains("broken build"), "{yanked}");
    assert_eq!(console_errors(&browser.console().await), Vec::<String>::new(), "the yanked version's page");

    // A pull of the generic file, for the dashboard (it then counts the publishes and this pull).
    let pulled = reqwest::Client::new()
        .get(format!("{base}/generic/rel/team/tool/1.0.0/tool.bin"))
        .header("authorization", basic("admin", ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(pulled.bytes().await.unwrap(), "generic tool bytes".as_bytes(), "the file pulls whole");

    // Every main page: loads, no console errors, no serious accessibility violations, a screenshot.
    let pages = [
        ("repositories", "/ui/"),
        ("repository", "/ui/repositories/dev"),
        ("package", "/ui/repositories/dev/packages/team/app"),
        ("version", "/ui/repositories/dev/packages/team/app/versions/1.0"),
        ("generic-version", "/ui/repositories/rel/packages/team/tool/versions/1.0.0"),
        ("search", "/ui/search?package=team%2F*"),
        ("audit", "/ui/audit"),
        ("dashboard", "/ui/dashboard"),
    ];
    for (name, path) in pages {
        browser.go(&format!("{base}{path}")).await;
        let title = browser.script("return document.title").await;
        assert!(title.as_str().unwrap().ends_with("· arca"), "{path}: {title}");
        let body = browser.source().await;
        assert!(body.contains("Sign out") && !body.contains("class=\"error\""), "{path}: {body}");
        if name == "dashboard" {
            assert!(counted(&body, "Publishes") >= 2 && counted(&body, "Pulls") >= 1, "the push and pull: {body}");
        }
        assert_eq!(console_errors(&browser.console().await), Vec::<String>::new(), "{path}: console errors");
        assert_eq!(serious_violations(&browser, &axe).await, Vec::<String>::new(), "{path}: accessibility");
        browser.screenshot(&shots.join(format!("{name}.png"))).await;
    }
    println!("screenshots of the main pages: {}", shots.display());

    // Sign out: the button in the header; the UI asks for a sign-in again.
    browser.click("header form button[type=submit]").await;
    assert!(browser.url_once(&format!("{base}/ui/login")).await.starts_with(&format!("{base}/ui/login")), "signed out");
    browser.go(&format!("{base}/ui/dashboard")).await;
    assert!(browser.current_url().await.starts_with(&format!("{base}/ui/login")), "no session any more");
    browser.close().await;

    // A user who may read `dev` only is denied `rel`, and does not see it listed.
    let browser = Browser::open(&driver).await;
    sign_in(&browser, &base, "reader", USER_PASSWORD).await;
    let home = browser.source().await;
    assert!(home.contains("/ui/repositories/dev") && !home.contains("/ui/repositories/rel"), "{home}");
    browser.go(&format!("{base}/ui/repositories/rel/packages/team/tool/versions/1.0.0")).await;
    let denied = browser.source().await;
    assert!(denied.contains("needs read on rel") && !denied.contains("tool.bin"), "{denied}");
    let status = browser.script("return performance.getEntriesByType('navigation')[0].responseStatus").await;
    assert_eq!(status, 403, "{denied}");
    browser.screenshot(&shots.join("denied.png")).await;
    // The checks above can fail: the refused document is a console error, an icon (or any request)
    // answered 404 is one, and an image without a text alternative is a critical violation.
    let errors = console_errors(&browser.console().await);
    assert!(errors.iter().any(|e| e.contains("403")), "the refusal is in the console: {errors:?}");
    assert!(!errors.iter().any(|e| e.contains("favicon")), "the page's icon loads: {errors:?}");
    browser
        .script_async(
            "const done = arguments[arguments.length - 1]; const img = document.createElement('img');\
             img.onerror = () => done(null); img.src = '/favicon.ico'; document.querySelector('main').append(img);",
        )
        .await;
    let errors = console_errors(&browser.console().await);
    assert!(errors.iter().any(|e| e.contains("/favicon.ico") && e.contains("404")), "a 404 is caught: {errors:?}");
    let violations = serious_violations(&browser, &axe).await;
    assert!(violations.iter().any(|v| v.starts_with("\"image-alt\"")), "{violations:?}");
    browser.close().await;
}
