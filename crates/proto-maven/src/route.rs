//! Parsing a request line into a typed [`Endpoint`]. Pure and fuzzed (`maven_route`): this is the
//! first code that sees a client's path.
//!
//! Under `/maven/<repo>/` every path is a Maven 2 layout path (`arca_maven::MavenPath`: artifact
//! files, `.asc` and checksum sidecars, `maven-metadata.xml` at its levels); `GET` and `HEAD` read,
//! `PUT` deploys. A path that is no file of the layout still names its repository, so the request
//! is authorized on it first and answered (404 for a read, 400 for a deploy) after.
//!
//! Artifactory's matrix parameters (`;key=value` after any segment, typically the repository's in a
//! deployment URL: `/maven/libs;vcs.revision=3f1c2ab/org/…`) are taken out before the path is read:
//! a deploy records them as properties of the version; a read ignores them.

use arca_maven::{MavenError, MavenPath, split_matrix_params};
use arca_types::RepoName;
use http::Method;

/// What the request does with its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Get,
    Head,
    Put,
}

/// A request under `/maven/<repo>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub repository: RepoName,
    pub operation: Operation,
    /// The layout path below the repository, or why it is none.
    pub path: Result<MavenPath, MavenError>,
    /// The matrix parameters of the request path, in order (`key`, one value).
    pub properties: Vec<(String, String)>,
}

impl Endpoint {
    /// A stable label for metrics and logs.
    pub fn class(&self) -> &'static str {
        let write = self.operation == Operation::Put;
        match (&self.path, write) {
            (Err(_), _) => "maven_invalid",
            (Ok(MavenPath::Metadata(_)), false) => "maven_metadata",
            (Ok(MavenPath::Metadata(_)), true) => "maven_metadata_put",
            (Ok(p), false) if p.checksum().is_some() => "maven_checksum",
            (Ok(p), true) if p.checksum().is_some() => "maven_checksum_put",
            (Ok(_), false) => "maven_file",
            (Ok(_), true) => "maven_deploy",
        }
    }
}

/// Why a request line is not an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    NotFound,
    MethodNotAllowed,
    /// The repository name is invalid.
    Invalid(String),
}

/// Parses a request line under `/maven/`.
pub fn parse(method: &Method, path: &str, _query: Option<&str>) -> Result<Endpoint, RouteError> {
    let rest = path.strip_prefix("/maven/").ok_or(RouteError::NotFound)?;
    // Parameters that cannot be read still leave the repository to authorize the request on.
    let (rest, properties) = match split_matrix_params(rest) {
        Ok((stripped, params)) => (stripped, Ok(params)),
        Err(e) => (rest.split(['/', ';']).next().unwrap_or_default().to_owned(), Err(e)),
    };
    let (repo, rest) = rest.split_once('/').unwrap_or((&rest, ""));
    let repository = RepoName::parse(repo).map_err(|e| RouteError::Invalid(format!("repository {repo:?}: {e}")))?;
    let operation = match *method {
        Method::GET => Operation::Get,
        Method::HEAD => Operation::Head,
        Method::PUT => Operation::Put,
        _ => return Err(RouteError::MethodNotAllowed),
    };
    let (path, properties) = match properties {
        Ok(properties) => (MavenPath::parse(rest), properties),
        Err(e) => (Err(e), Vec::new()),
    };
    Ok(Endpoint { repository, operation, path, properties })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_maven::ErrorKind;
    use proptest::prelude::*;

    fn get(path: &str) -> Result<Endpoint, RouteError> {
        parse(&Method::GET, path, None)
    }

    #[test]
    fn files_sidecars_and_metadata() {
        let e = get("/maven/libs/org/example/lib/1.0/lib-1.0.jar").unwrap();
        assert_eq!((e.repository.as_str(), e.class()), ("libs", "maven_file"));
        assert_eq!(get("/maven/libs/org/example/lib/1.0/lib-1.0.jar.sha1").unwrap().class(), "maven_checksum");
        assert_eq!(get("/maven/libs/org/example/lib/maven-metadata.xml").unwrap().class(), "maven_metadata");
        let put = parse(&Method::PUT, "/maven/libs/org/example/lib/1.0-SNAPSHOT/lib-1.0-20261130.101010-1.pom", None);
        assert_eq!(put.unwrap().class(), "maven_deploy");
    }

    #[test]
    fn bad_paths_keep_their_repository_and_say_why() {
        let e = get("/maven/libs/org/example/../lib/1.0/lib-1.0.jar").unwrap();
        assert_eq!(e.repository.as_str(), "libs");
        assert_eq!(e.path.unwrap_err().kind(), ErrorKind::UnsafePath);
        assert_eq!(get("/maven/libs/org/example/lib/1.0/other-1.0.jar").unwrap().class(), "maven_invalid");
        assert!(get("/maven/libs").unwrap().path.is_err());
        assert_eq!(parse(&Method::POST, "/maven/libs/a/b/1/b-1.jar", None), Err(RouteError::MethodNotAllowed));
        assert!(matches!(get("/maven/Bad!/a"), Err(RouteError::Invalid(_))));
        assert_eq!(get("/v2/"), Err(RouteError::NotFound));
    }

    #[test]
    fn matrix_parameters_become_properties() {
        let put = "/maven/libs;vcs.revision=3f1c;build.id=7/org/example/lib/1.0/lib-1.0.jar;os=linux,darwin";
        let e = parse(&Method::PUT, put, None).unwrap();
        assert_eq!((e.repository.as_str(), e.class()), ("libs", "maven_deploy"));
        let keys: Vec<&str> =
            e.properties.iter().map(|(k, v)| if k == "os" { v.as_str() } else { k.as_str() }).collect();
        assert_eq!(keys, ["vcs.revision", "build.id", "linux", "darwin"]);
        let bad = parse(&Method::PUT, "/maven/libs;=x/org/example/lib/1.0/lib-1.0.jar", None).unwrap();
        assert_eq!((bad.repository.as_str(), bad.class(), bad.properties.len()), ("libs", "maven_invalid", 0));
    }

    proptest! {
        #[test]
        fn any_path_parses_or_is_refused(path in "/maven/[a-z%/._+-]{0,80}") {
            let _ = parse(&Method::GET, &path, None);
            let _ = parse(&Method::PUT, &path, None);
        }
    }
}
