//! Authorization rules: every route of the router has one, declared here by its path; what a rule
//! needs of a request is decided from the request alone. A route without a rule is refused to
//! everyone (deny by default), and the route × principal test fails.

use arca_core::auth::{Action, Principal};
use arca_proto_oci::route::{self, Endpoint};
use http::Method;

/// How a route is authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone: liveness, readiness, the token endpoint (which authenticates by itself).
    Public,
    /// The OCI Distribution API: what is needed depends on the endpoint and the repository.
    Oci,
    /// An action on every repository (`*` grants): metrics, the audit log.
    Everywhere(Action),
    /// Generic files: what is needed depends on the endpoint and the repository.
    Generic,
    /// A package version in the management API: reading needs `read` on the repository named in the
    /// path, changing properties `publish`, deleting the version `delete`.
    Version,
    /// Anyone, anonymous included, but credentials are checked when given: the handler answers with
    /// only what the principal may read (search).
    Filtered,
    /// Repository administration: reading needs credentials, changes need `admin` on the repository
    /// named in the path (or on every repository, to create one).
    Management,
}

/// The rule of each route path. Every path the router serves must be listed.
pub fn rule_for(path: &str) -> Option<Rule> {
    match path {
        "/healthz" | "/readyz" | "/token" | "/api/v1/openapi.json" | "/api/v1/info" => Some(Rule::Public),
        "/v2" | "/v2/" | "/v2/{*rest}" => Some(Rule::Oci),
        "/generic/{*rest}" => Some(Rule::Generic),
        "/api/v1/repositories/{name}/packages" | "/api/v1/repositories/{name}/packages/{*rest}" => Some(Rule::Version),
        "/api/v1/search" => Some(Rule::Filtered),
        "/metrics" | "/api/v1/audit" => Some(Rule::Everywhere(Action::Admin)),
        "/api/v1/repositories" | "/api/v1/repositories/{name}" => Some(Rule::Management),
        _ => None,
    }
}

/// One thing a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// Any valid credentials.
    Authenticated,
    /// `action` on the repository of the OCI name `name` (`dev/team/app` → `dev`).
    On {
        action: Action,
        repository: String,
        name: String,
    },
    Everywhere(Action),
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Authenticated => f.write_str("needs credentials"),
            Self::On { action, repository, .. } => write!(f, "needs {} on {repository}", action.as_str()),
            Self::Everywhere(action) => write!(f, "needs {} on every repository", action.as_str()),
        }
    }
}

impl Need {
    pub fn is_met(&self, principal: &Principal) -> bool {
        match self {
            Self::Authenticated => !principal.is_anonymous(),
            Self::On { action, repository, .. } => principal.allows(*action, repository),
            Self::Everywhere(action) => principal.allows_everywhere(*action),
        }
    }

    /// The Docker token scope that would grant this (`repository:dev/app:pull,push`).
    pub fn docker_scope(&self) -> Option<String> {
        match self {
            Self::Authenticated => None,
            Self::On { action, name, .. } => {
                let actions = match action {
                    Action::Read => "pull",
                    Action::Publish => "pull,push",
                    Action::Delete => "delete",
                    Action::Promote | Action::Admin => "*",
                };
                Some(format!("repository:{name}:{actions}"))
            }
            Self::Everywhere(_) => Some("registry:catalog:*".into()),
        }
    }
}

/// What a request under `rule` needs; empty for public routes. `name` is the route's percent-decoded
/// `{name}` parameter (the repository of `/api/v1/repositories/{name}…`), as its handler sees it.
pub fn needs(rule: Rule, method: &Method, path: &str, query: Option<&str>, name: Option<&str>) -> Vec<Need> {
    match rule {
        Rule::Public | Rule::Filtered => Vec::new(),
        Rule::Everywhere(action) => vec![Need::Everywhere(action)],
        Rule::Management => management_needs(method, name),
        // A request that is no OCI endpoint still needs credentials before it learns so.
        Rule::Oci => route::parse(method, path, query).map_or_else(|_| vec![Need::Authenticated], |e| oci_needs(&e)),
        Rule::Generic => arca_proto_generic::route::parse(method, path, query)
            .map_or_else(|_| vec![Need::Authenticated], |e| generic_needs(&e)),
        Rule::Version => version_needs(method, name),
    }
}

fn generic_needs(endpoint: &arca_proto_generic::route::Endpoint) -> Vec<Need> {
    use arca_proto_generic::route::Endpoint as E;
    let name = endpoint.name();
    let action = match endpoint {
        E::GetFile { .. } => Action::Read,
        E::PutFile { .. } | E::StartUpload { .. } | E::CommitUpload { .. } | E::AbortUpload { .. } => Action::Publish,
        E::DeleteFile { .. } => Action::Delete,
    };
    vec![Need::On { action, repository: name.repository.as_str().to_owned(), name: name.to_string() }]
}

