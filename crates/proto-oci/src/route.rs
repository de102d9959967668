//! Parsing a request line into a typed [`Endpoint`]. Pure and fuzzed: this is the first code that
//! sees a client's path and query.
//!
//! The name may contain `/`, so an OCI path is read from its end: the last one or two segments say
//! what is addressed (`manifests/<ref>`, `blobs/<digest>`, `blobs/uploads/<id>`, `tags/list`,
//! `referrers/<digest>`) and everything before them is the name. The raw (undecoded) path is parsed:
//! a `%` can never be part of a valid name, tag or digest, so encoded traversal is rejected as an
//! invalid name rather than decoded into one.

use arca_types::{Digest, DigestAlgorithm, OciName, QueryParams, Reference, Tag};
use http::Method;

/// Every OCI operation arca serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /v2/`: API version check.
    Base,
    Catalog {
        n: Option<usize>,
        last: Option<String>,
    },
    ListTags {
        name: OciName,
        n: Option<usize>,
        last: Option<String>,
    },
    GetManifest {
        name: OciName,
        reference: Reference,
        head: bool,
    },
    PutManifest {
        name: OciName,
        reference: Reference,
        tags: Vec<Tag>,
    },
    DeleteManifest {
        name: OciName,
        reference: Reference,
    },
    GetBlob {
        name: OciName,
        digest: Digest,
        head: bool,
    },
    DeleteBlob {
        name: OciName,
        digest: Digest,
    },
    /// `POST …/blobs/uploads/`, optionally monolithic (`digest`) or a mount (`mount`, `from`).
    StartUpload {
        name: OciName,
        digest: Option<Digest>,
        mount: Option<Digest>,
        from: Option<OciName>,
        sha512: bool,
    },
    UploadStatus {
        name: OciName,
        id: String,
    },
    PatchUpload {
        name: OciName,
        id: String,
    },
    PutUpload {
        name: OciName,
        id: String,
        digest: Digest,
    },
    CancelUpload {
        name: OciName,
        id: String,
    },
    Referrers {
        name: OciName,
        digest: Digest,
        artifact_type: Option<String>,
    },
}

impl Endpoint {
    /// A stable label for metrics and logs.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Base => "oci_base",
            Self::Catalog { .. } => "oci_catalog",
            Self::ListTags { .. } => "oci_tags",
            Self::GetManifest { .. } => "oci_manifest_get",
            Self::PutManifest { .. } => "oci_manifest_put",
            Self::DeleteManifest { .. } => "oci_manifest_delete",
            Self::GetBlob { .. } => "oci_blob_get",
            Self::DeleteBlob { .. } => "oci_blob_delete",
            Self::StartUpload { .. } => "oci_upload_start",
            Self::UploadStatus { .. } => "oci_upload_status",
            Self::PatchUpload { .. } => "oci_upload_patch",
            Self::PutUpload { .. } => "oci_upload_put",
            Self::CancelUpload { .. } => "oci_upload_cancel",
            Self::Referrers { .. } => "oci_referrers",
        }
    }

    /// The OCI name the request addresses, if any.
    pub fn name(&self) -> Option<&OciName> {
        match self {
            Self::Base | Self::Catalog { .. } => None,
            Self::ListTags { name, .. }
            | Self::GetManifest { name, .. }
            | Self::PutManifest { name, .. }
            | Self::DeleteManifest { name, .. }
            | Self::GetBlob { name, .. }
            | Self::DeleteBlob { name, .. }
            | Self::StartUpload { name, .. }
            | Self::UploadStatus { name, .. }
            | Self::PatchUpload { name, .. }
            | Self::PutUpload { name, .. }
            | Self::CancelUpload { name, .. }
            | Self::Referrers { name, .. } => Some(name),
        }
    }
}

