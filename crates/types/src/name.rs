//! Repository and package names.
//!
//! An OCI name `dev/team/app` is split into the arca repository (`dev`, its first path component) and
//! the package inside it (`team/app`). Every component follows the OCI distribution grammar
//! `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, which by construction excludes `.`, `..`, empty components and
//! any percent-encoding, so a valid name can never escape a directory or alias another name.

use std::fmt;

/// Longest accepted OCI name (repository + package), as most clients and registries limit it.
pub const MAX_NAME_LEN: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name is empty")]
    Empty,
    #[error("name is longer than {MAX_NAME_LEN} characters")]
    TooLong,
    #[error("name component {0:?} is invalid: use lowercase letters, digits and single separators . _ __ -")]
    BadComponent(String),
    #[error("name {0:?} has no package: use <repository>/<package>, e.g. dev/team/app")]
    MissingPackage(String),
}

/// One arca repository: a single name component such as `dev` or `prod-eu`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RepoName(String);

/// A package inside a repository: one or more components joined by `/` (e.g. `team/app`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PackageName(String);

/// A full OCI name: repository and package.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OciName {
    pub repository: RepoName,
    pub package: PackageName,
}

impl RepoName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        check_len(s)?;
        check_component(s)?;
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PackageName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        check_len(s)?;
        s.split('/').try_for_each(check_component)?;
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl OciName {
    /// Parses `repository/package[/more]`.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        check_len(s)?;
        let (repo, package) = match s.split_once('/') {
            Some(parts) => parts,
            None => {
                check_component(s)?;
                return Err(NameError::MissingPackage(s.to_owned()));
            }
        };
        Ok(Self { repository: RepoName::parse(repo)?, package: PackageName::parse(package)? })
    }

    pub fn new(repository: RepoName, package: PackageName) -> Self {
        Self { repository, package }
    }
}

impl fmt::Display for OciName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.repository, self.package)
    }
}

fn check_len(s: &str) -> Result<(), NameError> {
    match s.len() {
        0 => Err(NameError::Empty),
        n if n > MAX_NAME_LEN => Err(NameError::TooLong),
        _ => Ok(()),
    }
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn check_component(c: &str) -> Result<(), NameError> {
    let bad = || NameError::BadComponent(c.chars().take(64).collect());
    let bytes = c.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err(bad());
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let dashes = sep.bytes().all(|b| b == b'-');
        if !(sep == "." || sep == "_" || sep == "__" || dashes) {
            return Err(bad());
        }
    }
    Ok(())
}

macro_rules! string_newtype {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = NameError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    };
}
string_newtype!(RepoName);
string_newtype!(PackageName);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_repository_and_package() {
        let n = OciName::parse("dev/team/app").unwrap();
        assert_eq!(n.repository.as_str(), "dev");
        assert_eq!(n.package.as_str(), "team/app");
        assert_eq!(n.to_string(), "dev/team/app");
    }

    #[test]
    fn accepts_spec_separators() {
        for ok in ["a/b", "a0/b.c", "a/b_c", "a/b__c", "a/b---c", "my-repo/x/y/z"] {
            assert!(OciName::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_traversal_and_bad_components() {
        for bad in [
            "",
            "dev",
            "dev/",
            "/dev/x",
            "dev//x",
            "dev/../x",
            "dev/./x",
            "..",
            "dev/%2e%2e",
            "Dev/x",
            "dev/x-",
            "dev/-x",
            "dev/a___b",
            "dev/a._b",
            "dev/x\0",
            "dev/x y",
        ] {
            assert!(OciName::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(OciName::parse(&format!("a/{}", "b".repeat(300))), Err(NameError::TooLong));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = OciName::parse(&s);
        }

        #[test]
        fn valid_names_round_trip(s in "[a-z0-9]{1,8}(/[a-z0-9]{1,8}([._-][a-z0-9]{1,8})?){1,4}") {
            let n = OciName::parse(&s).unwrap();
            prop_assert_eq!(n.to_string(), s);
        }

        #[test]
        fn valid_names_never_contain_dot_segments(s in "[a-z0-9./_%-]{1,40}") {
            if let Ok(n) = OciName::parse(&s) {
                prop_assert!(n.to_string().split('/').all(|c| c != "." && c != ".." && !c.is_empty()));
                prop_assert!(!s.contains('%'));
            }
        }
    }
}
