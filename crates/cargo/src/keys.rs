//! When two names are one crate and two versions one version.
//!
//! - Names: crates.io folds ASCII case and reads `-` as `_` (`canon_crate_name`), so `Foo-Bar`
//!   cannot be published beside `foo_bar`. That key is [`arca_types::PackageId::normalized`];
//!   [`crate_key`] is a shortcut for a name not yet parsed.
//! - Versions: SemVer precedence ignores build metadata, and cargo cannot choose between `1.0.7`
//!   and `1.0.7+x` (its index keys versions by precedence), so crates.io refuses the second.
//!   [`version_key`] is the version without its build metadata. Versions are stored under tags that
//!   keep the metadata (`Ecosystem::version_tag`), so uniqueness must be checked on this key.

use crate::CargoError;
use crate::metadata::parse_crate_name;
use arca_types::SemVer;

/// The collision key of a crate name: `foo_bar` for `Foo-Bar`.
pub fn crate_key(name: &str) -> Result<String, CargoError> {
    Ok(parse_crate_name(name)?.normalized().to_owned())
}

/// The uniqueness key of a version: `1.0.7` for `1.0.7+x`, `1.0.0-rc.1` for `1.0.0-rc.1+b`.
pub fn version_key(version: &SemVer) -> String {
    let text = version.to_string();
    match text.split_once('+') {
        Some((key, _build)) => key.to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_collide_across_case_and_separators() {
        assert_eq!(crate_key("Foo-Bar").unwrap(), "foo_bar");
        assert_eq!(crate_key("foo_bar").unwrap(), crate_key("FOO-BAR").unwrap());
        assert_ne!(crate_key("foobar").unwrap(), crate_key("foo-bar").unwrap());
        assert!(crate_key("1abc").is_err());
    }

    #[test]
    fn versions_collide_across_build_metadata() {
        let key = |v: &str| version_key(&SemVer::parse(v).unwrap());
        assert_eq!(key("1.0.7+x"), key("1.0.7"));
        assert_eq!(key("1.0.0-rc.1+b.2"), "1.0.0-rc.1");
        assert_ne!(key("1.0.0-rc.1"), key("1.0.0"));
    }
}
