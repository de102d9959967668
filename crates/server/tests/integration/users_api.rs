//! Users and API tokens over `/api/v1` (`users`, `tokens`, `whoami`): who may do what, secrets shown
//! once and never again, a token never beyond its creator or its owner.

use crate::auth::{ADMIN_PASSWORD, auth_settings};
use arca_server::auth::credentials::basic;
use arca_server::testing::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// How a test request authenticates.
#[derive(Clone)]
enum As {
    Password(&'static str, &'static str),
    Token(String),
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(server: &TestServer) -> Self {
        Self { http: reqwest::Client::new(), base: server.url() }
    }

    async fn call(&self, who: &As, method: Method, path: impl AsRef<str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut r = self.http.request(method, format!("{}{}", self.base, path.as_ref()));
        r = match who {
            As::Password(user, password) => r.header("authorization", basic(user, password)),
            As::Token(t) => r.bearer_auth(t),
        };
        if let Some(body) = body {
            r = r.json(&body);
        }
        let response = r.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, who: &As, path: &str) -> (StatusCode, Value) {
        self.call(who, Method::GET, path, None).await
    }

    async fn post(&self, who: &As, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(who, Method::POST, path, Some(body)).await
    }
}

const ADMIN: As = As::Password("admin", ADMIN_PASSWORD);
const ALICE: As = As::Password("alice", "alice-password");

/// A server with authentication, and `alice` (publisher on `dev-*`, reader on `prod`) and the service
/// account `ci` (publisher on `dev`) added over the API.
async fn server_with_users() -> (TestServer, Api) {
    let server = TestServer::start_with(auth_settings).await;
    let api = Api::new(&server);
    let alice = json!({ "name": "alice", "password": "alice-password", "grants": ["dev-*:publisher", "prod:reader"] });
    let (status, body) = api.post(&ADMIN, "/api/v1/users", alice).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body,
        json!({ "name": "alice", "service_account": false, "grants": ["dev-*:read,publish", "prod:read"],
                "created_at": body["created_at"] }),
        "no password in the answer"
    );
    let ci = json!({ "name": "ci", "grants": ["dev:publisher"] });
    let (status, body) = api.post(&ADMIN, "/api/v1/users", ci).await;
    assert_eq!((status, &body["service_account"]), (StatusCode::CREATED, &json!(true)), "{body}");
    (server, api)
}