/// Why a request line is not an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// No OCI endpoint has this shape.
    NotFound,
    /// The path exists, the method does not.
    MethodNotAllowed,
    Name(String),
    Digest(String),
    Tag(String),
    Query(String),
    /// A manifest read whose reference cannot name any manifest (the v1.1.1 conformance suite wants
    /// 404 there; writes with a bad reference stay 400 `TAG_INVALID` / `DIGEST_INVALID`).
    ManifestUnknown(String),
}

/// Parses `method`, the raw path (starting with `/v2`) and the raw query string.
pub fn parse(method: &Method, path: &str, query: Option<&str>) -> Result<Endpoint, RouteError> {
    let rest = path.strip_prefix("/v2").ok_or(RouteError::NotFound)?;
    let query = QueryParams::parse(query.unwrap_or(""));
    if rest.is_empty() || rest == "/" {
        return only(method, &[Method::GET, Method::HEAD], Endpoint::Base);
    }
    let rest = rest.strip_prefix('/').ok_or(RouteError::NotFound)?;
    if rest == "_catalog" {
        return only(method, &[Method::GET], Endpoint::Catalog { n: page_size(&query)?, last: query.get("last") });
    }
    if let Some(name) = rest.strip_suffix("/tags/list") {
        return only(
            method,
            &[Method::GET],
            Endpoint::ListTags { name: name_of(name)?, n: page_size(&query)?, last: query.get("last") },
        );
    }
    if let Some(name) = rest.strip_suffix("/blobs/uploads/").or_else(|| rest.strip_suffix("/blobs/uploads")) {
        return start_upload(method, name_of(name)?, &query);
    }
    let (head, last) = rest.rsplit_once('/').ok_or(RouteError::NotFound)?;
    let (prefix, kind) = head.rsplit_once('/').ok_or(RouteError::NotFound)?;
    match kind {
        "manifests" => {
            let name = name_of(prefix)?;
            match reference_of(last) {
                Ok(reference) => manifest(method, name, reference, &query),
                Err(RouteError::Tag(m) | RouteError::Digest(m)) if matches!(*method, Method::GET | Method::HEAD) => {
                    Err(RouteError::ManifestUnknown(m))
                }
                Err(e) => Err(e),
            }
        }
        "blobs" => blob(method, name_of(prefix)?, digest_of(last)?),
        "referrers" => only(
            method,
            &[Method::GET],
            Endpoint::Referrers {
                name: name_of(prefix)?,
                digest: digest_of(last)?,
                artifact_type: query.get("artifactType"),
            },
        ),
        "uploads" => match prefix.rsplit_once('/') {
            Some((name, "blobs")) => upload(method, name_of(name)?, upload_id(last)?, &query),
            _ => Err(RouteError::NotFound),
        },
        _ => Err(RouteError::NotFound),
    }
}

fn only(method: &Method, allowed: &[Method], endpoint: Endpoint) -> Result<Endpoint, RouteError> {
    if allowed.contains(method) { Ok(endpoint) } else { Err(RouteError::MethodNotAllowed) }
}

fn manifest(method: &Method, name: OciName, reference: Reference, query: &QueryParams) -> Result<Endpoint, RouteError> {
    match *method {
        Method::GET | Method::HEAD => Ok(Endpoint::GetManifest { name, reference, head: method == Method::HEAD }),
        Method::PUT => {
            let tags = query
                .all("tag")
                .iter()
                .map(|t| Tag::parse(t).map_err(|e| RouteError::Tag(e.to_string())))
                .collect::<Result<_, _>>()?;
            Ok(Endpoint::PutManifest { name, reference, tags })
        }
        Method::DELETE => Ok(Endpoint::DeleteManifest { name, reference }),
        _ => Err(RouteError::MethodNotAllowed),
    }
}

fn blob(method: &Method, name: OciName, digest: Digest) -> Result<Endpoint, RouteError> {
    match *method {
        Method::GET | Method::HEAD => Ok(Endpoint::GetBlob { name, digest, head: method == Method::HEAD }),
        Method::DELETE => Ok(Endpoint::DeleteBlob { name, digest }),
        _ => Err(RouteError::MethodNotAllowed),
    }
}

