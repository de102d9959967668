//! The publish metadata: the JSON document cargo sends before the `.crate` (crates-io's `NewCrate`).
//!
//! Read leniently in its shape (a field missing or `null` takes its default, unknown fields are
//! ignored: what cargo sends has grown over the years), then checked strictly in what the index
//! line will carry, since cargo drops any line it cannot parse: the name by crates.io's rules
//! ([`PackageId`]), the version as SemVer, every requirement as cargo's `VersionReq`, features,
//! targets, `links`, `rust_version`.

mod req;
pub(crate) mod rules;

pub use req::validate_version_req;

use crate::CargoError;
use crate::error::quote;
use arca_types::{Ecosystem, PackageId, PackageIdError, SemVer};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// A feature table: feature name to what it enables.
pub type Features = BTreeMap<String, Vec<String>>;

/// What kind of dependency: `[dependencies]`, `[build-dependencies]` or `[dev-dependencies]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DepKind {
    #[default]
    Normal,
    Build,
    Dev,
}

impl DepKind {
    /// Missing (old cargo) means `normal`, as cargo reads the index.
    pub fn parse(kind: Option<&str>) -> Option<Self> {
        match kind.unwrap_or("normal") {
            "normal" => Some(Self::Normal),
            "build" => Some(Self::Build),
            "dev" => Some(Self::Dev),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Build => "build",
            Self::Dev => "dev",
        }
    }
}

/// One dependency as published. `name` is the package depended on; when the manifest renames it
/// (`rng = { package = "rand_core" }`), `explicit_name_in_toml` is the name written there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCrateDep {
    pub name: String,
    pub version_req: String,
    pub features: Vec<String>,
    pub optional: bool,
    pub default_features: bool,
    pub target: Option<String>,
    pub kind: DepKind,
    /// The index URL of the registry the dependency comes from; `None` for this registry.
    pub registry: Option<String>,
    pub explicit_name_in_toml: Option<String>,
}

/// The publish metadata, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCrate {
    pub name: PackageId,
    pub vers: SemVer,
    pub deps: Vec<NewCrateDep>,
    pub features: Features,
    pub authors: Vec<String>,
    pub description: Option<String>,
    pub documentation: Option<String>,
    pub homepage: Option<String>,
    /// The readme's text, as cargo read it from the package.
    pub readme: Option<String>,
    /// The readme's path in the package.
    pub readme_file: Option<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub license: Option<String>,
    pub license_file: Option<String>,
    pub repository: Option<String>,
    pub badges: BTreeMap<String, BTreeMap<String, String>>,
    pub links: Option<String>,
    pub rust_version: Option<String>,
}

impl NewCrate {
    /// Reads and checks the metadata JSON of a publish body.
    pub fn parse(json: &[u8]) -> Result<Self, CargoError> {
        let raw: RawNewCrate = serde_json::from_slice(json).map_err(|e| CargoError::InvalidMetadata(e.to_string()))?;
        raw.check()
    }

    /// The name of the `.crate` file and its top directory's: `<name>-<vers>`.
    pub fn crate_stem(&self) -> String {
        format!("{}-{}", self.name, self.vers)
    }
}

/// `null` reads as the type's default, as does a missing field (with `#[serde(default)]`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

#[derive(Deserialize)]
struct RawNewCrate {
    name: String,
    vers: String,
    #[serde(default, deserialize_with = "nullable")]
    deps: Vec<RawDep>,
    #[serde(default, deserialize_with = "nullable")]
    features: Features,
    #[serde(default, deserialize_with = "nullable")]
    authors: Vec<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    documentation: Option<String>,
    #[serde(default)]
    homepage: Option<String>,
    #[serde(default)]
    readme: Option<String>,
    #[serde(default)]
    readme_file: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    keywords: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    categories: Vec<String>,
    #[serde(default)]
    license: Option<String>,
    #[serde(default)]
    license_file: Option<String>,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    badges: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    links: Option<String>,
    #[serde(default)]
    rust_version: Option<String>,
}

#[derive(Deserialize)]
struct RawDep {
    name: String,
    version_req: String,
    #[serde(default, deserialize_with = "nullable")]
    features: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    optional: bool,
    #[serde(default)]
    default_features: Option<bool>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    registry: Option<String>,
    #[serde(default)]
    explicit_name_in_toml: Option<String>,
    /// Artifact dependencies (`-Z bindeps`): the index format for them (`"v": 3`) is one cargo
    /// itself does not read yet, so they are refused.
    #[serde(default)]
    artifact: Option<serde_json::Value>,
}

