//! The two files of a `.crate` this crate reads: the normalized `Cargo.toml`, for the package it
//! names, and `.cargo_vcs_info.json`.

use crate::CargoError;
use crate::error::quote;
use serde::Deserialize;

/// `[package]` of the normalized `Cargo.toml`, as far as the registry checks it.
#[derive(Debug)]
pub(super) struct Package {
    name: String,
    version: String,
    /// `package.readme` when it is a path (`readme = false` and no readme are `None`).
    pub(super) readme: Option<String>,
}

#[derive(Deserialize)]
struct Manifest {
    package: Option<RawPackage>,
    /// What cargo before 1.0 called `[package]`; crates.io still reads it.
    project: Option<RawPackage>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: Option<toml::Value>,
    version: Option<toml::Value>,
    readme: Option<toml::Value>,
}

impl Package {
    pub(super) fn parse(text: &str) -> Result<Self, CargoError> {
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| CargoError::InvalidManifest(one_line(e.message())))?;
        let raw = manifest
            .package
            .or(manifest.project)
            .ok_or_else(|| CargoError::InvalidManifest("it has no [package] table".to_owned()))?;
        // A normalized manifest spells both out; `version.workspace = true` means cargo did not
        // write this file.
        let string = |value: Option<toml::Value>, key: &str| match value {
            Some(toml::Value::String(s)) => Ok(s),
            _ => Err(CargoError::InvalidManifest(format!("package.{key} is not a string"))),
        };
        let readme = match raw.readme {
            Some(toml::Value::String(path)) => Some(path),
            _ => None,
        };
        Ok(Self { name: string(raw.name, "name")?, version: string(raw.version, "version")?, readme })
    }

    /// The manifest names the package the metadata publishes, spelled the same.
    pub(super) fn check_agrees(&self, name: &str, vers: &str) -> Result<(), CargoError> {
        let mismatch = |field, metadata: &str, manifest: &str| CargoError::ManifestMismatch {
            field,
            metadata: quote(metadata),
            manifest: quote(manifest),
        };
        if self.name != name {
            return Err(mismatch("name", name, &self.name));
        }
        if self.version != vers {
            return Err(mismatch("version", vers, &self.version));
        }
        Ok(())
    }
}

/// A TOML error's message on one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `.cargo_vcs_info.json`: the commit the crate was packaged from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcsInfo {
    /// The git commit (`git.sha1`).
    pub sha1: Option<String>,
    /// The checkout had uncommitted changes (`cargo package --allow-dirty`).
    pub dirty: bool,
    /// The package's directory in the repository (`path_in_vcs`), empty at its root.
    pub path_in_vcs: String,
}

#[derive(Deserialize)]
struct RawVcsInfo {
    #[serde(default)]
    git: Option<RawGit>,
    #[serde(default)]
    path_in_vcs: Option<String>,
}

#[derive(Deserialize)]
struct RawGit {
    #[serde(default)]
    sha1: Option<String>,
    #[serde(default)]
    dirty: Option<bool>,
}

impl VcsInfo {
    /// Read leniently, as crates.io does: a file that does not parse is no information, not an
    /// error (it does not affect what cargo builds).
    pub(super) fn parse(bytes: &[u8]) -> Option<Self> {
        let raw: RawVcsInfo = serde_json::from_slice(bytes).ok()?;
        let git = raw.git;
        Some(Self {
            sha1: git.as_ref().and_then(|g| g.sha1.clone()),
            dirty: git.and_then(|g| g.dirty).unwrap_or(false),
            path_in_vcs: raw.path_in_vcs.unwrap_or_default(),
        })
    }
}