fn start_upload(method: &Method, name: OciName, query: &QueryParams) -> Result<Endpoint, RouteError> {
    if method != Method::POST {
        return Err(RouteError::MethodNotAllowed);
    }
    let digest = query.get("digest").map(|d| digest_of(&d)).transpose()?;
    let mount = query.get("mount").map(|d| digest_of(&d)).transpose()?;
    // A bad `from` only loses the mount: the client falls back to uploading, as the spec allows.
    let from = query.get("from").and_then(|f| OciName::parse(&f).ok());
    let sha512 = match query.get("digest-algorithm").as_deref() {
        None | Some("sha256") => digest.as_ref().is_some_and(|d| d.algorithm() == DigestAlgorithm::Sha512),
        Some("sha512") => true,
        Some(other) => return Err(RouteError::Digest(format!("digest algorithm {other:?} is not supported"))),
    };
    Ok(Endpoint::StartUpload { name, digest, mount, from, sha512 })
}

fn upload(method: &Method, name: OciName, id: String, query: &QueryParams) -> Result<Endpoint, RouteError> {
    match *method {
        Method::GET => Ok(Endpoint::UploadStatus { name, id }),
        Method::PATCH => Ok(Endpoint::PatchUpload { name, id }),
        Method::PUT => {
            let digest =
                query.get("digest").ok_or_else(|| RouteError::Digest("the closing PUT needs ?digest=".into()))?;
            Ok(Endpoint::PutUpload { name, id, digest: digest_of(&digest)? })
        }
        Method::DELETE => Ok(Endpoint::CancelUpload { name, id }),
        _ => Err(RouteError::MethodNotAllowed),
    }
}

fn name_of(s: &str) -> Result<OciName, RouteError> {
    OciName::parse(s).map_err(|e| RouteError::Name(e.to_string()))
}

fn digest_of(s: &str) -> Result<Digest, RouteError> {
    Digest::parse(s).map_err(|e| RouteError::Digest(e.to_string()))
}

fn reference_of(s: &str) -> Result<Reference, RouteError> {
    Reference::parse(s).map_err(|e| match e {
        arca_types::ReferenceError::BadTag => RouteError::Tag(e.to_string()),
        arca_types::ReferenceError::Digest(d) => RouteError::Digest(d.to_string()),
    })
}

fn upload_id(s: &str) -> Result<String, RouteError> {
    let ok = !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(s.to_owned()) } else { Err(RouteError::NotFound) }
}

