//! Generic files: `PUT/GET/HEAD/DELETE /generic/<repo>/<package>/<version>/<file>`, and multi-file
//! versions published atomically (`POST …/<version>?uploads`, `PUT …/<file>?uploadId=`, `POST
//! …/<version>?uploadId=`).
//!
//! Shape: [`route::parse`] turns the request line into a typed [`route::Endpoint`] (pure, fuzzed),
//! then one handler per variant calls `arca_core::registry::Registry` (module `generic`). Errors are
//! the management API's JSON (`{"error":{"code","message"}}`, `arca_api::ApiError`).
//!
//! Architecture invariant: only this crate knows the generic URLs and headers; it reaches storage only
//! through `arca-core`.

pub mod route;

use arca_api::ApiError;
use arca_core::auth::{Action, Need};
use arca_core::registry::Registry;
use arca_core::registry::generic::{FilePut, GenericFile, Published, parse_property};
use arca_core::{Error, ErrorKind};
use arca_http::body::content_length;
use arca_http::conditional::{self, ETag, Outcome};
use arca_http::header_value;
use arca_http::{Access, Protocol, Refusal};
use arca_types::{Digest, OciName, Tag};
use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http::{HeaderMap, StatusCode, header, request::Parts};
use route::{Endpoint, RouteError};
use std::sync::Arc;

pub use arca_core::observe::RouteClass;

type Reply = Result<Response, ApiError>;

/// The header carrying a property at publish: `X-Arca-Property: key=value`, repeatable.
pub const PROPERTY_HEADER: &str = "x-arca-property";
/// The header carrying a file's expected (on PUT) or actual (on GET) SHA-256, in hex.
pub const CHECKSUM_HEADER: &str = "x-checksum-sha256";

/// The paths this protocol serves: every request under them is parsed by [`route::parse`].
pub const PATHS: [&str; 1] = ["/generic/{*rest}"];

/// Generic files under `/generic`.
pub struct GenericProtocol {
    registry: Arc<Registry>,
}

impl GenericProtocol {
    pub fn new(registry: Arc<Registry>) -> Self {
        Self { registry }
    }
}

#[async_trait]
impl Protocol for GenericProtocol {
    fn name(&self) -> &'static str {
        "generic"
    }

    fn router(&self) -> Router {
        arca_http::serve_all(&PATHS, any(handle).with_state(self.registry.clone()))
    }

    fn paths(&self) -> Vec<&'static str> {
        PATHS.to_vec()
    }

    async fn authorize(&self, parts: &mut Parts) -> Access {
        arca_http::parse_once(parts, route::parse, |e| vec![need(e)])
    }

    fn refuse(&self, _: &Parts, refusal: &Refusal) -> Response {
        arca_api::refusal(refusal)
    }
}

/// What an endpoint needs: the action on the repository it names.
pub fn need(endpoint: &Endpoint) -> Need {
    use Endpoint as E;
    let name = endpoint.name();
    let action = match endpoint {
        E::GetFile { .. } => Action::Read,
        E::PutFile { .. } | E::StartUpload { .. } | E::CommitUpload { .. } | E::AbortUpload { .. } => Action::Publish,
        E::DeleteFile { .. } => Action::Delete,
    };
    Need::On { action, repository: name.repository.as_str().to_owned(), name: name.to_string() }
}

async fn handle(State(registry): State<Arc<Registry>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let endpoint = arca_http::parsed(&mut parts, route::parse);
    let class = endpoint.as_ref().map_or("generic_invalid", Endpoint::class);
    let body = arca_http::body::stream(body);
    let mut response = match endpoint {
        Ok(endpoint) => dispatch(&registry, endpoint, &parts, body).await.unwrap_or_else(IntoResponse::into_response),
        Err(e) => route_error(e),
    };
    response.extensions_mut().insert(RouteClass(class));
    response
}

