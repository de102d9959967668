//! Authentication and authorization over HTTP with `auth.enabled`: the route × principal matrix, the
//! Docker token flow, audit of what happened, back-off on failed logins.

use arca_core::audit::Actor;
use arca_core::auth::{Permission, Role};
use arca_server::auth::credentials::basic;
use arca_server::testing::TestServer;
use arca_server::{App, Settings};
use reqwest::{Method, StatusCode};
use std::path::Path;
use std::time::Duration;

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const USER_PASSWORD: &str = "user-password-for-tests";

pub fn auth_settings(s: &mut Settings) {
    s.auth_enabled = true;
    // Every test request comes from 127.0.0.1: only the test of back-off itself meets the address limit.
    s.auth_login_limits.per_address = 10_000;
    s.admin_password = Some(arca_server::config::Secret(ADMIN_PASSWORD.into()));
}

/// How a principal presents itself.
#[derive(Debug, Clone)]
pub enum Cred {
    Anonymous,
    Password(&'static str),
    Token(String),
}

impl Cred {
    pub fn apply(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Self::Anonymous => r,
            Self::Password(user) => {
                let password = if *user == "admin" { ADMIN_PASSWORD } else { USER_PASSWORD };
                r.header("authorization", basic(user, password))
            }
            Self::Token(t) => r.header("authorization", format!("Bearer {t}")),
        }
    }
}

/// The principals of the matrix, set up in `dir` before the server starts.
pub struct Principals {
    pub all: Vec<(&'static str, Cred)>,
}

pub async fn setup(dir: &Path) -> (App, Principals) {
    let mut settings = Settings::for_tests(dir);
    auth_settings(&mut settings);
    // Tokens are created at a moment two hours ago, so "expires in 1 ms" is long past: no sleeping.
    let clock = arca_core::clock::ManualClock::new();
    let seams = arca_server::Seams { clock: Some(clock.clone()), ..Default::default() };
    let app = App::build_with(&settings, seams).await.expect("build");
    let auth = &app.auth;
    let system = Actor::system();
    for (user, role) in [("reader", Role::Reader), ("publisher", Role::Publisher), ("promoter", Role::Promoter)] {
        auth.add_user(&system, user, Some(USER_PASSWORD), vec![Permission::role(role, "dev")]).await.expect("add user");
    }
    let other = Permission::parse("other:read,publish,delete").unwrap();
    let other = auth.create_token(&system, "admin", "other", vec![other], None).await.expect("token");
    let everything = || vec![Permission::parse("*:admin").unwrap()];
    let now = arca_core::clock::Clock::now(clock.as_ref());
    clock.set(now - 7_200_000);
    let expired = auth.create_token(&system, "admin", "expired", everything(), Some(Duration::from_millis(1))).await;
    clock.set(now);
    let revoked = auth.create_token(&system, "admin", "revoked", everything(), None).await.expect("token");
    auth.revoke_token(&system, &revoked.token.id).await.expect("revoke");
    let all = vec![
        ("anonymous", Cred::Anonymous),
        ("reader", Cred::Password("reader")),
        ("publisher", Cred::Password("publisher")),
        ("promoter", Cred::Password("promoter")),
        ("admin", Cred::Password("admin")),
        ("token for another repository", Cred::Token(other.text)),
        ("expired token", Cred::Token(expired.expect("token").text)),
        ("revoked token", Cred::Token(revoked.text)),
    ];
    (app, Principals { all })
}

/// Who may do what a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anyone,
    /// Anyone without credentials or with valid ones (the answer is filtered by what they may read).
    Caller,
    /// Any valid credentials.
    Authenticated,
    /// Read / publish / delete on `dev` (reader ⊂ …, see the roles).
    ReadDev,
    PublishDev,
    DeleteDev,
    /// Only an administrator of every repository.
    Admin,
}

impl Who {
    fn admits(self, principal: &str) -> bool {
        let valid = !matches!(principal, "anonymous" | "expired token" | "revoked token");
        match self {
            Self::Anyone => true,
            Self::Caller => !matches!(principal, "expired token" | "revoked token"),
            Self::Authenticated => valid,
            Self::ReadDev => matches!(principal, "reader" | "publisher" | "promoter" | "admin"),
            Self::PublishDev => matches!(principal, "publisher" | "admin"),
            Self::DeleteDev | Self::Admin => principal == "admin",
        }
    }
}

const D: &str = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

