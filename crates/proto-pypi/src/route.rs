//! Parsing a request line into a typed [`Endpoint`]. Pure and fuzzed: this is the first code that
//! sees a client's path.
//!
//! Under `/pypi/<repo>/`:
//! - `simple/` — the project list; `simple/<project>/` — a project's files (PEP 503/691). A path
//!   without its trailing slash, or naming a project by a spelling other than its PEP 503 form, is
//!   redirected (pip and uv request the normalized form; browsers may not).
//! - `files/<project>/<version>/<file>` — a distribution file; `<file>.metadata` — its core metadata
//!   (PEP 658/714); `<file>.provenance` — its attestations (PEP 740).
//! - `POST legacy/` (also `legacy` and the repository root, so any `--repository-url` a user writes
//!   works; twine treats every redirect as fatal, so uploads are never redirected).
//!
//! Segments are percent-decoded; project names are checked by PEP 503's rules, versions by PEP 440,
//! file names by the generic rules (no `/`, `\`, `..` or control characters).

use arca_core::registry::generic::check_file_name;
use arca_types::{Ecosystem, PackageId, RepoName};
use http::Method;
use percent_encoding::percent_decode_str;

/// Which bytes of a distribution file a request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilePart {
    /// The file itself.
    Distribution,
    /// `<file>.metadata`: its core metadata.
    Metadata,
    /// `<file>.provenance`: its PEP 740 provenance object.
    Provenance,
}

/// Every PyPI operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /pypi/<repo>/simple/`.
    Index { repository: RepoName, head: bool },
    /// `GET /pypi/<repo>/simple/<project>/` (`project` is normalized).
    Project { repository: RepoName, project: String, head: bool },
    /// A path to redirect to (its canonical spelling).
    Redirect { repository: RepoName, location: String },
    /// `GET /pypi/<repo>/files/<project>/<version>/<file>[.metadata]`.
    File { repository: RepoName, project: String, version: String, file: String, part: FilePart, head: bool },
    /// `POST /pypi/<repo>/legacy/`.
    Upload { repository: RepoName },
}

impl Endpoint {
    /// A stable label for metrics and logs.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Index { .. } => "pypi_index",
            Self::Project { .. } => "pypi_project",
            Self::Redirect { .. } => "pypi_redirect",
            Self::File { part: FilePart::Distribution, .. } => "pypi_file",
            Self::File { part: FilePart::Metadata, .. } => "pypi_metadata",
            Self::File { part: FilePart::Provenance, .. } => "pypi_provenance",
            Self::Upload { .. } => "pypi_upload",
        }
    }

    pub fn repository(&self) -> &RepoName {
        match self {
            Self::Index { repository, .. }
            | Self::Project { repository, .. }
            | Self::Redirect { repository, .. }
            | Self::File { repository, .. }
            | Self::Upload { repository } => repository,
        }
    }
}

/// Why a request line is not an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    NotFound,
    MethodNotAllowed,
    /// A repository, project, version or file name is invalid.
    Invalid(String),
}

/// Parses a request line under `/pypi/`.
pub fn parse(method: &Method, path: &str, _query: Option<&str>) -> Result<Endpoint, RouteError> {
    let rest = path.strip_prefix("/pypi/").ok_or(RouteError::NotFound)?;
    let (repo, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let repository = RepoName::parse(repo).map_err(|e| RouteError::Invalid(format!("repository {repo:?}: {e}")))?;
    let segments: Vec<&str> = rest.split('/').collect();
    let read = |m: &Method| match *m {
        Method::GET => Ok(false),
        Method::HEAD => Ok(true),
        _ => Err(RouteError::MethodNotAllowed),
    };
    match segments.as_slice() {
        [""] | ["legacy"] | ["legacy", ""] => match *method {
            Method::POST => Ok(Endpoint::Upload { repository }),
            _ => Err(RouteError::MethodNotAllowed),
        },
        ["simple"] => {
            read(method)?;
            Ok(Endpoint::Redirect { location: format!("/pypi/{repository}/simple/"), repository })
        }
        ["simple", ""] => Ok(Endpoint::Index { head: read(method)?, repository }),
        ["simple", project] | ["simple", project, ""] => {
            let head = read(method)?;
            let given = decode(project)?;
            let normalized = normalize(&given)?;
            if normalized != given || segments.len() == 2 {
                let location = format!("/pypi/{repository}/simple/{normalized}/");
                return Ok(Endpoint::Redirect { repository, location });
            }
            Ok(Endpoint::Project { repository, project: normalized, head })
        }
        ["files", project, version, file] => {
            let head = read(method)?;
            let project = normalize(&decode(project)?)?;
            let version = decode(version)?;
            arca_types::Pep440::parse(&version)
                .map_err(|e| RouteError::Invalid(format!("version {version:?}: {e}")))?;
            let file = decode(file)?;
            let (file, part) = if let Some(dist) = file.strip_suffix(".metadata") {
                (dist.to_owned(), FilePart::Metadata)
            } else if let Some(dist) = file.strip_suffix(".provenance") {
                (dist.to_owned(), FilePart::Provenance)
            } else {
                (file, FilePart::Distribution)
            };
            check_file_name(&file).map_err(|e| RouteError::Invalid(e.message))?;
            Ok(Endpoint::File { repository, project, version, file, part, head })
        }
        _ => Err(RouteError::NotFound),
    }
}

fn decode(segment: &str) -> Result<String, RouteError> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| RouteError::Invalid(format!("path segment {segment:?} is not UTF-8")))
}

