//! Core metadata (the wheel's `METADATA`, the sdist's `PKG-INFO`): the fields a registry shows,
//! indexes or checks, read from the header block as Python's `email` parser reads it.
//!
//! Reading is lenient like pip's and packaging's raw parser: unknown fields are ignored, values
//! are not validated beyond what the registry relies on (a name and a version to compare with
//! the filename). Ambiguity is not tolerated where it could fool that comparison: a second
//! `Metadata-Version`, `Name` or `Version` header is refused; for other single-use fields the
//! first wins, as `email.message.Message.get` answers.

mod headers;

pub use crate::archive::{Limits, MAX_EXTENSION_BYTES, extract_metadata};

use crate::error::{PypiError, quote};
use crate::filename::DistFilename;
use arca_types::{Ecosystem, PackageId, Pep440};

/// The fields of a distribution's core metadata a registry needs. Multi-use fields keep every
/// value in order; values are trimmed, multi-line values (continuation lines) keep their `\n`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoreMetadata {
    pub metadata_version: String,
    pub name: String,
    pub version: String,
    pub summary: Option<String>,
    pub requires_python: Option<String>,
    pub requires_dist: Vec<String>,
    pub license: Option<String>,
    /// `License-Expression` (metadata 2.4, PEP 639): an SPDX expression.
    pub license_expression: Option<String>,
    pub author: Option<String>,
    pub home_page: Option<String>,
    /// `Project-URL` values as written: `Label, https://…`.
    pub project_urls: Vec<String>,
    pub classifiers: Vec<String>,
    pub description_content_type: Option<String>,
    /// `Dynamic` (metadata 2.2): fields an sdist's builds may fill in differently.
    pub dynamic: Vec<String>,
}

/// Fields whose repetition could make the metadata say two things about its identity.
const UNIQUE: [(&str, &str); 3] = [("metadata-version", "Metadata-Version"), ("name", "Name"), ("version", "Version")];

impl CoreMetadata {
    /// Parses a METADATA / PKG-INFO file. It must be UTF-8 (a leading BOM is ignored) and name
    /// `Metadata-Version`, `Name` and `Version`, each once.
    pub fn parse(bytes: &[u8]) -> Result<Self, PypiError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            PypiError::InvalidMetadata(format!("not UTF-8 (invalid byte at offset {})", e.valid_up_to()))
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut meta = Self::default();
        let mut seen = [false; UNIQUE.len()];
        for header in headers::parse(text) {
            let key = header.name.to_ascii_lowercase();
            if let Some(i) = UNIQUE.iter().position(|(lower, _)| *lower == key)
                && std::mem::replace(&mut seen[i], true)
            {
                return Err(PypiError::InvalidMetadata(format!("the {} field appears twice", UNIQUE[i].1)));
            }
            meta.set(&key, header.value.trim());
        }
        for (field, value) in
            [("Metadata-Version", &meta.metadata_version), ("Name", &meta.name), ("Version", &meta.version)]
        {
            if value.is_empty() {
                return Err(PypiError::InvalidMetadata(format!("the {field} field is missing or empty")));
            }
        }
        Ok(meta)
    }

    /// Stores one header value under its lower-cased name.
    fn set(&mut self, key: &str, value: &str) {
        let first = |slot: &mut Option<String>| {
            if slot.is_none() {
                *slot = Some(value.to_owned());
            }
        };
        match key {
            "metadata-version" => self.metadata_version = value.to_owned(),
            "name" => self.name = value.to_owned(),
            "version" => self.version = value.to_owned(),
            "summary" => first(&mut self.summary),
            "requires-python" => first(&mut self.requires_python),
            "license" => first(&mut self.license),
            "license-expression" => first(&mut self.license_expression),
            "author" => first(&mut self.author),
            "home-page" => first(&mut self.home_page),
            "description-content-type" => first(&mut self.description_content_type),
            "requires-dist" => self.requires_dist.push(value.to_owned()),
            "project-url" => self.project_urls.push(value.to_owned()),
            "classifier" => self.classifiers.push(value.to_owned()),
            "dynamic" => self.dynamic.push(value.to_owned()),
            _ => {}
        }
    }
}

/// Checks that the metadata describes the file it came from: the same project (PEP 503
/// normalized) and the same version (PEP 440 equality, so `1.0-1` and `1.0.post1` agree).
pub fn check_agrees(file: &DistFilename, meta: &CoreMetadata) -> Result<(), PypiError> {
    let name = PackageId::parse(Ecosystem::Pypi, &meta.name)
        .map_err(|e| PypiError::InvalidMetadata(format!("Name {}: {e}", quote(&meta.name))))?;
    if name.normalized() != file.normalized {
        return Err(PypiError::Mismatch(format!(
            "the metadata names project {} but the filename {} names {}",
            quote(&meta.name),
            quote(&file.filename),
            quote(&file.project)
        )));
    }
    let version = Pep440::parse(&meta.version)
        .map_err(|e| PypiError::InvalidMetadata(format!("Version {}: {e}", quote(&meta.version))))?;
    if Pep440::parse(&file.version).ok() != Some(version) {
        return Err(PypiError::Mismatch(format!(
            "the metadata has version {} but the filename {} has {}",
            quote(&meta.version),
            quote(&file.filename),
            quote(&file.version)
        )));
    }
    Ok(())
}