impl RawNewCrate {
    fn check(self) -> Result<NewCrate, CargoError> {
        let name = parse_crate_name(&self.name)?;
        let vers = SemVer::parse(&self.vers)
            .map_err(|e| CargoError::InvalidVersion { version: quote(&self.vers), reason: e.to_string() })?;
        let deps = self.deps.into_iter().map(RawDep::check).collect::<Result<Vec<_>, _>>()?;
        check_features(&self.features)?;
        if let Some(links) = &self.links {
            rules::links(links).map_err(|reason| CargoError::field("links", reason))?;
        }
        if let Some(version) = &self.rust_version {
            rules::rust_version(version).map_err(|reason| CargoError::field("rust_version", reason))?;
        }
        Ok(NewCrate {
            name,
            vers,
            deps,
            features: self.features,
            authors: self.authors,
            description: self.description,
            documentation: self.documentation,
            homepage: self.homepage,
            readme: self.readme,
            readme_file: self.readme_file,
            keywords: self.keywords,
            categories: self.categories,
            license: self.license,
            license_file: self.license_file,
            repository: self.repository,
            badges: self.badges,
            links: self.links,
            rust_version: self.rust_version,
        })
    }
}

/// A crate name under crates.io's rules, refused with the rule it breaks.
pub(crate) fn parse_crate_name(name: &str) -> Result<PackageId, CargoError> {
    PackageId::parse(Ecosystem::Cargo, name).map_err(|e| {
        let reason = match e {
            PackageIdError::Invalid { reason, .. } => reason.to_owned(),
            PackageIdError::TooLong { max, .. } => format!("a crate name is at most {max} characters"),
            other => other.to_string(),
        };
        CargoError::InvalidName { name: quote(name), reason }
    })
}

fn check_features(features: &Features) -> Result<(), CargoError> {
    for (name, values) in features {
        rules::feature_name(name)
            .map_err(|reason| CargoError::field("features", format!("{}: {reason}", quote(name))))?;
        for value in values {
            rules::feature_value(value).map_err(|reason| {
                CargoError::field("features", format!("{} in {}: {reason}", quote(value), quote(name)))
            })?;
        }
    }
    Ok(())
}

impl RawDep {
    fn check(self) -> Result<NewCrateDep, CargoError> {
        let shown = self.explicit_name_in_toml.as_deref().unwrap_or(&self.name);
        let invalid = |reason: String| CargoError::InvalidDependency { dep: quote(shown), reason };
        rules::dependency_name(&self.name).map_err(|r| invalid(r.to_owned()))?;
        if let Some(alias) = &self.explicit_name_in_toml {
            rules::dependency_name(alias).map_err(|r| invalid(format!("its rename: {r}")))?;
        }
        validate_version_req(&self.version_req)
            .map_err(|r| invalid(format!("version requirement {}: {r}", quote(&self.version_req))))?;
        for feature in &self.features {
            rules::feature_value(feature).map_err(|r| invalid(format!("feature {}: {r}", quote(feature))))?;
        }
        if let Some(target) = &self.target {
            rules::target(target).map_err(|r| invalid(format!("target {}: {r}", quote(target))))?;
        }
        let kind = DepKind::parse(self.kind.as_deref())
            .ok_or_else(|| invalid("`kind` is one of `normal`, `build` and `dev`".to_owned()))?;
        if self.registry.as_deref().is_some_and(|r| r.is_empty() || r.chars().any(char::is_control)) {
            return Err(invalid("`registry` is an index URL".to_owned()));
        }
        if self.artifact.as_ref().is_some_and(|a| !a.is_null()) {
            return Err(invalid("artifact dependencies (-Z bindeps) are not supported by this registry".to_owned()));
        }
        Ok(NewCrateDep {
            name: self.name,
            version_req: self.version_req,
            features: self.features,
            optional: self.optional,
            default_features: self.default_features.unwrap_or(true),
            target: self.target,
            kind,
            registry: self.registry,
            explicit_name_in_toml: self.explicit_name_in_toml,
        })
    }
}
