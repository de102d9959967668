//! The sparse index: one JSON line per published version ([`IndexLine`]), the file of a crate's
//! lines ([`render_index_file`]), where that file lives ([`index_path`]) and `config.json`.
//!
//! A line is written once, at publish, from the metadata, the `.crate`'s digest and the time
//! ([`IndexLine::from_publish`]), and never changes afterwards except for `yanked`, which the
//! registry keeps beside it and overlays when it renders the file. The spelling follows crates.io's
//! `crates_io_index` field for field (order, and which fields are omitted rather than `null`), plus
//! `registry` for dependencies from other registries, which crates.io never has.

mod path;
mod pubtime;

pub use path::{IndexConfig, index_path, parse_index_path};
pub use pubtime::Pubtime;

use crate::CargoError;
use crate::metadata::rules::is_features2_syntax;
use crate::metadata::{DepKind, Features, NewCrate, NewCrateDep};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One version's line. Field order is the serialization order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexLine {
    pub name: String,
    pub vers: String,
    pub deps: Vec<IndexDep>,
    /// SHA-256 of the `.crate`, lower-case hex.
    pub cksum: String,
    pub features: Features,
    /// Features using `dep:` or `?/`, which cargo before 1.60 cannot read; with `v: 2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features2: Option<Features>,
    #[serde(default, deserialize_with = "null_is_false")]
    pub yanked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pubtime: Option<Pubtime>,
    /// The schema version: `2` when `features2` is present, absent (1) otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<u32>,
}

/// A dependency in a line. `name` is the name the depending crate uses (its rename, if any);
/// `package` the crate depended on when it was renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDep {
    pub name: String,
    pub req: String,
    pub features: Vec<String>,
    pub optional: bool,
    pub default_features: bool,
    pub target: Option<String>,
    #[serde(default)]
    pub kind: DepKind,
    /// The index URL of the dependency's registry; absent for this registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

impl IndexLine {
    /// The line of a version being published, not yanked.
    pub fn from_publish(krate: &NewCrate, cksum: &str, pubtime: Option<Pubtime>) -> Self {
        let mut deps: Vec<IndexDep> = krate.deps.iter().map(IndexDep::from_publish).collect();
        deps.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        let (features, features2) = split_features(&krate.features);
        let features2 = (!features2.is_empty()).then_some(features2);
        Self {
            name: krate.name.as_str().to_owned(),
            vers: krate.vers.to_string(),
            deps,
            cksum: cksum.to_owned(),
            features,
            v: features2.as_ref().map(|_| 2),
            features2,
            yanked: false,
            links: krate.links.clone(),
            rust_version: krate.rust_version.clone(),
            pubtime,
        }
    }

    /// Reads a stored line back.
    pub fn parse(line: &str) -> Result<Self, CargoError> {
        serde_json::from_str(line.trim_end_matches('\n')).map_err(|e| CargoError::InvalidIndexLine(e.to_string()))
    }

    /// The line, without its newline. Reading it back and writing it again gives the same bytes.
    pub fn to_json(&self) -> String {
        // Cannot fail: only strings, booleans, small integers and maps with string keys.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl IndexDep {
    fn from_publish(dep: &NewCrateDep) -> Self {
        let (name, package) = match &dep.explicit_name_in_toml {
            Some(alias) => (alias.clone(), Some(dep.name.clone())),
            None => (dep.name.clone(), None),
        };
        Self {
            name,
            req: dep.version_req.clone(),
            features: dep.features.clone(),
            optional: dep.optional,
            default_features: dep.default_features,
            target: dep.target.clone(),
            kind: dep.kind,
            registry: dep.registry.clone(),
            package,
        }
    }

    /// crates.io's order: by name, then `normal` before `build` before `dev`. Old cargo misreads
    /// `optional` when one dependency appears twice with different kinds unless `normal` is first.
    #[allow(clippy::type_complexity)]
    fn order_key(
        &self,
    ) -> (&str, DepKind, &str, bool, bool, &Option<String>, &Option<String>, &[String], &Option<String>) {
        let d = self;
        (&d.name, d.kind, &d.req, d.optional, d.default_features, &d.target, &d.package, &d.features, &d.registry)
    }
}

/// Splits features as crates.io does: those using `dep:` or `?/` go to `features2`, and so, in
/// turn, do those enabling a feature already there (a feature of `features` must not name one
/// that older cargo cannot see). crates.io stops after 100 rounds; so does this.
pub fn split_features(all: &Features) -> (Features, Features) {
    let (mut features, mut features2): (Features, Features) =
        all.clone().into_iter().partition(|(_, values)| !values.iter().any(|v| is_features2_syntax(v)));
    for _ in 0..100 {
        let (stay, moving): (Features, Features) =
            features.into_iter().partition(|(_, values)| !values.iter().any(|v| features2.contains_key(v)));
        features = stay;
        if moving.is_empty() {
            break;
        }
        features2.extend(moving);
    }
    (features, features2)
}

/// A crate's index file: its stored lines in the order given, each with `yanked` set from the
/// overlay, each ending in a newline. A stored line that does not read back is an error: the
/// file would otherwise silently lose a version.
pub fn render_index_file<'a>(lines: impl IntoIterator<Item = (&'a str, bool)>) -> Result<String, CargoError> {
    let mut out = String::new();
    for (stored, yanked) in lines {
        let mut line = IndexLine::parse(stored)?;
        line.yanked = yanked;
        out.push_str(&line.to_json());
        out.push('\n');
    }
    Ok(out)
}

fn null_is_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Option::<bool>::deserialize(d).map(Option::unwrap_or_default)
}

impl Serialize for DepKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Missing or `null` is `normal`, as cargo reads the index.
impl<'de> Deserialize<'de> for DepKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let kind = Option::<String>::deserialize(d)?;
        Self::parse(kind.as_deref()).ok_or_else(|| serde::de::Error::custom("kind is normal, build or dev"))
    }
}

impl Serialize for Pubtime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Pubtime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("pubtime is YYYY-MM-DDTHH:MM:SSZ"))
    }
}
