//! Parsing a request line into a typed [`Endpoint`]. Pure and fuzzed: this is the first code that
//! sees a client's path and query.
//!
//! `/generic/<repo>/<package>/<version>/<file>`: the package may contain `/`, so the path is read from
//! both ends: the first segment is the repository, the last the file (or, for version-level requests,
//! the version), the one before it the version, and everything between them the package. Version-level
//! requests are told apart by method and query: `POST …/<version>?uploads` (start a multi-file upload),
//! `POST …/<version>?uploadId=<id>` (commit it), `DELETE …/<version>?uploadId=<id>` (abandon it).
//! Repository, package and version are parsed raw (their grammars exclude `%`); only the file name is
//! percent-decoded, then checked (printable, no `/`, `\` or `..`, at most 255 bytes).

use arca_core::registry::generic::check_file_name;
use arca_types::{OciName, QueryParams, Tag};
use http::Method;

/// Every generic operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET`/`HEAD …/<version>/<file>`.
    GetFile { name: OciName, version: Tag, file: String, head: bool },
    /// `PUT …/<version>/<file>`, into a multi-file upload with `?uploadId=`.
    PutFile { name: OciName, version: Tag, file: String, upload: Option<String> },
    /// `DELETE …/<version>/<file>`.
    DeleteFile { name: OciName, version: Tag, file: String },
    /// `POST …/<version>?uploads`.
    StartUpload { name: OciName, version: Tag },
    /// `POST …/<version>?uploadId=<id>`.
    CommitUpload { name: OciName, version: Tag, upload: String },
    /// `DELETE …/<version>?uploadId=<id>`.
    AbortUpload { name: OciName, version: Tag, upload: String },
}

impl Endpoint {
    /// A stable label for metrics and logs.
    pub fn class(&self) -> &'static str {
        match self {
            Self::GetFile { .. } => "generic_get",
            Self::PutFile { upload: None, .. } => "generic_put",
            Self::PutFile { upload: Some(_), .. } => "generic_stage",
            Self::DeleteFile { .. } => "generic_delete",
            Self::StartUpload { .. } => "generic_upload_start",
            Self::CommitUpload { .. } => "generic_upload_commit",
            Self::AbortUpload { .. } => "generic_upload_abort",
        }
    }

    /// The package (`repo/package`) the request addresses.
    pub fn name(&self) -> &OciName {
        match self {
            Self::GetFile { name, .. }
            | Self::PutFile { name, .. }
            | Self::DeleteFile { name, .. }
            | Self::StartUpload { name, .. }
            | Self::CommitUpload { name, .. }
            | Self::AbortUpload { name, .. } => name,
        }
    }

    pub fn version(&self) -> &Tag {
        match self {
            Self::GetFile { version, .. }
            | Self::PutFile { version, .. }
            | Self::DeleteFile { version, .. }
            | Self::StartUpload { version, .. }
            | Self::CommitUpload { version, .. }
            | Self::AbortUpload { version, .. } => version,
        }
    }
}

/// Why a request line is not an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    NotFound,
    MethodNotAllowed,
    /// A repository, package or file name is invalid.
    Name(String),
    /// The version is not a valid tag.
    Version(String),
    Query(String),
}

