//! NuGet version ordering, as osv-scalibr's `version-nuget.go`: up to four numeric components (more
//! spill into the pre-release text), then SemVer pre-release rules, case-insensitively; `+metadata` is
//! ignored.

use super::digits::{cmp_digits, is_digits};
use std::cmp::Ordering;

const MAX_COMPONENTS: usize = 4;

/// A NuGet package version.
#[derive(Debug, Clone)]
pub struct NuGetVersion {
    components: Vec<String>,
    prerelease: String,
}

impl NuGetVersion {
    /// Parses a version (one leading `v` allowed). Only an empty string is refused.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let (mut components, mut build) = parse_semver_like(s.strip_prefix('v').unwrap_or(s));
        if components.len() > MAX_COMPONENTS {
            let extra = components.split_off(MAX_COMPONENTS);
            let mut spilled = build;
            for c in extra {
                spilled.push('.');
                let trimmed = c.trim_start_matches('0');
                spilled.push_str(if trimmed.is_empty() { "0" } else { trimmed });
            }
            build = spilled;
        }
        let without_metadata = build.split('+').next().unwrap_or("");
        let prerelease = without_metadata.strip_prefix('-').unwrap_or(without_metadata).to_ascii_lowercase();
        Some(Self { components, prerelease })
    }
}

/// osv-scalibr's semver-like parse: digit runs separated by dots, then everything from the first other
/// character on is the build text.
fn parse_semver_like(s: &str) -> (Vec<String>, String) {
    let mut components = Vec::new();
    let mut current = String::new();
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            components.push(std::mem::take(&mut current));
        }
        if c != '.' {
            return (components, s[i..].to_owned());
        }
    }
    if !current.is_empty() {
        components.push(current);
    }
    (components, String::new())
}

/// SemVer §11 pre-release precedence; an empty pre-release is the release and sorts last.
pub(crate) fn cmp_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let (a_ids, b_ids): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for (x, y) in a_ids.iter().zip(&b_ids) {
        let order = match (is_digits(x), is_digits(y)) {
            (true, true) => cmp_digits(x, y),
            (false, false) => x.cmp(y),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a_ids.len().cmp(&b_ids.len())
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.components.len().max(other.components.len());
        for i in 0..n {
            let a = self.components.get(i).map_or("0", String::as_str);
            let b = other.components.get(i).map_or("0", String::as_str);
            let order = cmp_digits(a, b);
            if order != Ordering::Equal {
                return order;
            }
        }
        cmp_prerelease(&self.prerelease, &other.prerelease)
    }
}

impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NuGetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NuGetVersion {}