/// The `n` page size of a listing.
fn page_size(query: &QueryParams) -> Result<Option<usize>, RouteError> {
    query.get("n").map(|n| n.parse().map_err(|_| RouteError::Query(format!("n={n:?} is not a count")))).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const D: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn p(m: Method, path: &str, q: Option<&str>) -> Result<Endpoint, RouteError> {
        parse(&m, path, q)
    }

    #[test]
    fn every_endpoint_shape() {
        assert_eq!(p(Method::GET, "/v2/", None), Ok(Endpoint::Base));
        assert!(matches!(p(Method::GET, "/v2/_catalog", Some("n=2&last=a")), Ok(Endpoint::Catalog { n: Some(2), .. })));
        assert!(matches!(p(Method::GET, "/v2/dev/team/app/tags/list", None), Ok(Endpoint::ListTags { .. })));
        assert!(matches!(
            p(Method::HEAD, "/v2/dev/app/manifests/v1", None),
            Ok(Endpoint::GetManifest { head: true, .. })
        ));
        assert!(
            matches!(p(Method::PUT, "/v2/dev/app/manifests/v1", Some("tag=a&tag=b")), Ok(Endpoint::PutManifest { tags, .. }) if tags.len() == 2)
        );
        assert!(matches!(
            p(Method::DELETE, &format!("/v2/dev/app/manifests/{D}"), None),
            Ok(Endpoint::DeleteManifest { .. })
        ));
        assert!(matches!(
            p(Method::GET, &format!("/v2/dev/app/blobs/{D}"), None),
            Ok(Endpoint::GetBlob { head: false, .. })
        ));
        assert!(matches!(
            p(Method::POST, "/v2/dev/app/blobs/uploads/", Some(&format!("digest={D}"))),
            Ok(Endpoint::StartUpload { digest: Some(_), .. })
        ));
        assert!(matches!(
            p(Method::POST, "/v2/dev/app/blobs/uploads/", Some(&format!("mount={D}&from=dev/other"))),
            Ok(Endpoint::StartUpload { mount: Some(_), from: Some(_), .. })
        ));
        assert!(matches!(
            p(Method::PATCH, "/v2/dev/app/blobs/uploads/abc-123", None),
            Ok(Endpoint::PatchUpload { .. })
        ));
        assert!(matches!(
            p(Method::PUT, "/v2/dev/app/blobs/uploads/abc", Some(&format!("digest={}", D.replace(':', "%3A")))),
            Ok(Endpoint::PutUpload { .. })
        ));
        assert!(
            matches!(p(Method::GET, &format!("/v2/dev/app/referrers/{D}"), Some("artifactType=application%2Fx")), Ok(Endpoint::Referrers { artifact_type: Some(t), .. }) if t == "application/x")
        );
        assert!(matches!(
            p(Method::POST, "/v2/dev/app/blobs/uploads/", Some("digest-algorithm=sha512")),
            Ok(Endpoint::StartUpload { sha512: true, .. })
        ));
    }

    #[test]
    fn packages_named_like_keywords() {
        let e = p(Method::GET, "/v2/dev/blobs/manifests/manifests/v1", None).unwrap();
        assert_eq!(e.name().unwrap().to_string(), "dev/blobs/manifests");
    }

    #[test]
    fn rejects_traversal_in_any_spelling() {
        for path in [
            "/v2/dev/../x/manifests/v1",
            "/v2/dev/%2e%2e/x/manifests/v1",
            "/v2/dev/%252e%252e/x/manifests/v1",
            "/v2/dev/..%2fx/manifests/v1",
            "/v2/dev//x/manifests/v1",
            "/v2/dev/x/manifests/..",
            "/v2/./x/tags/list",
        ] {
            assert!(
                matches!(
                    p(Method::GET, path, None),
                    Err(RouteError::Name(_)
                        | RouteError::Tag(_)
                        | RouteError::NotFound
                        | RouteError::ManifestUnknown(_))
                ),
                "{path}"
            );
        }
    }

    #[test]
    fn errors_are_specific() {
        assert_eq!(
            p(Method::GET, "/v2/dev/app/blobs/sha256:xyz", None),
            Err(RouteError::Digest(arca_types::DigestError::BadEncoding.to_string()))
        );
        assert_eq!(p(Method::POST, "/v2/dev/app/manifests/v1", None), Err(RouteError::MethodNotAllowed));
        assert_eq!(p(Method::GET, "/v2/dev/app/nothing/v1", None), Err(RouteError::NotFound));
        assert!(matches!(p(Method::GET, "/v2/_catalog", Some("n=-1")), Err(RouteError::Query(_))));
        assert!(matches!(p(Method::GET, "/v2/Dev/app/tags/list", None), Err(RouteError::Name(_))));
    }

    proptest! {
        #[test]
        fn never_panics(path in "/v2[/a-z0-9._:%-]{0,80}", q in proptest::option::of("[a-z=&%0-9:.-]{0,40}")) {
            for m in [Method::GET, Method::PUT, Method::POST, Method::PATCH, Method::DELETE, Method::HEAD] {
                let _ = parse(&m, &path, q.as_deref());
            }
        }

        #[test]
        fn parsed_names_are_clean(path in "/v2/[a-z0-9./%-]{1,30}/manifests/v1") {
            if let Ok(e) = parse(&Method::GET, &path, None) {
                let name = e.name().unwrap().to_string();
                prop_assert!(!name.contains('%') && !name.split('/').any(|c| c == ".." || c == "."));
            }
        }
    }
}
