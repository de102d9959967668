//! Adding a protocol is a crate plus one line in the server's list: a tiny test-only protocol, served
//! through `Seams::protocols`, gets the one enforcement point (its needs checked, refusals rendered
//! in its own format, deny by default) without the server naming any of its paths.

use crate::auth::{ADMIN_PASSWORD, USER_PASSWORD, auth_settings, setup};
use arca_core::auth::{Action, Need};
use arca_http::{Access, Protocol, Refusal};
use arca_server::auth::credentials::basic;
use arca_server::testing::TestServer;
use async_trait::async_trait;
use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, Path};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::request::Parts;
use std::sync::Arc;

/// `GET /echo/{name}` answers `echo <name> for <actor>`; `GET /echo-unruled` has no rule.
struct Echo;

#[async_trait]
impl Protocol for Echo {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn router(&self) -> Router {
        Router::new()
            .route(
                "/echo/{name}",
                get(|parts: Parts| async move {
                    let name = parts.uri.path().trim_start_matches("/echo/").to_owned();
                    format!("echo {name} for {}", arca_http::caller::actor(&parts).name)
                }),
            )
            .route("/echo-unruled", get(|| async { "should never be seen" }))
    }

    fn paths(&self) -> Vec<&'static str> {
        vec!["/echo/{name}", "/echo-unruled"]
    }

    async fn authorize(&self, parts: &mut Parts) -> Access {
        let route = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_owned());
        match route.as_deref() {
            Some("/echo/{name}") => {
                let Ok(Path(name)) = Path::<String>::from_request_parts(parts, &()).await else {
                    return Access::Needs(vec![Need::Authenticated]);
                };
                Access::Needs(vec![Need::on(Action::Read, &name)])
            }
            _ => Access::Unruled,
        }
    }

    fn refuse(&self, _: &Parts, refusal: &Refusal) -> Response {
        (refusal.status(), format!("echo refuses: {refusal:?}")).into_response()
    }
}

#[tokio::test]
async fn a_new_protocol_gets_the_enforcement_point_by_one_line() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let seams = arca_server::Seams { protocols: vec![Arc::new(Echo)], ..Default::default() };
    let server = TestServer::start_seamed(dir.path(), auth_settings, seams).await;
    let http = reqwest::Client::new();
    let get = |path: &str, who: Option<(&str, &str)>| {
        let mut r = http.get(format!("{}{path}", server.url()));
        if let Some((user, password)) = who {
            r = r.header("authorization", basic(user, password));
        }
        r.send()
    };
    let r = get("/echo/dev", None).await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().starts_with("echo refuses"), "refused in the protocol's own format");
    let r = get("/echo/dev", Some(("reader", USER_PASSWORD))).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "echo dev for reader", "the handler sees the actor");
    assert_eq!(get("/echo/prod", Some(("reader", USER_PASSWORD))).await.unwrap().status(), 403);
    let r = get("/echo-unruled", Some(("admin", ADMIN_PASSWORD))).await.unwrap();
    assert_eq!(r.status(), 403, "a route its protocol has no rule for is refused, even to an administrator");
    assert_eq!(get("/v2/", Some(("reader", USER_PASSWORD))).await.unwrap().status(), 200, "the others still work");
}
