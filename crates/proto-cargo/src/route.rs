//! Parsing a request line into a typed [`Endpoint`]. Pure and fuzzed (`fuzz_targets/cargo_route.rs`):
//! this is the first code that sees a client's path.
//!
//! Under `/cargo/<repo>/`, as cargo calls a sparse registry whose index URL is
//! `sparse+<base>/cargo/<repo>/index/` and whose `config.json` names `api` = `<base>/cargo/<repo>`
//! and `dl` = `<base>/cargo/<repo>/api/v1/crates` (cargo appends `/{crate}/{version}/download`):
//! - `index/config.json`, `index/<prefix>/<name>` — the index (GET, HEAD);
//! - `api/v1/crates/new` — `cargo publish` (PUT);
//! - `api/v1/crates/<name>/<version>/yank` (DELETE), `…/unyank` (PUT);
//! - `api/v1/crates/<name>/owners` (GET, PUT, DELETE);
//! - `api/v1/crates?q=&per_page=` — `cargo search` (GET);
//! - `api/v1/crates/<name>/<version>/download` — a `.crate` (GET, HEAD).
//!
//! Segments are percent-decoded as paths are (a `+` stays a `+`: `1.0.0+meta` is a version, not
//! `1.0.0 meta`).

use arca_cargo::SearchQuery;
use arca_types::{Ecosystem, PackageId, RepoName, SemVer};
use http::Method;
use percent_encoding::percent_decode_str;

/// What `cargo owner` asks of the owners endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnersOp {
    List,
    Add,
    Remove,
}

/// Every Cargo registry operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Config {
        repository: RepoName,
        head: bool,
    },
    /// A crate's index file; `name` is as requested (lower case).
    Index {
        repository: RepoName,
        name: PackageId,
        head: bool,
    },
    Download {
        repository: RepoName,
        name: PackageId,
        version: SemVer,
        head: bool,
    },
    Publish {
        repository: RepoName,
    },
    Yank {
        repository: RepoName,
        name: PackageId,
        version: SemVer,
        yanked: bool,
    },
    Owners {
        repository: RepoName,
        name: PackageId,
        op: OwnersOp,
    },
    Search {
        repository: RepoName,
        query: SearchQuery,
    },
}

impl Endpoint {
    /// A stable label for metrics and logs.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Config { .. } => "cargo_config",
            Self::Index { .. } => "cargo_index",
            Self::Download { .. } => "cargo_download",
            Self::Publish { .. } => "cargo_publish",
            Self::Yank { yanked: true, .. } => "cargo_yank",
            Self::Yank { yanked: false, .. } => "cargo_unyank",
            Self::Owners { .. } => "cargo_owners",
            Self::Search { .. } => "cargo_search",
        }
    }

    pub fn repository(&self) -> &RepoName {
        match self {
            Self::Config { repository, .. }
            | Self::Index { repository, .. }
            | Self::Download { repository, .. }
            | Self::Publish { repository }
            | Self::Yank { repository, .. }
            | Self::Owners { repository, .. }
            | Self::Search { repository, .. } => repository,
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

/// Parses a request line under `/cargo/`.
pub fn parse(method: &Method, path: &str, query: Option<&str>) -> Result<Endpoint, RouteError> {
    let rest = path.strip_prefix("/cargo/").ok_or(RouteError::NotFound)?;
    let (repo, rest) = rest.split_once('/').ok_or(RouteError::NotFound)?;
    let repository = RepoName::parse(repo).map_err(|e| invalid(format!("repository {repo:?}: {e}")))?;
    let segments: Vec<String> = rest.split('/').map(decode).collect::<Result<_, _>>()?;
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let reading = |head: bool| {
        if method == Method::GET || method == Method::HEAD { Ok(head) } else { Err(RouteError::MethodNotAllowed) }
    };
    let head = method == Method::HEAD;
    match segments.as_slice() {
        ["index", "config.json"] => Ok(Endpoint::Config { repository, head: reading(head)? }),
        ["index", path @ ..] if !path.is_empty() => {
            let head = reading(head)?;
            let name = arca_cargo::parse_index_path(&path.join("/")).map_err(|_| RouteError::NotFound)?;
            Ok(Endpoint::Index { repository, name, head })
        }
        ["api", "v1", "crates"] => match *method {
            Method::GET => Ok(Endpoint::Search { repository, query: SearchQuery::parse(query.unwrap_or_default()) }),
            _ => Err(RouteError::MethodNotAllowed),
        },
        ["api", "v1", "crates", "new"] => match *method {
            Method::PUT => Ok(Endpoint::Publish { repository }),
            _ => Err(RouteError::MethodNotAllowed),
        },
        ["api", "v1", "crates", name, "owners"] => {
            let op = match *method {
                Method::GET => OwnersOp::List,
                Method::PUT => OwnersOp::Add,
                Method::DELETE => OwnersOp::Remove,
                _ => return Err(RouteError::MethodNotAllowed),
            };
            Ok(Endpoint::Owners { repository, name: crate_name(name)?, op })
        }
        ["api", "v1", "crates", name, version, action] => {
            let (name, version) = (crate_name(name)?, crate_version(version)?);
            match (*action, method.clone()) {
                ("download", Method::GET | Method::HEAD) => Ok(Endpoint::Download { repository, name, version, head }),
                ("yank", Method::DELETE) => Ok(Endpoint::Yank { repository, name, version, yanked: true }),
                ("unyank", Method::PUT) => Ok(Endpoint::Yank { repository, name, version, yanked: false }),
                ("download" | "yank" | "unyank", _) => Err(RouteError::MethodNotAllowed),
                _ => Err(RouteError::NotFound),
            }
        }
        _ => Err(RouteError::NotFound),
    }
}

fn decode(segment: &str) -> Result<String, RouteError> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| invalid(format!("path segment {segment:?} is not UTF-8")))
}