/// `/api/v1/repositories/<repo>/packages/…`: the action on `<repo>`, by method.
fn version_needs(method: &Method, repo: Option<&str>) -> Vec<Need> {
    let action = match *method {
        Method::GET | Method::HEAD => Action::Read,
        Method::DELETE => Action::Delete,
        _ => Action::Publish,
    };
    match repo {
        Some(repo) if !repo.is_empty() => {
            vec![Need::On { action, repository: repo.to_owned(), name: repo.to_owned() }]
        }
        // No readable repository name (say, percent-encoded invalid UTF-8): only a caller who may do
        // this everywhere gets as far as the handler's error.
        _ => vec![Need::Everywhere(action)],
    }
}

fn management_needs(method: &Method, name: Option<&str>) -> Vec<Need> {
    if method == Method::GET || method == Method::HEAD {
        return vec![Need::Authenticated];
    }
    match name {
        Some(name) if !name.is_empty() => {
            vec![Need::On { action: Action::Admin, repository: name.to_owned(), name: name.to_owned() }]
        }
        _ => vec![Need::Everywhere(Action::Admin)],
    }
}

fn oci_needs(endpoint: &Endpoint) -> Vec<Need> {
    use Endpoint as E;
    let on = |action, name: &arca_types::OciName| Need::On {
        action,
        repository: name.repository.as_str().to_owned(),
        name: name.to_string(),
    };
    match endpoint {
        E::Base => vec![Need::Authenticated],
        E::Catalog { .. } => vec![Need::Everywhere(Action::Read)],
        E::ListTags { name, .. }
        | E::GetManifest { name, .. }
        | E::GetBlob { name, .. }
        | E::Referrers { name, .. } => {
            vec![on(Action::Read, name)]
        }
        E::StartUpload { name, from, .. } => {
            let mut needs = vec![on(Action::Publish, name)];
            needs.extend(from.iter().map(|from| on(Action::Read, from)));
            needs
        }
        E::PutManifest { name, .. }
        | E::UploadStatus { name, .. }
        | E::PatchUpload { name, .. }
        | E::PutUpload { name, .. }
        | E::CancelUpload { name, .. } => vec![on(Action::Publish, name)],
        E::DeleteManifest { name, .. } | E::DeleteBlob { name, .. } => vec![on(Action::Delete, name)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_endpoints_need_the_action_on_their_repository() {
        let need = |m: Method, p: &str, q: Option<&str>| needs(Rule::Oci, &m, p, q, None);
        let on = |action, name: &str| Need::On { action, repository: "dev".into(), name: name.into() };
        assert_eq!(need(Method::GET, "/v2/", None), [Need::Authenticated]);
        assert_eq!(need(Method::GET, "/v2/dev/app/manifests/1", None), [on(Action::Read, "dev/app")]);
        assert_eq!(need(Method::PUT, "/v2/dev/app/manifests/1", None), [on(Action::Publish, "dev/app")]);
        assert_eq!(need(Method::DELETE, "/v2/dev/app/manifests/1", None), [on(Action::Delete, "dev/app")]);
        let query = format!("mount=sha256:{}&from=prod/app", "a".repeat(64));
        let mount = need(Method::POST, "/v2/dev/app/blobs/uploads/", Some(&query));
        assert_eq!(mount.len(), 2, "a mount also reads its source: {mount:?}");
        assert_eq!(need(Method::GET, "/v2/_catalog", None), [Need::Everywhere(Action::Read)]);
        assert_eq!(need(Method::GET, "/v2/nonsense%", None), [Need::Authenticated]);
    }

    #[test]
    fn generic_endpoints_need_the_action_on_their_repository() {
        let need = |m: Method, p: &str, q: Option<&str>| needs(Rule::Generic, &m, p, q, None);
        let on = |action| Need::On { action, repository: "dev".into(), name: "dev/tool".into() };
        assert_eq!(need(Method::GET, "/generic/dev/tool/1.0/a.zip", None), [on(Action::Read)]);
        assert_eq!(need(Method::HEAD, "/generic/dev/tool/1.0/a.zip", None), [on(Action::Read)]);
        assert_eq!(need(Method::PUT, "/generic/dev/tool/1.0/a.zip", None), [on(Action::Publish)]);
        assert_eq!(need(Method::POST, "/generic/dev/tool/1.0", Some("uploads")), [on(Action::Publish)]);
        assert_eq!(need(Method::DELETE, "/generic/dev/tool/1.0/a.zip", None), [on(Action::Delete)]);
        assert_eq!(need(Method::GET, "/generic/dev/%", None), [Need::Authenticated]);
        let path = "/api/v1/repositories/dev/packages/tool/versions/1.0";
        let version = |m: Method| needs(Rule::Version, &m, path, None, Some("dev"));
        let on = |action| Need::On { action, repository: "dev".into(), name: "dev".into() };
        assert_eq!(version(Method::GET), [on(Action::Read)]);
        assert_eq!(version(Method::PATCH), [on(Action::Publish)]);
        assert_eq!(version(Method::DELETE), [on(Action::Delete)]);
        let packages = needs(Rule::Version, &Method::GET, "/api/v1/repositories/dev/packages", None, Some("dev"));
        assert_eq!(packages, [on(Action::Read)]);
        let unnamed = needs(Rule::Version, &Method::DELETE, "/api/v1/repositories/%FF/packages", None, None);
        assert_eq!(unnamed, [Need::Everywhere(Action::Delete)]);
    }
}