/// (route path, method, request path, who may).
fn cases() -> Vec<(&'static str, Method, String, Who)> {
    use Who::*;
    let v2 = "/v2/{*rest}";
    let generic = "/generic/{*rest}";
    let (pypi_root, pypi) = ("/pypi/{repo}", "/pypi/{repo}/{*rest}");
    let npm = "/npm/{repo}/{*rest}";
    let cargo = "/cargo/{repo}/{*rest}";
    let (maven_root, maven) = ("/maven/{repo}", "/maven/{repo}/{*rest}");
    let version = "/api/v1/repositories/{name}/packages/{*rest}";
    let (retention, plan) = ("/api/v1/repositories/{name}/retention", "/api/v1/repositories/{name}/retention/plan");
    let (roots, root) = ("/api/v1/repositories/{name}/trust-roots", "/api/v1/repositories/{name}/trust-roots/{root}");
    vec![
        ("/healthz", Method::GET, "/healthz".into(), Anyone),
        ("/readyz", Method::GET, "/readyz".into(), Anyone),
        ("/token", Method::GET, "/token?service=arca&scope=repository:dev/app:pull".into(), Anyone),
        ("/metrics", Method::GET, "/metrics".into(), Admin),
        ("/api/v1/audit", Method::GET, "/api/v1/audit".into(), Admin),
        ("/api/v1/gc", Method::POST, "/api/v1/gc".into(), Admin),
        ("/api/v1/storage", Method::GET, "/api/v1/storage".into(), Admin),
        (retention, Method::GET, "/api/v1/repositories/dev/retention".into(), ReadDev),
        (retention, Method::PUT, "/api/v1/repositories/dev/retention".into(), Admin),
        (retention, Method::DELETE, "/api/v1/repositories/dev/retention".into(), Admin),
        (plan, Method::GET, "/api/v1/repositories/dev/retention/plan".into(), ReadDev),
        (
            "/api/v1/repositories/{name}/retention/apply",
            Method::POST,
            "/api/v1/repositories/dev/retention/apply".into(),
            Admin,
        ),
        // Promotion: any valid credentials at the enforcement point; the use case checks read on the
        // source and promote on the target named in the body (`promotion.rs` tests those refusals).
        ("/api/v1/promotions", Method::GET, "/api/v1/promotions?repository=dev&package=app".into(), ReadDev),
        ("/api/v1/promotions", Method::POST, "/api/v1/promotions".into(), Authenticated),
        ("/api/v1/promotions/rollback", Method::POST, "/api/v1/promotions/rollback".into(), Authenticated),
        ("/api/v1/promotions/approvals", Method::POST, "/api/v1/promotions/approvals".into(), Authenticated),
        ("/api/v1/promotions/where", Method::GET, "/api/v1/promotions/where?package=app".into(), Authenticated),
        ("/api/v1/promotions/key", Method::GET, "/api/v1/promotions/key".into(), Anyone),
        ("/api/v1/deployments", Method::GET, "/api/v1/deployments?package=app".into(), Authenticated),
        ("/api/v1/deployments", Method::POST, "/api/v1/deployments".into(), Authenticated),
        // Supply-chain trust: roots are read like versions and changed by repository admins; a
        // version's attachments, components and findings are read like the version; the component
        // search and coverage hold only what the caller may read; importing advisories is for
        // administrators of every repository.
        (roots, Method::GET, "/api/v1/repositories/dev/trust-roots".into(), ReadDev),
        (root, Method::GET, "/api/v1/repositories/dev/trust-roots/k".into(), ReadDev),
        (root, Method::PUT, "/api/v1/repositories/dev/trust-roots/k".into(), Admin),
        (root, Method::DELETE, "/api/v1/repositories/dev/trust-roots/k".into(), Admin),
        (version, Method::GET, "/api/v1/repositories/dev/packages/tool/versions/1.0/attachments".into(), ReadDev),
        (version, Method::GET, "/api/v1/repositories/dev/packages/tool/versions/1.0/components".into(), ReadDev),
        (version, Method::GET, format!("/api/v1/repositories/dev/packages/tool/versions/{D}/vulnerabilities"), ReadDev),
        ("/api/v1/components", Method::GET, "/api/v1/components?purl=pkg:npm/x".into(), Caller),
        ("/api/v1/coverage", Method::GET, "/api/v1/coverage".into(), Caller),
        ("/api/v1/advisories", Method::GET, "/api/v1/advisories".into(), Authenticated),
        ("/api/v1/advisories", Method::POST, "/api/v1/advisories".into(), Admin),
        ("/api/v1/repositories", Method::GET, "/api/v1/repositories".into(), Authenticated),
        ("/api/v1/repositories", Method::POST, "/api/v1/repositories".into(), Admin),
        ("/api/v1/repositories/{name}", Method::GET, "/api/v1/repositories/dev".into(), Authenticated),
        ("/api/v1/repositories/{name}", Method::PATCH, "/api/v1/repositories/dev".into(), Admin),
        ("/api/v1/repositories/{name}", Method::DELETE, "/api/v1/repositories/zzz".into(), Admin),
        ("/v2", Method::GET, "/v2".into(), Authenticated),
        ("/v2/", Method::GET, "/v2/".into(), Authenticated),
        (v2, Method::GET, "/v2/_catalog".into(), Admin),
        (v2, Method::GET, "/v2/dev/app/tags/list".into(), ReadDev),
        (v2, Method::GET, "/v2/dev/app/manifests/1.0".into(), ReadDev),
        (v2, Method::HEAD, "/v2/dev/app/manifests/1.0".into(), ReadDev),
        (v2, Method::PUT, "/v2/dev/app/manifests/1.0".into(), PublishDev),
        (v2, Method::DELETE, "/v2/dev/app/manifests/1.0".into(), DeleteDev),
        (v2, Method::GET, format!("/v2/dev/app/blobs/{D}"), ReadDev),
        (v2, Method::DELETE, format!("/v2/dev/app/blobs/{D}"), DeleteDev),
        (v2, Method::GET, format!("/v2/dev/app/referrers/{D}"), ReadDev),
        (v2, Method::POST, "/v2/dev/app/blobs/uploads/".into(), PublishDev),
        (v2, Method::GET, "/v2/dev/app/blobs/uploads/abc".into(), PublishDev),
        (v2, Method::PATCH, "/v2/dev/app/blobs/uploads/abc".into(), PublishDev),
        (v2, Method::PUT, format!("/v2/dev/app/blobs/uploads/abc?digest={D}"), PublishDev),
        (v2, Method::DELETE, "/v2/dev/app/blobs/uploads/abc".into(), PublishDev),
        (v2, Method::GET, "/v2/not/an/endpoint".into(), Authenticated),
        (generic, Method::GET, "/generic/dev/tool/1.0/a.bin".into(), ReadDev),
        (generic, Method::HEAD, "/generic/dev/tool/1.0/a.bin".into(), ReadDev),
        (generic, Method::PUT, "/generic/dev/tool/1.0/a.bin".into(), PublishDev),
        (generic, Method::PUT, "/generic/dev/tool/1.0/a.bin?uploadId=abc".into(), PublishDev),
        (generic, Method::POST, "/generic/dev/tool/2.0?uploads".into(), PublishDev),
        (generic, Method::POST, "/generic/dev/tool/2.0?uploadId=abc".into(), PublishDev),
        (generic, Method::DELETE, "/generic/dev/tool/2.0?uploadId=abc".into(), PublishDev),
        (generic, Method::DELETE, "/generic/dev/tool/1.0/a.bin".into(), DeleteDev),
        (generic, Method::GET, "/generic/not-an-endpoint".into(), Authenticated),
        (pypi, Method::GET, "/pypi/dev/simple/".into(), ReadDev),
        (pypi, Method::GET, "/pypi/dev/simple/demo/".into(), ReadDev),
        (pypi, Method::HEAD, "/pypi/dev/simple/demo/".into(), ReadDev),
        (pypi, Method::GET, "/pypi/dev/simple/Demo".into(), ReadDev),
        (pypi, Method::GET, "/pypi/dev/files/demo/1.0/demo-1.0.tar.gz".into(), ReadDev),
        (pypi, Method::GET, "/pypi/dev/files/demo/1.0/demo-1.0-py3-none-any.whl.metadata".into(), ReadDev),
        (pypi, Method::POST, "/pypi/dev/legacy/".into(), PublishDev),
        (pypi_root, Method::POST, "/pypi/dev".into(), PublishDev),
        (pypi, Method::GET, "/pypi/dev/not-an-endpoint".into(), Authenticated),
        (npm, Method::GET, "/npm/dev/left-pad".into(), ReadDev),
        (npm, Method::GET, "/npm/dev/@s%2fp".into(), ReadDev),
        (npm, Method::GET, "/npm/dev/left-pad/-/left-pad-1.0.0.tgz".into(), ReadDev),
        (npm, Method::PUT, "/npm/dev/left-pad".into(), PublishDev),
        (npm, Method::PUT, "/npm/dev/left-pad/-rev/1-abc".into(), DeleteDev),
        (npm, Method::DELETE, "/npm/dev/left-pad/-rev/1-abc".into(), DeleteDev),
        (npm, Method::GET, "/npm/dev/-/package/left-pad/dist-tags".into(), ReadDev),
        (npm, Method::PUT, "/npm/dev/-/package/left-pad/dist-tags/beta".into(), PublishDev),
        (npm, Method::DELETE, "/npm/dev/-/package/left-pad/dist-tags/beta".into(), PublishDev),
        (npm, Method::GET, "/npm/dev/-/whoami".into(), Authenticated),
        (npm, Method::GET, "/npm/dev/-/ping".into(), ReadDev),
        (npm, Method::GET, "/npm/dev/-/v1/search?text=x".into(), ReadDev),
        (npm, Method::POST, "/npm/dev/-/npm/v1/security/advisories/bulk".into(), ReadDev),
        (npm, Method::GET, "/npm/dev/-/npm/v1/keys".into(), ReadDev),
        // `npm login` checks the password in its body itself (a bad one: 401 from the handler).
        (npm, Method::PUT, "/npm/dev/-/user/org.couchdb.user:nobody".into(), Anyone),
        (npm, Method::GET, "/npm/dev/-/not-an-endpoint".into(), Authenticated),
        // cargo asks for config.json without a token first, and with it after a 401.
        (cargo, Method::GET, "/cargo/dev/index/config.json".into(), ReadDev),
        (cargo, Method::GET, "/cargo/dev/index/ar/ca/arca-demo".into(), ReadDev),
        (cargo, Method::HEAD, "/cargo/dev/index/3/s/syn".into(), ReadDev),
        (cargo, Method::GET, "/cargo/dev/api/v1/crates/arca-demo/1.0.0+b/download".into(), ReadDev),
        (cargo, Method::GET, "/cargo/dev/api/v1/crates?q=arca&per_page=5".into(), ReadDev),
        (cargo, Method::GET, "/cargo/dev/api/v1/crates/arca-demo/owners".into(), ReadDev),
        (cargo, Method::PUT, "/cargo/dev/api/v1/crates/arca-demo/owners".into(), PublishDev),
        (cargo, Method::DELETE, "/cargo/dev/api/v1/crates/arca-demo/owners".into(), PublishDev),
        (cargo, Method::PUT, "/cargo/dev/api/v1/crates/new".into(), PublishDev),
        (cargo, Method::DELETE, "/cargo/dev/api/v1/crates/arca-demo/1.0.0/yank".into(), PublishDev),
        (cargo, Method::PUT, "/cargo/dev/api/v1/crates/arca-demo/1.0.0/unyank".into(), PublishDev),
        (cargo, Method::GET, "/cargo/dev/index/AR/CA/not-an-index-path".into(), Authenticated),
        (maven, Method::GET, "/maven/dev/org/example/lib/1.0/lib-1.0.jar".into(), ReadDev),
        (maven, Method::HEAD, "/maven/dev/org/example/lib/1.0/lib-1.0.jar".into(), ReadDev),
        (maven, Method::GET, "/maven/dev/org/example/lib/1.0/lib-1.0.jar.sha1".into(), ReadDev),
        (maven, Method::GET, "/maven/dev/org/example/lib/maven-metadata.xml".into(), ReadDev),
        (maven, Method::GET, "/maven/dev/org/example/lib/1.0-SNAPSHOT/maven-metadata.xml.md5".into(), ReadDev),
        (maven, Method::GET, "/maven/dev/not/a/maven/file".into(), ReadDev),
        (maven, Method::PUT, "/maven/dev/org/example/lib/1.0/lib-1.0.jar".into(), PublishDev),
        (maven, Method::PUT, "/maven/dev/org/example/lib/1.0/lib-1.0.jar.sha1".into(), PublishDev),
        (maven, Method::PUT, "/maven/dev/org/example/lib/maven-metadata.xml".into(), PublishDev),
        (maven, Method::PUT, "/maven/dev/org/example/../lib/1.0/lib-1.0.jar".into(), PublishDev),
        (maven, Method::POST, "/maven/dev/org/example/lib/1.0/lib-1.0.jar".into(), Authenticated),
        (maven_root, Method::GET, "/maven/dev".into(), ReadDev),
        (version, Method::GET, "/api/v1/repositories/dev/packages/tool/versions/1.0".into(), ReadDev),
        (version, Method::GET, "/api/v1/repositories/dev/packages/tool/versions/1.0/properties".into(), ReadDev),
        (version, Method::PATCH, "/api/v1/repositories/dev/packages/tool/versions/1.0/properties".into(), PublishDev),
        (version, Method::PUT, "/api/v1/repositories/dev/packages/tool/versions/1.0/properties".into(), PublishDev),
        (version, Method::GET, "/api/v1/repositories/dev/packages/tool/status".into(), ReadDev),
        (version, Method::PUT, "/api/v1/repositories/dev/packages/tool/status".into(), PublishDev),
        (version, Method::DELETE, "/api/v1/repositories/dev/packages/tool/versions/9.9".into(), DeleteDev),
        (version, Method::GET, "/api/v1/repositories/dev/packages/tool/versions".into(), ReadDev),
        ("/api/v1/repositories/{name}/packages", Method::GET, "/api/v1/repositories/dev/packages".into(), ReadDev),
        ("/api/v1/search", Method::GET, "/api/v1/search?package=tool".into(), Caller),
        ("/api/v1/openapi.json", Method::GET, "/api/v1/openapi.json".into(), Anyone),
        ("/api/v1/info", Method::GET, "/api/v1/info".into(), Anyone),
        ("/api/v1/users", Method::GET, "/api/v1/users".into(), Admin),
        ("/api/v1/users", Method::POST, "/api/v1/users".into(), Admin),
        ("/api/v1/users/{name}", Method::GET, "/api/v1/users/reader".into(), Admin),
        ("/api/v1/users/{name}", Method::PATCH, "/api/v1/users/nobody".into(), Admin),
        ("/api/v1/users/{name}", Method::DELETE, "/api/v1/users/nobody".into(), Admin),
        // Any valid credentials: one's own identity and tokens (the handler refuses someone else's).
        ("/api/v1/whoami", Method::GET, "/api/v1/whoami".into(), Authenticated),
        ("/api/v1/tokens", Method::GET, "/api/v1/tokens".into(), Authenticated),
        ("/api/v1/tokens", Method::POST, "/api/v1/tokens".into(), Authenticated),
        ("/api/v1/tokens/{id}", Method::DELETE, "/api/v1/tokens/nonesuch".into(), Authenticated),
        // The web UI (its session cookie is tested in `ui.rs`; anonymous non-browsers get a 401).
        ("/ui", Method::GET, "/ui".into(), Authenticated),
        ("/ui/", Method::GET, "/ui/".into(), Authenticated),
        ("/ui/{*rest}", Method::GET, "/ui/repositories/dev".into(), ReadDev),
        ("/ui/{*rest}", Method::GET, "/ui/repositories/dev/packages/app/versions/1.0".into(), ReadDev),
        ("/ui/{*rest}", Method::GET, "/ui/search?package=app".into(), Authenticated),
        ("/ui/{*rest}", Method::GET, "/ui/dashboard".into(), Authenticated),
        ("/ui/{*rest}", Method::GET, "/ui/audit".into(), Admin),
        ("/ui/{*rest}", Method::GET, "/ui/login".into(), Anyone),
        ("/ui/{*rest}", Method::GET, "/ui/favicon.svg".into(), Anyone),
        // The UI's actions: the confirming GET has the POST's rule (a POST without the form's CSRF
        // token is refused by the handler, so the matrix asks with GET); the use case decides the rest.
        ("/ui/{*rest}", Method::GET, "/ui/promote/dev/app/1.0".into(), ReadDev),
        ("/ui/{*rest}", Method::GET, "/ui/approve/dev/app/1.0".into(), ReadDev),
        ("/ui/{*rest}", Method::GET, "/ui/properties/dev/app/1.0".into(), PublishDev),
        ("/ui/{*rest}", Method::GET, "/ui/yank/dev/app/1.0".into(), PublishDev),
        ("/ui/{*rest}", Method::GET, "/ui/history/dev/app".into(), ReadDev),
        ("/ui/{*rest}", Method::GET, "/ui/retention/dev".into(), ReadDev),
        ("/ui/{*rest}", Method::GET, "/ui/storage".into(), Admin),
        ("/ui/{*rest}", Method::GET, "/ui/tokens".into(), Authenticated),
        ("/ui/{*rest}", Method::GET, "/ui/tokens/revoke?id=nonesuch".into(), Authenticated),
    ]
}