fn ids(list: &Value) -> Vec<String> {
    list["tokens"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn users_are_administered_over_the_api() {
    let (_server, api) = server_with_users().await;
    let users = |who| api.get(who, "/api/v1/users");
    let (status, list) = users(&ADMIN).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "alice", "ci"]);
    assert_eq!(users(&ALICE).await.0, StatusCode::FORBIDDEN, "needs admin on every repository");

    let bad = [
        (json!({ "name": "alice", "password": "alice-password" }), StatusCode::CONFLICT),
        (json!({ "name": "bob", "password": "short" }), StatusCode::BAD_REQUEST),
        (json!({ "name": "bob", "service_account": true }), StatusCode::BAD_REQUEST),
        (json!({ "name": "bob", "password": "long-enough", "role": "admin" }), StatusCode::BAD_REQUEST),
        (json!({ "name": "bob", "password": "long-enough", "grants": ["dev:fly"] }), StatusCode::BAD_REQUEST),
        (json!({ "name": "-bob", "password": "long-enough" }), StatusCode::BAD_REQUEST),
        (json!(["bob"]), StatusCode::BAD_REQUEST),
    ];
    for (body, expected) in bad {
        let (status, answer) = api.post(&ADMIN, "/api/v1/users", body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert!(answer["error"]["code"].is_string(), "the API's JSON error: {answer}");
    }

    let (status, alice) = api.get(&ADMIN, "/api/v1/users/alice").await;
    assert_eq!((status, &alice["grants"]), (StatusCode::OK, &json!(["dev-*:read,publish", "prod:read"])));
    assert_eq!(api.get(&ADMIN, "/api/v1/users/bob").await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.get(&ADMIN, "/api/v1/users/-bob").await.0, StatusCode::BAD_REQUEST);

    // A new password: the old one stops working at once; then new grants.
    let patch = |body| api.call(&ADMIN, Method::PATCH, "/api/v1/users/alice", Some(body));
    let (status, body) = patch(json!({ "password": "alice-new-password" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("password").is_none());
    assert_eq!(api.get(&ALICE, "/api/v1/whoami").await.0, StatusCode::UNAUTHORIZED);
    let new_alice = As::Password("alice", "alice-new-password");
    assert_eq!(api.get(&new_alice, "/api/v1/whoami").await.1["name"], "alice");
    let (status, body) = patch(json!({ "grants": ["prod:promoter"] })).await;
    assert_eq!((status, &body["grants"]), (StatusCode::OK, &json!(["prod:read,promote"])));
    for refused in [json!({ "grants": null }), json!({ "password": "short" }), json!({ "colour": "red" })] {
        assert_eq!(patch(refused.clone()).await.0, StatusCode::BAD_REQUEST, "{refused}");
    }
    let (_, whoami) = api.get(&new_alice, "/api/v1/whoami").await;
    assert_eq!(whoami, json!({ "name": "alice", "grants": ["prod:read,promote"], "scopes": null }));

    let delete = |who, name: &str| api.call(who, Method::DELETE, format!("/api/v1/users/{name}"), None);
    assert_eq!(delete(&ADMIN, "admin").await.0, StatusCode::CONFLICT, "not one's own account");
    assert_eq!(delete(&new_alice, "ci").await.0, StatusCode::FORBIDDEN);
    assert_eq!(delete(&ADMIN, "alice").await.0, StatusCode::NO_CONTENT);
    assert_eq!(delete(&ADMIN, "alice").await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.get(&new_alice, "/api/v1/whoami").await.0, StatusCode::UNAUTHORIZED, "gone");

    // Changes are audited; passwords appear nowhere in the log.
    let (_, audit) = api.get(&ADMIN, "/api/v1/audit?action=user.").await;
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"user.add") && actions.contains(&"user.passwd") && actions.contains(&"user.remove"));
    let log = api.get(&ADMIN, "/api/v1/audit?limit=1000").await.1.to_string();
    assert!(!log.contains("alice-password") && !log.contains("alice-new-password"), "no password in the audit log");
}

#[tokio::test]
async fn tokens_are_ones_own_shown_once_and_never_beyond_their_creator_or_owner() {
    let (_server, api) = server_with_users().await;
    let tokens = "/api/v1/tokens";
    let (status, created) = api
        .post(&ALICE, tokens, json!({ "scopes": ["dev-a:read,publish"], "description": "laptop", "expires_in": "30d" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with(&format!("arca_{id}_")), "{secret}");
    assert_eq!((&created["owner"], &created["scopes"]), (&json!("alice"), &json!(["dev-a:read,publish"])));
    let lifetime = created["expires_at"].as_i64().unwrap() - created["created_at"].as_i64().unwrap();
    assert_eq!(lifetime, 30 * 86_400_000);

    // The token works, and says what it is.
    let token = As::Token(secret.clone());
    let (status, whoami) = api.get(&token, "/api/v1/whoami").await;
    assert_eq!(status, 200);
    assert_eq!(
        whoami,
        json!({ "name": "alice", "grants": ["dev-*:read,publish", "prod:read"], "scopes": ["dev-a:read,publish"] })
    );

    // Listed without its secret or hash.
    let (status, list) = api.get(&ALICE, tokens).await;
    assert_eq!((status, ids(&list)), (StatusCode::OK, vec![id.clone()]));
    let listed = &list["tokens"][0];
    assert_eq!(listed["description"], "laptop");
    assert!(listed.get("token").is_none() && listed.get("hash").is_none());
    assert!(!list.to_string().contains(secret.rsplit('_').next().unwrap()), "the secret is never listed");

    // Never beyond the creator: alice's grants, and for a token its own scopes.
    for scope in ["prod:publish", "*:read", "dev-*:delete", "d*:read"] {
        let (status, body) = api.post(&ALICE, tokens, json!({ "scopes": [scope] })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{scope}: {body}");
        assert_eq!(body["error"]["code"], "denied");
    }
    let (status, body) = api.post(&token, tokens, json!({ "scopes": ["dev-a:publish"] })).await;
    assert_eq!(status, StatusCode::CREATED, "within the token's scopes: {body}");
    let (status, body) = api.post(&token, tokens, json!({ "scopes": ["dev-b:read"] })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "within alice's grants but beyond the token's scopes: {body}");

    // Someone else's tokens need an administrator; an administrator stays within the owner's grants.
    let for_ci = |scope: &str| json!({ "scopes": [scope], "user": "ci" });
    assert_eq!(api.post(&ALICE, tokens, for_ci("dev:read")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(api.get(&ALICE, "/api/v1/tokens?user=ci").await.0, StatusCode::FORBIDDEN);
    let (status, body) = api.post(&ADMIN, tokens, for_ci("prod:read")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "beyond ci's grants: {body}");
    let (status, ci_token) = api.post(&ADMIN, tokens, for_ci("dev:read,publish")).await;
    assert_eq!(status, StatusCode::CREATED, "{ci_token}");
    let ci_id = ci_token["id"].as_str().unwrap();
    let nobody = json!({ "scopes": ["dev:read"], "user": "nobody" });
    assert_eq!(api.post(&ADMIN, tokens, nobody).await.0, StatusCode::NOT_FOUND);
    for refused in [
        json!({ "scopes": [] }),
        json!({ "scopes": ["dev-a:fly"] }),
        json!({ "scopes": ["dev-a:read"], "expires_in": "soon" }),
        json!({ "scopes": ["dev-a:read"], "expires_in": "0d" }),
        json!({ "scopes": ["dev-a:read"], "expires_in": "999999999d" }),
        json!({ "scopes": ["dev-a:read"], "secret": "mine" }),
        json!({ "scopes": ["dev-a:read"], "description": "a\u{0}b" }),
        json!(["dev-a:read"]),
    ] {
        assert_eq!(api.post(&ALICE, tokens, refused.clone()).await.0, StatusCode::BAD_REQUEST, "{refused}");
    }
    assert_eq!(api.get(&ALICE, "/api/v1/tokens?owner=ci").await.0, StatusCode::BAD_REQUEST, "unknown parameter");

    let (_, all) = api.get(&ADMIN, tokens).await;
    assert!(ids(&all).contains(&id) && ids(&all).contains(&ci_id.to_owned()), "an administrator sees everyone's");
    let (_, only_ci) = api.get(&ADMIN, "/api/v1/tokens?user=ci").await;
    assert_eq!(ids(&only_ci), [ci_id]);
    let (_, own) = api.get(&ALICE, tokens).await;
    assert_eq!(ids(&own).len(), 2, "alice sees her own two");

    // Revoking: one's own (someone else's looks like no token at all), then the token is refused.
    let revoke = |who, id: &str| api.call(who, Method::DELETE, format!("/api/v1/tokens/{id}"), None);
    assert_eq!(revoke(&ALICE, ci_id).await.0, StatusCode::NOT_FOUND);
    assert_eq!(revoke(&ALICE, &id).await.0, StatusCode::NO_CONTENT);
    assert_eq!(api.get(&token, "/api/v1/whoami").await.0, StatusCode::UNAUTHORIZED, "revoked");
    assert_eq!(revoke(&ALICE, &id).await.0, StatusCode::NOT_FOUND, "already revoked");
    let (_, own) = api.get(&ALICE, tokens).await;
    let listed = own["tokens"].as_array().unwrap().iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert!(listed["revoked_at"].is_i64(), "listed as revoked: {listed}");
    assert_eq!(revoke(&ADMIN, ci_id).await.0, StatusCode::NO_CONTENT, "an administrator revokes anyone's");

    // Audited: creations, revocations, and the refusals of the handler; never a secret.
    let (_, audit) = api.get(&ADMIN, "/api/v1/audit?limit=1000").await;
    let entries = audit["entries"].as_array().unwrap();
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    assert_eq!((count("token.create"), count("token.revoke")), (3, 2));
    assert!(entries.iter().any(|e| e["outcome"] == "denied"
        && e["actor"] == "alice"
        && e["detail"].as_str().is_some_and(|d| d.contains("may not hand out prod:publish"))));
    assert!(!audit.to_string().contains(&secret), "no token text in the audit log");
}

#[tokio::test]
async fn without_authentication_tokens_name_their_owner() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", server.url());
    let whoami: Value = http.get(url("/api/v1/whoami")).send().await.unwrap().json().await.unwrap();
    assert_eq!(whoami["name"], "anonymous");
    let user = json!({ "name": "ci", "grants": ["dev:publisher"] });
    assert_eq!(http.post(url("/api/v1/users")).json(&user).send().await.unwrap().status(), 201);
    let r = http.post(url("/api/v1/tokens")).json(&json!({ "scopes": ["dev:read"] })).send().await.unwrap();
    assert_eq!(r.status(), 404, "no caller to own it");
    let body = json!({ "scopes": ["dev:read"], "user": "ci" });
    let r = http.post(url("/api/v1/tokens")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let list: Value = http.get(url("/api/v1/tokens")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1);
}