/// Parses `method`, the raw path (starting with `/generic/`) and the raw query string.
pub fn parse(method: &Method, path: &str, query: Option<&str>) -> Result<Endpoint, RouteError> {
    let rest = path.strip_prefix("/generic/").ok_or(RouteError::NotFound)?;
    let segments: Vec<&str> = rest.split('/').collect();
    let query = QueryParams::parse(query.unwrap_or(""));
    let upload = query.get("uploadId").map(|id| upload_id(&id)).transpose()?;
    let version_level = *method == Method::POST || (*method == Method::DELETE && upload.is_some());
    if version_level {
        let (name, version) = name_and_version(&segments)?;
        return match (method.clone(), upload) {
            (Method::POST, Some(upload)) => Ok(Endpoint::CommitUpload { name, version, upload }),
            (Method::POST, None) if query.has("uploads") => Ok(Endpoint::StartUpload { name, version }),
            (Method::POST, None) => Err(RouteError::Query("POST needs ?uploads or ?uploadId=<id>".into())),
            (_, Some(upload)) => Ok(Endpoint::AbortUpload { name, version, upload }),
            (_, None) => Err(RouteError::NotFound),
        };
    }
    let (file, head) = segments.split_last().ok_or(RouteError::NotFound)?;
    let (name, version) = name_and_version(head)?;
    let file = file_name(file)?;
    match *method {
        Method::GET | Method::HEAD => Ok(Endpoint::GetFile { name, version, file, head: method == Method::HEAD }),
        Method::PUT => Ok(Endpoint::PutFile { name, version, file, upload }),
        Method::DELETE => Ok(Endpoint::DeleteFile { name, version, file }),
        _ => Err(RouteError::MethodNotAllowed),
    }
}

/// `<repo>/<package…>/<version>` from path segments.
fn name_and_version(segments: &[&str]) -> Result<(OciName, Tag), RouteError> {
    let [repo, package @ .., version] = segments else { return Err(RouteError::NotFound) };
    if package.is_empty() {
        return Err(RouteError::NotFound);
    }
    // The whole name, so its length limit holds (as for every OCI name).
    let name = OciName::parse(&format!("{repo}/{}", package.join("/"))).map_err(|e| RouteError::Name(e.to_string()))?;
    let version = Tag::parse(version).map_err(|_| {
        RouteError::Version(format!(
            "version {version:?} is invalid: use up to 128 of A-Z a-z 0-9 . _ -, not starting with . or -"
        ))
    })?;
    Ok((name, version))
}

fn file_name(raw: &str) -> Result<String, RouteError> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| RouteError::Name("file name is not UTF-8".into()))?;
    check_file_name(&decoded).map_err(|e| RouteError::Name(e.message))?;
    Ok(decoded.into_owned())
}