#[tokio::test]
async fn every_route_has_a_rule_and_is_covered_by_the_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = setup(dir.path()).await;
    let cases = cases();
    // Each protocol decides its routes' needs (deny by default: `Access::Unruled` is refused to
    // everyone, see `protocol_seam.rs`); the matrix below checks every route against every principal.
    for path in app.route_paths() {
        assert!(cases.iter().any(|(p, ..)| *p == path), "route {path} is not in the route × principal matrix");
    }
}

#[tokio::test]
async fn route_by_principal_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let (_, principals) = setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    for (_, method, path, who) in cases() {
        for (principal, cred) in &principals.all {
            let request = cred.apply(http.request(method.clone(), format!("{}{path}", server.url())));
            let status = request.body("{}").send().await.unwrap().status();
            let refused =
                matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS);
            let valid = !matches!(*principal, "expired token" | "revoked token");
            // The token endpoint authenticates by itself: bad credentials are refused there too.
            let admitted = if path.starts_with("/token") { valid } else { who.admits(principal) };
            let expected: &[StatusCode] = match *principal {
                "anonymous" => &[StatusCode::UNAUTHORIZED],
                // Repeated use of a dead token also backs off.
                "expired token" | "revoked token" => &[StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS],
                _ => &[StatusCode::FORBIDDEN],
            };
            if admitted && refused {
                failures.push(format!("{principal}: {method} {path} refused with {status}"));
            }
            if !admitted && !expected.contains(&status) {
                failures.push(format!("{principal}: {method} {path} gave {status}, not {expected:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn challenges_name_the_token_realm_and_scope() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let r = reqwest::get(format!("{}/v2/dev/app/manifests/1.0", server.url())).await.unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    let realm = format!("Bearer realm=\"{}/token\",service=\"arca\",scope=\"repository:dev/app:pull\"", server.url());
    assert_eq!(challenge, realm);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "UNAUTHORIZED", "OCI error JSON");
}

async fn registry_token(server: &TestServer, cred: &Cred, scope: &str) -> String {
    let url = format!("{}/token?service=arca&scope={scope}", server.url());
    let r = cred.apply(reqwest::Client::new().get(url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["token"], body["access_token"]);
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn registry_tokens_grant_what_is_allowed_and_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let http = reqwest::Client::new();
    let publisher = Cred::Password("publisher");
    let push = |jwt: String, repo: &'static str| {
        let url = format!("{}/v2/{repo}/app/blobs/uploads/?digest={D}", server.url());
        http.post(url).bearer_auth(jwt).body("foo").send()
    };
    let dev = registry_token(&server, &publisher, "repository:dev/app:pull,push").await;
    assert_eq!(push(dev.clone(), "dev").await.unwrap().status(), 201, "granted");
    let prod = registry_token(&server, &publisher, "repository:prod/app:pull,push").await;
    assert_eq!(push(prod, "prod").await.unwrap().status(), 403, "not granted: publisher has no rights on prod");
    let read_only = registry_token(&server, &Cred::Password("reader"), "repository:dev/app:pull,push").await;
    assert_eq!(push(read_only, "dev").await.unwrap().status(), 403, "push is not granted to a reader");
    let anonymous = registry_token(&server, &Cred::Anonymous, "repository:dev/app:pull").await;
    let r = http.get(format!("{}/v2/dev/app/blobs/{D}", server.url())).bearer_auth(anonymous).send().await.unwrap();
    assert_eq!(r.status(), 401, "an anonymous token grants nothing");
    let mut forged = dev.clone();
    forged.pop();
    assert_eq!(push(forged, "dev").await.unwrap().status(), 401, "a mangled token is refused");
    let bad = reqwest::Client::new()
        .get(format!("{}/token", server.url()))
        .header("authorization", basic("publisher", "wrong"));
    assert_eq!(bad.send().await.unwrap().status(), 401, "bad credentials get no token");
}

#[tokio::test]
async fn writes_denials_and_failed_logins_are_audited_with_actor_and_address() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let http = reqwest::Client::new();
    let post = |user: &str, password: &str, repo: &str| {
        http.post(format!("{}/v2/{repo}/app/blobs/uploads/?digest={D}", server.url()))
            .header("authorization", basic(user, password))
            .body("foo")
            .send()
    };
    assert_eq!(post("publisher", USER_PASSWORD, "dev").await.unwrap().status(), 201);
    assert_eq!(post("publisher", USER_PASSWORD, "prod").await.unwrap().status(), 403);
    assert_eq!(post("publisher", "wrong-password", "dev").await.unwrap().status(), 401);
    let audit = http
        .get(format!("{}/api/v1/audit?limit=500", server.url()))
        .header("authorization", basic("admin", ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(audit.status(), 200);
    let body: serde_json::Value = audit.json().await.unwrap();
    let entries = body["entries"].as_array().unwrap();
    let find = |action: &str, outcome: &str| {
        entries.iter().find(|e| e["action"] == action && e["outcome"] == outcome).unwrap_or_else(|| {
            panic!("no {action}/{outcome} entry in {entries:#?}");
        })
    };
    let created = find("repository.create", "success");
    assert_eq!(created["actor"], "publisher", "the auto-created repository names who pushed");
    assert_eq!(created["client_addr"], "127.0.0.1");
    let denied = find("request", "denied");
    assert_eq!(
        (denied["actor"].as_str(), denied["target"].as_str(), denied["detail"].as_str()),
        (Some("publisher"), Some("POST /v2/prod/app/blobs/uploads/"), Some("needs publish on prod"))
    );
    assert_eq!(find("login", "failed")["target"], "publisher");
    let added = entries.iter().find(|e| e["action"] == "user.add" && e["target"] == "user reader").expect("user.add");
    assert_eq!(added["detail"], "dev:read", "the grants are recorded");
    find("token.revoke", "success");
    let filtered = http
        .get(format!("{}/api/v1/audit?outcome=failed&limit=1", server.url()))
        .header("authorization", basic("admin", ADMIN_PASSWORD))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(filtered["entries"].as_array().unwrap().len(), 1);
    assert!(!serde_json::to_string(&body).unwrap().contains(USER_PASSWORD), "no credential in the audit log");
    let verified = arca_core::audit::verify(app.auth.audit_log()).await.unwrap();
    assert!(verified.as_ref().is_ok_and(|n| *n as usize >= entries.len()), "the chain verifies: {verified:?}");
}

#[tokio::test]
async fn repeated_failed_logins_back_off_per_user() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let http = reqwest::Client::new();
    let get = |password: &str| {
        http.get(format!("{}/v2/", server.url())).header("authorization", basic("reader", password)).send()
    };
    for _ in 0..arca_core::auth::throttle::FREE_FAILURES {
        assert_eq!(get("wrong").await.unwrap().status(), 401);
    }
    let locked = get("wrong").await.unwrap();
    assert_eq!(locked.status(), 401, "the failure that starts the back-off is still just a failure");
    let r = get(USER_PASSWORD).await.unwrap();
    assert_eq!(r.status(), 429, "locked out even with the right password");
    assert!(r.headers().contains_key("retry-after"));
    let other = http.get(format!("{}/v2/", server.url())).header("authorization", basic("publisher", USER_PASSWORD));
    assert_eq!(other.send().await.unwrap().status(), 200, "another user is not locked out");
}

#[tokio::test]
async fn repeated_failed_logins_back_off_per_address() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), |s| {
        auth_settings(s);
        s.auth_login_limits.per_address = 3;
    })
    .await;
    let http = reqwest::Client::new();
    for user in ["a", "b", "c", "d"] {
        let r = http.get(format!("{}/v2/", server.url())).header("authorization", basic(user, "guess")).send();
        assert_eq!(r.await.unwrap().status(), 401);
    }
    let r = http.get(format!("{}/v2/", server.url())).header("authorization", basic("e", "guess"));
    assert_eq!(r.send().await.unwrap().status(), 429, "the address is locked out for guesses");
    let r = http.get(format!("{}/v2/", server.url())).header("authorization", basic("publisher", "wrong"));
    assert_eq!(r.send().await.unwrap().status(), 429, "a known user's failure looks the same");
    let r = http.get(format!("{}/v2/", server.url())).header("authorization", basic("publisher", USER_PASSWORD));
    assert_eq!(r.send().await.unwrap().status(), 200, "valid credentials from that address are not refused");
}