/// A project name's PEP 503 form.
pub fn normalize(project: &str) -> Result<String, RouteError> {
    PackageId::parse(Ecosystem::Pypi, project)
        .map(|id| id.normalized().to_owned())
        .map_err(|e| RouteError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn get(path: &str) -> Result<Endpoint, RouteError> {
        parse(&Method::GET, path, None)
    }

    fn repo() -> RepoName {
        RepoName::parse("py").unwrap()
    }

    #[test]
    fn index_and_project_pages() {
        assert_eq!(get("/pypi/py/simple/"), Ok(Endpoint::Index { repository: repo(), head: false }));
        assert_eq!(
            get("/pypi/py/simple/demo-pkg/"),
            Ok(Endpoint::Project { repository: repo(), project: "demo-pkg".into(), head: false })
        );
    }

    #[test]
    fn other_spellings_are_redirected_to_the_canonical_path() {
        let redirect = |location: &str| Ok(Endpoint::Redirect { repository: repo(), location: location.into() });
        assert_eq!(get("/pypi/py/simple"), redirect("/pypi/py/simple/"));
        assert_eq!(get("/pypi/py/simple/Demo_Pkg/"), redirect("/pypi/py/simple/demo-pkg/"));
        assert_eq!(get("/pypi/py/simple/demo-pkg"), redirect("/pypi/py/simple/demo-pkg/"));
    }

    #[test]
    fn files_and_their_metadata() {
        let file = |part| {
            Ok(Endpoint::File {
                repository: repo(),
                project: "demo".into(),
                version: "1.0+local".into(),
                file: "demo-1.0+local-py3-none-any.whl".into(),
                part,
                head: false,
            })
        };
        assert_eq!(get("/pypi/py/files/demo/1.0+local/demo-1.0+local-py3-none-any.whl"), file(FilePart::Distribution));
        assert_eq!(
            get("/pypi/py/files/demo/1.0%2Blocal/demo-1.0+local-py3-none-any.whl.metadata"),
            file(FilePart::Metadata)
        );
    }

    #[test]
    fn uploads_go_to_legacy_or_the_root_and_are_never_redirected() {
        for path in ["/pypi/py/legacy/", "/pypi/py/legacy", "/pypi/py/", "/pypi/py"] {
            assert_eq!(parse(&Method::POST, path, None), Ok(Endpoint::Upload { repository: repo() }), "{path}");
        }
        assert_eq!(parse(&Method::PUT, "/pypi/py/legacy/", None), Err(RouteError::MethodNotAllowed));
    }

    #[test]
    fn bad_paths_are_refused() {
        assert!(matches!(get("/pypi/py/files/demo/1.0/..%2Fetc"), Err(RouteError::Invalid(_))));
        assert!(matches!(get("/pypi/py/files/demo/notaversion/x.whl"), Err(RouteError::Invalid(_))));
        assert!(matches!(get("/pypi/py/simple/-bad-/"), Err(RouteError::Invalid(_))));
        assert!(matches!(get("/pypi/Bad!/simple/"), Err(RouteError::Invalid(_))));
        assert_eq!(get("/pypi/py/other"), Err(RouteError::NotFound));
        assert_eq!(get("/v2/"), Err(RouteError::NotFound));
    }

    proptest! {
        #[test]
        fn any_path_parses_or_is_refused(path in "/pypi/[a-z%/._+-]{0,60}") {
            let _ = parse(&Method::GET, &path, None);
            let _ = parse(&Method::POST, &path, None);
        }
    }
}
