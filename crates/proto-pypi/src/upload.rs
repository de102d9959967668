//! The legacy upload (`POST /pypi/<repo>/legacy/`, `multipart/form-data`, as twine sends it). The
//! text fields become an [`UploadForm`]; the `content` part streams into storage — hashed as it
//! arrives, checked against `sha256_digest` when that came first, as twine sends it — and the file
//! is published once the whole form is read. Any refusal leaves nothing visible: a stored file
//! nobody published is collected like any unreferenced blob.

use crate::errors::{PypiError, Reply, plain};
use arca_core::registry::pypi::PypiUpload;
use arca_core::registry::{BlobInfo, Registry};
use arca_core::{Error, ErrorKind};
use arca_pypi::UploadForm;
use arca_types::{Digest, RepoName};
use axum::body::Body;
use futures_util::{StreamExt, TryStreamExt};
use http::StatusCode;
use http::request::Parts;

/// Text fields of one form, at most.
const MAX_FIELDS: usize = 2000;
/// One text field, at most (a long description is the largest).
const MAX_TEXT_FIELD: u64 = 4 << 20;

fn bad(message: impl Into<String>) -> PypiError {
    PypiError(Error::new(ErrorKind::InvalidRequest, message))
}

fn form_error(e: multer::Error) -> PypiError {
    bad(format!("the upload is not valid multipart/form-data: {e}"))
}

/// The content part, stored: its file name and blob.
struct Content {
    filename: String,
    blob: BlobInfo,
}

pub(crate) async fn upload(registry: &Registry, repository: &RepoName, parts: &Parts, body: Body) -> Reply {
    let actor = arca_http::caller::actor(parts);
    let content_type = parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| bad("an upload is multipart/form-data with a boundary (as twine sends it)"))?;
    let constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().per_field(MAX_TEXT_FIELD).for_field("content", u64::MAX));
    let stream = body.into_data_stream();
    let mut form = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut content: Option<Content> = None;
    while let Some(field) = form.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "content" {
            if content.is_some() {
                return Err(bad("an upload carries one file in one content part"));
            }
            let filename =
                field.file_name().map(str::to_owned).ok_or_else(|| bad("the content part has no filename"))?;
            let expected = expected_sha256(&fields)?;
            let bytes = field.map_err(std::io::Error::other).boxed();
            let blob = registry.stage_pypi_file(repository, expected.as_ref(), None, bytes, &actor).await?;
            content = Some(Content { filename, blob });
        } else if field.file_name().is_some() {
            // `gpg_signature` and other file parts: PyPI no longer keeps signatures; neither do we.
            field.map_ok(drop).try_collect::<Vec<()>>().await.map_err(form_error)?;
        } else {
            if fields.len() >= MAX_FIELDS {
                return Err(bad(format!("an upload form has at most {MAX_FIELDS} fields")));
            }
            let value = field.text().await.map_err(form_error)?;
            fields.push((name, value));
        }
    }
    let content = content.ok_or_else(|| bad("the upload has no content part: nothing to publish"))?;
    let form = UploadForm::from_fields(fields).map_err(|e| bad(e.to_string()))?;
    let published = registry
        .publish_pypi_file(PypiUpload {
            repository,
            form: &form,
            filename: &content.filename,
            blob: content.blob,
            actor: &actor,
        })
        .await?;
    let message = if published.created { "OK" } else { "OK: this file was already uploaded, with the same bytes" };
    Ok(plain(StatusCode::OK, message))
}

/// `sha256_digest` if it came before the content (twine sends every text field first).
fn expected_sha256(fields: &[(String, String)]) -> Result<Option<Digest>, PypiError> {
    let Some((_, hex)) = fields.iter().find(|(k, _)| k == "sha256_digest") else { return Ok(None) };
    Digest::parse(&format!("sha256:{}", hex.trim().to_ascii_lowercase()))
        .map(Some)
        .map_err(|_| bad(format!("sha256_digest {hex:?} is not a SHA-256 in hex")))
}
