//! The legacy upload's text fields (`POST /legacy/`, multipart; twine, flit, uv, poetry…),
//! validated as warehouse validates them, minus what only PyPI wants.
//!
//! Decisions, with warehouse (`warehouse/forklift`) as the reference:
//! - A missing `:action` is refused. Warehouse routes only requests carrying `:action`; without
//!   one it answers its upload help page (HTML, 200), which a client would take for success.
//!   A clear 400 is better; every client sends `:action=file_upload`.
//! - Other actions (`submit`, `doc_upload`, …) are refused: warehouse answers them 410 Gone.
//! - `protocol_version`, when present, must be `1` ("Unknown protocol version." otherwise).
//! - A value that is `UNKNOWN` (after trimming) is dropped: distutils wrote it for unset fields,
//!   and warehouse deletes those too.
//! - `filetype` must be `bdist_wheel` or `sdist`; a wheel needs a `pyversion`, an sdist's is
//!   `source` (filled in when missing).
//! - Digests are checked for shape (hex, right length) and kept lower-case; none is required:
//!   the registry hashes the bytes itself, and an upload without a digest only loses the
//!   end-to-end check (warehouse requires one; pypiserver does not).
//! - Local versions (`1.0+cu118`) are allowed: PyPI refuses them, private indexes need them.
//! - NUL in any value is refused (databases refuse to store it).
//!
//! Bounds: at most [`MAX_FIELDS`] fields, [`MAX_FORM_BYTES`] in all, each value at most
//! [`MAX_FIELD_BYTES`], except those [`max_field_bytes`] allows more (long text: the
//! description, a full licence text, the attestations). An HTTP layer should apply the same
//! bounds while reading the multipart body, before the values are in memory.

use crate::error::{PypiError, quote};
use crate::filename::{DistFilename, DistKind};
use arca_types::{Ecosystem, PackageId, Pep440};

/// Most text fields in one upload. twine sends one per classifier and dependency; a thousand
/// is far beyond any real package.
pub const MAX_FIELDS: usize = 1000;
/// Longest ordinary value, in bytes (64 KiB).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Longest long-text value (`description`, `license`, `attestations`), in bytes (1 MiB).
pub const MAX_LONG_FIELD_BYTES: usize = 1024 * 1024;
/// Most bytes of names and values in all (4 MiB).
pub const MAX_FORM_BYTES: usize = 4 * 1024 * 1024;

/// The longest value accepted for the field `name`.
pub fn max_field_bytes(name: &str) -> usize {
    match name {
        "description" | "license" | "attestations" => MAX_LONG_FIELD_BYTES,
        _ => MAX_FIELD_BYTES,
    }
}

/// A validated legacy upload form (its text fields; the `content` file part is the caller's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadForm {
    /// Always `file_upload`.
    pub action: String,
    pub protocol_version: Option<String>,
    /// The project name as sent (twine sends the metadata's name).
    pub name: String,
    /// The version as sent (a valid PEP 440 version).
    pub version: String,
    /// `filetype`: `bdist_wheel` or `sdist`.
    pub filetype: DistKind,
    /// The wheel's python tag, or `source`.
    pub pyversion: String,
    pub metadata_version: String,
    /// Lower-case hex, 64 digits.
    pub sha256_digest: Option<String>,
    /// Lower-case hex, 32 digits (older clients; twine 7 no longer sends it).
    pub md5_digest: Option<String>,
    /// Lower-case hex, 64 digits.
    pub blake2_256_digest: Option<String>,
    /// PEP 740 attestations, a JSON array as sent (see [`crate::parse_attestations`]).
    pub attestations: Option<String>,
    /// Every other field, in order (`summary`, `requires_python`, repeated `classifiers`, …).
    pub fields: Vec<(String, String)>,
}

/// Fields that may appear once: a second value would leave it open which one counts.
const SINGLE: [&str; 11] = [
    ":action",
    "protocol_version",
    "name",
    "version",
    "filetype",
    "pyversion",
    "metadata_version",
    "sha256_digest",
    "md5_digest",
    "blake2_256_digest",
    "attestations",
];

