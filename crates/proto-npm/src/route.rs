//! Parsing a request line into a typed [`Endpoint`]. Pure and fuzzed: this is the first code that
//! sees a client's path.
//!
//! Under `/npm/<repo>/`, as npm's clients (npm, pacote, npm-registry-fetch) call a registry:
//! - `<name>` — the packument (GET) or a publish / deprecate (PUT); scoped names arrive as
//!   `@scope%2fname` (npm's escaped form) or `@scope/name`.
//! - `<name>/-/<file>.tgz` — a tarball.
//! - `<name>/-rev/<rev>`, `<name>/-/<file>/-rev/<rev>` — unpublish.
//! - `-/package/<name>/dist-tags[/<tag>]`, `-/user/org.couchdb.user:<name>`, `-/whoami`, `-/ping`,
//!   `-/v1/search`, `-/npm/v1/security/advisories/bulk`, `-/npm/v1/keys`.

use arca_types::{Ecosystem, PackageId, RepoName};
use http::Method;
use percent_encoding::percent_decode_str;

/// Every npm operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Packument { repository: RepoName, name: String, head: bool },
    Tarball { repository: RepoName, name: String, file: String, head: bool },
    Publish { repository: RepoName, name: String },
    Unpublish { repository: RepoName, name: String, what: Unpublish },
    DistTags { repository: RepoName, name: String },
    SetDistTag { repository: RepoName, name: String, tag: String },
    RemoveDistTag { repository: RepoName, name: String, tag: String },
    Login { repository: RepoName, user: String },
    Whoami { repository: RepoName },
    Ping { repository: RepoName },
    Search { repository: RepoName },
    Audit { repository: RepoName },
    Keys { repository: RepoName },
}

/// What an unpublish request removes, as libnpmpublish sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unpublish {
    /// `PUT <name>/-rev/<rev>`: the document re-sent without the versions to remove.
    Rewrite,
    /// `DELETE <name>/-/<file>/-rev/<rev>`: the tarball of a version (removed with it already,
    /// unless the rewrite was skipped).
    Tarball(String),
    /// `DELETE <name>/-rev/<rev>`: the whole package.
    Package,
}

impl Endpoint {
    /// A stable label for metrics and logs.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Packument { .. } => "npm_packument",
            Self::Tarball { .. } => "npm_tarball",
            Self::Publish { .. } => "npm_publish",
            Self::Unpublish { .. } => "npm_unpublish",
            Self::DistTags { .. } => "npm_dist_tags",
            Self::SetDistTag { .. } | Self::RemoveDistTag { .. } => "npm_dist_tag_change",
            Self::Login { .. } => "npm_login",
            Self::Whoami { .. } => "npm_whoami",
            Self::Ping { .. } => "npm_ping",
            Self::Search { .. } => "npm_search",
            Self::Audit { .. } => "npm_audit",
            Self::Keys { .. } => "npm_keys",
        }
    }

    pub fn repository(&self) -> &RepoName {
        match self {
            Self::Packument { repository, .. }
            | Self::Tarball { repository, .. }
            | Self::Publish { repository, .. }
            | Self::Unpublish { repository, .. }
            | Self::DistTags { repository, .. }
            | Self::SetDistTag { repository, .. }
            | Self::RemoveDistTag { repository, .. }
            | Self::Login { repository, .. }
            | Self::Whoami { repository }
            | Self::Ping { repository }
            | Self::Search { repository }
            | Self::Audit { repository }
            | Self::Keys { repository } => repository,
        }
    }
}

/// Why a request line is not an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    NotFound,
    MethodNotAllowed,
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> RouteError {
    RouteError::Invalid(message.into())
}

/// Parses a request line under `/npm/`.
pub fn parse(method: &Method, path: &str, _query: Option<&str>) -> Result<Endpoint, RouteError> {
    let rest = path.strip_prefix("/npm/").ok_or(RouteError::NotFound)?;
    let (repo, rest) = rest.split_once('/').ok_or(RouteError::NotFound)?;
    let repository = RepoName::parse(repo).map_err(|e| invalid(format!("repository {repo:?}: {e}")))?;
    let segments: Vec<String> = rest.split('/').map(decode).collect::<Result<_, _>>()?;
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["-", special @ ..] => special_endpoint(method, repository, special),
        _ => package_endpoint(method, repository, &segments),
    }
}