fn upload_id(s: &str) -> Result<String, RouteError> {
    let ok = !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(s.to_owned()) } else { Err(RouteError::Query(format!("uploadId {s:?} is invalid"))) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(m: Method, path: &str, q: Option<&str>) -> Result<Endpoint, RouteError> {
        parse(&m, path, q)
    }

    #[test]
    fn every_endpoint_shape() {
        let e = p(Method::PUT, "/generic/rel/team/tool/1.0/tool-linux-amd64", None).unwrap();
        assert_eq!(e.name().to_string(), "rel/team/tool");
        assert_eq!(e.version().as_str(), "1.0");
        assert!(matches!(e, Endpoint::PutFile { ref file, upload: None, .. } if file == "tool-linux-amd64"));
        assert!(matches!(
            p(Method::GET, "/generic/rel/tool/1.0/a.zip", None),
            Ok(Endpoint::GetFile { head: false, .. })
        ));
        assert!(matches!(
            p(Method::HEAD, "/generic/rel/tool/1.0/a.zip", None),
            Ok(Endpoint::GetFile { head: true, .. })
        ));
        assert!(matches!(p(Method::DELETE, "/generic/rel/tool/1.0/a.zip", None), Ok(Endpoint::DeleteFile { .. })));
        assert!(matches!(
            p(Method::POST, "/generic/rel/tool/1.0", Some("uploads")),
            Ok(Endpoint::StartUpload { ref name, .. }) if name.to_string() == "rel/tool"
        ));
        assert!(matches!(
            p(Method::PUT, "/generic/rel/tool/1.0/a.zip", Some("uploadId=abc")),
            Ok(Endpoint::PutFile { upload: Some(ref u), .. }) if u == "abc"
        ));
        assert!(matches!(
            p(Method::POST, "/generic/rel/tool/1.0", Some("uploadId=abc")),
            Ok(Endpoint::CommitUpload { .. })
        ));
        assert!(matches!(
            p(Method::DELETE, "/generic/rel/a/b/1.0", Some("uploadId=abc")),
            Ok(Endpoint::AbortUpload { ref name, .. }) if name.to_string() == "rel/a/b"
        ));
    }

    #[test]
    fn file_names_are_decoded_then_checked() {
        let e = p(Method::GET, "/generic/rel/tool/1.0/my%20file%C3%A9.txt", None).unwrap();
        assert!(matches!(e, Endpoint::GetFile { ref file, .. } if file == "my fileé.txt"));
        for bad in ["..", "%2e%2e", "a%2Fb", "a%5Cb", "x%00", "%ff", "", "x..y"] {
            let path = format!("/generic/rel/tool/1.0/{bad}");
            assert!(matches!(p(Method::GET, &path, None), Err(RouteError::Name(_))), "{bad}");
        }
        let long = "x".repeat(256);
        assert!(p(Method::GET, &format!("/generic/rel/tool/1.0/{long}"), None).is_err());
        assert!(p(Method::GET, &format!("/generic/rel/tool/1.0/{}", &long[..255]), None).is_ok());
    }

    #[test]
    fn errors_are_specific() {
        assert_eq!(p(Method::GET, "/generic/rel/1.0/a", None), Err(RouteError::NotFound), "no package");
        assert!(matches!(p(Method::GET, "/generic/Rel/tool/1.0/a", None), Err(RouteError::Name(_))));
        assert!(matches!(p(Method::GET, "/generic/rel/../1.0/a", None), Err(RouteError::Name(_))));
        assert!(matches!(p(Method::GET, "/generic/rel/tool/-1/a", None), Err(RouteError::Version(_))));
        assert!(matches!(p(Method::PATCH, "/generic/rel/tool/1.0/a", None), Err(RouteError::MethodNotAllowed)));
        assert!(matches!(p(Method::POST, "/generic/rel/tool/1.0", None), Err(RouteError::Query(_))));
        assert!(matches!(p(Method::PUT, "/generic/rel/tool/1.0/a", Some("uploadId=../x")), Err(RouteError::Query(_))));
        assert_eq!(p(Method::GET, "/v2/rel/tool/1.0/a", None), Err(RouteError::NotFound));
        let long = format!("/generic/rel/{}/{}/1.0/a", "p".repeat(200), "q".repeat(60));
        assert!(matches!(p(Method::GET, &long, None), Err(RouteError::Name(_))), "the whole name is at most 255");
    }

    proptest! {
        #[test]
        fn never_panics(path in "/generic/[/a-zA-Z0-9._%-]{0,80}", q in proptest::option::of("[a-zA-Z=&%0-9.-]{0,40}")) {
            for m in [Method::GET, Method::PUT, Method::POST, Method::PATCH, Method::DELETE, Method::HEAD] {
                let _ = parse(&m, &path, q.as_deref());
            }
        }

        #[test]
        fn accepted_paths_are_clean(path in "/generic/[a-z0-9./%-]{1,40}/1.0/[a-z0-9.%/-]{1,20}") {
            if let Ok(e) = parse(&Method::GET, &path, None) {
                let name = e.name().to_string();
                prop_assert!(!name.contains('%') && !name.split('/').any(|c| c == ".." || c == "." || c.is_empty()));
                if let Endpoint::GetFile { file, .. } = e {
                    prop_assert!(!file.contains('/') && !file.contains("..") && !file.is_empty());
                }
            }
        }

        #[test]
        fn any_valid_file_name_round_trips(file in "[a-zA-Z0-9 ._-]{1,40}") {
            prop_assume!(check_file_name(&file).is_ok());
            let encoded = percent_encoding::utf8_percent_encode(&file, percent_encoding::NON_ALPHANUMERIC).to_string();
            let e = parse(&Method::GET, &format!("/generic/rel/tool/1.0/{encoded}"), None);
            let parsed = matches!(e, Ok(Endpoint::GetFile { file: ref f, .. }) if *f == file);
            prop_assert!(parsed, "{} did not round-trip", file);
        }
    }
}