impl UploadForm {
    /// Validates the text fields of an upload, in the order received.
    pub fn from_fields(fields: impl IntoIterator<Item = (String, String)>) -> Result<Self, PypiError> {
        let mut single: [Option<String>; SINGLE.len()] = Default::default();
        let mut rest = Vec::new();
        let mut total = 0usize;
        for (count, (name, value)) in fields.into_iter().enumerate() {
            if count >= MAX_FIELDS {
                return Err(form(format!("more than {MAX_FIELDS} fields")));
            }
            total += name.len() + value.len();
            if total > MAX_FORM_BYTES {
                return Err(form(format!("the fields add up to more than {MAX_FORM_BYTES} bytes")));
            }
            check_field(&name, &value)?;
            if value.trim() == "UNKNOWN" {
                continue;
            }
            match SINGLE.iter().position(|s| *s == name) {
                Some(i) if single[i].is_some() => {
                    return Err(form(format!("the field {} appears twice", quote(&name))));
                }
                Some(i) => single[i] = Some(value),
                None => rest.push((name, value)),
            }
        }
        let [
            action,
            protocol_version,
            name,
            version,
            filetype,
            pyversion,
            metadata_version,
            sha256,
            md5,
            blake2,
            attestations,
        ] = single;
        check_action(action.as_deref())?;
        if protocol_version.as_deref().is_some_and(|v| v != "1") {
            return Err(form("unknown protocol version, only protocol_version=1 is supported".into()));
        }
        let name = required("name", name)?;
        PackageId::parse(Ecosystem::Pypi, &name).map_err(|e| form(format!("name: {e}")))?;
        let version = required("version", version)?;
        Pep440::parse(&version).map_err(|e| form(format!("version {}: {e}", quote(&version))))?;
        let filetype = required("filetype", filetype)?;
        let filetype = DistKind::from_filetype(&filetype)
            .ok_or_else(|| form(format!("unknown filetype {}: use bdist_wheel or sdist", quote(&filetype))))?;
        let pyversion = check_pyversion(filetype, pyversion)?;
        Ok(Self {
            action: "file_upload".to_owned(),
            protocol_version,
            name,
            version,
            filetype,
            pyversion,
            metadata_version: required("metadata_version", metadata_version)?,
            sha256_digest: hex_digest("sha256_digest", sha256, 64)?,
            md5_digest: hex_digest("md5_digest", md5, 32)?,
            blake2_256_digest: hex_digest("blake2_256_digest", blake2, 64)?,
            attestations,
            fields: rest,
        })
    }

    /// Checks the form against the uploaded file's name: the same project (PEP 503 normalized),
    /// the same version (PEP 440 equality) and a `filetype` matching the extension.
    pub fn check_file(&self, file: &DistFilename) -> Result<(), PypiError> {
        if self.filetype != file.kind {
            return Err(PypiError::Mismatch(format!(
                "filetype {} does not match the file {}",
                self.filetype.filetype(),
                quote(&file.filename)
            )));
        }
        let same_name =
            PackageId::parse(Ecosystem::Pypi, &self.name).is_ok_and(|id| id.normalized() == file.normalized);
        if !same_name {
            return Err(PypiError::Mismatch(format!(
                "the filename {} does not start with the project name {}",
                quote(&file.filename),
                quote(&self.name)
            )));
        }
        if Pep440::parse(&self.version).ok() != Pep440::parse(&file.version).ok() {
            return Err(PypiError::Mismatch(format!(
                "version in filename should be {} not {}",
                quote(&self.version),
                quote(&file.version)
            )));
        }
        Ok(())
    }

    /// The `requires_python` field, for a file whose metadata lacks `Requires-Python`.
    pub fn requires_python(&self) -> Option<&str> {
        self.field("requires_python").map(str::trim).filter(|v| !v.is_empty())
    }

    /// The first value of one of the other fields.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields_named(name).next()
    }

    /// Every value of one of the other fields, in order (`classifiers`, `requires_dist`, …).
    pub fn fields_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        self.fields.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn form(message: String) -> PypiError {
    PypiError::InvalidForm(message)
}

fn check_field(name: &str, value: &str) -> Result<(), PypiError> {
    if name.is_empty() || name.len() > 128 {
        return Err(form(format!("a field name is empty or longer than 128 bytes: {}", quote(name))));
    }
    if value.len() > max_field_bytes(name) {
        return Err(form(format!("the field {} is longer than {} bytes", quote(name), max_field_bytes(name))));
    }
    if name.contains('\0') || value.contains('\0') {
        return Err(form(format!("the field {} contains a NUL character", quote(name))));
    }
    Ok(())
}

fn check_action(action: Option<&str>) -> Result<(), PypiError> {
    match action {
        Some("file_upload") => Ok(()),
        None => Err(PypiError::UnsupportedAction(
            "missing ':action' field: this endpoint takes ':action=file_upload'".into(),
        )),
        Some(other) => Err(PypiError::UnsupportedAction(format!(
            "unsupported action {}: only file_upload is supported",
            quote(other)
        ))),
    }
}

fn required(field: &str, value: Option<String>) -> Result<String, PypiError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => Err(form(format!("the field {field} is missing"))),
    }
}

fn check_pyversion(filetype: DistKind, pyversion: Option<String>) -> Result<String, PypiError> {
    let pyversion = pyversion.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match (filetype, pyversion) {
        (DistKind::Sdist, None) => Ok("source".to_owned()),
        (DistKind::Sdist, Some(v)) if v == "source" => Ok(v),
        (DistKind::Sdist, Some(_)) => Err(form("use 'source' as the pyversion of an sdist".into())),
        (DistKind::Wheel, None) => Err(form("a wheel upload needs a pyversion (its python tag)".into())),
        (DistKind::Wheel, Some(v)) => Ok(v),
    }
}

/// A hex digest of `len` digits, lower-cased; absent or empty is `None`.
fn hex_digest(field: &str, value: Option<String>, len: usize) -> Result<Option<String>, PypiError> {
    let Some(value) = value.map(|v| v.trim().to_ascii_lowercase()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.len() != len || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(form(format!("{field} must be {len} hexadecimal digits")));
    }
    Ok(Some(value))
}
