//! Format-neutral package identities.
//!
//! A [`PackageId`] is a package name checked against its ecosystem's rules, together with the key
//! that ecosystem uses to decide whether two names are the same package: PyPI folds case and runs of
//! `-_.` (PEP 503), crates.io folds case and `-`/`_`, npm, Maven, OCI and generic names are exact.
//! Two ids are equal when their keys are, whatever the spelling; the spelling is kept for display.
//! So a registry that stores ids by key can neither serve two projects under one PyPI name nor let
//! `foo_bar` be published beside `Foo-Bar`.
//!
//! OCI and generic names are the package part of an OCI name (`team/app` in `dev/team/app`), with the
//! rules of [`crate::PackageName`].

mod rules;
mod stored;

pub use rules::{MAX_CRATE_NAME_LEN, MAX_NPM_NAME_LEN, MAX_PACKAGE_NAME_LEN};

use crate::version::VersionScheme;
use crate::{NameError, PackageName};
use rules::Refusal;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A package ecosystem: what a repository hosts. The names are those of the repository `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Oci,
    Generic,
    Pypi,
    Npm,
    Cargo,
    Maven,
}

impl Ecosystem {
    pub const ALL: [Self; 6] = [Self::Oci, Self::Generic, Self::Pypi, Self::Npm, Self::Cargo, Self::Maven];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Oci => "oci",
            Self::Generic => "generic",
            Self::Pypi => "pypi",
            Self::Npm => "npm",
            Self::Cargo => "cargo",
            Self::Maven => "maven",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// How this ecosystem's clients order versions. OCI tags and generic versions carry no ordering
    /// of their own, so the most recently pushed is the latest.
    pub const fn version_scheme(self) -> VersionScheme {
        match self {
            Self::Oci | Self::Generic => VersionScheme::PushTime,
            Self::Pypi => VersionScheme::Pep440,
            Self::Npm | Self::Cargo => VersionScheme::SemVer,
            Self::Maven => VersionScheme::Maven,
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageIdError {
    #[error("package name is empty")]
    Empty,
    #[error("{ecosystem} package name is longer than {max} characters")]
    TooLong { ecosystem: Ecosystem, max: usize },
    #[error("{ecosystem} package name {name:?} is invalid: {reason}")]
    Invalid { ecosystem: Ecosystem, name: String, reason: &'static str },
    #[error(transparent)]
    Name(#[from] NameError),
}

/// A valid package name of one ecosystem; equal, hashed and ordered by (ecosystem, identity key).
#[derive(Clone)]
pub struct PackageId {
    ecosystem: Ecosystem,
    name: String,
    key: String,
}

impl PackageId {
    pub fn parse(ecosystem: Ecosystem, name: &str) -> Result<Self, PackageIdError> {
        if name.is_empty() {
            return Err(PackageIdError::Empty);
        }
        let key = match ecosystem {
            Ecosystem::Oci | Ecosystem::Generic => Ok(String::from(PackageName::parse(name)?)),
            Ecosystem::Pypi => rules::pypi(name),
            Ecosystem::Npm => rules::npm(name),
            Ecosystem::Cargo => rules::cargo(name),
            Ecosystem::Maven => rules::maven(name),
        }
        .map_err(|refusal| match refusal {
            Refusal::TooLong(max) => PackageIdError::TooLong { ecosystem, max },
            Refusal::Invalid(reason) => {
                PackageIdError::Invalid { ecosystem, name: name.chars().take(64).collect(), reason }
            }
        })?;
        Ok(Self { ecosystem, name: name.to_owned(), key })
    }

    pub fn ecosystem(&self) -> Ecosystem {
        self.ecosystem
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The identity key: names with the same key are the same package (`friendly-bar` for PyPI's
    /// `Friendly.Bar`, `foo_bar` for the crate `Foo-Bar`).
    pub fn normalized(&self) -> &str {
        &self.key
    }

    /// The scope of a scoped npm name (`types` for `@types/node`).
    pub fn npm_scope(&self) -> Option<&str> {
        (self.ecosystem == Ecosystem::Npm).then(|| rules::npm_scope(&self.name)).flatten()
    }

    /// `(groupId, artifactId)` of a Maven name.
    pub fn maven_coordinates(&self) -> Option<(&str, &str)> {
        (self.ecosystem == Ecosystem::Maven).then(|| rules::maven_coordinates(&self.name)).flatten()
    }
}

impl PartialEq for PackageId {
    fn eq(&self, other: &Self) -> bool {
        (self.ecosystem, &self.key) == (other.ecosystem, &other.key)
    }
}

impl Eq for PackageId {}

impl Hash for PackageId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.ecosystem, &self.key).hash(state);
    }
}

impl Ord for PackageId {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.ecosystem, &self.key).cmp(&(other.ecosystem, &other.key))
    }
}

impl PartialOrd for PackageId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl fmt::Debug for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PackageId({}:{})", self.ecosystem, self.name)
    }
}

#[cfg(test)]
mod tests;