/// Captured log output.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A whole authenticated session, logged at `trace` (this test runs on one thread, so the thread's
/// subscriber sees the server's logs too): no password, token or Authorization header value appears.
#[tokio::test(flavor = "current_thread")]
async fn credentials_never_reach_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let dir = tempfile::tempdir().unwrap();
    let (app, principals) = setup(dir.path()).await;
    let api_token = app
        .auth
        .create_token(&Actor::system(), "publisher", "ci", vec![Permission::parse("dev:read,publish").unwrap()], None)
        .await
        .unwrap()
        .text;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.url());
    let mut secrets =
        vec![ADMIN_PASSWORD.to_owned(), USER_PASSWORD.to_owned(), "wrong-password-xyz".into(), api_token.clone()];
    for (_, cred) in &principals.all {
        if let Cred::Token(t) = cred {
            secrets.push(t.clone());
        }
    }
    let publisher = Cred::Password("publisher");
    let jwt = registry_token(&server, &publisher, "repository:dev/app:pull,push").await;
    secrets.push(jwt.clone());
    for header in [
        basic("publisher", USER_PASSWORD),
        basic("publisher", "wrong-password-xyz"),
        basic("ci", &api_token),
        format!("Bearer {api_token}"),
        format!("Bearer {jwt}"),
        basic("admin", ADMIN_PASSWORD),
    ] {
        secrets.push(header.split_once(' ').unwrap().1.to_owned());
        let push = http.post(url(&format!("/v2/dev/app/blobs/uploads/?digest={D}"))).header("authorization", &header);
        push.body("foo").send().await.unwrap();
        http.get(url("/v2/_catalog")).header("authorization", &header).send().await.unwrap();
        http.get(url("/token?scope=repository:dev/app:push")).header("authorization", &header).send().await.unwrap();
    }
    server.stop().await;
    drop(_guard);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("/v2/_catalog") && logs.contains("status=403"),
        "the server's request logs were captured:\n{logs}"
    );
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a credential reached the logs: {secret}");
    }
}