fn special_endpoint(method: &Method, repository: RepoName, segments: &[&str]) -> Result<Endpoint, RouteError> {
    let m = method.clone();
    match (segments, m) {
        (["whoami"], Method::GET) => Ok(Endpoint::Whoami { repository }),
        (["ping"], Method::GET | Method::HEAD) => Ok(Endpoint::Ping { repository }),
        (["v1", "search"], Method::GET) => Ok(Endpoint::Search { repository }),
        (["npm", "v1", "security", "advisories", "bulk"], Method::POST) => Ok(Endpoint::Audit { repository }),
        (["npm", "v1", "keys"], Method::GET) => Ok(Endpoint::Keys { repository }),
        (["user", user], Method::PUT) => {
            let user = user.strip_prefix("org.couchdb.user:").ok_or(RouteError::NotFound)?;
            if user.is_empty() {
                return Err(invalid("the user name is empty"));
            }
            Ok(Endpoint::Login { repository, user: user.to_owned() })
        }
        (["package", rest @ ..], m) => dist_tag_endpoint(&m, repository, rest),
        (["whoami" | "ping" | "user", ..] | ["v1", "search"] | ["npm", "v1", ..], _) => {
            Err(RouteError::MethodNotAllowed)
        }
        _ => Err(RouteError::NotFound),
    }
}

/// `-/package/<name>/dist-tags[/<tag>]` (the name may be `@scope/name`, two segments).
fn dist_tag_endpoint(method: &Method, repository: RepoName, segments: &[&str]) -> Result<Endpoint, RouteError> {
    let at = segments.iter().position(|s| *s == "dist-tags").ok_or(RouteError::NotFound)?;
    let name = package(&segments[..at].join("/"))?;
    match (&segments[at + 1..], method) {
        ([], &Method::GET) => Ok(Endpoint::DistTags { repository, name }),
        ([tag], &Method::PUT | &Method::POST) => Ok(Endpoint::SetDistTag { repository, name, tag: (*tag).to_owned() }),
        ([tag], &Method::DELETE) => Ok(Endpoint::RemoveDistTag { repository, name, tag: (*tag).to_owned() }),
        ([] | [_], _) => Err(RouteError::MethodNotAllowed),
        _ => Err(RouteError::NotFound),
    }
}

fn package_endpoint(method: &Method, repository: RepoName, segments: &[&str]) -> Result<Endpoint, RouteError> {
    // A scoped name is one segment when escaped (`@s%2fp`, decoded to `@s/p`) or two (`@s`, `p`).
    let (name, rest) = match segments {
        [scope, name, rest @ ..] if scope.starts_with('@') && !scope.contains('/') => (format!("{scope}/{name}"), rest),
        [name, rest @ ..] => ((*name).to_owned(), rest),
        [] => return Err(RouteError::NotFound),
    };
    let name = package(&name)?;
    match (rest, method) {
        ([], &Method::GET) => Ok(Endpoint::Packument { repository, name, head: false }),
        ([], &Method::HEAD) => Ok(Endpoint::Packument { repository, name, head: true }),
        ([], &Method::PUT) => Ok(Endpoint::Publish { repository, name }),
        (["-", file], &Method::GET | &Method::HEAD) if file.ends_with(".tgz") => {
            check_file(file)?;
            Ok(Endpoint::Tarball { repository, name, file: (*file).to_owned(), head: method == Method::HEAD })
        }
        (["-rev", _], &Method::PUT) => Ok(Endpoint::Unpublish { repository, name, what: Unpublish::Rewrite }),
        (["-rev", _], &Method::DELETE) => Ok(Endpoint::Unpublish { repository, name, what: Unpublish::Package }),
        (["-", file, "-rev", _], &Method::DELETE) if file.ends_with(".tgz") => {
            check_file(file)?;
            Ok(Endpoint::Unpublish { repository, name, what: Unpublish::Tarball((*file).to_owned()) })
        }
        ([] | ["-", _], _) => Err(RouteError::MethodNotAllowed),
        _ => Err(RouteError::NotFound),
    }
}

fn decode(segment: &str) -> Result<String, RouteError> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| invalid(format!("path segment {segment:?} is not UTF-8")))
}

/// A package name checked by npm's rules (and storable by arca).
fn package(name: &str) -> Result<String, RouteError> {
    let id = PackageId::parse(Ecosystem::Npm, name).map_err(|e| invalid(e.to_string()))?;
    id.stored_name().map_err(|e| invalid(format!("package name {name:?} cannot be stored by arca: {e}")))?;
    Ok(name.to_owned())
}

