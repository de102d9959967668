//! The web UI over HTTP: every page after pushing an image and a generic file (their digests and pull
//! commands shown); sign-in, the session cookie's flags and scope (UI routes only), CSRF on forms,
//! sign-out; what a user may not read stays out of sight; hostile text is escaped.

use crate::auth::{ADMIN_PASSWORD, USER_PASSWORD, auth_settings, setup};
use crate::support::{Client, sha256};
use arca_server::auth::credentials::basic;
use arca_server::testing::TestServer;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};

/// A client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Status and body of a page.
async fn page(http: &reqwest::Client, url: String, cookie: Option<&str>) -> (StatusCode, String) {
    let mut request = http.get(url).header(ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// A form body, `application/x-www-form-urlencoded`.
trait Form {
    fn form_of(self, pairs: &[(&str, &str)]) -> Self;
}

impl Form for reqwest::RequestBuilder {
    fn form_of(self, pairs: &[(&str, &str)]) -> Self {
        let encode = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        self.header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(body.join("&"))
    }
}

/// The value of the hidden `csrf` field of a page's form.
fn csrf_of(body: &str) -> String {
    let start = body.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + "name=\"csrf\" value=\"".len();
    body[start..].split('"').next().unwrap().to_owned()
}

/// `name=value` of the `Set-Cookie` named `name`, and the whole header.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let pair = v.split(';').next()?.trim();
        pair.starts_with(&format!("{name}=")).then(|| (pair.to_owned(), v.to_owned()))
    })
}

/// Pushes `dev/team/app:1.0` and publishes `rel/team/tool/1.0.0/tool.bin`; returns the image's
/// manifest digest, its layer's digest and the file's digest.
async fn push_both(c: &Client, auth: Option<&str>) -> (String, String, String) {
    let with = |r: reqwest::RequestBuilder| match auth {
        Some(a) => r.header("authorization", a),
        None => r,
    };
    let layer = b"ui-layer-bytes";
    let layer_digest = sha256(layer);
    let config = r#"{}"#;
    for (bytes, digest) in [(config.as_bytes(), sha256(config.as_bytes())), (&layer[..], layer_digest.clone())] {
        let url = c.url(&format!("/v2/dev/team/app/blobs/uploads/?digest={digest}"));
        let r = with(c.http.post(url)).body(bytes.to_vec()).send().await.unwrap();
        assert_eq!(r.status(), 201, "push blob");
    }
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer_digest}","size":{}}}]}}"#,
        sha256(config.as_bytes()),
        layer.len()
    );
    let r = with(c.http.put(c.url("/v2/dev/team/app/manifests/1.0")))
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body(manifest.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "push manifest");
    let file = b"generic tool bytes";
    let r = with(c.http.put(c.url("/generic/rel/team/tool/1.0.0/tool.bin")))
        .header("x-arca-property", "vcs.revision=abc123")
        .body(file.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "publish generic file");
    (sha256(manifest.as_bytes()), layer_digest, sha256(file))
}