#[test]
fn beyond_loopback_arca_needs_auth_or_an_explicit_risk() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::for_tests(dir.path());
    s.listen = "0.0.0.0:8080".parse().unwrap();
    let refused = arca_server::check_exposure(&s).expect_err("no auth beyond loopback");
    assert!(refused.0.contains("--auth") && refused.0.contains("arca user add"), "says how: {}", refused.0);
    s.auth_enabled = true;
    assert!(arca_server::check_exposure(&s).is_ok(), "with auth");
    s.auth_enabled = false;
    s.insecure_no_auth = true;
    assert!(arca_server::check_exposure(&s).is_ok(), "with --insecure-no-auth");
}

#[tokio::test]
async fn the_bootstrap_administrator_is_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::for_tests(dir.path());
    s.auth_enabled = true;
    let first = App::build(&s).await.unwrap();
    let password = first.generated_admin_password.clone().expect("a random password when none is given");
    assert!(password.len() >= 16);
    first.auth.login("admin", &password, None).await.expect("the printed password logs in");
    drop(first);
    let second = App::build(&s).await.unwrap();
    assert_eq!(second.generated_admin_password, None, "only the first start creates the administrator");
}

#[tokio::test]
async fn mounting_needs_read_access_to_the_source() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let http = reqwest::Client::new();
    let post = |user: &str, password: &str, path: String| {
        http.post(format!("{}{path}", server.url())).header("authorization", basic(user, password)).body("foo").send()
    };
    let stored = post("admin", ADMIN_PASSWORD, format!("/v2/other/app/blobs/uploads/?digest={D}")).await.unwrap();
    assert_eq!(stored.status(), 201);
    let named = post("publisher", USER_PASSWORD, format!("/v2/dev/app/blobs/uploads/?mount={D}&from=other/app"));
    assert_eq!(named.await.unwrap().status(), 403, "no read access to the source");
    let anywhere = post("publisher", USER_PASSWORD, format!("/v2/dev/app/blobs/uploads/?mount={D}")).await.unwrap();
    assert_eq!(
        anywhere.status(),
        202,
        "a mount from anywhere becomes an upload for a caller who cannot read everywhere"
    );
    let blob = http
        .get(format!("{}/v2/dev/app/blobs/{D}", server.url()))
        .header("authorization", basic("publisher", USER_PASSWORD));
    assert_eq!(blob.send().await.unwrap().status(), 404, "nothing was linked");
    let admin = post("admin", ADMIN_PASSWORD, format!("/v2/dev/app/blobs/uploads/?mount={D}")).await.unwrap();
    assert_eq!(admin.status(), 201, "an administrator of everything may mount from anywhere");
}

