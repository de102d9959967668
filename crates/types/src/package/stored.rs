//! How a package of any ecosystem is stored: under an OCI package name, with each version as an OCI
//! tag. Every format's version is an OCI manifest (so `/v2/`, promotion, retention and search see it
//! unchanged), and OCI names and tags have a narrower alphabet than PyPI, npm or Cargo, so the
//! spelling is mapped, reversibly:
//!
//! - names: a PyPI project is stored under its PEP 503 key (`friendly-bar`), which is always an OCI
//!   name; a scoped npm package `@scope/name` under `scope/name` (unscoped npm names have no `/`, so
//!   the two never meet); a Maven `groupId:artifactId` under its repository layout path
//!   `group/path/artifactId` (group segments never hold a `.`, so the last component is the
//!   artifactId, dots and all); a name with no OCI spelling (npm's legacy `~` or a leading `-`, a
//!   Maven name with capitals) is refused.
//! - versions: SemVer's build separator `+` becomes `_` (SemVer has no `_`), and PEP 440's epoch
//!   separator `!` becomes `-` (a normalized PEP 440 version has neither `-` nor `_`).

use super::{Ecosystem, PackageId};
use crate::{NameError, PackageName, ReferenceError, Tag};

impl PackageId {
    /// The OCI package name this package is stored under.
    pub fn stored_name(&self) -> Result<PackageName, NameError> {
        match self.ecosystem {
            Ecosystem::Npm => PackageName::parse(self.name.strip_prefix('@').unwrap_or(&self.name)),
            Ecosystem::Maven => match self.maven_coordinates() {
                Some((group, artifact)) => PackageName::parse(&format!("{}/{artifact}", group.replace('.', "/"))),
                None => PackageName::parse(&self.key),
            },
            _ => PackageName::parse(&self.key),
        }
    }
}

impl Ecosystem {
    /// The package name as this ecosystem's clients spell it, from the name it is stored under.
    pub fn package_from_stored(self, stored: &str) -> String {
        match self {
            Self::Npm if stored.contains('/') => format!("@{stored}"),
            Self::Maven => match stored.rsplit_once('/') {
                Some((group, artifact)) => format!("{}:{artifact}", group.replace('/', ".")),
                None => stored.to_owned(),
            },
            _ => stored.to_owned(),
        }
    }

    /// The tag a version is stored under (the version should already be in its normalized form).
    pub fn version_tag(self, version: &str) -> Result<Tag, ReferenceError> {
        let mapped: String = match self {
            Self::Pypi => version
                .chars()
                .map(|c| match c {
                    '+' => '_',
                    '!' => '-',
                    c => c,
                })
                .collect(),
            Self::Npm | Self::Cargo => version.replace('+', "_"),
            Self::Oci | Self::Generic | Self::Maven => version.to_owned(),
        };
        Tag::parse(&mapped)
    }

    /// The version a tag stands for: the inverse of [`Self::version_tag`].
    pub fn tag_version(self, tag: &str) -> String {
        match self {
            Self::Pypi => tag
                .chars()
                .map(|c| match c {
                    '_' => '+',
                    '-' => '!',
                    c => c,
                })
                .collect(),
            Self::Npm | Self::Cargo => tag.replace('_', "+"),
            Self::Oci | Self::Generic | Self::Maven => tag.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pep440;
    use proptest::prelude::*;

    #[test]
    fn names_are_stored_under_oci_names() {
        let stored = |e, n| PackageId::parse(e, n).unwrap().stored_name().map(String::from);
        assert_eq!(stored(Ecosystem::Pypi, "Friendly.Bar_baz").unwrap(), "friendly-bar-baz");
        assert_eq!(stored(Ecosystem::Npm, "@types/node").unwrap(), "types/node");
        assert_eq!(stored(Ecosystem::Npm, "lodash.merge").unwrap(), "lodash.merge");
        assert_eq!(Ecosystem::Npm.package_from_stored("types/node"), "@types/node");
        assert_eq!(Ecosystem::Npm.package_from_stored("lodash"), "lodash");
        assert_eq!(Ecosystem::Pypi.package_from_stored("friendly-bar"), "friendly-bar");
        assert_eq!(stored(Ecosystem::Maven, "org.example.tb:tb-demo.x").unwrap(), "org/example/tb/tb-demo.x");
        assert_eq!(Ecosystem::Maven.package_from_stored("org/example/tb/tb-demo.x"), "org.example.tb:tb-demo.x");
        assert!(stored(Ecosystem::Maven, "com.Example:lib").is_err(), "no OCI spelling: refused");
    }

    #[test]
    fn versions_round_trip_through_tags() {
        for (e, v, tag) in [
            (Ecosystem::Pypi, "1!2.0.post1+local.7", "1-2.0.post1_local.7"),
            (Ecosystem::Pypi, "1.0rc1", "1.0rc1"),
            (Ecosystem::Npm, "1.0.0-beta.1+build.5", "1.0.0-beta.1_build.5"),
            (Ecosystem::Cargo, "0.1.0+x", "0.1.0_x"),
            (Ecosystem::Generic, "v1_x", "v1_x"),
        ] {
            assert_eq!(e.version_tag(v).unwrap().as_str(), tag);
            assert_eq!(e.tag_version(tag), v);
        }
    }

    proptest! {
        #[test]
        fn every_normalized_pep440_version_round_trips(
            epoch in proptest::option::of(0u32..5), rel in proptest::collection::vec(0u32..100, 1..4),
            post in proptest::option::of(0u32..9), local in proptest::option::of("[a-z0-9]{1,5}(\\.[a-z0-9]{1,4}){0,2}"),
        ) {
            let mut s = epoch.map(|e| format!("{e}!")).unwrap_or_default();
            s.push_str(&rel.iter().map(u32::to_string).collect::<Vec<_>>().join("."));
            if let Some(p) = post { s.push_str(&format!(".post{p}")); }
            if let Some(l) = local { s.push_str(&format!("+{l}")); }
            let normalized = Pep440::parse(&s).unwrap().to_string();
            let tag = Ecosystem::Pypi.version_tag(&normalized).unwrap();
            prop_assert_eq!(Ecosystem::Pypi.tag_version(tag.as_str()), normalized);
        }
    }
}
