//! `<repo>/<package>@<version|sha256:…>` and `<repo>[/<package>]`.

use super::Failure;

/// A version of a package: `repo/package@version` or `repo/package@sha256:<hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRef {
    pub repo: String,
    pub package: String,
    /// A version (tag) or a digest.
    pub reference: String,
}

impl VersionRef {
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        let bad = || Failure::usage(format!("{s:?}: expected <repo>/<package>@<version|sha256:…>"));
        let (name, reference) = s.rsplit_once('@').ok_or_else(bad)?;
        let (repo, package) = name.split_once('/').ok_or_else(bad)?;
        if repo.is_empty() || package.is_empty() || reference.is_empty() || package.split('/').any(str::is_empty) {
            return Err(bad());
        }
        Ok(Self { repo: repo.into(), package: package.into(), reference: reference.into() })
    }

    /// `repo/package`, the OCI name.
    pub fn name(&self) -> String {
        format!("{}/{}", self.repo, self.package)
    }

    pub fn is_digest(&self) -> bool {
        self.reference.starts_with("sha256:")
    }
}

/// `repo` or `repo/package`.
pub fn parse_location(s: &str) -> anyhow::Result<(String, Option<String>)> {
    let bad = || Failure::usage(format!("{s:?}: expected <repo>[/<package>]"));
    match s.split_once('/') {
        None if !s.is_empty() => Ok((s.into(), None)),
        Some((repo, package)) if !repo.is_empty() && !package.split('/').any(str::is_empty) => {
            Ok((repo.into(), Some(package.into())))
        }
        _ => Err(bad()),
    }
}

/// `key=value`.
pub fn parse_property(s: &str) -> anyhow::Result<(String, String)> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.into(), v.into())),
        _ => Err(Failure::usage(format!("property {s:?}: expected key=value"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse() {
        let r = VersionRef::parse("rel/team/tool@1.0").unwrap();
        assert_eq!((r.repo.as_str(), r.package.as_str(), r.reference.as_str()), ("rel", "team/tool", "1.0"));
        assert!(VersionRef::parse("rel/tool@sha256:ab").unwrap().is_digest());
        for bad in ["rel@1", "rel/tool", "/tool@1", "rel/tool@", "rel//x@1"] {
            assert!(VersionRef::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_location("rel").unwrap(), ("rel".into(), None));
        assert_eq!(parse_location("rel/a/b").unwrap(), ("rel".into(), Some("a/b".into())));
        assert!(parse_location("rel/").is_err());
        assert_eq!(parse_property("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(parse_property("=x").is_err());
    }
}