async fn dispatch(registry: &Registry, endpoint: Endpoint, parts: &Parts, body: arca_core::blob::ByteStream) -> Reply {
    use Endpoint as E;
    let actor = arca_http::caller::actor(parts);
    match endpoint {
        E::GetFile { name, version, file, head } => get(registry, &name, &version, &file, head, parts).await,
        E::PutFile { name, version, file, upload } => {
            let expected = checksum(&parts.headers)?;
            let put = FilePut {
                name: &name,
                version: &version,
                file: &file,
                media_type: media_type(&parts.headers),
                expected: expected.as_ref(),
                declared_len: content_length(&parts.headers),
                body,
                actor: &actor,
            };
            match upload {
                Some(id) => {
                    let staged = registry.stage_generic_file(&id, put).await?;
                    Ok(json(StatusCode::CREATED, serde_json::json!({ "uploadId": id, "file": staged })))
                }
                None => {
                    let properties = properties(&parts.headers)?;
                    let published = registry.put_generic_file(put, &properties).await?;
                    Ok(published_reply(&name, &version, &published, Some(&file)))
                }
            }
        }
        E::DeleteFile { name, version, file } => {
            registry.delete_generic_file(&name, &version, &file, &actor).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        E::StartUpload { name, version } => {
            let id = registry.start_generic_upload(&name, &version, &actor).await?;
            let location = format!("/generic/{name}/{version}?uploadId={id}");
            let mut response = json(StatusCode::CREATED, serde_json::json!({ "uploadId": id, "location": location }));
            response.headers_mut().insert(header::LOCATION, header_value(&location));
            Ok(response)
        }
        E::CommitUpload { name, version, upload } => {
            let properties = properties(&parts.headers)?;
            let published = registry.commit_generic_upload(&upload, &name, &version, &properties, &actor).await?;
            Ok(published_reply(&name, &version, &published, None))
        }
        E::AbortUpload { name, version, upload } => {
            registry.abort_generic_upload(&upload, &name, &version).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

/// A GET or HEAD of a file. The preconditions are decided on the version's record of the file, before
/// its bytes are opened; a `Range` only once they hold.
async fn get(registry: &Registry, name: &OciName, version: &Tag, file: &str, head: bool, parts: &Parts) -> Reply {
    let f = registry.generic_file(name, version, file).await?;
    let etag = ETag::of(&f.digest);
    if conditional::evaluate(&parts.method, &parts.headers, &etag)? == Outcome::NotModified {
        return Ok(conditional::not_modified(file_headers(StatusCode::OK, &etag, &f, f.size)));
    }
    if head {
        return Ok(file_headers(StatusCode::OK, &etag, &f, f.size).body(Body::empty()).expect("valid response"));
    }
    let headers = arca_core::blob::DownloadHeaders {
        content_type: f.media_type.clone(),
        content_disposition: Some(content_disposition(&f.name)),
    };
    if let Some(url) = registry.blob_download_url(name, &f.digest, &headers).await? {
        return Ok(arca_http::temporary_redirect(&url).body(Body::empty()).expect("valid response"));
    }
    let range = arca_http::range::requested(&parts.headers);
    let read = match registry.get_blob(name, &f.digest, range).await {
        Err(e) if e.kind == ErrorKind::RangeNotSatisfiable => {
            let message = format!("range not satisfiable for a file of {} bytes", f.size);
            let mut response = ApiError(Error::new(ErrorKind::RangeNotSatisfiable, message)).into_response();
            let (name, value) = arca_http::range::unsatisfiable(f.size);
            response.headers_mut().insert(name, value);
            return Ok(response);
        }
        other => other?,
    };
    let builder = match read.range {
        Some(r) => file_headers(StatusCode::PARTIAL_CONTENT, &etag, &f, r.len())
            .header(header::CONTENT_RANGE, arca_http::range::content_range(&r, read.size)),
        None => file_headers(StatusCode::OK, &etag, &f, read.size),
    };
    Ok(builder.body(Body::from_stream(read.stream)).expect("valid response"))
}

fn file_headers(status: StatusCode, etag: &ETag, f: &GenericFile, length: u64) -> http::response::Builder {
    let mut builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, header_value(&f.media_type))
        .header(header::CONTENT_LENGTH, length)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, etag.header_value())
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .header(header::CONTENT_DISPOSITION, header_value(&content_disposition(&f.name)));
    if f.digest.algorithm() == arca_types::DigestAlgorithm::Sha256 {
        builder = builder.header(CHECKSUM_HEADER, f.digest.hex());
    }
    builder
}

/// Bytes an RFC 5987 `attr-char` may not be: everything but ALPHA, DIGIT and `!#$&+-.^_`|~`.
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266).
pub fn content_disposition(file: &str) -> String {
    let fallback: String =
        file.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(file, ATTR_CHAR);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

fn published_reply(name: &OciName, version: &Tag, published: &Published, file: Option<&str>) -> Response {
    let status = if published.created { StatusCode::CREATED } else { StatusCode::OK };
    let v = &published.version;
    let mut body = serde_json::json!({
        "repository": name.repository.as_str(),
        "package": name.package.as_str(),
        "version": version.as_str(),
        "digest": v.digest.as_str(),
        "created": v.created,
        "files": v.files,
    });
    let mut response = match file.and_then(|f| v.file(f)) {
        Some(f) => {
            body["file"] = serde_json::json!(f);
            let mut r = json(status, body);
            if f.digest.algorithm() == arca_types::DigestAlgorithm::Sha256 {
                r.headers_mut().insert(CHECKSUM_HEADER, header_value(f.digest.hex()));
            }
            r
        }
        None => json(status, body),
    };
    response.headers_mut().insert("x-arca-version-digest", header_value(v.digest.as_str()));
    response
}

fn route_error(e: RouteError) -> Response {
    let (kind, message) = match e {
        RouteError::NotFound => {
            (ErrorKind::NotFound, "no such generic endpoint: use /generic/<repo>/<package>/<version>/<file>".to_owned())
        }
        RouteError::MethodNotAllowed => (ErrorKind::Unsupported, "method not allowed on this endpoint".to_owned()),
        RouteError::Name(m) => (ErrorKind::NameInvalid, m),
        RouteError::Version(m) => (ErrorKind::TagInvalid, m),
        RouteError::Query(m) => (ErrorKind::InvalidRequest, m),
    };
    let mut response = ApiError(Error::new(kind, message)).into_response();
    if kind == ErrorKind::Unsupported {
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    }
    response
}

/// `X-Checksum-Sha256: <hex>`, if given.
fn checksum(headers: &HeaderMap) -> Result<Option<Digest>, ApiError> {
    let Some(value) = headers.get(CHECKSUM_HEADER) else { return Ok(None) };
    let hex = value.to_str().unwrap_or_default().trim().to_ascii_lowercase();
    Digest::parse(&format!("sha256:{hex}")).map(Some).map_err(|_| {
        ApiError(Error::new(ErrorKind::DigestInvalid, format!("{CHECKSUM_HEADER} {hex:?} is not a SHA-256 in hex")))
    })
}

/// Every `X-Arca-Property: key=value`.
fn properties(headers: &HeaderMap) -> Result<Vec<(String, String)>, ApiError> {
    headers
        .get_all(PROPERTY_HEADER)
        .iter()
        .map(|v| {
            let text = v.to_str().map_err(|_| {
                Error::new(ErrorKind::InvalidRequest, format!("{PROPERTY_HEADER} must be printable ASCII"))
            })?;
            Ok(parse_property(text)?)
        })
        .collect()
}

/// The request's Content-Type as a layer media type, when it is a plain `type/subtype` (form
/// encodings that some clients send by default are ignored).
fn media_type(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?.trim();
    let (kind, sub) = value.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$&^_.+-".contains(&b))
    };
    let ok = token(kind) && token(sub) && value != "application/x-www-form-urlencoded";
    ok.then_some(value)
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn content_disposition_is_safe_for_any_name() {
        assert_eq!(content_disposition("tool.zip"), "attachment; filename=\"tool.zip\"; filename*=UTF-8''tool.zip");
        let d = content_disposition("ré\"sumé.pdf");
        assert!(d.starts_with("attachment; filename=\"r__sum_.pdf\""), "{d}");
        assert!(HeaderValue::from_str(&d).is_ok());
    }

    #[test]
    fn media_types_are_plain_tokens() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
            media_type(&m).map(str::to_owned)
        };
        assert_eq!(h("application/zip").as_deref(), Some("application/zip"));
        assert_eq!(h("application/x-www-form-urlencoded"), None);
        assert_eq!(h("text/plain; charset=utf-8"), None);
        assert_eq!(h("nonsense"), None);
    }
}