#[tokio::test]
async fn oversized_or_too_many_headers_are_refused() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let big = "a".repeat(arca_server::limits::MAX_HEADER_BYTES + 1);
    let r = http.get(format!("{}/v2/", server.url())).header("x-big", big).send().await.unwrap();
    assert_eq!(r.status(), 431);
    let mut many = http.get(format!("{}/v2/", server.url()));
    for i in 0..150 {
        many = many.header(format!("x-h{i}"), "v");
    }
    assert_eq!(many.send().await.unwrap().status(), 431, "more than 100 headers");
    let fine = http.get(format!("{}/v2/", server.url())).header("x-ok", "a".repeat(4096)).send().await.unwrap();
    assert_eq!(fine.status(), 200);
}

#[tokio::test]
async fn anonymous_read_opens_reading_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), |s| {
        auth_settings(s);
        s.auth_anonymous_read = vec!["public".into()];
    })
    .await;
    let http = reqwest::Client::new();
    let status =
        |method: Method, path: &str| http.request(method, format!("{}{path}", server.url())).body("foo").send();
    assert_eq!(
        status(Method::GET, &format!("/v2/public/app/blobs/{D}")).await.unwrap().status(),
        404,
        "read, unknown blob"
    );
    assert_eq!(status(Method::GET, &format!("/v2/dev/app/blobs/{D}")).await.unwrap().status(), 401);
    let push = status(Method::POST, &format!("/v2/public/app/blobs/uploads/?digest={D}")).await.unwrap();
    assert_eq!(push.status(), 401, "anonymous may not publish");
}