#[tokio::test]
async fn every_page_renders_with_auth_off_and_shows_digests_and_pull_commands() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let (manifest, layer, file) = push_both(&c, None).await;
    // A pull, for the dashboard.
    assert_eq!(c.get("/generic/rel/team/tool/1.0.0/tool.bin").await.status(), 200);
    // An SBOM referring to the image.
    let sbom = c.push_blob("dev/team/app", br#"{"spdxVersion":"SPDX-2.3","packages":[]}"#).await;
    let referrer = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/spdx+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/spdx+json","digest":"{sbom}","size":40}}],"subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{manifest}","size":1}}}}"#,
        sha256(b"{}")
    );
    let referrer_digest = sha256(referrer.as_bytes());
    assert_eq!(c.put_manifest("dev/team/app", &referrer_digest, &referrer).await.status(), 201);
    let http = browser();
    let get = |path: &str| page(&http, c.url(path), None);

    let (status, body) = get("/ui/").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("/ui/repositories/dev") && body.contains("/ui/repositories/rel"), "{body}");
    assert!(body.contains("action=\"/ui/search\""), "a search box");
    let r = http.get(c.url("/ui")).send().await.unwrap();
    assert_eq!((r.status(), r.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/ui/"));

    let (status, body) = get("/ui/repositories/dev").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("oci") && body.contains("/ui/repositories/dev/packages/team/app"), "{body}");
    let (status, body) = get("/ui/repositories/dev/packages/team/app").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(">1.0<") && body.contains(&manifest[..19]), "version and digest listed: {body}");

    let (status, body) = get("/ui/repositories/dev/packages/team/app/versions/1.0").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&manifest) && body.contains(&layer), "digests shown: {body}");
    assert!(body.contains(&format!("docker pull {}/dev/team/app:1.0", server.host())), "{body}");
    assert!(body.contains(&referrer_digest) && body.contains("<td>SBOM</td>"), "the referrer: {body}");

    let (status, body) = get("/ui/repositories/rel/packages/team/tool/versions/1.0.0").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&file) && body.contains("tool.bin"), "the file and its digest: {body}");
    assert!(body.contains("arca pull rel/team/tool@1.0.0"), "{body}");
    assert!(body.contains("vcs.revision") && body.contains("abc123"), "properties: {body}");

    let (status, body) = get("/ui/search?package=team%2F*&format=").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("dev/team/app:1.0") && body.contains("rel/team/tool:1.0.0"), "{body}");
    let (status, body) = get("/ui/search?format=zip").await;
    assert_eq!(status, 400, "the API's parameter checks: {body}");
    assert!(body.contains("format must be"), "{body}");

    let (status, body) = get("/ui/audit?action=manifest.").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("dev/team/app"), "{body}");
    let (status, body) = get("/ui/dashboard").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("oci_manifest_put") && body.contains("generic_get"), "{body}");
    let (status, body) = get("/ui/login").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Authentication is off"), "{body}");

    let (status, _) = get("/ui/repositories/nonesuch").await;
    assert_eq!(status, 404);
    let (status, _) = get("/ui/repositories/dev/packages/team/app/versions/9.9").await;
    assert_eq!(status, 404);
    let (status, _) = get("/ui/nothing-here").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn hostile_names_and_values_are_escaped() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    let r = c
        .http
        .put(c.url("/generic/rel/tool/1.0/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.bin"))
        .header("x-arca-property", "note=<script>alert(1)</script>")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let http = browser();
    let (status, body) = page(&http, c.url("/ui/repositories/rel/packages/tool/versions/1.0"), None).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("<script>alert") && !body.contains("<img src=x"), "nothing hostile raw: {body}");
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{body}");
    assert!(body.contains("&lt;img src=x onerror=alert(1)&gt;.bin"), "{body}");
    let (status, body) =
        page(&http, c.url("/ui/search?property=note%3D%3Cscript%3Ealert(1)%3C%2Fscript%3E"), None).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("<script>alert") && body.contains("rel/tool:1.0"), "{body}");
    let (status, body) = page(&http, c.url("/ui/repositories/%3Cscript%3Ex"), None).await;
    assert_eq!(status, 404);
    assert!(!body.contains("<script>x") && body.contains("&lt;script&gt;x"), "{body}");
    let (_, body) = page(&http, c.url("/ui/audit"), None).await;
    assert!(!body.contains("<img src=x") && !body.contains("<script>alert"), "{body}");
}

