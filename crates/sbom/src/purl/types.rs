//! Per-type purl rules (`package-url/purl-spec:types/*-definition.json`).
//!
//! Why here and not in the matcher: two producers write one package two ways (`Django_Package` vs
//! `django-package`, `pkg:NPM/...`), and the index must see one key. Only rules that change the
//! value or reject an unusable purl are applied; a type not listed keeps its parts as given.
//!
//! Caveat: the golang definition says namespace and name are case-insensitive and lower-cased,
//! although Go module paths are case-sensitive (`github.com/Azure/...`); we follow the definition,
//! so a matcher must compare Go module paths case-insensitively.

use super::{Purl, PurlError};

/// Types whose namespace and name are case-insensitive and lower-cased.
const LOWERCASE_NAMESPACE_AND_NAME: &[&str] =
    &["alpm", "apk", "bitbucket", "bitnami", "composer", "deb", "github", "golang", "hex", "npm"];

/// Types whose name (only) is lower-cased.
const LOWERCASE_NAME: &[&str] = &["oci", "pub"];

/// Types that require a namespace. (Not golang: syft writes the toolchain as `pkg:golang/stdlib`.)
const NAMESPACE_REQUIRED: &[&str] = &["maven", "swift"];

/// Types that forbid a namespace.
const NAMESPACE_FORBIDDEN: &[&str] = &["oci"];

/// Applies the rules of `p.ty` (already lower-cased and validated) in place.
pub(super) fn normalise(p: &mut Purl) -> Result<(), PurlError> {
    let ty = p.ty.as_str();
    if LOWERCASE_NAMESPACE_AND_NAME.contains(&ty) {
        p.namespace = p.namespace.as_deref().map(str::to_lowercase);
        p.name = p.name.to_lowercase();
    } else if LOWERCASE_NAME.contains(&ty) {
        p.name = p.name.to_lowercase();
    }
    match ty {
        "pypi" => p.name = pep503(&p.name),
        "huggingface" => p.version = p.version.as_deref().map(str::to_lowercase),
        _ => {}
    }
    if p.namespace.is_none() && NAMESPACE_REQUIRED.contains(&ty) {
        return Err(PurlError::InvalidNamespace(format!("type {ty} requires a namespace")));
    }
    if p.namespace.is_some() && NAMESPACE_FORBIDDEN.contains(&ty) {
        return Err(PurlError::InvalidNamespace(format!("type {ty} has no namespace")));
    }
    Ok(())
}

/// PEP 503 name normalisation: lower-case, and every run of `-`, `_`, `.` becomes one `-`.
fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pep503;

    #[test]
    fn pep503_collapses_separator_runs() {
        assert_eq!(pep503("My.PyPI_.--._Package"), "my-pypi-package");
        assert_eq!(pep503("Django_package"), "django-package");
        assert_eq!(pep503("zope.interface"), "zope-interface");
    }
}