fn check_file(file: &str) -> Result<(), RouteError> {
    if file.len() > 255 || file.contains(['/', '\\']) || file.contains("..") || file.chars().any(char::is_control) {
        return Err(invalid(format!("tarball name {file:?} is invalid")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn repo() -> RepoName {
        RepoName::parse("js").unwrap()
    }

    #[test]
    fn packuments_of_plain_and_scoped_names() {
        let get = |p: &str| parse(&Method::GET, p, None);
        let packument = |n: &str| Ok(Endpoint::Packument { repository: repo(), name: n.into(), head: false });
        assert_eq!(get("/npm/js/lodash"), packument("lodash"));
        assert_eq!(get("/npm/js/@types%2fnode"), packument("@types/node"));
        assert_eq!(get("/npm/js/@types%2Fnode"), packument("@types/node"));
        assert_eq!(get("/npm/js/@types/node"), packument("@types/node"));
    }

    #[test]
    fn tarballs_publish_and_unpublish() {
        let tarball = parse(&Method::GET, "/npm/js/@s/p/-/p-1.0.0.tgz", None);
        assert_eq!(
            tarball,
            Ok(Endpoint::Tarball { repository: repo(), name: "@s/p".into(), file: "p-1.0.0.tgz".into(), head: false })
        );
        assert_eq!(
            parse(&Method::PUT, "/npm/js/@s%2fp", None),
            Ok(Endpoint::Publish { repository: repo(), name: "@s/p".into() })
        );
        let unpublish = |what| Ok(Endpoint::Unpublish { repository: repo(), name: "p".into(), what });
        assert_eq!(parse(&Method::PUT, "/npm/js/p/-rev/1-abc", None), unpublish(Unpublish::Rewrite));
        assert_eq!(parse(&Method::DELETE, "/npm/js/p/-rev/1-abc", None), unpublish(Unpublish::Package));
        let tarball = Unpublish::Tarball("p-1.0.0.tgz".into());
        assert_eq!(parse(&Method::DELETE, "/npm/js/p/-/p-1.0.0.tgz/-rev/1-abc", None), unpublish(tarball));
        let traversal = parse(&Method::DELETE, "/npm/js/p/-/..%2fx.tgz/-rev/1", None);
        assert!(matches!(traversal, Err(RouteError::Invalid(_))), "{traversal:?}");
        assert_eq!(parse(&Method::DELETE, "/npm/js/p/-/p.txt/-rev/1", None), Err(RouteError::NotFound));
    }

    #[test]
    fn the_dash_endpoints() {
        let r = repo;
        assert_eq!(parse(&Method::GET, "/npm/js/-/whoami", None), Ok(Endpoint::Whoami { repository: r() }));
        assert_eq!(parse(&Method::GET, "/npm/js/-/ping", None), Ok(Endpoint::Ping { repository: r() }));
        assert_eq!(
            parse(&Method::GET, "/npm/js/-/v1/search", Some("text=x")),
            Ok(Endpoint::Search { repository: r() })
        );
        let bulk = "/npm/js/-/npm/v1/security/advisories/bulk";
        assert_eq!(parse(&Method::POST, bulk, None), Ok(Endpoint::Audit { repository: r() }));
        assert_eq!(parse(&Method::GET, "/npm/js/-/npm/v1/keys", None), Ok(Endpoint::Keys { repository: r() }));
        let login = parse(&Method::PUT, "/npm/js/-/user/org.couchdb.user:alice", None);
        assert_eq!(login, Ok(Endpoint::Login { repository: r(), user: "alice".into() }));
        let tags = parse(&Method::GET, "/npm/js/-/package/@s%2fp/dist-tags", None);
        assert_eq!(tags, Ok(Endpoint::DistTags { repository: r(), name: "@s/p".into() }));
        let set = parse(&Method::PUT, "/npm/js/-/package/@s/p/dist-tags/beta", None);
        assert_eq!(set, Ok(Endpoint::SetDistTag { repository: r(), name: "@s/p".into(), tag: "beta".into() }));
        let rm = parse(&Method::DELETE, "/npm/js/-/package/p/dist-tags/beta", None);
        assert_eq!(rm, Ok(Endpoint::RemoveDistTag { repository: r(), name: "p".into(), tag: "beta".into() }));
    }

    #[test]
    fn bad_paths_are_refused() {
        assert!(matches!(parse(&Method::GET, "/npm/js/Upper_Case~", None), Err(RouteError::Invalid(_))));
        assert!(matches!(parse(&Method::GET, "/npm/js/p/-/..%2f..%2fx.tgz", None), Err(RouteError::Invalid(_))));
        assert_eq!(parse(&Method::POST, "/npm/js/p", None), Err(RouteError::MethodNotAllowed));
        assert_eq!(parse(&Method::GET, "/npm/js/-/nothing", None), Err(RouteError::NotFound));
        assert_eq!(parse(&Method::GET, "/npm/js", None), Err(RouteError::NotFound));
    }

    proptest! {
        #[test]
        fn any_path_parses_or_is_refused(path in "/npm/[a-z@%/._~:-]{0,60}") {
            for m in [Method::GET, Method::PUT, Method::DELETE, Method::POST] {
                let _ = parse(&m, &path, None);
            }
        }
    }
}
