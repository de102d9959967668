//! Each ecosystem's package name rules: which names are valid and the key that decides identity.

use super::Ecosystem;

/// Longest PyPI name or Maven `groupId:artifactId` accepted. Neither ecosystem sets a bound; this
/// matches the OCI name limit, far above any published name.
pub const MAX_PACKAGE_NAME_LEN: usize = 255;
/// npm's limit for new packages (validate-npm-package-name).
pub const MAX_NPM_NAME_LEN: usize = 214;
/// crates.io's limit.
pub const MAX_CRATE_NAME_LEN: usize = 64;

/// Why a name is refused, before it is attached to its ecosystem and text.
pub(super) enum Refusal {
    TooLong(usize),
    Invalid(&'static str),
}

pub(super) fn max_len(ecosystem: Ecosystem) -> usize {
    match ecosystem {
        Ecosystem::Npm => MAX_NPM_NAME_LEN,
        Ecosystem::Cargo => MAX_CRATE_NAME_LEN,
        Ecosystem::Oci | Ecosystem::Generic => crate::name::MAX_NAME_LEN,
        Ecosystem::Pypi | Ecosystem::Maven => MAX_PACKAGE_NAME_LEN,
    }
}

fn check_len(name: &str, ecosystem: Ecosystem) -> Result<(), Refusal> {
    let max = max_len(ecosystem);
    if name.len() > max { Err(Refusal::TooLong(max)) } else { Ok(()) }
}

/// PEP 508 names (`^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, any case), keyed by PEP 503's
/// normalization: runs of `-`, `_`, `.` become one `-`, letters lowercase. `Friendly.Bar`,
/// `friendly-bar` and `FRIENDLY__BAR` are one project.
pub(super) fn pypi(name: &str) -> Result<String, Refusal> {
    check_len(name, Ecosystem::Pypi)?;
    let b = name.as_bytes();
    let separator = |c: u8| matches!(c, b'-' | b'_' | b'.');
    let ends_ok = b.first().is_some_and(u8::is_ascii_alphanumeric) && b.last().is_some_and(u8::is_ascii_alphanumeric);
    if !ends_ok || !b.iter().all(|&c| c.is_ascii_alphanumeric() || separator(c)) {
        return Err(Refusal::Invalid(
            "use ASCII letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
        ));
    }
    let mut key = String::with_capacity(name.len());
    for &c in b {
        if !separator(c) {
            key.push(char::from(c.to_ascii_lowercase()));
        } else if !key.ends_with('-') {
            key.push('-');
        }
    }
    Ok(key)
}

/// Characters `encodeURIComponent` leaves alone: what npm calls URL-friendly.
fn url_friendly(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&c)
}

/// `name` or `@scope/name` under validate-npm-package-name's rules for new packages: at most 214
/// characters, lowercase, URL-friendly, not starting with `.` or `_` (nor the part after the scope
/// with `.`), none of `~'!()*` after the scope, not `node_modules` or `favicon.ico`. New names are
/// lowercase, so the name is its own key.
///
/// Not applied: the warning for Node core module names (`http`, `events`, `buffer`…). That list grows
/// with every Node release, and several of its names are long-published, heavily used npm packages
/// (`events`, `buffer`, `util`, `punycode`) that a registry must be able to serve.
pub(super) fn npm(name: &str) -> Result<String, Refusal> {
    check_len(name, Ecosystem::Npm)?;
    if name.starts_with('.') || name.starts_with('_') {
        return Err(Refusal::Invalid("a name cannot start with '.' or '_'"));
    }
    if name == "node_modules" || name == "favicon.ico" {
        return Err(Refusal::Invalid("node_modules and favicon.ico are reserved"));
    }
    if name.bytes().any(|c| c.is_ascii_uppercase()) {
        return Err(Refusal::Invalid("new npm names are lowercase"));
    }
    let bare = match name.strip_prefix('@') {
        Some(scoped) => {
            let Some((scope, bare)) = scoped.split_once('/') else {
                return Err(Refusal::Invalid("a scoped name is @scope/name"));
            };
            if scope.is_empty() || !scope.bytes().all(url_friendly) {
                return Err(Refusal::Invalid("a scope is one or more URL-friendly characters: @scope/name"));
            }
            if bare.starts_with('.') {
                return Err(Refusal::Invalid("a name cannot start with '.'"));
            }
            bare
        }
        None => name,
    };
    if bare.is_empty() || !bare.bytes().all(url_friendly) {
        return Err(Refusal::Invalid("use URL-friendly characters: lowercase letters, digits, '-', '_', '.'"));
    }
    if bare.bytes().any(|c| b"~'!()*".contains(&c)) {
        return Err(Refusal::Invalid("new npm names cannot contain ~'!()*"));
    }
    Ok(name.to_owned())
}

/// The `@scope` of a scoped npm name, without the `@`.
pub(super) fn npm_scope(name: &str) -> Option<&str> {
    name.strip_prefix('@')?.split_once('/').map(|(scope, _)| scope)
}

/// crates.io's rules: ASCII letters, digits, `-` and `_`, starting with a letter, at most 64
/// characters. The key folds case and reads `-` as `_` (crates.io's `canon_crate_name`), so
/// `foo_bar`, `foo-bar` and `Foo-Bar` are one crate and the second to be published is refused.
pub(super) fn cargo(name: &str) -> Result<String, Refusal> {
    check_len(name, Ecosystem::Cargo)?;
    let b = name.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return Err(Refusal::Invalid("a crate name starts with an ASCII letter"));
    }
    if !b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
        return Err(Refusal::Invalid("use ASCII letters, digits, '-' and '_'"));
    }
    Ok(name.to_ascii_lowercase().replace('-', "_"))
}

/// `groupId:artifactId`, each a Maven id (`[A-Za-z0-9_.-]+`). Maven compares coordinates exactly, so
/// the name is its own key.
pub(super) fn maven(name: &str) -> Result<String, Refusal> {
    check_len(name, Ecosystem::Maven)?;
    let id = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"_-.".contains(&c));
    match name.split_once(':') {
        Some((group, artifact)) if id(group) && id(artifact) => Ok(name.to_owned()),
        _ => Err(Refusal::Invalid("use groupId:artifactId, each of ASCII letters, digits, '_', '-' and '.'")),
    }
}

/// `groupId` and `artifactId` of a Maven name.
pub(super) fn maven_coordinates(name: &str) -> Option<(&str, &str)> {
    name.split_once(':')
}
