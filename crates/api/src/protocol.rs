//! The management API as a protocol: what each route needs, decided from the route and the same
//! percent-decoded `{name}` its handler acts on (never the raw path: `dev-%61` must not pass a
//! `dev-???` grant and act on `dev-a`).

use crate::{INFO_PATH, PATHS, gc, listing, openapi, promotions, retention, search, tokens, trust, users, versions};
use arca_core::auth::{Action, AuthService, Need};
use arca_core::jobs::JobRunner;
use arca_core::registry::Registry;
use arca_http::{Access, Protocol, Refusal};
use async_trait::async_trait;
use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, Path};
use axum::response::Response;
use http::Method;
use http::request::Parts;
use std::collections::HashMap;
use std::sync::Arc;

/// `/api/v1`.
pub struct ApiProtocol {
    registry: Arc<Registry>,
    auth: Arc<AuthService>,
    jobs: Arc<JobRunner>,
}

impl ApiProtocol {
    pub fn new(registry: Arc<Registry>, auth: Arc<AuthService>, jobs: Arc<JobRunner>) -> Self {
        Self { registry, auth, jobs }
    }
}

#[async_trait]
impl Protocol for ApiProtocol {
    fn name(&self) -> &'static str {
        "api"
    }

    fn is_artifact_traffic(&self) -> bool {
        false
    }

    fn router(&self) -> Router {
        crate::router(self.registry.clone(), self.auth.clone(), self.jobs.clone())
    }

    fn paths(&self) -> Vec<&'static str> {
        PATHS.to_vec()
    }

    async fn authorize(&self, parts: &mut Parts) -> Access {
        let route = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_default();
        let name = match Path::<HashMap<String, String>>::from_request_parts(parts, &()).await {
            Ok(Path(params)) => params.get("name").cloned(),
            Err(_) => None,
        };
        // A history names its repository in the query, decoded as its handler decodes it.
        let name = if route == promotions::PROMOTIONS && parts.method == Method::GET {
            arca_types::QueryParams::parse(parts.uri.query().unwrap_or("")).get("repository")
        } else {
            name
        };
        access(&route, &parts.method, name.as_deref())
    }

    fn refuse(&self, _: &Parts, refusal: &Refusal) -> Response {
        crate::refusal(refusal)
    }
}

/// What a request to `route` (the matched path pattern) needs; `name` is its decoded `{name}`.
pub fn access(route: &str, method: &Method, name: Option<&str>) -> Access {
    let reading = matches!(*method, Method::GET | Method::HEAD);
    match route {
        // The promotion key verifies records; it grants nothing.
        openapi::PATH | INFO_PATH | promotions::KEY => Access::Public,
        // Anyone; the answer holds only what the caller may read.
        search::PATH => Access::Needs(Vec::new()),
        // A history is read like the repository's versions (its name is the `repository` parameter).
        promotions::PROMOTIONS if reading => Access::Needs(vec![on_or_everywhere(Action::Read, name)]),
        // The repositories are in the body: the use case checks read on the source and promote on the
        // target; `where` and deployment listings hold only what the caller may read.
        promotions::PROMOTIONS
        | promotions::ROLLBACK
        | promotions::APPROVALS
        | promotions::WHERE
        | promotions::DEPLOYMENTS => Access::Needs(vec![Need::Authenticated]),
        "/api/v1/audit" | gc::PATH | gc::STORAGE => Access::Needs(vec![Need::Everywhere(Action::Admin)]),
        // Listing needs credentials (filtered by what the caller may read); changes need admin on
        // the repository, or on every repository to create one.
        "/api/v1/repositories" | "/api/v1/repositories/{name}" if reading => Access::Needs(vec![Need::Authenticated]),
        "/api/v1/repositories" | "/api/v1/repositories/{name}" => {
            Access::Needs(vec![on_or_everywhere(Action::Admin, name)])
        }
        listing::PACKAGES | versions::PATH => {
            let action = match *method {
                Method::GET | Method::HEAD => Action::Read,
                Method::DELETE => Action::Delete,
                _ => Action::Publish,
            };
            Access::Needs(vec![on_or_everywhere(action, name)])
        }
        // A retention policy and its plan are read like the repository's versions; setting, removing
        // and applying it delete content on the schedule it sets: admin on the repository.
        retention::POLICY | retention::PLAN if reading => Access::Needs(vec![on_or_everywhere(Action::Read, name)]),
        retention::POLICY | retention::PLAN | retention::APPLY => {
            Access::Needs(vec![on_or_everywhere(Action::Admin, name)])
        }
        // Trust roots are read like the repository's versions; changing them changes what is trusted:
        // admin on the repository.
        trust::TRUST_ROOTS | trust::TRUST_ROOT if reading => Access::Needs(vec![on_or_everywhere(Action::Read, name)]),
        trust::TRUST_ROOTS | trust::TRUST_ROOT => Access::Needs(vec![on_or_everywhere(Action::Admin, name)]),
        // Anyone; the answer holds only the repositories the caller may read.
        trust::COMPONENTS | trust::COVERAGE => Access::Needs(Vec::new()),
        // Advisories say nothing about stored artifacts; importing them changes every finding.
        trust::ADVISORIES if reading => Access::Needs(vec![Need::Authenticated]),
        trust::ADVISORIES => Access::Needs(vec![Need::Everywhere(Action::Admin)]),
        // Users: admin on every repository. Whoami and tokens: credentials; the handler decides the rest
        // (one's own tokens, or anyone's for an administrator of every repository).
        users::USERS | users::USER => Access::Needs(vec![Need::Everywhere(Action::Admin)]),
        users::WHOAMI | tokens::TOKENS | tokens::TOKEN => Access::Needs(vec![Need::Authenticated]),
        _ => Access::Unruled,
    }
}

/// `action` on the named repository; without a readable name (percent-encoded invalid UTF-8), only a
/// caller who may do it everywhere gets as far as the handler's error.
fn on_or_everywhere(action: Action, name: Option<&str>) -> Need {
    match name {
        Some(name) if !name.is_empty() => Need::on(action, name),
        _ => Need::Everywhere(action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_rule() {
        for path in PATHS {
            for method in [Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE] {
                assert_ne!(access(path, &method, Some("dev")), Access::Unruled, "{method} {path}");
            }
        }
        assert_eq!(access("/api/v1/new-thing", &Method::GET, None), Access::Unruled, "deny by default");
    }

    #[test]
    fn versions_need_the_action_on_their_repository() {
        let on = |action| Access::Needs(vec![Need::on(action, "dev")]);
        let version = |m: Method| access(versions::PATH, &m, Some("dev"));
        assert_eq!(version(Method::GET), on(Action::Read));
        assert_eq!(version(Method::PATCH), on(Action::Publish));
        assert_eq!(version(Method::DELETE), on(Action::Delete));
        assert_eq!(access(listing::PACKAGES, &Method::GET, Some("dev")), on(Action::Read));
        let unnamed = access(listing::PACKAGES, &Method::DELETE, None);
        assert_eq!(unnamed, Access::Needs(vec![Need::Everywhere(Action::Delete)]));
        assert_eq!(
            access("/api/v1/repositories/{name}", &Method::PATCH, Some("dev-a")),
            Access::Needs(vec![Need::on(Action::Admin, "dev-a")])
        );
        assert_eq!(
            access("/api/v1/repositories", &Method::POST, None),
            Access::Needs(vec![Need::Everywhere(Action::Admin)])
        );
    }
}