/// Signs in through the form; returns the session cookie (`arca_session=…`).
pub(crate) async fn sign_in(http: &reqwest::Client, base: &str, user: &str, password: &str) -> String {
    let r = http.get(format!("{base}/ui/login")).send().await.unwrap();
    let (nonce, _) = set_cookie(&r, "arca_csrf").expect("a nonce cookie for the sign-in form");
    let csrf = csrf_of(&r.text().await.unwrap());
    let r = http
        .post(format!("{base}/ui/login"))
        .header(COOKIE, &nonce)
        .form_of(&[("csrf", csrf.as_str()), ("username", user), ("password", password), ("next", "/ui/search")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed in as {user}");
    assert_eq!(r.headers()[LOCATION], "/ui/search", "back where the user wanted to go");
    set_cookie(&r, "arca_session").expect("a session cookie").0
}

#[tokio::test]
async fn sign_in_sets_a_session_that_opens_the_ui_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let c = Client::new(&server);
    let admin = basic("admin", ADMIN_PASSWORD);
    push_both(&c, Some(&admin)).await;
    let http = browser();
    let base = server.url();

    // No session: a browser is sent to the sign-in form, other clients get a 401.
    let r = http.get(c.url("/ui/")).header(ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/ui/login?next=%2Fui%2F");
    assert_eq!(http.get(c.url("/ui/dashboard")).send().await.unwrap().status(), 401);

    // A wrong password, and a form without its token.
    let r = http.get(c.url("/ui/login")).send().await.unwrap();
    let (nonce, _) = set_cookie(&r, "arca_csrf").unwrap();
    let csrf = csrf_of(&r.text().await.unwrap());
    let login = |fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        http.post(c.url("/ui/login")).header(COOKIE, nonce.clone()).form_of(&pairs).send()
    };
    let r =
        login(vec![("csrf", csrf.clone()), ("username", "admin".into()), ("password", "wrong".into())]).await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(set_cookie(&r, "arca_session").is_none());
    assert!(r.text().await.unwrap().contains("Invalid user name or password"));
    let hostile = "<script>alert(2)</script>";
    let r = login(vec![("csrf", csrf.clone()), ("username", hostile.into()), ("password", "x".into())]).await.unwrap();
    assert_eq!(r.status(), 401, "an unknown user");
    assert!(!r.text().await.unwrap().contains(hostile));
    let r = login(vec![("username", "admin".into()), ("password", ADMIN_PASSWORD.into())]).await.unwrap();
    assert_eq!(r.status(), 403, "no CSRF token");
    let r = login(vec![("csrf", "forged".into()), ("username", "admin".into()), ("password", ADMIN_PASSWORD.into())])
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a wrong CSRF token");
    let r = http
        .post(c.url("/ui/login"))
        .form_of(&[("csrf", csrf.as_str()), ("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a token without the cookie it is bound to");

    // The right password: a session cookie for the UI only, HttpOnly, SameSite=Lax.
    let r = login(vec![("csrf", csrf.clone()), ("username", "admin".into()), ("password", ADMIN_PASSWORD.into())])
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (session, header) = set_cookie(&r, "arca_session").expect("session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/ui", "Max-Age="] {
        assert!(header.contains(flag), "{flag} in {header}");
    }
    assert!(!header.contains("Secure"), "not over plain HTTP: {header}");

    for path in [
        "/ui/",
        "/ui/repositories/dev",
        "/ui/repositories/dev/packages/team/app",
        "/ui/repositories/dev/packages/team/app/versions/1.0",
        "/ui/repositories/rel/packages/team/tool/versions/1.0.0",
        "/ui/search",
        "/ui/audit",
        "/ui/dashboard",
    ] {
        let (status, body) = page(&http, format!("{base}{path}"), Some(&session)).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains("Sign out") && body.contains(">admin<"), "{path}: {body}");
    }
    // The failed sign-in with a hostile user name is in the audit log, escaped.
    let (_, body) = page(&http, format!("{base}/ui/audit?outcome=failed"), Some(&session)).await;
    assert!(body.contains("&lt;script&gt;alert(2)&lt;/script&gt;") && !body.contains(hostile), "{body}");

    // The cookie is no credential anywhere else.
    for path in ["/v2/dev/team/app/tags/list", "/api/v1/repositories", "/generic/rel/team/tool/1.0.0/tool.bin"] {
        let r = http.get(c.url(path)).header(COOKIE, &session).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path} ignores the UI session");
    }
    // A tampered cookie is no session.
    let tampered = format!("{}x", &session);
    let r = http.get(c.url("/ui/dashboard")).header(COOKIE, tampered).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // Signing out needs the session's own token.
    let (_, body) = page(&http, c.url("/ui/"), Some(&session)).await;
    let token = csrf_of(&body);
    assert_ne!(token, csrf, "bound to the session, not the sign-in nonce");
    let r = http.post(c.url("/ui/logout")).header(COOKIE, &session).form_of(&[("csrf", "x")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = http.post(c.url("/ui/logout")).header(COOKIE, &session).form_of(&[("csrf", &token)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/ui/login");
    let (cleared, header) = set_cookie(&r, "arca_session").expect("the cookie is cleared");
    assert_eq!(cleared, "arca_session=");
    assert!(header.contains("Max-Age=0"), "{header}");
}

#[tokio::test]
async fn a_user_sees_only_the_repositories_they_may_read() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let c = Client::new(&server);
    // `reader` may read `dev` only; `rel` holds a generic file.
    push_both(&c, Some(&basic("admin", ADMIN_PASSWORD))).await;
    let http = browser();
    let base = server.url();
    let session = sign_in(&http, &base, "reader", USER_PASSWORD).await;

    let (status, body) = page(&http, format!("{base}/ui/"), Some(&session)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("/ui/repositories/dev"), "{body}");
    assert!(!body.contains("/ui/repositories/rel"), "rel is not listed: {body}");
    for path in ["/ui/repositories/rel", "/ui/repositories/rel/packages/team/tool/versions/1.0.0"] {
        let (status, _) = page(&http, format!("{base}{path}"), Some(&session)).await;
        assert_eq!(status, 403, "{path}");
    }
    let (status, body) = page(&http, format!("{base}/ui/search?package=team%2F*"), Some(&session)).await;
    assert_eq!(status, 200);
    assert!(body.contains("dev/team/app:1.0") && !body.contains("rel/team/tool"), "{body}");
    let (status, _) = page(&http, format!("{base}/ui/audit"), Some(&session)).await;
    assert_eq!(status, 403, "the audit log is for administrators");
    let (status, body) =
        page(&http, format!("{base}/ui/repositories/dev/packages/team/app/versions/1.0"), Some(&session)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_session_ends_with_a_password_change_and_sign_ins_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let http = browser();
    let base = server.url();
    let session = sign_in(&http, &base, "reader", USER_PASSWORD).await;
    assert_eq!(page(&http, format!("{base}/ui/dashboard"), Some(&session)).await.0, 200);
    let admin = basic("admin", ADMIN_PASSWORD);
    let r = http
        .patch(format!("{base}/api/v1/users/reader"))
        .header("authorization", &admin)
        .header("content-type", "application/json")
        .body(r#"{"password": "a-new-password-for-the-reader"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = http.get(format!("{base}/ui/dashboard")).header(COOKIE, &session).send().await.unwrap();
    assert_eq!(r.status(), 401, "the old session is gone");
    let (status, body) = page(
        &http,
        format!("{base}/ui/audit?action=ui.login"),
        Some(&sign_in(&http, &base, "admin", ADMIN_PASSWORD).await),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ui.login") && body.contains(">reader<"), "sign-ins are audited: {body}");
}

#[tokio::test]
async fn the_session_cookie_is_secure_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = crate::tls::Ca::new("arca test CA");
    let issued = ca.issue("arca test server");
    let files = arca_server::TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
        poll_interval: arca_server::tls::POLL_INTERVAL,
    };
    std::fs::write(&files.cert, &issued.cert_pem).unwrap();
    std::fs::write(&files.key, &issued.key_pem).unwrap();
    let server = TestServer::start_with(|s| {
        auth_settings(s);
        s.tls = Some(files);
    })
    .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_only([reqwest::Certificate::from_pem(ca.pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let r = http.get(format!("{}/ui/login", server.url())).send().await.unwrap();
    let (nonce, header) = set_cookie(&r, "arca_csrf").unwrap();
    assert!(header.contains("Secure") && header.contains("HttpOnly"), "{header}");
    let csrf = csrf_of(&r.text().await.unwrap());
    let r = http
        .post(format!("{}/ui/login", server.url()))
        .header(COOKIE, &nonce)
        .form_of(&[("csrf", csrf.as_str()), ("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, header) = set_cookie(&r, "arca_session").unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/ui", "Secure"] {
        assert!(header.contains(flag), "{flag} in {header}");
    }
}

// ---- Actions (each a GET that shows what will happen, then a POST with the CSRF token) and reports.

/// A POST of a form, with a session cookie.
async fn post_form(http: &reqwest::Client, url: String, cookie: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    http.post(url).header(COOKIE, cookie).form_of(pairs).send().await.unwrap()
}

/// The audit log's entries with `action` (as the API shows them, to an administrator), as text.
async fn audit_of(c: &Client, action: &str) -> String {
    let r = c
        .http
        .get(c.url(&format!("/api/v1/audit?action={action}")))
        .header("authorization", basic("admin", ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// A server with authentication on, `releaser` (read on `dev`, promoter on `staging`) besides the
/// usual principals, `dev/team/app:1.0` pushed and `staging` promoting from `dev` behind `approvals=1`.
async fn promotion_server(dir: &std::path::Path) -> (TestServer, Client, String) {
    {
        let (app, _) = setup(dir).await;
        let grants = vec![
            arca_core::auth::Permission::parse("dev:read").unwrap(),
            arca_core::auth::Permission::parse("staging:promoter").unwrap(),
        ];
        let system = arca_core::audit::Actor::system();
        app.auth.add_user(&system, "releaser", Some(USER_PASSWORD), grants).await.expect("add releaser");
    }
    let server = TestServer::start_in(dir, auth_settings).await;
    let c = Client::new(&server);
    let admin = basic("admin", ADMIN_PASSWORD);
    let (manifest, _, _) = push_both(&c, Some(&admin)).await;
    let staging = serde_json::json!({"name": "staging", "promote_from": ["dev"], "gates": ["approvals=1"]});
    let r = c.http.post(c.url("/api/v1/repositories")).header("authorization", &admin).json(&staging).send().await;
    assert_eq!(r.unwrap().status(), 201, "staging created");
    (server, c, manifest)
}

#[tokio::test]
async fn a_promotion_from_the_ui_shows_the_gates_first_and_lands_in_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c, manifest) = promotion_server(dir.path()).await;
    let (http, base) = (browser(), server.url());
    let promote = format!("{base}/ui/promote/dev/team/app/1.0");
    let approve = format!("{base}/ui/approve/dev/team/app/1.0");
    let history = format!("{base}/ui/history/staging/team/app");
    let releaser = sign_in(&http, &base, "releaser", USER_PASSWORD).await;

    // Without a target: the repositories it promotes to.
    let (status, body) = page(&http, promote.clone(), Some(&releaser)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<option>staging</option>"), "{body}");
    // The dry run's checklist: the approval is missing, so there is nothing to confirm yet.
    let (status, body) = page(&http, format!("{promote}?to=staging"), Some(&releaser)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("<code>approvals=1</code>") && body.contains("FAILED"), "the failed gate: {body}");
    assert!(body.contains(&manifest) && !body.contains("method=\"post\" action=\"/ui/promote"), "{body}");

    // Approving: asked first, refused without the form's token, done with it, audited.
    let (status, body) = page(&http, format!("{approve}?to=staging"), Some(&releaser)).await;
    assert_eq!(status, 200, "{body}");
    let csrf = csrf_of(&body);
    assert_eq!(post_form(&http, approve.clone(), &releaser, &[("to", "staging")]).await.status(), 403);
    assert_eq!(
        post_form(&http, approve.clone(), &releaser, &[("csrf", "forged"), ("to", "staging")]).await.status(),
        403
    );
    assert!(!audit_of(&c, "promotion.approve").await.contains("releaser"), "nothing approved without the token");
    let r = post_form(&http, approve.clone(), &releaser, &[("csrf", &csrf), ("to", "staging")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/ui/promote/dev/team/app/1.0?to=staging");
    assert!(audit_of(&c, "promotion.approve").await.contains("releaser"), "the approval is audited");

    // The checklist now passes and is shown before anything is committed.
    let (status, body) = page(&http, format!("{promote}?to=staging"), Some(&releaser)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<code>approvals=1</code></td><td>passed"), "{body}");
    assert!(body.contains("Approved by releaser") && body.contains("method=\"post\""), "{body}");
    let csrf = csrf_of(&body[body.find("<main>").unwrap()..]);
    let (_, before) = page(&http, history.clone(), Some(&releaser)).await;
    assert!(before.contains("Nothing was promoted"), "the dry run committed nothing: {before}");

    // A user who may not promote into staging is refused by the use case, and that is audited.
    let reader = sign_in(&http, &base, "reader", USER_PASSWORD).await;
    let (status, body) = page(&http, format!("{promote}?to=staging"), Some(&reader)).await;
    assert_eq!(status, 403, "{body}");
    let (_, reader_page) = page(&http, format!("{base}/ui/"), Some(&reader)).await;
    let reader_csrf = csrf_of(&reader_page);
    let r = post_form(&http, promote.clone(), &reader, &[("csrf", &reader_csrf), ("to", "staging")]).await;
    assert_eq!(r.status(), 403);
    let r = post_form(&http, approve.clone(), &reader, &[("csrf", &reader_csrf), ("to", "staging")]).await;
    assert_eq!(r.status(), 403);
    let denied = audit_of(&c, "request").await;
    assert!(denied.contains("reader") && denied.contains("staging"), "refusals audited: {denied}");

    // Without the form's token: refused, nothing promoted.
    assert_eq!(post_form(&http, promote.clone(), &releaser, &[("to", "staging")]).await.status(), 403);
    let (_, still) = page(&http, history.clone(), Some(&releaser)).await;
    assert!(still.contains("Nothing was promoted"), "{still}");

    // Confirmed: promoted, audited, and in the history with its gates.
    let r = post_form(&http, promote.clone(), &releaser, &[("csrf", &csrf), ("to", "staging")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()[LOCATION], "/ui/history/staging/team/app");
    assert!(audit_of(&c, "promotion.promote").await.contains("releaser"), "the promotion is audited");
    let (status, body) = page(&http, history, Some(&releaser)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<td>promote</td>") && body.contains("<td>releaser</td>"), "{body}");
    assert!(body.contains(&manifest[..19]) && body.contains("approvals=1 ✓"), "{body}");
    assert!(body.contains("What runs where") && body.contains("<td>staging</td>"), "{body}");
}

#[tokio::test]
async fn properties_and_own_tokens_are_changed_after_a_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let c = Client::new(&server);
    let admin = basic("admin", ADMIN_PASSWORD);
    let r = c.http.put(c.url("/generic/dev/tool/1.0/tool.bin")).header("authorization", &admin).body("x").send().await;
    assert_eq!(r.unwrap().status(), 201);
    let (http, base) = (browser(), server.url());
    let edit = format!("{base}/ui/properties/dev/tool/1.0");
    let version = format!("{base}/ui/repositories/dev/packages/tool/versions/1.0");

    // A reader may not even see the form; the publisher may.
    let reader = sign_in(&http, &base, "reader", USER_PASSWORD).await;
    assert_eq!(page(&http, edit.clone(), Some(&reader)).await.0, 403);
    let (_, home) = page(&http, format!("{base}/ui/"), Some(&reader)).await;
    let r = post_form(&http, edit.clone(), &reader, &[("csrf", &csrf_of(&home)), ("key", "env"), ("value", "x")]).await;
    assert_eq!(r.status(), 403);
    let publisher = sign_in(&http, &base, "publisher", USER_PASSWORD).await;
    let (status, body) = page(&http, format!("{edit}?key=env&value=%3Cprod%3E"), Some(&publisher)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("(not set)") && body.contains("&lt;prod&gt;"), "what will change, escaped: {body}");
    let csrf = csrf_of(&body[body.find("<main>").unwrap()..]);
    let set = [("csrf", csrf.as_str()), ("key", "env"), ("value", "<prod>")];
    assert_eq!(post_form(&http, edit.clone(), &publisher, &set[1..]).await.status(), 403, "no token");
    assert!(!page(&http, version.clone(), Some(&publisher)).await.1.contains("&lt;prod&gt;"));
    let r = post_form(&http, edit.clone(), &publisher, &set).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, body) = page(&http, version.clone(), Some(&publisher)).await;
    assert!(body.contains("<code>env</code></td><td>&lt;prod&gt;"), "{body}");
    assert!(audit_of(&c, "properties.set").await.contains("publisher"), "audited");
    let r = post_form(&http, edit.clone(), &publisher, &[("csrf", &csrf), ("key", "env"), ("remove", "1")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!page(&http, version, Some(&publisher)).await.1.contains("<code>env</code>"), "removed");

    // Tokens: one's own, the secret shown once; never more than one holds; revoked after asking.
    let tokens = format!("{base}/ui/tokens");
    let (status, body) = page(&http, tokens.clone(), Some(&publisher)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("No live tokens"), "{body}");
    let new = [("csrf", csrf.as_str()), ("description", "ci"), ("scopes", "dev:read"), ("expires_in", "30d")];
    assert_eq!(post_form(&http, tokens.clone(), &publisher, &new[1..]).await.status(), 403, "no token");
    let r = post_form(&http, tokens.clone(), &publisher, &new).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body = r.text().await.unwrap();
    let start = body.find("<pre class=\"secret\">").expect("the secret") + "<pre class=\"secret\">".len();
    let secret = body[start..].split('<').next().unwrap().to_owned();
    let whoami = |t: String| c.http.get(c.url("/api/v1/whoami")).header("authorization", format!("Bearer {t}")).send();
    assert_eq!(whoami(secret.clone()).await.unwrap().status(), 200, "the new token works");
    assert!(audit_of(&c, "token.create").await.contains("publisher"), "audited");
    let (_, listed) = page(&http, tokens.clone(), Some(&publisher)).await;
    assert!(listed.contains("dev:read") && !listed.contains(&secret), "listed, never shown again: {listed}");
    let wider = [("csrf", csrf.as_str()), ("scopes", "dev:admin")];
    let r = post_form(&http, tokens.clone(), &publisher, &wider).await;
    assert_eq!(r.status(), 403, "beyond the publisher's own grants");
    let start = listed.find("/ui/tokens/revoke?id=").unwrap();
    let revoke = listed[start..].split('"').next().unwrap().to_owned();
    let id = revoke.trim_start_matches("/ui/tokens/revoke?id=").to_owned();
    assert_eq!(page(&http, format!("{base}{revoke}"), Some(&reader)).await.0, 404, "not the reader's");
    let (status, body) = page(&http, format!("{base}{revoke}"), Some(&publisher)).await;
    assert_eq!(status, 200, "{body}");
    let revoke_url = format!("{base}/ui/tokens/revoke");
    assert_eq!(post_form(&http, revoke_url.clone(), &publisher, &[("id", &id)]).await.status(), 403, "no token");
    assert_eq!(whoami(secret.clone()).await.unwrap().status(), 200, "still live");
    let r = post_form(&http, revoke_url, &publisher, &[("csrf", &csrf), ("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(whoami(secret).await.unwrap().status(), 401, "revoked");
    assert!(audit_of(&c, "token.revoke").await.contains("publisher"), "audited");
}

#[tokio::test]
async fn the_retention_plan_and_the_storage_report_are_shown_to_who_may_read_them() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let c = Client::new(&server);
    let admin = basic("admin", ADMIN_PASSWORD);
    push_both(&c, Some(&admin)).await;
    let policy = "[[rule]]\nselect = { version = \"1.*\" }\nkeep_last = 0\n";
    let r = c.http.put(c.url("/api/v1/repositories/dev/retention")).header("authorization", &admin).body(policy);
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (http, base) = (browser(), server.url());
    let reader = sign_in(&http, &base, "reader", USER_PASSWORD).await;
    let (status, body) = page(&http, format!("{base}/ui/retention/dev"), Some(&reader)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("keep_last = 0") && body.contains("<td>team/app</td><td>1.0</td>"), "{body}");
    assert!(body.contains("<td>delete</td>") && body.contains("would delete <strong>1</strong>"), "{body}");
    assert_eq!(page(&http, format!("{base}/ui/retention/rel"), Some(&reader)).await.0, 403, "rel is not the reader's");
    assert_eq!(page(&http, format!("{base}/ui/storage"), Some(&reader)).await.0, 403, "administrators only");
    let admin_session = sign_in(&http, &base, "admin", ADMIN_PASSWORD).await;
    // The report is made in the background: the page says so until it is there.
    let mut body = String::new();
    for _ in 0..100 {
        let (status, shown) = page(&http, format!("{base}/ui/storage"), Some(&admin_session)).await;
        assert_eq!(status, 200, "{shown}");
        body = shown;
        if !body.contains("Being counted") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(body.contains(">dev</a>") && body.contains(">rel</a>") && body.contains("&lt; 1 day"), "{body}");
}
