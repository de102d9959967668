//! Version orderings per OSV ecosystem.
//!
//! OSV `ECOSYSTEM` ranges are ordered by the ecosystem's own rules, so matching needs one comparator
//! per ecosystem. SemVer, PEP 440 and Maven come from `arca_types` (the registry orders listings with
//! the same code); RubyGems, NuGet, Debian (dpkg) and Alpine (apk) live here and follow osv-scalibr's
//! `semantic/` comparators, whose test vectors they pass (see `tests/vectors/`).
//!
//! [`VersionOrder::compare`] returns `None` when either side does not parse: the caller must then treat
//! the comparison as unknown rather than guess.

mod alpine;
mod debian;
mod digits;
mod nuget;
mod rubygems;

pub use alpine::AlpineVersion;
pub use debian::DebianVersion;
pub use nuget::NuGetVersion;
pub use rubygems::RubyGemsVersion;

use arca_types::{MavenVersion, Pep440, SemVer};
use std::cmp::Ordering;

/// Longest version string any ordering accepts; bounds the work of one comparison.
pub const MAX_VERSION_LEN: usize = 256;

/// How one OSV ecosystem orders its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionOrder {
    /// SemVer 2.0 precedence, tolerating one leading `v` and short forms (`1.2` as `1.2.0`).
    SemVer,
    Pep440,
    Maven,
    RubyGems,
    NuGet,
    Debian,
    Alpine,
}

/// The ordering of an OSV ecosystem string, suffix allowed (`Debian:12`, `Maven:https://…`).
/// `None` for ecosystems without a known ordering (their ranges cannot be evaluated).
///
/// Packagist and Pub have their own variants in osv-scalibr; they are approximated by SemVer here.
pub fn order_for(ecosystem: &str) -> Option<VersionOrder> {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem).trim();
    let order = match base {
        "npm" | "crates.io" | "Go" | "Hex" | "Pub" | "Packagist" | "Bitnami" | "ConanCenter" | "GHC" | "Julia"
        | "SwiftURL" => VersionOrder::SemVer,
        "PyPI" => VersionOrder::Pep440,
        "Maven" => VersionOrder::Maven,
        "RubyGems" => VersionOrder::RubyGems,
        "NuGet" => VersionOrder::NuGet,
        "Debian" | "Ubuntu" => VersionOrder::Debian,
        "Alpine" | "Wolfi" | "Chainguard" | "MinimOS" | "Alpaquita" => VersionOrder::Alpine,
        _ => return None,
    };
    Some(order)
}

impl VersionOrder {
    /// Compares two versions; `None` if either does not parse under this ordering.
    pub fn compare(&self, a: &str, b: &str) -> Option<Ordering> {
        if a.len() > MAX_VERSION_LEN || b.len() > MAX_VERSION_LEN {
            return None;
        }
        match self {
            Self::SemVer => Some(parse_semver(a)?.cmp_precedence(&parse_semver(b)?)),
            Self::Pep440 => Some(Pep440::parse(a).ok()?.cmp(&Pep440::parse(b).ok()?)),
            Self::Maven => Some(MavenVersion::parse(a).ok()?.cmp(&MavenVersion::parse(b).ok()?)),
            Self::RubyGems => Some(RubyGemsVersion::parse(a)?.cmp(&RubyGemsVersion::parse(b)?)),
            Self::NuGet => Some(NuGetVersion::parse(a)?.cmp(&NuGetVersion::parse(b)?)),
            Self::Debian => Some(DebianVersion::parse(a)?.cmp(&DebianVersion::parse(b)?)),
            Self::Alpine => Some(AlpineVersion::parse(a)?.cmp(&AlpineVersion::parse(b)?)),
        }
    }

    /// Whether `version` parses under this ordering.
    pub fn is_valid(&self, version: &str) -> bool {
        self.compare(version, version).is_some()
    }
}

/// SemVer as OSV uses it: strict SemVer 2.0 after one optional `v`, else a short form whose numeric
/// part has one or two components (`1`, `1.2`, `1.2-beta`) padded with zeros.
fn parse_semver(s: &str) -> Option<SemVer> {
    let s = s.strip_prefix('v').unwrap_or(s);
    if let Ok(v) = SemVer::parse(s) {
        return Some(v);
    }
    let cut = s.find(['-', '+']).unwrap_or(s.len());
    let (core, rest) = s.split_at(cut);
    let parts = core.split('.').count();
    if !(1..3).contains(&parts) || !core.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let padded = format!("{core}{}{rest}", ".0".repeat(3 - parts));
    SemVer::parse(&padded).ok()
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