/// A crate name by crates.io's rules.
fn crate_name(name: &str) -> Result<PackageId, RouteError> {
    PackageId::parse(Ecosystem::Cargo, name).map_err(|e| invalid(e.to_string()))
}

fn crate_version(version: &str) -> Result<SemVer, RouteError> {
    SemVer::parse(version).map_err(|e| invalid(format!("version {version:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn repo() -> RepoName {
        RepoName::parse("rs").unwrap()
    }

    fn id(name: &str) -> PackageId {
        PackageId::parse(Ecosystem::Cargo, name).unwrap()
    }

    fn v(version: &str) -> SemVer {
        SemVer::parse(version).unwrap()
    }

    #[test]
    fn the_index() {
        let get = |p: &str| parse(&Method::GET, p, None);
        assert_eq!(get("/cargo/rs/index/config.json"), Ok(Endpoint::Config { repository: repo(), head: false }));
        assert_eq!(
            get("/cargo/rs/index/ar/ca/arca-demo"),
            Ok(Endpoint::Index { repository: repo(), name: id("arca-demo"), head: false })
        );
        assert_eq!(get("/cargo/rs/index/1/a"), Ok(Endpoint::Index { repository: repo(), name: id("a"), head: false }));
        assert_eq!(
            parse(&Method::HEAD, "/cargo/rs/index/3/s/syn", None),
            Ok(Endpoint::Index { repository: repo(), name: id("syn"), head: true })
        );
        for bad in [
            "/cargo/rs/index/ar/ca/Arca",
            "/cargo/rs/index/xx/ca/arca",
            "/cargo/rs/index/",
            "/cargo/rs/index/ar/ca/../x",
        ] {
            assert_eq!(get(bad), Err(RouteError::NotFound), "{bad}");
        }
        assert_eq!(parse(&Method::PUT, "/cargo/rs/index/config.json", None), Err(RouteError::MethodNotAllowed));
    }

    #[test]
    fn the_web_api() {
        let publish = parse(&Method::PUT, "/cargo/rs/api/v1/crates/new", None);
        assert_eq!(publish, Ok(Endpoint::Publish { repository: repo() }));
        let yank = parse(&Method::DELETE, "/cargo/rs/api/v1/crates/arca_demo/0.3.0/yank", None);
        assert_eq!(
            yank,
            Ok(Endpoint::Yank { repository: repo(), name: id("arca_demo"), version: v("0.3.0"), yanked: true })
        );
        let unyank = parse(&Method::PUT, "/cargo/rs/api/v1/crates/arca_demo/0.3.0/unyank", None);
        assert_eq!(
            unyank,
            Ok(Endpoint::Yank { repository: repo(), name: id("arca_demo"), version: v("0.3.0"), yanked: false })
        );
        let owners = parse(&Method::DELETE, "/cargo/rs/api/v1/crates/arca_demo/owners", None);
        assert_eq!(owners, Ok(Endpoint::Owners { repository: repo(), name: id("arca_demo"), op: OwnersOp::Remove }));
        let search = parse(&Method::GET, "/cargo/rs/api/v1/crates", Some("q=arca%20base&per_page=5")).unwrap();
        let Endpoint::Search { query, .. } = search else { panic!("{search:?}") };
        assert_eq!((query.q.as_str(), query.per_page), ("arca base", 5));
    }

    #[test]
    fn downloads_keep_the_plus_of_build_metadata() {
        let get = |p: &str| parse(&Method::GET, p, None);
        let want = Ok(Endpoint::Download {
            repository: repo(),
            name: id("Arca-Min"),
            version: v("0.1.0+build.5"),
            head: false,
        });
        assert_eq!(get("/cargo/rs/api/v1/crates/Arca-Min/0.1.0+build.5/download"), want);
        assert_eq!(get("/cargo/rs/api/v1/crates/Arca-Min/0.1.0%2Bbuild.5/download"), want);
        assert!(matches!(get("/cargo/rs/api/v1/crates/Arca-Min/0.1.0 build.5/download"), Err(RouteError::Invalid(_))));
    }

    #[test]
    fn bad_paths_are_refused() {
        assert!(matches!(
            parse(&Method::GET, "/cargo/rs/api/v1/crates/9x/1.0.0/download", None),
            Err(RouteError::Invalid(_))
        ));
        assert!(matches!(
            parse(&Method::GET, "/cargo/rs/api/v1/crates/x/1.0/download", None),
            Err(RouteError::Invalid(_))
        ));
        assert_eq!(parse(&Method::GET, "/cargo/rs/api/v1/crates/new", None), Err(RouteError::MethodNotAllowed));
        assert_eq!(
            parse(&Method::GET, "/cargo/rs/api/v1/crates/x/1.0.0/yank", None),
            Err(RouteError::MethodNotAllowed)
        );
        assert_eq!(parse(&Method::GET, "/cargo/rs/api/v1/crates/x/1.0.0/other", None), Err(RouteError::NotFound));
        assert_eq!(parse(&Method::GET, "/cargo/rs", None), Err(RouteError::NotFound));
        assert_eq!(parse(&Method::GET, "/cargo/rs/me", None), Err(RouteError::NotFound));
    }

    proptest! {
        #[test]
        fn any_path_parses_or_is_refused(path in "/cargo/[a-z0-9%+/._-]{0,60}", query in "[a-z=&%0-9]{0,20}") {
            for m in [Method::GET, Method::HEAD, Method::PUT, Method::DELETE, Method::POST] {
                let _ = parse(&m, &path, Some(&query));
            }
        }
    }
}
