//! From a package URL to the `(ecosystem, name)` pair OSV files advisories under.
//!
//! Follows osv-scanner's `purl_to_package.go` (reference §5.2 table). Distribution packages take their
//! release from the `distro` qualifier, so a Debian 12 component matches `Debian:12` advisories:
//! `debian-12`, `debian-12.5`, `bookworm` and `12` all give `Debian:12`; `ubuntu-22.04` gives
//! `Ubuntu:22.04`; `alpine-3.20.1` and `3.20.1` give `Alpine:v3.20`. Without a usable `distro`
//! the bare ecosystem is returned, which matches every release (see [`crate::matching`]).

use crate::matching::normalize_name;

/// Debian release code names, for `distro=bookworm`.
const DEBIAN_CODENAMES: [(&str, &str); 8] = [
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("stretch", "9"),
    ("jessie", "8"),
    ("wheezy", "7"),
];

/// The OSV ecosystem and package name of a purl's parts (`None` for types OSV does not cover).
pub fn osv_package(
    purl_type: &str,
    namespace: Option<&str>,
    name: &str,
    qualifiers: &[(String, String)],
) -> Option<(String, String)> {
    // npm scopes may arrive still percent-encoded (`%40scope`, as canonical purls spell them).
    let namespace = namespace.map(str::trim).filter(|n| !n.is_empty());
    let decoded_scope = namespace.and_then(|n| n.strip_prefix("%40")).map(|rest| format!("@{rest}"));
    let namespace = decoded_scope.as_deref().or(namespace);
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let joined = |sep: &str| match namespace {
        Some(ns) => format!("{ns}{sep}{name}"),
        None => name.to_owned(),
    };
    let distro = qualifiers.iter().find(|(k, _)| k.eq_ignore_ascii_case("distro")).map(|(_, v)| v.trim());
    let (ecosystem, name) = match purl_type.to_ascii_lowercase().as_str() {
        "npm" => ("npm".to_owned(), joined("/")),
        "pypi" => ("PyPI".to_owned(), normalize_name("PyPI", name)),
        "maven" => ("Maven".to_owned(), format!("{}:{name}", namespace?)),
        "cargo" => ("crates.io".to_owned(), name.to_owned()),
        "gem" => ("RubyGems".to_owned(), name.to_owned()),
        "nuget" => ("NuGet".to_owned(), name.to_owned()),
        "golang" => ("Go".to_owned(), joined("/")),
        "composer" => ("Packagist".to_owned(), joined("/")),
        "pub" => ("Pub".to_owned(), name.to_owned()),
        "hex" => ("Hex".to_owned(), name.to_owned()),
        "conan" => ("ConanCenter".to_owned(), name.to_owned()),
        "cran" => ("CRAN".to_owned(), name.to_owned()),
        "hackage" => ("Hackage".to_owned(), name.to_owned()),
        "swift" => ("SwiftURL".to_owned(), joined("/")),
        "github" => ("GitHub Actions".to_owned(), joined("/")),
        "deb" => (deb_ecosystem(namespace, distro)?, name.to_owned()),
        "apk" => (apk_ecosystem(namespace, distro)?, name.to_owned()),
        _ => return None,
    };
    Some((ecosystem, name))
}

/// `Debian[:release]` or `Ubuntu[:release]` from the namespace and `distro` qualifier.
fn deb_ecosystem(namespace: Option<&str>, distro: Option<&str>) -> Option<String> {
    let vendor = namespace.unwrap_or("debian").to_ascii_lowercase();
    let (base, prefix) = match vendor.as_str() {
        "debian" => ("Debian", "debian-"),
        "ubuntu" => ("Ubuntu", "ubuntu-"),
        _ => return None,
    };
    let release = distro.map(|d| d.to_ascii_lowercase()).and_then(|d| {
        let d = d.strip_prefix(prefix).unwrap_or(&d).to_owned();
        if base == "Debian" {
            if let Some((_, number)) = DEBIAN_CODENAMES.iter().find(|(code, _)| *code == d) {
                return Some((*number).to_owned());
            }
            // Debian advisories use the major release only: `12.5` → `12`.
            let major = d.split('.').next().unwrap_or("");
            return major.bytes().all(|b| b.is_ascii_digit()).then(|| major.to_owned()).filter(|m| !m.is_empty());
        }
        let parts: Vec<&str> = d.split('.').take(2).collect();
        (parts.len() == 2 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
            .then(|| parts.join("."))
    });
    Some(match release {
        Some(r) => format!("{base}:{r}"),
        None => base.to_owned(),
    })
}

/// `Alpine[:vX.Y]` from the `distro` qualifier (`alpine-3.20.1`, `3.20`, `v3.20`).
fn apk_ecosystem(namespace: Option<&str>, distro: Option<&str>) -> Option<String> {
    if !namespace.unwrap_or("alpine").eq_ignore_ascii_case("alpine") {
        return None;
    }
    let release = distro.and_then(|d| {
        let d = d.to_ascii_lowercase();
        let d = d.strip_prefix("alpine-").unwrap_or(&d);
        let d = d.strip_prefix('v').unwrap_or(d);
        let parts: Vec<&str> = d.split('.').take(2).collect();
        (parts.len() == 2 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
            .then(|| format!("v{}.{}", parts[0], parts[1]))
    });
    Some(match release {
        Some(r) => format!("Alpine:{r}"),
        None => "Alpine".to_owned(),
    })
}
